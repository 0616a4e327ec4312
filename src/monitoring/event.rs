//! What a host tells the server about incidents: numbered events in the host's journal, read by
//! the server as NDJSON from `/host/monitor/events?after=N`. An incident is named by the host
//! (`incident` id), so an event delivered twice changes nothing the second time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::IncidentKind;

/// Response header naming the journal; a new name means a new journal (numbering restarts).
pub const JOURNAL_HEADER: &str = "x-vpt-journal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameLabel {
    /// The last frame without the condition, just before it began.
    Before,
    /// The frame at which the condition began.
    First,
    /// A frame while the condition lasted (a few, spread evenly over it).
    Last,
    /// The first frame after it cleared.
    After,
}

/// A picture of an incident. In the journal only `name` is stored; the stream carries the JPEG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFrame {
    /// File name (`before.jpg`, `first.jpg`, `last-1.jpg`, `after.jpg`).
    pub name: String,
    pub label: FrameLabel,
    pub captured_at: DateTime<Utc>,
    /// Base64 JPEG, present on the wire only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jpeg_base64: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MonitorEvent {
    Opened {
        seq: u64,
        incident: String,
        device: String,
        kind: IncidentKind,
        started_at: DateTime<Utc>,
        frames: Vec<IncidentFrame>,
    },
    Resolved {
        seq: u64,
        incident: String,
        device: String,
        kind: IncidentKind,
        started_at: DateTime<Utc>,
        ended_at: DateTime<Utc>,
        reason: String,
        frames: Vec<IncidentFrame>,
    },
}

impl MonitorEvent {
    pub fn seq(&self) -> u64 {
        match self {
            MonitorEvent::Opened { seq, .. } | MonitorEvent::Resolved { seq, .. } => *seq,
        }
    }

    pub fn set_seq(&mut self, value: u64) {
        match self {
            MonitorEvent::Opened { seq, .. } | MonitorEvent::Resolved { seq, .. } => *seq = value,
        }
    }

    pub fn incident(&self) -> &str {
        match self {
            MonitorEvent::Opened { incident, .. } | MonitorEvent::Resolved { incident, .. } => {
                incident
            }
        }
    }

    pub fn frames_mut(&mut self) -> &mut Vec<IncidentFrame> {
        match self {
            MonitorEvent::Opened { frames, .. } | MonitorEvent::Resolved { frames, .. } => frames,
        }
    }
}

/// True for the frame file names hosts and servers write and read (no path can hide in one).
pub fn is_frame_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".jpg") else {
        return false;
    };
    !stem.is_empty()
        && stem.len() <= 32
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// True for incident ids a host makes (uuid-like: hex and dashes).
pub fn is_incident_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_be_paths_are_refused() {
        for good in ["before.jpg", "first.jpg", "last-1.jpg", "after.jpg"] {
            assert!(is_frame_name(good), "{good}");
        }
        for bad in [
            "../x.jpg",
            "first.png",
            ".jpg",
            "a/b.jpg",
            "First.jpg",
            "x.jpg\0",
        ] {
            assert!(!is_frame_name(bad), "{bad}");
        }
        assert!(is_incident_id("0f9c2a4e-77aa-4b1e-9d2f-3c1a5b6d7e8f"));
        assert!(!is_incident_id("../../etc"));
    }

    #[test]
    fn events_serialise_with_their_type() {
        let event = MonitorEvent::Opened {
            seq: 3,
            incident: "abcdef12".into(),
            device: "sim1".into(),
            kind: IncidentKind::Black,
            started_at: Utc::now(),
            frames: vec![],
        };
        let text = serde_json::to_string(&event).unwrap();
        assert!(text.contains(r#""type":"opened""#) && text.contains(r#""kind":"black""#));
        let back: MonitorEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
    }
}
