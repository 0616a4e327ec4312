//! The dispatcher: gives queued runs free devices, sends each run to its host, and follows the
//! host's numbered events until the run ends. A lost link is waited out (the host keeps
//! running and buffering) for `runs.host_lost_after_s`; then the run ends as `host lost` and its
//! device is freed.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use base64::Engine;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{Active, candidates};
use crate::api_error::ApiError;
use crate::server::AppState;
use crate::server::db::testing as queries;
use crate::server::locks::Acquired;
use crate::server::ndjson::{Line, NdjsonFollower};
use crate::server::proxy;
use crate::testing::case::{StepAction, TestCaseDoc, TestStep};
use crate::testing::queue::{Waiting, assign};
use crate::testing::run::{HostRunRequest, RunEvent, RunStatus, RunTree};

/// The dispatcher also looks on its own this often (locks expire, hosts come back).
const TICK: Duration = Duration::from_secs(1);
/// Lease of the lock a run holds on its device, renewed while it runs.
const LEASE: Duration = Duration::from_secs(60);
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// A device that refused a run as busy is left alone this long.
const COOL_DOWN: Duration = Duration::from_secs(2);
/// Longest line a host may send (a step with its pictures).
const MAX_LINE: usize = 64 * 1024 * 1024;
/// How long a cancelled run waits for its host to confirm.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// Runs until the server stops.
pub async fn dispatcher(state: AppState) {
    let runs = state.runs.clone();
    loop {
        tokio::select! {
            _ = runs.wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = state.shutdown.cancelled() => return,
        }
        cancel_orphans(&state).await;
        if let Err(e) = dispatch_once(&state).await {
            tracing::warn!(error = %e, "dispatching runs failed");
        }
    }
}

async fn dispatch_once(state: &AppState) -> anyhow::Result<()> {
    let queued = state.db.call(|c| queries::queued_runs(c)).await?;
    if queued.is_empty() {
        return Ok(());
    }
    // What each run's steps need, parsed once per run (the queue is read on every wake).
    let unknown: Vec<i64> = {
        let inner = state.runs.lock();
        queued
            .iter()
            .map(|r| r.id)
            .filter(|id| !inner.needs.contains_key(id))
            .collect()
    };
    if !unknown.is_empty() {
        let loaded = state
            .db
            .call(move |c| {
                unknown
                    .iter()
                    .map(|id| Ok((*id, queries::run_document(c, *id)?)))
                    .collect::<Result<Vec<_>, crate::server::db::DbError>>()
            })
            .await?;
        let mut inner = state.runs.lock();
        for (id, doc) in loaded {
            let needs = doc.map(|d| d.required_capabilities()).unwrap_or_default();
            inner.needs.insert(id, needs);
        }
    }
    let waiting: Vec<Waiting> = {
        let inner = state.runs.lock();
        queued
            .iter()
            .map(|run| Waiting {
                run_id: run.id,
                target: run.target.clone(),
                needs: inner.needs.get(&run.id).cloned().unwrap_or_default(),
            })
            .collect()
    };
    let devices = candidates(state, &state.runs);
    for (run_id, index) in assign(&waiting, &devices) {
        let device = &devices[index];
        let key = (device.host.clone(), device.device.clone());
        {
            let mut inner = state.runs.lock();
            if inner.busy.contains_key(&key) {
                continue;
            }
            inner.busy.insert(key.clone(), run_id);
            inner.needs.remove(&run_id);
            inner.active.insert(
                run_id,
                Active {
                    host: key.0.clone(),
                    device: key.1.clone(),
                    cancel: CancellationToken::new(),
                    current: None,
                },
            );
        }
        let state = state.clone();
        tokio::spawn(async move {
            let requeue = execute(&state, run_id, &key.0, &key.1).await;
            let mut inner = state.runs.lock();
            inner.busy.remove(&key);
            inner.active.remove(&run_id);
            inner.clock += 1;
            let clock = inner.clock;
            inner.idle_since.insert(key.clone(), clock);
            if requeue {
                inner.cooling.insert(key, Instant::now() + COOL_DOWN);
            }
            drop(inner);
            state.runs.wake();
        });
    }
    Ok(())
}

