//! Queries of the `hosts` table. Rows are plain records of what a host said; the registry
//! turns them into what the API shows.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DbError, stored_json};
use crate::protocol::{Heartbeat, Hello};

/// A host as stored: its last hello and, once it sent one, its last heartbeat.
pub struct StoredHost {
    pub id: String,
    pub version: String,
    pub address: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub hello: Hello,
    pub heartbeat: Option<Heartbeat>,
}

/// What a hello changes in a host's row.
pub struct HostHello<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub address: Option<&'a str>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub hello: &'a Hello,
}

/// What a heartbeat (or a link's end) changes in a host's row.
pub struct HostState<'a> {
    pub id: &'a str,
    pub last_seen: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub heartbeat: &'a Heartbeat,
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
        hosts.push(StoredHost {
            id,
            version,
            address,
            first_seen,
            last_seen,
            connected_at,
            hello,
            heartbeat,
        });
    }
    Ok(hosts)
}

pub fn upsert_hello(conn: &mut Connection, host: &HostHello<'_>) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO hosts (id, version, address, first_seen, last_seen, hello)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address,
             last_seen = excluded.last_seen, hello = excluded.hello",
        params![
            host.id,
            host.version,
            host.address,
            host.first_seen,
            host.last_seen,
            serde_json::to_string(host.hello)?
        ],
    )?;
    Ok(())
}

pub fn save_state(conn: &mut Connection, host: &HostState<'_>) -> Result<(), DbError> {
    conn.execute(
        "UPDATE hosts SET last_seen = ?2, connected_at = ?3, heartbeat = ?4 WHERE id = ?1",
        params![
            host.id,
            host.last_seen,
            host.connected_at,
            serde_json::to_string(host.heartbeat)?
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
