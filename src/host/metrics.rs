//! `GET /host/metrics`: the host's figures in the Prometheus text format. The server federates
//! this output (through the link) into its own `/metrics`, adding a `host` label, so hosts
//! behind NAT need no scrape route of their own; on a LAN the host port can be scraped too.
//!
//! Each area writes its families with a `write_*` function; [`render`] calls them in order.
//! A new area adds its function and one line there.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::HostState;
use crate::metrics::{Exposition, HistogramVec, bool_value};
use crate::protocol::{CaptureInfo, DeviceStatus, HostStats};

/// Verification kinds, all written (at zero) from the start so dashboards find every series.
pub const VERIFICATION_KINDS: &[&str] = &["image", "text", "black", "motion", "freeze", "element"];

/// Buckets (seconds) for verifications, which wait for their condition: 10 ms to 2 minutes.
const VERIFICATION_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// Time each verification took, waits included, by kind. One per process: a process runs at
/// most one host, and the recorders (`verify::run`) are reached from many call sites that have
/// no `HostState`.
pub static VERIFICATION_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    let histograms = HistogramVec::new(&["kind"], VERIFICATION_BUCKETS);
    for kind in VERIFICATION_KINDS {
        histograms.with(&[kind]);
    }
    histograms
});

pub fn router() -> Router<HostState> {
    Router::new().route("/host/metrics", get(metrics))
}

async fn metrics(State(state): State<HostState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        render(&state).await,
    )
}

pub async fn render(state: &HostState) -> String {
    let mut out = Exposition::new();
    write_host(&mut out, state).await;
    write_capture(&mut out, state);
    write_verification(&mut out);
    write_monitoring(&mut out, state);
    out.render()
}

/// Uptime and the system figures of the heartbeats.
async fn write_host(out: &mut Exposition, state: &HostState) {
    out.gauge("vpt_host_uptime_seconds", "Seconds since the host started.")
        .sample(&[], state.started.elapsed().as_secs_f64());
    let stats = match state.stats.latest() {
        Some(stats) => stats,
        None => {
            let sampler = state.stats.clone();
            tokio::task::spawn_blocking(move || sampler.sample())
                .await
                .unwrap_or_default()
        }
    };
    write_stats(out, &stats);
}

fn write_stats(out: &mut Exposition, stats: &HostStats) {
    let gauges: [(&str, &str, f64); 6] = [
        (
            "vpt_host_cpu_percent",
            "CPU use of the host machine, percent of all cores.",
            // Widened from f32: keep the one decimal the sampler rounds to.
            (f64::from(stats.cpu_percent) * 10.0).round() / 10.0,
        ),
        (
            "vpt_host_memory_used_bytes",
            "Memory in use on the host machine.",
            stats.mem_used_bytes as f64,
        ),
        (
            "vpt_host_memory_total_bytes",
            "Memory of the host machine.",
            stats.mem_total_bytes as f64,
        ),
        (
            "vpt_host_disk_used_bytes",
            "Used bytes of the disk holding the data dir.",
            stats.disk_used_bytes as f64,
        ),
        (
            "vpt_host_disk_total_bytes",
            "Size of the disk holding the data dir.",
            stats.disk_total_bytes as f64,
        ),
        (
            "vpt_host_load1",
            "One-minute load average of the host machine.",
            stats.load_avg_1m,
        ),
    ];
    for (name, help, value) in gauges {
        out.gauge(name, help).sample(&[], value);
    }
    if let Some(celsius) = stats.temperature_c {
        out.gauge(
            "vpt_host_temperature_celsius",
            "Highest temperature sensor reading of the host machine.",
        )
        .sample(&[], (f64::from(celsius) * 10.0).round() / 10.0);
    }
}

