//! The trust boundaries (docs/security.md): a host is untrusted input to the server, the host
//! API on the host's own port needs the host's token, one picture cannot take a host down, and
//! an approval belongs to one machine's key. Hostile hosts here speak the real link protocol
//! (challenge, signed hello, HTTP/2 inside the WebSocket) from inside the test.

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::routing::{any, get};
use common::{Options, Vpt, client, eventually, get_json, post};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};
use vpt::host::key::HostKey;
use vpt::link::WsByteStream;
use vpt::protocol::{
    CaptureInfo, Challenge, DeviceInfo, DeviceStatus, HEARTBEAT_PATH, Heartbeat, Hello,
    PROTOCOL_VERSION,
};

fn device(id: &str, name: &str) -> DeviceInfo {
    DeviceInfo {
        id: id.into(),
        name: name.into(),
        model: "evil-box".into(),
        status: DeviceStatus::Ok,
        capabilities: Vec::new(),
        capture: CaptureInfo {
            kind: "sim".into(),
            width: 1280,
            height: 720,
            fps_target: 25.0,
            fps_measured: 25.0,
            frames_total: 0,
            frames_dropped: 0,
            last_frame_age_ms: None,
            error: None,
            pictures_held: 0,
            picture_bytes: 0,
        },
        remote: None,
        power: None,
    }
}

/// A host dialing `server` as `name` with `key`: `Ok` once welcomed (the link then serves
/// `router` until the returned task is dropped), `Err(reason)` when refused.
async fn dial(
    server: &str,
    token: &str,
    name: &str,
    key: &HostKey,
    devices: Vec<DeviceInfo>,
    extra_header: Option<(&'static str, &str)>,
    router: Router,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let mut request = format!("{}/api/hosts/connect", server.replace("http://", "ws://"))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    if let Some((header, value)) = extra_header {
        request
            .headers_mut()
            .insert(header, HeaderValue::from_str(value).expect("header"));
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let challenge = socket.next().await.expect("challenge").expect("challenge");
    let challenge: Challenge =
        serde_json::from_str(challenge.to_text().unwrap_or("")).expect("a challenge");
    let beats = devices.clone();
    let hello = Hello {
        key: Some(key.prove(&challenge.nonce, name)),
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        heartbeat_interval_ms: 1000,
        uptime_secs: 0,
        devices,
    };
    let text = serde_json::to_string(&hello).expect("hello");
    socket
        .send(Message::Text(text.into()))
        .await
        .expect("hello sent");
    let reply = socket.next().await.expect("reply").expect("reply");
    let reply: Value = serde_json::from_str(reply.to_text().unwrap_or("")).expect("reply");
    if reply["type"] != "welcome" {
        return Err(reply["reason"].as_str().unwrap_or_default().to_string());
    }
    let router = router.route(HEARTBEAT_PATH, get(move || heartbeats(beats)));
    Ok(tokio::spawn(async move {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .serve_connection(
                TokioIo::new(WsByteStream::new(socket)),
                TowerToHyperService::new(router),
            )
            .await;
    }))
}

/// Heartbeats reporting the devices the host said hello with.
async fn heartbeats(devices: Vec<DeviceInfo>) -> Body {
    let ticks = tokio::time::interval(Duration::from_millis(500));
    Body::from_stream(futures_util::stream::unfold(
        (ticks, devices),
        |(mut ticks, devices)| async move {
            ticks.tick().await;
            let beat = Heartbeat {
                uptime_secs: 1,
                stats: Default::default(),
                devices: devices.clone(),
            };
            let mut line = serde_json::to_string(&beat).unwrap_or_default();
            line.push('\n');
            Some((Ok::<_, std::convert::Infallible>(line), (ticks, devices)))
        },
    ))
}

/// Script that makes an admin named `pwned` when a browser runs it on the server's origin
/// (the servers here run with auth off: every request acts as an admin).
const PAYLOAD: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('/api/users',{method:'POST',headers:{'content-type':'application/json','x-vpt-csrf':'1'},body:JSON.stringify({name:'pwned',role:'admin',password:'pwned-password-1'})})"><script>fetch('/api/users',{method:'POST',headers:{'content-type':'application/json','x-vpt-csrf':'1'},body:JSON.stringify({name:'pwned2',role:'admin',password:'pwned-password-1'})})</script></svg>"#;

/// What a malicious host answers, chosen by the `case` query parameter.
async fn hostile(uri: axum::http::Uri) -> Response<Body> {
    let case = uri
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("case=")))
        .unwrap_or("json");
    let payload = PAYLOAD;
    let answer = |status: u16, headers: &[(&str, &str)], body: &str| {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::from(body.to_string())).unwrap()
    };
    if uri.path().ends_with("/verify") {
        let results = json!({ "passed": true, "results": [
            { "kind": "image", "passed": true, "annotated_url": "https://evil.example/x.jpg" },
            { "kind": "image", "passed": true, "annotated_url": "/host/verifications/../../api/users" },
            { "kind": "image", "passed": true, "annotated_url": "/host/verifications/ab12.jpg" },
        ]});
        return answer(
            200,
            &[("content-type", "application/json")],
            &results.to_string(),
        );
    }
    match case {
        "svg" => answer(200, &[("content-type", "image/svg+xml")], payload),
        "html" => answer(200, &[("content-type", "Text/HTML")], payload),
        "xhtml" => answer(200, &[("content-type", "application/xhtml+xml")], payload),
        "xml" => answer(200, &[("content-type", "text/xml")], payload),
        "sniff" => answer(200, &[], payload),
        "redirect" => answer(302, &[("location", "https://evil.example/")], ""),
        "headers" => answer(
            200,
            &[
                ("content-type", "application/json"),
                ("set-cookie", "vpt_session=stolen; Path=/"),
                ("access-control-allow-origin", "https://evil.example"),
                ("access-control-allow-credentials", "true"),
                ("refresh", "0; url=https://evil.example/"),
            ],
            "{}",
        ),
        _ => answer(200, &[("content-type", "application/json")], "{}"),
    }
}

