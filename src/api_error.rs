//! The one error type of both HTTP APIs (server `/api`, host `/host`): every failure becomes a
//! status code and `{"error": "<code>", "detail": "<sentence>"}`. Internal faults are logged with
//! their cause and shown to callers without internals.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    /// Extra fields merged into the body (e.g. `valid_keys`, `owner`).
    pub extra: Map<String, Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} named `{id}`"),
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// A fault of vpt itself: logged in full, reported without internals.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{context}; see the server log"),
        )
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "detail": self.detail });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        // Read by the auth layer to say why a refused request was refused in the audit log.
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

/// The `error` code of an API error answer, kept in the response's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

/// `axum::Json` whose rejections (malformed JSON, wrong types, wrong content type, too large)
/// use the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// `axum::extract::Path` whose ids ([`crate::ids::Id`]) are checked as they are extracted: an
/// invalid one is answered `400 invalid_id` in the API's error shape. Other rejections (a
/// number that does not parse) are axum's, as with a plain `Path`.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            // Path parameters are strings and numbers; the only deserializer in them that
            // fails with a message of its own is `Id`'s.
            Err(PathRejection::FailedToDeserializePathParams(error)) => match error.kind() {
                ErrorKind::Message(message) => {
                    Err(ApiError::bad_request("invalid_id", message.clone()).into_response())
                }
                _ => Err(PathRejection::FailedToDeserializePathParams(error).into_response()),
            },
            Err(other) => Err(other.into_response()),
        }
    }
}

impl From<crate::ids::InvalidId> for ApiError {
    fn from(invalid: crate::ids::InvalidId) -> Self {
        ApiError::bad_request("invalid_id", invalid.to_string())
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let code = match &rejection {
        JsonRejection::JsonDataError(_) => "invalid_body",
        JsonRejection::JsonSyntaxError(_) => "malformed_json",
        JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        _ => "bad_body",
    };
    ApiError::new(status, code, rejection.body_text())
}

/// Fallback for unknown routes under an API prefix.
pub async fn unknown_route(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_route",
        format!("no API route at {}", uri.path()),
    )
}

/// True for paths whose answers are the API's (JSON), as opposed to the web UI's files.
pub fn is_api_path(path: &str) -> bool {
    ["/api", "/server", "/host", "/metrics"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// Largest error body rewritten by [`json_errors`]; axum's own are a sentence long.
const MAX_REWRITTEN_BODY: usize = 16 * 1024;

/// Answers the router makes by itself are plain text or empty: a path segment that does not
/// parse (`/api/runs/../x`), a wrong method, a body over the limit read by an extractor, a
/// request body that stalls. Under the API prefixes they get the API's JSON shape too, so a
/// client can always read `error` and `detail`.
pub async fn json_errors(request: Request, next: axum::middleware::Next) -> Response {
    let api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REWRITTEN_BODY)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let code = match status {
        StatusCode::BAD_REQUEST if text.starts_with("Invalid URL") => "invalid_path",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_string()
    } else {
        text
    };
    let mut rewritten = ApiError::new(status, code, detail).into_response();
    // Keep what the answer said besides its body (`Allow` of a 405, `Retry-After`, ...).
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(router: Router, method: &str, uri: &str) -> (StatusCode, Value) {
        let router = router.layer(axum::middleware::from_fn(json_errors));
        let response = router
            .oneshot(
                axum::http::Request::builder()
                    .method(method)
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn router_rejections_become_json_under_the_api() {
        let router =
            Router::new().route(
                "/api/runs/{id}",
                get(
                    |axum::extract::Path(id): axum::extract::Path<i64>| async move {
                        format!("run {id}")
                    },
                ),
            );
        let (status, body) = answer(router.clone(), "GET", "/api/runs/..%2f..%2fetc").await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_path");
        assert!(body["detail"].as_str().unwrap().contains("i64"), "{body}");
        let (status, body) = answer(router.clone(), "DELETE", "/api/runs/1").await;
        assert_eq!(status, 405);
        assert_eq!(body["error"], "method_not_allowed");
        let (status, body) = answer(router, "GET", "/api/runs/7").await;
        assert_eq!((status, body), (StatusCode::OK, Value::Null));
    }
}
