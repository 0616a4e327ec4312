//! vpt: device test automation and monitoring in one binary. See README.md and docs/.

pub mod allocator;
pub mod allowed_hosts;
pub mod api_error;
pub mod cli;
pub mod config;
pub mod host;
pub mod ids;
pub mod image_input;
pub mod link;
pub mod listen;
pub mod mdns;
pub mod metrics;
pub mod monitoring;
pub mod nav;
pub mod protocol;
pub mod roles;
pub mod server;
pub mod sim;
pub mod testing;
pub mod tls;
pub mod token;
pub mod verify;

/// Short commit id of the build, or `unknown` outside a git checkout.
pub const BUILD: &str = env!("VPT_BUILD");