/// Tells hosts to stop runs a previous server started and can no longer follow.
async fn cancel_orphans(state: &AppState) {
    let orphans: Vec<(i64, String, String)> = {
        let mut inner = state.runs.lock();
        if inner.orphans.is_empty() {
            return;
        }
        let (online, offline): (Vec<_>, Vec<_>) = inner
            .orphans
            .drain(..)
            .partition(|(_, host, _)| state.registry.is_online(host));
        inner.orphans = offline;
        online
    };
    for (run, host, key) in orphans {
        let path = format!("/host/runs/{key}");
        let result = proxy::forward(
            state,
            &host,
            Method::DELETE,
            &path,
            &HeaderMap::new(),
            Body::empty(),
        )
        .await;
        tracing::info!(
            run,
            host,
            ok = result.is_ok(),
            "asked the host to stop an interrupted run"
        );
    }
}

/// Runs one run on its device. Returns true when the device refused it as busy and the run went
/// back to the queue.
async fn execute(state: &AppState, run_id: i64, host: &str, device: &str) -> bool {
    let owner = format!("run {run_id}");
    let token = match state.locks.acquire(host, device, &owner, None, LEASE) {
        Acquired::Granted { token, .. } => token,
        // Someone took the device between the choice and now: try again later.
        Acquired::HeldBy(_) => return true,
    };
    let requeue = execute_locked(state, run_id, host, device, &token).await;
    state.locks.release(host, device, &token);
    requeue
}

async fn execute_locked(
    state: &AppState,
    run_id: i64,
    host: &str,
    device: &str,
    lock_token: &str,
) -> bool {
    let cancel = match state.runs.lock().active.get(&run_id) {
        Some(active) => active.cancel.clone(),
        None => return false,
    };
    // One database call gives the run its device and reads what it runs: the dispatcher's
    // path to the host is on the clock of every queued run.
    let key = format!("run{run_id}-{}", crate::token::random_hex(4));
    let (h, d, k) = (host.to_string(), device.to_string(), key.clone());
    let claimed = state
        .db
        .call(move |c| {
            if !queries::mark_running(c, run_id, &h, &d, &k)? {
                return Ok(None);
            }
            Ok(queries::get_run(c, run_id)?.zip(queries::run_document(c, run_id)?))
        })
        .await;
    let (run, document) = match claimed {
        Ok(Some(claimed)) => claimed,
        // Cancelled while waiting for its device.
        Ok(None) => return false,
        Err(e) => {
            end(state, run_id, RunStatus::Error, &format!("database: {e}")).await;
            return false;
        }
    };
    state
        .runs
        .publish(state, run_id, "run.started", json!({ "run": run }));
    let request = match host_request(state, &run, &key, &document).await {
        Ok(request) => request,
        Err(e) => {
            end(state, run_id, RunStatus::Error, &e.detail).await;
            return false;
        }
    };
    let body = match serde_json::to_vec(&request) {
        Ok(body) => body,
        Err(e) => {
            end(
                state,
                run_id,
                RunStatus::Error,
                &format!("cannot encode the run: {e}"),
            )
            .await;
            return false;
        }
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let path = format!("/host/devices/{device}/runs");
    let started =
        proxy::forward(state, host, Method::POST, &path, &headers, Body::from(body)).await;
    match started {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => {
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
                .await
                .unwrap_or_default();
            let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status == StatusCode::CONFLICT && answer["error"] == "device_busy" {
                // Busy with something the server did not start (a navigation from another
                // server, a run of a previous life): back to the queue.
                let _ = state
                    .db
                    .call(move |c| {
                        c.execute(
                            "UPDATE runs SET status = 'queued', host = NULL, device = NULL,
                             host_run_key = NULL, started_at = NULL WHERE id = ?1",
                            [run_id],
                        )?;
                        Ok(())
                    })
                    .await;
                return true;
            }
            let detail = answer["detail"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("the host refused the run ({status})"));
            end(state, run_id, RunStatus::Error, &detail).await;
            return false;
        }
        Err(e) => {
            end(state, run_id, RunStatus::Error, &e.detail).await;
            return false;
        }
    }
    let renewing = {
        let (state, host, device, token) = (
            state.clone(),
            host.to_string(),
            device.to_string(),
            lock_token.to_string(),
        );
        let owner = format!("run {run_id}");
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                state
                    .locks
                    .acquire(&host, &device, &owner, Some(&token), LEASE);
            }
        })
    };
    follow(state, run_id, host, &key, request.timeout_s, cancel).await;
    renewing.abort();
    // The host may forget the run now: everything is stored. Not awaited, so the device is
    // free for the next run at once.
    let (state, host) = (state.clone(), host.to_string());
    tokio::spawn(async move {
        let _ = proxy::forward(
            &state,
            &host,
            Method::DELETE,
            &format!("/host/runs/{key}"),
            &HeaderMap::new(),
            Body::empty(),
        )
        .await;
    });
    false
}

