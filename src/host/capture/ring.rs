//! The bounded ring of a device's recent frames, kept for timelines and incidents. Bounded by
//! both a duration and a memory cap; consecutive frames that share one picture count once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::Frame;

pub struct FrameRing {
    frames: VecDeque<Frame>,
    max_age: Duration,
    max_bytes: usize,
    bytes: usize,
}

impl FrameRing {
    pub fn new(max_age: Duration, max_bytes: usize) -> Self {
        Self {
            frames: VecDeque::new(),
            max_age,
            max_bytes,
            bytes: 0,
        }
    }

    /// Bytes a frame adds: nothing when it repeats the picture of the frame before it.
    fn cost(previous: Option<&Frame>, frame: &Frame) -> usize {
        match previous {
            Some(p) if Arc::ptr_eq(&p.picture, &frame.picture) => 0,
            _ => frame.picture.memory_bytes(),
        }
    }

    pub fn push(&mut self, frame: Frame) {
        self.bytes += Self::cost(self.frames.back(), &frame);
        let newest = frame.captured;
        self.frames.push_back(frame);
        while let Some(oldest) = self.frames.front() {
            let too_old = newest.duration_since(oldest.captured) > self.max_age;
            if !too_old && self.bytes <= self.max_bytes {
                break;
            }
            let Some(removed) = self.frames.pop_front() else {
                break;
            };
            // The removed frame's own cost (it was counted against the frame before it, now gone).
            let freed = removed.picture.memory_bytes();
            let next_shares = self
                .frames
                .front()
                .is_some_and(|next| Arc::ptr_eq(&next.picture, &removed.picture));
            if next_shares {
                // The picture lives on in the next frame, which now carries its cost.
                continue;
            }
            self.bytes = self.bytes.saturating_sub(freed);
        }
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Frames captured within the last `window`, oldest first.
    pub fn since(&self, window: Duration) -> Vec<Frame> {
        let Some(newest) = self.frames.back().map(|f| f.captured) else {
            return Vec::new();
        };
        self.frames
            .iter()
            .filter(|f| newest.duration_since(f.captured) <= window)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::capture::Picture;
    use std::time::{Instant, SystemTime};

    fn frame(seq: u64, at: Instant, picture: &Arc<Picture>) -> Frame {
        Frame {
            seq,
            captured_at: SystemTime::now(),
            captured: at,
            picture: picture.clone(),
        }
    }

    fn picture(bytes: usize) -> Arc<Picture> {
        Arc::new(Picture::from_jpeg(vec![0u8; bytes].into(), 1, 1))
    }

    #[test]
    fn bounded_by_age() {
        let start = Instant::now();
        let mut ring = FrameRing::new(Duration::from_secs(1), usize::MAX);
        for i in 0..100 {
            ring.push(frame(
                i,
                start + Duration::from_millis(40 * i),
                &picture(10),
            ));
        }
        // 1 s at 25 fps, both ends included.
        assert_eq!(ring.len(), 26);
    }

    #[test]
    fn bounded_by_memory() {
        let start = Instant::now();
        let mut ring = FrameRing::new(Duration::from_secs(3600), 1000);
        for i in 0..50 {
            ring.push(frame(i, start + Duration::from_millis(i), &picture(300)));
            assert!(ring.bytes() <= 1000, "{} bytes", ring.bytes());
        }
        assert_eq!(ring.len(), 3);
    }

    #[test]
    fn repeated_picture_counts_once() {
        let start = Instant::now();
        let mut ring = FrameRing::new(Duration::from_secs(3600), 1000);
        let still = picture(600);
        for i in 0..100 {
            ring.push(frame(i, start + Duration::from_millis(i), &still));
        }
        assert_eq!(ring.len(), 100);
        assert_eq!(ring.bytes(), 600);
        let changed = picture(600);
        ring.push(frame(100, start + Duration::from_millis(100), &changed));
        // Both pictures do not fit: every frame of the still one goes.
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.bytes(), 600);
    }
}
