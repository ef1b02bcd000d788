//! Cutting the signature out of a photo of a signed sheet.
//!
//! The page draws the box on the photo but sends the whole photo and the box
//! as plain form fields, and the cut is made here: so signing also works with
//! JavaScript turned off (the box typed, or left empty for the whole picture),
//! and the rules on the box are checked where they cannot be skipped.

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

/// Narrowest signature kept, in pixels of the picture as the person saw it.
///
/// The signature is printed about 1.1 cm high on the 毕业生登记表 and the
/// transcript page; below 100×30 pixels a handwritten name is a smudge there,
/// and a box that small is almost always a slip of the crop tool rather than
/// a choice (a collapsed box once stored a 10×10 signature).
pub const SIGNATURE_MIN_WIDTH: u32 = 100;

/// Lowest signature kept, in pixels; see [`SIGNATURE_MIN_WIDTH`].
pub const SIGNATURE_MIN_HEIGHT: u32 = 30;

/// The part of the picture to keep: left, top, width and height in pixels of
/// the picture as it is displayed, that is after its EXIF orientation is
/// applied, because that is what the person drew the box on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropBox {
    /// 左: distance from the picture's left edge.
    pub x: u32,
    /// 上: distance from the picture's top edge.
    pub y: u32,
    /// 宽.
    pub width: u32,
    /// 高.
    pub height: u32,
}

