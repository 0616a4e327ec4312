//! Test harness: runs the real `vpt` binary (server, host or all) on 127.0.0.1 with port 0 and
//! a fresh data dir, and waits on the URL files the binary writes once it listens.

#![allow(dead_code)]

pub mod bench;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_vpt");

/// A running vpt process; killed (and its log printed on failure) when dropped.
pub struct Vpt {
    pub child: Option<Child>,
    pub data_dir: PathBuf,
    log: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

pub struct Options<'a> {
    pub role: &'a str,
    pub env: Vec<(String, String)>,
    pub config: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl<'a> Options<'a> {
    pub fn new(role: &'a str) -> Self {
        Self {
            role,
            env: Vec::new(),
            config: None,
            data_dir: None,
        }
    }

    pub fn env(mut self, key: &str, value: impl ToString) -> Self {
        self.env.push((key.into(), value.to_string()));
        self
    }

    pub fn config(mut self, toml: &str) -> Self {
        self.config = Some(toml.into());
        self
    }

    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_owned());
        self
    }
}

impl Vpt {
    pub fn start(options: Options<'_>) -> Self {
        let (tmp, data_dir) = match options.data_dir {
            Some(dir) => (None, dir),
            None => {
                let tmp = tempfile::tempdir().expect("temp dir");
                let dir = tmp.path().to_owned();
                (Some(tmp), dir)
            }
        };
        std::fs::create_dir_all(&data_dir).expect("data dir");
        for stale in ["server.url", "host.url"] {
            let _ = std::fs::remove_file(data_dir.join(stale));
        }
        let log = data_dir.join(format!("{}-{}.log", options.role, fastrand_suffix()));
        let mut command = Command::new(BIN);
        command
            .arg(options.role)
            .arg("--data-dir")
            .arg(&data_dir)
            .env("VPT_SERVER__BIND", "127.0.0.1:0")
            .env("VPT_HOST__BIND", "127.0.0.1:0")
            .env("VPT_MDNS__ENABLED", "false")
            .env("VPT_GENERAL__LOG", "info")
            // Seeding the demo userinterface renders every sim screen: only tests of it pay.
            .env("VPT_SERVER__DEMO_CONTENT", "false")
            // Tests of other areas run as the single bench does, with auth off on loopback;
            // tests/auth.rs turns it on (options' env comes after and wins).
            .env("VPT_AUTH__ENABLED", "false")
            .env_remove("VPT_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        if let Some(config) = options.config {
            let path = data_dir.join(format!("{}-{}.toml", options.role, fastrand_suffix()));
            std::fs::write(&path, config).expect("config file");
            command.arg("--config").arg(path);
        }
        for (key, value) in options.env {
            command.env(key, value);
        }
        let child = command.spawn().expect("vpt binary starts");
        Self {
            child: Some(child),
            data_dir,
            log,
            _tmp: tmp,
        }
    }

    /// Base URL of the server, once it listens.
    pub fn server_url(&mut self) -> String {
        self.wait_url("server.url")
    }

    /// Base URL of the host API, once it listens. The helpers below present the host's API
    /// token (from its data dir) to URLs under it, as a rack administrator would.
    pub fn host_url(&mut self) -> String {
        let url = self.wait_url("host.url");
        let token = self.host_api_token();
        let mut known = HOST_TOKENS.lock().unwrap_or_else(|p| p.into_inner());
        known.retain(|(known, _)| *known != url);
        known.push((url.clone(), token));
        url
    }

    /// The token the host API asks of direct callers (written at the host's start).
    pub fn host_api_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("host-api-token"))
            .expect("host-api-token written by the host")
            .trim()
            .to_string()
    }

    fn wait_url(&mut self, file: &str) -> String {
        let path = self.data_dir.join(file);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(url) = std::fs::read_to_string(&path)
                && !url.trim().is_empty()
            {
                return url.trim().to_string();
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "vpt exited ({status}) before writing {file}:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {file} after 20 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Asks the process to stop (SIGTERM) and waits for it.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        self.wait_exit(Duration::from_secs(10))
    }

    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        let child = self.child.as_mut().expect("running");
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "vpt did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn host_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("host-token"))
            .expect("host-token written by the server")
            .trim()
            .to_string()
    }
}

impl Drop for Vpt {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- vpt log ({}) ----\n{}", self.log.display(), self.log());
        }
    }
}

/// Host API URLs handed out by [`Vpt::host_url`] and their tokens.
static HOST_TOKENS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// Adds the host API token when `url` is under a host URL a test asked for.
pub fn authorize(request: reqwest::RequestBuilder, url: &str) -> reqwest::RequestBuilder {
    let known = HOST_TOKENS.lock().unwrap_or_else(|p| p.into_inner());
    match known
        .iter()
        .find(|(base, _)| url.starts_with(&format!("{base}/")))
    {
        Some((_, token)) => request.bearer_auth(token),
        None => request,
    }
}

fn fastrand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Polls `check` every 20 ms until it returns `Some`, or panics after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A client builder. HTTPS needs a crypto provider installed in the process (the crate's
/// reqwest has rustls without a built-in provider).
pub fn http() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub fn client() -> reqwest::Client {
    http()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// Sends a request and returns the status and the JSON body (`Null` when there is none). Runs
/// answer when they end, so the client waits up to a minute.
pub async fn call(
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let client = http()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut request = authorize(client.request(method, url), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

pub async fn post(url: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    call(reqwest::Method::POST, url, Some(body)).await
}

pub async fn put(url: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    call(reqwest::Method::PUT, url, Some(body)).await
}

/// A port free now, for a server that must come back on the same address after a restart.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub async fn get_json(url: &str) -> serde_json::Value {
    let response = authorize(client().get(url), url)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// A host config with `n` simulated devices.
pub fn sim_host_config(name: &str, devices: usize) -> String {
    let mut config = format!("[host]\nname = \"{name}\"\n");
    for i in 1..=devices {
        config.push_str(&format!(
            "\n[[host.devices]]\nid = \"sim{i}\"\nname = \"Sim {i}\"\ncapture = {{ kind = \"sim\", fps = 25, seed = {i} }}\nremote = {{ kind = \"sim\" }}\npower = {{ kind = \"sim\" }}\n"
        ));
    }
    config
}

/// The host entry named `name` in `/api/hosts`, if present.
pub async fn host_entry(server: &str, name: &str) -> Option<serde_json::Value> {
    let hosts = get_json(&format!("{server}/api/hosts")).await;
    hosts.as_array()?.iter().find(|h| h["id"] == name).cloned()
}

pub async fn wait_host_status(
    server: &str,
    name: &str,
    status: &str,
    within: Duration,
) -> serde_json::Value {
    eventually(within, &format!("host {name} {status}"), || async {
        host_entry(server, name)
            .await
            .filter(|h| h["status"] == status)
    })
    .await
}

/// A PNG whose header claims `width` x `height` (a decompression bomb's header) with a few
/// bytes of pixel data.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib header and a stored block of zeros: valid start of a huge stream.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x00, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
