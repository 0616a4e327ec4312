//! Remote controls. A device's remote turns vpt's common key names (UP, OK, CHANNEL_UP, ...) into
//! whatever its transport speaks: `sim` (the simulated STB), `adb` (Android over the adb
//! server), `lirc` (a lircd socket), `ir` (a kernel IR transmitter, `/dev/lircN`) and `roku`
//! (Roku ECP over HTTP). See docs/drivers.md.

pub mod adb;
pub mod ir;
pub mod keys;
pub mod lirc;
pub mod roku;
pub mod sim;

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use crate::protocol::Capability;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("unknown key `{key}`")]
    UnknownKey { key: String, valid: Vec<String> },
    #[error("{0}")]
    Unsupported(String),
    #[error("remote failed: {0}")]
    Failed(String),
}

/// An installed app, as far as the transport knows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct App {
    /// What `launch` takes: an Android package or a Roku channel id.
    pub id: String,
    pub name: Option<String>,
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
    /// What this remote adds to the device's capabilities besides `remote`.
    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Text]
    }
    /// Installed apps (capability `apps`).
    async fn apps(&self) -> Result<Vec<App>, RemoteError> {
        Err(RemoteError::Unsupported(format!(
            "a `{}` remote cannot list apps",
            self.kind()
        )))
    }
    /// Starts an app by id (capability `apps`).
    async fn launch(&self, app: &str) -> Result<(), RemoteError> {
        let _ = app;
        Err(RemoteError::Unsupported(format!(
            "a `{}` remote cannot launch apps",
            self.kind()
        )))
    }
}