/// Crops a signature picture to `crop` (the whole picture when `None`) and
/// re-encodes it as a JPEG of at most [`JPEG_MAX_BYTES`].
///
/// The box must lie inside the picture and be at least
/// [`SIGNATURE_MIN_WIDTH`]×[`SIGNATURE_MIN_HEIGHT`]; otherwise it is refused,
/// saying by how much it misses, because quietly keeping something other than
/// what the person chose is how a wrong signature ends up in the archive. The
/// input must be a JPEG that passes the content and pixel-count rules of
/// [`check_jpeg`], but may be larger than 50K: cropping and re-encoding is how
/// a phone photo gets under the limit. Quality is lowered step by step until
/// the result fits, and only if the lowest step is still too large is the
/// signature scaled down.
pub fn crop_signature(bytes: &[u8], crop: Option<CropBox>) -> Result<CleanJpeg, FileRefusal> {
    let frame = jpeg::open(bytes)?;
    let mut picture = jpeg::decode_picture(bytes, &frame)?;
    if let Some(orientation) = super::metadata::exif_orientation(bytes)
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
    {
        picture.apply_orientation(orientation);
    }
    let (width, height) = picture.dimensions();
    let CropBox {
        x,
        y,
        width: w,
        height: h,
    } = match crop {
        Some(c) => check_box((width, height), c)?,
        None => check_whole((width, height))?,
    };
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

/// Accepts a box that lies inside the picture and is large enough to hold a
/// signature; a box reaching past an edge is refused naming each edge and by
/// how many pixels, rather than clamped to something the person did not draw.
fn check_box((width, height): (u32, u32), crop: CropBox) -> Result<CropBox, FileRefusal> {
    let CropBox {
        x,
        y,
        width: w,
        height: h,
    } = crop;
    // u64: x + w of two u32 values cannot overflow there.
    let right = (u64::from(x) + u64::from(w)).saturating_sub(u64::from(width));
    let bottom = (u64::from(y) + u64::from(h)).saturating_sub(u64::from(height));
    if right > 0 || bottom > 0 {
        let mut past = Vec::new();
        if right > 0 {
            past.push(format!("右边 {} 像素", super::grouped(right)));
        }
        if bottom > 0 {
            past.push(format!("下边 {} 像素", super::grouped(bottom)));
        }
        return Err(FileRefusal(format!(
            "截取框（左 {x}、上 {y}、宽 {w}、高 {h}）超出图片{}（图片为 {width}×{height} 像素），\
             请把截取框移回图片内",
            past.join("、")
        )));
    }
    if w < SIGNATURE_MIN_WIDTH || h < SIGNATURE_MIN_HEIGHT {
        return Err(FileRefusal(format!(
            "截取框为 {w}×{h} 像素，太小，看不清签名：截取框至少需要宽 {SIGNATURE_MIN_WIDTH}、\
             高 {SIGNATURE_MIN_HEIGHT} 像素（按原图像素计），请放大截取框框住整个签名"
        )));
    }
    Ok(crop)
}

/// The whole picture as the box, when it is large enough to hold a signature.
fn check_whole((width, height): (u32, u32)) -> Result<CropBox, FileRefusal> {
    if width < SIGNATURE_MIN_WIDTH || height < SIGNATURE_MIN_HEIGHT {
        return Err(FileRefusal(format!(
            "签名图片为 {width}×{height} 像素，太小，看不清签名：至少需要宽 \
             {SIGNATURE_MIN_WIDTH}、高 {SIGNATURE_MIN_HEIGHT} 像素，请重新拍摄签名后上传"
        )));
    }
    Ok(CropBox {
        x: 0,
        y: 0,
        width,
        height,
    })
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

    fn boxed(x: u32, y: u32, width: u32, height: u32) -> Option<CropBox> {
        Some(CropBox {
            x,
            y,
            width,
            height,
        })
    }

    #[test]
    fn box_inside_the_picture_is_cut_exactly() {
        let clean = crop_signature(&jpeg(200, 100), boxed(10, 20, 150, 50)).unwrap();
        assert_eq!((clean.width, clean.height), (150, 50));
        assert!(clean.bytes.len() <= JPEG_MAX_BYTES);
        assert_eq!(decode_rgb(&clean.bytes).dimensions(), (150, 50));
    }

    #[test]
    fn no_box_keeps_the_whole_picture() {
        let whole = crop_signature(&jpeg(200, 100), None).unwrap();
        assert_eq!((whole.width, whole.height), (200, 100));
    }

    #[test]
    fn box_of_the_minimum_size_is_kept() {
        let clean = crop_signature(
            &jpeg(200, 100),
            boxed(5, 6, SIGNATURE_MIN_WIDTH, SIGNATURE_MIN_HEIGHT),
        )
        .unwrap();
        assert_eq!(
            (clean.width, clean.height),
            (SIGNATURE_MIN_WIDTH, SIGNATURE_MIN_HEIGHT)
        );
    }

    #[test]
    fn box_one_pixel_narrower_than_the_minimum_is_refused() {
        assert_eq!(
            crop_signature(&jpeg(200, 100), boxed(5, 6, 99, 30))
                .unwrap_err()
                .0,
            "截取框为 99×30 像素，太小，看不清签名：截取框至少需要宽 100、高 30 像素（按原图像素计），\
             请放大截取框框住整个签名"
        );
    }

    #[test]
    fn box_one_pixel_lower_than_the_minimum_is_refused() {
        assert!(
            crop_signature(&jpeg(200, 100), boxed(5, 6, 100, 29))
                .unwrap_err()
                .0
                .starts_with("截取框为 100×29 像素，太小")
        );
    }

    #[test]
    fn collapsed_box_is_refused_as_too_small() {
        // What a viewport change once did to the crop tool's box.
        assert!(
            crop_signature(&jpeg(200, 100), boxed(0, 0, 10, 10))
                .unwrap_err()
                .0
                .starts_with("截取框为 10×10 像素，太小")
        );
        assert!(
            crop_signature(&jpeg(200, 100), boxed(10, 10, 0, 30))
                .unwrap_err()
                .0
                .starts_with("截取框为 0×30 像素，太小")
        );
    }

    #[test]
    fn picture_smaller_than_the_minimum_is_refused_whole() {
        assert_eq!(
            crop_signature(&jpeg(120, 29), None).unwrap_err().0,
            "签名图片为 120×29 像素，太小，看不清签名：至少需要宽 100、高 30 像素，\
             请重新拍摄签名后上传"
        );
        let whole = crop_signature(&jpeg(100, 30), None).unwrap();
        assert_eq!((whole.width, whole.height), (100, 30));
    }

    #[test]
    fn box_touching_the_far_edges_is_kept() {
        let clean = crop_signature(&jpeg(200, 100), boxed(100, 70, 100, 30)).unwrap();
        assert_eq!((clean.width, clean.height), (100, 30));
    }

    #[test]
    fn box_one_pixel_past_an_edge_is_refused_naming_by_how_much() {
        assert_eq!(
            crop_signature(&jpeg(200, 100), boxed(100, 70, 101, 30))
                .unwrap_err()
                .0,
            "截取框（左 100、上 70、宽 101、高 30）超出图片右边 1 像素（图片为 200×100 像素），\
             请把截取框移回图片内"
        );
        assert!(
            crop_signature(&jpeg(200, 100), boxed(100, 71, 100, 30))
                .unwrap_err()
                .0
                .contains("超出图片下边 1 像素")
        );
    }

    #[test]
    fn box_past_two_edges_names_both() {
        assert!(
            crop_signature(&jpeg(200, 100), boxed(150, 80, 500, 500))
                .unwrap_err()
                .0
                .contains("超出图片右边 450 像素、下边 480 像素")
        );
        // Sums past u32::MAX are measured, not wrapped round to something inside.
        assert!(
            crop_signature(&jpeg(200, 100), boxed(u32::MAX, 0, u32::MAX, 30))
                .unwrap_err()
                .0
                .contains("超出图片右边 8,589,934,390 像素")
        );
    }

    #[test]
    fn box_starting_outside_the_picture_is_refused() {
        assert!(
            crop_signature(&jpeg(200, 100), boxed(200, 0, 100, 30))
                .unwrap_err()
                .0
                .contains("超出图片右边 100 像素")
        );
    }

    #[test]
    fn box_is_in_the_orientation_the_person_saw() {
        // Stored 200 wide and 100 high, shown rotated a quarter turn: 100×200.
        let rotated = insert_after_app0(&jpeg(200, 100), 0xE1, &exif_with_gps(Some(6)));
        let clean = crop_signature(&rotated, boxed(0, 150, 100, 50)).unwrap();
        assert_eq!((clean.width, clean.height), (100, 50));
        assert!(!contains(&clean.bytes, b"Exif"));
        // A box drawn on the stored (unrotated) size reaches past the shown picture.
        assert!(
            crop_signature(&rotated, boxed(0, 0, 200, 100))
                .unwrap_err()
                .0
                .contains("超出图片右边 100 像素（图片为 100×200 像素）")
        );
        let whole = crop_signature(&rotated, None).unwrap();
        assert_eq!((whole.width, whole.height), (100, 200));
    }

    #[test]
    fn large_photo_is_brought_under_50k() {
        let photo = encode_jpeg(&noise(600, 400), 95);
        assert!(photo.len() > JPEG_MAX_BYTES);
        let clean = crop_signature(&photo, boxed(0, 0, 600, 400)).unwrap();
        assert!(clean.bytes.len() <= JPEG_MAX_BYTES);
        assert!(clean.width <= 600 && clean.height <= 400);
        // The shape is kept when shrinking.
        let ratio = f64::from(clean.width) / f64::from(clean.height);
        assert!((ratio - 1.5).abs() < 0.05, "ratio {ratio}");
    }

    #[test]
    fn greyscale_signature_stays_valid() {
        let clean = crop_signature(&gray_jpeg(120, 60), boxed(10, 10, 100, 40)).unwrap();
        assert_eq!((clean.width, clean.height), (100, 40));
    }

    #[test]
    fn png_signature_is_refused_naming_png() {
        assert_eq!(
            crop_signature(&png(50, 50), None).unwrap_err().0,
            "文件内容是 PNG 图片而不是 JPG，请另存为 .jpg 格式后上传"
        );
    }

    #[test]
    fn pixel_flood_is_refused_before_cropping() {
        let flood = with_dimensions(&jpeg(16, 16), 20_000, 20_000);
        assert!(
            crop_signature(&flood, boxed(0, 0, 100, 30))
                .unwrap_err()
                .0
                .starts_with("图片尺寸 20000×20000 像素过大")
        );
    }
}
