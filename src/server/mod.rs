//! `vpt server`: the REST API, WebSocket events, embedded web UI, SQLite and the end of every
//! host link. Binding is apart from serving ([`Server::prepare`] takes a bound listener) so tests
//! and `vpt all` can use port 0 and learn the real address.

pub mod api;
pub mod auth;
pub mod campaigns;
pub mod db;
pub mod demo;
pub mod demo_testcases;
mod errors;
pub mod events;
pub mod host_approval;
pub mod incidents;
pub mod link;
pub mod locks;
pub mod metrics;
pub mod nav_jobs;
pub mod ndjson;
pub mod proxy;
pub mod registry;
pub mod role;
pub mod runs;
pub mod scheduler;
pub mod security_headers;
pub mod services;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, MIN_TOKEN_LEN};
use crate::mdns::{Mdns, Role};
use db::Db;
use events::EventBus;
use locks::Locks;
use registry::Registry;

/// Everything a request handler may need. Cheap to clone (all shared handles).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub registry: Registry,
    pub events: EventBus,
    pub locks: Locks,
    /// The shared secret hosts present on the link.
    pub host_token: Arc<str>,
    pub started_at: DateTime<Utc>,
    pub started: Instant,
    pub data_dir: PathBuf,
    /// The LAN responder, when mDNS is enabled and could start.
    pub mdns: Option<Arc<Mdns>>,
    /// Cancelled when the server stops, so endless responses (events, streams) end.
    pub shutdown: CancellationToken,
    /// Gotos and validations running or recently finished.
    pub nav_jobs: nav_jobs::NavJobs,
    /// Test runs: the queue and the runs being followed.
    pub runs: runs::Runs,
    /// Campaign runs being driven.
    pub campaign_runs: campaigns::CampaignRuns,
    /// Wakes the scheduler when a schedule is created, changed or deleted.
    pub schedules_changed: Arc<tokio::sync::Notify>,
    /// Session and token caches, login throttling.
    pub auth: auth::Auth,
    /// The certificate and key when the server itself serves HTTPS (`server.tls_cert`).
    pub tls: Option<crate::tls::ServerTls>,
}

/// How long in-flight requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

pub struct Server {
    state: AppState,
    listener: TcpListener,
    addr: SocketAddr,
}

impl Server {
    /// Opens the database, loads known hosts and settles the host token.
    pub async fn prepare(config: Config, listener: TcpListener) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        // Auth off where others can reach the server would hand the whole fleet to anyone.
        if !config.auth.enabled && !addr.ip().is_loopback() {
            anyhow::bail!(
                "auth.enabled = false is only allowed when the server listens on a loopback \
                 address (it listens on {addr}); bind to 127.0.0.1 for a single bench, or keep \
                 auth on"
            );
        }
        // A certificate that cannot be used is found before anything else starts.
        let tls = if config.server.tls() {
            Some(crate::tls::ServerTls::load(
                &config.server.tls_cert,
                &config.server.tls_key,
            )?)
        } else {
            None
        };
        let data_dir = config.general.data_dir.clone();
        db::create_data_dir(&data_dir)
            .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let host_token = settle_host_token(&config, addr)?;
        let db_path = data_dir.join("vpt.db");
        let db = Db::open(&db_path)
            .with_context(|| format!("cannot open database {}", db_path.display()))?;
        let events = EventBus::default();
        let locks = Locks::new(events.clone());
        if config.server.demo_content {
            let dir = data_dir.clone();
            let seeded = db
                .call(move |c| {
                    demo::seed(c, &dir, |tree| {
                        services::trees::tree_screenshot_dir(&dir, tree)
                    })
                })
                .await
                .context("cannot create the demo content")?;
            if seeded {
                // Rendering every screen of the demo left megabytes free in malloc's heaps.
                crate::allocator::give_back_free_memory();
                tracing::info!(
                    userinterface = demo::DEMO_USERINTERFACE,
                    "demo content created"
                );
            }
            let testcases = db
                .call(demo_testcases::seed)
                .await
                .context("cannot create the demo test cases")?;
            if testcases > 0 {
                tracing::info!(testcases, "demo test cases created");
            }
        }
        if config.auth.enabled {
            auth::setup::first_admin(&db)
                .await
                .context("cannot create the first admin")?;
        } else {
            tracing::warn!(
                "auth is off (auth.enabled = false): every request acts as the admin `local`"
            );
        }
        let registry = Registry::load(db.clone(), events.clone(), locks.clone()).await?;
        let mdns = if config.mdns.enabled {
            match Mdns::start(
                Role::Server,
                &server_name(),
                addr.port(),
                Role::Host,
                |_| {},
            ) {
                Ok(mdns) => Some(Arc::new(mdns)),
                Err(e) => {
                    tracing::warn!(error = %e, "mDNS unavailable; hosts must be given server_url");
                    None
                }
            }
        } else {
            None
        };
        let state = AppState {
            auth: auth::Auth::new(&config),
            config: Arc::new(config),
            db,
            registry,
            events,
            locks,
            host_token: host_token.into(),
            started_at: Utc::now(),
            started: Instant::now(),
            data_dir,
            mdns,
            shutdown: CancellationToken::new(),
            nav_jobs: nav_jobs::NavJobs::default(),
            runs: runs::Runs::default(),
            campaign_runs: campaigns::CampaignRuns::default(),
            schedules_changed: Arc::new(tokio::sync::Notify::new()),
            tls,
        };
        state
            .runs
            .recover(&state)
            .await
            .context("cannot recover the runs of the last start")?;
        Ok(Self {
            state,
            listener,
            addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A URL this machine can reach the server at (0.0.0.0 becomes 127.0.0.1; `https://` when
    /// the server serves TLS).
    pub fn local_url(&self) -> String {
        let url = local_url(self.addr);
        match &self.state.tls {
            Some(_) => url.replacen("http://", "https://", 1),
            None => url,
        }
    }

    /// The certificate the server presents, when it serves TLS.
    pub fn certificate(&self) -> Option<rustls::pki_types::CertificateDer<'static>> {
        self.state.tls.as_ref().map(|tls| tls.certificate().clone())
    }

    pub fn host_token(&self) -> &str {
        &self.state.host_token
    }

    pub fn router(state: AppState) -> Router {
        let cors = auth_cors(&state.config.auth.cors_origins);
        let headers = security_headers::SecurityHeaders {
            tls: state.tls.is_some(),
        };
        let router = api::router(state.clone())
            .merge(metrics::router())
            .merge(web::router())
            // Inside the latency layer, so refusals are counted too.
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::middleware::check,
            ))
            .layer(axum::middleware::from_fn(metrics::http::track))
            // Around everything, so answers the router makes itself (405, rejections) and the
            // auth check's refusals are JSON and carry the security headers too.
            .layer(axum::middleware::from_fn(crate::api_error::json_errors))
            .layer(axum::middleware::from_fn_with_state(
                headers,
                security_headers::apply,
            ))
            .with_state(state);
        match cors {
            Some(cors) => router.layer(cors),
            None => router,
        }
    }

