//! Health and system information.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::server::AppState;
use crate::server::auth::{Principal, Role};
use crate::server::registry::HostStatus;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/system/info", get(info))
        .route("/api/system/status", get(status))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn info(State(state): State<AppState>, principal: Principal) -> Json<Value> {
    let mut info = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "build": crate::BUILD,
        "protocol_version": crate::protocol::PROTOCOL_VERSION,
        "started_at": state.started_at,
        "uptime_secs": state.started.elapsed().as_secs(),
        "data_dir": state.data_dir.display().to_string(),
        "db_path": state.db.path().display().to_string(),
        "db_size_bytes": state.db.size_bytes(),
        "mdns_enabled": state.mdns.is_some(),
    });
    // Where the files are tells an attacker where to look: admins only.
    if principal.role < Role::Admin
        && let Value::Object(map) = &mut info
    {
        map.remove("data_dir");
        map.remove("db_path");
    }
    Json(info)
}

async fn status(State(state): State<AppState>) -> Json<Value> {
    let hosts = state.registry.list();
    let online = hosts
        .iter()
        .filter(|h| h.status == HostStatus::Online)
        .count();
    let db_ok = state
        .db
        .call(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await
        .is_ok();
    Json(json!({
        "hosts_online": online,
        "hosts_offline": hosts.len() - online,
        "devices": state.registry.device_count(),
        "db_ok": db_ok,
    }))
}
