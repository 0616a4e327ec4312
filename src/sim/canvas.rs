//! Minimal drawing primitives on `RgbImage`: solid and rounded rectangles,
//! circles and coverage blending. Everything clips to the image bounds.

use image::RgbImage;

pub(crate) type Color = [u8; 3];

/// An axis-aligned rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Rect {
    pub(crate) const fn new(x: u32, y: u32, w: u32, h: u32) -> Rect {
        Rect { x, y, w, h }
    }

    /// The rectangle shrunk by `by` pixels on every side.
    pub(crate) fn inset(self, by: u32) -> Rect {
        let by = by.min(self.w / 2).min(self.h / 2);
        Rect::new(self.x + by, self.y + by, self.w - 2 * by, self.h - 2 * by)
    }

    pub(crate) fn as_tuple(self) -> (u32, u32, u32, u32) {
        (self.x, self.y, self.w, self.h)
    }
}

/// Fills a rectangle with a solid colour: the first row pixel by pixel, the
/// other rows as copies of it.
pub(crate) fn fill_rect(image: &mut RgbImage, rect: Rect, color: Color) {
    let (width, height) = image.dimensions();
    let x_end = rect.x.saturating_add(rect.w).min(width);
    let y_end = rect.y.saturating_add(rect.h).min(height);
    if rect.x >= x_end || rect.y >= y_end {
        return;
    }
    let stride = width as usize * 3;
    let span = rect.x as usize * 3..x_end as usize * 3;
    let buffer: &mut [u8] = image;
    let first_row = rect.y as usize * stride;
    for pixel in buffer[first_row + span.start..first_row + span.end].chunks_exact_mut(3) {
        pixel.copy_from_slice(&color);
    }
    for y in rect.y + 1..y_end {
        let row = y as usize * stride;
        buffer.copy_within(
            first_row + span.start..first_row + span.end,
            row + span.start,
        );
    }
}

/// A solid-colour image.
pub(crate) fn filled_image(width: u32, height: u32, color: Color) -> RgbImage {
    let mut image = RgbImage::new(width, height);
    if color != [0, 0, 0] {
        fill_rect(&mut image, Rect::new(0, 0, width, height), color);
    }
    image
}

/// Blends `color` over the pixel at (x, y) with the given coverage (0..=1).
pub(crate) fn blend_pixel(image: &mut RgbImage, x: i64, y: i64, color: Color, coverage: f32) {
    let (width, height) = image.dimensions();
    if x < 0 || y < 0 || x >= i64::from(width) || y >= i64::from(height) {
        return;
    }
    // Integer blending in 1/256 steps; coverage below half a step leaves the pixel alone.
    let alpha = (coverage.clamp(0.0, 1.0) * 256.0 + 0.5) as u32;
    if alpha == 0 {
        return;
    }
    // Bounds were checked above, so the coordinates fit in u32.
    let pixel = image.get_pixel_mut(x as u32, y as u32);
    if alpha >= 256 {
        pixel.0 = color;
        return;
    }
    for (channel, target) in pixel.0.iter_mut().zip(color) {
        let mixed = u32::from(*channel) * (256 - alpha) + u32::from(target) * alpha + 128;
        *channel = (mixed >> 8) as u8;
    }
}

/// Coverage of a pixel whose centre is `distance` from the centre of a disc.
fn disc_coverage(radius: f32, distance: f32) -> f32 {
    (radius - distance + 0.5).clamp(0.0, 1.0)
}

/// Fills a rectangle with anti-aliased rounded corners.
pub(crate) fn fill_rounded_rect(image: &mut RgbImage, rect: Rect, radius: u32, color: Color) {
    let radius = radius.min(rect.w / 2).min(rect.h / 2);
    if radius == 0 {
        fill_rect(image, rect, color);
        return;
    }
    let Rect { x, y, w, h } = rect;
    // Straight parts: a full-width middle band plus top and bottom bands between the corners.
    fill_rect(image, Rect::new(x, y + radius, w, h - 2 * radius), color);
    fill_rect(
        image,
        Rect::new(x + radius, y, w - 2 * radius, radius),
        color,
    );
    fill_rect(
        image,
        Rect::new(x + radius, y + h - radius, w - 2 * radius, radius),
        color,
    );

    let r = radius as f32;
    let corners = [
        (x, y, x + radius, y + radius),
        (x + w - radius, y, x + w - radius, y + radius),
        (x, y + h - radius, x + radius, y + h - radius),
        (
            x + w - radius,
            y + h - radius,
            x + w - radius,
            y + h - radius,
        ),
    ];
    for (left, top, center_x, center_y) in corners {
        for py in top..top + radius {
            for px in left..left + radius {
                let dx = px as f32 + 0.5 - center_x as f32;
                let dy = py as f32 + 0.5 - center_y as f32;
                let coverage = disc_coverage(r, (dx * dx + dy * dy).sqrt());
                blend_pixel(image, i64::from(px), i64::from(py), color, coverage);
            }
        }
    }
}

