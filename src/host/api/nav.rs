//! `POST /host/devices/{id}/navigate`: drives a device along a tree (goto or validation) and
//! answers with newline-delimited JSON, one [`NavEvent`] per step and a final `done`. Dropping
//! the response stops the walk after the current step. `GET /host/devices/{id}/position` says
//! where the device was last seen.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::nav::executor::Executor;
use crate::nav::report::{NavEvent, NavRequest};

/// Steps buffered between the executor and a slow reader.
const STEP_BUFFER: usize = 64;
/// Most re-plans a goto may be allowed.
const MAX_ATTEMPTS: u32 = 50;

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/navigate", post(navigate))
        .route("/host/devices/{id}/position", get(position))
}

async fn navigate(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<NavRequest>,
) -> ApiResult<Response> {
    let device = device(&state, &id)?;
    if request.max_attempts == 0 || request.max_attempts > MAX_ATTEMPTS {
        return Err(ApiError::bad_request(
            "invalid_attempts",
            format!("max_attempts must be 1 to {MAX_ATTEMPTS}"),
        ));
    }
    let Some(guard) = state.positions.claim(&id) else {
        return Err(ApiError::conflict(
            "device_busy",
            format!("device `{id}` is already being navigated"),
        ));
    };
    let (sender, receiver) = mpsc::channel::<NavEvent>(STEP_BUFFER);
    let executor = Executor::new(
        device,
        state.annotated.clone(),
        state.positions.clone(),
        &request,
        sender,
    )
    .map_err(|why| ApiError::bad_request("invalid_tree", why))?;
    let goal = request.goal.clone();
    let attempts = request.max_attempts;
    tokio::spawn(async move {
        // The device stays claimed until the walk ends.
        let _guard = guard;
        executor.run(goal, attempts).await;
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        let mut line = serde_json::to_string(&event).unwrap_or_default();
        line.push('\n');
        Some((Ok::<_, std::convert::Infallible>(line), receiver))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

async fn position(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    device(&state, &id)?;
    Ok(Json(match state.positions.current(&id) {
        Some(p) => json!({
            "tree_key": p.tree_key,
            "node": p.node,
            "seconds_ago": p.since.elapsed().as_secs_f64(),
        }),
        None => Value::Null,
    }))
}
