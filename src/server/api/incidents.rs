//! Incidents raised by host monitoring: list with filters, one with its pictures, acknowledge,
//! mark as false positive (docs/monitoring.md). Also `POST /server/rec/getRestartImages`, the
//! frames of a device's last seconds from its timeline.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::monitoring::IncidentKind;
use crate::monitoring::event::is_frame_name;
use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::db::incidents::{self as queries, Incident, IncidentFilter};
use crate::server::events::Event;
use crate::server::incidents::picture_dir;
use crate::server::proxy;

const MAX_PAGE: u32 = 500;
const MAX_COMMENT: usize = 2000;
/// Longest look-back of `getRestartImages` (the timeline keeps at most what it is set to).
const MAX_RESTART_SECONDS: u64 = 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents", get(list))
        .route("/api/incidents/{id}", get(one))
        .route("/api/incidents/{id}/ack", post(acknowledge))
        .route("/api/incidents/{id}/false-positive", post(false_positive))
        .route("/api/incidents/{id}/frames/{name}", get(frame))
        .route("/server/rec/getRestartImages", post(restart_images))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    from: Option<DateTime<Utc>>,
    #[serde(default)]
    to: Option<DateTime<Utc>>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(word) => Some(IncidentKind::parse(word).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_kind",
                format!("kind `{word}`: one of black, freeze, no_signal"),
            )
        })?),
    };
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("active") => Some("active"),
        Some("resolved") => Some("resolved"),
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                format!("status `{other}`: active or resolved"),
            ));
        }
    };
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit: 1 to {MAX_PAGE}"),
        ));
    }
    let filter = IncidentFilter {
        host: query.host.filter(|h| !h.is_empty()),
        device: query.device.filter(|d| !d.is_empty()),
        kind,
        status,
        from: query.from,
        to: query.to,
        before: query.before,
        limit,
    };
    let (incidents, next_before) = state.db.call(move |c| queries::list(c, &filter)).await?;
    Ok(Json(
        json!({ "incidents": incidents, "next_before": next_before }),
    ))
}

async fn find(state: &AppState, id: i64) -> ApiResult<Incident> {
    state
        .db
        .call(move |c| queries::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("incident", &id.to_string()))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Incident>> {
    Ok(Json(find(&state, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AckBody {
    #[serde(default)]
    by: Option<String>,
}

async fn acknowledge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Incident>> {
    // The body is optional: an empty one acknowledges as the UI.
    let body: AckBody = if body.iter().all(u8::is_ascii_whitespace) {
        AckBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("invalid_json", format!("body: {e}")))?
    };
    let by = super::runs::started_by(&principal, body.by, "ui")?;
    update(&state, id, move |c| queries::acknowledge(c, id, &by)).await
}

/// Applies a change to incident `id` (the query answers the incident, or nothing when there is
/// no such incident) and tells the UI.
async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(
        &mut rusqlite::Connection,
    ) -> Result<Option<Incident>, crate::server::db::DbError>
    + Send
    + 'static,
) -> ApiResult<Json<Incident>> {
    let incident = state
        .db
        .call(change)
        .await?
        .ok_or_else(|| ApiError::not_found("incident", &id.to_string()))?;
    state
        .events
        .publish(Event::new("incident.updated", &incident));
    Ok(Json(incident))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FalsePositiveBody {
    comment: String,
    #[serde(default)]
    by: Option<String>,
}

async fn false_positive(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FalsePositiveBody>,
) -> ApiResult<Json<Incident>> {
    let comment = body.comment.trim().to_string();
    if comment.is_empty() || comment.chars().count() > MAX_COMMENT {
        return Err(ApiError::bad_request(
            "invalid_comment",
            format!("comment: say why it is a false positive, 1 to {MAX_COMMENT} characters"),
        ));
    }
    let by = super::runs::started_by(&principal, body.by, "ui")?;
    update(&state, id, move |c| {
        queries::mark_false_positive(c, id, &comment, &by)
    })
    .await
}

async fn frame(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<Response> {
    if !is_frame_name(&name) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("`{name}` is not a picture name of an incident"),
        ));
    }
    let incident = find(&state, id).await?;
    if !incident.frames.iter().any(|f| f.name == name) {
        return Err(ApiError::not_found("picture", &format!("{id}/{name}")));
    }
    let path = picture_dir(&state.data_dir, &incident.host, &incident.uid).join(&name);
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| ApiError::not_found("picture", &format!("{id}/{name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400, immutable"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestartImagesBody {
    host: String,
    device: String,
    seconds: u64,
}

/// The frames of the last `seconds` of a device, from its timeline, as URLs to fetch.
async fn restart_images(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RestartImagesBody>,
) -> ApiResult<Response> {
    HostId::parse(&body.host)?;
    DeviceId::parse(&body.device)?;
    if body.seconds == 0 || body.seconds > MAX_RESTART_SECONDS {
        return Err(ApiError::bad_request(
            "invalid_seconds",
            format!("seconds: 1 to {MAX_RESTART_SECONDS}"),
        ));
    }
    let from = Utc::now().timestamp_millis() as u64 - body.seconds * 1000;
    let path = format!("/host/devices/{}/timeline?from={from}", body.device);
    let response = proxy::forward(
        &state,
        &body.host,
        Method::GET,
        &path,
        &HeaderMap::new(),
        Body::empty(),
    )
    .await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::internal("cannot read the host's answer", e))?;
    let answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "host_failed",
            format!("the host answered unreadably: {e}"),
        )
    })?;
    if !status.is_success() {
        // The host's own error (unknown device, timelines off) is the caller's answer.
        return Ok((status, Json(answer)).into_response());
    }
    let base = format!("/api/hosts/{}/devices/{}/timeline", body.host, body.device);
    let frames: Vec<Value> = answer["frames"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let t = f["t"].as_u64()?;
            Some(json!({
                "t": t,
                "captured_at": f["captured_at"],
                "url": format!("{base}/{t}.jpg"),
            }))
        })
        .collect();
    Ok(Json(json!({
        "host": body.host,
        "device": body.device,
        "seconds": body.seconds,
        "count": frames.len(),
        "frames": frames,
    }))
    .into_response())
}
