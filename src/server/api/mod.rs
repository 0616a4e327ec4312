//! The server's REST API: one module per domain, each with its own `router()`, merged here.
//! Unknown `/api/...` routes answer a JSON 404; request bodies are capped.

mod audit;
mod auth;
mod campaigns;
pub(crate) mod devices;
mod events;
mod hosts;
mod incidents;
mod navigation;
pub(crate) mod references;
mod runs;
mod schedules;
mod system;
mod testcases;
mod tokens;
pub mod trees;
mod userinterfaces;
mod users;
mod verify;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

use super::AppState;

/// Longest name of a test case, campaign or schedule.
const MAX_NAME_CHARS: usize = 128;

/// A name people give a test case, campaign or schedule: trimmed, 1 to 128 characters, no
/// control characters.
fn check_name(name: &str) -> crate::api_error::ApiResult<String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(crate::api_error::ApiError::bad_request(
            "invalid_name",
            format!("name: 1 to {MAX_NAME_CHARS} characters, no control characters"),
        ));
    }
    Ok(name.to_string())
}

pub fn router(state: AppState) -> Router<AppState> {
    let max_body = state.config.server.max_body_bytes;
    Router::new()
        .merge(system::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(hosts::router())
        .merge(devices::router())
        .merge(events::router())
        .merge(references::router())
        .merge(verify::router())
        .merge(trees::router())
        .merge(navigation::router())
        .merge(userinterfaces::router())
        .merge(testcases::router())
        .merge(runs::router())
        .merge(campaigns::router())
        .merge(schedules::router())
        .merge(incidents::router())
        .route(
            "/api/{*rest}",
            axum::routing::any(crate::api_error::unknown_route),
        )
        .route(
            "/server/{*rest}",
            axum::routing::any(crate::api_error::unknown_route),
        )
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http())
}
