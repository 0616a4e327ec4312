//! Queries of test cases, runs and their step results.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::Value;

use super::{DbError, stored_json, stored_json_in_row};
use crate::nav::TreeDoc;
use crate::testing::case::{self, TestCaseDoc};
use crate::testing::run::{RunRecord, RunStatus, Selector, StepResult};

/// Versions of a test case kept in its history.
const KEPT_VERSIONS: i64 = 100;

#[derive(Debug, Clone, Serialize)]
pub struct LastRun {
    pub id: i64,
    pub status: RunStatus,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub document: TestCaseDoc,
    pub last_run: Option<LastRun>,
}

/// What a test case's fields are, as written.
pub struct TestCaseFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub tags: &'a [String],
    pub document: &'a TestCaseDoc,
}

/// The tree, references and userinterfaces a document is checked against.
pub struct DbContext<'a> {
    pub conn: &'a Connection,
}

impl case::Context for DbContext<'_> {
    fn userinterface_exists(&self, name: &str) -> bool {
        self.conn
            .query_row(
                "SELECT 1 FROM userinterfaces WHERE name = ?1",
                [name],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_some()
    }

    fn node_exists(&self, userinterface: &str, node: &str) -> bool {
        let document: Option<String> = self
            .conn
            .query_row(
                "SELECT t.document FROM trees t JOIN userinterfaces u ON u.id = t.userinterface_id
                 WHERE u.name = ?1",
                [userinterface],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        document
            .and_then(|d| serde_json::from_str::<TreeDoc>(&d).ok())
            .is_some_and(|tree| tree.node(node).is_some())
    }

    fn reference_kind(&self, userinterface: &str, name: &str) -> Option<String> {
        self.conn
            .query_row(
                "SELECT kind FROM screen_references WHERE userinterface = ?1 AND name = ?2",
                [userinterface, name],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
    }
}

const TESTCASE_COLUMNS: &str = "t.id, t.name, t.description, t.tags, t.version, t.document,
    t.created_at, t.updated_at,
    (SELECT r.id FROM runs r WHERE r.testcase_id = t.id ORDER BY r.id DESC LIMIT 1)";

fn testcase_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(TestCase, String, String)> {
    let tags: String = row.get(3)?;
    let document: String = row.get(5)?;
    let last: Option<i64> = row.get(8)?;
    Ok((
        TestCase {
            id: row.get(0)?,
            name: row.get(1)?,
            description: row.get(2)?,
            tags: Vec::new(),
            version: row.get(4)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            document: TestCaseDoc {
                schema: case::SCHEMA_VERSION,
                userinterface: None,
                timeout_s: case::DEFAULT_RUN_TIMEOUT_S,
                steps: Vec::new(),
            },
            last_run: last.map(|id| LastRun {
                id,
                status: RunStatus::Queued,
                finished_at: None,
            }),
        },
        tags,
        document,
    ))
}

fn finish_testcase(
    conn: &Connection,
    (mut testcase, tags, document): (TestCase, String, String),
) -> Result<TestCase, DbError> {
    testcase.tags = stored_json("testcases", testcase.id, "tags", &tags)?;
    testcase.document = stored_json("testcases", testcase.id, "document", &document)?;
    if let Some(last) = &mut testcase.last_run {
        let (status, finished_at): (String, Option<DateTime<Utc>>) = conn.query_row(
            "SELECT status, finished_at FROM runs WHERE id = ?1",
            [last.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        last.status = RunStatus::parse(&status).unwrap_or(RunStatus::Error);
        last.finished_at = finished_at;
    }
    Ok(testcase)
}

pub fn list_testcases(conn: &mut Connection) -> Result<Vec<TestCase>, DbError> {
    let rows: Vec<_> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT {TESTCASE_COLUMNS} FROM testcases t ORDER BY t.updated_at DESC, t.id DESC"
        ))?;
        stmt.query_map([], testcase_from_row)?
            .collect::<Result<_, _>>()?
    };
    rows.into_iter()
        .map(|row| finish_testcase(conn, row))
        .collect()
}

pub fn get_testcase(conn: &Connection, id: i64) -> Result<Option<TestCase>, DbError> {
    let row = conn
        .query_row(
            &format!("SELECT {TESTCASE_COLUMNS} FROM testcases t WHERE t.id = ?1"),
            [id],
            testcase_from_row,
        )
        .optional()?;
    row.map(|row| finish_testcase(conn, row)).transpose()
}

pub fn find_testcase(conn: &Connection, name: &str) -> Result<Option<TestCase>, DbError> {
    let id: Option<i64> = conn
        .query_row("SELECT id FROM testcases WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    match id {
        Some(id) => get_testcase(conn, id),
        None => Ok(None),
    }
}

pub fn insert_testcase(tx: &Transaction<'_>, fields: &TestCaseFields<'_>) -> Result<i64, DbError> {
    let now = Utc::now();
    let document = serde_json::to_string(fields.document)?;
    tx.execute(
        "INSERT INTO testcases (name, description, tags, version, document, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
        params![
            fields.name,
            fields.description,
            serde_json::to_string(fields.tags)?,
            document,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO testcase_versions (testcase_id, version, document, saved_at)
         VALUES (?1, 1, ?2, ?3)",
        params![id, document, now],
    )?;
    Ok(id)
}

/// Why an update did not happen.
#[derive(Debug)]
pub enum UpdateError {
    Stale { current: i64 },
    NotFound,
    Db(DbError),
}

impl From<rusqlite::Error> for UpdateError {
    fn from(e: rusqlite::Error) -> Self {
        UpdateError::Db(e.into())
    }
}

impl From<serde_json::Error> for UpdateError {
    fn from(e: serde_json::Error) -> Self {
        UpdateError::Db(e.into())
    }
}

pub fn update_testcase(
    tx: &Transaction<'_>,
    id: i64,
    fields: &TestCaseFields<'_>,
    base_version: Option<i64>,
) -> Result<i64, UpdateError> {
    let current: Option<i64> = tx
        .query_row("SELECT version FROM testcases WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(current) = current else {
        return Err(UpdateError::NotFound);
    };
    if base_version.is_some_and(|base| base != current) {
        return Err(UpdateError::Stale { current });
    }
    let now = Utc::now();
    let version = current + 1;
    let document = serde_json::to_string(fields.document)?;
    tx.execute(
        "UPDATE testcases SET name = ?2, description = ?3, tags = ?4, version = ?5, document = ?6,
         updated_at = ?7 WHERE id = ?1",
        params![
            id,
            fields.name,
            fields.description,
            serde_json::to_string(fields.tags)?,
            version,
            document,
            now
        ],
    )?;
    tx.execute(
        "INSERT INTO testcase_versions (testcase_id, version, document, saved_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![id, version, document, now],
    )?;
    tx.execute(
        "DELETE FROM testcase_versions WHERE testcase_id = ?1 AND version <= ?2",
        params![id, version - KEPT_VERSIONS],
    )?;
    Ok(version)
}

#[derive(Debug, Clone, Serialize)]
pub struct TestCaseVersion {
    pub version: i64,
    pub saved_at: DateTime<Utc>,
    pub steps: usize,
}

pub fn testcase_versions(conn: &mut Connection, id: i64) -> Result<Vec<TestCaseVersion>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT version, saved_at, document FROM testcase_versions WHERE testcase_id = ?1
         ORDER BY version DESC",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, DateTime<Utc>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut versions = Vec::new();
    for row in rows {
        let (version, saved_at, document) = row?;
        let doc: TestCaseDoc = stored_json(
            "testcase_versions",
            format_args!("{id} version {version}"),
            "document",
            &document,
        )?;
        versions.push(TestCaseVersion {
            version,
            saved_at,
            steps: doc.steps.len(),
        });
    }
    Ok(versions)
}

/// Names of campaigns whose list holds the test case.
pub fn campaigns_using(conn: &Connection, testcase_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare("SELECT id, name, testcase_ids FROM campaigns ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut names = Vec::new();
    for row in rows {
        let (id, name, ids) = row?;
        let ids: Vec<i64> = stored_json("campaigns", id, "testcase_ids", &ids)?;
        if ids.contains(&testcase_id) {
            names.push(name);
        }
    }
    Ok(names)
}

/// Names of schedules that start the test case.
pub fn schedules_using(conn: &Connection, testcase_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt =
        conn.prepare("SELECT name FROM schedules WHERE testcase_id = ?1 ORDER BY name")?;
    let rows = stmt.query_map([testcase_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn delete_testcase(conn: &mut Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM testcases WHERE id = ?1", [id])? > 0)
}

/// Test cases whose verifications use a reference of the userinterface.
pub fn testcases_using_reference(
    conn: &mut Connection,
    userinterface: &str,
    reference: &str,
) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare("SELECT id, name, document FROM testcases ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut names = Vec::new();
    for row in rows {
        let (id, name, document) = row?;
        let doc: TestCaseDoc = stored_json("testcases", id, "document", &document)?;
        if doc.userinterface.as_deref() == Some(userinterface)
            && doc.reference_names().iter().any(|n| n == reference)
        {
            names.push(name);
        }
    }
    Ok(names)
}

// ---- runs ----

/// A run to be queued.
pub struct NewRun<'a> {
    pub testcase_id: i64,
    pub testcase_name: &'a str,
    pub testcase_version: i64,
    pub document: &'a TestCaseDoc,
    pub campaign_run_id: Option<i64>,
    pub campaign_position: Option<i64>,
    pub started_by: &'a str,
    pub target: &'a Selector,
    pub timeout_s: u64,
}

const RUN_COLUMNS: &str = "id, testcase_id, testcase_name, testcase_version, status, reason,
    started_by, target, host, device, campaign_run_id, timeout_s, queued_at, started_at,
    first_step_at, finished_at, steps_done, steps_failed";

fn run_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let id: i64 = row.get(0)?;
    let status: String = row.get(4)?;
    let target: String = row.get(7)?;
    let started_at: Option<DateTime<Utc>> = row.get(13)?;
    let finished_at: Option<DateTime<Utc>> = row.get(15)?;
    Ok(RunRecord {
        id,
        testcase_id: row.get(1)?,
        testcase_name: row.get(2)?,
        testcase_version: row.get(3)?,
        status: RunStatus::parse(&status).unwrap_or(RunStatus::Error),
        reason: row.get(5)?,
        started_by: row.get(6)?,
        target: stored_json_in_row("runs", id, (7, "target"), &target)?,
        host: row.get(8)?,
        device: row.get(9)?,
        campaign_run_id: row.get(10)?,
        timeout_s: row.get::<_, i64>(11)? as u64,
        queued_at: row.get(12)?,
        started_at,
        first_step_at: row.get(14)?,
        finished_at,
        duration_ms: match (started_at, finished_at) {
            (Some(start), Some(end)) => Some((end - start).num_milliseconds()),
            _ => None,
        },
        steps_done: row.get(16)?,
        steps_failed: row.get(17)?,
    })
}

pub fn insert_run(conn: &Connection, run: &NewRun<'_>) -> Result<RunRecord, DbError> {
    conn.execute(
        "INSERT INTO runs (testcase_id, testcase_name, testcase_version, document, campaign_run_id,
            campaign_position, status, started_by, target, timeout_s, queued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?9, ?10)",
        params![
            run.testcase_id,
            run.testcase_name,
            run.testcase_version,
            serde_json::to_string(run.document)?,
            run.campaign_run_id,
            run.campaign_position,
            run.started_by,
            serde_json::to_string(run.target)?,
            run.timeout_s as i64,
            Utc::now()
        ],
    )?;
    let id = conn.last_insert_rowid();
    get_run(conn, id)?.ok_or(DbError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
}

pub fn get_run(conn: &Connection, id: i64) -> Result<Option<RunRecord>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
            [id],
            run_from_row,
        )
        .optional()?)
}

