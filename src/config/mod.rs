//! Typed configuration: TOML file (optional) → `VPT_<SECTION>__<KEY>` environment overrides →
//! command-line flags. Every key has a default, so `vpt all` runs with no file at all.
//! `config.example.toml` documents every key and is what `vpt gen-config` prints. One file per
//! section; the devices of `[host]` (capture, remote, power and their checks) have their own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::{is_id_char, is_valid_id};

mod auth;
mod devices;
mod general;
mod host;
mod mdns;
mod runs;
mod server;

pub use auth::{AuthConfig, AutoApprove};
pub use devices::{CaptureConfig, DEFAULT_ADB_SERVER, DeviceConfig, PowerConfig, RemoteConfig};
pub use general::GeneralConfig;
pub use host::HostConfig;
pub use mdns::MdnsConfig;
pub use runs::RunsConfig;
pub use server::ServerConfig;

/// The commented example configuration, printed by `vpt gen-config`.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

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
        let (cert, key) = (&self.server.tls_cert, &self.server.tls_key);
        if cert.as_os_str().is_empty() != key.as_os_str().is_empty() {
            return Err(ConfigError::Invalid(
                "server.tls_cert and server.tls_key go together: set both (HTTPS) or neither \
                 (plain HTTP)"
                    .into(),
            ));
        }
        self.auth.validate()
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
