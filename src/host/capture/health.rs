//! Capture health of one device: measured frame rate, drops, and whether frames still arrive.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::protocol::DeviceStatus;

/// Window over which the frame rate is measured.
const FPS_WINDOW: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct CaptureHealth {
    pub frames_total: u64,
    pub frames_dropped: u64,
    pub error: Option<String>,
    recent: VecDeque<Instant>,
    last_frame: Option<Instant>,
    started: Instant,
    /// Silence longer than this means the signal is gone.
    no_signal_after: Duration,
}

impl CaptureHealth {
    pub fn new(fps: f64) -> Self {
        // Five frame intervals, and never under a second, so a slow replay is not "no signal".
        let no_signal_after = Duration::from_secs_f64((5.0 / fps.max(0.1)).max(1.0));
        Self {
            frames_total: 0,
            frames_dropped: 0,
            error: None,
            recent: VecDeque::new(),
            last_frame: None,
            started: Instant::now(),
            no_signal_after,
        }
    }

    pub fn record_frame(&mut self, at: Instant, dropped: u64) {
        self.frames_total += 1;
        self.frames_dropped += dropped;
        self.error = None;
        self.last_frame = Some(at);
        self.recent.push_back(at);
        while self
            .recent
            .front()
            .is_some_and(|t| at.duration_since(*t) > FPS_WINDOW)
        {
            self.recent.pop_front();
        }
    }

    pub fn fps(&self, now: Instant) -> f64 {
        let in_window = self
            .recent
            .iter()
            .filter(|t| now.duration_since(**t) <= FPS_WINDOW)
            .count();
        let fps = in_window as f64 / FPS_WINDOW.as_secs_f64();
        (fps * 10.0).round() / 10.0
    }

    pub fn last_frame_age(&self, now: Instant) -> Option<Duration> {
        self.last_frame.map(|t| now.duration_since(t))
    }

    pub fn status(&self, now: Instant) -> DeviceStatus {
        if self.error.is_some() {
            return DeviceStatus::Error;
        }
        // A source that just started gets the same grace as one between two frames.
        let silence = self
            .last_frame_age(now)
            .unwrap_or_else(|| now.saturating_duration_since(self.started));
        if silence <= self.no_signal_after {
            DeviceStatus::Ok
        } else {
            DeviceStatus::NoSignal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_signal_once_frames_stop() {
        let start = Instant::now();
        let mut health = CaptureHealth::new(25.0);
        assert_eq!(health.status(start), DeviceStatus::Ok, "just started");
        assert_eq!(
            health.status(start + Duration::from_secs(2)),
            DeviceStatus::NoSignal,
            "never a frame"
        );
        for i in 0..50 {
            health.record_frame(start + Duration::from_millis(40 * i), 0);
        }
        let last = start + Duration::from_millis(40 * 49);
        assert_eq!(health.status(last), DeviceStatus::Ok);
        assert!(
            (health.fps(last) - 25.0).abs() <= 1.0,
            "{}",
            health.fps(last)
        );
        assert_eq!(
            health.status(last + Duration::from_millis(900)),
            DeviceStatus::Ok
        );
        assert_eq!(
            health.status(last + Duration::from_millis(1100)),
            DeviceStatus::NoSignal
        );
        assert_eq!(health.fps(last + Duration::from_secs(3)), 0.0);
    }

    #[test]
    fn error_wins_until_frames_return() {
        let now = Instant::now();
        let mut health = CaptureHealth::new(25.0);
        health.error = Some("cannot open /dev/video0".into());
        assert_eq!(health.status(now), DeviceStatus::Error);
        health.record_frame(now, 2);
        assert_eq!(health.status(now), DeviceStatus::Ok);
        assert_eq!(health.frames_dropped, 2);
    }
}
