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
    #[serde(skip)]
    has_credential: bool,
}

const COLUMNS: &str = "name, status, peer, first_seen, last_seen, decided_by, decided_at, \
                       credential_hash IS NOT NULL";

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

/// What a host dialed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// The shared join token.
    JoinToken,
    /// Its own credential, as its SHA-256 hex.
    Credential(String),
}

/// The answer to a host's hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Link up; `issue` asks for a new credential to be handed to the host.
    Welcome {
        issue: bool,
    },
    Pending,
    Revoked,
    /// Joined with the join token although it was given a credential, and no policy vouches.
    CredentialRequired,
    /// The credential belongs to another host.
    WrongCredential,
    TooManyPending,
}

/// The admission rule, apart from storage: `auto` is the auto-approve policy's verdict for this
/// connection.
pub fn admission(
    row: Option<&Approval>,
    credential_matches: bool,
    presented: &Presented,
    auto: bool,
) -> Admission {
    use ApprovalStatus::*;
    match (presented, row) {
        (_, Some(row)) if row.status == Revoked => Admission::Revoked,
        (Presented::Credential(_), Some(row)) if row.status == Approved && credential_matches => {
            Admission::Welcome { issue: false }
        }
        (Presented::Credential(_), _) => Admission::WrongCredential,
        (Presented::JoinToken, None) if auto => Admission::Welcome { issue: true },
        (Presented::JoinToken, None) => Admission::Pending,
        (Presented::JoinToken, Some(row)) => match row.status {
            Pending if auto => Admission::Welcome { issue: true },
            Pending => Admission::Pending,
            // Approved by an admin, credential not handed out yet.
            Approved if !row.has_credential => Admission::Welcome { issue: true },
            // The policy would admit a newcomer from here, so it may replace a lost credential.
            Approved if auto => Admission::Welcome { issue: true },
            Approved => Admission::CredentialRequired,
            Revoked => Admission::Revoked,
        },
    }
}

