//! Test runs on the host: `POST /host/devices/{id}/runs` starts one (answering at once with its
//! key), `GET /host/runs/{key}/events?after=N` streams its events after the N-th as NDJSON until
//! the run is done, `DELETE /host/runs/{key}` cancels a running run or forgets a finished one.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::runs::executor::{RunExecutor, check};
use crate::testing::run::HostRunRequest;

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/runs", post(start))
        .route("/host/runs", get(list))
        .route("/host/runs/{key}", axum::routing::delete(stop))
        .route("/host/runs/{key}/events", get(events))
}

async fn start(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<HostRunRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let device = device(&state, &id)?;
    check(&request).map_err(|why| ApiError::bad_request("invalid_run", why))?;
    let Some(guard) = state.positions.claim(&id) else {
        return Err(ApiError::conflict(
            "device_busy",
            format!("device `{id}` is already running a test or a navigation"),
        ));
    };
    let Some(log) = state.runs.create(&request.key, &id) else {
        return Err(ApiError::conflict(
            "duplicate_run",
            format!("run `{}` already exists on this host", request.key),
        ));
    };
    let key = request.key.clone();
    let executor = RunExecutor::new(
        device,
        state.annotated.clone(),
        state.positions.clone(),
        request,
        log,
    );
    tokio::spawn(async move {
        // The device stays claimed until the run ends.
        let _guard = guard;
        executor.run().await;
    });
    Ok((StatusCode::ACCEPTED, Json(json!({ "key": key }))))
}

async fn list(State(state): State<HostState>) -> Json<Value> {
    let runs: Vec<Value> = state
        .runs
        .list()
        .iter()
        .map(|log| {
            json!({
                "key": log.key,
                "device": log.device,
                "events": log.event_count(),
                "finished": log.is_finished(),
            })
        })
        .collect();
    Json(json!({ "runs": runs }))
}

async fn stop(State(state): State<HostState>, Path(key): Path<String>) -> ApiResult<Response> {
    let log = state
        .runs
        .get(&key)
        .ok_or_else(|| ApiError::not_found("run", &key))?;
    if log.is_finished() {
        state.runs.remove(&key);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    log.cancel.cancel();
    Ok(Json(json!({ "key": key, "cancelling": true })).into_response())
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

async fn events(
    State(state): State<HostState>,
    Path(key): Path<String>,
    query: Result<Query<After>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(After { after }) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let log = state
        .runs
        .get(&key)
        .ok_or_else(|| ApiError::not_found("run", &key))?;
    let shutdown = state.shutdown.clone();
    let counts = log.subscribe();
    // Sends what is there after `sent`, then waits for more, until the `done` event is out.
    let stream = futures_util::stream::unfold(
        (log, counts, after, false),
        move |(log, mut counts, sent, ended)| {
            let shutdown = shutdown.clone();
            async move {
                if ended {
                    return None;
                }
                loop {
                    let lines = log.lines_after(sent);
                    if !lines.is_empty() {
                        let sent = sent + lines.len() as u64;
                        let ended = log.is_finished() && sent >= log.event_count();
                        let chunk: String = lines.iter().map(|l| l.as_ref()).collect();
                        return Some((
                            Ok::<_, std::convert::Infallible>(chunk),
                            (log, counts, sent, ended),
                        ));
                    }
                    if log.is_finished() {
                        return None;
                    }
                    tokio::select! {
                        changed = counts.changed() => if changed.is_err() { return None },
                        _ = shutdown.cancelled() => return None,
                    }
                }
            }
        },
    );
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}
