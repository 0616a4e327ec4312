//! Runs the image matcher on the cases written by `verify_fixtures` and prints one JSON object
//! per case with the verdict, the position and timings (single thread).
//!
//! Usage: cargo run --release --example match_cases -- CASES_DIR [REPEATS]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use vpt::verify::{MatchOptions, Reference, Region, match_image};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: match_cases CASES_DIR [REPEATS]");
        return ExitCode::from(2);
    };
    let repeats = args
        .next()
        .and_then(|r| r.to_str()?.parse::<usize>().ok())
        .unwrap_or(30)
        .max(1);
    match run(&dir, repeats) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("match_cases: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, repeats: usize) -> Result<(), Box<dyn std::error::Error>> {
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json"))?)?;
    for case in manifest {
        let file = |key: &str| -> Result<PathBuf, String> {
            case[key]
                .as_str()
                .map(|f| dir.join(f))
                .ok_or_else(|| format!("case without {key}"))
        };
        let frame = image::open(file("frame")?)?.to_rgb8();
        let reference = Reference::open(file("reference")?)?;
        let region: Option<Region> = serde_json::from_value(case["region"].clone())?;
        let options = MatchOptions {
            region,
            ..MatchOptions::default()
        };
        let mut result = match_image(&frame, &reference, &options)?;
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let start = std::time::Instant::now();
            result = match_image(&frame, &reference, &options)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{}",
            json!({
                "name": case["name"],
                "matched": result.matched,
                "x": result.region.x,
                "y": result.region.y,
                "score": result.score,
                "confirm_score": result.confirm_score,
                "first_pass_score": result.first_pass_score,
                "pyramid_level": result.pyramid_level,
                "median_ms": times[times.len() / 2],
                "min_ms": times[0],
            })
        );
    }
    Ok(())
}
