//! The host's journal of incident events: numbered, appended to a file in the data dir, so the
//! server can read what it missed (`after=N`) when the link returns, even across a host
//! restart. Frames live beside it as files (`frames/<incident>/<name>`) and travel base64 in the
//! stream only. The journal keeps the newest [`KEEP`] events; older ones and their frames go.

use std::collections::{HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use bytes::Bytes;
use tokio::sync::watch;

use crate::monitoring::event::{is_frame_name, is_incident_id};
use crate::monitoring::{IncidentFrame, MonitorEvent};

/// Events kept; a server away for longer than it takes to raise this many misses the oldest.
pub const KEEP: usize = 1000;

pub struct Journal {
    dir: PathBuf,
    /// Names this journal; a server that saw another name reads it from the start.
    pub id: String,
    inner: Mutex<Inner>,
    /// The newest sequence number, for streams waiting on the next event.
    newest: watch::Sender<u64>,
}

struct Inner {
    events: VecDeque<MonitorEvent>,
    next_seq: u64,
    file: File,
}

fn lock(mutex: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Journal {
    /// Opens (or creates) the journal in `dir`. Unreadable lines are skipped with a warning.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.join("frames"))?;
        let id_path = dir.join("journal.id");
        let id = match std::fs::read_to_string(&id_path) {
            Ok(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => {
                let id = crate::token::random_hex(8);
                std::fs::write(&id_path, &id)?;
                id
            }
        };
        let path = dir.join("journal.ndjson");
        let mut events = VecDeque::new();
        if let Ok(file) = File::open(&path) {
            for line in BufReader::new(file).lines() {
                let line = line?;
                match serde_json::from_str::<MonitorEvent>(&line) {
                    Ok(event) => events.push_back(event),
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable incident journal line skipped")
                    }
                }
            }
        }
        let next_seq = events.back().map_or(1, |e| e.seq() + 1);
        while events.len() > KEEP {
            events.pop_front();
        }
        // Rewrite the file with what is kept: it never grows past twice KEEP lines.
        let mut file = File::create(&path)?;
        for event in &events {
            writeln!(file, "{}", serde_json::to_string(event).unwrap_or_default())?;
        }
        file.sync_all()?;
        let file = OpenOptions::new().append(true).open(&path)?;
        let journal = Self {
            dir: dir.to_path_buf(),
            id,
            inner: Mutex::new(Inner {
                events,
                next_seq,
                file,
            }),
            newest: watch::channel(next_seq - 1).0,
        };
        journal.remove_unreferenced_frames();
        Ok(journal)
    }

    fn frame_dir(&self, incident: &str) -> PathBuf {
        self.dir.join("frames").join(incident)
    }

    /// Numbers `event`, writes its frames and appends it. `jpegs` pairs with `event`'s frames.
    pub fn append(&self, mut event: MonitorEvent, jpegs: &[Bytes]) -> std::io::Result<u64> {
        let dir = self.frame_dir(event.incident());
        std::fs::create_dir_all(&dir)?;
        for (frame, jpeg) in event.frames_mut().iter_mut().zip(jpegs) {
            std::fs::write(dir.join(&frame.name), jpeg)?;
            frame.jpeg_base64 = None;
        }
        let mut inner = lock(&self.inner);
        let seq = inner.next_seq;
        event.set_seq(seq);
        let line = serde_json::to_string(&event).map_err(std::io::Error::other)?;
        writeln!(inner.file, "{line}")?;
        inner.file.flush()?;
        inner.next_seq += 1;
        inner.events.push_back(event);
        let mut trimmed = false;
        while inner.events.len() > KEEP * 2 {
            inner.events.pop_front();
            trimmed = true;
        }
        if trimmed {
            self.rewrite(&mut inner)?;
        }
        drop(inner);
        if trimmed {
            self.remove_unreferenced_frames();
        }
        self.newest.send_replace(seq);
        Ok(seq)
    }

    /// Keeps the newest KEEP events in the file.
    fn rewrite(&self, inner: &mut Inner) -> std::io::Result<()> {
        while inner.events.len() > KEEP {
            inner.events.pop_front();
        }
        let path = self.dir.join("journal.ndjson");
        let temporary = self.dir.join("journal.ndjson.tmp");
        let mut file = File::create(&temporary)?;
        for event in &inner.events {
            writeln!(file, "{}", serde_json::to_string(event).unwrap_or_default())?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        inner.file = OpenOptions::new().append(true).open(&path)?;
        Ok(())
    }

    fn remove_unreferenced_frames(&self) {
        let kept: HashSet<String> = lock(&self.inner)
            .events
            .iter()
            .map(|e| e.incident().to_string())
            .collect();
        let Ok(entries) = std::fs::read_dir(self.dir.join("frames")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !kept.contains(&name) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }

    /// Events numbered above `after`, oldest first.
    pub fn after(&self, after: u64) -> Vec<MonitorEvent> {
        lock(&self.inner)
            .events
            .iter()
            .filter(|e| e.seq() > after)
            .cloned()
            .collect()
    }

    /// Incidents opened and never resolved, newest event of each (for a restart).
    pub fn unresolved(&self) -> Vec<MonitorEvent> {
        let inner = lock(&self.inner);
        let resolved: HashSet<&str> = inner
            .events
            .iter()
            .filter(|e| matches!(e, MonitorEvent::Resolved { .. }))
            .map(|e| e.incident())
            .collect();
        inner
            .events
            .iter()
            .filter(|e| matches!(e, MonitorEvent::Opened { .. }))
            .filter(|e| !resolved.contains(e.incident()))
            .cloned()
            .collect()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }

    /// The event with its frames' JPEGs inlined (frames whose file is gone are left out).
    pub fn with_pictures(&self, mut event: MonitorEvent) -> MonitorEvent {
        let dir = self.frame_dir(event.incident());
        let frames = std::mem::take(event.frames_mut());
        *event.frames_mut() = frames
            .into_iter()
            .filter_map(|mut frame: IncidentFrame| {
                if !is_frame_name(&frame.name) {
                    return None;
                }
                let bytes = std::fs::read(dir.join(&frame.name)).ok()?;
                frame.jpeg_base64 = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
                Some(frame)
            })
            .collect();
        event
    }

    /// A stored frame of an incident, for the host's own API.
    pub fn frame(&self, incident: &str, name: &str) -> Option<Vec<u8>> {
        if !is_incident_id(incident) || !is_frame_name(name) {
            return None;
        }
        std::fs::read(self.frame_dir(incident).join(name)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::{FrameLabel, IncidentKind};
    use chrono::Utc;

    fn opened(incident: &str) -> MonitorEvent {
        MonitorEvent::Opened {
            seq: 0,
            incident: incident.into(),
            device: "sim1".into(),
            kind: IncidentKind::Black,
            started_at: Utc::now(),
            frames: vec![IncidentFrame {
                name: "first.jpg".into(),
                label: FrameLabel::First,
                captured_at: Utc::now(),
                jpeg_base64: None,
            }],
        }
    }

    fn resolved(incident: &str) -> MonitorEvent {
        MonitorEvent::Resolved {
            seq: 0,
            incident: incident.into(),
            device: "sim1".into(),
            kind: IncidentKind::Black,
            started_at: Utc::now(),
            ended_at: Utc::now(),
            reason: "cleared".into(),
            frames: vec![],
        }
    }

    #[test]
    fn numbers_survive_a_reopen_and_unresolved_incidents_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let id = journal.id.clone();
        assert_eq!(
            journal
                .append(opened("aaaa0001"), &[Bytes::from_static(b"jpeg")])
                .unwrap(),
            1
        );
        assert_eq!(
            journal
                .append(opened("aaaa0002"), &[Bytes::from_static(b"x")])
                .unwrap(),
            2
        );
        assert_eq!(journal.append(resolved("aaaa0001"), &[]).unwrap(), 3);
        drop(journal);

        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(journal.id, id, "the journal keeps its name");
        assert_eq!(
            journal.after(1).iter().map(|e| e.seq()).collect::<Vec<_>>(),
            [2, 3]
        );
        let unresolved = journal.unresolved();
        assert_eq!(unresolved.len(), 1);
        assert_eq!(unresolved[0].incident(), "aaaa0002");
        assert_eq!(journal.append(resolved("aaaa0002"), &[]).unwrap(), 4);
        let inlined = journal.with_pictures(journal.after(0).remove(0));
        let MonitorEvent::Opened { frames, .. } = inlined else {
            panic!("first event is the opening");
        };
        assert_eq!(frames[0].jpeg_base64.as_deref(), Some("anBlZw=="));
        assert_eq!(journal.frame("aaaa0001", "first.jpg").unwrap(), b"jpeg");
        assert!(journal.frame("aaaa0001", "../journal.id").is_none());
    }

    #[test]
    fn the_journal_is_bounded_and_drops_old_frames() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        for i in 0..(KEEP * 2 + 1) {
            let incident = format!("{i:08x}");
            journal
                .append(opened(&incident), &[Bytes::from_static(b"j")])
                .unwrap();
        }
        let kept = journal.after(0);
        assert_eq!(kept.len(), KEEP);
        assert_eq!(kept.last().unwrap().seq(), (KEEP * 2 + 1) as u64);
        assert!(
            journal.frame("00000000", "first.jpg").is_none(),
            "oldest frames removed"
        );
        assert!(
            journal
                .frame(&format!("{:08x}", KEEP * 2), "first.jpg")
                .is_some()
        );
        drop(journal);
        let reopened = Journal::open(dir.path()).unwrap();
        assert_eq!(reopened.after(0).len(), KEEP);
    }
}
