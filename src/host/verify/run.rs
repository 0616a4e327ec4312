//! Runs one verification over a device's live frames: always the newest frame (frames captured
//! while the previous one was analysed are skipped), until the mode's condition is met on enough
//! frames in a row or the timeout passes. Analysis runs on blocking threads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use image::RgbImage;

use super::annotated::AnnotatedStore;
use crate::api_error::ApiError;
use crate::host::capture::{Frame, Picture};
use crate::host::devices::Device;
use crate::protocol::verification::{
    Check, InlineReference, Mode, PassCondition, Verification, VerificationResult, VerifyRequest,
    VerifyResponse,
};
use crate::verify::{
    self, Annotation, BlackOptions, FreezeDetector, MatchOptions, MotionOptions, OcrOptions,
    Reference, Region, VerifyError,
};

/// What one frame showed.
#[derive(Debug, Clone)]
struct Observation {
    holds: bool,
    score: Option<f64>,
    region: Option<Region>,
    text: Option<String>,
    ms: f64,
    detail: String,
}

/// A verification ready to look at frames; keeps what it needs between frames.
enum Evaluator {
    Image {
        reference: Arc<Reference>,
        options: MatchOptions,
    },
    Text {
        expect: String,
        options: OcrOptions,
    },
    Black {
        options: BlackOptions,
    },
    Motion {
        options: MotionOptions,
        previous: Option<Arc<RgbImage>>,
    },
    Freeze {
        detector: Box<FreezeDetector>,
    },
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_verification", e.to_string())
}

fn too_large(detail: String) -> ApiError {
    ApiError::bad_request("reference_too_large", detail)
}

/// The PNG of an inline reference, checked without decoding a pixel: base64, a PNG header, and
/// a size no frame exceeds (nor the frame it was cut from).
fn checked_png(inline: &InlineReference) -> Result<Vec<u8>, ApiError> {
    let png = base64::engine::general_purpose::STANDARD
        .decode(inline.png_base64.as_bytes())
        .map_err(|e| {
            bad(format!(
                "reference `{}`: png_base64 is not base64: {e}",
                inline.name
            ))
        })?;
    // Checked from the header first: preparing a reference costs memory by its pixels.
    let (width, height) =
        crate::image_input::dimensions(&png, image::ImageFormat::Png).map_err(|e| {
            bad(format!(
                "reference `{}` is not a readable PNG: {e}",
                inline.name
            ))
        })?;
    if let Some(problem) = crate::image_input::frame_size_problem(width, height) {
        return Err(too_large(format!("reference `{}`: {problem}", inline.name)));
    }
    if let (Some(w), Some(h)) = (inline.source_width, inline.source_height)
        && w > 0
        && h > 0
        && (width > w || height > h)
    {
        return Err(too_large(format!(
            "reference `{}` ({width}x{height}) is larger than the {w}x{h} frame it was cut from",
            inline.name
        )));
    }
    Ok(png)
}

fn load_reference(inline: &InlineReference) -> Result<Reference, ApiError> {
    let png = checked_png(inline)?;
    let image = crate::image_input::decode(&png, image::ImageFormat::Png)
        .map_err(|e| {
            bad(format!(
                "reference `{}` is not a readable PNG: {e}",
                inline.name
            ))
        })?
        .to_rgba8();
    let reference = Reference::from_rgba(image).map_err(bad)?;
    Ok(match (inline.source_width, inline.source_height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => reference.with_source_size(w, h),
        _ => reference,
    })
}

fn match_options(
    threshold: Option<f64>,
    confirm_threshold: Option<f64>,
    colour: bool,
    region: Option<Region>,
) -> Result<MatchOptions, ApiError> {
    let mut options = MatchOptions {
        colour,
        region,
        ..Default::default()
    };
    if let Some(t) = threshold {
        options.threshold = t;
    }
    if let Some(t) = confirm_threshold {
        options.confirm_threshold = t;
    }
    for (what, value) in [
        ("threshold", options.threshold),
        ("confirm_threshold", options.confirm_threshold),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(bad(format!("{what} must be between 0 and 1, got {value}")));
        }
    }
    Ok(options)
}

