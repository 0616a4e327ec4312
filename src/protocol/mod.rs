//! Types exchanged between server and host, and shown by the API. Serde only: no axum, no
//! rusqlite, so both roles (and tools) can depend on it.
//!
//! The link: the host dials `GET /api/hosts/connect` (WebSocket, `Authorization: Bearer <token>`),
//! sends one text message [`Hello`], and the server answers one text message [`LinkReply`]. After
//! `Welcome` the WebSocket carries binary frames only: an HTTP/2 connection in which the server is
//! the client and the host's own router the server, so every `/host/...` route (streams included)
//! works through the link exactly as it does locally. The server reads heartbeats from
//! [`HEARTBEAT_PATH`], a long-lived response of newline-delimited [`Heartbeat`] JSON.
//!
//! The bearer is the shared join token or the host's own credential. A host joining with the
//! join token waits (`Refused { code: Pending }`) until an admin or the auto-approve policy
//! approves it; its first `Welcome` after that carries its own credential, which it keeps and
//! presents from then on.

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of the link; checked at hello.
pub const PROTOCOL_VERSION: u32 = 2;
/// Host route streaming newline-delimited heartbeats to the server over the link.
pub const HEARTBEAT_PATH: &str = "/host/link/heartbeats";
/// Server route the host dials.
pub const CONNECT_PATH: &str = "/api/hosts/connect";
/// mDNS service type advertised by servers and hosts.
pub const MDNS_SERVICE: &str = "_vpt._tcp.local.";
/// The server marks a host offline after this many missed heartbeats.
pub const MISSED_HEARTBEATS_OFFLINE: u32 = 3;

/// First message of a link, also the body of `POST /api/hosts/register`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub name: String,
    pub version: String,
    pub protocol_version: u32,
    pub heartbeat_interval_ms: u64,
    #[serde(default)]
    pub uptime_secs: u64,
    #[serde(default)]
    pub devices: Vec<DeviceInfo>,
}

/// The server's one answer to a [`Hello`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LinkReply {
    Welcome {
        host_id: String,
        server_version: String,
        /// The host's own credential, handed out once after approval: the host stores it and
        /// dials with it instead of the join token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
    },
    Refused {
        code: RefusalCode,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    ProtocolVersion,
    DuplicateName,
    BadHello,
    /// Waiting for an admin to approve the host.
    Pending,
    /// An admin revoked the host.
    Revoked,
    /// The host was given its own credential and must dial with it.
    CredentialRequired,
    /// The credential belongs to another host.
    WrongCredential,
    /// Too many hosts are already waiting for approval.
    TooManyPending,
}

impl RefusalCode {
    /// Refusals a retry cannot cure: the host backs off to its longest wait.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            RefusalCode::ProtocolVersion
                | RefusalCode::BadHello
                | RefusalCode::Revoked
                | RefusalCode::CredentialRequired
                | RefusalCode::WrongCredential
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Heartbeat {
    pub uptime_secs: u64,
    pub stats: HostStats,
    pub devices: Vec<DeviceInfo>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HostStats {
    pub cpu_percent: f32,
    pub mem_used_bytes: u64,
    pub mem_total_bytes: u64,
    pub disk_used_bytes: u64,
    pub disk_total_bytes: u64,
    /// Highest temperature sensor reading; absent where the machine has none.
    pub temperature_c: Option<f32>,
    pub load_avg_1m: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    pub model: String,
    pub status: DeviceStatus,
    pub capabilities: Vec<Capability>,
    pub capture: CaptureInfo,
    pub remote: Option<RemoteInfo>,
    pub power: Option<PowerInfo>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Ok,
    /// Frames stopped arriving.
    NoSignal,
    /// The capture source failed; see `capture.error`.
    Error,
    /// The device's host is offline (set by the server).
    Offline,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Capture,
    Remote,
    Text,
    Power,
    Sim,
    /// Android device reached through adb (`/adb/...` routes).
    Adb,
    /// Installed apps can be listed and launched.
    Apps,
    /// The UI element tree can be read and waited on.
    Elements,
    /// Taps and swipes at screen coordinates.
    Tap,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaptureInfo {
    pub kind: String,
    pub width: u32,
    pub height: u32,
    pub fps_target: f64,
    pub fps_measured: f64,
    pub frames_total: u64,
    pub frames_dropped: u64,
    pub last_frame_age_ms: Option<u64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RemoteInfo {
    pub kind: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PowerInfo {
    pub kind: String,
    pub state: PowerState,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    On,
    Off,
    Unknown,
}

/// Body of `POST .../remote/press`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressRequest {
    pub key: String,
    #[serde(default)]
    pub hold_ms: Option<u64>,
    #[serde(default)]
    pub repeat: Option<u32>,
}

/// Body of `POST .../remote/text`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    pub text: String,
}

/// Body of `POST .../power`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerRequest {
    pub action: PowerAction,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PowerAction {
    On,
    Off,
    Cycle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_reply_is_tagged() {
        let reply = LinkReply::Refused {
            code: RefusalCode::ProtocolVersion,
            reason: "server speaks 1".into(),
        };
        let json = serde_json::to_string(&reply).unwrap();
        assert!(json.contains("\"type\":\"refused\""), "{json}");
        assert!(json.contains("\"code\":\"protocol_version\""), "{json}");
        assert_eq!(serde_json::from_str::<LinkReply>(&json).unwrap(), reply);
    }
}
