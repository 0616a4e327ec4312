//! Tests of the verification library on synthetic frames.

mod cli;
mod matching;
mod matching_options;
mod ocr;
mod screen;

use std::sync::OnceLock;

use ab_glyph::FontVec;
use image::{Rgb, RgbImage};

use super::synthetic::{MatchCase, UiScene, load_font, match_cases};

/// The font is read once for all tests.
fn font() -> &'static FontVec {
    static FONT: OnceLock<FontVec> = OnceLock::new();
    FONT.get_or_init(|| load_font().expect("fonts-dejavu-core must be installed for the tests"))
}

/// The shared image-match cases, rendered once.
fn cases() -> &'static [MatchCase] {
    static CASES: OnceLock<Vec<MatchCase>> = OnceLock::new();
    CASES.get_or_init(|| match_cases(font()))
}

fn case(name: &str) -> &'static MatchCase {
    cases()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// The 720p menu frame with a little capture noise.
fn hd_frame() -> &'static RgbImage {
    static FRAME: OnceLock<RgbImage> = OnceLock::new();
    FRAME.get_or_init(|| UiScene::new(1280, 720).render(font()))
}

fn solid(width: u32, height: u32, colour: [u8; 3]) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(colour))
}
