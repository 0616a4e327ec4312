//! References: images and texts that verifications look for, stored per userinterface. Created
//! by cutting an area out of a device's current frame, or by uploading a PNG.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use image::RgbImage;
use serde::Deserialize;

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::ids::{DeviceId, HostId};
use crate::server::AppState;
use crate::server::db::references::{self as queries, Changes, NewReference, StoredReference};
use crate::server::proxy;
use crate::server::services::references::{image_path, load_reference};
use crate::verify::{OcrOptions, Region};

/// Largest PNG accepted as a reference (a full 4K frame fits).
const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/references", get(list).post(create))
        .route(
            "/api/references/upload",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/references/{id}", get(one).put(update).delete(remove))
        .route("/api/references/{id}/image", get(image))
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    if ok {
        Ok(name.to_string())
    } else {
        Err(ApiError::bad_request(
            "invalid_name",
            format!("name `{name}`: use 1 to 64 letters, digits, spaces, `_`, `-` or `.`"),
        ))
    }
}

fn check_userinterface(userinterface: &str) -> ApiResult<()> {
    if crate::ids::is_valid_id(userinterface) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_userinterface",
            format!("userinterface `{userinterface}`: use letters, digits, `-`, `_` and `.`"),
        ))
    }
}

fn check_area(area: Region, width: u32, height: u32) -> ApiResult<()> {
    if let Some(problem) = crate::image_input::frame_size_problem(width, height) {
        return Err(ApiError::bad_request(
            "invalid_area",
            format!("the source frame {problem}"),
        ));
    }
    if area.width < 2 || area.height < 2 || area.right() > width || area.bottom() > height {
        return Err(ApiError::bad_request(
            "invalid_area",
            format!("area {area} must be at least 2x2 and inside the {width}x{height} frame"),
        ));
    }
    Ok(())
}

fn name_taken(name: &str, userinterface: &str) -> ApiError {
    ApiError::conflict(
        "name_taken",
        format!("userinterface `{userinterface}` already has a reference named `{name}`"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    userinterface: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<StoredReference>>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let references = state
        .db
        .call(move |c| queries::list(c, query.userinterface.as_deref()))
        .await?;
    Ok(Json(references))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<StoredReference>> {
    Ok(Json(load_reference(&state, id).await?))
}

async fn image(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    load_reference(&state, id).await?;
    let png = tokio::fs::read(image_path(&state, id))
        .await
        .map_err(|e| ApiError::internal("cannot read the reference image", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        png,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    host: String,
    device: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: String,
    userinterface: String,
    #[serde(default)]
    model: Option<String>,
    kind: Kind,
    area: Region,
    source: Source,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Image,
    Text,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Text => "text",
        }
    }
}

/// The device's current frame as `format` (`png`, or `jpeg&width=N`), through its host's link.
pub async fn device_screenshot(
    state: &AppState,
    host: &str,
    device: &str,
    format: &str,
) -> ApiResult<Bytes> {
    HostId::parse(host)?;
    let device = DeviceId::parse(device)?;
    let path = format!("/host/devices/{device}/screenshot?format={format}");
    let response = proxy::forward(
        state,
        host,
        Method::GET,
        &path,
        &HeaderMap::new(),
        Body::empty(),
    )
    .await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_UPLOAD_BYTES)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "host_unreachable", e.to_string()))?;
    if !status.is_success() {
        let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("the device's screenshot failed ({status})"));
        return Err(ApiError::new(status, "no_frame", detail));
    }
    Ok(bytes)
}

