//! Writes the synthetic image-match cases to a directory, for comparisons with other tools:
//! `<name>.frame.png`, `<name>.reference.png` and `cases.json` (name, files, search region,
//! expected region or null when the reference must not be found).
//!
//! Usage: cargo run --release --example verify_fixtures -- OUT_DIR

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use vpt::verify::synthetic::{load_font, match_cases};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: verify_fixtures OUT_DIR");
        return ExitCode::from(2);
    };
    match write_cases(&dir) {
        Ok(count) => {
            println!("wrote {count} cases to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("verify_fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_cases(dir: &std::path::Path) -> Result<usize, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let font = load_font()?;
    let mut manifest = Vec::new();
    for case in match_cases(&font) {
        let frame = format!("{}.frame.png", case.name);
        let reference = format!("{}.reference.png", case.name);
        case.frame.save(dir.join(&frame))?;
        case.reference.save(dir.join(&reference))?;
        manifest.push(json!({
            "name": case.name,
            "frame": frame,
            "reference": reference,
            "region": case.region,
            "expected": case.expected,
        }));
    }
    std::fs::write(
        dir.join("cases.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(manifest.len())
}
