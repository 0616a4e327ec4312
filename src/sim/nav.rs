//! Menu navigation: which screen is open and what is focused on each screen.
//!
//! This is pure state; drawing lives in `screens.rs`, time-based behaviour
//! (banners, digit entry, delayed transitions) in `mod.rs`.

use super::catalog::{APPS, CHANNEL_NAMES, GUIDE_CHANNELS, GUIDE_SLOTS, HOME_TILES, RECORDINGS};
use super::catalog::{SETTINGS_ITEMS, channel_number};
use super::keys::Key;

/// A screen of the menu tree. Indices refer to the tables in `catalog.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Screen {
    Home,
    LiveTv,
    Guide,
    Settings,
    SettingsDetail(usize),
    Apps,
    AppSplash(usize),
    Recordings,
}

impl Screen {
    /// Stable screen id used as ground truth.
    pub(crate) fn id(self) -> String {
        match self {
            Screen::Home => "home".to_owned(),
            Screen::LiveTv => "live_tv".to_owned(),
            Screen::Guide => "guide".to_owned(),
            Screen::Settings => "settings".to_owned(),
            Screen::SettingsDetail(item) => format!("settings/{}", SETTINGS_ITEMS[item].id),
            Screen::Apps => "apps".to_owned(),
            Screen::AppSplash(app) => format!("apps/{}", APPS[app].id),
            Screen::Recordings => "recordings".to_owned(),
        }
    }

    /// The screen BACK returns to; `None` on the home screen.
    fn parent(self) -> Option<Screen> {
        match self {
            Screen::Home => None,
            Screen::SettingsDetail(_) => Some(Screen::Settings),
            Screen::AppSplash(_) => Some(Screen::Apps),
            Screen::LiveTv
            | Screen::Guide
            | Screen::Settings
            | Screen::Apps
            | Screen::Recordings => Some(Screen::Home),
        }
    }
}

/// Every screen id reachable through the menus (excluding `boot` and `off`).
pub(crate) fn all_screen_ids() -> Vec<String> {
    let mut screens = vec![
        Screen::Home,
        Screen::LiveTv,
        Screen::Guide,
        Screen::Settings,
    ];
    screens.extend((0..SETTINGS_ITEMS.len()).map(Screen::SettingsDetail));
    screens.push(Screen::Apps);
    screens.extend((0..APPS.len()).map(Screen::AppSplash));
    screens.push(Screen::Recordings);
    screens.into_iter().map(Screen::id).collect()
}

/// What a navigation key did besides possibly changing screen or focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NavEffect {
    Nothing,
    /// The live channel changed or the viewer asked for channel info.
    ShowChannelBanner,
}

/// Navigation state. Focus indices are remembered per screen so that BACK
/// returns to the entry that was opened; entering a screen from its parent
/// starts at the first entry so that key sequences are reproducible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Nav {
    pub screen: Screen,
    pub home_focus: usize,
    pub settings_focus: usize,
    pub apps_focus: usize,
    pub recordings_focus: usize,
    pub guide_row: usize,
    pub guide_col: usize,
    /// Index into `CHANNEL_NAMES` of the tuned channel.
    pub channel: usize,
}

impl Nav {
    /// Home screen with the first tile focused, tuned to `channel`.
    pub(crate) fn at_home(channel: usize) -> Nav {
        Nav {
            screen: Screen::Home,
            home_focus: 0,
            settings_focus: 0,
            apps_focus: 0,
            recordings_focus: 0,
            guide_row: 0,
            guide_col: 0,
            channel,
        }
    }

    /// Id of the focused item on the current screen, if the screen has focus.
    pub(crate) fn focus_id(&self) -> Option<String> {
        match self.screen {
            Screen::Home => Some(HOME_TILES[self.home_focus].id.to_owned()),
            Screen::Settings => Some(format!(
                "settings/{}",
                SETTINGS_ITEMS[self.settings_focus].id
            )),
            Screen::Apps => Some(format!("apps/{}", APPS[self.apps_focus].id)),
            Screen::Recordings => Some(format!(
                "recordings/{}",
                RECORDINGS[self.recordings_focus].id
            )),
            Screen::Guide => Some(guide_cell_id(self.guide_row, self.guide_col)),
            Screen::LiveTv | Screen::SettingsDetail(_) | Screen::AppSplash(_) => None,
        }
    }

    /// Applies a navigation or channel key. Volume, digits and power are
    /// handled by the caller.
    pub(crate) fn apply(&mut self, key: Key) -> NavEffect {
        match key {
            Key::Home | Key::Menu => self.screen = Screen::Home,
            Key::Back => {
                if let Some(parent) = self.screen.parent() {
                    self.screen = parent;
                }
            }
            Key::Up | Key::Down | Key::Left | Key::Right => self.move_focus(key),
            Key::Ok => return self.activate(),
            Key::ChannelUp | Key::ChannelDown if self.screen == Screen::LiveTv => {
                let count = CHANNEL_NAMES.len();
                self.channel = if key == Key::ChannelUp {
                    (self.channel + 1) % count
                } else {
                    (self.channel + count - 1) % count
                };
                return NavEffect::ShowChannelBanner;
            }
            _ => {}
        }
        NavEffect::Nothing
    }

