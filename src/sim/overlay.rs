//! On-screen overlays (channel banner, channel number entry, volume bar) and
//! the boot screen. Overlays sit on opaque panels so their text stays clean
//! even over moving video.

use image::RgbImage;

use super::canvas::{Rect, fill_rect, fill_rounded_rect, filled_image};
use super::catalog::{CHANNEL_NAMES, PROGRAMMES, channel_number};
use super::layout::{HEIGHT, MARGIN, WIDTH};
use super::text::{Align, Style, draw_text, draw_text_in, text_width};
use super::theme::{ACCENT, PANEL, SURFACE, TEXT, TEXT_DIM};

/// Background of overlays: darker than menu panels so they stand out on video.
const OVERLAY: [u8; 3] = [10, 13, 22];

pub(crate) const BANNER: Rect = Rect::new(MARGIN, 528, WIDTH - 2 * MARGIN, 132);
pub(crate) const CHANNEL_ENTRY: Rect = Rect::new(MARGIN, 40, 220, 96);
/// Top right, below the title bar and above the menu content.
pub(crate) const VOLUME_OSD: Rect = Rect::new(WIDTH - MARGIN - 400, 100, 400, 92);

/// Number of progress steps shown on the boot screen.
pub(crate) const BOOT_STEPS: u32 = 20;

/// Channel banner: number, name and the current and next programme.
pub(crate) fn draw_channel_banner(image: &mut RgbImage, channel: usize) {
    fill_rounded_rect(image, BANNER, 18, OVERLAY);
    fill_rect(
        image,
        Rect::new(BANNER.x, BANNER.y + 18, 8, BANNER.h - 36),
        ACCENT,
    );
    let left = (BANNER.x + 40) as f32;
    let top = (BANNER.y + 18) as f32;
    let number = channel_number(channel).to_string();
    let number_width = draw_text(image, &number, left, top, Style::bold(48.0), ACCENT);
    draw_text(
        image,
        CHANNEL_NAMES[channel],
        left + number_width + 28.0,
        top,
        Style::bold(48.0),
        TEXT,
    );

    let programmes = &PROGRAMMES[channel];
    let now = format!("Now: {}", programmes[0]);
    draw_text(image, &now, left, top + 64.0, Style::regular(30.0), TEXT);
    let next = format!("Next: {}", programmes[1]);
    let next_style = Style::regular(30.0);
    let next_left = (BANNER.x + BANNER.w - 40) as f32 - text_width(&next, next_style);
    draw_text(image, &next, next_left, top + 64.0, next_style, TEXT_DIM);
}

/// Box showing the channel digits typed so far, padded with dashes.
pub(crate) fn draw_channel_entry(image: &mut RgbImage, digits: &str) {
    fill_rounded_rect(image, CHANNEL_ENTRY, 16, OVERLAY);
    let shown: String = digits
        .chars()
        .chain(std::iter::repeat('-'))
        .take(3)
        .collect();
    draw_text_in(
        image,
        &shown,
        CHANNEL_ENTRY,
        Align::Center,
        Style::bold(56.0),
        TEXT,
    );
}

/// Volume bar with the level (0..=100) or "Muted".
pub(crate) fn draw_volume_osd(image: &mut RgbImage, volume: u8, muted: bool) {
    fill_rounded_rect(image, VOLUME_OSD, 16, OVERLAY);
    let label_area = Rect::new(VOLUME_OSD.x + 28, VOLUME_OSD.y + 8, 240, 44);
    let (label, value) = if muted {
        ("Muted", String::new())
    } else {
        ("Volume", volume.to_string())
    };
    draw_text_in(
        image,
        label,
        label_area,
        Align::Left,
        Style::bold(30.0),
        TEXT,
    );
    let value_style = Style::bold(30.0);
    let value_left = VOLUME_OSD.x + VOLUME_OSD.w - 28 - text_width(&value, value_style) as u32;
    let value_area = Rect::new(value_left, VOLUME_OSD.y + 8, 80, 44);
    draw_text_in(image, &value, value_area, Align::Left, value_style, TEXT);

    let track = Rect::new(VOLUME_OSD.x + 28, VOLUME_OSD.y + 60, VOLUME_OSD.w - 56, 14);
    fill_rounded_rect(image, track, 7, SURFACE);
    let filled = track.w * u32::from(volume.min(100)) / 100;
    let fill_color = if muted { TEXT_DIM } else { ACCENT };
    if filled > 0 {
        fill_rounded_rect(
            image,
            Rect::new(track.x, track.y, filled, track.h),
            7,
            fill_color,
        );
    }
}

/// Boot screen: the logo, then (from step 1) a progress bar.
pub(crate) fn draw_boot(step: u32) -> RgbImage {
    let mut image = filled_image(WIDTH, HEIGHT, [6, 8, 14]);
    let logo = Rect::new(0, 200, WIDTH, 160);
    draw_text_in(
        &mut image,
        "vpt",
        logo,
        Align::Center,
        Style::bold(140.0),
        ACCENT,
    );
    if step > 0 {
        let caption = Rect::new(0, 400, WIDTH, 48);
        draw_text_in(
            &mut image,
            "Starting up",
            caption,
            Align::Center,
            Style::regular(30.0),
            TEXT_DIM,
        );
        let track = Rect::new(WIDTH / 2 - 240, 480, 480, 12);
        fill_rounded_rect(&mut image, track, 6, PANEL);
        let filled = track.w * step.min(BOOT_STEPS) / BOOT_STEPS;
        fill_rounded_rect(
            &mut image,
            Rect::new(track.x, track.y, filled, track.h),
            6,
            ACCENT,
        );
    }
    image
}
