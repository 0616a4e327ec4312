//! Devices across hosts: the list, every host device route mirrored through the host link,
//! control locks, and the `execute` shortcut for scripts.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::server::AppState;
use crate::server::auth::{Principal, Via};
use crate::server::locks::{Access, Acquired, DEFAULT_LEASE};
use crate::server::proxy;
use crate::server::registry::DeviceView;

/// Header carrying the lock token of the client that holds a device.
pub const LOCK_HEADER: &str = "x-vpt-lock";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/devices", get(list))
        .route("/api/hosts/{host}/devices/{device}", any(device_root))
        .route(
            "/api/hosts/{host}/devices/{device}/{*rest}",
            any(device_route),
        )
        .route("/api/hosts/{host}/execute", post(execute))
        .route("/server/rec/stream/{host}/{device}", get(stream_alias))
        .route(
            "/api/devices/{host}/{device}/lock",
            post(lock).delete(unlock),
        )
}

async fn list(State(state): State<AppState>) -> Json<Vec<DeviceView>> {
    Json(
        state
            .registry
            .list()
            .into_iter()
            .flat_map(|host| host.devices)
            .collect(),
    )
}

/// Any request that is not a read controls the device, so it must respect the device's lock.
pub(super) fn check_lock(
    state: &AppState,
    host: &str,
    device: &str,
    method: &Method,
    headers: &HeaderMap,
) -> ApiResult<()> {
    if *method == Method::GET || *method == Method::HEAD {
        return Ok(());
    }
    let token = headers.get(LOCK_HEADER).and_then(|v| v.to_str().ok());
    match state.locks.check(host, device, token) {
        Access::Allowed => Ok(()),
        Access::Denied(lock) => Err(ApiError::new(
            StatusCode::LOCKED,
            "device_locked",
            format!(
                "device `{device}` is controlled by {} until {}",
                lock.owner,
                lock.expires_at.format("%H:%M:%S UTC")
            ),
        )
        .with("owner", lock.owner)
        .with("expires_at", lock.expires_at.to_rfc3339())),
    }
}

async fn forward_device(
    state: AppState,
    host: HostId,
    device: DeviceId,
    rest: Option<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(e) = check_lock(&state, &host, &device, &parts.method, &parts.headers) {
        return e.into_response();
    }
    let family = proxy::Relayed::of_device_route(rest.as_deref());
    let mut path = format!("/host/devices/{device}");
    if let Some(rest) = rest {
        match encode_rest(&rest) {
            Ok(rest) => {
                path.push('/');
                path.push_str(&rest);
            }
            Err(e) => return e.into_response(),
        }
    }
    // Device requests are small commands: held to the server's body limit like every other
    // route, and read whole so an oversized one gets a clear 413.
    let body = match axum::body::to_bytes(body, state.config.server.max_body_bytes).await {
        Ok(bytes) => Body::from(bytes),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
            return if too_large {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!(
                        "the body is over the limit of {} bytes (server.max_body_bytes)",
                        state.config.server.max_body_bytes
                    ),
                )
            } else {
                ApiError::bad_request("bad_body", format!("cannot read the body: {e}"))
            }
            .into_response();
        }
    };
    if let Some(query) = parts.uri.query() {
        path.push('?');
        path.push_str(query);
    }
    match proxy::forward(&state, &host, parts.method, &path, &parts.headers, body).await {
        Ok(response) => proxy::to_client(response, &host, family),
        Err(e) => e.into_response(),
    }
}

