//! `vpt check ...`: run one verification on image files and print the result as JSON.
//!
//! Output: one JSON object on stdout, whatever the outcome. Exit code: 0 when the verdict is
//! positive (matched / text found / black / motion), 1 when it is negative, 2 when the input is
//! bad (unreadable file, bad region, reference larger than the frame, ...); in that last case the
//! object is `{"error": "<code>", "detail": "<sentence>"}`. Usage errors caught by the argument
//! parser itself print its usual message on stderr and also exit with 2.

use std::path::{Path, PathBuf};

use image::RgbImage;
use serde::Serialize;

use super::{
    Annotation, BlackOptions, MatchOptions, MotionOptions, OcrOptions, PageSegMode, Reference,
    Region, VerifyError, annotate, detect_motion, is_black, match_all, match_image, match_text,
    ocr,
};

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub command: CheckCommand,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum CheckCommand {
    /// Look for a reference image in a frame.
    Match {
        frame: PathBuf,
        reference: PathBuf,
        /// Only search x,y,width,height of the frame.
        #[arg(long)]
        region: Option<String>,
        /// Minimum match score 0..1.
        #[arg(long, default_value_t = super::DEFAULT_MATCH_THRESHOLD)]
        threshold: f64,
        /// Minimum confirm score 0..1.
        #[arg(long, default_value_t = super::DEFAULT_CONFIRM_THRESHOLD)]
        confirm_threshold: f64,
        /// Compare colours, not only brightness.
        #[arg(long)]
        colour: bool,
        /// Report every non-overlapping match instead of the best one.
        #[arg(long)]
        all: bool,
        /// Resolution (WIDTHxHEIGHT) of the frame the reference was cut from; the reference is
        /// scaled when the frame's resolution differs.
        #[arg(long, value_name = "WxH")]
        reference_size: Option<String>,
        /// Write the frame with the result drawn on it to this PNG.
        #[arg(long)]
        annotate: Option<PathBuf>,
    },
    /// Read text in a frame (OCR), optionally checking it against expected text.
    Text {
        frame: PathBuf,
        #[arg(long)]
        region: Option<String>,
        /// Expected text; alternatives separated by '|'; case, spaces and punctuation ignored.
        #[arg(long)]
        expect: Option<String>,
        #[arg(long, default_value = "eng")]
        lang: String,
        #[arg(long, value_enum, default_value_t = ModeArg::Block)]
        mode: ModeArg,
        /// Only recognise these characters.
        #[arg(long)]
        whitelist: Option<String>,
        #[arg(long)]
        annotate: Option<PathBuf>,
    },
    /// Is the frame black?
    Black {
        frame: PathBuf,
        /// Luminance 0..255 at or below which a pixel is dark.
        #[arg(long, default_value_t = super::DEFAULT_BLACK_THRESHOLD)]
        threshold: u8,
        #[arg(long)]
        region: Option<String>,
        /// Black when at least this fraction of the pixels is dark (default: all of them).
        #[arg(long)]
        fraction: Option<f64>,
    },
    /// Is there motion between two frames?
    Motion {
        a: PathBuf,
        b: PathBuf,
        /// Per-pixel difference 0..255 above which a pixel changed.
        #[arg(long, default_value_t = super::DEFAULT_NOISE_THRESHOLD)]
        threshold: u8,
        #[arg(long)]
        region: Option<String>,
        /// Smallest group of changed pixels that counts.
        #[arg(long, default_value_t = 1)]
        min_blob: u32,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    Auto,
    Block,
    Line,
    Word,
    Sparse,
}

impl From<ModeArg> for PageSegMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Auto => PageSegMode::Auto,
            ModeArg::Block => PageSegMode::SingleBlock,
            ModeArg::Line => PageSegMode::SingleLine,
            ModeArg::Word => PageSegMode::SingleWord,
            ModeArg::Sparse => PageSegMode::SparseText,
        }
    }
}

/// Runs the check, prints its JSON on stdout, returns the exit code (0, 1 or 2).
pub fn run(args: CheckArgs) -> i32 {
    let (body, code) = match execute(args.command) {
        Ok((body, positive)) => (body, if positive { 0 } else { 1 }),
        Err(error) => (
            serde_json::to_string(&error.to_json()).unwrap_or_else(|_| error.to_string()),
            2,
        ),
    };
    println!("{body}");
    code
}

