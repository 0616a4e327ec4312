//! Calls into a host's API through its link. Requests and responses stream in both directions,
//! so a live MJPEG stream passes through frame by frame.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, Method, Request, Response, StatusCode, header};

use axum::response::IntoResponse;

use super::AppState;
use crate::api_error::ApiError;

/// How long a host may take to start answering (streams may then run as long as they like).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// Request headers passed on to the host. HTTP/2 forbids connection-specific ones, and the
/// host needs nothing else.
const FORWARDED_HEADERS: &[HeaderName] = &[header::CONTENT_TYPE, header::ACCEPT];

/// Sends `method path_and_query` with `body` to `host`'s router and returns its response.
pub async fn forward(
    state: &AppState,
    host: &str,
    method: Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response<Body>, ApiError> {
    let Some(link) = state.registry.link(host) else {
        return Err(if state.registry.get(host).is_some() {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "host_offline",
                format!("host `{host}` is offline"),
            )
        } else {
            ApiError::not_found("host", host)
        });
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("http://{host}{path_and_query}"));
    for name in FORWARDED_HEADERS {
        if let Some(value) = headers.get(name) {
            builder = builder.header(name, value);
        }
    }
    let request = builder
        .body(body)
        .map_err(|e| ApiError::bad_request("bad_request", format!("cannot forward: {e}")))?;
    let unreachable = |e: String| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "host_unreachable",
            format!("host `{host}` did not answer: {e}"),
        )
    };
    let mut sender = link.sender.clone();
    let response = tokio::time::timeout(RESPONSE_TIMEOUT, async {
        sender.ready().await?;
        sender.send_request(request).await
    })
    .await
    .map_err(|_| unreachable(format!("no answer within {} s", RESPONSE_TIMEOUT.as_secs())))?
    .map_err(|e| unreachable(e.to_string()))?;
    Ok(response.map(Body::new))
}

/// What a relayed host answer may be, by the route it answers: the server passes on only
/// content it understands, so a host cannot serve a browser a page, a script or an SVG under
/// the server's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relayed {
    /// Commands, lists and states: JSON (or NDJSON for walks and run events).
    Json,
    /// `screenshot`: one picture.
    Picture,
    /// `stream.mjpeg`: a multipart stream of JPEG pictures.
    Stream,
    /// A stored JPEG frame (timeline frames, annotated verification pictures).
    Jpeg,
    /// `timeline/export`: a ZIP of pictures or an MP4 video, as a download.
    Export,
}

impl Relayed {
    /// The family of a device route, from the part of its path after `devices/{id}/`.
    pub fn of_device_route(rest: Option<&str>) -> Self {
        match rest.unwrap_or_default() {
            "screenshot" => Self::Picture,
            "stream.mjpeg" => Self::Stream,
            "timeline/export" => Self::Export,
            rest if rest.starts_with("timeline/") => Self::Jpeg,
            _ => Self::Json,
        }
    }

    /// Content types (lower-case essence, no parameters) a successful answer may have.
    fn allowed(self) -> &'static [&'static str] {
        match self {
            Self::Json => &["application/json", "application/x-ndjson"],
            Self::Picture => &["image/png", "image/jpeg"],
            Self::Stream => &["multipart/x-mixed-replace"],
            Self::Jpeg => &["image/jpeg"],
            Self::Export => &["application/zip", "video/mp4"],
        }
    }
}

/// The policy of every relayed answer: nothing in it may load, run or frame anything.
pub const RELAYED_POLICY: &str = "default-src 'none'; sandbox";

