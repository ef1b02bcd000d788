//! The typst `World` of one rendering: the shared library and fonts of the
//! [`Printer`], plus this document's template, data and images as virtual
//! files. Nothing is read from disk or the network on typst's behalf.

use std::path::PathBuf;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};

use crate::{PrintError, Printer};

/// Paths the templates refer to. Fixed, never derived from user input: typst
/// interns every path for the life of the process, and a user-chosen name
/// must not be able to reach into the template's namespace.
pub(crate) const COMMON: &str = "/common.typ";
pub(crate) const DATA: &str = "/data.json";
pub(crate) const PHOTO: &str = "/photo.jpg";
pub(crate) const SIGNATURE: &str = "/signature.jpg";
pub(crate) const QR: &str = "/verify-qr.svg";

const COMMON_TYP: &str = include_str!("../templates/common.typ");

fn file_id(path: &str) -> Result<FileId, PrintError> {
    let vpath = VirtualPath::new(path)
        .map_err(|err| PrintError::Render(format!("virtual path {path}: {err}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

pub(crate) struct RenderWorld<'a> {
    printer: &'a Printer,
    main: Source,
    common: Source,
    files: Vec<(FileId, Bytes)>,
}

impl<'a> RenderWorld<'a> {
    /// `files` are the non-source files (data and images) by virtual path.
    pub(crate) fn new(
        printer: &'a Printer,
        main_path: &str,
        template: &str,
        files: Vec<(&str, Bytes)>,
    ) -> Result<Self, PrintError> {
        let main = Source::new(file_id(main_path)?, template.to_owned());
        let common = Source::new(file_id(COMMON)?, COMMON_TYP.to_owned());
        let files = files
            .into_iter()
            .map(|(path, bytes)| Ok((file_id(path)?, bytes)))
            .collect::<Result<_, PrintError>>()?;
        Ok(Self {
            printer,
            main,
            common,
            files,
        })
    }

    /// One line per diagnostic, with where in which template it arose, so
    /// a failed printout can be diagnosed from the log alone.
    pub(crate) fn describe(&self, diagnostics: &[SourceDiagnostic]) -> String {
        diagnostics
            .iter()
            .map(|diag| {
                let mut line = String::new();
                if let Some(id) = diag.span.id() {
                    line.push_str(id.vpath().get_with_slash());
                    let at = self.range(diag.span).and_then(|range| {
                        self.source(id)
                            .ok()
                            .and_then(|source| source.lines().byte_to_line(range.start))
                    });
                    if let Some(at) = at {
                        line.push_str(&format!(":{}", at + 1));
                    }
                    line.push_str(": ");
                }
                line.push_str(&diag.message);
                for hint in &diag.hints {
                    line.push_str(" (hint: ");
                    line.push_str(&hint.v);
                    line.push(')');
                }
                line
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.printer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.printer.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.common.id() {
            Ok(self.common.clone())
        } else if self.files.iter().any(|(file, _)| *file == id) {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some((_, bytes)) = self.files.iter().find(|(file, _)| *file == id) {
            return Ok(bytes.clone());
        }
        self.source(id)
            .map(|source| Bytes::from_string(source.text().to_owned()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.printer.fonts.font(index)
    }

    /// The templates print dates they are given; a form must not silently
    /// carry the day the PDF happened to be generated.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
}
