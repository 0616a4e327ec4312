//! Users, for admins: `GET/POST /api/users`, `GET/PUT/DELETE /api/users/{name}`. Every change is
//! audited and takes effect at once (cached sessions and tokens of the user are dropped).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::auth::middleware::ClientIp;
use crate::server::auth::setup::check_user_name;
use crate::server::auth::{Principal, Role, audit, passwords, secret};
use crate::server::db::auth::{self as db, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(list).post(create))
        .route("/api/users/{name}", get(one).put(update).delete(remove))
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    state
        .db
        .call(db::list_users)
        .await
        .map(Json)
        .map_err(|e| ApiError::internal("cannot list users", e))
}

async fn find(state: &AppState, name: &str) -> ApiResult<User> {
    let key = name.to_string();
    state
        .db
        .call(move |c| db::user_by_name(c, &key))
        .await
        .map_err(|e| ApiError::internal("cannot read users", e))?
        .ok_or_else(|| ApiError::not_found("user", name))
}

async fn one(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<User>> {
    find(&state, &name).await.map(Json)
}

async fn hash(password: String, user: &str) -> ApiResult<String> {
    passwords::check(&password, user).map_err(|e| ApiError::bad_request("weak_password", e))?;
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal("cannot hash the password", e))?
        .map_err(|e| ApiError::internal("cannot hash the password", e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: Role,
    password: String,
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    check_user_name(&body.name).map_err(|e| ApiError::bad_request("invalid_name", e))?;
    let hash = hash(body.password, &body.name).await?;
    let (name, role) = (body.name.clone(), body.role);
    let user = state
        .db
        .call(move |c| db::create_user(c, &name, role, &hash))
        .await
        .map_err(|e| ApiError::internal("cannot create the user", e))?
        .ok_or_else(|| {
            ApiError::conflict(
                "name_taken",
                format!(
                    "a user named `{}` exists (names are compared ignoring case)",
                    body.name
                ),
            )
        })?;
    audit::record(
        &state,
        Some(&principal.name),
        "user.create",
        Some(user.name.clone()),
        json!({ "role": user.role }),
        ip,
    )
    .await;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    role: Option<Role>,
    disabled: Option<bool>,
    password: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<UserChange>,
) -> ApiResult<Json<User>> {
    let user = find(&state, &name).await?;
    let loses_admin = user.role == Role::Admin
        && (body.role.is_some_and(|r| r != Role::Admin) || body.disabled == Some(true));
    if loses_admin {
        ensure_another_admin(&state, user.id).await?;
    }
    let hash = match body.password {
        Some(password) => Some(hash(password, &user.name).await?),
        None => None,
    };
    let (id, role, disabled) = (user.id, body.role, body.disabled);
    let password_changed = hash.is_some();
    state
        .db
        .call(move |c| db::update_user(c, id, role, disabled, hash.as_deref()))
        .await
        .map_err(|e| ApiError::internal("cannot change the user", e))?;
    // Rights taken away apply to the very next request.
    state.auth.cache.forget_user(id);
    audit::record(
        &state,
        Some(&principal.name),
        "user.update",
        Some(user.name.clone()),
        json!({ "role": role, "disabled": disabled, "password_changed": password_changed }),
        ip,
    )
    .await;
    find(&state, &name).await.map(Json)
}

async fn remove(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let user = find(&state, &name).await?;
    if principal.user_id == Some(user.id) {
        return Err(ApiError::conflict(
            "self",
            "you cannot delete yourself; another admin can",
        ));
    }
    if user.role == Role::Admin {
        ensure_another_admin(&state, user.id).await?;
    }
    let id = user.id;
    state
        .db
        .call(move |c| db::delete_user(c, id))
        .await
        .map_err(|e| ApiError::internal("cannot delete the user", e))?;
    state.auth.cache.forget_user(id);
    audit::record(
        &state,
        Some(&principal.name),
        "user.delete",
        Some(user.name),
        json!({}),
        ip,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses to leave the server without an enabled admin (nobody could manage users then).
async fn ensure_another_admin(state: &AppState, user_id: i64) -> ApiResult<()> {
    let others = state
        .db
        .call(move |c| db::other_enabled_admins(c, user_id))
        .await
        .map_err(|e| ApiError::internal("cannot count admins", e))?;
    if others == 0 {
        return Err(ApiError::conflict(
            "last_admin",
            "this is the last enabled admin; make another user admin first",
        ));
    }
    Ok(())
}
