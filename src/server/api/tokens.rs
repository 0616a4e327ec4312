//! Personal API tokens: `GET /api/tokens` (the caller's; admins may add `?all=true`),
//! `POST /api/tokens` (answers the secret once), `DELETE /api/tokens/{id}` (revokes at once).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::auth::middleware::ClientIp;
use crate::server::auth::{Principal, Role, audit, secret};
use crate::server::db::auth::{self as db, ApiToken, NewToken};

/// Longest lifetime a token can be given (none: it lasts until revoked).
const MAX_EXPIRY_DAYS: u32 = 3650;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tokens", get(list).post(create))
        .route("/api/tokens/{id}", delete(revoke))
}

fn user_id(principal: &Principal) -> ApiResult<i64> {
    principal.user_id.ok_or_else(|| {
        ApiError::bad_request(
            "auth_off",
            "auth is off on this server: tokens belong to users, and there are none in use",
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    all: bool,
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let owner = if query.all && principal.role == Role::Admin {
        None
    } else {
        Some(user_id(&principal)?)
    };
    state
        .db
        .call(move |c| db::list_tokens(c, owner))
        .await
        .map(Json)
        .map_err(|e| ApiError::internal("cannot list tokens", e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    /// Default: the caller's role. Never above it.
    role: Option<Role>,
    /// Default: no expiry.
    expires_in_days: Option<u32>,
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<Value>,
)> {
    let user_id = user_id(&principal)?;
    let name = super::check_name(&body.name)?;
    let role = body.role.unwrap_or(principal.role);
    if role > principal.role {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "role_too_high",
            format!(
                "a token cannot have more rights than its maker: {} has {}",
                principal.name, principal.role
            ),
        ));
    }
    let expires_at = match body.expires_in_days {
        Some(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => {
            Some(Utc::now() + chrono::Duration::days(i64::from(days)))
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_expiry",
                format!("expires_in_days: 1 to {MAX_EXPIRY_DAYS}, or leave it out"),
            ));
        }
        None => None,
    };
    let (token, hash, prefix) = secret::new_api_token();
    let stored = state
        .db
        .call(move |c| {
            db::create_token(
                c,
                &NewToken {
                    name: &name,
                    user_id,
                    role,
                    token_hash: &hash,
                    prefix: &prefix,
                    expires_at,
                },
            )
        })
        .await
        .map_err(|e| ApiError::internal("cannot create the token", e))?;
    audit::record(
        &state,
        Some(&principal.name),
        "token.create",
        Some(format!("token {}", stored.id)),
        json!({ "name": stored.name, "role": stored.role, "expires_at": stored.expires_at }),
        ip,
    )
    .await;
    let mut body = serde_json::to_value(&stored)
        .map_err(|e| ApiError::internal("cannot show the token", e))?;
    if let Value::Object(map) = &mut body {
        // The only time the secret is shown: only its hash is kept.
        map.insert("token".into(), Value::String(token));
    }
    // The secret must not stay in a browser's or a proxy's cache.
    let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
    Ok((StatusCode::CREATED, no_store, Json(body)))
}

async fn revoke(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiToken>> {
    let token_id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", format!("`{id}` is not a token id")))?;
    let owner = if principal.role == Role::Admin {
        None
    } else {
        Some(user_id(&principal)?)
    };
    let (token, hash) = state
        .db
        .call(move |c| db::revoke_token(c, token_id, owner))
        .await
        .map_err(|e| ApiError::internal("cannot revoke the token", e))?
        .ok_or_else(|| ApiError::not_found("token", &id))?;
    state.auth.cache.forget(&hash);
    state.auth.cache.forget_token(token_id);
    audit::record(
        &state,
        Some(&principal.name),
        "token.revoke",
        Some(format!("token {token_id}")),
        json!({ "name": token.name, "owner": token.user }),
        ip,
    )
    .await;
    Ok(Json(ApiToken {
        revoked_at: token.revoked_at.or_else(|| Some(Utc::now())),
        ..token
    }))
}
