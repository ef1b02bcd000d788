//! Cutting the signature out of a photo of a signed sheet.
//!
//! Browsers crop in the page before uploading; doing it here as well lets the
//! crop box be submitted as plain form fields, so signing also works with
//! JavaScript turned off.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView};

use super::jpeg::{self, CleanJpeg};
use super::{FileRefusal, JPEG_MAX_BYTES, check_jpeg};

/// Qualities tried in turn until the signature fits in 50K; below 30 the
/// blocks show and thin strokes break up.
const QUALITIES: [u8; 7] = [90, 80, 70, 60, 50, 40, 30];

/// How many times the signature may be scaled down after even the lowest
/// quality was too large; each round shrinks it to roughly fit, so one or
/// two rounds suffice in practice.
const MAX_SHRINKS: usize = 8;

/// Crops a signature picture to the box `(x, y, w, h)` and re-encodes it as a
/// JPEG of at most [`JPEG_MAX_BYTES`].
///
/// The box is in the pixels of the picture as it is displayed, that is after
/// its EXIF orientation is applied, because that is what the person drew the
/// box on. A box reaching past the picture is clamped to it; an empty box or
/// one starting outside the picture is refused. The input must be a JPEG that
/// passes the content and pixel-count rules of [`check_jpeg`], but may be
/// larger than 50K: cropping and re-encoding is how a phone photo gets under
/// the limit. Quality is lowered step by step until the result fits, and only
/// if the lowest step is still too large is the signature scaled down.
pub fn crop_signature(
    bytes: &[u8],
    x: u32,
    y: u32,
    w: u32,
    h: u32,
) -> Result<CleanJpeg, FileRefusal> {
    let frame = jpeg::open(bytes)?;
    let mut picture = jpeg::decode_picture(bytes, &frame)?;
    if let Some(orientation) = super::metadata::exif_orientation(bytes)
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
    {
        picture.apply_orientation(orientation);
    }
    let (x, y, w, h) = clamp_box(picture.dimensions(), (x, y, w, h))?;
    let mut signature = picture.crop_imm(x, y, w, h);
    drop(picture);

    for _ in 0..=MAX_SHRINKS {
        let mut smallest = usize::MAX;
        for quality in QUALITIES {
            let encoded = encode(&signature, quality)?;
            if encoded.len() <= JPEG_MAX_BYTES {
                return check_jpeg(&encoded, JPEG_MAX_BYTES);
            }
            smallest = encoded.len();
        }
        // Encoded size grows roughly with the pixel count, so scale both
        // sides by the square root of how far over the limit it was.
        let factor = ((JPEG_MAX_BYTES as f64 / smallest as f64).sqrt() * 0.95).min(0.9);
        let (width, height) = signature.dimensions();
        let shrink = |side: u32| ((f64::from(side) * factor) as u32).max(1);
        signature = signature.resize_exact(shrink(width), shrink(height), FilterType::Triangle);
    }
    Err(FileRefusal(format!(
        "截取的签名图片无法压缩到 {} 字节（50K）以内，请缩小截取框后重试",
        super::grouped(JPEG_MAX_BYTES as u64)
    )))
}

/// Clamps the box to the picture, refusing boxes that select nothing.
fn clamp_box(
    (width, height): (u32, u32),
    (x, y, w, h): (u32, u32, u32, u32),
) -> Result<(u32, u32, u32, u32), FileRefusal> {
    if w == 0 || h == 0 {
        return Err(FileRefusal(format!(
            "截取框为 {w}×{h} 像素，没有选中任何内容，请拖动选择签名所在区域后再确定"
        )));
    }
    if x >= width || y >= height {
        return Err(FileRefusal(format!(
            "截取框起点 ({x}, {y}) 在图片之外（图片为 {width}×{height} 像素），请重新选择签名所在区域"
        )));
    }
    Ok((x, y, w.min(width - x), h.min(height - y)))
}

