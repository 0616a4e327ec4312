//! Reading text with Tesseract.
//!
//! A bounded pool of warm engines (about one per core; initialising one costs ~100 ms) is
//! shared by all threads, see [`ocr_pool_stats`]. The region
//! is converted to grey, made dark-on-light (Tesseract reads that best; TV menus are often light
//! on dark), and small text is scaled up so that lines are about [`TARGET_LINE_HEIGHT`] pixels.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use image::RgbImage;
use image::imageops::{self, FilterType};
use leptess::tesseract::TessApi;
use serde::{Deserialize, Serialize};

mod prepare;

use super::matcher::elapsed_ms;
use super::text::TextPattern;
use super::{Region, VerifyError};
use prepare::{auto_scale, dark_on_light};

pub use prepare::TARGET_LINE_HEIGHT;

/// Tesseract page segmentation modes that make sense on a TV screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PageSegMode {
    /// Find blocks of text anywhere (Tesseract mode 3).
    Auto,
    /// One uniform block of text (mode 6); the default, good for a menu item or a few lines.
    #[default]
    SingleBlock,
    /// Exactly one line (mode 7).
    SingleLine,
    /// Exactly one word (mode 8).
    SingleWord,
    /// Scattered text in no particular order (mode 11), e.g. a whole screen.
    SparseText,
}

