//! `[auth]`: users, sessions, tokens and which hosts are approved on their own.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Users, sessions and API tokens of the server (docs/security.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Off only on a loopback bind: every request then acts as the admin `local`.
    pub enabled: bool,
    /// Lifetime of a login session, counted from the login.
    pub session_hours: u32,
    /// A session unused this long ends (0: only `session_hours` ends it).
    pub session_idle_minutes: u32,
    /// Failed logins in a row (per user name and client address) answered without delay;
    /// each further one doubles the wait before the next attempt.
    pub login_max_failures: u32,
    /// The longest wait between sign-in attempts, however many failed.
    pub login_max_delay_s: u32,
    /// No longer used (sign-ins are slowed, not locked); accepted so old configs still load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_minutes: Option<u32>,
    /// Other origins allowed to call the API with credentials. Empty: same origin only.
    pub cors_origins: Vec<String>,
    /// Which hosts presenting the join token are approved without an admin.
    pub auto_approve_hosts: AutoApprove,
    /// Serve `/metrics` without a token.
    pub metrics_public: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            session_hours: 24,
            session_idle_minutes: 120,
            login_max_failures: 5,
            login_max_delay_s: 60,
            lockout_minutes: None,
            cors_origins: Vec::new(),
            auto_approve_hosts: AutoApprove::Loopback,
            metrics_public: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AutoApprove {
    /// Hosts connecting from this machine (`vpt all`).
    Loopback,
    Always,
    Never,
}

impl AuthConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let auth = self;
        // Whether auth may be off depends on the address the server really listens on, so the
        // server checks that when it starts (`Server::prepare`); a host does not care.
        if !(1..=24 * 366).contains(&auth.session_hours) {
            return Err(ConfigError::Invalid(
                "auth.session_hours must be 1 to 8784".into(),
            ));
        }
        if auth.login_max_failures == 0 || !(1..=3600).contains(&auth.login_max_delay_s) {
            return Err(ConfigError::Invalid(
                "auth.login_max_failures must be at least 1 and auth.login_max_delay_s 1 to 3600"
                    .into(),
            ));
        }
        if auth.session_idle_minutes > 24 * 366 * 60 {
            return Err(ConfigError::Invalid(
                "auth.session_idle_minutes must be 0 (off) to 527040".into(),
            ));
        }
        for origin in &auth.cors_origins {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "auth.cors_origins: `{origin}` is not an origin such as https://ci.example.com"
                )));
            }
        }
        Ok(())
    }
}
