//! Headers that make browsers handle every answer safely: no type sniffing, no framing by other
//! sites, no referrer leaving the server, a content security policy fitted to what is served
//! (the web UI, or HTML reports that carry their pictures inline and run no script), and HSTS
//! when the server itself serves HTTPS.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The web UI: its own scripts only, WebSockets and fetches to this server, live pictures as
/// `blob:`/`data:` URLs, and React's inline `style` attributes.
pub const UI_POLICY: &str = "default-src 'self'; script-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// HTML reports (`/api/runs/{id}/report.html`, campaign reports): self-contained pages with
/// `data:` pictures and a `<style>` block, and nothing else.
pub const REPORT_POLICY: &str =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// One year; only sent over HTTPS served by vpt itself (a proxy in front sets its own).
const HSTS: &str = "max-age=31536000";

#[derive(Clone, Copy)]
pub struct SecurityHeaders {
    /// The server serves HTTPS itself.
    pub tls: bool,
}

pub async fn apply(
    State(config): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let api = crate::api_error::is_api_path(request.uri().path());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match (api, html) {
        // Anything HTML the API answers is a report (or a host's page): no script at all.
        (true, true) => Some(REPORT_POLICY),
        (true, false) => None,
        (false, _) => Some(UI_POLICY),
    };
    set(response.headers_mut(), policy, config.tls);
    response
}

fn set(headers: &mut HeaderMap, policy: Option<&'static str>, tls: bool) {
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Some(policy) = policy {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn router(tls: bool) -> Router {
        Router::new()
            .route("/api/health", get(|| async { axum::Json("ok") }))
            .route(
                "/api/runs/1/report.html",
                get(|| async { axum::response::Html("<p>report</p>") }),
            )
            .fallback(|| async { axum::response::Html("<div id=root></div>") })
            .layer(axum::middleware::from_fn_with_state(
                SecurityHeaders { tls },
                apply,
            ))
    }

    async fn headers(tls: bool, uri: &str) -> HeaderMap {
        router(tls)
            .oneshot(
                axum::http::Request::builder()
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
            .headers()
            .clone()
    }

    #[tokio::test]
    async fn every_answer_gets_the_headers_of_its_kind() {
        for uri in [
            "/",
            "/devices/bench/sim1",
            "/api/health",
            "/api/runs/1/report.html",
        ] {
            let h = headers(false, uri).await;
            assert_eq!(h["x-content-type-options"], "nosniff", "{uri}");
            assert_eq!(h["referrer-policy"], "same-origin", "{uri}");
            assert_eq!(h["x-frame-options"], "DENY", "{uri}");
            assert!(h.get("strict-transport-security").is_none(), "{uri}");
        }
        assert_eq!(
            headers(false, "/").await["content-security-policy"],
            UI_POLICY
        );
        assert_eq!(
            headers(false, "/api/runs/1/report.html").await["content-security-policy"],
            REPORT_POLICY
        );
        assert!(
            headers(false, "/api/health")
                .await
                .get("content-security-policy")
                .is_none()
        );
        assert_eq!(
            headers(true, "/api/health").await["strict-transport-security"],
            HSTS
        );
    }
}
