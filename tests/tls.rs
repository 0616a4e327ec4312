//! HTTPS served by the binary itself (`server.tls_cert` / `server.tls_key`) with a certificate
//! made for the test: the API over HTTPS and HTTP/2, plain HTTP refused, the in-process host and
//! a separate host joining over wss, the session cookie marked `Secure`, the event WebSocket,
//! `vpt run --ca` and `vpt healthcheck`, and clear start-up errors for bad certificate files.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{BIN, Options, Vpt, eventually, http, sim_host_config};
use serde_json::{Value, json};

/// A self-signed certificate for localhost and 127.0.0.1, written as PEM files.
struct Certificate {
    cert: PathBuf,
    key: PathBuf,
    pem: String,
}

fn self_signed(dir: &Path, names: &[&str]) -> Certificate {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names).expect("certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, made.cert.pem()).expect("cert file");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("key file");
    // A key others may read is refused at start (tests/auth.rs checks that).
    private(&key);
    Certificate {
        cert,
        key,
        pem: made.cert.pem(),
    }
}

fn private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A client that trusts only `pem`.
fn trusting(pem: &str) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM");
    http()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

fn admin_password(vpt: &Vpt) -> String {
    let log = vpt.log();
    let line = log
        .lines()
        .find(|l| l.contains("created the user `admin` with password"))
        .unwrap_or_else(|| panic!("no admin password in the log:\n{log}"));
    line.split("with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password")
        .to_string()
}

fn start_tls(certificate: &Certificate) -> Vpt {
    Vpt::start(
        Options::new("all")
            .env("VPT_AUTH__ENABLED", "true")
            .env("VPT_HOST__NAME", "bench")
            .env("VPT_SERVER__TLS_CERT", certificate.cert.display())
            .env("VPT_SERVER__TLS_KEY", certificate.key.display()),
    )
}

