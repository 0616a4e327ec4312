//! Signing in and out: `POST /api/auth/login` (sets the session cookie), `POST
//! /api/auth/logout`, `GET /api/auth/me`, `PUT /api/auth/password`.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::auth::middleware::{ClientIp, check_same_origin};
use crate::server::auth::{Principal, SESSION_COOKIE, Via, audit, secret};
use crate::server::db::auth as db;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/password", put(change_password))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

/// Wrong name and wrong password get this same answer, in about the same time.
fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "wrong user name or password",
    )
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    if !state.auth.enabled {
        return Err(ApiError::bad_request(
            "auth_off",
            "auth is off on this server (auth.enabled = false): nobody needs to sign in",
        ));
    }
    // A login from another site's page would sign the browser in as the attacker's account.
    // Scripts send no Origin and no cookie to protect, so only a foreign Origin is refused.
    if headers.contains_key(header::ORIGIN) {
        check_same_origin(&state, &axum::http::Method::POST, &headers)?;
    }
    let name = body.name.trim().to_string();
    if let Some(wait) = state.auth.throttle.locked(&name, ip, Instant::now()) {
        audit::record(
            &state,
            None,
            "auth.login_failed",
            Some(name),
            json!({ "reason": "locked" }),
            ip,
        )
        .await;
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "locked",
            format!(
                "too many failed sign-ins; try again in {} s",
                wait.as_secs() + 1
            ),
        )
        .with("retry_after_s", wait.as_secs() + 1));
    }
    let user = {
        let name = name.clone();
        state
            .db
            .call(move |c| db::user_by_name(c, &name))
            .await
            .map_err(|e| ApiError::internal("cannot read users", e))?
            .filter(|u| u.disabled_at.is_none())
    };
    let phc = user.as_ref().map_or_else(
        || secret::decoy_hash().to_string(),
        |u| u.password_hash.clone(),
    );
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || secret::verify_password(&password, &phc))
        .await
        .map_err(|e| ApiError::internal("password check failed", e))?;
    let Some(user) = user.filter(|_| matches) else {
        let locked = state.auth.throttle.failed(&name, ip, Instant::now());
        audit::record(
            &state,
            None,
            "auth.login_failed",
            Some(name),
            json!({ "reason": "bad_credentials", "locked": locked }),
            ip,
        )
        .await;
        return Err(bad_credentials());
    };
    state.auth.throttle.succeeded(&name);
    let (session_id, session_hash) = secret::new_session_id();
    let hours = state.config.auth.session_hours;
    let expires_at = Utc::now() + chrono::Duration::hours(i64::from(hours));
    let ip_text = ip.map(|ip| ip.to_string());
    let user_id = user.id;
    state
        .db
        .call(move |c| {
            db::create_session(c, &session_hash, user_id, expires_at, ip_text.as_deref())
        })
        .await
        .map_err(|e| ApiError::internal("cannot open a session", e))?;
    audit::record(
        &state,
        Some(&user.name),
        "auth.login",
        Some(user.name.clone()),
        json!({}),
        ip,
    )
    .await;
    // HTTPS served by vpt itself, or by a proxy in front that says so.
    let secure = state.tls.is_some()
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        u64::from(hours) * 3600,
        if secure { "; Secure" } else { "" }
    );
    let body = Json(json!({
        "name": user.name,
        "role": user.role,
        "expires_at": expires_at,
    }));
    let mut response = body.into_response();
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| ApiError::internal("cannot build the session cookie", e))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
) -> ApiResult<Response> {
    if let Via::Session(hash) = &principal.via {
        state.auth.cache.forget(hash);
        let hash = hash.to_string();
        state
            .db
            .call(move |c| db::delete_session(c, &hash))
            .await
            .map_err(|e| ApiError::internal("cannot end the session", e))?;
        audit::record(
            &state,
            Some(&principal.name),
            "auth.logout",
            None,
            json!({}),
            ip,
        )
        .await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("vpt_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// Who the caller is; `auth_enabled: false` lets the UI show that auth is off.
async fn me(State(state): State<AppState>, principal: Principal) -> Json<serde_json::Value> {
    let via = match principal.via {
        Via::Session(_) => "session",
        Via::Token(_) => "token",
        Via::Off => "off",
    };
    Json(json!({
        "auth_enabled": state.auth.enabled,
        "name": principal.name.as_ref(),
        "role": principal.role,
        "via": via,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the caller's own password (ends all of the caller's sessions, this one too).
async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let Some(user_id) = principal.user_id else {
        return Err(ApiError::bad_request(
            "auth_off",
            "auth is off on this server: there is no password to change",
        ));
    };
    secret::check_new_password(&body.new).map_err(|e| ApiError::bad_request("weak_password", e))?;
    let name = principal.name.to_string();
    let user = state
        .db
        .call(move |c| db::user_by_name(c, &name))
        .await
        .map_err(|e| ApiError::internal("cannot read users", e))?
        .ok_or_else(bad_credentials)?;
    let phc = user.password_hash;
    let (current, new) = (body.current, body.new);
    let hash = tokio::task::spawn_blocking(move || {
        secret::verify_password(&current, &phc).then(|| secret::hash_password(&new))
    })
    .await
    .map_err(|e| ApiError::internal("password check failed", e))?
    // Not a 401: the caller is signed in, only the password given to confirm it is wrong.
    .ok_or_else(|| ApiError::bad_request("wrong_password", "the current password is wrong"))?
    .map_err(|e| ApiError::internal("cannot hash the password", e))?;
    state
        .db
        .call(move |c| db::update_user(c, user_id, None, None, Some(&hash)))
        .await
        .map_err(|e| ApiError::internal("cannot change the password", e))?;
    state.auth.cache.forget_user(user_id);
    audit::record(
        &state,
        Some(&principal.name),
        "user.password",
        Some(principal.name.to_string()),
        json!({}),
        ip,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
