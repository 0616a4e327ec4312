//! Fires schedules: at each cron time, queues the test case or starts the campaign, unless no
//! device that fits is free — then the firing is recorded as skipped with the reason (a
//! schedule does not pile runs up behind a busy device).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::Notify;

use crate::server::AppState;
use crate::server::db::DbError;
use crate::server::db::schedules::{self as queries, Schedule};
use crate::server::db::testing as testcase_queries;
use crate::server::events::Event;
use crate::server::runs::{Request, busy_reason};
use crate::testing::cron::CronSchedule;

/// The scheduler looks at least this often (schedules may be edited at any time).
const LOOK_EVERY: Duration = Duration::from_secs(30);
/// After a firing failed (the database, say), the wait before trying again: the schedule is
/// still due, and looking again at once would spin.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// When a schedule fires next after `after`, within its window and run budget.
pub fn next_fire(
    cron: &CronSchedule,
    after: DateTime<Utc>,
    start_at: Option<DateTime<Utc>>,
    end_at: Option<DateTime<Utc>>,
    max_runs: Option<u32>,
    fired: u32,
) -> Option<DateTime<Utc>> {
    if max_runs.is_some_and(|max| fired >= max) {
        return None;
    }
    let from = match start_at {
        Some(start) if start > after => start - chrono::Duration::seconds(1),
        _ => after,
    };
    let next = cron.next_after(from)?;
    match end_at {
        Some(end) if next > end => None,
        _ => Some(next),
    }
}

pub async fn scheduler(state: AppState, changed: std::sync::Arc<Notify>) {
    loop {
        let failed = fire_due(&state).await.is_err();
        let soonest = state.db.call(|c| queries::soonest(c)).await.ok().flatten();
        let mut wait = soonest
            .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(LOOK_EVERY)
            .min(LOOK_EVERY);
        if failed {
            wait = wait.max(RETRY_AFTER_FAILURE);
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = changed.notified() => {}
            _ = state.shutdown.cancelled() => return,
        }
    }
}

/// Fires every due schedule; one that fails does not keep the others from firing. Returns the
/// first failure.
async fn fire_due(state: &AppState) -> anyhow::Result<()> {
    let now = Utc::now();
    let due = state.db.call(move |c| queries::due(c, now)).await?;
    let mut failure = None;
    for id in due {
        let fired = match state.db.call(move |c| queries::get(c, id)).await {
            Ok(Some(schedule)) => fire(state, &schedule, now).await,
            // Deleted since it was found due.
            Ok(None) => Ok(()),
            Err(DbError::Unreadable(unreadable)) => {
                stop(state, id, format!("not fired: {unreadable}"), now).await
            }
            Err(e) => Err(e.into()),
        };
        if let Err(e) = fired {
            tracing::warn!(schedule = id, error = %e, "firing a schedule failed");
            failure.get_or_insert(e);
        }
    }
    failure.map_or(Ok(()), Err)
}

/// A due schedule that cannot be read as saved (an unreadable target, a cron that does not
/// parse) cannot be fired: guessing would run at the wrong time or on the wrong devices. The
/// firing is recorded as skipped with the reason and the schedule gets no next firing, so it
/// stays stopped until someone saves it again.
async fn stop(state: &AppState, id: i64, reason: String, now: DateTime<Utc>) -> anyhow::Result<()> {
    tracing::error!(schedule = id, %reason, "schedule stopped");
    let why = reason.clone();
    state
        .db
        .call(move |c| queries::record_firing(c, id, now, None, None, Some(&why), None))
        .await?;
    state.events.publish(Event::new(
        "schedule.fired",
        &json!({
            "schedule_id": id, "at": now, "run_id": null, "campaign_run_id": null,
            "skipped": reason, "next_fire_at": null,
        }),
    ));
    Ok(())
}

async fn fire(state: &AppState, schedule: &Schedule, now: DateTime<Utc>) -> anyhow::Result<()> {
    let cron = match CronSchedule::parse(&schedule.cron) {
        Ok(cron) => cron,
        Err(e) => {
            let reason = format!(
                "not fired: the stored cron `{}` of schedules row {} does not parse: {e}",
                schedule.cron, schedule.id
            );
            return stop(state, schedule.id, reason, now).await;
        }
    };
    let started_by = format!("schedule:{}", schedule.name);
    let needs = match schedule.testcase_id {
        Some(id) => state
            .db
            .call(move |c| testcase_queries::get_testcase(c, id))
            .await?
            .map(|t| t.document.required_capabilities())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut run_id = None;
    let mut campaign_run_id = None;
    let skipped = match busy_reason(state, &schedule.target, &needs) {
        Some(reason) => Some(reason),
        None => match (schedule.testcase_id, schedule.campaign_id) {
            (Some(testcase_id), _) => match state
                .runs
                .enqueue(
                    state,
                    Request {
                        testcase_id,
                        target: schedule.target.clone(),
                        timeout_s: None,
                        started_by,
                        campaign_run_id: None,
                        campaign_position: None,
                    },
                )
                .await
            {
                Ok(run) => {
                    run_id = Some(run.id);
                    None
                }
                Err(e) => Some(e.detail),
            },
            (None, Some(campaign_id)) => match crate::server::campaigns::start(
                state,
                campaign_id,
                Some(schedule.target.clone()),
                started_by,
            )
            .await
            {
                Ok(view) => {
                    campaign_run_id = view["id"].as_i64();
                    None
                }
                Err(e) => Some(e.detail),
            },
            (None, None) => Some("the schedule starts nothing".to_string()),
        },
    };
    let fired = schedule.fired + u32::from(skipped.is_none());
    let next = next_fire(
        &cron,
        now,
        schedule.start_at,
        schedule.end_at,
        schedule.max_runs,
        fired,
    );
    let (id, why) = (schedule.id, skipped.clone());
    state
        .db
        .call(move |c| {
            queries::record_firing(c, id, now, run_id, campaign_run_id, why.as_deref(), next)
        })
        .await?;
    if let Some(reason) = &skipped {
        tracing::info!(schedule = schedule.name, reason, "scheduled run skipped");
    }
    state.events.publish(Event::new(
        "schedule.fired",
        &json!({
            "schedule_id": schedule.id, "name": schedule.name, "at": now, "run_id": run_id,
            "campaign_run_id": campaign_run_id, "skipped": skipped, "next_fire_at": next,
        }),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn next_fire_keeps_to_the_window_and_the_budget() {
        let hourly = CronSchedule::parse("0 * * * *").unwrap();
        let now = at("2026-11-26T10:20:00Z");
        assert_eq!(
            next_fire(&hourly, now, None, None, None, 0),
            Some(at("2026-11-26T11:00:00Z"))
        );
        assert_eq!(
            next_fire(
                &hourly,
                now,
                Some(at("2026-11-27T00:00:00Z")),
                None,
                None,
                0
            ),
            Some(at("2026-11-27T00:00:00Z")),
            "a start on the hour fires at the start"
        );
        assert_eq!(
            next_fire(
                &hourly,
                now,
                None,
                Some(at("2026-11-26T10:59:00Z")),
                None,
                0
            ),
            None,
            "past the end"
        );
        assert_eq!(next_fire(&hourly, now, None, None, Some(3), 3), None);
        assert!(next_fire(&hourly, now, None, None, Some(3), 2).is_some());
    }
}
