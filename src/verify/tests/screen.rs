//! Black screen, motion and freeze.

use std::time::Duration;

use image::{GrayImage, Luma, Rgb, RgbImage};

use super::solid;
use crate::verify::synthetic::{add_noise, fill_rect};
use crate::verify::{
    BlackOptions, FreezeDetector, MotionOptions, Region, VerifyError, detect_motion, is_black,
};

fn noisy_black(width: u32, height: u32) -> RgbImage {
    let mut frame = solid(width, height, [6, 6, 6]);
    add_noise(&mut frame, 5, 3);
    frame
}

#[test]
fn a_dark_noisy_frame_is_black() {
    let result = is_black(&noisy_black(1920, 1080), &BlackOptions::default()).expect("runs");
    assert!(result.black, "{result:?}");
    assert!(result.max_luma <= 20);
    assert_eq!(result.dark_fraction, 1.0);
}

#[test]
fn one_bright_pixel_breaks_strict_black_but_not_fraction_mode() {
    let mut frame = noisy_black(640, 360);
    frame.put_pixel(300, 200, Rgb([255, 255, 255]));
    let strict = is_black(&frame, &BlackOptions::default()).expect("runs");
    assert!(!strict.black);
    assert_eq!(strict.max_luma, 255);
    let tolerant = BlackOptions {
        min_dark_fraction: Some(0.99),
        ..BlackOptions::default()
    };
    assert!(is_black(&frame, &tolerant).expect("runs").black);
}

#[test]
fn black_threshold_and_region_are_honoured() {
    let mut frame = solid(200, 100, [30, 30, 30]);
    assert!(
        !is_black(&frame, &BlackOptions::default())
            .expect("runs")
            .black,
        "luma 30 > 20"
    );
    let lenient = BlackOptions {
        threshold: 30,
        ..BlackOptions::default()
    };
    assert!(
        is_black(&frame, &lenient).expect("runs").black,
        "luma 30 <= 30"
    );
    fill_rect(&mut frame, Region::new(0, 0, 50, 50), [0, 0, 0]);
    let corner = BlackOptions {
        region: Some(Region::new(0, 0, 50, 50)),
        ..BlackOptions::default()
    };
    let result = is_black(&frame, &corner).expect("runs");
    assert!(result.black);
    assert_eq!(result.region, Region::new(0, 0, 50, 50));
}

#[test]
fn bad_black_options_are_errors() {
    let frame = solid(10, 10, [0, 0, 0]);
    let bad = BlackOptions {
        min_dark_fraction: Some(1.5),
        ..BlackOptions::default()
    };
    assert!(matches!(
        is_black(&frame, &bad),
        Err(VerifyError::InvalidOption(_))
    ));
    let outside = BlackOptions {
        region: Some(Region::new(20, 20, 5, 5)),
        ..BlackOptions::default()
    };
    assert!(is_black(&frame, &outside).is_err());
    assert!(is_black(&RgbImage::new(0, 0), &BlackOptions::default()).is_err());
}

fn with_square(base: &RgbImage, x: u32, y: u32) -> RgbImage {
    let mut frame = base.clone();
    fill_rect(&mut frame, Region::new(x, y, 20, 20), [220, 200, 40]);
    frame
}

#[test]
fn a_moving_square_is_motion_and_noise_is_not() {
    let mut base = solid(1280, 720, [40, 60, 90]);
    add_noise(&mut base, 3, 1);
    let mut renoised = base.clone();
    add_noise(&mut renoised, 10, 2);
    let still = detect_motion(&base, &renoised, &MotionOptions::default()).expect("runs");
    assert!(!still.motion, "{still:?}");
    assert_eq!(still.region, None);

    let (a, b) = (with_square(&base, 100, 100), with_square(&base, 130, 100));
    let moved = detect_motion(&a, &b, &MotionOptions::default()).expect("runs");
    assert!(moved.motion);
    let region = moved.region.expect("a bounding box");
    assert!(
        region.intersect(&Region::new(100, 100, 50, 20)) == Some(region),
        "{region:?}"
    );
    assert!(moved.changed_fraction > 0.0 && moved.changed_fraction < 0.01);
}

