//! Auth overhead per API request, end to end: two `vpt server` processes (release), one with
//! auth off, one with auth on, answer `GET /api/hosts` (a viewer route) over keep-alive HTTP;
//! requests alternate between the modes so both see the same machine. The overhead of a mode is
//! its median minus the median with auth off. Also measured: the first request with a token the
//! server has not seen yet (looked up in SQLite, then cached). Target: under 100 µs p50.
//!
//! Run: `cargo bench --bench auth`

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Proc, bin, machine, percentile, wait_file};

const WARMUP: usize = 300;
const ROUNDS: usize = 5000;
const FIRST_USES: usize = 200;
const PASSWORD: &str = "bench-password-1";

fn main() {
    // reqwest has rustls without a built-in crypto provider: give it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let off_dir = tempfile::tempdir().expect("temp dir");
    let on_dir = tempfile::tempdir().expect("temp dir");
    add_admin(on_dir.path());
    let _off = Proc::start("server", off_dir.path(), &[]);
    let _on = Proc::start(
        "server",
        on_dir.path(),
        &[("VPT_AUTH__ENABLED", "true".into())],
    );
    let off_url = wait_file(&off_dir.path().join("server.url"), Duration::from_secs(30));
    let on_url = wait_file(&on_dir.path().join("server.url"), Duration::from_secs(30));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let cookie = login(&client, &on_url).await;
        let token = new_token(&client, &on_url, &cookie, "bench").await;

        let off = Mode::new(&client, &off_url, None, None);
        let session = Mode::new(&client, &on_url, Some(&cookie), None);
        let bearer = Mode::new(&client, &on_url, None, Some(&token));
        let modes = [&off, &session, &bearer];
        for _ in 0..WARMUP {
            for mode in modes {
                mode.time().await;
            }
        }
        let mut samples = [Vec::new(), Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            // Rotate who goes first so no mode always follows another.
            for k in 0..modes.len() {
                let i = (round + k) % modes.len();
                samples[i].push(modes[i].time().await);
            }
        }
        let [off_us, session_us, token_us] = samples;
        let base = percentile(&off_us, 50.0);
        println!(
            "GET /api/hosts, {ROUNDS} requests per mode, keep-alive, alternating (µs):"
        );
        for (label, s) in [
            ("auth off", &off_us),
            ("session cookie", &session_us),
            ("API token", &token_us),
        ] {
            println!(
                "  {label:<15} p50 {:>7.1}  p95 {:>7.1}  overhead p50 {:>6.1}",
                percentile(s, 50.0),
                percentile(s, 95.0),
                percentile(s, 50.0) - base
            );
        }

        // First use of a token: the server looks it up in SQLite once, then caches it.
        let mut first_us = Vec::new();
        let mut second_us = Vec::new();
        for i in 0..FIRST_USES {
            let fresh = new_token(&client, &on_url, &cookie, &format!("first-use {i}")).await;
            let mode = Mode::new(&client, &on_url, None, Some(&fresh));
            first_us.push(mode.time().await);
            second_us.push(mode.time().await);
        }
        println!(
            "new token, {FIRST_USES} tokens (µs): first request p50 {:.1} p95 {:.1}; second p50 {:.1}",
            percentile(&first_us, 50.0),
            percentile(&first_us, 95.0),
            percentile(&second_us, 50.0)
        );
    });
}

struct Mode {
    request: reqwest::RequestBuilder,
}

impl Mode {
    fn new(client: &reqwest::Client, url: &str, cookie: Option<&str>, token: Option<&str>) -> Self {
        let mut request = client.get(format!("{url}/api/hosts"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self { request }
    }

    /// One request, in µs; fails the benchmark on anything but 200.
    async fn time(&self) -> f64 {
        let request = self.request.try_clone().expect("request without a body");
        let start = Instant::now();
        let response = request.send().await.expect("request");
        let status = response.status();
        response.bytes().await.expect("body");
        let elapsed = start.elapsed().as_secs_f64() * 1e6;
        assert_eq!(status, 200);
        elapsed
    }
}

/// Creates the admin `bench` with the real CLI before the server starts.
fn add_admin(data_dir: &std::path::Path) {
    let mut child = Command::new(bin())
        .args([
            "user",
            "add",
            "bench",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
        ])
        .arg(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vpt user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    assert!(child.wait().expect("vpt user add").success());
}

async fn login(client: &reqwest::Client, url: &str) -> String {
    let response = client
        .post(format!("{url}/api/auth/login"))
        .json(&json!({ "name": "bench", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    cookie.split(';').next().expect("cookie pair").to_string()
}

async fn new_token(client: &reqwest::Client, url: &str, cookie: &str, name: &str) -> String {
    let response = client
        .post(format!("{url}/api/tokens"))
        .header("cookie", cookie)
        .header("x-vpt-csrf", "1")
        .json(&json!({ "name": name, "role": "viewer" }))
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("token JSON");
    body["token"].as_str().expect("token secret").to_string()
}
