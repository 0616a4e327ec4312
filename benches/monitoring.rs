//! Figures of monitoring (see docs/benchmarks.md): CPU of one monitored 720p device analysed at
//! 5 fps, detection latency from a fault to the incident event, and 16 monitored sims on one
//! host (do capture and analysis keep up?).
//!
//! Run: `cargo bench --bench monitoring`

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{Proc, machine, percentile, wait_file};

fn main() {
    // reqwest has rustls without a built-in crypto provider: give it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

/// `devices` sims capturing 720p at 25 fps, each monitored at `fps` with every condition on.
fn config(devices: usize, fps: f64, delay_ms: u64) -> String {
    let mut config = String::from("[host]\nname = \"bench\"\n");
    for i in 1..=devices {
        config.push_str(&format!(
            "\n[[host.devices]]\nid = \"sim{i}\"\ncapture = {{ kind = \"sim\", fps = 25, seed = {i} }}\n\
             remote = {{ kind = \"sim\" }}\npower = {{ kind = \"sim\" }}\n\
             monitor = {{ enabled = true, fps = {fps}, black = {{ delay_ms = {delay_ms}, clear_ms = 0 }}, \
             freeze = {{ enabled = true, delay_ms = 5000 }}, no_signal = {{ delay_ms = {delay_ms}, clear_ms = 0 }} }}\n"
        ));
    }
    config
}

struct Bench {
    proc: Proc,
    url: String,
    _dir: tempfile::TempDir,
}

async fn start(devices: usize, fps: f64, delay_ms: u64) -> Bench {
    let dir = tempfile::tempdir().expect("dir");
    let config_path = dir.path().join("vpt.toml");
    std::fs::write(&config_path, config(devices, fps, delay_ms)).expect("config");
    let proc = Proc::start(
        "all",
        dir.path(),
        &[
            ("VPT_CONFIG", config_path.display().to_string()),
            ("VPT_SERVER__DEMO_CONTENT", "false".into()),
        ],
    );
    let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(30));
    wait_file(&dir.path().join("host.url"), Duration::from_secs(30));
    let bench = Bench {
        proc,
        url,
        _dir: dir,
    };
    // Every device on live TV: a new picture each frame, the most work for the analysis.
    let client = reqwest::Client::new();
    for i in 1..=devices {
        let press = format!("{}/api/hosts/bench/devices/sim{i}/remote/press", bench.url);
        for _ in 0..100 {
            match client.post(&press).json(&json!({"key": "OK"})).send().await {
                Ok(r) if r.status().is_success() => break,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
    bench
}

/// CPU ticks of each thread of `pid`, by thread name.
fn thread_ticks(pid: u32) -> HashMap<String, u64> {
    let mut ticks = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return ticks;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let used: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        *ticks.entry(name.trim().to_string()).or_default() += used;
    }
    ticks
}

/// Share of one core used by threads whose name starts with `prefix`, per thread.
fn shares(
    before: &HashMap<String, u64>,
    after: &HashMap<String, u64>,
    seconds: f64,
    prefix: &str,
) -> Vec<f64> {
    let per_second = 100.0; // CLK_TCK on Linux
    after
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, ticks)| {
            let used = ticks - before.get(name).copied().unwrap_or(0);
            used as f64 / per_second / seconds * 100.0
        })
        .collect()
}

async fn device_figures(url: &str) -> Vec<Value> {
    reqwest::get(format!("{url}/api/devices"))
        .await
        .expect("devices")
        .json::<Vec<Value>>()
        .await
        .expect("json")
}

async fn monitor_status(url: &str, device: &str) -> Value {
    reqwest::get(format!("{url}/api/hosts/bench/devices/{device}/monitor"))
        .await
        .expect("monitor")
        .json::<Value>()
        .await
        .expect("json")["status"]
        .clone()
}

