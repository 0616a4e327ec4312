//! Coarse-to-fine search: a first pass over the whole search area at a coarse pyramid level,
//! then candidates are followed down the pyramid by hill climbing to full resolution.

use std::collections::HashMap;

use image::RgbImage;

use super::Region;
use super::plane::{BoxSums, Plane, first_pass_row_step, grey_blocks, halve};
use super::reference::Reference;
use super::score::{Peak, find_peaks, score_at, score_map};

/// How far around the expected position a fallback window reaches, in pixels of its level.
const WINDOW_MARGIN: usize = 3;
/// Full-resolution pixels added around a candidate's patch beyond one coarse pixel of slack.
const PATCH_MARGIN: usize = 8;
/// Upper bound on hill-climbing steps per level; a climb normally ends after one or two.
const MAX_STEPS: usize = 64;

/// How far below the full-resolution threshold a true match may score at pyramid `level` while
/// being followed down. At level 2 and coarser there is no floor: the frame's blocks are not
/// aligned with the reference (up to half a block off), and a true match can score almost
/// anything there (0.32 below its full score for a 1080p text line at level 2 on the corpus,
/// below 0.45 for a 208x232 tile of the sim's home screen at level 4). At level 1 the blocks are at
/// most one pixel off.
pub(crate) fn level_slack(level: usize) -> f32 {
    match level {
        0 => 0.0,
        1 => 0.35,
        _ => f32::INFINITY,
    }
}

/// The lowest score at `level` that can still become a match at `threshold`.
pub(crate) fn level_floor(threshold: f64, level: usize) -> f32 {
    threshold as f32 - level_slack(level)
}

/// A candidate followed down to full resolution; `x`, `y` relative to the search area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Located {
    pub x: u32,
    pub y: u32,
    pub score: f32,
    pub coarse_score: f32,
}

pub(crate) struct Search<'a> {
    pub frame: &'a RgbImage,
    pub area: Region,
    pub reference: &'a Reference,
    pub level: usize,
}

/// The grey image of part of the search area at one level; `x`, `y` in pixels of that level
/// relative to the search area.
struct Window {
    x: usize,
    y: usize,
    plane: Plane,
}

impl Window {
    fn contains(&self, x: usize, y: usize, w: usize, h: usize) -> bool {
        x >= self.x
            && y >= self.y
            && x + w <= self.x + self.plane.width
            && y + h <= self.y + self.plane.height
    }
}

/// A candidate on its way down the pyramid.
struct Track {
    x: usize,
    y: usize,
    score: f32,
    coarse_score: f32,
    /// Windows for the levels still to climb, coarsest last.
    windows: Vec<Window>,
}

impl<'a> Search<'a> {
    pub fn new(frame: &'a RgbImage, area: Region, reference: &'a Reference) -> Self {
        Search {
            frame,
            area,
            reference,
            level: reference.coarse_level(),
        }
    }

    /// Best positions of the first pass, best first. Peaks are only kept apart by a quarter of
    /// the template: look-alikes (a colour twin half a reference away, the next tile of a row)
    /// must stay separate candidates.
    pub fn candidates(&self, min_score: f32, limit: usize) -> Vec<Peak> {
        let coarse = grey_blocks(
            self.frame,
            self.area,
            self.level as u32,
            first_pass_row_step(self.level),
        );
        let t = self.reference.first_pass();
        let map = score_map(&coarse, t, self.reference.is_flat());
        find_peaks(
            &map,
            min_score,
            limit,
            t.width.div_ceil(4),
            t.height.div_ceil(4),
        )
    }

    /// The full-resolution score of the first-pass position of `peak`, without refinement: what
    /// a "not found" reports when no candidate was worth following.
    pub fn unrefined(&self, peak: &Peak) -> Located {
        let t = self.reference.level(0);
        let max_x = self.area.width as usize - t.width;
        let max_y = self.area.height as usize - t.height;
        let (x, y) = (
            (peak.x << self.level).min(max_x),
            (peak.y << self.level).min(max_y),
        );
        let rect = Region::new(
            self.area.x + x as u32,
            self.area.y + y as u32,
            t.width as u32,
            t.height as u32,
        );
        let plane = grey_blocks(self.frame, rect, 0, 1);
        Located {
            x: x as u32,
            y: y as u32,
            score: score_at(&plane, 0, 0, t, self.reference.is_flat(), None),
            coarse_score: peak.score,
        }
    }

