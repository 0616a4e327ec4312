//! Queries of incidents and of the read position in each host's incident journal.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{DbError, stored_json, stored_json_in_row};
use crate::monitoring::{FrameLabel, IncidentKind, MonitorEvent};

/// A picture of an incident as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredFrame {
    pub name: String,
    pub label: FrameLabel,
    pub captured_at: DateTime<Utc>,
    /// Filled in for the API: where the JPEG is served.
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: i64,
    pub host: String,
    pub device: String,
    pub kind: IncidentKind,
    pub status: &'static str,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub resolve_reason: Option<String>,
    pub frames: Vec<StoredFrame>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub false_positive: bool,
    pub comment: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The host's name for it (where its pictures are kept).
    #[serde(skip)]
    pub uid: String,
}

const COLUMNS: &str = "id, host, uid, device, kind, status, started_at, ended_at, duration_ms,
    resolve_reason, frames, acknowledged_at, acknowledged_by, false_positive, comment, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Incident> {
    let id: i64 = row.get(0)?;
    let kind: String = row.get(4)?;
    let status: String = row.get(5)?;
    let frames: String = row.get(10)?;
    let mut frames: Vec<StoredFrame> =
        stored_json_in_row("incidents", id, (10, "frames"), &frames)?;
    for frame in &mut frames {
        frame.url = format!("/api/incidents/{id}/frames/{}", frame.name);
    }
    Ok(Incident {
        id,
        host: row.get(1)?,
        uid: row.get(2)?,
        device: row.get(3)?,
        kind: IncidentKind::parse(&kind).unwrap_or(IncidentKind::Black),
        status: if status == "active" {
            "active"
        } else {
            "resolved"
        },
        started_at: row.get(6)?,
        ended_at: row.get(7)?,
        duration_ms: row.get(8)?,
        resolve_reason: row.get(9)?,
        frames,
        acknowledged_at: row.get(11)?,
        acknowledged_by: row.get(12)?,
        false_positive: row.get(13)?,
        comment: row.get(14)?,
        updated_at: row.get(15)?,
    })
}

/// How far the server has read a host's journal.
pub fn cursor(conn: &Connection, host: &str) -> Result<Option<(String, u64)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT journal, seq FROM monitor_cursors WHERE host = ?1",
            [host],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        )
        .optional()?)
}

/// What storing an event changed, for the events the UI receives.
pub enum Change {
    Opened(Incident),
    Resolved(Incident),
    /// Already stored (a repeat after a lost link): nothing to tell.
    Nothing,
}

fn frames_json(event_frames: &[crate::monitoring::IncidentFrame]) -> Vec<StoredFrame> {
    event_frames
        .iter()
        .map(|f| StoredFrame {
            name: f.name.clone(),
            label: f.label,
            captured_at: f.captured_at,
            url: String::new(),
        })
        .collect()
}

/// Stores one journal event of `host` and moves its read position, in one transaction.
pub fn apply_event(
    conn: &mut Connection,
    host: &str,
    journal: &str,
    event: &MonitorEvent,
) -> Result<Change, DbError> {
    let tx = conn.transaction()?;
    let now = Utc::now();
    let change = match event {
        MonitorEvent::Opened {
            incident,
            device,
            kind,
            started_at,
            frames,
            ..
        } => {
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO incidents (host, uid, device, kind, status, started_at,
                 frames, updated_at) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7)",
                params![
                    host,
                    incident,
                    device,
                    kind.as_str(),
                    started_at,
                    serde_json::to_string(&frames_json(frames))?,
                    now
                ],
            )?;
            if inserted > 0 {
                Change::Opened(by_uid(&tx, host, incident)?)
            } else {
                Change::Nothing
            }
        }
        MonitorEvent::Resolved {
            incident,
            device,
            kind,
            started_at,
            ended_at,
            reason,
            frames,
            ..
        } => {
            let duration = (*ended_at - *started_at).num_milliseconds().max(0);
            let existing = tx
                .query_row(
                    "SELECT id, status, frames FROM incidents WHERE host = ?1 AND uid = ?2",
                    params![host, incident],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    },
                )
                .optional()?;
            match existing {
                Some((_, status, _)) if status == "resolved" => Change::Nothing,
                Some((id, _, stored)) => {
                    let mut all: Vec<StoredFrame> =
                        stored_json("incidents", id, "frames", &stored)?;
                    all.extend(frames_json(frames));
                    tx.execute(
                        "UPDATE incidents SET status = 'resolved', ended_at = ?3, duration_ms = ?4,
                         resolve_reason = ?5, frames = ?6, updated_at = ?7
                         WHERE host = ?1 AND uid = ?2",
                        params![
                            host,
                            incident,
                            ended_at,
                            duration,
                            reason,
                            serde_json::to_string(&all)?,
                            now
                        ],
                    )?;
                    Change::Resolved(by_uid(&tx, host, incident)?)
                }
                // The opening was never read (dropped from the host's journal): keep the rest.
                None => {
                    tx.execute(
                        "INSERT INTO incidents (host, uid, device, kind, status, started_at,
                         ended_at, duration_ms, resolve_reason, frames, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'resolved', ?5, ?6, ?7, ?8, ?9, ?10)",
                        params![
                            host,
                            incident,
                            device,
                            kind.as_str(),
                            started_at,
                            ended_at,
                            duration,
                            reason,
                            serde_json::to_string(&frames_json(frames))?,
                            now
                        ],
                    )?;
                    Change::Resolved(by_uid(&tx, host, incident)?)
                }
            }
        }
    };
    tx.execute(
        "INSERT INTO monitor_cursors (host, journal, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (host) DO UPDATE SET journal = excluded.journal, seq = excluded.seq",
        params![host, journal, event.seq() as i64],
    )?;
    tx.commit()?;
    Ok(change)
}

