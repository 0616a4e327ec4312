//! TP-Link Kasa plugs (HS100/HS103/HS110/KP115 ...): JSON over TCP port 9999, each message a
//! 4-byte big-endian length and the JSON "encrypted" with an XOR autokey starting at 171.

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{PLUG_TIMEOUT, Power, PowerError};
use crate::protocol::PowerState;

pub const DEFAULT_PORT: u16 = 9999;
const FIRST_KEY: u8 = 171;
/// A sysinfo reply is ~1 KiB; anything far bigger is not a plug.
const MAX_REPLY: usize = 64 * 1024;

pub fn encrypt(plain: &[u8]) -> Vec<u8> {
    let mut key = FIRST_KEY;
    let mut out = Vec::with_capacity(plain.len() + 4);
    out.extend_from_slice(&(plain.len() as u32).to_be_bytes());
    for &byte in plain {
        key ^= byte;
        out.push(key);
    }
    out
}

/// Decrypts a message body (without its length prefix).
pub fn decrypt(cipher: &[u8]) -> Vec<u8> {
    let mut key = FIRST_KEY;
    cipher
        .iter()
        .map(|&byte| {
            let plain = key ^ byte;
            key = byte;
            plain
        })
        .collect()
}

pub struct KasaPower {
    address: String,
}

impl KasaPower {
    pub fn new(address: &str) -> Self {
        let address = if address.contains(':') {
            address.to_string()
        } else {
            format!("{address}:{DEFAULT_PORT}")
        };
        Self { address }
    }

    async fn call(&self, request: Value) -> Result<Value, PowerError> {
        let failed = |why: String| PowerError(format!("Kasa plug at {}: {why}", self.address));
        let work = async {
            let mut stream = TcpStream::connect(&self.address).await?;
            stream
                .write_all(&encrypt(request.to_string().as_bytes()))
                .await?;
            let mut len = [0u8; 4];
            stream.read_exact(&mut len).await?;
            let len = u32::from_be_bytes(len) as usize;
            if len > MAX_REPLY {
                return Err(std::io::Error::other(format!("{len}-byte reply")));
            }
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body).await?;
            Ok::<_, std::io::Error>(body)
        };
        let body = tokio::time::timeout(PLUG_TIMEOUT, work)
            .await
            .map_err(|_| failed("timed out".into()))?
            .map_err(|e| failed(e.to_string()))?;
        serde_json::from_slice(&decrypt(&body)).map_err(|e| failed(format!("bad reply: {e}")))
    }
}

#[async_trait]
impl Power for KasaPower {
    fn kind(&self) -> &'static str {
        "kasa"
    }

    async fn set(&self, on: bool) -> Result<(), PowerError> {
        let reply = self
            .call(json!({"system": {"set_relay_state": {"state": u8::from(on)}}}))
            .await?;
        match reply["system"]["set_relay_state"]["err_code"].as_i64() {
            Some(0) => Ok(()),
            _ => Err(PowerError(format!(
                "Kasa plug at {} refused: {reply}",
                self.address
            ))),
        }
    }

    async fn state(&self) -> Result<PowerState, PowerError> {
        let reply = self.call(json!({"system": {"get_sysinfo": {}}})).await?;
        match reply["system"]["get_sysinfo"]["relay_state"].as_i64() {
            Some(1) => Ok(PowerState::On),
            Some(0) => Ok(PowerState::Off),
            _ => Err(PowerError(format!(
                "Kasa plug at {}: no relay_state in {reply}",
                self.address
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autokey_xor_known_vector() {
        // {"system":{"get_sysinfo":{}}} as every Kasa client sends it.
        let plain = br#"{"system":{"get_sysinfo":{}}}"#;
        let wire = encrypt(plain);
        assert_eq!(&wire[..4], &[0, 0, 0, 29]);
        assert_eq!(
            &wire[4..12],
            &[0xd0, 0xf2, 0x81, 0xf8, 0x8b, 0xff, 0x9a, 0xf7]
        );
        assert_eq!(decrypt(&wire[4..]), plain);
    }
}