fn server_with(env: &[(&str, &str)]) -> Vpt {
    let mut options = Options::new("server");
    for (key, value) in env {
        options = options.env(key, value);
    }
    Vpt::start(options)
}

// The hostile host is served by this test's runtime while Chromium loads its answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_hosts_answers_reach_users_only_as_safe_content() {
    let mut server = server_with(&[]);
    let url = server.server_url();
    let key = HostKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    let router = Router::new().route("/host/{*rest}", any(hostile));
    let _link = dial(
        &url,
        &server.host_token(),
        "evil",
        &key,
        vec![device("d0", "Evil box")],
        None,
        router,
    )
    .await
    .expect("welcomed");
    common::wait_host_status(&url, "evil", "online", Duration::from_secs(10)).await;
    let device = format!("{url}/api/hosts/evil/devices/d0");
    let mut refused = 0;
    let mut tried = 0;
    for (route, case) in [
        ("screenshot", "svg"),
        ("screenshot", "html"),
        ("screenshot", "xhtml"),
        ("screenshot", "xml"),
        ("screenshot", "sniff"),
        ("timeline/1.jpg", "svg"),
        ("timeline/export", "html"),
        ("stream.mjpeg", "svg"),
        ("position", "svg"),
        ("position", "html"),
        ("position", "redirect"),
        ("screenshot", "redirect"),
    ] {
        tried += 1;
        let response = client()
            .get(format!("{device}/{route}?case={case}"))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{route} {case}: {body}");
        assert_eq!(
            headers["content-type"], "application/json",
            "{route} {case}"
        );
        assert!(headers.get("location").is_none(), "{route} {case}");
        assert!(
            !body.contains("<svg") && !body.contains("<script"),
            "{body}"
        );
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"], "host_bad_answer", "{error}");
        refused += 1;
    }
    // Headers a host sets never reach the browser; what passes is sandboxed.
    tried += 1;
    let response = client()
        .get(format!("{device}/position?case=headers"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for gone in [
        "set-cookie",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "refresh",
    ] {
        assert!(response.headers().get(gone).is_none(), "{gone} passed");
    }
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    refused += 1;
    // URLs inside a host's JSON are rebuilt from checked parts, or dropped.
    tried += 1;
    let (status, answer) = post(
        &format!("{url}/api/hosts/evil/devices/d0/verify"),
        json!({ "verifications": [{ "kind": "black" }] }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let urls: Vec<&Value> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["annotated_url"])
        .collect();
    assert_eq!(
        urls,
        [
            &Value::Null,
            &Value::Null,
            &json!("/api/hosts/evil/verifications/ab12.jpg")
        ]
    );
    refused += 1;
    println!("hostile host answers: {refused} of {tried} handled as they must be");

    // The same answers opened in a real browser, as an admin following a link would: nothing
    // of the host's runs, so no user appears.
    for case in ["svg", "html", "xhtml", "xml", "sniff"] {
        let page = format!("{device}/screenshot?case={case}");
        let dom = tokio::task::spawn_blocking(move || headless_chromium_dom(&page))
            .await
            .unwrap();
        assert!(dom.contains("host_bad_answer"), "{case}: {dom}");
        assert!(!dom.contains("<svg"), "{case}: {dom}");
    }
    let users = get_json(&format!("{url}/api/users")).await;
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("pwned")),
        "a host's script ran: {names:?}"
    );
    server.stop();
}

