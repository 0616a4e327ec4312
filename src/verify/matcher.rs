//! Image matching: where is the reference in the frame, and is it really there?

use std::borrow::Cow;
use std::time::Instant;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::confirm::{channel_score, confirm_score};
use super::reference::Reference;
use super::score::Peak;
use super::search::{Located, Search, level_floor};
use super::{Region, VerifyError};

/// Default minimum match score (see the module documentation for what the score means).
pub const DEFAULT_MATCH_THRESHOLD: f64 = 0.95;
/// Default minimum confirm score.
pub const DEFAULT_CONFIRM_THRESHOLD: f64 = 0.70;

/// First-pass candidates followed to full resolution by [`match_image`]. More than one because
/// the coarse pass can rank a look-alike above the real thing.
const CANDIDATES: usize = 8;
/// First-pass peaks within this of the best one are near-ties (a row of similar tiles, a colour
/// twin): all of them are followed, up to [`MAX_TIES`], whatever [`CANDIDATES`] says, because
/// the coarse pass cannot rank them.
const TIE: f32 = 0.06;
const MAX_TIES: usize = 32;
/// Most candidates followed by [`match_all`].
const MAX_ALL_CANDIDATES: usize = 256;
/// How far below `threshold` a candidate's grey score may be and still get the (more costly)
/// full checks; colour scores can come out a little higher than grey ones.
const FINISH_MARGIN: f64 = 0.1;
/// While following candidates down the pyramid, those scoring this far below the best one at a
/// level are dropped: the full-resolution work goes to the plausible ones only.
const BEAM: f32 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchOptions {
    /// Minimum match score, 0..1 (default 0.95).
    pub threshold: f64,
    /// Minimum confirm score, 0..1 (default 0.70).
    pub confirm_threshold: f64,
    /// Compare colour as well as brightness (score and confirm pass use R, G and B).
    pub colour: bool,
    /// Only search this part of the frame (clipped to the frame).
    pub region: Option<Region>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            threshold: DEFAULT_MATCH_THRESHOLD,
            confirm_threshold: DEFAULT_CONFIRM_THRESHOLD,
            colour: false,
            region: None,
        }
    }
}

/// The outcome of matching one reference against one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    /// `score >= threshold && confirm_score >= confirm_threshold`.
    pub matched: bool,
    /// Match score at the best position, 0..1.
    pub score: f64,
    /// Where the reference was found (or the best place, when not matched), frame coordinates.
    pub region: Region,
    /// Milliseconds spent, preparation of a scaled reference included.
    pub ms: f64,
    /// Score of this position at the coarse pyramid level, before refinement.
    pub first_pass_score: f64,
    /// Confirm score at `region`, 0..1; computed only when `score` passed the threshold (it
    /// cannot change the verdict otherwise).
    pub confirm_score: Option<f64>,
    /// Pyramid level of the first pass (0 = full resolution, 2 = quarter).
    pub pyramid_level: u32,
    /// The part of the frame that was searched.
    pub search_area: Region,
    pub threshold: f64,
    pub confirm_threshold: f64,
}

/// Finds the best match of `reference` in `frame`.
pub fn match_image(
    frame: &RgbImage,
    reference: &Reference,
    options: &MatchOptions,
) -> Result<MatchResult, VerifyError> {
    let start = Instant::now();
    let (reference, area) = prepare(frame, reference, options)?;
    let search = Search::new(frame, area, &reference);
    let threshold = options.threshold;
    // Peaks below the coarse level's floor cannot become a match: a reference that is not on
    // screen is usually decided by the first pass alone.
    let coarse_floor = level_floor(threshold, search.level);
    let peaks = search.candidates(f32::MIN, MAX_TIES);
    let Some(best_peak) = peaks.first().copied() else {
        return Err(VerifyError::EmptyImage);
    };
    let followed: Vec<Peak> = peaks
        .iter()
        .enumerate()
        .filter(|(rank, p)| {
            p.score >= coarse_floor && (*rank < CANDIDATES || p.score >= best_peak.score - TIE)
        })
        .map(|(_, p)| *p)
        .collect();
    let floor = |level: usize| {
        if level == 0 {
            (threshold - FINISH_MARGIN) as f32
        } else {
            level_floor(threshold, level)
        }
    };
    let floor: &dyn Fn(usize) -> f32 = &floor;
    let located = search.refine(&followed, Some(BEAM), Some(floor));
    let mut finished: Option<MatchResult> = None;
    for (rank, candidate) in located.iter().enumerate() {
        if rank > 0 && f64::from(candidate.score) < threshold - FINISH_MARGIN {
            break;
        }
        let result = finish(&search, candidate, options);
        let matched = result.matched;
        if finished
            .as_ref()
            .is_none_or(|f| !f.matched && result.score > f.score)
            || matched
        {
            finished = Some(result);
        }
        if matched {
            break;
        }
    }
    let mut result = match finished {
        Some(result) => result,
        // Nothing could reach the threshold: report the best first-pass position as it scores
        // at full resolution.
        None => finish(&search, &search.unrefined(&best_peak), options),
    };
    result.ms = elapsed_ms(start);
    Ok(result)
}

