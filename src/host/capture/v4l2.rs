//! Capture from a V4L2 device (an HDMI capture card). MJPEG frames pass through untouched (no
//! decode unless someone analyses them); YUYV frames are converted to RGB. A missing or busy
//! device is reported as the device's capture error and retried, never a panic.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use image::RgbImage;
use v4l::buffer::Type;
use v4l::io::traits::CaptureStream;
use v4l::prelude::*;
use v4l::video::Capture;
use v4l::{Format, FourCC};

use super::{CaptureError, FrameSink, FrameSource, Picture};

pub struct V4l2Source {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub pixel_format: String,
}

impl V4l2Source {
    fn fail(&self, what: &str, e: std::io::Error) -> CaptureError {
        CaptureError(format!("{}: {what}: {e}", self.path.display()))
    }
}

impl FrameSource for V4l2Source {
    fn run(&mut self, sink: &mut FrameSink, stop: &AtomicBool) -> Result<(), CaptureError> {
        let device = Device::with_path(&self.path).map_err(|e| self.fail("cannot open", e))?;
        let wanted = FourCC::new(&fourcc_bytes(&self.pixel_format));
        let format = device
            .set_format(&Format::new(self.width, self.height, wanted))
            .map_err(|e| self.fail("cannot set format", e))?;
        if format.fourcc != wanted {
            tracing::warn!(
                device = %self.path.display(),
                asked = %self.pixel_format,
                got = %format.fourcc,
                "capture card chose another pixel format"
            );
        }
        let fps = self.fps.round().max(1.0) as u32;
        if let Err(e) = device.set_params(&v4l::video::capture::Parameters::with_fps(fps)) {
            tracing::warn!(device = %self.path.display(), error = %e, "cannot set frame rate");
        }
        let (width, height, fourcc) = (format.width, format.height, format.fourcc);
        let mut stream = MmapStream::with_buffers(&device, Type::VideoCapture, 4)
            .map_err(|e| self.fail("cannot start streaming", e))?;
        let mut last_sequence: Option<u32> = None;
        while !stop.load(Ordering::Relaxed) {
            let (buffer, meta) = stream.next().map_err(|e| self.fail("capture stopped", e))?;
            let used = (meta.bytesused as usize).min(buffer.len());
            let data = &buffer[..used];
            let dropped = match last_sequence {
                Some(previous) => u64::from(meta.sequence.wrapping_sub(previous).saturating_sub(1)),
                None => 0,
            };
            last_sequence = Some(meta.sequence);
            let picture = match &fourcc.repr {
                b"MJPG" | b"JPEG" => {
                    Picture::from_jpeg(Bytes::copy_from_slice(data), width, height)
                }
                b"YUYV" => Picture::from_rgb(Arc::new(yuyv_to_rgb(data, width, height)?)),
                other => {
                    return Err(CaptureError(format!(
                        "{}: pixel format {} is not supported; use MJPG or YUYV",
                        self.path.display(),
                        String::from_utf8_lossy(other)
                    )));
                }
            };
            sink.publish(Arc::new(picture), dropped);
        }
        Ok(())
    }
}

fn fourcc_bytes(code: &str) -> [u8; 4] {
    let mut bytes = [b' '; 4];
    for (slot, byte) in bytes.iter_mut().zip(code.bytes()) {
        *slot = byte;
    }
    bytes
}

/// Packed YUYV 4:2:2 (BT.601) to RGB.
pub fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, CaptureError> {
    let needed = width as usize * height as usize * 2;
    if data.len() < needed {
        return Err(CaptureError(format!(
            "short YUYV frame: {} bytes for {width}x{height}",
            data.len()
        )));
    }
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for chunk in data[..needed].chunks_exact(4) {
        let (y0, u, y1, v) = (chunk[0], chunk[1], chunk[2], chunk[3]);
        for y in [y0, y1] {
            let c = f32::from(y) - 16.0;
            let d = f32::from(u) - 128.0;
            let e = f32::from(v) - 128.0;
            let clamp = |x: f32| x.round().clamp(0.0, 255.0) as u8;
            rgb.push(clamp(1.164 * c + 1.596 * e));
            rgb.push(clamp(1.164 * c - 0.392 * d - 0.813 * e));
            rgb.push(clamp(1.164 * c + 2.017 * d));
        }
    }
    RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| CaptureError("YUYV conversion produced a wrong size".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::capture::{CaptureHandle, CaptureSpec};
    use std::time::{Duration, Instant};

    #[test]
    fn yuyv_white_and_black() {
        let frame = [235u8, 128, 16, 128];
        let rgb = yuyv_to_rgb(&frame, 2, 1).unwrap();
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 0]);
        assert!(yuyv_to_rgb(&frame, 4, 1).is_err());
    }

    #[test]
    fn missing_device_is_a_clear_capture_error() {
        let source = V4l2Source {
            path: "/dev/video-does-not-exist".into(),
            width: 1280,
            height: 720,
            fps: 25.0,
            pixel_format: "MJPG".into(),
        };
        let spec = CaptureSpec {
            kind: "v4l2",
            width: 1280,
            height: 720,
            fps: 25.0,
        };
        let handle = CaptureHandle::start("tv", spec, Box::new(source)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while handle.info().error.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let error = handle.info().error.expect("an error is reported");
        assert!(
            error.contains("/dev/video-does-not-exist") && error.contains("cannot open"),
            "{error}"
        );
        assert_eq!(handle.status(), crate::protocol::DeviceStatus::Error);
    }
}
