//! Rows of the first worksheet of an xlsx workbook, assembled from streamed cells.
//!
//! calamine's cell reader borrows the workbook, so both live on a worker
//! thread that hands rows over a bounded channel; that keeps [`crate::Table`]
//! free of self-references while memory stays bounded.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{DataRef, ExcelDateTime, Reader, Xlsx, XlsxError};

use crate::{Row, TabularError, clean};

const BATCH: usize = 256;
const BATCHES_IN_FLIGHT: usize = 4;

enum Message {
    Rows(Vec<Row>),
    Failed(TabularError),
    End,
}

/// Streams non-blank worksheet rows as [`Row`]s, the header included.
pub(crate) struct XlsxSource {
    receiver: Receiver<Message>,
    pending: std::vec::IntoIter<Row>,
    done: bool,
}

impl XlsxSource {
    /// Starts reading `path` on a worker thread.
    pub(crate) fn open(path: &Path) -> Result<XlsxSource, TabularError> {
        let (sender, receiver) = sync_channel(BATCHES_IN_FLIGHT);
        let path = path.to_path_buf();
        std::thread::Builder::new()
            .name("tabular-xlsx".to_owned())
            .spawn(move || work(&path, &sender))?;
        Ok(XlsxSource {
            receiver,
            pending: Vec::new().into_iter(),
            done: false,
        })
    }

    /// The next non-blank row, or `None` at the end.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        loop {
            if let Some(row) = self.pending.next() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.receiver.recv() {
                Ok(Message::Rows(rows)) => self.pending = rows.into_iter(),
                Ok(Message::End) => self.done = true,
                Ok(Message::Failed(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Err(_) => {
                    self.done = true;
                    return Some(Err(TabularError::Excel("读取过程意外中断".to_owned())));
                }
            }
        }
    }
}

/// Signals that the reading side has gone away and work should stop.
struct Abandoned;

fn work(path: &Path, sender: &SyncSender<Message>) {
    let last = match stream(path, sender) {
        Ok(Ok(())) => Message::End,
        Ok(Err(Abandoned)) => return,
        Err(e) => Message::Failed(e),
    };
    // Nobody may be listening any more; there is nothing left to do then.
    let _ = sender.send(last);
}

fn stream(
    path: &Path,
    sender: &SyncSender<Message>,
) -> Result<Result<(), Abandoned>, TabularError> {
    let mut workbook: Xlsx<BufReader<File>> = calamine::open_workbook(path).map_err(excel)?;
    let Some(sheet) = workbook.sheet_names().into_iter().next() else {
        return Err(TabularError::Empty);
    };
    let mut reader = workbook.worksheet_cells_reader(&sheet).map_err(excel)?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut current = Row {
        line: 0,
        cells: Vec::new(),
    };
    while let Some(cell) = reader.next_cell().map_err(excel)? {
        let (row, col) = cell.get_position();
        let line = u64::from(row) + 1;
        if line != current.line {
            let finished = std::mem::replace(
                &mut current,
                Row {
                    line,
                    cells: Vec::new(),
                },
            );
            // Rows only ever gain non-empty cells, so an empty one is blank.
            if !finished.cells.is_empty() {
                batch.push(finished);
                if batch.len() == BATCH && !send_batch(sender, &mut batch) {
                    return Ok(Err(Abandoned));
                }
            }
        }
        let text = render(cell.get_value());
        let text = clean(&text);
        if text.is_empty() {
            continue;
        }
        let col = col as usize;
        if current.cells.len() <= col {
            current.cells.resize(col + 1, String::new());
        }
        current.cells[col] = text.to_owned();
    }
    if !current.cells.is_empty() {
        batch.push(current);
    }
    if !batch.is_empty() && !send_batch(sender, &mut batch) {
        return Ok(Err(Abandoned));
    }
    Ok(Ok(()))
}

fn send_batch(sender: &SyncSender<Message>, batch: &mut Vec<Row>) -> bool {
    let rows = std::mem::replace(batch, Vec::with_capacity(BATCH));
    sender.send(Message::Rows(rows)).is_ok()
}

fn excel(error: XlsxError) -> TabularError {
    match error {
        XlsxError::Io(e) => TabularError::Io(e),
        XlsxError::Zip(_) => {
            TabularError::Excel("文件已损坏、已加密，或并非真正的 .xlsx 文件".to_owned())
        }
        other => TabularError::Excel(other.to_string()),
    }
}

/// Renders a cell as Excel would display it in a plain General/date format.
pub(crate) fn render(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => s.replacen('T', " ", 1),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// Formats a number with at most 15 significant digits and never in
/// exponent form, so integral IDs stored as numbers keep all their digits
/// and binary noise such as `0.30000000000000004` shows as `0.3`.
pub(crate) fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: every integer below 2^53 fits, and the `as` cast cannot overflow here.
        return (f as i64).to_string();
    }
    let magnitude = f.abs().log10().floor() as i32;
    let decimals = (14 - magnitude).clamp(0, 400) as usize;
    let mut text = format!("{f:.decimals$}");
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if text == "-0" { "0".to_owned() } else { text }
}

/// Dates as `YYYY-MM-DD`; times as `HH:MM` (or `HH:MM:SS` when seconds are set).
fn date_time(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let total = (value * 86_400.0).round() as i64;
        let (sign, total) = if total < 0 {
            ("-", -total)
        } else {
            ("", total)
        };
        return clock(sign, total / 3600, (total / 60) % 60, total % 60);
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = clock("", h.into(), mi.into(), s.into());
    if (0.0..1.0).contains(&value) {
        time
    } else if h == 0 && mi == 0 && s == 0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

fn clock(sign: &str, h: i64, m: i64, s: i64) -> String {
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_render_like_excel_general() {
        assert_eq!(number(500_101_234_567.0), "500101234567");
        assert_eq!(number(85.5), "85.5");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(0.000_012_5), "0.0000125");
    }

    #[test]
    fn dates_and_times() {
        let dt = |v| ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false);
        assert_eq!(date_time(&dt(45_943.0)), "2025-10-13");
        assert_eq!(date_time(&dt(45_943.5)), "2025-10-13 12:00");
        assert_eq!(date_time(&dt(0.375)), "09:00");
        let span = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_time(&span), "36:00");
    }
}