impl Evaluator {
    fn new(check: &Check) -> Result<Self, ApiError> {
        Ok(match check {
            Check::Image {
                reference,
                threshold,
                confirm_threshold,
                colour,
                region,
            } => {
                let options = match_options(*threshold, *confirm_threshold, *colour, *region)?;
                Evaluator::Image {
                    reference: Arc::new(load_reference(reference)?),
                    options,
                }
            }
            Check::Text {
                expect,
                region,
                lang,
            } => {
                verify::TextPattern::parse(expect).map_err(bad)?;
                let mut options = OcrOptions {
                    region: *region,
                    ..Default::default()
                };
                if let Some(lang) = lang {
                    options.lang = lang.clone();
                }
                Evaluator::Text {
                    expect: expect.clone(),
                    options,
                }
            }
            Check::Black {
                threshold,
                region,
                min_dark_fraction,
            } => {
                let mut options = BlackOptions {
                    region: *region,
                    min_dark_fraction: *min_dark_fraction,
                    ..Default::default()
                };
                if let Some(t) = threshold {
                    options.threshold = *t;
                }
                Evaluator::Black { options }
            }
            Check::Motion { threshold, region } => Evaluator::Motion {
                options: motion_options(*threshold, *region),
                previous: None,
            },
            Check::Freeze {
                duration_ms,
                threshold,
                region,
            } => {
                if *duration_ms == 0 {
                    return Err(bad("duration_ms must be above 0"));
                }
                Evaluator::Freeze {
                    detector: Box::new(FreezeDetector::new(
                        Duration::from_millis(*duration_ms),
                        motion_options(*threshold, *region),
                    )),
                }
            }
            // Element verifications read the UI tree, not frames (see `run_element`).
            Check::Element { .. } => {
                return Err(bad("an element verification does not look at frames"));
            }
        })
    }

    /// Whether re-sent copies of the same picture still tell something new (time passes).
    fn needs_every_frame(&self) -> bool {
        matches!(self, Evaluator::Freeze { .. } | Evaluator::Motion { .. })
    }

    fn observe(&mut self, frame: &Arc<RgbImage>, at: Duration) -> Result<Observation, VerifyError> {
        Ok(match self {
            Evaluator::Image { reference, options } => {
                let result = verify::match_image(frame, reference, options)?;
                Observation {
                    holds: result.matched,
                    score: Some(result.score),
                    region: Some(result.region),
                    text: None,
                    ms: result.ms,
                    detail: format!(
                        "{} at {},{} (score {:.3}, confirm {})",
                        if result.matched {
                            "found"
                        } else {
                            "best place"
                        },
                        result.region.x,
                        result.region.y,
                        result.score,
                        result
                            .confirm_score
                            .map_or("-".into(), |c| format!("{c:.3}"))
                    ),
                }
            }
            Evaluator::Text { expect, options } => {
                let result = verify::match_text(frame, expect, options)?;
                Observation {
                    holds: result.matched,
                    score: None,
                    region: result.region.or(Some(result.search_area)),
                    detail: format!("read \"{}\"", result.text.trim()),
                    text: Some(result.text),
                    ms: result.ms,
                }
            }
            Evaluator::Black { options } => {
                let result = verify::is_black(frame, options)?;
                Observation {
                    holds: result.black,
                    score: Some(result.dark_fraction),
                    region: Some(result.region),
                    text: None,
                    ms: result.ms,
                    detail: format!(
                        "brightest luminance {}, {:.1}% dark",
                        result.max_luma,
                        result.dark_fraction * 100.0
                    ),
                }
            }
            Evaluator::Motion { options, previous } => {
                let Some(before) = previous.replace(frame.clone()) else {
                    return Ok(Observation {
                        holds: false,
                        score: None,
                        region: options.region,
                        text: None,
                        ms: 0.0,
                        detail: "first frame: nothing to compare yet".into(),
                    });
                };
                let result = verify::detect_motion(&before, frame, options)?;
                Observation {
                    holds: result.motion,
                    score: Some(result.changed_fraction),
                    region: result.region.or(options.region),
                    text: None,
                    ms: result.ms,
                    detail: format!("{:.2}% of pixels changed", result.changed_fraction * 100.0),
                }
            }
            Evaluator::Freeze { detector } => {
                let started = Instant::now();
                let state = detector.push(frame, at)?;
                Observation {
                    holds: state.frozen,
                    score: None,
                    region: None,
                    text: None,
                    ms: started.elapsed().as_secs_f64() * 1000.0,
                    detail: format!("picture still for {:.0} ms", state.still_ms),
                }
            }
        })
    }
}

