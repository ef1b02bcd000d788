//! CSV rows with encoding detection.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::{Row, TabularError, TextEncoding, clean};

const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
const CHUNK: usize = 256 * 1024;

/// Streams non-blank CSV records as [`Row`]s, the header included.
pub(crate) struct CsvSource {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    /// Row number the next record gets if no blank lines precede it.
    next_line: u64,
    done: bool,
}

impl CsvSource {
    /// Opens `path`, detects its encoding and positions the reader after any BOM.
    pub(crate) fn open(path: &Path) -> Result<(CsvSource, TextEncoding), TabularError> {
        let mut file = File::open(path)?;
        let (encoding, skip) = detect_encoding(&mut file)?;
        file.seek(SeekFrom::Start(skip))?;
        let cr_only = is_cr_only(&mut file)?;
        file.seek(SeekFrom::Start(skip))?;
        // A final newline makes every record newline-terminated, which the
        // row numbering in `next_row` relies on; a surplus one is an empty line
        // the parser skips.
        let file = file.chain(io::Cursor::new(b"\n"));
        let input: Box<dyn Read + Send> = match encoding {
            TextEncoding::Utf8 => Box::new(file),
            TextEncoding::Gb18030 => Box::new(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::GB18030))
                    .bom_sniffing(false)
                    .build(file),
            ),
        };
        // Splitting on LF alone keeps a CRLF record's LF inside its own read,
        // so text lines consumed per read are attributable; the stray CR lands
        // at the end of the last field, where trimming removes it.
        let terminator = if cr_only {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(terminator)
            .buffer_capacity(CHUNK)
            .from_reader(input);
        let source = CsvSource {
            reader,
            record: csv::ByteRecord::new(),
            next_line: 1,
            done: false,
        };
        Ok((source, encoding))
    }

    /// The next non-blank record, or `None` at the end.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        loop {
            if self.done {
                return None;
            }
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    // The csv reader cannot resynchronise after an I/O error.
                    self.done = true;
                    return Some(Err(self.convert_error(e)));
                }
            }
            // The parser silently drops empty text lines, which Excel shows as
            // rows. Each read consumes those, the record's own embedded line
            // breaks and its terminating LF; what remains are the dropped lines.
            let before = self.record.position().map_or(0, csv::Position::line);
            let consumed = self.reader.position().line().saturating_sub(before);
            let skipped = if consumed > 1 {
                let embedded = self.record.as_slice().iter().filter(|&&b| b == b'\n');
                consumed.saturating_sub(1 + embedded.count() as u64)
            } else {
                0
            };
            let line = self.next_line + skipped;
            self.next_line = line + 1;

            match cells(&self.record) {
                Ok(cells) if cells.iter().all(String::is_empty) => continue,
                Ok(cells) => return Some(Ok(Row { line, cells })),
                Err(reason) => return Some(Err(TabularError::Parse { line, reason })),
            }
        }
    }

    fn convert_error(&self, error: csv::Error) -> TabularError {
        let line = self.next_line;
        match error.into_kind() {
            csv::ErrorKind::Io(e) => TabularError::Io(e),
            other => TabularError::Parse {
                line,
                reason: format!("{other:?}"),
            },
        }
    }
}

fn cells(record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    let mut cells = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(text) => cells.push(clean(text).to_owned()),
            // Only reachable if the file changed after detection.
            Err(_) => return Err(format!("第{}列不是有效的 UTF-8 文本", i + 1)),
        }
    }
    Ok(cells)
}

/// Returns the encoding and how many leading bytes (a BOM) to skip.
///
/// The whole file is validated because GB18030 text may first appear far
/// into an otherwise ASCII file; the scan is chunked so memory stays bounded.
pub(crate) fn detect_encoding(
    file: &mut (impl Read + Seek),
) -> Result<(TextEncoding, u64), TabularError> {
    let mut head = Vec::with_capacity(3);
    file.by_ref().take(3).read_to_end(&mut head)?;
    if head.is_empty() {
        return Err(TabularError::Empty);
    }
    if head == UTF8_BOM {
        return Ok((TextEncoding::Utf8, 3));
    }
    file.seek(SeekFrom::Start(0))?;
    let encoding = if is_utf8(file)? {
        TextEncoding::Utf8
    } else {
        TextEncoding::Gb18030
    };
    Ok((encoding, 0))
}

/// Whether lines end in a bare CR (classic Mac exports), judged from the first chunk.
fn is_cr_only(input: &mut impl Read) -> io::Result<bool> {
    let mut head = Vec::with_capacity(CHUNK);
    input.take(CHUNK as u64).read_to_end(&mut head)?;
    Ok(head.contains(&b'\r') && !head.contains(&b'\n'))
}

fn is_utf8(input: &mut impl Read) -> io::Result<bool> {
    let mut buf = vec![0u8; CHUNK];
    // Bytes of a multibyte sequence cut off at the end of the previous chunk.
    let mut carry = 0;
    loop {
        let n = match input.read(&mut buf[carry..]) {
            Ok(0) => return Ok(carry == 0),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Hands out data a few bytes at a time so sequences straddle reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn utf8_split_across_reads_is_still_utf8() {
        let text = "准考证号,姓名\n500101234567,张三\n".repeat(50);
        for step in 1..8 {
            assert!(is_utf8(&mut Trickle(text.as_bytes(), step)).unwrap());
        }
    }

    #[test]
    fn truncated_sequence_at_end_is_not_utf8() {
        let mut bytes = "姓名".as_bytes().to_vec();
        bytes.pop();
        assert!(!is_utf8(&mut Trickle(&bytes, 2)).unwrap());
    }

    #[test]
    fn bom_and_empty_detection() {
        let mut bom = Cursor::new(b"\xEF\xBB\xBFa,b\n".to_vec());
        assert_eq!(detect_encoding(&mut bom).unwrap(), (TextEncoding::Utf8, 3));
        let mut empty = Cursor::new(Vec::new());
        assert!(matches!(
            detect_encoding(&mut empty),
            Err(TabularError::Empty)
        ));
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名");
        let mut gbk = Cursor::new(gbk.into_owned());
        assert_eq!(
            detect_encoding(&mut gbk).unwrap(),
            (TextEncoding::Gb18030, 0)
        );
    }
}
