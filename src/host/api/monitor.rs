//! Monitoring settings and status of a device, the incident journal the server reads, and the
//! device's frame timeline (list, one frame, export as zip or mp4).

use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::device;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::host::HostState;
use crate::host::monitor::timeline::{has_ffmpeg, parse_name};
use crate::host::monitor::{DeviceMonitor, SettingsError, Timeline};
use crate::monitoring::MonitorSettings;
use crate::monitoring::event::JOURNAL_HEADER;

/// Most frames one export may hold (an hour at 1 fps).
const MAX_EXPORT_FRAMES: usize = 3600;

pub fn router() -> Router<HostState> {
    Router::new()
        .route(
            "/host/devices/{id}/monitor",
            get(monitor_state).put(set_monitor),
        )
        .route("/host/monitor/events", get(events))
        .route("/host/devices/{id}/timeline", get(timeline))
        .route("/host/devices/{id}/timeline/export", get(export))
        .route("/host/devices/{id}/timeline/{file}", get(timeline_frame))
}

fn monitor_of(state: &HostState, id: &str) -> ApiResult<Arc<DeviceMonitor>> {
    device(state, id)?;
    state
        .monitors
        .get(id)
        .ok_or_else(|| ApiError::not_found("device", id))
}

fn describe(monitor: &DeviceMonitor) -> Value {
    json!({ "settings": monitor.settings(), "status": monitor.status() })
}

async fn monitor_state(
    State(state): State<HostState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let monitor = monitor_of(&state, &id)?;
    Ok(Json(describe(&monitor)))
}

