//! Navigation jobs: a goto or a validation running on a device. The server resolves the tree's
//! references, sends the whole tree to the device's host, and follows the host's step-by-step
//! answer: every step is kept in the job and published on `/api/events`; when the job ends, edge
//! times feed the planner's metrics and a validation is stored with its failing screenshots.
//! Recent jobs stay in memory; validations and metrics are in the database.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::api_error::{ApiError, ApiResult};
use crate::nav::report::{
    DEFAULT_MAX_ATTEMPTS, Goal, MeasuredMove, NavEvent, NavRequest, Outcome, Step, StepKind,
    StepStatus, ValidationSummary,
};
use crate::server::AppState;
use crate::server::db::trees::{self as queries, MoveOutcome, NewValidation};
use crate::server::events::Event;
use crate::server::ndjson::{Line, NdjsonFollower};
use crate::server::proxy;
use crate::server::services::references::resolve_reference;
use crate::server::services::trees::load_tree;

/// Finished jobs kept in memory for `GET /api/nav/jobs`.
const KEPT_JOBS: usize = 100;
/// Longest line a host may send (a step with its verification results).
const MAX_LINE: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Passed,
    Failed,
    Error,
    Cancelled,
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: u64,
    pub kind: &'static str,
    pub tree_id: i64,
    pub tree_version: i64,
    pub userinterface: String,
    pub host: String,
    pub device: String,
    pub target: Option<String>,
    pub status: JobStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub position: Option<String>,
    pub attempts: u32,
    pub steps: Vec<Step>,
    pub validation_id: Option<i64>,
    pub validation: Option<ValidationSummary>,
}

struct Entry {
    job: Job,
    cancel: CancellationToken,
    done: watch::Sender<bool>,
    /// Annotated pictures of failed moves, fetched as they happen: a host keeps only its last
    /// few, and a validation must keep its failures. By the picture's server URL.
    failures: HashMap<String, bytes::Bytes>,
}

/// Failure pictures one job keeps in memory.
const KEPT_FAILURE_PICTURES: usize = 100;

#[derive(Clone, Default)]
pub struct NavJobs {
    inner: Arc<Mutex<Jobs>>,
}

#[derive(Default)]
struct Jobs {
    next_id: u64,
    entries: HashMap<u64, Entry>,
    order: VecDeque<u64>,
}

impl NavJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: u64) -> Option<Job> {
        self.lock().entries.get(&id).map(|e| e.job.clone())
    }

    /// Recent jobs, newest first, without their steps.
    pub fn list(&self) -> Vec<Job> {
        let jobs = self.lock();
        jobs.order
            .iter()
            .rev()
            .filter_map(|id| jobs.entries.get(id))
            .map(|e| Job {
                steps: Vec::new(),
                ..e.job.clone()
            })
            .collect()
    }

    /// Asks a running job to stop; false when it is not running.
    pub fn cancel(&self, id: u64) -> Option<bool> {
        let jobs = self.lock();
        let entry = jobs.entries.get(&id)?;
        let running = entry.job.status == JobStatus::Running;
        if running {
            entry.cancel.cancel();
        }
        Some(running)
    }

    /// Resolves once the job has finished.
    pub async fn wait(&self, id: u64) -> Option<Job> {
        let mut done = {
            let jobs = self.lock();
            jobs.entries.get(&id)?.done.subscribe()
        };
        let _ = done.wait_for(|finished| *finished).await;
        self.get(id)
    }

    /// Whether a job is running on the device.
    pub fn busy(&self, host: &str, device: &str) -> Option<u64> {
        let jobs = self.lock();
        jobs.entries
            .values()
            .find(|e| {
                e.job.status == JobStatus::Running && e.job.host == host && e.job.device == device
            })
            .map(|e| e.job.id)
    }

    fn insert(&self, mut job: Job) -> (u64, CancellationToken) {
        let mut jobs = self.lock();
        jobs.next_id += 1;
        let id = jobs.next_id;
        job.id = id;
        let cancel = CancellationToken::new();
        jobs.entries.insert(
            id,
            Entry {
                job,
                cancel: cancel.clone(),
                done: watch::channel(false).0,
                failures: HashMap::new(),
            },
        );
        jobs.order.push_back(id);
        while jobs.order.len() > KEPT_JOBS {
            let Some(oldest) = jobs.order.front().copied() else {
                break;
            };
            if jobs
                .entries
                .get(&oldest)
                .is_some_and(|e| e.job.status == JobStatus::Running)
            {
                break;
            }
            jobs.order.pop_front();
            jobs.entries.remove(&oldest);
        }
        (id, cancel)
    }

    fn update<T>(&self, id: u64, f: impl FnOnce(&mut Job) -> T) -> Option<T> {
        self.lock().entries.get_mut(&id).map(|e| f(&mut e.job))
    }

    fn keep_failure(&self, id: u64, url: String, jpeg: bytes::Bytes) {
        if let Some(entry) = self.lock().entries.get_mut(&id)
            && entry.failures.len() < KEPT_FAILURE_PICTURES
        {
            entry.failures.insert(url, jpeg);
        }
    }

    fn failure(&self, id: u64, url: &str) -> Option<bytes::Bytes> {
        self.lock().entries.get(&id)?.failures.get(url).cloned()
    }

    fn finish(&self, id: u64) {
        if let Some(entry) = self.lock().entries.get(&id) {
            entry.done.send_replace(true);
        }
    }
}

