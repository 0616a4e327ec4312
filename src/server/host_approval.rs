//! Which hosts may link (docs/security.md, "Hosts"): every host proves an Ed25519 key at its
//! link; a key not yet approved for the host's name waits as pending until an admin approves
//! its fingerprint (or the `auth.auto_approve_hosts` policy does: by default, hosts dialing on
//! this machine directly, such as the in-process host of `vpt all`). Once a key is approved for
//! a name, only that key links under it. Revoking cuts the link at once.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use chrono::Utc;

use super::AppState;
use super::db::host_approvals::{self, Admission, Approval, ApprovalStatus, Decided, Presented};
use super::events::Event;
use crate::config::AutoApprove;
use crate::protocol::RefusalCode;
use crate::server::auth::secret;

/// What the bearer of a link (or registration) request is, if it is anything a host may hold.
/// The credential is only looked up here; whether it belongs to the host that says hello is
/// decided by [`admit`].
pub async fn presented(state: &AppState, headers: &HeaderMap) -> Option<Presented> {
    let bearer = crate::token::bearer(headers)?;
    if crate::token::constant_time_eq(bearer, &state.host_token) {
        return Some(Presented::JoinToken);
    }
    let hash = secret::sha256_hex(bearer);
    let lookup = hash.clone();
    match state
        .db
        .call(move |c| host_approvals::credential_known(c, &lookup))
        .await
    {
        Ok(true) => Some(Presented::Credential(hash)),
        Ok(false) => None,
        Err(e) => {
            tracing::error!(error = %e, "cannot check a host credential");
            None
        }
    }
}

/// Headers a reverse proxy adds: a request carrying one came through a proxy, so its loopback
/// address says nothing about where the host is.
const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
];

/// Whether the policy admits a host dialing from `peer` without an admin. `loopback` counts
/// only connections made on this machine directly: one that came through a proxy (which the
/// documented nginx and Caddy set-ups say with `X-Forwarded-For`) is not vouched for.
pub fn auto_approves(policy: AutoApprove, peer: SocketAddr, headers: &HeaderMap) -> bool {
    match policy {
        AutoApprove::Always => true,
        AutoApprove::Loopback => {
            peer.ip().is_loopback() && !FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h))
        }
        AutoApprove::Never => false,
    }
}

/// Host `name`'s link may go on (`Ok`), or the refusal to send it.
pub type Admitted = Result<(), (RefusalCode, String)>;

/// Decides whether host `name`, which proved the key `key` (its fingerprint), may link; records
/// the contact, and tells the UI when a host starts waiting or is approved by the policy.
pub async fn admit(
    state: &AppState,
    name: &str,
    presented: Presented,
    key: &str,
    auto: bool,
    peer: SocketAddr,
) -> Result<Admitted, super::db::DbError> {
    let (host, peer_text, fingerprint) = (name.to_string(), peer.to_string(), key.to_string());
    let (decision, before, after) = state
        .db
        .call(move |c| {
            host_approvals::admit(
                c,
                &host,
                &presented,
                &fingerprint,
                auto,
                &peer_text,
                Utc::now(),
            )
        })
        .await?;
    let changed = |a: &Option<Approval>| a.as_ref().map(|a| (a.status, a.key_fingerprint.clone()));
    if changed(&before) != changed(&after)
        && let Some(approval) = &after
    {
        state.events.publish(Event::new("host.approval", approval));
        let newly = before.as_ref().map(|a| a.status) != Some(approval.status);
        if approval.status == ApprovalStatus::Approved && newly {
            tracing::info!(host = name, %peer, fingerprint = key, "host approved by the auto-approve policy");
            super::auth::audit::record(
                state,
                Some("auto"),
                "host.approve",
                Some(name.to_string()),
                serde_json::json!({ "policy": state.config.auth.auto_approve_hosts, "key": key }),
                Some(peer.ip()),
            )
            .await;
        } else if approval.status == ApprovalStatus::Pending {
            tracing::warn!(host = name, %peer, fingerprint = key, "host waits for an admin's approval");
        }
    }
    Ok(match decision {
        Admission::Welcome => Ok(()),
        Admission::Pending => Err((
            RefusalCode::Pending,
            format!(
                "host `{name}` waits for an admin to approve its key {key} (Admin → Hosts in the UI)"
            ),
        )),
        Admission::Revoked => Err((
            RefusalCode::Revoked,
            format!(
                "host `{name}` was revoked{}; an admin must approve it again",
                after
                    .as_ref()
                    .and_then(|a| a.decided_by.as_deref())
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default()
            ),
        )),
        Admission::CredentialRequired => Err((
            RefusalCode::CredentialRequired,
            format!(
                "host `{name}` was given its own credential and must dial with it; if its data \
                 dir was lost, an admin revokes the host and approves it again"
            ),
        )),
        Admission::WrongCredential => Err((
            RefusalCode::WrongCredential,
            format!("this credential does not belong to host `{name}`"),
        )),
        Admission::WrongKey => Err((
            RefusalCode::WrongKey,
            format!(
                "another key is approved for host `{name}`; this machine's key is {key}. If the \
                 host was reinstalled, an admin revokes it and approves the new key"
            ),
        )),
        Admission::TooManyPending => Err((
            RefusalCode::TooManyPending,
            format!(
                "{} hosts already wait for approval; an admin must approve or revoke some first",
                host_approvals::MAX_PENDING
            ),
        )),
    })
}

/// An admin's approval or revocation of host `name`; revoking cuts its link now.
pub async fn decide(
    state: &AppState,
    name: &str,
    status: ApprovalStatus,
    expected_key: Option<String>,
    by: &str,
) -> Result<Decided, super::db::DbError> {
    let (host, by) = (name.to_string(), by.to_string());
    let decided = state
        .db
        .call(move |c| {
            host_approvals::decide(c, &host, status, expected_key.as_deref(), &by, Utc::now())
        })
        .await?;
    if let Decided::Done(approval) = &decided {
        if status == ApprovalStatus::Revoked
            && let Some(link) = state.registry.link(name)
        {
            tracing::warn!(host = name, "host revoked: closing its link");
            link.close.cancel();
        }
        state.events.publish(Event::new("host.approval", approval));
    }
    Ok(decided)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let local: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let local6: SocketAddr = "[::1]:4000".parse().unwrap();
        let lan: SocketAddr = "192.168.1.20:4000".parse().unwrap();
        let direct = HeaderMap::new();
        assert!(auto_approves(AutoApprove::Loopback, local, &direct));
        assert!(auto_approves(AutoApprove::Loopback, local6, &direct));
        assert!(!auto_approves(AutoApprove::Loopback, lan, &direct));
        assert!(auto_approves(AutoApprove::Always, lan, &direct));
        assert!(!auto_approves(AutoApprove::Never, local, &direct));
        // Through a proxy on this machine every host would look local.
        for header in FORWARDING_HEADERS {
            let mut proxied = HeaderMap::new();
            proxied.insert(*header, "203.0.113.9".parse().unwrap());
            assert!(
                !auto_approves(AutoApprove::Loopback, local, &proxied),
                "{header}"
            );
        }
    }
}
