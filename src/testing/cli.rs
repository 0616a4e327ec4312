//! `vpt run`: queue a test case or a campaign on a server from a CI pipeline, print each step as
//! it happens, optionally write JUnit XML, and exit with a code the pipeline can act on:
//! 0 all passed, 1 a test failed, 2 infrastructure error (bad input, no device, host lost,
//! server unreachable), 3 timeout.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

pub const PASSED: u8 = 0;
pub const FAILED: u8 = 1;
pub const INFRASTRUCTURE: u8 = 2;
pub const TIMEOUT: u8 = 3;

#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["testcase", "campaign"])))]
#[command(group(clap::ArgGroup::new("where").args(["device", "model"])))]
pub struct RunArgs {
    /// Server URL, e.g. http://vpt.lab:5109.
    #[arg(long, env = "VPT_SERVER_URL")]
    pub server: String,
    /// API token (sent as a bearer token).
    #[arg(long, env = "VPT_TOKEN")]
    pub token: Option<String>,
    /// PEM file of a CA (or the server's self-signed certificate) to trust for an https://
    /// server, in addition to the public roots.
    #[arg(long, env = "VPT_CA", value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Name of the test case to run.
    #[arg(long)]
    pub testcase: Option<String>,
    /// Name of the campaign to run.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Run on this device, as HOST/ID.
    #[arg(long, value_name = "HOST/ID")]
    pub device: Option<String>,
    /// Run on any free device of this model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Write JUnit XML here when the run ends.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Give up (cancel the run, exit 3) after this many seconds, queueing included.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// Runs the command and returns the exit code.
pub fn run(args: RunArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("vpt run: cannot start: {e}");
            return INFRASTRUCTURE;
        }
    };
    runtime.block_on(async move {
        let client = match Client::new(&args) {
            Ok(client) => client,
            Err(e) => {
                eprintln!("vpt run: {e:#}");
                return INFRASTRUCTURE;
            }
        };
        let deadline = args
            .timeout
            .map(|s| Instant::now() + Duration::from_secs(s));
        let result = match (&args.testcase, &args.campaign) {
            (Some(name), _) => run_testcase(&client, &args, name, deadline).await,
            (None, Some(name)) => run_campaign(&client, &args, name, deadline).await,
            (None, None) => Err(Failure::Input("give --testcase or --campaign".into())),
        };
        match result {
            Ok(code) => code,
            Err(Failure::Input(why)) => {
                eprintln!("vpt run: {why}");
                INFRASTRUCTURE
            }
        }
    })
}

