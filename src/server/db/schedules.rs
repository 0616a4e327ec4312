//! Queries of schedules and their firings.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{DbError, stored_json_in_row};
use crate::testing::run::Selector;

#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub testcase_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub target: Selector,
    pub cron: String,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<u32>,
    pub enabled: bool,
    pub fired: u32,
    pub next_fire_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct ScheduleFields<'a> {
    pub name: &'a str,
    pub testcase_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub target: &'a Selector,
    pub cron: &'a str,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<u32>,
    pub enabled: bool,
    pub next_fire_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Firing {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub run_id: Option<i64>,
    pub campaign_run_id: Option<i64>,
    pub skipped: Option<String>,
}

const COLUMNS: &str = "id, name, testcase_id, campaign_id, target, cron, start_at, end_at,
    max_runs, enabled, fired, next_fire_at, created_at, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Schedule> {
    let id: i64 = row.get(0)?;
    let target: String = row.get(4)?;
    Ok(Schedule {
        id,
        name: row.get(1)?,
        testcase_id: row.get(2)?,
        campaign_id: row.get(3)?,
        target: stored_json_in_row("schedules", id, (4, "target"), &target)?,
        cron: row.get(5)?,
        start_at: row.get(6)?,
        end_at: row.get(7)?,
        max_runs: row.get(8)?,
        enabled: row.get(9)?,
        fired: row.get(10)?,
        next_fire_at: row.get(11)?,
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Schedule>, DbError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM schedules ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Schedule>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn find(conn: &Connection, name: &str) -> Result<Option<Schedule>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM schedules WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

pub fn insert(conn: &Connection, f: &ScheduleFields<'_>) -> Result<i64, DbError> {
    let now = Utc::now();
    conn.execute(
        "INSERT INTO schedules (name, testcase_id, campaign_id, target, cron, start_at, end_at,
            max_runs, enabled, next_fire_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            f.name,
            f.testcase_id,
            f.campaign_id,
            serde_json::to_string(f.target)?,
            f.cron,
            f.start_at,
            f.end_at,
            f.max_runs,
            f.enabled,
            f.next_fire_at,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, f: &ScheduleFields<'_>) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE schedules SET name = ?2, testcase_id = ?3, campaign_id = ?4, target = ?5,
            cron = ?6, start_at = ?7, end_at = ?8, max_runs = ?9, enabled = ?10,
            next_fire_at = ?11, updated_at = ?12
         WHERE id = ?1",
        params![
            id,
            f.name,
            f.testcase_id,
            f.campaign_id,
            serde_json::to_string(f.target)?,
            f.cron,
            f.start_at,
            f.end_at,
            f.max_runs,
            f.enabled,
            f.next_fire_at,
            Utc::now()
        ],
    )? > 0)
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM schedules WHERE id = ?1", [id])? > 0)
}

/// Enabled schedules due at `now`.
/// Ids of the enabled schedules due at `now`, soonest first. The caller reads each with [`get`],
/// so that one unreadable schedule is dealt with on its own and does not stop the others.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id FROM schedules
         WHERE enabled = 1 AND next_fire_at IS NOT NULL AND next_fire_at <= ?1 ORDER BY next_fire_at",
    )?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The soonest next firing of any enabled schedule.
pub fn soonest(conn: &Connection) -> Result<Option<DateTime<Utc>>, DbError> {
    Ok(conn.query_row(
        "SELECT MIN(next_fire_at) FROM schedules WHERE enabled = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Records a firing and moves the schedule on.
pub fn record_firing(
    conn: &mut Connection,
    id: i64,
    at: DateTime<Utc>,
    run_id: Option<i64>,
    campaign_run_id: Option<i64>,
    skipped: Option<&str>,
    next_fire_at: Option<DateTime<Utc>>,
) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO schedule_firings (schedule_id, at, run_id, campaign_run_id, skipped)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, at, run_id, campaign_run_id, skipped],
    )?;
    let ran = i64::from(skipped.is_none());
    tx.execute(
        "UPDATE schedules SET fired = fired + ?2, next_fire_at = ?3 WHERE id = ?1",
        params![id, ran, next_fire_at],
    )?;
    // Firings are a log: the last 500 of each schedule are enough to see what happened.
    tx.execute(
        "DELETE FROM schedule_firings WHERE schedule_id = ?1 AND id NOT IN
           (SELECT id FROM schedule_firings WHERE schedule_id = ?1 ORDER BY id DESC LIMIT 500)",
        [id],
    )?;
    tx.commit()?;
    Ok(())
}

pub fn firings(conn: &Connection, id: i64, limit: u32) -> Result<Vec<Firing>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, at, run_id, campaign_run_id, skipped FROM schedule_firings
         WHERE schedule_id = ?1 ORDER BY id DESC LIMIT {limit}"
    ))?;
    let rows = stmt.query_map([id], |r| {
        Ok(Firing {
            id: r.get(0)?,
            at: r.get(1)?,
            run_id: r.get(2)?,
            campaign_run_id: r.get(3)?,
            skipped: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
