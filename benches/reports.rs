//! Report generation for a 50-step run: the HTML report (every step with a before and an after
//! picture of ~60 KB and one verification with its annotated picture, all embedded) and the
//! JUnit XML. Target: under 200 ms for the HTML report of such a run.
//!
//! Run: `cargo bench --bench reports`

mod support;

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use support::{machine, percentile};
use vpt::testing::junit::run_junit;
use vpt::testing::report::{RunReport, run_html};
use vpt::testing::run::{LogLine, RunRecord, RunStatus, Selector, StepResult, StepStatus};

const STEPS: usize = 50;
const ITERATIONS: usize = 30;
const WIDTH: u16 = 640;
const HEIGHT: u16 = 360;
const TARGET_JPEG_BYTES: usize = 60 * 1024;

fn main() {
    if !support::measuring() {
        return;
    }
    println!("machine: {}", machine());
    let jpeg = noisy_jpeg();
    let (run, steps) = synthetic_run();
    let mut artifacts: HashMap<String, Vec<u8>> = HashMap::new();
    for step in &steps {
        let names = [step.before.clone(), step.after.clone()]
            .into_iter()
            .flatten()
            .chain(
                step.verifications
                    .iter()
                    .filter_map(|v| v["annotated"].as_str().map(str::to_string)),
            );
        for name in names {
            artifacts.insert(name, jpeg.clone());
        }
    }
    // The server reads artifacts from disk; a copy per picture stands in for that read.
    let loader = |name: &str| artifacts.get(name).cloned();
    let report = RunReport {
        run: &run,
        steps: &steps,
        document: None,
        artifact: &loader,
    };
    println!(
        "input: {STEPS} steps, {} pictures of {} KB ({WIDTH}x{HEIGHT} JPEG)",
        artifacts.len(),
        jpeg.len() / 1024
    );

    let mut html_ms = Vec::new();
    let mut html_bytes = 0;
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let html = run_html(&report);
        html_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        html_bytes = html.len();
    }
    let mut junit_ms = Vec::new();
    let mut junit_bytes = 0;
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let xml = run_junit(&run, &steps);
        junit_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        junit_bytes = xml.len();
    }
    summary("run_html", &html_ms, html_bytes);
    summary("run_junit", &junit_ms, junit_bytes);
}

fn summary(name: &str, samples: &[f64], bytes: usize) {
    println!(
        "{name}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms over {} iterations; output {:.2} MiB ({bytes} bytes)",
        percentile(samples, 50.0),
        percentile(samples, 95.0),
        samples.iter().copied().fold(0.0, f64::max),
        samples.len(),
        bytes as f64 / (1024.0 * 1024.0),
    );
}

/// A real camera-like JPEG: gradients with noise, at the highest quality that stays near the
/// target size, so the embedded pictures weigh what real ones do.
fn noisy_jpeg() -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut pixels = Vec::with_capacity(WIDTH as usize * HEIGHT as usize * 3);
    for y in 0..HEIGHT as i32 {
        for x in 0..WIDTH as i32 {
            let base = [
                x * 255 / WIDTH as i32,
                y * 255 / HEIGHT as i32,
                (x + y) % 256,
            ];
            for channel in base {
                let noisy = channel + rng.i32(-24..=24);
                pixels.push(noisy.clamp(0, 255) as u8);
            }
        }
    }
    let mut best = Vec::new();
    for quality in (20..=95).rev() {
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, quality)
            .encode(&pixels, WIDTH, HEIGHT, jpeg_encoder::ColorType::Rgb)
            .expect("jpeg encodes");
        best = out;
        if best.len() <= TARGET_JPEG_BYTES {
            break;
        }
    }
    best
}

fn synthetic_run() -> (RunRecord, Vec<StepResult>) {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 14, 9, 0, 0)
        .single()
        .expect("time");
    let steps: Vec<StepResult> = (0..STEPS)
        .map(|index| {
            let failed = index == STEPS - 1;
            StepResult {
                index,
                path: format!("steps[{}].steps[{}]", index / 10, index % 10),
                iteration: vec![(index % 10) as u32 + 1],
                action: "verify".into(),
                label: format!("Verify image \"menu.item-{index}\" <after zap & wait>"),
                status: if failed {
                    StepStatus::Failed
                } else {
                    StepStatus::Passed
                },
                continue_on_failure: false,
                started_at: start + Duration::seconds(index as i64 * 2),
                ms: 1_500.0 + index as f64 * 13.7,
                detail: format!("image \"menu.item-{index}\": best score 0.97 at (265, 250)"),
                log: (0..8)
                    .map(|line| LogLine {
                        ms: line as f64 * 187.5,
                        text: format!("poll {line}: score 0.{} < threshold 0.95", 40 + line),
                    })
                    .collect(),
                verifications: vec![json!({
                    "kind": "image", "name": format!("menu.item-{index}"), "mode": "present",
                    "passed": !failed, "score": 0.9731, "confirm_score": 0.91,
                    "detail": "matched at (265, 250) 165×140", "annotated": format!("{index}-v0.jpg")
                })],
                before: Some(format!("{index}-before.jpg")),
                after: Some(format!("{index}-after.jpg")),
            }
        })
        .collect();
    let run = RunRecord {
        id: 4242,
        testcase_id: Some(7),
        testcase_name: "zap through 50 channels".into(),
        testcase_version: 3,
        status: RunStatus::Failed,
        reason: Some("steps[4].steps[9]: image \"menu.item-49\" not found".into()),
        started_by: "schedule:nightly".into(),
        target: Selector::default(),
        host: Some("lab-1".into()),
        device: Some("stb-3".into()),
        campaign_run_id: None,
        timeout_s: 600,
        queued_at: start,
        started_at: Some(start),
        first_step_at: Some(start),
        finished_at: Some(start + Duration::seconds(110)),
        duration_ms: Some(110_000),
        steps_done: STEPS as u32,
        steps_failed: 1,
    };
    (run, steps)
}