/// The DOM Debian's Chromium builds for `url` once its scripts had two seconds to run.
fn headless_chromium_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("chromium runs (scripts/setup.sh --test installs it)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn hostile_device_lists_are_refused_with_the_reason() {
    let mut server = server_with(&[]);
    let url = server.server_url();
    let token = server.host_token();
    let key = HostKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    let long_id = "a".repeat(5000);
    let many: Vec<DeviceInfo> = (0..3000).map(|i| device(&format!("d{i}"), "Box")).collect();
    let cases: Vec<(Vec<DeviceInfo>, &str)> = vec![
        (vec![device("../../../../etc/passwd", "x")], "device id"),
        (vec![device("a/b?c#d", "x")], "device id"),
        (vec![device(&long_id, "x")], "device id"),
        (vec![device("d0", "x"), device("d0", "y")], "twice"),
        (
            vec![device("d0", "line\nbreak\u{1b}[31m")],
            "control character",
        ),
        (vec![device("d0", &"n".repeat(500))], "over 100 characters"),
        (many, "at most 256"),
    ];
    for (i, (devices, reason)) in cases.into_iter().enumerate() {
        let name = format!("bad{i}");
        let refused = dial(&url, &token, &name, &key, devices, None, Router::new())
            .await
            .expect_err("refused");
        assert!(refused.contains(reason), "case {i}: {refused}");
    }
    // HTML in a name is text: kept verbatim for the UI to show as text.
    let html = "<img src=x onerror=alert(1)>";
    let _link = dial(
        &url,
        &token,
        "ok",
        &key,
        vec![device("d0", html)],
        None,
        Router::new(),
    )
    .await
    .expect("welcomed");
    let devices = eventually(Duration::from_secs(10), "the device listed", || async {
        let list = get_json(&format!("{url}/api/devices")).await;
        list.as_array().filter(|l| !l.is_empty()).cloned()
    })
    .await;
    assert_eq!(devices[0]["name"], html);
    assert!(
        get_json(&format!("{url}/api/hosts"))
            .await
            .as_array()
            .unwrap()
            .len()
            == 1,
        "no refused host was recorded"
    );
    server.stop();
}

