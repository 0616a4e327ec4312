//! What one analysed frame shows: a small luma thumbnail of the picture, how much of it is
//! dark, and how far it differs from the previous one. Analysis runs on the thumbnail, so its
//! cost barely depends on the capture resolution.

use image::RgbImage;

use super::settings::MonitorSettings;

/// Width of the analysed thumbnail; its height keeps the picture's aspect ratio.
pub const THUMBNAIL_WIDTH: u32 = 160;

/// A downscaled luma (0–255) copy of a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

/// Integer BT.601 luma.
fn luma_of(pixel: &[u8]) -> u32 {
    (77 * u32::from(pixel[0]) + 150 * u32::from(pixel[1]) + 29 * u32::from(pixel[2])) >> 8
}

impl Thumbnail {
    /// Averages blocks of the picture into a [`THUMBNAIL_WIDTH`]-wide thumbnail. Inside a block
    /// every second pixel of every second row is read: enough to see a black or a still
    /// picture, a quarter of the memory traffic.
    pub fn of(image: &RgbImage) -> Self {
        let (source_width, source_height) = image.dimensions();
        if source_width == 0 || source_height == 0 {
            return Self {
                width: 0,
                height: 0,
                luma: Vec::new(),
            };
        }
        let width = THUMBNAIL_WIDTH.min(source_width);
        let height =
            ((u64::from(source_height) * u64::from(width) / u64::from(source_width)) as u32).max(1);
        let raw = image.as_raw();
        let stride = source_width as usize * 3;
        let mut luma = Vec::with_capacity((width * height) as usize);
        for ty in 0..height {
            let y0 = (ty as u64 * u64::from(source_height) / u64::from(height)) as usize;
            let y1 = (((ty + 1) as u64 * u64::from(source_height) / u64::from(height)) as usize)
                .max(y0 + 1);
            for tx in 0..width {
                let x0 = (tx as u64 * u64::from(source_width) / u64::from(width)) as usize;
                let x1 = (((tx + 1) as u64 * u64::from(source_width) / u64::from(width)) as usize)
                    .max(x0 + 1);
                let (mut sum, mut count) = (0u32, 0u32);
                for y in (y0..y1).step_by(2) {
                    let row = &raw[y * stride..(y + 1) * stride];
                    for x in (x0..x1).step_by(2) {
                        sum += luma_of(&row[x * 3..x * 3 + 3]);
                        count += 1;
                    }
                }
                luma.push((sum / count.max(1)) as u8);
            }
        }
        Self {
            width,
            height,
            luma,
        }
    }

    /// Fraction (0–1) of pixels whose luma is at most `max_luma`.
    pub fn dark_fraction(&self, max_luma: u8) -> f64 {
        if self.luma.is_empty() {
            return 1.0;
        }
        let dark = self.luma.iter().filter(|&&l| l <= max_luma).count();
        dark as f64 / self.luma.len() as f64
    }

    /// Mean absolute luma difference (0–255) to `other`; pictures of another size differ fully.
    pub fn difference(&self, other: &Thumbnail) -> f64 {
        if self.width != other.width || self.height != other.height || self.luma.is_empty() {
            return 255.0;
        }
        let total: u64 = self
            .luma
            .iter()
            .zip(&other.luma)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        total as f64 / self.luma.len() as f64
    }
}

/// The conditions one frame shows, before any delay or priority is applied.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FrameFindings {
    pub black: bool,
    pub frozen: bool,
    pub dark_fraction: f64,
    /// Difference to the previous analysed frame; `None` for the first one.
    pub difference: Option<f64>,
}

/// Judges `current` against the thresholds; `previous` is the thumbnail analysed before it.
pub fn judge(
    current: &Thumbnail,
    previous: Option<&Thumbnail>,
    settings: &MonitorSettings,
) -> FrameFindings {
    let dark_fraction = current.dark_fraction(settings.black.max_luma);
    let difference = previous.map(|p| current.difference(p));
    FrameFindings {
        black: dark_fraction >= settings.black.min_fraction,
        frozen: difference.is_some_and(|d| d <= settings.freeze.max_difference),
        dark_fraction,
        difference,
    }
}

