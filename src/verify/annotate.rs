//! Drawing verification results on a frame, for reports and debugging.

use image::{Rgb, RgbImage};

use super::{MatchResult, Region};

const GREEN: Rgb<u8> = Rgb([0, 220, 0]);
const RED: Rgb<u8> = Rgb([230, 0, 0]);
const GREY: Rgb<u8> = Rgb([160, 160, 160]);
const THICKNESS: u32 = 3;

/// One rectangle to draw: green when the verification passed, red when it did not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Annotation {
    pub region: Region,
    pub passed: bool,
    /// Also outline this area (thin, grey), e.g. the search area of a match.
    pub searched: Option<Region>,
}

impl From<&MatchResult> for Annotation {
    fn from(result: &MatchResult) -> Self {
        Annotation {
            region: result.region,
            passed: result.matched,
            searched: Some(result.search_area),
        }
    }
}

/// A copy of `frame` with each annotation drawn on it (parts outside the frame are dropped).
pub fn annotate(frame: &RgbImage, annotations: &[Annotation]) -> RgbImage {
    let mut out = frame.clone();
    for a in annotations {
        if let Some(area) = a.searched
            && area != Region::full(frame.width(), frame.height())
        {
            draw_rectangle(&mut out, area, 1, GREY);
        }
        draw_rectangle(
            &mut out,
            a.region,
            THICKNESS,
            if a.passed { GREEN } else { RED },
        );
    }
    out
}

/// Outlines `region` with a border `thickness` pixels wide, drawn inside the region.
fn draw_rectangle(image: &mut RgbImage, region: Region, thickness: u32, colour: Rgb<u8>) {
    let Some(r) = region.intersect(&Region::full(image.width(), image.height())) else {
        return;
    };
    let t = thickness.min(r.width.div_ceil(2)).min(r.height.div_ceil(2));
    for y in r.y..r.bottom() {
        let in_band_y = y < r.y + t || y >= r.bottom() - t;
        for x in r.x..r.right() {
            if in_band_y || x < r.x + t || x >= r.right() - t {
                image.put_pixel(x, y, colour);
            }
        }
    }
}
