//! The server's live picture of its hosts: last-known state (persisted), the open link of each
//! online host, and the event bus the UI listens to. All state changes of a host go through here,
//! so the event stream, the API and the database never disagree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use chrono::{DateTime, Utc};
use hyper::client::conn::http2::SendRequest;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::protocol::{
    DeviceInfo, DeviceStatus, Heartbeat, Hello, HostStats, MISSED_HEARTBEATS_OFFLINE,
};
use crate::server::db::Db;
use crate::server::db::hosts::{HostHello, HostState};
use crate::server::events::{Event, EventBus};
use crate::server::locks::{LockView, Locks};

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HostStatus {
    Online,
    Offline,
}

/// A host as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HostView {
    pub id: String,
    pub name: String,
    pub version: String,
    pub status: HostStatus,
    pub address: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub last_seen: DateTime<Utc>,
    pub uptime_secs: u64,
    pub heartbeat_interval_ms: u64,
    pub stats: Option<HostStats>,
    pub devices: Vec<DeviceView>,
}

/// A device as the API shows it: what its host reports, plus where it lives and who holds it.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    #[serde(flatten)]
    pub info: DeviceInfo,
    pub host: String,
    pub lock: Option<LockView>,
}

/// The server's end of an open host link: requests to the host's API go through `sender`.
#[derive(Clone)]
pub struct LinkHandle {
    pub id: u64,
    pub sender: SendRequest<Body>,
    pub close: CancellationToken,
}

struct HostEntry {
    view: HostView,
    devices: Vec<DeviceInfo>,
    last_heartbeat: Instant,
    link: Option<LinkHandle>,
    last_persisted: Instant,
}

/// How often an online host's heartbeat is written to the database (state changes always are).
const PERSIST_EVERY: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Registry {
    hosts: Arc<Mutex<HashMap<String, HostEntry>>>,
    db: Db,
    pub events: EventBus,
    pub locks: Locks,
}

