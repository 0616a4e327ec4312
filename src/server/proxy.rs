//! Calls into a host's API through its link. Requests and responses stream in both directions,
//! so a live MJPEG stream passes through frame by frame.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, Method, Request, Response, StatusCode, header};

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
