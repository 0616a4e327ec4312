//! Latency of every HTTP answer, by method, route template and status class. Labels are kept
//! bounded on purpose: the route is axum's matched template (`/api/runs/{id}`), never the path,
//! and unknown methods fold into `other`, so no client can grow the series without limit.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics::{Exposition, HTTP_BUCKETS, HistogramVec};

/// One per process: a process serves at most one server router.
pub static HTTP_SECONDS: LazyLock<HistogramVec> =
    LazyLock::new(|| HistogramVec::new(&["method", "route", "status"], HTTP_BUCKETS));

/// Middleware (`Router::layer`, so the matched route is known): time to the response headers.
/// A stream's body is not waited for, so live video and event sockets are neither held nor
/// counted as slow.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    HTTP_SECONDS.observe(
        &[method, &route, status_class(response.status())],
        started.elapsed().as_secs_f64(),
    );
    response
}

pub fn write(out: &mut Exposition) {
    HTTP_SECONDS.write(
        out,
        "vpt_http_request_duration_seconds",
        "Time from request to response headers, by method, route template and status class.",
    );
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::SWITCHING_PROTOCOLS), "1xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }
}
