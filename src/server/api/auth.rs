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
use crate::server::auth::middleware::{ClientIp, check_same_origin, cookie};
use crate::server::auth::throttle::Key;
use crate::server::auth::{
    DEVICE_COOKIE, Principal, SESSION_COOKIE, Via, audit, passwords, secret,
};
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

/// How long a browser's `vpt_device` cookie lasts (the server forgets it after as long unused).
const DEVICE_COOKIE_DAYS: u64 = 90;

/// `429 slow_down`: too many failures from this client for this name; the same for every name,
/// known or not, and whatever the password.
fn slow_down(wait: std::time::Duration) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "slow_down",
        format!("too many failed attempts; try again in {seconds} s"),
    )
    .with("retry_after_s", seconds)
}

/// Control characters of a name typed at the sign-in form, escaped (`\u{1b}`), and its length
/// bounded, before it is stored in the audit log.
fn printable(name: &str) -> String {
    name.chars()
        .take(128)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
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
    // A browser that signed in as this user before is throttled on its own: guesses from
    // elsewhere (or from behind the same proxy) never slow it.
    let device_hash = cookie(&headers, DEVICE_COOKIE).map(secret::sha256_hex);
    let known_device = match &device_hash {
        Some(hash) => {
            let (hash, lookup) = (hash.clone(), name.clone());
            state
                .db
                .call(move |c| db::known_device(c, &hash, &lookup))
                .await
                .map_err(|e| ApiError::internal("cannot read users", e))?
        }
        None => false,
    };
    let keys = Key::for_login(&name, ip, device_hash.clone().filter(|_| known_device));
    if let Some(wait) = state.auth.throttle.wait(&keys, Instant::now()) {
        // Not written one by one: a flood of these would fill the audit log. The refusal
        // record of the auth layer counts them per address and minute.
        return Err(slow_down(wait));
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
        let wait = state.auth.throttle.failed(&keys, Instant::now());
        audit::record(
            &state,
            None,
            "auth.login_failed",
            Some(printable(&name)),
            json!({ "reason": "bad_credentials", "delay_s": wait.as_secs() }),
            ip,
        )
        .await;
        return Err(bad_credentials());
    };
    state.auth.throttle.succeeded(&keys);
    let (session_id, session_hash) = secret::new_session_id();
    let hours = state.config.auth.session_hours;
    let expires_at = Utc::now() + chrono::Duration::hours(i64::from(hours));
    let ip_text = ip.map(|ip| ip.to_string());
    let user_id = user.id;
    // This browser becomes (or stays) known for the user: a new id unless it has one of theirs.
    let device = match device_hash.filter(|_| known_device) {
        Some(hash) => (None, hash),
        None => {
            let (id, hash) = secret::new_session_id();
            (Some(id), hash)
        }
    };
    let device_hash = device.1.clone();
    state
        .db
        .call(move |c| {
            db::create_session(c, &session_hash, user_id, expires_at, ip_text.as_deref())?;
            db::remember_device(c, &device_hash, user_id)
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
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        u64::from(hours) * 3600,
    );
    let body = Json(json!({
        "name": user.name,
        "role": user.role,
        "expires_at": expires_at,
        "must_change_password": user.must_change_password,
    }));
    let mut response = body.into_response();
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| ApiError::internal("cannot build the session cookie", e))?;
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie);
    if let (Some(id), _) = device {
        // Sent back only to the sign-in route; it proves nothing anywhere else.
        let device = format!(
            "{DEVICE_COOKIE}={id}; Path=/api/auth/login; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            DEVICE_COOKIE_DAYS * 24 * 3600,
        );
        let device = HeaderValue::from_str(&device)
            .map_err(|e| ApiError::internal("cannot build the device cookie", e))?;
        headers.append(header::SET_COOKIE, device);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
        "must_change_password": principal.must_change_password,
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
    passwords::check(&body.new, &principal.name)
        .map_err(|e| ApiError::bad_request("weak_password", e))?;
    // Confirming the current password is a guess like a sign-in: a stolen session must not
    // become a fast way to find the password.
    let keys = [Key::Password(user_id)];
    if let Some(wait) = state.auth.throttle.wait(&keys, Instant::now()) {
        return Err(slow_down(wait));
    }
    if body.new == body.current {
        return Err(ApiError::bad_request(
            "weak_password",
            "the new password is the current one; choose another",
        ));
    }
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
    .map_err(|e| ApiError::internal("password check failed", e))?;
    let Some(hash) = hash else {
        state.auth.throttle.failed(&keys, Instant::now());
        // Not a 401: the caller is signed in, only the password given to confirm it is wrong.
        return Err(ApiError::bad_request(
            "wrong_password",
            "the current password is wrong",
        ));
    };
    state.auth.throttle.succeeded(&keys);
    let hash = hash.map_err(|e| ApiError::internal("cannot hash the password", e))?;
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
