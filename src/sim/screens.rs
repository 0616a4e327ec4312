//! Drawing of the static menu screens (everything except live TV).
//! A screen is drawn from scratch only when its picture changes.

use image::RgbImage;

use super::canvas::{Color, Rect, fill_rounded_rect, filled_image, mix};
use super::catalog::{APPS, CHANNEL_NAMES, Entry, GUIDE_CHANNELS, GUIDE_SLOTS, HOME_TILES};
use super::catalog::{PROGRAMMES, RECORDINGS, SETTINGS_DETAILS, SETTINGS_ITEMS, channel_number};
use super::icons::{draw_app_icon, draw_home_icon};
use super::layout::{self, HEIGHT, LIST_PANEL, MARGIN, TILE_CAPTION, WIDTH};
use super::nav::{Nav, Screen};
use super::text::{Align, Style, draw_text, draw_text_in};
use super::theme::{self, FOCUS_FILL, PANEL, RING_ROW, RING_TILE, SURFACE, TEXT, TEXT_DIM};

/// Brand colour of each app, in `APPS` order.
const APP_COLORS: &[Color] = &[
    [214, 48, 49],
    [240, 140, 20],
    [142, 68, 173],
    [20, 150, 220],
    [46, 160, 90],
];

const LABEL: Style = Style::bold(28.0);
const ROW_LABEL: Style = Style::regular(30.0);
const BODY: Style = Style::regular(30.0);

/// Draws a menu screen. Live TV is drawn by `live.rs` and must not be passed here.
pub(crate) fn draw_menu_screen(nav: &Nav) -> RgbImage {
    match nav.screen {
        Screen::Home => draw_home(nav.home_focus),
        Screen::Settings => {
            let hint = "\u{25B2} \u{25BC}  Move      OK  Open      BACK  Return";
            draw_list("Settings", hint, SETTINGS_ITEMS, nav.settings_focus, true)
        }
        Screen::SettingsDetail(item) => draw_settings_detail(item),
        Screen::Guide => draw_guide(nav.guide_row, nav.guide_col),
        Screen::Apps => draw_apps(nav.apps_focus),
        Screen::AppSplash(app) => draw_app_splash(app),
        Screen::Recordings => {
            let hint = "\u{25B2} \u{25BC}  Move      BACK  Return";
            draw_list("Recordings", hint, RECORDINGS, nav.recordings_focus, false)
        }
        // Unreachable in practice; a plain page keeps this total without panicking.
        Screen::LiveTv => theme::menu_page("Live TV", ""),
    }
}

fn draw_home(focus: usize) -> RgbImage {
    let hint = "\u{25C0} \u{25B6}  Move      OK  Open";
    let mut image = theme::menu_page("Home", hint);
    for (index, tile) in HOME_TILES.iter().enumerate() {
        let rect = layout::tile_rect(index, HOME_TILES.len());
        let focused = index == focus;
        theme::draw_focusable(&mut image, rect, 20, RING_TILE, focused);
        let (ink, paper) = if focused {
            (theme::FOCUS_INK, FOCUS_FILL)
        } else {
            (theme::ACCENT, SURFACE)
        };
        draw_home_icon(
            &mut image,
            tile.id,
            rect.x + rect.w / 2,
            rect.y + 92,
            ink,
            paper,
        );
        draw_tile_label(&mut image, rect, tile.label, focused);
    }
    draw_caption(&mut image, &HOME_TILES[focus]);
    image
}

fn draw_apps(focus: usize) -> RgbImage {
    let hint = "\u{25C0} \u{25B6}  Move      OK  Open      BACK  Return";
    let mut image = theme::menu_page("Apps", hint);
    for (index, (app, color)) in APPS.iter().zip(APP_COLORS).enumerate() {
        let rect = layout::tile_rect(index, APPS.len());
        let focused = index == focus;
        theme::draw_focusable(&mut image, rect, 20, RING_TILE, focused);
        let icon = Rect::new(rect.x + rect.w / 2 - 52, rect.y + 36, 104, 104);
        draw_app_icon(&mut image, icon, app.label, *color);
        draw_tile_label(&mut image, rect, app.label, focused);
    }
    draw_caption(&mut image, &APPS[focus]);
    image
}

/// Tile label in the lower part of a tile.
fn draw_tile_label(image: &mut RgbImage, tile: Rect, label: &str, focused: bool) {
    let area = layout::tile_label_rect(tile);
    draw_text_in(
        image,
        label,
        area,
        Align::Center,
        LABEL,
        theme::label_color(focused),
    );
}

/// Describes the focused tile below the tile row.
fn draw_caption(image: &mut RgbImage, entry: &Entry) {
    draw_text_in(
        image,
        entry.blurb,
        TILE_CAPTION,
        Align::Center,
        BODY,
        TEXT_DIM,
    );
}

