//! The host link, end to end with real processes: join, heartbeats, offline detection,
//! reconnection, refusals, and the host API reached through the server.

mod common;

use std::time::{Duration, Instant};

use common::{Options, Vpt, eventually, get_json, host_entry, sim_host_config, wait_host_status};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

const BEAT_MS: u64 = 200;

fn start_server() -> (Vpt, String) {
    let mut server = Vpt::start(Options::new("server"));
    let url = server.server_url();
    (server, url)
}

fn start_host(name: &str, server_url: &str, token: &str, devices: usize) -> Vpt {
    let mut host = Vpt::start(
        Options::new("host")
            .config(&sim_host_config(name, devices))
            .env("VPT_HOST__SERVER_URL", server_url)
            .env("VPT_HOST__TOKEN", token)
            .env("VPT_HOST__HEARTBEAT_INTERVAL_MS", BEAT_MS)
            .env("VPT_HOST__RECONNECT_MAX_MS", 500),
    );
    host.host_url();
    host
}

#[tokio::test]
async fn host_joins_and_reports_stats_and_devices() {
    let (server, url) = start_server();
    let _host = start_host("rack-a", &url, &server.host_token(), 2);
    let host = wait_host_status(&url, "rack-a", "online", Duration::from_secs(10)).await;
    assert_eq!(host["version"], env!("CARGO_PKG_VERSION"));
    // A heartbeat has arrived once stats are there.
    let host = eventually(Duration::from_secs(5), "heartbeat stats", || async {
        host_entry(&url, "rack-a")
            .await
            .filter(|h| h["stats"]["mem_total_bytes"].as_u64().unwrap_or(0) > 0)
    })
    .await;
    let devices = host["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0]["id"], "sim1");
    assert_eq!(devices[0]["host"], "rack-a");
    assert!(host["stats"]["disk_total_bytes"].as_u64().unwrap() > 0);
    let status = get_json(&format!("{url}/api/system/status")).await;
    assert_eq!(status["hosts_online"], 1);
    assert_eq!(status["devices"], 2);
    assert_eq!(status["db_ok"], true);
}

#[tokio::test]
async fn silent_host_goes_offline_after_three_missed_heartbeats_and_comes_back() {
    let (server, url) = start_server();
    let host = start_host("rack-b", &url, &server.host_token(), 1);
    wait_host_status(&url, "rack-b", "online", Duration::from_secs(10)).await;
    // A stopped process keeps its TCP connection open: only missed heartbeats can tell.
    host.signal("STOP");
    let stopped = Instant::now();
    wait_host_status(&url, "rack-b", "offline", Duration::from_secs(5)).await;
    let took = stopped.elapsed();
    assert!(
        took >= Duration::from_millis(2 * BEAT_MS)
            && took < Duration::from_millis(3 * BEAT_MS + 1500),
        "offline after {took:?}"
    );
    host.signal("CONT");
    wait_host_status(&url, "rack-b", "online", Duration::from_secs(10)).await;
}

#[tokio::test]
async fn stopped_host_shows_offline_at_once_and_server_restart_keeps_it() {
    let (mut server, url) = start_server();
    let mut host = start_host("rack-c", &url, &server.host_token(), 1);
    wait_host_status(&url, "rack-c", "online", Duration::from_secs(10)).await;
    assert!(host.stop().success(), "host exits cleanly on SIGTERM");
    wait_host_status(&url, "rack-c", "offline", Duration::from_secs(3)).await;
    assert!(server.stop().success(), "server exits cleanly on SIGTERM");

    // A new server on the same data dir still knows the host.
    let mut restarted = Vpt::start(Options::new("server").data_dir(&server.data_dir.clone()));
    let url = restarted.server_url();
    let entry = host_entry(&url, "rack-c").await.expect("host persisted");
    assert_eq!(entry["status"], "offline");
    assert_eq!(entry["devices"][0]["id"], "sim1");
    assert_eq!(entry["devices"][0]["status"], "offline");
}

#[tokio::test]
async fn host_reconnects_by_itself_when_the_server_returns() {
    let (mut server, url) = start_server();
    let port = url.rsplit(':').next().unwrap().to_string();
    let data_dir = server.data_dir.clone();
    let mut host = start_host("rack-d", &url, &server.host_token(), 1);
    let host_url = host.host_url();
    wait_host_status(&url, "rack-d", "online", Duration::from_secs(10)).await;
    server.stop();
    // The host keeps running and says it lost the link.
    eventually(
        Duration::from_secs(5),
        "host notices the server is gone",
        || async {
            let health = get_json(&format!("{host_url}/host/health")).await;
            (health["services"]["link"]["state"] != "connected").then_some(())
        },
    )
    .await;
    let mut back = Vpt::start(
        Options::new("server")
            .data_dir(&data_dir)
            .env("VPT_SERVER__BIND", format!("127.0.0.1:{port}")),
    );
    let url = back.server_url();
    wait_host_status(&url, "rack-d", "online", Duration::from_secs(10)).await;
    let health = get_json(&format!("{host_url}/host/health")).await;
    assert_eq!(health["services"]["link"]["state"], "connected");
}

#[tokio::test]
async fn wrong_token_is_refused_with_a_clear_reason() {
    let (_server, url) = start_server();
    let mut host = start_host("rack-e", &url, "not-the-token-at-all", 1);
    let host_url = host.host_url();
    let health = eventually(Duration::from_secs(5), "refusal", || async {
        let health = get_json(&format!("{host_url}/host/health")).await;
        (health["services"]["link"]["state"] == "refused").then_some(health)
    })
    .await;
    let detail = health["services"]["link"]["detail"].as_str().unwrap();
    assert!(detail.contains("token"), "{detail}");
    assert!(
        host_entry(&url, "rack-e").await.is_none(),
        "nothing recorded"
    );
    assert!(host.log().contains("token"), "the host logs why");
}

#[tokio::test]
async fn duplicate_host_name_is_refused() {
    let (server, url) = start_server();
    let _first = start_host("twin", &url, &server.host_token(), 1);
    wait_host_status(&url, "twin", "online", Duration::from_secs(10)).await;
    let mut second = start_host("twin", &url, &server.host_token(), 1);
    let second_url = second.host_url();
    let health = eventually(Duration::from_secs(5), "refusal", || async {
        let health = get_json(&format!("{second_url}/host/health")).await;
        (health["services"]["link"]["state"] == "refused").then_some(health)
    })
    .await;
    assert!(
        health["services"]["link"]["detail"]
            .as_str()
            .unwrap()
            .contains("already connected")
    );
}

async fn dial(
    url: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("{}/api/hosts/connect", url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade")
        .0
}

#[tokio::test]
async fn wrong_protocol_version_is_refused() {
    let (server, url) = start_server();
    let mut socket = dial(&url, &server.host_token()).await;
    // The server speaks first: the challenge a host signs (a future host would read it too).
    let challenge = socket.next().await.unwrap().unwrap();
    assert!(challenge.to_text().unwrap().contains("\"challenge\""));
    let hello = serde_json::json!({
        "name": "future-host", "version": "9.0.0", "protocol_version": 999,
        "heartbeat_interval_ms": 1000, "devices": []
    });
    socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    let reply: serde_json::Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    assert_eq!(reply["type"], "refused");
    assert_eq!(reply["code"], "protocol_version");
    assert!(reply["reason"].as_str().unwrap().contains("999"));
    assert!(host_entry(&url, "future-host").await.is_none());
}

#[tokio::test]
async fn token_is_checked_before_the_upgrade() {
    let (_server, url) = start_server();
    let mut request = format!("{}/api/hosts/connect", url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", HeaderValue::from_static("Bearer wrong"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn events_reach_a_websocket_client() {
    let (server, url) = start_server();
    let (mut events, _) =
        tokio_tungstenite::connect_async(format!("{}/api/events", url.replace("http://", "ws://")))
            .await
            .expect("events socket");
    let first: serde_json::Value =
        serde_json::from_str(events.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(first["type"], "hello");
    let _host = start_host("rack-f", &url, &server.host_token(), 1);
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(seen.contains(&"host.online".to_string())
        && seen.contains(&"host.heartbeat".to_string()))
    {
        let message = tokio::time::timeout_at(deadline, events.next())
            .await
            .expect("events arrive")
            .unwrap()
            .unwrap();
        let event: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        if event["data"]["id"] == "rack-f" {
            seen.push(event["type"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen[0], "host.online", "joined before heartbeats: {seen:?}");
}
