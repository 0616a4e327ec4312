//! Capture from a folder of PNG/JPEG frames replayed in name order at a fixed rate: for tests,
//! debugging, and replaying what a real device showed. JPEG files stream without re-encoding.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use bytes::Bytes;

use super::{CaptureError, FrameSink, FrameSource, Pacer, Picture};

pub struct ImagesSource {
    dir: PathBuf,
    fps: f64,
    repeat: bool,
}

impl ImagesSource {
    pub fn new(dir: PathBuf, fps: f64, repeat: bool) -> Self {
        Self { dir, fps, repeat }
    }
}

/// Frame files of `dir` in name order.
pub fn list_frames(dir: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CaptureError(format!("cannot read frames folder {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CaptureError(format!(
            "frames folder {} has no .png, .jpg or .jpeg files",
            dir.display()
        )));
    }
    Ok(files)
}

pub fn load_picture(path: &Path) -> Result<Picture, CaptureError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CaptureError(format!("cannot read {}: {e}", path.display())))?;
    let unreadable =
        |e: image::ImageError| CaptureError(format!("cannot decode {}: {e}", path.display()));
    let format = image::guess_format(&bytes).map_err(unreadable)?;
    if format == image::ImageFormat::Jpeg {
        let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format)
            .into_dimensions()
            .map_err(unreadable)?;
        return Ok(Picture::from_jpeg(Bytes::from(bytes), width, height));
    }
    let image = image::load_from_memory_with_format(&bytes, format)
        .map_err(unreadable)?
        .to_rgb8();
    Ok(Picture::from_rgb(Arc::new(image)))
}

impl FrameSource for ImagesSource {
    fn run(&mut self, sink: &mut FrameSink, stop: &AtomicBool) -> Result<(), CaptureError> {
        let files = list_frames(&self.dir)?;
        let mut pacer = Pacer::new(self.fps);
        let mut index = 0;
        // With one file there is nothing to replay: keep re-sending the same picture.
        let mut still: Option<Arc<Picture>> = None;
        while let Some(missed) = pacer.wait(stop) {
            if index >= files.len() {
                if !self.repeat {
                    // The replay is over: the device now shows no signal, as a real one would.
                    continue;
                }
                index = 0;
            }
            let picture = match &still {
                Some(picture) => picture.clone(),
                None => Arc::new(load_picture(&files[index])?),
            };
            if files.len() == 1 {
                still = Some(picture.clone());
            }
            sink.publish(picture, missed);
            index += 1;
        }
        Ok(())
    }
}
