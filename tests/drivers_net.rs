//! Network drivers against local fakes that speak the devices' documented APIs: Roku ECP,
//! Shelly Gen1 and Gen2 RPC, Tasmota, plain HTTP switches, Kasa (TCP 9999, XOR autokey) and
//! Tapo (KLAP handshake and encrypted requests).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vpt::host::power::Power;
use vpt::host::power::http::HttpPower;
use vpt::host::power::kasa::{self, KasaPower};
use vpt::host::power::shelly::ShellyPower;
use vpt::host::power::tapo::TapoPower;
use vpt::host::power::tapo::klap;
use vpt::host::power::tasmota::TasmotaPower;
use vpt::host::remote::roku::RokuRemote;
use vpt::host::remote::{Remote, RemoteError};
use vpt::protocol::PowerState;

type Log = Arc<Mutex<Vec<String>>>;

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[tokio::test]
async fn roku_ecp_keys_text_hold_apps_and_launch() {
    let log: Log = Arc::default();
    let record = |log: Log| {
        move |Path((verb, key)): Path<(String, String)>| async move {
            log.lock().unwrap().push(format!("{verb} {key}"));
            StatusCode::OK
        }
    };
    let router = Router::new()
        .route("/{verb}/{key}", post(record(log.clone())))
        .route(
            "/query/apps",
            get(|| async {
                r#"<?xml version="1.0" encoding="UTF-8" ?>
<apps><app id="12" type="appl" version="5.2.98">Netflix</app><app id="837" type="appl" version="2.21">YouTube</app></apps>"#
            }),
        );
    let addr = serve(router).await;
    let roku = RokuRemote::new(&addr.to_string(), Duration::from_secs(2)).unwrap();
    roku.press("OK", Duration::ZERO).await.unwrap();
    roku.press("RIGHT", Duration::from_millis(50))
        .await
        .unwrap();
    roku.text("a b").await.unwrap();
    roku.launch("837").await.unwrap();
    assert_eq!(
        entries(&log),
        vec![
            "keypress Select",
            "keydown Right",
            "keyup Right",
            "keypress Lit_a",
            "keypress Lit_ ",
            "keypress Lit_b",
            "launch 837"
        ]
    );
    let apps = roku.apps().await.unwrap();
    assert_eq!(apps[1].id, "837");
    assert_eq!(apps[1].name.as_deref(), Some("YouTube"));
    assert!(matches!(
        roku.press("RECORD", Duration::ZERO).await,
        Err(RemoteError::UnknownKey { .. })
    ));
    assert!(roku.launch("../x").await.is_err());
    // Nothing listens: a failure naming the device, not a panic.
    let gone = RokuRemote::new("127.0.0.1:1", Duration::from_secs(1)).unwrap();
    let err = gone.press("OK", Duration::ZERO).await.unwrap_err();
    assert!(
        err.to_string().contains("Roku at http://127.0.0.1:1"),
        "{err}"
    );
}

#[derive(Clone, Default)]
struct Relay {
    on: Arc<Mutex<bool>>,
}

#[tokio::test]
async fn shelly_gen1_and_gen2_are_detected_and_switched() {
    let gen1 = Relay::default();
    let router = Router::new()
        .route(
            "/shelly",
            get(|| async { axum::Json(json!({"type": "SHSW-1", "fw": "20230913"})) }),
        )
        .route(
            "/relay/{n}",
            get(
                |State(relay): State<Relay>,
                 Path(n): Path<u32>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    assert_eq!(n, 0);
                    let mut on = relay.on.lock().unwrap();
                    if let Some(turn) = q.get("turn") {
                        *on = turn == "on";
                    }
                    axum::Json(json!({"ison": *on, "has_timer": false}))
                },
            ),
        )
        .with_state(gen1.clone());
    let addr = serve(router).await;
    let shelly = ShellyPower::new(&addr.to_string(), 0, None).unwrap();
    shelly.set(true).await.unwrap();
    assert!(*gen1.on.lock().unwrap());
    assert_eq!(shelly.state().await.unwrap(), PowerState::On);
    shelly.set(false).await.unwrap();
    assert_eq!(shelly.state().await.unwrap(), PowerState::Off);

    let gen2 = Relay::default();
    let router = Router::new()
        .route("/shelly", get(|| async { axum::Json(json!({"id": "shellyplusplugs-1", "gen": 2})) }))
        .route(
            "/rpc/Switch.Set",
            get(|State(relay): State<Relay>, Query(q): Query<std::collections::HashMap<String, String>>| async move {
                assert_eq!(q.get("id").map(String::as_str), Some("1"));
                let mut on = relay.on.lock().unwrap();
                let was_on = *on;
                *on = q.get("on").map(String::as_str) == Some("true");
                axum::Json(json!({"was_on": was_on}))
            }),
        )
        .route(
            "/rpc/Switch.GetStatus",
            get(|State(relay): State<Relay>| async move {
                axum::Json(json!({"id": 1, "source": "HTTP_in", "output": *relay.on.lock().unwrap(), "apower": 3.1}))
            }),
        )
        .with_state(gen2.clone());
    let addr = serve(router).await;
    let shelly = ShellyPower::new(&addr.to_string(), 1, None).unwrap();
    shelly.set(true).await.unwrap();
    assert_eq!(shelly.state().await.unwrap(), PowerState::On);
    shelly.set(false).await.unwrap();
    assert!(!*gen2.on.lock().unwrap());
}

