//! 学位授予信息导出: a continuing-education school's admin downloads the degrees its school has
//! awarded (授予 recorded) as a workbook, to report them on. The columns are the 学位申请 form's
//! fields under the form's own labels (seed 002: 证件信息, 学籍信息, 联系信息), then the batch
//! and the result.
//!
//! Names, ID numbers and contacts are written in full, unmasked, unlike the lists: the school
//! must send exactly these values on for the degree's registration. Only its admin gets them,
//! only for its own school, and the download is never cached.

use axum::extract::State;
use axum::response::Response;
use tabular::export::{Cell, XlsxExport};

use crate::AppState;
use crate::error::AppError;
use crate::services::school::require_school_admin;
use crate::session::CurrentStaff;

/// The workbook's columns: seed 002's labels.
pub const COLUMNS: [&str; 26] = [
    "姓名",
    "姓名拼音",
    "性别",
    "出生日期",
    "民族",
    "政治面貌",
    "证件类型",
    "证件号码",
    "学号",
    "专业名称",
    "考生号",
    "本科入学年月",
    "本科毕业年月",
    "国家或地区",
    "是否第二学位",
    "是否主辅修学位",
    "是否辅修学位",
    "是否双学士学位",
    "是否联合学位",
    "联合培养单位",
    "电子邮箱",
    "QQ账号",
    "微信账号",
    "其他信息",
    "批次名称",
    "学位授予结果",
];

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// GET /staff/degree/report.xlsx
pub async fn download(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Response, AppError> {
    require_school_admin(&me, "学位授予信息导出")?;
    let mut x = XlsxExport::new("学位授予信息", &COLUMNS)?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut after = 0;
    loop {
        let chunk =
            store::degree::report::awarded(&snapshot, me.org.id, after, crate::export::CHUNK)
                .await?;
        let Some(last) = chunk.last() else { break };
        after = last.application.id;
        let full = chunk.len() as u64 == crate::export::CHUNK;
        for r in &chunk {
            let a = &r.application;
            let birth = a.birth_date.format("%Y-%m-%d").to_string();
            x.push(&[
                Cell::Text(&a.name),
                Cell::Text(&a.name_pinyin),
                Cell::Text(&a.gender),
                Cell::Text(&birth),
                Cell::Text(&a.ethnicity),
                Cell::Text(&a.political_status),
                Cell::Text(&a.id_type),
                Cell::Text(&a.id_card_no),
                Cell::Text(&r.student_no),
                Cell::Text(&r.major_name),
                Cell::Text(&r.exam_reg_no),
                Cell::Text(&a.entry_month),
                Cell::Text(&a.graduation_month),
                Cell::Text(&a.country),
                Cell::Text(yes_no(a.second_degree)),
                Cell::Text(yes_no(a.major_minor)),
                Cell::Text(yes_no(a.minor)),
                Cell::Text(yes_no(a.double_bachelor)),
                Cell::Text(yes_no(a.joint_degree)),
                Cell::Text(&a.joint_unit),
                Cell::Text(&a.email),
                Cell::Text(&a.qq),
                Cell::Text(&a.wechat),
                Cell::Text(&a.other_info),
                Cell::Text(&r.batch_name),
                Cell::Text("授予"),
            ])?;
        }
        if !full {
            break;
        }
    }
    snapshot
        .rollback()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let name = format!(
        "学位授予信息-{}-{}.xlsx",
        me.org.name,
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}
