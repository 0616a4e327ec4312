//! Picks the pictures an incident keeps while it lasts: frames evenly spread over the whole
//! incident, however long it turns out to be, with a bounded number held at any time.
//!
//! Frames are offered in time order. At most `capacity` are held, at least `spacing` apart; when
//! more would be held, every other one is dropped and the spacing doubles, so what is held stays
//! roughly even over everything offered so far. [`SpreadSampler::pick`] then chooses the few
//! nearest to evenly spaced instants across the incident.

/// Frames (any `T`, with a time in ms) spread over a span of unknown length.
#[derive(Debug, Clone)]
pub struct SpreadSampler<T> {
    held: Vec<(u64, T)>,
    spacing_ms: u64,
    capacity: usize,
}

impl<T> SpreadSampler<T> {
    /// `capacity` frames at most (at least 2), first `spacing_ms` apart (at least 1).
    pub fn new(capacity: usize, spacing_ms: u64) -> Self {
        Self {
            held: Vec::new(),
            spacing_ms: spacing_ms.max(1),
            capacity: capacity.max(2),
        }
    }

    /// Whether a frame seen at `at_ms` would be taken (so a caller can skip preparing one).
    pub fn wants(&self, at_ms: u64) -> bool {
        self.held
            .last()
            .is_none_or(|(last, _)| at_ms >= last.saturating_add(self.spacing_ms))
    }

    /// Offers the frame seen at `at_ms` (not earlier than the last one offered).
    pub fn offer(&mut self, at_ms: u64, frame: T) {
        if !self.wants(at_ms) {
            return;
        }
        self.held.push((at_ms, frame));
        if self.held.len() > self.capacity {
            let mut index = 0usize;
            self.held.retain(|_| {
                let keep = index.is_multiple_of(2);
                index += 1;
                keep
            });
            self.spacing_ms = self.spacing_ms.saturating_mul(2);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Up to `n` frames, oldest first, nearest to `n` evenly spaced instants after `from_ms`
    /// up to `to_ms` (the last instant is `to_ms` itself), each frame once.
    pub fn pick(&self, n: usize, from_ms: u64, to_ms: u64) -> Vec<&(u64, T)> {
        let mut chosen: Vec<usize> = Vec::new();
        if self.held.is_empty() || n == 0 {
            return Vec::new();
        }
        let span = to_ms.saturating_sub(from_ms);
        for k in 1..=n as u64 {
            let target = from_ms + span * k / n as u64;
            let nearest = (0..self.held.len())
                .filter(|i| !chosen.contains(i))
                .min_by_key(|&i| self.held[i].0.abs_diff(target));
            if let Some(i) = nearest {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        chosen.into_iter().map(|i| &self.held[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_span_is_covered_evenly_with_few_frames_held() {
        let mut sampler = SpreadSampler::new(8, 500);
        // 44 s of frames at 10 per second.
        for ms in (0..=44_000).step_by(100) {
            sampler.offer(ms, ms);
            assert!(sampler.held.len() <= 8);
        }
        let picked: Vec<u64> = sampler
            .pick(4, 0, 44_000)
            .iter()
            .map(|(at, _)| *at)
            .collect();
        assert_eq!(picked.len(), 4);
        // Near 11, 22, 33 and 44 s: within one held spacing (8 s after the doublings).
        for (got, want) in picked.iter().zip([11_000u64, 22_000, 33_000, 44_000]) {
            assert!(got.abs_diff(want) <= 8_000, "{picked:?}");
        }
        assert!(picked.windows(2).all(|w| w[0] < w[1]), "{picked:?}");
    }

    #[test]
    fn a_short_span_gives_what_it_has_once_each() {
        let mut sampler = SpreadSampler::new(8, 1_000);
        sampler.offer(0, 'a');
        sampler.offer(400, 'x'); // too close to the last one
        sampler.offer(1_200, 'b');
        let picked: Vec<char> = sampler.pick(4, 0, 1_300).iter().map(|(_, f)| *f).collect();
        assert_eq!(picked, vec!['a', 'b']);
        assert!(SpreadSampler::<u8>::new(4, 10).pick(3, 0, 10).is_empty());
    }
}
