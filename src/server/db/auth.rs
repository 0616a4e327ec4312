//! Queries of users, sessions, API tokens and the audit log.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

use super::{DbError, stored_json_in_row};
use crate::server::role::Role;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The password was generated (first start): it must be changed before anything else.
    pub must_change_password: bool,
}

fn role_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Role> {
    let text: String = row.get(index)?;
    // The table's CHECK keeps other values out; viewer is the safe reading if one slipped in.
    Ok(text.parse().unwrap_or(Role::Viewer))
}

const USER_COLUMNS: &str =
    "id, name, role, password_hash, created_at, disabled_at, must_change_password";

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        role: role_at(row, 2)?,
        password_hash: row.get(3)?,
        created_at: row.get(4)?,
        disabled_at: row.get(5)?,
        must_change_password: row.get(6)?,
    })
}

pub fn count_users(conn: &mut Connection) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Enabled admins other than `except` (so the last one cannot be demoted, disabled or deleted).
pub fn other_enabled_admins(conn: &mut Connection, except: i64) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id != ?1",
        [except],
        |r| r.get(0),
    )?)
}

/// Inserts a user; `None` when the name is taken, in any case (`Admin` when `admin` exists).
pub fn create_user(
    conn: &mut Connection,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Result<Option<User>, DbError> {
    let inserted = conn.execute(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        params![name, role.as_str(), password_hash, Utc::now()],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    user_by_name(conn, name)
}

pub fn user_by_name(conn: &mut Connection, name: &str) -> Result<Option<User>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1 COLLATE NOCASE"),
            [name],
            user_from_row,
        )
        .optional()?)
}

pub fn list_users(conn: &mut Connection) -> Result<Vec<User>, DbError> {
    let mut stmt = conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
    let rows = stmt.query_map([], user_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Applies the given changes; a changed role or a disabled user also lowers or revokes what the
/// user's tokens and sessions may do (callers drop the caches).
pub fn update_user(
    conn: &mut Connection,
    id: i64,
    role: Option<Role>,
    disabled: Option<bool>,
    password_hash: Option<&str>,
) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    if let Some(role) = role {
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![id, role.as_str()],
        )?;
    }
    if let Some(disabled) = disabled {
        tx.execute(
            "UPDATE users SET disabled_at = CASE WHEN ?2 THEN COALESCE(disabled_at, ?3) END
             WHERE id = ?1",
            params![id, disabled, Utc::now()],
        )?;
        if disabled {
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
            // Revoked, not suspended: enabling the user again does not bring them back.
            tx.execute(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE user_id = ?1",
                params![id, Utc::now()],
            )?;
        }
    }
    if let Some(hash) = password_hash {
        tx.execute(
            "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
            params![id, hash],
        )?;
        // A new password ends every session opened with the old one.
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    }
    tx.commit()?;
    Ok(())
}

/// Makes the user change the password at the next sign-in (the generated first admin's).
pub fn require_password_change(conn: &mut Connection, id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET must_change_password = 1 WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

pub fn delete_user(conn: &mut Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM users WHERE id = ?1", [id])? > 0)
}

/// Who a credential (session or token) belongs to, as the request check needs it.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The token's id; `None` for a session.
    pub token_id: Option<i64>,
    pub user_id: i64,
    pub name: String,
    /// The user's role, lowered to the token's for a token.
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    /// Only signing out, `me` and changing the password are allowed until it is changed.
    pub must_change_password: bool,
}

pub fn create_session(
    conn: &mut Connection,
    id_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), DbError> {
    let now = Utc::now();
    // Expired sessions are removed here, so the table stays as small as the live sessions.
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    conn.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen, ip)
         VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
        params![id_hash, user_id, now, expires_at, ip],
    )?;
    Ok(())
}