fn motion_options(threshold: Option<u8>, region: Option<Region>) -> MotionOptions {
    let mut options = MotionOptions {
        region,
        ..Default::default()
    };
    if let Some(t) = threshold {
        options.noise_threshold = t;
    }
    options
}

/// Checks a request before anything runs, so bad input fails fast and whole.
pub fn prepare(verification: &Verification) -> Result<(), ApiError> {
    if verification.consecutive == 0 || verification.consecutive > 100 {
        return Err(bad("consecutive must be 1 to 100"));
    }
    if verification.timeout_ms > 600_000 {
        return Err(bad("timeout_ms must be at most 600000 (10 minutes)"));
    }
    if let Check::Element { query } = &verification.check {
        if verification.mode == Mode::AppearThenDisappear {
            return Err(bad("an element verification is `present` or `absent`"));
        }
        return query.validate().map_err(bad);
    }
    // An image reference is checked from its header here; its pixels are prepared once, when
    // the verification runs, within the host's image budget.
    if let Check::Image {
        reference,
        threshold,
        confirm_threshold,
        colour,
        region,
    } = &verification.check
    {
        match_options(*threshold, *confirm_threshold, *colour, *region)?;
        return checked_png(reference).map(|_| ());
    }
    Evaluator::new(&verification.check).map(|_| ())
}

/// Polling gap of element verifications: each poll is a `uiautomator dump` (~0.5–2 s on a device).
const ELEMENT_POLL: Duration = Duration::from_millis(250);

/// Runs an element verification on the device's UI tree through ADB.
async fn run_element(
    device: &Device,
    verification: &Verification,
    query: &crate::host::remote::adb::ui::ElementQuery,
) -> Result<VerificationResult, ApiError> {
    let adb = device.adb.clone().ok_or_else(|| {
        ApiError::conflict(
            "unsupported",
            format!(
                "device `{}` has no ADB remote: element verifications need one",
                device.id()
            ),
        )
    })?;
    let appear = verification.mode != Mode::Absent;
    let outcome = adb
        .wait_element(
            query,
            appear,
            Duration::from_millis(verification.timeout_ms),
            ELEMENT_POLL,
        )
        .await
        .map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "remote_failed",
                e.to_string(),
            )
        })?;
    let first = outcome.matches.first();
    let region = first.and_then(|e| e.bounds).and_then(|b| {
        Some(Region::new(
            u32::try_from(b.x).ok()?,
            u32::try_from(b.y).ok()?,
            u32::try_from(b.width).ok()?,
            u32::try_from(b.height).ok()?,
        ))
    });
    let ms = outcome.elapsed.as_secs_f64() * 1000.0;
    let found = !outcome.matches.is_empty();
    Ok(VerificationResult {
        kind: "element",
        name: verification.check.name(),
        mode: verification.mode,
        passed: outcome.ok,
        matched: found,
        score: None,
        region,
        ms,
        waited_ms: ms,
        frames_checked: outcome.polls,
        frame_seq: None,
        text: first.map(|e| e.text.clone()).filter(|t| !t.is_empty()),
        detail: match (outcome.ok, found) {
            (true, true) => format!("found {} matching element(s)", outcome.matches.len()),
            (true, false) => "no matching element".into(),
            (false, true) => format!(
                "still {} matching element(s) after {} ms",
                outcome.matches.len(),
                verification.timeout_ms
            ),
            (false, false) => format!("not found within {} ms", verification.timeout_ms),
        },
        annotated_url: None,
    })
}

