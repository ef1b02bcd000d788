//! Reading the file: column lookup by header, and rows delivered in chunks from a blocking
//! thread so that decoding the next chunk overlaps with writing the current one.

use tabular::{Row, Table, TabularError};
use tokio::sync::mpsc;

use super::ImportError;

/// A column an import knows: its Chinese header and the English code name accepted instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSpec {
    /// The header as offices write it, e.g. `准考证号`.
    pub(crate) zh: &'static str,
    /// The glossary code name, e.g. `admission_no`.
    pub(crate) en: &'static str,
}

/// A column found in the file.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// Position in the row.
    pub(crate) index: usize,
    /// The header exactly as the file has it, for error reports.
    pub(crate) header: String,
}

impl Column {
    /// The trimmed cell of this column.
    pub(crate) fn cell<'r>(&self, row: &'r Row) -> &'r str {
        row.get(self.index)
    }
}

impl ColumnSpec {
    /// A column named `zh` in Chinese and `en` in the glossary.
    pub(crate) const fn new(zh: &'static str, en: &'static str) -> ColumnSpec {
        ColumnSpec { zh, en }
    }
}

fn find(headers: &[String], spec: ColumnSpec) -> Option<Column> {
    tabular::column(headers, &[spec.zh, spec.en])
        .or_else(|| {
            // Code names may arrive in any case (`Admission_No`).
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(spec.en))
        })
        .map(|index| Column {
            index,
            header: headers
                .get(index)
                .map(|h| h.trim().to_owned())
                .unwrap_or_default(),
        })
}

/// Finds every required column or names all that are missing, in the order given.
pub(crate) fn required<const N: usize>(
    headers: &[String],
    specs: [ColumnSpec; N],
) -> Result<[Column; N], ImportError> {
    let found = specs.map(|s| find(headers, s));
    let missing: Vec<String> = specs
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(s, _)| s.zh.to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }
    let mut out = Vec::with_capacity(N);
    out.extend(found.into_iter().flatten());
    out.try_into()
        .map_err(|_| ImportError::MissingColumns(Vec::new()))
}

/// Finds an optional column.
pub(crate) fn optional(headers: &[String], spec: ColumnSpec) -> Option<Column> {
    find(headers, spec)
}

/// One item of the stream: a row, or a row the reader could not decode (reported, not fatal).
pub(crate) enum Item {
    /// A data row.
    Row(Row),
    /// A row that could not be decoded, e.g. invalid text in a CSV record.
    Unreadable {
        /// Row number.
        line: u64,
        /// What the reader said.
        reason: String,
    },
}

impl Item {
    /// The row number of the item.
    pub(crate) fn line(&self) -> u64 {
        match self {
            Item::Row(r) => r.line,
            Item::Unreadable { line, .. } => *line,
        }
    }
}

/// Chunks of rows read on a blocking thread; at most two chunks wait in memory.
pub(crate) struct Chunks {
    receiver: mpsc::Receiver<Result<Vec<Item>, TabularError>>,
}

impl Chunks {
    /// Starts reading `table` in chunks of `size` rows.
    pub(crate) fn start(table: Table, size: usize) -> Chunks {
        let (sender, receiver) = mpsc::channel(2);
        // Decoding is synchronous file work: keep it off the async workers. When the importer
        // stops early its receiver is dropped and the next send ends this thread.
        tokio::task::spawn_blocking(move || {
            let mut chunk = Vec::with_capacity(size);
            for item in table {
                match item {
                    Ok(row) => chunk.push(Item::Row(row)),
                    Err(TabularError::Parse { line, reason }) => {
                        chunk.push(Item::Unreadable { line, reason });
                    }
                    Err(fatal) => {
                        if !chunk.is_empty() && sender.blocking_send(Ok(chunk)).is_err() {
                            return;
                        }
                        let _ = sender.blocking_send(Err(fatal));
                        return;
                    }
                }
                if chunk.len() >= size {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(size));
                    if sender.blocking_send(Ok(full)).is_err() {
                        return;
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = sender.blocking_send(Ok(chunk));
            }
        });
        Chunks { receiver }
    }

    /// The next chunk; `None` at the end of the file.
    pub(crate) async fn next(&mut self) -> Option<Result<Vec<Item>, ImportError>> {
        self.receiver
            .recv()
            .await
            .map(|r| r.map_err(ImportError::File))
    }
}
