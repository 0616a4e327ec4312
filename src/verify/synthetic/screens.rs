//! More synthetic screens for the match corpus, each built around a way a matcher can go wrong:
//! a test card whose colour bars have colour-swapped twins of the same brightness, a row of
//! identical tiles of which one is highlighted, focused and unfocused buttons, tiny icons on a
//! busy picture, and a text-heavy programme guide.

use ab_glyph::FontVec;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

use super::{add_noise, draw_text, fill_rect};
use crate::verify::Region;

/// Small deterministic generator (xorshift), so every screen is the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }

    pub fn colour(&mut self) -> [u8; 3] {
        [
            self.below(256) as u8,
            self.below(256) as u8,
            self.below(256) as u8,
        ]
    }
}

/// `colour` with red and blue exchanged and green adjusted so that the BT.601 luma stays the
/// same (within one level): the twin is told apart by colour only.
pub fn colour_twin([r, g, b]: [u8; 3]) -> [u8; 3] {
    // 77 r + 150 g + 29 b = 77 b + 150 g' + 29 r
    let g2 = f32::from(g) + 48.0 * (f32::from(r) - f32::from(b)) / 150.0;
    [b, g2.round().clamp(0.0, 255.0) as u8, r]
}

/// A 320x240 test card. Colour bars 46 px wide start at x = 44; the bar at 182 is the
/// colour twin of the bar at 228 and the bar at 274 the twin of the one at 182, so the
/// 92x160 window at x = 228 (`TESTCARD_BARS`) has a twin of identical brightness at x = 182.
/// Every bar carries the same grey stripes, so the bars have a pattern to correlate.
pub fn test_card() -> RgbImage {
    let mut image = RgbImage::from_fn(320, 240, |x, y| {
        let v = ((x + y) * 255 / 560) as u8;
        Rgb([v, v, v])
    });
    let red = [200, 40, 60];
    let bars: [[u8; 3]; 6] = [
        [180, 180, 40],
        [40, 170, 170],
        [60, 160, 60],
        colour_twin(red),
        red,
        colour_twin(red),
    ];
    for (i, colour) in bars.iter().enumerate() {
        let x = 44 + 46 * i as u32;
        fill_rect(&mut image, Region::new(x, 40, 46, 160), *colour);
        for stripe in 0..4 {
            // Dark horizontal stripes of growing height: the same in every bar.
            let y = 52 + stripe * 38;
            fill_rect(
                &mut image,
                Region::new(x + 6, y, 34, 4 + 3 * stripe),
                [20, 20, 20],
            );
        }
    }
    // Grey steps under the bars, as on a real test card.
    for step in 0..8u32 {
        let v = (step * 36) as u8;
        fill_rect(&mut image, Region::new(step * 40, 206, 40, 26), [v, v, v]);
    }
    image
}

/// The 92x160 window of [`test_card`] whose colour twin stands at x = 182.
pub const TESTCARD_BARS: Region = Region {
    x: 228,
    y: 40,
    width: 92,
    height: 160,
};

/// A row of five identical 214x166 tiles on a 1280x720 home screen; tile `highlighted` has a
/// white focus frame and a brighter picture, as a selected tile does.
pub fn tile_row(font: &FontVec, highlighted: usize, noise_seed: u64) -> RgbImage {
    let mut image = RgbImage::from_fn(1280, 720, |x, y| {
        Rgb([
            (20 + x * 20 / 1280) as u8,
            (12 + y * 10 / 720) as u8,
            (40 + y * 30 / 720) as u8,
        ])
    });
    draw_text(&mut image, font, "Home", 60.0, 40.0, 36.0, [235, 235, 240]);
    for i in 0..5 {
        let tile = row_tile(i);
        let lift = if i == highlighted { 30 } else { 0 };
        // The same poster in every tile: a sky, a hill and a title.
        for y in tile.y..tile.bottom() {
            for x in tile.x..tile.right() {
                let t = (y - tile.y) as f32 / tile.height as f32;
                let hill = ((x - tile.x) as f32 * 0.05).sin() * 12.0 + 110.0;
                let colour = if ((y - tile.y) as f32) > hill {
                    [40, 110, 60]
                } else {
                    [
                        (60.0 + 80.0 * t) as u8,
                        (90.0 + 60.0 * t) as u8,
                        (170.0 - 40.0 * t) as u8,
                    ]
                };
                image.put_pixel(x, y, Rgb(colour.map(|c| c.saturating_add(lift))));
            }
        }
        draw_text(
            &mut image,
            font,
            "Mountain",
            tile.x as f32 + 40.0,
            tile.y as f32 + 124.0,
            28.0,
            [255, 255, 255],
        );
        if i == highlighted {
            for (x, y, w, h) in [
                (tile.x, tile.y, tile.width, 4),
                (tile.x, tile.bottom() - 4, tile.width, 4),
                (tile.x, tile.y, 4, tile.height),
                (tile.right() - 4, tile.y, 4, tile.height),
            ] {
                fill_rect(&mut image, Region::new(x, y, w, h), [250, 250, 250]);
            }
        }
    }
    add_noise(&mut image, 2, noise_seed);
    image
}

