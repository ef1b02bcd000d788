#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
use tabular::{Format, Row, Table, TabularError};
use tempfile::TempDir;

fn fixture(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("plan.XLSX");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let time = CellFormat::new().set_num_format("hh:mm");
    for (col, header) in ["准考证号", "姓名", "考试日期", "开考时间", "成绩"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_number(1, 0, 500_101_234_567.0).unwrap();
    sheet.write_string(1, 1, "  张三 ").unwrap();
    let day = ExcelDateTime::from_ymd(2025, 6, 7).unwrap();
    sheet.write_datetime_with_format(1, 2, &day, &date).unwrap();
    let start = ExcelDateTime::from_hms(9, 0, 0).unwrap();
    sheet
        .write_datetime_with_format(1, 3, &start, &time)
        .unwrap();
    sheet.write_number(1, 4, 87.5).unwrap();
    // Row 3 stays blank; a styled but empty cell must not make it count as data.
    sheet.write_blank(2, 1, &date).unwrap();
    sheet.write_number(3, 0, 500_101_234_568.0).unwrap();
    sheet.write_string(3, 1, "李四").unwrap();
    workbook
        .add_worksheet()
        .write_string(0, 0, "ignored")
        .unwrap();
    workbook.save(&path).unwrap();
    path
}

#[test]
fn reads_first_sheet_with_numbers_dates_and_chinese() {
    let dir = TempDir::new().unwrap();
    let path = fixture(&dir);
    let table = Table::open(&path).unwrap();
    assert_eq!(table.format(), Format::Xlsx);
    assert_eq!(table.encoding(), None);
    assert_eq!(
        table.headers(),
        ["准考证号", "姓名", "考试日期", "开考时间", "成绩"]
    );
    let rows: Vec<Row> = table.map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(
        rows[0].cells,
        ["500101234567", "张三", "2025-06-07", "09:00", "87.5"]
    );
    assert_eq!(rows[1].line, 4);
    assert_eq!(rows[1].cells, ["500101234568", "李四", "", "", ""]);
}

#[test]
fn open_as_ignores_the_name() {
    let dir = TempDir::new().unwrap();
    let stored = dir.path().join("upload-42");
    std::fs::rename(fixture(&dir), &stored).unwrap();
    assert_eq!(Table::open_as(&stored, Format::Xlsx).unwrap().count(), 2);
}

#[test]
fn sheet_without_rows_is_empty() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("blank.xlsx");
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    workbook.save(&path).unwrap();
    assert!(matches!(Table::open(&path), Err(TabularError::Empty)));
}

#[test]
fn zero_byte_and_corrupt_files() {
    let dir = TempDir::new().unwrap();
    let empty = dir.path().join("empty.xlsx");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(Table::open(&empty), Err(TabularError::Empty)));
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, b"not a zip at all").unwrap();
    let err = Table::open(&bad).unwrap_err();
    assert!(
        err.to_string().starts_with("无法读取 Excel 文件："),
        "{err}"
    );
}

#[test]
fn dropping_a_table_midway_stops_the_reader() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("many.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for row in 0..5_000u32 {
        sheet.write_number(row, 0, f64::from(row)).unwrap();
    }
    workbook.save(&path).unwrap();
    let mut table = Table::open(&path).unwrap();
    assert_eq!(table.headers(), ["0"]);
    assert_eq!(table.next().unwrap().unwrap().cells, ["1"]);
    drop(table);
    assert_eq!(Table::open(&path).unwrap().count(), 4_999);
}
