//! Power control of a device. Implementations: `sim`; smart plugs (Tapo, Kasa, Shelly, Tasmota,
//! HTTP) fit the same trait.

pub mod sim;

use async_trait::async_trait;

use crate::protocol::PowerState;

#[derive(Debug, thiserror::Error)]
#[error("power control failed: {0}")]
pub struct PowerError(pub String);

#[async_trait]
pub trait Power: Send + Sync {
    fn kind(&self) -> &'static str;
    async fn set(&self, on: bool) -> Result<(), PowerError>;
    async fn state(&self) -> Result<PowerState, PowerError>;
}