#[tokio::test]
async fn tasmota_power_commands() {
    let relay = Relay::default();
    let router = Router::new()
        .route(
            "/cm",
            get(
                |State(relay): State<Relay>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    let command = q.get("cmnd").cloned().unwrap_or_default();
                    let mut on = relay.on.lock().unwrap();
                    match command.as_str() {
                        "Power On" => *on = true,
                        "Power Off" => *on = false,
                        "Power" => {}
                        _ => return axum::Json(json!({"Command": "Unknown"})),
                    }
                    axum::Json(json!({"POWER": if *on { "ON" } else { "OFF" }}))
                },
            ),
        )
        .with_state(relay.clone());
    let addr = serve(router).await;
    let tasmota = TasmotaPower::new(&addr.to_string(), None).unwrap();
    tasmota.set(true).await.unwrap();
    assert_eq!(tasmota.state().await.unwrap(), PowerState::On);
    tasmota.set(false).await.unwrap();
    assert_eq!(tasmota.state().await.unwrap(), PowerState::Off);
    // A relay number the device does not have is an error, not a guess.
    let second = TasmotaPower::new(&addr.to_string(), Some(2)).unwrap();
    assert!(second.state().await.is_err());
}

#[tokio::test]
async fn http_switch_on_off_and_status() {
    let relay = Relay::default();
    let router = Router::new()
        .route(
            "/on",
            post(|State(r): State<Relay>| async move {
                *r.on.lock().unwrap() = true;
                "ok"
            }),
        )
        .route(
            "/off",
            post(|State(r): State<Relay>| async move {
                *r.on.lock().unwrap() = false;
                "ok"
            }),
        )
        .route(
            "/status",
            get(|State(r): State<Relay>| async move {
                axum::Json(json!({"state": if *r.on.lock().unwrap() { "on" } else { "off" }}))
            }),
        )
        .route(
            "/broken",
            post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .with_state(relay.clone());
    let addr = serve(router).await;
    let base = format!("http://{addr}");
    let http = HttpPower::new(
        &format!("{base}/on"),
        &format!("{base}/off"),
        Some(&format!("{base}/status")),
        "POST",
    )
    .unwrap();
    http.set(true).await.unwrap();
    assert_eq!(http.state().await.unwrap(), PowerState::On);
    http.set(false).await.unwrap();
    assert_eq!(http.state().await.unwrap(), PowerState::Off);
    let broken = HttpPower::new(
        &format!("{base}/broken"),
        &format!("{base}/off"),
        None,
        "POST",
    )
    .unwrap();
    let err = broken.set(true).await.unwrap_err().to_string();
    assert!(err.contains("500"), "{err}");
    assert_eq!(broken.state().await.unwrap(), PowerState::Unknown);
}

/// A Kasa plug: length-prefixed autokey-XOR JSON on TCP.
async fn fake_kasa() -> (SocketAddr, Arc<Mutex<bool>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let on = Arc::new(Mutex::new(false));
    let state = on.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let state = state.clone();
            tokio::spawn(async move {
                let mut len = [0u8; 4];
                stream.read_exact(&mut len).await.unwrap();
                let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
                stream.read_exact(&mut body).await.unwrap();
                let request: Value = serde_json::from_slice(&kasa::decrypt(&body)).unwrap();
                let reply = if let Some(set) = request["system"].get("set_relay_state") {
                    *state.lock().unwrap() = set["state"] == 1;
                    json!({"system": {"set_relay_state": {"err_code": 0}}})
                } else {
                    let relay = i32::from(*state.lock().unwrap());
                    json!({"system": {"get_sysinfo": {"alias": "TV", "relay_state": relay, "err_code": 0}}})
                };
                stream
                    .write_all(&kasa::encrypt(reply.to_string().as_bytes()))
                    .await
                    .unwrap();
            });
        }
    });
    (addr, on)
}

