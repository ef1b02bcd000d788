//! The certificate photo (毕业证书照片): printed on the diploma and sent to the
//! national electronic registration of qualifications, so it has to meet the
//! registration's exact technical rules rather than just "a JPEG under 50K".
//!
//! [`check_certificate_photo`] lists every rule a file breaks, each with the
//! actual value and the requirement, so a candidate can fix everything in one
//! go; [`fix_certificate_photo`] produces a compliant file from any photo.

use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

use super::jpeg::{decode_picture, jpeg_header, open};
use super::segments::{APP1, DQT, EOI, SOS, segments};
use super::{FileRefusal, MAX_PIXELS, grouped};

/// Required width in pixels.
pub const PHOTO_WIDTH: u32 = 480;
/// Required height in pixels.
pub const PHOTO_HEIGHT: u32 = 640;
/// Required resolution in dots per inch.
pub const PHOTO_DPI: u16 = 300;
/// Smallest accepted file: 20 KB of 1,024 bytes.
pub const PHOTO_MIN_BYTES: usize = 20 * 1024;
/// Largest accepted file: 40 KB of 1,024 bytes.
pub const PHOTO_MAX_BYTES: usize = 40 * 1024;
/// Lowest accepted estimated compression quality (IJG scale 1–100).
pub const PHOTO_MIN_QUALITY: u8 = 60;

/// The light blue background the registration asks for, as RGB.
const LIGHT_BLUE: [f64; 3] = [120.0, 180.0, 235.0];
/// How far (Euclidean distance in RGB) the measured background may be from
/// [`LIGHT_BLUE`] and still count as light blue.
const BACKGROUND_TOLERANCE: f64 = 80.0;

/// The outcome of [`check_certificate_photo`]: every rule the file breaks,
/// plus advice that does not make it non-compliant, and what was measured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhotoReport {
    /// Broken rules in Simplified Chinese, each naming the actual value and
    /// the requirement ("宽 600 像素，应为 480 像素"); empty when compliant.
    pub failures: Vec<String>,
    /// Advice that does not fail the check, such as a background that does
    /// not look light blue.
    pub warnings: Vec<String>,
    /// Width in pixels from the frame header, 0 when unreadable.
    pub width: u32,
    /// Height in pixels from the frame header, 0 when unreadable.
    pub height: u32,
    /// Horizontal resolution in dots per inch, from JFIF or else EXIF.
    pub dpi: Option<u16>,
    /// Estimated IJG compression quality from the luminance table.
    pub quality: Option<u8>,
    /// File size in bytes.
    pub size: usize,
}