fn by_uid(conn: &Connection, host: &str, uid: &str) -> Result<Incident, DbError> {
    Ok(conn.query_row(
        &format!("SELECT {COLUMNS} FROM incidents WHERE host = ?1 AND uid = ?2"),
        params![host, uid],
        from_row,
    )?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Incident>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

#[derive(Debug, Default, Clone)]
pub struct IncidentFilter {
    pub host: Option<String>,
    pub device: Option<String>,
    pub kind: Option<IncidentKind>,
    pub status: Option<&'static str>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only incidents with a smaller id (paging, newest first).
    pub before: Option<i64>,
    pub limit: u32,
}

/// Newest first; the second value is the `before` of the next page, if there is one.
pub fn list(
    conn: &Connection,
    filter: &IncidentFilter,
) -> Result<(Vec<Incident>, Option<i64>), DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM incidents
         WHERE (?1 IS NULL OR host = ?1) AND (?2 IS NULL OR device = ?2)
           AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR status = ?4)
           AND (?5 IS NULL OR started_at >= ?5) AND (?6 IS NULL OR started_at < ?6)
           AND (?7 IS NULL OR id < ?7)
         ORDER BY id DESC LIMIT ?8"
    ))?;
    let mut incidents: Vec<Incident> = stmt
        .query_map(
            params![
                filter.host,
                filter.device,
                filter.kind.map(IncidentKind::as_str),
                filter.status,
                filter.from,
                filter.to,
                filter.before,
                i64::from(filter.limit) + 1
            ],
            from_row,
        )?
        .collect::<Result<_, _>>()?;
    let more = incidents.len() > filter.limit as usize;
    incidents.truncate(filter.limit as usize);
    let next = if more {
        incidents.last().map(|i| i.id)
    } else {
        None
    };
    Ok((incidents, next))
}

pub fn acknowledge(conn: &Connection, id: i64, by: &str) -> Result<Option<Incident>, DbError> {
    conn.execute(
        "UPDATE incidents SET acknowledged_at = COALESCE(acknowledged_at, ?2),
         acknowledged_by = COALESCE(acknowledged_by, ?3), updated_at = ?2 WHERE id = ?1",
        params![id, Utc::now(), by],
    )?;
    get(conn, id)
}

/// Marks a false positive with its comment (which also acknowledges it).
pub fn mark_false_positive(
    conn: &Connection,
    id: i64,
    comment: &str,
    by: &str,
) -> Result<Option<Incident>, DbError> {
    conn.execute(
        "UPDATE incidents SET false_positive = 1, comment = ?2,
         acknowledged_at = COALESCE(acknowledged_at, ?3),
         acknowledged_by = COALESCE(acknowledged_by, ?4), updated_at = ?3 WHERE id = ?1",
        params![id, comment, Utc::now(), by],
    )?;
    get(conn, id)
}

/// Active incidents by kind, and all incidents by kind (for metrics).
pub fn counts(conn: &Connection) -> Result<Vec<(String, u64, u64)>, DbError> {
    let mut stmt =
        conn.prepare("SELECT kind, SUM(status = 'active'), COUNT(*) FROM incidents GROUP BY kind")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
