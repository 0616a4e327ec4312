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

/// The password the first admin chooses when made to change the generated one.
const ADMIN_PASSWORD: &str = "admin-chosen-pass-1";

/// Signs in as the first admin, changes the generated password (required before anything
/// else) and returns a session opened with the new one.
async fn first_admin(vpt: &Vpt, url: &str) -> String {
    let first = session(url, "admin", &admin_password(vpt)).await;
    let changed = with_cookie(
        Method::PUT,
        &format!("{url}/api/auth/password"),
        &first,
        Some(json!({ "current": admin_password(vpt), "new": ADMIN_PASSWORD })),
    )
    .await;
    assert_eq!(changed.status(), 204, "{}", changed.text().await.unwrap());
    session(url, "admin", ADMIN_PASSWORD).await
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
    let admin = first_admin(&vpt, &url).await;

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

/// The `vpt_device` cookie a successful sign-in hands the browser.
fn device_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vpt_device="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

#[tokio::test]
async fn login_throttling_and_sessions() {
    let mut vpt = start("server", &[("VPT_AUTH__LOGIN_MAX_FAILURES", "3")]);
    let url = vpt.server_url();
    let generated = admin_password(&vpt);

    // Unknown user and wrong password get the same answer.
    let unknown = login(&url, "nobody", "whatever-123").await;
    assert_eq!(unknown.status(), 401);
    let unknown: Value = unknown.json().await.unwrap();
    let wrong = login(&url, "admin", "wrong-password").await;
    assert_eq!(wrong.status(), 401);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(unknown, wrong);

    // The generated password must be changed before anything else.
    let first = login(&url, "admin", &generated).await;
    assert_eq!(first.status(), 200);
    let browser = device_cookie(&first).expect("a device cookie at sign-in");
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["must_change_password"], true);
    let first = session(&url, "admin", &generated).await;
    let users = with_cookie(Method::GET, &format!("{url}/api/users"), &first, None).await;
    assert_eq!(users.status(), 403);
    let users: Value = users.json().await.unwrap();
    assert_eq!(users["error"], "password_change_required");
    let me: Value = with_cookie(Method::GET, &format!("{url}/api/auth/me"), &first, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);
    for weak in ["password", "12345678", "qwertyui"] {
        let refused = with_cookie(
            Method::PUT,
            &format!("{url}/api/auth/password"),
            &first,
            Some(json!({ "current": generated, "new": weak })),
        )
        .await;
        assert_eq!(refused.status(), 400, "{weak}");
        let refused: Value = refused.json().await.unwrap();
        assert_eq!(refused["error"], "weak_password");
        assert!(
            refused["detail"].as_str().unwrap().contains("most common"),
            "{refused}"
        );
    }
    let changed = with_cookie(
        Method::PUT,
        &format!("{url}/api/auth/password"),
        &first,
        Some(json!({ "current": generated, "new": ADMIN_PASSWORD })),
    )
    .await;
    assert_eq!(changed.status(), 204);
    let password = ADMIN_PASSWORD;
    assert_eq!(login(&url, "admin", &generated).await.status(), 401);

    // A good login works, a logout ends the session on the server too.
    let cookie = session(&url, "admin", password).await;
    let me: Value = with_cookie(Method::GET, &format!("{url}/api/auth/me"), &cookie, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], false);
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

    // Failures in a row slow the name down from this address: the next attempt has to wait,
    // whatever the password, and an unknown name is answered the same way.
    // (`nobody` failed once above; admin's count was cleared by its sign-ins since.)
    for (name, failures) in [("admin", 3), ("nobody", 2)] {
        for _ in 0..failures {
            assert_eq!(login(&url, name, "wrong-password").await.status(), 401);
        }
    }
    let slowed = login(&url, "admin", password).await;
    assert_eq!(slowed.status(), 429);
    let slowed: Value = slowed.json().await.unwrap();
    let slowed_unknown: Value = login(&url, "nobody", password).await.json().await.unwrap();
    assert_eq!(slowed["error"], "slow_down");
    assert_eq!(slowed_unknown["error"], "slow_down");
    let wait = slowed["retry_after_s"].as_u64().unwrap();
    assert!(
        (1..=2).contains(&wait),
        "a short wait, not a lockout: {wait}"
    );
    // The browser that signed in as admin before is not slowed by those failures.
    let known = client()
        .post(format!("{url}/api/auth/login"))
        .header("cookie", &browser)
        .json(&json!({ "name": "admin", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(known.status(), 200, "a known browser signs in at once");
    // Anyone else with the right password gets in once the short wait is over (attempts
    // during the wait are refused without counting).
    eventually(
        Duration::from_secs(10),
        "sign-in after the wait",
        || async { (login(&url, "admin", password).await.status() == 200).then_some(()) },
    )
    .await;
    // Brute force is logged: every counted failure, with the wait it imposed.
    let token = {
        let cookie = session(&url, "admin", password).await;
        admin_token(&url, &cookie).await
    };
    let failed = audit(&url, &token, "action=auth.login_failed").await;
    assert!(
        failed
            .iter()
            .any(|e| e["target"] == "admin" && e["detail"]["delay_s"].as_u64() >= Some(1)),
        "{failed:?}"
    );
    let refused = audit(&url, &token, "action=auth.refused").await;
    assert!(
        refused
            .iter()
            .any(|e| e["detail"]["error"] == "slow_down" && e["ip"] == "127.0.0.1"),
        "{refused:?}"
    );

    // Sessions survive a restart (the cookie's hash is in the database).
    let other = {
        let created = with_token(Method::GET, &format!("{url}/api/auth/me"), None, None).await;
        assert_eq!(created.status(), 401);
        vpt.stop();
        let mut again = Vpt::start(
            Options::new("server")
                .env("VPT_AUTH__ENABLED", "true")
                .data_dir(&vpt.data_dir.clone()),
        );
        let url = again.server_url();
        let cookie = session(&url, "admin", password).await;
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
        json!({ "auth_enabled": false, "name": "local", "role": "admin", "via": "off",
                "must_change_password": false })
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
    let admin = first_admin(&server, &url).await;
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

/// Reads a streamed answer until it ends; `Some(elapsed)` when it ended within `within`.
async fn ends_within(response: &mut reqwest::Response, within: Duration) -> Option<Duration> {
    let started = std::time::Instant::now();
    tokio::time::timeout(within, async {
        loop {
            match response.chunk().await {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return started.elapsed(),
            }
        }
    })
    .await
    .ok()
}

/// A client without an overall timeout, for answers that stream.
fn streaming_client() -> reqwest::Client {
    common::http().build().unwrap()
}

async fn events_socket(
    url: &str,
    cookie: &str,
    origin: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let ws_url = format!("{}/api/events", url.replacen("http", "ws", 1));
    let mut request = ws_url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

#[tokio::test]
async fn live_streams_end_with_their_credential() {
    use futures_util::StreamExt;
    let mut vpt = start("all", &[]);
    let url = vpt.server_url();
    let admin = first_admin(&vpt, &url).await;
    let viewer_token = user_with_token(&url, &admin, "vera", "viewer").await;
    eventually(Duration::from_secs(15), "host bench online", || async {
        (host_status(&url, &admin, "bench").await.as_deref() == Some("online")).then_some(())
    })
    .await;
    let mjpeg = format!("{url}/api/hosts/bench/devices/sim1/stream.mjpeg");
    let streams = streaming_client();

    // A stream whose credential stays valid keeps going past several re-checks.
    let mut kept = streams
        .get(&mjpeg)
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 200);
    assert_eq!(
        ends_within(&mut kept, Duration::from_secs(5)).await,
        None,
        "a valid credential's stream must not end"
    );
    drop(kept);

    // An MJPEG stream opened with a token ends once the token is revoked.
    let mut relayed = streams
        .get(&mjpeg)
        .bearer_auth(&viewer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(relayed.status(), 200);
    assert!(relayed.chunk().await.unwrap().is_some(), "frames flow");
    let tokens: Value = with_token(
        Method::GET,
        &format!("{url}/api/tokens"),
        Some(&viewer_token),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    let revoked = with_cookie(
        Method::DELETE,
        &format!("{url}/api/tokens/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(revoked.status(), 200);
    let ended = ends_within(&mut relayed, Duration::from_secs(8)).await;
    assert!(
        ended.is_some(),
        "the MJPEG stream outlived its revoked token"
    );

    // The recording stream, opened with a session, ends with a logout of that session.
    let vera = session(&url, "vera", "vera-password-1").await;
    let mut recording = streams
        .get(format!("{url}/server/rec/stream/bench/sim1"))
        .header("cookie", &vera)
        .send()
        .await
        .unwrap();
    assert_eq!(recording.status(), 200);
    assert!(recording.chunk().await.unwrap().is_some());
    let out = with_cookie(Method::POST, &format!("{url}/api/auth/logout"), &vera, None).await;
    assert_eq!(out.status(), 204);
    let ended = ends_within(&mut recording, Duration::from_secs(8)).await;
    assert!(ended.is_some(), "the stream outlived its session");

    // The events WebSocket: refused with a cookie but without Origin (a browser always sends
    // one), and closed once its user is disabled.
    let vera = session(&url, "vera", "vera-password-1").await;
    match events_socket(&url, &vera, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a cookie WebSocket without Origin was let in: {other:?}"),
    }
    let mut events = events_socket(&url, &vera, Some(&url))
        .await
        .expect("events");
    let hello = events.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("hello"));
    let disabled = with_cookie(
        Method::PUT,
        &format!("{url}/api/users/vera"),
        &admin,
        Some(json!({ "disabled": true })),
    )
    .await;
    assert_eq!(disabled.status(), 200);
    let closed = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            match events.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => {
                    return frame.map(|f| u16::from(f.code));
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return None,
            }
        }
    })
    .await
    .expect("the events socket outlived its disabled user");
    assert_eq!(closed, Some(1008));
    vpt.stop();
}

#[tokio::test]
async fn passwords_names_disabling_audit_and_what_viewers_see() {
    let mut vpt = start("all", &[("VPT_AUTH__LOGIN_MAX_FAILURES", "2")]);
    let url = vpt.server_url();
    let admin = first_admin(&vpt, &url).await;
    let token = admin_token(&url, &admin).await;
    let create = |name: &'static str, password: &'static str| {
        let (url, admin) = (url.clone(), admin.clone());
        async move {
            let response = with_cookie(
                Method::POST,
                &format!("{url}/api/users"),
                &admin,
                Some(json!({ "name": name, "role": "tester", "password": password })),
            )
            .await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };

    // Names are unique whatever their case; weak passwords are refused naming the rule.
    let (status, body) = create("Admin", "another-pass-1").await;
    assert_eq!((status, body["error"].as_str()), (409, Some("name_taken")));
    for (name, password, rule) in [
        ("carol", "password", "most common"),
        ("carol", "12345678", "most common"),
        ("carol", "QwertyUI", "most common"),
        ("carol1234", "Carol1234", "own name"),
        ("carol", "short", "8 to"),
    ] {
        let (status, body) = create(name, password).await;
        assert_eq!(status, 400, "{name}/{password}");
        assert_eq!(body["error"], "weak_password");
        assert!(body["detail"].as_str().unwrap().contains(rule), "{body}");
    }
    let users: Value = with_token(Method::GET, &format!("{url}/api/users"), Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "only admin exists: {users}"
    );
    // A sign-in ignores the case of the name too.
    assert_eq!(login(&url, "ADMIN", ADMIN_PASSWORD).await.status(), 200);

    // A token's secret is answered with `Cache-Control: no-store`.
    let made = with_cookie(
        Method::POST,
        &format!("{url}/api/tokens"),
        &admin,
        Some(json!({ "name": "cache check" })),
    )
    .await;
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");

    // Refused attempts are audited, with who was refused.
    let viewer = user_with_token(&url, &admin, "vera", "viewer").await;
    let refused = with_token(
        Method::POST,
        &format!("{url}/api/users"),
        Some(&viewer),
        Some(json!({ "name": "mallory", "role": "admin", "password": "mallory-pass-1" })),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let entries = audit(&url, &token, "action=auth.refused").await;
    assert!(
        entries.iter().any(|e| e["user"] == "vera"
            && e["target"] == "/api/users"
            && e["detail"]["error"] == "forbidden"),
        "{entries:?}"
    );

    // Viewers do not see where the files are, nor where hosts dial from; admins do.
    let info: Value = with_token(
        Method::GET,
        &format!("{url}/api/system/info"),
        Some(&viewer),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        info.get("data_dir").is_none() && info.get("db_path").is_none(),
        "{info}"
    );
    assert!(info["version"].is_string());
    let info: Value = with_token(
        Method::GET,
        &format!("{url}/api/system/info"),
        Some(&token),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(info["db_path"].as_str().unwrap().ends_with("vpt.db"));
    eventually(Duration::from_secs(15), "bench approved", || async {
        approval_of(&url, &admin, "bench")
            .await
            .filter(|a| a["peer"].is_string())
    })
    .await;
    let approvals: Value = with_token(
        Method::GET,
        &format!("{url}/api/hosts/approvals"),
        Some(&viewer),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let bench = approvals
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "bench")
        .expect("bench listed for viewers");
    assert!(bench["peer"].is_null(), "{bench}");

    // Disabling a user revokes the user's tokens for good.
    let tester = user_with_token(&url, &admin, "tom", "tester").await;
    for disabled in [true, false] {
        let changed = with_cookie(
            Method::PUT,
            &format!("{url}/api/users/tom"),
            &admin,
            Some(json!({ "disabled": disabled })),
        )
        .await;
        assert_eq!(changed.status(), 200);
        let used = with_token(
            Method::GET,
            &format!("{url}/api/devices"),
            Some(&tester),
            None,
        )
        .await;
        assert_eq!(used.status(), 401, "disabled: {disabled}");
    }
    let tom = session(&url, "tom", "tom-password-1").await;

    // Password changes are throttled like sign-ins: after the free failures even the right
    // current password has to wait.
    for _ in 0..2 {
        let wrong = with_cookie(
            Method::PUT,
            &format!("{url}/api/auth/password"),
            &tom,
            Some(json!({ "current": "not-my-password", "new": "tom-new-password-2" })),
        )
        .await;
        assert_eq!(wrong.status(), 400);
    }
    let slowed = with_cookie(
        Method::PUT,
        &format!("{url}/api/auth/password"),
        &tom,
        Some(json!({ "current": "tom-password-1", "new": "tom-new-password-2" })),
    )
    .await;
    assert_eq!(slowed.status(), 429);
    let slowed: Value = slowed.json().await.unwrap();
    assert_eq!(slowed["error"], "slow_down");

    // A verification run through the server is audited.
    let verified = with_token(
        Method::POST,
        &format!("{url}/api/hosts/bench/devices/sim1/verify"),
        Some(&token),
        Some(json!({ "verifications": [{ "kind": "motion", "timeout_ms": 500 }] })),
    )
    .await;
    assert_eq!(verified.status(), 200, "{}", verified.text().await.unwrap());
    let verifications = audit(&url, &token, "action=device.verify").await;
    assert!(
        verifications
            .iter()
            .any(|e| e["target"] == "/api/hosts/bench/devices/sim1/verify"),
        "{verifications:?}"
    );

    // Failed sign-in names are stored with control characters escaped.
    let hostile_name = "mal\u{1b}[31mlory\r\nadmin";
    assert_eq!(login(&url, hostile_name, "whatever-1").await.status(), 401);
    let failed = audit(&url, &token, "action=auth.login_failed").await;
    let target = failed[0]["target"].as_str().unwrap();
    assert_eq!(target, "mal\\u{1b}[31mlory\\u{d}\\u{a}admin");

    // A flood of refused requests writes a bounded number of entries.
    for _ in 0..40 {
        let anonymous = with_token(Method::GET, &format!("{url}/api/devices"), None, None).await;
        assert_eq!(anonymous.status(), 401);
    }
    let entries = audit(&url, &token, "action=auth.refused&limit=500").await;
    assert!(
        entries.len() <= 10,
        "{} refusal entries in a minute from one address",
        entries.len()
    );
    vpt.stop();
}

#[tokio::test]
async fn foreign_host_names_and_private_files() {
    // Auth off (loopback): a page reaching the server under another name (DNS rebinding) is
    // refused before anything happens, the UI's files included.
    let mut off = Vpt::start(
        Options::new("server").config("[server]\nallowed_hosts = [\"vpt.lab.example\"]\n"),
    );
    let url = off.server_url();
    let port = url.rsplit(':').next().unwrap().to_string();
    for (method, path) in [
        (Method::POST, "/api/users"),
        (Method::GET, "/"),
        (Method::GET, "/api/users"),
    ] {
        let response = client()
            .request(method.clone(), format!("{url}{path}"))
            .header("host", format!("rebind.example:{port}"))
            .header("origin", format!("http://rebind.example:{port}"))
            .header("x-vpt-csrf", "1")
            .json(&json!({ "name": "mallory", "role": "admin", "password": "mallory-pass-1" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 421, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unknown_host");
    }
    // The health check tells nothing and stays reachable by any name (load balancers).
    let health = client()
        .get(format!("{url}/api/health"))
        .header("host", "rebind.example")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // The names it goes by pass: its address, localhost, and server.allowed_hosts.
    for host in ["127.0.0.1", "localhost", "vpt.lab.example"] {
        let response = client()
            .get(format!("{url}/api/users"))
            .header("host", format!("{host}:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{host}");
        let users: Value = response.json().await.unwrap();
        assert!(
            users
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["name"] != "mallory")
        );
    }
    off.stop();

    // The data dir is made private, and so are the database and its WAL.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let mut add = std::process::Command::new(common::BIN)
        .args([
            "user",
            "add",
            "ann",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
        ])
        .arg(&data)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        add.stdin
            .take()
            .unwrap()
            .write_all(b"ann-password-1\n")
            .unwrap();
    }
    assert!(add.wait().unwrap().success());
    let mode = |path: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&data), 0o700);
    let mut server = Vpt::start(
        Options::new("server")
            .env("VPT_AUTH__ENABLED", "true")
            .data_dir(&data),
    );
    server.server_url();
    for file in ["vpt.db", "vpt.db-wal", "vpt.db-shm", "host-token"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    // The log says where the join token is, never the token itself.
    let log = server.log();
    assert!(
        !log.contains(&server.host_token()),
        "the join token is in the log"
    );
    assert!(log.contains("host-token"), "{log}");
    server.stop();

    // A TLS key every user may read is refused at start, naming the file.
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut tls = Vpt::start(
        Options::new("server")
            .env("VPT_SERVER__TLS_CERT", cert.display())
            .env("VPT_SERVER__TLS_KEY", key.display()),
    );
    let status = tls.wait_exit(Duration::from_secs(10));
    assert!(!status.success());
    let log = tls.log();
    assert!(
        log.contains("server.tls_key") && log.contains(&key.display().to_string()),
        "{log}"
    );
}
