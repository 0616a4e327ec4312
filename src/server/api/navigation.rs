//! Driving devices along trees: `navigate` (goto a node) and `validate` (walk every edge), the
//! jobs they start, and stored validations with their failing screenshots.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::devices::check_lock;
use crate::api_error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::nav::report::Goal;
use crate::server::AppState;
use crate::server::db::trees as queries;
use crate::server::nav_jobs::{self, Job, validation_dir};
use crate::server::services::trees::load_tree;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/hosts/{host}/devices/{device}/navigate",
            post(navigate),
        )
        .route(
            "/api/hosts/{host}/devices/{device}/validate",
            post(validate),
        )
        .route("/api/nav/jobs", get(jobs))
        .route("/api/nav/jobs/{id}", get(job))
        .route("/api/nav/jobs/{id}/cancel", post(cancel))
        .route("/api/trees/{id}/validations", get(validations))
        .route("/api/validations/{id}", get(validation))
        .route(
            "/api/validations/{id}/screenshots/{file}",
            get(validation_screenshot),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitQuery {
    #[serde(default)]
    wait: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NavigateRequest {
    tree_id: i64,
    target: String,
    #[serde(default)]
    max_attempts: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateRequest {
    tree_id: i64,
}

fn query(
    query: Result<Query<WaitQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<bool> {
    query
        .map(|Query(q)| q.wait)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}

/// 202 with the running job, or (when asked to wait) 200 with the finished one.
async fn answer(state: &AppState, job: Job, wait: bool) -> ApiResult<Response> {
    if !wait {
        return Ok((StatusCode::ACCEPTED, Json(json!({"job": job}))).into_response());
    }
    let finished = state
        .nav_jobs
        .wait(job.id)
        .await
        .ok_or_else(|| ApiError::internal("job vanished", job.id))?;
    Ok((StatusCode::OK, Json(json!({"job": finished}))).into_response())
}

async fn navigate(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    wait: Result<Query<WaitQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NavigateRequest>,
) -> ApiResult<Response> {
    let wait = query(wait)?;
    check_lock(&state, &host, &device, &Method::POST, &headers)?;
    let goal = Goal::Goto {
        target: request.target,
    };
    let job = nav_jobs::start(
        &state,
        &host,
        &device,
        request.tree_id,
        goal,
        request.max_attempts,
    )
    .await?;
    answer(&state, job, wait).await
}

async fn validate(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    wait: Result<Query<WaitQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ValidateRequest>,
) -> ApiResult<Response> {
    let wait = query(wait)?;
    check_lock(&state, &host, &device, &Method::POST, &headers)?;
    let job = nav_jobs::start(
        &state,
        &host,
        &device,
        request.tree_id,
        Goal::Validate,
        None,
    )
    .await?;
    answer(&state, job, wait).await
}

async fn jobs(State(state): State<AppState>) -> Json<Vec<Job>> {
    Json(state.nav_jobs.list())
}

async fn job(State(state): State<AppState>, Path(id): Path<u64>) -> ApiResult<Json<Job>> {
    state
        .nav_jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("navigation job", &id.to_string()))
}

async fn cancel(State(state): State<AppState>, Path(id): Path<u64>) -> ApiResult<Json<Value>> {
    match state.nav_jobs.cancel(id) {
        None => Err(ApiError::not_found("navigation job", &id.to_string())),
        Some(false) => Err(ApiError::conflict(
            "not_running",
            format!("navigation job {id} has already finished"),
        )),
        Some(true) => Ok(Json(json!({"cancelled": id}))),
    }
}

async fn validations(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    load_tree(&state, id).await?;
    let list = state
        .db
        .call(move |c| queries::list_validations(c, id))
        .await?;
    Ok(Json(json!(list)))
}

async fn validation(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let found = state
        .db
        .call(move |c| queries::get_validation(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("validation", &id.to_string()))?;
    Ok(Json(json!(found)))
}

async fn validation_screenshot(
    State(state): State<AppState>,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let valid = file.ends_with(".jpg")
        && file.len() <= 16
        && file
            .trim_end_matches(".jpg")
            .chars()
            .all(|c| c.is_ascii_digit());
    if !valid {
        return ApiError::bad_request("invalid_id", "not a screenshot name").into_response();
    }
    match tokio::fs::read(validation_dir(&state, id).join(&file)).await {
        Ok(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response(),
        Err(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("validation {id} has no screenshot `{file}`"),
        )
        .into_response(),
    }
}