async fn load(devices: usize, window: Duration) {
    let bench = start(devices, 5.0, 2000).await;
    // Let start-up settle (first frames, live TV) before measuring.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut skipped_before = Vec::new();
    for i in 1..=devices {
        skipped_before.push(
            monitor_status(&bench.url, &format!("sim{i}")).await["skipped_total"]
                .as_u64()
                .unwrap_or(0),
        );
    }
    let dropped_before: u64 = device_figures(&bench.url)
        .await
        .iter()
        .map(|d| d["capture"]["frames_dropped"].as_u64().unwrap_or(0))
        .sum();
    let before = thread_ticks(bench.proc.pid());
    let process_before = bench.proc.cpu_time();
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let seconds = started.elapsed().as_secs_f64();
    let after = thread_ticks(bench.proc.pid());
    let process = (bench.proc.cpu_time() - process_before).as_secs_f64() / seconds * 100.0;
    let monitor = shares(&before, &after, seconds, "monitor-");
    let capture = shares(&before, &after, seconds, "capture-");
    let timeline = shares(&before, &after, seconds, "timeline-");
    let mut analysed = Vec::new();
    let mut skipped = 0;
    for i in 1..=devices {
        let status = monitor_status(&bench.url, &format!("sim{i}")).await;
        analysed.push(status["analysed_fps"].as_f64().unwrap_or(0.0));
        skipped += status["skipped_total"].as_u64().unwrap_or(0) - skipped_before[i - 1];
    }
    let figures = device_figures(&bench.url).await;
    let capture_fps: Vec<f64> = figures
        .iter()
        .map(|d| d["capture"]["fps_measured"].as_f64().unwrap_or(0.0))
        .collect();
    let dropped: u64 = figures
        .iter()
        .map(|d| d["capture"]["frames_dropped"].as_u64().unwrap_or(0))
        .sum::<u64>()
        - dropped_before;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "{devices} monitored sims (720p, 25 fps capture, live TV, analysed at 5 fps), {seconds:.0} s:\n  \
         process CPU {process:.1} % of one core\n  \
         monitor thread per device: mean {:.2} %, max {:.2} % of one core\n  \
         capture thread per device: mean {:.2} %   timeline thread per device: mean {:.2} %\n  \
         analysed fps per device: min {:.1}, mean {:.1}   ticks skipped (behind): {skipped}\n  \
         capture fps per device: min {:.1}, mean {:.1}   frames dropped: {dropped}",
        mean(&monitor),
        monitor.iter().cloned().fold(0.0, f64::max),
        mean(&capture),
        mean(&timeline),
        analysed.iter().cloned().fold(f64::MAX, f64::min),
        mean(&analysed),
        capture_fps.iter().cloned().fold(f64::MAX, f64::min),
        mean(&capture_fps),
    );
}

/// Waits on the event socket for `kind` about `device`; returns when it arrived.
async fn wait_event(
    socket: &mut (
             impl futures_util::Stream<
        Item = Result<
            tokio_tungstenite::tungstenite::Message,
            tokio_tungstenite::tungstenite::Error,
        >,
    > + Unpin
         ),
    kind: &str,
    device: &str,
) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline.into(), socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} within 10 s"))
            .expect("socket open")
            .expect("message");
        let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
            continue;
        };
        let event: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if event["type"] == kind && event["data"]["device"] == device {
            return Instant::now();
        }
    }
}

async fn latency(rounds: usize) {
    let bench = start(1, 5.0, 0).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ws = format!("{}/api/events", bench.url.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(ws).await.expect("events");
    let client = reqwest::Client::new();
    let faults = format!("{}/api/hosts/bench/devices/sim1/sim", bench.url);
    for (fault, name) in [("black", "black screen"), ("no_signal", "no signal")] {
        let mut opened = Vec::new();
        for _ in 0..rounds {
            // Anywhere within the 200 ms between two analyses, not in step with them.
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..200))).await;
            let injected = Instant::now();
            client
                .post(&faults)
                .json(&json!({"faults": {fault: true}}))
                .send()
                .await
                .expect("fault");
            let at = wait_event(&mut socket, "incident.opened", "sim1").await;
            opened.push((at - injected).as_secs_f64() * 1000.0);
            client
                .post(&faults)
                .json(&json!({"faults": {}}))
                .send()
                .await
                .expect("clear");
            wait_event(&mut socket, "incident.resolved", "sim1").await;
            // Live TV plays again before the next round.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        println!(
            "detection latency, {name} (delay 0, analysed at 5 fps), fault injected → incident.opened on /api/events, {rounds} rounds: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            percentile(&opened, 50.0),
            percentile(&opened, 95.0),
            percentile(&opened, 100.0),
        );
    }
    drop(bench);
}

async fn run() {
    latency(30).await;
    load(1, Duration::from_secs(20)).await;
    load(16, Duration::from_secs(30)).await;
}
