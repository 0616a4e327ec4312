//! Power, boot and fault-injection behaviour.

use super::tests::{focus, ms, press_all, screen};
use super::{BOOT_DURATION, KeyOutcome, SimError, SimFaults, SimStb};

#[test]
fn power_off_shows_black_and_ignores_keys_then_boots_to_home() {
    let mut sim = SimStb::new(1);
    press_all(&mut sim, &["RIGHT", "OK", "POWER"], ms(0));
    assert!(!sim.is_powered());
    assert_eq!(screen(&sim), "off");
    let frame = sim.render(ms(10)).expect("black frame");
    assert!(frame.as_raw().iter().all(|&byte| byte == 0));
    assert_eq!(sim.press("OK", ms(20)), Ok(KeyOutcome::IgnoredPoweredOff));
    assert_eq!(sim.item_rect("live_tv"), None);

    press_all(&mut sim, &["POWER"], ms(1000));
    let state = sim.ground_truth();
    assert!(state.powered && state.booting);
    assert_eq!(state.screen, "boot");
    assert_eq!(sim.press("OK", ms(1100)), Ok(KeyOutcome::IgnoredBooting));
    let logo = sim.render(ms(1100)).expect("boot logo");
    let progress = sim.render(ms(2500)).expect("boot progress");
    assert_ne!(*logo, *progress);
    sim.advance(ms(1000) + BOOT_DURATION - ms(1));
    assert!(sim.ground_truth().booting);
    sim.advance(ms(1000) + BOOT_DURATION);
    assert_eq!(screen(&sim), "home");
    assert_eq!(focus(&sim).as_deref(), Some("live_tv"));
    assert_eq!(sim.ground_truth().keys_received, 6);
}

#[test]
fn set_power_is_idempotent() {
    let mut sim = SimStb::new(1);
    sim.set_power(true, ms(0));
    assert!(!sim.ground_truth().booting, "already on: no reboot");
    sim.set_power(false, ms(0));
    sim.set_power(false, ms(10));
    assert!(!sim.is_powered());
    sim.set_power(true, ms(20));
    sim.set_power(true, ms(30));
    sim.advance(ms(20) + BOOT_DURATION);
    assert_eq!(screen(&sim), "home");
}

#[test]
fn freeze_stops_frames_but_not_state() {
    let mut sim = SimStb::new(1);
    let before = sim.render(ms(0)).expect("first frame");
    let faults = SimFaults {
        freeze: true,
        ..SimFaults::default()
    };
    sim.set_faults(faults).expect("valid faults");
    press_all(&mut sim, &["OK"], ms(10));
    assert!(sim.render(ms(20)).is_none());
    assert!(sim.render(ms(60)).is_none());
    assert_eq!(*sim.current_frame(ms(80)), *before);
    assert_eq!(screen(&sim), "live_tv");
    sim.set_faults(SimFaults::default()).expect("valid faults");
    assert!(sim.render(ms(100)).is_some());
}

#[test]
fn black_and_no_signal_faults() {
    let mut sim = SimStb::new(1);
    sim.render(ms(0));
    sim.set_faults(SimFaults {
        black: true,
        ..SimFaults::default()
    })
    .expect("valid faults");
    let frame = sim.render(ms(10)).expect("black frame");
    assert!(frame.as_raw().iter().all(|&byte| byte == 0));
    assert!(sim.has_signal());
    assert!(sim.render(ms(20)).is_none(), "black stays idle");

    sim.set_faults(SimFaults {
        no_signal: true,
        ..SimFaults::default()
    })
    .expect("valid faults");
    assert!(!sim.has_signal());
    assert!(sim.ground_truth().faults.no_signal);
}

#[test]
fn drop_probability_extremes() {
    let mut sim = SimStb::new(7);
    sim.set_faults(SimFaults {
        drop_key_probability: 1.0,
        ..SimFaults::default()
    })
    .expect("valid");
    for _ in 0..20 {
        assert_eq!(sim.press("RIGHT", ms(0)), Ok(KeyOutcome::Dropped));
    }
    let state = sim.ground_truth();
    assert_eq!((state.keys_dropped, state.keys_received), (20, 0));
    assert_eq!(state.focus.as_deref(), Some("live_tv"));

    sim.set_faults(SimFaults::default()).expect("valid");
    for _ in 0..20 {
        assert_eq!(sim.press("LEFT", ms(0)), Ok(KeyOutcome::Applied));
    }
    assert_eq!(sim.ground_truth().keys_received, 20);
}

#[test]
fn drops_are_reproducible_for_a_seed() {
    let outcomes = |seed| {
        let mut sim = SimStb::new(seed);
        sim.set_faults(SimFaults {
            drop_key_probability: 0.5,
            ..SimFaults::default()
        })
        .expect("valid");
        (0..64)
            .map(|_| sim.press("LEFT", ms(0)))
            .collect::<Vec<_>>()
    };
    let first = outcomes(42);
    assert_eq!(first, outcomes(42));
    assert!(first.contains(&Ok(KeyOutcome::Dropped)) && first.contains(&Ok(KeyOutcome::Applied)));
}

#[test]
fn invalid_faults_are_rejected() {
    let mut sim = SimStb::new(1);
    for probability in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
        let faults = SimFaults {
            drop_key_probability: probability,
            ..SimFaults::default()
        };
        assert!(
            matches!(sim.set_faults(faults), Err(SimError::InvalidFault(_))),
            "{probability}"
        );
    }
    let faults = SimFaults {
        transition_delay_ms: 3_600_000,
        ..SimFaults::default()
    };
    assert!(matches!(
        sim.set_faults(faults),
        Err(SimError::InvalidFault(_))
    ));
    assert_eq!(
        sim.faults(),
        &SimFaults::default(),
        "rejected faults are not applied"
    );
}

#[test]
fn transition_delay_defers_the_visible_screen() {
    let mut sim = SimStb::new(1);
    sim.set_faults(SimFaults {
        transition_delay_ms: 500,
        ..SimFaults::default()
    })
    .expect("valid");
    press_all(&mut sim, &["RIGHT", "RIGHT"], ms(0));
    assert_eq!(
        focus(&sim).as_deref(),
        Some("settings"),
        "focus moves are immediate"
    );
    press_all(&mut sim, &["OK"], ms(1000));
    let state = sim.ground_truth();
    assert_eq!(
        (state.screen.as_str(), state.transition_pending),
        ("home", true)
    );
    press_all(&mut sim, &["DOWN"], ms(1200));
    sim.advance(ms(1499));
    assert_eq!(screen(&sim), "home");
    sim.advance(ms(1500));
    assert_eq!(screen(&sim), "settings");
    assert_eq!(
        focus(&sim).as_deref(),
        Some("settings/wifi"),
        "queued focus move shows up"
    );
}
