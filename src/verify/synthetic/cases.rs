//! The image-match cases shared by the unit tests, the benchmarks and the stb-tester comparison.

use std::io::Cursor;

use ab_glyph::FontVec;
use image::codecs::jpeg::JpegEncoder;
use image::{RgbImage, RgbaImage};

use super::screens::{
    TESTCARD_BARS, busy_screen, button, buttons, colour_twin, guide, guide_title, icon,
    paste_opaque, round_cut, row_tile, test_card, tile_row,
};
use super::{DarkIcon, UiScene, add_noise, crop_reference, text_width};
use crate::verify::Region;

/// A frame, a reference, and where the reference is expected (`None`: must not be found).
#[derive(Debug, Clone)]
pub struct MatchCase {
    pub name: &'static str,
    pub frame: RgbImage,
    pub reference: RgbaImage,
    pub region: Option<Region>,
    pub expected: Option<Region>,
}

/// Round-trips a frame through JPEG, like an MJPEG capture card.
fn jpeg(frame: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoded =
        JpegEncoder::new_with_quality(Cursor::new(&mut bytes), quality).encode_image(frame);
    match encoded
        .ok()
        .and_then(|_| image::load_from_memory(&bytes).ok())
    {
        Some(decoded) => decoded.to_rgb8(),
        None => frame.clone(),
    }
}

fn grow(region: Region, margin: u32) -> Region {
    Region::new(
        region.x.saturating_sub(margin),
        region.y.saturating_sub(margin),
        region.width + 2 * margin,
        region.height + 2 * margin,
    )
}

/// The comparison cases: 720p and 1080p frames, references from 50 to 400 px, then the
/// [`hard_cases`].
pub fn match_cases(font: &FontVec) -> Vec<MatchCase> {
    let hd = UiScene::new(1280, 720);
    let full_hd = UiScene::new(1920, 1080);
    let clean = |scene: &UiScene| {
        UiScene {
            noise: 0,
            ..scene.clone()
        }
        .render(font)
    };
    let hd_clean = clean(&hd);
    let hd_frame = hd.render(font);
    let fhd_clean = clean(&full_hd);
    let fhd_frame = full_hd.render(font);
    let case = |name, frame: &RgbImage, reference, region, expected| MatchCase {
        name,
        frame: frame.clone(),
        reference,
        region,
        expected,
    };
    let logo = hd.logo();
    let logo_50 = Region::new(logo.x + 23, logo.y + 23, 50, 50);
    let panel = Region::new(full_hd.tile(2).x - 20, full_hd.tile(2).y - 30, 400, 260);
    let dark = hd.dark_icon_area();
    let wrong_label = clean(&UiScene {
        labels: ["Home", "Music", "Series", "Settings", "Apps", "Search"],
        ..hd.clone()
    });
    let other_title = UiScene {
        title: "Guide",
        ..hd.clone()
    }
    .render(font);
    let dark_b = UiScene {
        dark_icon: DarkIcon::B,
        ..hd.clone()
    }
    .render(font);
    let light_backdrop = UiScene {
        logo_backdrop: [200, 200, 190],
        ..hd.clone()
    }
    .render(font);
    let noisy_jpeg = jpeg(
        &UiScene {
            noise: 8,
            seed: 7,
            ..hd.clone()
        }
        .render(font),
        75,
    );
    vec![
        case(
            "tile_720p",
            &hd_frame,
            crop_reference(&hd_clean, hd.tile(1)),
            None,
            Some(hd.tile(1)),
        ),
        case(
            "highlighted_tile_720p",
            &hd_frame,
            crop_reference(&hd_clean, hd.tile(3)),
            None,
            Some(hd.tile(3)),
        ),
        case(
            "logo_50px_720p",
            &hd_frame,
            crop_reference(&hd_clean, logo_50),
            None,
            Some(logo_50),
        ),
        case(
            "label_1080p",
            &fhd_frame,
            crop_reference(&fhd_clean, full_hd.tile_label(4)),
            None,
            Some(full_hd.tile_label(4)),
        ),
        case(
            "panel_400px_1080p",
            &fhd_frame,
            crop_reference(&fhd_clean, panel),
            None,
            Some(panel),
        ),
        case(
            "title_absent_720p",
            &other_title,
            crop_reference(&hd_clean, hd.title()),
            None,
            None,
        ),
        case(
            "wrong_label_720p",
            &hd_frame,
            crop_reference(&wrong_label, hd.tile(1)),
            None,
            None,
        ),
        case(
            "noisy_jpeg_720p",
            &noisy_jpeg,
            crop_reference(&hd_clean, hd.tile(4)),
            None,
            Some(hd.tile(4)),
        ),
        case(
            "dark_icon_720p",
            &hd_frame,
            crop_reference(&hd_clean, dark),
            None,
            Some(dark),
        ),
        case(
            "dark_icon_false_positive_720p",
            &dark_b,
            crop_reference(&hd_clean, dark),
            None,
            None,
        ),
        case(
            "masked_logo_720p",
            &light_backdrop,
            hd.logo_reference(font),
            None,
            Some(logo),
        ),
        case(
            "in_region_720p",
            &hd_frame,
            crop_reference(&hd_clean, hd.tile(2)),
            Some(grow(hd.tile(2), 40)),
            Some(hd.tile(2)),
        ),
        case(
            "outside_region_720p",
            &hd_frame,
            crop_reference(&hd_clean, hd.tile(2)),
            Some(grow(hd.tile(4), 40)),
            None,
        ),
        case(
            "shifted_crop_720p",
            &hd_frame,
            crop_reference(&hd_clean, shift(hd.tile(1), 3, 2)),
            None,
            Some(shift(hd.tile(1), 3, 2)),
        ),
        case(
            "other_screen_1080p",
            &fhd_frame,
            crop_reference(
                &guide(font, 1920, 1080, false, 4),
                Region::new(290, 290, 420, 60),
            ),
            None,
            None,
        ),
    ]
    .into_iter()
    .chain(hard_cases(font))
    .collect()
}

