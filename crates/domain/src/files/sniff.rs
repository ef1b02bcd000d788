//! Recognising a file from its first bytes.

/// What the bytes really are, from their magic numbers (not the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sniffed {
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// GIF image (possibly animated).
    Gif,
    /// WebP image.
    Webp,
    /// Windows bitmap.
    Bmp,
    /// PDF document.
    Pdf,
    /// A web page, typically from "save page as" instead of "save image as".
    Html,
    /// ZIP archive, which also covers Word and Excel documents (.docx, .xlsx).
    Zip,
    /// None of the above, including empty input.
    Unknown,
}

impl Sniffed {
    /// Simplified Chinese name used in messages ("文件内容是 PNG 图片而不是 JPG").
    pub fn label(&self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG 图片",
            Self::Png => "PNG 图片",
            Self::Gif => "GIF 图片",
            Self::Webp => "WebP 图片",
            Self::Bmp => "BMP 图片",
            Self::Pdf => "PDF 文档",
            Self::Html => "网页(HTML)文件",
            Self::Zip => "压缩包(ZIP)或 Office 文档",
            Self::Unknown => "无法识别的文件",
        }
    }

    /// Whether this is a picture that any image editor can re-save as JPG,
    /// which decides what the refusal message advises.
    pub fn is_image(&self) -> bool {
        matches!(
            self,
            Self::Jpeg | Self::Png | Self::Gif | Self::Webp | Self::Bmp
        )
    }
}

/// Tells what the bytes really are from their magic numbers.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Png
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Sniffed::Gif
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Sniffed::Webp
    } else if is_bmp(bytes) {
        Sniffed::Bmp
    } else if is_pdf(bytes) {
        Sniffed::Pdf
    } else if [b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"]
        .iter()
        .any(|m| bytes.starts_with(*m))
    {
        Sniffed::Zip
    } else if is_html(bytes) {
        Sniffed::Html
    } else {
        Sniffed::Unknown
    }
}

/// "BM" alone is too common a text prefix; the reserved header fields that
/// follow the file size are always zero in real bitmaps.
fn is_bmp(bytes: &[u8]) -> bool {
    bytes.len() >= 14 && bytes.starts_with(b"BM") && bytes[6..10] == [0, 0, 0, 0]
}

/// PDF readers accept the header anywhere in the first kilobyte, and some
/// generators put junk before it, so look where the readers look.
fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Recognises the opening tags a saved page starts with; browsers save pages
/// with a byte-order mark and leading blank lines often enough to skip them.
fn is_html(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..body.len().min(start + 32)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<!--") {
        return true;
    }
    const TAGS: [&[u8]; 11] = [
        b"html", b"head", b"body", b"script", b"meta", b"title", b"iframe", b"div", b"table",
        b"style", b"link",
    ];
    let Some(rest) = head.strip_prefix(b"<") else {
        return false;
    };
    TAGS.iter().any(|tag| {
        rest.strip_prefix(*tag)
            .and_then(|after| after.first())
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_decide_not_names() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Sniffed::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Sniffed::Png);
        assert_eq!(sniff(b"GIF89a\x01\x00"), Sniffed::Gif);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Sniffed::Webp);
        assert_eq!(sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0(\0"), Sniffed::Bmp);
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), Sniffed::Pdf);
        assert_eq!(sniff(b"PK\x03\x04\x14\0\x06\0"), Sniffed::Zip);
        assert_eq!(sniff(b""), Sniffed::Unknown);
        assert_eq!(sniff(b"hello"), Sniffed::Unknown);
    }

    #[test]
    fn saved_web_pages_are_recognised() {
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), Sniffed::Html);
        assert_eq!(
            sniff(b"\xEF\xBB\xBF\r\n  <HTML lang=\"zh\">"),
            Sniffed::Html
        );
        assert_eq!(sniff(b"<head><meta charset=utf-8>"), Sniffed::Html);
        assert_eq!(sniff(b"<!-- saved from url -->"), Sniffed::Html);
        assert_eq!(sniff(b"<headline>"), Sniffed::Unknown);
    }

    #[test]
    fn text_starting_with_bm_is_not_a_bitmap() {
        assert_eq!(sniff(b"BMW 3 series brochure"), Sniffed::Unknown);
    }
}
