//! Tasmota-flashed plugs and relays: `GET /cm?cmnd=Power%20On` (or `Power1`, `Power2`, ... for
//! multi-relay devices); the reply is `{"POWER":"ON"}` (`POWER1`, ...).

use async_trait::async_trait;

use super::{Power, PowerError, get_json, http_client};
use crate::host::remote::roku::base_url;
use crate::protocol::PowerState;

pub struct TasmotaPower {
    base: String,
    /// `Power` or `Power<n>`.
    command: String,
    http: reqwest::Client,
}

impl TasmotaPower {
    pub fn new(address: &str, relay: Option<u32>) -> Result<Self, String> {
        Ok(Self {
            base: base_url(address, 80),
            command: match relay {
                Some(n) => format!("Power{n}"),
                None => "Power".into(),
            },
            http: http_client()?,
        })
    }

    async fn command(&self, argument: Option<&str>) -> Result<PowerState, PowerError> {
        let cmnd = match argument {
            Some(arg) => format!("{}%20{arg}", self.command),
            None => self.command.clone(),
        };
        let what = format!("Tasmota at {}", self.base);
        let reply = get_json(&self.http, &what, &format!("{}/cm?cmnd={cmnd}", self.base)).await?;
        parse_state(&reply, &self.command)
            .ok_or_else(|| PowerError(format!("{what}: no power state in {reply}")))
    }
}

/// Reads `POWER`/`POWER<n>` (`"ON"`/`"OFF"`) from a reply. A single-relay device may answer
/// `POWER1` to `Power` and the other way round, so both spellings count.
pub fn parse_state(reply: &serde_json::Value, command: &str) -> Option<PowerState> {
    let key = command.to_ascii_uppercase();
    let alternative = if key == "POWER" {
        "POWER1".to_string()
    } else if key == "POWER1" {
        "POWER".to_string()
    } else {
        key.clone()
    };
    let value = reply.get(&key).or_else(|| reply.get(&alternative))?;
    match value.as_str()? {
        "ON" => Some(PowerState::On),
        "OFF" => Some(PowerState::Off),
        _ => None,
    }
}

#[async_trait]
impl Power for TasmotaPower {
    fn kind(&self) -> &'static str {
        "tasmota"
    }

    async fn set(&self, on: bool) -> Result<(), PowerError> {
        let wanted = if on { PowerState::On } else { PowerState::Off };
        let got = self.command(Some(if on { "On" } else { "Off" })).await?;
        if got == wanted {
            Ok(())
        } else {
            Err(PowerError(format!(
                "Tasmota at {} reports {got:?} after switching",
                self.base
            )))
        }
    }

    async fn state(&self) -> Result<PowerState, PowerError> {
        self.command(None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replies_parse() {
        assert_eq!(
            parse_state(&json!({"POWER": "ON"}), "Power"),
            Some(PowerState::On)
        );
        assert_eq!(
            parse_state(&json!({"POWER1": "OFF"}), "Power"),
            Some(PowerState::Off)
        );
        assert_eq!(
            parse_state(&json!({"POWER2": "ON"}), "Power2"),
            Some(PowerState::On)
        );
        assert_eq!(parse_state(&json!({"Command": "Unknown"}), "Power"), None);
    }
}