#[tokio::test]
async fn an_approval_belongs_to_one_machines_key() {
    // Takeover: an approved host is offline; another machine with the join token (even from
    // this machine, which the default policy would approve) cannot take its name.
    let mut server = server_with(&[]);
    let url = server.server_url();
    let token = server.host_token();
    let real = HostKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    let attacker = HostKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    let link = dial(&url, &token, "bench", &real, vec![], None, Router::new())
        .await
        .expect("auto-approved");
    common::wait_host_status(&url, "bench", "online", Duration::from_secs(10)).await;
    link.abort();
    drop(link);
    common::wait_host_status(&url, "bench", "offline", Duration::from_secs(20)).await;
    let refused = dial(
        &url,
        &token,
        "bench",
        &attacker,
        vec![],
        None,
        Router::new(),
    )
    .await
    .expect_err("takeover refused");
    assert!(refused.contains("another key is approved"), "{refused}");
    let approvals = get_json(&format!("{url}/api/hosts/approvals")).await;
    assert_eq!(approvals[0]["key_fingerprint"], real.fingerprint());
    // Through a proxy every host comes from 127.0.0.1: the policy does not vouch for it.
    let proxied = dial(
        &url,
        &token,
        "via-proxy",
        &attacker,
        vec![],
        Some(("x-forwarded-for", "203.0.113.7")),
        Router::new(),
    )
    .await
    .expect_err("waits");
    assert!(proxied.contains("waits for an admin"), "{proxied}");
    server.stop();

    // The race: with approval by an admin only, an attacker asks first under the real host's
    // name; the admin approves the fingerprint the real host logs, and only that key links.
    let mut server = server_with(&[("VPT_AUTH__AUTO_APPROVE_HOSTS", "never")]);
    let url = server.server_url();
    let token = server.host_token();
    let ask = |key: &'static HostKey| {
        let (url, token) = (url.clone(), token.clone());
        async move { dial(&url, &token, "rack", key, vec![], None, Router::new()).await }
    };
    let real: &'static HostKey = Box::leak(Box::new(real));
    let attacker: &'static HostKey = Box::leak(Box::new(attacker));
    assert!(ask(attacker).await.unwrap_err().contains("waits"));
    assert!(ask(real).await.unwrap_err().contains(real.fingerprint()));
    assert!(ask(attacker).await.is_err());
    let approve_url = format!("{url}/api/hosts/rack/approve");
    let approve = |fingerprint: &str| post(&approve_url, json!({ "key_fingerprint": fingerprint }));
    let (status, body) = approve(real.fingerprint()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "key_changed");
    assert_eq!(body["key_fingerprint"], attacker.fingerprint());
    assert!(ask(real).await.is_err());
    let (status, body) = approve(real.fingerprint()).await;
    assert_eq!(status, 200, "{body}");
    let refused = ask(attacker).await.unwrap_err();
    assert!(refused.contains("another key"), "{refused}");
    let _link = ask(real).await.expect("the real host links");
    common::wait_host_status(&url, "rack", "online", Duration::from_secs(10)).await;
    let (status, body) = post(
        &format!("{url}/api/hosts/rack/approve"),
        json!({"bogus": 1}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    server.stop();
}

#[tokio::test]
async fn the_host_api_needs_its_token_and_one_picture_cannot_take_a_host_down() {
    let mut vpt = Vpt::start(Options::new("all"));
    let url = vpt.server_url();
    let host_url = vpt.host_url();
    let token = vpt.host_api_token();
    let plain = client();
    let mut tried = 0;
    let mut refused = 0;
    let mut expect = |status: u16, wanted: u16, what: &str| {
        tried += 1;
        assert_eq!(status, wanted, "{what}");
        refused += 1;
    };
    // Anonymous, with a wrong token, or for another host name: refused, with JSON.
    for (method, path) in [
        ("GET", "/host/health"),
        ("GET", "/host/devices/sim1/screenshot"),
        ("GET", "/host/metrics"),
        ("GET", "/host/devices/sim1/timeline"),
        ("POST", "/host/devices/sim1/remote/press"),
        ("POST", "/host/devices/sim1/power"),
        ("POST", "/host/devices/sim1/sim"),
        ("PUT", "/host/devices/sim1/monitor"),
        ("DELETE", "/host/runs/1-abc"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let anonymous = plain
            .request(method.clone(), format!("{host_url}{path}"))
            .json(&json!({"key": "OK"}))
            .send()
            .await
            .unwrap();
        expect(anonymous.status().as_u16(), 401, path);
        let body: Value = anonymous.json().await.unwrap();
        assert_eq!(body["error"], "unauthenticated");
        let wrong = plain
            .request(method.clone(), format!("{host_url}{path}"))
            .bearer_auth("vpta_not-the-token")
            .send()
            .await
            .unwrap();
        expect(wrong.status().as_u16(), 401, path);
        let rebound = plain
            .request(method, format!("{host_url}{path}"))
            .bearer_auth(&token)
            .header("host", "attacker.example")
            .send()
            .await
            .unwrap();
        expect(rebound.status().as_u16(), 421, path);
    }
    println!("host API: {refused} of {tried} hostile requests refused");
    let health = get_json(&format!("{host_url}/host/health")).await;
    assert_eq!(health["status"], "ok");
    // The server reaches it through the link, with no token.
    let shot = plain
        .get(format!(
            "{url}/api/hosts/{}/devices/sim1/screenshot",
            health["name"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(shot.status(), 200);
    assert_eq!(shot.headers()["content-type"], "image/png");
    assert_eq!(
        shot.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    // `vpt healthcheck --host` reads the token from the data dir.
    let check = std::process::Command::new(common::BIN)
        .args(["healthcheck", "--host", "--data-dir"])
        .arg(&vpt.data_dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // A reference larger than any frame is refused from its header, on upload and inline,
    // and the host stays online.
    let host = health["name"].as_str().unwrap().to_string();
    let huge = common::png_claiming(8000, 8000);
    let upload = plain
        .post(format!(
            "{url}/api/references/upload?name=huge&userinterface=demo-stb"
        ))
        .header("content-type", "image/png")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 400);
    let body: Value = upload.json().await.unwrap();
    assert_eq!(body["error"], "reference_too_large", "{body}");
    use base64::Engine;
    let inline = json!({ "verifications": [{ "kind": "image", "reference": {
        "name": "huge", "png_base64": base64::engine::general_purpose::STANDARD.encode(&huge)
    }}]});
    let (status, body) = post(
        &format!("{url}/api/hosts/{host}/devices/sim1/verify"),
        inline,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "reference_too_large", "{body}");
    let too_big_for_its_frame = json!({ "verifications": [{ "kind": "image", "reference": {
        "name": "cut", "png_base64": base64::engine::general_purpose::STANDARD.encode(common::png_claiming(2000, 100)),
        "source_width": 1280, "source_height": 720
    }}]});
    let (status, body) = post(
        &format!("{url}/api/hosts/{host}/devices/sim1/verify"),
        too_big_for_its_frame,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("larger than the 1280x720 frame"),
        "{body}"
    );
    let hosts = get_json(&format!("{url}/api/hosts")).await;
    assert_eq!(hosts[0]["status"], "online");
    vpt.stop();
}