impl PhotoReport {
    /// Whether the photo meets every rule (warnings do not count).
    pub fn is_compliant(&self) -> bool {
        self.failures.is_empty()
    }
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Checks a certificate photo against every rule and lists all failures.
///
/// Rules: a `.jpg`/`.jpeg` name and real JPEG content; 20–40 KB (KB = 1,024
/// bytes); exactly 480×640 pixels; 300 dpi (JFIF density, where 118 dots per
/// centimetre counts as 300 dpi, or else EXIF XResolution/YResolution);
/// 24-bit colour (three components, so neither greyscale nor CMYK); baseline
/// rather than progressive coding; estimated quality of at least 60; a
/// complete file that decodes fully. A declared size above
/// [`MAX_PIXELS`](super::MAX_PIXELS) is refused before any decoding. A
/// background that does not look light blue is only a warning.
pub fn check_certificate_photo(file_name: &str, bytes: &[u8]) -> PhotoReport {
    let mut report = PhotoReport {
        size: bytes.len(),
        ..PhotoReport::default()
    };
    let lower = file_name.to_lowercase();
    if !(lower.ends_with(".jpg") || lower.ends_with(".jpeg")) {
        let ext = file_name
            .rsplit_once('.')
            .map_or_else(|| "无扩展名".to_string(), |(_, e)| format!(".{e}"));
        report
            .failures
            .push(format!("文件扩展名为 {ext}，应为 .jpg 或 .jpeg"));
    }
    let size = bytes.len();
    if !(PHOTO_MIN_BYTES..=PHOTO_MAX_BYTES).contains(&size) {
        report.failures.push(format!(
            "文件大小 {}（{} 字节），应为 20–40 KB（{}–{} 字节）",
            kb(size),
            grouped(size as u64),
            grouped(PHOTO_MIN_BYTES as u64),
            grouped(PHOTO_MAX_BYTES as u64)
        ));
    }
    let header = match jpeg_header(bytes) {
        Ok(h) => h,
        Err(refusal) => {
            report.failures.push(refusal.0);
            return report;
        }
    };
    report.width = header.width;
    report.height = header.height;
    if header.width != PHOTO_WIDTH {
        report
            .failures
            .push(format!("宽 {} 像素，应为 {PHOTO_WIDTH} 像素", header.width));
    }
    if header.height != PHOTO_HEIGHT {
        report.failures.push(format!(
            "高 {} 像素，应为 {PHOTO_HEIGHT} 像素",
            header.height
        ));
    }
    match header.components {
        3 => {}
        1 => report
            .failures
            .push("照片为灰度（黑白）图片，应为 24 位真彩色（RGB）".to_string()),
        4 => report
            .failures
            .push("照片为 CMYK 印刷色彩模式，应为 24 位真彩色（RGB）".to_string()),
        n => report.failures.push(format!(
            "照片有 {n} 个颜色通道，应为 24 位真彩色（RGB，3 个通道）"
        )),
    }
    if header.progressive {
        report.failures.push(
            "照片为渐进式JPEG，应为基线（标准）JPEG，请用画图等软件另存为普通 .jpg".to_string(),
        );
    }
    report.dpi = resolution(bytes, header.density, &mut report.failures);
    report.quality = estimate_quality(bytes);
    match report.quality {
        Some(q) if q < PHOTO_MIN_QUALITY => report
            .failures
            .push(format!("压缩质量约 {q}，应不低于 {PHOTO_MIN_QUALITY}")),
        Some(_) => {}
        None => report
            .failures
            .push("照片缺少量化表，无法判断压缩质量，请重新导出为 .jpg".to_string()),
    }
    // Pixel flood, unsupported coding and truncation are judged before decoding.
    let frame = match open(bytes) {
        Ok(frame) => frame,
        Err(refusal) => {
            report.failures.push(refusal.0);
            return report;
        }
    };
    match decode_picture(bytes, &frame) {
        Ok(DynamicImage::ImageRgb8(rgb)) if header.components == 3 => {
            if let Some(warning) = background_warning(&rgb) {
                report.warnings.push(warning);
            }
        }
        Ok(_) => {}
        Err(refusal) => report.failures.push(refusal.0),
    }
    report
}

/// Resolution in dpi from JFIF (units 1 = dpi, 2 = dots/cm) or, when JFIF
/// records none, from EXIF; pushes a failure unless both axes are 300 dpi.
fn resolution(
    bytes: &[u8],
    jfif: Option<(u16, u16, u8)>,
    failures: &mut Vec<String>,
) -> Option<u16> {
    let from_jfif = match jfif {
        Some((x, y, 1)) => Some((f64::from(x), f64::from(y))),
        Some((x, y, 2)) => Some((f64::from(x) * 2.54, f64::from(y) * 2.54)),
        _ => None,
    };
    let Some((x, y)) = from_jfif.or_else(|| exif_resolution(bytes)) else {
        failures.push(format!("照片未记录分辨率，应为 {PHOTO_DPI} dpi"));
        return None;
    };
    let round = |v: f64| v.round().clamp(0.0, f64::from(u16::MAX)) as u16;
    let (x, y) = (round(x), round(y));
    if x != PHOTO_DPI || y != PHOTO_DPI {
        let actual = if x == y {
            format!("{x} dpi")
        } else {
            format!("水平 {x} dpi、垂直 {y} dpi")
        };
        failures.push(format!("分辨率 {actual}，应为 {PHOTO_DPI} dpi"));
    }
    Some(x)
}

/// EXIF XResolution/YResolution converted to dpi (ResolutionUnit 3 is
/// centimetres; anything else is read as inches, the EXIF default).
fn exif_resolution(bytes: &[u8]) -> Option<(f64, f64)> {
    for segment in segments(bytes) {
        let segment = segment.ok()?;
        match segment.marker {
            APP1 => {
                let payload = &bytes[segment.payload.clone()];
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
                    let rational = |tag| match &exif.get_field(tag, exif::In::PRIMARY)?.value {
                        exif::Value::Rational(v) => v.first().map(exif::Rational::to_f64),
                        _ => None,
                    };
                    let x = rational(exif::Tag::XResolution)?;
                    let y = rational(exif::Tag::YResolution).unwrap_or(x);
                    let per_cm = exif
                        .get_field(exif::Tag::ResolutionUnit, exif::In::PRIMARY)
                        .and_then(|f| f.value.get_uint(0))
                        == Some(3);
                    let factor = if per_cm { 2.54 } else { 1.0 };
                    return Some((x * factor, y * factor));
                }
            }
            SOS | EOI => return None,
            _ => {}
        }
    }
    None
}

