//! Types exchanged between server and host, and shown by the API. Serde only: no axum, no
//! rusqlite, so both roles (and tools) can depend on it.
//!
//! The link: the host dials `GET /api/hosts/connect` (WebSocket, `Authorization: Bearer <token>`),
//! the server sends one text message [`Challenge`], the host one text message [`Hello`] (with a
//! [`KeyProof`]: the challenge signed with the host's own key), and the server answers one text
//! message [`LinkReply`]. After
//! `Welcome` the WebSocket carries binary frames only: an HTTP/2 connection in which the server is
//! the client and the host's own router the server, so every `/host/...` route (streams included)
//! works through the link exactly as it does locally. The server reads heartbeats from
//! [`HEARTBEAT_PATH`], a long-lived response of newline-delimited [`Heartbeat`] JSON.
//!
//! The bearer is the shared join token (or, from hosts approved before keys, the credential the
//! server once handed them). What identifies a host is its key: an Ed25519 key pair made at its
//! first start. A host dialing with a key the server has not approved for its name waits
//! (`Refused { code: Pending }`) until an admin approves that key's fingerprint (or the
//! auto-approve policy does); from then on only that key links under that name.

pub mod element;
pub mod keys;
pub mod verification;

use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of the link; checked at hello.
pub const PROTOCOL_VERSION: u32 = 3;
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
    /// Proof of the host's key; required on the link (`POST /api/hosts/register` has no
    /// challenge and takes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyProof>,
}

/// The server's first message on a link: what the host signs to prove it holds its key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename = "challenge")]
pub struct Challenge {
    pub nonce: String,
}

/// A host's proof that it holds the key it names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyProof {
    /// The Ed25519 public key, base64 (32 bytes).
    pub public_key: String,
    /// Signature of [`key_proof_message`], base64 (64 bytes).
    pub signature: String,
}

/// What a host signs: bound to this link's challenge and to the name it links under, so a
/// proof can be neither replayed nor moved to another name.
pub fn key_proof_message(nonce: &str, host_name: &str) -> Vec<u8> {
    format!("vpt-link-v{PROTOCOL_VERSION}\n{nonce}\n{host_name}").into_bytes()
}

/// How a host key is shown to people (hosts log it, the admin compares it before approving):
/// `SHA256:` and the base64 of the SHA-256 of the public key, as SSH shows keys.
pub fn key_fingerprint(public_key: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(public_key);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

/// Checks a host's proof for `nonce` and `host_name`; answers the key's fingerprint.
pub fn verify_key_proof(proof: &KeyProof, nonce: &str, host_name: &str) -> Result<String, String> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let public_key = b64
        .decode(proof.public_key.as_bytes())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or("the host key is not a base64 Ed25519 public key")?;
    let signature = b64
        .decode(proof.signature.as_bytes())
        .map_err(|_| "the key proof's signature is not base64")?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public_key)
        .verify(&key_proof_message(nonce, host_name), &signature)
        .map_err(|_| "the key proof does not verify: the host does not hold the key it names")?;
    Ok(key_fingerprint(&public_key))
}

/// The server's one answer to a [`Hello`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LinkReply {
    Welcome {
        host_id: String,
        server_version: String,
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
    /// Another key is approved for this host name.
    WrongKey,
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
                | RefusalCode::WrongKey
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

/// Most devices one host may report: a rack of racks, far beyond any real host.
pub const MAX_DEVICES_PER_HOST: usize = 256;
/// Longest device name or model shown to users.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a host's device list cannot be taken, if it cannot: what a host reports is input to the
/// server, checked like a request body (ids by the id rule, unique; names and texts bounded and
/// free of control characters; a bounded count).
pub fn device_list_problem(devices: &[DeviceInfo]) -> Option<String> {
    if devices.len() > MAX_DEVICES_PER_HOST {
        return Some(format!(
            "{} devices reported; a host may have at most {MAX_DEVICES_PER_HOST}",
            devices.len()
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for device in devices {
        let shown: String = device
            .id
            .chars()
            .take(40)
            .flat_map(char::escape_debug)
            .collect();
        if !crate::ids::is_valid_id(&device.id) {
            return Some(format!(
                "device id `{shown}` must be 1 to 64 letters, digits, `-`, `_` or `.`"
            ));
        }
        if !seen.insert(device.id.as_str()) {
            return Some(format!("device id `{shown}` is reported twice"));
        }
        let texts = [
            ("name", device.name.as_str(), MAX_NAME_CHARS),
            ("model", device.model.as_str(), MAX_NAME_CHARS),
            ("capture kind", device.capture.kind.as_str(), 32),
            (
                "capture error",
                device.capture.error.as_deref().unwrap_or_default(),
                1000,
            ),
            (
                "remote kind",
                device.remote.as_ref().map_or("", |r| r.kind.as_str()),
                32,
            ),
            (
                "power kind",
                device.power.as_ref().map_or("", |p| p.kind.as_str()),
                32,
            ),
        ];
        for (what, text, max) in texts {
            if text.chars().count() > max {
                return Some(format!(
                    "device `{shown}`: its {what} is over {max} characters"
                ));
            }
            if text.chars().any(char::is_control) {
                return Some(format!(
                    "device `{shown}`: its {what} has a control character"
                ));
            }
        }
        if let Some(remote) = &device.remote {
            let bad_key = |k: &String| {
                k.is_empty() || k.len() > 64 || !k.bytes().all(|b| b.is_ascii_graphic())
            };
            if remote.keys.len() > 1024 || remote.keys.iter().any(bad_key) {
                return Some(format!(
                    "device `{shown}`: its remote's key names must be at most 1024 printable \
                     names of up to 64 characters"
                ));
            }
        }
    }
    None
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
    /// Pictures of this device held in memory now (the newest frame and any a reader still
    /// holds: a viewer, monitoring, a verification) and the bytes they take: pixels and JPEGs.
    #[serde(default)]
    pub pictures_held: u64,
    #[serde(default)]
    pub picture_bytes: u64,
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
