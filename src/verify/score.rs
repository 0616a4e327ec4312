//! Match scores of a reference level against a grey image: a whole map for the first pass,
//! single positions for the refinement.
//!
//! The score is the zero-mean normalised cross-correlation (1 = same pattern, 0 = unrelated),
//! or, for a flat reference, `1 - rms_difference / FLAT_SCALE`.

use super::fft::{correlate, correlate_direct, fast_len};
use super::plane::{Integral, Plane};
use super::reference::TemplateLevel;

/// Grey levels of RMS difference that bring a flat reference's score to 0.
pub(crate) const FLAT_SCALE: f64 = 64.0;

/// Score from the sums over one placement: Σ template'·image, Σ image, Σ image² (masked).
#[inline]
pub(crate) fn score_from_sums(
    t: &TemplateLevel,
    flat: bool,
    product: f64,
    sum: f64,
    sum_sq: f64,
) -> f32 {
    let n = t.count;
    if flat {
        let ssd = sum_sq - 2.0 * t.mean * sum + n * t.mean * t.mean;
        let rms = (ssd.max(0.0) / n).sqrt();
        return (1.0 - rms / FLAT_SCALE).max(0.0) as f32;
    }
    let image_energy = sum_sq - sum * sum / n;
    // A window with (almost) no variation has no pattern to correlate with.
    if image_energy <= 0.25 * n {
        return 0.0;
    }
    (product / (t.energy * image_energy).sqrt()).clamp(0.0, 1.0) as f32
}

/// Independent accumulators, so that the compiler can keep them in one SIMD register
/// (a single running float sum cannot be vectorised without changing its rounding).
const LANES: usize = 8;

/// Σ a·b.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// Σ v and Σ v² in one pass.
#[inline]
fn sums(v: &[f32]) -> (f32, f32) {
    let (mut s, mut q) = ([0.0f32; LANES], [0.0f32; LANES]);
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    for x in chunks {
        for i in 0..LANES {
            s[i] += x[i];
            q[i] += x[i] * x[i];
        }
    }
    let (mut ts, mut tq) = (s.iter().sum::<f32>(), q.iter().sum::<f32>());
    for x in rest {
        ts += x;
        tq += x * x;
    }
    (ts, tq)
}

/// Σ v·k, Σ v·m and Σ v²·m in one pass.
#[inline]
pub(crate) fn masked_sums(v: &[f32], k: &[f32], m: &[f32]) -> (f32, f32, f32) {
    let (mut p, mut s, mut q) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    let (cv, ck, cm) = (
        v.chunks_exact(LANES),
        k.chunks_exact(LANES),
        m.chunks_exact(LANES),
    );
    let (rv, rk, rm) = (cv.remainder(), ck.remainder(), cm.remainder());
    for ((x, y), z) in cv.zip(ck).zip(cm) {
        for i in 0..LANES {
            p[i] += x[i] * y[i];
            s[i] += x[i] * z[i];
            q[i] += x[i] * x[i] * z[i];
        }
    }
    let (mut tp, mut ts, mut tq) = (
        p.iter().sum::<f32>(),
        s.iter().sum::<f32>(),
        q.iter().sum::<f32>(),
    );
    for ((x, y), z) in rv.iter().zip(rk).zip(rm) {
        tp += x * y;
        ts += x * z;
        tq += x * x * z;
    }
    (tp, ts, tq)
}

/// Score of the template placed with its top-left corner at `x`, `y` of `image`. For a
/// template without a mask, `window_sums` may supply Σ image and Σ image² over the placement.
pub(crate) fn score_at(
    image: &Plane,
    x: usize,
    y: usize,
    t: &TemplateLevel,
    flat: bool,
    window_sums: Option<(f64, f64)>,
) -> f32 {
    let (mut product, mut sum, mut sum_sq) = (0.0f64, 0.0f64, 0.0f64);
    match (&t.mask, window_sums) {
        (None, Some(sums)) => {
            if !flat {
                for row in 0..t.height {
                    let pixels = &image.row(y + row)[x..x + t.width];
                    product += f64::from(dot(pixels, t.zero_mean.row(row)));
                }
            }
            (sum, sum_sq) = sums;
        }
        (None, None) => {
            for row in 0..t.height {
                let pixels = &image.row(y + row)[x..x + t.width];
                let (s, q) = sums(pixels);
                product += f64::from(dot(pixels, t.zero_mean.row(row)));
                sum += f64::from(s);
                sum_sq += f64::from(q);
            }
        }
        (Some(mask), _) => {
            for row in 0..t.height {
                let pixels = &image.row(y + row)[x..x + t.width];
                let (p, s, q) = masked_sums(pixels, t.zero_mean.row(row), mask.row(row));
                product += f64::from(p);
                sum += f64::from(s);
                sum_sq += f64::from(q);
            }
        }
    }
    score_from_sums(t, flat, product, sum, sum_sq)
}

