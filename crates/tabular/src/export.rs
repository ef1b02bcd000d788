//! What a staff list shows, written as an `.xlsx` workbook (导出).
//!
//! Rows go to the worksheet one at a time in rust_xlsxwriter's constant-memory mode: each row is
//! flushed to a temporary file as soon as the next one starts, so an export of a million rows
//! holds one row in memory, and the workbook is assembled into the writer given to
//! [`XlsxExport::finish`]. Strings are written inline rather than through a shared-strings table,
//! which is what keeps memory flat.

use std::io::{Seek, Write};

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The most data rows one worksheet holds (Excel's 1,048,576 rows less the header).
pub const MAX_ROWS: u32 = 1_048_575;

/// One cell of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Text, written as it is (numbers such as 准考证号 stay text, so no digit is lost).
    Text(&'a str),
    /// A number (amounts, counts, scores).
    Number(f64),
    /// Nothing.
    Empty,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// More rows than a worksheet holds.
    #[error("导出的数据超过 {MAX_ROWS} 行（Excel 单个工作表的上限），请缩小筛选范围后分批导出")]
    TooManyRows,
    /// A row with more cells than the header.
    #[error("导出行的列数 {got} 多于表头的 {expected} 列")]
    Width {
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        got: usize,
    },
    /// The workbook library refused.
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] XlsxError),
}

/// A workbook of one worksheet being written: a bold header row, then the rows.
pub struct XlsxExport {
    workbook: Workbook,
    width: usize,
    rows: u32,
}

impl XlsxExport {
    /// Starts a workbook whose worksheet is named `sheet` (at most 31 characters, no `[]:*?/\`)
    /// with `headers` as its first row.
    pub fn new(sheet: &str, headers: &[&str]) -> Result<Self, ExportError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet)?;
        for (col, h) in headers.iter().enumerate() {
            let col = column(col)?;
            // Wide enough for the header or a typical value (an 18-digit ID number).
            let chars = h.chars().count() as f64;
            ws.set_column_width(col, (chars * 2.2).max(12.0))?;
            ws.write_string_with_format(0, col, *h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(Self {
            workbook,
            width: headers.len(),
            rows: 0,
        })
    }

    /// Appends one row.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        if cells.len() > self.width {
            return Err(ExportError::Width {
                expected: self.width,
                got: cells.len(),
            });
        }
        if self.rows >= MAX_ROWS {
            return Err(ExportError::TooManyRows);
        }
        self.rows += 1;
        let row = self.rows;
        let ws = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = column(col)?;
            match cell {
                Cell::Text(t) if !t.is_empty() => {
                    ws.write_string(row, col, *t)?;
                }
                Cell::Number(n) => {
                    ws.write_number(row, col, *n)?;
                }
                Cell::Text(_) | Cell::Empty => {}
            }
        }
        Ok(())
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Assembles the workbook into `out` and returns how many data rows it holds.
    pub fn finish<W: Write + Seek + Send>(mut self, out: W) -> Result<u32, ExportError> {
        self.workbook.save_to_writer(out)?;
        Ok(self.rows)
    }
}

fn column(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|_| ExportError::Width {
        expected: usize::from(u16::MAX),
        got: i,
    })
}
