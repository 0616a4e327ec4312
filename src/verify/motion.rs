//! Motion between two frames, and freeze detection over a stream of frames.

use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

use super::matcher::{elapsed_ms, round4};
use super::{Region, VerifyError};

/// Default per-pixel difference (0..255, largest of R, G, B) that counts as a change;
/// stb-tester's default.
pub const DEFAULT_NOISE_THRESHOLD: u8 = 25;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionOptions {
    /// A pixel changed when one of its channels differs by more than this (default 25).
    pub noise_threshold: u8,
    /// Only look at this part of the frames (clipped to the frames).
    pub region: Option<Region>,
    /// Ignore changes made only of isolated pixels or 1-2 px lines (3x3 erosion; default on).
    pub erode: bool,
    /// Smallest group of connected changed pixels (after erosion) that counts as motion
    /// (default 1: any surviving change).
    pub min_blob_pixels: u32,
    /// Pixels where the mask is 0 are ignored; it must have the frames' size.
    #[serde(skip)]
    pub mask: Option<GrayImage>,
}

impl Default for MotionOptions {
    fn default() -> Self {
        MotionOptions {
            noise_threshold: DEFAULT_NOISE_THRESHOLD,
            region: None,
            erode: true,
            min_blob_pixels: 1,
            mask: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MotionResult {
    pub motion: bool,
    /// Fraction of the compared pixels that belong to a counted change.
    pub changed_fraction: f64,
    /// Bounding box of the counted changes, `None` without motion.
    pub region: Option<Region>,
    /// Number of counted groups of changed pixels.
    pub blobs: u32,
    pub ms: f64,
}

/// Compares two frames of the same size.
pub fn detect_motion(
    a: &RgbImage,
    b: &RgbImage,
    options: &MotionOptions,
) -> Result<MotionResult, VerifyError> {
    let start = Instant::now();
    if a.dimensions() != b.dimensions() {
        return Err(VerifyError::FrameSizeMismatch(
            a.width(),
            a.height(),
            b.width(),
            b.height(),
        ));
    }
    if a.width() == 0 || a.height() == 0 {
        return Err(VerifyError::EmptyImage);
    }
    if let Some(mask) = &options.mask
        && mask.dimensions() != a.dimensions()
    {
        return Err(VerifyError::InvalidOption(format!(
            "the motion mask is {}x{} but the frames are {}x{}",
            mask.width(),
            mask.height(),
            a.width(),
            a.height()
        )));
    }
    let area = match options.region {
        Some(r) => r.clip_to(a.width(), a.height())?,
        None => Region::full(a.width(), a.height()),
    };
    let mut changed = changed_pixels(a, b, area, options);
    if options.erode {
        changed = erode3(&changed, area.width as usize, area.height as usize);
    }
    let blobs = connected_blobs(&mut changed, area.width as usize, area.height as usize);
    let counted: Vec<&Blob> = blobs
        .iter()
        .filter(|blob| blob.pixels >= u64::from(options.min_blob_pixels.max(1)))
        .collect();
    let pixels: u64 = counted.iter().map(|blob| blob.pixels).sum();
    let region = counted
        .iter()
        .map(|blob| blob.bounds.offset(area.x, area.y))
        .reduce(|acc, r| acc.union(&r));
    Ok(MotionResult {
        motion: !counted.is_empty(),
        changed_fraction: round4(pixels as f64 / area.area() as f64),
        region,
        blobs: counted.len() as u32,
        ms: elapsed_ms(start),
    })
}

/// 1 where a pixel of `area` changed by more than the noise threshold (and is not masked).
fn changed_pixels(a: &RgbImage, b: &RgbImage, area: Region, options: &MotionOptions) -> Vec<u8> {
    let (w, h) = (area.width as usize, area.height as usize);
    let stride = a.width() as usize * 3;
    let mut out = vec![0u8; w * h];
    let mut byte_changed = vec![0u8; w * 3];
    let t = options.noise_threshold;
    for y in 0..h {
        let start = (area.y as usize + y) * stride + area.x as usize * 3;
        let (ra, rb) = (
            &a.as_raw()[start..start + w * 3],
            &b.as_raw()[start..start + w * 3],
        );
        // Byte-wise first (vectorises), then any channel per pixel.
        for ((c, &p), &q) in byte_changed.iter_mut().zip(ra).zip(rb) {
            *c = u8::from(p.abs_diff(q) > t);
        }
        let row = &mut out[y * w..(y + 1) * w];
        for (o, c) in row.iter_mut().zip(byte_changed.chunks_exact(3)) {
            *o = c[0] | c[1] | c[2];
        }
        if let Some(mask) = &options.mask {
            let mask_row = &mask.as_raw()
                [(area.y as usize + y) * mask.width() as usize + area.x as usize..][..w];
            for (o, &m) in row.iter_mut().zip(mask_row) {
                *o &= u8::from(m != 0);
            }
        }
    }
    out
}

/// 3x3 binary erosion; pixels outside the area do not erode (a change touching the edge of the
/// region is still seen). Whole-row operations on shifted slices, so that they vectorise.
fn erode3(mask: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut horizontal = mask.to_vec();
    if w > 1 {
        for (row, out) in mask.chunks_exact(w).zip(horizontal.chunks_exact_mut(w)) {
            out[0] = row[0] & row[1];
            out[w - 1] = row[w - 2] & row[w - 1];
            for (((o, &a), &b), &c) in out[1..w - 1]
                .iter_mut()
                .zip(&row[..w - 2])
                .zip(&row[1..w - 1])
                .zip(&row[2..])
            {
                *o = a & b & c;
            }
        }
    }
    let mut out = horizontal.clone();
    for y in 0..h {
        let (above, below) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let (a, c) = (
            &horizontal[above * w..(above + 1) * w],
            &horizontal[below * w..(below + 1) * w],
        );
        for ((o, &a), &c) in out[y * w..(y + 1) * w].iter_mut().zip(a).zip(c) {
            *o &= a & c;
        }
    }
    out
}

struct Blob {
    pixels: u64,
    bounds: Region,
}

/// 8-connected groups of set pixels; clears `mask` as it goes.
fn connected_blobs(mask: &mut [u8], w: usize, h: usize) -> Vec<Blob> {
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    let mut start = 0;
    // Changed pixels are rare; skipping runs of zeros is most of the work.
    while let Some(offset) = mask[start..].iter().position(|&v| v != 0) {
        start += offset;
        mask[start] = 0;
        stack.push(start);
        let (mut pixels, mut x0, mut y0, mut x1, mut y1) = (0u64, w, h, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            pixels += 1;
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if mask[j] != 0 {
                        mask[j] = 0;
                        stack.push(j);
                    }
                }
            }
        }
        blobs.push(Blob {
            pixels,
            bounds: Region::new(
                x0 as u32,
                y0 as u32,
                (x1 - x0 + 1) as u32,
                (y1 - y0 + 1) as u32,
            ),
        });
    }
    blobs
}

/// Reports a freeze when the picture has not moved for `min_duration`.
///
/// Each frame is compared with the frame at which the picture last moved (not with the previous
/// frame), so a slow fade that changes a little per frame still counts as motion.
pub struct FreezeDetector {
    options: MotionOptions,
    min_duration: Duration,
    still_since: Option<(RgbImage, Duration)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreezeState {
    pub frozen: bool,
    /// How long the picture has been still, in milliseconds.
    pub still_ms: f64,
    /// The comparison with the last moving frame (`None` for the first frame).
    pub motion: Option<MotionResult>,
}

impl FreezeDetector {
    pub fn new(min_duration: Duration, options: MotionOptions) -> Self {
        FreezeDetector {
            options,
            min_duration,
            still_since: None,
        }
    }

