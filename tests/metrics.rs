//! Prometheus metrics with the real binary: the server's `/metrics` (its own figures and the
//! hosts' federated through their links), a host's `/host/metrics`, the Grafana dashboards'
//! queries against what is exposed, and a real Prometheus scraping `vpt all`.

mod common;
#[path = "metrics/exposition.rs"]
mod exposition;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::{Options, Vpt, client, eventually, sim_host_config, wait_host_status};
use exposition::Scrape;
use serde_json::{Value, json};

const HOST: &str = "rack-m";

async fn scrape(url: &str) -> Scrape {
    let response = common::authorize(client().get(url), url)
        .send()
        .await
        .expect("metrics request");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape::parse(&response.text().await.expect("metrics body"))
}

/// A server and a separate sim host joined through the link, as in production.
async fn server_and_host() -> (Vpt, Vpt, String) {
    let mut server = Vpt::start(Options::new("server"));
    let url = server.server_url();
    let mut host = Vpt::start(
        Options::new("host")
            .config(&sim_host_config(HOST, 2))
            .env("VPT_HOST__SERVER_URL", &url)
            .env("VPT_HOST__TOKEN", server.host_token())
            .env("VPT_HOST__HEARTBEAT_INTERVAL_MS", 300),
    );
    host.host_url();
    wait_host_status(&url, HOST, "online", Duration::from_secs(15)).await;
    (server, host, url)
}

