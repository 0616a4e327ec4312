//! Reference images, prepared once for repeated matching.

use std::borrow::Cow;
use std::path::Path;

use image::imageops::{self, FilterType};
use image::{RgbImage, RgbaImage};

use super::VerifyError;
use super::confirm::Channels;
use super::plane::{CENTRE, Plane, first_pass_row_step, luma256};

/// Coarsest pyramid level considered (1/16 of the resolution).
const MAX_LEVEL: usize = 4;
/// A reference whose grey standard deviation is below this is "flat" (no pattern to correlate).
pub(crate) const FLAT_STD: f32 = 2.0;

/// One pyramid level of a reference's grey image.
#[derive(Debug, Clone)]
pub(crate) struct TemplateLevel {
    pub width: usize,
    pub height: usize,
    /// Grey values minus their (masked) mean; zero on masked pixels.
    pub zero_mean: Plane,
    /// 1 for compared pixels, 0 for ignored ones; `None` when every pixel is compared.
    pub mask: Option<Plane>,
    /// Number of compared pixels.
    pub count: f64,
    /// Mean centred grey value of the compared pixels.
    pub mean: f64,
    /// Σ zero_mean², the template's part of the correlation denominator.
    pub energy: f64,
}

impl TemplateLevel {
    fn std(&self) -> f32 {
        (self.energy / self.count.max(1.0)).sqrt() as f32
    }
}

/// An image to look for in frames.
///
/// Pixels with alpha < 255 are ignored when matching: only fully opaque pixels are compared, so
/// the anti-aliased edge of a cut-out icon never counts as a difference.
#[derive(Debug, Clone)]
pub struct Reference {
    rgba: RgbaImage,
    source_size: Option<(u32, u32)>,
    levels: Vec<TemplateLevel>,
    /// Pyramid level of the first pass.
    coarse_level: usize,
    /// The reference as the first pass samples the frame, when that differs from the level.
    first_pass: Option<TemplateLevel>,
    flat: bool,
    masked: bool,
    has_colour: bool,
    grey_channels: Channels,
    colour_channels: Channels,
}

impl Reference {
    pub fn from_rgba(rgba: RgbaImage) -> Result<Self, VerifyError> {
        if rgba.width() == 0 || rgba.height() == 0 {
            return Err(VerifyError::EmptyImage);
        }
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        let mut grey = Plane::zeros(w, h);
        let mut opaque = Plane::zeros(w, h);
        for (i, px) in rgba.pixels().enumerate() {
            let [r, g, b, a] = px.0;
            grey.data[i] = luma256(r, g, b) as f32 / 256.0 - CENTRE;
            opaque.data[i] = if a == 255 { 1.0 } else { 0.0 };
        }
        let masked = opaque.data.contains(&0.0);
        if masked && opaque.data.iter().all(|&m| m == 0.0) {
            return Err(VerifyError::FullyTransparentReference);
        }
        let mut levels = Vec::new();
        for level in 0..=MAX_LEVEL {
            let (lw, lh) = (w >> level, h >> level);
            if lw == 0 || lh == 0 {
                break;
            }
            match template_level(&grey, &opaque, level, masked, 1) {
                Some(t) => levels.push(t),
                None => break,
            }
        }
        let flat = levels.first().is_none_or(|l| l.std() < FLAT_STD);
        let coarse_level = coarse_level(&levels, flat);
        let first_pass = match first_pass_row_step(coarse_level) {
            1 => None,
            step => template_level(&grey, &opaque, coarse_level, masked, step),
        };
        Ok(Reference {
            has_colour: has_colour(&rgba),
            grey_channels: Channels::new(&rgba, false),
            colour_channels: Channels::new(&rgba, true),
            rgba,
            source_size: None,
            levels,
            coarse_level,
            first_pass,
            flat,
            masked,
        })
    }

    pub fn from_rgb(rgb: &RgbImage) -> Result<Self, VerifyError> {
        Reference::from_rgba(image::DynamicImage::ImageRgb8(rgb.clone()).to_rgba8())
    }

    /// Loads a PNG or JPEG; a PNG's alpha channel becomes the mask.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, VerifyError> {
        let path = path.as_ref();
        let image = image::open(path).map_err(|e| VerifyError::ImageLoad {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Reference::from_rgba(image.to_rgba8())
    }

    /// Declares the resolution of the frame this reference was cut from. Frames of another
    /// resolution (same aspect ratio) are then searched with the reference scaled by the
    /// frame/source ratio; without it the reference is used pixel for pixel.
    pub fn with_source_size(mut self, width: u32, height: u32) -> Self {
        self.source_size = Some((width, height));
        self
    }

    pub fn width(&self) -> u32 {
        self.rgba.width()
    }

    pub fn height(&self) -> u32 {
        self.rgba.height()
    }

    /// True when some pixels are transparent and therefore ignored.
    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// True when the reference has no pattern (e.g. a solid colour); such references are scored
    /// by brightness difference instead of correlation.
    pub fn is_flat(&self) -> bool {
        self.flat
    }

    /// True when the reference has colour (see [`COLOUR_CHROMA`]): the confirm pass then
    /// compares R, G and B, not only brightness.
    pub fn has_colour(&self) -> bool {
        self.has_colour
    }

    pub fn image(&self) -> &RgbaImage {
        &self.rgba
    }

    /// Full-resolution data for the confirm pass and the colour score.
    pub(crate) fn channels(&self, colour: bool) -> &Channels {
        if colour {
            &self.colour_channels
        } else {
            &self.grey_channels
        }
    }

    pub(crate) fn level(&self, level: usize) -> &TemplateLevel {
        &self.levels[level]
    }

    /// Pyramid level of the first pass.
    pub(crate) fn coarse_level(&self) -> usize {
        self.coarse_level
    }

    /// The reference at the first-pass level, sampled like the frame is there.
    pub(crate) fn first_pass(&self) -> &TemplateLevel {
        self.first_pass
            .as_ref()
            .unwrap_or(&self.levels[self.coarse_level])
    }

    /// This reference as it should look in a `width` x `height` frame.
    pub(crate) fn for_frame(
        &self,
        width: u32,
        height: u32,
    ) -> Result<Cow<'_, Reference>, VerifyError> {
        let Some((sw, sh)) = self.source_size else {
            return Ok(Cow::Borrowed(self));
        };
        if (sw, sh) == (width, height) || sw == 0 || sh == 0 {
            return Ok(Cow::Borrowed(self));
        }
        let (rx, ry) = (
            f64::from(width) / f64::from(sw),
            f64::from(height) / f64::from(sh),
        );
        if (rx / ry - 1.0).abs() > 0.01 {
            return Err(VerifyError::AspectRatioMismatch {
                frame_width: width,
                frame_height: height,
                source_width: sw,
                source_height: sh,
            });
        }
        let nw = ((f64::from(self.width()) * rx).round() as u32).max(1);
        let nh = ((f64::from(self.height()) * ry).round() as u32).max(1);
        let scaled = imageops::resize(&self.rgba, nw, nh, FilterType::Triangle);
        Ok(Cow::Owned(Reference::from_rgba(scaled)?))
    }
}

