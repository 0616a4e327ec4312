//! Screen geometry shared by the drawing code and `SimStb::item_rect`, so the
//! rectangles reported to tests are exactly the ones that are drawn.

use super::canvas::Rect;
use super::catalog::{APPS, GUIDE_CHANNELS, GUIDE_SLOTS, HOME_TILES, RECORDINGS, SETTINGS_ITEMS};
use super::nav::{Screen, guide_cell_id};

pub(crate) const WIDTH: u32 = 1280;
pub(crate) const HEIGHT: u32 = 720;

/// Left and right page margin.
pub(crate) const MARGIN: u32 = 56;
/// Height of the title bar at the top of every menu screen.
pub(crate) const HEADER_HEIGHT: u32 = 88;
/// Area of the large page heading below the title bar.
pub(crate) const HEADING: Rect = Rect::new(MARGIN, 104, WIDTH - 2 * MARGIN, 64);
/// Area of the key hint line at the bottom of menu screens.
pub(crate) const HINT: Rect = Rect::new(MARGIN, 652, WIDTH - 2 * MARGIN, 44);

/// Tile rows (home and apps): five tiles centred horizontally.
const TILE_WIDTH: u32 = 208;
const TILE_HEIGHT: u32 = 232;
const TILE_GAP: u32 = 32;
const TILE_TOP: u32 = 212;
/// Text area below the tile row that describes the focused tile.
pub(crate) const TILE_CAPTION: Rect = Rect::new(MARGIN, 476, WIDTH - 2 * MARGIN, 56);

/// Vertical lists (settings, recordings) on the left, detail panel on the right.
const LIST_TOP: u32 = 196;
const LIST_WIDTH: u32 = 600;
const LIST_ROW_HEIGHT: u32 = 64;
const LIST_ROW_STRIDE: u32 = 72;
pub(crate) const LIST_PANEL: Rect = Rect::new(MARGIN + LIST_WIDTH + 32, LIST_TOP, 536, 424);

/// Programme guide grid.
const GUIDE_LABEL_WIDTH: u32 = 264;
const GUIDE_GAP: u32 = 8;
const GUIDE_HEADER_TOP: u32 = 188;
const GUIDE_ROW_TOP: u32 = 244;
const GUIDE_ROW_HEIGHT: u32 = 56;
const GUIDE_ROW_STRIDE: u32 = 64;

/// Rectangle of tile `index` in a row of `count` tiles.
pub(crate) fn tile_rect(index: usize, count: usize) -> Rect {
    let count = count as u32;
    let row_width = count * TILE_WIDTH + count.saturating_sub(1) * TILE_GAP;
    let left = (WIDTH - row_width) / 2;
    Rect::new(
        left + index as u32 * (TILE_WIDTH + TILE_GAP),
        TILE_TOP,
        TILE_WIDTH,
        TILE_HEIGHT,
    )
}

/// Rectangle of row `index` of a vertical list.
pub(crate) fn list_row_rect(index: usize) -> Rect {
    Rect::new(
        MARGIN,
        LIST_TOP + index as u32 * LIST_ROW_STRIDE,
        LIST_WIDTH,
        LIST_ROW_HEIGHT,
    )
}

fn guide_cell_width() -> u32 {
    let slots = GUIDE_SLOTS.len() as u32;
    (WIDTH - 2 * MARGIN - GUIDE_LABEL_WIDTH - slots * GUIDE_GAP) / slots
}

/// Rectangle of the channel label at the start of guide row `row`.
pub(crate) fn guide_label_rect(row: usize) -> Rect {
    let top = GUIDE_ROW_TOP + row as u32 * GUIDE_ROW_STRIDE;
    Rect::new(MARGIN, top, GUIDE_LABEL_WIDTH, GUIDE_ROW_HEIGHT)
}

/// Rectangle of the time heading above guide column `col`.
pub(crate) fn guide_slot_header_rect(col: usize) -> Rect {
    let cell = guide_cell_rect(0, col);
    Rect::new(
        cell.x,
        GUIDE_HEADER_TOP,
        cell.w,
        GUIDE_ROW_TOP - GUIDE_HEADER_TOP - GUIDE_GAP,
    )
}

