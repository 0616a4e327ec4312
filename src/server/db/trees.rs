//! Queries of userinterfaces, their trees (one JSON document each, versioned), measured edge
//! times and validations.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{DbError, stored_json};
use crate::nav::model::TreeDoc;
use crate::nav::report::{EdgeResult, ValidationSummary};
use crate::nav::{Direction, MeasuredTimes};

/// Versions kept per tree; older ones are dropped when a new one is saved.
pub const KEPT_VERSIONS: i64 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Userinterface {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub models: Vec<String>,
    pub tree_id: i64,
    pub node_count: usize,
    pub edge_count: usize,
    pub reference_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StoredTree {
    pub id: i64,
    pub userinterface_id: i64,
    pub userinterface: String,
    pub version: i64,
    pub doc: TreeDoc,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub node_count: usize,
    pub edge_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EdgeMetric {
    pub edge_id: String,
    pub direction: Direction,
    pub runs: i64,
    pub successes: i64,
    pub success_rate: f64,
    pub mean_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub last_status: String,
    pub last_at: DateTime<Utc>,
}

/// How one move went, to be added to the metrics.
pub struct MoveOutcome {
    pub edge_id: String,
    pub direction: Direction,
    pub passed: bool,
    pub ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    pub id: i64,
    pub tree_id: i64,
    pub tree_version: i64,
    pub host: String,
    pub device: String,
    pub status: String,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub moves: i64,
    pub edges_total: i64,
    pub edges_passed: i64,
    pub efficiency: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<EdgeResult>>,
}

/// A validation to store.
pub struct NewValidation<'a> {
    pub tree_id: i64,
    pub tree_version: i64,
    pub host: &'a str,
    pub device: &'a str,
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub started_at: DateTime<Utc>,
    pub summary: &'a ValidationSummary,
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Forward => "forward",
        Direction::Reverse => "reverse",
    }
}

fn parse_direction(name: &str) -> Direction {
    if name == "reverse" {
        Direction::Reverse
    } else {
        Direction::Forward
    }
}

/// Whether a write failed on a uniqueness rule (a taken name).
pub fn is_conflict(e: &DbError) -> bool {
    matches!(e, DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

const UI_COLUMNS: &str = "u.id, u.name, u.description, u.models, t.id, t.document,
    (SELECT COUNT(*) FROM screen_references r WHERE r.userinterface = u.name),
    u.created_at, u.updated_at";

fn ui_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Userinterface, String, String)> {
    let models: String = row.get(3)?;
    let document: String = row.get(5)?;
    Ok((
        Userinterface {
            id: row.get(0)?,
            name: row.get(1)?,
            description: row.get(2)?,
            models: Vec::new(),
            tree_id: row.get(4)?,
            node_count: 0,
            edge_count: 0,
            reference_count: row.get(6)?,
            created_at: row.get(7)?,
            updated_at: row.get(8)?,
        },
        models,
        document,
    ))
}

fn finish_ui(
    (mut ui, models, document): (Userinterface, String, String),
) -> Result<Userinterface, DbError> {
    ui.models = stored_json("userinterfaces", ui.id, "models", &models)?;
    let doc: TreeDoc = stored_json("trees", ui.tree_id, "document", &document)?;
    ui.node_count = doc.nodes.len();
    ui.edge_count = doc.edges.len();
    Ok(ui)
}

pub fn list_userinterfaces(conn: &mut Connection) -> Result<Vec<Userinterface>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {UI_COLUMNS} FROM userinterfaces u JOIN trees t ON t.userinterface_id = u.id
         ORDER BY u.name"
    ))?;
    let rows = stmt.query_map([], ui_from_row)?;
    let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
    rows.into_iter().map(finish_ui).collect()
}

pub fn get_userinterface(conn: &Connection, id: i64) -> Result<Option<Userinterface>, DbError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {UI_COLUMNS} FROM userinterfaces u JOIN trees t ON t.userinterface_id = u.id
                 WHERE u.id = ?1"
            ),
            [id],
            ui_from_row,
        )
        .optional()?;
    row.map(finish_ui).transpose()
}

pub fn find_userinterface(conn: &Connection, name: &str) -> Result<Option<Userinterface>, DbError> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM userinterfaces WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_userinterface(conn, id),
        None => Ok(None),
    }
}