pub fn run_document(conn: &Connection, id: i64) -> Result<Option<TestCaseDoc>, DbError> {
    let document: Option<String> = conn
        .query_row("SELECT document FROM runs WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(document
        .map(|d| stored_json("runs", id, "document", &d))
        .transpose()?)
}

pub fn run_steps(conn: &Connection, id: i64) -> Result<Vec<StepResult>, DbError> {
    let mut stmt =
        conn.prepare("SELECT idx, result FROM run_steps WHERE run_id = ?1 ORDER BY idx")?;
    let rows = stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut steps = Vec::new();
    for row in rows {
        let (index, result) = row?;
        steps.push(stored_json(
            "run_steps",
            format_args!("{id} step {index}"),
            "result",
            &result,
        )?);
    }
    Ok(steps)
}

/// Filters of the run history.
#[derive(Debug, Default, Clone)]
pub struct RunFilter {
    pub testcase_id: Option<i64>,
    pub campaign_run_id: Option<i64>,
    pub host: Option<String>,
    pub device: Option<String>,
    pub statuses: Vec<RunStatus>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: u32,
    pub offset: u32,
}

pub fn list_runs(conn: &Connection, filter: &RunFilter) -> Result<(Vec<RunRecord>, u64), DbError> {
    let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
    let statuses = serde_json::to_string(&statuses)?;
    let condition = "(?1 IS NULL OR testcase_id = ?1) AND (?2 IS NULL OR campaign_run_id = ?2)
        AND (?3 IS NULL OR host = ?3) AND (?4 IS NULL OR device = ?4)
        AND (?5 = '[]' OR status IN (SELECT value FROM json_each(?5)))
        AND (?6 IS NULL OR queued_at >= ?6) AND (?7 IS NULL OR queued_at < ?7)";
    let args = params![
        filter.testcase_id,
        filter.campaign_run_id,
        filter.host,
        filter.device,
        statuses,
        filter.since,
        filter.until,
    ];
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM runs WHERE {condition}"),
        args,
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE {condition} ORDER BY id DESC LIMIT {} OFFSET {}",
        filter.limit, filter.offset
    ))?;
    let runs = stmt
        .query_map(args, run_from_row)?
        .collect::<Result<_, _>>()?;
    Ok((runs, total as u64))
}

