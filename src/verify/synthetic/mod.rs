//! Synthetic TV-menu frames for tests, benchmarks and comparisons: gradients, coloured tiles
//! with labels, a highlighted tile, a logo, dark icons and capture-like noise. Deterministic for
//! a given scene.

mod cases;
pub mod screens;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage, Rgba, RgbaImage};

use super::{Region, VerifyError};

pub use cases::{MatchCase, match_cases};

/// The font used for labels (Debian package `fonts-dejavu-core`).
pub const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

pub fn load_font() -> Result<FontVec, VerifyError> {
    let bytes = std::fs::read(FONT_PATH).map_err(|e| VerifyError::ImageLoad {
        path: FONT_PATH.to_string(),
        reason: e.to_string(),
    })?;
    FontVec::try_from_vec(bytes).map_err(|e| VerifyError::ImageLoad {
        path: FONT_PATH.to_string(),
        reason: e.to_string(),
    })
}

/// Width in pixels of `text` at `height` px.
pub fn text_width(font: &FontVec, text: &str, height: f32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(height));
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Draws `text` with its top-left corner (of the line box) at `x`, `y`, anti-aliased.
pub fn draw_text(
    image: &mut RgbImage,
    font: &FontVec,
    text: &str,
    x: f32,
    y: f32,
    height: f32,
    colour: [u8; 3],
) {
    let scale = PxScale::from(height);
    let scaled = font.as_scaled(scale);
    let baseline = y + scaled.ascent();
    let mut caret = x;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            caret += scaled.kern(p, id);
        }
        previous = Some(id);
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            if px < 0 || py < 0 || px >= i64::from(image.width()) || py >= i64::from(image.height())
            {
                return;
            }
            let pixel = image.get_pixel_mut(px as u32, py as u32);
            for (channel, target) in pixel.0.iter_mut().zip(colour) {
                let blended = f32::from(*channel) * (1.0 - coverage) + f32::from(target) * coverage;
                *channel = blended.round().clamp(0.0, 255.0) as u8;
            }
        });
    }
}

pub fn fill_rect(image: &mut RgbImage, region: Region, colour: [u8; 3]) {
    let Some(r) = region.intersect(&Region::full(image.width(), image.height())) else {
        return;
    };
    for y in r.y..r.bottom() {
        for x in r.x..r.right() {
            image.put_pixel(x, y, Rgb(colour));
        }
    }
}

/// Adds uniform noise in `-amplitude..=amplitude` to every channel, like a capture card.
pub fn add_noise(image: &mut RgbImage, amplitude: u8, seed: u64) {
    if amplitude == 0 {
        return;
    }
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let span = u64::from(amplitude) * 2 + 1;
    for v in image.as_mut().iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delta = (state % span) as i16 - i16::from(amplitude);
        *v = (i16::from(*v) + delta).clamp(0, 255) as u8;
    }
}

/// Crops `region` of a frame as an opaque reference image.
pub fn crop_reference(frame: &RgbImage, region: Region) -> RgbaImage {
    RgbaImage::from_fn(region.width, region.height, |x, y| {
        let [r, g, b] = frame.get_pixel(region.x + x, region.y + y).0;
        Rgba([r, g, b, 255])
    })
}

/// Which of two look-alike dark icons a scene shows: `B` is `A` with a small square badge added,
/// a difference too small to move the correlation much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DarkIcon {
    A,
    B,
}

/// A menu screen.
#[derive(Debug, Clone, PartialEq)]
pub struct UiScene {
    pub width: u32,
    pub height: u32,
    pub title: &'static str,
    pub labels: [&'static str; 6],
    /// Index of the highlighted tile.
    pub highlighted: usize,
    pub dark_icon: DarkIcon,
    /// Background colour behind the logo, to test masked references.
    pub logo_backdrop: [u8; 3],
    pub noise: u8,
    pub seed: u64,
}

impl UiScene {
    pub fn new(width: u32, height: u32) -> Self {
        UiScene {
            width,
            height,
            title: "vpt TV",
            labels: ["Home", "Movies", "Series", "Settings", "Apps", "Search"],
            highlighted: 3,
            dark_icon: DarkIcon::A,
            logo_backdrop: [30, 34, 60],
            noise: 2,
            seed: 1,
        }
    }

