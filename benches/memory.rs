//! Memory of `vpt all` in the states users live in (docs/benchmarks.md, "Memory"): idle with the
//! demo content (fresh and restarted), two sims on live TV, racks of 8 and 16 live devices at
//! 1280×720 (sims) and 1920×1080 (a 25 fps MJPEG card replayed from JPEG files, as a capture card
//! delivers it), 16 devices with 4 viewers each, and the CPU a viewer costs.
//!
//! Run: `cargo bench --bench memory` (about 9 minutes; needs ffmpeg for the 1080p frames).
//! `VPT_MEMORY_SETTLE_S` shortens the 60 s each state is held before it is measured.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{Parts, Proc, machine, mib, press, wait_file};

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

fn settle() -> Duration {
    let seconds = std::env::var("VPT_MEMORY_SETTLE_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60.0);
    Duration::from_secs_f64(seconds)
}

/// What `/proc/<pid>/status` says of the process's memory: RSS, and how much of it is private
/// (heap, frames, stacks) and how much the pages of the binary and its libraries.
fn memory(vpt: &Proc) -> String {
    format!(
        "RSS {:.1} MiB (private {:.1} MiB, binary and libraries {:.1} MiB)",
        mib(vpt.rss_bytes()),
        mib(vpt.status_bytes("RssAnon")),
        mib(vpt.status_bytes("RssFile"))
    )
}

/// Waits until the server lists `devices` devices of the online host `bench`.
async fn wait_devices(url: &str, devices: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let hosts: serde_json::Value = match reqwest::get(format!("{url}/api/hosts")).await {
            Ok(response) => response.json().await.unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        };
        let listed = hosts.as_array().into_iter().flatten().find_map(|h| {
            (h["name"] == "bench" && h["status"] == "online")
                .then(|| h["devices"].as_array().map_or(0, Vec::len))
        });
        if listed.unwrap_or(0) >= devices {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{devices} devices did not come online"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts `vpt all` in `dir` (with `config` when given) and waits for its devices.
async fn start(dir: &Path, config: Option<&Path>, devices: usize, demo: bool) -> (Proc, String) {
    let mut env = vec![("VPT_HOST__NAME", "bench".to_string())];
    if !demo {
        env.push(("VPT_SERVER__DEMO_CONTENT", "false".into()));
    }
    if let Some(config) = config {
        env.push(("VPT_CONFIG", config.display().to_string()));
    }
    let _ = std::fs::remove_file(dir.join("server.url"));
    let vpt = Proc::start("all", dir, &env);
    let url = wait_file(&dir.join("server.url"), Duration::from_secs(20));
    wait_devices(&url, devices).await;
    (vpt, url)
}

/// A host with `count` devices: sims (1280×720, moving once on live TV) or 1920×1080 JPEG
/// frames replayed at 25 fps. Every device monitors black, freeze and no signal at 5 fps.
fn rack_config(dir: &Path, count: usize, frames: Option<&Path>) -> PathBuf {
    let mut toml = String::from("[host]\nname = \"bench\"\n");
    for i in 1..=count {
        let capture = match frames {
            None => "{ kind = \"sim\", fps = 25, seed = 0 }".to_string(),
            Some(frames) => format!(
                "{{ kind = \"images\", dir = \"{}\", fps = 25 }}",
                frames.display()
            ),
        };
        let remote = if frames.is_none() { "sim" } else { "none" };
        toml.push_str(&format!(
            "\n[[host.devices]]\nid = \"dev{i}\"\ncapture = {capture}\nremote = {{ kind = \"{remote}\" }}\nmonitor = {{ enabled = true, fps = 5 }}\n"
        ));
    }
    let path = dir.join("rack.toml");
    std::fs::write(&path, toml).expect("config");
    path
}

/// 50 different 1920×1080 JPEG frames of moving test video; `None` without ffmpeg.
fn hd_frames(dir: &Path) -> Option<PathBuf> {
    let frames = dir.join("frames-1080p");
    std::fs::create_dir_all(&frames).ok()?;
    let made = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=1920x1080:rate=25")
        .args(["-frames:v", "50", "-q:v", "4"])
        .arg(frames.join("%03d.jpg"))
        .status()
        .ok()?;
    made.success().then_some(frames)
}

/// Opens `count` live views of each device through the server; returns their frame counters.
fn watch(
    url: &str,
    devices: &[String],
    count: usize,
) -> Vec<tokio::task::JoinHandle<(u64, Duration)>> {
    let mut viewers = Vec::new();
    for device in devices {
        for _ in 0..count {
            let stream = format!("{url}/api/hosts/bench/devices/{device}/stream.mjpeg");
            viewers.push(tokio::spawn(async move {
                let mut parts = Parts::open(&stream).await;
                let started = Instant::now();
                let mut frames = 0;
                while started.elapsed() < Duration::from_secs(15) {
                    parts.next().await;
                    frames += 1;
                }
                (frames, started.elapsed())
            }));
        }
    }
    viewers
}

/// Share of one core `vpt` uses over 10 s, measured off the runtime (viewers keep reading).
async fn cpu_over_10s(vpt: Proc) -> (f64, Proc) {
    tokio::task::spawn_blocking(move || (vpt.cpu_share(Duration::from_secs(10)), vpt))
        .await
        .expect("cpu")
}

async fn mean_fps(viewers: Vec<tokio::task::JoinHandle<(u64, Duration)>>) -> f64 {
    let count = viewers.len().max(1);
    let mut total = 0.0;
    for viewer in viewers {
        let (frames, took) = viewer.await.expect("viewer");
        total += frames as f64 / took.as_secs_f64();
    }
    total / count as f64
}

async fn live_rack(
    work: &Path,
    label: &str,
    count: usize,
    frames: Option<&Path>,
) -> (Proc, String, Vec<String>) {
    let dir = work.join(format!("{label}-{count}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = rack_config(&dir, count, frames);
    let (vpt, url) = start(&dir, Some(&config), count, false).await;
    let devices: Vec<String> = (1..=count).map(|i| format!("dev{i}")).collect();
    if frames.is_none() {
        for device in &devices {
            // OK on the home screen opens live TV: moving video, every frame a new picture.
            press(&url, device, "OK").await;
        }
    }
    tokio::time::sleep(settle()).await;
    (vpt, url, devices)
}

async fn run() {
    let work = tempfile::tempdir().expect("temp dir");
    let settle = settle();
    println!(
        "each state held {:.0} s before it is measured",
        settle.as_secs_f64()
    );

    // Idle, demo content seeded on first start.
    let data = work.path().join("demo");
    std::fs::create_dir_all(&data).expect("dir");
    let (vpt, _) = start(&data, None, 2, true).await;
    tokio::time::sleep(settle).await;
    println!(
        "vpt all idle, fresh data dir with demo content, two sims on their menus: {}",
        memory(&vpt)
    );
    drop(vpt);
    let (vpt, url) = start(&data, None, 2, true).await;
    tokio::time::sleep(settle).await;
    println!(
        "vpt all idle, restarted (demo content already there): {}",
        memory(&vpt)
    );

    press(&url, "sim1", "OK").await;
    press(&url, "sim2", "OK").await;
    tokio::time::sleep(settle).await;
    println!("two sims on live TV, nobody watching: {}", memory(&vpt));

    let (alone, vpt) = cpu_over_10s(vpt).await;
    let one = watch(&url, &["sim1".to_string()], 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (with_one, vpt) = cpu_over_10s(vpt).await;
    let fps_one = mean_fps(one).await;
    let four = watch(&url, &["sim1".to_string()], 4);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (with_four, vpt) = cpu_over_10s(vpt).await;
    let fps_four = mean_fps(four).await;
    let cost_one = with_one - alone;
    let cost_four = with_four - alone;
    println!(
        "CPU of viewers of one 1280x720 25 fps sim on live TV: none {:.1}%, one viewer +{:.1}% of a core ({fps_one:.1} fps), four viewers +{:.1}% ({fps_four:.1} fps each): {:.2}x one viewer; {}",
        alone * 100.0,
        cost_one * 100.0,
        cost_four * 100.0,
        cost_four / cost_one.max(1e-9),
        memory(&vpt)
    );
    drop(vpt);

    let mut per_size = Vec::new();
    for count in [8, 16] {
        let (vpt, _, _) = live_rack(work.path(), "sim", count, None).await;
        let rss = vpt.rss_bytes();
        println!(
            "{count} sims (1280x720, 25 fps) on live TV, monitored, nobody watching: {}",
            memory(&vpt)
        );
        per_size.push(rss);
    }
    println!(
        "each further live 1280x720 device: {:.1} MiB",
        mib(per_size[1].saturating_sub(per_size[0])) / 8.0
    );

    match hd_frames(work.path()) {
        None => println!("1920x1080 racks skipped: ffmpeg is needed to draw the frames"),
        Some(frames) => {
            let mut per_size = Vec::new();
            for count in [8, 16] {
                let (vpt, _, _) = live_rack(work.path(), "hd", count, Some(&frames)).await;
                println!(
                    "{count} devices of 1920x1080 MJPEG at 25 fps, monitored, nobody watching: {}",
                    memory(&vpt)
                );
                per_size.push(vpt.rss_bytes());
            }
            println!(
                "each further live 1920x1080 device: {:.1} MiB",
                mib(per_size[1].saturating_sub(per_size[0])) / 8.0
            );
        }
    }

    let (vpt, url, devices) = live_rack(work.path(), "watched", 16, None).await;
    let viewers = watch(&url, &devices, 4);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let rss = memory(&vpt);
    let fps = mean_fps(viewers).await;
    println!(
        "16 sims on live TV with 4 viewers each (64 live views): {rss}; viewers got {fps:.1} fps on average"
    );
}
