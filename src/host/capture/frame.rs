//! Frames and pictures. A [`Picture`] holds pixels and/or JPEG bytes and makes the other form
//! only when somebody asks, once, whoever asks and however many ask at the same time: an MJPEG
//! card streams without re-encoding, a simulated picture is encoded only when someone watches,
//! and four viewers of one device cost one encoding per frame. Smaller JPEGs (wall tiles,
//! timeline, incident and step pictures) are made once per size too. Consecutive frames of a
//! still picture share one `Picture`, so an idle device costs neither memory nor encoding.
//!
//! A picture published by a device counts its bytes on that device's [`PictureMeter`] for as
//! long as anything holds it (viewers, monitoring, a verification), which is what
//! `/host/devices/{id}` and `/metrics` report as the device's picture memory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use image::RgbImage;

/// JPEG quality of streamed and downloaded frames: sharp text, ~100 KB per 720p frame.
pub const JPEG_QUALITY: u8 = 85;

/// Scaled JPEGs one picture keeps; sizes asked for beyond these are made without being kept.
const MAX_SCALED: usize = 6;

type Cell<T> = OnceLock<Result<T, String>>;
/// A JPEG of the picture at (width, quality), shared with the readers making it.
type ScaledJpeg = (u32, u8, Arc<Cell<Bytes>>);

pub struct Picture {
    pub width: u32,
    pub height: u32,
    rgb: Cell<Arc<RgbImage>>,
    jpeg: Cell<Bytes>,
    /// JPEGs at other widths or qualities, each made by its first reader.
    scaled: Mutex<Vec<ScaledJpeg>>,
    /// The meter of the device that published this picture and the bytes counted on it.
    accounting: Mutex<(Option<Arc<PictureMeter>>, u64)>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picture")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.memory_bytes())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("cannot decode frame: {0}")]
    Decode(String),
    #[error("cannot encode frame: {0}")]
    Encode(String),
}

/// Pictures of one device alive anywhere in the process, and the bytes they hold.
#[derive(Debug, Default)]
pub struct PictureMeter {
    pictures: AtomicU64,
    bytes: AtomicU64,
}

