//! Colours and shared chrome (title bar, heading, hint line, focusable boxes).
//!
//! Backgrounds behind text are flat colours so that OCR and template matching
//! see clean, high-contrast glyphs.

use image::RgbImage;

use super::canvas::{Color, Rect, fill_rect, fill_rounded_rect, filled_image, framed_rounded_rect};
use super::layout::{HEADER_HEIGHT, HEADING, HEIGHT, HINT, MARGIN, WIDTH};
use super::text::{Align, Style, draw_text, draw_text_in, text_width};

pub(crate) const BACKGROUND: Color = [14, 18, 28];
pub(crate) const HEADER: Color = [24, 30, 46];
pub(crate) const SURFACE: Color = [32, 40, 58];
pub(crate) const PANEL: Color = [22, 28, 42];
/// Focused items are light with dark text: the strongest contrast for OCR.
pub(crate) const FOCUS_FILL: Color = [238, 242, 250];
pub(crate) const FOCUS_TEXT: Color = [14, 20, 34];
/// Icon colour on a focused tile.
pub(crate) const FOCUS_INK: Color = [36, 104, 220];
pub(crate) const FOCUS_RING: Color = [255, 196, 56];
pub(crate) const TEXT: Color = [242, 245, 250];
pub(crate) const TEXT_DIM: Color = [170, 180, 200];
pub(crate) const ACCENT: Color = [72, 160, 255];
pub(crate) const RECORD_RED: Color = [235, 64, 64];

/// Thickness of the focus ring on tiles and list rows.
pub(crate) const RING_TILE: u32 = 8;
pub(crate) const RING_ROW: u32 = 6;

/// Title bar with the product name; identical on every menu screen.
pub(crate) fn draw_header(image: &mut RgbImage) {
    fill_rect(image, Rect::new(0, 0, WIDTH, HEADER_HEIGHT), HEADER);
    let mark = Rect::new(MARGIN, 22, 44, 44);
    fill_rounded_rect(image, mark, 10, ACCENT);
    draw_text_in(image, "v", mark, Align::Center, Style::bold(32.0), TEXT);
    let title_area = Rect::new(MARGIN + 64, 0, 600, HEADER_HEIGHT);
    draw_text_in(
        image,
        "vpt demo STB",
        title_area,
        Align::Left,
        Style::bold(34.0),
        TEXT,
    );

    let badge = "Demo device";
    let style = Style::regular(28.0);
    let left = (WIDTH - MARGIN) as f32 - text_width(badge, style);
    let area = Rect::new(left as u32, 0, WIDTH - MARGIN - left as u32, HEADER_HEIGHT);
    draw_text_in(image, badge, area, Align::Left, style, TEXT_DIM);
}

/// A blank menu screen: background, title bar, page heading and key hints.
pub(crate) fn menu_page(heading: &str, hint: &str) -> RgbImage {
    let mut image = filled_image(WIDTH, HEIGHT, BACKGROUND);
    draw_header(&mut image);
    draw_text_in(
        &mut image,
        heading,
        HEADING,
        Align::Left,
        Style::bold(44.0),
        TEXT,
    );
    draw_text_in(
        &mut image,
        hint,
        HINT,
        Align::Left,
        Style::regular(28.0),
        TEXT_DIM,
    );
    image
}

/// Text colour of a focusable item's label.
pub(crate) fn label_color(focused: bool) -> Color {
    if focused { FOCUS_TEXT } else { TEXT_DIM }
}

/// A tile or row background: flat surface, or brighter fill with a thick ring when focused.
pub(crate) fn draw_focusable(
    image: &mut RgbImage,
    rect: Rect,
    radius: u32,
    ring: u32,
    focused: bool,
) {
    if focused {
        framed_rounded_rect(image, rect, radius, ring, FOCUS_RING, FOCUS_FILL);
    } else {
        fill_rounded_rect(image, rect, radius, SURFACE);
    }
}

/// Draws "Key: value" with a dimmed key and a bright value.
pub(crate) fn draw_key_value(image: &mut RgbImage, line: &str, left: f32, top: f32, style: Style) {
    match line.split_once(": ") {
        Some((key, value)) => {
            let key = format!("{key}: ");
            let width = draw_text(image, &key, left, top, style, TEXT_DIM);
            draw_text(image, value, left + width, top, style, TEXT);
        }
        None => {
            draw_text(image, line, left, top, style, TEXT);
        }
    }
}
