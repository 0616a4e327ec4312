//! Hosts: listing, LAN discovery, registration over plain HTTP and the link endpoint.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::mdns::Peer;
use crate::protocol::{Hello, PROTOCOL_VERSION};
use crate::server::AppState;
use crate::server::link;
use crate::server::registry::HostView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/hosts", get(list))
        .route("/api/hosts/discovered", get(discovered))
        .route("/api/hosts/register", post(register))
        .route(crate::protocol::CONNECT_PATH, get(link::connect))
        .route("/api/hosts/{host}", get(one))
}

async fn list(State(state): State<AppState>) -> Json<Vec<HostView>> {
    Json(state.registry.list())
}

async fn one(State(state): State<AppState>, Path(host): Path<String>) -> ApiResult<Json<HostView>> {
    state
        .registry
        .get(&host)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("host", &host))
}

/// Hosts advertising on the LAN that have not joined this server.
async fn discovered(State(state): State<AppState>) -> Json<Vec<Peer>> {
    let peers = state.mdns.as_ref().map(|m| m.peers()).unwrap_or_default();
    Json(
        peers
            .into_iter()
            .filter(|peer| !state.registry.is_online(&peer.name))
            .collect(),
    )
}

/// Records a host from its hello, for tools that register over plain HTTP. It shows as offline
/// until its link connects. Needs the host token, like the link.
async fn register(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    ApiJson(hello): ApiJson<Hello>,
) -> ApiResult<Json<HostView>> {
    let token_ok = link::bearer(&headers)
        .is_some_and(|t| crate::token::constant_time_eq(t, &state.host_token));
    if !token_ok {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "bad_token",
            "the host token is missing or wrong",
        ));
    }
    if hello.protocol_version != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(
            "protocol_version",
            format!(
                "host speaks link protocol {} but this server speaks {PROTOCOL_VERSION}",
                hello.protocol_version
            ),
        ));
    }
    if !crate::config::is_valid_id(&hello.name) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!(
                "host name `{}` must use letters, digits, `-`, `_` and `.` only",
                hello.name
            ),
        ));
    }
    if hello.heartbeat_interval_ms < 100 {
        return Err(ApiError::bad_request(
            "invalid_heartbeat",
            "heartbeat_interval_ms must be at least 100",
        ));
    }
    Ok(Json(state.registry.record_hello(&hello, None).await))
}