/// Applies the admission rule to host `name` and records what it saw: the row is created
/// (pending, or approved by `auto`), its last contact updated, and a new credential's hash
/// stored when one is issued (`new_credential_hash`, used only then). Answers the decision and
/// the host's approval before and after.
pub fn admit(
    conn: &mut Connection,
    name: &str,
    presented: &Presented,
    auto: bool,
    peer: &str,
    new_credential_hash: &str,
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
    let mut decision = admission(row.as_ref(), credential_matches, presented, auto);
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
    match (&decision, &row) {
        (Admission::WrongCredential | Admission::TooManyPending, _) => {}
        (_, None) => {
            let approved = matches!(decision, Admission::Welcome { .. });
            tx.execute(
                "INSERT INTO host_approvals
                     (name, status, credential_hash, peer, first_seen, last_seen, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
                params![
                    name,
                    if approved { "approved" } else { "pending" },
                    approved.then_some(new_credential_hash),
                    peer,
                    now,
                    approved.then_some("auto"),
                    approved.then_some(now),
                ],
            )?;
        }
        (Admission::Welcome { issue: true }, Some(row)) => {
            let newly_approved = row.status == ApprovalStatus::Pending;
            tx.execute(
                "UPDATE host_approvals SET status = 'approved', credential_hash = ?2, peer = ?3,
                     last_seen = ?4,
                     decided_by = CASE WHEN ?5 THEN 'auto' ELSE decided_by END,
                     decided_at = CASE WHEN ?5 THEN ?4 ELSE decided_at END
                 WHERE name = ?1",
                params![name, new_credential_hash, peer, now, newly_approved],
            )?;
        }
        (_, Some(_)) => {
            tx.execute(
                "UPDATE host_approvals SET peer = ?2, last_seen = ?3 WHERE name = ?1",
                params![name, peer, now],
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

/// An admin's decision on host `name`. Approving clears any old credential (the host gets a
/// new one at its next link); revoking clears it too, so the host's link cannot come back.
/// `None` when no host of that name ever dialed.
pub fn decide(
    conn: &mut Connection,
    name: &str,
    status: ApprovalStatus,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<Approval>, DbError> {
    // Deciding what is already so changes nothing (an approved host keeps its credential).
    conn.execute(
        "UPDATE host_approvals SET status = ?2, credential_hash = NULL, decided_by = ?3,
             decided_at = ?4
         WHERE name = ?1 AND status <> ?2",
        params![name, status.as_str(), by, now],
    )?;
    get(conn, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut conn).unwrap();
        conn
    }

    fn admit_now(
        conn: &mut Connection,
        name: &str,
        presented: &Presented,
        auto: bool,
        new_hash: &str,
    ) -> Admission {
        admit(
            conn,
            name,
            presented,
            auto,
            "10.0.0.9:4000",
            new_hash,
            Utc::now(),
        )
        .unwrap()
        .0
    }

    #[test]
    fn join_token_waits_for_an_admin_then_gets_one_credential() {
        let mut c = open();
        let join = Presented::JoinToken;
        assert_eq!(
            admit_now(&mut c, "rack1", &join, false, "h1"),
            Admission::Pending
        );
        assert_eq!(
            admit_now(&mut c, "rack1", &join, false, "h2"),
            Admission::Pending
        );
        assert_eq!(
            get(&mut c, "rack1").unwrap().unwrap().status,
            ApprovalStatus::Pending
        );
        assert!(!credential_known(&mut c, "h1").unwrap());

        decide(
            &mut c,
            "rack1",
            ApprovalStatus::Approved,
            "alice",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(
            admit_now(&mut c, "rack1", &join, false, "h3"),
            Admission::Welcome { issue: true }
        );
        assert!(credential_known(&mut c, "h3").unwrap());
        let own = Presented::Credential("h3".into());
        assert_eq!(
            admit_now(&mut c, "rack1", &own, false, "unused"),
            Admission::Welcome { issue: false }
        );
        // Once it holds a credential, the join token alone no longer lets it in.
        assert_eq!(
            admit_now(&mut c, "rack1", &join, false, "h4"),
            Admission::CredentialRequired
        );
        // Another host cannot use it.
        assert_eq!(
            admit_now(&mut c, "rack2", &own, false, "h5"),
            Admission::WrongCredential
        );
        assert!(get(&mut c, "rack2").unwrap().is_none());
        let row = get(&mut c, "rack1").unwrap().unwrap();
        assert_eq!(row.decided_by.as_deref(), Some("alice"));
    }

    #[test]
    fn revoking_clears_the_credential_and_keeps_the_host_out() {
        let mut c = open();
        let join = Presented::JoinToken;
        assert_eq!(
            admit_now(&mut c, "bench", &join, true, "h1"),
            Admission::Welcome { issue: true }
        );
        assert_eq!(
            get(&mut c, "bench").unwrap().unwrap().decided_by.as_deref(),
            Some("auto")
        );
        decide(
            &mut c,
            "bench",
            ApprovalStatus::Revoked,
            "alice",
            Utc::now(),
        )
        .unwrap();
        assert!(!credential_known(&mut c, "h1").unwrap());
        // Even a policy that would admit it does not override the admin.
        assert_eq!(
            admit_now(&mut c, "bench", &join, true, "h2"),
            Admission::Revoked
        );
        decide(
            &mut c,
            "bench",
            ApprovalStatus::Approved,
            "alice",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(
            admit_now(&mut c, "bench", &join, false, "h3"),
            Admission::Welcome { issue: true }
        );
    }

    #[test]
    fn auto_approval_replaces_a_lost_credential() {
        let mut c = open();
        let join = Presented::JoinToken;
        admit_now(&mut c, "bench", &join, true, "h1");
        assert_eq!(
            admit_now(&mut c, "bench", &join, true, "h2"),
            Admission::Welcome { issue: true }
        );
        assert!(!credential_known(&mut c, "h1").unwrap());
        assert!(credential_known(&mut c, "h2").unwrap());
    }

    #[test]
    fn waiting_hosts_are_bounded() {
        let mut c = open();
        for i in 0..MAX_PENDING {
            let name = format!("h{i}");
            assert_eq!(
                admit_now(&mut c, &name, &Presented::JoinToken, false, &name),
                Admission::Pending
            );
        }
        assert_eq!(
            admit_now(&mut c, "one-more", &Presented::JoinToken, false, "x"),
            Admission::TooManyPending
        );
        assert!(get(&mut c, "one-more").unwrap().is_none());
        // A host already waiting can still call again.
        assert_eq!(
            admit_now(&mut c, "h0", &Presented::JoinToken, false, "y"),
            Admission::Pending
        );
    }
}
