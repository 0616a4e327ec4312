//! Image matching: options, bad input, scaling, colour, several matches, annotation.

use image::{Rgb, RgbaImage, imageops};

use super::{font, hd_frame, solid};
use crate::verify::synthetic::{UiScene, crop_reference};
use crate::verify::{
    Annotation, MatchOptions, Reference, Region, VerifyError, annotate, match_all, match_image,
};

fn tile_reference(index: usize) -> (Reference, Region) {
    let scene = UiScene::new(1280, 720);
    let tile = scene.tile(index);
    (
        Reference::from_rgba(crop_reference(hd_frame(), tile)).expect("valid"),
        tile,
    )
}

#[test]
fn a_reference_larger_than_the_frame_or_region_is_an_error() {
    let frame = solid(100, 80, [10, 10, 10]);
    let big = Reference::from_rgba(RgbaImage::from_pixel(120, 40, image::Rgba([1, 2, 3, 255])))
        .expect("valid");
    let err = match_image(&frame, &big, &MatchOptions::default()).expect_err("too large");
    assert!(
        matches!(err, VerifyError::ReferenceTooLarge { .. }),
        "{err}"
    );
    assert_eq!(err.code(), "reference_too_large");

    let small = Reference::from_rgba(RgbaImage::from_pixel(30, 30, image::Rgba([9, 9, 9, 255])))
        .expect("valid");
    let options = MatchOptions {
        region: Some(Region::new(0, 0, 20, 80)),
        ..MatchOptions::default()
    };
    assert!(matches!(
        match_image(&frame, &small, &options),
        Err(VerifyError::ReferenceTooLarge { .. })
    ));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let frame = solid(64, 64, [0, 0, 0]);
    let transparent = RgbaImage::new(8, 8);
    assert_eq!(
        Reference::from_rgba(transparent).err(),
        Some(VerifyError::FullyTransparentReference)
    );
    assert_eq!(
        Reference::from_rgba(RgbaImage::new(0, 5)).err(),
        Some(VerifyError::EmptyImage)
    );

    let reference = Reference::from_rgba(RgbaImage::from_pixel(8, 8, image::Rgba([0, 0, 0, 255])))
        .expect("valid");
    let bad_threshold = MatchOptions {
        threshold: 1.5,
        ..MatchOptions::default()
    };
    assert!(matches!(
        match_image(&frame, &reference, &bad_threshold),
        Err(VerifyError::InvalidOption(_))
    ));
    let nan = MatchOptions {
        confirm_threshold: f64::NAN,
        ..MatchOptions::default()
    };
    assert!(matches!(
        match_image(&frame, &reference, &nan),
        Err(VerifyError::InvalidOption(_))
    ));
    let outside = MatchOptions {
        region: Some(Region::new(100, 100, 10, 10)),
        ..MatchOptions::default()
    };
    assert!(matches!(
        match_image(&frame, &reference, &outside),
        Err(VerifyError::RegionOutsideFrame(..))
    ));
    let empty_frame = image::RgbImage::new(0, 0);
    assert!(match_image(&empty_frame, &reference, &MatchOptions::default()).is_err());
    assert!(Reference::open("/nonexistent/ref.png").is_err());
}

#[test]
fn a_region_sticking_out_of_the_frame_is_clipped() {
    let (reference, tile) = tile_reference(5);
    let options = MatchOptions {
        region: Some(Region::new(tile.x - 30, tile.y - 30, 4000, 4000)),
        ..MatchOptions::default()
    };
    let result = match_image(hd_frame(), &reference, &options).expect("runs");
    assert!(result.matched);
    assert_eq!(
        result.search_area,
        Region::new(
            tile.x - 30,
            tile.y - 30,
            1280 - tile.x + 30,
            720 - tile.y + 30
        )
    );
}

#[test]
fn a_reference_from_a_720p_frame_is_scaled_for_a_1080p_frame() {
    let scene = UiScene::new(1920, 1080);
    let frame = scene.render(font());
    let (reference, tile) = tile_reference(1);
    let unscaled = match_image(&frame, &reference, &MatchOptions::default()).expect("runs");
    assert!(
        !unscaled.matched,
        "a 720p crop does not match 1080p pixels as they are"
    );

    let scaled = reference.with_source_size(1280, 720);
    let result = match_image(&frame, &scaled, &MatchOptions::default()).expect("runs");
    assert!(result.matched, "{result:?}");
    assert!(
        result.region.x.abs_diff(tile.x * 3 / 2) <= 2
            && result.region.y.abs_diff(tile.y * 3 / 2) <= 2,
        "{result:?}"
    );

    let other_aspect = tile_reference(1).0.with_source_size(1024, 768);
    assert!(matches!(
        match_image(&frame, &other_aspect, &MatchOptions::default()),
        Err(VerifyError::AspectRatioMismatch { .. })
    ));
}

#[test]
fn tiles_that_differ_only_in_colour_are_told_apart() {
    let (_, tile) = tile_reference(0);
    // The same tile with its blue fill turned orange: same shapes, other colours.
    let mut recoloured = crop_reference(hd_frame(), tile);
    for p in recoloured.pixels_mut() {
        let [r, g, b, a] = p.0;
        if u16::from(b) > u16::from(r) + 40 {
            p.0 = [b, g, r, a];
        }
    }
    let reference = Reference::from_rgba(recoloured).expect("valid");
    let search = Some(Region::new(
        tile.x - 20,
        tile.y - 20,
        tile.width + 40,
        tile.height + 40,
    ));
    let grey = match_image(
        hd_frame(),
        &reference,
        &MatchOptions {
            region: search,
            ..MatchOptions::default()
        },
    )
    .expect("runs");
    // The brightness pattern is the same (the score passes), but a reference that has colour
    // is confirmed in colour by default, so the recoloured tile is not taken for it.
    assert!(grey.score >= 0.95, "{grey:?}");
    assert!(!grey.matched, "{grey:?}");
    assert_eq!((grey.region.x, grey.region.y), (tile.x, tile.y));
    let colour = MatchOptions {
        region: search,
        colour: true,
        ..MatchOptions::default()
    };
    let result = match_image(hd_frame(), &reference, &colour).expect("runs");
    assert!(!result.matched, "{result:?}");
    assert_eq!((result.region.x, result.region.y), (tile.x, tile.y));
}

