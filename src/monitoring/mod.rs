//! Monitoring logic with no I/O: frame analysis, the incident state machine, settings and the
//! events hosts send about incidents. The host runs it (`host::monitor`), the server stores its
//! results (`server::incidents`).

pub mod detector;
pub mod event;
pub mod incident;
pub mod settings;
pub mod spread;

pub use event::{FrameLabel, IncidentFrame, MonitorEvent};
pub use incident::{IncidentKind, IncidentTracker, Phase, Presence, Transition};
pub use settings::MonitorSettings;
pub use spread::SpreadSampler;
