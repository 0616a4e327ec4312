//! Test runs on the host. A run executes on its own, whatever happens to the link: every event
//! is numbered and kept until the server has read the end of it (or a while after that), so a
//! server that lost the link reads on from the last event it saw and loses nothing.

pub mod executor;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::testing::run::RunEvent;

/// Finished runs are forgotten this long after their end (the server normally deletes them
/// as soon as it has read them).
const KEEP_FINISHED: Duration = Duration::from_secs(30 * 60);
/// Most finished runs kept, whatever their age.
const MAX_FINISHED: usize = 50;

/// The events of one run, in order, each already written as one NDJSON line.
pub struct RunLog {
    pub key: String,
    pub device: String,
    lines: Mutex<Vec<Arc<str>>>,
    /// Number of events so far; readers wait on it.
    count: watch::Sender<u64>,
    finished: Mutex<Option<Instant>>,
    pub cancel: CancellationToken,
}

impl RunLog {
    fn new(key: &str, device: &str) -> RunLog {
        RunLog {
            key: key.to_string(),
            device: device.to_string(),
            lines: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
            finished: Mutex::new(None),
            cancel: CancellationToken::new(),
        }
    }

    /// Number the next event gets.
    pub fn next_seq(&self) -> u64 {
        *self.count.borrow() + 1
    }

    /// Appends an event (its `seq` must be [`RunLog::next_seq`]).
    pub fn push(&self, event: &RunEvent) {
        let mut line = serde_json::to_string(event).unwrap_or_default();
        line.push('\n');
        let done = matches!(event, RunEvent::Done { .. });
        let count = {
            let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
            lines.push(line.into());
            lines.len() as u64
        };
        if done {
            *self.finished.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
        self.count.send_replace(count);
    }

    /// Events after the `after`-th, as lines.
    pub fn lines_after(&self, after: u64) -> Vec<Arc<str>> {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.iter().skip(after as usize).cloned().collect()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.count.subscribe()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    fn finished_for(&self) -> Option<Duration> {
        self.finished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|at| at.elapsed())
    }

    pub fn event_count(&self) -> u64 {
        *self.count.borrow()
    }
}

/// Every run this host knows, by key.
#[derive(Clone, Default)]
pub struct HostRuns {
    runs: Arc<Mutex<HashMap<String, Arc<RunLog>>>>,
}

impl HostRuns {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RunLog>>> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new run; `None` when the key is taken.
    pub fn create(&self, key: &str, device: &str) -> Option<Arc<RunLog>> {
        let mut runs = self.lock();
        forget_old(&mut runs);
        if runs.contains_key(key) {
            return None;
        }
        let log = Arc::new(RunLog::new(key, device));
        runs.insert(key.to_string(), log.clone());
        Some(log)
    }

    pub fn get(&self, key: &str) -> Option<Arc<RunLog>> {
        self.lock().get(key).cloned()
    }

    pub fn remove(&self, key: &str) -> Option<Arc<RunLog>> {
        self.lock().remove(key)
    }

    pub fn list(&self) -> Vec<Arc<RunLog>> {
        self.lock().values().cloned().collect()
    }
}

fn forget_old(runs: &mut HashMap<String, Arc<RunLog>>) {
    runs.retain(|_, log| log.finished_for().is_none_or(|age| age < KEEP_FINISHED));
    let mut finished: Vec<(Duration, String)> = runs
        .iter()
        .filter_map(|(key, log)| Some((log.finished_for()?, key.clone())))
        .collect();
    if finished.len() > MAX_FINISHED {
        finished.sort();
        for (_, key) in finished.into_iter().skip(MAX_FINISHED) {
            runs.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run::RunOutcome;

    #[test]
    fn a_reader_resumes_after_the_last_event_it_saw() {
        let runs = HostRuns::default();
        let log = runs.create("r1", "sim1").expect("new key");
        assert!(runs.create("r1", "sim1").is_none(), "keys are unique");
        for _ in 0..3 {
            let seq = log.next_seq();
            log.push(&RunEvent::Done {
                seq,
                status: RunOutcome::Passed,
                error: None,
                ms: 1.0,
            });
        }
        assert_eq!(log.event_count(), 3);
        let rest = log.lines_after(1);
        assert_eq!(rest.len(), 2);
        assert!(rest[0].contains("\"seq\":2") && rest[0].ends_with('\n'));
        assert!(log.is_finished());
    }
}