    /// Serves until `shutdown` is cancelled, then closes host links and returns.
    pub async fn serve(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let url_file = self.state.data_dir.join("server.url");
        std::fs::write(&url_file, self.local_url())
            .with_context(|| format!("cannot write {}", url_file.display()))?;
        tracing::info!(url = %self.local_url(), data_dir = %self.state.data_dir.display(), "server listening");

        let sweeper = tokio::spawn(sweep_silent_hosts(self.state.registry.clone()));
        let dispatcher = tokio::spawn(runs::dispatcher(self.state.clone()));
        let cleaner = tokio::spawn(runs::retention::cleaner(self.state.clone()));
        let scheduler = tokio::spawn(scheduler::scheduler(
            self.state.clone(),
            self.state.schedules_changed.clone(),
        ));
        let app = Self::router(self.state.clone());
        let state = self.state.clone();
        let stop = shutdown.clone();
        let acceptor = self.state.tls.as_ref().map(crate::tls::ServerTls::acceptor);
        let serving =
            crate::listen::serve(self.listener, acceptor, app, tune_connection, async move {
                stop.cancelled().await;
                // Links, event sockets and live streams never end by themselves: end them.
                state.shutdown.cancel();
                state.registry.close_all();
            });
        tokio::select! {
            _ = serving => {}
            // A client that ignores the end of its stream must not hold the process up.
            _ = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {}
        };
        sweeper.abort();
        dispatcher.abort();
        cleaner.abort();
        scheduler.abort();
        let _ = std::fs::remove_file(&url_file);
        Ok(())
    }
}

/// CORS for the configured origins (none: same origin only, and no CORS headers at all).
fn auth_cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, Method, header};
    if origins.is_empty() {
        return None;
    }
    // Origins were checked when the configuration was loaded.
    let origins: Vec<_> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
            ])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static(auth::CSRF_HEADER),
                HeaderName::from_static(api::devices::LOCK_HEADER),
            ]),
    )
}

/// Socket send buffer of client connections. Kept small so a live stream to a slow viewer
/// stalls (and skips frames upstream) after a few frames instead of queuing seconds of video in
/// the kernel; ample for API answers and for 25 fps video on a LAN.
const CLIENT_SEND_BUFFER: usize = 256 * 1024;

fn tune_connection(tcp: &mut tokio::net::TcpStream) {
    // Small writes (events, MJPEG part headers) should leave at once.
    let _ = tcp.set_nodelay(true);
    let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(CLIENT_SEND_BUFFER);
}

/// Marks hosts offline once they miss their heartbeats, even when the TCP link looks alive.
async fn sweep_silent_hosts(registry: Registry) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        for (host, link_id) in registry.silent_hosts() {
            registry
                .detach_link(&host, link_id, "missed 3 heartbeats")
                .await;
        }
    }
}

pub use crate::listen::local_url;

fn server_name() -> String {
    hostname::get()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "vpt".into())
}

/// The configured host token, or the generated one. A weak token is refused when the server
/// is reachable from other machines.
fn settle_host_token(config: &Config, addr: SocketAddr) -> anyhow::Result<String> {
    let configured = config.server.host_token.trim();
    if configured.is_empty() {
        let token = crate::token::load_or_create(&config.general.data_dir)
            .context("cannot create the host token in the data dir")?;
        return Ok(token);
    }
    if !addr.ip().is_loopback() && configured.len() < MIN_TOKEN_LEN {
        anyhow::bail!(
            "server.host_token is too weak for a server listening on {addr}: use at least \
             {MIN_TOKEN_LEN} characters (e.g. `openssl rand -hex 24`), or leave it empty to have \
             one generated in the data dir"
        );
    }
    Ok(configured.to_string())
}
