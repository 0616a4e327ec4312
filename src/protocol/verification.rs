//! What a verification request says, as the host receives it (references inline), and what
//! it answers. The server checks verifications it stores against [`Verification`] too.

use serde::{Deserialize, Serialize};

use crate::verify::Region;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[serde(default)]
    pub pass: PassCondition,
    pub verifications: Vec<Verification>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PassCondition {
    #[default]
    All,
    Any,
}

/// When a verification passes, over the frames it looks at.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The condition holds (on `consecutive` frames in a row) before the timeout.
    #[default]
    Present,
    /// The condition does not hold (on `consecutive` frames in a row) before the timeout.
    Absent,
    /// The condition holds, then stops holding, before the timeout.
    AppearThenDisappear,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Verification {
    #[serde(flatten)]
    pub check: Check,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub timeout_ms: u64,
    #[serde(default = "one")]
    pub consecutive: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    Image {
        reference: InlineReference,
        #[serde(default)]
        threshold: Option<f64>,
        #[serde(default)]
        confirm_threshold: Option<f64>,
        #[serde(default)]
        colour: bool,
        #[serde(default)]
        region: Option<Region>,
    },
    Text {
        expect: String,
        #[serde(default)]
        region: Option<Region>,
        #[serde(default)]
        lang: Option<String>,
    },
    Black {
        #[serde(default)]
        threshold: Option<u8>,
        #[serde(default)]
        region: Option<Region>,
        #[serde(default)]
        min_dark_fraction: Option<f64>,
    },
    Motion {
        #[serde(default)]
        threshold: Option<u8>,
        #[serde(default)]
        region: Option<Region>,
    },
    Freeze {
        duration_ms: u64,
        #[serde(default)]
        threshold: Option<u8>,
        #[serde(default)]
        region: Option<Region>,
    },
    /// An element of an Android device's UI tree (ADB devices only): by text, resource-id,
    /// content-desc or any of them, `a|b` alternatives, ignoring case.
    Element {
        #[serde(flatten)]
        query: crate::protocol::element::ElementQuery,
    },
}

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Image { .. } => "image",
            Check::Text { .. } => "text",
            Check::Black { .. } => "black",
            Check::Motion { .. } => "motion",
            Check::Freeze { .. } => "freeze",
            Check::Element { .. } => "element",
        }
    }

    /// What the result calls this verification.
    pub fn name(&self) -> String {
        match self {
            Check::Image { reference, .. } => reference.name.clone(),
            Check::Text { expect, .. } => format!("text \"{expect}\""),
            Check::Element { query } => {
                let wanted = [
                    &query.text,
                    &query.resource_id,
                    &query.content_desc,
                    &query.any,
                ];
                let wanted: Vec<&str> = wanted.into_iter().flatten().map(String::as_str).collect();
                format!("element \"{}\"", wanted.join(" "))
            }
            other => other.kind().to_string(),
        }
    }
}

/// A reference image carried in the request (the server resolves stored references into this).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InlineReference {
    pub name: String,
    pub png_base64: String,
    #[serde(default)]
    pub area: Option<Region>,
    #[serde(default)]
    pub source_width: Option<u32>,
    #[serde(default)]
    pub source_height: Option<u32>,
}

/// The outcome of one verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationResult {
    pub kind: &'static str,
    pub name: String,
    pub mode: Mode,
    pub passed: bool,
    /// Whether the condition held on the frame that decided.
    pub matched: bool,
    pub score: Option<f64>,
    pub region: Option<Region>,
    /// Analysis time of the deciding frame.
    pub ms: f64,
    /// Time from the start of this verification to the decision.
    pub waited_ms: f64,
    pub frames_checked: u32,
    pub frame_seq: Option<u64>,
    /// Text read (OCR).
    pub text: Option<String>,
    pub detail: String,
    pub annotated_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyResponse {
    pub passed: bool,
    pub pass: PassCondition,
    pub ms: f64,
    pub results: Vec<VerificationResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_shapes() {
        let request: VerifyRequest = serde_json::from_value(serde_json::json!({
            "verifications": [
                {"kind": "black", "threshold": 30},
                {"kind": "text", "expect": "Settings", "mode": "absent", "timeout_ms": 500},
                {"kind": "freeze", "duration_ms": 1000, "consecutive": 2}
            ]
        }))
        .unwrap();
        assert_eq!(request.pass, PassCondition::All);
        assert_eq!(request.verifications[0].consecutive, 1);
        assert_eq!(request.verifications[1].mode, Mode::Absent);
        assert!(matches!(
            request.verifications[2].check,
            Check::Freeze {
                duration_ms: 1000,
                ..
            }
        ));
        let unknown = serde_json::from_value::<VerifyRequest>(serde_json::json!({
            "verifications": [{"kind": "smell"}]
        }));
        assert!(unknown.is_err());
        let missing = serde_json::from_value::<VerifyRequest>(serde_json::json!({
            "verifications": [{"kind": "text"}]
        }));
        assert!(missing.unwrap_err().to_string().contains("expect"));
    }
}
