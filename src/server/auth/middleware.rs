//! The one middleware every server request passes: find the route's rule, authenticate the
//! caller (API token or session cookie), check the role, refuse cross-site changes made with a
//! cookie, run the handler, and audit the change if the rule says so.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures_util::StreamExt;

use super::cache::Cached;
use super::live::LiveCredential;
use super::rules::{Access, find, methods_of};
use super::{CSRF_HEADER, Principal, SESSION_COOKIE, Via, secret};
use crate::api_error::{ApiError, ErrorCode, is_api_path};
use crate::server::AppState;
use crate::server::db::auth::Holder;

/// Routes a user who must change a generated password may still call.
const BEFORE_PASSWORD_CHANGE: &[&str] = &["/api/auth/me", "/api/auth/logout", "/api/auth/password"];

pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A name this server does not go by: a page on another site reaching it through DNS
    // rebinding. Refused before anything else, the web UI's files included. Not for the host
    // links and the health check: hosts dial whatever name they were given and prove
    // themselves with a token a rebinding page does not have, and health tells nothing.
    let exempt = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| find(request.method(), route.as_str()))
        .is_some_and(|rule| rule.access == Access::HostToken || rule.route == "/api/health");
    if !exempt
        && let Some(host) = request_host(&request)
        && !state.auth.hosts.allows(host)
    {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "unknown_host",
            format!(
                "`{host}` is not a name of this server; if it is one, add it to \
                 server.allowed_hosts"
            ),
        )
        .into_response();
    }
    // The web UI's files (the router's fallback) have no matched route and are public.
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let ip = client_ip(&request);
    let anonymous = !request.headers().contains_key(header::AUTHORIZATION)
        && cookie(request.headers(), SESSION_COOKIE).is_none();
    let (response, caller) = guard(&state, route.as_str(), request, next).await;
    let status = response.status().as_u16();
    let audited = matches!(status, 401 | 403 | 429)
        && is_api_path(&path)
        // Failed sign-ins have their own entries; the UI asks who it is before signing in.
        && !(status == 401 && route.as_str() == "/api/auth/login")
        && !(anonymous && route.as_str() == "/api/auth/me");
    if audited {
        let code = response.extensions().get::<ErrorCode>().map(|c| c.0);
        super::audit::refused(
            &state,
            ip,
            super::audit::Refused {
                user: caller.map(|name| name.to_string()),
                path,
                detail: serde_json::json!({
                    "method": method.as_str(),
                    "route": route.as_str(),
                    "status": status,
                    "error": code,
                }),
            },
        )
        .await;
    }
    response
}

/// The `Host` of a request (`:authority` in HTTP/2).
fn request_host(request: &Request) -> Option<&str> {
    match request.headers().get(header::HOST) {
        // Not text: no name of this server either.
        Some(value) => Some(value.to_str().unwrap_or("?")),
        None => request.uri().authority().map(|a| a.as_str()),
    }
}

/// The check of a request with a route; answers the response and, when the caller was found,
/// their name.
async fn guard(
    state: &AppState,
    route: &str,
    mut request: Request,
    next: Next,
) -> (Response, Option<Arc<str>>) {
    let method = request.method().clone();
    let Some(rule) = find(&method, route) else {
        // A method the route does not answer: say so (405) without letting the request reach
        // the router, so a handler added without a rule can never be reached unguarded.
        let allowed = methods_of(route);
        if !allowed.is_empty() {
            let allow = allowed.join(", ");
            let mut response = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not answered here; use {allow}"),
            )
            .into_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return (response, None);
        }
        tracing::error!(%method, route, "request refused: the route has no rule in src/server/auth/rules.rs");
        let response = ApiError::new(
            StatusCode::FORBIDDEN,
            "no_rule",
            "this route has no access rule; it is refused until it gets one",
        )
        .into_response();
        return (response, None);
    };
    let required = match rule.access {
        Access::Public | Access::HostToken => return (next.run(request).await, None),
        Access::Metrics if state.config.auth.metrics_public => {
            return (next.run(request).await, None);
        }
        Access::Metrics => super::Role::Viewer,
        Access::Role(role) => role,
    };
    let ip = client_ip(&request);
    let (principal, live) = if state.auth.enabled {
        match authenticate(state, request.headers()).await {
            Ok(Some(found)) => {
                let live = LiveCredential::new(state, found.hash, found.is_token, required);
                (found.principal, Some(live))
            }
            Ok(None) => {
                return (
                    unauthenticated("sign in, or send `Authorization: Bearer <API token>`"),
                    None,
                );
            }
            Err(e) => return (e.into_response(), None),
        }
    } else {
        (Principal::local(), None)
    };
    let caller = Some(principal.name.clone());
    if principal.role < required {
        let response = ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this needs the {required} role; {} has {}",
                principal.name, principal.role
            ),
        )
        .with("required_role", required.as_str())
        .into_response();
        return (response, caller);
    }
    if principal.must_change_password && !BEFORE_PASSWORD_CHANGE.contains(&route) {
        let response = ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "the password was generated: change it (PUT /api/auth/password) before anything else",
        )
        .into_response();
        return (response, caller);
    }
    if matches!(principal.via, Via::Session(_))
        && let Err(e) = check_same_origin(state, &method, request.headers())
    {
        return (e.into_response(), caller);
    }
    let path = request.uri().path().to_string();
    request.extensions_mut().insert(principal.clone());
    if let Some(live) = &live {
        request.extensions_mut().insert(live.clone());
    }
    let response = next.run(request).await;
    if let Some(action) = rule.audit
        && response.status().is_success()
    {
        let detail = serde_json::json!({
            "method": method.as_str(),
            "route": route,
            "status": response.status().as_u16(),
        });
        super::audit::record(state, Some(&principal.name), action, Some(path), detail, ip).await;
    }
    // A streamed answer (no known length: live MJPEG, recordings) stops when the credential
    // that opened it stops working.
    let response = match live {
        Some(live) if response.body().size_hint().exact().is_none() => {
            let (parts, body) = response.into_parts();
            let stream = body.into_data_stream().take_until(Box::pin(live.ended()));
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => response,
    };
    (response, caller)
}

