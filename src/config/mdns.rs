//! `[mdns]`: finding servers and hosts on the LAN.

use serde::{Deserialize, Serialize};

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