#[test]
fn isolated_pixels_and_small_blobs_are_filtered() {
    let base = solid(320, 180, [40, 40, 40]);
    let mut speck = base.clone();
    speck.put_pixel(50, 50, Rgb([255, 255, 255]));
    assert!(
        !detect_motion(&base, &speck, &MotionOptions::default())
            .expect("runs")
            .motion,
        "eroded away"
    );
    let no_erosion = MotionOptions {
        erode: false,
        ..MotionOptions::default()
    };
    assert!(
        detect_motion(&base, &speck, &no_erosion)
            .expect("runs")
            .motion
    );

    let mut blob = base.clone();
    fill_rect(&mut blob, Region::new(10, 10, 6, 6), [255, 255, 255]);
    assert!(
        detect_motion(&base, &blob, &MotionOptions::default())
            .expect("runs")
            .motion
    );
    let big_only = MotionOptions {
        min_blob_pixels: 50,
        ..MotionOptions::default()
    };
    assert!(
        !detect_motion(&base, &blob, &big_only).expect("runs").motion,
        "a 6x6 blob erodes to 16 px"
    );
}

#[test]
fn motion_mask_and_region_are_honoured() {
    let base = solid(320, 180, [40, 40, 40]);
    let (a, b) = (with_square(&base, 10, 10), with_square(&base, 30, 10));
    let mut mask = GrayImage::from_pixel(320, 180, Luma([255]));
    for (x, y) in (0..80).flat_map(|x| (0..50).map(move |y| (x, y))) {
        mask.put_pixel(x, y, Luma([0]));
    }
    let masked = MotionOptions {
        mask: Some(mask),
        ..MotionOptions::default()
    };
    assert!(!detect_motion(&a, &b, &masked).expect("runs").motion);
    let elsewhere = MotionOptions {
        region: Some(Region::new(100, 100, 100, 50)),
        ..MotionOptions::default()
    };
    assert!(!detect_motion(&a, &b, &elsewhere).expect("runs").motion);
    let wrong_mask = MotionOptions {
        mask: Some(GrayImage::new(10, 10)),
        ..MotionOptions::default()
    };
    assert!(matches!(
        detect_motion(&a, &b, &wrong_mask),
        Err(VerifyError::InvalidOption(_))
    ));
    assert!(matches!(
        detect_motion(&a, &solid(10, 10, [0, 0, 0]), &MotionOptions::default()),
        Err(VerifyError::FrameSizeMismatch(..))
    ));
}

#[test]
fn freeze_is_reported_after_the_duration_without_motion() {
    let base = solid(160, 90, [50, 50, 50]);
    let mut detector = FreezeDetector::new(Duration::from_secs(2), MotionOptions::default());
    let at = Duration::from_millis;
    assert!(!detector.push(&base, at(0)).expect("runs").frozen);
    assert!(!detector.push(&base, at(1000)).expect("runs").frozen);
    let state = detector.push(&base, at(2000)).expect("runs");
    assert!(state.frozen);
    assert_eq!(state.still_ms, 2000.0);

    let moved = with_square(&base, 10, 10);
    let state = detector.push(&moved, at(2500)).expect("runs");
    assert!(!state.frozen && state.still_ms == 0.0);
    assert!(!detector.push(&moved, at(4000)).expect("runs").frozen);
    assert!(detector.push(&moved, at(4600)).expect("runs").frozen);

    // Time going backwards starts over instead of reporting nonsense.
    assert!(!detector.push(&moved, at(100)).expect("runs").frozen);
    detector.reset();
    assert!(!detector.push(&moved, at(9000)).expect("runs").frozen);
}

#[test]
fn a_slow_fade_counts_as_motion() {
    let mut detector = FreezeDetector::new(Duration::from_secs(1), MotionOptions::default());
    for step in 0..10u8 {
        // 10 levels per frame: under the noise threshold frame to frame, but it adds up.
        let frame = solid(64, 64, [100 + step * 10, 100, 100]);
        let state = detector
            .push(&frame, Duration::from_millis(u64::from(step) * 300))
            .expect("runs");
        assert!(!state.frozen, "step {step}: {state:?}");
    }
}