fn unauthenticated(detail: &str) -> Response {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail).into_response()
}

pub fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// The client's address as a handler argument (absent in in-process tests without a socket).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// The caller, as the middleware found it, as a handler argument.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "this route needs a signed-in caller",
            )
        })
    }
}

/// A caller found from a credential, with the credential's hash (to watch it later).
pub struct Authenticated {
    pub principal: Principal,
    pub hash: String,
    pub is_token: bool,
}

/// The caller named by the request's API token or session cookie: `Ok(None)` when it carries
/// neither, an error when the one it carries is not (or no longer) valid.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Authenticated>, ApiError> {
    let (secret, is_token) = if let Some(token) = crate::token::bearer(headers) {
        (token, true)
    } else if let Some(session) = cookie(headers, SESSION_COOKIE) {
        (session, false)
    } else {
        return Ok(None);
    };
    let hash = secret::sha256_hex(secret);
    let holder = match state.auth.cache.get(&hash, Utc::now()) {
        Cached::Hit(holder) => holder,
        Cached::Miss => {
            let key = hash.clone();
            let idle = state.auth.session_idle;
            let found = state
                .db
                .call(move |c| {
                    if is_token {
                        crate::server::db::auth::token(c, &key)
                    } else {
                        crate::server::db::auth::session(c, &key, idle)
                    }
                })
                .await
                .map_err(|e| ApiError::internal("cannot check credentials", e))?;
            let Some(holder) = found else {
                let what = if is_token {
                    "the API token is unknown, expired or revoked"
                } else {
                    "the session has expired, ended or been unused too long; sign in again"
                };
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    what,
                ));
            };
            touch_later(state, &hash, &holder);
            state.auth.cache.insert(hash.clone(), holder.clone());
            holder
        }
    };
    let principal = Principal {
        user_id: Some(holder.user_id),
        name: holder.name.into(),
        role: holder.role,
        via: match holder.token_id {
            Some(id) => Via::Token(id),
            None => Via::Session(hash.clone().into()),
        },
        must_change_password: holder.must_change_password,
    };
    Ok(Some(Authenticated {
        principal,
        hash,
        is_token,
    }))
}

/// Records when a credential was last used, off the request's path.
fn touch_later(state: &AppState, hash: &str, holder: &Holder) {
    let db = state.db.clone();
    let (hash, token_id) = (hash.to_string(), holder.token_id);
    tokio::spawn(async move {
        let result = db
            .call(move |c| match token_id {
                Some(id) => crate::server::db::auth::touch_token(c, id),
                None => crate::server::db::auth::touch_session(c, &hash),
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot record the last use of a credential");
        }
    });
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A change made with a session cookie must come from this server's own pages (or an allowed
/// origin): its `Origin` must match, or, without `Origin`, it must carry the UI's header. A
/// WebSocket opened with the cookie must not come from another site either.
pub fn check_same_origin(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let is_upgrade = headers.contains_key(header::UPGRADE);
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if safe && !is_upgrade {
        return Ok(());
    }
    let refused = |why: &str| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            format!("{why}; changes made with a session cookie must come from this server's pages"),
        )
    };
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) if origin_allowed(state, origin, headers) => Ok(()),
        Some(origin) => Err(refused(&format!("origin `{origin}` is not this server"))),
        // Browsers always send Origin when they open a WebSocket: one without it is not the UI.
        None if is_upgrade => Err(refused(
            "a WebSocket opened with a session cookie must carry an `Origin`",
        )),
        None if headers.contains_key(CSRF_HEADER) => Ok(()),
        None => Err(refused(&format!(
            "the request has neither an `Origin` nor an `{CSRF_HEADER}` header"
        ))),
    }
}

fn origin_allowed(state: &AppState, origin: &str, headers: &HeaderMap) -> bool {
    if state.config.auth.cors_origins.iter().any(|o| o == origin) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // The Host must be a name of this server too: an Origin equal to a Host chosen by the
    // attacker (DNS rebinding) proves nothing.
    if !state.auth.hosts.allows(host) {
        return false;
    }
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; vpt_session=abc123 ; x=y"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
