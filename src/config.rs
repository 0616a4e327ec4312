//! Typed configuration: TOML file (optional) → `VPT_<SECTION>__<KEY>` environment overrides →
//! command-line flags. Every key has a default, so `vpt all` runs with no file at all.
//! `config.example.toml` documents every key and is what `vpt gen-config` prints.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::{is_id_char, is_valid_id};
use crate::protocol::keys::{COMMON_KEYS, check_lirc_word};

/// The commented example configuration, printed by `vpt gen-config`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

pub const DEFAULT_SERVER_PORT: u16 = 5109;
pub const DEFAULT_HOST_PORT: u16 = 6109;
const ENV_PREFIX: &str = "VPT_";
/// Shortest shared host token accepted when the server listens beyond loopback.
pub const MIN_TOKEN_LEN: usize = 16;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub general: GeneralConfig,
    pub server: ServerConfig,
    pub runs: RunsConfig,
    pub host: HostConfig,
    pub mdns: MdnsConfig,
    pub auth: AuthConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneralConfig {
    /// Folder for the SQLite database, the generated host token and run files.
    pub data_dir: PathBuf,
    /// Log filter, e.g. `info` or `vpt=debug,info`.
    pub log: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./vpt-data"),
            log: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Shared secret hosts present when they join. Empty: generated in the data dir.
    pub host_token: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Create the `demo-stb` userinterface (tree and references matching the simulated
    /// set-top box) on first start.
    pub demo_content: bool,
    /// PEM certificate chain to serve HTTPS with. Empty (with `tls_key`): plain HTTP.
    pub tls_cert: PathBuf,
    /// PEM private key of `tls_cert`.
    pub tls_key: PathBuf,
    /// Names (besides IP addresses, `localhost` and this machine's name) clients may reach the
    /// server by, as sent in `Host`; `["*"]` accepts any. Guards against DNS rebinding.
    pub allowed_hosts: Vec<String>,
}

impl ServerConfig {
    /// Whether the server itself serves HTTPS.
    pub fn tls(&self) -> bool {
        !self.tls_cert.as_os_str().is_empty()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([0, 0, 0, 0], DEFAULT_SERVER_PORT)),
            host_token: String::new(),
            max_body_bytes: 1024 * 1024,
            demo_content: true,
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
            allowed_hosts: Vec::new(),
        }
    }
}

/// Test runs on the server: how long their reports are kept and how long a host may vanish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunsConfig {
    /// Finished runs older than this many days are deleted with their pictures.
    pub keep_days: u32,
    /// At most this many finished runs are kept (the oldest go first).
    pub keep_runs: u32,
    /// A running run whose host is gone this long ends as `error: host lost`.
    pub host_lost_after_s: u64,
}

impl Default for RunsConfig {
    fn default() -> Self {
        Self {
            keep_days: 90,
            keep_runs: 10_000,
            host_lost_after_s: 60,
        }
    }
}

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
    /// Seconds of recent frames each device keeps in memory.
    pub ring_seconds: f64,
    /// Memory cap of one device's frame ring, in MiB.
    pub ring_max_mb: usize,
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
            ring_seconds: 10.0,
            ring_max_mb: 64,
            timeline_minutes: 10,
            timeline_fps: 1.0,
            timeline_width: 640,
            timeline_max_mb: 200,
            devices: None,
        }
    }
}

