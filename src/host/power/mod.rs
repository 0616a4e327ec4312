//! Power control of a device: `sim`, and smart plugs spoken to directly on the LAN: `tapo`
//! (TP-Link KLAP), `kasa` (TP-Link legacy port 9999), `shelly` (Gen1 and Gen2+ HTTP APIs),
//! `tasmota` (HTTP commands) and `http` (any on/off/status URLs). See docs/drivers.md.

pub mod http;
pub mod kasa;
pub mod shelly;
pub mod sim;
pub mod tapo;
pub mod tasmota;

use std::time::Duration;

use async_trait::async_trait;

use crate::protocol::PowerState;

/// How long one request to a plug may take; plugs answer on the LAN in well under a second.
pub const PLUG_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("power control failed: {0}")]
pub struct PowerError(pub String);

#[async_trait]
pub trait Power: Send + Sync {
    fn kind(&self) -> &'static str;
    async fn set(&self, on: bool) -> Result<(), PowerError>;
    async fn state(&self) -> Result<PowerState, PowerError>;
}

pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    crate::tls::http_client(None)
        .map_err(|e| format!("http client: {e:#}"))?
        .timeout(PLUG_TIMEOUT)
        .build()
        .map_err(|e| format!("http client: {e}"))
}

/// GET `url` and parse its JSON body; any failure names the plug.
pub(crate) async fn get_json(
    http: &reqwest::Client,
    what: &str,
    url: &str,
) -> Result<serde_json::Value, PowerError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| PowerError(format!("{what}: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(PowerError(format!(
            "{what} answered {status}: {}",
            body.chars().take(200).collect::<String>()
        )));
    }
    response
        .json()
        .await
        .map_err(|e| PowerError(format!("{what}: reply is not JSON: {e}")))
}
