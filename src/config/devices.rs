//! The devices of `[host]`: how each is captured, controlled and powered, and the checks of
//! each driver's settings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::ids::is_valid_id;
use crate::protocol::keys::{COMMON_KEYS, check_lirc_word};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default = "default_model")]
    pub model: String,
    pub capture: CaptureConfig,
    #[serde(default)]
    pub remote: RemoteConfig,
    #[serde(default)]
    pub power: PowerConfig,
    /// Continuous monitoring (black screen, freeze, no signal). Absent: off.
    #[serde(default)]
    pub monitor: Option<crate::monitoring::MonitorSettings>,
}

fn default_model() -> String {
    "stb".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum CaptureConfig {
    /// The built-in simulated set-top box.
    Sim {
        #[serde(default = "default_sim_fps")]
        fps: f64,
        #[serde(default)]
        seed: u64,
        #[serde(default)]
        faults: crate::sim::SimFaults,
    },
    /// A V4L2 capture card.
    V4l2 {
        path: PathBuf,
        #[serde(default = "default_width")]
        width: u32,
        #[serde(default = "default_height")]
        height: u32,
        #[serde(default = "default_v4l2_fps")]
        fps: f64,
        /// FourCC to ask the card for; MJPG lets frames stream without re-encoding.
        #[serde(default = "default_pixel_format")]
        pixel_format: String,
    },
    /// A folder of PNG/JPEG frames replayed in name order.
    Images {
        dir: PathBuf,
        #[serde(default = "default_images_fps")]
        fps: f64,
        #[serde(default = "default_true", rename = "loop")]
        repeat: bool,
    },
}

fn default_sim_fps() -> f64 {
    25.0
}
fn default_v4l2_fps() -> f64 {
    30.0
}
fn default_images_fps() -> f64 {
    5.0
}
fn default_width() -> u32 {
    1920
}
fn default_height() -> u32 {
    1080
}
fn default_pixel_format() -> String {
    "MJPG".into()
}
fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RemoteConfig {
    /// Keys go to the device's simulated set-top box (needs `capture.kind = "sim"`).
    Sim,
    /// An Android device through the adb server (`adb start-server`).
    Adb {
        /// `host:port` of a network device, or a USB serial (`adb devices` lists them).
        #[serde(default)]
        serial: String,
        /// Where the adb server listens.
        #[serde(default = "default_adb_server")]
        adb_server: String,
        /// Longest one adb command may take (UI dumps take a few seconds on slow devices).
        #[serde(default = "default_adb_timeout_ms")]
        timeout_ms: u64,
    },
    /// A remote defined in a running lircd, sent through its socket.
    Lirc {
        #[serde(default)]
        socket: PathBuf,
        /// The remote's name in lircd's configuration (`irsend LIST "" ""` lists them).
        #[serde(default)]
        remote: String,
        /// vpt key name → lircd key name, where the remote's names differ from `KEY_*`.
        #[serde(default)]
        keys: BTreeMap<String, String>,
    },
    /// A kernel IR transmitter (`/dev/lircN`) with a keymap file vpt encodes itself.
    Ir {
        #[serde(default)]
        device: PathBuf,
        #[serde(default)]
        keymap: PathBuf,
    },
    /// A Roku device over ECP (HTTP, port 8060).
    Roku {
        #[serde(default)]
        address: String,
    },
    #[default]
    None,
}

/// Where `adb start-server` listens unless told otherwise.
pub const DEFAULT_ADB_SERVER: &str = "127.0.0.1:5037";

fn default_adb_server() -> String {
    DEFAULT_ADB_SERVER.into()
}
fn default_adb_timeout_ms() -> u64 {
    10_000
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum PowerConfig {
    /// Powers the device's simulated set-top box (needs `capture.kind = "sim"`).
    Sim,
    /// TP-Link Tapo plug (local KLAP protocol) with the TP-Link account's credentials.
    Tapo {
        #[serde(default)]
        address: String,
        #[serde(default)]
        username: String,
        #[serde(default)]
        password: String,
    },
    /// TP-Link Kasa plug (port 9999).
    Kasa {
        #[serde(default)]
        address: String,
    },
    /// Shelly relay; `generation` 1 or 2 (2 covers Plus/Pro/Gen3), detected when absent.
    Shelly {
        #[serde(default)]
        address: String,
        #[serde(default)]
        channel: u32,
        #[serde(default)]
        generation: Option<u32>,
    },
    /// Tasmota relay; `relay` picks `Power<n>` on multi-relay devices.
    Tasmota {
        #[serde(default)]
        address: String,
        #[serde(default)]
        relay: Option<u32>,
    },
    /// Any switch with on/off URLs and an optional status URL.
    Http {
        #[serde(default)]
        on_url: String,
        #[serde(default)]
        off_url: String,
        #[serde(default)]
        status_url: String,
        /// `POST` (default) or `GET` for the on/off URLs.
        #[serde(default = "default_http_method")]
        method: String,
    },
    #[default]
    None,
}

fn default_http_method() -> String {
    "POST".into()
}

impl DeviceConfig {
    /// A simulated set-top box with remote and power, as `vpt all` starts by default.
    pub fn sim(id: &str, name: &str, seed: u64) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            model: "stb".into(),
            capture: CaptureConfig::Sim {
                fps: default_sim_fps(),
                seed,
                faults: Default::default(),
            },
            remote: RemoteConfig::Sim,
            power: PowerConfig::Sim,
            monitor: Some(crate::monitoring::MonitorSettings::demo()),
        }
    }
}

