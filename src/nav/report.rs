//! What a navigation (goto or validation) asks a host to do, and what it reports back, step by
//! step. The host streams [`NavEvent`]s as newline-delimited JSON; the server keeps them in the
//! job, persists validations and edge times, and republishes every step on `/api/events`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::graph::Direction;
use super::model::TreeDoc;

/// Re-plans a goto may make after landing somewhere unexpected, unless the request says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// Body of `POST /host/devices/{id}/navigate`. Verifications in the tree are resolved (reference
/// images inline), so the host needs nothing else.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavRequest {
    /// Identifies the tree and its version; a device's tracked position belongs to one tree.
    pub tree_key: String,
    pub tree: TreeDoc,
    /// Measured mean times (ms) of moves, which the planner prefers to weights.
    #[serde(default)]
    pub measured: Vec<MeasuredMove>,
    pub goal: Goal,
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn default_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasuredMove {
    pub edge_id: String,
    pub direction: Direction,
    pub mean_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Goal {
    Goto { target: String },
    Validate,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// One move along an edge.
    Edge,
    /// Working out which node the device shows.
    Localise,
    /// Checking the device is still where it was last seen.
    Verify,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// Failed, then passed after the edge's retry actions.
    Retried,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub index: usize,
    pub kind: StepKind,
    pub edge_id: Option<String>,
    pub direction: Option<Direction>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The actions, e.g. `RIGHT ×2, OK`.
    pub actions: String,
    pub status: StepStatus,
    /// Which attempt of the goto (1 = as planned; more after a re-plan).
    pub attempt: u32,
    pub ms: f64,
    pub action_ms: f64,
    pub verify_ms: f64,
    pub detail: String,
    /// Verification results of the node checked (as the verify API reports them).
    pub verifications: Vec<Value>,
    pub screenshot_url: Option<String>,
}

/// Outcome of one edge in a validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeResult {
    pub edge_id: String,
    pub direction: Direction,
    pub passed: bool,
    pub ms: f64,
    pub detail: String,
    pub screenshot_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValidationSummary {
    /// Moves made, including those needed to reach uncovered edges and to recover.
    pub moves: usize,
    pub edges_total: usize,
    pub edges_passed: usize,
    /// Edge moves to cover ÷ moves made (1.0 = no redundant move).
    pub efficiency: f64,
    pub results: Vec<EdgeResult>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Error,
}

/// One line of the host's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NavEvent {
    Step {
        step: Step,
    },
    Done {
        status: Outcome,
        error: Option<String>,
        /// The node the device is known to be on, if any.
        position: Option<String>,
        attempts: u32,
        validation: Option<ValidationSummary>,
    },
}
