//! Scheduler/dispatch overhead of test runs (see docs/benchmarks.md): `vpt all` with 20
//! simulated set-top boxes, 200 runs of a one-step test case queued at once for "any device of
//! model stb". A run's overhead is the time from the moment it could have started — queued, and
//! a device free (the end of the previous run on the device it got) — to its first step
//! starting on the host: waking the dispatcher, choosing the device, taking its lock, resolving
//! the test case, the call through the host link, and the host starting the step. The time the
//! previous run needs to end on the host and be stored counts in too.
//!
//! Run: `cargo bench --bench runs`

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use support::{Proc, machine, percentile, wait_file};

const DEVICES: usize = 20;
const RUNS: usize = 200;

fn main() {
    // reqwest has rustls without a built-in crypto provider: give it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(dispatch());
}

fn config() -> String {
    let mut config = String::from("[host]\nname = \"bench\"\n");
    for i in 1..=DEVICES {
        // 5 fps keeps 20 sims' rendering from eating the two cores the dispatcher needs.
        config.push_str(&format!(
            "\n[[host.devices]]\nid = \"sim{i}\"\nname = \"Sim {i}\"\ncapture = {{ kind = \"sim\", fps = 5, seed = {i} }}\nremote = {{ kind = \"sim\" }}\npower = {{ kind = \"sim\" }}\n"
        ));
    }
    config
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("timestamp")
}

async fn dispatch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("vpt.toml");
    std::fs::write(&config_path, config()).expect("config");
    let _vpt = Proc::start(
        "all",
        dir.path(),
        &[
            ("VPT_CONFIG", config_path.display().to_string()),
            ("VPT_SERVER__DEMO_CONTENT", "false".into()),
        ],
    );
    let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(30));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let started = Instant::now();
    loop {
        let devices: Value = match client.get(format!("{url}/api/devices")).send().await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let ok = devices
            .as_array()
            .map_or(0, |d| d.iter().filter(|d| d["status"] == "ok").count());
        if ok == DEVICES {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "devices never came up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let testcase: Value = client
        .post(format!("{url}/api/testcases"))
        .json(&json!({"name": "one key", "steps": [{"action": "press", "keys": ["OK"]}]}))
        .send()
        .await
        .expect("test case")
        .json()
        .await
        .expect("json");
    let testcase = testcase["id"].as_i64().expect("id");
    let queueing = Instant::now();
    let mut ids = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let run: Value = client
            .post(format!("{url}/api/runs"))
            .json(&json!({"testcase_id": testcase, "target": {"model": "stb"}}))
            .send()
            .await
            .expect("queue")
            .json()
            .await
            .expect("json");
        ids.push(run["id"].as_i64().expect("run id"));
    }
    let queue_ms = queueing.elapsed().as_secs_f64() * 1000.0;
    let runs = loop {
        let page: Value = client
            .get(format!("{url}/api/runs?limit=500"))
            .send()
            .await
            .expect("runs")
            .json()
            .await
            .expect("json");
        let runs = page["runs"].as_array().cloned().unwrap_or_default();
        if runs
            .iter()
            .all(|r| r["status"] != "queued" && r["status"] != "running")
        {
            break runs;
        }
        assert!(
            queueing.elapsed() < Duration::from_secs(600),
            "runs never ended"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let all_ms = queueing.elapsed().as_secs_f64() * 1000.0;
    let passed = runs.iter().filter(|r| r["status"] == "passed").count();
    // Per device, in the order the device ran them.
    let mut by_device: HashMap<String, Vec<&Value>> = HashMap::new();
    for run in &runs {
        by_device
            .entry(run["device"].as_str().unwrap_or("").to_string())
            .or_default()
            .push(run);
    }
    let mut overhead = Vec::new();
    let (mut to_device, mut to_step) = (Vec::new(), Vec::new());
    for runs in by_device.values_mut() {
        runs.sort_by_key(|r| time(&r["started_at"]));
        let mut previous_end: Option<DateTime<Utc>> = None;
        for run in runs.iter() {
            let queued = time(&run["queued_at"]);
            let ready = previous_end.map_or(queued, |end| end.max(queued));
            let first = time(&run["first_step_at"]);
            let given = time(&run["started_at"]);
            let ms = |d: chrono::Duration| d.num_microseconds().unwrap_or(0) as f64 / 1000.0;
            overhead.push(ms(first - ready));
            to_device.push(ms(given - ready));
            to_step.push(ms(first - given));
            previous_end = Some(time(&run["finished_at"]));
        }
    }
    overhead.sort_by(f64::total_cmp);
    to_device.sort_by(f64::total_cmp);
    to_step.sort_by(f64::total_cmp);
    println!(
        "dispatch, {DEVICES} sim devices, {RUNS} runs queued at once (queued in {queue_ms:.0} ms, all ended after {:.1} s, {passed} passed, {} devices used): ready → first step p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        all_ms / 1000.0,
        by_device.len(),
        percentile(&overhead, 50.0),
        percentile(&overhead, 95.0),
        overhead.last().copied().unwrap_or(0.0),
    );
    println!(
        "  of which ready → device given (queue, dispatcher, lock): p50 {:.1} ms, p95 {:.1} ms; device given → first step on the host (resolve, link call, host start): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&to_device, 50.0),
        percentile(&to_device, 95.0),
        percentile(&to_step, 50.0),
        percentile(&to_step, 95.0),
    );
}