/// The tree with every verification's reference resolved into what the host needs.
pub(crate) async fn resolved_tree(
    state: &AppState,
    tree_id: i64,
) -> ApiResult<(crate::server::db::trees::StoredTree, crate::nav::TreeDoc)> {
    let tree = load_tree(state, tree_id).await?;
    let mut doc = tree.doc.clone();
    for node in &mut doc.nodes {
        for (index, verification) in node.verifications.iter_mut().enumerate() {
            if verification.contains_key("reference") {
                verification.insert("userinterface".into(), json!(tree.userinterface));
            }
            resolve_reference(state, verification)
                .await
                .map_err(|mut e| {
                    e.detail = format!("node \"{}\": verification {index}: {}", node.id, e.detail);
                    e
                })?;
        }
    }
    Ok((tree, doc))
}

/// Starts a goto or validation on a device; errors before the first step (bad target, host
/// offline, device busy) are returned as they are.
pub async fn start(
    state: &AppState,
    host: &str,
    device: &str,
    tree_id: i64,
    goal: Goal,
    max_attempts: Option<u32>,
) -> ApiResult<Job> {
    if let Some(running) = state.nav_jobs.busy(host, device) {
        return Err(ApiError::conflict(
            "device_busy",
            format!("device `{device}` is already navigating (job {running})"),
        )
        .with("job_id", running));
    }
    let (tree, doc) = resolved_tree(state, tree_id).await?;
    if let Goal::Goto { target } = &goal
        && tree.doc.node(target).is_none()
    {
        return Err(ApiError::bad_request(
            "invalid_target",
            format!("tree {tree_id} has no node \"{target}\""),
        ));
    }
    let measured = state
        .db
        .call(move |c| queries::metrics(c, tree_id))
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(MeasuredMove {
                edge_id: m.edge_id,
                direction: m.direction,
                mean_ms: m.mean_ms?,
            })
        })
        .collect();
    let request = NavRequest {
        tree_key: format!("tree-{tree_id}"),
        tree: doc,
        measured,
        goal: goal.clone(),
        max_attempts: max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
    };
    let body = serde_json::to_vec(&request)
        .map_err(|e| ApiError::internal("cannot encode the request", e))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let path = format!("/host/devices/{device}/navigate");
    let response =
        proxy::forward(state, host, Method::POST, &path, &headers, Body::from(body)).await?;
    if !response.status().is_success() {
        return Err(host_refusal(response).await);
    }
    let (kind, target) = match &goal {
        Goal::Goto { target } => ("goto", Some(target.clone())),
        Goal::Validate => ("validate", None),
    };
    let job = Job {
        id: 0,
        kind,
        tree_id,
        tree_version: tree.version,
        userinterface: tree.userinterface.clone(),
        host: host.to_string(),
        device: device.to_string(),
        target,
        status: JobStatus::Running,
        started_at: Utc::now(),
        finished_at: None,
        error: None,
        position: None,
        attempts: 1,
        steps: Vec::new(),
        validation_id: None,
        validation: None,
    };
    let (id, cancel) = state.nav_jobs.insert(job);
    let snapshot = state
        .nav_jobs
        .get(id)
        .ok_or_else(|| ApiError::internal("job vanished", "evicted at once"))?;
    state
        .events
        .publish(Event::new("nav.started", &json!({"job": snapshot})));
    let state = state.clone();
    tokio::spawn(async move {
        follow(&state, id, response.into_body(), cancel).await;
        conclude(&state, id).await;
        state.nav_jobs.finish(id);
    });
    Ok(snapshot)
}