/// The live session with this hash, with its enabled user. With `idle`, a session not used
/// for that long has ended too (its `last_seen` is recorded about once a minute while in use).
pub fn session(
    conn: &mut Connection,
    id_hash: &str,
    idle: Option<chrono::Duration>,
) -> Result<Option<Holder>, DbError> {
    let now = Utc::now();
    let seen_after = idle.map(|idle| now - idle);
    Ok(conn
        .query_row(
            "SELECT u.id, u.name, u.role, s.expires_at, u.must_change_password FROM sessions s
             JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND u.disabled_at IS NULL AND s.expires_at > ?2
               AND (?3 IS NULL OR s.last_seen > ?3)",
            params![id_hash, now, seen_after],
            |row| {
                Ok(Holder {
                    token_id: None,
                    user_id: row.get(0)?,
                    name: row.get(1)?,
                    role: role_at(row, 2)?,
                    expires_at: Some(row.get(3)?),
                    must_change_password: row.get(4)?,
                })
            },
        )
        .optional()?)
}

pub fn delete_session(conn: &mut Connection, id_hash: &str) -> Result<(), DbError> {
    conn.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

pub fn touch_session(conn: &mut Connection, id_hash: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
        params![id_hash, Utc::now()],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub user: String,
    pub role: Role,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const TOKEN_COLUMNS: &str = "t.id, t.name, u.name, t.role, t.prefix, t.created_at, t.expires_at,
    t.revoked_at, t.last_used_at";

fn token_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: row.get(0)?,
        name: row.get(1)?,
        user: row.get(2)?,
        role: role_at(row, 3)?,
        prefix: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        revoked_at: row.get(7)?,
        last_used_at: row.get(8)?,
    })
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub user_id: i64,
    pub role: Role,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn create_token(conn: &mut Connection, new: &NewToken<'_>) -> Result<ApiToken, DbError> {
    conn.execute(
        "INSERT INTO api_tokens (name, user_id, role, token_hash, prefix, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.name,
            new.user_id,
            new.role.as_str(),
            new.token_hash,
            new.prefix,
            Utc::now(),
            new.expires_at
        ],
    )?;
    let id = conn.last_insert_rowid();
    Ok(conn.query_row(
        &format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id = ?1"
        ),
        [id],
        token_from_row,
    )?)
}

/// Tokens of one user, or of everybody.
pub fn list_tokens(conn: &mut Connection, user_id: Option<i64>) -> Result<Vec<ApiToken>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.id"
    ))?;
    let rows = stmt.query_map([user_id], token_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes a token (of `user_id` only, when given); returns the token as it was, if found.
pub fn revoke_token(
    conn: &mut Connection,
    id: i64,
    user_id: Option<i64>,
) -> Result<Option<(ApiToken, String)>, DbError> {
    let found = conn
        .query_row(
            &format!(
                "SELECT {TOKEN_COLUMNS}, t.token_hash FROM api_tokens t
                 JOIN users u ON u.id = t.user_id
                 WHERE t.id = ?1 AND (?2 IS NULL OR t.user_id = ?2)"
            ),
            params![id, user_id],
            |row| Ok((token_from_row(row)?, row.get::<_, String>(9)?)),
        )
        .optional()?;
    if found.is_some() {
        conn.execute(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id, Utc::now()],
        )?;
    }
    Ok(found)
}

/// The live token with this hash: not revoked, not expired, its user enabled.
pub fn token(conn: &mut Connection, token_hash: &str) -> Result<Option<Holder>, DbError> {
    Ok(conn
        .query_row(
            "SELECT t.id, u.id, u.name, t.role, u.role, t.expires_at, u.must_change_password
             FROM api_tokens t
             JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > ?2)",
            params![token_hash, Utc::now()],
            |row| {
                let token_role = role_at(row, 3)?;
                let user_role = role_at(row, 4)?;
                Ok(Holder {
                    token_id: Some(row.get(0)?),
                    user_id: row.get(1)?,
                    name: row.get(2)?,
                    role: token_role.min(user_role),
                    expires_at: row.get(5)?,
                    must_change_password: row.get(6)?,
                })
            },
        )
        .optional()?)
}

pub fn touch_token(conn: &mut Connection, id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        params![id, Utc::now()],
    )?;
    Ok(())
}

/// How long a browser stays known after its last sign-in, and how many a user keeps.
const DEVICE_DAYS: i64 = 90;
const DEVICES_PER_USER: i64 = 20;

