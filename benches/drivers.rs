//! Figures of the device drivers (see docs/benchmarks.md): an ADB key press through vpt's
//! persistent shell session vs a new adb connection per key vs spawning `adb shell input
//! keyevent` per key, all against the fake adb server of the tests on loopback; and a lircd
//! `SEND_ONCE` round trip against a real lircd (file driver, no transmitter).
//!
//! Run: `cargo bench --bench drivers`

#[path = "../tests/support_drivers/fake_adb.rs"]
mod fake_adb;
#[path = "../tests/support_drivers/lircd.rs"]
mod lircd;
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::{machine, percentile};
use vpt::host::remote::Remote;
use vpt::host::remote::adb::AdbRemote;
use vpt::host::remote::lirc::LircRemote;

fn main() {
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name}: n={} p50={:.3} ms p95={:.3} ms max={:.3} ms",
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 95.0),
        samples.last().copied().unwrap_or(0.0)
    );
}

async fn run() {
    let fake = fake_adb::FakeAdb::start("emulator-5554").await;
    let adb = AdbRemote::new(&fake.addr.to_string(), &fake.serial, Duration::from_secs(5));
    adb.press("HOME", Duration::ZERO)
        .await
        .expect("warm-up press");
    let mut samples = Vec::new();
    for _ in 0..1000 {
        let started = Instant::now();
        adb.press("HOME", Duration::ZERO).await.expect("press");
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("adb press, persistent session (vpt)", samples);

    let mut samples = Vec::new();
    for _ in 0..300 {
        let started = Instant::now();
        adb.shell("input keyevent 3").await.expect("shell");
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("adb press, new connection per key", samples);

    let port = fake.addr.port().to_string();
    let mut samples = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let output = std::process::Command::new("timeout")
            .arg("10")
            .arg("adb")
            .args(["-H", "127.0.0.1", "-P", &port, "-s", &fake.serial])
            .args(["shell", "input", "keyevent", "3"])
            .output()
            .expect("adb runs");
        assert!(
            output.status.success(),
            "adb against the fake: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("adb press, spawning `adb shell input keyevent`", samples);

    let lircd = lircd::Lircd::start();
    let lirc = LircRemote::new(
        &lircd.socket(),
        "samsung",
        &BTreeMap::new(),
        Duration::from_secs(3),
    );
    lirc.discover().expect("lircd knows samsung");
    let mut samples = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        lirc.press("UP", Duration::ZERO).await.expect("send");
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report(
        "lirc SEND_ONCE round trip (real lircd, file driver)",
        samples,
    );
}
