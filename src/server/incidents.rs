//! Reads each connected host's incident journal (`/host/monitor/events`) over its link, from
//! where the server stopped reading, and stores what it says: an incident raised while the
//! link was down arrives when it returns, once. Pictures go to
//! `<data_dir>/incidents/<host>/<incident>/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;

use super::AppState;
use super::db::incidents::{self, Change};
use super::events::Event;
use super::ndjson::{Line, NdjsonFollower};
use super::registry::LinkHandle;
use crate::monitoring::MonitorEvent;
use crate::monitoring::event::{JOURNAL_HEADER, is_frame_name, is_incident_id};

/// Pause before the journal is opened again after its stream broke (link still up).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest event line accepted (pictures inlined: a few hundred KB in practice).
const MAX_LINE: usize = 16 * 1024 * 1024;

/// Where the pictures of incident `uid` of `host` are kept.
pub fn picture_dir(data_dir: &Path, host: &str, uid: &str) -> PathBuf {
    data_dir.join("incidents").join(host).join(uid)
}

/// Follows `host`'s journal for as long as this link lives (the caller aborts it after).
pub async fn follow(state: AppState, host: String, link: LinkHandle) {
    loop {
        match read_journal(&state, &host, &link).await {
            Ok(()) => {}
            Err(Stop::Unsupported) => {
                tracing::warn!(%host, "host has no incident journal (older vpt): not monitored");
                return;
            }
            Err(Stop::Failed(why)) => tracing::debug!(%host, %why, "incident journal stream ended"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RETRY_AFTER) => {}
            _ = link.close.cancelled() => return,
            _ = state.shutdown.cancelled() => return,
        }
    }
}

enum Stop {
    Unsupported,
    Failed(String),
}

async fn open_stream(link: &LinkHandle, host: &str, after: u64) -> Result<(String, Body), Stop> {
    let request = Request::get(format!("http://{host}/host/monitor/events?after={after}"))
        .body(Body::empty())
        .map_err(|e| Stop::Failed(e.to_string()))?;
    let mut sender = link.sender.clone();
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(Stop::Unsupported);
    }
    if !response.status().is_success() {
        return Err(Stop::Failed(format!("status {}", response.status())));
    }
    let journal = response
        .headers()
        .get(JOURNAL_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((journal, Body::new(response.into_body())))
}

async fn read_journal(state: &AppState, host: &str, link: &LinkHandle) -> Result<(), Stop> {
    let name = host.to_string();
    let stored = state
        .db
        .call(move |c| incidents::cursor(c, &name))
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    let (mut journal, mut body) =
        open_stream(link, host, stored.as_ref().map_or(0, |s| s.1)).await?;
    let mut seen = match &stored {
        Some((known, seq)) if *known == journal => *seq,
        // A new journal (host data dir replaced): read it from the start.
        Some(_) => {
            drop(body);
            (journal, body) = open_stream(link, host, 0).await?;
            0
        }
        None => 0,
    };
    let mut events = NdjsonFollower::<_, MonitorEvent>::new(body, MAX_LINE);
    loop {
        let line = tokio::select! {
            line = events.next() => line,
            _ = link.close.cancelled() => return Ok(()),
            _ = state.shutdown.cancelled() => return Ok(()),
        };
        let event = match line {
            Line::Item(event) => event,
            Line::Unreadable(e) => {
                tracing::warn!(%host, error = %e, "unreadable incident event skipped");
                continue;
            }
            Line::End | Line::Failed(_) => return Err(Stop::Failed("stream closed".into())),
            Line::TooLong => return Err(Stop::Failed("oversized incident event".into())),
        };
        if event.seq() <= seen {
            continue;
        }
        seen = event.seq();
        store(state, host, &journal, event).await;
    }
}

/// Keeps the pictures, stores the event and tells the UI what changed.
async fn store(state: &AppState, host: &str, journal: &str, mut event: MonitorEvent) {
    if !is_incident_id(event.incident()) {
        tracing::warn!(%host, incident = event.incident(), "incident with an invalid id skipped");
        return;
    }
    let dir = picture_dir(&state.data_dir, host, event.incident());
    let mut pictures = Vec::new();
    event.frames_mut().retain_mut(|frame| {
        let Some(encoded) = frame.jpeg_base64.take() else {
            return false;
        };
        if !is_frame_name(&frame.name) {
            return false;
        }
        match base64::engine::general_purpose::STANDARD.decode(encoded) {
            Ok(bytes) => {
                pictures.push((frame.name.clone(), bytes));
                true
            }
            Err(_) => false,
        }
    });
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in pictures {
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    })
    .await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::warn!(%host, "cannot keep the pictures of an incident");
    }
    let (host_name, journal) = (host.to_string(), journal.to_string());
    let change = state
        .db
        .call(move |c| incidents::apply_event(c, &host_name, &journal, &event))
        .await;
    match change {
        Ok(Change::Opened(incident)) => {
            state
                .events
                .publish(Event::new("incident.opened", &incident));
        }
        Ok(Change::Resolved(incident)) => {
            state
                .events
                .publish(Event::new("incident.resolved", &incident));
        }
        Ok(Change::Nothing) => {}
        Err(e) => tracing::error!(%host, error = %e, "cannot store an incident event"),
    }
}
