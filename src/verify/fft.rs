//! Valid-mode 2-D cross-correlation through the FFT.
//!
//! Real inputs are packed two at a time into one complex transform (`a + i·b`) and separated
//! again with the Hermitian symmetry of real spectra, so a correlation costs one forward and one
//! inverse complex FFT instead of three.

use std::cell::RefCell;
use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use super::plane::Plane;

thread_local! {
    // Plans are cached by the planner; keeping it per thread avoids re-planning on every match.
    static PLANNER: RefCell<FftPlanner<f32>> = RefCell::new(FftPlanner::new());
}

/// Smallest length >= `n` with no prime factor above 5, the sizes the FFT handles fastest.
pub(crate) fn fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for f in [2, 3, 5] {
            while r.is_multiple_of(f) {
                r /= f;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// A `width` x `height` transform grid. Spectra are kept transposed (index `kx * height + ky`),
/// which saves a transpose on each of the forward and inverse passes.
struct Grid {
    width: usize,
    height: usize,
    row_forward: Arc<dyn Fft<f32>>,
    col_forward: Arc<dyn Fft<f32>>,
    row_inverse: Arc<dyn Fft<f32>>,
    col_inverse: Arc<dyn Fft<f32>>,
    scratch: Vec<Complex32>,
}

impl Grid {
    fn new(width: usize, height: usize) -> Self {
        let (row_forward, col_forward, row_inverse, col_inverse) = PLANNER.with(|planner| {
            let mut planner = planner.borrow_mut();
            (
                planner.plan_fft_forward(width),
                planner.plan_fft_forward(height),
                planner.plan_fft_inverse(width),
                planner.plan_fft_inverse(height),
            )
        });
        let scratch_len = [&row_forward, &col_forward, &row_inverse, &col_inverse]
            .iter()
            .map(|f| f.get_inplace_scratch_len())
            .max()
            .unwrap_or(0);
        Grid {
            width,
            height,
            row_forward,
            col_forward,
            row_inverse,
            col_inverse,
            scratch: vec![Complex32::default(); scratch_len],
        }
    }

    /// Forward transform of a row-major buffer whose rows from `used_rows` on are zero.
    fn forward(&mut self, mut buf: Vec<Complex32>, used_rows: usize) -> Vec<Complex32> {
        let (w, h) = (self.width, self.height);
        if used_rows > 0 {
            self.row_forward
                .process_with_scratch(&mut buf[..used_rows * w], &mut self.scratch);
        }
        let mut spectrum = vec![Complex32::default(); w * h];
        for y in 0..used_rows {
            for (x, &v) in buf[y * w..(y + 1) * w].iter().enumerate() {
                spectrum[x * h + y] = v;
            }
        }
        self.col_forward
            .process_with_scratch(&mut spectrum, &mut self.scratch);
        spectrum
    }

    /// Inverse transform of a transposed spectrum; returns the first `rows` rows, unscaled.
    fn inverse(&mut self, mut spectrum: Vec<Complex32>, rows: usize) -> Vec<Complex32> {
        let (w, h) = (self.width, self.height);
        self.col_inverse
            .process_with_scratch(&mut spectrum, &mut self.scratch);
        let mut out = vec![Complex32::default(); w * rows];
        for x in 0..w {
            for (y, &v) in spectrum[x * h..x * h + rows].iter().enumerate() {
                out[y * w + x] = v;
            }
        }
        if rows > 0 {
            self.row_inverse
                .process_with_scratch(&mut out, &mut self.scratch);
        }
        out
    }

    /// Separates the spectra of `a` and `b` from the spectrum of `a + i·b`.
    fn split(&self, packed: &[Complex32]) -> (Vec<Complex32>, Vec<Complex32>) {
        let mut b = Vec::with_capacity(packed.len());
        let a = self.combine(packed, |a, x| {
            b.push(x);
            a
        });
        (a, b)
    }

    /// `f(A[k], B[k])` for every frequency, where A and B are the spectra of `a` and `b` in the
    /// spectrum of `a + i·b`; avoids materialising A and B when only a product is needed.
    fn combine(
        &self,
        packed: &[Complex32],
        mut f: impl FnMut(Complex32, Complex32) -> Complex32,
    ) -> Vec<Complex32> {
        let (w, h) = (self.width, self.height);
        let mut out = Vec::with_capacity(w * h);
        for kx in 0..w {
            let mirror = ((w - kx) % w) * h;
            for ky in 0..h {
                let z = packed[kx * h + ky];
                let zc = packed[mirror + (h - ky) % h].conj();
                let a = (z + zc) * 0.5;
                // (z - conj(z[-k])) / 2i
                let d = z - zc;
                out.push(f(a, Complex32::new(d.im * 0.5, -d.re * 0.5)));
            }
        }
        out
    }

    /// Packs two real planes (top-left aligned, zero padded) as `a + i·b`.
    fn pack(&self, a: &Plane, b: Option<&Plane>) -> (Vec<Complex32>, usize) {
        let mut buf = vec![Complex32::default(); self.width * self.height];
        for y in 0..a.height {
            for (x, &v) in a.row(y).iter().enumerate() {
                buf[y * self.width + x].re = v;
            }
        }
        let mut rows = a.height;
        if let Some(b) = b {
            for y in 0..b.height {
                for (x, &v) in b.row(y).iter().enumerate() {
                    buf[y * self.width + x].im = v;
                }
            }
            rows = rows.max(b.height);
        }
        (buf, rows)
    }
}

/// Results of [`correlate`]; each plane has one value per valid placement of the kernel.
pub(crate) struct Correlations {
    /// Σ template·image
    pub product: Plane,
    /// Σ mask·image and Σ mask·image², present when a mask was given.
    pub masked_sums: Option<(Plane, Plane)>,
}

/// Valid cross-correlation of `image` with `template` (and with `mask`, and of image² with
/// `mask`, when a mask is given). Kernels must not be larger than the image.
pub(crate) fn correlate(image: &Plane, template: &Plane, mask: Option<&Plane>) -> Correlations {
    let out_w = image.width - template.width + 1;
    let out_h = image.height - template.height + 1;
    let mut grid = Grid::new(fast_len(image.width), fast_len(image.height));
    let scale = 1.0 / (grid.width * grid.height) as f32;
    let crop = |buf: &[Complex32], width: usize| {
        let mut re = Plane::zeros(out_w, out_h);
        let mut im = Plane::zeros(out_w, out_h);
        for y in 0..out_h {
            for x in 0..out_w {
                let v = buf[y * width + x] * scale;
                re.data[y * out_w + x] = v.re;
                im.data[y * out_w + x] = v.im;
            }
        }
        (re, im)
    };
    match mask {
        None => {
            let (buf, rows) = grid.pack(image, Some(template));
            let packed = grid.forward(buf, rows);
            let product = grid.combine(&packed, |img, tpl| img * tpl.conj());
            let out = grid.inverse(product, out_h);
            Correlations {
                product: crop(&out, grid.width).0,
                masked_sums: None,
            }
        }
        Some(mask) => {
            let squared = Plane {
                data: image.data.iter().map(|v| v * v).collect(),
                ..image.clone()
            };
            let (buf, rows) = grid.pack(image, Some(&squared));
            let spectrum = grid.forward(buf, rows);
            let (img, img_sq) = grid.split(&spectrum);
            let (buf, rows) = grid.pack(template, Some(mask));
            let spectrum = grid.forward(buf, rows);
            let (tpl, msk) = grid.split(&spectrum);
            // Two real results per inverse transform: product + i·sum, then sum of squares.
            let first: Vec<Complex32> = (0..img.len())
                .map(|k| {
                    let product = img[k] * tpl[k].conj();
                    let sum = img[k] * msk[k].conj();
                    product + Complex32::i() * sum
                })
                .collect();
            let second: Vec<Complex32> =
                img_sq.iter().zip(&msk).map(|(a, m)| a * m.conj()).collect();
            let (product, sum) = crop(&grid.inverse(first, out_h), grid.width);
            let (sum_sq, _) = crop(&grid.inverse(second, out_h), grid.width);
            Correlations {
                product,
                masked_sums: Some((sum, sum_sq)),
            }
        }
    }
}

/// The same correlation computed directly; faster than the FFT for small kernels.
pub(crate) fn correlate_direct(image: &Plane, kernel: &Plane) -> Plane {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, the only feature the function is compiled for beyond the
        // baseline.
        return unsafe { correlate_direct_avx2(image, kernel) };
    }
    correlate_direct_portable(image, kernel)
}

/// [`correlate_direct_portable`] compiled for AVX2: twice the lanes of the SSE2 baseline the
/// binary is built for, chosen at run time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn correlate_direct_avx2(image: &Plane, kernel: &Plane) -> Plane {
    correlate_direct_portable(image, kernel)
}