/// Runs waiting for a device, oldest first.
pub fn queued_runs(conn: &Connection) -> Result<Vec<RunRecord>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE status = 'queued' ORDER BY id"
    ))?;
    let runs = stmt
        .query_map([], run_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(runs)
}

/// Gives a queued run its device; false when it is no longer queued (cancelled meanwhile).
pub fn mark_running(
    conn: &Connection,
    id: i64,
    host: &str,
    device: &str,
    key: &str,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE runs SET status = 'running', host = ?2, device = ?3, host_run_key = ?4,
         started_at = ?5 WHERE id = ?1 AND status = 'queued'",
        params![id, host, device, key, Utc::now()],
    )? > 0)
}

pub fn set_first_step(conn: &Connection, id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
    conn.execute(
        "UPDATE runs SET first_step_at = ?2 WHERE id = ?1 AND first_step_at IS NULL",
        params![id, at],
    )?;
    Ok(())
}

/// Stores a step's result (again, when a re-read after a lost link repeats it).
pub fn record_step(conn: &Connection, id: i64, step: &StepResult) -> Result<(), DbError> {
    let failed = i64::from(step.status != crate::testing::run::StepStatus::Passed);
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO run_steps (run_id, idx, result) VALUES (?1, ?2, ?3)",
        params![id, step.index as i64, serde_json::to_string(step)?],
    )?;
    if inserted > 0 {
        conn.execute(
            "UPDATE runs SET steps_done = steps_done + 1, steps_failed = steps_failed + ?2
             WHERE id = ?1",
            params![id, failed],
        )?;
    }
    Ok(())
}