/// What the host needs: steps with references inline, and the tree when a step walks it.
async fn host_request(
    state: &AppState,
    run: &crate::testing::run::RunRecord,
    key: &str,
    document: &TestCaseDoc,
) -> Result<HostRunRequest, ApiError> {
    let mut steps = document.steps.clone();
    let ui = document.userinterface.clone();
    resolve_steps(state, &mut steps, ui.as_deref()).await?;
    let tree = if uses_goto(&document.steps) {
        let Some(ui) = ui.clone() else {
            return Err(ApiError::bad_request(
                "invalid_testcase",
                "a goto step needs the test case's userinterface",
            ));
        };
        let name = ui.clone();
        let found = state
            .db
            .call(move |c| crate::server::db::trees::find_userinterface(c, &name))
            .await?
            .ok_or_else(|| ApiError::not_found("userinterface", &ui))?;
        let (stored, doc) = crate::server::nav_jobs::resolved_tree(state, found.tree_id).await?;
        let tree_id = stored.id;
        let measured = state
            .db
            .call(move |c| crate::server::db::trees::metrics(c, tree_id))
            .await?
            .into_iter()
            .filter_map(|m| {
                Some(crate::nav::report::MeasuredMove {
                    edge_id: m.edge_id,
                    direction: m.direction,
                    mean_ms: m.mean_ms?,
                })
            })
            .collect();
        Some(RunTree {
            tree_key: format!("tree-{tree_id}"),
            tree: doc,
            measured,
        })
    } else {
        None
    };
    Ok(HostRunRequest {
        key: key.to_string(),
        name: run.testcase_name.clone(),
        steps,
        tree,
        timeout_s: run.timeout_s,
        max_attempts: crate::nav::report::DEFAULT_MAX_ATTEMPTS,
    })
}

fn uses_goto(steps: &[TestStep]) -> bool {
    steps.iter().any(|s| match &s.action {
        StepAction::Goto { .. } => true,
        StepAction::Repeat { steps, .. } => uses_goto(steps),
        _ => false,
    })
}

fn resolve_steps<'a>(
    state: &'a AppState,
    steps: &'a mut [TestStep],
    userinterface: Option<&'a str>,
) -> futures_util::future::BoxFuture<'a, Result<(), ApiError>> {
    Box::pin(async move {
        for (index, step) in steps.iter_mut().enumerate() {
            match &mut step.action {
                StepAction::Verify { verifications, .. } => {
                    for (k, verification) in verifications.iter_mut().enumerate() {
                        resolve_verification(state, verification, userinterface)
                            .await
                            .map_err(|mut e| {
                                e.detail =
                                    format!("steps[{index}].verifications[{k}]: {}", e.detail);
                                e
                            })?;
                    }
                }
                StepAction::Repeat { steps, .. } => {
                    resolve_steps(state, steps, userinterface).await?;
                }
                _ => {}
            }
        }
        Ok(())
    })
}

