//! What an import tells the person who uploaded the file: every rejected cell with its row,
//! column and a specific reason, plus the totals.

use serde::{Deserialize, Serialize};

use super::ImportKind;

/// How many row errors a report keeps; the count goes on past it. A file with more errors than
/// this is usually the wrong file, and a longer list helps nobody fix it.
pub const MAX_KEPT_ERRORS: usize = 1000;

/// One rejected cell (or row) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Row number as the spreadsheet program shows it (the header is row 1).
    pub line: u64,
    /// The column header as written in the file, e.g. `身份证号`; empty when the whole row is at fault.
    pub column: String,
    /// The offending cell; ID numbers and phone numbers are masked because reports are kept and shown.
    pub value: String,
    /// Why the value was rejected, in Chinese, naming the rule and what was expected.
    pub reason: String,
}

/// The outcome of one import that got as far as reading its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// What was imported.
    pub kind: ImportKind,
    /// The name the file was uploaded under.
    pub file_name: String,
    /// Data rows read (blank rows are not counted).
    pub rows: u64,
    /// Rows written; 0 when the file was rejected, since imports are all-or-nothing.
    pub imported: u64,
    /// Of `imported`, the rows that updated a record already there (a re-imported 学号); the rest
    /// created one. Always 0 for kinds that only add ([`ImportKind::updates`]).
    pub updated: u64,
    /// Rows with at least one error, none of which was written.
    pub refused_rows: u64,
    /// Every error found, including those beyond the kept list.
    pub error_count: u64,
    /// The first [`MAX_KEPT_ERRORS`] errors in file order.
    pub errors: Vec<RowError>,
    /// `"UTF-8"` or `"GB18030"` for CSV files; `None` for xlsx.
    pub encoding: Option<&'static str>,
    /// The `import_runs` row recording this import.
    pub run_id: i64,
}

impl ImportReport {
    /// Whether the file was imported (no row had an error).
    pub fn succeeded(&self) -> bool {
        self.error_count == 0
    }

    /// A one-line Chinese summary for a flash message or an audit entry.
    pub fn summary(&self) -> String {
        if self.succeeded() && self.kind.updates() {
            format!(
                "导入成功：共 {} 行，已导入 {} 行（新增 {} 行，更新 {} 行）",
                self.rows,
                self.imported,
                self.imported.saturating_sub(self.updated),
                self.updated
            )
        } else if self.succeeded() {
            format!("导入成功：共 {} 行，已导入 {} 行", self.rows, self.imported)
        } else if self.kind.updates() {
            format!(
                "导入失败：共 {} 行，其中 {} 行有误（{} 处错误），未导入任何数据",
                self.rows, self.refused_rows, self.error_count
            )
        } else {
            format!(
                "导入失败：共 {} 行，发现 {} 处错误，未导入任何数据",
                self.rows, self.error_count
            )
        }
    }
}

/// Collects errors in file order while counting all of them.
#[derive(Debug, Default)]
pub(crate) struct ErrorLog {
    kept: Vec<RowError>,
    count: u64,
    /// Errors of the chunk being processed: lookups run after parsing, so a chunk's errors are
    /// found out of row order and are sorted before they join the kept list.
    pending: Vec<RowError>,
    /// Rows with at least one error, each counted once however many cells failed (a plan row
    /// may fail again in the whole-file checks after its chunk).
    rows: std::collections::HashSet<u64>,
}

impl ErrorLog {
    /// Records one error of the current chunk.
    pub(crate) fn push(
        &mut self,
        line: u64,
        column: &str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.count += 1;
        self.rows.insert(line);
        // A chunk's pending errors are bounded by its rows, so only a full kept list stops them.
        if self.kept.len() < MAX_KEPT_ERRORS {
            self.pending.push(RowError {
                line,
                column: column.to_owned(),
                value: value.into(),
                reason: reason.into(),
            });
        }
    }

    /// Ends a chunk: its errors join the kept list in row order.
    pub(crate) fn flush_chunk(&mut self) {
        // Stable, so two errors of one row keep the column order they were found in.
        self.pending.sort_by_key(|e| e.line);
        let room = MAX_KEPT_ERRORS.saturating_sub(self.kept.len());
        self.kept.extend(self.pending.drain(..).take(room));
    }

    /// Whether any error has been found so far; once one has, nothing more is written.
    pub(crate) fn is_clean(&self) -> bool {
        self.count == 0
    }

    /// The total number of errors found.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// How many rows had an error.
    pub(crate) fn rows(&self) -> u64 {
        self.rows.len() as u64
    }

    /// The kept errors, in file order.
    pub(crate) fn into_kept(mut self) -> Vec<RowError> {
        self.flush_chunk();
        self.kept
    }
}

/// Hides the middle of a personal number so that a report can be shown and stored: keeps `head`
/// leading and `tail` trailing characters, fewer when the text is short (a typo'd number is
/// still somebody's number).
pub(crate) fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let (head, tail) = if n > head + tail {
        (head, tail)
    } else {
        // Short values: reveal at most a third at each end.
        (n / 3, n / 3)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Masks a 身份证号 as the rest of the application does (`500103********001X`).
pub(crate) fn mask_id_card(text: &str) -> String {
    mask_middle(text, 6, 4)
}

/// Masks a phone number as the rest of the application does (`138****5678`).
pub(crate) fn mask_phone(text: &str) -> String {
    mask_middle(text, 3, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_numbers_are_masked_even_when_malformed() {
        assert_eq!(mask_id_card("500103199001011234"), "500103********1234");
        assert_eq!(mask_id_card("50010319900101"), "500103****0101");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("1381"), "1**1");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn chunk_errors_are_kept_in_row_order_and_all_counted() {
        let mut log = ErrorLog::default();
        log.push(9, "成绩", "100.5", "b");
        log.push(3, "准考证号", "x", "a");
        log.flush_chunk();
        for i in 0..2000 {
            log.push(10 + i, "成绩", "", "c");
        }
        assert_eq!(log.count(), 2002);
        assert_eq!(log.rows(), 2002);
        log.push(10, "考试日期", "", "d");
        assert_eq!((log.count(), log.rows()), (2003, 2002));
        let kept = log.into_kept();
        assert_eq!(kept.len(), MAX_KEPT_ERRORS);
        assert_eq!(kept[0].line, 3);
        assert_eq!(kept[1].line, 9);
    }
}
