//! The full-resolution checks made at a candidate position: the colour score and the confirm
//! pass.
//!
//! Correlation alone is blind to two things that matter on a TV screen: a brightness or colour
//! change of the whole reference (a highlighted button), and small local differences in a dark,
//! low-contrast reference (where they barely move the correlation). The confirm pass compares
//! actual pixel values: both images get a light 3x3 blur (so capture noise and half-pixel
//! shifts do not count), the per-pixel absolute difference is eroded with a 3x3 minimum (so a
//! difference must cover a 3x3 patch to count), and the largest remaining difference is compared
//! with the reference's own contrast:
//!
//! `confirm_score = 1 - max_eroded_difference / max(reference_contrast, MIN_CONTRAST)`

use image::{RgbImage, RgbaImage};

use super::Region;
use super::plane::{Plane, luma};
use super::reference::FLAT_STD;
use super::score::{FLAT_SCALE, dot, masked_sums};

/// Contrast (grey levels) below which differences are measured against this floor instead, so
/// that noise on a nearly uniform reference is not blown up.
pub(crate) const MIN_CONTRAST: f32 = 64.0;

/// A reference's compared channels (grey, or R, G, B) with what the checks need precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Channels {
    /// Values 0..255.
    planes: Vec<Plane>,
    /// Each plane minus its mean over compared pixels, 0 on ignored pixels.
    zero_mean: Vec<Plane>,
    /// Blurred planes, precomputed when no pixel is ignored (otherwise they depend on the frame).
    blurred: Option<Vec<Plane>>,
    /// 1 for compared pixels, 0 for ignored ones.
    mask: Plane,
    count: f64,
    energy: f64,
    contrast: f32,
}

impl Channels {
    pub fn new(rgba: &RgbaImage, colour: bool) -> Self {
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        let mut planes = vec![Plane::zeros(w, h); if colour { 3 } else { 1 }];
        let mut mask = Plane::zeros(w, h);
        for (i, px) in rgba.pixels().enumerate() {
            let [r, g, b, a] = px.0;
            store(&mut planes, i, [r, g, b], colour);
            mask.data[i] = if a == 255 { 1.0 } else { 0.0 };
        }
        let count = mask
            .data
            .iter()
            .map(|&m| f64::from(m))
            .sum::<f64>()
            .max(1.0);
        let mut energy = 0.0;
        let zero_mean: Vec<Plane> = planes
            .iter()
            .map(|p| {
                let mean = (f64::from(dot(&p.data, &mask.data)) / count) as f32;
                let data: Vec<f32> = p
                    .data
                    .iter()
                    .zip(&mask.data)
                    .map(|(v, m)| (v - mean) * m)
                    .collect();
                energy += f64::from(dot(&data, &data));
                Plane { data, ..p.clone() }
            })
            .collect();
        let blurred = mask
            .data
            .iter()
            .all(|&m| m > 0.0)
            .then(|| planes.iter().map(box_blur3).collect::<Vec<_>>());
        let contrast = planes
            .iter()
            .map(|p| {
                let b = box_blur3(p);
                let compared = b.data.iter().zip(&mask.data).filter(|(_, m)| **m > 0.0);
                let (lo, hi) = compared.fold((f32::MAX, f32::MIN), |(lo, hi), (&v, _)| {
                    (lo.min(v), hi.max(v))
                });
                hi - lo
            })
            .fold(0.0f32, f32::max);
        Channels {
            planes,
            zero_mean,
            blurred,
            mask,
            count,
            energy,
            contrast,
        }
    }
}

#[inline]
fn store(planes: &mut [Plane], i: usize, [r, g, b]: [u8; 3], colour: bool) {
    if colour {
        for (plane, v) in planes.iter_mut().zip([r, g, b]) {
            plane.data[i] = f32::from(v);
        }
    } else {
        planes[0].data[i] = f32::from(luma(r, g, b));
    }
}

/// The compared channels of the frame inside `rect`.
fn frame_channels(frame: &RgbImage, rect: Region, colour: bool) -> Vec<Plane> {
    let (w, h) = (rect.width as usize, rect.height as usize);
    let mut planes = vec![Plane::zeros(w, h); if colour { 3 } else { 1 }];
    let stride = frame.width() as usize * 3;
    for y in 0..h {
        let start = (rect.y as usize + y) * stride + rect.x as usize * 3;
        for (x, px) in frame.as_raw()[start..start + w * 3]
            .chunks_exact(3)
            .enumerate()
        {
            store(&mut planes, y * w + x, [px[0], px[1], px[2]], colour);
        }
    }
    planes
}

