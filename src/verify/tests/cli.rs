//! `vpt check`: JSON out, exit codes 0 / 1 / 2.

use std::path::{Path, PathBuf};

use super::{case, solid};
use crate::verify::cli::{CheckArgs, CheckCommand, ModeArg, execute, run};

fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}

fn write_case_files(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let c = case(name);
    let (frame, reference) = (
        dir.join(format!("{name}.png")),
        dir.join(format!("{name}.ref.png")),
    );
    c.frame.save(&frame).expect("write frame");
    c.reference.save(&reference).expect("write reference");
    (frame, reference)
}

fn match_command(frame: PathBuf, reference: PathBuf) -> CheckCommand {
    CheckCommand::Match {
        frame,
        reference,
        region: None,
        threshold: crate::verify::DEFAULT_MATCH_THRESHOLD,
        confirm_threshold: crate::verify::DEFAULT_CONFIRM_THRESHOLD,
        colour: false,
        all: false,
        reference_size: None,
        annotate: None,
    }
}

#[test]
fn match_exit_codes_follow_the_verdict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (frame, reference) = write_case_files(dir.path(), "tile_720p");
    let annotated = dir.path().join("annotated.png");
    let command = match match_command(frame.clone(), reference.clone()) {
        CheckCommand::Match {
            frame, reference, ..
        } => CheckCommand::Match {
            frame,
            reference,
            region: None,
            threshold: 0.95,
            confirm_threshold: 0.7,
            colour: false,
            all: false,
            reference_size: None,
            annotate: Some(annotated.clone()),
        },
        other => other,
    };
    let (text, positive) = execute(command).expect("runs");
    assert!(
        text.starts_with(r#"{"matched":true,"score":"#),
        "fields in documented order: {text}"
    );
    let json = parse(&text);
    assert!(positive);
    assert_eq!(json["matched"], true);
    assert_eq!(json["region"]["x"], 265);
    assert!(json["ms"].as_f64().is_some());
    assert!(annotated.is_file());
    assert_eq!(
        run(CheckArgs {
            command: match_command(frame, reference)
        }),
        0
    );

    let (frame, reference) = write_case_files(dir.path(), "title_absent_720p");
    assert_eq!(
        run(CheckArgs {
            command: match_command(frame, reference)
        }),
        1
    );
}

#[test]
fn bad_input_exits_with_2_and_an_error_object() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (frame, reference) = write_case_files(dir.path(), "tile_720p");
    let missing = match_command(dir.path().join("missing.png"), reference.clone());
    assert_eq!(
        execute(missing.clone()).expect_err("missing file").code(),
        "unreadable_image"
    );
    assert_eq!(run(CheckArgs { command: missing }), 2);

    let bad_region = CheckCommand::Black {
        frame: frame.clone(),
        threshold: 20,
        region: Some("1,2,3".into()),
        fraction: None,
    };
    assert_eq!(
        execute(bad_region).expect_err("bad region").code(),
        "invalid_region"
    );

    // The frame used as the reference of a smaller image.
    let small = dir.path().join("small.png");
    solid(50, 50, [0, 0, 0]).save(&small).expect("write");
    let too_big = match_command(small, frame);
    let error = execute(too_big).expect_err("too big");
    assert_eq!(error.code(), "reference_too_large");
    let body = serde_json::to_value(error.to_json()).expect("json");
    assert_eq!(body["error"], "reference_too_large");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("larger"))
    );
}

#[test]
fn black_motion_and_text_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (dark, grey) = (dir.path().join("dark.png"), dir.path().join("grey.png"));
    solid(64, 64, [5, 5, 5]).save(&dark).expect("write");
    solid(64, 64, [128, 128, 128]).save(&grey).expect("write");
    let black = |frame: &PathBuf| CheckCommand::Black {
        frame: frame.clone(),
        threshold: 20,
        region: None,
        fraction: None,
    };
    assert!(execute(black(&dark)).expect("runs").1);
    assert!(!execute(black(&grey)).expect("runs").1);
    let motion = |a: &PathBuf, b: &PathBuf| CheckCommand::Motion {
        a: a.clone(),
        b: b.clone(),
        threshold: 25,
        region: None,
        min_blob: 1,
    };
    let (json, moved) = execute(motion(&dark, &grey)).expect("runs");
    let json = parse(&json);
    assert!(moved && json["changed_fraction"] == 1.0);
    assert!(!execute(motion(&dark, &dark)).expect("runs").1);

    let (frame, _) = write_case_files(dir.path(), "tile_720p");
    let text = CheckCommand::Text {
        frame,
        region: Some("661,337,153,46".into()),
        expect: Some("Settings|Einstellungen".into()),
        lang: "eng".into(),
        mode: ModeArg::Block,
        whitelist: None,
        annotate: None,
    };
    let (json, found) = execute(text).expect("runs");
    assert!(found, "{json}");
    let json = parse(&json);
    assert_eq!(json["matched_text"], "Settings");
}

#[test]
fn the_arguments_parse_as_documented() {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        check: CheckArgs,
    }
    let cli = Cli::try_parse_from([
        "vpt",
        "match",
        "f.png",
        "r.png",
        "--region",
        "1,2,3,4",
        "--threshold",
        "0.9",
    ])
    .expect("parses");
    assert!(matches!(cli.check.command, CheckCommand::Match { threshold, .. } if threshold == 0.9));
    let cli = Cli::try_parse_from([
        "vpt",
        "text",
        "f.png",
        "--expect",
        "Settings|Einstellungen",
        "--lang",
        "eng",
        "--mode",
        "line",
    ])
    .expect("parses");
    assert!(matches!(
        cli.check.command,
        CheckCommand::Text {
            mode: ModeArg::Line,
            ..
        }
    ));
    assert!(Cli::try_parse_from(["vpt", "black", "f.png", "--threshold", "300"]).is_err());
}
