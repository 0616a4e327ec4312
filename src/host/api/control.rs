//! Driving a device: remote keys, text, power, and (sim devices) ground truth and faults.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::remote::RemoteError;
use crate::protocol::{PowerAction, PowerRequest, PowerState, PressRequest, TextRequest};
use crate::sim::SimFaults;

/// Gap between repeated presses, and the longest hold or repeat count accepted.
const REPEAT_GAP: Duration = Duration::from_millis(120);
const MAX_HOLD_MS: u64 = 10_000;
const MAX_REPEAT: u32 = 50;
/// How long a power cycle keeps the device off.
const CYCLE_OFF_FOR: Duration = Duration::from_secs(1);

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/remote/press", post(press))
        .route("/host/devices/{id}/remote/text", post(text))
        .route("/host/devices/{id}/power", get(power_state).post(power))
        .route("/host/devices/{id}/sim", get(sim_state).post(sim_faults))
}

pub(super) fn remote_error(id: &str, e: RemoteError) -> ApiError {
    match e {
        RemoteError::UnknownKey { key, valid } => ApiError::bad_request(
            "unknown_key",
            format!(
                "device `{id}` has no key `{key}`; valid keys: {}",
                valid.join(", ")
            ),
        )
        .with("valid_keys", valid),
        RemoteError::Unsupported(why) => ApiError::conflict("unsupported", why),
        RemoteError::Failed(why) => ApiError::new(StatusCode::BAD_GATEWAY, "remote_failed", why),
    }
}

fn no_capability(id: &str, what: &str) -> ApiError {
    ApiError::conflict(
        "unsupported",
        format!("device `{id}` has no {what} (see its capabilities)"),
    )
}

async fn press(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PressRequest>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let remote = device
        .remote
        .clone()
        .ok_or_else(|| no_capability(&id, "remote"))?;
    let hold_ms = request.hold_ms.unwrap_or(0);
    let repeat = request.repeat.unwrap_or(1);
    if hold_ms > MAX_HOLD_MS {
        return Err(ApiError::bad_request(
            "invalid_hold",
            format!("hold_ms must be at most {MAX_HOLD_MS}"),
        ));
    }
    if repeat == 0 || repeat > MAX_REPEAT {
        return Err(ApiError::bad_request(
            "invalid_repeat",
            format!("repeat must be 1 to {MAX_REPEAT}"),
        ));
    }
    let key = request.key.trim().to_ascii_uppercase();
    // Nobody knows where a manual key press leads.
    state.positions.invalidate(&id);
    let started = Instant::now();
    for index in 0..repeat {
        if index > 0 {
            tokio::time::sleep(REPEAT_GAP).await;
        }
        remote
            .press(&key, Duration::from_millis(hold_ms))
            .await
            .map_err(|e| remote_error(&id, e))?;
    }
    Ok(Json(json!({
        "ok": true,
        "key": key,
        "repeat": repeat,
        "ms": started.elapsed().as_secs_f64() * 1000.0,
    })))
}

async fn text(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TextRequest>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let remote = device
        .remote
        .clone()
        .ok_or_else(|| no_capability(&id, "remote"))?;
    if request.text.is_empty() || request.text.chars().count() > 500 {
        return Err(ApiError::bad_request(
            "invalid_text",
            "text must be 1 to 500 characters",
        ));
    }
    state.positions.invalidate(&id);
    let started = Instant::now();
    remote
        .text(&request.text)
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok(Json(
        json!({ "ok": true, "ms": started.elapsed().as_secs_f64() * 1000.0 }),
    ))
}

async fn power_state(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let power = device
        .power
        .clone()
        .ok_or_else(|| no_capability(&id, "power control"))?;
    let current = power.state().await.unwrap_or(PowerState::Unknown);
    Ok(Json(json!({ "state": current })))
}

async fn power(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PowerRequest>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let power = device
        .power
        .clone()
        .ok_or_else(|| no_capability(&id, "power control"))?;
    let failed = |e: crate::host::power::PowerError| {
        ApiError::new(StatusCode::BAD_GATEWAY, "power_failed", e.to_string())
    };
    state.positions.invalidate(&id);
    match request.action {
        PowerAction::On => power.set(true).await.map_err(failed)?,
        PowerAction::Off => power.set(false).await.map_err(failed)?,
        PowerAction::Cycle => {
            power.set(false).await.map_err(failed)?;
            tokio::time::sleep(CYCLE_OFF_FOR).await;
            power.set(true).await.map_err(failed)?;
        }
    }
    let current = power.state().await.unwrap_or(PowerState::Unknown);
    Ok(Json(json!({ "state": current })))
}

async fn sim_state(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let sim = device
        .sim
        .clone()
        .ok_or_else(|| no_capability(&id, "simulator"))?;
    let truth = sim.lock().ground_truth();
    Ok(Json(serde_json::to_value(truth).unwrap_or(Value::Null)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimRequest {
    faults: SimFaults,
}

/// Replaces the sim's faults (all of them: omitted ones are cleared).
async fn sim_faults(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SimRequest>,
) -> ApiResult<Json<Value>> {
    let device = device(&state, &id)?;
    let sim = device
        .sim
        .clone()
        .ok_or_else(|| no_capability(&id, "simulator"))?;
    let truth = {
        let mut stb = sim.lock();
        stb.set_faults(request.faults)
            .map_err(|e| ApiError::bad_request("invalid_fault", e.to_string()))?;
        stb.ground_truth()
    };
    Ok(Json(serde_json::to_value(truth).unwrap_or(Value::Null)))
}
