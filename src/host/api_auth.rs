//! Who may call the host API directly, on the host's own port (docs/security.md, "The host API").
//!
//! The server reaches the host API through the link the host dialed itself, so those requests
//! are trusted by construction and never pass here. A request on the host's port must carry the
//! host's API token (`Authorization: Bearer …`, kept in `<data_dir>/host-api-token`, owner-only,
//! made at first start) and name the host by an address or one of its own names in `Host`, so a
//! web page cannot reach it through DNS rebinding. Requests that change something are written to
//! the host's log with the caller's address: the host's own audit trail.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::allowed_hosts::AllowedHosts;
use crate::api_error::ApiError;

/// The token file in the data dir.
pub const TOKEN_FILE: &str = "host-api-token";

/// What a direct request is checked against.
#[derive(Clone)]
pub struct DirectAccess {
    token: Arc<str>,
    /// Addresses, `localhost`, the host's vpt name and the machine's hostname.
    names: Arc<AllowedHosts>,
}

impl DirectAccess {
    pub fn new(token: String, host_name: &str) -> Self {
        Self {
            token: token.into(),
            names: Arc::new(AllowedHosts::new([host_name])),
        }
    }
}

/// The token of the host using `data_dir`, made (256 random bits, owner-only file) on first use.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(TOKEN_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let token = text.trim();
        if token.len() >= 32 {
            return Ok(token.to_string());
        }
        tracing::warn!(file = %path.display(), "the host API token is too short; making a new one");
    }
    let token = format!("vpta_{}", crate::token::random_hex(32));
    super::key::write_private(&path, token.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(token)
}

/// The middleware of the host's own port.
pub async fn check(
    State(access): State<DirectAccess>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
    let Some(authority) = authority.filter(|a| access.names.allows(a)) else {
        tracing::warn!(%peer, path = %request.uri().path(), "host API: request for another host name refused");
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            "this is a vpt host API; call it by the host's address or name",
        )
        .into_response();
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return unauthenticated("the host API needs the host's API token");
    };
    if !crate::token::constant_time_eq(presented, &access.token) {
        tracing::warn!(%peer, path = %request.uri().path(), "host API: wrong token refused");
        return unauthenticated("this is not the host's API token");
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = next.run(request).await;
    if changes {
        tracing::info!(%peer, %method, %path, %authority, status = response.status().as_u16(), "host API: direct request");
    }
    response
}

fn unauthenticated(why: &str) -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        format!(
            "{why}: send `Authorization: Bearer <token>` with the token in the host's \
             `{TOKEN_FILE}` file (its data dir); users reach devices through the server"
        ),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_addresses() {
        let access = DirectAccess::new("t".into(), "Rack-1");
        for ok in [
            "127.0.0.1:5110",
            "[::1]:5110",
            "localhost:5110",
            "rack-1:5110",
        ] {
            assert!(access.names.allows(ok), "{ok}");
        }
        for bad in [
            "attacker.example:5110",
            "127.0.0.1.attacker.example",
            "rack-1:x",
        ] {
            assert!(!access.names.allows(bad), "{bad}");
        }
    }

    #[test]
    fn token_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert!(first.starts_with("vpta_") && first.len() == 69);
        assert_eq!(load_or_create(dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
    }
}
