//! The command line: gen-config, config errors, healthcheck, weak tokens.

mod common;

use std::process::Command;

use common::{BIN, Options, Vpt};

#[test]
fn gen_config_prints_the_example_config() {
    let output = Command::new(BIN).arg("gen-config").output().unwrap();
    assert!(output.status.success());
    let expected =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
            .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
}

#[test]
fn unknown_config_key_names_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[server]\nport = 80\n").unwrap();
    let output = Command::new(BIN)
        .args(["--config", path.to_str().unwrap(), "server"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("port") && stderr.contains("bad.toml"),
        "{stderr}"
    );
}

#[test]
fn weak_token_on_a_public_bind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["--data-dir", dir.path().to_str().unwrap(), "server"])
        .env("VPT_SERVER__BIND", "0.0.0.0:0")
        .env("VPT_SERVER__HOST_TOKEN", "secret")
        .env("VPT_MDNS__ENABLED", "false")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("too weak"), "{stderr}");
}

#[test]
fn healthcheck_follows_the_running_instance() {
    let dir = tempfile::tempdir().unwrap();
    let check = |host: bool| {
        let mut command = Command::new(BIN);
        command.args(["--data-dir", dir.path().to_str().unwrap(), "healthcheck"]);
        if host {
            command.arg("--host");
        }
        // Nothing listens on the default ports of this fresh data dir's config.
        command
            .env("VPT_SERVER__BIND", "127.0.0.1:1")
            .env("VPT_HOST__BIND", "127.0.0.1:1");
        command.output().unwrap().status.success()
    };
    assert!(!check(false), "no server yet");
    let mut vpt = Vpt::start(Options::new("all").data_dir(dir.path()));
    vpt.server_url();
    vpt.host_url();
    assert!(check(false), "server answers");
    assert!(check(true), "host answers");
    assert!(vpt.stop().success());
    assert!(!check(false), "stopped");
}
