//! Checking an uploaded JPEG: what it is, how large, whether it is whole.

use image::{DynamicImage, GrayImage, RgbImage};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use super::metadata::strip_metadata;
use super::segments::{APP0, EOI, SOS, damaged, is_sof, segments};
use super::{FileRefusal, MAX_PIXELS, Sniffed, grouped, sniff};

/// A JPEG that passed every rule, with metadata removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanJpeg {
    /// The cleaned file, ready to store.
    pub bytes: Vec<u8>,
    /// Width in pixels as stored in the frame header, before any EXIF rotation.
    pub width: u32,
    /// Height in pixels as stored in the frame header, before any EXIF rotation.
    pub height: u32,
}

/// What the headers of a JPEG say, read without decoding the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegHeader {
    /// Width in pixels as stored in the frame header.
    pub width: u32,
    /// Height in pixels as stored in the frame header.
    pub height: u32,
    /// Colour components: 1 for greyscale, 3 for colour, 4 for CMYK.
    pub components: u8,
    /// Progressive (shown coarse first, then refined) rather than baseline.
    pub progressive: bool,
    /// JFIF pixel density `(x, y, unit)`, unit 0 meaning aspect ratio only,
    /// 1 dots per inch, 2 dots per centimetre; `None` without a JFIF header.
    pub density: Option<(u16, u16, u8)>,
}

fn unsupported(what: &str) -> FileRefusal {
    FileRefusal(format!(
        "图片采用{what}，系统无法打开，请用画图等常用软件另存为普通 .jpg 格式后上传"
    ))
}

fn too_large(actual: usize, max: usize) -> FileRefusal {
    let limit_k = if max.is_multiple_of(1024) {
        format!("{}K", max / 1024)
    } else {
        format!("{:.1}K", max as f64 / 1024.0)
    };
    FileRefusal(format!(
        "文件大小为 {} 字节（约 {:.1}K），超过上限 {} 字节（{limit_k}），请压缩后重新上传",
        grouped(actual as u64),
        actual as f64 / 1024.0,
        grouped(max as u64),
    ))
}

/// Refuses empty input and anything whose magic number is not JPEG, naming
/// what the file really is.
fn ensure_jpeg(bytes: &[u8]) -> Result<(), FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::new("文件为空（0 字节），请重新选择图片上传"));
    }
    match sniff(bytes) {
        Sniffed::Jpeg => Ok(()),
        Sniffed::Unknown => Err(FileRefusal::new(
            "无法识别文件内容，不是 JPG 图片，请选择 .jpg 格式的图片重新上传",
        )),
        kind => {
            let advice = if kind.is_image() {
                "请另存为 .jpg 格式后上传"
            } else {
                "请选择 .jpg 格式的图片重新上传"
            };
            Err(FileRefusal(format!(
                "文件内容是{}而不是 JPG，{advice}",
                spaced(kind.label())
            )))
        }
    }
}

/// Chinese text puts a space before a Latin word ("是 PNG 图片") but not
/// before a Chinese one ("是网页").
fn spaced(label: &str) -> String {
    if label.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        format!(" {label}")
    } else {
        label.to_string()
    }
}

/// Frame header facts needed beyond the public [`JpegHeader`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) header: JpegHeader,
    sof: u8,
    precision: u8,
}

fn read_frame(bytes: &[u8]) -> Result<Frame, FileRefusal> {
    let mut density = None;
    for segment in segments(bytes) {
        let segment = segment?;
        let payload = &bytes[segment.payload.clone()];
        match segment.marker {
            APP0 if density.is_none() => density = jfif_density(payload),
            m if is_sof(m) => return frame_from_sof(m, payload, density),
            SOS | EOI => break,
            _ => {}
        }
    }
    Err(damaged())
}

