//! Pictures out of a device: screenshots (PNG/JPEG) and the live MJPEG stream.
//!
//! The stream sends only the newest frame whenever the client can take one: a slow client
//! skips frames and never builds a backlog. A still picture is re-sent once a second rather
//! than at the capture rate, which keeps idle streams cheap.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;

use super::device;
use crate::api_error::{ApiError, ApiResult};
use crate::host::HostState;
use crate::host::capture::Frame;
use crate::host::capture::frame::{JPEG_QUALITY, encode_png};

pub const BOUNDARY: &str = "vptframe";
/// A still picture is re-sent this often so clients see the stream is alive.
const STILL_REFRESH: Duration = Duration::from_secs(1);

pub fn router() -> Router<HostState> {
    Router::new()
        .route("/host/devices/{id}/screenshot", get(screenshot))
        .route("/host/devices/{id}/stream.mjpeg", get(stream))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreenshotQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    width: Option<u32>,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Format {
    Png,
    Jpeg,
}

fn no_picture(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_signal",
        format!("device `{id}` has no picture (no signal)"),
    )
}

fn check_width(width: Option<u32>) -> ApiResult<Option<u32>> {
    match width {
        Some(w) if !(16..=7680).contains(&w) => Err(ApiError::bad_request(
            "invalid_width",
            format!("width {w} is not between 16 and 7680"),
        )),
        other => Ok(other),
    }
}

/// Encodes a frame, scaled down to `width` when asked. A JPEG is made once per picture and size
/// whoever asks (every viewer of a device shares it). CPU work: runs on a blocking thread.
pub(crate) async fn encode(frame: &Frame, format: Format, width: Option<u32>) -> ApiResult<Bytes> {
    let picture = frame.picture.clone();
    tokio::task::spawn_blocking(move || match format {
        Format::Jpeg => picture.scaled_jpeg(width.unwrap_or(picture.width), JPEG_QUALITY),
        Format::Png => {
            let rgb = picture.rgb()?;
            match width.filter(|w| *w < picture.width) {
                Some(w) => {
                    let h = ((u64::from(picture.height) * u64::from(w)) / u64::from(picture.width))
                        .max(1) as u32;
                    encode_png(&image::imageops::resize(
                        rgb.as_ref(),
                        w,
                        h,
                        image::imageops::FilterType::Triangle,
                    ))
                }
                None => encode_png(&rgb),
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal("frame encoder stopped", e))?
    .map_err(|e| ApiError::internal("cannot encode frame", e))
}

/// The latest frame; a device that has just started gets a moment to capture its first one.
pub(crate) async fn first_frame(capture: &crate::host::capture::CaptureHandle) -> Option<Frame> {
    if let Some(frame) = capture.latest() {
        return Some(frame);
    }
    let mut frames = capture.subscribe();
    tokio::time::timeout(Duration::from_secs(2), frames.wait_for(Option::is_some))
        .await
        .ok()?
        .ok()
        .and_then(|frame| frame.clone())
}

async fn screenshot(
    State(state): State<HostState>,
    Path(id): Path<String>,
    query: Result<Query<ScreenshotQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let device = device(&state, &id)?;
    let format = match query.format.as_deref() {
        None | Some("png") => Format::Png,
        Some("jpeg") | Some("jpg") => Format::Jpeg,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_format",
                format!("format `{other}` is not png or jpeg"),
            ));
        }
    };
    let width = check_width(query.width)?;
    // The last frame of a device that lost its signal is not what it shows now.
    if device.capture.status() == crate::protocol::DeviceStatus::NoSignal {
        return Err(no_picture(&id));
    }
    let frame = first_frame(&device.capture)
        .await
        .ok_or_else(|| no_picture(&id))?;
    let bytes = encode(&frame, format, width).await?;
    let (mime, ext) = match format {
        Format::Png => ("image/png", "png"),
        Format::Jpeg => ("image/jpeg", "jpg"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{id}-{}.{ext}\"", frame.seq),
            ),
            (
                header::HeaderName::from_static("x-frame-seq"),
                frame.seq.to_string(),
            ),
            (
                header::HeaderName::from_static("x-captured-at-ms"),
                frame.captured_at_ms().to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    #[serde(default)]
    fps: Option<f64>,
    #[serde(default)]
    width: Option<u32>,
}

/// One multipart part carrying a JPEG frame and its timing headers.
pub fn mjpeg_part(frame: &Frame, jpeg: &[u8]) -> Bytes {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nX-Frame-Seq: {}\r\nX-Captured-At-Ms: {}\r\n\r\n",
        jpeg.len(),
        frame.seq,
        frame.captured_at_ms()
    );
    let mut part = Vec::with_capacity(head.len() + jpeg.len() + 2);
    part.extend_from_slice(head.as_bytes());
    part.extend_from_slice(jpeg);
    part.extend_from_slice(b"\r\n");
    Bytes::from(part)
}

struct StreamState {
    frames: tokio::sync::watch::Receiver<Option<Frame>>,
    shutdown: tokio_util::sync::CancellationToken,
    min_interval: Duration,
    width: Option<u32>,
    /// When the last part went and its picture (held weakly: a viewer keeps no frame alive).
    last_sent: Option<(Instant, Weak<crate::host::capture::Picture>)>,
}

impl StreamState {
    /// Waits for the next frame worth sending: a new picture, or a still one due for refresh.
    async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some((sent_at, _)) = &self.last_sent {
                let due = *sent_at + self.min_interval;
                if due > Instant::now() {
                    tokio::time::sleep_until(due.into()).await;
                }
            }
            tokio::select! {
                changed = self.frames.changed() => changed.ok()?,
                _ = self.shutdown.cancelled() => return None,
            }
            let Some(frame) = self.frames.borrow_and_update().clone() else {
                continue;
            };
            let repeat = self.last_sent.as_ref().is_some_and(|(at, picture)| {
                picture
                    .upgrade()
                    .is_some_and(|p| Arc::ptr_eq(&p, &frame.picture))
                    && at.elapsed() < STILL_REFRESH
            });
            if !repeat {
                return Some(frame);
            }
        }
    }
}

async fn stream(
    State(state): State<HostState>,
    Path(id): Path<String>,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let device = device(&state, &id)?;
    let min_interval = match query.fps {
        None => Duration::ZERO,
        Some(fps) if fps.is_finite() && fps > 0.0 && fps <= 120.0 => {
            Duration::from_secs_f64(1.0 / fps)
        }
        Some(fps) => {
            return Err(ApiError::bad_request(
                "invalid_fps",
                format!("fps {fps} is not between 0 and 120"),
            ));
        }
    };
    let mut frames = device.capture.subscribe();
    // Send the current picture at once instead of waiting for the next capture.
    frames.mark_changed();
    let stream_state = StreamState {
        frames,
        shutdown: state.shutdown.clone(),
        min_interval,
        width: check_width(query.width)?,
        last_sent: None,
    };
    let parts = futures_util::stream::unfold(stream_state, |mut s| async move {
        loop {
            let frame = s.next_frame().await?;
            match encode(&frame, Format::Jpeg, s.width).await {
                Ok(jpeg) => {
                    s.last_sent = Some((Instant::now(), Arc::downgrade(&frame.picture)));
                    return Some((
                        Ok::<_, std::convert::Infallible>(mjpeg_part(&frame, &jpeg)),
                        s,
                    ));
                }
                Err(e) => tracing::warn!(error = %e, "frame skipped in live stream"),
            }
        }
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(parts),
    )
        .into_response())
}
