//! Verification benchmarks (single thread).
//!
//! Figures to reach (release build, one core): image match under 5 ms on 720p frames, OCR of a
//! 300x60 label under 40 ms with a warm engine, black-screen check on 1080p under 1 ms, motion
//! between two 720p frames under 3 ms. Run: `cargo bench --bench verify`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use image::RgbImage;
use vpt::verify::synthetic::{add_noise, draw_text, fill_rect, load_font, match_cases};
use vpt::verify::{
    BlackOptions, MatchOptions, MotionOptions, OcrOptions, Reference, Region, detect_motion,
    is_black, match_image, match_text,
};

fn quick<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

fn image_match(c: &mut Criterion) {
    let font = load_font().expect("fonts-dejavu-core is needed for the synthetic frames");
    let mut group = quick(c, "match");
    for case in match_cases(&font) {
        let reference = Reference::from_rgba(case.reference.clone()).expect("valid reference");
        let options = MatchOptions {
            region: case.region,
            ..MatchOptions::default()
        };
        group.bench_function(case.name, |b| {
            b.iter(|| {
                match_image(black_box(&case.frame), &reference, &options).expect("match runs")
            })
        });
    }
    group.finish();
}

fn ocr(c: &mut Criterion) {
    let font = load_font().expect("fonts-dejavu-core is needed for the synthetic frames");
    let mut frame = RgbImage::from_pixel(1280, 720, image::Rgb([20, 24, 40]));
    draw_text(
        &mut frame,
        &font,
        "Settings",
        420.0,
        314.0,
        28.0,
        [235, 235, 235],
    );
    let options = OcrOptions {
        region: Some(Region::new(400, 300, 300, 60)),
        ..OcrOptions::default()
    };
    // The first call starts this thread's engine; the benchmark measures warm calls.
    let first = match_text(&frame, "Settings", &options).expect("OCR runs");
    assert!(first.matched, "{first:?}");
    let mut group = quick(c, "ocr");
    group.bench_function("match_text_300x60_warm", |b| {
        b.iter(|| match_text(black_box(&frame), "Settings", &options).expect("OCR runs"))
    });
    group.finish();
}

fn black_and_motion(c: &mut Criterion) {
    let mut black = RgbImage::from_pixel(1920, 1080, image::Rgb([6, 6, 6]));
    add_noise(&mut black, 5, 1);
    let mut not_black = black.clone();
    fill_rect(
        &mut not_black,
        Region::new(1800, 1000, 40, 40),
        [200, 200, 200],
    );
    let mut group = quick(c, "black");
    group.bench_function("1080p_black", |b| {
        b.iter(|| is_black(black_box(&black), &BlackOptions::default()).expect("runs"))
    });
    group.bench_function("1080p_logo_in_corner", |b| {
        b.iter(|| is_black(black_box(&not_black), &BlackOptions::default()).expect("runs"))
    });
    let fraction = BlackOptions {
        min_dark_fraction: Some(0.99),
        ..BlackOptions::default()
    };
    group.bench_function("1080p_fraction_mode", |b| {
        b.iter(|| is_black(black_box(&not_black), &fraction).expect("runs"))
    });
    group.finish();

    let mut a = RgbImage::from_pixel(1280, 720, image::Rgb([40, 60, 90]));
    add_noise(&mut a, 4, 2);
    let mut b = a.clone();
    add_noise(&mut b, 4, 3);
    fill_rect(&mut b, Region::new(600, 300, 80, 80), [230, 210, 40]);
    let mut group = quick(c, "motion");
    group.bench_function("720p_moving_square", |bench| {
        bench.iter(|| {
            detect_motion(black_box(&a), black_box(&b), &MotionOptions::default()).expect("runs")
        })
    });
    group.bench_function("720p_still", |bench| {
        bench.iter(|| {
            detect_motion(black_box(&a), black_box(&a), &MotionOptions::default()).expect("runs")
        })
    });
    group.finish();
}

criterion_group!(benches, image_match, ocr, black_and_motion);
criterion_main!(benches);
