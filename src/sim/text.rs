//! Text rendering with the bundled DejaVu fonts (outline glyph -> coverage blend).

use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use image::RgbImage;

use super::canvas::{Color, Rect, blend_pixel};

static REGULAR: LazyLock<FontRef<'static>> = LazyLock::new(|| {
    FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans.ttf"))
        .expect("the embedded DejaVuSans.ttf is a valid TrueType font")
});

static BOLD: LazyLock<FontRef<'static>> = LazyLock::new(|| {
    FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"))
        .expect("the embedded DejaVuSans-Bold.ttf is a valid TrueType font")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A font weight at a pixel size (ascent + descent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub weight: Weight,
    pub size: f32,
}

impl Style {
    pub(crate) const fn regular(size: f32) -> Style {
        Style {
            weight: Weight::Regular,
            size,
        }
    }

    pub(crate) const fn bold(size: f32) -> Style {
        Style {
            weight: Weight::Bold,
            size,
        }
    }

    fn font(self) -> &'static FontRef<'static> {
        match self.weight {
            Weight::Regular => &REGULAR,
            Weight::Bold => &BOLD,
        }
    }
}

/// Horizontal alignment inside a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// Glyphs of a line with their pen positions relative to the line start.
fn layout(text: &str, style: Style) -> (Vec<(GlyphId, f32)>, f32) {
    let scaled = style.font().as_scaled(PxScale::from(style.size));
    let mut glyphs = Vec::with_capacity(text.len());
    let mut caret = 0.0;
    let mut previous: Option<GlyphId> = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        glyphs.push((id, caret));
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, caret)
}

/// Width in pixels of `text` drawn in `style`.
pub(crate) fn text_width(text: &str, style: Style) -> f32 {
    layout(text, style).1
}

/// Draws one line of text with its top (ascent line) at `top`. Returns the width.
pub(crate) fn draw_text(
    image: &mut RgbImage,
    text: &str,
    left: f32,
    top: f32,
    style: Style,
    color: Color,
) -> f32 {
    let font = style.font();
    let scale = PxScale::from(style.size);
    // Whole-pixel baseline and start keep horizontal stems sharp for OCR.
    let baseline = (top + font.as_scaled(scale).ascent()).round();
    let left = left.round();
    let (glyphs, width) = layout(text, style);
    for (id, offset) in glyphs {
        let glyph = id.with_scale_and_position(scale, point(left + offset, baseline));
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        let origin_x = bounds.min.x as i64;
        let origin_y = bounds.min.y as i64;
        outline.draw(|x, y, coverage| {
            blend_pixel(
                image,
                origin_x + i64::from(x),
                origin_y + i64::from(y),
                color,
                coverage,
            );
        });
    }
    width
}

/// Draws one line of text vertically centred in `area`, aligned horizontally
/// (left alignment starts at `area.x`).
pub(crate) fn draw_text_in(
    image: &mut RgbImage,
    text: &str,
    area: Rect,
    align: Align,
    style: Style,
    color: Color,
) {
    let scaled = style.font().as_scaled(PxScale::from(style.size));
    let line_height = scaled.ascent() - scaled.descent();
    let top = area.y as f32 + (area.h as f32 - line_height) / 2.0;
    let left = match align {
        Align::Left => area.x as f32,
        Align::Center => area.x as f32 + (area.w as f32 - text_width(text, style)) / 2.0,
    };
    draw_text(image, text, left, top, style, color);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_marks_pixels_inside_its_box() {
        let mut image = RgbImage::new(200, 60);
        let area = Rect::new(0, 0, 200, 60);
        draw_text_in(
            &mut image,
            "Wi-Fi",
            area,
            Align::Center,
            Style::bold(32.0),
            [255; 3],
        );
        let lit = image.pixels().filter(|pixel| pixel.0[0] > 128).count();
        assert!(lit > 100, "only {lit} pixels lit");
        // Centred text leaves the outer columns empty.
        assert!((0..60).all(|y| image.get_pixel(0, y).0 == [0, 0, 0]));
    }

    #[test]
    fn wider_strings_measure_wider() {
        let style = Style::regular(28.0);
        assert!(text_width("Recordings", style) > text_width("Apps", style));
        assert_eq!(text_width("", style), 0.0);
    }
}
