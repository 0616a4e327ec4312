//! Sample runs and steps shared by the report and JUnit tests.

use chrono::{DateTime, TimeZone, Utc};

use crate::testing::run::{RunRecord, RunStatus, Selector, StepResult, StepStatus};

pub fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 9, 26, second)
        .single()
        .expect("a valid time")
}

/// A finished run of "open Settings" on lab-1/sim1, started from the UI.
pub fn record(status: RunStatus) -> RunRecord {
    RunRecord {
        id: 12,
        testcase_id: Some(3),
        testcase_name: "open Settings".into(),
        testcase_version: 2,
        status,
        reason: None,
        started_by: "ui".into(),
        target: Selector::default(),
        host: Some("lab-1".into()),
        device: Some("sim1".into()),
        campaign_run_id: None,
        timeout_s: 600,
        queued_at: at(0),
        started_at: Some(at(1)),
        first_step_at: Some(at(1)),
        finished_at: Some(at(6)),
        duration_ms: Some(4210),
        steps_done: 3,
        steps_failed: 1,
    }
}

/// A 312 ms press step at `steps[index]`.
pub fn step(index: usize, label: &str, status: StepStatus) -> StepResult {
    StepResult {
        index,
        path: format!("steps[{index}]"),
        iteration: vec![],
        action: "press".into(),
        label: label.into(),
        status,
        continue_on_failure: false,
        started_at: at(2),
        ms: 312.0,
        detail: String::new(),
        log: vec![],
        verifications: vec![],
        before: None,
        after: None,
    }
}
