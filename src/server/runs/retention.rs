//! Deletes finished runs beyond `runs.keep_days` / `runs.keep_runs`, with their pictures.

use std::time::Duration;

use chrono::Utc;

use super::dispatch::run_dir;
use crate::server::AppState;
use crate::server::db::testing as queries;

/// How often the cleanup looks (it also runs once at start).
const EVERY: Duration = Duration::from_secs(3600);

pub async fn cleaner(state: AppState) {
    loop {
        match clean(&state).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(runs = deleted, "old runs deleted"),
            Err(e) => tracing::warn!(error = %e, "cannot delete old runs"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = state.shutdown.cancelled() => return,
        }
    }
}

/// One cleanup: rows first (so no report points at a missing folder), then folders.
pub async fn clean(state: &AppState) -> anyhow::Result<usize> {
    let (days, keep) = (state.config.runs.keep_days, state.config.runs.keep_runs);
    let ids = state
        .db
        .call(move |c| queries::expired_runs(c, days, keep, Utc::now()))
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let doomed = ids.clone();
    let deleted = state
        .db
        .call(move |c| queries::delete_runs(c, &doomed))
        .await?;
    for id in ids {
        let dir = run_dir(&state.data_dir, id);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(run = id, error = %e, "cannot delete a run's pictures");
        }
    }
    Ok(deleted)
}