/// Tile `index` of [`tile_row`].
pub fn row_tile(index: usize) -> Region {
    Region::new(40 + index as u32 * 244, 260, 214, 166)
}

/// A details page with three buttons, `focused` drawn bright. A button's text is the same in
/// both states; only the fill changes, which correlation alone does not see.
pub fn buttons(font: &FontVec, focused: usize, noise_seed: u64) -> RgbImage {
    let mut image = RgbImage::from_pixel(1280, 720, Rgb([16, 18, 28]));
    draw_text(
        &mut image,
        font,
        "The Long Way Home",
        80.0,
        120.0,
        48.0,
        [240, 240, 240],
    );
    draw_text(
        &mut image,
        font,
        "Season 1 - Episode 4 - 52 min",
        80.0,
        190.0,
        24.0,
        [160, 165, 180],
    );
    for (i, label) in ["Play", "Trailer", "Episodes"].iter().enumerate() {
        let b = button(i);
        let fill = if i == focused {
            [150, 150, 175]
        } else {
            [55, 58, 72]
        };
        fill_rect(&mut image, b, fill);
        draw_text(
            &mut image,
            font,
            label,
            b.x as f32 + 24.0,
            b.y as f32 + 14.0,
            30.0,
            [255, 255, 255],
        );
    }
    add_noise(&mut image, 2, noise_seed);
    image
}

/// Button `index` of [`buttons`].
pub fn button(index: usize) -> Region {
    Region::new(80 + index as u32 * 220, 300, 190, 64)
}

/// An icon of `size` px drawn from `seed`: a coloured disc with a bar and a dot on a square of
/// another colour, the kind of small glyph a launcher shows.
pub fn icon(size: u32, seed: u64) -> RgbImage {
    let mut rng = Rng::new(seed);
    let (back, disc, mark) = (rng.colour(), rng.colour(), rng.colour());
    let s = size as f32;
    let angle = rng.below(360) as f32 * std::f32::consts::PI / 180.0;
    let (dx, dy) = (angle.cos(), angle.sin());
    RgbImage::from_fn(size, size, |x, y| {
        let (px, py) = (x as f32 + 0.5 - s / 2.0, y as f32 + 0.5 - s / 2.0);
        let r = (px * px + py * py).sqrt();
        let along = px * dx + py * dy;
        let across = -px * dy + py * dx;
        if across.abs() < s * 0.08 && along.abs() < s * 0.3 {
            Rgb(mark)
        } else if r < s * 0.38 {
            Rgb(disc)
        } else if (px - s * 0.3).abs() < s * 0.1 && (py + s * 0.3).abs() < s * 0.1 {
            Rgb(mark)
        } else {
            Rgb(back)
        }
    })
}

/// A busy 16:9 picture (a collage of rectangles in random colours over a texture) with icons
/// pasted on it; `icons` are (seed, size, x, y) at 1280x720 and scaled with the frame.
pub fn busy_screen(width: u32, height: u32, seed: u64, icons: &[(u64, u32, u32, u32)]) -> RgbImage {
    let mut rng = Rng::new(seed);
    let mut image = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let v = 90.0 + 40.0 * (fx * 0.031).sin() * (fy * 0.023).cos() + 25.0 * (fx * 0.11).sin();
        Rgb([v as u8, (v * 0.8) as u8, (v * 0.6 + 30.0) as u8])
    });
    for _ in 0..220 {
        let w = 8 + rng.below(width / 8);
        let h = 8 + rng.below(height / 8);
        let x = rng.below(width - w);
        let y = rng.below(height - h);
        let c = rng.colour();
        fill_rect(&mut image, Region::new(x, y, w, h), c);
    }
    let scale = width as f32 / 1280.0;
    for &(icon_seed, size, x, y) in icons {
        let size = (size as f32 * scale).round() as u32;
        let glyph = icon(size, icon_seed);
        let (x, y) = (
            (x as f32 * scale).round() as u32,
            (y as f32 * scale).round() as u32,
        );
        image::imageops::replace(&mut image, &glyph, i64::from(x), i64::from(y));
    }
    image
}

