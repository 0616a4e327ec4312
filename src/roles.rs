//! Runs the role chosen on the command line. `vpt all` is a server and a host in one process:
//! both run until a signal arrives or one of them stops, and the log says which one did.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::host::{Host, JoinOptions};
use crate::server::Server;

pub fn main(cli: Cli) -> ExitCode {
    crate::allocator::tune();
    // HTTP clients (plugs, `vpt run`, healthchecks) find the crypto of their TLS here.
    crate::tls::install_crypto_provider();
    let cli = match cli.command {
        Command::GenConfig => {
            print!("{}", crate::config::EXAMPLE);
            return ExitCode::SUCCESS;
        }
        // Offline checks need no configuration, runtime or logging.
        Command::Check(args) => {
            let code = crate::verify::cli::run(args);
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
        Command::Run(args) => return ExitCode::from(crate::testing::cli::run(args)),
        command => Cli { command, ..cli },
    };
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vpt: {e}");
            return ExitCode::from(2);
        }
    };
    if let Command::User { command } = cli.command {
        return match crate::server::auth::setup::run(&config.general.data_dir, command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("vpt: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    init_logging(&config.general.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("vpt: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Server => run_server(config).await,
            Command::Host => run_host(config).await,
            Command::All => run_all(config).await,
            Command::Healthcheck { host, url } => healthcheck(&config, host, url).await,
            Command::GenConfig | Command::Check(_) | Command::Run(_) | Command::User { .. } => {
                Ok(())
            }
        }
    });
    // Capture threads and blocking DB calls must not keep the process alive after the roles end.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("vpt: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(dir) = &cli.data_dir {
        config.general.data_dir = dir.clone();
    }
    if let Some(log) = &cli.log {
        config.general.log = log.clone();
    }
    Ok(config)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Cancels the token on SIGINT or SIGTERM.
fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        trigger.cancel();
    });
    token
}

async fn bind(addr: std::net::SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for the {what}"))
}

async fn run_server(config: Config) -> anyhow::Result<()> {
    let listener = bind(config.server.bind, "server").await?;
    let config_token_set = !config.server.host_token.trim().is_empty();
    let data_dir = config.general.data_dir.clone();
    let server = Server::prepare(config, listener).await?;
    // The join token itself stays out of the log (logs are copied around and kept): only
    // where it is.
    let token_at = if config_token_set {
        "the server.host_token of this server's configuration".to_string()
    } else {
        format!("the file {}", crate::token::token_file(&data_dir).display())
    };
    tracing::info!(
        "hosts join this server with: VPT_HOST__SERVER_URL={}://<this machine>:{} \
         VPT_HOST__TOKEN=<the join token> vpt host; the join token is {token_at}",
        if server.certificate().is_some() {
            "https"
        } else {
            "http"
        },
        server.local_addr().port(),
    );
    server.serve(shutdown_on_signal()).await
}

async fn run_host(config: Config) -> anyhow::Result<()> {
    let token = if config.host.token.is_empty() {
        // A host sharing its data dir with a server (same machine) can use the generated token.
        crate::token::read(&config.general.data_dir).with_context(
            || "no host token: set host.token (VPT_HOST__TOKEN) to the token the server printed",
        )?
    } else {
        config.host.token.clone()
    };
    let join = JoinOptions {
        server_url: (!config.host.server_url.is_empty()).then(|| config.host.server_url.clone()),
        token,
        tls: None,
    };
    let listener = bind(config.host.bind, "host API").await?;
    let host = Host::prepare(config, listener, join, false)?;
    host.serve(shutdown_on_signal()).await
}

async fn run_all(config: Config) -> anyhow::Result<()> {
    let server_listener = bind(config.server.bind, "server").await?;
    let host_listener = bind(config.host.bind, "host API").await?;
    let server = Server::prepare(config.clone(), server_listener).await?;
    // The local host joins its own server over loopback, like any other host would; over
    // HTTPS it trusts exactly its server's certificate, whatever names that certificate has.
    let own_server = config.host.server_url.is_empty();
    let join = JoinOptions {
        server_url: Some(if own_server {
            server.local_url()
        } else {
            config.host.server_url.clone()
        }),
        token: if config.host.token.is_empty() {
            server.host_token().to_string()
        } else {
            config.host.token.clone()
        },
        tls: server
            .certificate()
            .filter(|_| own_server)
            .map(|cert| std::sync::Arc::new(crate::tls::pinned_client_config(cert))),
    };
    let host = Host::prepare(config, host_listener, join, true)?;
    let shutdown = shutdown_on_signal();
    let mut server_task = tokio::spawn(server.serve(shutdown.clone()));
    let mut host_task = tokio::spawn(host.serve(shutdown.clone()));
    let (first, result) = tokio::select! {
        result = &mut server_task => ("server", result),
        result = &mut host_task => ("host", result),
    };
    let result = result.context("task failed")?;
    if !shutdown.is_cancelled() {
        tracing::error!(
            role = first,
            "stopped unexpectedly; stopping the other role"
        );
    }
    shutdown.cancel();
    let other = if first == "server" {
        host_task
    } else {
        server_task
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), other).await;
    result.with_context(|| format!("the {first} stopped"))
}

async fn healthcheck(config: &Config, host: bool, url: Option<String>) -> anyhow::Result<()> {
    let (file, path, bind) = if host {
        ("host.url", "/host/health", config.host.bind)
    } else {
        ("server.url", "/api/health", config.server.bind)
    };
    let base = url
        .or_else(|| {
            std::fs::read_to_string(config.general.data_dir.join(file))
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| crate::listen::local_url(bind));
    let target = format!("{}{path}", base.trim_end_matches('/'));
    // A server of this configuration that serves HTTPS is trusted by its own certificate.
    let builder = if !host && config.server.tls() {
        let tls = crate::tls::ServerTls::load(&config.server.tls_cert, &config.server.tls_key)?;
        reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::pinned_client_config(tls.certificate().clone()))
    } else {
        crate::tls::http_client(None)?
    };
    let client = builder.timeout(Duration::from_secs(3)).build()?;
    let mut request = client.get(&target);
    if host {
        // The host API answers its own port only with the host's token (docs/security.md).
        let token_file = config
            .general
            .data_dir
            .join(crate::host::api_auth::TOKEN_FILE);
        let token = std::fs::read_to_string(&token_file)
            .with_context(|| format!("cannot read the host API token {}", token_file.display()))?;
        request = request.bearer_auth(token.trim());
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("{target} did not answer"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "{target} answered {}",
        response.status()
    );
    println!("ok: {target}");
    Ok(())
}