/// Runs the verifications of a request in order, stopping as soon as the pass condition is
/// decided (the first failure for `all`, the first success for `any`).
pub async fn run_request(
    device: &Device,
    request: &VerifyRequest,
    store: &AnnotatedStore,
) -> Result<VerifyResponse, ApiError> {
    let started = Instant::now();
    let mut results = Vec::new();
    let mut passed = request.pass == PassCondition::All;
    for verification in &request.verifications {
        let one_started = Instant::now();
        let result = match &verification.check {
            Check::Element { query } => run_element(device, verification, query).await?,
            _ => run(device, verification, store).await?,
        };
        crate::host::metrics::VERIFICATION_SECONDS.observe(
            &[verification.check.kind()],
            one_started.elapsed().as_secs_f64(),
        );
        let this_passed = result.passed;
        results.push(result);
        match request.pass {
            PassCondition::All if !this_passed => {
                passed = false;
                break;
            }
            PassCondition::Any if this_passed => {
                passed = true;
                break;
            }
            _ => {}
        }
    }
    Ok(VerifyResponse {
        passed,
        pass: request.pass,
        ms: started.elapsed().as_secs_f64() * 1000.0,
        results,
    })
}

/// Memory, in MiB, that image verifications may hold at once on this host. Each one holds a
/// share for as long as it runs, by the size of its reference (what preparing and matching it
/// take): crops of a few hundred pixels a side cost nothing worth counting, while references as
/// large as a 4K frame wait for each other instead of adding up.
const IMAGE_BUDGET_MIB: u32 = 1024;
/// What preparing and matching a reference take per reference pixel, measured with
/// `scripts/verify-peak-memory.sh` (about 800 MB for a 4096x2160 reference), rounded up.
const BYTES_PER_REFERENCE_PIXEL: u64 = 100;
static IMAGE_BUDGET: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(IMAGE_BUDGET_MIB as usize));

/// The share of [`IMAGE_BUDGET_MIB`] an image verification holds (0 for other kinds), from the
/// reference's PNG header.
fn image_share(check: &Check) -> u32 {
    let Check::Image { reference, .. } = check else {
        return 0;
    };
    let size = base64::engine::general_purpose::STANDARD
        .decode(reference.png_base64.as_bytes())
        .ok()
        .and_then(|png| crate::image_input::dimensions(&png, image::ImageFormat::Png).ok());
    let Some((width, height)) = size else {
        return 0; // refused with its reason when the evaluator reads it
    };
    let bytes = u64::from(width) * u64::from(height) * BYTES_PER_REFERENCE_PIXEL;
    u32::try_from(bytes >> 20)
        .unwrap_or(u32::MAX)
        .min(IMAGE_BUDGET_MIB)
}