#[tokio::test]
async fn server_metrics_show_the_fleet_runs_latency_and_federated_hosts() {
    let (_server, mut host, url) = server_and_host().await;
    // Requests the HTTP histogram must show, by route template.
    let missing = client()
        .get(format!("{url}/api/runs/424242"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let verify = client()
        .post(format!("{url}/api/hosts/{HOST}/devices/sim1/verify"))
        .json(&json!({ "verifications": [{ "kind": "black", "timeout_ms": 0 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), 200, "{}", verify.text().await.unwrap());

    let fps = [("host", HOST), ("device", "sim1")];
    let metrics_url = format!("{url}/metrics");
    let m = eventually(Duration::from_secs(15), "capture figures", || async {
        let m = scrape(&metrics_url).await;
        let ready = m.find("vpt_device_capture_fps", &fps).first()?.value > 0.0
            && m.find("vpt_capture_fps", &fps).first()?.value > 0.0;
        ready.then_some(m)
    })
    .await;

    let build = m.find("vpt_build_info", &[("version", env!("CARGO_PKG_VERSION"))]);
    assert_eq!(build.len(), 1, "{build:?}");
    assert_eq!(build[0].value, 1.0);
    assert!(m.value("vpt_uptime_seconds", &[]) > 0.0);
    assert_eq!(m.value("vpt_hosts", &[("status", "online")]), 1.0);
    assert_eq!(m.value("vpt_hosts", &[("status", "offline")]), 0.0);
    assert_eq!(m.value("vpt_devices", &[("status", "ok")]), 2.0);
    for status in ["no_signal", "error", "offline"] {
        assert_eq!(m.value("vpt_devices", &[("status", status)]), 0.0);
    }
    assert_eq!(m.value("vpt_device_up", &fps), 1.0);
    assert_eq!(m.value("vpt_device_frames_dropped_total", &fps), 0.0);
    assert!(m.value("vpt_device_last_frame_age_seconds", &fps) < 5.0);
    for status in [
        "queued",
        "running",
        "passed",
        "failed",
        "error",
        "cancelled",
    ] {
        assert_eq!(m.value("vpt_runs", &[("status", status)]), 0.0);
    }
    assert!(m.value("vpt_db_size_bytes", &[]) > 0.0);
    assert!(m.value("vpt_events_subscribers", &[]) >= 0.0);

    // The HTTP histogram: route templates, never raw paths; cumulative buckets.
    let route = [
        ("method", "GET"),
        ("route", "/api/runs/{id}"),
        ("status", "4xx"),
    ];
    assert!(m.value("vpt_http_request_duration_seconds_count", &route) >= 1.0);
    let mut with_inf = route.to_vec();
    with_inf.push(("le", "+Inf"));
    assert_eq!(
        m.value("vpt_http_request_duration_seconds_bucket", &with_inf),
        m.value("vpt_http_request_duration_seconds_count", &route)
    );
    assert!(
        m.samples
            .iter()
            .all(|s| s.labels.get("route").is_none_or(|r| !r.contains("424242"))),
        "a raw path became a label"
    );
    assert_eq!(m.types["vpt_http_request_duration_seconds"], "histogram");

    // Federated host figures, labelled with the host, and the scrape's own figures.
    assert_eq!(m.value("vpt_host_scrape_success", &[("host", HOST)]), 1.0);
    let took = m.value("vpt_host_scrape_duration_seconds", &[("host", HOST)]);
    assert!((0.0..2.5).contains(&took), "{took}");
    assert!(m.value("vpt_capture_frames_total", &fps) > 0.0);
    assert_eq!(m.value("vpt_capture_up", &fps), 1.0);
    // What the device's pictures take in memory: at least the newest frame's pixels.
    assert!(m.value("vpt_capture_pictures_held", &fps) >= 1.0);
    assert!(m.value("vpt_capture_picture_bytes", &fps) >= f64::from(1280 * 720 * 3));
    assert!(m.value("vpt_host_memory_total_bytes", &[("host", HOST)]) > 0.0);
    let black = [("host", HOST), ("kind", "black")];
    assert!(m.value("vpt_verification_duration_seconds_count", &black) >= 1.0);
    assert_eq!(m.types["vpt_verification_duration_seconds"], "histogram");
    assert!(
        m.samples.iter().all(|s| s.name.starts_with("vpt_")),
        "every metric is named vpt_*"
    );

    // The host's own endpoint: the same figures without the host label.
    let direct = scrape(&format!("{}/host/metrics", host.host_url())).await;
    assert!(direct.value("vpt_capture_fps", &[("device", "sim2")]) >= 0.0);
    assert!(
        direct
            .samples
            .iter()
            .all(|s| !s.labels.contains_key("host"))
    );

    promtool_check(&metrics_url).await;
}

#[tokio::test]
async fn an_offline_host_is_counted_and_not_scraped() {
    let (_server, mut host, url) = server_and_host().await;
    host.stop();
    wait_host_status(&url, HOST, "offline", Duration::from_secs(15)).await;
    let m = scrape(&format!("{url}/metrics")).await;
    assert_eq!(m.value("vpt_hosts", &[("status", "offline")]), 1.0);
    assert_eq!(m.value("vpt_hosts", &[("status", "online")]), 0.0);
    assert_eq!(m.value("vpt_devices", &[("status", "offline")]), 2.0);
    assert_eq!(
        m.value("vpt_device_up", &[("host", HOST), ("device", "sim1")]),
        0.0
    );
    assert!(m.find("vpt_device_capture_fps", &[]).is_empty());
    assert!(m.find("vpt_host_scrape_success", &[]).is_empty());
    assert!(m.find("vpt_capture_fps", &[]).is_empty());
}

/// Every metric a dashboard query names must be exposed by a running `vpt all`. Names that are
/// missing are all listed in the failure.
#[tokio::test]
async fn grafana_dashboards_use_only_exposed_metrics() {
    let mut vpt = Vpt::start(Options::new("all").env("VPT_HOST__NAME", "bench"));
    let url = vpt.server_url();
    wait_host_status(&url, "bench", "online", Duration::from_secs(15)).await;
    // One request so the HTTP histogram has series.
    client()
        .get(format!("{url}/api/health"))
        .send()
        .await
        .unwrap();
    let m = scrape(&format!("{url}/metrics")).await;
    let exposed = m.names();

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/dashboards");
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut all_exprs = Vec::new();
    for file in ["fleet-overview.json", "device-health.json", "runs.json"] {
        let text = std::fs::read_to_string(dir.join(file)).expect(file);
        let dashboard: Value = serde_json::from_str(&text).expect(file);
        check_dashboard(file, &dashboard);
        let mut exprs = Vec::new();
        collect_queries(&dashboard, &mut exprs);
        assert!(!exprs.is_empty(), "{file}: no queries");
        for expr in exprs {
            for name in metric_names(&expr) {
                used.entry(name).or_default().insert(file.to_string());
            }
            all_exprs.push(expr);
        }
    }
    promtool_check_queries(&all_exprs);
    let missing: Vec<String> = used
        .iter()
        .filter(|(name, _)| !exposed.contains(name.as_str()))
        .map(|(name, files)| {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            format!("{name} (in {})", files.join(", "))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "dashboard metrics not exposed by /metrics:\n  {}",
        missing.join("\n  ")
    );
}

/// What makes a dashboard importable anywhere: a Prometheus `datasource` variable used by
/// every panel, a uid, and a recent schema.
fn check_dashboard(file: &str, dashboard: &Value) {
    assert!(
        dashboard["uid"].as_str().is_some_and(|u| !u.is_empty()),
        "{file}: uid"
    );
    assert!(
        dashboard["schemaVersion"].as_u64().unwrap_or(0) >= 36,
        "{file}: schemaVersion"
    );
    let variables = dashboard["templating"]["list"].as_array().expect(file);
    assert!(
        variables.iter().any(|v| v["name"] == "datasource"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"),
        "{file}: datasource variable"
    );
    for panel in dashboard["panels"].as_array().expect(file) {
        assert_eq!(
            panel["datasource"]["uid"], "${datasource}",
            "{file}: {}",
            panel["title"]
        );
    }
}

/// Every `expr` and variable query of a dashboard.
fn collect_queries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr" | "definition", Value::String(expr)) => out.push(expr.clone()),
                    _ => collect_queries(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_queries(v, out)),
        _ => {}
    }
}

fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while let Some(found) = expr[i..].find("vpt_") {
        let start = i + found;
        let starts_word =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let end = expr[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(expr.len(), |e| start + e);
        if starts_word {
            names.push(expr[start..end].to_string());
        }
        i = end;
    }
    names
}

/// Every panel query is valid PromQL: `promtool check rules` on them as recording rules, with
/// the dashboard variables replaced by a match-all (when promtool is installed).
fn promtool_check_queries(exprs: &[String]) {
    let Some(promtool) = promtool() else {
        eprintln!("promtool not installed: PromQL check of the dashboards skipped");
        return;
    };
    let mut rules = String::from("groups:\n  - name: dashboards\n    rules:\n");
    for (i, expr) in exprs
        .iter()
        .filter(|e| !e.starts_with("label_values("))
        .enumerate()
    {
        let expr = expr.replace("$host", ".*").replace("$device", ".*");
        let quoted = serde_json::to_string(&expr).unwrap();
        rules.push_str(&format!(
            "      - record: dashboard:query{i}\n        expr: {quoted}\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, rules).unwrap();
    let output = std::process::Command::new(promtool)
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .expect("promtool starts");
    assert!(
        output.status.success(),
        "dashboard queries are not valid PromQL:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn promtool() -> Option<&'static str> {
    ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// `promtool check metrics` on the output, when promtool is installed.
async fn promtool_check(url: &str) {
    let Some(promtool) = promtool() else {
        eprintln!("promtool not installed: lint of the output skipped");
        return;
    };
    let text = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool starts");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A real Prometheus scrapes `vpt all` and answers `vpt_hosts{status="online"}` = 1
/// (`scripts/prometheus-check.sh`, which also runs promtool on the output).
#[test]
fn prometheus_scrapes_vpt_all() {
    if !Path::new("/usr/bin/prometheus").exists() {
        eprintln!(
            "skipped: /usr/bin/prometheus is not installed (scripts/setup.sh --test installs it)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(root.join("scripts/prometheus-check.sh"))
        .env("VPT_BIN", common::BIN)
        .output()
        .expect("prometheus-check.sh runs");
    assert!(
        output.status.success(),
        "prometheus-check.sh failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
