//! `[general]`: where data lives and what is logged.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneralConfig {
    /// Folder for the SQLite database, the generated host token and run files.
    pub data_dir: PathBuf,
    /// Log filter, e.g. `info` or `vpt=debug,info`.
    pub log: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./vpt-data"),
            log: "info".into(),
        }
    }
}
