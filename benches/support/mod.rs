//! Shared helpers of the process-level benchmarks: start the release binary, read its CPU time
//! and memory from /proc, summarise samples.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_vpt");

/// `cargo test --all-targets` also runs benchmark mains; they only measure under `cargo bench`.
pub fn measuring() -> bool {
    let yes = std::env::args().any(|a| a == "--bench");
    if !yes {
        println!("benchmark: run with `cargo bench --bench <name>` to measure");
    }
    yes
}

pub struct Proc {
    pub child: Child,
}

impl Proc {
    pub fn start(role: &str, data_dir: &Path, env: &[(&str, String)]) -> Self {
        let mut command = Command::new(BIN);
        command
            .arg(role)
            .arg("--data-dir")
            .arg(data_dir)
            .env("VPT_SERVER__BIND", "127.0.0.1:0")
            .env("VPT_HOST__BIND", "127.0.0.1:0")
            .env("VPT_MDNS__ENABLED", "false")
            // Benchmarks measure the single bench: auth off on loopback.
            .env("VPT_AUTH__ENABLED", "false")
            .env("VPT_GENERAL__LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        Self {
            child: command.spawn().expect("vpt starts"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU time consumed so far.
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which may contain spaces) start after ") ".
        let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
    }

    pub fn rss_bytes(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    /// Share of one core used over `window`.
    pub fn cpu_share(&self, window: Duration) -> f64 {
        let before = self.cpu_time();
        let started = Instant::now();
        std::thread::sleep(window);
        (self.cpu_time() - before).as_secs_f64() / started.elapsed().as_secs_f64()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

pub fn wait_file(path: &Path, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text.trim().to_string();
        }
        assert!(Instant::now() < deadline, "{} not written", path.display());
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Percentile (0..=100) of unsorted samples.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    format!("{cpus} cores, {model}")
}
