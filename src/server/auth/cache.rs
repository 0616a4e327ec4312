//! Sessions and tokens already looked up, keyed by their SHA-256, so a request costs one hash
//! and one map lookup instead of a database query. Entries keep their expiry; every change that
//! takes rights away (logout, revocation, a user disabled, demoted, deleted or given a new
//! password) removes the entries concerned before it answers, so it takes effect at once.
//! Entries are also checked against the database again once a minute, which bounds changes made
//! outside this process (`vpt user passwd`) and records the credential's last use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::server::db::auth::Holder;

/// How long an entry is trusted before the database is asked again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(60);
/// Bound on cached credentials; beyond it the cache starts over (a flood of distinct valid
/// credentials is not a real workload, and a miss costs only a query).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    holder: Holder,
    checked: Instant,
}

#[derive(Default)]
pub struct CredentialCache {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What a cache lookup found.
pub enum Cached {
    Hit(Holder),
    /// Not cached, expired, or due for a new check: ask the database.
    Miss,
}

impl CredentialCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding this lock leaves a plain map behind: still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, hash: &str, now: DateTime<Utc>) -> Cached {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(hash) else {
            return Cached::Miss;
        };
        if entry.holder.expires_at.is_some_and(|at| at <= now)
            || entry.checked.elapsed() >= RECHECK_EVERY
        {
            entries.remove(hash);
            return Cached::Miss;
        }
        Cached::Hit(entry.holder.clone())
    }

    pub fn insert(&self, hash: String, holder: Holder) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            hash,
            Entry {
                holder,
                checked: Instant::now(),
            },
        );
    }

    pub fn forget(&self, hash: &str) {
        self.lock().remove(hash);
    }

    /// Drops every session and token of a user (role changed, disabled, deleted, new password).
    pub fn forget_user(&self, user_id: i64) {
        self.lock().retain(|_, e| e.holder.user_id != user_id);
    }

    pub fn forget_token(&self, token_id: i64) {
        self.lock()
            .retain(|_, e| e.holder.token_id != Some(token_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::auth::Role;

    fn holder(user_id: i64, token_id: Option<i64>, expires_at: Option<DateTime<Utc>>) -> Holder {
        Holder {
            token_id,
            user_id,
            name: "ann".into(),
            role: Role::Tester,
            expires_at,
            must_change_password: false,
        }
    }

    #[test]
    fn expiry_and_forgetting() {
        let cache = CredentialCache::default();
        let now = Utc::now();
        cache.insert(
            "a".into(),
            holder(1, None, Some(now + chrono::Duration::hours(1))),
        );
        cache.insert("b".into(), holder(1, Some(7), None));
        cache.insert(
            "c".into(),
            holder(2, None, Some(now - chrono::Duration::seconds(1))),
        );
        assert!(matches!(cache.get("a", now), Cached::Hit(_)));
        assert!(matches!(cache.get("c", now), Cached::Miss), "expired");
        // An hour later the session has expired; the token has no expiry.
        let later = now + chrono::Duration::hours(2);
        assert!(matches!(cache.get("a", later), Cached::Miss));
        assert!(matches!(cache.get("b", later), Cached::Hit(_)));
        cache.forget_token(7);
        assert!(matches!(cache.get("b", now), Cached::Miss));
        cache.insert("d".into(), holder(3, None, None));
        cache.forget_user(3);
        assert!(matches!(cache.get("d", now), Cached::Miss));
    }
}
