//! `POST /api/hosts/{host}/devices/{id}/verify`: resolves stored references into the request and
//! runs it on the device's host; `GET /api/hosts/{host}/verifications/{file}` mirrors the
//! annotated images of results.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use crate::api_error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::server::AppState;
use crate::server::proxy;
use crate::server::services::references::resolve_reference;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/hosts/{host}/devices/{device}/verify", post(verify))
        .route("/api/hosts/{host}/verifications/{file}", get(annotated))
}

async fn verify(
    State(state): State<AppState>,
    ApiPath((host, device)): ApiPath<(HostId, DeviceId)>,
    ApiJson(mut request): ApiJson<Value>,
) -> ApiResult<Response> {
    let Some(verifications) = request
        .get_mut("verifications")
        .and_then(Value::as_array_mut)
    else {
        return Err(ApiError::bad_request(
            "invalid_body",
            "`verifications` must be a list",
        ));
    };
    for (index, verification) in verifications.iter_mut().enumerate() {
        let Some(object) = verification.as_object_mut() else {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!("verification {index} is not an object"),
            ));
        };
        resolve_reference(&state, object).await.map_err(|mut e| {
            e.detail = format!("verification {index}: {}", e.detail);
            e
        })?;
    }
    let body = Body::from(request.to_string());
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    let path = format!("/host/devices/{device}/verify");
    let response = proxy::forward(&state, &host, Method::POST, &path, &headers, body).await?;
    let response = proxy::to_client(response, &host, proxy::Relayed::Json);
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "host_unreachable", e.to_string()))?;
    let mut answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "host_unreachable",
            format!("unreadable answer: {e}"),
        )
    })?;
    // Annotated images are served by the host; point at the server's mirror of them.
    if let Some(results) = answer.get_mut("results").and_then(Value::as_array_mut) {
        for result in results {
            if let Some(url) = result.get("annotated_url") {
                let mirrored = url
                    .as_str()
                    .and_then(|url| proxy::mirrored_picture_url(&host, url));
                result["annotated_url"] = mirrored.map_or(Value::Null, Value::String);
            }
        }
    }
    Ok((status, axum::Json(answer)).into_response())
}

async fn annotated(
    State(state): State<AppState>,
    ApiPath((host, file)): ApiPath<(HostId, String)>,
) -> Response {
    if !proxy::is_picture_file(&file) {
        return ApiError::bad_request("invalid_id", "not an annotated image name").into_response();
    }
    let path = format!("/host/verifications/{file}");
    match proxy::forward(
        &state,
        &host,
        Method::GET,
        &path,
        &HeaderMap::new(),
        Body::empty(),
    )
    .await
    {
        Ok(response) => proxy::to_client(response, &host, proxy::Relayed::Jpeg),
        Err(e) => e.into_response(),
    }
}
