//! 学位申请表 template (seed 002 step 6, 下载学位申请表模版): an Excel workbook with the fields of
//! the degree application prefilled from the student's record, 是/否 answers as drop-down lists,
//! and the cells still to be filled in shaded, to be completed offline, signed and uploaded.

use rust_xlsxwriter::{Color, DataValidation, Format, FormatAlign, FormatBorder, Workbook};

/// What the template is prefilled with.
#[derive(Debug, Clone, Default)]
pub struct DegreeFormData {
    /// 学校 (the school of continuing education's university).
    pub school: String,
    /// 学位批次, e.g. 2024春季学位申请.
    pub batch: String,
    /// 姓名.
    pub name: String,
    /// 姓名拼音 (as offered).
    pub name_pinyin: String,
    /// 性别.
    pub gender: String,
    /// 出生日期, YYYY-MM-DD.
    pub birth_date: String,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political_status: String,
    /// 证件号码.
    pub id_card_no: String,
    /// 学号.
    pub student_no: String,
    /// 考生号.
    pub exam_reg_no: String,
    /// 本科入学年月, YYYYMM, when the register has it (empty: to be filled in).
    pub entry_month: String,
    /// 专业名称.
    pub major: String,
    /// 层次, e.g. 专升本.
    pub level: String,
    /// 学位条件 lines as shown on 学位审核条件 (current values).
    pub conditions: Vec<(String, String)>,
}

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("生成学位申请表模版失败：{0}")]
pub struct TemplateError(String);

impl From<rust_xlsxwriter::XlsxError> for TemplateError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        TemplateError(e.to_string())
    }
}

