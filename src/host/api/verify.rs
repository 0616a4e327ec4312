//! `POST /host/devices/{id}/verify` and the annotated images of results.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::verify::run;
use crate::protocol::verification::{VerifyRequest, VerifyResponse};

/// Most verifications one request may carry.
const MAX_VERIFICATIONS: usize = 20;

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/verify", post(verify))
        .route("/host/verifications/{file}", get(annotated))
}

async fn verify(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> ApiResult<Json<VerifyResponse>> {
    let device = device(&state, &id)?;
    if request.verifications.is_empty() || request.verifications.len() > MAX_VERIFICATIONS {
        return Err(ApiError::bad_request(
            "invalid_verification",
            format!("send 1 to {MAX_VERIFICATIONS} verifications"),
        ));
    }
    for (index, verification) in request.verifications.iter().enumerate() {
        run::prepare(verification).map_err(|mut e| {
            e.detail = format!("verification {index}: {}", e.detail);
            e.with("index", index)
        })?;
    }
    Ok(Json(
        run::run_request(&device, &request, &state.annotated).await?,
    ))
}

async fn annotated(State(state): State<HostState>, Path(file): Path<String>) -> Response {
    let key = file.trim_end_matches(".jpg");
    match state.annotated.get(key) {
        Some(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no annotated image `{file}` (a host keeps the last 64)"),
        )
        .into_response(),
    }
}
