//! The live TV "video": horizontally scrolling colour bars with a bouncing ball.
//!
//! The bar pattern of the tuned channel is computed once and cached; each frame
//! only copies the pattern rows at a time-dependent offset and draws the ball,
//! which keeps a full 1280x720 frame to roughly one memory copy.

use image::RgbImage;

use super::canvas::{Color, fill_circle, mix};
use super::layout::{HEIGHT, WIDTH};

/// Duration of one video frame (25 frames per second).
pub(crate) const VIDEO_FRAME_MS: u64 = 40;

const BAR_COUNT: u32 = 8;
const SCROLL_PX_PER_SECOND: u64 = 120;
const BALL_RADIUS: f32 = 56.0;
const BALL_PX_PER_SECOND_X: u64 = 260;
const BALL_PX_PER_SECOND_Y: u64 = 170;

/// Per-channel cache of the static part of the video.
pub(crate) struct LiveVideo {
    channel: Option<usize>,
    pattern: RgbImage,
}

impl LiveVideo {
    pub(crate) fn new() -> LiveVideo {
        LiveVideo {
            channel: None,
            pattern: RgbImage::new(0, 0),
        }
    }

    /// The video picture of `channel` at video frame `frame_index`.
    pub(crate) fn frame(&mut self, channel: usize, frame_index: u64) -> RgbImage {
        if self.channel != Some(channel) {
            self.pattern = bar_pattern(channel);
            self.channel = Some(channel);
        }
        let elapsed_ms = frame_index.wrapping_mul(VIDEO_FRAME_MS);
        // The offset is below WIDTH, so the conversions are lossless.
        let offset = (elapsed_ms * SCROLL_PX_PER_SECOND / 1000 % u64::from(WIDTH)) as usize * 3;

        let mut frame = RgbImage::new(WIDTH, HEIGHT);
        let stride = WIDTH as usize * 3;
        let pattern: &[u8] = &self.pattern;
        let target: &mut [u8] = &mut frame;
        for (source_row, target_row) in pattern
            .chunks_exact(stride)
            .zip(target.chunks_exact_mut(stride))
        {
            let (head, tail) = target_row.split_at_mut(stride - offset);
            head.copy_from_slice(&source_row[offset..]);
            tail.copy_from_slice(&source_row[..offset]);
        }

        let ball_x = bounce(elapsed_ms * BALL_PX_PER_SECOND_X / 1000, WIDTH);
        let ball_y = bounce(elapsed_ms * BALL_PX_PER_SECOND_Y / 1000, HEIGHT);
        fill_circle(
            &mut frame,
            ball_x + 6.0,
            ball_y + 8.0,
            BALL_RADIUS,
            [20, 20, 24],
        );
        fill_circle(&mut frame, ball_x, ball_y, BALL_RADIUS, [250, 250, 250]);
        fill_circle(
            &mut frame,
            ball_x,
            ball_y,
            BALL_RADIUS * 0.45,
            channel_hue(channel, 0),
        );
        frame
    }
}

/// Centre coordinate of a ball that travelled `distance` pixels along an axis
/// of length `extent`, reflecting off both ends.
fn bounce(distance: u64, extent: u32) -> f32 {
    let travel = u64::from(extent) - 2 * BALL_RADIUS as u64;
    let phase = distance % (2 * travel);
    let position = if phase < travel {
        phase
    } else {
        2 * travel - phase
    };
    position as f32 + BALL_RADIUS
}

/// Vertical bars in channel-specific hues, darkening towards the bottom.
fn bar_pattern(channel: usize) -> RgbImage {
    let bar_width = (WIDTH / BAR_COUNT) as usize;
    let bar_colors: Vec<Color> = (0..BAR_COUNT)
        .map(|bar| channel_hue(channel, bar))
        .collect();
    let mut pattern = RgbImage::new(WIDTH, HEIGHT);
    let stride = WIDTH as usize * 3;
    let buffer: &mut [u8] = &mut pattern;
    let mut previous_row: Option<(usize, Vec<Color>)> = None;
    for y in 0..HEIGHT as usize {
        let shade = 0.45 * y as f32 / HEIGHT as f32;
        let shaded: Vec<Color> = bar_colors
            .iter()
            .map(|&color| mix(color, [0, 0, 0], shade))
            .collect();
        let row_start = y * stride;
        // Neighbouring rows often round to the same colours; copying is cheaper than refilling.
        if let Some((previous_start, previous_colors)) = &previous_row
            && *previous_colors == shaded
        {
            buffer.copy_within(*previous_start..*previous_start + stride, row_start);
            continue;
        }
        let row = &mut buffer[row_start..row_start + stride];
        for (bar_index, bar) in row.chunks_mut(bar_width * 3).enumerate() {
            let color = shaded[bar_index.min(shaded.len() - 1)];
            for pixel in bar.chunks_exact_mut(3) {
                pixel.copy_from_slice(&color);
            }
        }
        previous_row = Some((row_start, shaded));
    }
    pattern
}

/// Colour of bar `bar` for `channel`: channels differ in base hue.
fn channel_hue(channel: usize, bar: u32) -> Color {
    let hue = (channel as f32 * 36.0 + bar as f32 * 40.0) % 360.0;
    hsv_to_rgb(hue, 0.55, 0.85)
}

fn hsv_to_rgb(hue: f32, saturation: f32, value: f32) -> Color {
    let chroma = value * saturation;
    let sector = hue / 60.0;
    let second = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, second, 0.0),
        1 => (second, chroma, 0.0),
        2 => (0.0, chroma, second),
        3 => (0.0, second, chroma),
        4 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let lift = value - chroma;
    let channel = |component: f32| ((component + lift) * 255.0).round().clamp(0.0, 255.0) as u8;
    [channel(r), channel(g), channel(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_frames_differ_and_channels_differ() {
        let mut video = LiveVideo::new();
        let first = video.frame(0, 10);
        let second = video.frame(0, 11);
        assert_ne!(first.as_raw(), second.as_raw());
        let other_channel = video.frame(1, 11);
        assert_ne!(second.as_raw(), other_channel.as_raw());
    }

    #[test]
    fn ball_stays_inside_the_frame() {
        for distance in (0..5000).step_by(37) {
            let x = bounce(distance, WIDTH);
            assert!((BALL_RADIUS..=WIDTH as f32 - BALL_RADIUS).contains(&x));
        }
    }

    #[test]
    fn primary_hues_convert() {
        assert_eq!(hsv_to_rgb(0.0, 1.0, 1.0), [255, 0, 0]);
        assert_eq!(hsv_to_rgb(120.0, 1.0, 1.0), [0, 255, 0]);
        assert_eq!(hsv_to_rgb(240.0, 1.0, 1.0), [0, 0, 255]);
    }
}
