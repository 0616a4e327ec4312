//! System figures a host reports in its heartbeats: CPU, memory, disk, temperature, load.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sysinfo::{Components, Disks, System};

use crate::protocol::HostStats;

pub struct StatsSampler {
    /// `None` where the platform gives no system figures; heartbeats then carry zeros.
    system: Mutex<Option<System>>,
    data_dir: PathBuf,
    /// The last sample, so readers other than the heartbeat (`/host/metrics`) do not move the
    /// CPU averaging window the heartbeats report.
    last: Mutex<Option<HostStats>>,
}

impl StatsSampler {
    pub fn new(data_dir: &Path) -> Self {
        let system = System::new().ok().map(|mut system| {
            system.refresh_cpu_usage();
            system.refresh_memory();
            system
        });
        Self {
            system: Mutex::new(system),
            data_dir: std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned()),
            last: Mutex::new(None),
        }
    }

    /// Samples now. CPU usage is the average since the previous sample. Blocking (reads /proc
    /// and /sys): call from a blocking thread.
    pub fn sample(&self) -> HostStats {
        let (cpu_percent, mem_used_bytes, mem_total_bytes) = {
            let mut system = self.system.lock().unwrap_or_else(|p| p.into_inner());
            match system.as_mut() {
                Some(system) => {
                    system.refresh_cpu_usage();
                    system.refresh_memory();
                    (
                        system.global_cpu_usage(),
                        system.used_memory(),
                        system.total_memory(),
                    )
                }
                None => (0.0, 0, 0),
            }
        };
        let (disk_used_bytes, disk_total_bytes) = self.disk_usage();
        let temperature_c = Components::new_with_refreshed_list()
            .ok()
            .and_then(|components| {
                components
                    .iter()
                    .filter_map(|c| c.temperature())
                    .filter(|t| t.is_finite() && *t > 0.0)
                    .reduce(f32::max)
            });
        let stats = HostStats {
            cpu_percent: (cpu_percent * 10.0).round() / 10.0,
            mem_used_bytes,
            mem_total_bytes,
            disk_used_bytes,
            disk_total_bytes,
            temperature_c,
            load_avg_1m: System::load_average().map_or(0.0, |l| l.one),
        };
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(stats.clone());
        stats
    }

    /// The last sample taken, if any.
    pub fn latest(&self) -> Option<HostStats> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Used and total bytes of the disk holding the data dir: the longest mount point containing it.
    fn disk_usage(&self) -> (u64, u64) {
        let Ok(disks) = Disks::new_with_refreshed_list() else {
            return (0, 0);
        };
        disks
            .iter()
            .filter(|d| self.data_dir.starts_with(d.mount_point()))
            .max_by_key(|d| d.mount_point().as_os_str().len())
            .map_or((0, 0), |d| {
                (d.total_space() - d.available_space(), d.total_space())
            })
    }
}