enum Failure {
    Input(String),
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(args: &RunArgs) -> anyhow::Result<Client> {
        let http = crate::tls::http_client(args.ca.as_deref())?
            .build()
            .map_err(|e| anyhow::anyhow!("cannot make an HTTP client: {e}"))?;
        Ok(Client {
            http,
            base: args.server.trim_end_matches('/').to_string(),
            token: args.token.clone(),
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// A JSON answer, or the server's sentence when it refused.
    async fn json(&self, builder: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let response = builder.send().await.map_err(|e| {
            Failure::Input(format!(
                "cannot reach the server at {}: {}",
                self.base,
                with_causes(&e)
            ))
        })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let detail = body["detail"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("the server answered {status}"));
            return Err(Failure::Input(detail));
        }
        Ok(body)
    }
}

/// An error and its causes, where a TLS or connection problem is named.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn target(args: &RunArgs) -> Result<Value, Failure> {
    if let Some(device) = &args.device {
        let Some((host, id)) = device.split_once('/') else {
            return Err(Failure::Input(format!(
                "--device {device}: write it as HOST/ID (e.g. lab-1/sim1)"
            )));
        };
        return Ok(json!({"host": host, "device": id}));
    }
    if let Some(model) = &args.model {
        return Ok(json!({"model": model}));
    }
    Ok(json!({}))
}

async fn run_testcase(
    client: &Client,
    args: &RunArgs,
    name: &str,
    deadline: Option<Instant>,
) -> Result<u8, Failure> {
    let run = client
        .json(
            client
                .request(reqwest::Method::POST, "/api/runs")
                .json(&json!({"testcase": name, "target": target(args)?, "started_by": "cli"})),
        )
        .await?;
    let id = run["id"]
        .as_i64()
        .ok_or_else(|| Failure::Input("the server's answer has no run id".into()))?;
    println!(
        "queued run {id} of \"{name}\" ({})",
        client_url(client, &format!("/runs/{id}"))
    );
    let finished = follow_run(client, id, deadline).await?;
    let code = match finished {
        Some(run) => exit_code(&run),
        None => {
            println!("timed out: cancelling run {id}");
            let _ = client
                .request(reqwest::Method::POST, &format!("/api/runs/{id}/cancel"))
                .send()
                .await;
            TIMEOUT
        }
    };
    if let Some(path) = &args.junit {
        report_junit(write_junit(client, &format!("/api/runs/{id}/junit.xml"), path).await);
    }
    Ok(code)
}

async fn run_campaign(
    client: &Client,
    args: &RunArgs,
    name: &str,
    deadline: Option<Instant>,
) -> Result<u8, Failure> {
    let campaigns = client
        .json(client.request(reqwest::Method::GET, "/api/campaigns"))
        .await?;
    let id = campaigns
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == name))
        .and_then(|c| c["id"].as_i64())
        .ok_or_else(|| Failure::Input(format!("no campaign is named \"{name}\"")))?;
    let mut body = json!({"started_by": "cli"});
    if args.device.is_some() || args.model.is_some() {
        body["target"] = target(args)?;
    }
    let started = client
        .json(
            client
                .request(reqwest::Method::POST, &format!("/api/campaigns/{id}/run"))
                .json(&body),
        )
        .await?;
    let campaign_run = started["id"]
        .as_i64()
        .ok_or_else(|| Failure::Input("the server's answer has no campaign run id".into()))?;
    let tests = started["tests"].as_array().map_or(0, Vec::len);
    println!("started campaign \"{name}\" ({tests} tests), campaign run {campaign_run}");
    let mut followed = 0;
    let path = format!("/api/campaign-runs/{campaign_run}");
    let mut timed_out = false;
    let view = loop {
        let view = client
            .json(client.request(reqwest::Method::GET, &path))
            .await?;
        // Follow each test's run as it appears, in order.
        let next_run = view["tests"]
            .as_array()
            .and_then(|t| t.get(followed))
            .and_then(|t| t["run"]["id"].as_i64());
        if let Some(run_id) = next_run {
            let test = &view["tests"][followed]["name"];
            println!(
                "— test {}/{tests}: {}",
                followed + 1,
                test.as_str().unwrap_or("?")
            );
            if follow_run(client, run_id, deadline).await?.is_none() {
                timed_out = true;
                break view;
            }
            followed += 1;
            continue;
        }
        if view["status"] != "running" {
            break view;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            timed_out = true;
            break view;
        }
        // Between two tests the next run is being queued: look again shortly.
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    if timed_out {
        println!("timed out: cancelling the campaign");
        let _ = client
            .request(reqwest::Method::POST, &format!("{path}/cancel"))
            .send()
            .await;
    }
    if let Some(junit) = &args.junit {
        report_junit(write_junit(client, &format!("{path}/junit.xml"), junit).await);
    }
    if timed_out {
        return Ok(TIMEOUT);
    }
    let view = client
        .json(client.request(reqwest::Method::GET, &path))
        .await
        .unwrap_or(view);
    println!(
        "campaign {}: {} passed, {} failed, {} errors, {} not run{}",
        view["status"].as_str().unwrap_or("?").to_uppercase(),
        view["passed"],
        view["failed"],
        view["errors"],
        view["not_run"],
        view["reason"]
            .as_str()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default()
    );
    let codes: Vec<u8> = view["tests"]
        .as_array()
        .map(|tests| {
            tests
                .iter()
                .filter(|t| !t["run"].is_null())
                .map(|t| exit_code(&t["run"]))
                .collect()
        })
        .unwrap_or_default();
    Ok(match view["status"].as_str() {
        Some("passed") => PASSED,
        _ if codes.contains(&TIMEOUT) => TIMEOUT,
        _ if codes.contains(&INFRASTRUCTURE) => INFRASTRUCTURE,
        Some("failed") => FAILED,
        _ => INFRASTRUCTURE,
    })
}

