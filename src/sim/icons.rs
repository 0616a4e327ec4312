//! Flat geometric icons drawn on the home tiles and app tiles.

use image::RgbImage;

use super::canvas::{Color, Rect, fill_circle, fill_rect, fill_rounded_rect};
use super::text::{Align, Style, draw_text_in};
use super::theme::RECORD_RED;

/// Draws the icon of home tile `tile_id` centred at (cx, cy).
/// `ink` is the icon colour and `paper` the tile colour behind it.
pub(crate) fn draw_home_icon(
    image: &mut RgbImage,
    tile_id: &str,
    cx: u32,
    cy: u32,
    ink: Color,
    paper: Color,
) {
    match tile_id {
        "live_tv" => {
            fill_rounded_rect(image, Rect::new(cx - 52, cy - 36, 104, 66), 8, ink);
            fill_rounded_rect(image, Rect::new(cx - 44, cy - 28, 88, 50), 4, paper);
            fill_rect(image, Rect::new(cx - 4, cy + 30, 8, 10), ink);
            fill_rounded_rect(image, Rect::new(cx - 28, cy + 38, 56, 8), 3, ink);
        }
        "guide" => {
            for (row, length) in [96u32, 72, 84].into_iter().enumerate() {
                let top = cy - 34 + row as u32 * 26;
                fill_rounded_rect(image, Rect::new(cx - 48, top, 20, 16), 4, ink);
                fill_rounded_rect(image, Rect::new(cx - 20, top, length - 28, 16), 4, ink);
            }
        }
        "settings" => {
            let (x, y) = (cx as f32, cy as f32);
            for step in 0..8 {
                let angle = step as f32 * std::f32::consts::FRAC_PI_4;
                fill_circle(
                    image,
                    x + 36.0 * angle.cos(),
                    y + 36.0 * angle.sin(),
                    10.0,
                    ink,
                );
            }
            fill_circle(image, x, y, 36.0, ink);
            fill_circle(image, x, y, 15.0, paper);
        }
        "apps" => {
            for (dx, dy) in [(0, 0), (48, 0), (0, 48), (48, 48)] {
                fill_rounded_rect(image, Rect::new(cx - 44 + dx, cy - 44 + dy, 40, 40), 9, ink);
            }
        }
        _ => {
            let (x, y) = (cx as f32, cy as f32);
            fill_circle(image, x, y, 42.0, ink);
            fill_circle(image, x, y, 34.0, paper);
            fill_circle(image, x, y, 22.0, RECORD_RED);
        }
    }
}

/// Draws an app icon: a rounded square in the app colour with the app's initial.
pub(crate) fn draw_app_icon(image: &mut RgbImage, area: Rect, label: &str, color: Color) {
    fill_rounded_rect(image, area, area.w / 5, color);
    let initial: String = label.chars().take(1).collect();
    let size = area.h as f32 * 0.6;
    draw_text_in(
        image,
        &initial,
        area,
        Align::Center,
        Style::bold(size),
        [255, 255, 255],
    );
}
