//! A simulated set-top box shared by the three parts of a sim device: its capture worker reads
//! pictures, its remote presses keys, its power switch turns it on and off.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::sim::SimStb;

pub struct SimDevice {
    stb: Mutex<SimStb>,
    epoch: Instant,
}

impl SimDevice {
    pub fn new(stb: SimStb) -> Self {
        Self {
            stb: Mutex::new(stb),
            epoch: Instant::now(),
        }
    }

    /// The sim's clock: time since the device was created.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    pub fn lock(&self) -> MutexGuard<'_, SimStb> {
        self.stb.lock().unwrap_or_else(|p| p.into_inner())
    }
}