/// A pixel is coloured when its largest and smallest channel differ by at least this many
/// levels; grey text and its capture's chroma noise stay below it.
pub(crate) const COLOUR_CHROMA: u8 = 32;
/// A reference has colour when at least this fraction of its compared pixels are coloured.
const COLOUR_FRACTION: f64 = 0.05;

fn has_colour(rgba: &RgbaImage) -> bool {
    let (mut coloured, mut compared) = (0usize, 0usize);
    for px in rgba.pixels() {
        let [r, g, b, a] = px.0;
        if a == 255 {
            compared += 1;
            if r.max(g).max(b) - r.min(g).min(b) >= COLOUR_CHROMA {
                coloured += 1;
            }
        }
    }
    coloured as f64 >= COLOUR_FRACTION * compared as f64 && coloured > 0
}

/// Short side (px) a reference keeps at the first-pass level, and compared pixels it keeps.
/// Below this, the frame's blocks (aligned on the frame, not on the reference, so up to half a
/// block off) blur sharp references such as text until a look-alike outranks the true match.
const COARSE_MIN_SIDE: usize = 12;
const COARSE_MIN_PIXELS: f64 = 128.0;
/// References shorter than this on their short side (tiny icons) may go down to
/// [`TINY_MIN_SIDE`] at level 1: searching them at full resolution costs too much.
const TINY_BELOW: usize = 24;
const TINY_MIN_SIDE: usize = 8;

/// The coarsest level where the reference still has enough compared pixels, and enough pattern,
/// for a first pass to find it: at least [`COARSE_MIN_SIDE`] px on its short side and
/// [`COARSE_MIN_PIXELS`] compared pixels (tiny references: [`TINY_MIN_SIDE`] at level 1), and
/// not flat unless the reference itself is flat.
fn coarse_level(levels: &[TemplateLevel], flat: bool) -> usize {
    let Some(full) = levels.first() else {
        return 0;
    };
    let tiny = full.width.min(full.height) < TINY_BELOW;
    (1..levels.len())
        .rev()
        .find(|&l| {
            let t = &levels[l];
            let side = t.width.min(t.height);
            let big_enough = if tiny {
                l == 1 && side >= TINY_MIN_SIDE && t.count >= 32.0
            } else {
                side >= COARSE_MIN_SIDE && t.count >= COARSE_MIN_PIXELS
            };
            big_enough && (flat || t.std() >= FLAT_STD)
        })
        .unwrap_or(0)
}

/// Block-averages the grey template to `level` (reading every `row_step`-th row of a block, as
/// the frame is read); a block is compared only if all its pixels are.
fn template_level(
    grey: &Plane,
    opaque: &Plane,
    level: usize,
    masked: bool,
    row_step: usize,
) -> Option<TemplateLevel> {
    let block = 1usize << level;
    let (w, h) = (grey.width >> level, grey.height >> level);
    let mut values = Plane::zeros(w, h);
    let mut mask = Plane::zeros(w, h);
    let norm = 1.0 / (block * block / row_step) as f32;
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut weight) = (0.0f32, 0.0f32);
            for dy in (0..block).step_by(row_step) {
                for dx in 0..block {
                    let (sx, sy) = (x * block + dx, y * block + dy);
                    sum += grey.at(sx, sy);
                    weight += opaque.at(sx, sy);
                }
            }
            values.data[y * w + x] = sum * norm;
            mask.data[y * w + x] = if weight * norm >= 1.0 { 1.0 } else { 0.0 };
        }
    }
    let count: f64 = mask.data.iter().map(|&m| f64::from(m)).sum();
    if count == 0.0 {
        return None;
    }
    let mean = values
        .data
        .iter()
        .zip(&mask.data)
        .map(|(&v, &m)| f64::from(v * m))
        .sum::<f64>()
        / count;
    let mut energy = 0.0;
    for (v, &m) in values.data.iter_mut().zip(&mask.data) {
        *v = if m > 0.0 { *v - mean as f32 } else { 0.0 };
        energy += f64::from(*v) * f64::from(*v);
    }
    Some(TemplateLevel {
        width: w,
        height: h,
        zero_mean: values,
        mask: masked.then_some(mask),
        count,
        mean,
        energy,
    })
}
