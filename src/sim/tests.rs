use std::collections::HashSet;
use std::time::Duration;

use image::RgbImage;

use super::{KEYS, KeyOutcome, SimError, SimFaults, SimStb};

pub(super) fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

pub(super) fn press_all(sim: &mut SimStb, keys: &[&str], now: Duration) {
    for key in keys {
        assert_eq!(
            sim.press(key, now),
            Ok(KeyOutcome::Applied),
            "pressing {key}"
        );
    }
}

pub(super) fn screen(sim: &SimStb) -> String {
    sim.ground_truth().screen
}

pub(super) fn focus(sim: &SimStb) -> Option<String> {
    sim.ground_truth().focus
}

fn crop(image: &RgbImage, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<u8> {
    image::imageops::crop_imm(image, x, y, w, h)
        .to_image()
        .into_raw()
}

#[test]
fn starts_powered_on_at_home() {
    let sim = SimStb::new(1);
    let state = sim.ground_truth();
    assert!(state.powered && !state.booting);
    assert_eq!(state.screen, "home");
    assert_eq!(state.focus.as_deref(), Some("live_tv"));
    assert_eq!(state.channel, None);
    assert!(sim.has_signal());
}

#[test]
fn settings_round_trip_returns_to_home() {
    let mut sim = SimStb::new(1);
    press_all(&mut sim, &["RIGHT", "RIGHT", "OK"], ms(0));
    assert_eq!(screen(&sim), "settings");
    assert_eq!(focus(&sim).as_deref(), Some("settings/network"));
    press_all(&mut sim, &["DOWN", "OK"], ms(0));
    assert_eq!(screen(&sim), "settings/wifi");
    assert_eq!(focus(&sim), None);
    press_all(&mut sim, &["BACK"], ms(0));
    assert_eq!(screen(&sim), "settings");
    assert_eq!(focus(&sim).as_deref(), Some("settings/wifi"));
    press_all(&mut sim, &["BACK"], ms(0));
    assert_eq!(screen(&sim), "home");
    assert_eq!(focus(&sim).as_deref(), Some("settings"));
    press_all(&mut sim, &["BACK"], ms(0));
    assert_eq!(screen(&sim), "home", "BACK on home does nothing");
}

#[test]
fn home_and_menu_return_home_keeping_focus() {
    let mut sim = SimStb::new(1);
    press_all(
        &mut sim,
        &["RIGHT", "RIGHT", "RIGHT", "OK", "RIGHT", "OK"],
        ms(0),
    );
    assert_eq!(screen(&sim), "apps/kids");
    press_all(&mut sim, &["HOME"], ms(0));
    assert_eq!(screen(&sim), "home");
    assert_eq!(focus(&sim).as_deref(), Some("apps"));
    press_all(&mut sim, &["OK", "MENU"], ms(0));
    assert_eq!(screen(&sim), "home");
}

#[test]
fn guide_and_recordings_move_focus() {
    let mut sim = SimStb::new(1);
    press_all(
        &mut sim,
        &["RIGHT", "OK", "DOWN", "RIGHT", "RIGHT", "RIGHT"],
        ms(0),
    );
    assert_eq!(focus(&sim).as_deref(), Some("guide/102/2000"));
    press_all(&mut sim, &["OK"], ms(0));
    assert_eq!(sim.ground_truth().channel, Some(102));
    press_all(
        &mut sim,
        &["HOME", "RIGHT", "RIGHT", "RIGHT", "OK", "DOWN", "DOWN"],
        ms(0),
    );
    assert_eq!(screen(&sim), "recordings");
    assert_eq!(focus(&sim).as_deref(), Some("recordings/late_night_talk"));
}

#[test]
fn focus_move_changes_pixels_inside_both_tiles_only() {
    let mut sim = SimStb::new(1);
    let before = sim.render(ms(0)).expect("first render yields a frame");
    let live_rect = sim.item_rect("live_tv").expect("live_tv tile is on home");
    let guide_rect = sim.item_rect("guide").expect("guide tile is on home");
    let apps_rect = sim.item_rect("apps").expect("apps tile is on home");
    press_all(&mut sim, &["RIGHT"], ms(10));
    let after = sim.render(ms(20)).expect("focus move yields a frame");
    assert_ne!(crop(&before, live_rect), crop(&after, live_rect));
    assert_ne!(crop(&before, guide_rect), crop(&after, guide_rect));
    assert_eq!(crop(&before, apps_rect), crop(&after, apps_rect));
    assert_eq!(
        sim.item_rect("settings/wifi"),
        None,
        "not on the visible screen"
    );
}

#[test]
fn label_rects_hold_the_label_text_inside_the_item() {
    let mut sim = SimStb::new(1);
    let frame = sim.current_frame(ms(0));
    for id in ["live_tv", "recordings"] {
        let (x, y, w, h) = sim.item_rect(id).expect("tile on home");
        let label = sim.label_rect(id).expect("tile on home");
        assert!(
            label.0 >= x && label.1 >= y,
            "{id}: label starts inside the item"
        );
        assert!(
            label.0 + label.2 <= x + w && label.1 + label.3 <= y + h,
            "{id}: label ends inside"
        );
        let pixels = crop(&frame, label);
        let distinct: HashSet<&[u8]> = pixels.chunks_exact(3).collect();
        assert!(
            distinct.len() > 8,
            "{id}: label area should hold anti-aliased text"
        );
    }
    assert_eq!(sim.label_rect("settings/wifi"), None);
}

#[test]
fn simulator_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<SimStb>();
}