    fn unit(&self) -> f32 {
        self.width as f32 / 1280.0
    }

    fn scaled(&self, x: f32, y: f32, w: f32, h: f32) -> Region {
        let u = self.unit();
        Region::new(
            (x * u).round() as u32,
            (y * u).round() as u32,
            (w * u).round() as u32,
            (h * u).round() as u32,
        )
    }

    pub fn tile(&self, index: usize) -> Region {
        self.scaled(70.0 + index as f32 * 195.0, 250.0, 165.0, 140.0)
    }

    pub fn tile_label(&self, index: usize) -> Region {
        let t = self.tile(index);
        let inset = (6.0 * self.unit()) as u32;
        Region::new(
            t.x + inset,
            t.y + t.height * 2 / 3 - inset,
            t.width - 2 * inset,
            t.height / 3,
        )
    }

    /// Square around the round logo (bottom left).
    pub fn logo(&self) -> Region {
        self.scaled(80.0, 520.0, 96.0, 96.0)
    }

    /// Square around the dark icon (bottom right).
    pub fn dark_icon_area(&self) -> Region {
        self.scaled(1100.0, 560.0, 64.0, 64.0)
    }

    pub fn title(&self) -> Region {
        self.scaled(40.0, 20.0, 300.0, 60.0)
    }

    pub fn render(&self, font: &FontVec) -> RgbImage {
        let u = self.unit();
        let mut image = RgbImage::from_fn(self.width, self.height, |x, y| {
            let t = y as f32 / self.height as f32;
            let s = x as f32 / self.width as f32;
            Rgb([
                (14.0 - 10.0 * t + 6.0 * s) as u8,
                (18.0 - 12.0 * t) as u8,
                (52.0 - 40.0 * t) as u8,
            ])
        });
        fill_rect(
            &mut image,
            self.scaled(0.0, 0.0, 1280.0, 100.0),
            [22, 24, 34],
        );
        draw_text(
            &mut image,
            font,
            self.title,
            50.0 * u,
            32.0 * u,
            40.0 * u,
            [240, 240, 240],
        );
        draw_text(
            &mut image,
            font,
            "12:45",
            1130.0 * u,
            34.0 * u,
            34.0 * u,
            [200, 200, 210],
        );
        let fills: [[u8; 3]; 6] = [
            [40, 70, 140],
            [140, 50, 70],
            [50, 120, 80],
            [70, 70, 90],
            [120, 90, 40],
            [60, 110, 130],
        ];
        for (i, label) in self.labels.iter().enumerate() {
            let tile = self.tile(i);
            let fill = fills[i % fills.len()];
            if i == self.highlighted {
                fill_rect(&mut image, tile, [235, 235, 235]);
                let b = (5.0 * u).round() as u32;
                let inner = Region::new(
                    tile.x + b,
                    tile.y + b,
                    tile.width - 2 * b,
                    tile.height - 2 * b,
                );
                fill_rect(&mut image, inner, fill.map(|c| c.saturating_add(40)));
            } else {
                fill_rect(&mut image, tile, fill);
            }
            // A simple pictogram in the upper part of each tile, different per tile.
            let side = (30.0 + 6.0 * i as f32) * u;
            let icon = Region::new(
                tile.x + (tile.width - side as u32) / 2,
                tile.y + (18.0 * u) as u32,
                side as u32,
                (side * 0.6) as u32,
            );
            fill_rect(&mut image, icon, [225, 225, 230]);
            let h = 26.0 * u;
            let x = tile.x as f32 + (tile.width as f32 - text_width(font, label, h)) / 2.0;
            draw_text(
                &mut image,
                font,
                label,
                x,
                tile.y as f32 + tile.height as f32 - 44.0 * u,
                h,
                [255, 255, 255],
            );
        }
        for (line, text) in [
            "Continue watching: Episode 4 - The Long Way Home",
            "Recommended for you",
        ]
        .iter()
        .enumerate()
        {
            draw_text(
                &mut image,
                font,
                text,
                260.0 * u,
                (470.0 + 36.0 * line as f32) * u,
                22.0 * u,
                [170, 175, 190],
            );
        }
        let logo = self.logo();
        fill_rect(&mut image, logo, self.logo_backdrop);
        draw_logo(&mut image, logo);
        let dark = self.dark_icon_area();
        fill_rect(&mut image, dark, [6, 6, 8]);
        draw_dark_icon(&mut image, dark, self.dark_icon);
        add_noise(&mut image, self.noise, self.seed);
        image
    }

