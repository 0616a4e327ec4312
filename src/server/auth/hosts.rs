//! The names the server answers to. A web page on another site can make a browser send requests
//! to this server under the page's own name (DNS rebinding: `rebind.example` resolving to the
//! server's address); those carry `Host: rebind.example`, so only names the server knows are
//! accepted: IP addresses, `localhost`, this machine's name (and `<name>.local`), the host of
//! `host.server_url`, and `server.allowed_hosts` (`"*"` accepts any).

use std::collections::HashSet;
use std::net::IpAddr;

use crate::config::Config;

#[derive(Debug, Default)]
pub struct AllowedHosts {
    any: bool,
    names: HashSet<String>,
}

impl AllowedHosts {
    pub fn new(config: &Config) -> Self {
        let mut names = HashSet::new();
        let mut any = false;
        for name in &config.server.allowed_hosts {
            let name = name.trim();
            if name == "*" {
                any = true;
            } else if let Some(host) = host_of(name) {
                names.insert(host);
            }
        }
        if let Ok(machine) = hostname::get() {
            let machine = machine.to_string_lossy().to_lowercase();
            if !machine.is_empty() {
                names.insert(format!("{machine}.local"));
                names.insert(machine);
            }
        }
        let server_url = config.host.server_url.trim();
        if let Some(rest) = server_url
            .strip_prefix("http://")
            .or_else(|| server_url.strip_prefix("https://"))
            && let Some(host) = host_of(rest.split('/').next().unwrap_or_default())
        {
            names.insert(host);
        }
        Self { any, names }
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
        let mut config = Config::default();
        config.server.allowed_hosts = vec!["vpt.example.com".into()];
        config.host.server_url = "https://Lab-Server.example:5109/".into();
        let hosts = AllowedHosts::new(&config);
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
        config.server.allowed_hosts = vec!["*".into()];
        assert!(AllowedHosts::new(&config).allows("rebind.example"));
    }
}
