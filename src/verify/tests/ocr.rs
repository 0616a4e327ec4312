//! Reading text with Tesseract.

use image::RgbImage;

use super::{font, hd_frame, solid};
use crate::verify::synthetic::{UiScene, draw_text};
use crate::verify::{
    OcrOptions, PageSegMode, Region, VerifyError, installed_languages, match_text, ocr,
};

/// A 300x60 dark label with one light word, like a TV menu item.
fn label(text: &str) -> RgbImage {
    let mut frame = solid(300, 60, [20, 24, 40]);
    draw_text(&mut frame, font(), text, 20.0, 14.0, 28.0, [235, 235, 235]);
    frame
}

#[test]
fn reads_a_rendered_word() {
    let result = ocr(&label("Settings"), &OcrOptions::default()).expect("OCR runs");
    assert_eq!(result.text.trim(), "Settings", "{result:?}");
    let word = result.words.first().expect("one word");
    assert!(
        word.region.x.abs_diff(20) <= 4 && word.region.width > 80,
        "{word:?}"
    );
}

#[test]
fn expected_text_alternatives_ignore_case_and_punctuation() {
    let frame = label("Settings");
    let result =
        match_text(&frame, "Einstellungen|SETTINGS", &OcrOptions::default()).expect("runs");
    assert!(result.matched, "{result:?}");
    assert_eq!(result.matched_text.as_deref(), Some("SETTINGS"));
    let region = result.region.expect("matched words have a region");
    assert!(region.x.abs_diff(20) <= 4 && region.y < 30, "{region:?}");
    assert!(
        match_text(&frame, "set-tings!", &OcrOptions::default())
            .expect("runs")
            .matched
    );
    let other = match_text(&frame, "Movies", &OcrOptions::default()).expect("runs");
    assert!(!other.matched && other.region.is_none());
}

#[test]
fn reads_a_region_of_a_full_frame() {
    let scene = UiScene::new(1280, 720);
    let options = OcrOptions {
        region: Some(scene.tile_label(3)),
        ..OcrOptions::default()
    };
    let result = match_text(hd_frame(), "Settings", &options).expect("runs");
    assert!(result.matched, "{result:?}");
    let area = scene.tile_label(3);
    let found = result.region.expect("region");
    assert!(
        found.x >= area.x && found.right() <= area.right() + 1,
        "{found:?} in {area:?}"
    );
}

#[test]
fn whitelist_and_mode_are_applied() {
    let mut frame = solid(200, 50, [240, 240, 240]);
    draw_text(&mut frame, font(), "12:45", 20.0, 10.0, 28.0, [10, 10, 10]);
    let options = OcrOptions {
        mode: PageSegMode::SingleLine,
        char_whitelist: Some("0123456789:".to_string()),
        ..OcrOptions::default()
    };
    assert_eq!(ocr(&frame, &options).expect("runs").text.trim(), "12:45");
}

#[test]
fn unknown_languages_are_refused_with_the_installed_list() {
    assert!(installed_languages().contains(&"eng".to_string()));
    let options = OcrOptions {
        lang: "klingon".to_string(),
        ..OcrOptions::default()
    };
    match ocr(&label("x"), &options) {
        Err(VerifyError::UnknownLanguage {
            requested,
            installed,
        }) => {
            assert_eq!(requested, "klingon");
            assert!(installed.contains(&"eng".to_string()));
        }
        other => panic!("expected UnknownLanguage, got {other:?}"),
    }
    let nul = OcrOptions {
        lang: "eng\0".to_string(),
        ..OcrOptions::default()
    };
    assert!(ocr(&label("x"), &nul).is_err());
}

#[test]
fn bad_ocr_input_is_an_error() {
    assert!(match_text(&label("x"), "|", &OcrOptions::default()).is_err());
    let outside = OcrOptions {
        region: Some(Region::new(400, 0, 10, 10)),
        ..OcrOptions::default()
    };
    assert!(ocr(&label("x"), &outside).is_err());
    let bad_scale = OcrOptions {
        scale: Some(0.0),
        ..OcrOptions::default()
    };
    assert!(ocr(&label("x"), &bad_scale).is_err());
}

#[test]
fn threads_share_a_bounded_pool_of_engines() {
    let frame = label("Settings");
    let threads = 3 * crate::verify::ocr_pool_stats().limit;
    std::thread::scope(|scope| {
        let reads: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| ocr(&frame, &OcrOptions::default())))
            .collect();
        for read in reads {
            let result = read.join().expect("no panic").expect("OCR runs");
            assert_eq!(result.text.trim(), "Settings");
        }
    });
    let stats = crate::verify::ocr_pool_stats();
    assert!(stats.engines >= 1, "{stats:?}");
    assert!(stats.engines <= stats.limit, "{stats:?}");
    assert!(stats.idle <= stats.engines, "{stats:?}");
    // The pool's memory figure for docs/verification.md (`-- --nocapture` shows it).
    eprintln!("OCR engine pool: {stats:?}");
}
