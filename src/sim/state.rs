//! The simulated device: power, key handling, timed behaviour, and deciding
//! which picture is visible (drawing it is `render.rs`'s job).

use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;

use super::catalog::{CHANNEL_NAMES, channel_index, channel_number};
use super::keys::Key;
use super::layout;
use super::live::VIDEO_FRAME_MS;
use super::nav::{Nav, NavEffect, Screen};
use super::render::{Overlays, Picture, Renderer};
use super::{BANNER_DURATION, BOOT_DURATION, DIGIT_TIMEOUT, VOLUME_OSD_DURATION};
use super::{KeyOutcome, SimError, SimFaults, SimState, overlay};

const INITIAL_VOLUME: u8 = 30;
const VOLUME_STEP: u8 = 5;
/// The boot screen shows only the logo for this long before the progress bar.
const BOOT_LOGO_ONLY: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    Off,
    Booting { since: Duration },
    On,
}

struct DigitEntry {
    digits: String,
    deadline: Duration,
}

/// A simulated set-top box. See the module documentation for behaviour.
pub struct SimStb {
    power: Power,
    /// Navigation state after every applied key.
    logical: Nav,
    /// Navigation state on screen; lags `logical` while a delayed transition is pending.
    shown: Nav,
    transition_due: Option<Duration>,
    banner_until: Option<Duration>,
    digit_entry: Option<DigitEntry>,
    volume: u8,
    muted: bool,
    volume_osd_until: Option<Duration>,
    faults: SimFaults,
    rng: fastrand::Rng,
    keys_received: u64,
    keys_dropped: u64,
    /// Time of the most recent call that passed `now`.
    now: Duration,
    renderer: Renderer,
}

impl SimStb {
    pub const WIDTH: u32 = layout::WIDTH;
    pub const HEIGHT: u32 = layout::HEIGHT;

    /// A powered-on device on the home screen (no boot sequence). `seed`
    /// makes the key-drop fault reproducible.
    pub fn new(seed: u64) -> SimStb {
        let home = Nav::at_home(0);
        SimStb {
            power: Power::On,
            logical: home.clone(),
            shown: home,
            transition_due: None,
            banner_until: None,
            digit_entry: None,
            volume: INITIAL_VOLUME,
            muted: false,
            volume_osd_until: None,
            faults: SimFaults::default(),
            rng: fastrand::Rng::with_seed(seed),
            keys_received: 0,
            keys_dropped: 0,
            now: Duration::ZERO,
            renderer: Renderer::new(),
        }
    }

    /// Presses a key (a name from [`super::KEYS`]) at time `now`.
    pub fn press(&mut self, key_name: &str, now: Duration) -> Result<KeyOutcome, SimError> {
        let key = Key::parse(key_name).ok_or_else(|| SimError::UnknownKey(key_name.to_owned()))?;
        self.advance(now);
        // Draw for every press, whatever the probability, so a seed always
        // yields the same sequence of random numbers.
        if self.rng.f64() < self.faults.drop_key_probability {
            self.keys_dropped += 1;
            return Ok(KeyOutcome::Dropped);
        }
        self.keys_received += 1;
        match (key, self.power) {
            (Key::Power, power) => self.set_power(power == Power::Off, now),
            (_, Power::Off) => return Ok(KeyOutcome::IgnoredPoweredOff),
            (_, Power::Booting { .. }) => return Ok(KeyOutcome::IgnoredBooting),
            (Key::VolumeUp, Power::On) => {
                self.change_volume(self.volume.saturating_add(VOLUME_STEP).min(100), now)
            }
            (Key::VolumeDown, Power::On) => {
                self.change_volume(self.volume.saturating_sub(VOLUME_STEP), now)
            }
            (Key::Mute, Power::On) => {
                self.muted = !self.muted;
                self.volume_osd_until = Some(now.saturating_add(VOLUME_OSD_DURATION));
            }
            (Key::Digit(digit), Power::On) => self.enter_digit(digit, now),
            (Key::Ok, Power::On) if self.digit_entry.is_some() => self.apply_digits(now),
            (_, Power::On) => {
                let screen_before = self.logical.screen;
                if self.logical.apply(key) == NavEffect::ShowChannelBanner {
                    self.banner_until = Some(now.saturating_add(BANNER_DURATION));
                }
                self.after_navigation(screen_before, now);
            }
        }
        Ok(KeyOutcome::Applied)
    }

    /// Switches power (the power-control path). Turning on starts the boot
    /// sequence, which ends on the home screen after [`BOOT_DURATION`].
    pub fn set_power(&mut self, on: bool, now: Duration) {
        self.advance(now);
        match (on, self.power) {
            (true, Power::Off) => {
                self.power = Power::Booting { since: now };
                self.clear_transients();
            }
            (false, Power::Booting { .. } | Power::On) => {
                self.power = Power::Off;
                self.clear_transients();
            }
            _ => {}
        }
    }

