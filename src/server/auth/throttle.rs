//! Sign-in throttling by delays that grow, never by locking. Failures are counted per key: a
//! user name together with the client address (one attacker's guesses do not slow the same
//! name from elsewhere), a client address over all names (a spray), a browser that signed in
//! as that user before (its `vpt_device` cookie: failures others cause never slow it), and a
//! user changing a password. The first `free` failures of a key cost nothing; from then on each
//! failure doubles the wait before that key may try again (2 s, 4 s, 8 s ...), up to `max_delay`.
//! An attempt during the wait is refused without looking at the password, so guessing is slowed
//! to one try per `max_delay`, while the right password still works once the short wait is over.
//! Kept in memory: a restart forgets the counts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An address may fail this many times the per-name allowance before it is slowed (people
/// behind one NAT or proxy share it).
pub const ADDRESS_FACTOR: u32 = 4;
/// Bound on remembered keys; the oldest go first beyond it.
const MAX_KEYS: usize = 50_000;
/// A key without failures for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A user name (lowercased) tried from one client address.
    NameAddress(String, Option<IpAddr>),
    /// Every name tried from one client address.
    Address(IpAddr),
    /// A browser known to have signed in as the user it names now (hash of its cookie).
    Device(String),
    /// A signed-in user confirming the current password to change it.
    Password(i64),
}

impl Key {
    /// Keys of a sign-in as `name`: the browser's own when it is known for that user, else the
    /// name from this address and the address itself.
    pub fn for_login(name: &str, ip: Option<IpAddr>, known_device: Option<String>) -> Vec<Key> {
        match known_device {
            Some(device) => vec![Key::Device(device)],
            None => {
                let mut keys = vec![Key::NameAddress(name.to_lowercase(), ip)];
                keys.extend(ip.map(Key::Address));
                keys
            }
        }
    }

    fn free(&self, free: u32) -> u32 {
        match self {
            Key::Address(_) => free.saturating_mul(ADDRESS_FACTOR),
            _ => free,
        }
    }
}

#[derive(Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
}

pub struct Throttle {
    free: u32,
    max_delay: Duration,
    records: Mutex<HashMap<Key, Record>>,
}

impl Throttle {
    pub fn new(free: u32, max_delay: Duration) -> Self {
        Self {
            free: free.max(1),
            max_delay,
            records: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Record>> {
        // A panic while holding this lock leaves a plain map behind: still usable.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The wait after `failures` failures of a key allowed `free` of them.
    fn delay(&self, failures: u32, free: u32) -> Duration {
        if failures < free {
            return Duration::ZERO;
        }
        let doublings = (failures - free + 1).min(20);
        Duration::from_secs(1u64 << doublings).min(self.max_delay)
    }

    /// How long these keys must still wait before an attempt, if any must.
    pub fn wait(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let records = self.lock();
        keys.iter()
            .filter_map(|key| {
                let record = records.get(key)?;
                let since = now.saturating_duration_since(record.last);
                if since >= FORGET_AFTER {
                    return None;
                }
                let due = self.delay(record.failures, key.free(self.free));
                due.checked_sub(since).filter(|left| !left.is_zero())
            })
            .max()
    }

    /// Counts a failure against every key; returns the wait it imposes (zero while free).
    pub fn failed(&self, keys: &[Key], now: Instant) -> Duration {
        let mut records = self.lock();
        let mut longest = Duration::ZERO;
        for key in keys {
            if records.len() >= MAX_KEYS
                && !records.contains_key(key)
                && let Some(oldest) = records
                    .iter()
                    .min_by_key(|(_, r)| r.last)
                    .map(|(k, _)| k.clone())
            {
                records.remove(&oldest);
            }
            let record = records.entry(key.clone()).or_insert(Record {
                failures: 0,
                last: now,
            });
            if now.saturating_duration_since(record.last) >= FORGET_AFTER {
                record.failures = 0;
            }
            record.failures = record.failures.saturating_add(1);
            record.last = now;
            longest = longest.max(self.delay(record.failures, key.free(self.free)));
        }
        longest
    }

    /// A success clears the keys' failures, except an address's: one good password must not
    /// reset a spray over many names.
    pub fn succeeded(&self, keys: &[Key]) {
        let mut records = self.lock();
        for key in keys {
            if !matches!(key, Key::Address(_)) {
                records.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_per_name_and_address_up_to_the_cap() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        let attacker: IpAddr = "10.0.0.1".parse().unwrap();
        let user: IpAddr = "10.0.0.9".parse().unwrap();
        let keys = Key::for_login("Admin", Some(attacker), None);
        let t0 = Instant::now();
        assert!(throttle.wait(&keys, t0).is_none());
        assert_eq!(throttle.failed(&keys, t0), Duration::ZERO);
        assert_eq!(throttle.failed(&keys, t0), Duration::ZERO);
        assert_eq!(throttle.failed(&keys, t0), Duration::from_secs(2));
        assert_eq!(throttle.wait(&keys, t0), Some(Duration::from_secs(2)));
        // The short wait over, the next attempt is allowed (the right password would work).
        let t1 = t0 + Duration::from_secs(2);
        assert!(throttle.wait(&keys, t1).is_none());
        assert_eq!(throttle.failed(&keys, t1), Duration::from_secs(4));
        let mut t = t1;
        for _ in 0..10 {
            t += Duration::from_secs(61);
            throttle.failed(&keys, t);
        }
        assert_eq!(
            throttle.wait(&keys, t),
            Some(Duration::from_secs(60)),
            "capped"
        );
        // The same name from another address, and a known browser, are not slowed.
        let elsewhere = Key::for_login("admin", Some(user), None);
        assert!(throttle.wait(&elsewhere, t).is_none());
        let device = Key::for_login("admin", Some(attacker), Some("cookie-hash".into()));
        assert!(throttle.wait(&device, t).is_none());
        // Forgotten after an hour without failures.
        assert!(throttle.wait(&keys, t + FORGET_AFTER).is_none());
    }

    #[test]
    fn success_clears_the_name_and_an_address_is_slowed_after_many_names() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        let ann = Key::for_login("ann", Some(ip), None);
        throttle.failed(&ann, t0);
        throttle.succeeded(&ann);
        assert_eq!(
            throttle.failed(&ann, t0),
            Duration::ZERO,
            "count was cleared"
        );
        for i in 0..(2 * ADDRESS_FACTOR - 2) {
            throttle.failed(&Key::for_login(&format!("user{i}"), Some(ip), None), t0);
        }
        let someone = Key::for_login("someone", Some(ip), None);
        assert!(
            throttle.wait(&someone, t0).is_some(),
            "the address is slowed"
        );
        assert!(
            throttle
                .wait(&Key::for_login("someone", None, None), t0)
                .is_none()
        );
    }
}
