//! The frame timeline of one device: a JPEG a second (configurable) in
//! `<data_dir>/timeline/<device>/<unix ms>.jpg`, bounded by age and size, oldest dropped first.
//! A still picture is not encoded again: its file is hard-linked under the new time, so an idle
//! device costs neither CPU nor disk.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use crate::host::capture::{CaptureHandle, Pacer, Picture};

/// JPEG quality of timeline frames: a scrubber needs recognisable, not pristine, pictures.
const QUALITY: u8 = 80;

/// Bounds and rate of the timelines of a host (`[host] timeline_*`).
#[derive(Debug, Clone, Copy)]
pub struct TimelineLimits {
    pub fps: f64,
    pub max_age: Duration,
    pub max_bytes: u64,
    pub width: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    t: u64,
    bytes: u64,
}

pub struct Timeline {
    dir: PathBuf,
    pub limits: TimelineLimits,
    entries: Mutex<VecDeque<Entry>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `1732600000000.jpg` → 1732600000000.
pub fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".jpg")?;
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Timeline {
    /// Opens the store in `dir`, indexing the frames already there (a host restart keeps them).
    pub fn open(dir: &Path, limits: TimelineLimits) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut entries: Vec<Entry> = std::fs::read_dir(dir)?
            .flatten()
            .filter_map(|entry| {
                let t = parse_name(&entry.file_name().to_string_lossy())?;
                let bytes = entry.metadata().ok()?.len();
                Some(Entry { t, bytes })
            })
            .collect();
        entries.sort_by_key(|e| e.t);
        let timeline = Self {
            dir: dir.to_path_buf(),
            limits,
            entries: Mutex::new(entries.into()),
        };
        timeline.prune(unix_ms(SystemTime::now()));
        Ok(timeline)
    }

    fn path(&self, t: u64) -> PathBuf {
        self.dir.join(format!("{t}.jpg"))
    }

    /// Stores a frame captured at `t` (unix ms). Times must grow; an older one is ignored.
    pub fn add(&self, t: u64, jpeg: &[u8]) -> std::io::Result<()> {
        if lock(&self.entries).back().is_some_and(|last| last.t >= t) {
            return Ok(());
        }
        std::fs::write(self.path(t), jpeg)?;
        self.push(Entry {
            t,
            bytes: jpeg.len() as u64,
        });
        Ok(())
    }

    /// Stores the newest frame's picture again at `t`, without encoding it (a still picture).
    /// False when there is no newest frame to repeat.
    pub fn repeat_last(&self, t: u64) -> std::io::Result<bool> {
        let Some(last) = lock(&self.entries).back().copied() else {
            return Ok(false);
        };
        if last.t >= t {
            return Ok(true);
        }
        match std::fs::hard_link(self.path(last.t), self.path(t)) {
            Ok(()) => {}
            // The newest file vanished (removed by hand): encode again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        }
        // A link costs no space, but counting it keeps the bound simple and safe.
        self.push(Entry {
            t,
            bytes: last.bytes,
        });
        Ok(true)
    }

    fn push(&self, entry: Entry) {
        lock(&self.entries).push_back(entry);
        self.prune(entry.t);
    }

    /// Drops the oldest frames past the age or size bound.
    fn prune(&self, now: u64) {
        let max_age = self.limits.max_age.as_millis() as u64;
        let mut entries = lock(&self.entries);
        let mut total: u64 = entries.iter().map(|e| e.bytes).sum();
        while let Some(oldest) = entries.front().copied() {
            if now.saturating_sub(oldest.t) <= max_age && total <= self.limits.max_bytes {
                break;
            }
            entries.pop_front();
            total = total.saturating_sub(oldest.bytes);
            let _ = std::fs::remove_file(self.path(oldest.t));
        }
    }

    /// Times of the stored frames within `[from, to]`, oldest first.
    pub fn times(&self, from: Option<u64>, to: Option<u64>) -> Vec<u64> {
        lock(&self.entries)
            .iter()
            .map(|e| e.t)
            .filter(|t| from.is_none_or(|from| *t >= from) && to.is_none_or(|to| *t <= to))
            .collect()
    }

    /// (oldest, newest) stored times.
    pub fn span(&self) -> (Option<u64>, Option<u64>) {
        let entries = lock(&self.entries);
        (entries.front().map(|e| e.t), entries.back().map(|e| e.t))
    }

    /// The stored frame at exactly `t`.
    pub fn read(&self, t: u64) -> Option<Vec<u8>> {
        let known = lock(&self.entries)
            .binary_search_by_key(&t, |e| e.t)
            .is_ok();
        if !known {
            return None;
        }
        std::fs::read(self.path(t)).ok()
    }

    /// Files of the frames within `[from, to]`, oldest first.
    pub fn files(&self, from: u64, to: u64) -> Vec<(u64, PathBuf)> {
        self.times(Some(from), Some(to))
            .into_iter()
            .map(|t| (t, self.path(t)))
            .collect()
    }
}

