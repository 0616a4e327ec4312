//! What a run is and what it reports, shared by the host (which executes the steps) and the
//! server (which queues, stores and shows them). The host answers a run with numbered events;
//! the server reads them from `/host/runs/{key}/events?after=N`, so after a lost link it picks
//! up exactly where it stopped (see docs/testing.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::nav::TreeDoc;
use crate::nav::report::MeasuredMove;
use crate::protocol::Capability;
use crate::testing::case::TestStep;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Passed,
    Failed,
    Error,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::Error => "error",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        Some(match text {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "passed" => RunStatus::Passed,
            "failed" => RunStatus::Failed,
            "error" => RunStatus::Error,
            "cancelled" => RunStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// The device did not do what the step checks (a verification, a goto that never arrived).
    Failed,
    /// The step could not be carried out (driver failure, missing capability, timeout).
    Error,
}

/// One line of a step's log, `ms` after the step started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub ms: f64,
    pub text: String,
}

/// The outcome of one executed step. Repeated blocks produce one result per iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    /// Order of execution, from 0.
    pub index: usize,
    /// Where the step is in the document, e.g. `steps[3].steps[0]`.
    pub path: String,
    /// Iteration of each enclosing repeat, outermost first, from 1 (e.g. `[2]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iteration: Vec<u32>,
    pub action: String,
    pub label: String,
    pub status: StepStatus,
    #[serde(default)]
    pub continue_on_failure: bool,
    pub started_at: DateTime<Utc>,
    pub ms: f64,
    /// Why it failed, or what it found.
    #[serde(default)]
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<LogLine>,
    /// Verification results as the verify API reports them; `annotated` names the artifact of
    /// the annotated picture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifications: Vec<Value>,
    /// Artifact names of the pictures before and after the step (JPEG in the run's folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A picture the host made during a run, carried in the event that names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    pub jpeg_base64: String,
}

/// How a run ended, as the host saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Passed,
    Failed,
    Error,
    Cancelled,
}

impl From<RunOutcome> for RunStatus {
    fn from(outcome: RunOutcome) -> RunStatus {
        match outcome {
            RunOutcome::Passed => RunStatus::Passed,
            RunOutcome::Failed => RunStatus::Failed,
            RunOutcome::Error => RunStatus::Error,
            RunOutcome::Cancelled => RunStatus::Cancelled,
        }
    }
}

/// One event of a run on the host, numbered from 1 so a reader can resume after the last it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    StepStarted {
        seq: u64,
        index: usize,
        path: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        iteration: Vec<u32>,
        action: String,
        label: String,
        started_at: DateTime<Utc>,
    },
    StepFinished {
        seq: u64,
        step: StepResult,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        artifacts: Vec<Artifact>,
    },
    Done {
        seq: u64,
        status: RunOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        ms: f64,
    },
}

impl RunEvent {
    pub fn seq(&self) -> u64 {
        match self {
            RunEvent::StepStarted { seq, .. }
            | RunEvent::StepFinished { seq, .. }
            | RunEvent::Done { seq, .. } => *seq,
        }
    }
}

/// The tree `goto` steps walk, as the navigation executor takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunTree {
    pub tree_key: String,
    pub tree: TreeDoc,
    #[serde(default)]
    pub measured: Vec<MeasuredMove>,
}

/// What the server sends a host to start a run: the steps with every reference resolved inline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRunRequest {
    /// Unique per dispatch; names the run on the host.
    pub key: String,
    pub name: String,
    pub steps: Vec<TestStep>,
    #[serde(default)]
    pub tree: Option<RunTree>,
    pub timeout_s: u64,
    /// Re-plans a goto step may make.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn default_attempts() -> u32 {
    crate::nav::report::DEFAULT_MAX_ATTEMPTS
}

/// Which devices a run may take: one named device, or any free one matching the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<Capability>,
}

impl Selector {
    /// A selector is either a host's device or a description; `host/device` is split here.
    pub fn validate(&self) -> Result<(), String> {
        if self.device.is_some() && self.host.is_none() {
            return Err("`device` needs its `host` (or write it as \"host/device\")".into());
        }
        for (field, value) in [
            ("host", &self.host),
            ("device", &self.device),
            ("model", &self.model),
        ] {
            if let Some(value) = value
                && (value.trim().is_empty() || value.len() > 128)
            {
                return Err(format!("`{field}` must be 1 to 128 characters"));
            }
        }
        Ok(())
    }

    /// Short words for lists: `sim1 on lab-1`, `any stb`, `any device`.
    pub fn describe(&self) -> String {
        if let (Some(host), Some(device)) = (&self.host, &self.device) {
            return format!("{host}/{device}");
        }
        let mut parts = Vec::new();
        if let Some(host) = &self.host {
            parts.push(format!("on {host}"));
        }
        if let Some(model) = &self.model {
            parts.push(format!("model {model}"));
        }
        if let Some(capability) = &self.capability {
            let name = serde_json::to_value(capability)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            parts.push(format!("with {name}"));
        }
        if parts.is_empty() {
            "any device".to_string()
        } else {
            format!("any device {}", parts.join(" "))
        }
    }
}

/// A run as the API shows it (steps apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub testcase_id: Option<i64>,
    pub testcase_name: String,
    pub testcase_version: i64,
    pub status: RunStatus,
    /// Why it ended as it did (error, cancellation, the failing step).
    pub reason: Option<String>,
    /// `ui`, `api`, `cli`, `schedule:<name>` or `campaign:<name>`.
    pub started_by: String,
    /// Which devices it may take.
    pub target: Selector,
    pub host: Option<String>,
    pub device: Option<String>,
    pub campaign_run_id: Option<i64>,
    pub timeout_s: u64,
    pub queued_at: DateTime<Utc>,
    /// When it was given its device.
    pub started_at: Option<DateTime<Utc>>,
    pub first_step_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// From being given its device to its end.
    pub duration_ms: Option<i64>,
    pub steps_done: u32,
    pub steps_failed: u32,
}
