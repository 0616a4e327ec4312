//! The host's own API (`/host/...`), served on the host's port and, identically, through the
//! link to the server.

mod adb;
mod control;
pub(crate) mod media;
mod monitor;
mod nav;
mod runs;
mod verify;

use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::HostState;
use super::devices::Device;
use crate::api_error::{ApiError, ApiResult};
use crate::protocol::{DeviceInfo, HEARTBEAT_PATH, Heartbeat};

pub fn router(state: HostState) -> Router {
    Router::new()
        .route("/host/health", get(health))
        .route("/host/devices", get(list))
        .route("/host/devices/{id}", get(one))
        .route(HEARTBEAT_PATH, get(heartbeats))
        .merge(media::router())
        .merge(control::router())
        .merge(adb::router())
        .merge(verify::router())
        .merge(nav::router())
        .merge(runs::router())
        .merge(monitor::router())
        .merge(crate::host::metrics::router())
        .route("/host/{*rest}", any(crate::api_error::unknown_route))
        .fallback(crate::api_error::unknown_route)
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(state)
}

pub(crate) fn device(state: &HostState, id: &str) -> ApiResult<std::sync::Arc<Device>> {
    state
        .devices
        .get(id)
        .ok_or_else(|| ApiError::not_found("device", id))
}

async fn health(State(state): State<HostState>) -> Json<Value> {
    let capture: serde_json::Map<String, Value> = state
        .devices
        .iter()
        .map(|d| {
            let info = d.capture.info();
            (
                d.id().to_string(),
                json!({
                    "status": d.capture.status(),
                    "fps_measured": info.fps_measured,
                    "last_frame_age_ms": info.last_frame_age_ms,
                    "error": info.error,
                }),
            )
        })
        .collect();
    Json(json!({
        "status": "ok",
        "name": state.name.as_ref(),
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": state.started.elapsed().as_secs(),
        "key_fingerprint": state.key.fingerprint(),
        "services": {
            "link": state.link_status(),
            "mdns": { "state": if state.mdns_enabled { "enabled" } else { "disabled" } },
            "capture": capture,
        },
    }))
}

async fn list(State(state): State<HostState>) -> Json<Vec<DeviceInfo>> {
    Json(state.devices.infos().await)
}

async fn one(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeviceInfo>> {
    Ok(Json(device(&state, &id)?.info().await))
}

/// The heartbeat stream the server reads over the link: one JSON line now, then one per interval.
async fn heartbeats(State(state): State<HostState>) -> Response {
    let interval = Duration::from_millis(state.config.host.heartbeat_interval_ms);
    let ticks = tokio::time::interval(interval);
    let stream = futures_util::stream::unfold((state, ticks), |(state, mut ticks)| async move {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = state.shutdown.cancelled() => return None,
        }
        let line = heartbeat_line(&state).await;
        Some((Ok::<_, std::convert::Infallible>(line), (state, ticks)))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

async fn heartbeat_line(state: &HostState) -> String {
    let sampler = state.stats.clone();
    let stats = tokio::task::spawn_blocking(move || sampler.sample())
        .await
        .unwrap_or_default();
    let beat = Heartbeat {
        uptime_secs: state.started.elapsed().as_secs(),
        stats,
        devices: state.devices.infos().await,
    };
    let mut line = serde_json::to_string(&beat).unwrap_or_default();
    line.push('\n');
    line
}
