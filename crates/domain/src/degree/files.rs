//! The two uploads of a degree application (seed 002 step 7): the final thesis (毕业论文定稿) and
//! the filled 学位申请表. Judged by content, not by name: a PDF must be a PDF without scripts or
//! embedded files, a Word or Excel file a ZIP holding the matching document part.

use crate::files::{Sniffed, sniff};

/// Largest thesis accepted: 20 MB.
pub const THESIS_MAX_BYTES: usize = 20 * 1024 * 1024;
/// Largest application form accepted: 10 MB.
pub const FORM_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Which upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DegreeSlot {
    /// 毕业论文定稿: PDF or Word (.docx).
    Thesis,
    /// 学位申请表: the filled template (.xlsx), or a scan (PDF, JPG, PNG) of the signed paper.
    Form,
}

impl DegreeSlot {
    /// Database code.
    pub fn code(&self) -> &'static str {
        match self {
            DegreeSlot::Thesis => "thesis",
            DegreeSlot::Form => "form",
        }
    }

    /// Label on the form.
    pub fn label(&self) -> &'static str {
        match self {
            DegreeSlot::Thesis => "毕业论文定稿",
            DegreeSlot::Form => "学位申请表",
        }
    }

    /// From the database code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "thesis" => Some(DegreeSlot::Thesis),
            "form" => Some(DegreeSlot::Form),
            _ => None,
        }
    }

    fn max_bytes(&self) -> usize {
        match self {
            DegreeSlot::Thesis => THESIS_MAX_BYTES,
            DegreeSlot::Form => FORM_MAX_BYTES,
        }
    }

    fn allowed(&self) -> &'static str {
        match self {
            DegreeSlot::Thesis => "PDF 或 Word（.docx）",
            DegreeSlot::Form => "Excel（.xlsx，即下载的模版填写后）、PDF、JPG 或 PNG",
        }
    }
}

/// An accepted upload: its extension and content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// File extension to store it under.
    pub ext: &'static str,
    /// MIME type to serve it with.
    pub content_type: &'static str,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn ext_of(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn size_label(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1}M", n as f64 / 1024.0 / 1024.0)
    } else {
        format!("{:.1}K", n as f64 / 1024.0)
    }
}

/// Judges an upload for `slot`; `Err` says what is wrong and what to do. `total` is the size
/// of the whole upload, which may be more than the `bytes` kept of it (a reader stops keeping
/// bytes past the largest limit but keeps counting, so the message names the real size).
pub fn check(slot: DegreeSlot, name: &str, bytes: &[u8], total: usize) -> Result<Accepted, String> {
    judge(slot, slot.label(), name, bytes, total)
}

/// What a file of a 陈述申辩 is called in messages.
pub const EVIDENCE_LABEL: &str = "申辩材料";

/// Judges a file attached to an appeal (申辩材料): the rules of the signed 学位申请表 scan (PDF,
/// JPG, PNG or the .xlsx form, at most [`FORM_MAX_BYTES`]), as its messages name it.
pub fn check_evidence(name: &str, bytes: &[u8], total: usize) -> Result<Accepted, String> {
    judge(DegreeSlot::Form, EVIDENCE_LABEL, name, bytes, total)
}

