//! Queries of the `host_approvals` table, and the admission rule a host's link goes through
//! (docs/security.md, "Hosts"): one transaction reads the host's row, decides, and writes.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::DbError;

/// Hosts waiting for approval at most: the join token alone cannot fill the table.
pub const MAX_PENDING: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Revoked,
}

impl ApprovalStatus {
    fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Revoked => "revoked",
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        match text {
            "pending" => Ok(ApprovalStatus::Pending),
            "approved" => Ok(ApprovalStatus::Approved),
            "revoked" => Ok(ApprovalStatus::Revoked),
            other => Err(rusqlite::Error::InvalidColumnType(
                1,
                format!("approval status `{other}`"),
                rusqlite::types::Type::Text,
            )),
        }
    }
}

/// A host's approval as the API shows it (the credential hash never leaves the database).
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub name: String,
    pub status: ApprovalStatus,
    pub peer: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The key approved (approved), or the key of the machine that last asked under this name
    /// (pending, revoked): what the admin compares with the fingerprint the host logs.
    pub key_fingerprint: Option<String>,
    #[serde(skip)]
    has_credential: bool,
}

const COLUMNS: &str = "name, status, peer, first_seen, last_seen, decided_by, decided_at, \
                       credential_hash IS NOT NULL, key_fingerprint";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Approval> {
    Ok(Approval {
        name: row.get(0)?,
        status: ApprovalStatus::parse(&row.get::<_, String>(1)?)?,
        peer: row.get(2)?,
        first_seen: row.get(3)?,
        last_seen: row.get(4)?,
        decided_by: row.get(5)?,
        decided_at: row.get(6)?,
        has_credential: row.get(7)?,
        key_fingerprint: row.get(8)?,
    })
}

pub fn list(conn: &mut Connection) -> Result<Vec<Approval>, DbError> {
    // Waiting hosts first: they are the ones an admin has to act on.
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM host_approvals
         ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, name"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &mut Connection, name: &str) -> Result<Option<Approval>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM host_approvals WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

/// Whether some host holds this credential (checked at the link's upgrade, before the hello
/// names the host; the name is matched after it).
pub fn credential_known(conn: &mut Connection, credential_hash: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM host_approvals WHERE credential_hash = ?1",
            [credential_hash],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// What a host dialed with, besides the key it proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// The shared join token.
    JoinToken,
    /// The credential of a host approved before keys, as its SHA-256 hex.
    Credential(String),
}

/// The answer to a host's hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Welcome,
    Pending,
    Revoked,
    /// Approved before keys with a credential, dialing without it: its key cannot be bound.
    CredentialRequired,
    /// The credential belongs to another host.
    WrongCredential,
    /// Another key is approved for this name.
    WrongKey,
    TooManyPending,
}

/// The admission rule, apart from storage. `key` is the fingerprint of the key the host just
/// proved; `auto` is the auto-approve policy's verdict for this connection. Only an admin (or
/// the policy, for a name no key holds yet) approves a key; once a key is approved for a name,
/// nothing but that key links under it — neither the join token nor the policy re-issues it.
pub fn admission(
    row: Option<&Approval>,
    credential_matches: bool,
    presented: &Presented,
    key: &str,
    auto: bool,
) -> Admission {
    use ApprovalStatus::*;
    let foreign_credential = matches!(presented, Presented::Credential(_)) && !credential_matches;
    let Some(row) = row else {
        return match () {
            () if foreign_credential => Admission::WrongCredential,
            () if auto => Admission::Welcome,
            () => Admission::Pending,
        };
    };
    match row.status {
        Revoked => Admission::Revoked,
        _ if foreign_credential => Admission::WrongCredential,
        Approved => match row.key_fingerprint.as_deref() {
            Some(approved) if approved == key => Admission::Welcome,
            Some(_) => Admission::WrongKey,
            // Approved before keys: its credential vouches for the key it shows now.
            None if row.has_credential && credential_matches => Admission::Welcome,
            None if row.has_credential => Admission::CredentialRequired,
            // Approved before keys but never linked: a key is approved now.
            None if auto => Admission::Welcome,
            None => Admission::Pending,
        },
        Pending if auto => Admission::Welcome,
        Pending => Admission::Pending,
    }
}

