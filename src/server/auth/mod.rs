//! Who is calling and what they may do: users with roles, login sessions (cookie) and personal
//! API tokens (bearer), checked for every request by one middleware against the route rule
//! table, plus login throttling and the audit log. docs/security.md tells the whole story.

pub mod audit;
pub mod cache;
pub mod live;
pub mod middleware;
pub mod passwords;
pub mod rules;
pub mod secret;
pub mod setup;
pub mod throttle;

pub use crate::server::role::Role;

use std::sync::Arc;

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
    /// Signed in with a generated password that must be changed first.
    pub must_change_password: bool,
}

impl Principal {
    /// Every request when auth is off.
    pub fn local() -> Self {
        Self {
            user_id: None,
            name: "local".into(),
            role: Role::Admin,
            via: Via::Off,
            must_change_password: false,
        }
    }
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "vpt_session";
/// Name of the cookie that marks a browser that signed in before (sent to the login route
/// only): its sign-ins are not slowed by failures other clients cause.
pub const DEVICE_COOKIE: &str = "vpt_device";
/// Header the web UI sends with every request; a cross-site page cannot send it without a CORS
/// preflight this server would refuse, so it proves the request came from the UI.
pub const CSRF_HEADER: &str = "x-vpt-csrf";

/// The shared state of authentication: caches of sessions and tokens, sign-in throttling, the
/// names the server answers to and the bound on audited refusals.
#[derive(Clone)]
pub struct Auth {
    pub enabled: bool,
    pub cache: Arc<cache::CredentialCache>,
    pub throttle: Arc<throttle::Throttle>,
    /// A session unused this long has ended.
    pub session_idle: Option<chrono::Duration>,
    pub hosts: Arc<crate::allowed_hosts::AllowedHosts>,
    pub refusals: Arc<audit::Refusals>,
}

impl Auth {
    pub fn new(config: &crate::config::Config) -> Self {
        let auth = &config.auth;
        if auth.lockout_minutes.is_some() {
            tracing::warn!(
                "auth.lockout_minutes is no longer used: failed sign-ins are slowed by delays \
                 that grow up to auth.login_max_delay_s, never locked (docs/security.md)"
            );
        }
        Self {
            enabled: auth.enabled,
            cache: Arc::default(),
            throttle: Arc::new(throttle::Throttle::new(
                auth.login_max_failures,
                std::time::Duration::from_secs(u64::from(auth.login_max_delay_s)),
            )),
            session_idle: (auth.session_idle_minutes > 0)
                .then(|| chrono::Duration::minutes(i64::from(auth.session_idle_minutes))),
            hosts: Arc::new(crate::allowed_hosts::AllowedHosts::new(
                config
                    .server
                    .allowed_hosts
                    .iter()
                    .map(String::as_str)
                    .chain([config.host.server_url.as_str()]),
            )),
            refusals: Arc::default(),
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
