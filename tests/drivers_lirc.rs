//! lirc driver against a real lircd (Debian `lirc`) using its `file` driver, which accepts
//! sends without hardware and writes the pulse/space timings it would transmit to a file.

mod common;
#[path = "support_drivers/lircd.rs"]
mod lircd;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use lircd::Lircd;

use vpt::host::remote::ir::encode;
use vpt::host::remote::lirc::LircRemote;
use vpt::host::remote::{Remote, RemoteError};

fn remote(lircd: &Lircd, name: &str, overrides: &[(&str, &str)]) -> LircRemote {
    let overrides: BTreeMap<String, String> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    LircRemote::new(&lircd.socket(), name, &overrides, Duration::from_secs(3))
}

#[tokio::test]
async fn list_discovers_keys_and_send_once_transmits_the_samsung_frame() {
    let lircd = Lircd::start();
    let samsung = remote(&lircd, "samsung", &[]);
    let keys = samsung.discover().unwrap();
    assert_eq!(keys, vec!["UP", "DOWN", "OK", "POWER", "1", "2"]);
    assert_eq!(samsung.keys(), keys);

    samsung.press("UP", Duration::ZERO).await.unwrap();
    // What lircd transmitted is exactly vpt's own Samsung encoding of the key.
    let expected = encode::samsung(0x07, 0x60).unwrap().frame;
    let sent = lircd.sent();
    assert_eq!(&sent[..expected.len()], &expected[..]);

    // Holding sends repeats between SEND_START and SEND_STOP.
    let before = lircd.sent().len();
    samsung
        .press("DOWN", Duration::from_millis(400))
        .await
        .unwrap();
    let frames = (lircd.sent().len() - before) / 68;
    assert!(frames >= 2, "{frames} frames while held");

    samsung.text("12").await.unwrap();
    assert!(matches!(
        samsung.text("1a").await,
        Err(RemoteError::Unsupported(_))
    ));
}

#[tokio::test]
async fn unmapped_keys_and_overrides() {
    let lircd = Lircd::start();
    // KEY_ENTER is not in this remote: OK is no longer offered once it maps there.
    let samsung = remote(&lircd, "samsung", &[("OK", "KEY_ENTER"), ("MENU", "KEY_1")]);
    let keys = samsung.discover().unwrap();
    assert!(!keys.contains(&"OK".to_string()), "{keys:?}");
    assert!(keys.contains(&"MENU".to_string()), "{keys:?}");
    match samsung.press("RED", Duration::ZERO).await {
        Err(RemoteError::UnknownKey { key, valid }) => {
            assert_eq!(key, "RED");
            assert_eq!(valid, keys);
        }
        other => panic!("{other:?}"),
    }
    samsung.press("MENU", Duration::ZERO).await.unwrap();
}

#[tokio::test]
async fn unknown_remote_and_missing_socket_are_clear_errors() {
    let lircd = Lircd::start();
    let err = remote(&lircd, "sony", &[])
        .discover()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no remote `sony`") && err.contains("it knows: samsung"),
        "{err}"
    );
    let missing = LircRemote::new(
        Path::new("/nonexistent/lircd"),
        "samsung",
        &BTreeMap::new(),
        Duration::from_secs(1),
    );
    let err = missing
        .press("UP", Duration::ZERO)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot reach lircd at /nonexistent/lircd"),
        "{err}"
    );
}

#[test]
fn host_refuses_to_start_with_a_remote_lircd_does_not_know() {
    let lircd = Lircd::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vpt.toml");
    std::fs::write(
        &config,
        format!(
            "[host]\ntoken = \"0123456789abcdef0123\"\nserver_url = \"http://127.0.0.1:1\"\n\
             [[host.devices]]\nid = \"tv1\"\ncapture = {{ kind = \"images\", dir = \"/nonexistent\" }}\n\
             remote = {{ kind = \"lirc\", socket = \"{}\", remote = \"philips\" }}\n",
            lircd.socket().display()
        ),
    )
    .unwrap();
    let output = Command::new(common::BIN)
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["--config", config.to_str().unwrap(), "host"])
        .env("VPT_HOST__BIND", "127.0.0.1:0")
        .env("VPT_MDNS__ENABLED", "false")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tv1") && stderr.contains("no remote `philips`"),
        "{stderr}"
    );
}
