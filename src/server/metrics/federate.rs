//! Federation: hosts usually sit behind NAT, so a Prometheus next to the server cannot scrape
//! them. The server fetches every online host's `/host/metrics` through its link (in parallel,
//! each with its own deadline) and adds the samples to its own output with a `host` label.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method};
use futures_util::future::join_all;

use crate::metrics::{Exposition, bool_value};
use crate::server::AppState;
use crate::server::proxy;
use crate::server::registry::HostStatus;

/// A host slower than this is reported as a failed scrape; the others are not held up.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(2);
/// A host's output is a few KB; more means something is wrong.
const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error("{0}")]
    Link(String),
    #[error("answered {0}")]
    Status(axum::http::StatusCode),
    #[error("no answer within {} s", SCRAPE_TIMEOUT.as_secs())]
    Timeout,
    #[error("unreadable body: {0}")]
    Body(String),
    #[error("unreadable metrics: {0}")]
    Parse(#[from] crate::metrics::parse::ParseError),
    #[error("not merged: {0}")]
    Merge(String),
}

pub async fn write(out: &mut Exposition, state: &AppState) {
    let hosts: Vec<String> = state
        .registry
        .list()
        .into_iter()
        .filter(|h| h.status == HostStatus::Online)
        .map(|h| h.id)
        .collect();
    let scrapes = join_all(hosts.iter().map(|host| async move {
        let started = Instant::now();
        let result = tokio::time::timeout(SCRAPE_TIMEOUT, scrape(state, host))
            .await
            .unwrap_or(Err(ScrapeError::Timeout));
        (result, started.elapsed())
    }))
    .await;
    let mut outcomes = Vec::with_capacity(hosts.len());
    for (host, (result, took)) in hosts.iter().zip(scrapes) {
        let result =
            result.and_then(|text| out.merge(text, ("host", host)).map_err(ScrapeError::Merge));
        if let Err(e) = &result {
            // The failure is in the figures below; the log says why.
            tracing::debug!(host = %host, error = %e, "host metrics not federated");
        }
        outcomes.push((host, result.is_ok(), took));
    }
    let success = out.gauge(
        "vpt_host_scrape_success",
        "1 when the host's /host/metrics was fetched through its link and merged.",
    );
    for (host, ok, _) in &outcomes {
        success.sample(&[("host", host)], bool_value(*ok));
    }
    let duration = out.gauge(
        "vpt_host_scrape_duration_seconds",
        "Time fetching the host's /host/metrics through its link took.",
    );
    for (host, _, took) in &outcomes {
        duration.sample(&[("host", host)], took.as_secs_f64());
    }
}

async fn scrape(state: &AppState, host: &str) -> Result<Exposition, ScrapeError> {
    let response = proxy::forward(
        state,
        host,
        Method::GET,
        "/host/metrics",
        &HeaderMap::new(),
        Body::empty(),
    )
    .await
    .map_err(|e| ScrapeError::Link(e.detail))?;
    if !response.status().is_success() {
        return Err(ScrapeError::Status(response.status()));
    }
    let bytes = axum::body::to_bytes(response.into_body(), MAX_BYTES)
        .await
        .map_err(|e| ScrapeError::Body(e.to_string()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| ScrapeError::Body(e.to_string()))?;
    Ok(crate::metrics::parse::parse(text)?)
}
