//! Shared helpers of the process-level benchmarks: start the release binary, read its CPU time
//! and memory from /proc, summarise samples.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;

/// The binary under measurement: `VPT_BIN` when set (to compare two builds), else this build's.
pub fn bin() -> String {
    std::env::var("VPT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_vpt").to_string())
}

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
        let mut command = Command::new(bin());
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
        self.status_bytes("VmRSS")
    }

    /// A size line of `/proc/<pid>/status` in bytes: `VmRSS`, `RssAnon` (private memory),
    /// `RssFile` (pages of the binary and libraries mapped in), `VmHWM` (peak RSS).
    pub fn status_bytes(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
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

pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Reads multipart parts; yields (seq, captured_at_ms, received_at_ms, size).
pub struct Parts {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, String>> + Send>>,
    buffer: Vec<u8>,
}

impl Parts {
    pub async fn open(url: &str) -> Self {
        let response = reqwest::get(url).await.expect("stream");
        Self {
            body: Box::pin(
                response
                    .bytes_stream()
                    .map(|r| r.map_err(|e| e.to_string())),
            ),
            buffer: Vec::new(),
        }
    }

    /// A viewer on a thin link: 64 KiB receive buffer, reading only when it wants a frame.
    pub async fn open_slow(base: &str, path: &str) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address: std::net::SocketAddr =
            base.trim_start_matches("http://").parse().expect("address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(64 * 1024).expect("buffer");
        let mut tcp = socket.connect(address).await.expect("connect");
        tcp.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
            .await
            .expect("request");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).await.expect("head");
            head.push(byte[0]);
        }
        let body = tokio_util::io::ReaderStream::new(tcp).map(|r| r.map_err(|e| e.to_string()));
        Self {
            body: Box::pin(body),
            buffer: Vec::new(),
        }
    }

    pub async fn next(&mut self) -> (u64, f64, f64, usize) {
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let field = |name: &str| -> String {
                    head.lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
                        .expect("part header")
                };
                let length: usize = field("Content-Length").parse().expect("length");
                if self.buffer.len() >= end + 4 + length + 2 {
                    let received = now_ms();
                    let seq = field("X-Frame-Seq").parse().expect("seq");
                    let captured: f64 = field("X-Captured-At-Ms").parse().expect("time");
                    self.buffer.drain(..end + 4 + length + 2);
                    return (seq, captured, received, length);
                }
            }
            let chunk = self.body.next().await.expect("open").expect("chunk");
            self.buffer.extend_from_slice(&chunk);
        }
    }
}

/// Presses `key` on a device of the host named `bench`.
pub async fn press(url: &str, device: &str, key: &str) {
    reqwest::Client::new()
        .post(format!(
            "{url}/api/hosts/bench/devices/{device}/remote/press"
        ))
        .json(&serde_json::json!({ "key": key }))
        .send()
        .await
        .expect("press");
}
