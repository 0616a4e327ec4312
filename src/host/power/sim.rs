//! The power switch of a simulated set-top box.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Power, PowerError};
use crate::host::sim_device::SimDevice;
use crate::protocol::PowerState;

pub struct SimPower {
    device: Arc<SimDevice>,
}

impl SimPower {
    pub fn new(device: Arc<SimDevice>) -> Self {
        Self { device }
    }
}

#[async_trait]
impl Power for SimPower {
    fn kind(&self) -> &'static str {
        "sim"
    }

    async fn set(&self, on: bool) -> Result<(), PowerError> {
        let now = self.device.now();
        self.device.lock().set_power(on, now);
        Ok(())
    }

    async fn state(&self) -> Result<PowerState, PowerError> {
        Ok(if self.device.lock().is_powered() {
            PowerState::On
        } else {
            PowerState::Off
        })
    }
}