    /// Feeds one frame captured at `timestamp` (any monotonic clock). A timestamp going back,
    /// or a change of resolution, starts over.
    pub fn push(
        &mut self,
        frame: &RgbImage,
        timestamp: Duration,
    ) -> Result<FreezeState, VerifyError> {
        let Some((anchor, since)) = &self.still_since else {
            self.still_since = Some((frame.clone(), timestamp));
            return Ok(self.state(Duration::ZERO, None));
        };
        if timestamp < *since || anchor.dimensions() != frame.dimensions() {
            self.still_since = Some((frame.clone(), timestamp));
            return Ok(self.state(Duration::ZERO, None));
        }
        let motion = detect_motion(anchor, frame, &self.options)?;
        let still = if motion.motion {
            self.still_since = Some((frame.clone(), timestamp));
            Duration::ZERO
        } else {
            timestamp - *since
        };
        Ok(self.state(still, Some(motion)))
    }

    /// Forgets the history, e.g. after the device was switched or restarted.
    pub fn reset(&mut self) {
        self.still_since = None;
    }

    fn state(&self, still: Duration, motion: Option<MotionResult>) -> FreezeState {
        FreezeState {
            frozen: !self.min_duration.is_zero() && still >= self.min_duration,
            still_ms: still.as_secs_f64() * 1e3,
            motion,
        }
    }
}
