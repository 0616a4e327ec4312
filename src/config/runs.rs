//! `[runs]`: keeping test run reports.

use serde::{Deserialize, Serialize};

/// Test runs on the server: how long their reports are kept and how long a host may vanish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunsConfig {
    /// Finished runs older than this many days are deleted with their pictures.
    pub keep_days: u32,
    /// At most this many finished runs are kept (the oldest go first).
    pub keep_runs: u32,
    /// A running run whose host is gone this long ends as `error: host lost`.
    pub host_lost_after_s: u64,
}

impl Default for RunsConfig {
    fn default() -> Self {
        Self {
            keep_days: 90,
            keep_runs: 10_000,
            host_lost_after_s: 60,
        }
    }
}