/// The luminance quantisation table of ITU-T T.81 Annex K (K.1), which the
/// IJG library scales by the quality setting; in natural (row-major) order.
const IJG_LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Natural-order index of the k-th coefficient in zig-zag order, the order
/// DQT segments store their values in.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The table the IJG library writes for `quality` (1–100): the Annex K table
/// scaled by `5000 / q` below 50 and `200 − 2q` from 50, rounded, and clamped
/// to 1–255 as for baseline files.
fn ijg_table(quality: u8) -> [u16; 64] {
    let q = u32::from(quality.clamp(1, 100));
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    IJG_LUMINANCE.map(|v| {
        let scaled = (u32::from(v) * scale + 50) / 100;
        u16::try_from(scaled.clamp(1, 255)).unwrap_or(255)
    })
}

/// Estimates the compression quality by inverting the IJG scaling: the
/// file's luminance table (DQT table 0) is compared with the Annex K table
/// scaled for every quality from 1 to 100, and the quality whose table is
/// closest (least sum of absolute differences) wins; on a tie the lower
/// quality is reported. Encoders that use other base tables get the nearest
/// IJG equivalent. `None` when the file has no table 0.
fn estimate_quality(bytes: &[u8]) -> Option<u8> {
    let table = luminance_table(bytes)?;
    let mut best: Option<(u64, u8)> = None;
    for quality in 1..=100u8 {
        let distance: u64 = ijg_table(quality)
            .iter()
            .zip(table.iter())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, quality));
        }
    }
    best.map(|(_, q)| q)
}

/// DQT table 0 in natural order, whether stored with 8- or 16-bit values.
fn luminance_table(bytes: &[u8]) -> Option<[u16; 64]> {
    for segment in segments(bytes) {
        let segment = segment.ok()?;
        match segment.marker {
            DQT => {
                let mut rest = &bytes[segment.payload.clone()];
                while let [pq_tq, tail @ ..] = rest {
                    let wide = pq_tq >> 4 != 0;
                    let len = if wide { 128 } else { 64 };
                    let values = tail.get(..len)?;
                    if pq_tq & 0x0F == 0 {
                        let mut table = [0u16; 64];
                        for (k, &natural) in ZIGZAG.iter().enumerate() {
                            table[natural] = if wide {
                                u16::from_be_bytes([values[2 * k], values[2 * k + 1]])
                            } else {
                                u16::from(values[k])
                            };
                        }
                        return Some(table);
                    }
                    rest = &tail[len..];
                }
            }
            SOS | EOI => return None,
            _ => {}
        }
    }
    None
}

