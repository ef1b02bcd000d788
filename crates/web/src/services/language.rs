//! 学位外语 reads shared by the student's page and the API: the table of batches with the
//! student's figure, their application and what they may do in each.

use std::collections::HashMap;

use domain::degree::language::{LanguageStatus, Qualification};
use store::degree::language;
use store::entity::language_application as app;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStudent;

/// One row of the seed's table.
pub struct Row {
    /// 序号.
    pub no: usize,
    /// Batch id.
    pub batch_id: i64,
    /// 批次名称.
    pub batch_name: String,
    /// 申请时间 (the batch's window).
    pub window: String,
    /// 申请条件 as text.
    pub rule: String,
    /// The student's figure.
    pub actual: String,
    /// 申请状态: 已申请 when an application other than a withdrawn one exists.
    pub applied: bool,
    /// 申请条件是否达标.
    pub met: bool,
    /// 审核状态.
    pub status: String,
    /// Status code, also a CSS class.
    pub status_code: String,
    /// 审核意见.
    pub opinion: String,
    /// 合格状态.
    pub qualification: String,
    /// The active application, if any.
    pub app_id: Option<i64>,
    /// 撤销申请 offered.
    pub can_withdraw: bool,
    /// 申请 offered.
    pub can_apply: bool,
    /// Why 申请 is not offered (below the threshold, outside the window).
    pub blocked: String,
}

/// The student's active application in each batch (the newest one not withdrawn).
fn active_by_batch(apps: &[app::Model]) -> HashMap<i64, &app::Model> {
    let mut out = HashMap::new();
    for a in apps {
        if a.status != LanguageStatus::Withdrawn.code() {
            out.entry(a.batch_id).or_insert(a);
        }
    }
    out
}

/// The rows of the table for a student, shared with the JSON API.
pub async fn rows(state: &AppState, me: &CurrentStudent) -> Result<Vec<Row>, AppError> {
    let s = &me.model;
    let now = state.now();
    let batches = language::batches_of(&state.db, s.school_org_id).await?;
    let apps = language::of_student(&state.db, s.id).await?;
    let active = active_by_batch(&apps);
    let results = language::plan_results(&state.db, s).await?;
    let mut out = Vec::with_capacity(batches.len());
    for (i, b) in batches.iter().enumerate() {
        let c = domain::degree::EntryCondition::judge(&results, language::threshold_of(b));
        let a = active.get(&b.id).copied();
        let open = language::window_open(b, now);
        let blocked = if a.is_some() {
            String::new()
        } else if !c.met() {
            format!("未达标：{}", c.actual())
        } else if !open {
            if now < b.opens_at {
                "申请尚未开始".to_owned()
            } else {
                "申请已截止".to_owned()
            }
        } else {
            String::new()
        };
        out.push(Row {
            no: i + 1,
            batch_id: b.id,
            batch_name: b.name.clone(),
            window: language::window_label(b),
            rule: c.rule(),
            actual: c.actual(),
            applied: a.is_some(),
            met: c.met(),
            status: a
                .and_then(|a| LanguageStatus::from_code(&a.status))
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            status_code: a.map(|a| a.status.clone()).unwrap_or_default(),
            opinion: a.and_then(|a| a.review_opinion.clone()).unwrap_or_default(),
            qualification: a
                .and_then(|a| a.qualification.as_deref())
                .and_then(Qualification::from_code)
                .map(|q| q.label().to_owned())
                .unwrap_or_default(),
            app_id: a.map(|a| a.id),
            can_withdraw: a.is_some_and(|a| a.status == LanguageStatus::Pending.code()),
            can_apply: a.is_none() && c.met() && open,
            blocked,
        });
    }
    Ok(out)
}
