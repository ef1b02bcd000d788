//! Streaming reader for the spreadsheets exam offices export: `.csv` (UTF-8,
//! UTF-8 with BOM, or GB18030) and `.xlsx`.
//!
//! Files are read row by row so that a million-row import runs in bounded
//! memory. The first non-blank row is the header; [`Table`] then yields the
//! data rows after it, each with the row number a person sees in the sheet.

mod csv_source;
pub mod export;
mod xlsx_source;

use std::fmt;
use std::path::Path;

/// The container format of a spreadsheet file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 or GB18030.
    Csv,
    /// Office Open XML workbook (Excel 2007 and later).
    Xlsx,
}

impl Format {
    /// Picks the format from a file extension such as `"xlsx"` or `".CSV"`.
    pub fn from_extension(ext: &str) -> Result<Format, TabularError> {
        let ext = ext.trim().trim_start_matches('.');
        if ext.eq_ignore_ascii_case("csv") {
            Ok(Format::Csv)
        } else if ext.eq_ignore_ascii_case("xlsx") {
            Ok(Format::Xlsx)
        } else {
            Err(TabularError::UnsupportedFormat(format!(".{ext}")))
        }
    }

    /// Picks the format from the extension of `path`, case-insensitively.
    pub fn from_path(path: &Path) -> Result<Format, TabularError> {
        match path.extension() {
            Some(ext) => Format::from_extension(&ext.to_string_lossy()),
            None => Err(TabularError::UnsupportedFormat("无扩展名".to_owned())),
        }
    }

    /// The conventional file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The text encoding detected for a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030 (a superset of GBK and GB2312), common in Excel exports on Chinese Windows.
    Gb18030,
}

/// Errors from opening or reading a spreadsheet; messages are shown to office staff.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    /// The file has zero bytes or no non-blank header row.
    #[error("文件为空")]
    Empty,
    /// The extension is neither `.csv` nor `.xlsx`; holds the extension as shown to the user.
    #[error("不支持的文件类型“{0}”：请上传 .xlsx 或 .csv 文件")]
    UnsupportedFormat(String),
    /// The workbook could not be opened or its sheet could not be parsed.
    #[error("无法读取 Excel 文件：{0}")]
    Excel(String),
    /// One row could not be decoded; reading may continue with the next row.
    #[error("第{line}行无法解析：{reason}")]
    Parse {
        /// Row number as shown in the file (header is row 1).
        line: u64,
        /// What was wrong with the row.
        reason: String,
    },
    /// The file could not be read from disk.
    #[error("读取文件失败：{0}")]
    Io(#[from] std::io::Error),
}

/// One data row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based row number as a person sees it in a spreadsheet program: the
    /// header is row 1 and blank rows are counted. For CSV a quoted field
    /// spanning several text lines still counts as one row, as Excel shows it.
    pub line: u64,
    /// Cell texts trimmed of surrounding whitespace; at least as many as there are headers.
    pub cells: Vec<String>,
}

impl Row {
    /// The trimmed text of cell `index`, or `""` past the end of the row.
    pub fn get(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

enum Source {
    Csv(csv_source::CsvSource),
    Xlsx(xlsx_source::XlsxSource),
}

impl Source {
    fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        match self {
            Source::Csv(s) => s.next_row(),
            Source::Xlsx(s) => s.next_row(),
        }
    }
}

/// A spreadsheet opened for streaming: the header row plus an iterator over data rows.
pub struct Table {
    format: Format,
    encoding: Option<TextEncoding>,
    headers: Vec<String>,
    source: Source,
}

impl Table {
    /// Opens by extension (`.csv` or `.xlsx`, case-insensitive) and reads the header row.
    ///
    /// CSV encoding is detected: a UTF-8 byte-order mark means UTF-8; otherwise
    /// the whole file is checked as UTF-8 and GB18030 is assumed if that fails.
    pub fn open(path: &Path) -> Result<Table, TabularError> {
        Table::open_as(path, Format::from_path(path)?)
    }

    /// Like [`Table::open`], but with the format given, for uploads stored under generated names.
    pub fn open_as(path: &Path, format: Format) -> Result<Table, TabularError> {
        if std::fs::metadata(path)?.len() == 0 {
            return Err(TabularError::Empty);
        }
        let (mut source, encoding) = match format {
            Format::Csv => {
                let (source, encoding) = csv_source::CsvSource::open(path)?;
                (Source::Csv(source), Some(encoding))
            }
            Format::Xlsx => (Source::Xlsx(xlsx_source::XlsxSource::open(path)?), None),
        };
        let headers = match source.next_row() {
            Some(Ok(row)) => row.cells,
            Some(Err(e)) => return Err(e),
            None => return Err(TabularError::Empty),
        };
        Ok(Table {
            format,
            encoding,
            headers,
            source,
        })
    }

    /// The format the table was read as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The detected text encoding; `None` for xlsx.
    pub fn encoding(&self) -> Option<TextEncoding> {
        self.encoding
    }

    /// The trimmed header cells.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Next data row; fully blank rows are skipped but still counted in line numbers.
    ///
    /// Returns `None` at the end. After an I/O or workbook error the stream
    /// ends; after a [`TabularError::Parse`] reading can go on.
    pub fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        let mut row = match self.source.next_row()? {
            Ok(row) => row,
            Err(e) => return Some(Err(e)),
        };
        // Padding lets callers index any header column without bounds checks.
        if row.cells.len() < self.headers.len() {
            row.cells.resize(self.headers.len(), String::new());
        }
        Some(Ok(row))
    }
}

impl Iterator for Table {
    type Item = Result<Row, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Finds the index of a header equal (after trimming) to any of `names`,
/// e.g. `column(headers, &["准考证号", "admission_no"])`.
///
/// Earlier names win, so callers list their preferred spelling first.
pub fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h.trim() == n.trim()))
}

/// Trims whitespace, including the full-width space, and stray byte-order marks.
pub(crate) fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}
