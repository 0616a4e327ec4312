//! The monitoring thread of one device.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{DeviceMonitor, Journal};
use crate::host::capture::{Pacer, Picture};
use crate::host::devices::Device;
use crate::monitoring::detector::{FrameFindings, Thumbnail, judge, same_picture};
use crate::monitoring::{
    FrameLabel, IncidentFrame, IncidentKind, IncidentTracker, MonitorEvent, Phase, Presence,
    SpreadSampler, Transition,
};
use crate::protocol::DeviceStatus;

/// Width of the pictures kept with an incident.
const INCIDENT_PICTURE_WIDTH: u32 = 640;
const INCIDENT_PICTURE_QUALITY: u8 = 85;
/// Pictures "while it lasted" of an incident: this many, spread evenly over it, picked from at
/// most `HELD_PICTURES` held (first at least `HELD_PICTURE_SPACING_MS` apart).
const LAST_PICTURES: usize = 4;
/// (Held pictures are kept as incident-size JPEGs, never as the frames' pixels.)
const HELD_PICTURES: usize = 8;
const HELD_PICTURE_SPACING_MS: u64 = 500;
/// A frame older than this (or three capture intervals) means frames stopped coming.
const MIN_STALE_AFTER: Duration = Duration::from_millis(300);
/// Window of the analysed-fps figure.
const RATE_WINDOW: Duration = Duration::from_secs(2);

/// A picture and when it was captured.
#[derive(Clone)]
struct Snap {
    picture: Arc<Picture>,
    at: SystemTime,
}

impl Snap {
    /// The picture as it is kept with an incident (a JPEG at the incident picture size), so
    /// pictures held while a condition lasts never keep a frame's pixels alive.
    fn kept(&self) -> Snap {
        match self
            .picture
            .shrunk(INCIDENT_PICTURE_WIDTH, INCIDENT_PICTURE_QUALITY)
        {
            Ok(picture) => Snap {
                picture: Arc::new(picture),
                at: self.at,
            },
            // Encoding fails again when the incident is written, which logs it.
            Err(_) => self.clone(),
        }
    }

