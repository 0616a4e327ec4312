//! `vpt host`: the agent of one device rack. It serves its own API (`/host/...`) on a local port
//! and dials the server, which reaches the same API through that link (see `protocol`).

pub mod agent;
pub mod api;
pub mod api_auth;
pub mod capture;
pub mod credential;
pub mod devices;
pub mod key;
pub mod metrics;
pub mod monitor;
pub mod nav;
pub mod power;
pub mod remote;
pub mod runs;
pub mod sim_device;
pub mod stats;
pub mod verify;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use devices::Devices;
use stats::StatsSampler;

/// State of the host's link to its server, shown in `/host/health`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkStatus {
    /// `connecting`, `discovering`, `connected`, `pending` (waiting for approval), `refused`,
    /// `disconnected`.
    pub state: &'static str,
    pub server: Option<String>,
    pub detail: Option<String>,
}

/// Everything a host request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct HostState {
    pub name: Arc<str>,
    pub config: Arc<Config>,
    pub devices: Devices,
    pub started: Instant,
    pub link: Arc<Mutex<LinkStatus>>,
    pub stats: Arc<StatsSampler>,
    pub mdns_enabled: bool,
    /// Cancelled when the host stops, so endless responses (streams, heartbeats) end.
    pub shutdown: CancellationToken,
    /// Annotated images of recent verifications.
    pub annotated: verify::AnnotatedStore,
    /// Where each device is in a navigation tree, and which are being navigated.
    pub positions: nav::Positions,
    /// Test runs executing or recently finished, with their events.
    pub runs: runs::HostRuns,
    /// Monitoring, incident journal and frame timelines of the devices.
    pub monitors: Arc<monitor::Monitors>,
    /// What the link trusts when it dials an `https://` server.
    pub link_tls: Arc<rustls::ClientConfig>,
    /// The key this host proves at every link (what an admin approves).
    pub key: Arc<key::HostKey>,
}

impl HostState {
    pub fn set_link(&self, state: &'static str, server: Option<String>, detail: Option<String>) {
        *self.link.lock().unwrap_or_else(|p| p.into_inner()) = LinkStatus {
            state,
            server,
            detail,
        };
    }

    pub fn link_status(&self) -> LinkStatus {
        self.link.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// How the host finds and joins its server.
#[derive(Debug, Clone, Default)]
pub struct JoinOptions {
    /// Server base URL; `None` means discover one over mDNS.
    pub server_url: Option<String>,
    pub token: String,
    /// What to trust for an `https://` server; `None`: the public roots plus `host.server_ca`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

pub struct Host {
    state: HostState,
    listener: TcpListener,
    join: JoinOptions,
}

impl Host {
    /// Starts the devices (capture workers begin at once). `default_sims` gives a host without
    /// configured devices the two simulated boxes (`vpt all`).
    pub fn prepare(
        config: Config,
        listener: TcpListener,
        join: JoinOptions,
        default_sims: bool,
    ) -> anyhow::Result<Self> {
        let data_dir = config.general.data_dir.clone();
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let device_configs = config.host_devices(default_sims);
        if device_configs.is_empty() {
            tracing::warn!(
                "this host has no devices: declare them as [[host.devices]] in the config"
            );
        }
        let link_tls = match &join.tls {
            Some(tls) => tls.clone(),
            None => {
                let ca = &config.host.server_ca;
                let ca = (!ca.as_os_str().is_empty()).then_some(ca.as_path());
                Arc::new(crate::tls::client_config(ca).context("host.server_ca")?)
            }
        };
        let key = key::HostKey::load_or_create(&data_dir)?;
        tracing::info!(
            fingerprint = key.fingerprint(),
            "host key (an admin approves this fingerprint)"
        );
        if config.host.ring_seconds.is_some() || config.host.ring_max_mb.is_some() {
            tracing::warn!(
                "host.ring_seconds and host.ring_max_mb are no longer used: a device keeps only \
                 its newest frame in memory and its history in the timeline on disk \
                 (host.timeline_minutes); remove them from the configuration"
            );
        }
        let devices = Devices::start(&device_configs)?;
        let monitors = monitor::Monitors::start(&devices, &config.host, &data_dir)
            .context("cannot start monitoring")?;
        let state = HostState {
            name: config.host_name().into(),
            mdns_enabled: config.mdns.enabled,
            devices,
            started: Instant::now(),
            link: Arc::new(Mutex::new(LinkStatus {
                state: "connecting",
                server: join.server_url.clone(),
                detail: None,
            })),
            stats: Arc::new(StatsSampler::new(&data_dir)),
            config: Arc::new(config),
            shutdown: CancellationToken::new(),
            annotated: verify::AnnotatedStore::default(),
            positions: nav::Positions::default(),
            runs: runs::HostRuns::default(),
            monitors: Arc::new(monitors),
            link_tls,
            key: Arc::new(key),
        };
        Ok(Self {
            state,
            listener,
            join,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &HostState {
        &self.state
    }

    /// Serves the host API and keeps the link to the server up until `shutdown`.
    pub async fn serve(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        let data_dir = self.state.config.general.data_dir.clone();
        let token = api_auth::load_or_create(&data_dir)?;
        let url_file = data_dir.join("host.url");
        std::fs::write(&url_file, crate::listen::local_url(addr))
            .with_context(|| format!("cannot write {}", url_file.display()))?;
        if addr.ip().is_loopback() {
            tracing::info!(name = %self.state.name, url = %crate::listen::local_url(addr), "host API listening on this machine only");
        } else {
            tracing::warn!(
                name = %self.state.name,
                %addr,
                token_file = %data_dir.join(api_auth::TOKEN_FILE).display(),
                "host API listening beyond this machine: direct requests need the host's API token \
                 (the server needs no open port: it reaches the host through the link)"
            );
        }

        let agent = tokio::spawn(agent::run(
            self.state.clone(),
            self.join.clone(),
            addr.port(),
            shutdown.clone(),
        ));
        let state = self.state.clone();
        let stop = shutdown.clone();
        // Direct callers need the token; the link serves the same router without this layer.
        let access = api_auth::DirectAccess::new(token, &self.state.name);
        let app = api::router(self.state.clone()).layer(axum::middleware::from_fn_with_state(
            access,
            api_auth::check,
        ));
        let serving = crate::listen::serve(self.listener, None, app, |_| {}, async move {
            stop.cancelled().await;
            state.shutdown.cancel();
        });
        let result = tokio::select! {
            () = serving => Ok(()),
            _ = async { shutdown.cancelled().await; tokio::time::sleep(std::time::Duration::from_secs(3)).await } => Ok(()),
        };
        self.state.shutdown.cancel();
        agent.abort();
        let _ = std::fs::remove_file(&url_file);
        result
    }
}
