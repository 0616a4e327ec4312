//! Writing the audit log: who did what, to what, from where. A failure to write is logged and
//! does not fail the request it records (the change itself has already happened).

use std::net::IpAddr;

use chrono::Utc;
use serde_json::Value;

use crate::server::AppState;
use crate::server::db::auth::{AuditEntry, insert_audit};

pub async fn record(
    state: &AppState,
    user: Option<&str>,
    action: &str,
    target: Option<String>,
    detail: Value,
    ip: Option<IpAddr>,
) {
    let entry = AuditEntry {
        id: 0,
        at: Utc::now(),
        user: user.map(str::to_string),
        action: action.to_string(),
        target,
        detail,
        ip: ip.map(|ip| ip.to_string()),
    };
    let action = entry.action.clone();
    if let Err(e) = state.db.call(move |c| insert_audit(c, &entry)).await {
        tracing::error!(error = %e, %action, "cannot write the audit log");
    }
}