/// Averages the two top corners (the top tenth of the rows, the outer fifth
/// of the columns on each side, where the head never is) and warns when the
/// result is not close to light blue.
fn background_warning(image: &RgbImage) -> Option<String> {
    let (w, h) = image.dimensions();
    let rows = (h / 10).max(1);
    let cols = (w / 5).max(1);
    let mut sum = [0u64; 3];
    let mut count = 0u64;
    for y in 0..rows.min(h) {
        for x in (0..cols.min(w)).chain(w.saturating_sub(cols)..w) {
            let p = image.get_pixel(x, y);
            for (s, &c) in sum.iter_mut().zip(p.0.iter()) {
                *s += u64::from(c);
            }
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    let avg = sum.map(|s| (s as f64 / count as f64).round());
    let distance = avg
        .iter()
        .zip(LIGHT_BLUE.iter())
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    (distance > BACKGROUND_TOLERANCE).then(|| {
        format!(
            "背景颜色（顶部两角平均 RGB({}, {}, {})）不像浅蓝色（约 RGB({}, {}, {})），证书照片应为浅蓝色背景",
            avg[0], avg[1], avg[2], LIGHT_BLUE[0], LIGHT_BLUE[1], LIGHT_BLUE[2]
        )
    })
}

/// Turns any readable JPEG into a compliant certificate photo.
///
/// The picture is decoded (sizes above [`MAX_PIXELS`] refused from the header
/// first), centre-cropped to 3:4, resized to 480×640 with Lanczos3, and saved
/// as a baseline JPEG with a 300 dpi JFIF header. Quality starts at 90 and
/// steps down (never below 60) while the file is over 40 KB, or up (at most
/// 100) while it is under 20 KB. When no quality lands within 20–40 KB the
/// photo is refused with the reason; nothing is padded in to reach the size.
pub fn fix_certificate_photo(bytes: &[u8]) -> Result<Vec<u8>, FileRefusal> {
    let header = jpeg_header(bytes)?;
    let pixels = u64::from(header.width) * u64::from(header.height);
    if pixels > MAX_PIXELS {
        return Err(FileRefusal(format!(
            "图片尺寸 {}×{} 像素过大（共 {} 像素，上限 {} 像素），请缩小尺寸后重新上传",
            header.width,
            header.height,
            grouped(pixels),
            grouped(MAX_PIXELS)
        )));
    }
    let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map_err(|_| super::segments::damaged())?
        .to_rgb8();
    let (w, h) = decoded.dimensions();
    // Centre crop to 3:4 (width:height).
    let (cw, ch) = if u64::from(w) * 4 > u64::from(h) * 3 {
        ((u64::from(h) * 3 / 4) as u32, h)
    } else {
        (w, (u64::from(w) * 4 / 3) as u32)
    };
    let (cw, ch) = (cw.max(1), ch.max(1));
    let cropped =
        image::imageops::crop_imm(&decoded, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image();
    let resized =
        image::imageops::resize(&cropped, PHOTO_WIDTH, PHOTO_HEIGHT, FilterType::Lanczos3);

    let mut quality = 90u8;
    let mut out = encode(&resized, quality)?;
    while out.len() > PHOTO_MAX_BYTES {
        if quality <= PHOTO_MIN_QUALITY {
            return Err(FileRefusal(format!(
                "照片细节过多：即使以最低允许质量 {PHOTO_MIN_QUALITY} 保存仍有 {}，超过 40 KB 上限，请换一张背景简洁的照片",
                kb(out.len())
            )));
        }
        quality = quality.saturating_sub(2).max(PHOTO_MIN_QUALITY);
        out = encode(&resized, quality)?;
    }
    while out.len() < PHOTO_MIN_BYTES {
        if quality >= 100 {
            return Err(FileRefusal(format!(
                "照片细节过少：即使以最高质量 100 保存也只有 {}，不足 20 KB 下限，请使用更清晰的原始照片",
                kb(out.len())
            )));
        }
        quality = (quality + 2).min(100);
        out = encode(&resized, quality)?;
        if out.len() > PHOTO_MAX_BYTES {
            return Err(FileRefusal(format!(
                "照片无法保存为 20–40 KB：质量 {} 时为 {}，质量 {quality} 时为 {}",
                quality - 2,
                kb(encode(&resized, quality - 2)?.len()),
                kb(out.len())
            )));
        }
    }
    let report = check_certificate_photo("photo.jpg", &out);
    if report.is_compliant() {
        Ok(out)
    } else {
        Err(FileRefusal(report.failures.join("；")))
    }
}

fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, FileRefusal> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    encoder.set_pixel_density(PixelDensity::dpi(PHOTO_DPI));
    encoder
        .encode_image(image)
        .map_err(|e| FileRefusal(format!("照片保存失败：{e}")))?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use image::Rgb;

    const BLUE: Rgb<u8> = Rgb([120, 180, 235]);

    /// A 480×640 light-blue portrait at `quality`, 300 dpi, before padding.
    fn raw(width: u32, height: u32, quality: u8) -> Vec<u8> {
        let encoded = encode_jpeg(&portrait(width, height, BLUE), quality);
        with_jfif_density(&encoded, 1, 300, 300)
    }

    /// A compliant photo padded to `len` bytes.
    fn photo(len: usize) -> Vec<u8> {
        pad_with_com(&raw(480, 640, 85), len)
    }

    /// A large portrait with sensor-like noise of ±6 on every channel.
    fn noisy_portrait(width: u32, height: u32) -> image::RgbImage {
        let mut image = portrait(width, height, BLUE);
        let grain = noise(width, height);
        for (p, n) in image.pixels_mut().zip(grain.pixels()) {
            for (c, g) in p.0.iter_mut().zip(n.0) {
                *c = c.saturating_add(g % 13).saturating_sub(6);
            }
        }
        image
    }

    fn check(bytes: &[u8]) -> PhotoReport {
        check_certificate_photo("photo.jpg", bytes)
    }

    #[test]
    fn compliant_photo_passes() {
        let base = raw(480, 640, 85);
        assert!(base.len() < 20_378, "fixture too large: {}", base.len());
        let report = check(&photo(30_000));
        assert!(report.is_compliant(), "{report:?}");
        assert!(report.warnings.is_empty(), "{report:?}");
        assert_eq!((report.width, report.height), (480, 640));
        assert_eq!(report.dpi, Some(300));
        assert_eq!(report.quality, Some(85));
        assert_eq!(report.size, 30_000);
    }

    #[test]
    fn size_bounds_are_20_and_40_kb_of_1024_bytes() {
        assert!(check(&photo(20_480)).is_compliant());
        assert!(check(&photo(40_960)).is_compliant());
        let small = check(&photo(20_378));
        assert_eq!(
            small.failures,
            ["文件大小 19.9 KB（20,378 字节），应为 20–40 KB（20,480–40,960 字节）"]
        );
        let large = check(&photo(41_062));
        assert_eq!(
            large.failures,
            ["文件大小 40.1 KB（41,062 字节），应为 20–40 KB（20,480–40,960 字节）"]
        );
        assert!(!check(&photo(20_479)).is_compliant());
        assert!(!check(&photo(40_961)).is_compliant());
    }

    #[test]
    fn dimensions_must_be_exactly_480_by_640() {
        let narrow = check(&pad_with_com(&raw(479, 640, 85), 30_000));
        assert_eq!(narrow.failures, ["宽 479 像素，应为 480 像素"]);
        let wide = check(&pad_with_com(&raw(600, 640, 85), 30_000));
        assert_eq!(wide.failures, ["宽 600 像素，应为 480 像素"]);
        let short = check(&pad_with_com(&raw(480, 639, 85), 30_000));
        assert_eq!(short.failures, ["高 639 像素，应为 640 像素"]);
    }

    #[test]
    fn resolution_must_be_300_dpi() {
        let at = |unit, d| check(&with_jfif_density(&photo(30_000), unit, d, d));
        assert_eq!(at(1, 299).failures, ["分辨率 299 dpi，应为 300 dpi"]);
        assert_eq!(at(1, 299).dpi, Some(299));
        assert!(at(1, 300).is_compliant());
        // 118 dots per centimetre is 299.7 dpi, which rounds to 300.
        assert!(at(2, 118).is_compliant());
        assert_eq!(at(2, 117).failures, ["分辨率 297 dpi，应为 300 dpi"]);
        assert_eq!(at(0, 1).failures, ["照片未记录分辨率，应为 300 dpi"]);
    }

    #[test]
    fn resolution_is_read_from_exif_when_jfif_has_none() {
        fn exif_dpi(dpi: u32) -> Vec<u8> {
            let mut tiff = b"II\x2a\0\x08\0\0\0".to_vec();
            tiff.extend_from_slice(&3u16.to_le_bytes());
            let values_at = 8 + 2 + 12 * 3 + 4u32;
            for (tag, kind, value) in [
                (0x011Au16, 5u16, values_at.to_le_bytes()),
                (0x011B, 5, (values_at + 8).to_le_bytes()),
                (0x0128, 3, [2, 0, 0, 0]),
            ] {
                tiff.extend_from_slice(&tag.to_le_bytes());
                tiff.extend_from_slice(&kind.to_le_bytes());
                tiff.extend_from_slice(&1u32.to_le_bytes());
                tiff.extend_from_slice(&value);
            }
            tiff.extend_from_slice(&0u32.to_le_bytes());
            for _ in 0..2 {
                tiff.extend_from_slice(&dpi.to_le_bytes());
                tiff.extend_from_slice(&1u32.to_le_bytes());
            }
            let mut payload = b"Exif\0\0".to_vec();
            payload.extend_from_slice(&tiff);
            payload
        }
        let no_jfif_dpi = with_jfif_density(&raw(480, 640, 85), 0, 1, 1);
        let tagged = insert_after_app0(&no_jfif_dpi, 0xE1, &exif_dpi(300));
        let report = check(&pad_with_com(&tagged, 30_000));
        assert!(report.is_compliant(), "{report:?}");
        assert_eq!(report.dpi, Some(300));
        let tagged = insert_after_app0(&no_jfif_dpi, 0xE1, &exif_dpi(72));
        assert_eq!(
            check(&pad_with_com(&tagged, 30_000)).failures,
            ["分辨率 72 dpi，应为 300 dpi"]
        );
    }

    #[test]
    fn quality_must_be_at_least_60() {
        let q60 = check(&pad_with_com(&raw(480, 640, 60), 30_000));
        assert!(q60.is_compliant(), "{q60:?}");
        assert_eq!(q60.quality, Some(60));
        let q59 = check(&pad_with_com(&raw(480, 640, 59), 30_000));
        assert_eq!(q59.quality, Some(59));
        assert_eq!(q59.failures, ["压缩质量约 59，应不低于 60"]);
    }

    #[test]
    fn quality_estimate_inverts_the_ijg_scaling() {
        for q in [1u8, 10, 25, 49, 50, 51, 75, 90, 99, 100] {
            let table = ijg_table(q);
            let mut zigzag = vec![0u8; 64];
            for (k, &natural) in ZIGZAG.iter().enumerate() {
                zigzag[k] = u8::try_from(table[natural]).unwrap();
            }
            let mut dqt = vec![0u8];
            dqt.extend_from_slice(&zigzag);
            let mut bytes = vec![0xFF, 0xD8, 0xFF, DQT, 0, 67];
            bytes.extend_from_slice(&dqt);
            bytes.extend_from_slice(&[0xFF, EOI]);
            assert_eq!(estimate_quality(&bytes), Some(q), "quality {q}");
        }
    }

    #[test]
    fn greyscale_and_cmyk_are_refused_by_name() {
        let grey = check(&gray_jpeg(480, 640));
        assert!(
            grey.failures
                .contains(&"照片为灰度（黑白）图片，应为 24 位真彩色（RGB）".to_string()),
            "{grey:?}"
        );
        let cmyk = shaped_jpeg(
            480,
            640,
            Shape {
                cmyk: true,
                ..Shape::default()
            },
        );
        let report = check(&cmyk);
        assert!(
            report
                .failures
                .contains(&"照片为 CMYK 印刷色彩模式，应为 24 位真彩色（RGB）".to_string()),
            "{report:?}"
        );
    }

    #[test]
    fn progressive_is_refused() {
        let progressive = shaped_jpeg(
            480,
            640,
            Shape {
                progressive: true,
                ..Shape::default()
            },
        );
        let report = check(&progressive);
        assert!(
            report.failures.iter().any(|f| f.contains("渐进式JPEG")),
            "{report:?}"
        );
    }

    #[test]
    fn png_renamed_jpg_and_wrong_extension_are_refused() {
        let report = check(&png(480, 640));
        assert!(
            report
                .failures
                .contains(&"文件内容是 PNG 图片而不是 JPG，请另存为 .jpg 格式后上传".to_string()),
            "{report:?}"
        );
        let named = check_certificate_photo("photo.PNG", &photo(30_000));
        assert_eq!(named.failures, ["文件扩展名为 .PNG，应为 .jpg 或 .jpeg"]);
        assert!(check_certificate_photo("PHOTO.JPEG", &photo(30_000)).is_compliant());
    }

    #[test]
    fn truncated_photo_is_refused() {
        let whole = photo(30_000);
        let report = check(&whole[..whole.len() - 5_000]);
        assert!(
            report
                .failures
                .contains(&"图片数据不完整或已损坏，无法打开，请重新导出后上传".to_string()),
            "{report:?}"
        );
    }

    #[test]
    fn pixel_flood_is_refused_before_decoding() {
        let flood = with_dimensions(&photo(30_000), 20_000, 20_000);
        let report = check(&flood);
        assert!(
            report.failures.iter().any(|f| f.contains("像素过大")),
            "{report:?}"
        );
        assert!(
            fix_certificate_photo(&flood)
                .unwrap_err()
                .0
                .contains("像素过大")
        );
    }

    #[test]
    fn white_background_is_a_warning_naming_the_colour() {
        let white = encode_jpeg(&portrait(480, 640, Rgb([250, 250, 250])), 85);
        let report = check(&pad_with_com(
            &with_jfif_density(&white, 1, 300, 300),
            30_000,
        ));
        assert!(report.is_compliant(), "{report:?}");
        assert_eq!(report.warnings.len(), 1);
        assert!(
            report.warnings[0].contains("RGB(250, 250, 250)"),
            "{report:?}"
        );
    }

    #[test]
    fn fixed_photos_are_compliant() {
        let inputs = [
            ("large noisy", encode_jpeg(&noisy_portrait(1600, 2200), 90)),
            ("wide portrait", encode_jpeg(&portrait(1200, 800, BLUE), 90)),
            ("textured", jpeg(900, 1300)),
        ];
        for (name, input) in inputs {
            match fix_certificate_photo(&input) {
                Ok(fixed) => {
                    let report = check(&fixed);
                    assert!(report.is_compliant(), "{name}: {report:?}");
                }
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }

    #[test]
    fn small_flat_photo_is_fixed_by_raising_the_quality() {
        let flat = encode_jpeg(&portrait(120, 160, BLUE), 90);
        let fixed = fix_certificate_photo(&flat).unwrap();
        let report = check(&fixed);
        assert!(report.is_compliant(), "{report:?}");
        assert!(report.quality.unwrap() > 90, "{report:?}");
    }

    #[test]
    fn single_colour_picture_is_refused_rather_than_padded() {
        let blank = encode_jpeg(&image::RgbImage::from_pixel(300, 400, BLUE), 90);
        let refusal = fix_certificate_photo(&blank).unwrap_err();
        assert!(
            refusal
                .0
                .starts_with("照片细节过少：即使以最高质量 100 保存也只有"),
            "{refusal}"
        );
    }
}