fn encode(signature: &DynamicImage, quality: u8) -> Result<Vec<u8>, FileRefusal> {
    let mut out = Vec::new();
    signature
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .map_err(|_| FileRefusal::new("签名图片生成失败，请重新截取后再试"))?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn box_inside_the_picture_is_cut_exactly() {
        let clean = crop_signature(&jpeg(200, 100), 10, 20, 50, 30).unwrap();
        assert_eq!((clean.width, clean.height), (50, 30));
        assert!(clean.bytes.len() <= JPEG_MAX_BYTES);
        assert_eq!(decode_rgb(&clean.bytes).dimensions(), (50, 30));
    }

    #[test]
    fn box_reaching_past_the_edges_is_clamped() {
        let clean = crop_signature(&jpeg(200, 100), 150, 80, 500, 500).unwrap();
        assert_eq!((clean.width, clean.height), (50, 20));
        let whole = crop_signature(&jpeg(200, 100), 0, 0, u32::MAX, u32::MAX).unwrap();
        assert_eq!((whole.width, whole.height), (200, 100));
    }

    #[test]
    fn box_starting_outside_the_picture_is_refused() {
        assert_eq!(
            crop_signature(&jpeg(200, 100), 200, 0, 10, 10)
                .unwrap_err()
                .0,
            "截取框起点 (200, 0) 在图片之外（图片为 200×100 像素），请重新选择签名所在区域"
        );
        assert!(crop_signature(&jpeg(200, 100), 0, 100, 10, 10).is_err());
    }

    #[test]
    fn empty_box_is_refused() {
        assert_eq!(
            crop_signature(&jpeg(200, 100), 10, 10, 0, 30)
                .unwrap_err()
                .0,
            "截取框为 0×30 像素，没有选中任何内容，请拖动选择签名所在区域后再确定"
        );
    }

    #[test]
    fn last_pixel_can_be_cut() {
        let clean = crop_signature(&jpeg(200, 100), 199, 99, 1, 1).unwrap();
        assert_eq!((clean.width, clean.height), (1, 1));
    }

    #[test]
    fn box_is_in_the_orientation_the_person_saw() {
        // Stored 200 wide and 100 high, shown rotated a quarter turn: 100×200.
        let rotated = insert_after_app0(&jpeg(200, 100), 0xE1, &exif_with_gps(Some(6)));
        let clean = crop_signature(&rotated, 0, 150, 1_000, 1_000).unwrap();
        assert_eq!((clean.width, clean.height), (100, 50));
        assert!(!contains(&clean.bytes, b"Exif"));
    }

    #[test]
    fn large_photo_is_brought_under_50k() {
        let photo = encode_jpeg(&noise(600, 400), 95);
        assert!(photo.len() > JPEG_MAX_BYTES);
        let clean = crop_signature(&photo, 0, 0, 600, 400).unwrap();
        assert!(clean.bytes.len() <= JPEG_MAX_BYTES);
        assert!(clean.width <= 600 && clean.height <= 400);
        // The shape is kept when shrinking.
        let ratio = f64::from(clean.width) / f64::from(clean.height);
        assert!((ratio - 1.5).abs() < 0.05, "ratio {ratio}");
    }

    #[test]
    fn greyscale_signature_stays_valid() {
        let clean = crop_signature(&gray_jpeg(120, 60), 10, 10, 100, 40).unwrap();
        assert_eq!((clean.width, clean.height), (100, 40));
    }

    #[test]
    fn png_signature_is_refused_naming_png() {
        assert_eq!(
            crop_signature(&png(50, 50), 0, 0, 10, 10).unwrap_err().0,
            "文件内容是 PNG 图片而不是 JPG，请另存为 .jpg 格式后上传"
        );
    }

    #[test]
    fn pixel_flood_is_refused_before_cropping() {
        let flood = with_dimensions(&jpeg(16, 16), 20_000, 20_000);
        assert!(
            crop_signature(&flood, 0, 0, 10, 10)
                .unwrap_err()
                .0
                .starts_with("图片尺寸 20000×20000 像素过大")
        );
    }
}
