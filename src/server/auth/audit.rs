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

/// Refused requests (401, 403, 429) written one by one per client address and minute; the rest
/// of that minute is counted and written as one entry when the minute is over, so a flood of
/// refused requests costs at most a few rows a minute per address.
pub const REFUSALS_PER_MINUTE: u32 = 10;
const REFUSAL_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
/// Bound on the addresses tracked at once; beyond it, finished windows are dropped.
const MAX_ADDRESSES: usize = 10_000;

#[derive(Default)]
pub struct Refusals {
    windows: std::sync::Mutex<std::collections::HashMap<Option<IpAddr>, Window>>,
}

struct Window {
    start: std::time::Instant,
    written: u32,
    counted: u32,
}

/// What the middleware knows of a refused request.
pub struct Refused {
    pub user: Option<String>,
    pub path: String,
    pub detail: Value,
}

impl Refusals {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<Option<IpAddr>, Window>> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Audits a refused request as `auth.refused`, within the per-address bound.
pub async fn refused(state: &AppState, ip: Option<IpAddr>, refused: Refused) {
    let now = std::time::Instant::now();
    let (write, start_counting, leftover) = {
        let mut windows = state.auth.refusals.lock();
        if windows.len() >= MAX_ADDRESSES && !windows.contains_key(&ip) {
            windows.retain(|_, w| now.duration_since(w.start) < REFUSAL_WINDOW);
            if windows.len() >= MAX_ADDRESSES {
                windows.clear();
            }
        }
        let window = windows.entry(ip).or_insert(Window {
            start: now,
            written: 0,
            counted: 0,
        });
        let mut leftover = 0;
        if now.duration_since(window.start) >= REFUSAL_WINDOW {
            // The count of the last minute if its task has not taken it yet.
            leftover = window.counted;
            *window = Window {
                start: now,
                written: 0,
                counted: 0,
            };
        }
        let wait = REFUSAL_WINDOW.saturating_sub(now.duration_since(window.start));
        if window.written < REFUSALS_PER_MINUTE {
            window.written += 1;
            (true, None, leftover)
        } else {
            window.counted += 1;
            (false, (window.counted == 1).then_some(wait), leftover)
        }
    };
    if leftover > 0 {
        record_count(state, ip, leftover).await;
    }
    if write {
        record(
            state,
            refused.user.as_deref(),
            "auth.refused",
            Some(refused.path),
            refused.detail,
            ip,
        )
        .await;
    } else if let Some(wait) = start_counting {
        // The first refusal past the bound: one task writes the count when the minute ends.
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let counted = {
                let mut windows = state.auth.refusals.lock();
                windows
                    .get_mut(&ip)
                    .map(|w| std::mem::take(&mut w.counted))
                    .unwrap_or(0)
            };
            if counted > 0 {
                record_count(&state, ip, counted).await;
            }
        });
    }
}

async fn record_count(state: &AppState, ip: Option<IpAddr>, counted: u32) {
    record(
        state,
        None,
        "auth.refused",
        None,
        serde_json::json!({
            "not_listed": counted,
            "window_s": REFUSAL_WINDOW.as_secs(),
            "why": "more refusals from this address in a minute than are written one by one",
        }),
        ip,
    )
    .await;
}
