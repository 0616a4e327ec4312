//! Bad input and the web UI routes of a real server: JSON errors with 4xx, nothing written.

mod common;

use common::{Options, Vpt, client, get_json};
use serde_json::{Value, json};

fn server() -> (Vpt, String) {
    let mut vpt = Vpt::start(Options::new("server").env("VPT_SERVER__MAX_BODY_BYTES", 4096));
    let url = vpt.server_url();
    (vpt, url)
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "status {status}"
    );
    (status, response.json().await.expect("JSON error body"))
}

#[tokio::test]
async fn register_rejects_bad_input_and_writes_nothing() {
    let (server, url) = server();
    let register = format!("{url}/api/hosts/register");
    let token = server.host_token();
    let post = |body: String, token: Option<String>| {
        let mut request = client()
            .post(&register)
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let hello = json!({ "name": "tool-1", "version": "0.1.0", "protocol_version": vpt::protocol::PROTOCOL_VERSION, "heartbeat_interval_ms": 1000 });

    let (status, body) = error_of(
        post("{\"name\": ".into(), Some(token.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("malformed_json"))
    );

    let wrong_type = json!({ "name": 42, "version": "x", "protocol_version": vpt::protocol::PROTOCOL_VERSION, "heartbeat_interval_ms": 1000 });
    let (status, body) = error_of(
        post(wrong_type.to_string(), Some(token.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    assert!(body["detail"].as_str().unwrap().contains("name"), "{body}");

    let oversized = json!({ "name": "x".repeat(10_000), "version": "x", "protocol_version": vpt::protocol::PROTOCOL_VERSION, "heartbeat_interval_ms": 1000 });
    let (status, body) = error_of(
        post(oversized.to_string(), Some(token.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("body_too_large"))
    );

    let traversal = json!({ "name": "../etc", "version": "x", "protocol_version": vpt::protocol::PROTOCOL_VERSION, "heartbeat_interval_ms": 1000 });
    let (status, _) = error_of(
        post(traversal.to_string(), Some(token.clone()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);

    let (status, body) = error_of(post(hello.to_string(), None).await.unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("bad_token")));

    assert_eq!(
        get_json(&format!("{url}/api/hosts")).await,
        json!([]),
        "nothing written"
    );

    let response = post(hello.to_string(), Some(token)).await.unwrap();
    assert_eq!(response.status(), 200);
    let hosts = get_json(&format!("{url}/api/hosts")).await;
    assert_eq!(hosts[0]["id"], "tool-1");
    assert_eq!(hosts[0]["status"], "offline", "registered, but no link yet");
}

#[tokio::test]
async fn unknown_routes_are_json_404s_and_deep_links_get_the_app() {
    let (_server, url) = server();
    for path in ["/api/nope", "/api/hosts/ghost", "/server/nope", "/api"] {
        let (status, body) =
            error_of(client().get(format!("{url}{path}")).send().await.unwrap()).await;
        assert_eq!(status, 404, "{path}");
        assert!(body["detail"].is_string(), "{path}");
    }
    let page = client()
        .get(format!("{url}/devices/some-host/sim1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("<title>"));
    let missing = client()
        .get(format!("{url}/assets/missing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let root = client().get(format!("{url}/")).send().await.unwrap();
    let etag = root.headers()["etag"].clone();
    let again = client()
        .get(format!("{url}/"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn system_endpoints_describe_the_server() {
    let (server, url) = server();
    assert_eq!(get_json(&format!("{url}/api/health")).await["status"], "ok");
    let info = get_json(&format!("{url}/api/system/info")).await;
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["protocol_version"], vpt::protocol::PROTOCOL_VERSION);
    assert!(info["db_size_bytes"].as_u64().unwrap() > 0);
    assert!(
        info["db_path"]
            .as_str()
            .unwrap()
            .starts_with(server.data_dir.to_str().unwrap())
    );
    let status = get_json(&format!("{url}/api/system/status")).await;
    assert_eq!(
        status,
        json!({ "hosts_online": 0, "hosts_offline": 0, "devices": 0, "db_ok": true })
    );
    assert_eq!(
        get_json(&format!("{url}/api/hosts/discovered")).await,
        json!([])
    );
}

#[tokio::test]
async fn ids_in_paths_and_bodies_are_checked_with_json_400s_naming_the_id() {
    let (_server, url) = server();
    let http = client();
    let cases = [
        (
            http.post(format!("{url}/api/hosts/bad%20host/devices/sim1/verify"))
                .json(&json!({"verifications": []})),
            "`bad host` is not a valid host id",
        ),
        (
            http.get(format!("{url}/api/hosts/rack/devices/dev%20ice/screenshot")),
            "`dev ice` is not a valid device id",
        ),
        (
            http.post(format!("{url}/api/devices/rack/..%20/lock"))
                .json(&json!({"owner": "alice"})),
            "`.. ` is not a valid device id",
        ),
        (
            http.delete(format!("{url}/api/trees/1/nodes/no%20de")),
            "`no de` is not a valid node id",
        ),
        (
            http.delete(format!("{url}/api/trees/1/edges/ed%20ge")),
            "`ed ge` is not a valid edge id",
        ),
        (
            http.post(format!("{url}/server/rec/getRestartImages"))
                .json(&json!({"host": "rack", "device": "a/b", "seconds": 5})),
            "`a/b` is not a valid device id",
        ),
    ];
    for (request, detail) in cases {
        let (status, body) = error_of(request.send().await.expect("request")).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "invalid_id", "{body}");
        assert_eq!(body["detail"], detail, "{body}");
    }
}
