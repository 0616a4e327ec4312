//! Who is calling and what they may do: users with roles, login sessions (cookie) and personal
//! API tokens (bearer), checked for every request by one middleware against the route rule
//! table, plus login throttling and the audit log. docs/security.md tells the whole story.

pub mod audit;
pub mod cache;
pub mod middleware;
pub mod rules;
pub mod secret;
pub mod setup;
pub mod throttle;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// What a user may do; each role can do everything the roles below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees everything, changes nothing.
    Viewer,
    /// Runs tests, controls devices, edits trees, tests and references.
    Tester,
    /// Users, hosts and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Tester => "tester",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "tester" => Ok(Role::Tester),
            "admin" => Ok(Role::Admin),
            other => Err(format!("`{other}` is not a role: viewer, tester or admin")),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The `vpt_session` cookie; carries the session's hash (for logout).
    Session(Arc<str>),
    /// An API token; carries its id.
    Token(i64),
    /// Auth is off (`auth.enabled = false` on a loopback bind).
    Off,
}

/// The caller of a request, put in the request's extensions by the middleware.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `None` when auth is off.
    pub user_id: Option<i64>,
    pub name: Arc<str>,
    pub role: Role,
    pub via: Via,
}

impl Principal {
    /// Every request when auth is off.
    pub fn local() -> Self {
        Self {
            user_id: None,
            name: "local".into(),
            role: Role::Admin,
            via: Via::Off,
        }
    }
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "vpt_session";
/// Header the web UI sends with every request; a cross-site page cannot send it without a CORS
/// preflight this server would refuse, so it proves the request came from the UI.
pub const CSRF_HEADER: &str = "x-vpt-csrf";

/// The shared state of authentication: caches of sessions and tokens, and login throttling.
#[derive(Clone)]
pub struct Auth {
    pub enabled: bool,
    pub cache: Arc<cache::CredentialCache>,
    pub throttle: Arc<throttle::Throttle>,
}

impl Auth {
    pub fn new(config: &crate::config::AuthConfig) -> Self {
        Self {
            enabled: config.enabled,
            cache: Arc::default(),
            throttle: Arc::new(throttle::Throttle::new(
                config.login_max_failures,
                std::time::Duration::from_secs(u64::from(config.lockout_minutes) * 60),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(Role::Viewer < Role::Tester && Role::Tester < Role::Admin);
        assert_eq!("tester".parse::<Role>(), Ok(Role::Tester));
        assert!("root".parse::<Role>().is_err());
        assert_eq!(Role::Admin.min(Role::Viewer), Role::Viewer);
    }
}
