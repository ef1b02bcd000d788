//! Chinese A4 printouts as PDF: the 毕业生登记表 (graduate registration form),
//! the transcript page (成绩页) that go into a graduate's file, and the
//! 毕业生电子档案 filed on final approval; and the 学位申请表 template as an
//! Excel workbook.
//!
//! Rendering uses typst as a library. A [`Printer`] is built once at start-up
//! (font metadata, typst's standard library) and shared, e.g. in an `Arc`,
//! by every request. Rendering is CPU work of tens of milliseconds; call it
//! from `spawn_blocking` in async code.
//!
//! User text never becomes typst markup: the data reaches the templates as
//! a JSON file they load, so `#panic()`, `]` or `*` in a name print as typed.

mod archive;
mod data;
mod degree_form;
mod fonts;
mod mark;
mod world;

use std::path::Path;

use typst::diag::Warned;
use typst::foundations::Bytes;
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;

use archive::ArchiveView;
pub use archive::{ArchiveData, ExemptionSheet};
use data::{Fonts, RegisterView, TranscriptView};
pub use data::{RegisterData, ResumeEntry, TranscriptCourse, TranscriptData};
pub use degree_form::{DegreeFormData, TemplateError, degree_form_template};
use fonts::FontSet;
use mark::Marked;
pub use mark::Verification;
use world::RenderWorld;

const REGISTER_TYP: &str = include_str!("../templates/register.typ");
const TRANSCRIPT_TYP: &str = include_str!("../templates/transcript.typ");
const ARCHIVE_TYP: &str = include_str!("../templates/archive.typ");

/// How many compilations an unused memoised result survives. typst caches
/// across compilations to make repeated renders fast; without eviction that
/// cache would grow for as long as the server runs.
const CACHE_MAX_AGE: usize = 10;

/// Why a printout could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No font that can set Chinese was found; shown to staff as is.
    #[error(
        "未找到中文字体，无法生成PDF。请安装 fonts-noto-cjk 或在配置 BIYE_PDF_FONT 中指定字体文件路径。"
    )]
    NoFont,
    /// typst rejected the template or the data (e.g. an image that is not a
    /// JPEG); the text is typst's diagnostics, meant for the log.
    #[error("PDF rendering failed: {0}")]
    Render(String),
}

/// Renders the printouts; build once, share between threads.
pub struct Printer {
    library: LazyHash<Library>,
    fonts: FontSet,
}

impl Printer {
    /// Fonts from `font_path` (a `.ttf`/`.otf`/`.ttc` file or a directory of
    /// them) when given; when it is absent or holds no Chinese font, the
    /// system's Noto CJK fonts (Debian package `fonts-noto-cjk`).
    ///
    /// Never fails: without any font the printer still starts, and each
    /// render returns [`PrintError::NoFont`], so the rest of the site works.
    pub fn new(font_path: Option<&Path>) -> Self {
        if let Some(path) = font_path {
            let fonts = FontSet::from_path(path);
            if fonts.has_cjk() {
                return Self::with_fonts(fonts);
            }
            tracing::warn!(path = %path.display(), "no Chinese font at the configured path; trying the system's");
        }
        Self::with_fonts(FontSet::system())
    }

    /// Only the fonts at `font_path`, never system ones: for tests and for
    /// deployments that must print in exactly the configured face.
    pub fn with_fonts_only(font_path: &Path) -> Self {
        Self::with_fonts(FontSet::from_path(font_path))
    }

    fn with_fonts(fonts: FontSet) -> Self {
        if !fonts.has_cjk() {
            tracing::warn!("{}", PrintError::NoFont);
        }
        Self {
            library: LazyHash::new(Library::builder().build()),
            fonts,
        }
    }

    /// Whether a font that can set Chinese was found; when not, every render
    /// returns [`PrintError::NoFont`]. For a start-up check or a health page.
    pub fn font_available(&self) -> bool {
        self.fonts.has_cjk()
    }

    /// The 高等教育自学考试毕业生登记表 of one candidate; with `mark`, every page carries its
    /// verification code, address and QR code.
    pub fn graduate_register(
        &self,
        data: &RegisterData,
        mark: Option<&Verification>,
    ) -> Result<Vec<u8>, PrintError> {
        let view = RegisterView::new(data, self.font_families());
        self.render(
            "/register.typ",
            REGISTER_TYP,
            &view,
            mark,
            data.photo.as_deref(),
            data.signature.as_deref(),
        )
    }

    /// The transcript page: courses with credits, scores and how each was
    /// obtained, then the 毕业生自我鉴定 and signature; `mark` as for
    /// [`Printer::graduate_register`].
    pub fn transcript(
        &self,
        data: &TranscriptData,
        mark: Option<&Verification>,
    ) -> Result<Vec<u8>, PrintError> {
        let view = TranscriptView::new(data, self.font_families());
        self.render(
            "/transcript.typ",
            TRANSCRIPT_TYP,
            &view,
            mark,
            None,
            data.signature.as_deref(),
        )
    }

    /// The 毕业生电子档案 filed on final approval, with a 免考课程审核单 per online exemption;
    /// `mark` as for [`Printer::graduate_register`], on the sheets' pages too.
    pub fn archive(
        &self,
        data: &ArchiveData,
        mark: Option<&Verification>,
    ) -> Result<Vec<u8>, PrintError> {
        let view = ArchiveView::new(data, self.font_families());
        self.render(
            "/archive.typ",
            ARCHIVE_TYP,
            &view,
            mark,
            data.photo.as_deref(),
            None,
        )
    }

    fn font_families(&self) -> Fonts<'_> {
        Fonts {
            serif: &self.fonts.serif,
            sans: &self.fonts.sans,
        }
    }

    fn render(
        &self,
        main_path: &str,
        template: &str,
        view: &impl serde::Serialize,
        mark: Option<&Verification>,
        photo: Option<&[u8]>,
        signature: Option<&[u8]>,
    ) -> Result<Vec<u8>, PrintError> {
        if !self.fonts.has_cjk() {
            return Err(PrintError::NoFont);
        }
        let json = serde_json::to_vec(&Marked::new(view, mark))
            .map_err(|err| PrintError::Render(format!("serialising the data: {err}")))?;
        let mut files = vec![(world::DATA, Bytes::new(json))];
        if let Some(mark) = mark {
            files.push((world::QR, Bytes::new(mark.qr_svg()?.into_bytes())));
        }
        if let Some(photo) = photo {
            files.push((world::PHOTO, Bytes::new(photo.to_vec())));
        }
        if let Some(signature) = signature {
            files.push((world::SIGNATURE, Bytes::new(signature.to_vec())));
        }
        let world = RenderWorld::new(self, main_path, template, files)?;

        let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
        if !warnings.is_empty() {
            tracing::debug!(template = main_path, warnings = %world.describe(&warnings), "typst warnings");
        }
        let result = output
            .map_err(|errors| PrintError::Render(world.describe(&errors)))
            .and_then(|document| {
                typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
                    .map_err(|errors| PrintError::Render(world.describe(&errors)))
            });
        typst::comemo::evict(CACHE_MAX_AGE);
        result
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
