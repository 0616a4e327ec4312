//! Figures of the foundation (see docs/benchmarks.md): release binary size, `vpt all` cold
//! start to a healthy API, idle memory, and one server carrying 200 hosts that each hold a real
//! link (WebSocket + hello + HTTP/2 serving a heartbeat stream) from this one process.
//!
//! Run: `cargo bench --bench fleet`

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use futures_util::SinkExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use support::{Proc, machine, mib, percentile, wait_file};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};
use vpt::host::key::HostKey;
use vpt::link::WsByteStream;
use vpt::protocol::{Challenge, HEARTBEAT_PATH, Heartbeat, Hello, HostStats, PROTOCOL_VERSION};

const HOSTS: usize = 200;
const HEARTBEAT_MS: u64 = 1000;

fn main() {
    // reqwest has rustls without a built-in crypto provider: give it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let size = std::fs::metadata(support::bin()).map_or(0, |m| m.len());
    println!("release binary size: {:.1} MiB", mib(size));
    cold_start();
    idle_memory();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(fleet());
}

/// Minimal blocking GET; returns the status code.
fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn cold_start() {
    let mut samples = Vec::new();
    for _ in 0..20 {
        let dir = tempfile::tempdir().expect("temp dir");
        let started = Instant::now();
        let vpt = Proc::start("all", dir.path(), &[]);
        let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(10));
        let addr = url.trim_start_matches("http://").to_string();
        while http_status(&addr, "/api/health") != Some(200) {
            std::thread::sleep(Duration::from_micros(200));
        }
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        drop(vpt);
    }
    println!(
        "vpt all cold start to /api/health 200 (fresh data dir, 20 runs): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        percentile(&samples, 100.0)
    );
}

fn idle_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vpt = Proc::start("all", dir.path(), &[]);
    wait_file(&dir.path().join("server.url"), Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(5));
    let rss = vpt.rss_bytes();
    let cpu = vpt.cpu_share(Duration::from_secs(10));
    println!(
        "vpt all idle (two sim devices, no viewer, after 5 s): RSS {:.1} MiB, CPU {:.2}% of one core over 10 s",
        mib(rss),
        cpu * 100.0
    );
}

/// One fake host: the real link protocol, a heartbeat stream, nothing else.
async fn fake_host(server: String, token: String, key: Arc<HostKey>, index: usize) {
    let mut request = format!("{}/api/hosts/connect", server.replace("http://", "ws://"))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("link");
    use futures_util::StreamExt;
    let challenge = socket.next().await.expect("challenge").expect("challenge");
    let challenge: Challenge =
        serde_json::from_str(challenge.to_text().unwrap_or("")).expect("a challenge");
    let name = format!("load-{index:03}");
    let hello = Hello {
        key: Some(key.prove(&challenge.nonce, &name)),
        name,
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        heartbeat_interval_ms: HEARTBEAT_MS,
        uptime_secs: 0,
        devices: Vec::new(),
    };
    let text = serde_json::to_string(&hello).expect("hello");
    socket
        .send(Message::Text(text.into()))
        .await
        .expect("hello sent");
    let reply = socket.next().await.expect("reply").expect("reply");
    assert!(
        reply.to_text().unwrap_or("").contains("welcome"),
        "{reply:?}"
    );
    let router = Router::new().route(
        HEARTBEAT_PATH,
        get(|| async {
            let ticks = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS));
            let stream = futures_util::stream::unfold(ticks, |mut ticks| async move {
                ticks.tick().await;
                let beat = Heartbeat {
                    uptime_secs: 1,
                    stats: HostStats {
                        cpu_percent: 3.0,
                        mem_used_bytes: 1 << 30,
                        mem_total_bytes: 4 << 30,
                        ..Default::default()
                    },
                    devices: Vec::new(),
                };
                let mut line = serde_json::to_string(&beat).unwrap_or_default();
                line.push('\n');
                Some((Ok::<_, std::convert::Infallible>(line), ticks))
            });
            Body::from_stream(stream)
        }),
    );
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .serve_connection(
            TokioIo::new(WsByteStream::new(socket)),
            TowerToHyperService::new(router),
        )
        .await;
}

async fn fleet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Proc::start("server", dir.path(), &[]);
    let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(10));
    let token = wait_file(&dir.path().join("host-token"), Duration::from_secs(10));
    let before = server.rss_bytes();
    // One key for every fake host: keys are approved per host name.
    let key = Arc::new(HostKey::load_or_create(dir.path()).expect("host key"));
    for index in 0..HOSTS {
        tokio::spawn(fake_host(url.clone(), token.clone(), key.clone(), index));
    }
    let client = reqwest::Client::new();
    let joined = Instant::now();
    loop {
        let status: serde_json::Value = client
            .get(format!("{url}/api/system/status"))
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if status["hosts_online"].as_u64() == Some(HOSTS as u64) {
            break;
        }
        assert!(
            joined.elapsed() < Duration::from_secs(60),
            "hosts did not join: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "{HOSTS} hosts joined in {:.0} ms (heartbeat every {HEARTBEAT_MS} ms)",
        joined.elapsed().as_secs_f64() * 1000.0
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid_cpu_before = server.cpu_time();
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let cpu = (server.cpu_time() - pid_cpu_before).as_secs_f64() / window.elapsed().as_secs_f64();
    println!(
        "server with {HOSTS} heartbeating hosts: CPU {:.1}% of one core, RSS {:.1} MiB (idle, no hosts: {:.1} MiB)",
        cpu * 100.0,
        mib(server.rss_bytes()),
        mib(before)
    );
    let mut latencies = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        let body = client
            .get(format!("{url}/api/hosts"))
            .send()
            .await
            .expect("hosts")
            .bytes()
            .await
            .expect("body");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(body.len() > 1000);
    }
    println!(
        "GET /api/hosts with {HOSTS} hosts (500 sequential requests): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
}