/// Creates a userinterface with its tree (version 1) inside `tx`.
pub fn create_userinterface_in(
    tx: &Transaction<'_>,
    name: &str,
    description: &str,
    models: &[String],
    doc: &TreeDoc,
    message: &str,
) -> Result<(i64, i64), DbError> {
    let now = Utc::now();
    tx.execute(
        "INSERT INTO userinterfaces (name, description, models, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![name, description, serde_json::to_string(models)?, now],
    )?;
    let ui_id = tx.last_insert_rowid();
    let document = serde_json::to_string(doc)?;
    tx.execute(
        "INSERT INTO trees (userinterface_id, version, document, updated_at) VALUES (?1, 1, ?2, ?3)",
        params![ui_id, document, now],
    )?;
    let tree_id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO tree_versions (tree_id, version, message, document, created_at)
         VALUES (?1, 1, ?2, ?3, ?4)",
        params![tree_id, message, document, now],
    )?;
    Ok((ui_id, tree_id))
}

pub fn create_userinterface(
    conn: &mut Connection,
    name: &str,
    description: &str,
    models: &[String],
    doc: &TreeDoc,
) -> Result<Userinterface, DbError> {
    let tx = conn.transaction()?;
    let (id, _) = create_userinterface_in(&tx, name, description, models, doc, "created")?;
    tx.commit()?;
    get_userinterface(conn, id)?.ok_or_else(|| DbError::Worker("created row vanished".into()))
}

pub fn update_userinterface(
    conn: &mut Connection,
    id: i64,
    description: Option<&str>,
    models: Option<&[String]>,
) -> Result<Option<Userinterface>, DbError> {
    let models = models.map(serde_json::to_string).transpose()?;
    let changed = conn.execute(
        "UPDATE userinterfaces SET description = COALESCE(?2, description),
            models = COALESCE(?3, models), updated_at = ?4 WHERE id = ?1",
        params![id, description, models, Utc::now()],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    get_userinterface(conn, id)
}

/// Deletes a userinterface, its tree and its references inside `tx`; returns the ids of the
/// references removed (their PNG files go too) or `None` when there was no such userinterface.
pub fn delete_userinterface_in(tx: &Transaction<'_>, id: i64) -> Result<Option<Vec<i64>>, DbError> {
    let name: Option<String> = tx
        .query_row("SELECT name FROM userinterfaces WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(name) = name else {
        return Ok(None);
    };
    let mut stmt = tx.prepare("SELECT id FROM screen_references WHERE userinterface = ?1")?;
    let references: Vec<i64> = stmt
        .query_map([&name], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    tx.execute(
        "DELETE FROM screen_references WHERE userinterface = ?1",
        [&name],
    )?;
    tx.execute("DELETE FROM userinterfaces WHERE id = ?1", [id])?;
    Ok(Some(references))
}

/// Nodes of a userinterface's tree whose verifications name `reference`.
pub fn nodes_using_reference(
    conn: &mut Connection,
    userinterface: &str,
    reference: &str,
) -> Result<Vec<String>, DbError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT t.id, t.document FROM trees t JOIN userinterfaces u ON u.id = t.userinterface_id
             WHERE u.name = ?1",
            [userinterface],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((tree_id, document)) = row else {
        return Ok(Vec::new());
    };
    let doc: TreeDoc = stored_json("trees", tree_id, "document", &document)?;
    Ok(doc
        .nodes
        .iter()
        .filter(|node| {
            node.verifications
                .iter()
                .any(|v| v.get("reference").and_then(|r| r.as_str()) == Some(reference))
        })
        .map(|node| node.id.clone())
        .collect())
}

pub fn load_tree(conn: &mut Connection, tree_id: i64) -> Result<Option<StoredTree>, DbError> {
    let row = conn
        .query_row(
            "SELECT t.id, t.userinterface_id, u.name, t.version, t.document, t.updated_at
             FROM trees t JOIN userinterfaces u ON u.id = t.userinterface_id WHERE t.id = ?1",
            [tree_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, DateTime<Utc>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, userinterface_id, userinterface, version, document, updated_at)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredTree {
        id,
        userinterface_id,
        userinterface,
        version,
        doc: stored_json("trees", id, "document", &document)?,
        updated_at,
    }))
}