#[tokio::test]
async fn kasa_plug_switches_over_its_tcp_protocol() {
    let (addr, on) = fake_kasa().await;
    let plug = KasaPower::new(&addr.to_string());
    plug.set(true).await.unwrap();
    assert!(*on.lock().unwrap());
    assert_eq!(plug.state().await.unwrap(), PowerState::On);
    plug.set(false).await.unwrap();
    assert_eq!(plug.state().await.unwrap(), PowerState::Off);
    let err = KasaPower::new("127.0.0.1:1")
        .set(true)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Kasa plug at 127.0.0.1:1"), "{err}");
}

/// A Tapo plug speaking KLAP: checks the client's proof and signature, and forgets its session
/// on demand to exercise the client's re-handshake.
/// Local seed, remote seed, and whether handshake2 confirmed them.
type TapoSession = Option<([u8; 16], [u8; 16], bool)>;

#[derive(Clone)]
struct Tapo {
    auth: [u8; 32],
    session: Arc<Mutex<TapoSession>>,
    on: Arc<Mutex<bool>>,
    handshakes: Arc<Mutex<u32>>,
}

async fn tapo_handshake1(State(tapo): State<Tapo>, body: Bytes) -> impl IntoResponse {
    let local: [u8; 16] = body[..].try_into().unwrap();
    let remote = [7u8; 16];
    *tapo.session.lock().unwrap() = Some((local, remote, false));
    *tapo.handshakes.lock().unwrap() += 1;
    let mut out = remote.to_vec();
    out.extend_from_slice(&klap::server_proof(&local, &remote, &tapo.auth));
    ([("set-cookie", "TP_SESSIONID=ABCDEF;TIMEOUT=86400")], out)
}

async fn tapo_handshake2(State(tapo): State<Tapo>, headers: HeaderMap, body: Bytes) -> StatusCode {
    assert!(
        headers["cookie"]
            .to_str()
            .unwrap()
            .contains("TP_SESSIONID=ABCDEF")
    );
    let mut session = tapo.session.lock().unwrap();
    let Some((local, remote, confirmed)) = session.as_mut() else {
        return StatusCode::FORBIDDEN;
    };
    if body[..] != klap::client_proof(local, remote, &tapo.auth) {
        return StatusCode::FORBIDDEN;
    }
    *confirmed = true;
    StatusCode::OK
}

async fn tapo_request(
    State(tapo): State<Tapo>,
    Query(q): Query<std::collections::HashMap<String, i32>>,
    body: Bytes,
) -> Result<Vec<u8>, StatusCode> {
    let Some((local, remote, true)) = *tapo.session.lock().unwrap() else {
        return Err(StatusCode::FORBIDDEN);
    };
    let cipher = klap::Cipher::new(&local, &remote, &tapo.auth);
    let seq = q["seq"];
    let plain = cipher
        .open(seq, &body)
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let request: Value = serde_json::from_slice(&plain).unwrap();
    let reply = match request["method"].as_str() {
        Some("set_device_info") => {
            *tapo.on.lock().unwrap() = request["params"]["device_on"] == true;
            json!({"error_code": 0})
        }
        Some("get_device_info") => {
            json!({"error_code": 0, "result": {"device_on": *tapo.on.lock().unwrap(), "model": "P110"}})
        }
        _ => json!({"error_code": -1}),
    };
    Ok(cipher.seal(seq, reply.to_string().as_bytes()))
}

#[tokio::test]
async fn tapo_klap_handshake_requests_and_session_renewal() {
    let tapo = Tapo {
        auth: klap::auth_hash("owner@example.com", "hunter22"),
        session: Arc::default(),
        on: Arc::default(),
        handshakes: Arc::default(),
    };
    let router = Router::new()
        .route("/app/handshake1", post(tapo_handshake1))
        .route("/app/handshake2", post(tapo_handshake2))
        .route("/app/request", post(tapo_request))
        .with_state(tapo.clone());
    let addr = serve(router).await;
    let plug = TapoPower::new(&addr.to_string(), "owner@example.com", "hunter22").unwrap();
    plug.set(true).await.unwrap();
    assert!(*tapo.on.lock().unwrap());
    assert_eq!(plug.state().await.unwrap(), PowerState::On);
    assert_eq!(
        *tapo.handshakes.lock().unwrap(),
        1,
        "one session for both requests"
    );
    // The plug restarts and forgets the session: the client handshakes again by itself.
    *tapo.session.lock().unwrap() = None;
    plug.set(false).await.unwrap();
    assert_eq!(plug.state().await.unwrap(), PowerState::Off);
    assert_eq!(*tapo.handshakes.lock().unwrap(), 2);

    let wrong = TapoPower::new(&addr.to_string(), "owner@example.com", "wrong").unwrap();
    let err = wrong.set(true).await.unwrap_err().to_string();
    assert!(err.contains("credentials"), "{err}");
}