/// Scores of every placement of `t` in `image` (`(W-w+1) x (H-h+1)` values).
pub(crate) fn score_map(image: &Plane, t: &TemplateLevel, flat: bool) -> Plane {
    let out_w = image.width - t.width + 1;
    let out_h = image.height - t.height + 1;
    let placements = (out_w * out_h) as f64;
    let kernel = (t.width * t.height) as f64;
    let grid = (fast_len(image.width) * fast_len(image.height)) as f64;
    let correlations = if t.mask.is_some() { 3.0 } else { 1.0 };
    // Rough operation counts, calibrated by timing both on 720p/1080p frames: one point of a
    // complex FFT pass costs about 3 direct multiply-adds; masked FFTs take 4 transforms, plain
    // ones 2.
    let direct_cost = placements * kernel * correlations;
    let fft_cost = grid * grid.log2() * 3.0 * if t.mask.is_some() { 4.0 } else { 2.0 };
    let use_fft = fft_cost < direct_cost;

    let mut scores = Plane::zeros(out_w, out_h);
    match &t.mask {
        None => {
            let product = if flat {
                None
            } else if use_fft {
                Some(correlate(image, &t.zero_mean, None).product)
            } else {
                Some(correlate_direct(image, &t.zero_mean))
            };
            let integral = Integral::new(image);
            let inverse_n = 1.0 / t.count;
            let inverse_t = (1.0 / t.energy.sqrt()) as f32;
            let mut energy = vec![0.0f32; out_w];
            for y in 0..out_h {
                let out = &mut scores.data[y * out_w..(y + 1) * out_w];
                match &product {
                    // Two passes per row so that the second (sqrt and division) vectorises.
                    Some(product) if !flat => {
                        for (x, e) in energy.iter_mut().enumerate() {
                            let (sum, sum_sq) = integral.box_sums(x, y, t.width, t.height);
                            *e = (sum_sq - sum * sum * inverse_n) as f32;
                        }
                        let min_energy = (0.25 * t.count) as f32;
                        for ((o, &p), &e) in out.iter_mut().zip(product.row(y)).zip(&energy) {
                            let ncc = (p * inverse_t / e.max(min_energy).sqrt()).clamp(0.0, 1.0);
                            *o = if e > min_energy { ncc } else { 0.0 };
                        }
                    }
                    _ => {
                        for (x, o) in out.iter_mut().enumerate() {
                            let (sum, sum_sq) = integral.box_sums(x, y, t.width, t.height);
                            *o = score_from_sums(t, flat, 0.0, sum, sum_sq);
                        }
                    }
                }
            }
        }
        Some(mask) => {
            let (product, sum, sum_sq) = if use_fft {
                let c = correlate(image, &t.zero_mean, Some(mask));
                let (sum, sum_sq) = c
                    .masked_sums
                    .unwrap_or_else(|| (Plane::zeros(out_w, out_h), Plane::zeros(out_w, out_h)));
                (c.product, sum, sum_sq)
            } else {
                let squared = Plane {
                    data: image.data.iter().map(|v| v * v).collect(),
                    ..image.clone()
                };
                (
                    correlate_direct(image, &t.zero_mean),
                    correlate_direct(image, mask),
                    correlate_direct(&squared, mask),
                )
            };
            for i in 0..out_w * out_h {
                scores.data[i] = score_from_sums(
                    t,
                    flat,
                    f64::from(product.data[i]),
                    f64::from(sum.data[i]),
                    f64::from(sum_sq.data[i]),
                );
            }
        }
    }
    scores
}

/// First-pass peaks more than this below the best one are not considered.
const PEAK_RANGE: f32 = 0.5;

/// A local maximum of a score map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Peak {
    pub x: usize,
    pub y: usize,
    pub score: f32,
}

/// The best local maxima scoring at least `min_score`, best first, at most `limit` of them,
/// none closer than `spacing_x` horizontally and `spacing_y` vertically to a better one.
pub(crate) fn find_peaks(
    map: &Plane,
    min_score: f32,
    limit: usize,
    spacing_x: usize,
    spacing_y: usize,
) -> Vec<Peak> {
    let (w, h) = (map.width, map.height);
    // Peaks far below the best one are never followed; skipping them up front keeps the
    // neighbourhood tests to a small part of the map.
    let top = map.data.iter().copied().fold(f32::MIN, f32::max);
    let floor = min_score.max(top - PEAK_RANGE);
    let mut maxima = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let v = map.at(x, y);
            if v < floor {
                continue;
            }
            let is_max = (y.saturating_sub(1)..(y + 2).min(h)).all(|ny| {
                (x.saturating_sub(1)..(x + 2).min(w)).all(|nx| {
                    let n = map.at(nx, ny);
                    // Ties go to the first position in scan order, so a plateau yields one peak.
                    n < v || (n == v && (ny, nx) >= (y, x))
                })
            });
            if is_max {
                maxima.push(Peak { x, y, score: v });
            }
        }
    }
    maxima.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Peak> = Vec::new();
    for p in maxima {
        if kept.len() >= limit {
            break;
        }
        let near = kept
            .iter()
            .any(|k| k.x.abs_diff(p.x) < spacing_x && k.y.abs_diff(p.y) < spacing_y);
        if !near {
            kept.push(p);
        }
    }
    kept
}