/// Writes the device's frames into its timeline until `stop`.
pub fn record(timeline: Arc<Timeline>, capture: &CaptureHandle, stop: &AtomicBool, device: &str) {
    let mut pacer = Pacer::new(timeline.limits.fps);
    // Held weakly: enough to see a repeat without keeping the pixels of a gone frame alive.
    let mut last_picture: Option<Weak<Picture>> = None;
    while pacer.wait(stop).is_some() {
        let Some(frame) = capture.latest() else {
            continue;
        };
        let t = unix_ms(SystemTime::now());
        // A frame older than a few intervals means no signal: nothing new to keep.
        if frame.captured.elapsed()
            > Duration::from_secs_f64(3.0 / timeline.limits.fps).max(Duration::from_secs(1))
        {
            continue;
        }
        let same = last_picture
            .as_ref()
            .and_then(Weak::upgrade)
            .is_some_and(|p| Arc::ptr_eq(&p, &frame.picture));
        let stored = if same {
            timeline.repeat_last(t)
        } else {
            Ok(false)
        };
        let result = match stored {
            Ok(true) => Ok(()),
            Ok(false) => frame
                .picture
                .scaled_jpeg(timeline.limits.width, QUALITY)
                .map_err(std::io::Error::other)
                .and_then(|jpeg| timeline.add(t, &jpeg)),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => last_picture = Some(Arc::downgrade(&frame.picture)),
            Err(e) => {
                tracing::warn!(%device, error = %e, "cannot store a timeline frame");
                last_picture = None;
            }
        }
    }
}

/// Whether `ffmpeg` is on the PATH (video export).
pub fn has_ffmpeg() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Stops a recording thread when dropped.
pub struct StopOnDrop(pub Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_age_ms: u64, max_bytes: u64) -> TimelineLimits {
        TimelineLimits {
            fps: 1.0,
            max_age: Duration::from_millis(max_age_ms),
            max_bytes,
            width: 640,
        }
    }

    #[test]
    fn age_bound_drops_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let now = unix_ms(SystemTime::now());
        let timeline = Timeline::open(dir.path(), limits(10_000, u64::MAX)).unwrap();
        for i in 0..20u64 {
            timeline.add(now + i * 1000, b"0123456789").unwrap();
        }
        let times = timeline.times(None, None);
        assert_eq!(times.first(), Some(&(now + 9000)));
        assert_eq!(times.len(), 11);
        assert!(!dir.path().join(format!("{}.jpg", now + 8000)).exists());
        assert_eq!(timeline.read(now + 19_000).unwrap(), b"0123456789");
        assert!(timeline.read(now + 1).is_none());
    }

    #[test]
    fn size_bound_and_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let now = unix_ms(SystemTime::now());
        let timeline = Timeline::open(dir.path(), limits(3_600_000, 35)).unwrap();
        assert!(!timeline.repeat_last(now).unwrap(), "nothing to repeat yet");
        timeline.add(now, b"0123456789").unwrap();
        assert!(timeline.repeat_last(now + 1000).unwrap());
        assert!(timeline.repeat_last(now + 2000).unwrap());
        assert_eq!(timeline.times(None, None).len(), 3);
        timeline.add(now + 3000, b"abcdefghij").unwrap();
        // 40 bytes > 35: the oldest goes; its hard links still hold the picture.
        assert_eq!(
            timeline.times(None, None),
            [now + 1000, now + 2000, now + 3000]
        );
        assert_eq!(timeline.read(now + 2000).unwrap(), b"0123456789");
        // Time going backwards is ignored.
        timeline.add(now + 10, b"old").unwrap();
        assert_eq!(timeline.times(Some(now + 2000), Some(now + 3000)).len(), 2);
    }

    #[test]
    fn a_reopened_store_keeps_its_frames_and_ignores_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let now = unix_ms(SystemTime::now());
        {
            let timeline = Timeline::open(dir.path(), limits(60_000, u64::MAX)).unwrap();
            timeline.add(now, b"a").unwrap();
            timeline.add(now + 500, b"b").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        std::fs::write(dir.path().join("12ab.jpg"), "x").unwrap();
        let timeline = Timeline::open(dir.path(), limits(60_000, u64::MAX)).unwrap();
        assert_eq!(timeline.span(), (Some(now), Some(now + 500)));
        assert_eq!(parse_name("../1.jpg"), None);
        assert_eq!(parse_name("17.jpg"), Some(17));
    }
}
