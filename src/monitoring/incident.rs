//! The incident state machine of one device. Each condition goes clear → pending (present, not
//! yet for its delay) → active (an incident is open) → clearing (gone, not yet for its clear
//! time) → clear (the incident is resolved). Priorities: no signal hides black, and black hides
//! freeze — a black picture is also a still one, and without a signal there is no picture.
//!
//! Pure logic: time comes in as milliseconds on any monotonic origin.

use serde::{Deserialize, Serialize};

use super::settings::MonitorSettings;

/// Kinds of incident, highest priority first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    NoSignal,
    Black,
    Freeze,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 3] = [
        IncidentKind::NoSignal,
        IncidentKind::Black,
        IncidentKind::Freeze,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::NoSignal => "no_signal",
            IncidentKind::Black => "black",
            IncidentKind::Freeze => "freeze",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// How people name it ("Black screen").
    pub fn title(self) -> &'static str {
        match self {
            IncidentKind::NoSignal => "No signal",
            IncidentKind::Black => "Black screen",
            IncidentKind::Freeze => "Frozen picture",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where one condition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Clear,
    Pending,
    Active,
    /// An incident is open but the condition is gone, for less than its clear time so far.
    Clearing,
}

/// What the raw analysis of one moment says, before delays and priorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    pub no_signal: bool,
    pub black: bool,
    pub frozen: bool,
}

/// A change the caller must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The condition lasted its delay: an incident opens, dated from when it began.
    Opened { kind: IncidentKind, began_ms: u64 },
    /// The condition is gone for its clear time: the incident closes, dated from when it went.
    Resolved {
        kind: IncidentKind,
        began_ms: u64,
        ended_ms: u64,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy)]
struct Condition {
    phase: Phase,
    /// When the condition began (pending or active).
    began_ms: u64,
    /// When it went away (clearing).
    gone_ms: u64,
}

impl Condition {
    const CLEAR: Condition = Condition {
        phase: Phase::Clear,
        began_ms: 0,
        gone_ms: 0,
    };
}

/// The three conditions of one device.
#[derive(Debug, Clone)]
pub struct IncidentTracker {
    conditions: [Condition; 3],
}

impl Default for IncidentTracker {
    fn default() -> Self {
        Self {
            conditions: [Condition::CLEAR; 3],
        }
    }
}

/// (enabled, delay, clear time) of a kind.
fn timing(settings: &MonitorSettings, kind: IncidentKind) -> (bool, u64, u64) {
    match kind {
        IncidentKind::NoSignal => (
            settings.no_signal.enabled,
            settings.no_signal.delay_ms,
            settings.no_signal.clear_ms,
        ),
        IncidentKind::Black => (
            settings.black.enabled,
            settings.black.delay_ms,
            settings.black.clear_ms,
        ),
        IncidentKind::Freeze => (
            settings.freeze.enabled,
            settings.freeze.delay_ms,
            settings.freeze.clear_ms,
        ),
    }
}

impl IncidentTracker {
    pub fn phase(&self, kind: IncidentKind) -> Phase {
        self.conditions[kind.index()].phase
    }

    /// Kinds with an open incident (active or clearing).
    pub fn open(&self) -> Vec<IncidentKind> {
        IncidentKind::ALL
            .into_iter()
            .filter(|k| matches!(self.phase(*k), Phase::Active | Phase::Clearing))
            .collect()
    }

    /// Feeds one moment; returns what opened or closed, in priority order.
    pub fn observe(
        &mut self,
        presence: Presence,
        now_ms: u64,
        settings: &MonitorSettings,
    ) -> Vec<Transition> {
        // Priorities: a higher condition that is present hides the lower ones.
        let black = presence.black && !presence.no_signal;
        let frozen = presence.frozen && !presence.no_signal && !presence.black;
        let present = [presence.no_signal, black, frozen];
        let mut transitions = Vec::new();
        for kind in IncidentKind::ALL {
            let (enabled, delay_ms, clear_ms) = timing(settings, kind);
            let hidden_by = IncidentKind::ALL[..kind.index()]
                .iter()
                .find(|higher| present[higher.index()]);
            let is_present = enabled && present[kind.index()];
            let condition = &mut self.conditions[kind.index()];
            match (condition.phase, is_present) {
                (Phase::Clear, true) => {
                    condition.phase = Phase::Pending;
                    condition.began_ms = now_ms;
                }
                (Phase::Pending, false) => *condition = Condition::CLEAR,
                (Phase::Active, false) => {
                    condition.phase = Phase::Clearing;
                    condition.gone_ms = now_ms;
                }
                (Phase::Clearing, true) => condition.phase = Phase::Active,
                _ => {}
            }
            if condition.phase == Phase::Pending
                && now_ms.saturating_sub(condition.began_ms) >= delay_ms
            {
                condition.phase = Phase::Active;
                transitions.push(Transition::Opened {
                    kind,
                    began_ms: condition.began_ms,
                });
            }
            // A disabled condition closes at once; a hidden one as soon as its clear time ends.
            let cleared = condition.phase == Phase::Clearing
                && (!enabled || now_ms.saturating_sub(condition.gone_ms) >= clear_ms);
            if cleared {
                let reason = if !enabled {
                    "monitoring of this condition was turned off".to_string()
                } else if let Some(higher) = hidden_by {
                    format!("replaced by {}", higher.title().to_lowercase())
                } else {
                    "cleared".to_string()
                };
                transitions.push(Transition::Resolved {
                    kind,
                    began_ms: condition.began_ms,
                    ended_ms: condition.gone_ms,
                    reason,
                });
                *condition = Condition::CLEAR;
            }
        }
        transitions
    }