/// Users, sessions and API tokens of the server (docs/security.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Off only on a loopback bind: every request then acts as the admin `local`.
    pub enabled: bool,
    /// Lifetime of a login session, counted from the login.
    pub session_hours: u32,
    /// A session unused this long ends (0: only `session_hours` ends it).
    pub session_idle_minutes: u32,
    /// Failed logins in a row (per user name and client address) answered without delay;
    /// each further one doubles the wait before the next attempt.
    pub login_max_failures: u32,
    /// The longest wait between sign-in attempts, however many failed.
    pub login_max_delay_s: u32,
    /// No longer used (sign-ins are slowed, not locked); accepted so old configs still load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_minutes: Option<u32>,
    /// Other origins allowed to call the API with credentials. Empty: same origin only.
    pub cors_origins: Vec<String>,
    /// Which hosts presenting the join token are approved without an admin.
    pub auto_approve_hosts: AutoApprove,
    /// Serve `/metrics` without a token.
    pub metrics_public: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            session_hours: 24,
            session_idle_minutes: 120,
            login_max_failures: 5,
            login_max_delay_s: 60,
            lockout_minutes: None,
            cors_origins: Vec::new(),
            auto_approve_hosts: AutoApprove::Loopback,
            metrics_public: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AutoApprove {
    /// Hosts connecting from this machine (`vpt all`).
    Loopback,
    Always,
    Never,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MdnsConfig {
    /// Advertise this server/host on the LAN and find servers/hosts there.
    pub enabled: bool,
}

impl Default for MdnsConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

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

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Loads the file (if any), then applies `VPT_<SECTION>__<KEY>` variables from `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let (source, mut table) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                (path.display().to_string(), table)
            }
            None => ("(defaults)".to_string(), toml::Table::new()),
        };
        let mut from_env = BTreeMap::new();
        for (var, value) in env {
            let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            // VPT_CONFIG and VPT_LOG-style single words are flags, not config keys.
            let Some((section, key)) = rest.split_once("__") else {
                continue;
            };
            let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
            let value = parse_env_value(&value);
            let section_table = table
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let Some(section_table) = section_table.as_table_mut() else {
                return Err(ConfigError::Env {
                    var,
                    message: format!("`{section}` is not a section"),
                });
            };
            section_table.insert(key.clone(), value);
            from_env.insert(format!("{section}.{key}"), var);
        }
        let config = Config::deserialize(toml::Value::Table(table)).map_err(|e| {
            let message = e.to_string().trim().to_string();
            match env_var_named_in(&message, &from_env) {
                Some(var) => ConfigError::Env { var, message },
                None => ConfigError::Parse {
                    path: source.clone(),
                    message,
                },
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for device in self.host.devices.iter().flatten() {
            device.validate()?;
            if !seen.insert(device.id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "host.devices: device id `{}` is used twice",
                    device.id
                )));
            }
        }
        if !self.host.name.is_empty() && !is_valid_id(&self.host.name) {
            return Err(ConfigError::Invalid(format!(
                "host.name `{}`: use letters, digits, `-`, `_` and `.` only (it appears in URLs)",
                self.host.name
            )));
        }
        if self.host.heartbeat_interval_ms < 100 {
            return Err(ConfigError::Invalid(
                "host.heartbeat_interval_ms must be at least 100".into(),
            ));
        }
        if !(self.host.timeline_fps > 0.0 && self.host.timeline_fps <= 25.0) {
            return Err(ConfigError::Invalid(
                "host.timeline_fps must be above 0 and at most 25".into(),
            ));
        }
        if !(16..=7680).contains(&self.host.timeline_width) {
            return Err(ConfigError::Invalid(
                "host.timeline_width must be between 16 and 7680".into(),
            ));
        }
        if !(self.host.ring_seconds >= 0.0 && self.host.ring_seconds.is_finite()) {
            return Err(ConfigError::Invalid(
                "host.ring_seconds must be a positive number".into(),
            ));
        }
        let (cert, key) = (&self.server.tls_cert, &self.server.tls_key);
        if cert.as_os_str().is_empty() != key.as_os_str().is_empty() {
            return Err(ConfigError::Invalid(
                "server.tls_cert and server.tls_key go together: set both (HTTPS) or neither \
                 (plain HTTP)"
                    .into(),
            ));
        }
        self.validate_auth()
    }

    fn validate_auth(&self) -> Result<(), ConfigError> {
        let auth = &self.auth;
        // Whether auth may be off depends on the address the server really listens on, so the
        // server checks that when it starts (`Server::prepare`); a host does not care.
        if !(1..=24 * 366).contains(&auth.session_hours) {
            return Err(ConfigError::Invalid(
                "auth.session_hours must be 1 to 8784".into(),
            ));
        }
        if auth.login_max_failures == 0 || !(1..=3600).contains(&auth.login_max_delay_s) {
            return Err(ConfigError::Invalid(
                "auth.login_max_failures must be at least 1 and auth.login_max_delay_s 1 to 3600"
                    .into(),
            ));
        }
        if auth.session_idle_minutes > 24 * 366 * 60 {
            return Err(ConfigError::Invalid(
                "auth.session_idle_minutes must be 0 (off) to 527040".into(),
            ));
        }
        for origin in &auth.cors_origins {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "auth.cors_origins: `{origin}` is not an origin such as https://ci.example.com"
                )));
            }
        }
        Ok(())
    }

    /// Devices the host starts: the configured ones, or two sims when `default_sims` and none are configured.
    pub fn host_devices(&self, default_sims: bool) -> Vec<DeviceConfig> {
        match (&self.host.devices, default_sims) {
            (Some(devices), _) => devices.clone(),
            (None, true) => vec![
                DeviceConfig::sim("sim1", "Simulated STB 1", 1),
                DeviceConfig::sim("sim2", "Simulated STB 2", 2),
            ],
            (None, false) => Vec::new(),
        }
    }

    /// The host name: configured, or the machine's hostname made URL-safe.
    pub fn host_name(&self) -> String {
        if !self.host.name.is_empty() {
            return self.host.name.clone();
        }
        let raw = hostname::get()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cleaned: String = raw
            .chars()
            .map(|c| if is_id_char(c) { c } else { '-' })
            .collect();
        if cleaned.is_empty() {
            "vpt-host".into()
        } else {
            cleaned
        }
    }
}

impl DeviceConfig {
    fn validate(&self) -> Result<(), ConfigError> {
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

/// The environment variable whose key a deserialisation error quotes, if any.
fn env_var_named_in(message: &str, from_env: &BTreeMap<String, String>) -> Option<String> {
    from_env.iter().find_map(|(dotted, var)| {
        let key = dotted.rsplit('.').next()?;
        message.contains(&format!("`{key}`")).then(|| var.clone())
    })
}

/// `VPT_X__Y=42` becomes an integer, `true` a boolean, anything that is not a TOML value a string.
fn parse_env_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.server.bind.port(), 5109);
        assert_eq!(config.host.bind.port(), 6109);
        assert_eq!(config.general.data_dir, PathBuf::from("./vpt-data"));
        assert_eq!(config.host_devices(true).len(), 2);
        assert!(config.host_devices(false).is_empty());
    }

    #[test]
    fn env_overrides_sections() {
        let config = Config::load(
            None,
            env(&[
                ("VPT_SERVER__BIND", "127.0.0.1:7000"),
                ("VPT_HOST__SERVER_URL", "http://example.test:5109"),
                ("VPT_HOST__HEARTBEAT_INTERVAL_MS", "250"),
                ("VPT_MDNS__ENABLED", "false"),
                ("VPT_CONFIG", "ignored.toml"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.bind.port(), 7000);
        assert_eq!(config.host.server_url, "http://example.test:5109");
        assert_eq!(config.host.heartbeat_interval_ms, 250);
        assert!(!config.mdns.enabled);
    }

    #[test]
    fn unknown_key_in_file_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vpt.toml");
        std::fs::write(&path, "[server]\nbindd = \"0.0.0.0:1\"\n").unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("bindd"), "{err}");
        assert!(err.contains("vpt.toml"), "{err}");
    }

    #[test]
    fn unknown_env_key_names_the_variable() {
        let err = Config::load(None, env(&[("VPT_SERVER__BINDD", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("VPT_SERVER__BINDD"), "{err}");
    }

    #[test]
    fn example_config_parses_and_matches_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.toml");
        std::fs::write(&path, EXAMPLE).unwrap();
        let config = Config::load(Some(&path), env(&[])).unwrap();
        let defaults = Config::default();
        assert_eq!(config.server.bind, defaults.server.bind);
        assert_eq!(config.host.bind, defaults.host.bind);
        assert_eq!(
            config.host.heartbeat_interval_ms,
            defaults.host.heartbeat_interval_ms
        );
        assert_eq!(config.auth.enabled, defaults.auth.enabled);
        assert_eq!(config.auth.session_hours, defaults.auth.session_hours);
        assert_eq!(
            config.auth.auto_approve_hosts,
            defaults.auth.auto_approve_hosts
        );
    }

    #[test]
    fn tls_cert_and_key_go_together() {
        let err = Config::load(None, env(&[("VPT_SERVER__TLS_CERT", "/etc/vpt/cert.pem")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("server.tls_cert") && err.contains("server.tls_key"),
            "{err}"
        );
        let config = Config::load(
            None,
            env(&[
                ("VPT_SERVER__TLS_CERT", "/etc/vpt/cert.pem"),
                ("VPT_SERVER__TLS_KEY", "/etc/vpt/key.pem"),
                ("VPT_HOST__SERVER_CA", "/etc/vpt/ca.pem"),
            ]),
        )
        .unwrap();
        assert!(config.server.tls());
        assert_eq!(config.server.tls_key, PathBuf::from("/etc/vpt/key.pem"));
        assert_eq!(config.host.server_ca, PathBuf::from("/etc/vpt/ca.pem"));
        assert!(!Config::default().server.tls());
    }

    #[test]
    fn auth_settings_are_checked() {
        let err = Config::load(None, env(&[("VPT_AUTH__SESSION_HOURS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth.session_hours"), "{err}");
        let err = Config::load(None, env(&[("VPT_AUTH__AUTO_APPROVE_HOSTS", "sometimes")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sometimes"), "{err}");
    }

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vpt.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), env(&[]))
    }

    #[test]
    fn driver_configs_parse_and_missing_fields_name_the_device() {
        let device = |remote: &str, power: &str| {
            format!(
                "[[host.devices]]\nid = \"tv1\"\ncapture = {{ kind = \"images\", dir = \"x\" }}\nremote = {remote}\npower = {power}\n"
            )
        };
        let ok = [
            (
                r#"{ kind = "adb", serial = "192.168.1.50:5555" }"#,
                r#"{ kind = "tapo", address = "10.0.0.9", username = "a@b.c", password = "p" }"#,
            ),
            (
                r#"{ kind = "lirc", socket = "/var/run/lirc/lircd", remote = "samsung", keys = { OK = "KEY_ENTER" } }"#,
                r#"{ kind = "kasa", address = "10.0.0.9" }"#,
            ),
            (
                r#"{ kind = "ir", device = "/dev/lirc0", keymap = "keymaps/samsung.toml" }"#,
                r#"{ kind = "shelly", address = "10.0.0.9", generation = 2 }"#,
            ),
            (
                r#"{ kind = "roku", address = "192.168.1.60" }"#,
                r#"{ kind = "tasmota", address = "10.0.0.9" }"#,
            ),
            (
                r#"{ kind = "none" }"#,
                r#"{ kind = "http", on_url = "http://x/on", off_url = "http://x/off" }"#,
            ),
        ];
        for (remote, power) in ok {
            load_text(&device(remote, power)).unwrap_or_else(|e| panic!("{remote} {power}: {e}"));
        }
        let bad = [
            (
                r#"{ kind = "lirc", remote = "samsung" }"#,
                "{ kind = \"none\" }",
                "remote.socket",
            ),
            (
                r#"{ kind = "lirc", socket = "/s", remote = "samsung", keys = { JUMP = "KEY_J" } }"#,
                "{ kind = \"none\" }",
                "JUMP",
            ),
            (
                r#"{ kind = "adb" }"#,
                "{ kind = \"none\" }",
                "remote.serial",
            ),
            (
                r#"{ kind = "ir", device = "/dev/lirc0" }"#,
                "{ kind = \"none\" }",
                "remote.keymap",
            ),
            (
                "{ kind = \"none\" }",
                r#"{ kind = "tapo", address = "10.0.0.9" }"#,
                "power.username",
            ),
            (
                "{ kind = \"none\" }",
                r#"{ kind = "http", on_url = "x", off_url = "http://x" }"#,
                "power.on_url",
            ),
            (
                "{ kind = \"none\" }",
                r#"{ kind = "shelly", address = "a", generation = 7 }"#,
                "power.generation",
            ),
        ];
        for (remote, power, field) in bad {
            let err = load_text(&device(remote, power)).unwrap_err().to_string();
            assert!(err.contains("tv1") && err.contains(field), "{field}: {err}");
        }
        let err = load_text(&device(
            r#"{ kind = "roku", adress = "x" }"#,
            "{ kind = \"none\" }",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("adress"), "{err}");
    }

    #[test]
    fn invalid_device_names_device_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vpt.toml");
        std::fs::write(
            &path,
            "[[host.devices]]\nid = \"tv1\"\ncapture = { kind = \"images\", dir = \"x\", fps = 0 }\n",
        )
        .unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("tv1") && err.contains("capture.fps"), "{err}");

        std::fs::write(
            &path,
            "[[host.devices]]\nid = \"tv1\"\ncapture = { kind = \"images\", dir = \"x\" }\nremote = { kind = \"sim\" }\n",
        )
        .unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("tv1") && err.contains("remote"), "{err}");
    }
}
