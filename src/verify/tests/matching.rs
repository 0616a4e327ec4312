//! Image matching: the shared synthetic cases, and the confirm pass.

use super::{case, cases};
use crate::verify::{MatchOptions, Reference, match_image};

fn options_for(c: &crate::verify::synthetic::MatchCase) -> MatchOptions {
    MatchOptions {
        region: c.region,
        ..MatchOptions::default()
    }
}

/// Matches one case and checks its verdict, and the position (±1 px) when it is expected.
fn check_case(c: &crate::verify::synthetic::MatchCase) {
    {
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
fn every_case_gives_the_expected_verdict_and_position() {
    for c in cases() {
        check_case(c);
    }
}

#[test]
fn a_colour_swapped_twin_next_to_the_original_is_not_taken_for_it() {
    let c = case("colour_twin_testcard");
    check_case(c);
    let reference = Reference::from_rgba(c.reference.clone()).expect("valid reference");
    assert!(reference.has_colour());
    // Searched where only the twin (46 px to the left) fits, the brightness pattern is found
    // and scores as well as the original, but the colours reject it.
    let twin_only = MatchOptions {
        region: Some(crate::verify::Region::new(170, 30, 140, 180)),
        ..MatchOptions::default()
    };
    let frame = &c.frame;
    let result = match_image(frame, &reference, &twin_only).expect("runs");
    assert!(!result.matched, "{result:?}");
    assert!(result.score >= 0.95, "same brightness pattern: {result:?}");
    assert_eq!((result.region.x, result.region.y), (182, 40));
    check_case(case("colour_only_difference_absent"));
}

#[test]
fn the_highlighted_tile_of_a_row_of_similar_tiles_is_found_where_it_is() {
    check_case(case("highlighted_in_row_720p"));
    check_case(case("highlight_moved_720p"));
    check_case(case("highlight_moved_away_720p"));
}

#[test]
fn a_focused_button_is_not_found_unfocused() {
    check_case(case("focused_button_720p"));
    check_case(case("unfocused_button_absent_720p"));
}

#[test]
fn tiny_icons_on_a_busy_picture_are_found_at_their_position() {
    for name in [
        "tiny_icon_16_720p",
        "tiny_icon_21_720p",
        "tiny_icon_32_720p",
        "tiny_icon_40_720p",
        "tiny_icon_48_720p",
        "tiny_icon_24_1080p",
        "icon_60_1080p",
    ] {
        check_case(case(name));
    }
}

#[test]
fn references_that_are_not_on_screen_are_absent() {
    for name in [
        "tiny_icon_absent_720p",
        "tiny_icon_absent_1080p",
        "other_screen_1080p",
        "tile_on_guide_absent_720p",
        "button_on_tiles_absent_720p",
        "guide_other_title_absent_720p",
        "title_absent_720p",
    ] {
        check_case(case(name));
    }
}

#[test]
fn text_masked_and_shifted_references_are_found_at_their_position() {
    for name in [
        "guide_title_720p",
        "guide_title_1080p",
        "masked_icon_720p",
        "shifted_crop_720p",
    ] {
        check_case(case(name));
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
