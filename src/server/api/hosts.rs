//! Hosts: listing, LAN discovery, registration over plain HTTP and the link endpoint.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::mdns::Peer;
use crate::protocol::{Hello, PROTOCOL_VERSION};
use std::net::SocketAddr;

use axum::extract::ConnectInfo;

use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::db::host_approvals::{self, Approval, ApprovalStatus, Decided, Presented};
use crate::server::host_approval;
use crate::server::link;
use crate::server::registry::HostView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/hosts", get(list))
        .route("/api/hosts/discovered", get(discovered))
        .route("/api/hosts/register", post(register))
        .route(crate::protocol::CONNECT_PATH, get(link::connect))
        .route("/api/hosts/approvals", get(approvals))
        .route("/api/hosts/{host}", get(one))
        .route("/api/hosts/{host}/approve", post(approve))
        .route("/api/hosts/{host}/revoke", post(revoke))
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(hello): ApiJson<Hello>,
) -> ApiResult<Json<HostView>> {
    let Some(presented) = host_approval::presented(&state, &headers).await else {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "bad_token",
            "the host token (or the host's own credential) is missing or wrong",
        ));
    };
    if hello.protocol_version != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(
            "protocol_version",
            format!(
                "host speaks link protocol {} but this server speaks {PROTOCOL_VERSION}",
                hello.protocol_version
            ),
        ));
    }
    if !crate::ids::is_valid_id(&hello.name) {
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
    // Registering creates no approval (only the link does): it records hosts the link would let
    // in now.
    let name = hello.name.clone();
    let approval = state
        .db
        .call(move |c| host_approvals::get(c, &name))
        .await
        .map_err(|e| ApiError::internal("cannot read host approvals", e))?;
    if let Some(problem) = crate::protocol::device_list_problem(&hello.devices) {
        return Err(ApiError::bad_request("invalid_devices", problem));
    }
    // Registering proves no key, so it may only describe hosts no key is bound to yet, and
    // only where the auto-approve policy vouches for the caller.
    let approved = match &approval {
        Some(a) if a.status == ApprovalStatus::Revoked => false,
        Some(a) if a.key_fingerprint.is_some() => {
            return Err(ApiError::conflict(
                "host_has_key",
                format!(
                    "host `{}` is bound to its key; it reports its devices over its link",
                    hello.name
                ),
            ));
        }
        Some(a) if a.status == ApprovalStatus::Approved && presented != Presented::JoinToken => {
            true
        }
        _ => host_approval::auto_approves(state.config.auth.auto_approve_hosts, peer, &headers),
    };
    if !approved {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "host_not_approved",
            format!(
                "host `{}` is not approved; it waits for approval once it dials the link",
                hello.name
            ),
        ));
    }
    Ok(Json(state.registry.record_hello(&hello, None).await))
}

/// `GET /api/hosts/approvals`: every host that ever dialed, waiting ones first.
async fn approvals(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<Approval>>> {
    let mut list = state
        .db
        .call(host_approvals::list)
        .await
        .map_err(|e| ApiError::internal("cannot read host approvals", e))?;
    // The addresses hosts dial from map the lab's network: admins only.
    if principal.role < crate::server::auth::Role::Admin {
        for approval in &mut list {
            approval.peer = None;
        }
    }
    Ok(Json(list))
}

/// Body of `POST /api/hosts/{host}/approve`: the fingerprint the admin compared with the one
/// the host logs; without it, the key that asked last is approved.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveRequest {
    #[serde(default)]
    key_fingerprint: Option<String>,
}

async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    Path(host): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Approval>> {
    // The body is optional (scripts may post nothing); when present it is checked whole.
    let request: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON: {e}")))?
    };
    decide(
        &state,
        &principal,
        &host,
        ApprovalStatus::Approved,
        request.key_fingerprint,
    )
    .await
}

/// Revokes a host: its key stops working and its link is cut now.
async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(host): Path<String>,
) -> ApiResult<Json<Approval>> {
    decide(&state, &principal, &host, ApprovalStatus::Revoked, None).await
}

async fn decide(
    state: &AppState,
    principal: &Principal,
    host: &str,
    status: ApprovalStatus,
    expected_key: Option<String>,
) -> ApiResult<Json<Approval>> {
    let decided = host_approval::decide(state, host, status, expected_key, &principal.name)
        .await
        .map_err(|e| ApiError::internal("cannot change the host's approval", e))?;
    match decided {
        Decided::Done(approval) => Ok(Json(approval)),
        Decided::Unknown => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no host named `{host}` has dialed this server"),
        )),
        Decided::NoKey => Err(ApiError::conflict(
            "no_key",
            format!("host `{host}` has not shown its key yet; start it so it dials, then approve"),
        )),
        Decided::KeyChanged { asking } => Err(ApiError::conflict(
            "key_changed",
            format!(
                "the machine asking as `{host}` now has the key {asking}, not the one you \
                 compared; compare again before approving"
            ),
        )
        .with("key_fingerprint", asking)),
    }
}
