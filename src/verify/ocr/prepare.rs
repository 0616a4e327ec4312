//! Preparing a frame region for Tesseract.

use image::imageops;
use image::{GrayImage, RgbImage};

use crate::verify::Region;
use crate::verify::plane::luma;

/// Line height (pixels) that small text is scaled up to.
pub const TARGET_LINE_HEIGHT: f32 = 40.0;
const MAX_AUTO_SCALE: f32 = 4.0;

/// Grey crop of `region`, inverted when the background is dark.
pub(super) fn dark_on_light(frame: &RgbImage, region: Region) -> GrayImage {
    let mut grey = GrayImage::from_fn(region.width, region.height, |x, y| {
        let [r, g, b] = frame.get_pixel(region.x + x, region.y + y).0;
        image::Luma([luma(r, g, b)])
    });
    // Split the pixels in two classes by brightness: text covers fewer pixels than its
    // background, so the larger class is the background. (A plain mean is fooled by a bright
    // frame or border around a dark text area.)
    let threshold = otsu_threshold(&grey);
    let dark = grey.as_raw().iter().filter(|&&v| v < threshold).count() as u64;
    if 2 * dark > region.area() {
        imageops::invert(&mut grey);
    }
    grey
}

/// Scale that brings the typical text line to about [`TARGET_LINE_HEIGHT`] pixels; lines are
/// found as runs of rows containing ink (pixels darker than the Otsu threshold).
pub(super) fn auto_scale(grey: &GrayImage) -> f32 {
    let threshold = otsu_threshold(grey);
    let width = grey.width() as usize;
    let min_ink = (width / 200).max(1);
    let mut runs = Vec::new();
    let mut run = 0u32;
    for row in grey.as_raw().chunks_exact(width.max(1)) {
        let ink = row.iter().filter(|&&v| v < threshold).count();
        if ink >= min_ink {
            run += 1;
        } else if run > 0 {
            runs.push(run);
            run = 0;
        }
    }
    if run > 0 {
        runs.push(run);
    }
    runs.sort_unstable();
    match runs.get(runs.len() / 2) {
        Some(&line) if line > 0 => (TARGET_LINE_HEIGHT / line as f32).clamp(1.0, MAX_AUTO_SCALE),
        _ => 1.0,
    }
}

fn otsu_threshold(grey: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for &v in grey.as_raw() {
        histogram[usize::from(v)] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut below, mut sum_below, mut best, mut best_t) = (0u64, 0.0f64, -1.0f64, 128u8);
    for (t, &n) in histogram.iter().enumerate() {
        below += n;
        sum_below += t as f64 * n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let mean_below = sum_below / below as f64;
        let mean_above = (sum_all - sum_below) / above as f64;
        let between = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if between > best {
            best = between;
            best_t = (t + 1).min(255) as u8;
        }
    }
    best_t
}