    /// On or booting.
    pub fn is_powered(&self) -> bool {
        self.power != Power::Off
    }

    /// False only under the `no_signal` fault; a powered-off device shows black.
    pub fn has_signal(&self) -> bool {
        !self.faults.no_signal
    }

    /// Replaces the injected faults; invalid settings are rejected and leave
    /// the current faults in place.
    pub fn set_faults(&mut self, faults: SimFaults) -> Result<(), SimError> {
        faults.validate()?;
        let delay_removed = faults.transition_delay_ms == 0;
        self.faults = faults;
        if delay_removed && self.transition_due.is_some() {
            self.commit_transition(self.now);
        }
        Ok(())
    }

    /// The injected faults currently in effect.
    pub fn faults(&self) -> &SimFaults {
        &self.faults
    }

    /// Applies timed behaviour up to `now` (boot end, delayed transitions,
    /// digit entry timeout) without rendering.
    pub fn advance(&mut self, now: Duration) {
        self.now = now;
        if let Power::Booting { since } = self.power
            && now >= since.saturating_add(BOOT_DURATION)
        {
            self.power = Power::On;
            self.logical = Nav::at_home(self.logical.channel);
            self.shown = self.logical.clone();
            self.clear_transients();
        }
        if let Some(due) = self.transition_due
            && now >= due
        {
            self.commit_transition(due);
        }
        if let Some(deadline) = self.digit_entry.as_ref().map(|entry| entry.deadline)
            && now >= deadline
        {
            self.apply_digits(deadline);
        }
    }

    /// The picture at `now` if it differs from the one returned by the
    /// previous call; `None` while idle or frozen.
    pub fn render(&mut self, now: Duration) -> Option<Arc<RgbImage>> {
        self.advance(now);
        if self.faults.freeze {
            return None;
        }
        let picture = self.picture();
        self.renderer.changed_frame(picture)
    }

    /// The picture at `now` (the frozen picture under `freeze`). Does not
    /// affect which changes `render` reports.
    pub fn current_frame(&mut self, now: Duration) -> Arc<RgbImage> {
        self.advance(now);
        match self.renderer.last_frame() {
            Some(frame) if self.faults.freeze => frame,
            _ => {
                let picture = self.picture();
                self.renderer.frame(&picture)
            }
        }
    }

    /// What the device shows, as of the latest call that passed `now`.
    pub fn ground_truth(&self) -> SimState {
        let on = self.power == Power::On;
        let live = on && self.shown.screen == Screen::LiveTv;
        let screen = match self.power {
            Power::Off => "off".to_owned(),
            Power::Booting { .. } => "boot".to_owned(),
            Power::On => self.shown.screen.id(),
        };
        let overlays = self.overlays();
        let mut overlay_names = Vec::new();
        if overlays.banner.is_some() {
            overlay_names.push("channel_banner".to_owned());
        }
        if overlays.digits.is_some() {
            overlay_names.push("channel_entry".to_owned());
        }
        if overlays.volume.is_some() {
            overlay_names.push("volume".to_owned());
        }
        SimState {
            powered: self.is_powered(),
            booting: matches!(self.power, Power::Booting { .. }),
            screen,
            focus: if on { self.shown.focus_id() } else { None },
            channel: live.then(|| channel_number(self.shown.channel)),
            channel_name: live.then(|| CHANNEL_NAMES[self.shown.channel].to_owned()),
            volume: self.volume,
            muted: self.muted,
            overlays: overlay_names,
            transition_pending: self.transition_due.is_some(),
            faults: self.faults.clone(),
            keys_received: self.keys_received,
            keys_dropped: self.keys_dropped,
        }
    }

    /// Area (x, y, width, height) of the large page heading of menu screens ("Settings",
    /// "Wi-Fi", ...), the same on every menu screen.
    pub fn heading_rect() -> (u32, u32, u32, u32) {
        layout::HEADING.as_tuple()
    }

    /// On-screen rectangle (x, y, width, height) of a tile, list row or guide
    /// cell of the visible screen, by focus id (e.g. `settings/wifi`),
    /// including its focus ring.
    pub fn item_rect(&self, id: &str) -> Option<(u32, u32, u32, u32)> {
        self.find_item(id).map(|item| item.rect.as_tuple())
    }

    /// The text-only area (x, y, width, height) of an item's label: inside
    /// the focus ring and without icons, the region to hand to OCR.
    pub fn label_rect(&self, id: &str) -> Option<(u32, u32, u32, u32)> {
        self.find_item(id).map(|item| item.label.as_tuple())
    }