impl Registry {
    /// Loads every known host from the database, all offline until they reconnect.
    pub async fn load(db: Db, events: EventBus, locks: Locks) -> Result<Self, super::db::DbError> {
        let stored = db.call(super::db::hosts::load_all).await?;
        let mut hosts = HashMap::new();
        for host in stored {
            let devices = host
                .heartbeat
                .as_ref()
                .map(|h| h.devices.clone())
                .unwrap_or_else(|| host.hello.devices.clone());
            let view = HostView {
                name: host.id.clone(),
                id: host.id,
                version: host.version,
                status: HostStatus::Offline,
                address: host.address,
                first_seen: host.first_seen,
                connected_at: host.connected_at,
                last_seen: host.last_seen,
                uptime_secs: host
                    .heartbeat
                    .as_ref()
                    .map_or(host.hello.uptime_secs, |h| h.uptime_secs),
                heartbeat_interval_ms: host.hello.heartbeat_interval_ms,
                stats: host.heartbeat.map(|h| h.stats),
                devices: Vec::new(),
            };
            hosts.insert(
                view.id.clone(),
                HostEntry {
                    view,
                    devices,
                    last_heartbeat: Instant::now(),
                    link: None,
                    last_persisted: Instant::now(),
                },
            );
        }
        Ok(Self {
            hosts: Arc::new(Mutex::new(hosts)),
            db,
            events,
            locks,
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, HostEntry>> {
        // A panic while holding this lock would be a bug; keep serving with the data as it is.
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn view_of(&self, entry: &HostEntry) -> HostView {
        let mut view = entry.view.clone();
        let offline = view.status == HostStatus::Offline;
        view.devices = entry
            .devices
            .iter()
            .map(|info| {
                let mut info = info.clone();
                if offline {
                    info.status = DeviceStatus::Offline;
                }
                DeviceView {
                    lock: self.locks.view(&view.id, &info.id),
                    info,
                    host: view.id.clone(),
                }
            })
            .collect();
        view
    }

    pub fn list(&self) -> Vec<HostView> {
        let hosts = self.lock();
        let mut list: Vec<HostView> = hosts.values().map(|e| self.view_of(e)).collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    pub fn get(&self, id: &str) -> Option<HostView> {
        self.lock().get(id).map(|e| self.view_of(e))
    }

    pub fn is_online(&self, id: &str) -> bool {
        self.lock()
            .get(id)
            .is_some_and(|e| e.view.status == HostStatus::Online)
    }

    pub fn link(&self, id: &str) -> Option<LinkHandle> {
        self.lock().get(id).and_then(|e| e.link.clone())
    }

    /// Records a hello (from a link or `POST /api/hosts/register`) without changing online state.
    pub async fn record_hello(&self, hello: &Hello, address: Option<String>) -> HostView {
        let now = Utc::now();
        let view = {
            let mut hosts = self.lock();
            let entry = hosts
                .entry(hello.name.clone())
                .or_insert_with(|| HostEntry {
                    view: HostView {
                        id: hello.name.clone(),
                        name: hello.name.clone(),
                        version: hello.version.clone(),
                        status: HostStatus::Offline,
                        address: None,
                        first_seen: now,
                        connected_at: None,
                        last_seen: now,
                        uptime_secs: 0,
                        heartbeat_interval_ms: hello.heartbeat_interval_ms,
                        stats: None,
                        devices: Vec::new(),
                    },
                    devices: Vec::new(),
                    last_heartbeat: Instant::now(),
                    link: None,
                    last_persisted: Instant::now(),
                });
            entry.view.version = hello.version.clone();
            entry.view.address = address;
            entry.view.last_seen = now;
            entry.view.uptime_secs = hello.uptime_secs;
            entry.view.heartbeat_interval_ms = hello.heartbeat_interval_ms;
            entry.devices = hello.devices.clone();
            self.view_of(entry)
        };
        self.persist(&view, hello).await;
        view
    }

    /// Marks a host online with its freshly opened link. Refuses (returns false) if another live
    /// link already holds the name.
    pub async fn attach_link(&self, hello: &Hello, address: String, link: LinkHandle) -> bool {
        {
            let hosts = self.lock();
            if let Some(entry) = hosts.get(&hello.name)
                && entry.view.status == HostStatus::Online
                && entry.link.as_ref().is_some_and(|l| !l.close.is_cancelled())
            {
                return false;
            }
        }
        self.record_hello(hello, Some(address)).await;
        let view = {
            let mut hosts = self.lock();
            let Some(entry) = hosts.get_mut(&hello.name) else {
                return false;
            };
            entry.view.status = HostStatus::Online;
            entry.view.connected_at = Some(Utc::now());
            entry.last_heartbeat = Instant::now();
            entry.link = Some(link);
            self.view_of(entry)
        };
        tracing::info!(host = %view.id, address = ?view.address, "host joined");
        self.events.publish(Event::new("host.online", &view));
        true
    }

    pub async fn heartbeat(&self, host: &str, link_id: u64, beat: Heartbeat) {
        let (view, persist) = {
            let mut hosts = self.lock();
            let Some(entry) = hosts.get_mut(host) else {
                return;
            };
            if entry.link.as_ref().map(|l| l.id) != Some(link_id) {
                return; // a beat from a link that has since been replaced
            }
            entry.last_heartbeat = Instant::now();
            entry.view.last_seen = Utc::now();
            entry.view.uptime_secs = beat.uptime_secs;
            entry.view.stats = Some(beat.stats);
            entry.devices = beat.devices;
            let persist = entry.last_persisted.elapsed() >= PERSIST_EVERY;
            if persist {
                entry.last_persisted = Instant::now();
            }
            (self.view_of(entry), persist)
        };
        if persist {
            self.persist_heartbeat(&view).await;
        }
        self.events.publish(Event::new("host.heartbeat", &view));
    }

    /// Marks a host offline if `link_id` is still its link (a newer link wins), and closes it.
    pub async fn detach_link(&self, host: &str, link_id: u64, reason: &str) {
        let view = {
            let mut hosts = self.lock();
            let Some(entry) = hosts.get_mut(host) else {
                return;
            };
            if entry.link.as_ref().map(|l| l.id) != Some(link_id) {
                return;
            }
            if let Some(link) = entry.link.take() {
                link.close.cancel();
            }
            entry.view.status = HostStatus::Offline;
            self.view_of(entry)
        };
        tracing::warn!(host = %host, reason, "host offline");
        self.persist_heartbeat(&view).await;
        self.events.publish(Event::new("host.offline", &view));
    }

    /// Hosts whose last heartbeat is older than [`MISSED_HEARTBEATS_OFFLINE`] intervals.
    pub fn silent_hosts(&self) -> Vec<(String, u64)> {
        self.lock()
            .values()
            .filter(|e| e.view.status == HostStatus::Online)
            .filter(|e| {
                let interval = Duration::from_millis(e.view.heartbeat_interval_ms.max(1));
                e.last_heartbeat.elapsed() > interval * MISSED_HEARTBEATS_OFFLINE
            })
            .filter_map(|e| Some((e.view.id.clone(), e.link.as_ref()?.id)))
            .collect()
    }

    /// Closes every link (server shutdown).
    pub fn close_all(&self) {
        for entry in self.lock().values_mut() {
            if let Some(link) = &entry.link {
                link.close.cancel();
            }
        }
    }

    pub fn device_count(&self) -> usize {
        self.lock().values().map(|e| e.devices.len()).sum()
    }

    async fn persist(&self, view: &HostView, hello: &Hello) {
        let (view, hello) = (view.clone(), hello.clone());
        if let Err(e) = self
            .db
            .call(move |c| {
                super::db::hosts::upsert_hello(
                    c,
                    &HostHello {
                        id: &view.id,
                        version: &view.version,
                        address: view.address.as_deref(),
                        first_seen: view.first_seen,
                        last_seen: view.last_seen,
                        hello: &hello,
                    },
                )
            })
            .await
        {
            tracing::error!(error = %e, "could not save host");
        }
    }

    async fn persist_heartbeat(&self, view: &HostView) {
        let heartbeat = Heartbeat {
            uptime_secs: view.uptime_secs,
            stats: view.stats.clone().unwrap_or_default(),
            devices: view.devices.iter().map(|d| d.info.clone()).collect(),
        };
        let (id, last_seen, connected_at) = (view.id.clone(), view.last_seen, view.connected_at);
        if let Err(e) = self
            .db
            .call(move |c| {
                super::db::hosts::save_state(
                    c,
                    &HostState {
                        id: &id,
                        last_seen,
                        connected_at,
                        heartbeat: &heartbeat,
                    },
                )
            })
            .await
        {
            tracing::error!(error = %e, "could not save host state");
        }
    }
}