async fn host_status(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    name: &str,
) -> Option<Value> {
    let hosts: Value = client
        .get(format!("{url}/api/hosts"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    hosts
        .as_array()?
        .iter()
        .find(|h| h["id"] == name)
        .map(|h| h["status"].clone())
}

async fn vpt_run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .arg("run")
            .args(&args)
            .env_remove("VPT_CA")
            .env_remove("VPT_TOKEN")
            .output()
            .expect("vpt run")
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn https_end_to_end() {
    let dir = tempfile::tempdir().expect("dir");
    let certificate = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let mut vpt = start_tls(&certificate);
    let url = vpt.server_url();
    assert!(url.starts_with("https://127.0.0.1:"), "server.url: {url}");
    let client = trusting(&certificate.pem);

    // The API answers over HTTPS to a client that trusts the certificate, with HSTS.
    let health = client
        .get(format!("{url}/api/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    // A client that does not trust it is refused, and plain HTTP on the port gets no answer.
    let untrusted = http()
        .build()
        .unwrap()
        .get(format!("{url}/api/health"))
        .send()
        .await;
    let err = format!("{:?}", untrusted.expect_err("untrusted certificate"));
    assert!(
        err.contains("UnknownIssuer") || err.contains("certificate"),
        "{err}"
    );
    let plain = url.replacen("https://", "http://", 1);
    let answer = http()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .get(format!("{plain}/api/health"))
        .send()
        .await;
    assert!(
        answer.is_err(),
        "plain HTTP to the TLS port: {:?}",
        answer.map(|r| r.status())
    );

    // HTTP/2 is offered through ALPN (curl speaks it; reqwest is built without it).
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &certificate.pem).unwrap();
    let curl = std::process::Command::new("curl")
        .args([
            "-s",
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            "--cacert",
        ])
        .arg(&ca_file)
        .arg(format!("{url}/api/health"))
        .output();
    if let Ok(curl) = curl {
        assert_eq!(String::from_utf8_lossy(&curl.stdout), "2", "curl: {curl:?}");
    }

    // Signing in over HTTPS gives a Secure cookie.
    let login = client
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"name": "admin", "password": admin_password(&vpt)}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    // The generated password must be replaced before anything else; then sign in again.
    let chosen = "tls-admin-pass-1";
    let changed = client
        .put(format!("{url}/api/auth/password"))
        .header("cookie", &cookie)
        .header("x-vpt-csrf", "1")
        .json(&json!({"current": admin_password(&vpt), "new": chosen}))
        .send()
        .await
        .expect("password change");
    assert_eq!(changed.status(), 204);
    let login = client
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"name": "admin", "password": chosen}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token: Value = client
        .post(format!("{url}/api/tokens"))
        .header("cookie", &cookie)
        .header("x-vpt-csrf", "1")
        .json(&json!({"name": "tls test"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let token = token["token"].as_str().expect("token").to_string();

    // The in-process host dials its own server over wss and comes online.
    eventually(Duration::from_secs(20), "host bench online", || async {
        (host_status(&client, &url, &token, "bench").await? == "online").then_some(())
    })
    .await;
    let host_health: Value = http()
        .build()
        .unwrap()
        .get(format!("{}/host/health", vpt.host_url()))
        .bearer_auth(vpt.host_api_token())
        .send()
        .await
        .expect("host health")
        .json()
        .await
        .expect("json");
    let link = &host_health["services"]["link"];
    assert_eq!(link["state"], "connected", "{link}");
    assert!(
        link["server"].as_str().unwrap().starts_with("https://"),
        "{link}"
    );

    // The event WebSocket works over wss with the session cookie.
    {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let ws_url = format!("{}/api/events", url.replacen("https://", "wss://", 1));
        let mut request = ws_url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        // As a browser opens it: a cookie WebSocket without Origin is refused.
        request.headers_mut().insert("origin", url.parse().unwrap());
        let mut roots = rustls::RootCertStore::empty();
        for cert in certificates(&certificate.pem) {
            roots.add(cert).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let (_socket, response) = tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            false,
            Some(tokio_tungstenite::Connector::Rustls(Arc::new(config))),
        )
        .await
        .expect("wss /api/events");
        assert_eq!(response.status(), 101);
    }

    // A separate host trusting the certificate through host.server_ca joins; one that trusts
    // only the public roots does not, and says why.
    let token_file = vpt.host_token();
    let mut rack = Vpt::start(
        Options::new("host")
            .config(&sim_host_config("rack", 1))
            .env("VPT_HOST__SERVER_URL", &url)
            .env("VPT_HOST__TOKEN", &token_file)
            .env("VPT_HOST__SERVER_CA", ca_file.display()),
    );
    let mut stranger = Vpt::start(
        Options::new("host")
            .config(&sim_host_config("stranger", 1))
            .env("VPT_HOST__SERVER_URL", &url)
            .env("VPT_HOST__TOKEN", &token_file),
    );
    eventually(Duration::from_secs(20), "host rack online", || async {
        (host_status(&client, &url, &token, "rack").await? == "online").then_some(())
    })
    .await;
    let stranger_url = stranger.host_url();
    let stranger_token = stranger.host_api_token();
    let detail = eventually(
        Duration::from_secs(20),
        "the stranger's link error",
        || async {
            let health: Value = http()
                .build()
                .ok()?
                .get(format!("{stranger_url}/host/health"))
                .bearer_auth(&stranger_token)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            health["services"]["link"]["detail"]
                .as_str()
                .map(str::to_string)
        },
    )
    .await;
    assert!(
        detail.contains("certificate") || detail.contains("UnknownIssuer"),
        "{detail}"
    );
    assert!(
        host_status(&client, &url, &token, "stranger")
            .await
            .is_none()
    );
    rack.stop();
    stranger.stop();

    // `vpt run` reaches the HTTPS server with --ca, and says why it cannot without.
    let created = client
        .post(format!("{url}/api/testcases"))
        .bearer_auth(&token)
        .json(&json!({"name": "pass", "steps": [{"action": "press", "keys": ["OK"]}]}))
        .send()
        .await
        .expect("testcase");
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let base = vec![
        "--server".to_string(),
        url.clone(),
        "--token".into(),
        token.clone(),
        "--testcase".into(),
        "pass".into(),
        "--device".into(),
        "bench/sim1".into(),
    ];
    let mut with_ca = base.clone();
    with_ca.extend(["--ca".to_string(), ca_file.display().to_string()]);
    let passed = vpt_run(with_ca).await;
    let out = String::from_utf8_lossy(&passed.stdout);
    assert_eq!(
        passed.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(out.contains("PASSED"), "{out}");
    let refused = vpt_run(base).await;
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("certificate") || err.contains("UnknownIssuer"),
        "{err}"
    );

    // `vpt healthcheck` trusts the server's own certificate from the configuration.
    let check = std::process::Command::new(BIN)
        .arg("healthcheck")
        .arg("--data-dir")
        .arg(&vpt.data_dir)
        .env("VPT_SERVER__TLS_CERT", &certificate.cert)
        .env("VPT_SERVER__TLS_KEY", &certificate.key)
        .output()
        .expect("healthcheck");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("ok: https://"));

    // It stops as gracefully as over plain HTTP.
    assert!(vpt.stop().success(), "{}", vpt.log());
    assert!(!vpt.data_dir.join("server.url").exists());
}

/// The in-process host trusts its server's exact certificate, even one that names neither
/// localhost nor 127.0.0.1 (a certificate for the server's public name).
#[tokio::test]
async fn vpt_all_trusts_its_own_certificate_by_any_name() {
    let dir = tempfile::tempdir().expect("dir");
    let certificate = self_signed(dir.path(), &["vpt.example.com"]);
    let mut vpt = start_tls(&certificate);
    let url = vpt.server_url();
    let host_url = vpt.host_url();
    let host_token = vpt.host_api_token();
    eventually(Duration::from_secs(20), "the local host joined", || async {
        let health: Value = http()
            .build()
            .ok()?
            .get(format!("{host_url}/host/health"))
            .bearer_auth(&host_token)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (health["services"]["link"]["state"] == "connected").then_some(())
    })
    .await;
    assert!(url.starts_with("https://"));
}

#[test]
fn bad_certificate_files_stop_the_start_with_the_file_named() {
    let dir = tempfile::tempdir().expect("dir");
    let certificate = self_signed(dir.path(), &["localhost"]);
    let missing = dir.path().join("missing-cert.pem");
    let garbage = dir.path().join("garbage-key.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    private(&garbage);
    for (cert, key, named) in [
        (
            missing.as_path(),
            certificate.key.as_path(),
            "missing-cert.pem",
        ),
        (
            certificate.cert.as_path(),
            garbage.as_path(),
            "garbage-key.pem",
        ),
    ] {
        let mut vpt = Vpt::start(
            Options::new("server")
                .env("VPT_SERVER__TLS_CERT", cert.display())
                .env("VPT_SERVER__TLS_KEY", key.display()),
        );
        let status = vpt.wait_exit(Duration::from_secs(20));
        assert!(!status.success());
        let log = vpt.log();
        assert!(log.contains(named), "{log}");
        assert!(!vpt.data_dir.join("server.url").exists());
    }
    // One of the two keys alone is a configuration error naming both.
    let alone = std::process::Command::new(BIN)
        .arg("server")
        .env("VPT_SERVER__TLS_CERT", &certificate.cert)
        .env_remove("VPT_SERVER__TLS_KEY")
        .env_remove("VPT_CONFIG")
        .output()
        .expect("vpt server");
    assert_eq!(alone.status.code(), Some(2));
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(
        err.contains("server.tls_cert") && err.contains("server.tls_key"),
        "{err}"
    );
}

/// The certificates of a PEM text.
fn certificates(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM")
}
