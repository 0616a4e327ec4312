//! The remote of a simulated set-top box.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{Remote, RemoteError};
use crate::host::sim_device::SimDevice;
use crate::sim::{KEYS, SimError};

pub struct SimRemote {
    device: Arc<SimDevice>,
}

impl SimRemote {
    pub fn new(device: Arc<SimDevice>) -> Self {
        Self { device }
    }

    fn press_now(&self, key: &str) -> Result<(), RemoteError> {
        let now = self.device.now();
        match self.device.lock().press(key, now) {
            Ok(_) => Ok(()),
            Err(SimError::UnknownKey(key)) => Err(RemoteError::UnknownKey {
                key,
                valid: self.keys(),
            }),
            Err(e) => Err(RemoteError::Failed(e.to_string())),
        }
    }
}

#[async_trait]
impl Remote for SimRemote {
    fn kind(&self) -> &'static str {
        "sim"
    }

    fn keys(&self) -> Vec<String> {
        KEYS.iter().map(|k| k.to_string()).collect()
    }

    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        self.press_now(key)?;
        // The sim has no key-repeat: holding is a press that lasts.
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
        Ok(())
    }

    /// The sim's only text input is the channel number: digits go through as digit keys.
    async fn text(&self, text: &str) -> Result<(), RemoteError> {
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_digit()) {
            return Err(RemoteError::Unsupported(format!(
                "the simulated STB accepts digits only as text (got `{bad}`)"
            )));
        }
        for digit in text.chars() {
            self.press_now(&digit.to_string())?;
        }
        Ok(())
    }
}
