//! Remote controls. A device's remote turns vpt's common key names (UP, OK, CHANNEL_UP, ...) into
//! whatever its transport speaks. Implementations: `sim` (the simulated STB); ADB, LIRC/IR and
//! Roku ECP fit the same trait.

pub mod sim;

use std::time::Duration;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("unknown key `{key}`")]
    UnknownKey { key: String, valid: Vec<String> },
    #[error("{0}")]
    Unsupported(String),
    #[error("remote failed: {0}")]
    Failed(String),
}

#[async_trait]
pub trait Remote: Send + Sync {
    /// Kind shown to users (`sim`, `adb`, ...).
    fn kind(&self) -> &'static str;
    /// The key names this remote can send.
    fn keys(&self) -> Vec<String>;
    /// Presses `key` once, holding it for `hold` where the transport supports holding.
    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError>;
    /// Types text. Remotes without a text channel send it as digit/letter keys or refuse.
    async fn text(&self, text: &str) -> Result<(), RemoteError>;
}