fn shift(region: Region, dx: u32, dy: u32) -> Region {
    Region::new(region.x + dx, region.y + dy, region.width, region.height)
}

/// Icons on the busy screens: (seed, size at 1280x720, x, y). The first five are looked for;
/// the others are decoys.
const ICONS: [(u64, u32, u32, u32); 12] = [
    (101, 16, 300, 200),
    (102, 21, 830, 90),
    (103, 32, 140, 600),
    (104, 40, 1000, 450),
    (105, 48, 620, 380),
    (201, 16, 320, 200),
    (202, 21, 860, 95),
    (203, 32, 180, 600),
    (204, 40, 1050, 450),
    (205, 48, 680, 380),
    (206, 24, 50, 50),
    (207, 36, 1200, 650),
];

fn with_noise(mut frame: RgbImage, seed: u64) -> RgbImage {
    add_noise(&mut frame, 2, seed);
    frame
}

fn opaque(image: &RgbImage) -> RgbaImage {
    image::DynamicImage::ImageRgb8(image.clone()).to_rgba8()
}

/// The cases built around the ways a matcher goes wrong: colour twins, rows of identical tiles,
/// focus states, tiny icons on busy pictures, text, transparency, 1080p and references from
/// other screens.
pub fn hard_cases(font: &FontVec) -> Vec<MatchCase> {
    let mut cases = Vec::new();
    let mut push = |name, frame: RgbImage, reference, region, expected| {
        cases.push(MatchCase {
            name,
            frame,
            reference,
            region,
            expected,
        })
    };
    // The colour bars and their twin of the same brightness 46 px to the left.
    let card = test_card();
    push(
        "colour_twin_testcard",
        card.clone(),
        crop_reference(&card, TESTCARD_BARS),
        None,
        Some(TESTCARD_BARS),
    );
    // The same card with the red bar turned into its twin: the brightness pattern is still
    // everywhere, the colours nowhere.
    let mut blue_card = card.clone();
    for p in blue_card.pixels_mut() {
        if p.0 == [200, 40, 60] {
            p.0 = colour_twin(p.0);
        }
    }
    push(
        "colour_only_difference_absent",
        blue_card,
        crop_reference(&card, TESTCARD_BARS),
        None,
        None,
    );
    // Five identical tiles; the reference is the highlighted one, cut from another capture.
    let reference_row = tile_row(font, 2, 12);
    push(
        "highlighted_in_row_720p",
        tile_row(font, 2, 11),
        crop_reference(&reference_row, row_tile(2)),
        None,
        Some(row_tile(2)),
    );
    push(
        "highlight_moved_away_720p",
        tile_row(font, 9, 11),
        crop_reference(&reference_row, row_tile(2)),
        None,
        None,
    );
    push(
        "highlight_moved_720p",
        tile_row(font, 4, 11),
        crop_reference(&reference_row, row_tile(2)),
        None,
        Some(row_tile(4)),
    );
    // A focused button, then the same screen with the focus elsewhere.
    let focused = crop_reference(&buttons(font, 1, 6), button(1));
    push(
        "focused_button_720p",
        buttons(font, 1, 5),
        focused.clone(),
        None,
        Some(button(1)),
    );
    push(
        "unfocused_button_absent_720p",
        buttons(font, 0, 5),
        focused,
        None,
        None,
    );
    // Tiny icons on a busy picture, among decoys of the same sizes.
    let busy = with_noise(busy_screen(1280, 720, 21, &ICONS), 8);
    for (name, &(seed, size, x, y)) in [
        "tiny_icon_16_720p",
        "tiny_icon_21_720p",
        "tiny_icon_32_720p",
        "tiny_icon_40_720p",
        "tiny_icon_48_720p",
    ]
    .iter()
    .zip(&ICONS)
    {
        push(
            name,
            busy.clone(),
            opaque(&icon(size, seed)),
            None,
            Some(Region::new(x, y, size, size)),
        );
    }
    push(
        "tiny_icon_absent_720p",
        busy.clone(),
        opaque(&icon(32, 150)),
        None,
        None,
    );
    // The 40 px icon with its corners transparent, on a screen where the corners show the
    // picture behind it.
    let round = round_cut(&icon(40, 104));
    let mut behind = with_noise(busy_screen(1280, 720, 22, &ICONS[5..]), 9);
    paste_opaque(&mut behind, &round, 700, 120);
    push(
        "masked_icon_720p",
        behind,
        round,
        None,
        Some(Region::new(700, 120, 40, 40)),
    );
    let busy_fhd = with_noise(busy_screen(1920, 1080, 21, &ICONS), 10);
    // The icons are scaled with the frame: 40 px at 720p is 60 px here, 16 px is 24 px.
    push(
        "tiny_icon_absent_1080p",
        busy_fhd.clone(),
        opaque(&icon(30, 151)),
        None,
        None,
    );
    push(
        "icon_60_1080p",
        busy_fhd.clone(),
        opaque(&icon(60, 104)),
        None,
        Some(Region::new(1500, 675, 60, 60)),
    );
    push(
        "tiny_icon_24_1080p",
        busy_fhd,
        opaque(&icon(24, 101)),
        None,
        Some(Region::new(450, 300, 24, 24)),
    );
    // Text: a title of the guide, a title from another day's guide, and a 1080p guide.
    let listing = guide(font, 1280, 720, false, 3);
    let title_width = |text: &str| text_width(font, text, 26.0).ceil() as u32 + 8;
    let home = guide_title(2, title_width("The Long Way Home"));
    push(
        "guide_title_720p",
        listing.clone(),
        crop_reference(&guide(font, 1280, 720, false, 13), home),
        None,
        Some(home),
    );
    let sport = guide_title(1, title_width("Weather and Sport"));
    push(
        "guide_other_title_absent_720p",
        listing,
        crop_reference(&guide(font, 1280, 720, true, 13), sport),
        None,
        None,
    );
    let rescue_width = text_width(font, "Mountain Rescue", 39.0).ceil() as u32 + 12;
    let rescue = Region::new(294, (100 + 48 * 4) * 3 / 2 + 9, rescue_width, 51);
    let fhd_listing = guide(font, 1920, 1080, false, 14);
    push(
        "guide_title_1080p",
        guide(font, 1920, 1080, false, 15),
        crop_reference(&fhd_listing, rescue),
        None,
        Some(rescue),
    );
    // References from other screens.
    push(
        "tile_on_guide_absent_720p",
        guide(font, 1280, 720, false, 3),
        crop_reference(&tile_row(font, 2, 12), row_tile(1)),
        None,
        None,
    );
    push(
        "button_on_tiles_absent_720p",
        tile_row(font, 2, 11),
        crop_reference(&buttons(font, 0, 6), button(2)),
        None,
        None,
    );
    cases
}
