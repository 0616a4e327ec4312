//! The image-match cases shared by the unit tests, the benchmarks and the stb-tester comparison.

use std::io::Cursor;

use ab_glyph::FontVec;
use image::codecs::jpeg::JpegEncoder;
use image::{RgbImage, RgbaImage};

use super::{DarkIcon, UiScene, crop_reference};
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

/// The comparison cases: 720p and 1080p frames, references from 50 to 400 px.
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
    ]
}
