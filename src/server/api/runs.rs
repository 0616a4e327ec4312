//! Runs: queue one, list the history, read one with its steps, follow it as NDJSON, cancel it,
//! download its reports and pictures, and the pass-rate trend (docs/testing.md).

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::auth::{Principal, Via};
use crate::server::db::testing::{self as queries, RunFilter};
use crate::server::runs::{self, Request, is_artifact_name, run_dir};
use crate::testing::run::{RunRecord, RunStatus, Selector, StepResult};

const MAX_PAGE: u32 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/runs", get(list).post(create))
        .route("/api/runs/stats", get(stats))
        .route("/api/runs/{id}", get(one))
        .route("/api/runs/{id}/cancel", post(cancel))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/artifacts/{name}", get(artifact))
        .route("/api/runs/{id}/report.html", get(report_html))
        .route("/api/runs/{id}/junit.xml", get(junit_xml))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(default)]
    testcase_id: Option<i64>,
    /// The test case by name (for scripts and `vpt run`).
    #[serde(default)]
    testcase: Option<String>,
    #[serde(default)]
    target: Option<Selector>,
    #[serde(default)]
    timeout_s: Option<u64>,
    #[serde(default)]
    started_by: Option<String>,
}

/// Who starts (or acknowledges) something: the signed-in caller's name when auth is on, so
/// nobody can act under another's name; with auth off, the name the caller gives (short words,
/// no control characters).
pub fn started_by(
    principal: &Principal,
    given: Option<String>,
    default: &str,
) -> ApiResult<String> {
    if principal.via != Via::Off {
        return Ok(principal.name.to_string());
    }
    let value = given.unwrap_or_else(|| default.to_string());
    let value = value.trim().to_string();
    if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_started_by",
            "started_by: 1 to 64 characters",
        ));
    }
    Ok(value)
}

/// A target may name a device as `host/device` in `device`.
pub fn normalise_target(target: Option<Selector>) -> Selector {
    let mut target = target.unwrap_or_default();
    if target.host.is_none()
        && let Some(device) = target.device.clone()
        && let Some((host, device)) = device.split_once('/')
    {
        target.host = Some(host.to_string());
        target.device = Some(device.to_string());
    }
    target
}

async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, Json<RunRecord>)> {
    let testcase_id = match (body.testcase_id, body.testcase) {
        (Some(id), _) => id,
        (None, Some(name)) => {
            let wanted = name.clone();
            state
                .db
                .call(move |c| queries::find_testcase(c, &wanted))
                .await?
                .ok_or_else(|| ApiError::not_found("test case", &name))?
                .id
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "invalid_body",
                "give `testcase_id` or `testcase` (its name)",
            ));
        }
    };
    let run = state
        .runs
        .enqueue(
            &state,
            Request {
                testcase_id,
                target: normalise_target(body.target),
                timeout_s: body.timeout_s,
                started_by: started_by(&principal, body.started_by, "api")?,
                campaign_run_id: None,
                campaign_position: None,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(run)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    testcase_id: Option<i64>,
    #[serde(default)]
    campaign_run_id: Option<i64>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    since: Option<DateTime<Utc>>,
    #[serde(default)]
    until: Option<DateTime<Utc>>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let mut statuses = Vec::new();
    for word in query.status.iter().flat_map(|s| s.split(',')) {
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        statuses.push(RunStatus::parse(word).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                format!(
                    "status `{word}`: one of queued, running, passed, failed, error, cancelled"
                ),
            )
        })?);
    }
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit: 1 to {MAX_PAGE}"),
        ));
    }
    let filter = RunFilter {
        testcase_id: query.testcase_id,
        campaign_run_id: query.campaign_run_id,
        host: query.host,
        device: query.device,
        statuses,
        since: query.since,
        until: query.until,
        limit,
        offset: query.offset.unwrap_or(0),
    };
    let (runs, total) = state
        .db
        .call(move |c| queries::list_runs(c, &filter))
        .await?;
    Ok(Json(json!({ "runs": runs, "total": total })))
}

/// The run with its steps, the document it ran, the step running now and its queue position.
pub async fn detail(state: &AppState, id: i64) -> ApiResult<Value> {
    let run = runs::load(state, id).await?;
    let (steps, document, queue_position) = state
        .db
        .call(move |c| {
            let steps = queries::run_steps(c, id)?;
            let document = queries::run_document_value(c, id)?;
            let position: Option<i64> = if run.status == RunStatus::Queued {
                Some(c.query_row(
                    "SELECT COUNT(*) FROM runs WHERE status = 'queued' AND id <= ?1",
                    [id],
                    |r| r.get(0),
                )?)
            } else {
                None
            };
            Ok((steps, document, position))
        })
        .await?;
    let run = runs::load(state, id).await?;
    let mut value = json!(run);
    value["steps"] = json!(steps);
    value["document"] = document.unwrap_or(Value::Null);
    value["current"] = state.runs.current_step(id).unwrap_or(Value::Null);
    value["queue_position"] = json!(queue_position);
    Ok(value)
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(detail(&state, id).await?))
}