#[inline(always)]
fn correlate_direct_portable(image: &Plane, kernel: &Plane) -> Plane {
    // Outputs are computed in blocks of BLOCK accumulators held in registers across the whole
    // kernel, instead of streaming each kernel tap over a whole output row.
    const BLOCK: usize = 16;
    let out_w = image.width - kernel.width + 1;
    let out_h = image.height - kernel.height + 1;
    let mut out = Plane::zeros(out_w, out_h);
    for y in 0..out_h {
        for x0 in (0..out_w).step_by(BLOCK) {
            let n = BLOCK.min(out_w - x0);
            let mut acc = [0.0f32; BLOCK];
            for ky in 0..kernel.height {
                let image_row = image.row(y + ky);
                for (kx, &k) in kernel.row(ky).iter().enumerate() {
                    let src = &image_row[x0 + kx..x0 + kx + n];
                    if let Ok(src) = <&[f32; BLOCK]>::try_from(src) {
                        for i in 0..BLOCK {
                            acc[i] += k * src[i];
                        }
                    } else {
                        for (a, &v) in acc.iter_mut().zip(src) {
                            *a += k * v;
                        }
                    }
                }
            }
            out.data[y * out_w + x0..y * out_w + x0 + n].copy_from_slice(&acc[..n]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random_plane(w: usize, h: usize, seed: u32) -> Plane {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        let data = (0..w * h)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 256) as f32 - 128.0
            })
            .collect();
        Plane {
            width: w,
            height: h,
            data,
        }
    }

    #[test]
    fn fast_lengths_have_small_factors() {
        assert_eq!(fast_len(1), 1);
        assert_eq!(fast_len(7), 8);
        assert_eq!(fast_len(121), 125);
        assert_eq!(fast_len(180), 180);
    }

    #[test]
    fn fft_correlation_equals_direct_correlation() {
        let image = pseudo_random_plane(37, 23, 1);
        let kernel = pseudo_random_plane(9, 6, 2);
        let mask = Plane {
            data: (0..54)
                .map(|i| if i % 5 == 0 { 0.0 } else { 1.0 })
                .collect(),
            ..kernel.clone()
        };
        let direct = correlate_direct(&image, &kernel);
        let fft = correlate(&image, &kernel, None).product;
        let masked = correlate(&image, &kernel, Some(&mask));
        let (sum, sum_sq) = masked.masked_sums.expect("sums requested");
        let squared = Plane {
            data: image.data.iter().map(|v| v * v).collect(),
            ..image.clone()
        };
        let direct_sum = correlate_direct(&image, &mask);
        let direct_sq = correlate_direct(&squared, &mask);
        let close = |a: &Plane, b: &Plane, tol: f32| {
            assert_eq!((a.width, a.height), (b.width, b.height));
            for (x, y) in a.data.iter().zip(&b.data) {
                assert!((x - y).abs() <= tol, "{x} vs {y}");
            }
        };
        close(&direct, &fft, 1.0);
        close(&direct, &masked.product, 1.0);
        close(&direct_sum, &sum, 0.05);
        close(&direct_sq, &sum_sq, 20.0);
    }
}