/// All non-overlapping matches of `reference` in `frame`, best score first.
pub fn match_all(
    frame: &RgbImage,
    reference: &Reference,
    options: &MatchOptions,
) -> Result<Vec<MatchResult>, VerifyError> {
    let start = Instant::now();
    let (reference, area) = prepare(frame, reference, options)?;
    let search = Search::new(frame, area, &reference);
    // The first pass scores lower than full resolution (blocks straddle edges), hence the slack.
    let coarse_min = (options.threshold - 0.3).max(0.05) as f32;
    let located = search.refine(
        &search.candidates(coarse_min, MAX_ALL_CANDIDATES),
        None,
        None,
    );
    let mut matches: Vec<MatchResult> = located
        .iter()
        .filter(|c| f64::from(c.score) >= options.threshold - FINISH_MARGIN)
        .map(|c| finish(&search, c, options))
        .filter(|r| r.matched)
        .collect();
    matches.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<MatchResult> = Vec::new();
    for m in matches {
        if !kept.iter().any(|k| k.region.overlaps(&m.region)) {
            kept.push(m);
        }
    }
    let ms = elapsed_ms(start);
    kept.iter_mut().for_each(|m| m.ms = ms);
    Ok(kept)
}

/// Validates the options and works out the search area and the reference at frame scale.
fn prepare<'r>(
    frame: &RgbImage,
    reference: &'r Reference,
    options: &MatchOptions,
) -> Result<(Cow<'r, Reference>, Region), VerifyError> {
    for (name, value) in [
        ("threshold", options.threshold),
        ("confirm_threshold", options.confirm_threshold),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(VerifyError::InvalidOption(format!(
                "{name} must be between 0 and 1, got {value}"
            )));
        }
    }
    if frame.width() == 0 || frame.height() == 0 {
        return Err(VerifyError::EmptyImage);
    }
    let area = match options.region {
        Some(region) => region.clip_to(frame.width(), frame.height())?,
        None => Region::full(frame.width(), frame.height()),
    };
    let reference = reference.for_frame(frame.width(), frame.height())?;
    if reference.width() > area.width || reference.height() > area.height {
        return Err(VerifyError::ReferenceTooLarge {
            reference_width: reference.width(),
            reference_height: reference.height(),
            area_width: area.width,
            area_height: area.height,
        });
    }
    Ok((reference, area))
}

/// Full-resolution verdict at a located position.
fn finish(search: &Search<'_>, candidate: &Located, options: &MatchOptions) -> MatchResult {
    let reference = search.reference;
    let region = Region::new(
        search.area.x + candidate.x,
        search.area.y + candidate.y,
        reference.width(),
        reference.height(),
    );
    let score = if options.colour {
        channel_score(search.frame, region, reference.channels(true))
    } else {
        candidate.score
    };
    // The verdict is taken on the rounded figures so that the numbers shown always agree with it.
    let score = round4(f64::from(score));
    // A reference that has colour is confirmed in colour even when only brightness is scored:
    // its colour-swapped twin has the same brightness pattern and must not pass.
    let confirm_channels = reference.channels(options.colour || reference.has_colour());
    let confirm = (score >= options.threshold).then(|| {
        round4(f64::from(confirm_score(
            search.frame,
            region,
            confirm_channels,
        )))
    });
    MatchResult {
        matched: confirm.is_some_and(|c| c >= options.confirm_threshold),
        score,
        region,
        ms: 0.0,
        first_pass_score: round4(f64::from(candidate.coarse_score)),
        confirm_score: confirm,
        pyramid_level: search.level as u32,
        search_area: search.area,
        threshold: options.threshold,
        confirm_threshold: options.confirm_threshold,
    }
}

pub(crate) fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

pub(crate) fn elapsed_ms(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1e6).round() / 1e3
}
