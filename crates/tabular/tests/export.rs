#![allow(clippy::unwrap_used)]

use tabular::Table;
use tabular::export::{Cell, ExportError, XlsxExport};

#[test]
fn an_export_reads_back_as_the_rows_written_with_text_kept_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.xlsx");
    let mut x = XlsxExport::new("毕业审核", &["准考证号", "姓名", "金额（元）", "备注"]).unwrap();
    x.push(&[
        Cell::Text("013600000001"),
        Cell::Text("陈**"),
        Cell::Number(40.0),
        Cell::Empty,
    ])
    .unwrap();
    x.push(&[
        Cell::Text("502400000101"),
        Cell::Text("李*"),
        Cell::Number(0.5),
    ])
    .unwrap();
    assert_eq!(x.rows(), 2);
    let file = std::fs::File::create(&path).unwrap();
    assert_eq!(x.finish(file).unwrap(), 2);

    let mut t = Table::open(&path).unwrap();
    assert_eq!(t.headers(), ["准考证号", "姓名", "金额（元）", "备注"]);
    let first = t.next_row().unwrap().unwrap();
    // The leading zero of a number kept as text survives.
    assert_eq!(first.get(0), "013600000001");
    assert_eq!(first.get(1), "陈**");
    assert_eq!(first.get(2), "40");
    assert_eq!(first.get(3), "");
    let second = t.next_row().unwrap().unwrap();
    assert_eq!(second.get(2), "0.5");
    assert!(t.next_row().is_none());
}

#[test]
fn a_row_wider_than_the_header_is_refused() {
    let mut x = XlsxExport::new("s", &["a", "b"]).unwrap();
    x.push(&[Cell::Text("1"), Cell::Text("2")]).unwrap();
    let e = x
        .push(&[Cell::Text("1"), Cell::Text("2"), Cell::Text("3")])
        .unwrap_err();
    assert!(
        matches!(
            e,
            ExportError::Width {
                expected: 2,
                got: 3
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("3") && e.to_string().contains("2"));
    assert_eq!(x.rows(), 1, "the refused row is not counted");
}