/// Remembers that a browser (the hash of its `vpt_device` cookie) signed in as `user_id`.
pub fn remember_device(conn: &mut Connection, id_hash: &str, user_id: i64) -> Result<(), DbError> {
    let now = Utc::now();
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO login_devices (id_hash, user_id, created_at, last_used) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id_hash) DO UPDATE SET last_used = ?3 WHERE user_id = ?2",
        params![id_hash, user_id, now],
    )?;
    tx.execute(
        "DELETE FROM login_devices WHERE last_used < ?1",
        [now - chrono::Duration::days(DEVICE_DAYS)],
    )?;
    tx.execute(
        "DELETE FROM login_devices WHERE user_id = ?1 AND id_hash NOT IN
           (SELECT id_hash FROM login_devices WHERE user_id = ?1 ORDER BY last_used DESC LIMIT ?2)",
        params![user_id, DEVICES_PER_USER],
    )?;
    tx.commit()?;
    Ok(())
}

/// Whether this browser signed in as the user named `name` before (within the last 90 days).
pub fn known_device(conn: &mut Connection, id_hash: &str, name: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id
             WHERE d.id_hash = ?1 AND u.name = ?2 COLLATE NOCASE AND d.last_used > ?3",
            params![
                id_hash,
                name,
                Utc::now() - chrono::Duration::days(DEVICE_DAYS)
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Value,
    pub ip: Option<String>,
}

pub fn insert_audit(conn: &mut Connection, entry: &AuditEntry) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO audit_log (at, user, action, target, detail, ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            entry.at,
            entry.user,
            entry.action,
            entry.target,
            entry.detail.to_string(),
            entry.ip
        ],
    )?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub user: Option<String>,
    /// An exact action, or a family such as `user.` (every action starting with it).
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this id (the `next` of the previous page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// Newest first.
pub fn audit(conn: &mut Connection, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
    let action_like = filter.action.as_ref().map(|a| {
        if a.ends_with('.') {
            format!("{}%", a.replace('%', "").replace('_', "\\_"))
        } else {
            a.replace('%', "").replace('_', "\\_")
        }
    });
    let mut stmt = conn.prepare(
        "SELECT id, at, user, action, target, detail, ip FROM audit_log
         WHERE (?1 IS NULL OR user = ?1)
           AND (?2 IS NULL OR action LIKE ?2 ESCAPE '\\')
           AND (?3 IS NULL OR target = ?3)
           AND (?4 IS NULL OR at >= ?4)
           AND (?5 IS NULL OR at < ?5)
           AND (?6 IS NULL OR id < ?6)
         ORDER BY id DESC LIMIT ?7",
    )?;
    let rows = stmt.query_map(
        params![
            filter.user,
            action_like,
            filter.target,
            filter.since,
            filter.until,
            filter.before,
            filter.limit
        ],
        |row| {
            let id: i64 = row.get(0)?;
            let detail: String = row.get(5)?;
            Ok(AuditEntry {
                id,
                at: row.get(1)?,
                user: row.get(2)?,
                action: row.get(3)?,
                target: row.get(4)?,
                detail: stored_json_in_row("audit_log", id, (5, "detail"), &detail)?,
                ip: row.get(6)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, super::super::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = super::super::Db::open(&dir.path().join("vpt.db")).unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn an_idle_session_ends_and_names_are_unique_ignoring_case() {
        let (_dir, db) = db();
        db.call(|c| {
            let ann = create_user(c, "ann", Role::Tester, "hash")?.unwrap();
            assert!(create_user(c, "ANN", Role::Viewer, "hash")?.is_none());
            assert_eq!(user_by_name(c, "Ann")?.unwrap().id, ann.id);
            let expires = Utc::now() + chrono::Duration::hours(24);
            create_session(c, "s1", ann.id, expires, None)?;
            let idle = Some(chrono::Duration::minutes(120));
            assert!(session(c, "s1", idle)?.is_some(), "just used");
            c.execute(
                "UPDATE sessions SET last_seen = ?1",
                [Utc::now() - chrono::Duration::minutes(121)],
            )?;
            assert!(session(c, "s1", idle)?.is_none(), "unused for 121 minutes");
            assert!(session(c, "s1", None)?.is_some(), "no idle timeout");
            Ok(())
        })
        .await
        .unwrap();
    }
}