/// Prints a run's steps until it ends; `None` when the deadline came first.
async fn follow_run(
    client: &Client,
    id: i64,
    deadline: Option<Instant>,
) -> Result<Option<Value>, Failure> {
    let response = client
        .request(reqwest::Method::GET, &format!("/api/runs/{id}/events"))
        .send()
        .await
        .map_err(|e| Failure::Input(format!("cannot follow run {id}: {e}")))?;
    if !response.status().is_success() {
        return Err(Failure::Input(format!(
            "cannot follow run {id}: the server answered {}",
            response.status()
        )));
    }
    let mut stream = response.bytes_stream();
    let mut pending: Vec<u8> = Vec::new();
    let mut last_run = Value::Null;
    let mut announced_device = false;
    let mut announced_step: Option<u64> = None;
    loop {
        let wait = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let chunk = match wait {
            Some(wait) => match tokio::time::timeout(wait, stream.next()).await {
                Ok(chunk) => chunk,
                Err(_) => return Ok(None),
            },
            None => stream.next().await,
        };
        let Some(chunk) = chunk else {
            break;
        };
        let chunk =
            chunk.map_err(|e| Failure::Input(format!("the server stopped answering: {e}")))?;
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let Ok(event) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            match event["type"].as_str() {
                Some("run") => {
                    let run = &event["run"];
                    if !announced_device && run["device"].is_string() {
                        announced_device = true;
                        println!(
                            "running on {}/{}",
                            run["host"].as_str().unwrap_or("?"),
                            run["device"].as_str().unwrap_or("?")
                        );
                    }
                    last_run = run.clone();
                }
                Some("step_started") => {
                    announced_step = event["index"].as_u64();
                    println!(
                        "  [{}] {}",
                        event["index"].as_u64().map_or(0, |i| i + 1),
                        event["label"].as_str().unwrap_or("")
                    );
                }
                Some("step_finished") => {
                    let step = &event["step"];
                    // A step that started before this stream opened arrives finished only.
                    if step["index"].as_u64() != announced_step {
                        println!(
                            "  [{}] {}",
                            step["index"].as_u64().map_or(0, |i| i + 1),
                            step["label"].as_str().unwrap_or("")
                        );
                    }
                    announced_step = None;
                    let status = step["status"].as_str().unwrap_or("?");
                    let mark = if status == "passed" { "ok" } else { "FAILED" };
                    let detail = step["detail"]
                        .as_str()
                        .filter(|d| !d.is_empty() && status != "passed");
                    println!(
                        "      {mark} in {:.0} ms{}",
                        step["ms"].as_f64().unwrap_or(0.0),
                        detail.map(|d| format!(": {d}")).unwrap_or_default()
                    );
                }
                _ => {}
            }
        }
        let _ = std::io::stdout().flush();
    }
    let status = last_run["status"].as_str().unwrap_or("?");
    if matches!(status, "queued" | "running") {
        return Err(Failure::Input(format!(
            "the server ended the stream of run {id} before the run ended"
        )));
    }
    println!(
        "{} \"{}\" in {:.1} s{}",
        status.to_uppercase(),
        last_run["testcase_name"].as_str().unwrap_or(""),
        last_run["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0,
        last_run["reason"]
            .as_str()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default()
    );
    Ok(Some(last_run))
}

fn exit_code(run: &Value) -> u8 {
    match run["status"].as_str() {
        Some("passed") => PASSED,
        Some("failed") => FAILED,
        Some("error")
            if run["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("timed out")) =>
        {
            TIMEOUT
        }
        _ => INFRASTRUCTURE,
    }
}

fn client_url(client: &Client, path: &str) -> String {
    format!("{}{path}", client.base)
}

/// A missing JUnit file is said, but does not change the test's verdict.
fn report_junit(result: Result<(), Failure>) {
    if let Err(Failure::Input(why)) = result {
        eprintln!("vpt run: {why}");
    }
}

async fn write_junit(client: &Client, path: &str, to: &PathBuf) -> Result<(), Failure> {
    let response = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .map_err(|e| Failure::Input(format!("cannot fetch the JUnit report: {e}")))?;
    if !response.status().is_success() {
        return Err(Failure::Input(format!(
            "cannot fetch the JUnit report: the server answered {}",
            response.status()
        )));
    }
    let xml = response
        .bytes()
        .await
        .map_err(|e| Failure::Input(format!("cannot fetch the JUnit report: {e}")))?;
    std::fs::write(to, &xml)
        .map_err(|e| Failure::Input(format!("cannot write {}: {e}", to.display())))?;
    println!("JUnit report written to {}", to.display());
    Ok(())
}
