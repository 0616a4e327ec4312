//! Continuous monitoring on the host: per device, a thread analyses the newest frame at the
//! configured rate (never touching the capture thread; when it falls behind it skips ticks and
//! counts them), runs the incident state machine (`monitoring::incident`) and writes incident
//! events with their pictures to the [`Journal`] the server reads. A second thread per device
//! keeps the frame [`Timeline`] on disk.

pub mod journal;
pub mod timeline;
mod worker;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use crate::config::HostConfig;
use crate::host::devices::Devices;
use crate::monitoring::{IncidentKind, MonitorEvent, MonitorSettings, Phase};
pub use journal::Journal;
pub use timeline::{Timeline, TimelineLimits};

/// Live figures of one device's monitoring, shown next to its settings.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorStatus {
    pub analysed_fps: f64,
    pub analysed_total: u64,
    /// Ticks skipped because the analysis fell behind.
    pub skipped_total: u64,
    /// Mean analysis time of recent frames.
    pub analysis_ms: f64,
    pub analysis_seconds_total: f64,
    pub conditions: BTreeMap<&'static str, Phase>,
}

impl Default for MonitorStatus {
    fn default() -> Self {
        Self {
            analysed_fps: 0.0,
            analysed_total: 0,
            skipped_total: 0,
            analysis_ms: 0.0,
            analysis_seconds_total: 0.0,
            conditions: IncidentKind::ALL
                .into_iter()
                .map(|k| (k.as_str(), Phase::Clear))
                .collect(),
        }
    }
}

/// Buckets (seconds) of the analysis time of one frame: 50 µs to 250 ms.
const ANALYSIS_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
];

/// Settings and status of one device's monitoring, shared by its API and its thread.
pub struct DeviceMonitor {
    pub device: String,
    /// Analysis time per frame, for `/host/metrics`.
    pub analysis_seconds: crate::metrics::Histogram,
    settings: Mutex<MonitorSettings>,
    changed: Condvar,
    status: Mutex<MonitorStatus>,
    /// Where settings changed through the API are kept, so they survive a restart.
    path: PathBuf,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl DeviceMonitor {
    pub fn settings(&self) -> MonitorSettings {
        lock(&self.settings).clone()
    }

    pub fn status(&self) -> MonitorStatus {
        lock(&self.status).clone()
    }

    fn update_status(&self, change: impl FnOnce(&mut MonitorStatus)) {
        change(&mut lock(&self.status));
    }

    /// Checks, stores and applies new settings; the error names the field.
    pub fn set_settings(&self, settings: MonitorSettings) -> Result<(), SettingsError> {
        settings.validate().map_err(SettingsError::Invalid)?;
        let text = serde_json::to_string_pretty(&settings)
            .map_err(|e| SettingsError::Save(e.to_string()))?;
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| SettingsError::Save(format!("{}: {e}", self.path.display())))?;
        *lock(&self.settings) = settings;
        self.changed.notify_all();
        Ok(())
    }

    /// Waits up to `timeout` for a settings change (used while monitoring is off).
    fn wait_for_change(&self, timeout: Duration) {
        let guard = lock(&self.settings);
        let _ = self.changed.wait_timeout(guard, timeout);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot save the settings: {0}")]
    Save(String),
}

/// The monitors and timelines of every device of a host.
pub struct Monitors {
    pub journal: Arc<Journal>,
    by_device: HashMap<String, Arc<DeviceMonitor>>,
    timelines: HashMap<String, Arc<Timeline>>,
    /// Stop flags of the threads; set when the host drops its monitors.
    _stops: Vec<timeline::StopOnDrop>,
}

impl Monitors {
    /// Opens the journal (closing incidents a previous run left open), then starts a monitor
    /// and a timeline thread for every device.
    pub fn start(devices: &Devices, host: &HostConfig, data_dir: &Path) -> anyhow::Result<Self> {
        let dir = data_dir.join("monitor");
        let journal = Arc::new(Journal::open(&dir)?);
        close_stale_incidents(&journal)?;
        std::fs::create_dir_all(dir.join("settings"))?;
        let limits = TimelineLimits {
            fps: host.timeline_fps,
            max_age: Duration::from_secs(host.timeline_minutes * 60),
            max_bytes: host.timeline_max_mb * 1024 * 1024,
            width: host.timeline_width,
        };
        let mut by_device = HashMap::new();
        let mut timelines = HashMap::new();
        let mut stops = Vec::new();
        for device in devices.iter() {
            let id = device.id().to_string();
            let path = dir.join("settings").join(format!("{id}.json"));
            let settings = saved_settings(&path)
                .or_else(|| device.config.monitor.clone())
                .unwrap_or_default();
            let monitor = Arc::new(DeviceMonitor {
                device: id.clone(),
                analysis_seconds: crate::metrics::Histogram::new(ANALYSIS_BUCKETS),
                settings: Mutex::new(settings),
                changed: Condvar::new(),
                status: Mutex::new(MonitorStatus::default()),
                path,
            });
            let stop = Arc::new(AtomicBool::new(false));
            worker::spawn(
                monitor.clone(),
                device.clone(),
                journal.clone(),
                stop.clone(),
            )?;
            stops.push(timeline::StopOnDrop(stop));
            by_device.insert(id.clone(), monitor);

            if host.timeline_minutes > 0 {
                let store = Arc::new(Timeline::open(
                    &data_dir.join("timeline").join(&id),
                    limits,
                )?);
                let stop = Arc::new(AtomicBool::new(false));
                let (thread_stop, thread_store, thread_device) =
                    (stop.clone(), store.clone(), device.clone());
                std::thread::Builder::new()
                    .name(format!("timeline-{id}"))
                    .spawn(move || {
                        timeline::record(
                            thread_store,
                            &thread_device.capture,
                            &thread_stop,
                            thread_device.id(),
                        )
                    })?;
                stops.push(timeline::StopOnDrop(stop));
                timelines.insert(id, store);
            }
        }
        Ok(Self {
            journal,
            by_device,
            timelines,
            _stops: stops,
        })
    }

    pub fn get(&self, device: &str) -> Option<Arc<DeviceMonitor>> {
        self.by_device.get(device).cloned()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<DeviceMonitor>> {
        self.by_device.values()
    }

    pub fn timeline(&self, device: &str) -> Option<Arc<Timeline>> {
        self.timelines.get(device).cloned()
    }
}

fn saved_settings(path: &Path) -> Option<MonitorSettings> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str::<MonitorSettings>(&text) {
        Ok(settings) if settings.validate().is_ok() => Some(settings),
        Ok(_) | Err(_) => {
            tracing::warn!(path = %path.display(), "unreadable monitoring settings ignored");
            None
        }
    }
}

/// Incidents open when the host stopped cannot be followed any more: close them, saying why.
fn close_stale_incidents(journal: &Journal) -> std::io::Result<()> {
    for stale in journal.unresolved() {
        let MonitorEvent::Opened {
            incident,
            device,
            kind,
            started_at,
            ..
        } = stale
        else {
            continue;
        };
        let resolved = MonitorEvent::Resolved {
            seq: 0,
            incident,
            device,
            kind,
            started_at,
            ended_at: Utc::now(),
            reason: "the host restarted while the incident was open".into(),
            frames: Vec::new(),
        };
        journal.append(resolved, &[])?;
    }
    Ok(())
}
