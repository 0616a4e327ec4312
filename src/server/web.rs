//! The embedded web UI (built from `web/` by Vite). Files are served with their type and an
//! ETag; hashed assets are cached for good; any other path without a file extension gets
//! `index.html` so deep links work. `/api/...` never falls back to the UI.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppState;

#[derive(RustEmbed)]
#[folder = "$VPT_WEB_DIST"]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new().fallback(serve)
}

async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || path == "api" || path.starts_with("host/") {
        return crate::api_error::unknown_route(uri).await.into_response();
    }
    if let Some(response) = file(path, &headers) {
        return response;
    }
    // A missing file (a name with a known file type) is a 404; anything else is a page of the
    // app, whose ids may contain dots (`/devices/rack/tv.1`).
    let last_segment = path.rsplit('/').next().unwrap_or("");
    if path.starts_with("assets/") || mime_guess::from_path(last_segment).first().is_some() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    file("index.html", &headers)
        .unwrap_or_else(|| (StatusCode::NOT_FOUND, "the web UI is missing").into_response())
}

fn file(path: &str, headers: &HeaderMap) -> Option<Response> {
    let path = if path.is_empty() { "index.html" } else { path };
    let asset = Assets::get(path)?;
    let etag = format!("\"{}\"", hex(&asset.metadata.sha256_hash()[..16]));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Some(StatusCode::NOT_MODIFIED.into_response());
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // Vite puts content hashes in asset names, so those never change; index.html must be fresh.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Response::builder()
        .header(header::CONTENT_TYPE, mime.as_ref())
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache)
        .body(Body::from(asset.data.into_owned()))
        .ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
