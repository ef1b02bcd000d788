//! Proof files of the degree foreign-language recognition (学位外语成绩证明图片或文件, seed 002):
//! “文件格式为jpg、png、pdf；文件大小请控制在1M以内；且最多可上传5个文件”.
//!
//! A file is judged by its bytes, never its name: a PNG renamed `.pdf` is refused saying it is a
//! PNG. A picture must decode completely (a JPEG additionally passes the JPEG rules and loses its
//! metadata, such as the GPS position of a phone photo). A PDF must start with `%PDF` and must
//! not carry active content (JavaScript, launch actions) or embedded files, which a reviewer's
//! reader could run or open; names are looked for both in the plain file and in its
//! Flate-compressed streams, where object streams keep dictionaries, with `#xx` escapes decoded.

use std::io::Read;

use super::{FileRefusal, MAX_PIXELS, Sniffed, check_jpeg, grouped, sniff};

/// Largest proof file: 1M = 1,048,576 bytes.
pub const PROOF_MAX_BYTES: usize = 1_048_576;

/// Most proof files per application.
pub const PROOF_MAX_FILES: usize = 5;

/// Largest total a PDF's streams may inflate to while being checked: a small file that inflates
/// beyond this is a compression bomb, not a transcript.
const INFLATE_CAP: u64 = 32 * 1024 * 1024;

/// PDF names that make a document active or carry other files.
const FORBIDDEN_NAMES: [(&str, &str); 5] = [
    ("JavaScript", "JavaScript 脚本"),
    ("JS", "JavaScript 脚本"),
    ("EmbeddedFile", "嵌入的文件"),
    ("EmbeddedFiles", "嵌入的文件"),
    ("Launch", "启动外部程序的动作（Launch）"),
];

/// What an accepted proof file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofFormat {
    /// JPEG picture.
    Jpeg,
    /// PNG picture.
    Png,
    /// PDF document.
    Pdf,
}

impl ProofFormat {
    /// File extension used for storage.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    /// MIME type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }

    /// From a stored extension.
    pub fn from_ext(ext: &str) -> Option<Self> {
        match ext {
            "jpg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPG 图片",
            Self::Png => "PNG 图片",
            Self::Pdf => "PDF 文档",
        }
    }
}

/// A proof file that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanProof {
    /// What it is.
    pub format: ProofFormat,
    /// The bytes to store (a JPEG without its metadata; others unchanged).
    pub bytes: Vec<u8>,
}

/// Refuses a 6th file: `already` stored plus `adding` now may not exceed [`PROOF_MAX_FILES`].
pub fn check_proof_count(already: usize, adding: usize) -> Result<(), FileRefusal> {
    let total = already + adding;
    if total > PROOF_MAX_FILES {
        return Err(FileRefusal(format!(
            "外国语成绩证明最多可上传{PROOF_MAX_FILES}个文件，本次共{total}个，多了{}个",
            total - PROOF_MAX_FILES
        )));
    }
    Ok(())
}

/// Checks one proof file named `name` (as the student's computer called it) of `size` bytes, of
/// which `bytes` were kept; see the module documentation for the rules.
pub fn check_proof(name: &str, bytes: &[u8], size: usize) -> Result<CleanProof, FileRefusal> {
    let who = if name.is_empty() {
        "文件".to_owned()
    } else {
        format!("文件“{name}”")
    };
    if size == 0 {
        return Err(FileRefusal(format!("{who}是空文件（0 字节），请重新选择")));
    }
    if size > PROOF_MAX_BYTES {
        return Err(FileRefusal(format!(
            "{who}大小为 {} 字节（约 {:.2}M），超过上限 {} 字节（1M），多了 {} 字节，请压缩后重新上传",
            grouped(size as u64),
            size as f64 / 1_048_576.0,
            grouped(PROOF_MAX_BYTES as u64),
            grouped((size - PROOF_MAX_BYTES) as u64)
        )));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let claimed = match ext.as_str() {
        "jpg" | "jpeg" => ProofFormat::Jpeg,
        "png" => ProofFormat::Png,
        "pdf" => ProofFormat::Pdf,
        _ => {
            return Err(FileRefusal(format!(
                "{who}的格式不被接受：文件格式应为 jpg、png 或 pdf{}",
                if ext.is_empty() {
                    "（文件名没有扩展名）".to_owned()
                } else {
                    format!("，实际为 .{ext}")
                }
            )));
        }
    };
    let real = match sniff(bytes) {
        Sniffed::Jpeg => ProofFormat::Jpeg,
        Sniffed::Png => ProofFormat::Png,
        Sniffed::Pdf if bytes.starts_with(b"%PDF") => ProofFormat::Pdf,
        Sniffed::Pdf => {
            return Err(FileRefusal(format!(
                "{who}不是规范的 PDF 文档：PDF 文件应以“%PDF”开头，请用常用软件重新导出后上传"
            )));
        }
        other => {
            return Err(FileRefusal(format!(
                "{who}的内容是{}，不是 jpg、png 或 pdf 文件，请另存为这三种格式之一后上传",
                other.label()
            )));
        }
    };
    if real != claimed {
        return Err(FileRefusal(format!(
            "{who}的扩展名是 .{ext}，但内容实际是{}而不是{}；请不要修改扩展名，将文件改回 .{} 或按其实际格式上传",
            real.label(),
            claimed.label(),
            real.ext()
        )));
    }
    match real {
        ProofFormat::Jpeg => {
            let clean = check_jpeg(bytes, PROOF_MAX_BYTES)
                .map_err(|e| FileRefusal(format!("{who}：{}", e.0)))?;
            Ok(CleanProof {
                format: real,
                bytes: clean.bytes,
            })
        }
        ProofFormat::Png => {
            check_png(bytes).map_err(|e| FileRefusal(format!("{who}：{}", e.0)))?;
            Ok(CleanProof {
                format: real,
                bytes: bytes.to_vec(),
            })
        }
        ProofFormat::Pdf => {
            check_pdf(bytes).map_err(|e| FileRefusal(format!("{who}：{}", e.0)))?;
            Ok(CleanProof {
                format: real,
                bytes: bytes.to_vec(),
            })
        }
    }
}

/// A PNG must declare a sane size and decode completely.
fn check_png(bytes: &[u8]) -> Result<(), FileRefusal> {
    let damaged = || FileRefusal::new("PNG 图片已损坏或不完整，无法打开，请重新保存后上传");
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Png);
    let (w, h) = reader.into_dimensions().map_err(|_| damaged())?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(FileRefusal(format!(
            "图片尺寸为 {w}×{h} 像素，共 {} 像素，超过上限 {} 像素，请缩小后上传",
            grouped(pixels),
            grouped(MAX_PIXELS)
        )));
    }
    image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(|_| damaged())?;
    Ok(())
}