async fn resolve_verification(
    state: &AppState,
    verification: &mut Map<String, Value>,
    userinterface: Option<&str>,
) -> Result<(), ApiError> {
    if verification.contains_key("reference")
        && let Some(ui) = userinterface
    {
        verification.insert("userinterface".into(), json!(ui));
    }
    crate::server::services::references::resolve_reference(state, verification).await
}

/// Reads the host's events until the run is done, resuming after a lost link.
async fn follow(
    state: &AppState,
    run_id: i64,
    host: &str,
    key: &str,
    timeout_s: u64,
    cancel: CancellationToken,
) {
    let mut seen = 0u64;
    let mut cancel_sent = false;
    let deadline = Instant::now() + Duration::from_secs(timeout_s + 60);
    loop {
        let path = format!("/host/runs/{key}/events?after={seen}");
        let opened = proxy::forward(
            state,
            host,
            Method::GET,
            &path,
            &HeaderMap::new(),
            Body::empty(),
        )
        .await;
        match opened {
            Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                let why = "the host restarted during the run and lost it";
                end(state, run_id, RunStatus::Error, why).await;
                return;
            }
            Ok(response) if response.status().is_success() => {
                match read_events(
                    state,
                    run_id,
                    response.into_body(),
                    &mut seen,
                    &cancel,
                    &mut cancel_sent,
                    host,
                    key,
                )
                .await
                {
                    Read::Done => return,
                    Read::Interrupted => {}
                }
            }
            _ => {}
        }
        if cancel.is_cancelled() && !cancel_sent {
            send_cancel(state, host, key).await;
            cancel_sent = true;
        }
        if cancel_sent {
            // The host cannot be told or does not confirm: the run is cancelled here anyway.
            end(state, run_id, RunStatus::Cancelled, "cancelled").await;
            return;
        }
        // The link is gone or the stream broke: wait for the host to come back.
        let grace = Duration::from_secs(state.config.runs.host_lost_after_s);
        let lost_at = Instant::now();
        loop {
            if state.registry.is_online(host) {
                break;
            }
            if lost_at.elapsed() >= grace {
                let why = format!(
                    "host lost: `{host}` did not come back within {} s",
                    grace.as_secs()
                );
                end(state, run_id, RunStatus::Error, &why).await;
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = cancel.cancelled() => {
                    end(state, run_id, RunStatus::Cancelled, "cancelled while its host was away").await;
                    return;
                }
                _ = state.shutdown.cancelled() => return,
            }
        }
        if Instant::now() > deadline {
            end(
                state,
                run_id,
                RunStatus::Error,
                "timed out: the host never ended the run",
            )
            .await;
            return;
        }
    }
}

enum Read {
    Done,
    Interrupted,
}

#[allow(clippy::too_many_arguments)]
async fn read_events(
    state: &AppState,
    run_id: i64,
    body: Body,
    seen: &mut u64,
    cancel: &CancellationToken,
    cancel_sent: &mut bool,
    host: &str,
    key: &str,
) -> Read {
    let mut events = NdjsonFollower::<_, RunEvent>::new(body, MAX_LINE);
    loop {
        let line = tokio::select! {
            line = events.next() => line,
            _ = cancel.cancelled(), if !*cancel_sent => {
                send_cancel(state, host, key).await;
                *cancel_sent = true;
                continue;
            }
            _ = tokio::time::sleep(CANCEL_GRACE), if *cancel_sent => {
                end(state, run_id, RunStatus::Cancelled, "cancelled").await;
                return Read::Done;
            }
            _ = state.shutdown.cancelled() => return Read::Done,
        };
        let event = match line {
            Line::Item(event) => event,
            Line::Unreadable(e) => {
                tracing::warn!(run = run_id, error = %e, "unreadable run event");
                continue;
            }
            Line::End | Line::Failed(_) => return Read::Interrupted,
            Line::TooLong => {
                end(
                    state,
                    run_id,
                    RunStatus::Error,
                    "the host sent an oversized event",
                )
                .await;
                return Read::Done;
            }
        };
        if event.seq() <= *seen {
            continue;
        }
        *seen = event.seq();
        if apply(state, run_id, event).await {
            return Read::Done;
        }
    }
}

