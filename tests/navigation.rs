//! Navigation trees end to end on `vpt all` with the seeded `demo-stb` tree and two simulated
//! set-top boxes: goto with the sim's ground truth as judge, recovery from lost keys, full-tree
//! validation, a broken edge, edits and history, export/import, cancellation and locks.

mod common;

use std::time::Duration;

use common::bench::Bench;
use common::get_json;
use serde_json::{Value, json};

/// Gotos and validations answer when they end, which takes longer than a plain request.
fn slow_client() -> reqwest::Client {
    common::http()
        .timeout(Duration::from_secs(180))
        .build()
        .expect("client")
}

async fn send(method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = slow_client().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    send(reqwest::Method::POST, url, Some(body)).await
}

async fn demo_tree_id(bench: &Bench) -> i64 {
    let uis = get_json(&format!("{}/api/userinterfaces", bench.url)).await;
    uis.as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "demo-stb")
        .expect("demo-stb is seeded")["tree_id"]
        .as_i64()
        .unwrap()
}

async fn goto(bench: &Bench, device: &str, tree: i64, target: &str, attempts: u32) -> Value {
    let (status, body) = post(
        &format!("{}/navigate?wait=true", bench.device(device)),
        json!({"tree_id": tree, "target": target, "max_attempts": attempts}),
    )
    .await;
    assert_eq!(status, 200, "goto {target}: {body}");
    body["job"].clone()
}

/// What the sim must show on a demo node: (screen, focused item).
fn ground_truth_of(node: &str) -> (String, Option<String>) {
    let focus_of = |list: &str, item: &str| Some(format!("{list}/{item}"));
    match node {
        "home" => ("home".into(), Some("live_tv".into())),
        "settings" => ("settings".into(), focus_of("settings", "network")),
        "apps" => ("apps".into(), focus_of("apps", "streambox")),
        "live_tv" | "guide" | "recordings" => (node.into(), None),
        _ => {
            if let Some(tile) = node.strip_prefix("home-") {
                ("home".into(), Some(tile.into()))
            } else if let Some(item) = node.strip_prefix("settings-") {
                ("settings".into(), focus_of("settings", item))
            } else if let Some(app) = node.strip_prefix("apps-") {
                ("apps".into(), focus_of("apps", app))
            } else {
                (node.replace('.', "/"), None)
            }
        }
    }
}

async fn assert_on(bench: &Bench, device: &str, node: &str) {
    let truth = get_json(&format!("{}/sim", bench.device(device))).await;
    let (screen, focus) = ground_truth_of(node);
    assert_eq!(
        truth["screen"], screen,
        "{device} should show {node}: {truth}"
    );
    if let Some(focus) = focus {
        assert_eq!(
            truth["focus"], focus,
            "{device} should show {node}: {truth}"
        );
    }
}