#[test]
fn flat_references_are_compared_by_brightness() {
    let mut frame = solid(320, 180, [20, 20, 60]);
    for (x, y) in (40..80).flat_map(|x| (50..90).map(move |y| (x, y))) {
        frame.put_pixel(x, y, Rgb([200, 30, 30]));
    }
    let red = Reference::from_rgba(RgbaImage::from_pixel(
        30,
        30,
        image::Rgba([200, 30, 30, 255]),
    ))
    .expect("valid");
    assert!(red.is_flat());
    let colour = MatchOptions {
        colour: true,
        ..MatchOptions::default()
    };
    let found = match_image(&frame, &red, &colour).expect("runs");
    assert!(found.matched, "{found:?}");
    assert!(
        Region::new(40, 50, 40, 40).intersect(&found.region) == Some(found.region),
        "{found:?}"
    );
    let green = Reference::from_rgba(RgbaImage::from_pixel(
        30,
        30,
        image::Rgba([30, 200, 30, 255]),
    ))
    .expect("valid");
    assert!(!match_image(&frame, &green, &colour).expect("runs").matched);
}

#[test]
fn match_all_returns_every_copy_best_first() {
    let scene = UiScene::new(1280, 720);
    let logo = scene.logo();
    let logo_pixels =
        imageops::crop_imm(hd_frame(), logo.x, logo.y, logo.width, logo.height).to_image();
    let mut frame = solid(640, 360, [12, 14, 30]);
    let places = [(20u32, 30u32), (300, 40), (150, 220)];
    for (x, y) in places {
        imageops::replace(&mut frame, &logo_pixels, i64::from(x), i64::from(y));
    }
    let reference = Reference::from_rgba(crop_reference(hd_frame(), logo)).expect("valid");
    let matches = match_all(&frame, &reference, &MatchOptions::default()).expect("runs");
    assert_eq!(matches.len(), 3, "{matches:?}");
    assert!(matches.windows(2).all(|w| w[0].score >= w[1].score));
    for (x, y) in places {
        assert!(
            matches
                .iter()
                .any(|m| m.region.x.abs_diff(x) <= 1 && m.region.y.abs_diff(y) <= 1),
            "{x},{y}: {matches:?}"
        );
    }
    for (i, a) in matches.iter().enumerate() {
        assert!(
            matches[i + 1..]
                .iter()
                .all(|b| !a.region.overlaps(&b.region))
        );
    }
}

#[test]
fn annotate_outlines_results_in_green_or_red() {
    let frame = solid(100, 100, [0, 0, 0]);
    let marks = [
        Annotation {
            region: Region::new(10, 10, 30, 30),
            passed: true,
            searched: None,
        },
        Annotation {
            region: Region::new(50, 50, 80, 80),
            passed: false,
            searched: Some(Region::new(45, 45, 50, 50)),
        },
    ];
    let out = annotate(&frame, &marks);
    assert_eq!(out.get_pixel(10, 20).0, [0, 220, 0]);
    assert_eq!(out.get_pixel(25, 25).0, [0, 0, 0], "inside is left alone");
    assert_eq!(out.get_pixel(50, 70).0, [230, 0, 0]);
    assert_eq!(out.get_pixel(45, 47).0, [160, 160, 160]);
    assert_eq!(
        frame.get_pixel(10, 20).0,
        [0, 0, 0],
        "the input is not modified"
    );
}

#[test]
fn odd_sizes_never_panic() {
    let scene_frame = hd_frame();
    let sizes = [
        (1, 1),
        (1, 50),
        (50, 1),
        (3, 3),
        (17, 9),
        (64, 33),
        (257, 129),
    ];
    for (fw, fh) in [(1u32, 1u32), (8, 8), (97, 61), (300, 170)] {
        let frame = imageops::crop_imm(scene_frame, 500, 240, fw, fh).to_image();
        for (w, h) in sizes {
            let mut reference = imageops::crop_imm(scene_frame, 510, 250, w, h).to_image();
            let plain = Reference::from_rgb(&reference).expect("valid");
            // Every other pixel transparent: the mask must not break anything either.
            let mut rgba = image::DynamicImage::ImageRgb8(reference.clone()).to_rgba8();
            rgba.pixels_mut()
                .enumerate()
                .for_each(|(i, p)| p.0[3] = if i % 2 == 0 { 255 } else { 0 });
            let masked = Reference::from_rgba(rgba).expect("valid");
            for r in [&plain, &masked] {
                for colour in [false, true] {
                    let options = MatchOptions {
                        colour,
                        ..MatchOptions::default()
                    };
                    match match_image(&frame, r, &options) {
                        Ok(result) => {
                            assert!(result.region.right() <= fw && result.region.bottom() <= fh)
                        }
                        Err(e) => assert!(w > fw || h > fh, "{fw}x{fh} / {w}x{h}: {e}"),
                    }
                    let _ = match_all(&frame, r, &options);
                }
            }
            reference.fill(0);
            let _ = Reference::from_rgb(&reference)
                .map(|r| match_image(&frame, &r, &MatchOptions::default()));
        }
    }
}
