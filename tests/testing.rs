//! Test cases and runs end to end on the real binary with simulated set-top boxes: passing and
//! failing runs with their pictures and reports, the queue (one device, any device of a model),
//! cancellation, a host killed mid-run, a link lost and regained mid-run, a server restarted
//! mid-run, campaigns, schedules and `vpt run`'s exit codes.

mod common;

use std::time::Duration;

use common::bench::Bench;
use common::{
    BIN, Options, Vpt, call, eventually, free_port, get_json, post, sim_host_config,
    wait_host_status,
};
use serde_json::{Value, json};

/// Runs answer when they end; queries are quick.
fn http() -> reqwest::Client {
    common::http()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

async fn create_testcase(server: &str, body: Value) -> i64 {
    let (status, created) = post(&format!("{server}/api/testcases"), body).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("id")
}

async fn start_run(server: &str, testcase_id: i64, target: Value) -> i64 {
    let (status, run) = post(
        &format!("{server}/api/runs"),
        json!({"testcase_id": testcase_id, "target": target, "started_by": "test"}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["status"], "queued");
    run["id"].as_i64().expect("id")
}

async fn run_of(server: &str, id: i64) -> Value {
    get_json(&format!("{server}/api/runs/{id}")).await
}

/// Waits for the run's status to be one of `statuses`.
async fn wait_status(server: &str, id: i64, statuses: &[&str], within: Duration) -> Value {
    eventually(within, &format!("run {id} {statuses:?}"), || async {
        let run = run_of(server, id).await;
        statuses.iter().any(|s| run["status"] == *s).then_some(run)
    })
    .await
}

async fn wait_ended(server: &str, id: i64) -> Value {
    wait_status(
        server,
        id,
        &["passed", "failed", "error", "cancelled"],
        Duration::from_secs(120),
    )
    .await
}

/// A test case that needs no tree: keys, a wait and a check of the picture.
fn simple_steps(wait_ms: u64) -> Value {
    json!([
        {"action": "press", "keys": ["OK"]},
        {"action": "wait", "ms": wait_ms},
        {"action": "verify", "verifications": [{"kind": "black", "mode": "absent"}]}
    ])
}

async fn artifact_is_jpeg(server: &str, run: i64, name: &str) {
    let response = http()
        .get(format!("{server}/api/runs/{run}/artifacts/{name}"))
        .send()
        .await
        .expect("artifact");
    assert_eq!(response.status(), 200, "artifact {name}");
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{name} is a JPEG");
}

async fn demo_testcase(server: &str, name: &str) -> i64 {
    let all = get_json(&format!("{server}/api/testcases")).await;
    all.as_array()
        .expect("list")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("demo test case {name}"))["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn demo_test_cases_pass_and_the_failing_one_reports_why() {
    let bench = Bench::start_with_demo().await;
    let server = bench.url.as_str();
    let on_sim1 = json!({"host": "bench", "device": "sim1"});

    let settings = demo_testcase(server, "Open Settings").await;
    let run = start_run(server, settings, on_sim1.clone()).await;
    let ended = wait_ended(server, run).await;
    assert_eq!(ended["status"], "passed", "{ended}");
    assert_eq!(ended["device"], "sim1");
    let steps = ended["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|s| s["status"] == "passed"));
    let truth = get_json(&format!("{}/sim", bench.device("sim1"))).await;
    assert_eq!(truth["screen"], "settings", "the sim agrees: {truth}");
    // Pictures before/after the goto, the verification overlay and the screenshot are kept.
    artifact_is_jpeg(server, run, steps[0]["before"].as_str().expect("before")).await;
    artifact_is_jpeg(server, run, steps[0]["after"].as_str().expect("after")).await;
    let overlay = steps[1]["verifications"][0]["annotated"]
        .as_str()
        .expect("overlay");
    artifact_is_jpeg(server, run, overlay).await;
    artifact_is_jpeg(server, run, steps[2]["after"].as_str().expect("shot")).await;

    for name in ["Zap three channels", "Black screen after power off"] {
        let id = demo_testcase(server, name).await;
        let run = start_run(server, id, on_sim1.clone()).await;
        let ended = wait_ended(server, run).await;
        assert_eq!(ended["status"], "passed", "{name}: {ended}");
    }

    let failing = demo_testcase(server, "Find the Sports tile (fails on purpose)").await;
    let run = start_run(server, failing, json!({"model": "stb"})).await;
    let ended = wait_ended(server, run).await;
    assert_eq!(ended["status"], "failed", "{ended}");
    let reason = ended["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("steps[1]: text \"Sports\""),
        "the reason names the step and the check: {reason}"
    );
    let failed = &ended["steps"][1];
    assert_eq!(failed["status"], "failed");
    artifact_is_jpeg(
        server,
        run,
        failed["verifications"][0]["annotated"]
            .as_str()
            .expect("overlay of the failure"),
    )
    .await;

    // Reports: self-contained HTML, and JUnit that parses with one failure.
    let html = http()
        .get(format!("{server}/api/runs/{run}/report.html"))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("text");
    assert!(html.contains("Find the Sports tile (fails on purpose)"));
    assert!(
        html.contains("data:image/jpeg;base64,"),
        "pictures embedded"
    );
    assert!(!html.contains("<script"), "no scripts");
    let xml = http()
        .get(format!("{server}/api/runs/{run}/junit.xml"))
        .send()
        .await
        .expect("junit")
        .text()
        .await
        .expect("text");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit parses");
    let suites = doc.root_element();
    assert_eq!(suites.attribute("tests"), Some("1"));
    assert_eq!(suites.attribute("failures"), Some("1"));
    assert!(doc.descendants().any(|n| n.has_tag_name("failure")));

    // History filters and the trend count these runs.
    let failed_runs = get_json(&format!("{server}/api/runs?status=failed")).await;
    assert_eq!(failed_runs["total"], 1);
    let stats = get_json(&format!("{server}/api/runs/stats?days=7")).await;
    assert_eq!(stats["total"]["passed"], 3);
    assert_eq!(stats["total"]["failed"], 1);
}

#[tokio::test]
async fn bad_test_cases_are_refused_naming_the_step_and_nothing_is_saved() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let (status, body) = post(
        &format!("{server}/api/testcases"),
        json!({"name": "bad", "steps": [
            {"action": "wait", "ms": 10},
            {"action": "repeat", "times": 2, "steps": [{"action": "press", "keys": []}]}
        ]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_testcase");
    assert_eq!(
        body["detail"],
        "steps[1].steps[0].keys: must name 1 to 50 keys"
    );
    for bad in [
        json!({"name": "x", "steps": [{"action": "goto", "node": "home"}]}),
        json!({"name": "x", "steps": [{"action": "fly"}]}),
        json!({"name": "", "steps": [{"action": "wait", "ms": 1}]}),
        json!({"name": "x", "steps": "press OK"}),
        json!({"name": "x", "steps": [{"action": "verify", "verifications": [{"kind": "image", "reference": "logo"}]}]}),
    ] {
        let (status, body) = post(&format!("{server}/api/testcases"), bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let all = get_json(&format!("{server}/api/testcases")).await;
    assert_eq!(all, json!([]), "nothing was saved");

    // Names are unique; a stale save is refused.
    let id = create_testcase(
        server,
        json!({"name": "keys", "tags": ["Smoke"], "steps": simple_steps(0)}),
    )
    .await;
    let (status, _) = post(
        &format!("{server}/api/testcases"),
        json!({"name": "keys", "steps": simple_steps(0)}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, saved) = call(
        reqwest::Method::PUT,
        &format!("{server}/api/testcases/{id}"),
        Some(
            json!({"name": "keys", "tags": ["smoke"], "steps": simple_steps(5), "base_version": 1}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 2);
    let (status, _) = call(
        reqwest::Method::PUT,
        &format!("{server}/api/testcases/{id}"),
        Some(json!({"name": "keys", "steps": simple_steps(9), "base_version": 1})),
    )
    .await;
    assert_eq!(status, 409, "stale");
    let (status, copy) = post(&format!("{server}/api/testcases/{id}/duplicate"), json!({})).await;
    assert_eq!(status, 201);
    assert_eq!(copy["name"], "keys (copy)");
    assert_eq!(copy["tags"], json!(["smoke"]));
    // A run for a device nobody has is refused at once.
    let (status, body) = post(
        &format!("{server}/api/runs"),
        json!({"testcase_id": id, "target": {"model": "dvb-t2"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "no_device");
}

#[tokio::test]
async fn runs_for_one_device_queue_and_any_device_runs_spread_over_both() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let testcase =
        create_testcase(server, json!({"name": "short", "steps": simple_steps(800)})).await;
    let sim1 = json!({"host": "bench", "device": "sim1"});
    let first = start_run(server, testcase, sim1.clone()).await;
    let second = start_run(server, testcase, sim1.clone()).await;
    let running = wait_status(server, first, &["running"], Duration::from_secs(20)).await;
    assert_eq!(running["device"], "sim1");
    let waiting = run_of(server, second).await;
    assert_eq!(waiting["status"], "queued", "one run at a time on a device");
    assert_eq!(waiting["queue_position"], 1);
    // A run holds the device's lock: manual control is refused meanwhile.
    let (status, _) = post(
        &format!("{}/remote/press", bench.device("sim1")),
        json!({"key": "OK"}),
    )
    .await;
    assert_eq!(status, 423);
    let first = wait_ended(server, first).await;
    let second = wait_ended(server, second).await;
    assert_eq!(first["status"], "passed", "{first}");
    assert_eq!(second["status"], "passed", "{second}");
    assert!(
        second["started_at"].as_str() >= first["finished_at"].as_str(),
        "the second started after the first ended"
    );

    let model = json!({"model": "stb"});
    let a = start_run(server, testcase, model.clone()).await;
    let b = start_run(server, testcase, model).await;
    let a = wait_ended(server, a).await;
    let b = wait_ended(server, b).await;
    assert_eq!(a["status"], "passed");
    assert_eq!(b["status"], "passed");
    assert_ne!(a["device"], b["device"], "spread over the two sims");
}

#[tokio::test]
async fn queued_and_running_runs_can_be_cancelled() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let testcase = create_testcase(
        server,
        json!({"name": "long", "steps": simple_steps(60_000)}),
    )
    .await;
    let sim2 = json!({"host": "bench", "device": "sim2"});
    let running = start_run(server, testcase, sim2.clone()).await;
    let queued = start_run(server, testcase, sim2.clone()).await;
    wait_status(server, running, &["running"], Duration::from_secs(20)).await;
    let (status, cancelled) = post(&format!("{server}/api/runs/{queued}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    let (status, cancelled) = post(&format!("{server}/api/runs/{running}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let (status, _) = post(&format!("{server}/api/runs/{running}/cancel"), json!({})).await;
    assert_eq!(status, 409, "already ended");
    // The device is free again: a new run goes through.
    let quick = create_testcase(server, json!({"name": "quick", "steps": simple_steps(0)})).await;
    let next = start_run(server, quick, sim2).await;
    assert_eq!(wait_ended(server, next).await["status"], "passed");
}

fn start_host(name: &str, server: &str, token: &str) -> Vpt {
    let mut host = Vpt::start(
        Options::new("host")
            .config(&sim_host_config(name, 1))
            .env("VPT_HOST__SERVER_URL", server)
            .env("VPT_HOST__TOKEN", token)
            .env("VPT_HOST__HEARTBEAT_INTERVAL_MS", 200)
            .env("VPT_HOST__RECONNECT_MAX_MS", 300),
    );
    host.host_url();
    host
}

#[tokio::test]
async fn a_killed_host_ends_its_run_as_host_lost_and_a_lost_link_loses_nothing() {
    let mut server = Vpt::start(Options::new("server").env("VPT_RUNS__HOST_LOST_AFTER_S", 3));
    let url = server.server_url();
    let token = server.host_token();
    let host = start_host("rack", &url, &token);
    wait_host_status(&url, "rack", "online", Duration::from_secs(10)).await;
    let steps = json!([
        {"action": "press", "keys": ["OK"]},
        {"action": "wait", "ms": 2500},
        {"action": "press", "keys": ["BACK"]},
        {"action": "verify", "verifications": [{"kind": "black", "mode": "absent"}]}
    ]);
    let testcase = create_testcase(&url, json!({"name": "through a pause", "steps": steps})).await;
    let on_rack = json!({"host": "rack", "device": "sim1"});

    // The host freezes for longer than 3 heartbeats: the server drops the link, the host keeps
    // its events, and once it is back every step arrives exactly once.
    let run = start_run(&url, testcase, on_rack.clone()).await;
    eventually(Duration::from_secs(20), "first step done", || async {
        (run_of(&url, run).await["steps_done"] == 1).then_some(())
    })
    .await;
    host.signal("STOP");
    wait_host_status(&url, "rack", "offline", Duration::from_secs(10)).await;
    host.signal("CONT");
    let ended = wait_ended(&url, run).await;
    assert_eq!(ended["status"], "passed", "{ended}");
    assert_eq!(ended["steps_done"], 4);
    let indexes: Vec<i64> = ended["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["index"].as_i64().expect("index"))
        .collect();
    assert_eq!(indexes, vec![0, 1, 2, 3], "each step once, in order");

    // Killed for good: the run ends as host lost and the device's lock is freed.
    let run = start_run(&url, testcase, on_rack).await;
    // Killed once the host has the run in hand (its first step done; the next one waits 2.5 s):
    // a host dying while the start request is still on the wire is a different failure
    // ("did not answer").
    eventually(
        Duration::from_secs(20),
        "first step of the second run done",
        || async { (run_of(&url, run).await["steps_done"] == 1).then_some(()) },
    )
    .await;
    drop(host);
    let ended = wait_ended(&url, run).await;
    assert_eq!(ended["status"], "error");
    assert!(
        ended["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("host lost")),
        "{ended}"
    );
    let devices = get_json(&format!("{url}/api/devices")).await;
    let device = devices
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["host"] == "rack" && d["id"] == "sim1")
        .expect("the device is still known");
    assert!(
        device["lock"].is_null(),
        "the run's lock is released: {device}"
    );
    server.stop();
}

#[tokio::test]
async fn a_server_restarted_mid_run_marks_it_interrupted_and_the_device_works_again() {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
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
    let _host = start_host("rack", &url, &token);
    wait_host_status(&url, "rack", "online", Duration::from_secs(10)).await;
    let long = create_testcase(&url, json!({"name": "long", "steps": simple_steps(60_000)})).await;
    let quick = create_testcase(&url, json!({"name": "quick", "steps": simple_steps(0)})).await;
    let on_rack = json!({"host": "rack", "device": "sim1"});
    let run = start_run(&url, long, on_rack.clone()).await;
    wait_status(&url, run, &["running"], Duration::from_secs(20)).await;
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(5));

    let mut server = start_server();
    let url = server.server_url();
    let interrupted = run_of(&url, run).await;
    assert_eq!(interrupted["status"], "error");
    assert!(
        interrupted["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("interrupted")),
        "{interrupted}"
    );
    // The host rejoins; the server stops the orphaned run there, so the device runs again.
    wait_host_status(&url, "rack", "online", Duration::from_secs(15)).await;
    let next = start_run(&url, quick, on_rack).await;
    assert_eq!(wait_ended(&url, next).await["status"], "passed");
    server.stop();
}

#[tokio::test]
async fn campaigns_run_in_order_on_one_device_and_stop_on_failure_when_asked() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let pass = create_testcase(server, json!({"name": "pass", "steps": simple_steps(0)})).await;
    let fail = create_testcase(
        server,
        json!({"name": "fail", "steps": [
            {"action": "verify", "verifications": [{"kind": "black", "timeout_ms": 300}]}
        ]}),
    )
    .await;
    let (status, campaign) = post(
        &format!("{server}/api/campaigns"),
        json!({"name": "nightly", "testcase_ids": [pass, fail, pass], "continue_on_failure": true,
               "target": {"model": "stb"}}),
    )
    .await;
    assert_eq!(status, 201, "{campaign}");
    let id = campaign["id"].as_i64().expect("id");
    let (status, started) = post(&format!("{server}/api/campaigns/{id}/run"), json!({})).await;
    assert_eq!(status, 201, "{started}");
    let campaign_run = started["id"].as_i64().expect("id");
    let done = eventually(Duration::from_secs(60), "campaign ends", || async {
        let view = get_json(&format!("{server}/api/campaign-runs/{campaign_run}")).await;
        (view["status"] != "running").then_some(view)
    })
    .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["passed"], 2);
    assert_eq!(done["failed"], 1);
    let devices: Vec<&Value> = done["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| &t["run"]["device"])
        .collect();
    assert!(
        devices.iter().all(|d| *d == devices[0]),
        "one device: {devices:?}"
    );
    let xml = http()
        .get(format!(
            "{server}/api/campaign-runs/{campaign_run}/junit.xml"
        ))
        .send()
        .await
        .expect("junit")
        .text()
        .await
        .expect("text");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit parses");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        3
    );

    // Stop at the first failure: the third test is not run.
    let (_, stopping) = post(
        &format!("{server}/api/campaigns"),
        json!({"name": "strict", "testcase_ids": [fail, pass], "continue_on_failure": false}),
    )
    .await;
    let strict = stopping["id"].as_i64().expect("id");
    let (_, started) = post(&format!("{server}/api/campaigns/{strict}/run"), json!({})).await;
    let campaign_run = started["id"].as_i64().expect("id");
    let done = eventually(Duration::from_secs(60), "strict campaign ends", || async {
        let view = get_json(&format!("{server}/api/campaign-runs/{campaign_run}")).await;
        (view["status"] != "running").then_some(view)
    })
    .await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["not_run"], 1, "{done}");
    assert!(done["tests"][1]["run"].is_null());

    // Cancelling a campaign stops its running test and answers once the campaign has ended.
    let slow = create_testcase(
        server,
        json!({"name": "slow", "steps": simple_steps(60_000)}),
    )
    .await;
    let (_, body) = post(
        &format!("{server}/api/campaigns"),
        json!({"name": "cancelled", "testcase_ids": [slow, pass]}),
    )
    .await;
    let cancelled = body["id"].as_i64().expect("id");
    let (_, started) = post(
        &format!("{server}/api/campaigns/{cancelled}/run"),
        json!({}),
    )
    .await;
    let campaign_run = started["id"].as_i64().expect("id");
    let first_run = eventually(Duration::from_secs(20), "first test running", || async {
        let view = get_json(&format!("{server}/api/campaign-runs/{campaign_run}")).await;
        (view["tests"][0]["run"]["status"] == "running")
            .then(|| view["tests"][0]["run"]["id"].clone())
    })
    .await;
    let (status, view) = post(
        &format!("{server}/api/campaign-runs/{campaign_run}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "cancelled", "{view}");
    assert_eq!(view["not_run"], 2, "{view}");
    let run = run_of(server, first_run.as_i64().expect("run id")).await;
    assert_eq!(run["status"], "cancelled");
}

#[tokio::test]
async fn a_schedule_fires_and_a_busy_device_is_skipped_with_the_reason() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let testcase = create_testcase(server, json!({"name": "tick", "steps": simple_steps(0)})).await;
    let (status, body) = post(
        &format!("{server}/api/schedules"),
        json!({"name": "typo", "testcase_id": testcase, "cron": "61 * * * *"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .starts_with("cron: minute"),
        "{body}"
    );
    // sim2 is held by someone (for longer than the wait for the next minute), so its schedule
    // must skip.
    let (status, _) = post(
        &format!(
            "{}/lock",
            bench
                .device("sim2")
                .replace("/api/hosts/bench/devices/", "/api/devices/bench/")
        ),
        json!({"owner": "alice", "lease_secs": 600}),
    )
    .await;
    assert_eq!(status, 200, "lock taken");
    for (name, device) in [("every minute", "sim1"), ("busy device", "sim2")] {
        let (status, schedule) = post(
            &format!("{server}/api/schedules"),
            json!({"name": name, "testcase_id": testcase, "cron": "* * * * *", "max_runs": 1,
                   "target": {"host": "bench", "device": device}}),
        )
        .await;
        assert_eq!(status, 201, "{schedule}");
        assert!(schedule["next_fire_at"].is_string());
    }
    // Cron fires on the minute: up to a minute away.
    let schedules = eventually(Duration::from_secs(75), "both schedules fired", || async {
        let all = get_json(&format!("{server}/api/schedules")).await;
        all.as_array()?
            .iter()
            .all(|s| !s["last_firing"].is_null())
            .then_some(all)
    })
    .await;
    for schedule in schedules.as_array().expect("list") {
        let firing = &schedule["last_firing"];
        if schedule["name"] == "every minute" {
            let run = firing["run_id"].as_i64().expect("a run was queued");
            assert_eq!(wait_ended(server, run).await["status"], "passed");
            assert_eq!(schedule["fired"], 1);
            assert!(schedule["next_fire_at"].is_null(), "max_runs reached");
        } else {
            let skipped = firing["skipped"].as_str().expect("skipped");
            assert!(
                skipped.starts_with("device busy: bench/sim2 is held by alice"),
                "{skipped}"
            );
            assert_eq!(schedule["fired"], 0);
        }
    }
}

#[tokio::test]
async fn vpt_run_exit_codes_and_junit() {
    let bench = Bench::start(None).await;
    let server = bench.url.clone();
    create_testcase(&server, json!({"name": "pass", "steps": simple_steps(0)})).await;
    create_testcase(
        &server,
        json!({"name": "fail", "steps": [
            {"action": "verify", "verifications": [{"kind": "black", "timeout_ms": 300}]}
        ]}),
    )
    .await;
    create_testcase(
        &server,
        json!({"name": "slow", "steps": simple_steps(60_000)}),
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let junit = dir.path().join("out.xml");
    let vpt_run = |args: Vec<String>| {
        let server = server.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                std::process::Command::new(BIN)
                    .arg("run")
                    .arg("--server")
                    .arg(&server)
                    .args(&args)
                    .output()
                    .expect("vpt run")
            })
            .await
            .expect("join")
        }
    };
    let passed = vpt_run(vec![
        "--testcase".into(),
        "pass".into(),
        "--device".into(),
        "bench/sim1".into(),
        "--junit".into(),
        junit.display().to_string(),
    ])
    .await;
    let out = String::from_utf8_lossy(&passed.stdout);
    assert_eq!(passed.status.code(), Some(0), "{out}");
    assert!(out.contains("Press OK") && out.contains("PASSED"), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit parses");
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));

    let failed = vpt_run(vec![
        "--testcase".into(),
        "fail".into(),
        "--model".into(),
        "stb".into(),
    ])
    .await;
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&failed.stdout)
    );
    let unknown = vpt_run(vec!["--testcase".into(), "nope".into()]).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nope"));
    let nowhere = vpt_run(vec![
        "--testcase".into(),
        "pass".into(),
        "--model".into(),
        "tv".into(),
    ])
    .await;
    assert_eq!(nowhere.status.code(), Some(2), "no device fits");
    let timed_out = vpt_run(vec![
        "--testcase".into(),
        "slow".into(),
        "--timeout".into(),
        "2".into(),
    ])
    .await;
    assert_eq!(
        timed_out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&timed_out.stdout)
    );
    // The timed-out run was cancelled.
    let runs = get_json(&format!("{server}/api/runs?status=cancelled")).await;
    assert_eq!(runs["total"], 1);
}

#[tokio::test]
async fn a_run_or_a_step_that_takes_too_long_ends_as_an_error_naming_it() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let slow_step = create_testcase(
        server,
        json!({"name": "slow step", "steps": [
            {"action": "press", "keys": ["OK"]},
            {"action": "wait", "ms": 5000, "timeout_ms": 300}
        ]}),
    )
    .await;
    let run = start_run(
        server,
        slow_step,
        json!({"host": "bench", "device": "sim1"}),
    )
    .await;
    let ended = wait_ended(server, run).await;
    assert_eq!(ended["status"], "error");
    assert_eq!(
        ended["reason"], "steps[1]: the step did not finish within 300 ms",
        "{ended}"
    );
    let slow_run = create_testcase(
        server,
        json!({"name": "slow run", "timeout_s": 1, "steps": [{"action": "wait", "ms": 5000}]}),
    )
    .await;
    let run = start_run(server, slow_run, json!({"host": "bench", "device": "sim2"})).await;
    let ended = wait_ended(server, run).await;
    assert_eq!(ended["status"], "error");
    assert_eq!(
        ended["reason"], "timed out after 1 s during steps[0] \"Wait 5000 ms\"",
        "{ended}"
    );
    let duration = ended["duration_ms"].as_i64().expect("duration");
    assert!(
        duration < 4000,
        "stopped at the limit, not after the wait: {duration} ms"
    );
}

/// Writes `sql` into the server's database, as a damaged or hand-edited file would hold it.
fn damage_database(data_dir: &std::path::Path, sql: &str) {
    let db = rusqlite::Connection::open(data_dir.join("vpt.db")).expect("database opens");
    db.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    db.execute_batch(sql).expect("damage written");
}

fn count_rows(data_dir: &std::path::Path, table: &str) -> i64 {
    let db = rusqlite::Connection::open(data_dir.join("vpt.db")).expect("database opens");
    db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[tokio::test]
async fn an_unreadable_stored_target_stops_the_campaign_and_the_schedule_naming_the_row() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let data_dir = bench.vpt.data_dir.clone();
    let testcase = create_testcase(server, json!({"name": "tick", "steps": simple_steps(0)})).await;
    let (status, campaign) = post(
        &format!("{server}/api/campaigns"),
        json!({"name": "pinned", "testcase_ids": [testcase],
               "target": {"host": "bench", "device": "sim1"}}),
    )
    .await;
    assert_eq!(status, 201, "{campaign}");
    let campaign = campaign["id"].as_i64().expect("id");
    // Read as a default, this target would be the empty selector, which fits any device.
    damage_database(
        &data_dir,
        &format!("UPDATE campaigns SET target = '{{\"host\": 7' WHERE id = {campaign}"),
    );

    let (status, body) = post(&format!("{server}/api/campaigns/{campaign}/run"), json!({})).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], "stored_data_unreadable", "{body}");
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains(&format!("`target` of campaigns row {campaign}")),
        "{detail}"
    );
    let (status, body) = call(
        reqwest::Method::GET,
        &format!("{server}/api/campaigns/{campaign}"),
        None,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], "stored_data_unreadable", "{body}");
    assert_eq!(count_rows(&data_dir, "campaign_runs"), 0);
    assert_eq!(count_rows(&data_dir, "runs"), 0, "nothing ran anywhere");

    // A due schedule with an unreadable target is not fired and not fired again; the others are.
    let (status, schedule) = post(
        &format!("{server}/api/schedules"),
        json!({"name": "pinned", "testcase_id": testcase, "cron": "0 0 1 1 *",
               "target": {"host": "bench", "device": "sim1"}}),
    )
    .await;
    assert_eq!(status, 201, "{schedule}");
    let schedule = schedule["id"].as_i64().expect("id");
    damage_database(
        &data_dir,
        &format!(
            "UPDATE schedules SET target = 'not json', next_fire_at = '2000-01-01 00:00:00+00:00'
             WHERE id = {schedule}"
        ),
    );
    // Saving another schedule wakes the scheduler, which finds the damaged one due.
    let (status, body) = post(
        &format!("{server}/api/schedules"),
        json!({"name": "later", "testcase_id": testcase, "cron": "0 0 1 1 *"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let skipped: String = eventually(Duration::from_secs(40), "firing recorded", || async {
        let db = rusqlite::Connection::open(data_dir.join("vpt.db")).ok()?;
        db.query_row(
            "SELECT skipped FROM schedule_firings WHERE schedule_id = ?1",
            [schedule],
            |r| r.get(0),
        )
        .ok()
    })
    .await;
    assert!(
        skipped.contains(&format!(
            "`target` of schedules row {schedule} is unreadable"
        )),
        "{skipped}"
    );
    let next: Option<String> = rusqlite::Connection::open(data_dir.join("vpt.db"))
        .expect("database opens")
        .query_row(
            "SELECT next_fire_at FROM schedules WHERE id = ?1",
            [schedule],
            |r| r.get(0),
        )
        .expect("schedule row");
    assert_eq!(next, None, "not fired again");
    assert_eq!(count_rows(&data_dir, "runs"), 0, "nothing ran anywhere");
    let (status, body) = call(
        reqwest::Method::GET,
        &format!("{server}/api/schedules/{schedule}"),
        None,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], "stored_data_unreadable", "{body}");
}

#[tokio::test]
async fn a_schedule_whose_stored_cron_does_not_parse_stops_and_the_others_still_fire() {
    let bench = Bench::start(None).await;
    let server = bench.url.as_str();
    let data_dir = bench.vpt.data_dir.clone();
    let testcase = create_testcase(server, json!({"name": "tick", "steps": simple_steps(0)})).await;
    let mut ids = Vec::new();
    for name in ["damaged", "healthy"] {
        let (status, schedule) = post(
            &format!("{server}/api/schedules"),
            json!({"name": name, "testcase_id": testcase, "cron": "0 0 1 1 *"}),
        )
        .await;
        assert_eq!(status, 201, "{schedule}");
        ids.push(schedule["id"].as_i64().expect("id"));
    }
    let (damaged, healthy) = (ids[0], ids[1]);
    // Both due now; the first one's cron can no longer be read (the API refuses such a cron,
    // so only a damaged row has one).
    damage_database(
        &data_dir,
        &format!(
            "UPDATE schedules SET next_fire_at = '2000-01-01 00:00:00+00:00';
             UPDATE schedules SET cron = 'every blue moon' WHERE id = {damaged}"
        ),
    );
    // Saving another schedule wakes the scheduler, which finds both due.
    let (status, body) = post(
        &format!("{server}/api/schedules"),
        json!({"name": "wake", "testcase_id": testcase, "cron": "0 0 1 1 *"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let firing = |id: i64| {
        let data_dir = data_dir.clone();
        move || {
            let data_dir = data_dir.clone();
            async move {
                let db = rusqlite::Connection::open(data_dir.join("vpt.db")).ok()?;
                db.query_row(
                    "SELECT COALESCE(skipped, ''), run_id FROM schedule_firings WHERE schedule_id = ?1",
                    [id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)),
                )
                .ok()
            }
        }
    };
    let (skipped, run) =
        eventually(Duration::from_secs(40), "damaged firing", firing(damaged)).await;
    assert!(
        skipped.contains("the stored cron `every blue moon`") && skipped.contains("does not parse"),
        "{skipped}"
    );
    assert_eq!(run, None);
    let (skipped, run) =
        eventually(Duration::from_secs(40), "healthy firing", firing(healthy)).await;
    assert_eq!(skipped, "", "the healthy schedule fired");
    assert!(run.is_some(), "the healthy schedule queued its run");
    let next: Option<String> = rusqlite::Connection::open(data_dir.join("vpt.db"))
        .expect("database opens")
        .query_row(
            "SELECT next_fire_at FROM schedules WHERE id = ?1",
            [damaged],
            |r| r.get(0),
        )
        .expect("schedule row");
    assert_eq!(
        next, None,
        "the damaged schedule is stopped, not retried at once"
    );
}