/// The JSON text of the result (fields in their documented order) and whether the verdict is
/// positive.
pub fn execute(command: CheckCommand) -> Result<(String, bool), VerifyError> {
    match command {
        CheckCommand::Match {
            frame,
            reference,
            region,
            threshold,
            confirm_threshold,
            colour,
            all,
            reference_size,
            annotate: out,
        } => {
            let frame = load_frame(&frame)?;
            let mut reference = Reference::open(&reference)?;
            if let Some(size) = reference_size {
                let (w, h) = parse_size(&size)?;
                reference = reference.with_source_size(w, h);
            }
            let options = MatchOptions {
                threshold,
                confirm_threshold,
                colour,
                region: parse_region(region)?,
            };
            if all {
                let matches = match_all(&frame, &reference, &options)?;
                let marks: Vec<Annotation> = matches.iter().map(Annotation::from).collect();
                save_annotated(out.as_deref(), &frame, &marks)?;
                let ms = matches.first().map_or(0.0, |m| m.ms);
                #[derive(Serialize)]
                struct AllMatches<'a> {
                    matched: bool,
                    count: usize,
                    matches: &'a [super::MatchResult],
                    ms: f64,
                }
                let all = AllMatches {
                    matched: !matches.is_empty(),
                    count: matches.len(),
                    matches: &matches,
                    ms,
                };
                verdict(&all, all.matched)
            } else {
                let result = match_image(&frame, &reference, &options)?;
                save_annotated(out.as_deref(), &frame, &[Annotation::from(&result)])?;
                verdict(&result, result.matched)
            }
        }
        CheckCommand::Text {
            frame,
            region,
            expect,
            lang,
            mode,
            whitelist,
            annotate: out,
        } => {
            let frame = load_frame(&frame)?;
            let options = OcrOptions {
                region: parse_region(region)?,
                lang,
                mode: mode.into(),
                char_whitelist: whitelist,
                scale: None,
            };
            match expect {
                Some(expected) => {
                    let result = match_text(&frame, &expected, &options)?;
                    let mark = Annotation {
                        region: result.region.unwrap_or(result.search_area),
                        passed: result.matched,
                        searched: Some(result.search_area),
                    };
                    save_annotated(out.as_deref(), &frame, &[mark])?;
                    verdict(&result, result.matched)
                }
                None => {
                    let result = ocr(&frame, &options)?;
                    let marks: Vec<Annotation> = result
                        .words
                        .iter()
                        .map(|w| Annotation {
                            region: w.region,
                            passed: true,
                            searched: Some(result.region),
                        })
                        .collect();
                    save_annotated(out.as_deref(), &frame, &marks)?;
                    verdict(&result, !result.text.trim().is_empty())
                }
            }
        }
        CheckCommand::Black {
            frame,
            threshold,
            region,
            fraction,
        } => {
            let frame = load_frame(&frame)?;
            let options = BlackOptions {
                threshold,
                region: parse_region(region)?,
                min_dark_fraction: fraction,
            };
            let result = is_black(&frame, &options)?;
            verdict(&result, result.black)
        }
        CheckCommand::Motion {
            a,
            b,
            threshold,
            region,
            min_blob,
        } => {
            let (a, b) = (load_frame(&a)?, load_frame(&b)?);
            let options = MotionOptions {
                noise_threshold: threshold,
                region: parse_region(region)?,
                min_blob_pixels: min_blob,
                ..MotionOptions::default()
            };
            let result = detect_motion(&a, &b, &options)?;
            verdict(&result, result.motion)
        }
    }
}

fn verdict<T: Serialize>(result: &T, positive: bool) -> Result<(String, bool), VerifyError> {
    let text =
        serde_json::to_string(result).map_err(|e| VerifyError::InvalidOption(e.to_string()))?;
    Ok((text, positive))
}

fn load_frame(path: &Path) -> Result<RgbImage, VerifyError> {
    let image = image::open(path).map_err(|e| VerifyError::ImageLoad {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(image.to_rgb8())
}

fn parse_region(text: Option<String>) -> Result<Option<Region>, VerifyError> {
    text.map(|t| t.parse()).transpose()
}

fn parse_size(text: &str) -> Result<(u32, u32), VerifyError> {
    let bad = || VerifyError::InvalidOption(format!("reference size {text:?} is not WIDTHxHEIGHT"));
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (
        w.trim().parse::<u32>().map_err(|_| bad())?,
        h.trim().parse::<u32>().map_err(|_| bad())?,
    );
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

fn save_annotated(
    path: Option<&Path>,
    frame: &RgbImage,
    marks: &[Annotation],
) -> Result<(), VerifyError> {
    let Some(path) = path else {
        return Ok(());
    };
    annotate(frame, marks)
        .save(path)
        .map_err(|e| VerifyError::ImageLoad {
            path: path.display().to_string(),
            reason: format!("cannot write: {e}"),
        })
}