    /// Follows first-pass peaks down to full resolution, best score first. With `beam`, after
    /// each level the candidates scoring more than `beam` below the best one are dropped; with
    /// `floor`, those scoring below `floor(level)` at a level (they cannot reach the threshold
    /// at full resolution, see [`level_floor`]).
    pub fn refine(
        &self,
        peaks: &[Peak],
        beam: Option<f32>,
        floor: Option<&dyn Fn(usize) -> f32>,
    ) -> Vec<Located> {
        let mut tracks: Vec<Track> = peaks
            .iter()
            .map(|p| Track {
                x: p.x,
                y: p.y,
                score: p.score,
                coarse_score: p.score,
                windows: Vec::new(),
            })
            .collect();
        for level in (0..self.level).rev() {
            for track in &mut tracks {
                let (x, y) = (2 * track.x, 2 * track.y);
                let window = track
                    .windows
                    .pop()
                    .unwrap_or_else(|| self.window_around(level, x, y));
                (track.x, track.y, track.score) = self.climb(level, x, y, window);
            }
            if let Some(beam) = beam {
                let best = tracks.iter().map(|t| t.score).fold(f32::MIN, f32::max);
                tracks.retain(|t| t.score >= best - beam);
            }
            if let Some(floor) = floor {
                let min = floor(level);
                tracks.retain(|t| t.score >= min);
            }
            // The first level is climbed in windows read directly, the cheapest way to score
            // every candidate once; the survivors then get one patch for all finer levels.
            if level == self.level - 1 && level > 0 {
                for track in &mut tracks {
                    track.windows = self.patch_pyramid(level, track.x, track.y);
                }
            }
        }
        let mut located: Vec<Located> = tracks
            .iter()
            .map(|t| Located {
                x: t.x as u32,
                y: t.y as u32,
                score: t.score,
                coarse_score: t.coarse_score,
            })
            .collect();
        located.sort_by(|a, b| b.score.total_cmp(&a.score));
        located.dedup_by_key(|c| (c.x, c.y));
        located
    }

    /// Windows for levels 0 .. `level`-1 around position `x`, `y` of `level`, from one
    /// full-resolution patch halved level by level, so the frame is read only once.
    fn patch_pyramid(&self, level: usize, x: usize, y: usize) -> Vec<Window> {
        let align = 1usize << (level - 1);
        let px = 1usize << level;
        let t = self.reference.level(0);
        let (aw, ah) = (self.area.width as usize, self.area.height as usize);
        let slack = px + PATCH_MARGIN;
        // Aligned on level-1 blocks so that halving reproduces the area's block grid.
        let x0 = ((x * px).saturating_sub(slack) / align) * align;
        let y0 = ((y * px).saturating_sub(slack) / align) * align;
        let x1 = (x * px + t.width + slack).min(aw);
        let y1 = (y * px + t.height + slack).min(ah);
        let rect = Region::new(
            self.area.x + x0 as u32,
            self.area.y + y0 as u32,
            (x1 - x0) as u32,
            (y1 - y0) as u32,
        );
        let mut planes = vec![grey_blocks(self.frame, rect, 0, 1)];
        for l in 1..level {
            planes.push(halve(&planes[l - 1]));
        }
        planes
            .into_iter()
            .enumerate()
            .map(|(l, plane)| Window {
                x: x0 >> l,
                y: y0 >> l,
                plane,
            })
            .collect()
    }

    /// A window read from the frame for placements near `x`, `y` at `level`.
    fn window_around(&self, level: usize, x: usize, y: usize) -> Window {
        let t = self.reference.level(level);
        let max_x = (self.area.width as usize >> level) - t.width;
        let max_y = (self.area.height as usize >> level) - t.height;
        let (x, y) = (x.min(max_x), y.min(max_y));
        let x0 = x.saturating_sub(WINDOW_MARGIN);
        let y0 = y.saturating_sub(WINDOW_MARGIN);
        let x1 = (x + WINDOW_MARGIN).min(max_x) + t.width;
        let y1 = (y + WINDOW_MARGIN).min(max_y) + t.height;
        let rect = Region::new(
            self.area.x + (x0 << level) as u32,
            self.area.y + (y0 << level) as u32,
            ((x1 - x0) << level) as u32,
            ((y1 - y0) << level) as u32,
        );
        Window {
            x: x0,
            y: y0,
            plane: grey_blocks(self.frame, rect, level as u32, 1),
        }
    }

    /// Hill climbing on the 8-neighbourhood at one level, from `x`, `y` (twice the position found
    /// at the coarser level, which may itself be a pixel off when the reference straddles blocks).
    fn climb(&self, level: usize, x: usize, y: usize, window: Window) -> (usize, usize, f32) {
        let t = self.reference.level(level);
        let max_x = (self.area.width as usize >> level) - t.width;
        let max_y = (self.area.height as usize >> level) - t.height;
        let flat = self.reference.is_flat();
        let mut window = window;
        let mut box_sums = BoxSums::new(t.width, t.height);
        let mut scores: HashMap<(usize, usize), f32> = HashMap::new();
        let mut evaluate = |x: usize, y: usize| -> f32 {
            *scores.entry((x, y)).or_insert_with(|| {
                if !window.contains(x, y, t.width, t.height) {
                    window = self.window_around(level, x, y);
                    box_sums = BoxSums::new(t.width, t.height);
                }
                let (wx, wy) = (x - window.x, y - window.y);
                let sums = t.mask.is_none().then(|| box_sums.at(&window.plane, wx, wy));
                score_at(&window.plane, wx, wy, t, flat, sums)
            })
        };
        let (mut cx, mut cy) = (x.min(max_x), y.min(max_y));
        let mut best = evaluate(cx, cy);
        for _ in 0..MAX_STEPS {
            let (mut bx, mut by) = (cx, cy);
            for ny in cy.saturating_sub(1)..=(cy + 1).min(max_y) {
                for nx in cx.saturating_sub(1)..=(cx + 1).min(max_x) {
                    let s = evaluate(nx, ny);
                    if s > best {
                        (best, bx, by) = (s, nx, ny);
                    }
                }
            }
            if (bx, by) == (cx, cy) {
                break;
            }
            (cx, cy) = (bx, by);
        }
        (cx, cy, best)
    }
}
