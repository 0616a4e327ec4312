//! Answers that last (the events WebSocket, relayed MJPEG streams, the recording stream) end
//! when the credential they were opened with does: the session logged out, expired or idle,
//! the token revoked or expired, the user disabled, deleted or demoted below the route's role.
//! The credential is checked again every [`RECHECK_EVERY`]: against the in-memory cache, which
//! every such change empties for the credential before it answers, and the database on a miss.

use std::time::Duration;

use chrono::Utc;

use super::Role;
use super::cache::Cached;
use crate::server::AppState;

/// How often an open stream's credential is checked again (a stream ends this long after its
/// credential at most, plus one database query).
pub const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// The credential a request was let in with, kept with the request (extensions) so that a long
/// answer can watch it.
#[derive(Clone)]
pub struct LiveCredential {
    state: AppState,
    /// SHA-256 of the session id or token.
    hash: String,
    is_token: bool,
    /// The role the route needs.
    required: Role,
}

impl LiveCredential {
    pub fn new(state: &AppState, hash: String, is_token: bool, required: Role) -> Self {
        Self {
            state: state.clone(),
            hash,
            is_token,
            required,
        }
    }

    /// Whether the credential still lets its holder in here. Neither records a use nor fills
    /// the cache: watching a stream is not activity that keeps an idle session alive.
    pub async fn valid(&self) -> bool {
        if let Cached::Hit(holder) = self.state.auth.cache.get(&self.hash, Utc::now()) {
            return holder.role >= self.required && !holder.must_change_password;
        }
        let (hash, is_token, idle) = (
            self.hash.clone(),
            self.is_token,
            self.state.auth.session_idle,
        );
        let found = self
            .state
            .db
            .call(move |c| {
                if is_token {
                    crate::server::db::auth::token(c, &hash)
                } else {
                    crate::server::db::auth::session(c, &hash, idle)
                }
            })
            .await;
        match found {
            Ok(Some(holder)) => holder.role >= self.required && !holder.must_change_password,
            Ok(None) => false,
            // A database hiccup is not a revocation: keep the stream, ask again next time.
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the credential of an open stream");
                true
            }
        }
    }

    /// Completes once the credential no longer lets its holder in.
    pub async fn ended(self) {
        loop {
            tokio::time::sleep(RECHECK_EVERY).await;
            if !self.valid().await {
                return;
            }
        }
    }
}