    /// Capture time in ms since the Unix epoch: the clock the spread of pictures is on.
    fn ms(&self) -> u64 {
        self.at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}

/// Pictures gathered for one condition while it develops: the last good one before it, the
/// one where it began, some spread over its course, and the first after it cleared.
struct Evidence {
    before: Option<Snap>,
    first: Option<Snap>,
    during: SpreadSampler<Snap>,
    /// Capture time (ms) of the newest picture seen while it lasted.
    latest_ms: u64,
    gone: Option<Snap>,
    /// Id of the open incident.
    incident: Option<String>,
}

impl Default for Evidence {
    fn default() -> Self {
        Self {
            before: None,
            first: None,
            during: SpreadSampler::new(HELD_PICTURES, HELD_PICTURE_SPACING_MS),
            latest_ms: 0,
            gone: None,
            incident: None,
        }
    }
}

pub fn spawn(
    monitor: Arc<DeviceMonitor>,
    device: Arc<Device>,
    journal: Arc<Journal>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(format!("monitor-{}", monitor.device))
        .spawn(move || Worker::new(monitor, device, journal).run(&stop))?;
    Ok(())
}

struct Worker {
    monitor: Arc<DeviceMonitor>,
    device: Arc<Device>,
    journal: Arc<Journal>,
    tracker: IncidentTracker,
    evidence: [Evidence; 3],
    /// Per kind, the newest picture without that condition (the "before" of its next incident).
    last_good: [Option<Snap>; 3],
    /// The previous analysed picture, its thumbnail and what it showed. Held weakly: only to
    /// tell whether the next frame repeats it, without keeping its pixels alive.
    previous: Option<(Weak<Picture>, Thumbnail, FrameFindings)>,
    origin: Instant,
    origin_wall: SystemTime,
    analysed_at: VecDeque<Instant>,
}

impl Worker {
    fn new(monitor: Arc<DeviceMonitor>, device: Arc<Device>, journal: Arc<Journal>) -> Self {
        Self {
            monitor,
            device,
            journal,
            tracker: IncidentTracker::default(),
            evidence: Default::default(),
            last_good: Default::default(),
            previous: None,
            origin: Instant::now(),
            origin_wall: SystemTime::now(),
            analysed_at: VecDeque::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    fn wall(&self, ms: u64) -> DateTime<Utc> {
        (self.origin_wall + Duration::from_millis(ms)).into()
    }

    fn run(mut self, stop: &AtomicBool) {
        let mut pacer: Option<(f64, Pacer)> = None;
        while !stop.load(Ordering::Relaxed) {
            let settings = self.monitor.settings();
            if !settings.enabled {
                let closed = self
                    .tracker
                    .close_all(self.now_ms(), "monitoring was turned off");
                self.emit_all(closed, None);
                self.previous = None;
                self.analysed_at.clear();
                self.publish_status(0.0, 0);
                pacer = None;
                self.monitor.wait_for_change(Duration::from_millis(500));
                continue;
            }
            if pacer.as_ref().is_none_or(|(fps, _)| *fps != settings.fps) {
                pacer = Some((settings.fps, Pacer::new(settings.fps)));
            }
            let Some((_, ticks)) = pacer.as_mut() else {
                continue;
            };
            let Some(missed) = ticks.wait(stop) else {
                break;
            };
            let started = Instant::now();
            self.analyse_once(&settings);
            let took = started.elapsed();
            self.monitor.analysis_seconds.observe_duration(took);
            self.publish_status(took.as_secs_f64(), missed);
        }
    }

    fn analyse_once(&mut self, settings: &crate::monitoring::MonitorSettings) {
        let capture = &self.device.capture;
        // Frames stop arriving a moment before capture health calls it "no signal"; a stale
        // frame counts as no signal at once, so a lost signal never first looks frozen.
        let stale_after =
            Duration::from_secs_f64(3.0 / capture.spec.fps.max(0.1)).max(MIN_STALE_AFTER);
        let frame = capture
            .latest()
            .filter(|f| f.captured.elapsed() <= stale_after);
        let no_signal = frame.is_none() || capture.status() != DeviceStatus::Ok;
        let findings = match &frame {
            None => FrameFindings::default(),
            Some(frame) => match &self.previous {
                Some((picture, _, previous))
                    if picture
                        .upgrade()
                        .is_some_and(|p| Arc::ptr_eq(&p, &frame.picture)) =>
                {
                    same_picture(*previous)
                }
                _ => match frame.picture.rgb() {
                    Ok(rgb) => {
                        let thumbnail = Thumbnail::of(&rgb);
                        let findings =
                            judge(&thumbnail, self.previous.as_ref().map(|p| &p.1), settings);
                        self.previous = Some((Arc::downgrade(&frame.picture), thumbnail, findings));
                        findings
                    }
                    Err(e) => {
                        tracing::warn!(device = %self.monitor.device, error = %e, "cannot analyse a frame");
                        FrameFindings::default()
                    }
                },
            },
        };
        let presence = Presence {
            no_signal,
            black: findings.black,
            frozen: findings.frozen,
        };
        let snap = frame.map(|f| Snap {
            picture: f.picture.clone(),
            at: f.captured_at,
        });
        let now_ms = self.now_ms();
        let before: Vec<Phase> = IncidentKind::ALL
            .iter()
            .map(|k| self.tracker.phase(*k))
            .collect();
        let transitions = self.tracker.observe(presence, now_ms, settings);
        for (index, kind) in IncidentKind::ALL.into_iter().enumerate() {
            let after = self.tracker.phase(kind);
            let evidence = &mut self.evidence[index];
            if before[index] == Phase::Clear && after != Phase::Clear {
                *evidence = Evidence {
                    before: self.last_good[index].take().map(|s| s.kept()),
                    first: snap.as_ref().map(Snap::kept),
                    ..Default::default()
                };
            } else if matches!(after, Phase::Pending | Phase::Active)
                && let Some(snap) = &snap
            {
                // Frames after the onset, spread over however long it lasts.
                let at = snap.ms();
                if evidence.during.wants(at) {
                    evidence.during.offer(at, snap.kept());
                }
                evidence.latest_ms = evidence.latest_ms.max(at);
            }
            if before[index] == Phase::Active && after == Phase::Clearing {
                evidence.gone = snap.as_ref().map(Snap::kept);
            }
            if before[index] != Phase::Clear && after == Phase::Clear && evidence.incident.is_none()
            {
                // A condition that cleared before it became an incident leaves nothing to show.
                *evidence = Evidence::default();
            }
            if after == Phase::Clear && snap.is_some() {
                self.last_good[index] = snap.clone();
            }
        }
        self.emit_all(transitions, snap);
    }

    fn emit_all(&mut self, transitions: Vec<Transition>, now: Option<Snap>) {
        for transition in transitions {
            if let Err(e) = self.emit(transition, now.clone()) {
                tracing::error!(device = %self.monitor.device, error = %e, "cannot record an incident event");
            }
        }
    }

    fn emit(&mut self, transition: Transition, now: Option<Snap>) -> std::io::Result<()> {
        let device = self.monitor.device.clone();
        let (event, pictures) = match transition {
            Transition::Opened { kind, began_ms } => {
                let evidence = &mut self.evidence[kind as usize];
                let incident = crate::token::random_hex(16);
                evidence.incident = Some(incident.clone());
                let mut pictures = Vec::new();
                if let Some(before) = &evidence.before {
                    pictures.push(("before.jpg".to_string(), FrameLabel::Before, before.clone()));
                }
                if let Some(first) = &evidence.first {
                    pictures.push(("first.jpg".to_string(), FrameLabel::First, first.clone()));
                }
                tracing::info!(%device, kind = kind.as_str(), %incident, "incident opened");
                let event = MonitorEvent::Opened {
                    seq: 0,
                    incident,
                    device,
                    kind,
                    started_at: self.wall(began_ms),
                    frames: Vec::new(),
                };
                (event, pictures)
            }
            Transition::Resolved {
                kind,
                began_ms,
                ended_ms,
                reason,
            } => {
                let evidence = std::mem::take(&mut self.evidence[kind as usize]);
                let incident = evidence
                    .incident
                    .unwrap_or_else(|| crate::token::random_hex(16));
                let onset_ms = evidence.first.as_ref().map_or(0, Snap::ms);
                let mut pictures: Vec<(String, FrameLabel, Snap)> = evidence
                    .during
                    .pick(LAST_PICTURES, onset_ms, evidence.latest_ms)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (_, snap))| {
                        (
                            format!("last-{}.jpg", i + 1),
                            FrameLabel::Last,
                            snap.clone(),
                        )
                    })
                    .collect();
                if let Some(after) = evidence.gone.or(now) {
                    pictures.push(("after.jpg".to_string(), FrameLabel::After, after));
                }
                tracing::info!(%device, kind = kind.as_str(), %incident, %reason, "incident resolved");
                let event = MonitorEvent::Resolved {
                    seq: 0,
                    incident,
                    device,
                    kind,
                    started_at: self.wall(began_ms),
                    ended_at: self.wall(ended_ms),
                    reason,
                    frames: Vec::new(),
                };
                (event, pictures)
            }
        };
        let mut event = event;
        let mut jpegs: Vec<Bytes> = Vec::new();
        for (name, label, snap) in pictures {
            match snap
                .picture
                .scaled_jpeg(INCIDENT_PICTURE_WIDTH, INCIDENT_PICTURE_QUALITY)
            {
                Ok(jpeg) => {
                    event.frames_mut().push(IncidentFrame {
                        name,
                        label,
                        captured_at: snap.at.into(),
                        jpeg_base64: None,
                    });
                    jpegs.push(jpeg);
                }
                Err(e) => tracing::warn!(error = %e, "cannot encode an incident picture"),
            }
        }
        self.journal.append(event, &jpegs)?;
        Ok(())
    }

