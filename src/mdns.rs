//! LAN discovery over mDNS: servers and hosts both advertise `_vpt._tcp.local.` with a `role` TXT
//! record; hosts without a configured server browse for `role=server`, and the server browses for
//! `role=host` to list hosts that have not joined.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};
use serde::Serialize;

use crate::protocol::MDNS_SERVICE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Host,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Host => "host",
        }
    }
}

/// A vpt instance seen on the LAN.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Peer {
    pub name: String,
    pub role: &'static str,
    pub version: String,
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    pub path: String,
}

impl Peer {
    /// The address to dial: IPv4 first, then global IPv6; a link-local IPv6 needs a scope id we
    /// cannot put in a URL reliably, so it is the last resort.
    pub fn best_address(&self) -> Option<IpAddr> {
        let rank = |ip: &IpAddr| match ip {
            IpAddr::V4(_) => 0,
            IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) != 0xfe80 => 1,
            IpAddr::V6(_) => 2,
        };
        self.addresses.iter().min_by_key(|ip| rank(ip)).copied()
    }

    pub fn base_url(&self) -> Option<String> {
        Some(match self.best_address()? {
            IpAddr::V4(ip) => format!("http://{ip}:{}", self.port),
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", self.port),
        })
    }
}

/// The running mDNS responder of this process; dropping it withdraws the advertisement.
pub struct Mdns {
    daemon: ServiceDaemon,
    seen: Arc<Mutex<HashMap<String, Peer>>>,
}

impl Mdns {
    /// Advertises this instance and starts browsing for peers of `looking_for`.
    pub fn start(
        role: Role,
        name: &str,
        port: u16,
        looking_for: Role,
        on_found: impl Fn(&Peer) + Send + 'static,
    ) -> Result<Self, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        let instance = format!("vpt-{}-{}", role.as_str(), name);
        let machine = hostname::get()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "vpt".into());
        let properties = [
            ("role", role.as_str()),
            ("name", name),
            ("version", env!("CARGO_PKG_VERSION")),
            ("path", crate::protocol::CONNECT_PATH),
        ];
        let info = ServiceInfo::new(
            MDNS_SERVICE,
            &instance,
            &format!("{machine}.local."),
            "",
            port,
            &properties[..],
        )?
        .enable_addr_auto();
        daemon.register(info)?;

        let seen: Arc<Mutex<HashMap<String, Peer>>> = Arc::default();
        let receiver = daemon.browse(MDNS_SERVICE)?;
        let seen_by_browser = seen.clone();
        let own_name = instance.clone();
        tokio::spawn(async move {
            while let Ok(event) = receiver.recv_async().await {
                match event {
                    ServiceEvent::ServiceResolved(service) => {
                        if service.fullname.starts_with(&format!("{own_name}.")) {
                            continue;
                        }
                        let role = match service.get_property_val_str("role") {
                            Some("server") => Role::Server,
                            Some("host") => Role::Host,
                            _ => continue,
                        };
                        if role != looking_for {
                            continue;
                        }
                        let peer = Peer {
                            name: service
                                .get_property_val_str("name")
                                .unwrap_or(&service.fullname)
                                .to_string(),
                            role: role.as_str(),
                            version: service
                                .get_property_val_str("version")
                                .unwrap_or("")
                                .to_string(),
                            addresses: service
                                .get_addresses()
                                .iter()
                                .map(|ip| ip.to_ip_addr())
                                .collect(),
                            port: service.get_port(),
                            path: service.get_property_val_str("path").unwrap_or("").into(),
                        };
                        tracing::debug!(?peer, "mDNS peer resolved");
                        on_found(&peer);
                        seen_by_browser
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(service.fullname.clone(), peer);
                    }
                    ServiceEvent::ServiceRemoved(_, fullname) => {
                        seen_by_browser
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&fullname);
                    }
                    _ => {}
                }
            }
        });
        Ok(Self { daemon, seen })
    }

    pub fn peers(&self) -> Vec<Peer> {
        let mut peers: Vec<Peer> = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        peers.sort_by(|a, b| a.name.cmp(&b.name));
        peers
    }
}

impl Drop for Mdns {
    fn drop(&mut self) {
        // Sends goodbye packets so peers forget us promptly.
        let _ = self.daemon.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_ipv4_over_link_local_ipv6() {
        let peer = Peer {
            name: "s".into(),
            role: "server",
            version: "0".into(),
            addresses: vec!["fe80::1".parse().unwrap(), "192.0.2.7".parse().unwrap()],
            port: 5109,
            path: String::new(),
        };
        assert_eq!(peer.base_url().as_deref(), Some("http://192.0.2.7:5109"));
        let v6_only = Peer {
            addresses: vec!["fe80::1".parse().unwrap(), "2001:db8::5".parse().unwrap()],
            ..peer
        };
        assert_eq!(
            v6_only.base_url().as_deref(),
            Some("http://[2001:db8::5]:5109")
        );
    }
}