    /// Closes every open incident at `now_ms` (monitoring turned off, device gone).
    pub fn close_all(&mut self, now_ms: u64, reason: &str) -> Vec<Transition> {
        let mut transitions = Vec::new();
        for kind in IncidentKind::ALL {
            let condition = &mut self.conditions[kind.index()];
            match condition.phase {
                Phase::Active | Phase::Clearing => {
                    let ended_ms = if condition.phase == Phase::Clearing {
                        condition.gone_ms
                    } else {
                        now_ms
                    };
                    transitions.push(Transition::Resolved {
                        kind,
                        began_ms: condition.began_ms,
                        ended_ms,
                        reason: reason.to_string(),
                    });
                }
                Phase::Clear | Phase::Pending => {}
            }
            *condition = Condition::CLEAR;
        }
        transitions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MonitorSettings {
        let mut settings = MonitorSettings {
            enabled: true,
            ..Default::default()
        };
        settings.black.delay_ms = 1000;
        settings.black.clear_ms = 500;
        settings.freeze.delay_ms = 2000;
        settings.freeze.clear_ms = 500;
        settings.no_signal.delay_ms = 300;
        settings.no_signal.clear_ms = 300;
        settings
    }

    const BLACK: Presence = Presence {
        no_signal: false,
        black: true,
        // A black picture is also a still one.
        frozen: true,
    };
    const FINE: Presence = Presence {
        no_signal: false,
        black: false,
        frozen: false,
    };
    const FROZEN: Presence = Presence {
        no_signal: false,
        black: false,
        frozen: true,
    };
    const NO_SIGNAL: Presence = Presence {
        no_signal: true,
        black: false,
        frozen: false,
    };

    /// Feeds `presence` every 100 ms over `[from, to)` and collects the transitions.
    fn feed(
        tracker: &mut IncidentTracker,
        presence: Presence,
        from: u64,
        to: u64,
        settings: &MonitorSettings,
    ) -> Vec<Transition> {
        (from..to)
            .step_by(100)
            .flat_map(|t| tracker.observe(presence, t, settings))
            .collect()
    }

    #[test]
    fn black_opens_after_its_delay_and_closes_after_its_clear_time() {
        let settings = settings();
        let mut tracker = IncidentTracker::default();
        assert!(feed(&mut tracker, FINE, 0, 1000, &settings).is_empty());
        // Black from 1000: pending until 2000.
        assert!(feed(&mut tracker, BLACK, 1000, 2000, &settings).is_empty());
        assert_eq!(tracker.phase(IncidentKind::Black), Phase::Pending);
        assert_eq!(
            tracker.observe(BLACK, 2000, &settings),
            vec![Transition::Opened {
                kind: IncidentKind::Black,
                began_ms: 1000
            }]
        );
        assert!(feed(&mut tracker, BLACK, 2100, 5000, &settings).is_empty());
        // Picture back at 5000: resolved at 5500, dated 5000, duration 4 s.
        assert!(feed(&mut tracker, FINE, 5000, 5500, &settings).is_empty());
        assert_eq!(tracker.phase(IncidentKind::Black), Phase::Clearing);
        assert_eq!(
            tracker.observe(FINE, 5500, &settings),
            vec![Transition::Resolved {
                kind: IncidentKind::Black,
                began_ms: 1000,
                ended_ms: 5000,
                reason: "cleared".into()
            }]
        );
        // Black hid the freeze all along: no freeze incident.
        assert_eq!(tracker.phase(IncidentKind::Freeze), Phase::Clear);
    }

    #[test]
    fn a_short_condition_never_opens() {
        let settings = settings();
        let mut tracker = IncidentTracker::default();
        assert!(feed(&mut tracker, BLACK, 0, 900, &settings).is_empty());
        assert!(feed(&mut tracker, FINE, 900, 1000, &settings).is_empty());
        assert!(feed(&mut tracker, BLACK, 1000, 1900, &settings).is_empty());
        assert_eq!(tracker.phase(IncidentKind::Black), Phase::Pending);
        assert!(tracker.open().is_empty());
    }

    #[test]
    fn hysteresis_keeps_one_incident_through_flicker() {
        let settings = settings();
        let mut tracker = IncidentTracker::default();
        let opened = feed(&mut tracker, BLACK, 0, 1100, &settings);
        assert_eq!(opened.len(), 1);
        // The picture flickers back for 300 ms (less than the clear time) twice.
        for start in [2000u64, 3000] {
            assert!(feed(&mut tracker, FINE, start, start + 300, &settings).is_empty());
            assert!(feed(&mut tracker, BLACK, start + 300, start + 1000, &settings).is_empty());
        }
        assert_eq!(tracker.phase(IncidentKind::Black), Phase::Active);
        let closed = feed(&mut tracker, FINE, 4000, 4600, &settings);
        assert_eq!(
            closed,
            vec![Transition::Resolved {
                kind: IncidentKind::Black,
                began_ms: 0,
                ended_ms: 4000,
                reason: "cleared".into()
            }]
        );
    }

    #[test]
    fn freeze_opens_only_without_black() {
        let settings = settings();
        let mut tracker = IncidentTracker::default();
        let opened = feed(&mut tracker, FROZEN, 0, 2100, &settings);
        assert_eq!(
            opened,
            vec![Transition::Opened {
                kind: IncidentKind::Freeze,
                began_ms: 0
            }]
        );
        // The frozen picture turns black: black takes over, the freeze closes as replaced.
        let changes = feed(&mut tracker, BLACK, 2100, 3200, &settings);
        assert_eq!(
            changes,
            vec![
                Transition::Resolved {
                    kind: IncidentKind::Freeze,
                    began_ms: 0,
                    ended_ms: 2100,
                    reason: "replaced by black screen".into()
                },
                Transition::Opened {
                    kind: IncidentKind::Black,
                    began_ms: 2100
                },
            ]
        );
    }

    #[test]
    fn no_signal_hides_black_and_freeze() {
        let settings = settings();
        let mut tracker = IncidentTracker::default();
        feed(&mut tracker, BLACK, 0, 1100, &settings);
        assert_eq!(tracker.open(), vec![IncidentKind::Black]);
        let lost = Presence {
            no_signal: true,
            black: true,
            frozen: true,
        };
        let changes = feed(&mut tracker, lost, 1100, 1700, &settings);
        assert_eq!(
            changes,
            vec![
                Transition::Opened {
                    kind: IncidentKind::NoSignal,
                    began_ms: 1100
                },
                Transition::Resolved {
                    kind: IncidentKind::Black,
                    began_ms: 0,
                    ended_ms: 1100,
                    reason: "replaced by no signal".into()
                },
            ]
        );
        assert_eq!(tracker.open(), vec![IncidentKind::NoSignal]);
        let back = feed(&mut tracker, FINE, 1700, 2100, &settings);
        assert!(matches!(
            back.as_slice(),
            [Transition::Resolved {
                kind: IncidentKind::NoSignal,
                ended_ms: 1700,
                ..
            }]
        ));
        assert!(feed(&mut tracker, NO_SIGNAL, 2100, 2300, &settings).is_empty());
    }

    #[test]
    fn turning_a_condition_off_closes_its_incident_and_close_all_closes_the_rest() {
        let mut settings = settings();
        let mut tracker = IncidentTracker::default();
        feed(&mut tracker, BLACK, 0, 1100, &settings);
        settings.black.enabled = false;
        let closed = tracker.observe(BLACK, 1200, &settings);
        assert!(matches!(
            closed.as_slice(),
            [Transition::Resolved { kind: IncidentKind::Black, ended_ms: 1200, reason, .. }]
                if reason.contains("turned off")
        ));
        settings.black.enabled = true;
        settings.freeze.enabled = true;
        feed(&mut tracker, NO_SIGNAL, 1300, 1700, &settings);
        let closed = tracker.close_all(5000, "host stopping");
        assert_eq!(
            closed,
            vec![Transition::Resolved {
                kind: IncidentKind::NoSignal,
                began_ms: 1300,
                ended_ms: 5000,
                reason: "host stopping".into()
            }]
        );
        assert!(tracker.open().is_empty());
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for kind in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(IncidentKind::parse("purple"), None);
    }
}
