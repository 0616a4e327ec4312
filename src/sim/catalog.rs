//! Static content shown by the simulated set-top box: menu entries, channels,
//! programmes, apps and recordings. Ids are stable because tests and navigation
//! trees use them as ground truth.

/// A selectable entry with a stable id and the label drawn on screen.
pub(crate) struct Entry {
    pub id: &'static str,
    pub label: &'static str,
    /// A short line shown next to or below the entry when it is focused.
    pub blurb: &'static str,
}

const fn entry(id: &'static str, label: &'static str, blurb: &'static str) -> Entry {
    Entry { id, label, blurb }
}

/// Tiles on the home screen; each id is also the id of the screen it opens.
pub(crate) const HOME_TILES: &[Entry] = &[
    entry("live_tv", "Live TV", "Watch live channels"),
    entry("guide", "Guide", "See what is on tonight"),
    entry("settings", "Settings", "Network, display and more"),
    entry("apps", "Apps", "Streaming and more apps"),
    entry("recordings", "Recordings", "Your recorded shows"),
];

/// Entries of the settings list; the detail screen id is `settings/<id>`.
pub(crate) const SETTINGS_ITEMS: &[Entry] = &[
    entry("network", "Network", "Ethernet connected"),
    entry("wifi", "Wi-Fi", "Connected to vpt-lab"),
    entry("display", "Display", "1280x720 at 50 Hz"),
    entry("audio", "Audio", "Stereo, PCM output"),
    entry("parental_control", "Parental Control", "PIN lock is off"),
    entry("system_info", "System Info", "Firmware 4.2.1"),
];

/// Static value lines of each settings detail screen, in [`SETTINGS_ITEMS`] order.
pub(crate) const SETTINGS_DETAILS: &[&[&str]] = &[
    &[
        "Connection: Ethernet",
        "Status: Connected",
        "IP address: 192.168.50.23",
        "Gateway: 192.168.50.1",
    ],
    &[
        "Wi-Fi: Connected",
        "SSID: vpt-lab",
        "Signal: 78%",
        "Security: WPA2",
    ],
    &[
        "Resolution: 1280x720",
        "Refresh rate: 50 Hz",
        "HDR: Off",
        "Aspect ratio: 16:9",
    ],
    &[
        "Output: Stereo",
        "Format: PCM",
        "Audio delay: 0 ms",
        "Dialogue boost: On",
    ],
    &[
        "PIN lock: Off",
        "Age rating: 12+",
        "Purchase PIN: On",
        "Locked channels: 0",
    ],
    &[
        "Model: vpt demo STB",
        "Firmware: 4.2.1",
        "Serial: VPT-0000-4242",
        "Uptime: stable",
    ],
];

/// Live channels in channel-number order; numbers start at [`FIRST_CHANNEL`].
pub(crate) const CHANNEL_NAMES: &[&str] = &[
    "vpt News",
    "vpt Sports",
    "vpt Movies",
    "vpt Kids",
    "vpt Music",
    "Nature HD",
    "Cooking Now",
    "Travel One",
    "Science Plus",
    "Retro TV",
];

/// Number of the first channel; channels are numbered consecutively from here.
pub(crate) const FIRST_CHANNEL: u32 = 101;

/// The channel number shown for a channel index.
pub(crate) fn channel_number(index: usize) -> u32 {
    // The channel list is tiny, so the index always fits in a u32.
    FIRST_CHANNEL + index as u32
}

/// The channel index for a typed channel number, if such a channel exists.
pub(crate) fn channel_index(number: u32) -> Option<usize> {
    let index = usize::try_from(number.checked_sub(FIRST_CHANNEL)?).ok()?;
    (index < CHANNEL_NAMES.len()).then_some(index)
}

/// Column headings of the programme guide (fixed times: the guide has no clock).
pub(crate) const GUIDE_SLOTS: &[&str] = &["18:00", "19:00", "20:00"];

/// Number of channels (from the first) listed in the programme guide.
pub(crate) const GUIDE_CHANNELS: usize = 6;

/// Programme titles: one row per channel, one column per guide slot. The
/// first column is what the channel banner shows as "Now".
pub(crate) const PROGRAMMES: &[[&str; 3]] = &[
    ["Evening News", "World Report", "Weather Now"],
    ["Cup Final", "Match Review", "Golf Today"],
    ["Space Quest", "Night Drive", "Old Harbour"],
    ["Tiny Trains", "Puzzle Pals", "Bedtime Tales"],
    ["Top Forty", "Live Session", "Jazz Hour"],
    ["Wild Rivers", "Ocean Giants", "Desert Life"],
    ["Pasta Night", "Bake Off Cup", "Street Food"],
    ["Island Hop", "Rail Journeys", "City Breaks"],
    ["Star Stories", "Lab Rats", "Deep Time"],
    ["Classic Cops", "Sitcom Gold", "Late Movie"],
];

/// Apps on the apps screen; the splash screen id is `apps/<id>`.
pub(crate) const APPS: &[Entry] = &[
    entry("streambox", "StreamBox", "Films and series"),
    entry("kids", "Kids", "Cartoons and games"),
    entry("music", "Music", "Radio and playlists"),
    entry("weather", "Weather", "Local forecast"),
    entry("browser", "Browser", "Browse the web"),
];

/// Recordings list; focus ids are `recordings/<id>`.
pub(crate) const RECORDINGS: &[Entry] = &[
    entry("ocean_giants", "Ocean Giants", "Nature HD - 58 min"),
    entry("cup_final", "Cup Final Highlights", "vpt Sports - 45 min"),
    entry("late_night_talk", "Late Night Talk", "vpt News - 52 min"),
    entry("mountain_rescue", "Mountain Rescue", "Travel One - 44 min"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_numbers_round_trip() {
        for index in 0..CHANNEL_NAMES.len() {
            assert_eq!(channel_index(channel_number(index)), Some(index));
        }
        assert_eq!(channel_index(100), None);
        assert_eq!(channel_index(111), None);
        assert_eq!(channel_index(0), None);
    }

    #[test]
    fn tables_line_up() {
        assert_eq!(SETTINGS_DETAILS.len(), SETTINGS_ITEMS.len());
        assert_eq!(PROGRAMMES.len(), CHANNEL_NAMES.len());
        assert!(GUIDE_CHANNELS <= CHANNEL_NAMES.len());
        assert!(PROGRAMMES.iter().all(|row| row.len() == GUIDE_SLOTS.len()));
    }
}