impl PageSegMode {
    fn tesseract_value(self) -> &'static str {
        match self {
            PageSegMode::Auto => "3",
            PageSegMode::SingleBlock => "6",
            PageSegMode::SingleLine => "7",
            PageSegMode::SingleWord => "8",
            PageSegMode::SparseText => "11",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcrOptions {
    /// Only read this part of the frame (clipped to the frame).
    pub region: Option<Region>,
    /// Tesseract language(s), e.g. `eng` or `eng+deu`.
    pub lang: String,
    pub mode: PageSegMode,
    /// Only these characters may be recognised (e.g. `0123456789:` for a clock).
    pub char_whitelist: Option<String>,
    /// Scale factor applied before recognition; `None` picks one from the measured line height.
    pub scale: Option<f32>,
}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            region: None,
            lang: "eng".to_string(),
            mode: PageSegMode::default(),
            char_whitelist: None,
            scale: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrWord {
    pub text: String,
    /// Frame coordinates.
    pub region: Region,
    /// Tesseract's confidence, 0..100.
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrResult {
    /// Words separated by spaces, lines by `\n`.
    pub text: String,
    pub words: Vec<OcrWord>,
    /// The area that was read.
    pub region: Region,
    /// Scale factor used before recognition.
    pub scale: f32,
    pub ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextMatchResult {
    pub matched: bool,
    /// The expected text as given (alternatives separated by `|`).
    pub expected: String,
    /// The alternative that was found.
    pub matched_text: Option<String>,
    /// What was read.
    pub text: String,
    /// Where the matched words are, frame coordinates; `None` when not matched.
    pub region: Option<Region>,
    /// The area that was read.
    pub search_area: Region,
    pub ms: f64,
}

/// Warm Tesseract engines shared by all threads. An engine is ~tens of MB of language model,
/// so there are at most [`EnginePool::limit`] of them whatever the number of blocking threads
/// (the async runtime may run many more than there are cores); a caller finding them all busy
/// waits for one, which costs less than a cold start.
struct EnginePool {
    state: Mutex<PoolState>,
    returned: Condvar,
    limit: usize,
}

#[derive(Default)]
struct PoolState {
    /// Idle engines: language, engine, resident memory its start added.
    idle: Vec<(String, TessApi, u64)>,
    /// Engines in existence or being created (idle + lent).
    engines: usize,
    /// Resident memory the engines in existence added when they started.
    memory_bytes: u64,
    started: u64,
}

/// What the OCR engine pool holds, for monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcrPoolStats {
    /// Most engines kept (one per core).
    pub limit: usize,
    /// Engines in existence.
    pub engines: usize,
    /// Of which not in use.
    pub idle: usize,
    /// Engines started since the process began (an engine for another language replaces an
    /// idle one when the pool is full).
    pub started: u64,
    /// Resident memory the engines in existence take: process RSS measured before and after
    /// each start (approximate when other threads allocate meanwhile), bytes.
    pub memory_bytes: u64,
}

fn pool() -> &'static EnginePool {
    static POOL: OnceLock<EnginePool> = OnceLock::new();
    POOL.get_or_init(|| EnginePool {
        state: Mutex::new(PoolState::default()),
        returned: Condvar::new(),
        limit: std::thread::available_parallelism().map_or(2, |n| n.get()),
    })
}

/// The pool's current figures.
pub fn ocr_pool_stats() -> OcrPoolStats {
    let pool = pool();
    let state = lock(pool);
    OcrPoolStats {
        limit: pool.limit,
        engines: state.engines,
        idle: state.idle.len(),
        started: state.started,
        memory_bytes: state.memory_bytes,
    }
}

fn lock(pool: &EnginePool) -> MutexGuard<'_, PoolState> {
    // A panic while holding the lock leaves the counts consistent (each update is one
    // statement), so a poisoned lock is still usable.
    pool.state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Resident set size of this process, bytes (Linux; 0 elsewhere).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// An engine lent by the pool; returned to it when dropped.
struct Lent {
    lang: String,
    api: Option<TessApi>,
    bytes: u64,
}

impl Drop for Lent {
    fn drop(&mut self) {
        let pool = pool();
        let mut state = lock(pool);
        match self.api.take() {
            // An engine whose use panicked may be in any state: it is not reused.
            Some(api) if !std::thread::panicking() => {
                state
                    .idle
                    .push((std::mem::take(&mut self.lang), api, self.bytes))
            }
            other => {
                state.engines -= 1;
                state.memory_bytes = state.memory_bytes.saturating_sub(self.bytes);
                drop(other);
            }
        }
        drop(state);
        pool.returned.notify_one();
    }
}

/// Directories where Tesseract language data is looked for, in order.
fn tessdata_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(prefix) = std::env::var_os("TESSDATA_PREFIX") {
        let prefix = PathBuf::from(prefix);
        dirs.push(prefix.join("tessdata"));
        dirs.push(prefix);
    }
    for d in [
        "/usr/share/tesseract-ocr/5/tessdata",
        "/usr/share/tesseract-ocr/4.00/tessdata",
        "/usr/share/tessdata",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

fn tessdata_dir() -> Option<PathBuf> {
    tessdata_dirs()
        .into_iter()
        .find(|d| d.join("eng.traineddata").is_file() || languages_in(d).next().is_some())
}

fn languages_in(dir: &std::path::Path) -> impl Iterator<Item = String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()?
                .strip_suffix(".traineddata")
                .map(str::to_string)
        })
        .filter(|lang| lang != "osd")
}

/// Languages Tesseract can read on this machine (from its language data directory).
pub fn installed_languages() -> Vec<String> {
    let mut langs: Vec<String> = tessdata_dir()
        .map(|d| languages_in(&d).collect())
        .unwrap_or_default();
    langs.sort();
    langs
}

/// Checks that `lang` names installed languages only.
fn check_language(lang: &str) -> Result<(), VerifyError> {
    let installed = installed_languages();
    let valid = !lang.is_empty()
        && lang.split('+').all(|l| installed.iter().any(|i| i == l))
        && lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+_-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(VerifyError::UnknownLanguage {
            requested: lang.to_string(),
            installed,
        })
    }
}

fn start_engine(lang: &str) -> Result<TessApi, VerifyError> {
    keep_tesseract_single_threaded();
    let dir = tessdata_dir().map(|d| d.to_string_lossy().into_owned());
    TessApi::new(dir.as_deref(), lang)
        .map_err(|e| VerifyError::Ocr(format!("cannot start Tesseract for {lang:?}: {e}")))
}