fn judge(
    slot: DegreeSlot,
    label: &str,
    name: &str,
    bytes: &[u8],
    total: usize,
) -> Result<Accepted, String> {
    if total == 0 {
        return Err(format!("{label}文件是空的，请重新选择文件"));
    }
    let max = slot.max_bytes();
    if total > max || bytes.len() > max {
        let size = total.max(bytes.len());
        return Err(format!(
            "{label}文件大小为 {}（{size} 字节），超过上限 {}（{max} 字节），请压缩后重新上传",
            size_label(size),
            size_label(max)
        ));
    }
    let ext = ext_of(name);
    let kind = sniff(bytes);
    let accepted = match (slot, kind, ext.as_str()) {
        (_, Sniffed::Pdf, "pdf") => {
            for (marker, what) in [
                (&b"/JavaScript"[..], "脚本"),
                (b"/JS", "脚本"),
                (b"/EmbeddedFile", "嵌入文件"),
                (b"/Launch", "启动外部程序的动作"),
            ] {
                if contains(bytes, marker) {
                    return Err(format!(
                        "{label} PDF 中含有{what}，出于安全原因不予接收，请另存为普通 PDF 后上传"
                    ));
                }
            }
            Accepted {
                ext: "pdf",
                content_type: "application/pdf",
            }
        }
        (DegreeSlot::Thesis, Sniffed::Zip, "docx") if contains(bytes, b"word/") => Accepted {
            ext: "docx",
            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        },
        (DegreeSlot::Form, Sniffed::Zip, "xlsx") if contains(bytes, b"xl/") => Accepted {
            ext: "xlsx",
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
        (DegreeSlot::Form, Sniffed::Jpeg, "jpg" | "jpeg") => Accepted {
            ext: "jpg",
            content_type: "image/jpeg",
        },
        (DegreeSlot::Form, Sniffed::Png, "png") => Accepted {
            ext: "png",
            content_type: "image/png",
        },
        (_, kind, ext) => {
            let really = if kind == Sniffed::Zip {
                "压缩包或其他 Office 文档".to_owned()
            } else {
                kind.label().to_owned()
            };
            return Err(format!(
                "{label}只接收 {}；所选文件扩展名为“.{ext}”，内容实际是{really}",
                slot.allowed()
            ));
        }
    };
    Ok(accepted)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n{body}\n%%EOF").into_bytes()
    }

    #[test]
    fn a_plain_pdf_thesis_and_an_xlsx_form_are_accepted() {
        assert_eq!(
            check(
                DegreeSlot::Thesis,
                "论文.pdf",
                &pdf("1 0 obj"),
                pdf("1 0 obj").len()
            )
            .map(|a| a.ext),
            Ok("pdf")
        );
        let xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml";
        assert_eq!(
            check(DegreeSlot::Form, "表.xlsx", xlsx, xlsx.len()).map(|a| a.ext),
            Ok("xlsx")
        );
        let docx = b"PK\x03\x04....word/document.xml";
        assert_eq!(
            check(DegreeSlot::Thesis, "论文.docx", docx, docx.len()).map(|a| a.ext),
            Ok("docx")
        );
    }

    #[test]
    fn a_pdf_with_a_script_or_an_embedded_file_is_refused() {
        for (body, what) in [
            ("/OpenAction << /JS (app.alert(1)) >>", "脚本"),
            ("/EmbeddedFile", "嵌入文件"),
        ] {
            let err =
                check(DegreeSlot::Thesis, "论文.pdf", &pdf(body), pdf(body).len()).unwrap_err();
            assert!(err.contains(what), "{err}");
        }
    }

    #[test]
    fn a_png_renamed_pdf_says_what_it_really_is() {
        let err = check(DegreeSlot::Thesis, "论文.pdf", PNG, PNG.len()).unwrap_err();
        assert!(
            err.contains("扩展名为“.pdf”") && err.contains("PNG 图片"),
            "{err}"
        );
        assert!(check(DegreeSlot::Form, "表.png", PNG, PNG.len()).is_ok());
    }

    #[test]
    fn evidence_follows_the_form_rules_under_its_own_name() {
        assert!(check_evidence("证明.png", PNG, PNG.len()).is_ok());
        let docx = b"PK\x03\x04....word/document.xml";
        let err = check_evidence("证明.docx", docx, docx.len()).unwrap_err();
        assert!(err.starts_with("申辩材料只接收"), "{err}");
        let err = check_evidence("证明.pdf", PNG, FORM_MAX_BYTES + 1).unwrap_err();
        assert!(err.starts_with("申辩材料文件大小"), "{err}");
    }

    #[test]
    fn size_limits_at_the_byte() {
        let mut at = pdf("");
        at.resize(THESIS_MAX_BYTES, b' ');
        assert!(check(DegreeSlot::Thesis, "a.pdf", &at, at.len()).is_ok());
        at.push(b' ');
        let err = check(DegreeSlot::Thesis, "a.pdf", &at, at.len()).unwrap_err();
        assert!(
            err.contains(&format!("{} 字节", THESIS_MAX_BYTES + 1)),
            "{err}"
        );
    }
}