/// The host's refusal (bad tree, busy device) passed on with its status and sentence.
async fn host_refusal(response: axum::http::Response<Body>) -> ApiError {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let detail = body["detail"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("the host refused ({status})"));
    let code = match body["error"].as_str() {
        Some("invalid_tree") => "invalid_tree",
        Some("device_busy") => "device_busy",
        Some("not_found") => "not_found",
        _ => "host_refused",
    };
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_GATEWAY
    };
    ApiError::new(status, code, detail)
}

/// Reads the host's lines until `done`, the end of the stream, or cancellation.
async fn follow(state: &AppState, id: u64, body: Body, cancel: CancellationToken) {
    let host = state.nav_jobs.get(id).map(|j| j.host).unwrap_or_default();
    let mut lines = NdjsonFollower::<_, NavEvent>::new(body, MAX_LINE);
    loop {
        let line = tokio::select! {
            line = lines.next() => line,
            _ = cancel.cancelled() => {
                finish_job(state, id, JobStatus::Cancelled, Some("cancelled".into()));
                return;
            }
        };
        match line {
            Line::Item(event) => {
                let failed_picture = match &event {
                    NavEvent::Step { step } if step.status == StepStatus::Failed => {
                        step.screenshot_url.clone()
                    }
                    _ => None,
                };
                if apply(state, id, event, &host) {
                    return;
                }
                if let Some(url) = failed_picture
                    && let Some(mirrored) = proxy::mirrored_picture_url(&host, &url)
                    && let Some(jpeg) = fetch_annotated(state, &host, &url).await
                {
                    state.nav_jobs.keep_failure(id, mirrored, jpeg);
                }
            }
            Line::Unreadable(e) => {
                tracing::warn!(job = id, error = %e, "unreadable navigation line")
            }
            Line::Failed(e) => {
                let why = format!("the host stopped answering: {e}");
                finish_job(state, id, JobStatus::Error, Some(why));
                return;
            }
            Line::TooLong => {
                finish_job(
                    state,
                    id,
                    JobStatus::Error,
                    Some("the host sent an oversized line".into()),
                );
                return;
            }
            Line::End => break,
        }
    }
    finish_job(
        state,
        id,
        JobStatus::Error,
        Some("the host's answer ended before the walk did (link lost?)".into()),
    );
}

/// Applies one event of `host`'s walk; true once the job is done.
fn apply(state: &AppState, id: u64, event: NavEvent, host: &str) -> bool {
    // Annotated images are the host's; point at the server's mirror of them.
    let mirror = |url: Option<String>| url.and_then(|u| proxy::mirrored_picture_url(host, &u));
    match event {
        NavEvent::Step { mut step } => {
            step.screenshot_url = mirror(step.screenshot_url.take());
            for result in &mut step.verifications {
                if let Some(url) = result.get("annotated_url") {
                    let url = mirror(url.as_str().map(str::to_string));
                    result["annotated_url"] = url.map_or(Value::Null, Value::String);
                }
            }
            let position = match (step.kind, step.status) {
                (StepKind::Edge, StepStatus::Passed | StepStatus::Retried)
                | (StepKind::Localise | StepKind::Verify, StepStatus::Passed) => step.to.clone(),
                (StepKind::Localise, StepStatus::Failed) => None,
                _ => None,
            };
            state.nav_jobs.update(id, |job| {
                job.attempts = job.attempts.max(step.attempt);
                if position.is_some() {
                    job.position = position;
                }
                job.steps.push(step.clone());
            });
            state
                .events
                .publish(Event::new("nav.step", &json!({"job_id": id, "step": step})));
            false
        }
        NavEvent::Done {
            status,
            error,
            position,
            attempts,
            mut validation,
        } => {
            if let Some(summary) = &mut validation {
                for result in &mut summary.results {
                    result.screenshot_url = mirror(result.screenshot_url.take());
                }
            }
            state.nav_jobs.update(id, |job| {
                job.position = position;
                job.attempts = attempts;
                job.validation = validation;
            });
            let status = match status {
                Outcome::Passed => JobStatus::Passed,
                Outcome::Failed => JobStatus::Failed,
                Outcome::Error => JobStatus::Error,
            };
            finish_job(state, id, status, error);
            true
        }
    }
}

