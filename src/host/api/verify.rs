//! `POST /host/devices/{id}/verify` and the annotated images of results.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::verify::request::{PassCondition, VerifyRequest, VerifyResponse};
use crate::host::verify::run;

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
    let started = Instant::now();
    let mut results = Vec::new();
    let mut passed = request.pass == PassCondition::All;
    for verification in &request.verifications {
        let result = run::run(&device, verification, &state.annotated).await?;
        let this_passed = result.passed;
        results.push(result);
        match request.pass {
            PassCondition::All if !this_passed => {
                passed = false;
                break;
            }
            PassCondition::Any if this_passed => {
                passed = true;
                break;
            }
            _ => {}
        }
    }
    Ok(Json(VerifyResponse {
        passed,
        pass: request.pass,
        ms: started.elapsed().as_secs_f64() * 1000.0,
        results,
    }))
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
