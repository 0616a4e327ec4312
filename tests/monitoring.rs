//! Monitoring end to end on the real binary with simulated set-top boxes: incidents open after
//! their delay and close with their duration (black, freeze, no signal and their priorities),
//! incidents raised while the server is down arrive once when it returns, a host restart closes
//! the incidents it left open, the frame timeline and its exports, and refused input.

mod common;

use std::time::{Duration, Instant};

use common::{
    Options, Vpt, call, eventually, free_port, get_json, post, put, sim_host_config,
    wait_host_status,
};
use serde_json::{Value, json};

/// Short delays so a test sees incidents open and close within a second or two.
fn quick_settings(freeze: bool) -> Value {
    json!({
        "enabled": true,
        "fps": 10,
        "black": {"delay_ms": 500, "clear_ms": 300},
        "freeze": {"enabled": freeze, "delay_ms": 500, "clear_ms": 300},
        "no_signal": {"delay_ms": 500, "clear_ms": 300},
    })
}

async fn set_monitoring(device_base: &str, settings: Value) {
    let (status, body) = put(&format!("{device_base}/monitor"), settings).await;
    assert_eq!(status, 200, "{body}");
}

async fn set_faults(device_base: &str, faults: Value) {
    let (status, body) = post(&format!("{device_base}/sim"), json!({ "faults": faults })).await;
    assert_eq!(status, 200, "{body}");
}