    fn move_focus(&mut self, key: Key) {
        let (backward, forward) = match self.screen {
            Screen::Home | Screen::Apps => (Key::Left, Key::Right),
            Screen::Settings | Screen::Recordings => (Key::Up, Key::Down),
            Screen::Guide => {
                match key {
                    Key::Up => self.guide_row = self.guide_row.saturating_sub(1),
                    Key::Down => self.guide_row = step_up(self.guide_row, GUIDE_CHANNELS),
                    Key::Left => self.guide_col = self.guide_col.saturating_sub(1),
                    _ => self.guide_col = step_up(self.guide_col, GUIDE_SLOTS.len()),
                }
                return;
            }
            Screen::LiveTv | Screen::SettingsDetail(_) | Screen::AppSplash(_) => return,
        };
        let (focus, count) = match self.screen {
            Screen::Home => (&mut self.home_focus, HOME_TILES.len()),
            Screen::Apps => (&mut self.apps_focus, APPS.len()),
            Screen::Settings => (&mut self.settings_focus, SETTINGS_ITEMS.len()),
            _ => (&mut self.recordings_focus, RECORDINGS.len()),
        };
        if key == backward {
            *focus = focus.saturating_sub(1);
        } else if key == forward {
            *focus = step_up(*focus, count);
        }
    }

    fn activate(&mut self) -> NavEffect {
        match self.screen {
            Screen::Home => {
                let opened = match HOME_TILES[self.home_focus].id {
                    "live_tv" => Screen::LiveTv,
                    "guide" => Screen::Guide,
                    "settings" => Screen::Settings,
                    "apps" => Screen::Apps,
                    _ => Screen::Recordings,
                };
                self.enter(opened);
            }
            Screen::Settings => self.screen = Screen::SettingsDetail(self.settings_focus),
            Screen::Apps => self.screen = Screen::AppSplash(self.apps_focus),
            // OK on a guide cell tunes to that channel.
            Screen::Guide => {
                self.channel = self.guide_row;
                self.screen = Screen::LiveTv;
            }
            // OK while watching shows the channel info banner.
            Screen::LiveTv => return NavEffect::ShowChannelBanner,
            Screen::Recordings | Screen::SettingsDetail(_) | Screen::AppSplash(_) => {}
        }
        NavEffect::Nothing
    }

    /// Opens a screen from home, starting at its first entry.
    fn enter(&mut self, screen: Screen) {
        match screen {
            Screen::Settings => self.settings_focus = 0,
            Screen::Apps => self.apps_focus = 0,
            Screen::Recordings => self.recordings_focus = 0,
            Screen::Guide => (self.guide_row, self.guide_col) = (0, 0),
            _ => {}
        }
        self.screen = screen;
    }
}

/// Focus id of a guide cell, e.g. `guide/101/1900`.
pub(crate) fn guide_cell_id(row: usize, col: usize) -> String {
    format!(
        "guide/{}/{}",
        channel_number(row),
        GUIDE_SLOTS[col].replace(':', "")
    )
}

/// Moves an index one step forward, stopping at the last entry (no wrap).
fn step_up(index: usize, count: usize) -> usize {
    (index + 1).min(count.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_ids_are_unique() {
        let ids = all_screen_ids();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert!(ids.contains(&"settings/wifi".to_owned()));
        assert!(ids.contains(&"apps/streambox".to_owned()));
    }

    #[test]
    fn focus_is_clamped_without_wrapping() {
        let mut nav = Nav::at_home(0);
        nav.apply(Key::Left);
        assert_eq!(nav.focus_id().as_deref(), Some("live_tv"));
        for _ in 0..10 {
            nav.apply(Key::Right);
        }
        assert_eq!(nav.focus_id().as_deref(), Some("recordings"));
    }

    #[test]
    fn guide_ok_tunes_to_the_focused_row() {
        let mut nav = Nav::at_home(0);
        nav.home_focus = 1;
        nav.apply(Key::Ok);
        nav.apply(Key::Down);
        nav.apply(Key::Down);
        nav.apply(Key::Right);
        assert_eq!(nav.focus_id().as_deref(), Some("guide/103/1900"));
        nav.apply(Key::Ok);
        assert_eq!(nav.screen, Screen::LiveTv);
        assert_eq!(nav.channel, 2);
    }

    #[test]
    fn channel_keys_wrap() {
        let mut nav = Nav::at_home(0);
        nav.screen = Screen::LiveTv;
        assert_eq!(nav.apply(Key::ChannelDown), NavEffect::ShowChannelBanner);
        assert_eq!(nav.channel, CHANNEL_NAMES.len() - 1);
        nav.apply(Key::ChannelUp);
        assert_eq!(nav.channel, 0);
    }
}
