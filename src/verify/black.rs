//! Black-screen detection.

use std::time::Instant;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::matcher::{elapsed_ms, round4};
use super::plane::luma256;
use super::{Region, VerifyError};

/// Default luminance (0..255) at or below which a pixel counts as black; stb-tester's default.
pub const DEFAULT_BLACK_THRESHOLD: u8 = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlackOptions {
    /// A pixel is dark when its BT.601 luminance is <= this (default 20).
    pub threshold: u8,
    /// Only look at this part of the frame (clipped to the frame).
    pub region: Option<Region>,
    /// `None` (default): black only if every pixel is dark. `Some(f)`: black if at least the
    /// fraction `f` (0..1) of the pixels is dark, which tolerates a channel logo or subtitles.
    pub min_dark_fraction: Option<f64>,
}

impl Default for BlackOptions {
    fn default() -> Self {
        BlackOptions {
            threshold: DEFAULT_BLACK_THRESHOLD,
            region: None,
            min_dark_fraction: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlackResult {
    pub black: bool,
    /// Brightest luminance in the region (0..255). Rows with no channel value above the
    /// threshold are not converted and count with their brightest channel value instead, an
    /// upper bound that never exceeds the threshold.
    pub max_luma: u8,
    /// Fraction of pixels with luminance <= threshold.
    pub dark_fraction: f64,
    pub region: Region,
    pub ms: f64,
}

/// Is the frame (or the region) black?
pub fn is_black(frame: &RgbImage, options: &BlackOptions) -> Result<BlackResult, VerifyError> {
    let start = Instant::now();
    if frame.width() == 0 || frame.height() == 0 {
        return Err(VerifyError::EmptyImage);
    }
    if let Some(f) = options.min_dark_fraction
        && !(0.0..=1.0).contains(&f)
    {
        return Err(VerifyError::InvalidOption(format!(
            "min_dark_fraction must be between 0 and 1, got {f}"
        )));
    }
    let region = match options.region {
        Some(r) => r.clip_to(frame.width(), frame.height())?,
        None => Region::full(frame.width(), frame.height()),
    };
    let stride = frame.width() as usize * 3;
    let raw = frame.as_raw();
    // luma <= threshold  <=>  luma256 < (threshold + 0.5) * 256, with luma rounded to nearest.
    let limit = u32::from(options.threshold) * 256 + 128;
    let threshold = options.threshold;
    let (mut max_luma256, mut bright) = (0u32, 0u64);
    for y in region.y..region.bottom() {
        let start = y as usize * stride + region.x as usize * 3;
        let row = &raw[start..start + region.width as usize * 3];
        // Luminance never exceeds the brightest channel, so a row whose bytes are all at or
        // below the threshold is dark without computing it (the usual case on a black screen).
        let brightest_byte = row.iter().copied().max().unwrap_or(0);
        if brightest_byte <= threshold {
            max_luma256 = max_luma256.max(u32::from(brightest_byte) * 256);
            continue;
        }
        for px in row.chunks_exact(3) {
            let l = luma256(px[0], px[1], px[2]);
            max_luma256 = max_luma256.max(l);
            bright += u64::from(l >= limit);
        }
    }
    let total = region.area() as f64;
    let dark_fraction = 1.0 - bright as f64 / total;
    let black = match options.min_dark_fraction {
        None => bright == 0,
        Some(f) => dark_fraction >= f,
    };
    Ok(BlackResult {
        black,
        // Dark rows contribute their brightest channel, an upper bound that stays <= threshold.
        max_luma: ((max_luma256 + 128) >> 8).min(255) as u8,
        dark_fraction: round4(dark_fraction),
        region,
        ms: elapsed_ms(start),
    })
}
