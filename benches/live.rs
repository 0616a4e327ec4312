//! Figures of the devices capability (see docs/benchmarks.md): live-view latency through the
//! server, CPU and memory of `vpt all` with two sim devices idle and watched, and what a slow
//! viewer gets.
//!
//! Run: `cargo bench --bench live`

mod support;

use std::time::{Duration, Instant};

use support::{Parts, Proc, machine, mib, percentile, press, wait_file};

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

async fn run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vpt = Proc::start("all", dir.path(), &[("VPT_HOST__NAME", "bench".into())]);
    let url = wait_file(&dir.path().join("server.url"), Duration::from_secs(10));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle_cpu = vpt.cpu_share(Duration::from_secs(10));
    println!(
        "vpt all, two sim devices, no viewer: CPU {:.2}% of one core (10 s), RSS {:.1} MiB",
        idle_cpu * 100.0,
        mib(vpt.rss_bytes())
    );

    // Live TV shows moving video: every frame is new and must be encoded and sent.
    press(&url, "sim1", "OK").await;
    press(&url, "sim2", "OK").await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut latency = Vec::new();
    let mut stream = Parts::open(&format!("{url}/api/hosts/bench/devices/sim1/stream.mjpeg")).await;
    let mut sizes = 0usize;
    // Warm-up: the first parts include the connection set-up.
    for _ in 0..10 {
        stream.next().await;
    }
    for _ in 0..250 {
        let (_, captured, received, size) = stream.next().await;
        latency.push(received - captured);
        sizes += size;
    }
    drop(stream);
    println!(
        "live view latency, capture -> frame fully received through the server (sim 1280x720 at 25 fps, 250 frames): p50 {:.1} ms, p95 {:.1} ms (mean JPEG {:.0} KiB)",
        percentile(&latency, 50.0),
        percentile(&latency, 95.0),
        sizes as f64 / 250.0 / 1024.0
    );

    let viewers: Vec<_> = ["sim1", "sim2"]
        .into_iter()
        .map(|device| {
            let url = format!("{url}/api/hosts/bench/devices/{device}/stream.mjpeg");
            tokio::spawn(async move {
                let mut parts = Parts::open(&url).await;
                let mut count = 0u64;
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(13) {
                    parts.next().await;
                    count += 1;
                }
                count as f64 / started.elapsed().as_secs_f64()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let watched_cpu = tokio::task::spawn_blocking(move || {
        let cpu = vpt.cpu_share(Duration::from_secs(10));
        (cpu, vpt)
    })
    .await
    .expect("cpu");
    let (watched_cpu, vpt) = watched_cpu;
    let mut rates = Vec::new();
    for viewer in viewers {
        rates.push(viewer.await.expect("viewer"));
    }
    println!(
        "vpt all, one viewer per device on moving video: CPU {:.1}% of one core, viewers got {:.1} and {:.1} fps",
        watched_cpu * 100.0,
        rates[0],
        rates[1]
    );

    // A viewer that takes 5 frames a second from a 25 fps device.
    let mut slow = Parts::open_slow(&url, "/api/hosts/bench/devices/sim1/stream.mjpeg").await;
    let (first, ..) = slow.next().await;
    let mut last = first;
    let mut received = 1u64;
    let mut lag = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (seq, captured, at, _) = slow.next().await;
        last = seq;
        received += 1;
        lag.push(at - captured);
    }
    let produced = last - first + 1;
    println!(
        "slow viewer (64 KiB socket buffer, reads 5 frames/s for 10 s): received {received} of {produced} frames produced ({:.0}% skipped), picture age when read: median {:.0} ms, max {:.0} ms",
        100.0 * (produced - received) as f64 / produced as f64,
        percentile(&lag, 50.0),
        percentile(&lag, 100.0)
    );
    drop(vpt);
}