    fn publish_status(&mut self, analysis_seconds: f64, skipped: u64) {
        let now = Instant::now();
        if analysis_seconds > 0.0 {
            self.analysed_at.push_back(now);
        }
        while self
            .analysed_at
            .front()
            .is_some_and(|t| now.duration_since(*t) > RATE_WINDOW)
        {
            self.analysed_at.pop_front();
        }
        let fps = self.analysed_at.len() as f64 / RATE_WINDOW.as_secs_f64();
        let phases: Vec<(&'static str, Phase)> = IncidentKind::ALL
            .iter()
            .map(|k| (k.as_str(), self.tracker.phase(*k)))
            .collect();
        self.monitor.update_status(|status| {
            status.analysed_fps = (fps * 10.0).round() / 10.0;
            status.skipped_total += skipped;
            if analysis_seconds > 0.0 {
                status.analysed_total += 1;
                status.analysis_seconds_total += analysis_seconds;
                // A moving mean over roughly the last 20 frames.
                let ms = analysis_seconds * 1000.0;
                status.analysis_ms = if status.analysed_total == 1 {
                    ms
                } else {
                    status.analysis_ms * 0.95 + ms * 0.05
                };
            }
            for (kind, phase) in phases {
                status.conditions.insert(kind, phase);
            }
        });
    }
}