/// Applies the admission rule to host `name` dialing with `key` and records what it saw: the
/// row is created (pending, or approved by `auto`), the key of a waiting or revoked name is
/// the latest asker's (so the admin sees the fingerprint of the machine that asked), an
/// approval binds its key, and contacts of the approved machine update `peer`. Answers the
/// decision and the host's approval before and after.
pub fn admit(
    conn: &mut Connection,
    name: &str,
    presented: &Presented,
    key: &str,
    auto: bool,
    peer: &str,
    now: DateTime<Utc>,
) -> Result<(Admission, Option<Approval>, Option<Approval>), DbError> {
    let tx = conn.transaction()?;
    let row = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM host_approvals WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?;
    let credential_matches = match presented {
        Presented::Credential(hash) => tx
            .query_row(
                "SELECT 1 FROM host_approvals WHERE name = ?1 AND credential_hash = ?2",
                params![name, hash],
                |_| Ok(()),
            )
            .optional()?
            .is_some(),
        Presented::JoinToken => false,
    };
    let mut decision = admission(row.as_ref(), credential_matches, presented, key, auto);
    if row.is_none() && decision == Admission::Pending {
        let pending: i64 = tx.query_row(
            "SELECT COUNT(*) FROM host_approvals WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?;
        if pending >= MAX_PENDING {
            decision = Admission::TooManyPending;
        }
    }
    match (decision, &row) {
        // Not this host's machine: nothing about the host changes.
        (
            Admission::WrongCredential
            | Admission::WrongKey
            | Admission::CredentialRequired
            | Admission::TooManyPending,
            _,
        ) => {}
        (_, None) => {
            let approved = decision == Admission::Welcome;
            tx.execute(
                "INSERT INTO host_approvals
                     (name, status, key_fingerprint, peer, first_seen, last_seen, decided_by,
                      decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
                params![
                    name,
                    if approved { "approved" } else { "pending" },
                    key,
                    peer,
                    now,
                    approved.then_some("auto"),
                    approved.then_some(now),
                ],
            )?;
        }
        (Admission::Welcome, Some(row)) => {
            let newly_approved = row.status != ApprovalStatus::Approved;
            tx.execute(
                "UPDATE host_approvals SET status = 'approved', key_fingerprint = ?2, peer = ?3,
                     last_seen = ?4,
                     decided_by = CASE WHEN ?5 THEN 'auto' ELSE decided_by END,
                     decided_at = CASE WHEN ?5 THEN ?4 ELSE decided_at END
                 WHERE name = ?1",
                params![name, key, peer, now, newly_approved],
            )?;
        }
        // Waiting or revoked: the latest machine asking is the one the admin would approve.
        (Admission::Pending | Admission::Revoked, Some(_)) => {
            tx.execute(
                "UPDATE host_approvals SET status = CASE status WHEN 'approved' THEN 'pending'
                     ELSE status END,
                     key_fingerprint = ?2, peer = ?3, last_seen = ?4
                 WHERE name = ?1",
                params![name, key, peer, now],
            )?;
        }
    }
    let after = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM host_approvals WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?;
    tx.commit()?;
    Ok((decision, row, after))
}

/// The outcome of an admin's decision.
#[derive(Debug)]
pub enum Decided {
    Done(Approval),
    /// No host of that name ever dialed.
    Unknown,
    /// Approving needs a key, and no machine has asked under this name since keys exist.
    NoKey,
    /// The admin approved a fingerprint that is no longer the one asking.
    KeyChanged {
        asking: String,
    },
}

/// An admin's decision on host `name`. Approving approves the key that asked last (and only
/// if it is `expected_key`, when given: the fingerprint the admin compared); revoking clears any
/// old credential and cuts the host out until an admin approves again.
pub fn decide(
    conn: &mut Connection,
    name: &str,
    status: ApprovalStatus,
    expected_key: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Decided, DbError> {
    let tx = conn.transaction()?;
    let Some(row) = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM host_approvals WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?
    else {
        return Ok(Decided::Unknown);
    };
    if status == ApprovalStatus::Approved {
        let Some(asking) = row.key_fingerprint.clone() else {
            return Ok(
                if row.status == ApprovalStatus::Approved && row.has_credential {
                    Decided::Done(row)
                } else {
                    Decided::NoKey
                },
            );
        };
        if expected_key.is_some_and(|expected| expected.trim() != asking) {
            return Ok(Decided::KeyChanged { asking });
        }
    }
    // Deciding what is already so changes nothing (an approved host stays as it is).
    tx.execute(
        "UPDATE host_approvals SET status = ?2,
             credential_hash = CASE WHEN ?2 = 'revoked' THEN NULL ELSE credential_hash END,
             decided_by = ?3, decided_at = ?4
         WHERE name = ?1 AND status <> ?2",
        params![name, status.as_str(), by, now],
    )?;
    let after = tx.query_row(
        &format!("SELECT {COLUMNS} FROM host_approvals WHERE name = ?1"),
        [name],
        from_row,
    )?;
    tx.commit()?;
    Ok(Decided::Done(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut conn).unwrap();
        conn
    }

    fn admit_now(conn: &mut Connection, name: &str, key: &str, auto: bool) -> Admission {
        let join = Presented::JoinToken;
        admit(conn, name, &join, key, auto, "10.0.0.9:4000", Utc::now())
            .unwrap()
            .0
    }

    fn decide_now(conn: &mut Connection, name: &str, status: ApprovalStatus) -> Decided {
        decide(conn, name, status, None, "alice", Utc::now()).unwrap()
    }

    fn row(conn: &mut Connection, name: &str) -> Approval {
        get(conn, name).unwrap().unwrap()
    }

    #[test]
    fn an_admin_approves_one_key_and_only_it_links() {
        let mut c = open();
        assert_eq!(admit_now(&mut c, "rack1", "K1", false), Admission::Pending);
        assert_eq!(admit_now(&mut c, "rack1", "K1", false), Admission::Pending);
        let waiting = row(&mut c, "rack1");
        assert_eq!(waiting.status, ApprovalStatus::Pending);
        assert_eq!(waiting.key_fingerprint.as_deref(), Some("K1"));

        assert!(matches!(
            decide_now(&mut c, "rack1", ApprovalStatus::Approved),
            Decided::Done(_)
        ));
        assert_eq!(admit_now(&mut c, "rack1", "K1", false), Admission::Welcome);
        // Another machine with the join token, even one the policy would admit, is refused,
        // and the approval is untouched.
        assert_eq!(admit_now(&mut c, "rack1", "K2", false), Admission::WrongKey);
        assert_eq!(admit_now(&mut c, "rack1", "K2", true), Admission::WrongKey);
        let approved = row(&mut c, "rack1");
        assert_eq!(approved.key_fingerprint.as_deref(), Some("K1"));
        assert_eq!(approved.decided_by.as_deref(), Some("alice"));
        assert_eq!(admit_now(&mut c, "rack1", "K1", false), Admission::Welcome);
    }

    #[test]
    fn the_admin_approves_the_fingerprint_they_compared() {
        let mut c = open();
        // An attacker asks first under the real host's name, then the real host.
        admit_now(&mut c, "rack1", "ATTACKER", false);
        admit_now(&mut c, "rack1", "REAL", false);
        assert_eq!(
            row(&mut c, "rack1").key_fingerprint.as_deref(),
            Some("REAL")
        );
        // The attacker asks again while the admin compares the real host's fingerprint.
        admit_now(&mut c, "rack1", "ATTACKER", false);
        let approve = |c: &mut Connection| {
            decide(
                c,
                "rack1",
                ApprovalStatus::Approved,
                Some("REAL"),
                "alice",
                Utc::now(),
            )
            .unwrap()
        };
        assert!(matches!(
            approve(&mut c),
            Decided::KeyChanged { asking } if asking == "ATTACKER"
        ));
        assert_eq!(row(&mut c, "rack1").status, ApprovalStatus::Pending);
        admit_now(&mut c, "rack1", "REAL", false);
        assert!(matches!(approve(&mut c), Decided::Done(_)));
        assert_eq!(
            admit_now(&mut c, "rack1", "ATTACKER", false),
            Admission::WrongKey
        );
        assert_eq!(
            admit_now(&mut c, "rack1", "REAL", false),
            Admission::Welcome
        );
        assert!(matches!(
            decide_now(&mut c, "nobody", ApprovalStatus::Approved),
            Decided::Unknown
        ));
    }

    #[test]
    fn revoking_keeps_the_host_out_until_an_admin_approves_again() {
        let mut c = open();
        assert_eq!(admit_now(&mut c, "bench", "K1", true), Admission::Welcome);
        assert_eq!(row(&mut c, "bench").decided_by.as_deref(), Some("auto"));
        decide_now(&mut c, "bench", ApprovalStatus::Revoked);
        // Even a policy that would admit it does not override the admin.
        assert_eq!(admit_now(&mut c, "bench", "K1", true), Admission::Revoked);
        assert_eq!(admit_now(&mut c, "bench", "K2", true), Admission::Revoked);
        // The admin sees who asked last, and approving approves that key.
        assert_eq!(row(&mut c, "bench").key_fingerprint.as_deref(), Some("K2"));
        decide_now(&mut c, "bench", ApprovalStatus::Approved);
        assert_eq!(admit_now(&mut c, "bench", "K2", false), Admission::Welcome);
        assert_eq!(admit_now(&mut c, "bench", "K1", false), Admission::WrongKey);
    }

    #[test]
    fn hosts_approved_before_keys_bind_their_key_with_their_credential() {
        let mut c = open();
        c.execute(
            "INSERT INTO host_approvals (name, status, credential_hash, first_seen, last_seen)
             VALUES ('old', 'approved', 'H1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                    ('never', 'approved', NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        let admit_with = |c: &mut Connection, name: &str, presented: &Presented, key: &str| {
            admit(c, name, presented, key, false, "10.0.0.9:4000", Utc::now())
                .unwrap()
                .0
        };
        let own = Presented::Credential("H1".into());
        assert_eq!(
            admit_with(&mut c, "old", &Presented::JoinToken, "K9"),
            Admission::CredentialRequired
        );
        assert_eq!(
            admit_with(&mut c, "other", &own, "K9"),
            Admission::WrongCredential
        );
        assert!(get(&mut c, "other").unwrap().is_none());
        assert_eq!(admit_with(&mut c, "old", &own, "K1"), Admission::Welcome);
        assert_eq!(row(&mut c, "old").key_fingerprint.as_deref(), Some("K1"));
        // From then on the key decides, whatever is presented beside it.
        assert_eq!(admit_with(&mut c, "old", &own, "K2"), Admission::WrongKey);
        assert_eq!(
            admit_with(&mut c, "old", &Presented::JoinToken, "K1"),
            Admission::Welcome
        );
        // Approved but never linked: its first key waits for an admin.
        assert_eq!(
            admit_with(&mut c, "never", &Presented::JoinToken, "K3"),
            Admission::Pending
        );
        assert_eq!(row(&mut c, "never").status, ApprovalStatus::Pending);
    }

    #[test]
    fn approving_needs_a_key_that_asked() {
        let mut c = open();
        c.execute(
            "INSERT INTO host_approvals (name, status, first_seen, last_seen)
             VALUES ('old', 'pending', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        assert!(matches!(
            decide_now(&mut c, "old", ApprovalStatus::Approved),
            Decided::NoKey
        ));
        assert!(matches!(
            decide_now(&mut c, "old", ApprovalStatus::Revoked),
            Decided::Done(_)
        ));
    }

    #[test]
    fn waiting_hosts_are_bounded() {
        let mut c = open();
        for i in 0..MAX_PENDING {
            let name = format!("h{i}");
            assert_eq!(admit_now(&mut c, &name, &name, false), Admission::Pending);
        }
        assert_eq!(
            admit_now(&mut c, "one-more", "x", false),
            Admission::TooManyPending
        );
        assert!(get(&mut c, "one-more").unwrap().is_none());
        // A host already waiting can still call again.
        assert_eq!(admit_now(&mut c, "h0", "y", false), Admission::Pending);
    }
}
