//! Image matching: the shared synthetic cases, and the confirm pass.

use super::{case, cases};
use crate::verify::{MatchOptions, Reference, match_image};

fn options_for(c: &crate::verify::synthetic::MatchCase) -> MatchOptions {
    MatchOptions {
        region: c.region,
        ..MatchOptions::default()
    }
}

#[test]
fn every_case_gives_the_expected_verdict_and_position() {
    for c in cases() {
        let reference = Reference::from_rgba(c.reference.clone()).expect("valid reference");
        let result = match_image(&c.frame, &reference, &options_for(c)).expect("match runs");
        match c.expected {
            Some(expected) => {
                assert!(result.matched, "{}: not found: {result:?}", c.name);
                assert!(
                    result.region.x.abs_diff(expected.x) <= 1
                        && result.region.y.abs_diff(expected.y) <= 1,
                    "{}: found at {:?}, expected {:?}",
                    c.name,
                    result.region,
                    expected
                );
                assert_eq!(
                    (result.region.width, result.region.height),
                    (expected.width, expected.height)
                );
            }
            None => assert!(!result.matched, "{}: unexpected match {result:?}", c.name),
        }
        if let Some(area) = c.region {
            assert!(
                result.region.x >= area.x && result.region.right() <= area.right(),
                "{}",
                c.name
            );
            assert!(
                result.region.y >= area.y && result.region.bottom() <= area.bottom(),
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn confirm_pass_rejects_a_dark_look_alike_that_correlation_accepts() {
    let c = case("dark_icon_false_positive_720p");
    let reference = Reference::from_rgba(c.reference.clone()).expect("valid reference");
    let result = match_image(&c.frame, &reference, &MatchOptions::default()).expect("match runs");
    assert!(
        result.score >= MatchOptions::default().threshold,
        "{result:?}"
    );
    let confirm = result
        .confirm_score
        .expect("confirm computed when the score passes");
    assert!(
        confirm < MatchOptions::default().confirm_threshold,
        "{result:?}"
    );
    assert!(!result.matched);
}

#[test]
fn the_real_dark_icon_passes_the_confirm_pass() {
    let c = case("dark_icon_720p");
    let reference = Reference::from_rgba(c.reference.clone()).expect("valid reference");
    let result = match_image(&c.frame, &reference, &MatchOptions::default()).expect("match runs");
    assert!(result.matched, "{result:?}");
    assert!(result.confirm_score.is_some_and(|s| s > 0.9), "{result:?}");
}

#[test]
fn transparent_pixels_are_ignored() {
    let c = case("masked_logo_720p");
    let masked = Reference::from_rgba(c.reference.clone()).expect("valid reference");
    assert!(masked.is_masked());
    assert!(
        match_image(&c.frame, &masked, &MatchOptions::default())
            .expect("runs")
            .matched
    );

    // The same pixels made opaque include the old backdrop, which this frame does not have.
    let mut opaque = c.reference.clone();
    opaque.pixels_mut().for_each(|p| p.0[3] = 255);
    let opaque = Reference::from_rgba(opaque).expect("valid reference");
    assert!(
        !match_image(&c.frame, &opaque, &MatchOptions::default())
            .expect("runs")
            .matched
    );
}

#[test]
fn the_result_reports_what_was_done() {
    let c = case("tile_720p");
    let reference = Reference::from_rgba(c.reference.clone()).expect("valid reference");
    let result = match_image(&c.frame, &reference, &MatchOptions::default()).expect("runs");
    assert!(result.ms > 0.0);
    assert!(
        result.pyramid_level >= 2,
        "a 165x140 reference is searched coarsely first"
    );
    assert!(result.first_pass_score > 0.5 && result.first_pass_score <= 1.0);
    assert_eq!(result.search_area, crate::verify::Region::full(1280, 720));
    let json = serde_json::to_value(&result).expect("serialises");
    for key in [
        "matched",
        "score",
        "region",
        "ms",
        "first_pass_score",
        "confirm_score",
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
}