/// One field: its label, the prefilled value (empty: to be filled in) and whether it is a 是/否
/// choice.
type Field = (&'static str, String, bool);

/// The sections with their fields, in the order they appear.
fn rows(d: &DegreeFormData) -> Vec<(&'static str, Vec<Field>)> {
    let yes_no = |label: &'static str| (label, "否".to_owned(), true);
    vec![
        (
            "证件信息",
            vec![
                ("姓名", d.name.clone(), false),
                ("姓名拼音", d.name_pinyin.clone(), false),
                ("性别", d.gender.clone(), false),
                ("出生日期", d.birth_date.clone(), false),
                ("民族", d.ethnicity.clone(), false),
                ("政治面貌", d.political_status.clone(), false),
                ("证件类型", "中华人民共和国居民身份证".to_owned(), false),
                ("证件号码", d.id_card_no.clone(), false),
            ],
        ),
        (
            "学籍信息",
            vec![
                ("学号", d.student_no.clone(), false),
                ("专业名称", d.major.clone(), false),
                ("考生号", d.exam_reg_no.clone(), false),
                ("层次", d.level.clone(), false),
                ("本科入学年月", d.entry_month.clone(), false),
                ("本科毕业年月", String::new(), false),
                ("国家或地区", "中国".to_owned(), false),
                yes_no("是否第二学位"),
                yes_no("是否主辅修学位"),
                yes_no("是否辅修学位"),
                yes_no("是否双学士学位"),
                yes_no("是否联合学位"),
                ("联合培养单位", String::new(), false),
            ],
        ),
        (
            "联系信息",
            vec![
                ("电子邮箱", String::new(), false),
                ("QQ账号", String::new(), false),
                ("微信账号", String::new(), false),
                ("其他信息", String::new(), false),
            ],
        ),
        ("毕业论文", vec![("论文题目", String::new(), false)]),
    ]
}

/// The template as `.xlsx` bytes.
pub fn degree_form_template(d: &DegreeFormData) -> Result<Vec<u8>, TemplateError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("学位申请表")?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 46)?;
    let border = Format::new().set_border(FormatBorder::Thin);
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let section = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDE7F3))
        .set_border(FormatBorder::Thin);
    let label = border.clone().set_bold();
    let fill = border.clone().set_background_color(Color::RGB(0xFFF5CC));
    let note = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x555555));

    ws.merge_range(0, 0, 0, 1, "高等学历继续教育学士学位申请表", &title)?;
    ws.write_string(1, 0, "学校")?;
    ws.write_string(1, 1, &d.school)?;
    ws.write_string(2, 0, "学位批次")?;
    ws.write_string(2, 1, &d.batch)?;
    ws.write_string_with_format(
        3,
        0,
        "黄色单元格请本人填写；是/否请从下拉列表选择；年月填六位数字，如 202203。",
        &note,
    )?;
    let yes_no = DataValidation::new().allow_list_strings(&["是", "否"])?;
    let month = DataValidation::new()
        .allow_text_length(rust_xlsxwriter::DataValidationRule::EqualTo(6))
        .set_error_message("请填写六位数字年月，如 202203")?;
    let mut r: u32 = 5;
    for (heading, fields) in rows(d) {
        ws.merge_range(r, 0, r, 1, heading, &section)?;
        r += 1;
        for (name, value, choice) in fields {
            ws.write_string_with_format(r, 0, name, &label)?;
            let to_fill = value.is_empty() || choice;
            ws.write_string_with_format(r, 1, &value, if to_fill { &fill } else { &border })?;
            if choice {
                ws.add_data_validation(r, 1, r, 1, &yes_no)?;
            }
            if name.ends_with("年月") {
                ws.add_data_validation(r, 1, r, 1, &month)?;
            }
            r += 1;
        }
    }
    ws.merge_range(r, 0, r, 1, "学位审核条件（申请时）", &section)?;
    r += 1;
    for (rule, current) in &d.conditions {
        ws.write_string_with_format(r, 0, rule, &label)?;
        ws.write_string_with_format(r, 1, current, &border)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "本人签名", &label)?;
    ws.write_string_with_format(r, 1, "", &fill)?;
    ws.write_string_with_format(r + 1, 0, "日期", &label)?;
    ws.write_string_with_format(r + 1, 1, "", &fill)?;
    ws.write_string_with_format(r + 3, 0, "学院审核意见", &label)?;
    ws.write_string_with_format(r + 3, 1, "", &border)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn the_template_carries_the_record_and_blank_cells_to_fill() {
        let bytes = degree_form_template(&DegreeFormData {
            school: "示例大学继续教育学院".into(),
            batch: "2024春季学位申请".into(),
            name: "单丽丽".into(),
            name_pinyin: "Shan Lili".into(),
            gender: "女".into(),
            birth_date: "1998-05-04".into(),
            ethnicity: "汉族".into(),
            political_status: "群众".into(),
            id_card_no: "50010119980504002X".into(),
            student_no: "2022130502001".into(),
            exam_reg_no: "22500101150001".into(),
            entry_month: "202203".into(),
            major: "视觉传达设计".into(),
            level: "专升本".into(),
            conditions: vec![("平均成绩".into(), "91.95".into())],
        })
        .unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("学位申请表").unwrap();
        let value_of = |label: &str| {
            sheet
                .rows()
                .find(|row| row.first() == Some(&Data::String(label.to_owned())))
                .and_then(|row| row.get(1).cloned())
                .unwrap_or(Data::Empty)
        };
        assert_eq!(value_of("姓名"), Data::String("单丽丽".into()));
        assert_eq!(value_of("姓名拼音"), Data::String("Shan Lili".into()));
        assert_eq!(value_of("学号"), Data::String("2022130502001".into()));
        assert_eq!(value_of("本科入学年月"), Data::String("202203".into()));
        assert_eq!(value_of("是否联合学位"), Data::String("否".into()));
        assert_eq!(value_of("平均成绩"), Data::String("91.95".into()));
        let email = value_of("电子邮箱");
        assert!(
            email == Data::Empty || email == Data::String(String::new()),
            "left blank to fill: {email:?}"
        );
    }
}
