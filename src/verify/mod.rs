//! Verifications: how a test knows what is on the screen.
//!
//! Everything here is pure and synchronous (no I/O except loading images and the OCR engine's
//! language data), so it can be unit-tested and benchmarked alone; callers on an async runtime
//! run it on a blocking thread.
//!
//! # Image match ([`match_image`], [`match_all`])
//!
//! A match has two scores, both 0..1, and needs both to pass:
//!
//! * `score` (threshold [`MatchOptions::threshold`], default 0.95) is the zero-mean normalised
//!   cross-correlation between the reference and the frame at the best position: 1 means the same
//!   pattern, 0 means unrelated. It ignores uniform brightness/contrast changes, which makes it a
//!   robust locator. With `colour` it is computed over R, G and B. A reference with no pattern
//!   at all (a solid colour) is scored `1 - rms_difference / 64` instead.
//! * `confirm_score` (threshold [`MatchOptions::confirm_threshold`], default 0.70) looks at
//!   actual pixel values at that position: after a light blur, the largest difference that
//!   covers at least a 3x3 patch, relative to the reference's contrast (max - min brightness,
//!   counted as at least 64 levels). 0.70 tolerates differences up to 30% of the contrast. It
//!   rejects the cases correlation misses: a dark, low-contrast reference with local differences,
//!   and a change of colour such as a highlighted vs normal button or a colour-swapped twin: a
//!   reference that has colour ([`Reference::has_colour`]) is confirmed in R, G and B even
//!   without `colour`.
//!
//! The search is coarse to fine: a first pass over the whole search area at a reduced resolution
//! picked from the reference's size (FFT or direct correlation, whichever is cheaper), then the
//! best candidates and every near-tie are followed down the pyramid to full resolution, where the
//! scores above decide. Candidates that can no longer reach the threshold are dropped level by
//! level, so an absent reference is usually decided by the first pass.
//!
//! Transparent pixels in a reference (alpha < 255) are ignored. A reference is used pixel for
//! pixel unless it declares the resolution of the frame it was cut from
//! ([`Reference::with_source_size`]); then it is scaled to frames of another resolution with the
//! same aspect ratio (other aspect ratios are refused).
//!
//! # Other verifications
//!
//! [`match_text`] / [`ocr`] (Tesseract), [`is_black`], [`detect_motion`], [`FreezeDetector`],
//! and [`annotate`] to draw results on a frame.

mod annotate;
mod black;
pub mod cli;
mod confirm;
mod error;
mod fft;
mod matcher;
mod motion;
mod ocr;
mod plane;
mod reference;
mod region;
mod score;
mod search;
mod spec;
pub mod synthetic;
mod text;

pub use annotate::{Annotation, annotate};
pub use black::{BlackOptions, BlackResult, DEFAULT_BLACK_THRESHOLD, is_black};
pub use error::{ErrorBody, VerifyError};
pub use matcher::{
    DEFAULT_CONFIRM_THRESHOLD, DEFAULT_MATCH_THRESHOLD, MatchOptions, MatchResult, match_all,
    match_image,
};
pub use motion::{
    DEFAULT_NOISE_THRESHOLD, FreezeDetector, FreezeState, MotionOptions, MotionResult,
    detect_motion,
};
pub use ocr::{
    OcrOptions, OcrPoolStats, OcrResult, OcrWord, PageSegMode, TARGET_LINE_HEIGHT, TextMatchResult,
    installed_languages, match_text, ocr, ocr_pool_stats,
};
pub use reference::Reference;
pub use region::Region;
pub use spec::{MAX_CONSECUTIVE, MAX_VERIFICATION_TIMEOUT_MS, SpecError, check_spec};
pub use text::TextPattern;

#[cfg(test)]
mod tests;