    /// The logo as a reference whose pixels outside the disc are transparent.
    pub fn logo_reference(&self, font: &FontVec) -> RgbaImage {
        let frame = UiScene {
            noise: 0,
            ..self.clone()
        }
        .render(font);
        let logo = self.logo();
        let (cx, cy, radius) = disc(logo);
        RgbaImage::from_fn(logo.width, logo.height, |x, y| {
            let [r, g, b] = frame.get_pixel(logo.x + x, logo.y + y).0;
            let (dx, dy) = (
                (logo.x + x) as f32 + 0.5 - cx,
                (logo.y + y) as f32 + 0.5 - cy,
            );
            // Only pixels well inside the disc are kept; its anti-aliased rim depends on the backdrop.
            let inside = (dx * dx + dy * dy).sqrt() <= radius - 1.5;
            Rgba([r, g, b, if inside { 255 } else { 0 }])
        })
    }
}

fn disc(area: Region) -> (f32, f32, f32) {
    let radius = area.width.min(area.height) as f32 / 2.0 - 2.0;
    (
        area.x as f32 + area.width as f32 / 2.0,
        area.y as f32 + area.height as f32 / 2.0,
        radius,
    )
}

/// A red disc with a white "play" triangle.
fn draw_logo(image: &mut RgbImage, area: Region) {
    let (cx, cy, radius) = disc(area);
    for y in area.y..area.bottom() {
        for x in area.x..area.right() {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            if d > radius {
                continue;
            }
            let in_triangle =
                dx > -radius * 0.3 && dx < radius * 0.45 && dy.abs() < (radius * 0.45 - dx) * 0.6;
            let colour = if in_triangle {
                [250, 250, 250]
            } else {
                [210, 30, 40]
            };
            image.put_pixel(x, y, Rgb(colour));
        }
    }
}

/// Three dark-grey arcs over a dot, plus (`B`) a 5x5 badge: a local difference only, and all
/// of it below brightness 45.
fn draw_dark_icon(image: &mut RgbImage, area: Region, variant: DarkIcon) {
    let s = area.width as f32 / 64.0;
    let (cx, cy) = (area.x as f32 + 32.0 * s, area.y as f32 + 48.0 * s);
    for y in area.y..area.bottom() {
        for x in area.x..area.right() {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let d = (dx * dx + dy * dy).sqrt() / s;
            let on_arc = dy < -3.0 * s
                && dy.abs() > dx.abs() * 0.9
                && [14.0, 24.0, 34.0].iter().any(|r| (d - r).abs() < 2.5);
            let badge = (12.0 * s..17.0 * s).contains(&dx) && (-s..4.0 * s).contains(&dy);
            let mark = d < 4.0 || (variant == DarkIcon::B && badge);
            if on_arc || mark {
                image.put_pixel(x, y, Rgb([40, 42, 44]));
            }
        }
    }
}