/// Why a save did not happen.
#[derive(Debug)]
pub enum SaveError {
    /// Someone saved after the version the caller edited.
    Stale {
        current: i64,
    },
    NotFound,
    Db(DbError),
}

impl From<DbError> for SaveError {
    fn from(e: DbError) -> Self {
        SaveError::Db(e)
    }
}

impl From<rusqlite::Error> for SaveError {
    fn from(e: rusqlite::Error) -> Self {
        SaveError::Db(e.into())
    }
}

/// Saves `doc` as the tree's next version (checked against `base_version` when given).
pub fn save_tree(
    conn: &mut Connection,
    tree_id: i64,
    doc: &TreeDoc,
    message: &str,
    base_version: Option<i64>,
) -> Result<i64, SaveError> {
    let tx = conn.transaction()?;
    let current: Option<i64> = tx
        .query_row("SELECT version FROM trees WHERE id = ?1", [tree_id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(current) = current else {
        return Err(SaveError::NotFound);
    };
    if base_version.is_some_and(|base| base != current) {
        return Err(SaveError::Stale { current });
    }
    let version = current + 1;
    let now = Utc::now();
    let document = serde_json::to_string(doc).map_err(DbError::from)?;
    tx.execute(
        "UPDATE trees SET version = ?2, document = ?3, updated_at = ?4 WHERE id = ?1",
        params![tree_id, version, document, now],
    )?;
    tx.execute(
        "INSERT INTO tree_versions (tree_id, version, message, document, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![tree_id, version, message, document, now],
    )?;
    tx.execute(
        "DELETE FROM tree_versions WHERE tree_id = ?1 AND version <= ?2",
        params![tree_id, version - KEPT_VERSIONS],
    )?;
    tx.execute(
        "UPDATE userinterfaces SET updated_at = ?2
         WHERE id = (SELECT userinterface_id FROM trees WHERE id = ?1)",
        params![tree_id, now],
    )?;
    tx.commit()?;
    Ok(version)
}

pub fn history(conn: &mut Connection, tree_id: i64) -> Result<Vec<VersionInfo>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT version, message, created_at, document FROM tree_versions WHERE tree_id = ?1
         ORDER BY version DESC",
    )?;
    let rows = stmt.query_map([tree_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, DateTime<Utc>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, message, created_at, document) = row?;
        let doc: TreeDoc = stored_json(
            "tree_versions",
            format_args!("{tree_id} version {version}"),
            "document",
            &document,
        )?;
        out.push(VersionInfo {
            version,
            message,
            created_at,
            node_count: doc.nodes.len(),
            edge_count: doc.edges.len(),
        });
    }
    Ok(out)
}

pub fn version_doc(
    conn: &mut Connection,
    tree_id: i64,
    version: i64,
) -> Result<Option<TreeDoc>, DbError> {
    let document: Option<String> = conn
        .query_row(
            "SELECT document FROM tree_versions WHERE tree_id = ?1 AND version = ?2",
            params![tree_id, version],
            |r| r.get(0),
        )
        .optional()?;
    Ok(document
        .map(|d| {
            stored_json(
                "tree_versions",
                format_args!("{tree_id} version {version}"),
                "document",
                &d,
            )
        })
        .transpose()?)
}

