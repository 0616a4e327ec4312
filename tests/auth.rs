//! Users, roles and API tokens against the real binary with auth on: the role matrix, login
//! throttling, token revocation taking effect at once, the audit log, the `vpt user` command
//! and auth off on loopback.

mod common;

use std::time::Duration;

use common::{Options, Vpt, client, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Starts `vpt all` (host `bench`, two sims) or `vpt server` with auth on.
fn start(role: &str, extra: &[(&str, &str)]) -> Vpt {
    let mut options = Options::new(role)
        .env("VPT_AUTH__ENABLED", "true")
        .env("VPT_HOST__NAME", "bench");
    for (key, value) in extra {
        options = options.env(key, value);
    }
    Vpt::start(options)
}

/// The first admin's password, printed once in the log at first start.
fn admin_password(vpt: &Vpt) -> String {
    let log = vpt.log();
    let line = log
        .lines()
        .find(|l| l.contains("created the user `admin` with password"))
        .unwrap_or_else(|| panic!("no admin password in the log:\n{log}"));
    line.split("with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password after `with password`")
        .to_string()
}

async fn login(url: &str, name: &str, password: &str) -> reqwest::Response {
    client()
        .post(format!("{url}/api/auth/login"))
        .json(&json!({ "name": name, "password": password }))
        .send()
        .await
        .expect("login")
}

/// Signs in and returns the session cookie (`vpt_session=...`).
async fn session(url: &str, name: &str, password: &str) -> String {
    let response = login(url, name, password).await;
    assert_eq!(response.status(), 200, "login {name}");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    cookie.split(';').next().unwrap().to_string()
}

/// A request with a session cookie, as the UI sends it (with its CSRF header).
async fn with_cookie(
    method: Method,
    url: &str,
    cookie: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client()
        .request(method, url)
        .header("cookie", cookie)
        .header("x-vpt-csrf", "1");
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

async fn with_token(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

/// Creates a user as admin, signs in as that user and makes a personal token.
async fn user_with_token(url: &str, admin: &str, name: &str, role: &str) -> String {
    let password = format!("{name}-password-1");
    let created = with_cookie(
        Method::POST,
        &format!("{url}/api/users"),
        admin,
        Some(json!({ "name": name, "role": role, "password": password })),
    )
    .await;
    assert_eq!(created.status(), 201, "create {name}");
    let cookie = session(url, name, &password).await;
    let token = with_cookie(
        Method::POST,
        &format!("{url}/api/tokens"),
        &cookie,
        Some(json!({ "name": format!("{name} ci") })),
    )
    .await;
    assert_eq!(token.status(), 201);
    let token: Value = token.json().await.unwrap();
    assert_eq!(token["role"], role);
    token["token"].as_str().unwrap().to_string()
}

async fn audit(url: &str, admin_token: &str, query: &str) -> Vec<Value> {
    let response = with_token(
        Method::GET,
        &format!("{url}/api/audit?{query}"),
        Some(admin_token),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn role_matrix_revocation_and_audit() {
    let mut vpt = start("all", &[]);
    let url = vpt.server_url();
    let admin = session(&url, "admin", &admin_password(&vpt)).await;

    // A change made with a cookie but from no page of this server is refused (CSRF).
    let forged = client()
        .post(format!("{url}/api/users"))
        .header("cookie", &admin)
        .header("origin", "https://evil.example")
        .json(&json!({ "name": "mallory", "role": "admin", "password": "password-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let no_origin = client()
        .post(format!("{url}/api/users"))
        .header("cookie", &admin)
        .json(&json!({ "name": "mallory", "role": "admin", "password": "password-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    let me: Value = with_cookie(Method::GET, &format!("{url}/api/auth/me"), &admin, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "admin");
    assert_eq!(me["auth_enabled"], true);
    assert_eq!(me["via"], "session");

    let viewer = user_with_token(&url, &admin, "vera", "viewer").await;
    let tester = user_with_token(&url, &admin, "tom", "tester").await;
    let admin_token = user_with_token(&url, &admin, "ada", "admin").await;
    let expired = user_with_token(&url, &admin, "eve", "tester").await;
    let revoked = user_with_token(&url, &admin, "rob", "tester").await;
    // Expire one token in the database (the API gives at least a day), revoke another.
    let db = rusqlite::Connection::open(vpt.data_dir.join("vpt.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute(
        "UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00+00:00' WHERE name = 'eve ci'",
        [],
    )
    .unwrap();
    let tokens: Value = with_token(
        Method::GET,
        &format!("{url}/api/tokens"),
        Some(&revoked),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    assert!(
        tokens[0].get("token").is_none(),
        "the secret is shown only once"
    );
    let gone = with_token(
        Method::DELETE,
        &format!("{url}/api/tokens/{id}"),
        Some(&revoked),
        None,
    )
    .await;
    assert_eq!(gone.status(), 200);

    eventually(Duration::from_secs(15), "host bench online", || async {
        let hosts: Value = with_token(
            Method::GET,
            &format!("{url}/api/hosts"),
            Some(&viewer),
            None,
        )
        .await
        .json()
        .await
        .ok()?;
        hosts
            .as_array()?
            .iter()
            .any(|h| h["id"] == "bench" && h["status"] == "online")
            .then_some(())
    })
    .await;

    let device = "/api/hosts/bench/devices/sim1";
    let press = json!({ "key": "RIGHT" });
    // (method, path, body, [viewer, tester, admin, no auth, expired token, revoked token])
    let matrix: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (
            Method::GET,
            "/api/health".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/nope".into(),
            None,
            [404, 404, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            "/api/devices".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/system/info".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            "/metrics".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            format!("{device}/sim"),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        (
            Method::POST,
            format!("{device}/remote/press"),
            Some(press.clone()),
            [403, 200, 200, 401, 401, 401],
        ),
        (
            Method::POST,
            "/api/devices/bench/sim2/lock".into(),
            // The lock is held in the caller's own name, whatever the body says: the tester's
            // lock keeps the admin out (409) although both claim the owner "t".
            Some(json!({ "owner": "t" })),
            [403, 200, 409, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/testcases".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        // Bodies that fail validation: a 4xx from the handler proves the request got past the auth check
        // without writing anything.
        (
            Method::POST,
            "/api/testcases".into(),
            Some(json!({})),
            [403, 422, 422, 401, 401, 401],
        ),
        (
            Method::POST,
            "/api/runs".into(),
            Some(json!({})),
            [403, 400, 400, 401, 401, 401],
        ),
        (
            Method::DELETE,
            "/api/references/999999".into(),
            None,
            [403, 404, 404, 401, 401, 401],
        ),
        (
            Method::PUT,
            "/api/trees/999999".into(),
            Some(json!({})),
            [403, 422, 422, 401, 401, 401],
        ),
        (
            Method::POST,
            "/api/incidents/999999/ack".into(),
            Some(json!({})),
            [403, 404, 404, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/users".into(),
            None,
            [403, 403, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/audit".into(),
            None,
            [403, 403, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/tokens".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
        (
            Method::GET,
            "/api/auth/me".into(),
            None,
            [200, 200, 200, 401, 401, 401],
        ),
    ];
    let callers = [
        Some(viewer.as_str()),
        Some(tester.as_str()),
        Some(admin_token.as_str()),
        None,
        Some(expired.as_str()),
        Some(revoked.as_str()),
    ];
    let names = ["viewer", "tester", "admin", "no auth", "expired", "revoked"];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &matrix {
        for (i, caller) in callers.iter().enumerate() {
            let response = with_token(
                method.clone(),
                &format!("{url}{path}"),
                *caller,
                body.clone(),
            )
            .await;
            let status = response.status().as_u16();
            if status != expected[i] {
                let text = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{method} {path} as {}: {status}, expected {}: {text}",
                    names[i], expected[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "role matrix:\n{}", wrong.join("\n"));

    // A token revoked while cached stops working on the very next request.
    let tokens: Value = with_token(
        Method::GET,
        &format!("{url}/api/tokens"),
        Some(&tester),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    let gone = with_token(
        Method::DELETE,
        &format!("{url}/api/tokens/{id}"),
        Some(&admin_token),
        None,
    )
    .await;
    assert_eq!(gone.status(), 200);
    let after = with_token(
        Method::GET,
        &format!("{url}/api/devices"),
        Some(&tester),
        None,
    )
    .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    // So does a user disabled by an admin: vera's cached token dies with her account.
    let disabled = with_cookie(
        Method::PUT,
        &format!("{url}/api/users/vera"),
        &admin,
        Some(json!({ "disabled": true })),
    )
    .await;
    assert_eq!(disabled.status(), 200);
    let after = with_token(
        Method::GET,
        &format!("{url}/api/devices"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    // Audit: logins, user and token changes, device control.
    let control = audit(&url, &admin_token, "action=device.control").await;
    assert!(
        control.iter().any(|e| e["user"] == "tom"
            && e["target"] == format!("{device}/remote/press")
            && e["detail"]["status"] == 200),
        "{control:?}"
    );
    assert!(
        control.iter().all(|e| e["user"] != "vera"),
        "refused requests are not changes"
    );
    let logins = audit(&url, &admin_token, "action=auth.login").await;
    assert!(
        logins
            .iter()
            .any(|e| e["user"] == "admin" && e["ip"] == "127.0.0.1")
    );
    let users = audit(&url, &admin_token, "action=user.").await;
    assert!(users.iter().any(|e| e["action"] == "user.create"
        && e["target"] == "tom"
        && e["detail"]["role"] == "tester"));
    assert!(users.iter().any(|e| e["action"] == "user.update"
        && e["target"] == "vera"
        && e["detail"]["disabled"] == true));
    let revocations = audit(&url, &admin_token, "action=token.revoke").await;
    assert_eq!(revocations.len(), 2);
    // Paging: one entry per page, newest first, `next` leads on.
    let page: Value = with_token(
        Method::GET,
        &format!("{url}/api/audit?limit=1"),
        Some(&admin_token),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let next = page["next"].as_i64().expect("a next page");
    let second = audit(&url, &admin_token, &format!("limit=1&before={next}")).await;
    assert!(second[0]["id"].as_i64().unwrap() < next);
    // Nothing stores a secret in the clear.
    let leaked: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE 'vpt_%'
             UNION ALL SELECT COUNT(*) FROM users WHERE password_hash NOT LIKE '$argon2id$%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
}

#[tokio::test]
async fn login_throttling_and_sessions() {
    let mut vpt = start("server", &[("VPT_AUTH__LOGIN_MAX_FAILURES", "3")]);
    let url = vpt.server_url();
    let password = admin_password(&vpt);

    // Unknown user and wrong password get the same answer.
    let unknown = login(&url, "nobody", "whatever-123").await;
    assert_eq!(unknown.status(), 401);
    let unknown: Value = unknown.json().await.unwrap();
    let wrong = login(&url, "admin", "wrong-password").await;
    assert_eq!(wrong.status(), 401);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(unknown, wrong);

    // A good login works, a logout ends the session on the server too.
    let cookie = session(&url, "admin", &password).await;
    assert_eq!(
        with_cookie(Method::GET, &format!("{url}/api/users"), &cookie, None)
            .await
            .status(),
        200
    );
    let out = with_cookie(
        Method::POST,
        &format!("{url}/api/auth/logout"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(out.status(), 204);
    assert_eq!(
        with_cookie(Method::GET, &format!("{url}/api/users"), &cookie, None)
            .await
            .status(),
        401
    );

    // Three failures in a row lock the name: even the right password is refused then.
    for _ in 0..3 {
        assert_eq!(login(&url, "admin", "wrong-password").await.status(), 401);
    }
    let locked = login(&url, "admin", &password).await;
    assert_eq!(locked.status(), 429);
    let locked: Value = locked.json().await.unwrap();
    assert_eq!(locked["error"], "locked");
    assert!(locked["retry_after_s"].as_u64().unwrap() > 800);

    // Sessions survive a restart (the cookie's hash is in the database).
    let other = {
        let created = with_token(Method::GET, &format!("{url}/api/auth/me"), None, None).await;
        assert_eq!(created.status(), 401);
        // The lockout is in memory; a restart forgets it.
        vpt.stop();
        let mut again = Vpt::start(
            Options::new("server")
                .env("VPT_AUTH__ENABLED", "true")
                .data_dir(&vpt.data_dir.clone()),
        );
        let url = again.server_url();
        let cookie = session(&url, "admin", &password).await;
        again.stop();
        let mut third = Vpt::start(
            Options::new("server")
                .env("VPT_AUTH__ENABLED", "true")
                .data_dir(&vpt.data_dir.clone()),
        );
        let url = third.server_url();
        let me = with_cookie(Method::GET, &format!("{url}/api/auth/me"), &cookie, None).await;
        assert_eq!(me.status(), 200);
        assert!(
            !third.log().contains("created the user `admin`"),
            "admin is created once"
        );
        third
    };
    drop(other);
}

#[tokio::test]
async fn user_command_and_auth_off() {
    let dir = tempfile::tempdir().unwrap();
    let add = |name: &str, role: &str, password: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(common::BIN)
            .args([
                "user",
                "add",
                name,
                "--role",
                role,
                "--password-stdin",
                "--data-dir",
            ])
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add("ann", "tester", "ann-password-1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = add("ann", "viewer", "another-pass");
    assert!(!again.status.success(), "a name is taken once");
    let weak = add("bob", "viewer", "short");
    assert!(!weak.status.success());

    let mut vpt = Vpt::start(
        Options::new("server")
            .env("VPT_AUTH__ENABLED", "true")
            .data_dir(dir.path()),
    );
    let url = vpt.server_url();
    assert!(
        !vpt.log().contains("created the user `admin`"),
        "users exist already"
    );
    let cookie = session(&url, "ann", "ann-password-1").await;
    let me: Value = with_cookie(Method::GET, &format!("{url}/api/auth/me"), &cookie, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "tester");
    // A tester cannot mint an admin token.
    let token = with_cookie(
        Method::POST,
        &format!("{url}/api/tokens"),
        &cookie,
        Some(json!({ "name": "too much", "role": "admin" })),
    )
    .await;
    assert_eq!(token.status(), 403);
    vpt.stop();

    // Auth off (allowed on loopback only): everybody is the admin `local`.
    let mut off = Vpt::start(Options::new("server"));
    let url = off.server_url();
    let me: Value = with_token(Method::GET, &format!("{url}/api/auth/me"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        json!({ "auth_enabled": false, "name": "local", "role": "admin", "via": "off" })
    );
    let refused = Vpt::start(
        Options::new("server")
            .env("VPT_AUTH__ENABLED", "false")
            .env("VPT_SERVER__BIND", "0.0.0.0:0"),
    );
    let mut refused = refused;
    let status = refused.wait_exit(Duration::from_secs(10));
    assert!(!status.success());
    assert!(refused.log().contains("auth.enabled"), "{}", refused.log());
}

/// A host started with this server's join token and one simulated device.
fn start_host(name: &str, url: &str, join_token: &str, data_dir: Option<&std::path::Path>) -> Vpt {
    let mut options = Options::new("host")
        .config(&common::sim_host_config(name, 1))
        .env("VPT_HOST__SERVER_URL", url)
        .env("VPT_HOST__TOKEN", join_token)
        .env("VPT_HOST__HEARTBEAT_INTERVAL_MS", 200)
        .env("VPT_HOST__RECONNECT_MAX_MS", 500);
    if let Some(dir) = data_dir {
        options = options.data_dir(dir);
    }
    Vpt::start(options)
}

async fn approval_of(url: &str, admin: &str, host: &str) -> Option<Value> {
    let list: Value = with_cookie(
        Method::GET,
        &format!("{url}/api/hosts/approvals"),
        admin,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    list.as_array()?.iter().find(|a| a["name"] == host).cloned()
}

async fn host_status(url: &str, admin: &str, host: &str) -> Option<String> {
    let response = with_cookie(Method::GET, &format!("{url}/api/hosts/{host}"), admin, None).await;
    if response.status() != 200 {
        return None;
    }
    let view: Value = response.json().await.unwrap();
    view["status"].as_str().map(str::to_string)
}

#[tokio::test]
async fn hosts_wait_for_approval_and_revocation_cuts_the_link() {
    let mut server = start("server", &[("VPT_AUTH__AUTO_APPROVE_HOSTS", "never")]);
    let url = server.server_url();
    let admin = session(&url, "admin", &admin_password(&server)).await;
    let join_token = server.host_token();
    let host_dir = tempfile::tempdir().unwrap();
    let mut host = start_host("rack1", &url, &join_token, Some(host_dir.path()));

    // It waits, and says so on both sides; nothing of it is reachable.
    let pending = eventually(Duration::from_secs(10), "rack1 pending", || async {
        approval_of(&url, &admin, "rack1")
            .await
            .filter(|a| a["status"] == "pending")
    })
    .await;
    assert!(pending["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(host_status(&url, &admin, "rack1").await, None);
    let host_url = host.host_url();
    eventually(Duration::from_secs(10), "host reports pending", || async {
        let status = common::get_json(&format!("{host_url}/host/health")).await;
        (status["services"]["link"]["state"] == "pending").then_some(())
    })
    .await;
    // A tester cannot approve.
    let tester = user_with_token(&url, &admin, "tess", "tester").await;
    let refused = with_token(
        Method::POST,
        &format!("{url}/api/hosts/rack1/approve"),
        Some(&tester),
        None,
    )
    .await;
    assert_eq!(refused.status(), 403);
    let unknown = with_cookie(
        Method::POST,
        &format!("{url}/api/hosts/nobody/approve"),
        &admin,
        None,
    )
    .await;
    assert_eq!(unknown.status(), 404);

    // Approved: the key the host shows is the one the admin approves, and it joins within its
    // 2 s retry.
    let host_key = common::get_json(&format!("{host_url}/host/health")).await["key_fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(host_key.starts_with("SHA256:"), "{host_key}");
    assert_eq!(pending["key_fingerprint"], host_key.as_str());
    let approved = with_cookie(
        Method::POST,
        &format!("{url}/api/hosts/rack1/approve"),
        &admin,
        Some(json!({ "key_fingerprint": host_key })),
    )
    .await;
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["decided_by"], "admin");
    assert_eq!(approved["key_fingerprint"], host_key.as_str());
    eventually(Duration::from_secs(10), "rack1 online", || async {
        (host_status(&url, &admin, "rack1").await.as_deref() == Some("online")).then_some(())
    })
    .await;

    // The join token alone no longer passes as rack1 (someone else claiming the name)...
    host.stop();
    eventually(Duration::from_secs(10), "rack1 offline", || async {
        (host_status(&url, &admin, "rack1").await.as_deref() == Some("offline")).then_some(())
    })
    .await;
    let mut impostor = start_host("rack1", &url, &join_token, None);
    let impostor_url = impostor.host_url();
    let refused = eventually(Duration::from_secs(10), "impostor refused", || async {
        let status = common::get_json(&format!("{impostor_url}/host/health")).await;
        (status["services"]["link"]["state"] == "refused").then_some(status)
    })
    .await;
    assert!(
        refused["services"]["link"]["detail"]
            .as_str()
            .unwrap()
            .contains("another key is approved"),
        "{refused}"
    );
    assert_eq!(
        host_status(&url, &admin, "rack1").await.as_deref(),
        Some("offline")
    );
    impostor.stop();
    // ...while the real host, restarted, joins with its key.
    let mut host = start_host("rack1", &url, &join_token, Some(host_dir.path()));
    eventually(Duration::from_secs(10), "rack1 back online", || async {
        (host_status(&url, &admin, "rack1").await.as_deref() == Some("online")).then_some(())
    })
    .await;

    // Revoked: the link is cut now, and it stays out.
    let revoked = with_cookie(
        Method::POST,
        &format!("{url}/api/hosts/rack1/revoke"),
        &admin,
        None,
    )
    .await;
    assert_eq!(revoked.status(), 200);
    eventually(Duration::from_secs(5), "rack1 cut off", || async {
        (host_status(&url, &admin, "rack1").await.as_deref() == Some("offline")).then_some(())
    })
    .await;
    let host_url = host.host_url();
    let status = eventually(
        Duration::from_secs(10),
        "host told it is revoked",
        || async {
            let status = common::get_json(&format!("{host_url}/host/health")).await;
            (status["services"]["link"]["state"] == "refused").then_some(status)
        },
    )
    .await;
    assert!(
        status["services"]["link"]["detail"]
            .as_str()
            .unwrap()
            .contains("revoked by admin"),
        "{status}"
    );
    let hello = json!({ "name": "rack1", "version": "0.1.0", "protocol_version": 3, "heartbeat_interval_ms": 1000 });
    let registered = client()
        .post(format!("{url}/api/hosts/register"))
        .bearer_auth(&join_token)
        .json(&hello)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 403, "a revoked host cannot register");

    let entries = audit(&url, &admin_token(&url, &admin).await, "action=host.").await;
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"host.approve") && actions.contains(&"host.revoke"),
        "{actions:?}"
    );
    host.stop();
    server.stop();
}

/// An admin API token (the audit helper takes a bearer token).
async fn admin_token(url: &str, admin: &str) -> String {
    let token = with_cookie(
        Method::POST,
        &format!("{url}/api/tokens"),
        admin,
        Some(json!({ "name": "audit reader" })),
    )
    .await;
    let token: Value = token.json().await.unwrap();
    token["token"].as_str().unwrap().to_string()
}
