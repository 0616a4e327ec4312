//! Capture: one worker thread per device (never on the async runtime) pulls pictures from its
//! source and publishes them through a [`FrameSink`]: a latest-frame channel every consumer
//! reads (slow readers simply see a newer frame) and health figures (measured fps, drops, last
//! frame age, `no_signal`).
//!
//! A device keeps no history of frames in memory: everything that reads a frame reads the
//! newest one (live views, waits, verifications, monitoring, step pictures), and what looks
//! back in time reads the timeline on disk (restart images, scrubbing, exports) or the pictures
//! monitoring kept with an incident. An old frame stays in memory only while a reader still
//! holds it; the device's [`PictureMeter`] says how many do and what they hold.

pub mod frame;
mod health;
pub mod images;
pub mod sim;
pub mod v4l2;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

pub use frame::{Frame, Picture, PictureMeter};
pub use health::CaptureHealth;

use crate::protocol::{CaptureInfo, DeviceStatus};

/// Pause before a failed source is opened again.
const RETRY_AFTER: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CaptureError(pub String);

/// What a source publishes into. Shared by the worker (writer) and [`CaptureHandle`] (readers).
pub struct FrameSink {
    latest: watch::Sender<Option<Frame>>,
    health: Arc<Mutex<CaptureHealth>>,
    meter: Arc<PictureMeter>,
    next_seq: u64,
}

impl FrameSink {
    /// Publishes a picture captured now; `dropped` counts frames the source lost before it.
    pub fn publish(&mut self, picture: Arc<Picture>, dropped: u64) {
        let frame = Frame {
            seq: self.next_seq,
            captured_at: SystemTime::now(),
            captured: Instant::now(),
            picture,
        };
        self.next_seq += 1;
        frame.picture.count_on(&self.meter);
        lock(&self.health).record_frame(frame.captured, dropped);
        self.latest.send_replace(Some(frame));
    }

    pub fn set_error(&self, error: Option<String>) {
        lock(&self.health).error = error;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A frame source driven by a worker thread. `run` captures until `stop` is set (returning
/// `Ok`) or the source fails (returning the reason; the worker retries after a pause).
pub trait FrameSource: Send + 'static {
    fn run(&mut self, sink: &mut FrameSink, stop: &AtomicBool) -> Result<(), CaptureError>;
}

/// Static facts about a capture, for the device's description.
#[derive(Debug, Clone)]
pub struct CaptureSpec {
    pub kind: &'static str,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// The reading side of a device's capture; stops the worker when dropped.
pub struct CaptureHandle {
    pub spec: CaptureSpec,
    latest: watch::Receiver<Option<Frame>>,
    health: Arc<Mutex<CaptureHealth>>,
    meter: Arc<PictureMeter>,
    stop: Arc<AtomicBool>,
}

impl CaptureHandle {
    /// Starts the worker thread of `source`.
    pub fn start(
        name: &str,
        spec: CaptureSpec,
        mut source: Box<dyn FrameSource>,
    ) -> std::io::Result<Self> {
        let (sender, latest) = watch::channel(None);
        let health = Arc::new(Mutex::new(CaptureHealth::new(spec.fps)));
        let meter = Arc::new(PictureMeter::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut sink = FrameSink {
            latest: sender,
            health: health.clone(),
            meter: meter.clone(),
            next_seq: 0,
        };
        let worker_stop = stop.clone();
        let device = name.to_string();
        std::thread::Builder::new()
            .name(format!("capture-{name}"))
            .spawn(move || {
                while !worker_stop.load(Ordering::Relaxed) {
                    match source.run(&mut sink, &worker_stop) {
                        Ok(()) => break,
                        Err(e) => {
                            tracing::warn!(device = %device, error = %e, "capture failed; retrying");
                            sink.set_error(Some(e.0));
                            sleep_unless_stopped(RETRY_AFTER, &worker_stop);
                        }
                    }
                }
            })?;
        Ok(Self {
            spec,
            latest,
            health,
            meter,
            stop,
        })
    }

    pub fn latest(&self) -> Option<Frame> {
        self.latest.borrow().clone()
    }

    /// A receiver that wakes on every new frame (for live streams).
    pub fn subscribe(&self) -> watch::Receiver<Option<Frame>> {
        self.latest.clone()
    }

    pub fn status(&self) -> DeviceStatus {
        lock(&self.health).status(Instant::now())
    }

    pub fn info(&self) -> CaptureInfo {
        let health = lock(&self.health);
        let now = Instant::now();
        CaptureInfo {
            kind: self.spec.kind.into(),
            width: self.spec.width,
            height: self.spec.height,
            fps_target: self.spec.fps,
            fps_measured: health.fps(now),
            frames_total: health.frames_total,
            frames_dropped: health.frames_dropped,
            last_frame_age_ms: health.last_frame_age(now).map(|d| d.as_millis() as u64),
            error: health.error.clone(),
            pictures_held: self.meter.pictures(),
            picture_bytes: self.meter.bytes(),
        }
    }
}

impl Drop for CaptureHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Sleeps in short slices so a stop request is honoured quickly.
pub fn sleep_unless_stopped(duration: Duration, stop: &AtomicBool) {
    let until = Instant::now() + duration;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= until {
            return;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// Paces a source at a fixed rate, counting the ticks it was too late for as dropped.
pub struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    pub fn new(fps: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / fps),
            next: Instant::now(),
        }
    }

    /// Waits for the next tick; returns how many ticks were missed, or `None` when stopped.
    pub fn wait(&mut self, stop: &AtomicBool) -> Option<u64> {
        let now = Instant::now();
        if self.next > now {
            sleep_unless_stopped(self.next - now, stop);
        }
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let now = Instant::now();
        let mut missed = 0;
        self.next += self.interval;
        while self.next + self.interval <= now {
            self.next += self.interval;
            missed += 1;
        }
        Some(missed)
    }
}