pub fn metrics(conn: &mut Connection, tree_id: i64) -> Result<Vec<EdgeMetric>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT edge_id, direction, runs, successes, total_ms, min_ms, max_ms, last_status, last_at
         FROM edge_metrics WHERE tree_id = ?1 ORDER BY edge_id, direction",
    )?;
    let rows = stmt.query_map([tree_id], |r| {
        let runs: i64 = r.get(2)?;
        let successes: i64 = r.get(3)?;
        let total: f64 = r.get(4)?;
        let direction: String = r.get(1)?;
        Ok(EdgeMetric {
            edge_id: r.get(0)?,
            direction: parse_direction(&direction),
            runs,
            successes,
            success_rate: if runs > 0 {
                successes as f64 / runs as f64
            } else {
                0.0
            },
            mean_ms: (successes > 0).then(|| total / successes as f64),
            min_ms: r.get(5)?,
            max_ms: r.get(6)?,
            last_status: r.get(7)?,
            last_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Mean times of moves that have passed at least once, for the planner.
pub fn measured_times(conn: &mut Connection, tree_id: i64) -> Result<MeasuredTimes, DbError> {
    Ok(metrics(conn, tree_id)?
        .into_iter()
        .filter_map(|m| Some(((m.edge_id, m.direction), m.mean_ms?)))
        .collect())
}

pub fn record_moves(
    conn: &mut Connection,
    tree_id: i64,
    outcomes: &[MoveOutcome],
) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    let now = Utc::now();
    for o in outcomes {
        let (success, time) = if o.passed { (1, o.ms) } else { (0, 0.0) };
        let (min, max) = if o.passed {
            (Some(o.ms), Some(o.ms))
        } else {
            (None, None)
        };
        tx.execute(
            "INSERT INTO edge_metrics (tree_id, edge_id, direction, runs, successes, total_ms,
                min_ms, max_ms, last_status, last_at)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (tree_id, edge_id, direction) DO UPDATE SET
                runs = runs + 1, successes = successes + excluded.successes,
                total_ms = total_ms + excluded.total_ms,
                min_ms = MIN(COALESCE(min_ms, excluded.min_ms), COALESCE(excluded.min_ms, min_ms)),
                max_ms = MAX(COALESCE(max_ms, excluded.max_ms), COALESCE(excluded.max_ms, max_ms)),
                last_status = excluded.last_status, last_at = excluded.last_at",
            params![
                tree_id,
                o.edge_id,
                direction_name(o.direction),
                success,
                time,
                min,
                max,
                if o.passed { "passed" } else { "failed" },
                now
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn insert_validation(conn: &mut Connection, v: &NewValidation<'_>) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO validations (tree_id, tree_version, host, device, status, error, started_at,
            finished_at, moves, edges_total, edges_passed, efficiency, results)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            v.tree_id,
            v.tree_version,
            v.host,
            v.device,
            v.status,
            v.error,
            v.started_at,
            Utc::now(),
            v.summary.moves as i64,
            v.summary.edges_total as i64,
            v.summary.edges_passed as i64,
            v.summary.efficiency,
            serde_json::to_string(&v.summary.results)?
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Rewrites a stored validation's results (their screenshot links, once the images are kept).
pub fn set_validation_results(
    conn: &mut Connection,
    id: i64,
    results: &[EdgeResult],
) -> Result<(), DbError> {
    conn.execute(
        "UPDATE validations SET results = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(results)?],
    )?;
    Ok(())
}

const VALIDATION_COLUMNS: &str = "id, tree_id, tree_version, host, device, status, error,
    started_at, finished_at, moves, edges_total, edges_passed, efficiency, results";

fn validation_from_row(
    row: &rusqlite::Row<'_>,
    with_results: bool,
) -> rusqlite::Result<(Validation, Option<String>)> {
    Ok((
        Validation {
            id: row.get(0)?,
            tree_id: row.get(1)?,
            tree_version: row.get(2)?,
            host: row.get(3)?,
            device: row.get(4)?,
            status: row.get(5)?,
            error: row.get(6)?,
            started_at: row.get(7)?,
            finished_at: row.get(8)?,
            moves: row.get(9)?,
            edges_total: row.get(10)?,
            edges_passed: row.get(11)?,
            efficiency: row.get(12)?,
            results: None,
        },
        if with_results { row.get(13)? } else { None },
    ))
}

pub fn list_validations(conn: &mut Connection, tree_id: i64) -> Result<Vec<Validation>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VALIDATION_COLUMNS} FROM validations WHERE tree_id = ?1 ORDER BY id DESC LIMIT 100"
    ))?;
    let rows = stmt.query_map([tree_id], |r| validation_from_row(r, false))?;
    Ok(rows.map(|r| r.map(|(v, _)| v)).collect::<Result<_, _>>()?)
}

pub fn get_validation(conn: &mut Connection, id: i64) -> Result<Option<Validation>, DbError> {
    let row = conn
        .query_row(
            &format!("SELECT {VALIDATION_COLUMNS} FROM validations WHERE id = ?1"),
            [id],
            |r| validation_from_row(r, true),
        )
        .optional()?;
    let Some((mut validation, results)) = row else {
        return Ok(None);
    };
    validation.results = results
        .map(|r| stored_json("validations", id, "results", &r))
        .transpose()?;
    Ok(Some(validation))
}

pub fn meta(conn: &mut Connection, key: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row("SELECT value FROM server_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set_meta_in(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
