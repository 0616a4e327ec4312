//! `GET /api/audit` (admins): the audit log, newest first, filtered and paged by id.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::server::db::auth::{self as db, AuditFilter};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/audit", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    user: Option<String>,
    /// An action (`run.start`), or a family ending in a dot (`user.`).
    action: Option<String>,
    target: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    /// The `next` of the previous page.
    before: Option<i64>,
    limit: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit: 1 to {MAX_LIMIT}"),
        ));
    }
    let filter = AuditFilter {
        user: query.user,
        action: query.action,
        target: query.target,
        since: query.since,
        until: query.until,
        before: query.before,
        limit,
    };
    let entries = state
        .db
        .call(move |c| db::audit(c, &filter))
        .await
        .map_err(|e| ApiError::internal("cannot read the audit log", e))?;
    // A full page may have more behind it.
    let next = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(json!({ "entries": entries, "next": next })))
}