/// The rest of a device path, decoded by the router, encoded again for the host's URI: a
/// `..` segment or a control character is refused, and `?`, `#` or `%` stay inside their
/// segment instead of starting a query.
fn encode_rest(rest: &str) -> ApiResult<String> {
    let invalid = |why: &str| ApiError::bad_request("invalid_path", format!("`{rest}`: {why}"));
    if rest.chars().any(char::is_control) {
        return Err(invalid("the path contains a control character"));
    }
    if rest.contains('\\') {
        return Err(invalid("the path contains a backslash"));
    }
    let mut encoded = String::with_capacity(rest.len());
    for (i, segment) in rest.split('/').enumerate() {
        if segment == ".." || segment == "." {
            return Err(invalid("the path climbs up with `..`"));
        }
        if i > 0 {
            encoded.push('/');
        }
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
                encoded.push(byte as char);
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    Ok(encoded)
}

async fn device_root(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    request: Request,
) -> Response {
    forward_device(state, host, device, None, request).await
}

async fn device_route(
    State(state): State<AppState>,
    ApiPath((host, device, rest)): ApiPath<(HostId, DeviceId, String)>,
    request: Request,
) -> Response {
    forward_device(state, host, device, Some(rest), request).await
}

async fn stream_alias(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    request: Request,
) -> Response {
    forward_device(state, host, device, Some("stream.mjpeg".into()), request).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExecuteRequest {
    device: String,
    action: String,
    #[serde(default)]
    params: Value,
}

/// `{device, action, params}` → the matching device route, for scripts that prefer one endpoint.
async fn execute(
    State(state): State<AppState>,
    Path(host): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ExecuteRequest>,
) -> Response {
    let params = if request.params.is_null() {
        json!({})
    } else {
        request.params
    };
    let (method, route, uri, body) = match request.action.as_str() {
        "press" => (Method::POST, "remote/press", "/", Some(params)),
        "text" => (Method::POST, "remote/text", "/", Some(params)),
        "power" => (Method::POST, "power", "/", Some(params)),
        "screenshot" => {
            let jpeg = params.get("format").and_then(Value::as_str) == Some("jpeg");
            let uri = if jpeg {
                "/?format=jpeg"
            } else {
                "/?format=png"
            };
            (Method::GET, "screenshot", uri, None)
        }
        other => {
            return ApiError::bad_request(
                "unknown_action",
                format!("unknown action `{other}`; use press, text, power or screenshot"),
            )
            .with(
                "valid_actions",
                json!(["press", "text", "power", "screenshot"]),
            )
            .into_response();
        }
    };
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(lock) = headers.get(LOCK_HEADER) {
        builder = builder.header(LOCK_HEADER, lock);
    }
    let body = match body {
        Some(value) => {
            builder = builder.header(axum::http::header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    match builder.body(body) {
        Ok(forwarded) => match (HostId::parse(host), DeviceId::parse(request.device)) {
            (Ok(host), Ok(device)) => {
                forward_device(state, host, device, Some(route.into()), forwarded).await
            }
            (Err(invalid), _) | (_, Err(invalid)) => ApiError::from(invalid).into_response(),
        },
        Err(e) => ApiError::bad_request("bad_request", e.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockRequest {
    /// With auth on the lock is held by the signed-in caller, whatever this says.
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    lease_secs: Option<u64>,
    #[serde(default)]
    token: Option<String>,
}

async fn lock(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    principal: Principal,
    ApiJson(request): ApiJson<LockRequest>,
) -> ApiResult<Json<Value>> {
    let owner = match (&principal.via, &request.owner) {
        (Via::Off, Some(owner)) => owner.trim().to_string(),
        (Via::Off, None) => String::new(),
        _ => principal.name.to_string(),
    };
    let owner = owner.as_str();
    if owner.is_empty() || owner.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_owner",
            "owner must be 1 to 64 characters",
        ));
    }
    let known = state
        .registry
        .get(&host)
        .is_some_and(|h| h.devices.iter().any(|d| d.info.id == device));
    if !known {
        return Err(ApiError::not_found("device", &format!("{host}/{device}")));
    }
    let lease = request
        .lease_secs
        .map_or(DEFAULT_LEASE, Duration::from_secs);
    match state
        .locks
        .acquire(&host, &device, owner, request.token.as_deref(), lease)
    {
        Acquired::Granted { token, expires_at } => Ok(Json(json!({
            "owner": owner, "token": token, "expires_at": expires_at,
        }))),
        Acquired::HeldBy(lock) => Err(ApiError::conflict(
            "device_locked",
            format!(
                "device `{device}` is controlled by {} until {}",
                lock.owner,
                lock.expires_at.format("%H:%M:%S UTC")
            ),
        )
        .with("owner", lock.owner)
        .with("expires_at", lock.expires_at.to_rfc3339())),
    }
}

async fn unlock(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let Some(token) = headers.get(LOCK_HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::bad_request(
            "missing_lock_token",
            "send the lock token in the X-Vpt-Lock header",
        ));
    };
    if state.locks.release(&host, &device, token) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::conflict(
            "not_lock_holder",
            "this token does not hold the lock",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_paths_are_encoded_and_cannot_climb() {
        assert_eq!(encode_rest("timeline/123.jpg").unwrap(), "timeline/123.jpg");
        assert_eq!(
            encode_rest("timeline/a?b#c%").unwrap(),
            "timeline/a%3Fb%23c%25"
        );
        for bad in ["timeline/../../vpt.db", "..", "a/./b", "a\\..\\b", "a\0b"] {
            assert!(encode_rest(bad).is_err(), "{bad}");
        }
    }
}