impl PictureMeter {
    pub fn pictures(&self) -> u64 {
        self.pictures.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Picture {
    fn empty(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            rgb: OnceLock::new(),
            jpeg: OnceLock::new(),
            scaled: Mutex::new(Vec::new()),
            accounting: Mutex::new((None, 0)),
        }
    }

    pub fn from_rgb(image: Arc<RgbImage>) -> Self {
        let picture = Self::empty(image.width(), image.height());
        let _ = picture.rgb.set(Ok(image));
        picture
    }

    /// A JPEG whose size is already known (from the capture format).
    pub fn from_jpeg(jpeg: Bytes, width: u32, height: u32) -> Self {
        let picture = Self::empty(width, height);
        let _ = picture.jpeg.set(Ok(jpeg));
        picture
    }

    /// Counts this picture and its bytes on `meter` from now until it is dropped (once: a
    /// picture re-published as the next frame of a still screen is not counted again).
    pub fn count_on(&self, meter: &Arc<PictureMeter>) {
        let mut accounting = lock(&self.accounting);
        if accounting.0.is_some() {
            return;
        }
        let bytes = self.memory_bytes() as u64;
        meter.pictures.fetch_add(1, Ordering::Relaxed);
        meter.bytes.fetch_add(bytes, Ordering::Relaxed);
        *accounting = (Some(meter.clone()), bytes);
    }

    fn counted(&self, added: usize) {
        let mut accounting = lock(&self.accounting);
        if let Some(meter) = &accounting.0 {
            meter.bytes.fetch_add(added as u64, Ordering::Relaxed);
            accounting.1 += added as u64;
        }
    }

    /// Pixels, decoding the JPEG on first use. CPU work: call from a blocking thread.
    pub fn rgb(&self) -> Result<Arc<RgbImage>, PictureError> {
        let mut made = 0;
        let rgb = self.rgb.get_or_init(|| {
            let jpeg = self.jpeg().map_err(|e| e.to_string())?;
            let decoded = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
                .map_err(|e| e.to_string())?
                .to_rgb8();
            made = decoded.as_raw().len();
            Ok(Arc::new(decoded))
        });
        if made > 0 {
            self.counted(made);
        }
        rgb.clone().map_err(PictureError::Decode)
    }

    /// JPEG bytes, encoding the pixels on first use. CPU work: call from a blocking thread.
    pub fn jpeg(&self) -> Result<Bytes, PictureError> {
        let mut made = 0;
        let jpeg = self.jpeg.get_or_init(|| {
            let rgb = self
                .rgb
                .get()
                .ok_or_else(|| "picture has no data".to_string())?
                .clone()?;
            let encoded = encode_jpeg(&rgb, JPEG_QUALITY).map_err(|e| e.to_string())?;
            made = encoded.len();
            Ok(encoded)
        });
        if made > 0 {
            self.counted(made);
        }
        jpeg.clone().map_err(PictureError::Encode)
    }

    /// A JPEG at most `width` wide (smaller pictures keep their size) at `quality`, made once
    /// per size and quality however many ask for it. CPU work: call from a blocking thread.
    pub fn scaled_jpeg(&self, width: u32, quality: u8) -> Result<Bytes, PictureError> {
        let width = width.min(self.width);
        if width == self.width && quality == JPEG_QUALITY {
            return self.jpeg();
        }
        let cell = {
            let mut scaled = lock(&self.scaled);
            match scaled.iter().find(|(w, q, _)| *w == width && *q == quality) {
                Some((_, _, cell)) => Some(cell.clone()),
                None if scaled.len() < MAX_SCALED => {
                    let cell = Arc::new(OnceLock::new());
                    scaled.push((width, quality, cell.clone()));
                    Some(cell)
                }
                None => None,
            }
        };
        let Some(cell) = cell else {
            return self.make_scaled(width, quality);
        };
        let mut made = 0;
        let jpeg = cell.get_or_init(|| {
            let jpeg = self
                .make_scaled(width, quality)
                .map_err(|e| e.to_string())?;
            made = jpeg.len();
            Ok(jpeg)
        });
        if made > 0 {
            self.counted(made);
        }
        jpeg.clone().map_err(PictureError::Encode)
    }

    /// This picture at most `width` wide, as a picture of its own that holds only that JPEG:
    /// what to keep for later (incident pictures) without keeping the frame's pixels alive.
    /// Counted on the same device as this one. CPU work: call from a blocking thread.
    pub fn shrunk(&self, width: u32, quality: u8) -> Result<Picture, PictureError> {
        let jpeg = self.scaled_jpeg(width, quality)?;
        let (width, height) = scaled_size(self.width, self.height, width);
        let picture = Picture::from_jpeg(jpeg, width, height);
        if let Some(meter) = lock(&self.accounting).0.clone() {
            picture.count_on(&meter);
        }
        Ok(picture)
    }

    fn make_scaled(&self, width: u32, quality: u8) -> Result<Bytes, PictureError> {
        let rgb = self.rgb()?;
        if width >= rgb.width() {
            return encode_jpeg(&rgb, quality);
        }
        let (width, height) = scaled_size(rgb.width(), rgb.height(), width);
        let scaled = image::imageops::resize(
            rgb.as_ref(),
            width,
            height,
            image::imageops::FilterType::Triangle,
        );
        encode_jpeg(&scaled, quality)
    }

    /// Bytes this picture holds now: pixels, its JPEG and the scaled JPEGs made of it.
    pub fn memory_bytes(&self) -> usize {
        let held = |cell: &Cell<Bytes>| {
            cell.get()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, Bytes::len)
        };
        let rgb = self
            .rgb
            .get()
            .and_then(|r| r.as_ref().ok())
            .map_or(0, |i| i.as_raw().len());
        let scaled: usize = lock(&self.scaled)
            .iter()
            .map(|(_, _, cell)| held(cell))
            .sum();
        rgb + held(&self.jpeg) + scaled
    }
}

impl Drop for Picture {
    fn drop(&mut self) {
        let accounting = self.accounting.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(meter) = &accounting.0 {
            meter.pictures.fetch_sub(1, Ordering::Relaxed);
            meter.bytes.fetch_sub(accounting.1, Ordering::Relaxed);
        }
    }
}

/// The size of a `width` × `height` picture scaled to at most `max_width` wide.
fn scaled_size(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if max_width >= width {
        return (width, height);
    }
    let height = (u64::from(height) * u64::from(max_width)) / u64::from(width.max(1));
    (max_width, u32::try_from(height).unwrap_or(u32::MAX).max(1))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Bytes, PictureError> {
    let (width, height) = (
        u16::try_from(image.width()).map_err(|_| PictureError::Encode("frame too wide".into()))?,
        u16::try_from(image.height()).map_err(|_| PictureError::Encode("frame too tall".into()))?,
    );
    let mut out = Vec::with_capacity(image.as_raw().len() / 10);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(image.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PictureError::Encode(e.to_string()))?;
    Ok(Bytes::from(out))
}

pub fn encode_png(image: &RgbImage) -> Result<Bytes, PictureError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| PictureError::Encode(e.to_string()))?;
    Ok(Bytes::from(out.into_inner()))
}

