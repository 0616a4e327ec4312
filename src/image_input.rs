//! Decoding pictures that come from outside (uploads, tree imports, inline references, frames
//! relayed by hosts). Sides and memory are capped before any pixel is allocated, so a small
//! file that claims a huge picture (a decompression bomb) is refused instead of exhausting the
//! server's memory.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, ImageResult, Limits};

/// Longest side accepted: an 8K frame fits.
pub const MAX_SIDE: u32 = 8192;
/// Most memory one decode may allocate (an 8192x8192 RGBA picture).
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// Decodes `bytes` as `format` within the limits above.
pub fn decode(bytes: &[u8], format: ImageFormat) -> ImageResult<DynamicImage> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode()
}

/// Longest side of a frame a device may produce, and so of a reference cut from one (DCI 4K).
pub const MAX_FRAME_SIDE: u32 = 4096;
/// Most pixels of such a frame (4096 x 2160). A reference is matched against frames: one
/// larger than any frame can never match, and what it costs to prepare grows with its pixels,
/// so it is refused before its pixels are decoded.
pub const MAX_FRAME_PIXELS: u64 = 4096 * 2160;

/// The size `bytes` claim in their header, read without decoding any pixel. A PNG's size is
/// the first thing after its signature (the IHDR chunk), so it is read from there even when the
/// rest of the file is missing or broken.
pub fn dimensions(bytes: &[u8], format: ImageFormat) -> ImageResult<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if format == ImageFormat::Png
        && bytes.len() >= 24
        && bytes.starts_with(SIGNATURE)
        && &bytes[12..16] == b"IHDR"
    {
        let word = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        return Ok((word(16), word(20)));
    }
    ImageReader::with_format(Cursor::new(bytes), format).into_dimensions()
}

/// Why a `width` x `height` picture cannot be a frame (or a reference cut from one), if it
/// cannot.
pub fn frame_size_problem(width: u32, height: u32) -> Option<String> {
    if width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE {
        return Some(format!(
            "{width}x{height} is larger than any frame: a side may be at most {MAX_FRAME_SIDE} px"
        ));
    }
    if u64::from(width) * u64::from(height) > MAX_FRAME_PIXELS {
        return Some(format!(
            "{width}x{height} has more pixels than any frame (at most {MAX_FRAME_PIXELS}, 4096x2160)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG whose header claims `width` x `height` but whose pixels are missing.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn huge_claims_are_refused_before_decoding() {
        let err = decode(&png_header(100_000, 100_000), ImageFormat::Png).unwrap_err();
        assert!(
            matches!(err, image::ImageError::Limits(_)),
            "a 100000x100000 claim must hit the limits: {err}"
        );
        // Within the crate's default memory cap (512 MiB) but beyond the sides allowed here:
        // refused from the header, not after allocating 243 MB.
        let err = decode(&png_header(9000, 9000), ImageFormat::Png).unwrap_err();
        assert!(
            matches!(err, image::ImageError::Limits(_)),
            "9000x9000: {err}"
        );
        let mut small = Vec::new();
        DynamicImage::new_rgb8(4, 3)
            .write_to(&mut Cursor::new(&mut small), ImageFormat::Png)
            .unwrap();
        let image = decode(&small, ImageFormat::Png).unwrap();
        assert_eq!((image.width(), image.height()), (4, 3));
        assert!(decode(&small[..small.len() / 2], ImageFormat::Png).is_err());
    }

    #[test]
    fn frame_sizes_are_read_from_the_header_and_bounded() {
        assert_eq!(
            dimensions(&png_header(8000, 8000), ImageFormat::Png).unwrap(),
            (8000, 8000)
        );
        assert!(dimensions(b"not a png", ImageFormat::Png).is_err());
        for ok in [
            (1920, 1080),
            (3840, 2160),
            (4096, 2160),
            (2160, 4096),
            (1, 1),
        ] {
            assert_eq!(frame_size_problem(ok.0, ok.1), None, "{ok:?}");
        }
        for bad in [(8000, 8000), (4097, 10), (4096, 4096), (3000, 3000)] {
            assert!(frame_size_problem(bad.0, bad.1).is_some(), "{bad:?}");
        }
    }
}
