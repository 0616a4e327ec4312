//! Rectangles in frame coordinates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::VerifyError;

/// A rectangle in pixels; `x`/`y` is the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Region {
            x,
            y,
            width,
            height,
        }
    }

    /// The whole of a `width` x `height` image.
    pub const fn full(width: u32, height: u32) -> Self {
        Region::new(0, 0, width, height)
    }

    pub fn right(&self) -> u32 {
        self.x.saturating_add(self.width)
    }

    pub fn bottom(&self) -> u32 {
        self.y.saturating_add(self.height)
    }

    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The overlap of two regions, if they share at least one pixel.
    pub fn intersect(&self, other: &Region) -> Option<Region> {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let right = self.right().min(other.right());
        let bottom = self.bottom().min(other.bottom());
        (right > x && bottom > y).then(|| Region::new(x, y, right - x, bottom - y))
    }

    /// The same rectangle moved by `dx`, `dy`.
    pub(crate) fn offset(&self, dx: u32, dy: u32) -> Region {
        Region::new(self.x + dx, self.y + dy, self.width, self.height)
    }

    pub fn overlaps(&self, other: &Region) -> bool {
        self.intersect(other).is_some()
    }

    /// The smallest region containing both.
    pub fn union(&self, other: &Region) -> Region {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        let right = self.right().max(other.right());
        let bottom = self.bottom().max(other.bottom());
        Region::new(x, y, right - x, bottom - y)
    }

    /// The part of this region inside a `width` x `height` frame. Regions that stick out are
    /// clipped (a search area drawn a little too large is a common and harmless mistake);
    /// a region entirely outside the frame, or an empty one, is an error.
    pub fn clip_to(&self, width: u32, height: u32) -> Result<Region, VerifyError> {
        if self.width == 0 || self.height == 0 {
            return Err(VerifyError::InvalidRegion(format!(
                "{self} has zero width or height"
            )));
        }
        self.intersect(&Region::full(width, height))
            .ok_or_else(|| VerifyError::RegionOutsideFrame(self.to_string(), width, height))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{}", self.x, self.y, self.width, self.height)
    }
}

/// Parses `x,y,width,height` (spaces allowed), the syntax of the command line.
impl FromStr for Region {
    type Err = VerifyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let bad = |why: &str| VerifyError::InvalidRegion(format!("{text:?}: {why}"));
        if parts.len() != 4 {
            return Err(bad("expected x,y,width,height"));
        }
        let mut numbers = [0u32; 4];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = part
                .parse()
                .map_err(|_| bad("each value must be a whole number >= 0"))?;
        }
        let [x, y, width, height] = numbers;
        if width == 0 || height == 0 {
            return Err(bad("width and height must be > 0"));
        }
        Ok(Region::new(x, y, width, height))
    }
}
