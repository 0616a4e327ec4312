//! The roles of users. Beside `auth` rather than in it: the data layer stores roles, and `auth`
//! reads the data layer, so a role inside `auth` would tie the two into a cycle.

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
