//! The server's REST API: one module per domain, each with its own `router()`, merged here.
//! Unknown `/api/...` routes answer a JSON 404; request bodies are capped.

mod campaigns;
mod devices;
mod events;
mod hosts;
mod navigation;
pub(crate) mod references;
mod runs;
mod schedules;
mod system;
mod testcases;
pub mod trees;
mod userinterfaces;
mod verify;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

use super::AppState;

pub(crate) use verify::resolve_reference;

pub fn router(state: AppState) -> Router<AppState> {
    let max_body = state.config.server.max_body_bytes;
    Router::new()
        .merge(system::router())
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
