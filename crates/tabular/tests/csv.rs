#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use tabular::{Format, Row, Table, TabularError, TextEncoding, column};
use tempfile::TempDir;

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn rows(path: &Path) -> Vec<Row> {
    Table::open(path).unwrap().map(Result::unwrap).collect()
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn utf8_csv() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "a.csv",
        "准考证号, 姓名 \n500101234567,张三\n".as_bytes(),
    );
    let table = Table::open(&path).unwrap();
    assert_eq!(table.format(), Format::Csv);
    assert_eq!(table.encoding(), Some(TextEncoding::Utf8));
    assert_eq!(table.headers(), ["准考证号", "姓名"]);
    let rows: Vec<Row> = table.map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].cells, ["500101234567", "张三"]);
}

#[test]
fn utf8_bom_csv() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "b.CSV",
        "\u{feff}准考证号,姓名\r\n1,李四\r\n".as_bytes(),
    );
    let table = Table::open(&path).unwrap();
    assert_eq!(table.encoding(), Some(TextEncoding::Utf8));
    assert_eq!(column(table.headers(), &["准考证号"]), Some(0));
    assert_eq!(rows(&path)[0].cells, ["1", "李四"]);
}

#[test]
fn gb18030_csv_with_chinese_headers() {
    let dir = TempDir::new().unwrap();
    let bytes = gb18030("准考证号,姓名,科目\n500101234567,王五,语文\n");
    let path = write(&dir, "c.csv", &bytes);
    let table = Table::open(&path).unwrap();
    assert_eq!(table.encoding(), Some(TextEncoding::Gb18030));
    assert_eq!(table.headers(), ["准考证号", "姓名", "科目"]);
    let rows: Vec<Row> = table.map(Result::unwrap).collect();
    assert_eq!(rows[0].cells, ["500101234567", "王五", "语文"]);
}

#[test]
fn gb18030_detected_after_long_ascii_prefix() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("id,name\n");
    let mut n = 0;
    while text.len() < 100 * 1024 {
        n += 1;
        text.push_str(&format!("{n},candidate{n}\n"));
    }
    text.push_str("999999,赵六\n");
    let path = write(&dir, "d.csv", &gb18030(&text));
    let table = Table::open(&path).unwrap();
    assert_eq!(table.encoding(), Some(TextEncoding::Gb18030));
    let last = table.map(Result::unwrap).last().unwrap();
    assert_eq!(last.cells, ["999999", "赵六"]);
    assert_eq!(last.line, n + 2);
}

#[test]
fn quoted_fields_blank_lines_and_line_numbers() {
    let dir = TempDir::new().unwrap();
    let text = "a,b,c\n\
                1,\"x, y\",z\n\
                \n\
                \x20, ,\u{3000}\n\
                2,\"multi\nline\",w\n\
                \n\
                3,short\n";
    let path = write(&dir, "e.csv", text.as_bytes());
    let rows = rows(&path);
    let got: Vec<(u64, Vec<&str>)> = rows
        .iter()
        .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        got,
        [
            (2, vec!["1", "x, y", "z"]),
            (5, vec!["2", "multi\nline", "w"]),
            (7, vec!["3", "short", ""]),
        ]
    );
}

#[test]
fn crlf_line_numbers_and_unterminated_last_row() {
    let dir = TempDir::new().unwrap();
    let text = "a,b\r\n\r\n\"1\",\"x\r\ny\"\r\n\r\n\r\n2,\"z\"\r\n\n\n3,w";
    let path = write(&dir, "crlf.csv", text.as_bytes());
    let got: Vec<(u64, Vec<String>)> = rows(&path).into_iter().map(|r| (r.line, r.cells)).collect();
    let want = [(3, ["1", "x\r\ny"]), (6, ["2", "z"]), (9, ["3", "w"])];
    let want: Vec<(u64, Vec<String>)> = want
        .iter()
        .map(|(l, c)| (*l, c.map(String::from).to_vec()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn bare_cr_line_endings() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "mac.csv", b"a,b\r1,2\r3,4\r");
    let got: Vec<(u64, Vec<String>)> = rows(&path).into_iter().map(|r| (r.line, r.cells)).collect();
    assert_eq!(got[1], (3, vec!["3".to_owned(), "4".to_owned()]));
}

#[test]
fn leading_blank_lines_before_header_are_counted() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "f.csv", b"\n,,\nname\nx\n");
    let table = Table::open(&path).unwrap();
    assert_eq!(table.headers(), ["name"]);
    let rows: Vec<Row> = table.map(Result::unwrap).collect();
    assert_eq!(rows[0].line, 4);
}

#[test]
fn empty_inputs_are_rejected() {
    let dir = TempDir::new().unwrap();
    for (name, bytes) in [
        ("zero.csv", &b""[..]),
        ("bom.csv", &b"\xEF\xBB\xBF"[..]),
        ("blank.csv", &b"\n\r\n  \n"[..]),
        ("blank_header.csv", &b" , ,\n"[..]),
    ] {
        let path = write(&dir, name, bytes);
        let err = Table::open(&path).unwrap_err();
        assert!(matches!(err, TabularError::Empty), "{name}: {err:?}");
        assert_eq!(err.to_string(), "文件为空");
    }
}

#[test]
fn unsupported_extensions_are_rejected() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "old.xls", b"\xD0\xCF\x11\xE0");
    let err = Table::open(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "不支持的文件类型“.xls”：请上传 .xlsx 或 .csv 文件"
    );
    let path = write(&dir, "upload-1234", b"a\n1\n");
    assert!(matches!(
        Table::open(&path),
        Err(TabularError::UnsupportedFormat(_))
    ));
    assert_eq!(Table::open_as(&path, Format::Csv).unwrap().count(), 1);
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = TempDir::new().unwrap();
    let err = Table::open(&dir.path().join("nope.csv")).unwrap_err();
    assert!(err.to_string().starts_with("读取文件失败："), "{err}");
}

#[test]
fn streams_200k_rows() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "准考证号,姓名,科目,成绩,考场").unwrap();
    for i in 0..200_000u64 {
        writeln!(
            out,
            "{},考生{i},数学,{},第{}考场",
            500_100_000_000 + i,
            i % 150,
            i % 40
        )
        .unwrap();
    }
    drop(out);
    let mut count = 0u64;
    let mut last_line = 0;
    for row in Table::open(&path).unwrap() {
        let row = row.unwrap();
        count += 1;
        last_line = row.line;
    }
    assert_eq!(count, 200_000);
    assert_eq!(last_line, 200_001);
}

#[test]
fn table_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Table>();
}

#[test]
fn column_prefers_earlier_names() {
    let headers: Vec<String> = ["admission_no", " 准考证号 "].map(String::from).to_vec();
    assert_eq!(column(&headers, &["准考证号", "admission_no"]), Some(1));
    assert_eq!(column(&headers, &["姓名"]), None);
}
