//! `POST /api/hosts/{host}/devices/{id}/verify`: resolves stored references into the request and
//! runs it on the device's host; `GET /api/hosts/{host}/verifications/{file}` mirrors the
//! annotated images of results.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::references::{image_path, load};
use crate::api_error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::server::AppState;
use crate::server::db::references as queries;
use crate::server::proxy;

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

/// Turns `reference_id` / `reference` + `userinterface` into what the host needs: the image
/// inline for image references, the text and area for text references.
pub(crate) async fn resolve_reference(
    state: &AppState,
    verification: &mut Map<String, Value>,
) -> ApiResult<()> {
    let by_id = verification.remove("reference_id");
    let userinterface = verification.remove("userinterface");
    let stored = match (by_id, verification.get("reference")) {
        (Some(id), _) => {
            let id = id.as_i64().ok_or_else(|| {
                ApiError::bad_request("invalid_body", "reference_id must be a number")
            })?;
            Some(load(state, id).await?)
        }
        (None, Some(Value::String(name))) => {
            let Some(Value::String(userinterface)) = userinterface else {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    format!("reference `{name}` needs its `userinterface`"),
                ));
            };
            let (ui, wanted) = (userinterface.clone(), name.clone());
            let found = state
                .db
                .call(move |c| queries::find(c, &ui, &wanted))
                .await
                .map_err(|e| ApiError::internal("database error", e))?;
            Some(found.ok_or_else(|| {
                ApiError::not_found(
                    "reference",
                    &format!("{name}` in userinterface `{userinterface}"),
                )
            })?)
        }
        _ => None,
    };
    let Some(stored) = stored else {
        return Ok(());
    };
    let kind = verification
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or(&stored.kind)
        .to_string();
    match (kind.as_str(), stored.kind.as_str()) {
        ("image", "image") => {
            let png = tokio::fs::read(image_path(state, stored.id))
                .await
                .map_err(|e| ApiError::internal("cannot read the reference image", e))?;
            verification.insert("kind".into(), json!("image"));
            verification.insert(
                "reference".into(),
                json!({
                    "name": stored.name,
                    "png_base64": base64::engine::general_purpose::STANDARD.encode(png),
                    "area": stored.area,
                    "source_width": stored.source_width,
                    "source_height": stored.source_height,
                }),
            );
        }
        ("text", "text") => {
            verification.remove("reference");
            verification.insert("kind".into(), json!("text"));
            verification
                .entry("expect")
                .or_insert(json!(stored.text.unwrap_or_default()));
            verification.entry("region").or_insert(json!(stored.area));
            verification.entry("lang").or_insert(json!(stored.lang));
        }
        (asked, is) => {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!(
                    "reference `{}` is an {is} reference, not {asked}",
                    stored.name
                ),
            ));
        }
    }
    Ok(())
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
