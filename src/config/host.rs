//! `[host]`: the rack agent, its link to the server, its frame memory and its devices.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{DEFAULT_HOST_PORT, DeviceConfig};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// Name shown in the UI and used in API paths. Empty: the machine's hostname.
    pub name: String,
    pub bind: SocketAddr,
    /// `http(s)://server:5109`. Empty: the local server (`vpt all`) or the first one found over mDNS.
    pub server_url: String,
    /// The server's shared host token. Empty in `vpt all`: read from the data dir.
    pub token: String,
    /// PEM file of a CA (or the server's self-signed certificate) to trust for `https://`
    /// servers, in addition to the public roots. Empty: the public roots only.
    pub server_ca: PathBuf,
    pub heartbeat_interval_ms: u64,
    /// Longest wait between two reconnection attempts.
    pub reconnect_max_ms: u64,
    /// No longer used (a device keeps only its newest frame in memory; history is the
    /// timeline on disk); accepted so old configs still load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_seconds: Option<f64>,
    /// No longer used, as `ring_seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_max_mb: Option<usize>,
    /// Minutes of frames each device keeps on disk for its timeline; 0 turns timelines off.
    pub timeline_minutes: u64,
    /// Timeline frames stored per second.
    pub timeline_fps: f64,
    /// Width of timeline frames (smaller pictures keep their size).
    pub timeline_width: u32,
    /// Disk cap of one device's timeline, in MiB.
    pub timeline_max_mb: u64,
    /// Devices of this host. Absent in `vpt all`: two simulated set-top boxes.
    pub devices: Option<Vec<DeviceConfig>>,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            name: String::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], DEFAULT_HOST_PORT)),
            server_url: String::new(),
            token: String::new(),
            server_ca: PathBuf::new(),
            heartbeat_interval_ms: 5000,
            reconnect_max_ms: 30_000,
            ring_seconds: None,
            ring_max_mb: None,
            timeline_minutes: 10,
            timeline_fps: 1.0,
            timeline_width: 640,
            timeline_max_mb: 200,
            devices: None,
        }
    }
}
