//! The names a server or a host answers to. A web page on another site can make a browser send
//! requests to this machine under the page's own name (DNS rebinding: `rebind.example` resolving
//! to its address); those carry `Host: rebind.example`, so only names this machine knows are
//! accepted: IP addresses, `localhost`, this machine's name (and `<name>.local`), and the names
//! given (for the server: the host of `host.server_url` and `server.allowed_hosts`, where `"*"`
//! accepts any; for a host: its vpt name).

use std::collections::HashSet;
use std::net::IpAddr;

#[derive(Debug, Default)]
pub struct AllowedHosts {
    any: bool,
    names: HashSet<String>,
}

impl AllowedHosts {
    /// Accepts addresses, `localhost`, this machine's name and `names`: each a `host[:port]`,
    /// a URL (its host counts), or `*` for any name.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut allowed = HashSet::new();
        let mut any = false;
        for name in names {
            let name = name.trim();
            let authority = name
                .strip_prefix("http://")
                .or_else(|| name.strip_prefix("https://"))
                .map_or(name, |rest| rest.split('/').next().unwrap_or_default());
            if name == "*" {
                any = true;
            } else if let Some(host) = host_of(authority) {
                allowed.insert(host);
            }
        }
        if let Ok(machine) = hostname::get() {
            let machine = machine.to_string_lossy().to_lowercase();
            if !machine.is_empty() {
                allowed.insert(format!("{machine}.local"));
                allowed.insert(machine);
            }
        }
        Self {
            any,
            names: allowed,
        }
    }

    /// Whether a request with this `Host` (or `:authority`) value is for this server.
    pub fn allows(&self, host_header: &str) -> bool {
        if self.any {
            return true;
        }
        let Some(host) = host_of(host_header) else {
            return false;
        };
        host.parse::<IpAddr>().is_ok()
            || host == "localhost"
            || host.ends_with(".localhost")
            || self.names.contains(&host)
    }
}

/// The host part of `host[:port]` or `[v6]:port`, lowercased, without a trailing dot.
fn host_of(value: &str) -> Option<String> {
    let value = value.trim();
    let host = if let Some(rest) = value.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        match value.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => value,
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_and_addresses_pass_others_do_not() {
        let hosts = AllowedHosts::new(["vpt.example.com", "https://Lab-Server.example:5109/"]);
        for ok in [
            "127.0.0.1:5109",
            "192.168.1.10",
            "[::1]:5109",
            "localhost:5109",
            "app.localhost",
            "VPT.example.com",
            "vpt.example.com.:443",
            "lab-server.example:5109",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for refused in [
            "rebind.example",
            "rebind.example:5109",
            "example.com",
            "",
            ":80",
        ] {
            assert!(!hosts.allows(refused), "{refused}");
        }
        assert!(AllowedHosts::new(["*"]).allows("rebind.example"));
    }
}