async fn incidents(server: &str, query: &str) -> Vec<Value> {
    get_json(&format!("{server}/api/incidents?{query}")).await["incidents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits for the incident of `kind` on `device` to reach `status`.
async fn wait_incident(server: &str, device: &str, kind: &str, status: &str) -> Value {
    eventually(
        Duration::from_secs(10),
        &format!("{kind} incident {status} on {device}"),
        || async {
            incidents(server, &format!("device={device}&kind={kind}"))
                .await
                .into_iter()
                .find(|i| i["status"] == status)
        },
    )
    .await
}

fn at(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

async fn assert_jpeg(url: &str) {
    let response = common::client().get(url).send().await.expect("picture");
    assert_eq!(response.status(), 200, "{url}");
    let bytes = response.bytes().await.expect("bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "{url} is not a JPEG");
}

fn start_all() -> (Vpt, String, String) {
    let mut vpt = Vpt::start(Options::new("all").env("VPT_HOST__NAME", "bench"));
    let server = vpt.server_url();
    vpt.host_url();
    let device = format!("{server}/api/hosts/bench/devices/sim1");
    (vpt, server, device)
}

#[tokio::test]
async fn a_black_screen_opens_an_incident_after_its_delay_and_closes_it_with_its_duration() {
    let (_vpt, server, sim1) = start_all();
    wait_host_status(&server, "bench", "online", Duration::from_secs(15)).await;
    set_monitoring(&sim1, quick_settings(false)).await;

    let injected = Instant::now();
    let injected_at = chrono::Utc::now();
    set_faults(&sim1, json!({"black": true})).await;
    let opened = wait_incident(&server, "sim1", "black", "active").await;
    let seen_after = injected.elapsed();
    assert!(
        seen_after >= Duration::from_millis(500),
        "opened before its 500 ms delay: {seen_after:?}"
    );
    let detected = at(&opened["started_at"]) - injected_at;
    assert!(
        detected.num_milliseconds() < 1000,
        "the black picture was seen {detected} after it appeared"
    );
    assert_eq!(opened["frames"][0]["label"], "first", "{opened}");
    assert_jpeg(&format!(
        "{server}{}",
        opened["frames"][0]["url"].as_str().unwrap()
    ))
    .await;

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cleared = Instant::now();
    set_faults(&sim1, json!({})).await;
    let resolved = wait_incident(&server, "sim1", "black", "resolved").await;
    assert_eq!(resolved["id"], opened["id"], "the same incident closes");
    assert_eq!(resolved["resolve_reason"], "cleared");
    // The fault lasted from `injected` to `cleared`; the incident says so within 0.5 s.
    let lasted = (cleared - injected).as_millis() as i64;
    let duration = resolved["duration_ms"].as_i64().expect("duration");
    assert!(
        (duration - lasted).abs() < 500,
        "duration {duration} ms, the fault lasted {lasted} ms"
    );
    let labels: Vec<&str> = resolved["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.first(), Some(&"first"), "{labels:?}");
    assert_eq!(labels.last(), Some(&"after"), "{labels:?}");
    assert!(labels.contains(&"last"), "{labels:?}");
    for frame in resolved["frames"].as_array().unwrap() {
        assert_jpeg(&format!("{server}{}", frame["url"].as_str().unwrap())).await;
    }
    // Exactly one incident, and sim2 (not monitored by these settings) has none.
    assert_eq!(incidents(&server, "").await.len(), 1);
    // Prometheus sees it, and the host's monitor figures come through the server.
    let metrics = common::client()
        .get(format!("{server}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let value = |series: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in /metrics"))
    };
    assert_eq!(value("vpt_incidents_total{kind=\"black\"}"), 1.0);
    assert_eq!(value("vpt_incidents_active{kind=\"black\"}"), 0.0);
    assert!(value("vpt_monitor_analysed_fps{host=\"bench\",device=\"sim1\"}") > 0.0);
    assert_eq!(
        value("vpt_monitor_enabled{host=\"bench\",device=\"sim1\"}"),
        1.0
    );
    let (status, refused) = call(
        reqwest::Method::GET,
        &format!("{server}/api/incidents/{}/frames/..%2Fx.jpg", opened["id"]),
        None,
    )
    .await;
    assert!(status == 400 || status == 404, "{status} {refused}");
}

#[tokio::test]
async fn freeze_and_no_signal_open_their_own_incidents_and_no_signal_hides_black() {
    let (_vpt, server, sim1) = start_all();
    wait_host_status(&server, "bench", "online", Duration::from_secs(15)).await;
    set_monitoring(&sim1, quick_settings(true)).await;
    // Live TV moves: nothing opens while it plays.
    let (status, _) = post(&format!("{sim1}/remote/press"), json!({"key": "OK"})).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(incidents(&server, "").await.is_empty());

    set_faults(&sim1, json!({"freeze": true})).await;
    let frozen = wait_incident(&server, "sim1", "freeze", "active").await;
    set_faults(&sim1, json!({})).await;
    let thawed = wait_incident(&server, "sim1", "freeze", "resolved").await;
    assert_eq!(thawed["id"], frozen["id"]);

    // No signal while black: only the no-signal incident opens.
    set_faults(&sim1, json!({"no_signal": true, "black": true})).await;
    wait_incident(&server, "sim1", "no_signal", "active").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        incidents(&server, "kind=black").await.is_empty(),
        "black is hidden by no signal"
    );
    let monitor = get_json(&format!("{sim1}/monitor")).await;
    assert_eq!(
        monitor["status"]["conditions"]["no_signal"], "active",
        "{monitor}"
    );
    assert_eq!(
        monitor["status"]["conditions"]["black"], "clear",
        "{monitor}"
    );
    set_faults(&sim1, json!({})).await;
    wait_incident(&server, "sim1", "no_signal", "resolved").await;
    // Filters: by kind and status.
    assert_eq!(incidents(&server, "status=resolved").await.len(), 2);
    assert_eq!(incidents(&server, "kind=freeze").await.len(), 1);
    assert!(incidents(&server, "status=active").await.is_empty());
}

fn start_host(name: &str, server: &str, token: &str, data: Option<&std::path::Path>) -> Vpt {
    let mut options = Options::new("host")
        .config(&sim_host_config(name, 1))
        .env("VPT_HOST__SERVER_URL", server)
        .env("VPT_HOST__TOKEN", token)
        .env("VPT_HOST__HEARTBEAT_INTERVAL_MS", 200)
        .env("VPT_HOST__RECONNECT_MAX_MS", 300);
    if let Some(dir) = data {
        options = options.data_dir(dir);
    }
    let mut host = Vpt::start(options);
    host.host_url();
    host
}

#[tokio::test]
async fn incidents_raised_while_the_server_is_down_arrive_once_when_it_returns() {
    let bind = format!("127.0.0.1:{}", free_port());
    let data = tempfile::tempdir().expect("dir");
    let start_server = || {
        Vpt::start(
            Options::new("server")
                .data_dir(data.path())
                .env("VPT_SERVER__BIND", &bind),
        )
    };
    let mut server = start_server();
    let url = server.server_url();
    let token = server.host_token();
    let mut host = start_host("rack", &url, &token, None);
    let host_url = host.host_url();
    let direct = format!("{host_url}/host/devices/sim1");
    wait_host_status(&url, "rack", "online", Duration::from_secs(10)).await;
    set_monitoring(&direct, quick_settings(false)).await;

    server.signal("KILL");
    server.wait_exit(Duration::from_secs(5));
    // With the server away, a black screen comes and goes on the host.
    set_faults(&direct, json!({"black": true})).await;
    eventually(
        Duration::from_secs(10),
        "black active on the host",
        || async {
            let monitor = get_json(&format!("{direct}/monitor")).await;
            (monitor["status"]["conditions"]["black"] == "active").then_some(())
        },
    )
    .await;
    set_faults(&direct, json!({})).await;
    eventually(
        Duration::from_secs(10),
        "black clear on the host",
        || async {
            let monitor = get_json(&format!("{direct}/monitor")).await;
            (monitor["status"]["conditions"]["black"] == "clear").then_some(())
        },
    )
    .await;

    let mut server = start_server();
    let url = server.server_url();
    wait_host_status(&url, "rack", "online", Duration::from_secs(15)).await;
    let resolved = wait_incident(&url, "sim1", "black", "resolved").await;
    assert_eq!(resolved["host"], "rack");
    assert!(
        resolved["frames"].as_array().is_some_and(|f| f.len() >= 2),
        "{resolved}"
    );
    assert_jpeg(&format!(
        "{url}{}",
        resolved["frames"][0]["url"].as_str().unwrap()
    ))
    .await;

    // Another lost link and return: the journal is read from where it stopped, no repeats.
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(5));
    let mut server = start_server();
    let url = server.server_url();
    wait_host_status(&url, "rack", "online", Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(incidents(&url, "").await.len(), 1, "stored once");
    host.stop();
    server.stop();
}

#[tokio::test]
async fn a_restarted_host_closes_the_incident_it_left_open_and_keeps_its_settings() {
    let mut server = Vpt::start(Options::new("server"));
    let url = server.server_url();
    let token = server.host_token();
    let host_data = tempfile::tempdir().expect("dir");
    let mut host = start_host("rack", &url, &token, Some(host_data.path()));
    wait_host_status(&url, "rack", "online", Duration::from_secs(10)).await;
    let sim1 = format!("{url}/api/hosts/rack/devices/sim1");
    set_monitoring(&sim1, quick_settings(false)).await;
    set_faults(&sim1, json!({"black": true})).await;
    let open = wait_incident(&url, "sim1", "black", "active").await;

    host.signal("KILL");
    host.wait_exit(Duration::from_secs(5));
    let _host = start_host("rack", &url, &token, Some(host_data.path()));
    wait_host_status(&url, "rack", "online", Duration::from_secs(15)).await;
    let closed = wait_incident(&url, "sim1", "black", "resolved").await;
    assert_eq!(closed["id"], open["id"]);
    assert!(
        closed["resolve_reason"]
            .as_str()
            .is_some_and(|r| r.contains("restarted")),
        "{closed}"
    );
    let settings = get_json(&format!("{sim1}/monitor")).await["settings"].clone();
    assert_eq!(
        settings["black"]["delay_ms"], 500,
        "settings survive a restart"
    );
    server.stop();
}

#[tokio::test]
async fn the_timeline_keeps_recent_frames_serves_and_exports_them() {
    let mut vpt = Vpt::start(
        Options::new("all")
            .env("VPT_HOST__NAME", "bench")
            .env("VPT_HOST__TIMELINE_FPS", 5),
    );
    let server = vpt.server_url();
    wait_host_status(&server, "bench", "online", Duration::from_secs(15)).await;
    let sim1 = format!("{server}/api/hosts/bench/devices/sim1");
    let timeline = eventually(Duration::from_secs(10), "5 timeline frames", || async {
        let timeline = get_json(&format!("{sim1}/timeline")).await;
        (timeline["frames"].as_array()?.len() >= 5).then_some(timeline)
    })
    .await;
    assert_eq!(timeline["fps"], 5.0);
    let frames = timeline["frames"].as_array().unwrap();
    let first = frames[0]["t"].as_u64().unwrap();
    let last = frames[frames.len() - 1]["t"].as_u64().unwrap();
    assert_jpeg(&format!("{sim1}/timeline/{first}.jpg")).await;

    let (status, recent) = post(
        &format!("{server}/server/rec/getRestartImages"),
        json!({"host": "bench", "device": "sim1", "seconds": 60}),
    )
    .await;
    assert_eq!(status, 200, "{recent}");
    let listed = recent["frames"].as_array().unwrap();
    assert!(listed.len() >= frames.len(), "{recent}");
    assert_jpeg(&format!("{server}{}", listed[0]["url"].as_str().unwrap())).await;

    let zip = common::client()
        .get(format!(
            "{sim1}/timeline/export?from={first}&to={last}&format=zip"
        ))
        .send()
        .await
        .expect("export");
    assert_eq!(zip.status(), 200);
    let bytes = zip.bytes().await.unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    assert_eq!(archive.len(), frames.len());
    let mp4 = common::client()
        .get(format!(
            "{sim1}/timeline/export?from={first}&to={last}&format=mp4"
        ))
        .send()
        .await
        .expect("export");
    if timeline["video_export"] == true {
        assert_eq!(mp4.status(), 200);
        let bytes = mp4.bytes().await.unwrap();
        assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    } else {
        assert_eq!(mp4.status(), 409, "no ffmpeg here: refused, saying so");
    }

    for (body, code) in [
        (
            json!({"host": "bench", "device": "sim1", "seconds": 0}),
            400,
        ),
        (
            json!({"host": "bench", "device": "sim9", "seconds": 5}),
            404,
        ),
        (
            json!({"host": "nowhere", "device": "sim1", "seconds": 5}),
            404,
        ),
        (json!({"host": "../x", "device": "sim1", "seconds": 5}), 400),
        (json!({"host": "bench", "device": "sim1"}), 422),
    ] {
        let (status, answer) = post(
            &format!("{server}/server/rec/getRestartImages"),
            body.clone(),
        )
        .await;
        assert_eq!(status, code, "{body} → {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
    for (path, code) in [
        ("timeline/12ab.jpg", 400),
        ("timeline/1.jpg", 404),
        ("timeline?from=5&to=1", 400),
        ("timeline/export?from=1&to=2&format=gif", 404),
        (
            &format!("timeline/export?from={first}&to={last}&format=gif"),
            400,
        ),
    ] {
        let (status, answer) = call(reqwest::Method::GET, &format!("{sim1}/{path}"), None).await;
        assert_eq!(status, code, "{path} → {answer}");
    }
}

#[tokio::test]
async fn bad_settings_and_incident_actions_are_refused_and_change_nothing() {
    let (_vpt, server, sim1) = start_all();
    wait_host_status(&server, "bench", "online", Duration::from_secs(15)).await;
    let before = get_json(&format!("{sim1}/monitor")).await["settings"].clone();
    assert_eq!(before["enabled"], true, "the default sims are monitored");
    assert_eq!(before["freeze"]["enabled"], false, "but not for freezes");
    for (body, field) in [
        (json!({"enabled": true, "fps": 0}), "fps"),
        (json!({"black": {"min_fraction": 2}}), "black.min_fraction"),
        (
            json!({"freeze": {"delay_ms": 99_999_999}}),
            "freeze.delay_ms",
        ),
        (json!({"blak": {}}), "blak"),
    ] {
        let (status, answer) = put(&format!("{sim1}/monitor"), body.clone()).await;
        // Values out of range are 400, a document of the wrong shape 422.
        assert!(status == 400 || status == 422, "{body} → {answer}");
        assert!(
            answer["detail"].as_str().is_some_and(|d| d.contains(field)),
            "{answer} names {field}"
        );
    }
    let after = get_json(&format!("{sim1}/monitor")).await["settings"].clone();
    assert_eq!(before, after, "nothing changed");

    set_monitoring(&sim1, quick_settings(false)).await;
    set_faults(&sim1, json!({"black": true})).await;
    let incident = wait_incident(&server, "sim1", "black", "active").await;
    let id = incident["id"].as_i64().unwrap();
    for (body, code) in [
        (json!({"comment": ""}), 400),
        (json!({"comment": "x".repeat(2001)}), 400),
        (json!({}), 422),
    ] {
        let (status, answer) =
            post(&format!("{server}/api/incidents/{id}/false-positive"), body).await;
        assert_eq!(status, code, "{answer}");
    }
    assert_eq!(
        get_json(&format!("{server}/api/incidents/{id}")).await["false_positive"],
        false
    );
    let (status, _) = post(&format!("{server}/api/incidents/99999/ack"), json!({})).await;
    assert_eq!(status, 404);
    for query in ["kind=purple", "status=open", "limit=0", "from=yesterday"] {
        let (status, answer) = call(
            reqwest::Method::GET,
            &format!("{server}/api/incidents?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 400, "{query} → {answer}");
    }

    let (status, acked) = post(
        &format!("{server}/api/incidents/{id}/ack"),
        json!({"by": "alice"}),
    )
    .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["acknowledged_by"], "alice");
    let (status, marked) = post(
        &format!("{server}/api/incidents/{id}/false-positive"),
        json!({"comment": "the set-top box was rebooted on purpose"}),
    )
    .await;
    assert_eq!(status, 200, "{marked}");
    assert_eq!(marked["false_positive"], true);
    assert_eq!(
        marked["acknowledged_by"], "alice",
        "the first acknowledgement stays"
    );
    assert_eq!(marked["comment"], "the set-top box was rebooted on purpose");
}