/// A vertical list with a detail panel for the focused entry.
fn draw_list(heading: &str, hint: &str, entries: &[Entry], focus: usize, opens: bool) -> RgbImage {
    let mut image = theme::menu_page(heading, hint);
    for (index, entry) in entries.iter().enumerate() {
        let rect = layout::list_row_rect(index);
        let focused = index == focus;
        theme::draw_focusable(&mut image, rect, 14, RING_ROW, focused);
        let color = theme::label_color(focused);
        let label = layout::list_label_rect(rect);
        let label_area = Rect::new(label.x + 16, label.y, label.w - 16, label.h);
        draw_text_in(
            &mut image,
            entry.label,
            label_area,
            Align::Left,
            ROW_LABEL,
            color,
        );
        if opens {
            let chevron_area = Rect::new(rect.x + rect.w - 52, rect.y, 28, rect.h);
            draw_text_in(
                &mut image,
                "\u{203A}",
                chevron_area,
                Align::Center,
                Style::bold(44.0),
                color,
            );
        }
    }
    let entry = &entries[focus];
    fill_rounded_rect(&mut image, LIST_PANEL, 18, PANEL);
    let (left, top) = ((LIST_PANEL.x + 36) as f32, (LIST_PANEL.y + 36) as f32);
    draw_text(&mut image, entry.label, left, top, Style::bold(36.0), TEXT);
    draw_text(&mut image, entry.blurb, left, top + 64.0, BODY, TEXT_DIM);
    image
}

fn draw_settings_detail(item: usize) -> RgbImage {
    let mut image = theme::menu_page(SETTINGS_ITEMS[item].label, "BACK  Return");
    let panel = Rect::new(MARGIN, 196, WIDTH - 2 * MARGIN, 424);
    fill_rounded_rect(&mut image, panel, 18, PANEL);
    for (index, line) in SETTINGS_DETAILS[item].iter().enumerate() {
        let top = (panel.y + 44 + index as u32 * 88) as f32;
        theme::draw_key_value(
            &mut image,
            line,
            (panel.x + 44) as f32,
            top,
            Style::regular(32.0),
        );
    }
    image
}

fn draw_guide(focus_row: usize, focus_col: usize) -> RgbImage {
    let hint = "Arrows  Move      OK  Watch      BACK  Return";
    let mut image = theme::menu_page("Guide", hint);
    for (col, slot) in GUIDE_SLOTS.iter().enumerate() {
        let area = layout::guide_slot_header_rect(col);
        let area = Rect::new(area.x + 20, area.y, area.w - 20, area.h);
        draw_text_in(
            &mut image,
            slot,
            area,
            Align::Left,
            Style::bold(28.0),
            TEXT_DIM,
        );
    }
    for (row, programmes) in PROGRAMMES.iter().take(GUIDE_CHANNELS).enumerate() {
        let label = layout::guide_label_rect(row);
        fill_rounded_rect(&mut image, label, 12, PANEL);
        let number_area = Rect::new(label.x + 16, label.y, 64, label.h);
        let number = channel_number(row).to_string();
        draw_text_in(
            &mut image,
            &number,
            number_area,
            Align::Left,
            Style::bold(28.0),
            theme::ACCENT,
        );
        let name_area = Rect::new(label.x + 88, label.y, label.w - 96, label.h);
        draw_text_in(
            &mut image,
            CHANNEL_NAMES[row],
            name_area,
            Align::Left,
            Style::regular(28.0),
            TEXT,
        );
        for (col, title) in programmes.iter().enumerate() {
            let cell = layout::guide_cell_rect(row, col);
            let focused = row == focus_row && col == focus_col;
            theme::draw_focusable(&mut image, cell, 12, RING_ROW, focused);
            let title_area = layout::guide_title_rect(cell);
            let text_area = Rect::new(
                title_area.x + 12,
                title_area.y,
                title_area.w - 12,
                title_area.h,
            );
            let color = theme::label_color(focused);
            draw_text_in(
                &mut image,
                title,
                text_area,
                Align::Left,
                Style::regular(28.0),
                color,
            );
        }
    }
    image
}

fn draw_app_splash(app: usize) -> RgbImage {
    let entry = &APPS[app];
    let color = APP_COLORS[app];
    let background = mix(color, [0, 0, 0], 0.6);
    let mut image = filled_image(WIDTH, HEIGHT, background);
    let icon = Rect::new(WIDTH / 2 - 100, 150, 200, 200);
    draw_app_icon(&mut image, icon, entry.label, color);
    let name_area = Rect::new(0, 390, WIDTH, 90);
    draw_text_in(
        &mut image,
        entry.label,
        name_area,
        Align::Center,
        Style::bold(72.0),
        TEXT,
    );
    let blurb_area = Rect::new(0, 480, WIDTH, 56);
    draw_text_in(
        &mut image,
        entry.blurb,
        blurb_area,
        Align::Center,
        BODY,
        mix(TEXT, background, 0.2),
    );
    let hint_area = Rect::new(0, layout::HINT.y, WIDTH, layout::HINT.h);
    draw_text_in(
        &mut image,
        "BACK  Return",
        hint_area,
        Align::Center,
        Style::regular(28.0),
        mix(TEXT, background, 0.3),
    );
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_menu_screen_draws_a_full_frame() {
        assert_eq!(APP_COLORS.len(), APPS.len());
        let mut screens = vec![Screen::Home, Screen::Guide, Screen::Settings, Screen::Apps];
        screens.push(Screen::Recordings);
        screens.extend((0..SETTINGS_ITEMS.len()).map(Screen::SettingsDetail));
        screens.extend((0..APPS.len()).map(Screen::AppSplash));
        for screen in screens {
            let mut nav = Nav::at_home(0);
            nav.screen = screen;
            let image = draw_menu_screen(&nav);
            assert_eq!(image.dimensions(), (WIDTH, HEIGHT), "{}", screen.id());
        }
    }
}
