//! Campaign runs: the tests of a campaign queued one after another. The first test takes any
//! free device that fits the campaign's target; the following ones run on the same device, so a
//! campaign reads as one session on one box. Stops at the first test that does not pass unless
//! the campaign continues on failure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::api_error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::server::db::campaigns::{self as queries, CampaignRun, PlannedTest};
use crate::server::db::testing as testcase_queries;
use crate::server::events::Event;
use crate::server::runs::Request;
use crate::testing::run::{RunStatus, Selector};

/// A campaign run being driven: how to stop it, and a flag that turns true once it has ended.
type Driving = (CancellationToken, watch::Receiver<bool>);

/// Campaign runs being driven.
#[derive(Clone, Default)]
pub struct CampaignRuns {
    driving: Arc<Mutex<HashMap<i64, Driving>>>,
}

impl CampaignRuns {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Driving>> {
        self.driving.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts a campaign; refused when a test is gone or no device could run it.
pub async fn start(
    state: &AppState,
    campaign_id: i64,
    target: Option<Selector>,
    started_by: String,
) -> ApiResult<Value> {
    let campaign = state
        .db
        .call(move |c| queries::get(c, campaign_id))
        .await?
        .ok_or_else(|| ApiError::not_found("campaign", &campaign_id.to_string()))?;
    let target = target.unwrap_or_else(|| campaign.target.clone());
    target
        .validate()
        .map_err(|why| ApiError::bad_request("invalid_target", why))?;
    let ids = campaign.testcase_ids.clone();
    let testcases = state
        .db
        .call(move |c| {
            ids.iter()
                .map(|id| Ok((*id, testcase_queries::get_testcase(c, *id)?)))
                .collect::<Result<Vec<_>, crate::server::db::DbError>>()
        })
        .await?;
    let mut tests = Vec::new();
    let mut needs = Vec::new();
    for (id, testcase) in testcases {
        let testcase = testcase.ok_or_else(|| {
            ApiError::conflict(
                "testcase_missing",
                format!("test case {id} of the campaign no longer exists"),
            )
        })?;
        for capability in testcase.document.required_capabilities() {
            if !needs.contains(&capability) {
                needs.push(capability);
            }
        }
        tests.push(PlannedTest {
            testcase_id: id,
            name: testcase.name,
        });
    }
    if crate::server::runs::busy_reason(state, &target, &needs)
        .is_some_and(|why| why.starts_with("no device"))
    {
        return Err(ApiError::bad_request(
            "no_device",
            format!(
                "no known device fits {} with what the campaign's tests need",
                target.describe()
            ),
        ));
    }
    let (planned, chosen, by) = (tests.clone(), target.clone(), started_by.clone());
    let id = state
        .db
        .call(move |c| queries::insert_run(c, &campaign, &planned, &chosen, &by))
        .await?;
    let cancel = CancellationToken::new();
    let (ended, ended_flag) = watch::channel(false);
    state
        .campaign_runs
        .lock()
        .insert(id, (cancel.clone(), ended_flag));
    let view = view(state, id).await?;
    state.events.publish(Event::new(
        "campaign.updated",
        &json!({"campaign_run": view}),
    ));
    let driver_state = state.clone();
    tokio::spawn(async move {
        drive(&driver_state, id, tests, target, cancel).await;
        driver_state.campaign_runs.lock().remove(&id);
        ended.send_replace(true);
    });
    Ok(view)
}

async fn drive(
    state: &AppState,
    id: i64,
    tests: Vec<PlannedTest>,
    target: Selector,
    cancel: CancellationToken,
) {
    let Ok(Some(campaign_run)) = state.db.call(move |c| queries::get_run(c, id)).await else {
        return;
    };
    let mut device: Option<Selector> = None;
    let mut passed = 0;
    let mut ending: Option<(&str, Option<String>)> = None;
    for (position, test) in tests.iter().enumerate() {
        if cancel.is_cancelled() {
            ending = Some(("cancelled", Some("cancelled".into())));
            break;
        }
        let request = Request {
            testcase_id: test.testcase_id,
            target: device.clone().unwrap_or_else(|| target.clone()),
            timeout_s: campaign_run.test_timeout_s,
            started_by: format!("campaign:{}", campaign_run.name),
            campaign_run_id: Some(id),
            campaign_position: Some(position as i64),
        };
        let run = match state.runs.enqueue(state, request).await {
            Ok(run) => run,
            Err(e) => {
                ending = Some(("error", Some(format!("\"{}\": {}", test.name, e.detail))));
                break;
            }
        };
        publish(state, id).await;
        let finished = tokio::select! {
            finished = state.runs.wait(state, run.id) => finished,
            _ = cancel.cancelled() => {
                let _ = state.runs.cancel(state, run.id).await;
                ending = Some(("cancelled", Some("cancelled".into())));
                break;
            }
        };
        let Ok(finished) = finished else {
            ending = Some((
                "error",
                Some(format!("\"{}\": the run vanished", test.name)),
            ));
            break;
        };
        if device.is_none()
            && let (Some(host), Some(dev)) = (finished.host.clone(), finished.device.clone())
        {
            device = Some(Selector {
                host: Some(host),
                device: Some(dev),
                ..Selector::default()
            });
        }
        publish(state, id).await;
        if finished.status == RunStatus::Passed {
            passed += 1;
        } else if finished.status == RunStatus::Cancelled && cancel.is_cancelled() {
            ending = Some(("cancelled", Some("cancelled".into())));
            break;
        } else if !campaign_run.continue_on_failure {
            ending = Some((
                "failed",
                Some(format!(
                    "stopped after \"{}\" ({}): {}",
                    test.name,
                    finished.status.as_str(),
                    finished.reason.unwrap_or_default()
                )),
            ));
            break;
        }
    }
    let (status, reason) = ending.unwrap_or_else(|| {
        if passed == tests.len() {
            ("passed", None)
        } else {
            (
                "failed",
                Some(format!(
                    "{} of {} tests did not pass",
                    tests.len() - passed,
                    tests.len()
                )),
            )
        }
    });
    let reason_text = reason.clone();
    let _ = state
        .db
        .call(move |c| queries::finish_run(c, id, status, reason_text.as_deref()))
        .await;
    publish(state, id).await;
}

async fn publish(state: &AppState, id: i64) {
    if let Ok(view) = view(state, id).await {
        state.events.publish(Event::new(
            "campaign.updated",
            &json!({"campaign_run": view}),
        ));
    }
}

/// Cancels the running test and the rest.
pub async fn cancel(state: &AppState, id: i64) -> ApiResult<Value> {
    let run = load(state, id).await?;
    if run.status != "running" {
        return Err(ApiError::conflict(
            "campaign_finished",
            format!("campaign run {id} has already ended ({})", run.status),
        ));
    }
    let driving = state.campaign_runs.lock().get(&id).cloned();
    match driving {
        Some((token, mut ended)) => {
            token.cancel();
            // The driver cancels the running test and records the end: wait for it, so the
            // answer shows the campaign run as it ended.
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(15),
                ended.wait_for(|ended| *ended),
            )
            .await;
        }
        None => {
            // Nobody drives it (a previous server's): end it here.
            let _ = state
                .db
                .call(move |c| queries::finish_run(c, id, "cancelled", Some("cancelled")))
                .await;
        }
    }
    view(state, id).await
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<CampaignRun> {
    state
        .db
        .call(move |c| queries::get_run(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("campaign run", &id.to_string()))
}

/// A campaign run with each planned test and its run (if it has one), and the counts.
pub async fn view(state: &AppState, id: i64) -> ApiResult<Value> {
    let run = load(state, id).await?;
    let runs = state.db.call(move |c| queries::runs_of(c, id)).await?;
    let (mut passed, mut failed, mut errors, mut not_run) = (0, 0, 0, 0);
    let tests: Vec<Value> = run
        .tests
        .iter()
        .enumerate()
        .map(|(position, test)| {
            let found = runs
                .iter()
                .rev()
                .find(|(p, _)| *p == position as i64)
                .map(|(_, r)| r);
            match found.map(|r| r.status) {
                Some(RunStatus::Passed) => passed += 1,
                Some(RunStatus::Failed) => failed += 1,
                Some(RunStatus::Error) => errors += 1,
                Some(RunStatus::Cancelled) | None if run.status != "running" => not_run += 1,
                _ => {}
            }
            json!({
                "position": position,
                "testcase_id": test.testcase_id,
                "name": test.name,
                "run": found,
            })
        })
        .collect();
    let mut value = json!(run);
    value["tests"] = Value::Array(tests);
    value["passed"] = json!(passed);
    value["failed"] = json!(failed);
    value["errors"] = json!(errors);
    value["not_run"] = json!(not_run);
    Ok(value)
}