/// Refuses a PDF with active content or embedded files.
fn check_pdf(bytes: &[u8]) -> Result<(), FileRefusal> {
    if let Some(what) = forbidden_name(bytes) {
        return Err(refuse_pdf(what));
    }
    let mut budget = INFLATE_CAP;
    for stream in flate_streams(bytes) {
        let mut out = Vec::new();
        let mut decoder = flate2::read::ZlibDecoder::new(stream).take(budget + 1);
        // A stream that does not inflate is shown as it is by readers too; what matters is what
        // the ones that do inflate contain.
        let _ = decoder.read_to_end(&mut out);
        let used = out.len() as u64;
        if used > budget {
            return Err(FileRefusal(format!(
                "PDF 文档解压后超过 {} 字节，无法检查其内容，请用常用软件重新导出后上传",
                grouped(INFLATE_CAP)
            )));
        }
        budget -= used;
        if let Some(what) = forbidden_name(&out) {
            return Err(refuse_pdf(what));
        }
    }
    Ok(())
}

fn refuse_pdf(what: &str) -> FileRefusal {
    FileRefusal(format!(
        "PDF 文档含有{what}，出于安全考虑不能接收；请“打印”为新的 PDF 或导出为图片后上传"
    ))
}

/// PDF whitespace and delimiters end a name.
fn ends_name(b: u8) -> bool {
    matches!(
        b,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// The first forbidden name token in `bytes`, with `#xx` escapes decoded.
fn forbidden_name(bytes: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'/' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut name = Vec::new();
        while j < bytes.len() && !ends_name(bytes[j]) {
            if bytes[j] == b'#'
                && j + 2 < bytes.len()
                && let Ok(v) =
                    u8::from_str_radix(&String::from_utf8_lossy(&bytes[j + 1..j + 3]), 16)
            {
                name.push(v);
                j += 3;
                continue;
            }
            name.push(bytes[j]);
            j += 1;
        }
        if let Some((_, what)) = FORBIDDEN_NAMES.iter().find(|(n, _)| n.as_bytes() == name) {
            return Some(what);
        }
        i = j.max(i + 1);
    }
    None
}

/// The data of every `stream … endstream` whose bytes look like zlib data (FlateDecode).
fn flate_streams(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"stream") {
        let start_kw = from + at;
        // "endstream" also contains "stream": skip it.
        if start_kw >= 3 && &bytes[start_kw - 3..start_kw] == b"end" {
            from = start_kw + 6;
            continue;
        }
        let mut data = start_kw + 6;
        if bytes.get(data) == Some(&b'\r') {
            data += 1;
        }
        if bytes.get(data) == Some(&b'\n') {
            data += 1;
        }
        let Some(end) = find(&bytes[data..], b"endstream") else {
            break;
        };
        let body = &bytes[data..data + end];
        // zlib header: CMF 0x78 and a checksum over the first two bytes.
        if body.len() >= 2
            && body[0] & 0x0F == 8
            && (u16::from(body[0]) * 256 + u16::from(body[1])).is_multiple_of(31)
        {
            out.push(body);
        }
        from = data + end + 9;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 220, 255]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(64, 48, image::Rgb([120, 130, 140]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut out),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        out
    }

    fn pdf(body: &str) -> Vec<u8> {
        format!(
            "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R {body} >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        )
        .into_bytes()
    }

    /// A file of exactly `size` bytes: a valid PDF padded with a comment.
    fn pdf_of_size(size: usize) -> Vec<u8> {
        let mut v = pdf("");
        v.extend(std::iter::repeat_n(b'%', size - v.len()));
        v
    }

    #[test]
    fn a_pdf_of_exactly_1m_is_accepted_and_one_byte_more_refused() {
        let ok = pdf_of_size(PROOF_MAX_BYTES);
        assert_eq!(
            check_proof("成绩单.pdf", &ok, ok.len()).unwrap().format,
            ProofFormat::Pdf
        );
        let big = pdf_of_size(PROOF_MAX_BYTES + 1);
        let e = check_proof("成绩单.pdf", &big, big.len()).unwrap_err().0;
        assert!(
            e.contains("1,048,577 字节")
                && e.contains("1,048,576 字节")
                && e.contains("多了 1 字节"),
            "{e}"
        );
    }

    #[test]
    fn a_sixth_file_is_refused() {
        assert!(check_proof_count(0, 5).is_ok());
        assert!(check_proof_count(4, 1).is_ok());
        let e = check_proof_count(5, 1).unwrap_err().0;
        assert!(e.contains("最多可上传5个") && e.contains("共6个"), "{e}");
    }

    #[test]
    fn a_png_renamed_pdf_is_refused_saying_it_is_a_png() {
        let bytes = png(20, 10);
        let e = check_proof("四级成绩.pdf", &bytes, bytes.len())
            .unwrap_err()
            .0;
        assert!(e.contains("实际是PNG 图片") && e.contains(".pdf"), "{e}");
        let ok = check_proof("四级成绩.png", &bytes, bytes.len()).unwrap();
        assert_eq!(ok.format, ProofFormat::Png);
    }

    #[test]
    fn pictures_must_decode() {
        let mut cut = png(40, 40);
        cut.truncate(cut.len() / 2);
        let e = check_proof("a.png", &cut, cut.len()).unwrap_err().0;
        assert!(e.contains("损坏"), "{e}");
        let j = jpeg();
        assert_eq!(
            check_proof("a.JPG", &j, j.len()).unwrap().format,
            ProofFormat::Jpeg
        );
    }

    #[test]
    fn a_pdf_with_javascript_is_refused() {
        let js = pdf("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>");
        let e = check_proof("a.pdf", &js, js.len()).unwrap_err().0;
        assert!(e.contains("JavaScript"), "{e}");
        let escaped = pdf("/OpenAction << /S /J#61vaScript >>");
        assert!(check_proof("a.pdf", &escaped, escaped.len()).is_err());
        let launch = pdf("/OpenAction << /S /Launch /F (cmd.exe) >>");
        assert!(
            check_proof("a.pdf", &launch, launch.len())
                .unwrap_err()
                .0
                .contains("Launch")
        );
        let embedded = pdf("/Names << /EmbeddedFiles 3 0 R >>");
        assert!(
            check_proof("a.pdf", &embedded, embedded.len())
                .unwrap_err()
                .0
                .contains("嵌入")
        );
        // Names that only start like a forbidden one are harmless.
        let fine = pdf("/JSONData 1 /Launcher 2");
        assert!(check_proof("a.pdf", &fine, fine.len()).is_ok());
    }

    #[test]
    fn javascript_hidden_in_a_compressed_stream_is_found() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"<< /S /JavaScript /JS (app.alert(1)) >>")
            .unwrap();
        let data = z.finish().unwrap();
        let mut v = b"%PDF-1.5\n3 0 obj\n<< /Type /ObjStm /Filter /FlateDecode /Length ".to_vec();
        v.extend(format!("{} >>\nstream\n", data.len()).as_bytes());
        v.extend(&data);
        v.extend(b"\nendstream\nendobj\n%%EOF\n");
        let e = check_proof("a.pdf", &v, v.len()).unwrap_err().0;
        assert!(e.contains("JavaScript"), "{e}");
    }

    #[test]
    fn a_pdf_must_start_with_its_header_and_other_formats_are_refused() {
        let mut late = b"junk".to_vec();
        late.extend(pdf(""));
        assert!(
            check_proof("a.pdf", &late, late.len())
                .unwrap_err()
                .0
                .contains("%PDF")
        );
        let doc = b"PK\x03\x04rest".to_vec();
        let e = check_proof("a.docx", &doc, doc.len()).unwrap_err().0;
        assert!(e.contains("jpg、png 或 pdf") && e.contains(".docx"), "{e}");
        let e = check_proof("a.pdf", &doc, doc.len()).unwrap_err().0;
        assert!(e.contains("压缩包"), "{e}");
        assert!(
            check_proof("a.pdf", b"", 0)
                .unwrap_err()
                .0
                .contains("空文件")
        );
    }
}
