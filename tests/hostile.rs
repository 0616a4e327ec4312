//! Hostile input against the real binary (`vpt all` with two sims, auth on, an admin API token
//! made through the API): path traversal in every path that names a file, oversized bodies,
//! malformed JSON, SQL-looking names and image bombs. After every attack the server still
//! answers and the lists of what it stores are unchanged.

mod common;

use std::time::Duration;

use common::{Options, Vpt, eventually, http};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server's data dir holds that must never leak through a URL.
const SECRETS: [&str; 3] = ["SQLite format 3", "root:x:0:0", "BEGIN"];

struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request written byte for byte (so `..`, `\` and `%2e` reach the server as they are),
/// with `body_len` bytes of `fill` sent as the body from another task (the server may answer
/// before reading it all).
async fn raw(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        for chunk in body.chunks(256 * 1024) {
            if writer.write_all(chunk).await.is_err() {
                break;
            }
        }
        writer
    });
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
            if complete(&received) {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no complete answer to {method} {target}");
    writing.abort();
    parse(&received).unwrap_or_else(|| {
        panic!(
            "unreadable answer to {method} {target}: {:?}",
            String::from_utf8_lossy(&received)
        )
    })
}

fn split_head(bytes: &[u8]) -> Option<(String, &[u8])> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        &bytes[end + 4..],
    ))
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

fn complete(bytes: &[u8]) -> bool {
    match split_head(bytes) {
        Some((head, body)) => match content_length(&head) {
            Some(len) => body.len() >= len,
            None => {
                head.to_ascii_lowercase()
                    .contains("transfer-encoding: chunked")
                    && body.ends_with(b"0\r\n\r\n")
            }
        },
        None => false,
    }
}

fn parse(bytes: &[u8]) -> Option<Answer> {
    let (head, body) = split_head(bytes)?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body[..content_length(&head).unwrap_or(body.len()).min(body.len())].to_vec()
    };
    Some(Answer {
        status,
        headers: head,
        body,
    })
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
    out
}

struct Bench {
    vpt: Vpt,
    addr: String,
    token: String,
}

impl Bench {
    async fn start() -> Self {
        let mut vpt = Vpt::start(
            Options::new("all")
                .env("VPT_AUTH__ENABLED", "true")
                .env("VPT_HOST__NAME", "bench"),
        );
        let url = vpt.server_url();
        let addr = url.trim_start_matches("http://").to_string();
        let password = {
            let log = vpt.log();
            let line = log
                .lines()
                .find(|l| l.contains("created the user `admin` with password"))
                .expect("admin password in the log")
                .to_string();
            line.split("with password ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("password")
                .to_string()
        };
        let client = http().build().unwrap();
        let sign_in = |password: String| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let login = client
                    .post(format!("{url}/api/auth/login"))
                    .json(&json!({"name": "admin", "password": password}))
                    .send()
                    .await
                    .expect("login");
                assert_eq!(login.status(), 200);
                login.headers()["set-cookie"]
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_string()
            }
        };
        // The generated password must be replaced before anything else.
        let first = sign_in(password.clone()).await;
        let chosen = "hostile-admin-pass-1".to_string();
        let changed = client
            .put(format!("{url}/api/auth/password"))
            .header("cookie", first)
            .header("x-vpt-csrf", "1")
            .json(&json!({"current": password, "new": chosen}))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 204);
        let cookie = sign_in(chosen).await;
        let token: Value = client
            .post(format!("{url}/api/tokens"))
            .header("cookie", cookie)
            .header("x-vpt-csrf", "1")
            .json(&json!({"name": "hostile"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(token["role"], "admin");
        let token = token["token"].as_str().unwrap().to_string();
        let bench = Self { vpt, addr, token };
        eventually(Duration::from_secs(20), "host bench online", || async {
            let hosts = bench.get("/api/hosts").await;
            hosts
                .as_array()?
                .iter()
                .any(|h| h["id"] == "bench" && h["status"] == "online")
                .then_some(())
        })
        .await;
        bench
    }

    fn auth(&self) -> Vec<(&'static str, String)> {
        vec![("Authorization", format!("Bearer {}", self.token))]
    }

    async fn send(&self, method: &str, target: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let mut headers = self.auth();
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type.to_string()));
        }
        raw(&self.addr, method, target, &headers, body).await
    }

    async fn get(&self, path: &str) -> Value {
        let answer = self.send("GET", path, "", Vec::new()).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.text());
        answer.json()
    }

    async fn post_json(&self, path: &str, body: Value) -> Answer {
        self.send(
            "POST",
            path,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    async fn alive(&self) {
        let health = self.send("GET", "/api/health", "", Vec::new()).await;
        assert_eq!(health.status, 200, "the server stopped answering");
    }

    /// How many of each kind of thing the server stores, and proof it still answers.
    async fn counts(&self) -> Vec<(String, usize)> {
        self.alive().await;
        let mut counts = Vec::new();
        for list in [
            "/api/testcases",
            "/api/references",
            "/api/users",
            "/api/userinterfaces",
            "/api/campaigns",
            "/api/tokens",
        ] {
            let value = self.get(list).await;
            let n = value.as_array().map(Vec::len).unwrap_or_else(|| {
                panic!("{list} is not a list: {value}");
            });
            counts.push((list.to_string(), n));
        }
        counts
    }

    fn stored_files(&self, dir: &str) -> usize {
        std::fs::read_dir(self.vpt.data_dir.join(dir))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}

/// A refusal the user can read: 4xx, JSON naming the problem, and nothing from a file.
fn assert_refused(answer: &Answer, what: &str) {
    assert!(
        (400..500).contains(&answer.status),
        "{what}: {} {}",
        answer.status,
        answer.text()
    );
    let body = answer.json();
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()) && body["detail"].is_string(),
        "{what}: no JSON error body: {} {:?}",
        answer.status,
        answer.text()
    );
    for secret in SECRETS {
        assert!(!answer.text().contains(secret), "{what} leaked {secret}");
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(width, height)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test]
async fn hostile_requests_are_refused_and_change_nothing() {
    let bench = Bench::start().await;

    // Something of each kind, so the file routes have real neighbours to climb to.
    let ui = bench
        .post_json("/api/userinterfaces", json!({"name": "hostile-ui"}))
        .await;
    assert_eq!(ui.status, 201, "{}", ui.text());
    let tree_id = ui.json()["tree_id"].as_i64().expect("tree id");
    let reference = bench
        .send(
            "POST",
            "/api/references/upload?name=logo&userinterface=hostile-ui",
            "image/png",
            png(8, 6),
        )
        .await;
    assert_eq!(reference.status, 201, "{}", reference.text());
    let reference_id = reference.json()["id"].as_i64().expect("reference id");
    let testcase = bench
        .post_json(
            "/api/testcases",
            json!({"name": "press", "steps": [{"action": "press", "keys": ["OK"]}]}),
        )
        .await;
    assert_eq!(testcase.status, 201, "{}", testcase.text());
    let image = bench
        .send(
            "GET",
            &format!("/api/references/{reference_id}/image"),
            "",
            Vec::new(),
        )
        .await;
    assert_eq!(image.status, 200);
    assert!(image.headers.contains("image/png"));
    let before = bench.counts().await;
    let references_on_disk = bench.stored_files("references");

    // Path traversal in every path that names a file, in every spelling.
    let climbs = [
        "..%2F..%2Fvpt.db",
        "..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e%2f%2e%2e%2fvpt.db",
        "..%5C..%5Cvpt.db",
        "..\\..\\vpt.db",
        "x.jpg%00.png",
        "%00",
        "..",
        "%2e%2e",
    ];
    let routes = [
        "/api/references/{}/image".to_string(),
        "/api/runs/1/artifacts/{}".to_string(),
        "/api/runs/{}/artifacts/1.jpg".to_string(),
        "/api/validations/1/screenshots/{}".to_string(),
        "/api/incidents/1/frames/{}".to_string(),
        "/api/hosts/bench/verifications/{}".to_string(),
        "/api/hosts/bench/devices/sim1/timeline/{}".to_string(),
        "/api/hosts/bench/devices/sim1/{}".to_string(),
        "/api/hosts/{}/devices/sim1/screenshot".to_string(),
        format!("/api/trees/{tree_id}/nodes/{{}}/screenshot"),
        "/api/trees/{}/nodes/home/screenshot".to_string(),
    ];
    for route in &routes {
        for climb in climbs {
            let target = route.replace("{}", climb);
            let answer = bench.send("GET", &target, "", Vec::new()).await;
            assert_refused(&answer, &format!("GET {target}"));
            bench.alive().await;
        }
    }
    // The UI's own paths.
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/assets/..%2f..%2f..%2fvpt.db",
        "/..%5c..%5cvpt.db",
        "/index.html%00.png",
        "/devices/..%2f..%2f..%2fhost-token",
    ] {
        let answer = bench.send("GET", target, "", Vec::new()).await;
        assert_refused(&answer, &format!("GET {target}"));
        assert!(!answer.text().contains(&bench.vpt.host_token()));
    }
    // Raw bytes the HTTP parser itself refuses: still a refusal, and the server lives on.
    for target in [
        "/api/runs/1/artifacts/a\0b.jpg",
        "/api/runs/1/artifacts/a b.jpg",
    ] {
        let answer = bench.send("GET", target, "", Vec::new()).await;
        assert_eq!(answer.status, 400, "GET {target:?}");
        assert!(!answer.text().contains("SQLite"));
    }
    assert_eq!(bench.counts().await, before);

    // Oversized bodies: 413 with a JSON body, however they come.
    let big_json = {
        let mut body = b"{\"name\": \"".to_vec();
        body.resize(50 * 1024 * 1024, b'a');
        body.extend_from_slice(b"\", \"steps\": []}");
        body
    };
    let oversized = [
        (
            "/api/testcases",
            "application/json",
            big_json,
            "50 MB test case",
        ),
        (
            "/api/references/upload?name=huge&userinterface=hostile-ui",
            "image/png",
            vec![0u8; 40 * 1024 * 1024],
            "40 MB reference upload",
        ),
        (
            "/api/hosts/bench/devices/sim1/remote/press",
            "application/json",
            vec![b' '; 5 * 1024 * 1024],
            "5 MB device command",
        ),
        (
            "/api/trees/import",
            "application/json",
            vec![b' '; 65 * 1024 * 1024],
            "65 MB tree import",
        ),
    ];
    for (path, content_type, body, what) in oversized {
        let answer = bench.send("POST", path, content_type, body).await;
        assert_eq!(answer.status, 413, "{what}: {}", answer.text());
        assert_refused(&answer, what);
    }
    assert_eq!(bench.counts().await, before);

    // Malformed JSON and wrong content types.
    let deep = "[".repeat(100_000);
    let nodes = format!("/api/trees/{tree_id}/nodes");
    let cases: Vec<(&str, &str, &str, Vec<u8>, u16)> = vec![
        (
            "/api/testcases",
            "application/json",
            "truncated",
            b"{\"name\": ".to_vec(),
            400,
        ),
        (
            "/api/testcases",
            "application/json",
            "not JSON",
            b"DROP TABLE".to_vec(),
            400,
        ),
        (
            "/api/testcases",
            "text/plain",
            "wrong type",
            b"{}".to_vec(),
            415,
        ),
        ("/api/testcases", "", "no type", b"{}".to_vec(), 415),
        (
            "/api/testcases",
            "application/json",
            "wrong shape",
            b"{\"name\": 5}".to_vec(),
            422,
        ),
        (
            "/api/testcases",
            "application/json",
            "nested 100000 deep",
            deep.clone().into_bytes(),
            422,
        ),
        // A route that reads any JSON value meets the parser's nesting limit.
        (
            &nodes,
            "application/json",
            "nested 100000 deep",
            deep.into_bytes(),
            400,
        ),
        (
            "/api/testcases",
            "application/json",
            "invalid UTF-8",
            b"{\"name\": \"\xff\xfe\"}".to_vec(),
            400,
        ),
        (
            "/api/users",
            "application/json",
            "array",
            b"[1, 2, 3]".to_vec(),
            422,
        ),
        (
            "/api/userinterfaces",
            "application/json",
            "null",
            b"null".to_vec(),
            422,
        ),
        (
            "/api/trees/import",
            "application/json",
            "empty",
            Vec::new(),
            400,
        ),
    ];
    for (path, content_type, what, body, status) in cases {
        let answer = bench.send("POST", path, content_type, body).await;
        assert_eq!(answer.status, status, "{what} to {path}: {}", answer.text());
        assert_refused(&answer, &format!("{what} to {path}"));
    }
    // A wrong method (405 naming the methods, from the auth check, before any handler) and an
    // id that is not a number get JSON too.
    let answer = bench.send("PATCH", "/api/testcases", "", Vec::new()).await;
    assert_eq!(answer.status, 405, "{}", answer.text());
    assert_refused(&answer, "PATCH /api/testcases");
    let answer = bench
        .send("GET", "/api/runs/1%20OR%201=1", "", Vec::new())
        .await;
    assert_refused(&answer, "run id with SQL");
    assert_eq!(bench.counts().await, before);

    // SQL-looking names: stored verbatim and read back unchanged, or refused with 400.
    let sql = [
        "'; DROP TABLE users;--",
        "\" OR 1=1 --",
        "Robert'); DROP TABLE testcases;--",
    ];
    for name in sql {
        let created = bench
            .post_json(
                "/api/testcases",
                json!({"name": name, "description": name, "steps": [{"action": "press", "keys": ["OK"]}]}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_i64().expect("id");
        let read = bench.get(&format!("/api/testcases/{id}")).await;
        assert_eq!(read["name"], name);
        assert_eq!(read["description"], name);
        let gone = bench
            .send("DELETE", &format!("/api/testcases/{id}"), "", Vec::new())
            .await;
        assert!(gone.status < 300, "{}", gone.text());

        for (path, body) in [
            (
                "/api/users",
                json!({"name": name, "role": "viewer", "password": "long-enough-1"}),
            ),
            ("/api/userinterfaces", json!({"name": name})),
        ] {
            let answer = bench.post_json(path, body).await;
            assert_eq!(answer.status, 400, "{path}: {}", answer.text());
            assert_refused(&answer, path);
        }
        let target = format!(
            "/api/references/upload?name={}&userinterface=hostile-ui",
            name.replace(' ', "%20")
                .replace('"', "%22")
                .replace('\'', "%27")
                .replace(';', "%3B")
        );
        let answer = bench.send("POST", &target, "image/png", png(4, 4)).await;
        assert_eq!(answer.status, 400, "{}", answer.text());
        assert_refused(&answer, "reference named with SQL");

        // Free text in a tree (a node's label) and a userinterface's description.
        let node_id = format!("n{}", name.len());
        let added = bench
            .post_json(
                &format!("/api/trees/{tree_id}/nodes"),
                json!({"id": node_id, "label": name}),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.text());
        let tree = bench.get(&format!("/api/trees/{tree_id}")).await;
        let label = tree["tree"]["nodes"]
            .as_array()
            .or_else(|| tree["nodes"].as_array())
            .and_then(|nodes| nodes.iter().find(|n| n["id"] == node_id.as_str()))
            .map(|n| n["label"].clone());
        assert_eq!(label, Some(json!(name)), "{tree}");
        let removed = bench
            .send(
                "DELETE",
                &format!("/api/trees/{tree_id}/nodes/{node_id}"),
                "",
                Vec::new(),
            )
            .await;
        assert!(removed.status < 300, "{}", removed.text());
    }
    let users = bench.get("/api/users").await;
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "admin")
    );
    assert_eq!(bench.counts().await, before);

    // Pictures that are not, are cut short, or claim to be enormous: 400, nothing written.
    let mut truncated = png(64, 64);
    truncated.truncate(truncated.len() / 2);
    // A picture claiming more than any frame is refused from its header, before decoding.
    for (what, body, error) in [
        (
            "text",
            b"hello, I am not a picture".to_vec(),
            "invalid_image",
        ),
        ("truncated PNG", truncated, "invalid_image"),
        (
            "100000x100000 PNG",
            common::png_claiming(100_000, 100_000),
            "reference_too_large",
        ),
        (
            "20000x20000 PNG",
            common::png_claiming(20_000, 20_000),
            "reference_too_large",
        ),
        (
            "JPEG sent as PNG",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10],
            "invalid_image",
        ),
    ] {
        let answer = bench
            .send(
                "POST",
                "/api/references/upload?name=bomb&userinterface=hostile-ui",
                "image/png",
                body,
            )
            .await;
        assert_eq!(answer.status, 400, "{what}: {}", answer.text());
        assert_refused(&answer, what);
        assert_eq!(answer.json()["error"], error, "{what}");
    }
    // The same bomb inside a tree import and as an inline reference sent to a device.
    use base64::Engine;
    let bomb =
        base64::engine::general_purpose::STANDARD.encode(common::png_claiming(100_000, 100_000));
    let import = json!({
        "format": "vpt-tree",
        "format_version": 1,
        "userinterface": {"name": "bomb-ui"},
        "tree": {"nodes": [{"id": "home"}], "edges": []},
        "references": [{
            "name": "bomb", "kind": "image",
            "area": {"x": 0, "y": 0, "width": 100000, "height": 100000},
            "source_width": 100000, "source_height": 100000, "png_base64": bomb,
        }],
    });
    let answer = bench.post_json("/api/trees/import", import).await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_refused(&answer, "tree import with a bomb");
    let verify = json!({"verifications": [{
        "kind": "image",
        "reference": {"name": "bomb", "png_base64": bomb},
    }]});
    let answer = bench
        .post_json("/api/hosts/bench/devices/sim1/verify", verify)
        .await;
    assert!((400..500).contains(&answer.status), "{}", answer.text());
    assert_refused(&answer, "inline bomb reference");
    assert_eq!(bench.counts().await, before);
    assert_eq!(bench.stored_files("references"), references_on_disk);

    // Still the same server, still serving the picture it had.
    let image = bench
        .send(
            "GET",
            &format!("/api/references/{reference_id}/image"),
            "",
            Vec::new(),
        )
        .await;
    assert_eq!(image.status, 200);
}

/// Clients that send a request's headers or body too slowly are cut off (after 30 s), while
/// everybody else is served meanwhile.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    let bench = Bench::start().await;
    let started = std::time::Instant::now();
    // Headers that never end.
    let mut slow_headers = tokio::net::TcpStream::connect(&bench.addr).await.unwrap();
    slow_headers
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // A body that stops after 10 of its 100 bytes.
    let mut slow_body = tokio::net::TcpStream::connect(&bench.addr).await.unwrap();
    slow_body
        .write_all(
            format!(
                "POST /api/testcases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": ",
                bench.token
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Both held open, the server still answers others at once.
    for _ in 0..5 {
        bench.alive().await;
    }
    let mut cut = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(45), slow_headers.read_to_end(&mut cut)).await;
    assert!(
        read.is_ok(),
        "a client sending headers forever is never cut off"
    );
    let header_cut = started.elapsed();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(45), async {
        let mut buf = [0u8; 4096];
        loop {
            match slow_body.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            if complete(&answer) {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "a body that stalls is never cut off");
    let answer = parse(&answer).expect("an answer to the stalled body");
    assert_refused(&answer, "stalled body");
    assert!(
        header_cut >= Duration::from_secs(25),
        "cut too early: {header_cut:?}"
    );
    assert_eq!(bench.counts().await.len(), 6);
}
