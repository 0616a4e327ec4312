//! `[server]`: where the server listens and what it accepts.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::DEFAULT_SERVER_PORT;

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