fn frame_from_sof(
    sof: u8,
    payload: &[u8],
    density: Option<(u16, u16, u8)>,
) -> Result<Frame, FileRefusal> {
    let [precision, h1, h0, w1, w0, components, ..] = *payload else {
        return Err(damaged());
    };
    if components == 0 || payload.len() < 6 + 3 * usize::from(components) {
        return Err(damaged());
    }
    let width = u32::from(u16::from_be_bytes([w1, w0]));
    let height = u32::from(u16::from_be_bytes([h1, h0]));
    if width == 0 || height == 0 {
        return Err(FileRefusal(format!(
            "图片头部记录的尺寸为 {width}×{height} 像素，无法打开，请重新导出后上传"
        )));
    }
    Ok(Frame {
        header: JpegHeader {
            width,
            height,
            components,
            progressive: matches!(sof, 0xC2 | 0xC6 | 0xCA | 0xCE),
            density,
        },
        sof,
        precision,
    })
}

fn jfif_density(payload: &[u8]) -> Option<(u16, u16, u8)> {
    match payload {
        [b'J', b'F', b'I', b'F', 0, _, _, unit, x1, x0, y1, y0, ..] => Some((
            u16::from_be_bytes([*x1, *x0]),
            u16::from_be_bytes([*y1, *y0]),
            *unit,
        )),
        _ => None,
    }
}

/// Reads only the headers: size, colour components, progressive or not and
/// pixel density, without decoding the picture.
pub fn jpeg_header(bytes: &[u8]) -> Result<JpegHeader, FileRefusal> {
    ensure_jpeg(bytes)?;
    Ok(read_frame(bytes)?.header)
}

/// Everything that can be judged before decoding: real JPEG content, a frame
/// header with a sane size, and a coding process the decoder supports.
pub(super) fn open(bytes: &[u8]) -> Result<Frame, FileRefusal> {
    ensure_jpeg(bytes)?;
    let frame = read_frame(bytes)?;
    let JpegHeader { width, height, .. } = frame.header;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(FileRefusal(format!(
            "图片尺寸 {width}×{height} 像素过大（共 {} 像素，上限 {} 像素），请缩小尺寸后重新上传",
            grouped(pixels),
            grouped(MAX_PIXELS)
        )));
    }
    match frame.sof {
        0xC0..=0xC2 => {}
        0xC3 => return Err(unsupported("无损压缩编码（Lossless JPEG）")),
        0xC5..=0xC7 => return Err(unsupported("分层编码（Hierarchical JPEG）")),
        _ => return Err(unsupported("算术编码（Arithmetic JPEG）")),
    }
    if frame.precision != 8 {
        return Err(unsupported(&format!("{} 位色深", frame.precision)));
    }
    super::scan::check_complete(bytes)?;
    Ok(frame)
}

