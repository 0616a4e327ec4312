//! Which hosts may link (docs/security.md, "Hosts"): a host dialing with the shared join token
//! waits as pending until an admin approves it, or the `auth.auto_approve_hosts` policy does
//! (by default, hosts on this machine: the in-process host of `vpt all`); after approval its
//! first link hands it its own credential. Revoking cuts its link at once.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use chrono::Utc;

use super::AppState;
use super::db::host_approvals::{self, Admission, Approval, ApprovalStatus, Presented};
use super::events::Event;
use crate::config::AutoApprove;
use crate::protocol::RefusalCode;
use crate::server::auth::secret;

/// What the bearer of a link (or registration) request is, if it is anything a host may hold.
/// The credential is only looked up here; whether it belongs to the host that says hello is
/// decided by [`admit`].
pub async fn presented(state: &AppState, headers: &HeaderMap) -> Option<Presented> {
    let bearer = super::link::bearer(headers)?;
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

/// Whether the policy admits a host dialing from `peer` without an admin.
pub fn auto_approves(policy: AutoApprove, peer: SocketAddr) -> bool {
    match policy {
        AutoApprove::Always => true,
        AutoApprove::Loopback => peer.ip().is_loopback(),
        AutoApprove::Never => false,
    }
}

/// Host `name`'s link may go on: `Ok(Some(credential))` when it must be handed a new credential.
pub type Admitted = Result<Option<String>, (RefusalCode, String)>;

/// Decides whether host `name` may link, records the contact, and tells the UI when a host
/// starts waiting or is approved by the policy.
pub async fn admit(
    state: &AppState,
    name: &str,
    presented: Presented,
    peer: SocketAddr,
) -> Result<Admitted, super::db::DbError> {
    let auto = auto_approves(state.config.auth.auto_approve_hosts, peer);
    let (credential, credential_hash) = new_credential();
    let (host, peer_text) = (name.to_string(), peer.to_string());
    let (decision, before, after) = state
        .db
        .call(move |c| {
            host_approvals::admit(
                c,
                &host,
                &presented,
                auto,
                &peer_text,
                &credential_hash,
                Utc::now(),
            )
        })
        .await?;
    let status_changed = before.as_ref().map(|a| a.status) != after.as_ref().map(|a| a.status);
    if status_changed && let Some(approval) = &after {
        state.events.publish(Event::new("host.approval", approval));
        if approval.status == ApprovalStatus::Approved {
            tracing::info!(host = name, %peer, "host approved by the auto-approve policy");
            super::auth::audit::record(
                state,
                Some("auto"),
                "host.approve",
                Some(name.to_string()),
                serde_json::json!({ "policy": state.config.auth.auto_approve_hosts }),
                Some(peer.ip()),
            )
            .await;
        } else {
            tracing::warn!(host = name, %peer, "host waits for an admin's approval");
        }
    }
    Ok(match decision {
        Admission::Welcome { issue } => Ok(issue.then_some(credential)),
        Admission::Pending => Err((
            RefusalCode::Pending,
            format!("host `{name}` waits for an admin to approve it (Admin → Hosts in the UI)"),
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
        Admission::TooManyPending => Err((
            RefusalCode::TooManyPending,
            format!(
                "{} hosts already wait for approval; an admin must approve or revoke some first",
                host_approvals::MAX_PENDING
            ),
        )),
    })
}

/// An admin's approval or revocation of host `name`; revoking cuts its link now. `None` when no
/// host of that name ever dialed.
pub async fn decide(
    state: &AppState,
    name: &str,
    status: ApprovalStatus,
    by: &str,
) -> Result<Option<Approval>, super::db::DbError> {
    let (host, by) = (name.to_string(), by.to_string());
    let approval = state
        .db
        .call(move |c| host_approvals::decide(c, &host, status, &by, Utc::now()))
        .await?;
    if let Some(approval) = &approval {
        if status == ApprovalStatus::Revoked
            && let Some(link) = state.registry.link(name)
        {
            tracing::warn!(host = name, "host revoked: closing its link");
            link.close.cancel();
        }
        state.events.publish(Event::new("host.approval", approval));
    }
    Ok(approval)
}

/// A new host credential and its SHA-256: 256 random bits, like API tokens.
fn new_credential() -> (String, String) {
    let credential = format!("vpth_{}", crate::token::random_hex(32));
    let hash = secret::sha256_hex(&credential);
    (credential, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let local: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let local6: SocketAddr = "[::1]:4000".parse().unwrap();
        let lan: SocketAddr = "192.168.1.20:4000".parse().unwrap();
        assert!(auto_approves(AutoApprove::Loopback, local));
        assert!(auto_approves(AutoApprove::Loopback, local6));
        assert!(!auto_approves(AutoApprove::Loopback, lan));
        assert!(auto_approves(AutoApprove::Always, lan));
        assert!(!auto_approves(AutoApprove::Never, local));
    }
}
