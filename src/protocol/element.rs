//! What an element verification (Android UI dump, web page) looks for. The server checks stored
//! queries with [`ElementQuery::validate`]; the host matches them against a dump.

use serde::{Deserialize, Serialize};

/// What an element verification looks for. Each given field must match; a field's value may
/// list alternatives as `a|b`. Matching ignores case; `partial` matches substrings.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ElementQuery {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub content_desc: Option<String>,
    /// Matches text, content-desc or resource-id, whichever has it.
    #[serde(default)]
    pub any: Option<String>,
    #[serde(default)]
    pub partial: bool,
}

impl ElementQuery {
    pub fn validate(&self) -> Result<(), String> {
        let fields = [&self.text, &self.resource_id, &self.content_desc, &self.any];
        if fields.iter().all(|f| f.is_none()) {
            return Err("give at least one of text, resource_id, content_desc or any".into());
        }
        for value in fields.into_iter().flatten() {
            if alternatives(value).next().is_none() {
                return Err(format!("`{value}` has no alternative to look for"));
            }
        }
        Ok(())
    }
}

/// The alternatives a query field lists (`a|b`), trimmed, empty ones left out.
pub fn alternatives(value: &str) -> impl Iterator<Item = &str> {
    value.split('|').map(str::trim).filter(|s| !s.is_empty())
}
