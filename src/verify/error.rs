//! The one error type of the verification library.

use serde::Serialize;

/// Why a verification could not be carried out (as opposed to "it ran and the answer is no").
///
/// Every variant is a caller's mistake or an environment problem; none of them is a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the reference ({reference_width}x{reference_height}) is larger than the search area ({area_width}x{area_height})"
    )]
    ReferenceTooLarge {
        reference_width: u32,
        reference_height: u32,
        area_width: u32,
        area_height: u32,
    },
    #[error("the region {0} does not overlap the {1}x{2} frame")]
    RegionOutsideFrame(String, u32, u32),
    #[error("invalid region: {0}")]
    InvalidRegion(String),
    #[error("the reference has no opaque pixel to compare (every pixel has alpha < 255)")]
    FullyTransparentReference,
    #[error("the image is empty (0 pixels)")]
    EmptyImage,
    #[error(
        "the frame is {frame_width}x{frame_height} but the reference was cut from a {source_width}x{source_height} frame with a different aspect ratio"
    )]
    AspectRatioMismatch {
        frame_width: u32,
        frame_height: u32,
        source_width: u32,
        source_height: u32,
    },
    #[error("the frames differ in size: {0}x{1} and {2}x{3}")]
    FrameSizeMismatch(u32, u32, u32, u32),
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error("OCR language {requested:?} is not installed; installed: {}", installed.join(", "))]
    UnknownLanguage {
        requested: String,
        installed: Vec<String>,
    },
    #[error("OCR engine failure: {0}")]
    Ocr(String),
    #[error("cannot read image {path}: {reason}")]
    ImageLoad { path: String, reason: String },
}

impl VerifyError {
    /// A stable, machine-readable code for the JSON `{"error": code, "detail": sentence}` shape.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::ReferenceTooLarge { .. } => "reference_too_large",
            VerifyError::RegionOutsideFrame(..) => "region_outside_frame",
            VerifyError::InvalidRegion(_) => "invalid_region",
            VerifyError::FullyTransparentReference => "fully_transparent_reference",
            VerifyError::EmptyImage => "empty_image",
            VerifyError::AspectRatioMismatch { .. } => "aspect_ratio_mismatch",
            VerifyError::FrameSizeMismatch(..) => "frame_size_mismatch",
            VerifyError::InvalidOption(_) => "invalid_option",
            VerifyError::UnknownLanguage { .. } => "unknown_language",
            VerifyError::Ocr(_) => "ocr_failure",
            VerifyError::ImageLoad { .. } => "unreadable_image",
        }
    }

    /// The error as the JSON body used across vpt.
    pub fn to_json(&self) -> ErrorBody {
        ErrorBody {
            error: self.code(),
            detail: self.to_string(),
        }
    }
}

/// `{"error": "<code>", "detail": "<human sentence>"}`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub error: &'static str,
    pub detail: String,
}
