//! The embedded web UI (built from `web/` by Vite). Files are served with their type and an
//! ETag; hashed assets are cached for good; any other path without a file extension gets
//! `index.html` so deep links work. `/api/...` never falls back to the UI.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppState;
use crate::api_error::ApiError;

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
    if let Err(why) = check_path(path) {
        return ApiError::bad_request("invalid_path", why).into_response();
    }
    if let Some(response) = file(path, &headers) {
        return response;
    }
    // A missing file (a name with a known file type) is a 404; anything else is a page of the
    // app, whose ids may contain dots (`/devices/rack/tv.1`).
    let last_segment = path.rsplit('/').next().unwrap_or("");
    if path.starts_with("assets/") || mime_guess::from_path(last_segment).first().is_some() {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the web UI has no file `{path}`"),
        )
        .into_response();
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

/// Pages and files of the UI never climb out of it: a `..` segment, a backslash or a control
/// character (percent-encoded or not) is refused rather than looked up.
fn check_path(path: &str) -> Result<(), String> {
    let decoded = percent_decode(path);
    if decoded.chars().any(|c| c.is_control()) {
        return Err("the path contains a control character".into());
    }
    if decoded.contains('\\') {
        return Err("the path contains a backslash".into());
    }
    if decoded.split('/').any(|segment| segment == "..") {
        return Err("the path climbs up with `..`".into());
    }
    Ok(())
}

/// `%XX` escapes decoded to bytes (a malformed escape stays as it is).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_or_hide_are_refused() {
        for bad in [
            "../../etc/passwd",
            "assets/../../vpt.db",
            "%2e%2e/%2e%2e/etc/passwd",
            "..%2f..%2fetc%2fpasswd",
            "..%5c..%5cwindows",
            "a\\b",
            "index.html%00.png",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        for good in [
            "",
            "index.html",
            "devices/bench/tv.1",
            "assets/index-abc.js",
            "runs/%41",
        ] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }
}