/// Findings for a frame that is the very same picture as the previous one (no pixel read).
pub fn same_picture(previous: FrameFindings) -> FrameFindings {
    FrameFindings {
        frozen: true,
        difference: Some(0.0),
        ..previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimFaults, SimStb};

    fn sim_frame(stb: &mut SimStb, at_ms: u64) -> RgbImage {
        stb.current_frame(std::time::Duration::from_millis(at_ms))
            .as_ref()
            .clone()
    }

    /// A sim showing live TV, the moving picture.
    fn booted_sim() -> SimStb {
        let mut stb = SimStb::new(1);
        stb.press("OK", std::time::Duration::from_millis(1000))
            .unwrap();
        stb
    }

    #[test]
    fn thumbnail_keeps_aspect_and_averages() {
        let image = RgbImage::from_pixel(1280, 720, image::Rgb([255, 255, 255]));
        let thumbnail = Thumbnail::of(&image);
        assert_eq!((thumbnail.width, thumbnail.height), (160, 90));
        assert!(thumbnail.luma.iter().all(|&l| l == 255));
        let tiny = Thumbnail::of(&RgbImage::new(40, 10));
        assert_eq!((tiny.width, tiny.height), (40, 10));
        assert_eq!(Thumbnail::of(&RgbImage::new(0, 0)).luma.len(), 0);
    }

    #[test]
    fn sim_live_tv_is_neither_black_nor_frozen() {
        let settings = MonitorSettings::default();
        let mut stb = booted_sim();
        let first = Thumbnail::of(&sim_frame(&mut stb, 10_000));
        let second = Thumbnail::of(&sim_frame(&mut stb, 10_200));
        let findings = judge(&second, Some(&first), &settings);
        assert!(!findings.black, "{findings:?}");
        assert!(!findings.frozen, "{findings:?}");
        assert!(findings.difference.unwrap() > 2.0, "{findings:?}");
    }

    #[test]
    fn sim_black_fault_is_black_and_its_freeze_is_frozen() {
        let settings = MonitorSettings::default();
        let mut stb = booted_sim();
        stb.set_faults(SimFaults {
            black: true,
            ..Default::default()
        })
        .unwrap();
        let first = Thumbnail::of(&sim_frame(&mut stb, 10_000));
        let black = judge(&first, None, &settings);
        assert!(black.black && black.dark_fraction > 0.99, "{black:?}");

        // Live video again, then frozen on a live picture.
        stb.set_faults(SimFaults::default()).unwrap();
        sim_frame(&mut stb, 10_500);
        stb.set_faults(SimFaults {
            freeze: true,
            ..Default::default()
        })
        .unwrap();
        let a = Thumbnail::of(&sim_frame(&mut stb, 11_000));
        let b = Thumbnail::of(&sim_frame(&mut stb, 11_400));
        let frozen = judge(&b, Some(&a), &settings);
        assert!(frozen.frozen && !frozen.black, "{frozen:?}");
    }

    #[test]
    fn thresholds_decide() {
        let mut settings = MonitorSettings::default();
        // A dim grey picture: dark for a lenient threshold, not for the default one.
        let dim = Thumbnail::of(&RgbImage::from_pixel(320, 180, image::Rgb([30, 30, 30])));
        assert!(!judge(&dim, None, &settings).black);
        settings.black.max_luma = 40;
        assert!(judge(&dim, None, &settings).black);
        // 95 % dark is black only when the fraction asked for is at most 0.95.
        let mut mostly = RgbImage::new(100, 100);
        for y in 0..5 {
            for x in 0..100 {
                mostly.put_pixel(x, y, image::Rgb([255, 255, 255]));
            }
        }
        let mostly = Thumbnail::of(&mostly);
        settings.black.max_luma = 24;
        assert!(!judge(&mostly, None, &settings).black);
        settings.black.min_fraction = 0.9;
        assert!(judge(&mostly, None, &settings).black);
        // A difference within the freeze threshold still counts as the same picture.
        let a = Thumbnail::of(&RgbImage::from_pixel(160, 90, image::Rgb([100, 100, 100])));
        let b = Thumbnail::of(&RgbImage::from_pixel(160, 90, image::Rgb([101, 101, 101])));
        assert!(!judge(&b, Some(&a), &settings).frozen);
        settings.freeze.max_difference = 1.0;
        assert!(judge(&b, Some(&a), &settings).frozen);
    }
}
