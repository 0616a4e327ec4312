//! Android devices: UI elements (dump, find, wait), apps, taps and swipes, under
//! `/host/devices/{id}/adb/...`; and apps of any remote that has them (`/remote/apps`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::control::remote_error;
use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::remote::adb::ui::ElementQuery;
use crate::host::remote::adb::{AdbRemote, check_package};

const MAX_WAIT_MS: u64 = 120_000;
const MIN_INTERVAL_MS: u64 = 100;
const MAX_SWIPE_MS: u32 = 10_000;

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/adb/elements", get(elements))
        .route("/host/devices/{id}/adb/elements/wait", post(wait))
        .route("/host/devices/{id}/adb/apps", get(apps))
        .route("/host/devices/{id}/adb/launch", post(launch))
        .route("/host/devices/{id}/adb/close", post(close))
        .route("/host/devices/{id}/adb/tap", post(tap))
        .route("/host/devices/{id}/adb/swipe", post(swipe))
        .route("/host/devices/{id}/remote/apps", get(remote_apps))
        .route("/host/devices/{id}/remote/launch", post(remote_launch))
}

fn adb(state: &HostState, id: &str) -> ApiResult<Arc<AdbRemote>> {
    device(state, id)?.adb.clone().ok_or_else(|| {
        ApiError::conflict(
            "unsupported",
            format!("device `{id}` is not an adb device (see its capabilities)"),
        )
    })
}

async fn elements(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    let started = Instant::now();
    let elements = adb.elements().await.map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({
        "count": elements.len(),
        "elements": elements,
        "ms": started.elapsed().as_secs_f64() * 1000.0,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitRequest {
    #[serde(flatten)]
    query: ElementQuery,
    /// `appear` (default) or `disappear`.
    #[serde(default)]
    state: WaitFor,
    /// 0 checks once.
    #[serde(default)]
    timeout_ms: u64,
    #[serde(default = "default_interval")]
    interval_ms: u64,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum WaitFor {
    #[default]
    Appear,
    Disappear,
}

fn default_interval() -> u64 {
    500
}

/// Finds elements now or waits for them to appear or disappear. Not finding them in time is a
/// result (`ok: false`), not an error: the device answered, the screen was not as expected.
async fn wait(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<WaitRequest>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    request
        .query
        .validate()
        .map_err(|why| ApiError::bad_request("invalid_query", why))?;
    if request.timeout_ms > MAX_WAIT_MS {
        return Err(ApiError::bad_request(
            "invalid_timeout",
            format!("timeout_ms must be at most {MAX_WAIT_MS}"),
        ));
    }
    if request.interval_ms < MIN_INTERVAL_MS {
        return Err(ApiError::bad_request(
            "invalid_interval",
            format!("interval_ms must be at least {MIN_INTERVAL_MS}"),
        ));
    }
    let outcome = adb
        .wait_element(
            &request.query,
            request.state == WaitFor::Appear,
            Duration::from_millis(request.timeout_ms),
            Duration::from_millis(request.interval_ms),
        )
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({
        "ok": outcome.ok,
        "state": if request.state == WaitFor::Appear { "appear" } else { "disappear" },
        "matches": outcome.matches,
        "polls": outcome.polls,
        "ms": outcome.elapsed.as_secs_f64() * 1000.0,
    })))
}

async fn apps(State(state): State<HostState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    let packages = adb.packages().await.map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "packages": packages })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageRequest {
    package: String,
}

async fn launch(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PackageRequest>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    // Nobody knows where a manual action leads.
    state.positions.invalidate(&id);
    check_package(&request.package)
        .map_err(|e| ApiError::bad_request("invalid_package", e.to_string()))?;
    adb.launch_package(&request.package)
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "ok": true, "package": request.package })))
}

async fn close(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PackageRequest>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    // Nobody knows where a manual action leads.
    state.positions.invalidate(&id);
    check_package(&request.package)
        .map_err(|e| ApiError::bad_request("invalid_package", e.to_string()))?;
    adb.close_package(&request.package)
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "ok": true, "package": request.package })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TapRequest {
    x: u32,
    y: u32,
}

async fn tap(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TapRequest>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    // Nobody knows where a manual action leads.
    state.positions.invalidate(&id);
    adb.tap(request.x, request.y)
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwipeRequest {
    from: [u32; 2],
    to: [u32; 2],
    #[serde(default = "default_swipe_ms")]
    duration_ms: u32,
}

fn default_swipe_ms() -> u32 {
    300
}

async fn swipe(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SwipeRequest>,
) -> ApiResult<Json<Value>> {
    let adb = adb(&state, &id)?;
    // Nobody knows where a manual action leads.
    state.positions.invalidate(&id);
    if request.duration_ms > MAX_SWIPE_MS {
        return Err(ApiError::bad_request(
            "invalid_duration",
            format!("duration_ms must be at most {MAX_SWIPE_MS}"),
        ));
    }
    adb.swipe(
        (request.from[0], request.from[1]),
        (request.to[0], request.to[1]),
        request.duration_ms,
    )
    .await
    .map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "ok": true })))
}

async fn remote_apps(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let remote = device(&state, &id)?
        .remote
        .clone()
        .ok_or_else(|| ApiError::conflict("unsupported", format!("device `{id}` has no remote")))?;
    let apps = remote.apps().await.map_err(|e| remote_error(&id, e))?;
    Ok(Json(json!({ "apps": apps })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LaunchRequest {
    app: String,
}

async fn remote_launch(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LaunchRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.positions.invalidate(&id);
    let remote = device(&state, &id)?
        .remote
        .clone()
        .ok_or_else(|| ApiError::conflict("unsupported", format!("device `{id}` has no remote")))?;
    remote
        .launch(&request.app)
        .await
        .map_err(|e| remote_error(&id, e))?;
    Ok((
        StatusCode::OK,
        Json(json!({ "ok": true, "app": request.app })),
    ))
}