async fn set_monitor(
    State(state): State<HostState>,
    Path(id): Path<String>,
    ApiJson(settings): ApiJson<MonitorSettings>,
) -> ApiResult<Json<Value>> {
    let monitor = monitor_of(&state, &id)?;
    let applied = monitor.clone();
    tokio::task::spawn_blocking(move || applied.set_settings(settings))
        .await
        .map_err(|e| ApiError::internal("settings writer stopped", e))?
        .map_err(|e| match e {
            SettingsError::Invalid(why) => ApiError::bad_request("invalid_settings", why),
            SettingsError::Save(why) => ApiError::internal("cannot save settings", why),
        })?;
    tracing::info!(device = %id, "monitoring settings changed");
    Ok(Json(describe(&monitor)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct After {
    #[serde(default)]
    after: u64,
}

/// NDJSON: journal events numbered above `after` (pictures inlined), then new ones as they
/// come, until the host stops.
async fn events(
    State(state): State<HostState>,
    query: Result<Query<After>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(After { after }) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let journal = state.monitors.journal.clone();
    let journal_id = journal.id.clone();
    let newest = journal.subscribe();
    let shutdown = state.shutdown.clone();
    let stream = futures_util::stream::unfold(
        (journal, newest, after),
        move |(journal, mut newest, sent)| {
            let shutdown = shutdown.clone();
            async move {
                loop {
                    let pending = journal.after(sent);
                    if let Some(last) = pending.last().map(|e| e.seq()) {
                        let reader = journal.clone();
                        // Pictures are read from disk: off the async runtime.
                        let chunk = tokio::task::spawn_blocking(move || {
                            pending
                                .into_iter()
                                .map(|event| {
                                    let event = reader.with_pictures(event);
                                    let mut line =
                                        serde_json::to_string(&event).unwrap_or_default();
                                    line.push('\n');
                                    line
                                })
                                .collect::<String>()
                        })
                        .await
                        .ok()?;
                        return Some((
                            Ok::<_, std::convert::Infallible>(chunk),
                            (journal, newest, last),
                        ));
                    }
                    tokio::select! {
                        changed = newest.changed() => if changed.is_err() { return None },
                        _ = shutdown.cancelled() => return None,
                    }
                }
            }
        },
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (header::HeaderName::from_static(JOURNAL_HEADER), journal_id),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

fn timeline_of(state: &HostState, id: &str) -> ApiResult<Arc<Timeline>> {
    device(state, id)?;
    state.monitors.timeline(id).ok_or_else(|| {
        ApiError::conflict(
            "timeline_off",
            "timelines are off on this host (host.timeline_minutes = 0)",
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Range {
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    to: Option<u64>,
}

fn range(
    query: Result<Query<Range>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Range> {
    let Query(range) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    if let (Some(from), Some(to)) = (range.from, range.to)
        && from > to
    {
        return Err(ApiError::bad_request(
            "invalid_range",
            format!("from ({from}) is after to ({to})"),
        ));
    }
    Ok(range)
}

async fn timeline(
    State(state): State<HostState>,
    Path(id): Path<String>,
    query: Result<Query<Range>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Range { from, to } = range(query)?;
    let store = timeline_of(&state, &id)?;
    let frames: Vec<Value> = store
        .times(from, to)
        .into_iter()
        .map(|t| {
            let at = chrono::DateTime::from_timestamp_millis(t as i64).unwrap_or_default();
            json!({ "t": t, "captured_at": at })
        })
        .collect();
    let (oldest, newest) = store.span();
    Ok(Json(json!({
        "frames": frames,
        "oldest": oldest,
        "newest": newest,
        "fps": store.limits.fps,
        "retention_s": store.limits.max_age.as_secs(),
        "video_export": has_ffmpeg(),
    })))
}

async fn timeline_frame(
    State(state): State<HostState>,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let store = timeline_of(&state, &id)?;
    let t = parse_name(&file).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_frame",
            format!("`{file}` is not a timeline frame name (<unix ms>.jpg)"),
        )
    })?;
    let jpeg = tokio::task::spawn_blocking(move || store.read(t))
        .await
        .map_err(|e| ApiError::internal("timeline reader stopped", e))?
        .ok_or_else(|| ApiError::not_found("timeline frame", &file))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            // A frame never changes once stored.
            (header::CACHE_CONTROL, "private, max-age=3600, immutable"),
        ],
        jpeg,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    from: u64,
    to: u64,
    #[serde(default = "default_format")]
    format: String,
}

fn default_format() -> String {
    "zip".into()
}

async fn export(
    State(state): State<HostState>,
    Path(id): Path<String>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    if query.from > query.to {
        return Err(ApiError::bad_request(
            "invalid_range",
            format!("from ({}) is after to ({})", query.from, query.to),
        ));
    }
    let store = timeline_of(&state, &id)?;
    let files = store.files(query.from, query.to);
    if files.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_frames",
            "the timeline has no frames in that range",
        ));
    }
    if files.len() > MAX_EXPORT_FRAMES {
        return Err(ApiError::bad_request(
            "range_too_long",
            format!(
                "the range holds {} frames; export at most {MAX_EXPORT_FRAMES} at once",
                files.len()
            ),
        ));
    }
    let name = format!("{id}-{}-{}", query.from, query.to);
    match query.format.as_str() {
        "zip" => {
            let bytes = tokio::task::spawn_blocking(move || zip_frames(&files))
                .await
                .map_err(|e| ApiError::internal("export stopped", e))?
                .map_err(|e| ApiError::internal("cannot build the zip", e))?;
            Ok(attachment(bytes, "application/zip", &format!("{name}.zip")))
        }
        "mp4" => {
            if !has_ffmpeg() {
                return Err(ApiError::conflict(
                    "no_ffmpeg",
                    "video export needs ffmpeg on the host (apt-get install ffmpeg); export as zip instead",
                ));
            }
            let fps = store.limits.fps;
            let bytes = tokio::task::spawn_blocking(move || mp4_of(&files, fps))
                .await
                .map_err(|e| ApiError::internal("export stopped", e))?
                .map_err(|e| ApiError::internal("cannot make the video", e))?;
            Ok(attachment(bytes, "video/mp4", &format!("{name}.mp4")))
        }
        other => Err(ApiError::bad_request(
            "invalid_format",
            format!("format `{other}` is not zip or mp4"),
        )),
    }
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The frames, stored uncompressed (JPEGs do not shrink), named by their time.
fn zip_frames(files: &[(u64, std::path::PathBuf)]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (t, path) in files {
        let Ok(bytes) = std::fs::read(path) else {
            // Pruned since it was listed: the export holds what is still there.
            continue;
        };
        zip.start_file(format!("{t}.jpg"), options)
            .map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    let cursor = zip.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// H.264 MP4 of the frames at the timeline's rate, made by ffmpeg from the JPEGs on stdin.
fn mp4_of(files: &[(u64, std::path::PathBuf)], fps: f64) -> Result<Vec<u8>, String> {
    let output = TemporaryFile(
        std::env::temp_dir().join(format!("vpt-export-{}.mp4", crate::token::random_hex(8))),
    );
    let mut child = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "image2pipe",
        ])
        .args(["-framerate", &format!("{fps}"), "-i", "-"])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ])
        .arg(&output.0)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        for (_, path) in files {
            if let Ok(bytes) = std::fs::read(path)
                && stdin.write_all(&bytes).is_err()
            {
                break;
            }
        }
    }
    let finished = child.wait_with_output().map_err(|e| e.to_string())?;
    if !finished.status.success() {
        return Err(format!(
            "ffmpeg failed: {}",
            String::from_utf8_lossy(&finished.stderr).trim()
        ));
    }
    std::fs::read(&output.0).map_err(|e| e.to_string())
}

/// Removed when dropped, whatever happened.
struct TemporaryFile(std::path::PathBuf);

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
