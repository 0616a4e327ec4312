//! Device control locks: a lease one client holds on a device so nobody else's key presses
//! interfere. Leases expire unless renewed, so a closed browser tab frees the device by itself.
//! Test runs will take the same locks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::server::events::{Event, EventBus};

pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
pub const MAX_LEASE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LockView {
    pub owner: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Lock {
    owner: String,
    token: String,
    expires_at: DateTime<Utc>,
}

/// What a lock request got.
pub enum Acquired {
    Granted {
        token: String,
        expires_at: DateTime<Utc>,
    },
    HeldBy(LockView),
}

/// Whether a control request may go ahead.
pub enum Access {
    Allowed,
    Denied(LockView),
}

#[derive(Clone)]
pub struct Locks {
    locks: Arc<Mutex<HashMap<(String, String), Lock>>>,
    events: EventBus,
}

impl Locks {
    pub fn new(events: EventBus) -> Self {
        Self {
            locks: Arc::new(Mutex::new(HashMap::new())),
            events,
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Lock>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now();
        locks.retain(|_, lock| lock.expires_at > now);
        locks
    }

    pub fn view(&self, host: &str, device: &str) -> Option<LockView> {
        self.live()
            .get(&(host.to_string(), device.to_string()))
            .map(|l| LockView {
                owner: l.owner.clone(),
                expires_at: l.expires_at,
            })
    }

    /// Takes or renews the lock. The holder renews by presenting its token (or, having lost it
    /// on a page reload, its owner name).
    pub fn acquire(
        &self,
        host: &str,
        device: &str,
        owner: &str,
        token: Option<&str>,
        lease: Duration,
    ) -> Acquired {
        let key = (host.to_string(), device.to_string());
        let expires_at = Utc::now()
            + chrono::Duration::from_std(lease.min(MAX_LEASE)).unwrap_or(chrono::Duration::zero());
        let granted = {
            let mut locks = self.live();
            match locks.get_mut(&key) {
                Some(lock) if lock.owner != owner && token != Some(lock.token.as_str()) => {
                    return Acquired::HeldBy(LockView {
                        owner: lock.owner.clone(),
                        expires_at: lock.expires_at,
                    });
                }
                Some(lock) => {
                    lock.expires_at = expires_at;
                    Acquired::Granted {
                        token: lock.token.clone(),
                        expires_at,
                    }
                }
                None => {
                    let token = crate::token::random_hex(16);
                    locks.insert(
                        key,
                        Lock {
                            owner: owner.to_string(),
                            token: token.clone(),
                            expires_at,
                        },
                    );
                    Acquired::Granted { token, expires_at }
                }
            }
        };
        self.publish(host, device);
        granted
    }

    /// Releases the lock if `token` is the holder's. Returns false when someone else holds it.
    pub fn release(&self, host: &str, device: &str, token: &str) -> bool {
        let key = (host.to_string(), device.to_string());
        {
            let mut locks = self.live();
            match locks.get(&key) {
                None => return true,
                Some(lock) if !crate::token::constant_time_eq(&lock.token, token) => return false,
                Some(_) => {
                    locks.remove(&key);
                }
            }
        }
        self.publish(host, device);
        true
    }

    pub fn check(&self, host: &str, device: &str, token: Option<&str>) -> Access {
        match self.live().get(&(host.to_string(), device.to_string())) {
            Some(lock)
                if !token.is_some_and(|t| crate::token::constant_time_eq(&lock.token, t)) =>
            {
                Access::Denied(LockView {
                    owner: lock.owner.clone(),
                    expires_at: lock.expires_at,
                })
            }
            _ => Access::Allowed,
        }
    }

    fn publish(&self, host: &str, device: &str) {
        let lock = self.view(host, device);
        self.events.publish(Event::new(
            "device.lock",
            &serde_json::json!({ "host": host, "device": device, "lock": lock }),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_owner_is_refused_until_release() {
        let locks = Locks::new(EventBus::default());
        let Acquired::Granted { token, .. } = locks.acquire("h", "d", "alice", None, DEFAULT_LEASE)
        else {
            panic!("first lock refused");
        };
        assert!(matches!(
            locks.acquire("h", "d", "bob", None, DEFAULT_LEASE),
            Acquired::HeldBy(LockView { ref owner, .. }) if owner == "alice"
        ));
        assert!(matches!(locks.check("h", "d", None), Access::Denied(_)));
        assert!(matches!(
            locks.check("h", "d", Some(&token)),
            Access::Allowed
        ));
        assert!(!locks.release("h", "d", "wrong"));
        assert!(locks.release("h", "d", &token));
        assert!(matches!(
            locks.acquire("h", "d", "bob", None, DEFAULT_LEASE),
            Acquired::Granted { .. }
        ));
    }

    #[test]
    fn expired_lease_frees_the_device() {
        let locks = Locks::new(EventBus::default());
        locks.acquire("h", "d", "alice", None, Duration::ZERO);
        assert!(matches!(locks.check("h", "d", None), Access::Allowed));
    }
}
