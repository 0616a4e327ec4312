//! ADB driver: the protocol against the real adb server (Debian `adb`), device behaviour
//! against a fake adb server in front of an imaginary device, and the host routes end to end.

mod common;
#[path = "support_drivers/fake_adb.rs"]
mod fake_adb;

use std::process::Command;
use std::time::Duration;

use common::{Options, Vpt, client, get_json};
use fake_adb::FakeAdb;
use serde_json::{Value, json};
use vpt::host::remote::Remote;
use vpt::host::remote::adb::AdbRemote;
use vpt::host::remote::adb::client::{AdbClient, AdbError};
use vpt::host::remote::adb::ui::ElementQuery;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real adb server on a port of its own, killed when dropped.
struct RealAdb {
    port: u16,
}

impl RealAdb {
    fn start() -> Self {
        let port = free_port();
        let status = Command::new("adb")
            .args(["-P", &port.to_string(), "start-server"])
            .status()
            .expect("`adb` is installed (scripts/setup.sh --test installs it)");
        assert!(status.success(), "adb start-server failed");
        Self { port }
    }
}

impl Drop for RealAdb {
    fn drop(&mut self) {
        let _ = Command::new("adb")
            .args(["-P", &self.port.to_string(), "kill-server"])
            .status();
    }
}

#[tokio::test]
async fn real_adb_server_answers_version_devices_and_refused_connect() {
    let adb = RealAdb::start();
    let client = AdbClient::new(format!("127.0.0.1:{}", adb.port));
    assert_eq!(client.version().await.unwrap(), 41);
    // No device is attached here; the list parses (and is empty or lists emulators).
    let devices = client.devices().await.unwrap();
    assert!(devices.iter().all(|d| !d.serial.is_empty()), "{devices:?}");
    // Nothing listens on port 1: the server answers OKAY with a failure message.
    let err = client
        .connect_device("127.0.0.1:1", Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AdbError::Refused { message, .. } if message.contains("failed to connect")),
        "{err}"
    );
    // A device the server does not know.
    let remote = AdbRemote::new(
        &format!("127.0.0.1:{}", adb.port),
        "vpt-no-such-serial",
        Duration::from_secs(5),
    );
    let err = remote.press("OK", Duration::ZERO).await.unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}

#[tokio::test]
async fn no_adb_server_says_how_to_start_one() {
    let client = AdbClient::new(format!("127.0.0.1:{}", free_port()));
    let err = client.version().await.unwrap_err().to_string();
    assert!(err.contains("adb start-server"), "{err}");
}