/// Ends a run unless it has already ended; false when it had.
pub fn finish_run(
    conn: &Connection,
    id: i64,
    status: RunStatus,
    reason: Option<&str>,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE runs SET status = ?2, reason = ?3, finished_at = ?4
         WHERE id = ?1 AND status IN ('queued', 'running')",
        params![id, status.as_str(), reason, Utc::now()],
    )? > 0)
}

/// Cancels a run that is still waiting for a device; false when it has one (or has ended).
pub fn finish_run_if_queued(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE runs SET status = 'cancelled', reason = 'cancelled', finished_at = ?2
         WHERE id = ?1 AND status = 'queued'",
        params![id, Utc::now()],
    )? > 0)
}

/// At start: runs left running by a server that stopped cannot be followed any more.
pub fn interrupt_running(conn: &Connection) -> Result<Vec<(i64, String, String)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, COALESCE(host, ''), COALESCE(host_run_key, '') FROM runs
         WHERE status = 'running'",
    )?;
    let runs: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    conn.execute(
        "UPDATE runs SET status = 'error', reason = 'interrupted: the server stopped during the run',
         finished_at = ?1 WHERE status = 'running'",
        [Utc::now()],
    )?;
    Ok(runs)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DayCounts {
    pub day: String,
    pub passed: u64,
    pub failed: u64,
    pub error: u64,
    pub cancelled: u64,
}