/// Borrows a warm engine for `lang` from the pool: an idle one for that language, else a new
/// one while the pool has room, else an idle engine of another language is replaced, else it
/// waits for one to be returned.
fn lend(lang: &str) -> Result<Lent, VerifyError> {
    check_language(lang)?;
    let pool = pool();
    let mut state = lock(pool);
    loop {
        if let Some(i) = state.idle.iter().position(|(l, _, _)| l == lang) {
            let (lang, api, bytes) = state.idle.swap_remove(i);
            return Ok(Lent {
                lang,
                api: Some(api),
                bytes,
            });
        }
        let room = state.engines < pool.limit;
        if room || !state.idle.is_empty() {
            if room {
                state.engines += 1;
            } else {
                // Replace the engine idle the longest (the first returned).
                let (_, old, bytes) = state.idle.remove(0);
                state.memory_bytes = state.memory_bytes.saturating_sub(bytes);
                drop(old);
            }
            drop(state);
            let before = resident_bytes();
            let started =
                start_engine(lang).map(|api| (api, resident_bytes().saturating_sub(before)));
            let mut state = lock(pool);
            return match started {
                Ok((api, bytes)) => {
                    state.started += 1;
                    state.memory_bytes += bytes;
                    Ok(Lent {
                        lang: lang.to_string(),
                        api: Some(api),
                        bytes,
                    })
                }
                Err(e) => {
                    state.engines -= 1;
                    drop(state);
                    pool.returned.notify_one();
                    Err(e)
                }
            };
        }
        state = pool.returned.wait(state).unwrap_or_else(|e| e.into_inner());
    }
}

/// Runs `f` with a warm engine for `lang` from the pool.
fn with_engine<T>(
    lang: &str,
    f: impl FnOnce(&mut TessApi) -> Result<T, VerifyError>,
) -> Result<T, VerifyError> {
    let mut lent = lend(lang)?;
    let api = lent
        .api
        .as_mut()
        .ok_or_else(|| VerifyError::Ocr("engine vanished".to_string()))?;
    f(api)
}

/// Debian's Tesseract parallelises inside one recognition with OpenMP, whose worker threads
/// spin while they wait: on a small, busy machine that made a 7 ms read take 30-45 ms. vpt
/// gets its parallelism from one engine per thread instead, so OpenMP regions are made to run
/// on the thread that reaches them. (The `OMP_THREAD_LIMIT=1` environment variable does the
/// same, but only if set before the process starts.)
fn keep_tesseract_single_threaded() {
    #[cfg(target_os = "linux")]
    {
        #[link(name = "gomp")]
        unsafe extern "C" {
            fn omp_set_max_active_levels(max_levels: std::ffi::c_int);
        }
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: the function only stores an integer in libgomp's global settings (0: no
            // parallel region is active, each runs on the calling thread); it has no
            // preconditions and libgomp is already loaded as a dependency of libtesseract.
            unsafe { omp_set_max_active_levels(0) }
        });
    }
}

fn set_variable(api: &mut TessApi, name: &str, value: &str) -> Result<(), VerifyError> {
    let bad = |what: &str| VerifyError::InvalidOption(format!("{what} contains a NUL character"));
    let (name_c, value_c) = (
        CString::new(name).map_err(|_| bad(name))?,
        CString::new(value).map_err(|_| bad(name))?,
    );
    api.raw
        .set_variable(&name_c, &value_c)
        .map_err(|_| VerifyError::Ocr(format!("Tesseract refused {name}={value:?}")))
}

