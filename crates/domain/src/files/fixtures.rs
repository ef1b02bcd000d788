//! Test pictures built in memory with the `image` encoders, and the byte
//! surgery the tests need (padding, patched headers, inserted segments).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{GrayImage, ImageEncoder, Luma, Rgb, RgbImage};

/// A gradient with some texture, so the encoder produces realistic data.
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x ^ y) & 0xFF) as u8,
        ])
    })
}

/// Pseudo-random pixels (xorshift), which compress badly on purpose.
pub fn noise(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        Rgb([a, b, c])
    })
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .unwrap();
    out
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode_jpeg(&picture(width, height), 85)
}

pub fn gray_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = GrayImage::from_fn(width, height, |x, y| Luma([(((x + y) * 4) & 0xFF) as u8]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image)
        .unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = picture(width, height);
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

pub fn decode_rgb(bytes: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Appends zero bytes after the end-of-image marker up to `len`.
pub fn pad_to(jpeg: &[u8], len: usize) -> Vec<u8> {
    assert!(jpeg.len() <= len);
    let mut out = jpeg.to_vec();
    out.resize(len, 0);
    out
}

/// Index of the 0xFF of the baseline start-of-frame marker.
pub fn sof_index(jpeg: &[u8]) -> usize {
    jpeg.windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header")
}

/// Rewrites the size recorded in the frame header, leaving the picture data
/// as it was.
pub fn with_dimensions(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = sof_index(&out);
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Length in bytes of the SOI marker plus the APP0 segment the encoder writes.
fn head_len(jpeg: &[u8]) -> usize {
    assert_eq!(&jpeg[2..4], &[0xFF, 0xE0]);
    4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]))
}

/// Inserts a segment right after the JFIF header, where cameras put theirs.
pub fn insert_after_app0(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let at = head_len(jpeg);
    let mut out = jpeg[..at].to_vec();
    out.extend_from_slice(&segment(marker, payload));
    out.extend_from_slice(&jpeg[at..]);
    out
}

pub fn replace_app0(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(&segment(0xE0, payload));
    out.extend_from_slice(&jpeg[head_len(jpeg)..]);
    out
}

/// An APP1 payload ("Exif\0\0" + little-endian TIFF) naming the camera and
/// the place the photo was taken (Chongqing), with an optional orientation.
pub fn exif_with_gps(orientation: Option<u16>) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;

    let ifd0_entries: u32 = if orientation.is_some() { 3 } else { 2 };
    let make_at = 8 + 2 + 12 * ifd0_entries + 4;
    let gps_at = make_at + 6;
    let latitude_at = gps_at + 2 + 12 * 4 + 4;
    let longitude_at = latitude_at + 24;

    let mut tiff = b"II\x2a\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&(ifd0_entries as u16).to_le_bytes());
    entry(&mut tiff, 0x010F, ASCII, 6, make_at.to_le_bytes());
    if let Some(o) = orientation {
        let [a, b] = o.to_le_bytes();
        entry(&mut tiff, 0x0112, SHORT, 1, [a, b, 0, 0]);
    }
    entry(&mut tiff, 0x8825, LONG, 1, gps_at.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, make_at);
    tiff.extend_from_slice(b"Canon\0");

    tiff.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, latitude_at.to_le_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, RATIONAL, 3, longitude_at.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, latitude_at);
    for (numerator, denominator) in [
        (29u32, 1u32),
        (33, 1),
        (3_456, 100),
        (106, 1),
        (33, 1),
        (1_234, 100),
    ] {
        tiff.extend_from_slice(&numerator.to_le_bytes());
        tiff.extend_from_slice(&denominator.to_le_bytes());
    }

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    payload
}

/// How a camera, phone or scanner might have written a JPEG.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub sampling: jpeg_encoder::SamplingFactor,
    pub restart_interval: u16,
    pub progressive: bool,
    pub cmyk: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            sampling: jpeg_encoder::SamplingFactor::R_4_2_0,
            restart_interval: 0,
            progressive: false,
            cmyk: false,
        }
    }
}

pub fn shaped_jpeg(width: u16, height: u16, shape: Shape) -> Vec<u8> {
    let image = picture(u32::from(width), u32::from(height));
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder.set_sampling_factor(shape.sampling);
    encoder.set_progressive(shape.progressive);
    if shape.restart_interval > 0 {
        encoder.set_restart_interval(shape.restart_interval);
    }
    if shape.cmyk {
        let data: Vec<u8> = image
            .pixels()
            .flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 40])
            .collect();
        encoder
            .encode(&data, width, height, jpeg_encoder::ColorType::Cmyk)
            .unwrap();
    } else {
        encoder
            .encode(image.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
            .unwrap();
    }
    out
}

/// A head-and-shoulders stand-in: a plain background with a darker ellipse
/// in the middle and a little texture, so it encodes to a realistic size.
pub fn portrait(width: u32, height: u32, background: Rgb<u8>) -> RgbImage {
    let (cx, cy) = (width as f32 / 2.0, height as f32 * 0.55);
    let (rx, ry) = (width as f32 * 0.3, height as f32 * 0.35);
    RgbImage::from_fn(width, height, |x, y| {
        let dx = (x as f32 - cx) / rx;
        let dy = (y as f32 - cy) / ry;
        if dx * dx + dy * dy <= 1.0 {
            let t = ((x + 2 * y) / 12 % 24) as u8;
            Rgb([180 + t, 140 + t, 120 + t])
        } else {
            background
        }
    })
}

/// Inserts a comment (COM) segment after the JFIF header so the file is
/// exactly `len` bytes long.
pub fn pad_with_com(jpeg: &[u8], len: usize) -> Vec<u8> {
    assert!(
        jpeg.len() + 4 <= len,
        "{} bytes cannot grow to {len}",
        jpeg.len()
    );
    let out = insert_after_app0(jpeg, 0xFE, &vec![b' '; len - jpeg.len() - 4]);
    assert_eq!(out.len(), len);
    out
}

/// Rewrites the JFIF density: unit 0 aspect only, 1 dots per inch, 2 dots per cm.
pub fn with_jfif_density(jpeg: &[u8], unit: u8, x: u16, y: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    assert_eq!(&out[6..11], b"JFIF\0");
    out[13] = unit;
    out[14..16].copy_from_slice(&x.to_be_bytes());
    out[16..18].copy_from_slice(&y.to_be_bytes());
    out
}