#[tokio::test]
async fn keys_text_and_taps_go_through_one_persistent_shell() {
    let fake = FakeAdb::start("emulator-5554").await;
    let remote = AdbRemote::new(&fake.addr.to_string(), &fake.serial, Duration::from_secs(5));
    remote.press("UP", Duration::ZERO).await.unwrap();
    remote.press("OK", Duration::ZERO).await.unwrap();
    remote
        .press("HOME", Duration::from_millis(600))
        .await
        .unwrap();
    remote.text("it's 42").await.unwrap();
    remote.tap(540, 960).await.unwrap();
    remote.swipe((100, 1500), (100, 500), 250).await.unwrap();
    assert_eq!(
        fake.commands(),
        vec![
            "input keyevent 19",
            "input keyevent 23",
            "input keyevent --longpress 3",
            "input text 'it'\\''s%s42'",
            "input tap 540 960",
            "input swipe 100 1500 100 500 250",
        ]
    );
    match remote.press("JUMP", Duration::ZERO).await {
        Err(vpt::host::remote::RemoteError::UnknownKey { valid, .. }) => {
            assert_eq!(valid, remote.keys());
            assert!(valid.contains(&"PLAY_PAUSE".to_string()));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn apps_elements_and_waits() {
    let fake = FakeAdb::start("192.168.1.50:5555").await;
    let remote = AdbRemote::new(&fake.addr.to_string(), &fake.serial, Duration::from_secs(5));
    assert_eq!(
        remote.packages().await.unwrap(),
        vec!["android", "com.android.settings", "com.netflix.ninja"]
    );
    remote.launch_package("com.netflix.ninja").await.unwrap();
    let err = remote
        .launch_package("com.example.missing")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("No activities"), "{err}");
    remote.close_package("com.netflix.ninja").await.unwrap();

    let elements = remote.elements().await.unwrap();
    assert!(elements.iter().any(|e| e.text == "Battery"));
    let battery = ElementQuery {
        text: Some("battery|akku".into()),
        ..Default::default()
    };
    let found = remote
        .wait_element(&battery, true, Duration::ZERO, Duration::from_millis(100))
        .await
        .unwrap();
    assert!(found.ok && found.polls == 1 && found.matches.len() == 1);
    // Pressing HOME leaves Settings: the element disappears.
    remote.press("HOME", Duration::ZERO).await.unwrap();
    let gone = remote
        .wait_element(
            &battery,
            false,
            Duration::from_secs(2),
            Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert!(gone.ok, "disappeared");
    let never = remote
        .wait_element(
            &battery,
            true,
            Duration::from_millis(300),
            Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert!(!never.ok && never.polls >= 2, "{}", never.polls);
}

fn adb_host_config(server: &str) -> String {
    format!(
        "[host]\nname = \"rack\"\nserver_url = \"http://127.0.0.1:1\"\ntoken = \"0123456789abcdef0123\"\n\n[[host.devices]]\nid = \"phone\"\n\
         capture = {{ kind = \"images\", dir = \"/nonexistent\" }}\n\
         remote = {{ kind = \"adb\", serial = \"emulator-5554\", adb_server = \"{server}\" }}\n"
    )
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let response = common::authorize(client().post(url), url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn host_routes_drive_an_adb_device() {
    let fake = FakeAdb::start("emulator-5554").await;
    let mut host =
        Vpt::start(Options::new("host").config(&adb_host_config(&fake.addr.to_string())));
    let base = format!("{}/host/devices/phone", host.host_url());
    let info = get_json(&base).await;
    let caps: Vec<&str> = info["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for cap in ["remote", "text", "adb", "apps", "elements", "tap"] {
        assert!(caps.contains(&cap), "{cap} in {caps:?}");
    }
    assert_eq!(info["remote"]["kind"], "adb");

    let (status, body) = post(&format!("{base}/remote/press"), json!({"key": "back"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&format!("{base}/remote/press"), json!({"key": "JUMP"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "unknown_key");
    assert!(body["valid_keys"].as_array().unwrap().len() > 30);

    let dump = get_json(&format!("{base}/adb/elements")).await;
    assert!(dump["count"].as_u64().unwrap() > 10, "{dump}");
    assert!(dump["elements"][0]["bounds"]["width"].as_i64().unwrap() > 0);
    let (status, body) = post(
        &format!("{base}/adb/elements/wait"),
        json!({"text": "Network & internet", "timeout_ms": 1000}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], true, "{body}");
    assert!(body["matches"][0]["bounds"]["x"].is_number());
    let (status, body) = post(
        &format!("{base}/adb/elements/wait"),
        json!({"text": "Bluetooth", "state": "appear", "timeout_ms": 0}),
    )
    .await;
    assert_eq!((status, &body["ok"]), (200, &json!(false)), "{body}");
    let (status, body) = post(
        &format!("{base}/adb/elements/wait"),
        json!({"timeout_ms": 10}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, body) = post(
        &format!("{base}/adb/elements/wait"),
        json!({"text": "x", "colour": "red"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body")),
        "unknown field refused: {body}"
    );

    let apps = get_json(&format!("{base}/adb/apps")).await;
    assert_eq!(apps["packages"][1], "com.android.settings");
    let generic = get_json(&format!("{base}/remote/apps")).await;
    assert_eq!(generic["apps"][2]["id"], "com.netflix.ninja");
    let (status, _) = post(
        &format!("{base}/adb/launch"),
        json!({"package": "com.netflix.ninja"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &format!("{base}/adb/launch"),
        json!({"package": "x; reboot"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_package"))
    );
    let (status, body) = post(
        &format!("{base}/adb/launch"),
        json!({"package": "com.example.gone"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("remote_failed")),
        "{body}"
    );
    let (status, _) = post(
        &format!("{base}/adb/close"),
        json!({"package": "com.netflix.ninja"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(&format!("{base}/adb/tap"), json!({"x": 10, "y": 20})).await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &format!("{base}/adb/swipe"),
        json!({"from": [1, 2], "to": [3, 4], "duration_ms": 100}),
    )
    .await;
    assert_eq!(status, 200);
    let commands = fake.commands();
    assert!(
        commands.contains(&"input keyevent 4".to_string()),
        "{commands:?}"
    );
    assert!(commands.contains(&"input tap 10 20".to_string()));
    assert!(commands.contains(&"input swipe 1 2 3 4 100".to_string()));

    // Element verifications go through the same verify API as image and text ones, so trees
    // and tests can use them.
    let (status, body) = post(
        &format!("{base}/verify"),
        json!({"verifications": [
            {"kind": "element", "text": "battery|akku"},
            {"kind": "element", "resource_id": "title", "text": "Bluetooth", "mode": "absent"}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["passed"], true, "{body}");
    assert_eq!(body["results"][0]["kind"], "element");
    assert_eq!(body["results"][0]["text"], "Battery");
    assert_eq!(
        body["results"][0]["region"],
        json!({"x": 189, "y": 1257, "width": 411, "height": 58})
    );
    let (status, body) = post(
        &format!("{base}/verify"),
        json!({"verifications": [{"kind": "element", "content_desc": "No such thing"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["passed"], false);
    assert_eq!(body["results"][0]["detail"], "not found within 0 ms");
    let (status, body) = post(
        &format!("{base}/verify"),
        json!({"verifications": [{"kind": "element"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    host.stop();
}

#[tokio::test]
async fn dead_adb_server_is_a_502_naming_the_fix() {
    let dead = format!("127.0.0.1:{}", free_port());
    let mut host = Vpt::start(Options::new("host").config(&adb_host_config(&dead)));
    let base = format!("{}/host/devices/phone", host.host_url());
    let (status, body) = post(&format!("{base}/remote/press"), json!({"key": "OK"})).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "remote_failed");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("adb start-server"),
        "{body}"
    );
    host.stop();
}
