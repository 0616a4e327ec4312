//! Built-in simulated set-top box: the demo device and the end-to-end test fixture.
//!
//! A pure library: no threads, no I/O and no clock of its own. Callers pass the
//! current time (`now`, any monotonic origin) into every time-dependent call;
//! timed behaviour (boot, banners, delayed transitions, digit entry) is
//! evaluated whenever `press`, `set_power`, `render`, `current_frame` or
//! `advance` is called, and `ground_truth` reports the state as of that call.
//!
//! Behaviour notes:
//! - HOME and MENU both open the home screen (there is no menu overlay),
//!   keeping the home focus where it was; on home they do nothing. BACK goes
//!   to the parent screen (detail -> list -> home) and does nothing on home.
//! - Entering a list or tile screen from home focuses its first entry; going
//!   BACK from a detail screen keeps the entry that was opened focused.
//! - On live TV, typed digits (up to three) select a channel; the number is
//!   applied on OK or 1.5 s after the last digit, and unknown numbers are
//!   discarded. A fourth digit starts a new number.
//! - A powered-off device still has a signal and shows a black picture.
//! - `freeze` stops the picture only: keys keep changing the state, and the
//!   ground truth keeps reporting that state (the picture catches up when the
//!   fault is cleared).
//! - `transition_delay_ms` delays screen changes: the ground truth keeps the
//!   old screen (and any focus moves made meanwhile stay hidden) until the
//!   delay after the most recent screen change has passed. Focus moves with
//!   no screen change pending show at once.
//! - `render` returns a frame only when the picture changed; static screens
//!   are drawn once per change, live TV once per 40 ms video frame.

mod canvas;
mod catalog;
mod icons;
mod keys;
mod layout;
mod live;
mod nav;
mod overlay;
mod render;
mod screens;
mod state;
mod text;
mod theme;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use keys::KEYS;
pub use state::SimStb;

/// Longest accepted `transition_delay_ms`; longer delays are surely a mistake.
pub const MAX_TRANSITION_DELAY_MS: u64 = 60_000;

/// Injected faults. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimFaults {
    /// The picture stops changing; keys still change the (invisible) state.
    pub freeze: bool,
    /// The picture is black while the device still has a signal.
    pub black: bool,
    /// The device reports no signal, so capture emits no frames.
    pub no_signal: bool,
    /// Probability (0..=1) that a key press is silently lost.
    pub drop_key_probability: f64,
    /// Delay before a screen change becomes visible (at most
    /// [`MAX_TRANSITION_DELAY_MS`]).
    pub transition_delay_ms: u64,
}

impl SimFaults {
    /// Checks that the settings are in range.
    pub fn validate(&self) -> Result<(), SimError> {
        let probability = self.drop_key_probability;
        if !probability.is_finite() || !(0.0..=1.0).contains(&probability) {
            return Err(SimError::InvalidFault(format!(
                "drop_key_probability must be between 0 and 1, got {probability}"
            )));
        }
        if self.transition_delay_ms > MAX_TRANSITION_DELAY_MS {
            return Err(SimError::InvalidFault(format!(
                "transition_delay_ms must be at most {MAX_TRANSITION_DELAY_MS}, got {}",
                self.transition_delay_ms
            )));
        }
        Ok(())
    }
}

/// What happened to a key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOutcome {
    /// The device received and handled the key (it may have had no visible effect).
    Applied,
    /// The press was lost by the `drop_key_probability` fault.
    Dropped,
    /// The device is off; only POWER is handled.
    IgnoredPoweredOff,
    /// The device is booting; only POWER is handled.
    IgnoredBooting,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The key name is not one of [`KEYS`].
    #[error("unknown key {0:?}")]
    UnknownKey(String),
    /// A [`SimFaults`] value is out of range.
    #[error("invalid fault settings: {0}")]
    InvalidFault(String),
}

/// Ground truth: what the simulated device currently shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimState {
    pub powered: bool,
    pub booting: bool,
    /// Visible screen id: `off`, `boot`, or a menu screen such as `settings/wifi`.
    pub screen: String,
    /// Id of the focused item on the visible screen, if it has focus.
    pub focus: Option<String>,
    /// Tuned channel number while live TV is visible.
    pub channel: Option<u32>,
    pub channel_name: Option<String>,
    /// Volume level 0..=100.
    pub volume: u8,
    pub muted: bool,
    /// Overlays currently drawn: `channel_banner`, `channel_entry`, `volume`.
    pub overlays: Vec<String>,
    /// A screen change is waiting for `transition_delay_ms` to pass.
    pub transition_pending: bool,
    pub faults: SimFaults,
    /// Presses that reached the device (including ones ignored while off or booting).
    pub keys_received: u64,
    /// Presses lost by the `drop_key_probability` fault.
    pub keys_dropped: u64,
}

/// Every menu screen id (excluding `boot` and `off`), for navigation trees.
pub fn screen_ids() -> Vec<String> {
    nav::all_screen_ids()
}

/// How long the boot sequence lasts after power-on.
pub const BOOT_DURATION: Duration = Duration::from_millis(2000);
/// How long the channel banner stays after tuning or entering live TV.
pub const BANNER_DURATION: Duration = Duration::from_millis(3000);
/// How long the volume bar stays after a volume key.
pub const VOLUME_OSD_DURATION: Duration = Duration::from_millis(2000);
/// Pause after the last typed digit before the channel number is applied.
pub const DIGIT_TIMEOUT: Duration = Duration::from_millis(1500);
