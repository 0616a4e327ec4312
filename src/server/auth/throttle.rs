//! Login throttling: failures in a row are counted per user name and per client address; past
//! the limit the name (or address) is locked for a while, whatever password comes next. A
//! success clears the name's count. Kept in memory: a restart forgets lockouts, which costs an
//! attacker a restart they cannot cause.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An address may fail this many times the per-name limit (people behind one NAT share it).
pub const ADDRESS_FACTOR: u32 = 4;
/// Bound on remembered names and addresses; the oldest idle ones go first beyond it.
const MAX_KEYS: usize = 50_000;

#[derive(Clone, Copy)]
struct Record {
    failures: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

pub struct Throttle {
    max_failures: u32,
    lockout: Duration,
    names: Mutex<HashMap<String, Record>>,
    addresses: Mutex<HashMap<IpAddr, Record>>,
}

impl Throttle {
    pub fn new(max_failures: u32, lockout: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            lockout,
            names: Mutex::default(),
            addresses: Mutex::default(),
        }
    }

    /// How long until this name and address may try again, if either is locked.
    pub fn locked(&self, name: &str, ip: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let name_wait = wait(&mut lock(&self.names), &name.to_lowercase(), now);
        let ip_wait = ip.and_then(|ip| wait(&mut lock(&self.addresses), &ip, now));
        name_wait.max(ip_wait)
    }

    /// Counts a failure; returns whether it locked the name or the address.
    pub fn failed(&self, name: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        let name_locked = count(
            &mut lock(&self.names),
            name.to_lowercase(),
            self.max_failures,
            self.lockout,
            now,
        );
        let ip_locked = ip.is_some_and(|ip| {
            count(
                &mut lock(&self.addresses),
                ip,
                self.max_failures.saturating_mul(ADDRESS_FACTOR),
                self.lockout,
                now,
            )
        });
        name_locked || ip_locked
    }

    /// A successful login clears the name's failures (the address keeps its count: one good
    /// password must not reset a spray over many names).
    pub fn succeeded(&self, name: &str) {
        lock(&self.names).remove(&name.to_lowercase());
    }
}

fn lock<K>(map: &Mutex<HashMap<K, Record>>) -> std::sync::MutexGuard<'_, HashMap<K, Record>> {
    map.lock().unwrap_or_else(|e| e.into_inner())
}

fn wait<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Record>,
    key: &K,
    now: Instant,
) -> Option<Duration> {
    let record = map.get_mut(key)?;
    match record.locked_until {
        Some(until) if until > now => Some(until - now),
        Some(_) => {
            // The lockout is over: start counting afresh.
            map.remove(key);
            None
        }
        None => None,
    }
}

fn count<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Record>,
    key: K,
    max: u32,
    lockout: Duration,
    now: Instant,
) -> bool {
    if map.len() >= MAX_KEYS
        && let Some(oldest) = map
            .iter()
            .min_by_key(|(_, r)| r.last)
            .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
    let record = map.entry(key).or_insert(Record {
        failures: 0,
        locked_until: None,
        last: now,
    });
    record.failures += 1;
    record.last = now;
    if record.failures >= max {
        record.locked_until = Some(now + lockout);
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_after_max_failures_and_release_after_the_lockout() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert!(throttle.locked("ann", Some(ip), t0).is_none());
        assert!(!throttle.failed("ann", Some(ip), t0));
        assert!(!throttle.failed("Ann", Some(ip), t0));
        assert!(throttle.failed("ann", Some(ip), t0), "third failure locks");
        let wait = throttle.locked("ann", None, t0).unwrap();
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(59));
        // Other names from another address are not affected.
        assert!(throttle.locked("bob", None, t0).is_none());
        let later = t0 + Duration::from_secs(61);
        assert!(throttle.locked("ann", None, later).is_none());
        assert!(
            !throttle.failed("ann", None, later),
            "counting starts afresh"
        );
    }

    #[test]
    fn success_clears_the_name_and_an_address_locks_after_many_names() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(!throttle.failed("ann", None, t0));
        throttle.succeeded("ann");
        assert!(!throttle.failed("ann", None, t0), "count was cleared");
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for i in 0..(2 * ADDRESS_FACTOR - 1) {
            throttle.failed(&format!("user{i}"), Some(ip), t0);
        }
        assert!(throttle.locked("someone", Some(ip), t0).is_none());
        assert!(throttle.failed("user-last", Some(ip), t0));
        assert!(throttle.locked("someone", Some(ip), t0).is_some());
        assert!(throttle.locked("someone", None, t0).is_none());
    }
}
