//! Queries of `screen_references`. The PNG of a reference lives beside the database and is
//! written in the same transaction as its row, so a failed write leaves neither.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::DbError;
use crate::verify::Region;

#[derive(Debug, Clone, Serialize)]
pub struct StoredReference {
    pub id: i64,
    pub name: String,
    pub userinterface: String,
    pub model: Option<String>,
    pub kind: String,
    pub area: Region,
    pub source_width: u32,
    pub source_height: u32,
    pub text: Option<String>,
    pub lang: String,
    pub image_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A reference to be created.
pub struct NewReference {
    pub name: String,
    pub userinterface: String,
    pub model: Option<String>,
    pub kind: String,
    pub area: Region,
    pub source_width: u32,
    pub source_height: u32,
    pub text: Option<String>,
    pub lang: String,
}

/// Whether a write failed because the name is taken.
pub fn is_name_taken(e: &DbError) -> bool {
    matches!(e, DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

const COLUMNS: &str =
    "id, name, userinterface, model, kind, area_x, area_y, area_width, area_height,
    source_width, source_height, text, lang, created_at, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReference> {
    let id: i64 = row.get(0)?;
    Ok(StoredReference {
        id,
        name: row.get(1)?,
        userinterface: row.get(2)?,
        model: row.get(3)?,
        kind: row.get(4)?,
        area: Region::new(row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?),
        source_width: row.get(9)?,
        source_height: row.get(10)?,
        text: row.get(11)?,
        lang: row.get(12)?,
        image_url: format!("/api/references/{id}/image"),
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
    })
}

pub fn list(
    conn: &mut Connection,
    userinterface: Option<&str>,
) -> Result<Vec<StoredReference>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM screen_references WHERE ?1 IS NULL OR userinterface = ?1
         ORDER BY userinterface, name"
    ))?;
    let rows = stmt.query_map([userinterface], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &mut Connection, id: i64) -> Result<Option<StoredReference>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM screen_references WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn find(
    conn: &mut Connection,
    userinterface: &str,
    name: &str,
) -> Result<Option<StoredReference>, DbError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM screen_references WHERE userinterface = ?1 AND name = ?2"
            ),
            [userinterface, name],
            from_row,
        )
        .optional()?)
}

/// Inserts the row and writes its PNG (via `write_png(id)`) in one transaction.
pub fn create(
    conn: &mut Connection,
    new: &NewReference,
    write_png: impl FnOnce(i64) -> std::io::Result<()>,
) -> Result<StoredReference, DbError> {
    let tx = conn.transaction()?;
    let id = insert_in(&tx, new)?;
    write_png(id).map_err(|e| DbError::Worker(format!("cannot write the reference image: {e}")))?;
    let stored = tx.query_row(
        &format!("SELECT {COLUMNS} FROM screen_references WHERE id = ?1"),
        [id],
        from_row,
    )?;
    tx.commit()?;
    Ok(stored)
}

/// Inserts a reference row inside a transaction (the caller writes its PNG); returns its id.
pub fn insert_in(tx: &rusqlite::Transaction<'_>, new: &NewReference) -> Result<i64, DbError> {
    let now = Utc::now();
    tx.execute(
        "INSERT INTO screen_references (userinterface, name, kind, model, area_x, area_y, area_width,
            area_height, source_width, source_height, text, lang, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        params![
            new.userinterface,
            new.name,
            new.kind,
            new.model,
            new.area.x,
            new.area.y,
            new.area.width,
            new.area.height,
            new.source_width,
            new.source_height,
            new.text,
            new.lang,
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub struct Changes {
    pub name: Option<String>,
    pub text: Option<String>,
    pub lang: Option<String>,
    pub area: Option<Region>,
}

pub fn update(
    conn: &mut Connection,
    id: i64,
    changes: &Changes,
) -> Result<Option<StoredReference>, DbError> {
    let changed = conn.execute(
        "UPDATE screen_references SET
            name = COALESCE(?2, name), text = COALESCE(?3, text), lang = COALESCE(?4, lang),
            area_x = COALESCE(?5, area_x), area_y = COALESCE(?6, area_y),
            area_width = COALESCE(?7, area_width), area_height = COALESCE(?8, area_height),
            updated_at = ?9
         WHERE id = ?1",
        params![
            id,
            changes.name,
            changes.text,
            changes.lang,
            changes.area.map(|a| a.x),
            changes.area.map(|a| a.y),
            changes.area.map(|a| a.width),
            changes.area.map(|a| a.height),
            Utc::now()
        ],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    get(conn, id)
}

/// Deletes the row; `remove_png` runs inside the transaction, after the row is gone.
pub fn delete(
    conn: &mut Connection,
    id: i64,
    remove_png: impl FnOnce() -> std::io::Result<()>,
) -> Result<bool, DbError> {
    let tx = conn.transaction()?;
    let deleted = tx.execute("DELETE FROM screen_references WHERE id = ?1", [id])? > 0;
    if deleted {
        remove_png()
            .map_err(|e| DbError::Worker(format!("cannot remove the reference image: {e}")))?;
    }
    tx.commit()?;
    Ok(deleted)
}
