//! Command-line interface (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "vpt",
    version,
    about = "Automate, remotely control and monitor TVs, set-top boxes and Android devices",
    long_about = "One binary, three roles: `vpt server` (API, web UI, database), `vpt host` \
                  (the agent of a device rack) and `vpt all` (both in one process)."
)]
pub struct Cli {
    /// Configuration file (TOML); see `vpt gen-config`.
    #[arg(long, global = true, env = "VPT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Data directory (database, host token); overrides `general.data_dir`.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log filter, e.g. `debug` or `vpt=debug,info`; overrides `general.log`.
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: REST API, WebSocket events, web UI and database.
    Server,
    /// Run a host: devices, capture, remotes, power; joins a server.
    Host,
    /// Run a server and a host with its devices in one process (two simulated STBs by default).
    All,
    /// Print the fully commented example configuration.
    GenConfig,
    /// Check a frame offline: image match, text (OCR), black screen, motion. Prints JSON;
    /// exits 0 on a positive verdict, 1 on a negative one, 2 on bad input.
    Check(crate::verify::cli::CheckArgs),
    /// Run a test case or campaign on a server and wait for it (for CI pipelines). Prints each
    /// step; exits 0 when all passed, 1 when a test failed, 2 on an infrastructure error
    /// (bad input, no device, host lost, server unreachable), 3 on timeout.
    Run(crate::testing::cli::RunArgs),
    /// Manage users in the data dir's database (works whether or not the server runs).
    User {
        #[command(subcommand)]
        command: crate::server::auth::setup::UserCommand,
    },
    /// Exit 0 if the local server (or, with --host, host) answers its health check.
    Healthcheck {
        /// Check the host API (`/host/health`) instead of the server's (`/api/health`).
        #[arg(long)]
        host: bool,
        /// URL to check instead of the one recorded in the data dir or configured.
        #[arg(long)]
        url: Option<String>,
    },
}