async fn send_cancel(state: &AppState, host: &str, key: &str) {
    let _ = proxy::forward(
        state,
        host,
        Method::DELETE,
        &format!("/host/runs/{key}"),
        &HeaderMap::new(),
        Body::empty(),
    )
    .await;
}

/// Stores one event; true once the run is done.
async fn apply(state: &AppState, run_id: i64, event: RunEvent) -> bool {
    match event {
        RunEvent::StepStarted {
            index,
            path,
            iteration,
            action,
            label,
            started_at,
            ..
        } => {
            let current = json!({
                "index": index, "path": path, "iteration": iteration, "action": action,
                "label": label, "started_at": started_at,
            });
            if let Some(active) = state.runs.lock().active.get_mut(&run_id) {
                active.current = Some(current.clone());
            }
            if index == 0 {
                let _ = state
                    .db
                    .call(move |c| queries::set_first_step(c, run_id, started_at))
                    .await;
            }
            let mut data = current;
            data["run_id"] = json!(run_id);
            data["type"] = json!("step_started");
            state.runs.publish(state, run_id, "run.step", data);
            false
        }
        RunEvent::StepFinished {
            step, artifacts, ..
        } => {
            let dir = run_dir(&state.data_dir, run_id);
            for artifact in artifacts {
                if !is_artifact_name(&artifact.name) {
                    tracing::warn!(run = run_id, name = artifact.name, "artifact name refused");
                    continue;
                }
                let Ok(bytes) =
                    base64::engine::general_purpose::STANDARD.decode(&artifact.jpeg_base64)
                else {
                    continue;
                };
                if let Err(e) = tokio::fs::create_dir_all(&dir).await {
                    tracing::warn!(run = run_id, error = %e, "cannot create the run folder");
                    continue;
                }
                if let Err(e) = tokio::fs::write(dir.join(&artifact.name), bytes).await {
                    tracing::warn!(run = run_id, error = %e, "cannot keep a run picture");
                }
            }
            let stored = step.clone();
            if let Err(e) = state
                .db
                .call(move |c| queries::record_step(c, run_id, &stored))
                .await
            {
                tracing::warn!(run = run_id, error = %e, "cannot store a step result");
            }
            if let Some(active) = state.runs.lock().active.get_mut(&run_id) {
                active.current = None;
            }
            state.runs.publish(
                state,
                run_id,
                "run.step",
                json!({"run_id": run_id, "type": "step_finished", "step": step}),
            );
            false
        }
        RunEvent::Done { status, error, .. } => {
            end_with(state, run_id, RunStatus::from(status), error).await;
            true
        }
    }
}

/// Ends a run with a reason.
async fn end(state: &AppState, run_id: i64, status: RunStatus, reason: &str) {
    end_with(state, run_id, status, Some(reason.to_string())).await;
}

async fn end_with(state: &AppState, run_id: i64, status: RunStatus, reason: Option<String>) {
    let ended = state
        .db
        .call(move |c| queries::finish_run(c, run_id, status, reason.as_deref()))
        .await;
    match ended {
        Ok(true) => state.runs.finish(state, run_id).await,
        Ok(false) => {}
        Err(e) => tracing::warn!(run = run_id, error = %e, "cannot end the run"),
    }
}

/// Folder of a run's pictures.
pub fn run_dir(data_dir: &std::path::Path, run_id: i64) -> std::path::PathBuf {
    data_dir.join("runs").join(run_id.to_string())
}

/// Artifact names are ours (`3-before.jpg`, `0-v1.jpg`): anything else is refused, so no name
/// can point outside the run's folder.
pub fn is_artifact_name(name: &str) -> bool {
    name.len() <= 64
        && name.ends_with(".jpg")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !name.starts_with('.')
        && !name.contains("..")
}
