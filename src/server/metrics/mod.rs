//! `GET /metrics`: the server's figures and, federated through the links, every online host's
//! (see [`federate`]), in the Prometheus text format. Outside `/api` because that is where
//! scrapers look, and it carries no more than `/api/system/status` and `/api/hosts` do.
//!
//! Each area writes its families with a `write_*` function taking the [`Exposition`];
//! [`render`] calls them in order. A new area adds its function and one line there.

pub mod federate;
pub mod http;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::metrics::{Exposition, bool_value};
use crate::monitoring::IncidentKind;
use crate::protocol::DeviceStatus;
use crate::server::AppState;
use crate::server::registry::{DeviceView, HostStatus, HostView};
use crate::testing::run::RunStatus;

/// Every host status, written even when no host has it so a query sees `0`, not nothing.
const HOST_STATUSES: &[(HostStatus, &str)] = &[
    (HostStatus::Online, "online"),
    (HostStatus::Offline, "offline"),
];

const DEVICE_STATUSES: &[(DeviceStatus, &str)] = &[
    (DeviceStatus::Ok, "ok"),
    (DeviceStatus::NoSignal, "no_signal"),
    (DeviceStatus::Error, "error"),
    (DeviceStatus::Offline, "offline"),
];

const RUN_STATUSES: &[RunStatus] = &[
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Passed,
    RunStatus::Failed,
    RunStatus::Error,
    RunStatus::Cancelled,
];

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        render(&state).await,
    )
}

pub async fn render(state: &AppState) -> String {
    let mut out = Exposition::new();
    let hosts = state.registry.list();
    write_process(&mut out, state);
    write_hosts(&mut out, &hosts);
    write_devices(&mut out, &hosts);
    write_runs(&mut out, state).await;
    http::write(&mut out);
    write_incidents(&mut out, state).await;
    federate::write(&mut out, state).await;
    out.render()
}

fn write_process(out: &mut Exposition, state: &AppState) {
    out.gauge("vpt_build_info", "Always 1; the labels tell the build.")
        .sample(
            &[
                ("version", env!("CARGO_PKG_VERSION")),
                ("build", crate::BUILD),
            ],
            1.0,
        );
    out.gauge("vpt_uptime_seconds", "Seconds since the server started.")
        .sample(&[], state.started.elapsed().as_secs_f64());
    // A stat of two files: cheap enough to do inline.
    out.gauge(
        "vpt_db_size_bytes",
        "Size of the SQLite database file and its write-ahead log.",
    )
    .sample(&[], state.db.size_bytes() as f64);
    out.gauge(
        "vpt_events_subscribers",
        "Listeners of the event bus: browsers on /api/events and the server's own followers.",
    )
    .sample(&[], state.events.subscribers() as f64);
}

fn write_hosts(out: &mut Exposition, hosts: &[HostView]) {
    let family = out.gauge("vpt_hosts", "Known hosts by status.");
    for (status, name) in HOST_STATUSES {
        let count = hosts.iter().filter(|h| h.status == *status).count();
        family.sample(&[("status", name)], count as f64);
    }
}

/// Device counts, and each device's capture figures from its host's latest heartbeat. Devices
/// of offline hosts count as `offline` and report no capture figures (they would be stale).
fn write_devices(out: &mut Exposition, hosts: &[HostView]) {
    let devices: Vec<(&HostView, &DeviceView)> = hosts
        .iter()
        .flat_map(|h| h.devices.iter().map(move |d| (h, d)))
        .collect();
    let by_status = out.gauge("vpt_devices", "Devices by status.");
    for (status, name) in DEVICE_STATUSES {
        let count = devices
            .iter()
            .filter(|(_, d)| d.info.status == *status)
            .count();
        by_status.sample(&[("status", name)], count as f64);
    }
    let up = out.gauge(
        "vpt_device_up",
        "1 when the device's capture is ok (host online, frames arriving), else 0.",
    );
    for (host, device) in &devices {
        let is_up = device.info.status == DeviceStatus::Ok;
        up.sample(&labels(host, device), bool_value(is_up));
    }
    let online: Vec<(&HostView, &DeviceView)> = devices
        .into_iter()
        .filter(|(h, _)| h.status == HostStatus::Online)
        .collect();
    let fps = out.gauge(
        "vpt_device_capture_fps",
        "Frames per second the host measured, from its latest heartbeat.",
    );
    for (host, device) in &online {
        fps.sample(&labels(host, device), device.info.capture.fps_measured);
    }
    let dropped = out.counter(
        "vpt_device_frames_dropped_total",
        "Frames the capture lost since the host started, from its latest heartbeat.",
    );
    for (host, device) in &online {
        let value = device.info.capture.frames_dropped as f64;
        dropped.sample(&labels(host, device), value);
    }
    let age = out.gauge(
        "vpt_device_last_frame_age_seconds",
        "Seconds since the device's last frame when the host sent its latest heartbeat.",
    );
    for (host, device) in &online {
        if let Some(ms) = device.info.capture.last_frame_age_ms {
            age.sample(&labels(host, device), ms as f64 / 1000.0);
        }
    }
}

fn labels<'a>(host: &'a HostView, device: &'a DeviceView) -> [(&'static str, &'a str); 2] {
    [("host", &host.id), ("device", &device.info.id)]
}

/// Runs by status, counted in the database. On a database error the family stays empty
/// (absent figures, not wrong zeros) and the error is logged.
/// Incidents open now and raised in all, by kind (every kind written, 0 when none).
async fn write_incidents(out: &mut Exposition, state: &AppState) {
    let counts = match state
        .db
        .call(|c| crate::server::db::incidents::counts(c))
        .await
    {
        Ok(counts) => counts,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot count incidents");
            return;
        }
    };
    let of = |kind: &str| {
        counts
            .iter()
            .find(|(k, _, _)| k == kind)
            .map_or((0, 0), |(_, active, all)| (*active, *all))
    };
    let active = out.gauge(
        "vpt_incidents_active",
        "Incidents open now (black screen, freeze, no signal), by kind.",
    );
    for kind in IncidentKind::ALL {
        active.sample(&[("kind", kind.as_str())], of(kind.as_str()).0 as f64);
    }
    let total = out.counter(
        "vpt_incidents_total",
        "Incidents raised, by kind (as kept in the database).",
    );
    for kind in IncidentKind::ALL {
        total.sample(&[("kind", kind.as_str())], of(kind.as_str()).1 as f64);
    }
}

async fn write_runs(out: &mut Exposition, state: &AppState) {
    let family = out.gauge("vpt_runs", "Test runs in the database by status.");
    let counts = state
        .db
        .call(|c| {
            let mut query = c.prepare("SELECT status, COUNT(*) FROM runs GROUP BY status")?;
            let rows =
                query.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await;
    match counts {
        Ok(counts) => {
            for status in RUN_STATUSES {
                let count = counts
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                family.sample(&[("status", status.as_str())], count as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count runs"),
    }
}
