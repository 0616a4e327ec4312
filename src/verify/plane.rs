//! Single-channel float images and the conversions the matcher needs.
//!
//! Grey values are stored centred on zero (`luma - 128`): every score used here is invariant to
//! a constant offset, and centred values keep single-precision sums and FFTs accurate.

use image::RgbImage;

use super::Region;

/// Offset subtracted from every grey value.
pub(crate) const CENTRE: f32 = 128.0;

/// A row-major single-channel image of `f32`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Plane {
    pub fn zeros(width: usize, height: usize) -> Self {
        Plane {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    pub fn row(&self, y: usize) -> &[f32] {
        &self.data[y * self.width..(y + 1) * self.width]
    }

    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }
}

/// Rows read per block in the first pass at `level`: from 8x8 blocks on, every other row is
/// enough to rank candidates (they are all re-scored at full resolution) and halves the reads.
pub(crate) fn first_pass_row_step(level: usize) -> usize {
    if level >= 3 { 2 } else { 1 }
}

/// BT.601 luma scaled by 256, the weights OpenCV and stb-tester use for grey conversion.
#[inline]
pub(crate) fn luma256(r: u8, g: u8, b: u8) -> u32 {
    77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)
}

/// BT.601 luma, 0..=255.
#[inline]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    // The weights sum to 256, so the result never exceeds 255.
    ((luma256(r, g, b) + 128) >> 8) as u8
}

/// Centred grey image of `rect` (frame coordinates) at pyramid `level`: each output pixel is the
/// mean luma of a 2^level x 2^level block, blocks aligned on `rect`'s top-left corner.
/// Trailing pixels that do not fill a whole block are dropped. With `row_step` 2, only every
/// other row of each block is read (see [`first_pass_row_step`]).
pub(crate) fn grey_blocks(frame: &RgbImage, rect: Region, level: u32, row_step: usize) -> Plane {
    let block = 1usize << level;
    let out_w = rect.width as usize >> level;
    let out_h = rect.height as usize >> level;
    let mut plane = Plane::zeros(out_w, out_h);
    let stride = frame.width() as usize * 3;
    let raw = frame.as_raw();
    let x0 = rect.x as usize * 3;
    let row_bytes = out_w * block * 3;
    if level == 0 {
        for (y, out) in plane.data.chunks_exact_mut(out_w.max(1)).enumerate() {
            let start = (rect.y as usize + y) * stride + x0;
            for (o, px) in out
                .iter_mut()
                .zip(raw[start..start + row_bytes].chunks_exact(3))
            {
                *o = luma256(px[0], px[1], px[2]) as f32 * (1.0 / 256.0) - CENTRE;
            }
        }
        return plane;
    }
    // Block averaging is linear, so the bytes of a block's rows are summed first (a plain
    // vectorisable add over contiguous memory, at most 16 x 255 so u16 holds it) and the luma
    // weights are applied once per block.
    let row_step = row_step.clamp(1, block);
    let scale = 1.0 / (256.0 * (block * block / row_step) as f32);
    let mut column_sums = vec![0u16; row_bytes];
    for (oy, out) in plane.data.chunks_exact_mut(out_w.max(1)).enumerate() {
        column_sums.iter_mut().for_each(|s| *s = 0);
        for dy in (0..block).step_by(row_step) {
            let start = (rect.y as usize + oy * block + dy) * stride + x0;
            for (sum, &byte) in column_sums.iter_mut().zip(&raw[start..start + row_bytes]) {
                *sum += u16::from(byte);
            }
        }
        for (o, sums) in out.iter_mut().zip(column_sums.chunks_exact(block * 3)) {
            let (mut r, mut g, mut b) = (0u32, 0u32, 0u32);
            for px in sums.chunks_exact(3) {
                r += u32::from(px[0]);
                g += u32::from(px[1]);
                b += u32::from(px[2]);
            }
            *o = (77 * r + 150 * g + 29 * b) as f32 * scale - CENTRE;
        }
    }
    plane
}