/// Per device capture health and picture memory. Each family is declared before its samples so
/// it is present (empty) on a host without devices.
fn write_capture(out: &mut Exposition, state: &HostState) {
    let devices: Vec<(&str, CaptureInfo, bool)> = state
        .devices
        .iter()
        .map(|d| {
            let up = d.capture.status() == DeviceStatus::Ok;
            (d.id(), d.capture.info(), up)
        })
        .collect();
    type Figure = fn(&CaptureInfo, bool) -> Option<f64>;
    let families: [(&str, bool, &str, Figure); 7] = [
        (
            "vpt_capture_up",
            false,
            "1 while the device's capture delivers frames.",
            |_, up| Some(bool_value(up)),
        ),
        (
            "vpt_capture_fps",
            false,
            "Frames per second measured over the last 2 s.",
            |i, _| Some(i.fps_measured),
        ),
        (
            "vpt_capture_frames_total",
            true,
            "Frames captured since start.",
            |i, _| Some(i.frames_total as f64),
        ),
        (
            "vpt_capture_frames_dropped_total",
            true,
            "Frames the source lost (late or skipped) since start.",
            |i, _| Some(i.frames_dropped as f64),
        ),
        (
            "vpt_capture_last_frame_age_seconds",
            false,
            "Seconds since the last frame; absent before the first one.",
            |i, _| i.last_frame_age_ms.map(|ms| ms as f64 / 1000.0),
        ),
        (
            "vpt_capture_pictures_held",
            false,
            "Pictures of the device in memory: the newest frame and any a reader still holds.",
            |i, _| Some(i.pictures_held as f64),
        ),
        (
            "vpt_capture_picture_bytes",
            false,
            "Bytes those pictures take (pixels and JPEGs).",
            |i, _| Some(i.picture_bytes as f64),
        ),
    ];
    for (name, counter, help, figure) in families {
        let family = if counter {
            out.counter(name, help)
        } else {
            out.gauge(name, help)
        };
        for (id, info, up) in &devices {
            if let Some(value) = figure(info, *up) {
                family.sample(&[("device", id)], value);
            }
        }
    }
}

fn write_verification(out: &mut Exposition) {
    VERIFICATION_SECONDS.write(
        out,
        "vpt_verification_duration_seconds",
        "Time a verification took on this host, waiting for its condition included, by kind.",
    );
}

/// Monitoring of each device: on or off, analysis rate and time, ticks skipped, conditions.
fn write_monitoring(out: &mut Exposition, state: &HostState) {
    let mut monitors: Vec<_> = state.monitors.iter().cloned().collect();
    monitors.sort_by(|a, b| a.device.cmp(&b.device));
    let figures: Vec<_> = monitors
        .iter()
        .map(|m| (m.device.as_str(), m.settings().enabled, m.status()))
        .collect();
    let enabled = out.gauge(
        "vpt_monitor_enabled",
        "Whether the device is monitored for black screens, freezes and signal loss.",
    );
    for (device, on, _) in &figures {
        enabled.sample(&[("device", device)], bool_value(*on));
    }
    let fps = out.gauge(
        "vpt_monitor_analysed_fps",
        "Frames analysed per second by the device's monitor (over the last 2 s).",
    );
    for (device, _, status) in &figures {
        fps.sample(&[("device", device)], status.analysed_fps);
    }
    let skipped = out.counter(
        "vpt_monitor_skipped_total",
        "Analysis ticks skipped because the monitor fell behind.",
    );
    for (device, _, status) in &figures {
        skipped.sample(&[("device", device)], status.skipped_total as f64);
    }
    let active = out.gauge(
        "vpt_monitor_condition_active",
        "1 while the device has an open incident of this kind.",
    );
    for (device, _, status) in &figures {
        for (kind, phase) in &status.conditions {
            let open = matches!(
                phase,
                crate::monitoring::Phase::Active | crate::monitoring::Phase::Clearing
            );
            active.sample(&[("device", device), ("kind", kind)], bool_value(open));
        }
    }
    let analysis = out.histogram(
        "vpt_monitor_analysis_duration_seconds",
        "Time the monitor took to analyse one frame.",
    );
    for monitor in &monitors {
        analysis.histogram(&[("device", &monitor.device)], &monitor.analysis_seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_series_from_the_start() {
        let mut out = Exposition::new();
        write_verification(&mut out);
        let text = out.render();
        for kind in VERIFICATION_KINDS {
            assert!(
                text.contains(&format!(
                    "vpt_verification_duration_seconds_count{{kind=\"{kind}\"}}"
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn stats_without_a_sensor_leave_temperature_out() {
        let mut out = Exposition::new();
        write_stats(&mut out, &HostStats::default());
        let text = out.render();
        assert!(text.contains("vpt_host_cpu_percent 0\n"), "{text}");
        assert!(!text.contains("temperature"), "{text}");
    }
}