/// Reads the text in the frame (or in `options.region`).
pub fn ocr(frame: &RgbImage, options: &OcrOptions) -> Result<OcrResult, VerifyError> {
    let start = Instant::now();
    if frame.width() == 0 || frame.height() == 0 {
        return Err(VerifyError::EmptyImage);
    }
    let region = match options.region {
        Some(r) => r.clip_to(frame.width(), frame.height())?,
        None => Region::full(frame.width(), frame.height()),
    };
    if let Some(s) = options.scale
        && !(0.25..=8.0).contains(&s)
    {
        return Err(VerifyError::InvalidOption(format!(
            "scale must be between 0.25 and 8, got {s}"
        )));
    }
    let grey = dark_on_light(frame, region);
    let scale = options.scale.unwrap_or_else(|| auto_scale(&grey));
    let grey = if (scale - 1.0).abs() > 0.01 {
        let w = ((grey.width() as f32 * scale).round() as u32).max(1);
        let h = ((grey.height() as f32 * scale).round() as u32).max(1);
        imageops::resize(&grey, w, h, FilterType::Triangle)
    } else {
        grey
    };
    let tsv = with_engine(&options.lang, |api| {
        set_variable(api, "tessedit_pageseg_mode", options.mode.tesseract_value())?;
        set_variable(
            api,
            "tessedit_char_whitelist",
            options.char_whitelist.as_deref().unwrap_or(""),
        )?;
        // The image is already dark on light; trying the inverse as well would double the time.
        set_variable(api, "tessedit_do_invert", "0")?;
        let (w, h) = (grey.width() as i32, grey.height() as i32);
        api.raw
            .set_image(grey.as_raw(), w, h, 1, w)
            .map_err(|e| VerifyError::Ocr(format!("cannot hand the image to Tesseract: {e:?}")))?;
        api.set_source_resolution(300);
        api.get_tsv_text(0)
            .map_err(|e| VerifyError::Ocr(format!("Tesseract returned invalid UTF-8: {e}")))
    })?;
    let (text, words) = parse_tsv(&tsv, region, scale);
    Ok(OcrResult {
        text,
        words,
        region,
        scale,
        ms: elapsed_ms(start),
    })
}

/// Reads the text and checks it against `expected` (see [`TextPattern`]).
pub fn match_text(
    frame: &RgbImage,
    expected: &str,
    options: &OcrOptions,
) -> Result<TextMatchResult, VerifyError> {
    let start = Instant::now();
    let pattern = TextPattern::parse(expected)?;
    let read = ocr(frame, options)?;
    let located = pattern.locate(read.words.iter().map(|w| (w.text.as_str(), w.region)));
    let (matched_text, region) = match located {
        Some((alt, regions)) => (
            Some(pattern.alternatives()[alt].clone()),
            regions.into_iter().reduce(|a, b| a.union(&b)),
        ),
        None => (None, None),
    };
    Ok(TextMatchResult {
        matched: matched_text.is_some(),
        expected: expected.to_string(),
        matched_text,
        text: read.text,
        region,
        search_area: read.region,
        ms: elapsed_ms(start),
    })
}

/// Words (level 5 rows) of Tesseract's TSV output, mapped back to frame coordinates.
fn parse_tsv(tsv: &str, region: Region, scale: f32) -> (String, Vec<OcrWord>) {
    let mut text = String::new();
    let mut words = Vec::new();
    let mut last_line = None;
    for line in tsv.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        let numbers: Vec<f32> = cols[1..11]
            .iter()
            .map(|c| c.trim().parse().unwrap_or(0.0))
            .collect();
        if word.is_empty() {
            continue;
        }
        let line_id = (numbers[1] as i64, numbers[2] as i64, numbers[3] as i64);
        if let Some(last) = last_line {
            text.push(if last == line_id { ' ' } else { '\n' });
        }
        last_line = Some(line_id);
        text.push_str(word);
        let to_frame = |v: f32| (v / scale).round().max(0.0) as u32;
        let (x, y) = (to_frame(numbers[5]), to_frame(numbers[6]));
        let (w, h) = (to_frame(numbers[7]).max(1), to_frame(numbers[8]).max(1));
        words.push(OcrWord {
            text: word.to_string(),
            region: Region::new(
                region.x + x.min(region.width - 1),
                region.y + y.min(region.height - 1),
                w,
                h,
            ),
            confidence: numbers[9],
        });
    }
    (text, words)
}
