//! Capture from the built-in simulated set-top box: a new picture only when the screen changed,
//! the same picture re-sent otherwise, and no frames at all while it has "no signal".

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{CaptureError, FrameSink, FrameSource, Pacer, Picture};
use crate::host::sim_device::SimDevice;

pub struct SimSource {
    device: Arc<SimDevice>,
    fps: f64,
}

impl SimSource {
    pub fn new(device: Arc<SimDevice>, fps: f64) -> Self {
        Self { device, fps }
    }
}

impl FrameSource for SimSource {
    fn run(&mut self, sink: &mut FrameSink, stop: &AtomicBool) -> Result<(), CaptureError> {
        let mut pacer = Pacer::new(self.fps);
        let mut current: Option<Arc<Picture>> = None;
        while let Some(missed) = pacer.wait(stop) {
            let picture = {
                let mut stb = self.device.lock();
                let now = self.device.now();
                if !stb.has_signal() {
                    continue;
                }
                match (stb.render(now), &current) {
                    (Some(image), _) => Arc::new(Picture::from_rgb(image)),
                    (None, Some(same)) => same.clone(),
                    (None, None) => Arc::new(Picture::from_rgb(stb.current_frame(now))),
                }
            };
            current = Some(picture.clone());
            sink.publish(picture, missed);
        }
        Ok(())
    }
}
