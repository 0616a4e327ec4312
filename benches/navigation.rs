//! Figures of the navigation capability (see docs/benchmarks.md): pathfinding on a generated
//! 5,000-node / 20,000-edge tree; goto across the seeded `demo-stb` tree on a sim device, per
//! step (the sim has no transition time and the demo edges no waits, so a step's time is all
//! overhead: the key press, frame capture and the target node's verification); and a
//! validation of `demo-stb` (moves made vs edges).
//!
//! Run: `cargo bench --bench navigation`

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Proc, machine, percentile, wait_file};
use vpt::nav::generate::generated_tree;
use vpt::nav::{Graph, MeasuredTimes};

fn main() {
    // reqwest has rustls without a built-in crypto provider: give it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    pathfinding();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(live());
}

fn pathfinding() {
    let tree = generated_tree(5_000, 4, 20_000);
    let started = Instant::now();
    let graph = Graph::new(&tree, &MeasuredTimes::new());
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let pairs: Vec<(String, String)> = (0..200)
        .map(|i| {
            let from = 2 + (i * 37) % 4_998;
            let to = 2 + (i * 101 + 2_500) % 4_998;
            (format!("n{from}"), format!("n{to}"))
        })
        .collect();
    let mut samples = Vec::new();
    let mut moves = 0;
    for (from, to) in &pairs {
        let started = Instant::now();
        let path = graph.shortest_path(from, to).expect("path");
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        moves += path.len();
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "pathfinding, {} nodes / {} edges ({} moves): graph build {build_ms:.2} ms; shortest path p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms over {} pairs (mean path {:.1} moves)",
        tree.nodes.len(),
        tree.edges.len(),
        graph.moves.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        samples.last().copied().unwrap_or(0.0),
        pairs.len(),
        moves as f64 / pairs.len() as f64,
    );
}

async fn post(client: &reqwest::Client, url: &str, body: Value) -> Value {
    let response = client.post(url).json(&body).send().await.expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

async fn live() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _vpt = Proc::start("all", dir.path(), &[("VPT_HOST__NAME", "bench".into())]);
    let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(30));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");
    // Wait for the sims to be online.
    let device = format!("{url}/api/hosts/bench/devices/sim1");
    for _ in 0..200 {
        if client
            .get(format!("{device}/sim"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let uis: Value = client
        .get(format!("{url}/api/userinterfaces"))
        .send()
        .await
        .expect("userinterfaces")
        .json()
        .await
        .expect("json");
    let tree_id = uis[0]["tree_id"].as_i64().expect("demo-stb");
    let tree: Value = client
        .get(format!("{url}/api/trees/{tree_id}"))
        .send()
        .await
        .expect("tree")
        .json()
        .await
        .expect("json");
    let targets: Vec<String> = tree["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .filter(|id| *id != "entry")
        .map(str::to_string)
        .collect();
    let (mut step_ms, mut action_ms, mut verify_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut goto_ms = Vec::new();
    for round in 0..3 {
        for target in &targets {
            let started = Instant::now();
            let body = post(
                &client,
                &format!("{device}/navigate?wait=true"),
                json!({"tree_id": tree_id, "target": target}),
            )
            .await;
            let job = &body["job"];
            assert_eq!(job["status"], "passed", "{job}");
            if round > 0 {
                goto_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            for step in job["steps"].as_array().expect("steps") {
                if step["kind"] == "edge" && round > 0 {
                    step_ms.push(step["ms"].as_f64().unwrap_or(0.0));
                    action_ms.push(step["action_ms"].as_f64().unwrap_or(0.0));
                    verify_ms.push(step["verify_ms"].as_f64().unwrap_or(0.0));
                }
            }
        }
    }
    for samples in [&mut step_ms, &mut action_ms, &mut verify_ms, &mut goto_ms] {
        samples.sort_by(f64::total_cmp);
    }
    println!(
        "goto across demo-stb (sim1, {} steps over 2 rounds of {} targets; no transition time, no waits): per step p50 {:.1} ms / p95 {:.1} ms (key press incl. gap p50 {:.1} ms, verification p50 {:.1} ms); whole goto p50 {:.0} ms",
        step_ms.len(),
        targets.len(),
        percentile(&step_ms, 50.0),
        percentile(&step_ms, 95.0),
        percentile(&action_ms, 50.0),
        percentile(&verify_ms, 50.0),
        percentile(&goto_ms, 50.0),
    );
    let started = Instant::now();
    let body = post(
        &client,
        &format!("{device}/validate?wait=true"),
        json!({"tree_id": tree_id}),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let summary = &body["job"]["validation"];
    println!(
        "validation of demo-stb: {} / {} edge moves passed, {} moves made, efficiency {:.2} (edges ÷ moves), {seconds:.1} s",
        summary["edges_passed"],
        summary["edges_total"],
        summary["moves"],
        summary["efficiency"].as_f64().unwrap_or(0.0),
    );
}