/// One captured frame: a picture with its sequence number and capture time.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: u64,
    /// Wall-clock capture time, sent to viewers to measure end-to-end latency.
    pub captured_at: SystemTime,
    /// Monotonic capture time, for ages and rates.
    pub captured: Instant,
    pub picture: Arc<Picture>,
}

impl Frame {
    pub fn captured_at_ms(&self) -> u128 {
        self.captured_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(width: u32, height: u32) -> Arc<RgbImage> {
        Arc::new(RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        }))
    }

    #[test]
    fn readers_at_the_same_time_share_one_encoding() {
        let picture = Arc::new(Picture::from_rgb(gradient(640, 360)));
        let jpegs: Vec<Bytes> = std::thread::scope(|scope| {
            let readers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| picture.jpeg().unwrap()))
                .collect();
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert!(jpegs.iter().all(|j| j.as_ptr() == jpegs[0].as_ptr()));
    }

    #[test]
    fn a_scaled_jpeg_is_made_once_per_size() {
        let picture = Picture::from_rgb(gradient(640, 360));
        let small = picture.scaled_jpeg(160, 70).unwrap();
        assert_eq!(
            small.as_ptr(),
            picture.scaled_jpeg(160, 70).unwrap().as_ptr()
        );
        let decoded = image::load_from_memory(&small).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (160, 90));
        // Wider than the picture: its own size; at the stream quality: the picture's own JPEG.
        assert_eq!(
            picture.scaled_jpeg(4000, JPEG_QUALITY).unwrap().as_ptr(),
            picture.jpeg().unwrap().as_ptr()
        );
    }

    #[test]
    fn a_shrunk_picture_keeps_only_its_small_jpeg() {
        let meter = Arc::new(PictureMeter::default());
        let frame = Picture::from_rgb(gradient(1280, 720));
        frame.count_on(&meter);
        let kept = frame.shrunk(640, JPEG_QUALITY).unwrap();
        assert_eq!((kept.width, kept.height), (640, 360));
        drop(frame);
        assert_eq!(meter.pictures(), 1);
        assert_eq!(meter.bytes() as usize, kept.memory_bytes());
        assert!(
            kept.memory_bytes() < 640 * 360,
            "{} bytes",
            kept.memory_bytes()
        );
        // Asked for at its own size, it is its own JPEG: nothing is decoded or encoded again.
        let jpeg = kept.scaled_jpeg(640, JPEG_QUALITY).unwrap();
        assert_eq!(kept.memory_bytes(), jpeg.len());
    }

    #[test]
    fn the_meter_counts_what_live_pictures_hold() {
        let meter = Arc::new(PictureMeter::default());
        let picture = Picture::from_rgb(gradient(64, 32));
        picture.count_on(&meter);
        picture.count_on(&meter);
        assert_eq!((meter.pictures(), meter.bytes()), (1, 64 * 32 * 3));
        let jpeg = picture.jpeg().unwrap();
        assert_eq!(meter.bytes() as usize, 64 * 32 * 3 + jpeg.len());
        assert_eq!(meter.bytes() as usize, picture.memory_bytes());
        let other = Picture::from_jpeg(jpeg.clone(), 64, 32);
        other.count_on(&meter);
        drop(picture);
        assert_eq!((meter.pictures(), meter.bytes() as usize), (1, jpeg.len()));
        other.rgb().unwrap();
        assert_eq!(meter.bytes() as usize, jpeg.len() + 64 * 32 * 3);
        drop(other);
        assert_eq!((meter.pictures(), meter.bytes()), (0, 0));
    }

    #[test]
    fn jpeg_round_trip_is_cached() {
        let image = Arc::new(RgbImage::from_pixel(64, 32, image::Rgb([200, 30, 30])));
        let picture = Picture::from_rgb(image);
        let first = picture.jpeg().unwrap();
        assert_eq!(first.as_ptr(), picture.jpeg().unwrap().as_ptr());
        let decoded = Picture::from_jpeg(first, 64, 32).rgb().unwrap();
        assert_eq!(decoded.dimensions(), (64, 32));
        let pixel = decoded.get_pixel(10, 10);
        assert!(pixel[0] > 180 && pixel[1] < 60, "{pixel:?}");
    }
}
