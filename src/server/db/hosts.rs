//! Queries of the `hosts` table.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DbError, stored_json};
use crate::protocol::{DeviceInfo, Heartbeat, Hello};
use crate::server::registry::{HostStatus, HostView};

pub struct StoredHost {
    pub view: HostView,
    pub devices: Vec<DeviceInfo>,
}

pub fn load_all(conn: &mut Connection) -> Result<Vec<StoredHost>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, version, address, first_seen, last_seen, connected_at, hello, heartbeat
         FROM hosts ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, DateTime<Utc>>(3)?,
            row.get::<_, DateTime<Utc>>(4)?,
            row.get::<_, Option<DateTime<Utc>>>(5)?,
            row.get::<_, String>(6)?,
            row.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut hosts = Vec::new();
    for row in rows {
        let (id, version, address, first_seen, last_seen, connected_at, hello, heartbeat) = row?;
        let hello: Hello = stored_json("hosts", &id, "hello", &hello)?;
        let heartbeat: Option<Heartbeat> = heartbeat
            .map(|h| stored_json("hosts", &id, "heartbeat", &h))
            .transpose()?;
        let devices = heartbeat
            .as_ref()
            .map(|h| h.devices.clone())
            .unwrap_or_else(|| hello.devices.clone());
        hosts.push(StoredHost {
            view: HostView {
                name: id.clone(),
                id,
                version,
                status: HostStatus::Offline,
                address,
                first_seen,
                connected_at,
                last_seen,
                uptime_secs: heartbeat
                    .as_ref()
                    .map_or(hello.uptime_secs, |h| h.uptime_secs),
                heartbeat_interval_ms: hello.heartbeat_interval_ms,
                stats: heartbeat.map(|h| h.stats),
                devices: Vec::new(),
            },
            devices,
        });
    }
    Ok(hosts)
}

pub fn upsert_hello(conn: &mut Connection, view: &HostView, hello: &Hello) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO hosts (id, version, address, first_seen, last_seen, hello)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address,
             last_seen = excluded.last_seen, hello = excluded.hello",
        params![
            view.id,
            view.version,
            view.address,
            view.first_seen,
            view.last_seen,
            serde_json::to_string(hello)?
        ],
    )?;
    Ok(())
}

pub fn save_state(conn: &mut Connection, view: &HostView) -> Result<(), DbError> {
    let heartbeat = Heartbeat {
        uptime_secs: view.uptime_secs,
        stats: view.stats.clone().unwrap_or_default(),
        devices: view.devices.iter().map(|d| d.info.clone()).collect(),
    };
    conn.execute(
        "UPDATE hosts SET last_seen = ?2, connected_at = ?3, heartbeat = ?4 WHERE id = ?1",
        params![
            view.id,
            view.last_seen,
            view.connected_at,
            serde_json::to_string(&heartbeat)?
        ],
    )?;
    Ok(())
}

/// Whether a host with this id is stored (used by tests and the register endpoint).
pub fn exists(conn: &mut Connection, id: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row("SELECT 1 FROM hosts WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}