/// Decodes the whole picture strictly, so that damage anywhere is refused
/// instead of being painted over in grey the way lenient viewers do.
fn decode(bytes: &[u8], frame: &Frame) -> Result<Vec<u8>, FileRefusal> {
    let colorspace = if frame.header.components == 1 {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    // The pixel-count rule has already bounded the size; the decoder's own
    // per-side default would refuse long thin pictures that rule allows.
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(colorspace);
    JpegDecoder::new_with_options(ZCursor::new(bytes), options)
        .decode()
        .map_err(|_| damaged())
}

/// Decodes a checked JPEG into greyscale or RGB pixels.
pub(super) fn decode_picture(bytes: &[u8], frame: &Frame) -> Result<DynamicImage, FileRefusal> {
    let pixels = decode(bytes, frame)?;
    let JpegHeader { width, height, .. } = frame.header;
    if frame.header.components == 1 {
        GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
    } else {
        RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
    }
    .ok_or_else(damaged)
}

/// FNV-1a over the decoded pixels, so the lossless claim can be verified
/// without holding two full pictures in memory at once.
fn fingerprint(pixels: &[u8]) -> (usize, u64) {
    let hash = pixels.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (pixels.len(), hash)
}

/// Checks an uploaded JPEG and returns it with its metadata removed.
///
/// In order: size at most `max_bytes`; real JPEG content whatever the file is
/// called; a frame header whose size is neither zero nor above
/// [`MAX_PIXELS`], judged before any decoding; for baseline files, compressed
/// data that really holds every block the header promises (the decoder alone
/// would fill a file cut short with grey); a strict full decode; then the
/// metadata (EXIF with GPS, XMP, ICC, IPTC, thumbnails, comments, anything
/// after the end of the picture) dropped segment by segment without
/// re-encoding, and the result decoded again to prove the pixels are
/// unchanged. A non-default EXIF orientation is kept as the only EXIF entry,
/// so phone photos taken upright still show upright to reviewers.
pub fn check_jpeg(bytes: &[u8], max_bytes: usize) -> Result<CleanJpeg, FileRefusal> {
    if bytes.len() > max_bytes {
        return Err(too_large(bytes.len(), max_bytes));
    }
    let frame = open(bytes)?;
    let original = fingerprint(&decode(bytes, &frame)?);
    let cleaned = strip_metadata(bytes)?;
    let cleaned_frame = read_frame(&cleaned)?;
    if cleaned_frame.header.width != frame.header.width
        || cleaned_frame.header.height != frame.header.height
        || fingerprint(&decode(&cleaned, &cleaned_frame)?) != original
    {
        return Err(FileRefusal::new(
            "图片去除附加信息后与原图不一致，请用常用软件重新导出为 .jpg 后上传",
        ));
    }
    Ok(CleanJpeg {
        bytes: cleaned,
        width: frame.header.width,
        height: frame.header.height,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{JPEG_MAX_BYTES, jpeg_header};
    use super::*;

    const DAMAGED: &str = "图片数据不完整或已损坏，无法打开，请重新导出后上传";

    fn refusal(bytes: &[u8]) -> String {
        check_jpeg(bytes, JPEG_MAX_BYTES).unwrap_err().0
    }

    #[test]
    fn jpeg_of_exactly_50k_is_accepted_and_loses_its_padding() {
        let original = jpeg(64, 48);
        let padded = pad_to(&original, 51_200);
        assert_eq!(padded.len(), 51_200);
        let clean = check_jpeg(&padded, JPEG_MAX_BYTES).unwrap();
        assert_eq!((clean.width, clean.height), (64, 48));
        assert_eq!(clean.bytes, original);
    }

    #[test]
    fn jpeg_one_byte_over_50k_is_refused_naming_both_sizes() {
        let padded = pad_to(&jpeg(64, 48), 51_201);
        assert_eq!(
            refusal(&padded),
            "文件大小为 51,201 字节（约 50.0K），超过上限 51,200 字节（50K），请压缩后重新上传"
        );
    }

    #[test]
    fn png_renamed_to_jpg_is_refused_naming_png() {
        assert_eq!(
            refusal(&png(32, 32)),
            "文件内容是 PNG 图片而不是 JPG，请另存为 .jpg 格式后上传"
        );
    }

    #[test]
    fn saved_web_page_named_jpg_is_refused() {
        let page = b"<!DOCTYPE html>\n<html><head><title>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81</title></head></html>";
        assert_eq!(
            refusal(page),
            "文件内容是网页(HTML)文件而不是 JPG，请选择 .jpg 格式的图片重新上传"
        );
    }

    #[test]
    fn empty_file_is_refused() {
        assert_eq!(refusal(b""), "文件为空（0 字节），请重新选择图片上传");
        assert_eq!(
            jpeg_header(b"").unwrap_err().0,
            "文件为空（0 字节），请重新选择图片上传"
        );
    }

    #[test]
    fn unrecognised_content_is_refused() {
        assert_eq!(
            refusal(b"just some text"),
            "无法识别文件内容，不是 JPG 图片，请选择 .jpg 格式的图片重新上传"
        );
    }

    #[test]
    fn truncated_jpeg_is_refused() {
        let whole = jpeg(64, 48);
        for cut in [whole.len() / 2, whole.len() - 2, 30, 3] {
            assert_eq!(refusal(&whole[..cut]), DAMAGED, "cut at {cut}");
        }
    }

    #[test]
    fn jpeg_cut_short_and_closed_with_an_end_marker_is_refused() {
        let whole = jpeg(200, 100);
        let mut cut = whole[..whole.len() / 2].to_vec();
        if cut.last() == Some(&0xFF) {
            cut.pop();
        }
        cut.extend_from_slice(&[0xFF, EOI]);
        assert_eq!(refusal(&cut), DAMAGED);
    }

    #[test]
    fn unexpected_marker_inside_picture_data_is_refused() {
        let mut broken = jpeg(64, 48);
        let middle = broken.len() - 40;
        broken[middle] = 0xFF;
        broken[middle + 1] = 0xD8;
        assert_eq!(refusal(&broken), DAMAGED);
    }

    #[test]
    fn pixel_flood_is_refused_from_the_header_before_decoding() {
        let flood = with_dimensions(&jpeg(16, 16), 20_000, 20_000);
        assert!(flood.len() < 2_000);
        assert_eq!(
            refusal(&flood),
            "图片尺寸 20000×20000 像素过大（共 400,000,000 像素，上限 25,000,000 像素），请缩小尺寸后重新上传"
        );
        let header = jpeg_header(&flood).unwrap();
        assert_eq!((header.width, header.height), (20_000, 20_000));
    }

    #[test]
    fn picture_at_the_pixel_limit_is_not_refused_for_its_size() {
        // 5000×5000 is exactly the limit; the picture data (for 16×16) then
        // runs out long before the last block, which proves the size rule let
        // it through.
        let at_limit = with_dimensions(&jpeg(16, 16), 5_000, 5_000);
        assert_eq!(refusal(&at_limit), DAMAGED);
    }

    #[test]
    fn zero_width_is_refused() {
        let zero = with_dimensions(&jpeg(16, 16), 0, 16);
        assert_eq!(
            refusal(&zero),
            "图片头部记录的尺寸为 0×16 像素，无法打开，请重新导出后上传"
        );
    }

    #[test]
    fn arithmetic_coding_is_refused_by_name() {
        let mut arithmetic = jpeg(16, 16);
        let sof = sof_index(&arithmetic);
        arithmetic[sof + 1] = 0xC9;
        assert_eq!(
            refusal(&arithmetic),
            "图片采用算术编码（Arithmetic JPEG），系统无法打开，请用画图等常用软件另存为普通 .jpg 格式后上传"
        );
    }

    #[test]
    fn greyscale_jpeg_is_accepted() {
        let clean = check_jpeg(&gray_jpeg(40, 30), JPEG_MAX_BYTES).unwrap();
        assert_eq!((clean.width, clean.height), (40, 30));
        assert_eq!(jpeg_header(&clean.bytes).unwrap().components, 1);
    }

    #[test]
    fn header_reports_size_components_and_progressive() {
        let baseline = jpeg(120, 90);
        let header = jpeg_header(&baseline).unwrap();
        assert_eq!(
            header,
            JpegHeader {
                width: 120,
                height: 90,
                components: 3,
                progressive: false,
                density: Some((1, 1, 0)),
            }
        );
        let mut progressive = baseline.clone();
        let sof = sof_index(&progressive);
        progressive[sof + 1] = 0xC2;
        assert!(jpeg_header(&progressive).unwrap().progressive);
    }

    #[test]
    fn header_of_a_png_names_png() {
        assert_eq!(
            jpeg_header(&png(8, 8)).unwrap_err().0,
            "文件内容是 PNG 图片而不是 JPG，请另存为 .jpg 格式后上传"
        );
    }

    #[test]
    fn smaller_limit_is_named_in_k_with_one_decimal() {
        let padded = pad_to(&jpeg(16, 16), 2_000);
        assert_eq!(
            check_jpeg(&padded, 1_500).unwrap_err().0,
            "文件大小为 2,000 字节（约 2.0K），超过上限 1,500 字节（1.5K），请压缩后重新上传"
        );
    }
}
