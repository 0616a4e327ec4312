//! Queries of campaigns (ordered lists of test cases) and their runs.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{DbError, stored_json_in_row};
use crate::testing::run::{RunRecord, Selector};

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub testcase_ids: Vec<i64>,
    pub continue_on_failure: bool,
    pub test_timeout_s: Option<u64>,
    pub target: Selector,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct CampaignFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub testcase_ids: &'a [i64],
    pub continue_on_failure: bool,
    pub test_timeout_s: Option<u64>,
    pub target: &'a Selector,
}

const COLUMNS: &str = "id, name, description, testcase_ids, continue_on_failure, test_timeout_s,
    target, created_at, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Campaign> {
    let id: i64 = row.get(0)?;
    let ids: String = row.get(3)?;
    let target: String = row.get(6)?;
    Ok(Campaign {
        id,
        name: row.get(1)?,
        description: row.get(2)?,
        testcase_ids: stored_json_in_row("campaigns", id, (3, "testcase_ids"), &ids)?,
        continue_on_failure: row.get(4)?,
        test_timeout_s: row.get::<_, Option<i64>>(5)?.map(|t| t as u64),
        target: stored_json_in_row("campaigns", id, (6, "target"), &target)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Campaign>, DbError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Campaign>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn find(conn: &Connection, name: &str) -> Result<Option<Campaign>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM campaigns WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

pub fn insert(conn: &Connection, fields: &CampaignFields<'_>) -> Result<i64, DbError> {
    let now = Utc::now();
    conn.execute(
        "INSERT INTO campaigns (name, description, testcase_ids, continue_on_failure,
            test_timeout_s, target, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            fields.name,
            fields.description,
            serde_json::to_string(fields.testcase_ids)?,
            fields.continue_on_failure,
            fields.test_timeout_s.map(|t| t as i64),
            serde_json::to_string(fields.target)?,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update(conn: &Connection, id: i64, fields: &CampaignFields<'_>) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE campaigns SET name = ?2, description = ?3, testcase_ids = ?4,
            continue_on_failure = ?5, test_timeout_s = ?6, target = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            id,
            fields.name,
            fields.description,
            serde_json::to_string(fields.testcase_ids)?,
            fields.continue_on_failure,
            fields.test_timeout_s.map(|t| t as i64),
            serde_json::to_string(fields.target)?,
            Utc::now()
        ],
    )? > 0)
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM campaigns WHERE id = ?1", [id])? > 0)
}

pub fn schedules_using(conn: &Connection, campaign_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt =
        conn.prepare("SELECT name FROM schedules WHERE campaign_id = ?1 ORDER BY name")?;
    let rows = stmt.query_map([campaign_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- campaign runs ----

/// A test of a campaign run, as it was when the campaign started.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedTest {
    pub testcase_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignRun {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub name: String,
    pub tests: Vec<PlannedTest>,
    pub continue_on_failure: bool,
    pub test_timeout_s: Option<u64>,
    pub target: Selector,
    pub status: String,
    pub reason: Option<String>,
    pub started_by: String,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str = "id, campaign_id, name, tests, continue_on_failure, test_timeout_s,
    target, status, reason, started_by, queued_at, started_at, finished_at";

fn run_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CampaignRun> {
    let id: i64 = row.get(0)?;
    let tests: String = row.get(3)?;
    let target: String = row.get(6)?;
    Ok(CampaignRun {
        id,
        campaign_id: row.get(1)?,
        name: row.get(2)?,
        tests: stored_json_in_row("campaign_runs", id, (3, "tests"), &tests)?,
        continue_on_failure: row.get(4)?,
        test_timeout_s: row.get::<_, Option<i64>>(5)?.map(|t| t as u64),
        target: stored_json_in_row("campaign_runs", id, (6, "target"), &target)?,
        status: row.get(7)?,
        reason: row.get(8)?,
        started_by: row.get(9)?,
        queued_at: row.get(10)?,
        started_at: row.get(11)?,
        finished_at: row.get(12)?,
    })
}

pub fn insert_run(
    conn: &Connection,
    campaign: &Campaign,
    tests: &[PlannedTest],
    target: &Selector,
    started_by: &str,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO campaign_runs (campaign_id, name, tests, continue_on_failure, test_timeout_s,
            target, status, started_by, queued_at, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?8)",
        params![
            campaign.id,
            campaign.name,
            serde_json::to_string(tests)?,
            campaign.continue_on_failure,
            campaign.test_timeout_s.map(|t| t as i64),
            serde_json::to_string(target)?,
            started_by,
            Utc::now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get_run(conn: &Connection, id: i64) -> Result<Option<CampaignRun>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {RUN_COLUMNS} FROM campaign_runs WHERE id = ?1"),
            [id],
            run_from_row,
        )
        .optional()?)
}

pub fn list_runs(
    conn: &Connection,
    campaign_id: Option<i64>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<CampaignRun>, u64), DbError> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM campaign_runs WHERE ?1 IS NULL OR campaign_id = ?1",
        [campaign_id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {RUN_COLUMNS} FROM campaign_runs WHERE ?1 IS NULL OR campaign_id = ?1
         ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt.query_map([campaign_id], run_from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total as u64))
}

pub fn finish_run(
    conn: &Connection,
    id: i64,
    status: &str,
    reason: Option<&str>,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE campaign_runs SET status = ?2, reason = ?3, finished_at = ?4
         WHERE id = ?1 AND status = 'running'",
        params![id, status, reason, Utc::now()],
    )? > 0)
}

/// The runs of a campaign run, by position.
pub fn runs_of(conn: &Connection, campaign_run_id: i64) -> Result<Vec<(i64, RunRecord)>, DbError> {
    let mut stmt = conn
        .prepare("SELECT campaign_position, id FROM runs WHERE campaign_run_id = ?1 ORDER BY id")?;
    let rows: Vec<(i64, i64)> = stmt
        .query_map([campaign_run_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut runs = Vec::new();
    for (position, id) in rows {
        if let Some(run) = super::testing::get_run(conn, id)? {
            runs.push((position, run));
        }
    }
    Ok(runs)
}

/// At start: campaign runs a stopped server was driving end as interrupted, and their runs
/// still waiting in the queue are cancelled.
pub fn interrupt_running(conn: &Connection) -> Result<usize, DbError> {
    let now = Utc::now();
    conn.execute(
        "UPDATE runs SET status = 'cancelled', reason = 'its campaign was interrupted',
         finished_at = ?1
         WHERE status = 'queued' AND campaign_run_id IN
           (SELECT id FROM campaign_runs WHERE status = 'running')",
        [now],
    )?;
    Ok(conn.execute(
        "UPDATE campaign_runs SET status = 'error',
         reason = 'interrupted: the server stopped during the campaign', finished_at = ?1
         WHERE status = 'running'",
        [now],
    )?)
}
