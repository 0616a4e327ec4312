//! The event bus behind `WS /api/events`: every state change the UI shows is published here once,
//! serialised once, and fanned out to every connected browser.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

/// Events a slow client may fall behind by before it is told to refetch.
const BACKLOG: usize = 1024;

#[derive(Debug, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

impl Event {
    pub fn new(kind: &'static str, data: &impl Serialize) -> Self {
        Self {
            kind,
            at: Utc::now(),
            data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
        }
    }

    pub fn to_json(&self) -> Arc<str> {
        serde_json::to_string(self)
            .unwrap_or_else(|_| "{}".into())
            .into()
    }
}

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<str>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, event: Event) {
        tracing::trace!(kind = event.kind, "event");
        // No subscriber is not an error: nobody is looking.
        let _ = self.sender.send(event.to_json());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.sender.subscribe()
    }

    /// Receivers currently listening.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}