    fn find_item(&self, id: &str) -> Option<layout::Item> {
        if self.power != Power::On {
            return None;
        }
        layout::items(self.shown.screen)
            .into_iter()
            .find(|item| item.id == id)
    }

    fn change_volume(&mut self, volume: u8, now: Duration) {
        self.volume = volume;
        self.muted = false;
        self.volume_osd_until = Some(now.saturating_add(VOLUME_OSD_DURATION));
    }

    fn enter_digit(&mut self, digit: u8, now: Duration) {
        if self.logical.screen != Screen::LiveTv {
            return;
        }
        // Channel numbers have three digits; a fourth digit starts a new number.
        if self
            .digit_entry
            .as_ref()
            .is_some_and(|entry| entry.digits.len() >= 3)
        {
            self.digit_entry = None;
        }
        let entry = self.digit_entry.get_or_insert_with(|| DigitEntry {
            digits: String::new(),
            deadline: now,
        });
        entry.digits.push(char::from(b'0' + digit));
        entry.deadline = now.saturating_add(DIGIT_TIMEOUT);
    }

    /// Tunes to the typed channel number if it exists; unknown numbers are discarded.
    fn apply_digits(&mut self, at: Duration) {
        let Some(entry) = self.digit_entry.take() else {
            return;
        };
        if let Ok(number) = entry.digits.parse::<u32>()
            && let Some(index) = channel_index(number)
            && self.logical.screen == Screen::LiveTv
        {
            self.logical.channel = index;
            self.banner_until = Some(at.saturating_add(BANNER_DURATION));
            if self.transition_due.is_none() {
                self.commit_transition(at);
            }
        }
    }

    /// Makes a navigation change visible now, or after the transition delay
    /// when the screen changed.
    fn after_navigation(&mut self, screen_before: Screen, now: Duration) {
        if self.logical.screen != screen_before {
            self.digit_entry = None;
            if self.faults.transition_delay_ms > 0 {
                let delay = Duration::from_millis(self.faults.transition_delay_ms);
                self.transition_due = Some(now.saturating_add(delay));
                return;
            }
        }
        if self.transition_due.is_none() {
            self.commit_transition(now);
        }
    }

    fn commit_transition(&mut self, at: Duration) {
        if self.shown.screen != Screen::LiveTv && self.logical.screen == Screen::LiveTv {
            self.banner_until = Some(at.saturating_add(BANNER_DURATION));
        }
        self.shown = self.logical.clone();
        self.transition_due = None;
    }

    /// Forgets pending transitions, digit entry and overlays (power changes).
    fn clear_transients(&mut self) {
        self.shown = self.logical.clone();
        self.transition_due = None;
        self.digit_entry = None;
        self.banner_until = None;
        self.volume_osd_until = None;
    }

    fn overlays(&self) -> Overlays {
        if self.power != Power::On {
            return Overlays::default();
        }
        let live = self.shown.screen == Screen::LiveTv;
        let active = |until: Option<Duration>| until.is_some_and(|until| self.now < until);
        Overlays {
            banner: (live && active(self.banner_until)).then_some(self.shown.channel),
            digits: self
                .digit_entry
                .as_ref()
                .filter(|_| live)
                .map(|entry| entry.digits.clone()),
            volume: active(self.volume_osd_until).then_some((self.volume, self.muted)),
        }
    }

    fn picture(&self) -> Picture {
        if self.faults.black {
            return Picture::Black;
        }
        match self.power {
            Power::Off => Picture::Black,
            Power::Booting { since } => {
                let elapsed = self.now.saturating_sub(since);
                let progress = elapsed.saturating_sub(BOOT_LOGO_ONLY).as_millis();
                let span = (BOOT_DURATION - BOOT_LOGO_ONLY).as_millis().max(1);
                let step = if elapsed < BOOT_LOGO_ONLY {
                    0
                } else {
                    let steps = u128::from(overlay::BOOT_STEPS);
                    // Bounded by BOOT_STEPS, so it fits in a u32.
                    (1 + progress * steps / span).min(steps) as u32
                };
                Picture::Boot { step }
            }
            Power::On if self.shown.screen == Screen::LiveTv => Picture::Live {
                channel: self.shown.channel,
                // Millisecond timestamps fit in u64 for hundreds of millions of years.
                frame_index: (self.now.as_millis() / u128::from(VIDEO_FRAME_MS)) as u64,
                overlays: self.overlays(),
            },
            Power::On => Picture::Menu {
                nav: self.shown.clone(),
                overlays: self.overlays(),
            },
        }
    }
}