/// Turns a host's answer into the server's answer to a user: the status must be a success or an
/// error (no redirect), the content type must be one the route family allows (errors: JSON),
/// and only headers the server rebuilds itself are passed on. Anything else becomes a 502 that
/// says what the host sent, and the host's body is dropped.
pub fn to_client(response: Response<Body>, host: &str, family: Relayed) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let refuse = |why: String| {
        tracing::warn!(%host, %why, "host answer not relayed");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "host_bad_answer",
            format!("host `{host}` answered with {why}; the server does not pass that on"),
        )
        .into_response()
    };
    let status = parts.status;
    if !(status.is_success() || status.is_client_error() || status.is_server_error()) {
        return refuse(format!("status {}", status.as_u16()));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    let Some(content_type) = content_type else {
        if status == StatusCode::NO_CONTENT || status.is_client_error() || status.is_server_error()
        {
            return relayed(status, None, &parts.headers, body);
        }
        return refuse("no content type".into());
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let allowed: &[&str] = if status.is_success() {
        family.allowed()
    } else {
        &["application/json"]
    };
    if !allowed.contains(&essence.as_str()) {
        return refuse(format!("content type `{}`", printable(content_type)));
    }
    // Rebuilt from the parts the server understands, so no parameter rides along unchecked.
    let rebuilt = if essence == "multipart/x-mixed-replace" {
        match multipart_boundary(content_type) {
            Some(boundary) => format!("multipart/x-mixed-replace; boundary={boundary}"),
            None => return refuse("a multipart stream without a usable boundary".into()),
        }
    } else {
        essence
    };
    relayed(status, Some(rebuilt), &parts.headers, body)
}

fn relayed(
    status: StatusCode,
    content_type: Option<String>,
    host_headers: &HeaderMap,
    body: Body,
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(value) = content_type.and_then(|v| header::HeaderValue::from_str(&v).ok()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(length) = host_headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() < 20 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| header::HeaderValue::from_str(v).ok())
    {
        headers.insert(header::CONTENT_LENGTH, length);
    }
    if let Some(disposition) = host_headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(content_disposition)
        .and_then(|v| header::HeaderValue::from_str(&v).ok())
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    // Frame numbers and capture times of pictures (digits only).
    for name in ["x-frame-seq", "x-captured-at-ms"] {
        let digits = |v: &&header::HeaderValue| {
            !v.is_empty() && v.len() < 20 && v.as_bytes().iter().all(u8::is_ascii_digit)
        };
        if let Some(value) = host_headers.get(name).filter(digits) {
            headers.insert(name, value.clone());
        }
    }
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, RELAYED_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}

/// The boundary of a multipart content type, if it is a plain token.
fn multipart_boundary(content_type: &str) -> Option<&str> {
    let boundary = content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim())
    })?;
    let token = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
    (!boundary.is_empty() && boundary.len() <= 70 && boundary.bytes().all(token))
        .then_some(boundary)
}

/// `inline` or `attachment`, with the file name kept only when it is a plain file name.
fn content_disposition(value: &str) -> Option<String> {
    let mut params = value.split(';');
    let kind = params.next()?.trim().to_ascii_lowercase();
    if kind != "inline" && kind != "attachment" {
        return None;
    }
    let file_name = params.find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let name = value.trim().trim_matches('"');
        let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
        (key.trim().eq_ignore_ascii_case("filename")
            && !name.is_empty()
            && name.len() <= 128
            && !name.starts_with('.')
            && name.bytes().all(plain))
        .then(|| name.to_string())
    });
    Some(match file_name {
        Some(name) => format!("{kind}; filename=\"{name}\""),
        None => kind,
    })
}

/// A host's text in a log line or error: at most 80 characters, control characters escaped.
fn printable(text: &str) -> String {
    text.chars().take(80).flat_map(char::escape_debug).collect()
}

/// The server's address of an annotated verification picture the host names
/// (`/host/verifications/<file>`), or `None` when the host's URL is anything else: URLs inside
/// a host's JSON are rebuilt from parts the server checked, never passed on.
pub fn mirrored_picture_url(host: &str, url: &str) -> Option<String> {
    let file = url.strip_prefix("/host/verifications/")?;
    is_picture_file(file).then(|| format!("/api/hosts/{host}/verifications/{file}"))
}