#[tokio::test]
async fn goto_reaches_every_demo_node_and_the_sim_agrees() {
    let bench = Bench::start_with_demo().await;
    let tree_id = demo_tree_id(&bench).await;
    let tree = get_json(&format!("{}/api/trees/{tree_id}", bench.url)).await;
    let nodes: Vec<String> = tree["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .filter(|id| id != "entry")
        .collect();
    assert_eq!(nodes.len(), 30);
    for node in &nodes {
        let job = goto(&bench, "sim1", tree_id, node, 10).await;
        assert_eq!(job["status"], "passed", "goto {node}: {job}");
        assert_eq!(job["position"], node.as_str());
        assert_on(&bench, "sim1", node).await;
        // Every move of a clean run passes first time.
        for step in job["steps"].as_array().unwrap() {
            assert_eq!(step["status"], "passed", "goto {node}: {step}");
        }
    }
    // The first goto started from an unknown position and had to work out where the sim was.
    let jobs = get_json(&format!("{}/api/nav/jobs", bench.url)).await;
    assert_eq!(jobs.as_array().unwrap().len(), nodes.len());
    // Times measured on the way are kept per edge, for the planner and the graph.
    let tree = get_json(&format!("{}/api/trees/{tree_id}", bench.url)).await;
    let metrics = tree["metrics"].as_array().unwrap();
    assert!(!metrics.is_empty());
    assert!(metrics.iter().all(|m| m["successes"] == m["runs"]));
}

#[tokio::test]
async fn goto_recovers_when_keys_are_lost() {
    let bench = Bench::start_with_demo().await;
    let tree_id = demo_tree_id(&bench).await;
    let (status, _) = post(
        &format!("{}/sim", bench.device("sim2")),
        json!({"faults": {"drop_key_probability": 0.2}}),
    )
    .await;
    assert_eq!(status, 200);
    let mut recoveries = 0;
    for target in [
        "settings.system_info",
        "apps.browser",
        "live_tv",
        "settings.wifi",
        "recordings",
        "apps.kids",
    ] {
        let job = goto(&bench, "sim2", tree_id, target, 30).await;
        assert_eq!(job["status"], "passed", "goto {target}: {job}");
        assert_on(&bench, "sim2", target).await;
        let steps = job["steps"].as_array().unwrap();
        let failed = steps.iter().filter(|s| s["status"] == "failed").count();
        if failed > 0 {
            recoveries += 1;
            // A failed move is followed by working out where the device is.
            let localised = steps.iter().filter(|s| s["kind"] == "localise").count();
            assert!(localised >= 1, "{target}: {steps:?}");
            assert!(job["attempts"].as_u64().unwrap() > 1);
        }
    }
    let truth = get_json(&format!("{}/sim", bench.device("sim2"))).await;
    assert!(truth["keys_dropped"].as_u64().unwrap() > 0, "{truth}");
    assert!(
        recoveries > 0,
        "no key was lost on the way, so recovery was not exercised"
    );
}

#[tokio::test]
async fn validation_walks_every_edge_and_reports_the_broken_one() {
    let bench = Bench::start_with_demo().await;
    let tree_id = demo_tree_id(&bench).await;

    // A copy of the demo under another name, with one edge broken: RIGHT does nothing on the
    // settings list, so "Wi-Fi" is never opened.
    let export = get_json(&format!("{}/api/trees/{tree_id}/export", bench.url)).await;
    let (status, imported) = post(
        &format!("{}/api/trees/import?name=broken-stb", bench.url),
        export,
    )
    .await;
    assert_eq!(status, 201, "{imported}");
    let broken_id = imported["tree_id"].as_i64().unwrap();
    let url = format!(
        "{}/api/trees/{broken_id}/edges/settings-wifi--settings.wifi",
        bench.url
    );
    let mut edge = get_json(&format!("{}/api/trees/{broken_id}", bench.url)).await["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "settings-wifi--settings.wifi")
        .unwrap()
        .clone();
    edge["forward"] = json!([{"command": "press", "key": "RIGHT"}]);
    let (status, body) = send(reqwest::Method::PUT, &url, Some(edge)).await;
    assert_eq!(status, 200, "{body}");

    // Both validations run at once, one per sim.
    let (good_url, bad_url) = (
        format!("{}/validate?wait=true", bench.device("sim1")),
        format!("{}/validate?wait=true", bench.device("sim2")),
    );
    let good = post(&good_url, json!({"tree_id": tree_id}));
    let bad = post(&bad_url, json!({"tree_id": broken_id}));
    let ((good_status, good), (bad_status, bad)) = tokio::join!(good, bad);
    assert_eq!(good_status, 200, "{good}");
    assert_eq!(bad_status, 200, "{bad}");

    let job = &good["job"];
    assert_eq!(job["status"], "passed", "{}", job["error"]);
    let summary = &job["validation"];
    assert_eq!(summary["edges_total"], 68);
    assert_eq!(summary["edges_passed"], 68);
    let moves = summary["moves"].as_u64().unwrap();
    assert!(moves >= 68, "{moves} moves");
    let stored = get_json(&format!(
        "{}/api/validations/{}",
        bench.url, job["validation_id"]
    ))
    .await;
    assert_eq!(stored["status"], "passed");
    assert_eq!(stored["results"].as_array().unwrap().len(), 68);
    let tree = get_json(&format!("{}/api/trees/{tree_id}", bench.url)).await;
    assert_eq!(tree["metrics"].as_array().unwrap().len(), 68);

    let job = &bad["job"];
    assert_eq!(job["status"], "failed");
    let results = job["validation"]["results"].as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["passed"] == false).collect();
    assert!(
        failed
            .iter()
            .all(|r| r["edge_id"] == "settings-wifi--settings.wifi"),
        "only the broken edge (and its reverse, which starts where it leads) fail: {failed:?}"
    );
    let forward = failed
        .iter()
        .find(|r| r["direction"] == "forward")
        .expect("the broken edge is reported");
    assert!(
        forward["detail"]
            .as_str()
            .unwrap()
            .contains("settings.wifi")
    );
    let screenshot = forward["screenshot_url"].as_str().expect("a screenshot");
    assert!(screenshot.starts_with("/api/validations/"), "{screenshot}");
    let response = slow_client()
        .get(format!("{}{screenshot}", bench.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let listed = get_json(&format!("{}/api/trees/{broken_id}/validations", bench.url)).await;
    assert_eq!(listed[0]["status"], "failed");
}

#[tokio::test]
async fn tree_edits_are_checked_whole_and_versioned() {
    let bench = Bench::start_with_demo().await;
    let (status, ui) = post(
        &format!("{}/api/userinterfaces", bench.url),
        json!({"name": "my-app", "models": ["stb"]}),
    )
    .await;
    assert_eq!(status, 201, "{ui}");
    let tree_id = ui["tree_id"].as_i64().unwrap();
    let tree_url = format!("{}/api/trees/{tree_id}", bench.url);
    let tree = get_json(&tree_url).await;
    assert_eq!(tree["version"], 1);
    let ids: Vec<&str> = tree["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["entry", "home"]);
    let (status, _) = post(
        &format!("{}/api/userinterfaces", bench.url),
        json!({"name": "my-app"}),
    )
    .await;
    assert_eq!(status, 409);

    // Refused whole, naming the problem; nothing saved.
    let refusals = [
        (
            json!({"source": "home", "target": "gide", "forward": [{"command": "press", "key": "OK"}]}),
            "target \"gide\" is not a node",
        ),
        (
            json!({"source": "entry", "target": "home", "forward": [{"command": "jump"}]}),
            "unknown command \"jump\"",
        ),
    ];
    for (edge, expected) in refusals {
        let (status, body) = post(&format!("{tree_url}/edges"), edge).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains(expected),
            "{body}"
        );
    }
    let (status, body) = post(
        &format!("{tree_url}/nodes"),
        json!({"id": "menu", "label": "Menu",
               "verifications": [{"kind": "image", "reference": "no-such-crop"}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("reference \"no-such-crop\" does not exist in userinterface \"my-app\""),
        "{body}"
    );
    let (status, body) = send(
        reqwest::Method::DELETE,
        &format!("{tree_url}/nodes/home"),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(get_json(&tree_url).await["version"], 1);

    // Accepted changes each make a version; history restores.
    let (status, body) = post(
        &format!("{tree_url}/nodes"),
        json!({"id": "menu", "label": "Menu", "verifications": [{"kind": "black", "mode": "absent"}]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        &format!("{tree_url}/edges"),
        json!({"source": "home", "target": "menu",
               "forward": [{"command": "press", "key": "MENU"}],
               "reverse": [{"command": "press", "key": "BACK"}]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"], 3);
    assert_eq!(body["edges"][1]["id"], "home-menu");
    let (status, body) = send(
        reqwest::Method::PUT,
        &tree_url,
        Some(json!({"nodes": body["nodes"], "edges": body["edges"], "base_version": 2})),
    )
    .await;
    assert_eq!(
        status, 409,
        "a save based on an old version is refused: {body}"
    );
    let history = get_json(&format!("{tree_url}/history")).await;
    let versions: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(history[0]["message"], "edge home -> menu added");
    let (status, restored) = post(&format!("{tree_url}/history/1/restore"), json!({})).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["nodes"].as_array().unwrap().len(), 2);

    // A reference a tree verifies with cannot be deleted or renamed under it.
    let references = get_json(&format!(
        "{}/api/references?userinterface=demo-stb",
        bench.url
    ))
    .await;
    let used = references
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "guide-heading")
        .expect("demo reference");
    let reference_url = format!("{}/api/references/{}", bench.url, used["id"]);
    let (status, body) = send(reqwest::Method::DELETE, &reference_url, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("`guide`"),
        "{body}"
    );
    let (status, _) = send(
        reqwest::Method::PUT,
        &reference_url,
        Some(json!({"name": "renamed"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(get_json(&reference_url).await["name"], "guide-heading");

    // Export, then import elsewhere under another name: same tree, references and screenshots.
    let demo = demo_tree_id(&bench).await;
    let export = get_json(&format!("{}/api/trees/{demo}/export", bench.url)).await;
    assert_eq!(export["references"].as_array().unwrap().len(), 29);
    assert_eq!(export["screenshots"].as_object().unwrap().len(), 30);
    let (status, body) = post(&format!("{}/api/trees/import", bench.url), export.clone()).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = post(
        &format!("{}/api/trees/import?name=demo-copy", bench.url),
        export.clone(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let copy = get_json(&format!("{}/api/trees/{}", bench.url, body["tree_id"])).await;
    let original = get_json(&format!("{}/api/trees/{demo}", bench.url)).await;
    assert_eq!(copy["edges"], original["edges"]);
    assert_eq!(
        copy["nodes"].as_array().unwrap().len(),
        original["nodes"].as_array().unwrap().len()
    );
    assert_eq!(body["userinterface"]["reference_count"], 29);
    let shot = copy["nodes"][1]["screenshot_url"]
        .as_str()
        .expect("screenshot");
    let response = slow_client()
        .get(format!("{}{shot}", bench.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // A document whose tree names a reference it does not carry is refused whole.
    let mut broken = export;
    broken["references"].as_array_mut().unwrap().pop();
    let (status, body) = post(&format!("{}/api/trees/import?name=half", bench.url), broken).await;
    assert_eq!(status, 400, "{body}");
    let uis = get_json(&format!("{}/api/userinterfaces", bench.url)).await;
    assert!(uis.as_array().unwrap().iter().all(|u| u["name"] != "half"));
}

#[tokio::test]
async fn position_is_forgotten_after_a_manual_key_and_jobs_can_be_cancelled() {
    let bench = Bench::start_with_demo().await;
    let tree_id = demo_tree_id(&bench).await;
    let job = goto(&bench, "sim1", tree_id, "guide", 10).await;
    assert_eq!(job["status"], "passed");
    let position = get_json(&format!("{}/position", bench.device("sim1"))).await;
    assert_eq!(position["node"], "guide");
    let (status, _) = post(
        &format!("{}/remote/press", bench.device("sim1")),
        json!({"key": "BACK"}),
    )
    .await;
    assert_eq!(status, 200);
    let position = get_json(&format!("{}/position", bench.device("sim1"))).await;
    assert!(position.is_null(), "{position}");
    // The next goto starts by working out where the device is.
    let job = goto(&bench, "sim1", tree_id, "home-guide", 10).await;
    assert_eq!(job["status"], "passed");
    assert_eq!(job["steps"][0]["kind"], "localise");
    assert_eq!(job["steps"][0]["to"], "home-guide");

    // Unknown target: refused before anything moves.
    let (status, body) = post(
        &format!("{}/navigate", bench.device("sim1")),
        json!({"tree_id": tree_id, "target": "nowhere"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // A validation takes a while: cancel it, and the device is free again.
    let (status, body) = post(
        &format!("{}/validate", bench.device("sim1")),
        json!({"tree_id": tree_id}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let id = body["job"]["id"].as_u64().unwrap();
    let (status, _) = post(
        &format!("{}/navigate", bench.device("sim1")),
        json!({"tree_id": tree_id, "target": "home"}),
    )
    .await;
    assert_eq!(status, 409, "one navigation per device at a time");
    let (status, _) = post(
        &format!("{}/api/nav/jobs/{id}/cancel", bench.url),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let job = common::eventually(Duration::from_secs(10), "cancelled", || async {
        let job = get_json(&format!("{}/api/nav/jobs/{id}", bench.url)).await;
        (job["status"] == "cancelled").then_some(job)
    })
    .await;
    assert!(job["finished_at"].is_string());
    common::eventually(Duration::from_secs(10), "device free", || async {
        let (status, _) = post(
            &format!("{}/navigate?wait=true", bench.device("sim1")),
            json!({"tree_id": tree_id, "target": "home"}),
        )
        .await;
        (status == 200).then_some(())
    })
    .await;

    // Someone else's lock is respected.
    let (status, body) = post(
        &format!("{}/api/devices/bench/sim2/lock", bench.url),
        json!({"owner": "alice"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &format!("{}/navigate", bench.device("sim2")),
        json!({"tree_id": tree_id, "target": "home"}),
    )
    .await;
    assert_eq!(status, 423, "{body}");
}