/// `image` with a round mask: pixels outside a disc filling the square are transparent.
pub fn round_cut(image: &RgbImage) -> RgbaImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let radius = w.min(h) / 2.0 - 1.0;
    RgbaImage::from_fn(image.width(), image.height(), |x, y| {
        let [r, g, b] = image.get_pixel(x, y).0;
        let (dx, dy) = (x as f32 + 0.5 - w / 2.0, y as f32 + 0.5 - h / 2.0);
        let inside = (dx * dx + dy * dy).sqrt() <= radius;
        Rgba([r, g, b, if inside { 255 } else { 0 }])
    })
}

/// Rows of the programme guide: (time, title).
const GUIDE: [(&str, &str); 12] = [
    ("18:00", "News at Six"),
    ("18:30", "Weather and Traffic"),
    ("19:00", "The Long Way Home"),
    ("19:55", "The Long Way Back"),
    ("20:15", "Mountain Rescue"),
    ("21:00", "Late Night Cinema: The Harbour"),
    ("22:45", "Sports Tonight"),
    ("23:30", "Home Again (repeat)"),
    ("00:20", "Music Videos"),
    ("01:00", "Night Shopping"),
    ("02:00", "Documentary: Rivers"),
    ("03:00", "Close Down"),
];

/// A text-heavy programme guide at `width` x `height` (16:9), rows of times and titles. With
/// `other_listing`, row 1 reads "Weather and Sport" instead of "Weather and Traffic".
pub fn guide(
    font: &FontVec,
    width: u32,
    height: u32,
    other_listing: bool,
    noise_seed: u64,
) -> RgbImage {
    let u = width as f32 / 1280.0;
    let mut image = RgbImage::from_pixel(width, height, Rgb([12, 14, 30]));
    draw_text(
        &mut image,
        font,
        "Guide",
        60.0 * u,
        24.0 * u,
        40.0 * u,
        [240, 240, 240],
    );
    for (i, (time, title)) in GUIDE.iter().enumerate() {
        let y = (100.0 + 48.0 * i as f32) * u;
        let row = Region::new(
            (50.0 * u) as u32,
            y as u32,
            (1180.0 * u) as u32,
            (44.0 * u) as u32,
        );
        let shade = if i % 2 == 0 {
            [26, 30, 52]
        } else {
            [20, 23, 42]
        };
        fill_rect(&mut image, row, shade);
        draw_text(
            &mut image,
            font,
            time,
            60.0 * u,
            y + 8.0 * u,
            26.0 * u,
            [170, 180, 200],
        );
        let title = if other_listing && i == 1 {
            "Weather and Sport"
        } else {
            title
        };
        draw_text(
            &mut image,
            font,
            title,
            200.0 * u,
            y + 8.0 * u,
            26.0 * u,
            [235, 235, 235],
        );
    }
    add_noise(&mut image, 2, noise_seed);
    image
}

/// The title of row `index` of [`guide`] at 1280x720, `width` px wide from 4 px before the
/// text.
pub fn guide_title(index: usize, width: u32) -> Region {
    Region::new(196, 100 + 48 * index as u32 + 6, width, 34)
}

/// Pastes the opaque pixels of `overlay` into `image` at `x`, `y`.
pub fn paste_opaque(image: &mut RgbImage, overlay: &RgbaImage, x: u32, y: u32) {
    for (ox, oy, p) in overlay.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        if a == 255 && x + ox < image.width() && y + oy < image.height() {
            image.put_pixel(x + ox, y + oy, Rgb([r, g, b]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::plane::luma;

    #[test]
    fn colour_twins_have_the_same_brightness() {
        for c in [[200, 40, 60], [30, 90, 220], [250, 10, 10]] {
            let t = colour_twin(c);
            assert_ne!(c, t);
            assert!(luma(c[0], c[1], c[2]).abs_diff(luma(t[0], t[1], t[2])) <= 1);
        }
    }
}
