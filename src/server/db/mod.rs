//! SQLite access. One connection behind a mutex, used only from blocking threads through
//! [`Db::call`], so no query ever runs on the async runtime. WAL and foreign keys are on;
//! migrations are plain SQL files compiled into the binary and applied in order at start.

pub mod auth;
pub mod campaigns;
pub mod host_approvals;
pub mod hosts;
pub mod incidents;
pub mod references;
pub mod schedules;
pub mod testing;
pub mod trees;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// Migrations in order. A landed migration is never edited: add a new file instead.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_hosts",
        include_str!("../../../migrations/0001_hosts.sql"),
    ),
    (
        "0002_references",
        include_str!("../../../migrations/0002_references.sql"),
    ),
    (
        "0003_navigation",
        include_str!("../../../migrations/0003_navigation.sql"),
    ),
    (
        "0004_testing",
        include_str!("../../../migrations/0004_testing.sql"),
    ),
    (
        "0005_monitoring",
        include_str!("../../../migrations/0005_monitoring.sql"),
    ),
    (
        "0006_auth",
        include_str!("../../../migrations/0006_auth.sql"),
    ),
    (
        "0007_host_approvals",
        include_str!("../../../migrations/0007_host_approvals.sql"),
    ),
    (
        "0008_auth_hardening",
        include_str!("../../../migrations/0008_auth_hardening.sql"),
    ),
    (
        "0009_host_keys",
        include_str!("../../../migrations/0009_host_keys.sql"),
    ),
];

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored document that does not decode: reported with the row it is in, never read as
    /// a default (an empty target selector, for one, would fit any device).
    #[error("database: {0}")]
    Unreadable(#[from] UnreadableRow),
    #[error("database: JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("database worker stopped: {0}")]
    Worker(String),
    #[error("database file {0}")]
    File(String),
}

/// A JSON column of a stored row that does not decode as what it must be.
#[derive(Debug, thiserror::Error)]
#[error("the stored `{column}` of {table} row {row} is unreadable ({source})")]
pub struct UnreadableRow {
    pub table: &'static str,
    /// The row's key as the table knows it (an id, or a name for tables keyed by name).
    pub row: String,
    pub column: &'static str,
    #[source]
    pub source: serde_json::Error,
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        // Row mappers run inside rusqlite and can only fail with its error type; an unreadable
        // document travels through it boxed (see `stored_json_in_row`) and is unpacked here.
        match error {
            rusqlite::Error::FromSqlConversionFailure(index, kind, cause) => {
                match cause.downcast::<UnreadableRow>() {
                    Ok(unreadable) => Self::Unreadable(*unreadable),
                    Err(cause) => Self::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                        index, kind, cause,
                    )),
                }
            }
            other => Self::Sqlite(other),
        }
    }
}

/// Decodes the JSON document stored in `column` of row `row_id` of `table`.
pub fn stored_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    row: impl std::fmt::Display,
    column: &'static str,
    text: &str,
) -> Result<T, UnreadableRow> {
    serde_json::from_str(text).map_err(|source| UnreadableRow {
        table,
        row: row.to_string(),
        column,
        source,
    })
}

/// [`stored_json`] for row mappers, which must answer with rusqlite's error: the failure is
/// carried as a conversion failure of column `index` and turned back into
/// [`DbError::Unreadable`] by `From<rusqlite::Error>`.
pub fn stored_json_in_row<T: serde::de::DeserializeOwned>(
    table: &'static str,
    row: impl std::fmt::Display,
    (index, column): (usize, &'static str),
    text: &str,
) -> rusqlite::Result<T> {
    stored_json(table, row, column, text).map_err(|unreadable| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(unreadable),
        )
    })
}

impl Db {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        // The database holds password hashes and the audit log: only the owner may read it.
        // SQLite creates `-wal` and `-shm` with the database file's mode, so the file is made
        // private before SQLite first opens it.
        make_private(path, true)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        // Older versions left these 0644; tighten what is there now.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            make_private(Path::new(&side), false)?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| DbError::Worker("connection lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Worker(e.to_string()))?
    }

    /// Size of the database and its WAL on disk.
    pub fn size_bytes(&self) -> u64 {
        let wal = self.path.with_extension("db-wal");
        [self.path.as_path(), wal.as_path()]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Creates the data dir with mode 0700 on Unix (it holds the database, secrets and pictures).
/// An existing one that others may enter is left as it is (it may be shared on purpose), with a
/// warning naming it; the files with secrets in it are 0600 anyway.
pub fn create_data_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        match std::fs::metadata(dir) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                tracing::warn!(
                    data_dir = %dir.display(),
                    mode = format!("{:o}", meta.permissions().mode() & 0o777),
                    "the data dir may be read by other users; `chmod 700` it"
                );
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(_) => std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir),
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Mode 0600 for `path` on Unix: created empty with it when `create` and it is missing, else
/// changed to it when it exists.
fn make_private(path: &Path, create: bool) -> Result<(), DbError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| DbError::File(format!("{}: {e}", path.display()));
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    #[cfg(not(unix))]
    let _ = (path, create);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vpt.db");
        let db = Db::open(&path).unwrap();
        let version: i64 = db
            .call(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        drop(db);
        // Re-opening does not re-apply (it would fail on CREATE TABLE).
        Db::open(&path).unwrap();
    }
}