/// Observations running at once on this host (one per core).
static VERIFY_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs one verification on `device`'s live frames.
pub async fn run(
    device: &Device,
    verification: &Verification,
    store: &AnnotatedStore,
) -> Result<VerificationResult, ApiError> {
    let started = Instant::now();
    let share = image_share(&verification.check);
    let _budget = match share {
        0 => None,
        share => Some(
            IMAGE_BUDGET
                .acquire_many(share)
                .await
                .map_err(|e| ApiError::internal("verification stopped", e))?,
        ),
    };
    // Preparing a reference decodes a picture: off the runtime, like each observation.
    let check = verification.check.clone();
    let mut evaluator = tokio::task::spawn_blocking(move || Evaluator::new(&check))
        .await
        .map_err(|e| ApiError::internal("verification stopped", e))??;
    let mut timeout = Duration::from_millis(verification.timeout_ms);
    if let Check::Freeze { duration_ms, .. } = verification.check {
        // A freeze can only be seen once its duration has passed.
        timeout = timeout.max(Duration::from_millis(duration_ms) + Duration::from_millis(500));
    }
    let deadline = started + timeout;
    // Frame times for the freeze detector, on a clock that starts before any frame it may see.
    let epoch = started
        .checked_sub(Duration::from_secs(60))
        .unwrap_or(started);
    let mut frames = device.capture.subscribe();
    // A device that has just started gets a moment to capture its first frame.
    if frames.borrow().is_none() {
        let grace = timeout.max(Duration::from_secs(2));
        let _ = tokio::time::timeout(grace, frames.wait_for(Option::is_some)).await;
    }
    let mut streak = 0u32;
    let mut appeared = false;
    let mut checked = 0u32;
    let mut last: Option<(Frame, Observation)> = None;
    let mut evaluated: Option<Arc<Picture>> = None;
    let decision = loop {
        let frame = frames.borrow_and_update().clone();
        if let Some(frame) = frame {
            let repeat = evaluated
                .as_ref()
                .is_some_and(|p| Arc::ptr_eq(p, &frame.picture));
            let observation = match (&last, repeat && !evaluator.needs_every_frame()) {
                (Some((_, previous)), true) => previous.clone(),
                _ => {
                    let rgb = decode(&frame).await?;
                    let at = frame.captured.saturating_duration_since(epoch);
                    // At most one observation per core at a time: what verifications hold in
                    // memory is bounded whatever number of requests arrive at once.
                    let _slot = VERIFY_SLOTS
                        .acquire()
                        .await
                        .map_err(|e| ApiError::internal("verification stopped", e))?;
                    let (back, outcome) = tokio::task::spawn_blocking(move || {
                        let outcome = evaluator.observe(&rgb, at);
                        (evaluator, outcome)
                    })
                    .await
                    .map_err(|e| ApiError::internal("verification stopped", e))?;
                    evaluator = back;
                    evaluated = Some(frame.picture.clone());
                    outcome.map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?
                }
            };
            checked += 1;
            let wanted = match verification.mode {
                Mode::Present => true,
                Mode::Absent => false,
                Mode::AppearThenDisappear => !appeared,
            };
            streak = if observation.holds == wanted {
                streak + 1
            } else {
                0
            };
            last = Some((frame, observation));
            if streak >= verification.consecutive {
                if verification.mode == Mode::AppearThenDisappear && !appeared {
                    appeared = true;
                    streak = 0;
                } else {
                    break true;
                }
            }
        }
        if Instant::now() >= deadline {
            break false;
        }
        tokio::select! {
            changed = frames.changed() => if changed.is_err() { break false },
            _ = tokio::time::sleep_until(deadline.into()) => {}
        }
    };
    let waited_ms = started.elapsed().as_secs_f64() * 1000.0;
    let Some((frame, observation)) = last else {
        return Ok(VerificationResult {
            kind: verification.check.kind(),
            name: verification.check.name(),
            mode: verification.mode,
            passed: false,
            matched: false,
            score: None,
            region: None,
            ms: 0.0,
            waited_ms,
            frames_checked: 0,
            frame_seq: None,
            text: None,
            detail: "no picture from the device (no signal)".into(),
            annotated_url: None,
        });
    };
    let annotated_url = annotate(store, &frame, &observation, decision).await;
    let mut detail = observation.detail.clone();
    if !decision {
        let appeared_note = if verification.mode == Mode::AppearThenDisappear && appeared {
            " (appeared, did not disappear)"
        } else {
            ""
        };
        detail = format!(
            "not met within {} ms{appeared_note}: {detail}",
            timeout.as_millis()
        );
    }
    Ok(VerificationResult {
        kind: verification.check.kind(),
        name: verification.check.name(),
        mode: verification.mode,
        passed: decision,
        matched: observation.holds,
        score: observation.score,
        region: observation.region,
        ms: observation.ms,
        waited_ms,
        frames_checked: checked,
        frame_seq: Some(frame.seq),
        text: observation.text,
        detail,
        annotated_url,
    })
}

async fn decode(frame: &Frame) -> Result<Arc<RgbImage>, ApiError> {
    let picture = frame.picture.clone();
    tokio::task::spawn_blocking(move || picture.rgb())
        .await
        .map_err(|e| ApiError::internal("frame decoder stopped", e))?
        .map_err(|e| ApiError::internal("cannot decode frame", e))
}

/// Stores the deciding frame with what was compared outlined; returns its URL.
async fn annotate(
    store: &AnnotatedStore,
    frame: &Frame,
    observation: &Observation,
    passed: bool,
) -> Option<String> {
    let picture = frame.picture.clone();
    let region = observation.region;
    let jpeg = tokio::task::spawn_blocking(move || {
        let rgb = picture.rgb().ok()?;
        let annotations: Vec<Annotation> = region
            .map(|region| Annotation {
                region,
                passed,
                searched: None,
            })
            .into_iter()
            .collect();
        let image = verify::annotate(&rgb, &annotations);
        crate::host::capture::frame::encode_jpeg(&image, crate::host::capture::frame::JPEG_QUALITY)
            .ok()
    })
    .await
    .ok()??;
    Some(store.insert(jpeg))
}