async fn cancel(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<RunRecord>> {
    Ok(Json(state.runs.cancel(&state, id).await?))
}

/// NDJSON: the run, every step so far, then live step events, then the run once it ends.
async fn events(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    // Subscribe before reading what exists, so nothing falls in between.
    let mut live = state.runs.subscribe(id);
    let mut finished = state.runs.finished(id);
    let run = runs::load(&state, id).await?;
    let steps = state.db.call(move |c| queries::run_steps(c, id)).await?;
    let mut first = vec![line(&json!({"type": "run", "run": run}))];
    let mut seen: Vec<usize> = Vec::new();
    for step in &steps {
        seen.push(step.index);
        first.push(line(&json!({"type": "step_finished", "step": step})));
    }
    let already_over = run.status.is_finished();
    let shutdown = state.shutdown.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move {
        for l in first {
            if sender.send(l).await.is_err() {
                return;
            }
        }
        if already_over {
            return;
        }
        loop {
            tokio::select! {
                event = live.recv() => match event {
                    Ok(text) => {
                        let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                        let out = match event["type"].as_str() {
                            Some("run.step") => {
                                let data = &event["data"];
                                if data["type"] == "step_finished"
                                    && let Some(index) = data["step"]["index"].as_u64()
                                    && seen.contains(&(index as usize))
                                {
                                    continue;
                                }
                                data.clone()
                            }
                            Some("run.finished") => {
                                let _ = sender.send(line(&json!({"type": "run", "run": event["data"]["run"]}))).await;
                                return;
                            }
                            Some(_) => json!({"type": "run", "run": event["data"]["run"]}),
                            None => continue,
                        };
                        if sender.send(line(&out)).await.is_err() {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = async { let _ = finished.wait_for(|f| *f).await; } => {
                    // The channel may close before its last event is read: drain, then end.
                    while let Ok(text) = live.try_recv() {
                        if let Ok(event) = serde_json::from_str::<Value>(&text)
                            && event["type"] == "run.finished"
                        {
                            let _ = sender.send(line(&json!({"type": "run", "run": event["data"]["run"]}))).await;
                            return;
                        }
                    }
                    return;
                }
                _ = shutdown.cancelled() => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let next = receiver.recv().await?;
        Some((Ok::<_, Infallible>(next), receiver))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

fn line(value: &Value) -> String {
    let mut text = value.to_string();
    text.push('\n');
    text
}

async fn artifact(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<Response> {
    if !is_artifact_name(&name) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("`{name}` is not a picture name of a run"),
        ));
    }
    let bytes = tokio::fs::read(run_dir(&state.data_dir, id).join(&name))
        .await
        .map_err(|_| ApiError::not_found("picture", &format!("{id}/{name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    testcase_id: Option<i64>,
}

async fn stats(
    State(state): State<AppState>,
    query: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let days = query.days.unwrap_or(30);
    if days == 0 || days > 366 {
        return Err(ApiError::bad_request("invalid_days", "days: 1 to 366"));
    }
    let since = (Utc::now() - chrono::Duration::days(i64::from(days) - 1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let testcase_id = query.testcase_id;
    let counted = state
        .db
        .call(move |c| queries::run_stats(c, since, testcase_id))
        .await?;
    // Every day of the range, days without runs included, so charts need no gap logic.
    let mut all = Vec::new();
    let mut total = queries::DayCounts {
        day: "total".into(),
        ..Default::default()
    };
    for offset in 0..days {
        let day = (since + chrono::Duration::days(i64::from(offset)))
            .format("%Y-%m-%d")
            .to_string();
        let counts = counted
            .iter()
            .find(|d| d.day == day)
            .cloned()
            .unwrap_or(queries::DayCounts {
                day,
                ..Default::default()
            });
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.error += counts.error;
        total.cancelled += counts.cancelled;
        all.push(counts);
    }
    let judged = total.passed + total.failed + total.error;
    let pass_rate = (judged > 0).then(|| total.passed as f64 / judged as f64);
    Ok(Json(
        json!({ "days": all, "total": total, "pass_rate": pass_rate }),
    ))
}

/// Steps of a run and the reader of its pictures, for reports.
pub async fn report_parts(
    state: &AppState,
    id: i64,
) -> ApiResult<(RunRecord, Vec<StepResult>, Option<Value>)> {
    let run = runs::load(state, id).await?;
    let (steps, document) = state
        .db
        .call(move |c| {
            Ok((
                queries::run_steps(c, id)?,
                queries::run_document_value(c, id)?,
            ))
        })
        .await?;
    Ok((run, steps, document))
}

/// Builds the HTML report on a blocking thread: it reads every picture of the run from disk.
async fn report_html(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let (run, steps, document) = report_parts(&state, id).await?;
    let dir = run_dir(&state.data_dir, id);
    let html = tokio::task::spawn_blocking(move || {
        let artifact = |name: &str| -> Option<Vec<u8>> {
            is_artifact_name(name)
                .then(|| std::fs::read(dir.join(name)).ok())
                .flatten()
        };
        crate::testing::report::run_html(&crate::testing::report::RunReport {
            run: &run,
            steps: &steps,
            document: document.as_ref(),
            artifact: &artifact,
        })
    })
    .await
    .map_err(|e| ApiError::internal("report writer stopped", e))?;
    Ok(download(
        html,
        "text/html; charset=utf-8",
        &format!("run-{id}.html"),
    ))
}

async fn junit_xml(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let (run, steps, _) = report_parts(&state, id).await?;
    let xml = crate::testing::junit::run_junit(&run, &steps);
    Ok(download(
        xml,
        "application/xml; charset=utf-8",
        &format!("run-{id}-junit.xml"),
    ))
}

/// A report answered inline (the browser shows it) with a file name for "save as".
pub fn download(body: String, mime: &'static str, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