/// Rectangle of the programme cell at guide row `row`, column `col`.
pub(crate) fn guide_cell_rect(row: usize, col: usize) -> Rect {
    let width = guide_cell_width();
    let left = MARGIN + GUIDE_LABEL_WIDTH + GUIDE_GAP + col as u32 * (width + GUIDE_GAP);
    let top = GUIDE_ROW_TOP + row as u32 * GUIDE_ROW_STRIDE;
    Rect::new(left, top, width, GUIDE_ROW_HEIGHT)
}

/// Where a tile's label is drawn: inside the focus ring, below the icon.
pub(crate) fn tile_label_rect(tile: Rect) -> Rect {
    Rect::new(tile.x + 12, tile.y + tile.h - 80, tile.w - 24, 56)
}

/// Where a list row's label is drawn: inside the focus ring, left of the chevron.
pub(crate) fn list_label_rect(row: Rect) -> Rect {
    Rect::new(row.x + 12, row.y + 8, row.w - 76, row.h - 16)
}

/// Where a guide cell's title is drawn: inside the focus ring.
pub(crate) fn guide_title_rect(cell: Rect) -> Rect {
    cell.inset(8)
}

/// A selectable item on screen.
pub(crate) struct Item {
    /// Focus id, e.g. `settings/wifi`.
    pub id: String,
    /// The whole item including its focus ring.
    pub rect: Rect,
    /// The text-only area holding the item's label (no ring, no icon).
    pub label: Rect,
}

fn tile_item(id: String, index: usize, count: usize) -> Item {
    let rect = tile_rect(index, count);
    Item {
        id,
        rect,
        label: tile_label_rect(rect),
    }
}

fn list_item(id: String, index: usize) -> Item {
    let rect = list_row_rect(index);
    Item {
        id,
        rect,
        label: list_label_rect(rect),
    }
}

/// Selectable items of a screen with their focus ids and rectangles.
pub(crate) fn items(screen: Screen) -> Vec<Item> {
    match screen {
        Screen::Home => HOME_TILES
            .iter()
            .enumerate()
            .map(|(index, tile)| tile_item(tile.id.to_owned(), index, HOME_TILES.len()))
            .collect(),
        Screen::Apps => APPS
            .iter()
            .enumerate()
            .map(|(index, app)| tile_item(format!("apps/{}", app.id), index, APPS.len()))
            .collect(),
        Screen::Settings => SETTINGS_ITEMS
            .iter()
            .enumerate()
            .map(|(index, item)| list_item(format!("settings/{}", item.id), index))
            .collect(),
        Screen::Recordings => RECORDINGS
            .iter()
            .enumerate()
            .map(|(index, item)| list_item(format!("recordings/{}", item.id), index))
            .collect(),
        Screen::Guide => (0..GUIDE_CHANNELS)
            .flat_map(|row| (0..GUIDE_SLOTS.len()).map(move |col| (row, col)))
            .map(|(row, col)| {
                let rect = guide_cell_rect(row, col);
                Item {
                    id: guide_cell_id(row, col),
                    rect,
                    label: guide_title_rect(rect),
                }
            })
            .collect(),
        Screen::LiveTv | Screen::SettingsDetail(_) | Screen::AppSplash(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside_frame(rect: Rect) -> bool {
        rect.x + rect.w <= WIDTH && rect.y + rect.h <= HEIGHT
    }

    fn contains(outer: Rect, inner: Rect) -> bool {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.x + inner.w <= outer.x + outer.w
            && inner.y + inner.h <= outer.y + outer.h
    }

    fn overlap(a: Rect, b: Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn item_rects_fit_and_do_not_overlap() {
        for screen in [
            Screen::Home,
            Screen::Apps,
            Screen::Settings,
            Screen::Recordings,
            Screen::Guide,
        ] {
            let items = items(screen);
            assert!(!items.is_empty());
            for (index, item) in items.iter().enumerate() {
                let (id, rect) = (&item.id, item.rect);
                assert!(inside_frame(rect), "{id} is outside the frame");
                assert!(rect.y >= HEADING.y + HEADING.h, "{id} overlaps the heading");
                assert!(rect.y + rect.h <= HINT.y, "{id} overlaps the hint line");
                assert!(contains(rect, item.label), "{id} label is outside the item");
                for other in &items[index + 1..] {
                    assert!(!overlap(rect, other.rect), "{id} overlaps {}", other.id);
                }
            }
        }
    }
}