/// The device's current frame, decoded.
async fn current_frame(state: &AppState, host: &str, device: &str) -> ApiResult<RgbImage> {
    let bytes = device_screenshot(state, host, device, "png").await?;
    tokio::task::spawn_blocking(move || {
        crate::image_input::decode(&bytes, image::ImageFormat::Png).map(|i| i.to_rgb8())
    })
    .await
    .map_err(|e| ApiError::internal("decoder stopped", e))?
    .map_err(|e| ApiError::internal("unreadable screenshot from host", e))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> ApiResult<Response> {
    let name = check_name(&request.name)?;
    check_userinterface(&request.userinterface)?;
    let frame = current_frame(&state, &request.source.host, &request.source.device).await?;
    let (width, height) = frame.dimensions();
    let area = request.area;
    check_area(area, width, height)?;
    let lang = request.lang.clone().unwrap_or_else(|| "eng".into());
    let crop =
        image::imageops::crop_imm(&frame, area.x, area.y, area.width, area.height).to_image();
    let text = match (request.kind, request.text.clone()) {
        (Kind::Image, _) => None,
        (Kind::Text, Some(text)) if !text.trim().is_empty() => Some(text.trim().to_string()),
        (Kind::Text, _) => {
            let options = OcrOptions {
                region: Some(area),
                lang: lang.clone(),
                ..Default::default()
            };
            let read = tokio::task::spawn_blocking(move || crate::verify::ocr(&frame, &options))
                .await
                .map_err(|e| ApiError::internal("OCR stopped", e))?
                .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
            let text = read.text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                return Err(ApiError::bad_request(
                    "no_text",
                    "no text was read in this area: draw it around the text, or give `text`",
                ));
            }
            Some(text)
        }
    };
    let new = NewReference {
        name,
        userinterface: request.userinterface,
        model: request.model,
        kind: request.kind.as_str().into(),
        area,
        source_width: width,
        source_height: height,
        text,
        lang,
    };
    let stored = store(
        &state,
        new,
        encode_png(&image::DynamicImage::ImageRgb8(crop))?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

fn encode_png(image: &image::DynamicImage) -> ApiResult<Vec<u8>> {
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| ApiError::internal("cannot encode the reference", e))?;
    Ok(png.into_inner())
}

async fn store(state: &AppState, new: NewReference, png: Vec<u8>) -> ApiResult<StoredReference> {
    let folder = state.data_dir.join("references");
    let (name, userinterface) = (new.name.clone(), new.userinterface.clone());
    let result = state
        .db
        .call(move |c| {
            queries::create(c, &new, |id| {
                std::fs::create_dir_all(&folder)?;
                std::fs::write(folder.join(format!("{id}.png")), &png)
            })
        })
        .await;
    match result {
        Ok(stored) => Ok(stored),
        Err(e) if queries::is_name_taken(&e) => Err(name_taken(&name, &userinterface)),
        Err(e) => Err(ApiError::from(e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    name: String,
    userinterface: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    model: Option<String>,
    /// `x,y,w,h`: where the image sits in the frame it was cut from.
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    source_width: Option<u32>,
    #[serde(default)]
    source_height: Option<u32>,
}

async fn upload(
    State(state): State<AppState>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            "bad_body"
        };
        ApiError::new(e.status(), code, e.body_text())
    })?;
    let name = check_name(&query.name)?;
    check_userinterface(&query.userinterface)?;
    if query.kind.as_deref().is_some_and(|k| k != "image") {
        return Err(ApiError::bad_request(
            "invalid_kind",
            "uploads make image references (kind=image)",
        ));
    }
    // A reference is cut from a frame: refused from its header when no frame is that large.
    if let Ok((width, height)) = crate::image_input::dimensions(&body, image::ImageFormat::Png)
        && let Some(problem) = crate::image_input::frame_size_problem(width, height)
    {
        return Err(ApiError::bad_request("reference_too_large", problem));
    }
    let decoded = tokio::task::spawn_blocking(move || {
        crate::image_input::decode(&body, image::ImageFormat::Png).map(|i| (i, body))
    })
    .await
    .map_err(|e| ApiError::internal("decoder stopped", e))?;
    let (image, png) = decoded.map_err(|e| {
        ApiError::bad_request(
            "invalid_image",
            format!("the body is not a readable PNG: {e}"),
        )
    })?;
    let (width, height) = (image.width(), image.height());
    let area = match &query.area {
        Some(text) => text
            .parse::<Region>()
            .map_err(|e| ApiError::bad_request("invalid_area", e.to_string()))?,
        None => Region::new(0, 0, width, height),
    };
    if area.width != width || area.height != height {
        return Err(ApiError::bad_request(
            "invalid_area",
            format!("area {area} does not have the image's size {width}x{height}"),
        ));
    }
    let source_width = query.source_width.unwrap_or(area.right());
    let source_height = query.source_height.unwrap_or(area.bottom());
    check_area(area, source_width, source_height)?;
    let new = NewReference {
        name,
        userinterface: query.userinterface,
        model: query.model,
        kind: "image".into(),
        area,
        source_width,
        source_height,
        text: None,
        lang: "eng".into(),
    };
    let stored = store(&state, new, png.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    area: Option<Region>,
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> ApiResult<Json<StoredReference>> {
    let current = load_reference(&state, id).await?;
    let name = request.name.as_deref().map(check_name).transpose()?;
    if let Some(text) = &request.text {
        if current.kind != "text" {
            return Err(ApiError::bad_request(
                "invalid_text",
                "only text references have a text",
            ));
        }
        crate::verify::TextPattern::parse(text)
            .map_err(|e| ApiError::bad_request("invalid_text", e.to_string()))?;
    }
    if let Some(area) = request.area {
        if current.kind == "image"
            && (area.width != current.area.width || area.height != current.area.height)
        {
            return Err(ApiError::bad_request(
                "invalid_area",
                "an image reference's area can move but not change size (cut a new reference instead)",
            ));
        }
        check_area(area, current.source_width, current.source_height)?;
    }
    if name.as_ref().is_some_and(|n| *n != current.name) {
        refuse_if_used(&state, &current, "renamed").await?;
    }
    let changes = Changes {
        name: name.clone(),
        text: request.text,
        lang: request.lang,
        area: request.area,
    };
    match state
        .db
        .call(move |c| queries::update(c, id, &changes))
        .await
    {
        Ok(Some(updated)) => Ok(Json(updated)),
        Ok(None) => Err(ApiError::not_found("reference", &id.to_string())),
        Err(e) if queries::is_name_taken(&e) => Err(name_taken(
            name.as_deref().unwrap_or(""),
            &current.userinterface,
        )),
        Err(e) => Err(ApiError::from(e)),
    }
}

/// A reference a navigation tree verifies with cannot be renamed or deleted under it.
async fn refuse_if_used(
    state: &AppState,
    reference: &StoredReference,
    change: &str,
) -> ApiResult<()> {
    let (userinterface, name) = (reference.userinterface.clone(), reference.name.clone());
    let nodes = state
        .db
        .call(move |c| crate::server::db::trees::nodes_using_reference(c, &userinterface, &name))
        .await?;
    if nodes.is_empty() {
        let (userinterface, name) = (reference.userinterface.clone(), reference.name.clone());
        let testcases = state
            .db
            .call(move |c| {
                crate::server::db::testing::testcases_using_reference(c, &userinterface, &name)
            })
            .await?;
        if testcases.is_empty() {
            return Ok(());
        }
        return Err(ApiError::conflict(
            "reference_in_use",
            format!(
                "reference `{}` cannot be {change}: test case{} {} verif{} with it",
                reference.name,
                if testcases.len() > 1 { "s" } else { "" },
                testcases
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                if testcases.len() > 1 { "y" } else { "ies" },
            ),
        )
        .with("testcases", testcases));
    }
    Err(ApiError::conflict(
        "reference_in_use",
        format!(
            "reference `{}` cannot be {change}: node{} {} of the `{}` tree verif{} with it",
            reference.name,
            if nodes.len() > 1 { "s" } else { "" },
            nodes
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            reference.userinterface,
            if nodes.len() > 1 { "y" } else { "ies" },
        ),
    )
    .with("nodes", nodes))
}

async fn remove(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let current = load_reference(&state, id).await?;
    refuse_if_used(&state, &current, "deleted").await?;
    let path = image_path(&state, id);
    let deleted = state
        .db
        .call(move |c| {
            queries::delete(c, id, || match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            })
        })
        .await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("reference", &id.to_string()))
    }
}
