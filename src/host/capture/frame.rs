//! Frames and pictures. A [`Picture`] holds pixels and/or JPEG bytes and makes the other form
//! only when somebody asks (once, then cached): an MJPEG card streams without re-encoding, and
//! a simulated picture is encoded only when someone watches. Consecutive frames of a still
//! picture share one `Picture`, so an idle device costs neither memory nor encoding.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use image::RgbImage;

/// JPEG quality of streamed and downloaded frames: sharp text, ~100 KB per 720p frame.
pub const JPEG_QUALITY: u8 = 85;

#[derive(Debug)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    rgb: OnceLock<Arc<RgbImage>>,
    jpeg: OnceLock<Bytes>,
}

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("cannot decode frame: {0}")]
    Decode(String),
    #[error("cannot encode frame: {0}")]
    Encode(String),
}

impl Picture {
    pub fn from_rgb(image: Arc<RgbImage>) -> Self {
        let picture = Self {
            width: image.width(),
            height: image.height(),
            rgb: OnceLock::new(),
            jpeg: OnceLock::new(),
        };
        let _ = picture.rgb.set(image);
        picture
    }

    /// A JPEG whose size is already known (from the capture format).
    pub fn from_jpeg(jpeg: Bytes, width: u32, height: u32) -> Self {
        let picture = Self {
            width,
            height,
            rgb: OnceLock::new(),
            jpeg: OnceLock::new(),
        };
        let _ = picture.jpeg.set(jpeg);
        picture
    }

    /// Pixels, decoding the JPEG on first use. CPU work: call from a blocking thread.
    pub fn rgb(&self) -> Result<Arc<RgbImage>, PictureError> {
        if let Some(rgb) = self.rgb.get() {
            return Ok(rgb.clone());
        }
        let jpeg = self
            .jpeg
            .get()
            .ok_or_else(|| PictureError::Decode("picture has no data".into()))?;
        let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
            .map_err(|e| PictureError::Decode(e.to_string()))?
            .to_rgb8();
        Ok(self.rgb.get_or_init(|| Arc::new(decoded)).clone())
    }

    /// JPEG bytes, encoding the pixels on first use. CPU work: call from a blocking thread.
    pub fn jpeg(&self) -> Result<Bytes, PictureError> {
        if let Some(jpeg) = self.jpeg.get() {
            return Ok(jpeg.clone());
        }
        let rgb = self.rgb()?;
        let encoded = encode_jpeg(&rgb, JPEG_QUALITY)?;
        Ok(self.jpeg.get_or_init(|| encoded).clone())
    }

    /// Bytes this picture holds now (for the memory bound of the frame ring).
    pub fn memory_bytes(&self) -> usize {
        self.rgb.get().map_or(0, |i| i.as_raw().len()) + self.jpeg.get().map_or(0, Bytes::len)
    }
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

/// A JPEG of `picture` at most `width` wide (smaller pictures keep their size), for stored
/// pictures (incidents, timeline). CPU work: call from a blocking thread.
pub fn scaled_jpeg(picture: &Picture, width: u32, quality: u8) -> Result<Bytes, PictureError> {
    let rgb = picture.rgb()?;
    if rgb.width() <= width {
        return encode_jpeg(&rgb, quality);
    }
    let height = ((u64::from(rgb.height()) * u64::from(width)) / u64::from(rgb.width())).max(1);
    let scaled = image::imageops::resize(
        rgb.as_ref(),
        width,
        height as u32,
        image::imageops::FilterType::Triangle,
    );
    encode_jpeg(&scaled, quality)
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