/// Draws a rounded frame of the given thickness around the inside of `rect`,
/// then fills the inside with `fill`.
pub(crate) fn framed_rounded_rect(
    image: &mut RgbImage,
    rect: Rect,
    radius: u32,
    thickness: u32,
    frame: Color,
    fill: Color,
) {
    fill_rounded_rect(image, rect, radius, frame);
    fill_rounded_rect(
        image,
        rect.inset(thickness),
        radius.saturating_sub(thickness),
        fill,
    );
}

/// Fills an anti-aliased circle centred at (cx, cy): each row is a solid
/// interior span plus blended edge pixels.
pub(crate) fn fill_circle(image: &mut RgbImage, cx: f32, cy: f32, radius: f32, color: Color) {
    let top = (cy - radius - 1.0).floor() as i64;
    let bottom = (cy + radius + 1.0).ceil() as i64;
    for py in top..=bottom {
        let dy = py as f32 + 0.5 - cy;
        let outer_squared = (radius + 0.5) * (radius + 0.5) - dy * dy;
        if outer_squared <= 0.0 {
            continue;
        }
        let outer = outer_squared.sqrt();
        let inner_squared = (radius - 0.5) * (radius - 0.5) - dy * dy;
        let inner = if radius > 0.5 && inner_squared > 0.0 {
            inner_squared.sqrt()
        } else {
            0.0
        };
        // Pixels whose centres lie within `inner` of the centre are fully covered.
        let solid_start = (cx - inner - 0.5).ceil() as i64;
        let solid_end = (cx + inner - 0.5).floor() as i64;
        let (edge_start, edge_end) = ((cx - outer).floor() as i64, (cx + outer).ceil() as i64);
        let blend_edge = |image: &mut RgbImage, px: i64| {
            let dx = px as f32 + 0.5 - cx;
            blend_pixel(
                image,
                px,
                py,
                color,
                disc_coverage(radius, (dx * dx + dy * dy).sqrt()),
            );
        };
        if inner > 0.0 && solid_start <= solid_end {
            for px in edge_start..solid_start {
                blend_edge(image, px);
            }
            if let (Ok(x), Ok(y)) = (u32::try_from(solid_start.max(0)), u32::try_from(py)) {
                let width = u32::try_from(solid_end + 1).unwrap_or(0).saturating_sub(x);
                fill_rect(image, Rect::new(x, y, width, 1), color);
            }
            for px in solid_end + 1..=edge_end {
                blend_edge(image, px);
            }
        } else {
            for px in edge_start..=edge_end {
                blend_edge(image, px);
            }
        }
    }
}

/// Mixes two colours; `amount` 0 gives `from`, 1 gives `to`.
pub(crate) fn mix(from: Color, to: Color, amount: f32) -> Color {
    let amount = amount.clamp(0.0, 1.0);
    let mut mixed = [0u8; 3];
    for ((out, a), b) in mixed.iter_mut().zip(from).zip(to) {
        *out = (f32::from(a) * (1.0 - amount) + f32::from(b) * amount).round() as u8;
    }
    mixed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_rect_clips_to_the_image() {
        let mut image = RgbImage::new(10, 10);
        fill_rect(&mut image, Rect::new(8, 8, 5, 5), [1, 2, 3]);
        assert_eq!(image.get_pixel(9, 9).0, [1, 2, 3]);
        assert_eq!(image.get_pixel(7, 7).0, [0, 0, 0]);
        fill_rect(&mut image, Rect::new(20, 20, 5, 5), [9, 9, 9]);
    }

    #[test]
    fn rounded_rect_leaves_corners_open() {
        let mut image = RgbImage::new(40, 40);
        fill_rounded_rect(&mut image, Rect::new(0, 0, 40, 40), 10, [200, 200, 200]);
        assert_eq!(image.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(image.get_pixel(20, 0).0, [200, 200, 200]);
        assert_eq!(image.get_pixel(39, 20).0, [200, 200, 200]);
    }

    #[test]
    fn circle_clips_at_the_edges() {
        let mut image = RgbImage::new(20, 20);
        fill_circle(&mut image, 0.0, 0.0, 8.0, [255, 0, 0]);
        fill_circle(&mut image, 30.0, 30.0, 8.0, [255, 0, 0]);
        assert_eq!(image.get_pixel(1, 1).0, [255, 0, 0]);
    }
}