/// The next pyramid level: each pixel the mean of a 2x2 block (a trailing odd row or column
/// is dropped, as in [`grey_blocks`]).
pub(crate) fn halve(plane: &Plane) -> Plane {
    let (w, h) = (plane.width / 2, plane.height / 2);
    let mut out = Plane::zeros(w, h);
    for y in 0..h {
        let (top, bottom) = (plane.row(2 * y), plane.row(2 * y + 1));
        for (x, o) in out.data[y * w..(y + 1) * w].iter_mut().enumerate() {
            *o = (top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1]) * 0.25;
        }
    }
    out
}

/// Sums over boxes of one fixed size, for the few placements a hill climb visits: column sums
/// for a band of rows are computed once per band (vectorised across columns), then each box is
/// a difference of prefix sums along the band.
pub(crate) struct BoxSums {
    box_width: usize,
    box_height: usize,
    bands: Vec<(usize, Vec<f64>, Vec<f64>)>,
}

impl BoxSums {
    pub fn new(box_width: usize, box_height: usize) -> Self {
        BoxSums {
            box_width,
            box_height,
            bands: Vec::new(),
        }
    }

    /// Sum and sum of squares of the box at `x`, `y` of `plane`.
    pub fn at(&mut self, plane: &Plane, x: usize, y: usize) -> (f64, f64) {
        let index = match self.bands.iter().position(|(band_y, ..)| *band_y == y) {
            Some(i) => i,
            None => {
                let (mut column, mut column_sq) =
                    (vec![0.0f32; plane.width], vec![0.0f32; plane.width]);
                for row in y..y + self.box_height {
                    for ((c, q), &v) in column
                        .iter_mut()
                        .zip(column_sq.iter_mut())
                        .zip(plane.row(row))
                    {
                        *c += v;
                        *q += v * v;
                    }
                }
                let prefix = |values: &[f32]| {
                    let mut acc = 0.0f64;
                    std::iter::once(0.0)
                        .chain(values.iter().map(|&v| {
                            acc += f64::from(v);
                            acc
                        }))
                        .collect::<Vec<f64>>()
                };
                self.bands.push((y, prefix(&column), prefix(&column_sq)));
                self.bands.len() - 1
            }
        };
        let (_, sums, squares) = &self.bands[index];
        let end = x + self.box_width;
        (sums[end] - sums[x], squares[end] - squares[x])
    }
}

/// Summed-area table with one row and column of zeros in front, in `f64` because sums of
/// squares over a 1080p frame exceed what `f32` holds exactly.
pub(crate) struct Integral {
    width: usize,
    sums: Vec<f64>,
    squares: Vec<f64>,
}

impl Integral {
    pub fn new(plane: &Plane) -> Self {
        let width = plane.width + 1;
        let mut sums = vec![0.0; width * (plane.height + 1)];
        let mut squares = vec![0.0; width * (plane.height + 1)];
        for y in 0..plane.height {
            let (mut row_sum, mut row_sq) = (0.0f64, 0.0f64);
            for (x, &v) in plane.row(y).iter().enumerate() {
                let v = f64::from(v);
                row_sum += v;
                row_sq += v * v;
                let i = (y + 1) * width + x + 1;
                sums[i] = sums[i - width] + row_sum;
                squares[i] = squares[i - width] + row_sq;
            }
        }
        Integral {
            width,
            sums,
            squares,
        }
    }

    /// Sum and sum of squares of the `w` x `h` box at `x`, `y`.
    #[inline]
    pub fn box_sums(&self, x: usize, y: usize, w: usize, h: usize) -> (f64, f64) {
        let (a, b) = (y * self.width + x, y * self.width + x + w);
        let (c, d) = ((y + h) * self.width + x, (y + h) * self.width + x + w);
        (
            self.sums[d] - self.sums[b] - self.sums[c] + self.sums[a],
            self.squares[d] - self.squares[b] - self.squares[c] + self.squares[a],
        )
    }
}
