//! Monitoring settings of one device: the analysis rate and, per condition, whether it is
//! watched, how long it must last before an incident opens (`delay_ms`), how long it must be
//! gone before the incident closes (`clear_ms`, the hysteresis) and its threshold.

use serde::{Deserialize, Serialize};

/// Analysis rates outside this range are refused: below it a black screen goes unseen for
/// seconds, above it the analysis costs more than the capture.
pub const FPS_RANGE: (f64, f64) = (0.5, 25.0);
/// Longest accepted delay or clear time (one hour).
pub const MAX_DELAY_MS: u64 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorSettings {
    pub enabled: bool,
    /// Frames analysed per second.
    pub fps: f64,
    pub black: BlackSettings,
    pub freeze: FreezeSettings,
    pub no_signal: NoSignalSettings,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            fps: 5.0,
            black: BlackSettings::default(),
            freeze: FreezeSettings::default(),
            no_signal: NoSignalSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlackSettings {
    pub enabled: bool,
    pub delay_ms: u64,
    pub clear_ms: u64,
    /// A pixel is dark when its luma (0–255) is at most this.
    pub max_luma: u8,
    /// The picture is black when at least this fraction (0–1) of its pixels is dark.
    pub min_fraction: f64,
}

impl Default for BlackSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            delay_ms: 2000,
            clear_ms: 1000,
            max_luma: 24,
            min_fraction: 0.98,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FreezeSettings {
    pub enabled: bool,
    pub delay_ms: u64,
    pub clear_ms: u64,
    /// Two pictures are the same when their mean luma difference (0–255) is at most this.
    pub max_difference: f64,
}

impl Default for FreezeSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            delay_ms: 5000,
            clear_ms: 1000,
            max_difference: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoSignalSettings {
    pub enabled: bool,
    pub delay_ms: u64,
    pub clear_ms: u64,
}

impl Default for NoSignalSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            delay_ms: 1000,
            clear_ms: 1000,
        }
    }
}

impl MonitorSettings {
    /// Settings of the demo sims: watched, but not for freezes — their menus are still
    /// pictures, which a freeze detector cannot tell from a frozen one.
    pub fn demo() -> Self {
        let mut settings = Self {
            enabled: true,
            ..Self::default()
        };
        settings.freeze.enabled = false;
        settings
    }

    /// Checks every value; the error names the field (`black.min_fraction: …`).
    pub fn validate(&self) -> Result<(), String> {
        let (low, high) = FPS_RANGE;
        if !self.fps.is_finite() || !(low..=high).contains(&self.fps) {
            return Err(format!(
                "fps: must be between {low} and {high}, got {}",
                self.fps
            ));
        }
        let times = [
            ("black.delay_ms", self.black.delay_ms),
            ("black.clear_ms", self.black.clear_ms),
            ("freeze.delay_ms", self.freeze.delay_ms),
            ("freeze.clear_ms", self.freeze.clear_ms),
            ("no_signal.delay_ms", self.no_signal.delay_ms),
            ("no_signal.clear_ms", self.no_signal.clear_ms),
        ];
        for (field, value) in times {
            if value > MAX_DELAY_MS {
                return Err(format!(
                    "{field}: must be at most {MAX_DELAY_MS} (one hour), got {value}"
                ));
            }
        }
        let fraction = self.black.min_fraction;
        if !fraction.is_finite() || !(0.0..=1.0).contains(&fraction) || fraction == 0.0 {
            return Err(format!(
                "black.min_fraction: must be above 0 and at most 1, got {fraction}"
            ));
        }
        let difference = self.freeze.max_difference;
        if !difference.is_finite() || !(0.0..=255.0).contains(&difference) {
            return Err(format!(
                "freeze.max_difference: must be between 0 and 255, got {difference}"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_off() {
        let settings = MonitorSettings::default();
        assert!(!settings.enabled);
        settings.validate().unwrap();
        MonitorSettings::demo().validate().unwrap();
        assert!(!MonitorSettings::demo().freeze.enabled);
    }

    #[test]
    fn errors_name_the_field() {
        let mut settings = MonitorSettings {
            fps: 0.0,
            ..Default::default()
        };
        assert!(settings.validate().unwrap_err().starts_with("fps:"));
        settings.fps = 5.0;
        settings.black.min_fraction = 1.5;
        assert!(
            settings
                .validate()
                .unwrap_err()
                .starts_with("black.min_fraction:")
        );
        settings.black.min_fraction = 0.9;
        settings.no_signal.clear_ms = MAX_DELAY_MS + 1;
        assert!(
            settings
                .validate()
                .unwrap_err()
                .starts_with("no_signal.clear_ms:")
        );
    }

    #[test]
    fn partial_documents_fill_in_defaults_and_unknown_keys_are_refused() {
        let settings: MonitorSettings =
            serde_json::from_str(r#"{"enabled": true, "black": {"delay_ms": 300}}"#).unwrap();
        assert!(settings.enabled);
        assert_eq!(settings.black.delay_ms, 300);
        assert_eq!(settings.black.max_luma, 24);
        assert!(serde_json::from_str::<MonitorSettings>(r#"{"blak": {}}"#).is_err());
    }
}