fn finish_job(state: &AppState, id: u64, status: JobStatus, error: Option<String>) {
    state.nav_jobs.update(id, |job| {
        job.status = status;
        job.error = error;
        job.finished_at = Some(Utc::now());
    });
}

/// Records edge times and, for a validation, the stored result with its failing screenshots.
async fn conclude(state: &AppState, id: u64) {
    let Some(job) = state.nav_jobs.get(id) else {
        return;
    };
    let outcomes: Vec<MoveOutcome> = job
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Edge)
        .filter_map(|s| {
            Some(MoveOutcome {
                edge_id: s.edge_id.clone()?,
                direction: s.direction?,
                passed: s.status != StepStatus::Failed,
                ms: s.ms,
            })
        })
        .collect();
    let tree_id = job.tree_id;
    if !outcomes.is_empty()
        && let Err(e) = state
            .db
            .call(move |c| queries::record_moves(c, tree_id, &outcomes))
            .await
    {
        tracing::warn!(job = id, error = %e, "cannot record edge times");
    }
    if job.kind == "validate"
        && let Some(summary) = job.validation.clone()
    {
        match store_validation(state, &job, summary).await {
            Ok((validation_id, summary)) => {
                state.nav_jobs.update(id, |j| {
                    j.validation_id = Some(validation_id);
                    j.validation = Some(summary);
                });
            }
            Err(e) => tracing::warn!(job = id, error = %e, "cannot store the validation"),
        }
    }
    if let Some(job) = state.nav_jobs.get(id) {
        state.events.publish(Event::new(
            "nav.finished",
            &json!({"job": Job { steps: Vec::new(), ..job }}),
        ));
        if job.kind == "validate" {
            state.events.publish(Event::new(
                "tree.saved",
                &json!({"tree_id": job.tree_id, "version": job.tree_version, "metrics": true}),
            ));
        }
    }
}

/// The annotated picture at a host URL (`/host/verifications/...`), if the host still has it.
async fn fetch_annotated(state: &AppState, host: &str, url: &str) -> Option<bytes::Bytes> {
    let file = url.strip_prefix("/host/verifications/")?;
    if !proxy::is_picture_file(file) {
        return None;
    }
    let response = proxy::forward(
        state,
        host,
        Method::GET,
        url,
        &HeaderMap::new(),
        Body::empty(),
    )
    .await
    .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response
        .into_body()
        .collect()
        .await
        .ok()
        .map(|b| b.to_bytes())
}

/// Folder of a validation's kept screenshots.
pub fn validation_dir(state: &AppState, validation_id: i64) -> std::path::PathBuf {
    state
        .data_dir
        .join("validations")
        .join(validation_id.to_string())
}

async fn store_validation(
    state: &AppState,
    job: &Job,
    mut summary: ValidationSummary,
) -> anyhow::Result<(i64, ValidationSummary)> {
    let status = match job.status {
        JobStatus::Passed => "passed",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "cancelled",
        _ => "error",
    };
    let (tree_id, tree_version) = (job.tree_id, job.tree_version);
    let (host, device, error, started_at) = (
        job.host.clone(),
        job.device.clone(),
        job.error.clone(),
        job.started_at,
    );
    let first = summary.clone();
    let validation_id = state
        .db
        .call(move |c| {
            queries::insert_validation(
                c,
                &NewValidation {
                    tree_id,
                    tree_version,
                    host: &host,
                    device: &device,
                    status,
                    error: error.as_deref(),
                    started_at,
                    summary: &first,
                },
            )
        })
        .await?;
    // The host keeps only its last annotated images: copy the failing ones now.
    let dir = validation_dir(state, validation_id);
    let mut kept = 0;
    for (index, result) in summary.results.iter_mut().enumerate() {
        if result.passed {
            continue;
        }
        let Some(url) = result.screenshot_url.clone() else {
            continue;
        };
        let Some(bytes) = state.nav_jobs.failure(job.id, &url) else {
            continue;
        };
        tokio::fs::create_dir_all(&dir).await?;
        let name = format!("{index}.jpg");
        tokio::fs::write(dir.join(&name), &bytes).await?;
        result.screenshot_url = Some(format!(
            "/api/validations/{validation_id}/screenshots/{name}"
        ));
        kept += 1;
    }
    if kept > 0 {
        let results = summary.results.clone();
        state
            .db
            .call(move |c| queries::set_validation_results(c, validation_id, &results))
            .await?;
    }
    Ok((validation_id, summary))
}