impl DeviceConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field: &str, why: String| {
            ConfigError::Invalid(format!("host.devices `{}`: {field}: {why}", self.id))
        };
        if !is_valid_id(&self.id) {
            return Err(invalid(
                "id",
                "use letters, digits, `-`, `_` and `.` only (it appears in URLs)".into(),
            ));
        }
        let is_sim = matches!(self.capture, CaptureConfig::Sim { .. });
        match &self.capture {
            CaptureConfig::Sim { fps, faults, .. } => {
                check_fps(*fps).map_err(|why| invalid("capture.fps", why))?;
                faults
                    .validate()
                    .map_err(|e| invalid("capture.faults", e.to_string()))?;
            }
            CaptureConfig::V4l2 {
                fps,
                width,
                height,
                pixel_format,
                ..
            } => {
                check_fps(*fps).map_err(|why| invalid("capture.fps", why))?;
                if *width == 0 || *height == 0 {
                    return Err(invalid("capture.width/height", "must be above 0".into()));
                }
                if pixel_format.len() != 4 {
                    return Err(invalid(
                        "capture.pixel_format",
                        format!("`{pixel_format}` is not a four-letter code such as MJPG or YUYV"),
                    ));
                }
            }
            CaptureConfig::Images { fps, dir, .. } => {
                check_fps(*fps).map_err(|why| invalid("capture.fps", why))?;
                if dir.as_os_str().is_empty() {
                    return Err(invalid("capture.dir", "is empty".into()));
                }
            }
        }
        if let Some(monitor) = &self.monitor {
            monitor.validate().map_err(|why| invalid("monitor", why))?;
        }
        self.validate_remote()
            .map_err(|(field, why)| invalid(field, why))?;
        self.validate_power()
            .map_err(|(field, why)| invalid(field, why))?;
        if self.remote == RemoteConfig::Sim && !is_sim {
            return Err(invalid(
                "remote",
                "`sim` needs `capture.kind = \"sim\"`".into(),
            ));
        }
        if self.power == PowerConfig::Sim && !is_sim {
            return Err(invalid(
                "power",
                "`sim` needs `capture.kind = \"sim\"`".into(),
            ));
        }
        Ok(())
    }

    fn validate_remote(&self) -> Result<(), (&'static str, String)> {
        let empty = |field: &'static str| Err((field, "is missing or empty".to_string()));
        match &self.remote {
            RemoteConfig::Adb {
                serial,
                adb_server,
                timeout_ms,
            } => {
                if serial.trim().is_empty() {
                    return empty("remote.serial");
                }
                if serial.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(("remote.serial", format!("`{serial}` contains spaces")));
                }
                if adb_server.trim().is_empty() {
                    return empty("remote.adb_server");
                }
                if !(100..=600_000).contains(timeout_ms) {
                    return Err(("remote.timeout_ms", "must be 100 to 600000".into()));
                }
            }
            RemoteConfig::Lirc {
                socket,
                remote,
                keys,
            } => {
                if socket.as_os_str().is_empty() {
                    return empty("remote.socket");
                }
                if remote.trim().is_empty() {
                    return empty("remote.remote");
                }
                check_lirc_word("remote", remote).map_err(|why| ("remote.remote", why))?;
                for (key, name) in keys {
                    if !COMMON_KEYS.contains(&key.as_str()) {
                        return Err(("remote.keys", format!("`{key}` is not a vpt key name")));
                    }
                    check_lirc_word("key", name).map_err(|why| ("remote.keys", why))?;
                }
            }
            RemoteConfig::Ir { device, keymap } => {
                if device.as_os_str().is_empty() {
                    return empty("remote.device");
                }
                if keymap.as_os_str().is_empty() {
                    return empty("remote.keymap");
                }
            }
            RemoteConfig::Roku { address } => {
                if address.trim().is_empty() {
                    return empty("remote.address");
                }
            }
            RemoteConfig::Sim | RemoteConfig::None => {}
        }
        Ok(())
    }

    fn validate_power(&self) -> Result<(), (&'static str, String)> {
        let empty = |field: &'static str| Err((field, "is missing or empty".to_string()));
        match &self.power {
            PowerConfig::Tapo {
                address,
                username,
                password,
            } => {
                if address.trim().is_empty() {
                    return empty("power.address");
                }
                if username.is_empty() || password.is_empty() {
                    return Err((
                        "power.username/password",
                        "Tapo plugs need the TP-Link account's e-mail and password".into(),
                    ));
                }
            }
            PowerConfig::Kasa { address }
            | PowerConfig::Shelly { address, .. }
            | PowerConfig::Tasmota { address, .. } => {
                if address.trim().is_empty() {
                    return empty("power.address");
                }
                if let PowerConfig::Shelly {
                    generation: Some(g),
                    ..
                } = &self.power
                    && !(1..=4).contains(g)
                {
                    return Err(("power.generation", format!("{g} is not 1 to 4")));
                }
            }
            PowerConfig::Http {
                on_url,
                off_url,
                status_url,
                method,
            } => {
                for (field, url) in [
                    ("power.on_url", on_url),
                    ("power.off_url", off_url),
                    ("power.status_url", status_url),
                ] {
                    if url.is_empty() && field != "power.status_url" {
                        return empty(field);
                    }
                    if !(url.is_empty()
                        || url.starts_with("http://")
                        || url.starts_with("https://"))
                    {
                        return Err((field, format!("`{url}` is not an http(s) URL")));
                    }
                }
                if !(method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("POST")) {
                    return Err(("power.method", format!("`{method}` is not GET or POST")));
                }
            }
            PowerConfig::Sim | PowerConfig::None => {}
        }
        Ok(())
    }

    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            self.name.clone()
        }
    }
}

fn check_fps(fps: f64) -> Result<(), String> {
    if fps.is_finite() && fps > 0.0 && fps <= 120.0 {
        Ok(())
    } else {
        Err(format!("{fps} is not between 0 and 120"))
    }
}