/// Correlation over the reference's channels (each made zero-mean), or the flat-reference score
/// when the reference has no pattern in any channel.
pub(crate) fn channel_score(frame: &RgbImage, rect: Region, reference: &Channels) -> f32 {
    let image = frame_channels(frame, rect, reference.planes.len() == 3);
    let n = reference.count;
    let (mut product, mut image_energy, mut sq_diff) = (0.0f64, 0.0f64, 0.0f64);
    for ((i, t), tz) in image
        .iter()
        .zip(&reference.planes)
        .zip(&reference.zero_mean)
    {
        let (p, s, q) = masked_sums(&i.data, &tz.data, &reference.mask.data);
        let (p, s, q) = (f64::from(p), f64::from(s), f64::from(q));
        product += p;
        image_energy += q - s * s / n;
        // Σ m·(t - i)² = Σ m·t² - 2 Σ m·t·i + Σ m·i²
        let masked_t: Vec<f32> = t
            .data
            .iter()
            .zip(&reference.mask.data)
            .map(|(v, m)| v * m)
            .collect();
        sq_diff +=
            f64::from(dot(&masked_t, &t.data)) - 2.0 * f64::from(dot(&masked_t, &i.data)) + q;
    }
    let channels = image.len() as f64;
    if reference.energy < f64::from(FLAT_STD * FLAT_STD) * n * channels {
        let rms = (sq_diff.max(0.0) / (channels * n)).sqrt();
        return (1.0 - rms / FLAT_SCALE).max(0.0) as f32;
    }
    if image_energy <= 0.25 * n {
        return 0.0;
    }
    (product / (reference.energy * image_energy).sqrt()).clamp(0.0, 1.0) as f32
}

/// The confirm score (0..1) of the reference placed at `rect`.
pub(crate) fn confirm_score(frame: &RgbImage, rect: Region, reference: &Channels) -> f32 {
    let image = frame_channels(frame, rect, reference.planes.len() == 3);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let mut diff = Plane::zeros(w, h);
    for (c, i) in image.iter().enumerate() {
        let blurred_template = match &reference.blurred {
            Some(b) => b[c].clone(),
            None => {
                // Ignored pixels take the frame's value, so they add no difference, even blurred.
                let t = &reference.planes[c];
                let data = t
                    .data
                    .iter()
                    .zip(&i.data)
                    .zip(&reference.mask.data)
                    .map(|((&tv, &iv), &m)| if m > 0.0 { tv } else { iv })
                    .collect();
                box_blur3(&Plane { data, ..t.clone() })
            }
        };
        let blurred_image = box_blur3(i);
        for ((d, a), b) in diff
            .data
            .iter_mut()
            .zip(&blurred_template.data)
            .zip(&blurred_image.data)
        {
            *d = d.max((a - b).abs());
        }
    }
    let worst = erode3(&diff).data.iter().copied().fold(0.0f32, f32::max);
    (1.0 - worst / reference.contrast.max(MIN_CONTRAST)).clamp(0.0, 1.0)
}

/// Applies a 3-tap operation along rows then columns, edges replicated. Written as whole-row
/// operations on shifted slices so that the compiler vectorises them.
fn separable3(plane: &Plane, op: impl Fn(f32, f32, f32) -> f32 + Copy) -> Plane {
    let (w, h) = (plane.width, plane.height);
    let mut horizontal = Plane::zeros(w, h);
    for y in 0..h {
        let row = plane.row(y);
        let out = &mut horizontal.data[y * w..(y + 1) * w];
        if w == 1 {
            out[0] = op(row[0], row[0], row[0]);
            continue;
        }
        out[0] = op(row[0], row[0], row[1]);
        out[w - 1] = op(row[w - 2], row[w - 1], row[w - 1]);
        for (((o, &a), &b), &c) in out[1..w - 1]
            .iter_mut()
            .zip(&row[..w - 2])
            .zip(&row[1..w - 1])
            .zip(&row[2..])
        {
            *o = op(a, b, c);
        }
    }
    let mut out = Plane::zeros(w, h);
    for y in 0..h {
        let (above, below) = (
            horizontal.row(y.saturating_sub(1)),
            horizontal.row((y + 1).min(h - 1)),
        );
        let centre = horizontal.row(y);
        for (((o, &a), &b), &c) in out.data[y * w..(y + 1) * w]
            .iter_mut()
            .zip(above)
            .zip(centre)
            .zip(below)
        {
            *o = op(a, b, c);
        }
    }
    out
}

fn box_blur3(plane: &Plane) -> Plane {
    let mut out = separable3(plane, |a, b, c| a + b + c);
    out.data.iter_mut().for_each(|v| *v *= 1.0 / 9.0);
    out
}

fn erode3(plane: &Plane) -> Plane {
    separable3(plane, |a, b, c| a.min(b).min(c))
}