#[test]
fn idle_static_screen_renders_nothing_new() {
    let mut sim = SimStb::new(1);
    let first = sim.render(ms(0)).expect("first render yields a frame");
    assert!(sim.render(ms(40)).is_none());
    assert!(sim.render(ms(10_000)).is_none());
    assert_eq!(*sim.current_frame(ms(10_040)), *first);
    assert!(
        sim.render(ms(10_080)).is_none(),
        "current_frame does not consume changes"
    );
}

#[test]
fn live_tv_moves_and_shows_a_timed_banner() {
    let mut sim = SimStb::new(1);
    press_all(&mut sim, &["OK"], ms(1000));
    let state = sim.ground_truth();
    assert_eq!(
        (state.screen.as_str(), state.channel),
        ("live_tv", Some(101))
    );
    assert_eq!(state.channel_name.as_deref(), Some("vpt News"));
    assert_eq!(state.overlays, ["channel_banner"]);
    let first = sim.render(ms(1000)).expect("live frame");
    let second = sim.render(ms(1040)).expect("next live frame");
    assert_ne!(*first, *second);
    sim.advance(ms(4000));
    assert!(
        sim.ground_truth().overlays.is_empty(),
        "banner hides after 3 s"
    );
}

#[test]
fn channel_keys_wrap_and_digits_tune() {
    let mut sim = SimStb::new(1);
    press_all(&mut sim, &["OK", "CHANNEL_DOWN"], ms(0));
    assert_eq!(sim.ground_truth().channel, Some(110));
    press_all(&mut sim, &["CHANNEL_UP", "CHANNEL_UP"], ms(0));
    assert_eq!(sim.ground_truth().channel, Some(102));

    press_all(&mut sim, &["1", "0", "5"], ms(5000));
    assert_eq!(sim.ground_truth().overlays, ["channel_entry"]);
    sim.advance(ms(6400));
    assert_eq!(
        sim.ground_truth().channel,
        Some(102),
        "not applied before the timeout"
    );
    sim.advance(ms(6500));
    assert_eq!(sim.ground_truth().channel, Some(105));

    press_all(&mut sim, &["1", "0", "8", "OK"], ms(7000));
    assert_eq!(sim.ground_truth().channel, Some(108), "OK applies at once");
    press_all(&mut sim, &["9", "9"], ms(8000));
    sim.advance(ms(10_000));
    assert_eq!(
        sim.ground_truth().channel,
        Some(108),
        "unknown numbers are discarded"
    );
}

#[test]
fn volume_keys_show_a_timed_bar_without_changing_screen() {
    let mut sim = SimStb::new(1);
    sim.render(ms(0));
    press_all(&mut sim, &["VOLUME_UP"], ms(100));
    let state = sim.ground_truth();
    assert_eq!(
        (state.volume, state.muted, state.screen.as_str()),
        (35, false, "home")
    );
    assert_eq!(state.overlays, ["volume"]);
    assert!(sim.render(ms(100)).is_some());
    press_all(&mut sim, &["MUTE"], ms(200));
    assert!(sim.ground_truth().muted);
    assert!(sim.render(ms(200)).is_some());
    assert!(
        sim.render(ms(2100)).is_none(),
        "bar unchanged until 2 s after the last key"
    );
    assert!(
        sim.render(ms(2300)).is_some(),
        "hiding the bar changes the picture"
    );
    assert!(sim.ground_truth().overlays.is_empty());
}

#[test]
fn unknown_keys_are_errors() {
    let mut sim = SimStb::new(1);
    for key in ["up", "ENTER", "", "10"] {
        assert_eq!(
            sim.press(key, ms(0)),
            Err(SimError::UnknownKey(key.to_owned()))
        );
    }
    assert_eq!(sim.ground_truth().keys_received, 0);
    assert!(
        KEYS.iter()
            .all(|key| SimStb::new(1).press(key, ms(0)).is_ok())
    );
}

#[test]
fn faults_and_state_serialize() {
    let faults: SimFaults =
        serde_json::from_str(r#"{"black":true}"#).expect("partial faults parse");
    assert!(faults.black && !faults.freeze);
    assert_eq!(faults.drop_key_probability, 0.0);
    let typo = serde_json::from_str::<SimFaults>(r#"{"blak":true}"#);
    assert!(typo.is_err(), "misspelt fault names are rejected");
    let json = serde_json::to_value(SimStb::new(1).ground_truth()).expect("state serializes");
    assert_eq!(json["screen"], "home");
    assert_eq!(json["faults"]["transition_delay_ms"], 0);
    let outcome = serde_json::to_value(KeyOutcome::IgnoredPoweredOff).expect("outcome serializes");
    assert_eq!(outcome, "ignored_powered_off");
}