/// Finished runs per day (UTC) since `since`.
pub fn run_stats(
    conn: &Connection,
    since: DateTime<Utc>,
    testcase_id: Option<i64>,
) -> Result<Vec<DayCounts>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT substr(queued_at, 1, 10) AS day, status, COUNT(*) FROM runs
         WHERE queued_at >= ?1 AND (?2 IS NULL OR testcase_id = ?2)
           AND status IN ('passed', 'failed', 'error', 'cancelled')
         GROUP BY day, status ORDER BY day",
    )?;
    let rows = stmt.query_map(params![since, testcase_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut days: Vec<DayCounts> = Vec::new();
    for row in rows {
        let (day, status, count) = row?;
        if days.last().is_none_or(|d| d.day != day) {
            days.push(DayCounts {
                day: day.clone(),
                ..DayCounts::default()
            });
        }
        if let Some(entry) = days.last_mut() {
            let count = count as u64;
            match status.as_str() {
                "passed" => entry.passed += count,
                "failed" => entry.failed += count,
                "error" => entry.error += count,
                _ => entry.cancelled += count,
            }
        }
    }
    Ok(days)
}

/// Finished runs to delete: older than `keep_days`, or beyond the newest `keep_runs`.
pub fn expired_runs(
    conn: &Connection,
    keep_days: u32,
    keep_runs: u32,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbError> {
    let cutoff = now - chrono::Duration::days(i64::from(keep_days));
    let mut stmt = conn.prepare(
        "SELECT id FROM runs WHERE status NOT IN ('queued', 'running')
           AND (queued_at < ?1 OR id NOT IN (
                SELECT id FROM runs WHERE status NOT IN ('queued', 'running')
                ORDER BY id DESC LIMIT ?2))
         ORDER BY id",
    )?;
    let ids = stmt
        .query_map(params![cutoff, keep_runs], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

pub fn delete_runs(conn: &mut Connection, ids: &[i64]) -> Result<usize, DbError> {
    let tx = conn.transaction()?;
    let mut deleted = 0;
    for id in ids {
        deleted += tx.execute("DELETE FROM runs WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    Ok(deleted)
}

/// `value` as JSON text, for columns holding documents.
pub fn json_text(value: &impl Serialize) -> Result<String, DbError> {
    Ok(serde_json::to_string(value)?)
}

/// The document JSON a run keeps, as a value (for the report).
pub fn run_document_value(conn: &Connection, id: i64) -> Result<Option<Value>, DbError> {
    let document: Option<String> = conn
        .query_row("SELECT document FROM runs WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(document
        .map(|d| stored_json("runs", id, "document", &d))
        .transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> TestCaseDoc {
        case::parse(&serde_json::json!({"steps": [{"action": "wait", "ms": 1}]})).unwrap()
    }

    #[test]
    fn retention_keeps_the_newest_runs_and_recent_days() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut conn).unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        let document = doc();
        let id = insert_testcase(
            &tx,
            &TestCaseFields {
                name: "t",
                description: "",
                tags: &[],
                document: &document,
            },
        )
        .unwrap();
        tx.commit().unwrap();
        let target = Selector::default();
        let mut runs = Vec::new();
        for _ in 0..5 {
            let run = insert_run(
                &conn,
                &NewRun {
                    testcase_id: id,
                    testcase_name: "t",
                    testcase_version: 1,
                    document: &document,
                    campaign_run_id: None,
                    campaign_position: None,
                    started_by: "api",
                    target: &target,
                    timeout_s: 60,
                },
            )
            .unwrap();
            runs.push(run.id);
        }
        // The last one is still queued: never deleted, whatever its age.
        for id in &runs[..4] {
            finish_run(&conn, *id, RunStatus::Passed, None).unwrap();
        }
        conn.execute(
            "UPDATE runs SET queued_at = '2020-01-01T00:00:00Z' WHERE id IN (?1, ?2)",
            params![runs[0], runs[4]],
        )
        .unwrap();
        let now = Utc::now();
        assert_eq!(expired_runs(&conn, 30, 100, now).unwrap(), vec![runs[0]]);
        assert_eq!(
            expired_runs(&conn, 30, 2, now).unwrap(),
            vec![runs[0], runs[1]],
            "beyond the newest 2 finished runs"
        );
        assert!(expired_runs(&conn, 3650, 100, now).unwrap().is_empty());
    }
}