/// An annotated picture's file name as the host makes them (letters, digits, one extension).
pub fn is_picture_file(file: &str) -> bool {
    !file.is_empty()
        && file.len() <= 64
        && !file.starts_with('.')
        && file.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        && !file.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Response<Body> {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::from("<svg onload=alert(1)>")).unwrap()
    }

    #[test]
    fn scriptable_content_is_refused_in_every_spelling() {
        for content_type in [
            "image/svg+xml",
            "text/html",
            "Text/HTML",
            "application/xhtml+xml",
            "text/xml",
            "application/javascript",
            " image/SVG+xml ; charset=utf-8",
            "application/octet-stream",
        ] {
            for family in [
                Relayed::Json,
                Relayed::Picture,
                Relayed::Jpeg,
                Relayed::Export,
            ] {
                let out = to_client(answer(200, &[("content-type", content_type)]), "h", family);
                assert_eq!(out.status(), StatusCode::BAD_GATEWAY, "{content_type}");
                assert_eq!(
                    out.headers()[header::CONTENT_TYPE],
                    "application/json",
                    "{content_type}"
                );
            }
        }
        // A picture type is only a picture on a picture route.
        let out = to_client(
            answer(200, &[("content-type", "image/png")]),
            "h",
            Relayed::Json,
        );
        assert_eq!(out.status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn only_rebuilt_headers_pass_and_every_answer_is_sandboxed() {
        let out = to_client(
            answer(
                200,
                &[
                    ("content-type", "IMAGE/JPEG; x=<script>"),
                    ("set-cookie", "vpt_session=evil; Path=/"),
                    ("access-control-allow-origin", "*"),
                    ("access-control-allow-credentials", "true"),
                    ("location", "https://evil.example/"),
                    ("content-disposition", "inline; filename=\"../../x.html\""),
                    ("x-anything", "1"),
                    ("x-frame-seq", "42"),
                    ("x-captured-at-ms", "1<script>"),
                ],
            ),
            "h",
            Relayed::Picture,
        );
        assert_eq!(out.status(), StatusCode::OK);
        let headers = out.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], RELAYED_POLICY);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CONTENT_DISPOSITION], "inline");
        assert_eq!(headers["x-frame-seq"], "42");
        for gone in [
            "x-captured-at-ms",
            "set-cookie",
            "access-control-allow-origin",
            "location",
            "x-anything",
        ] {
            assert!(headers.get(gone).is_none(), "{gone}");
        }
        let out = to_client(
            answer(
                200,
                &[
                    ("content-type", "application/zip"),
                    (
                        "content-disposition",
                        "attachment; filename=\"sim1-10.zip\"",
                    ),
                ],
            ),
            "h",
            Relayed::Export,
        );
        assert_eq!(
            out.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"sim1-10.zip\""
        );
    }

    #[test]
    fn redirects_and_odd_streams_are_refused() {
        for status in [301, 302, 303, 307, 308] {
            let out = to_client(
                answer(status, &[("location", "https://evil.example/")]),
                "h",
                Relayed::Json,
            );
            assert_eq!(out.status(), StatusCode::BAD_GATEWAY, "{status}");
            assert!(out.headers().get(header::LOCATION).is_none());
        }
        let stream = |ct| to_client(answer(200, &[("content-type", ct)]), "h", Relayed::Stream);
        assert_eq!(
            stream("multipart/x-mixed-replace; boundary=vptframe").headers()[header::CONTENT_TYPE],
            "multipart/x-mixed-replace; boundary=vptframe"
        );
        for bad in [
            "multipart/x-mixed-replace",
            "multipart/x-mixed-replace; boundary=\"a b\"",
            "multipart/x-mixed-replace; boundary=<script>",
        ] {
            assert_eq!(stream(bad).status(), StatusCode::BAD_GATEWAY, "{bad:?}");
        }
        // A host's error passes as JSON only.
        let error = to_client(
            answer(404, &[("content-type", "text/html")]),
            "h",
            Relayed::Json,
        );
        assert_eq!(error.status(), StatusCode::BAD_GATEWAY);
        let error = to_client(
            answer(404, &[("content-type", "application/json")]),
            "h",
            Relayed::Jpeg,
        );
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn picture_urls_are_rebuilt_from_checked_parts() {
        assert_eq!(
            mirrored_picture_url("rack", "/host/verifications/12ab.jpg").as_deref(),
            Some("/api/hosts/rack/verifications/12ab.jpg")
        );
        for bad in [
            "https://evil.example/x.jpg",
            "/api/users",
            "/host/verifications/../../api/users",
            "/host/verifications/a/b.jpg",
            "/host/verifications/a.jpg?x=1",
            "//evil.example/host/verifications/a.jpg",
            "/host/verifications/",
            "javascript:alert(1)",
        ] {
            assert_eq!(mirrored_picture_url("rack", bad), None, "{bad}");
        }
    }
}
