//! 学位外语 for the student, shared by the page (`views::language::apply`) and the API
//! (`api::language`): the table of batches with the student's figure, their application and
//! what they may do in each; applying with proof files, and 撤销申请.

use std::collections::HashMap;

use domain::degree::language::{LanguageInput, LanguageStatus, Qualification, validate};
use domain::files::{PROOF_MAX_FILES, check_proof, check_proof_count};
use store::accounts::delegation::Decider;
use store::degree::language::{self, Decision, NewProof};
use store::entity::{batch, language_application as app};
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentStaff, CurrentStudent};
use crate::upload::Upload;

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

async fn language_stages(
    state: &AppState,
    batch_id: i64,
) -> Result<Vec<domain::review::Stage>, AppError> {
    Ok(store::degree::stages_of(&state.db, batch_id).await?)
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
            status: match a {
                Some(a) => language::status_label(a, &language_stages(state, b.id).await?),
                None => String::new(),
            },
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

/// One of the student's school's language batches, or "not found".
pub async fn own_batch(
    state: &AppState,
    me: &CurrentStudent,
    batch_id: i64,
) -> Result<batch::Model, AppError> {
    match language::batch_of_school(&state.db, me.model.school_org_id, batch_id).await {
        Ok(b) => Ok(b),
        Err(RepoError::NotFound) => Err(AppError::NotFound("未找到该学位外语批次".to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// Applies in batch `b` with the form and up to five proof files. Every rule is checked, and
/// every refusal collected with its field, before any file is stored; on a refusal nothing
/// changes.
pub async fn apply(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
    input: LanguageInput,
    uploads: Vec<Upload>,
) -> Result<app::Model, AppError> {
    let today = domain::calendar::beijing_date(state.now());
    let mut errors: Vec<(String, String)> = Vec::new();
    let valid = validate(&input, today)
        .map_err(|list| errors.extend(list.into_iter().map(|(f, m)| (f.to_owned(), m))))
        .ok();
    let files = |m: String| ("files".to_owned(), m);
    if uploads.is_empty() {
        errors.push(files(format!(
            "请上传外国语成绩证明图片或文件（jpg、png 或 pdf，每个不超过1M，最多{PROOF_MAX_FILES}个）"
        )));
    }
    if let Err(e) = check_proof_count(0, uploads.len()) {
        errors.push(files(e.0));
    }
    let mut clean = Vec::new();
    for up in uploads.iter().take(PROOF_MAX_FILES) {
        match check_proof(&up.name, &up.bytes, up.total) {
            Ok(c) => clean.push((up.name.clone(), c)),
            Err(e) => errors.push(files(e.0)),
        }
    }
    match language::check_can_apply(&state.db, &me.model, b.id, state.now()).await {
        Ok(_) => {}
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => errors.push((String::new(), m)),
        Err(e) => return Err(e.into()),
    }
    let Some(v) = valid.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let mut stored = Vec::with_capacity(clean.len());
    for (name, c) in clean {
        let put = state
            .objects
            .put(
                &format!("language/{}", me.model.id),
                c.format.ext(),
                c.bytes,
            )
            .await;
        match put {
            Ok(s) => stored.push(NewProof {
                stored: s,
                original_name: name,
                content_type: c.format.content_type(),
            }),
            Err(e) => {
                discard_all(state, &stored).await;
                return Err(AppError::Internal(e.into()));
            }
        }
    }
    let applied = language::apply(
        &state.db,
        &me.model,
        b.id,
        &v,
        &stored,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await;
    if applied.is_err() {
        discard_all(state, &stored).await;
    }
    Ok(applied?)
}

/// Nothing refers to these stored files: remove them again.
async fn discard_all(state: &AppState, stored: &[NewProof]) {
    for p in stored {
        crate::services::files::discard(state, &p.stored.key).await;
    }
}

/// 撤销申请 of one of the student's own applications, while nobody has reviewed it.
pub async fn withdraw(state: &AppState, me: &CurrentStudent, id: i64) -> Result<(), AppError> {
    match language::withdraw(
        &state.db,
        me.model.id,
        id,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Err(RepoError::NotFound) => Err(AppError::NotFound("未找到该学位外语申请".to_owned())),
        other => Ok(other?),
    }
}

/// Whether the staff member's organisation is a continuing-education school, which alone
/// reviews 学位外语.
pub fn is_school(me: &CurrentStaff) -> bool {
    me.org.kind == domain::OrgKind::ContinuingEdSchool.code()
}

/// Refuses staff of any other organisation.
pub fn require_school(me: &CurrentStaff) -> Result<(), AppError> {
    if is_school(me) {
        Ok(())
    } else {
        tracing::warn!(
            staff = me.staff.id,
            "request denied: language review outside a continuing-education school"
        );
        Err(AppError::Forbidden(
            "学位外语成绩认定由继续教育学院审核，本机构不能审核".to_owned(),
        ))
    }
}

/// The colleagues the signed-in reviewer stands in for now (工作委托), each with their roles, as
/// the store checks a stage against them.
fn stands_in_for(me: &CurrentStaff) -> Vec<(i64, domain::Roles)> {
    me.delegated
        .iter()
        .map(|d| (d.from_staff_id, d.roles.clone()))
        .collect()
}

/// One reviewer's decision on one application of the school's batches, after the batch's
/// window closed, at the version the reviewer saw (`None`: whatever it is now): at a stage the
/// reviewer's own roles name, or one a colleague's do whom they stand in for (工作委托), the
/// decision then taken on that colleague's behalf.
pub async fn review(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    version: Option<i32>,
    decision: &Decision,
) -> Result<app::Model, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    require_school(me)?;
    let colleagues = stands_in_for(me);
    let by = Decider {
        staff_id: me.staff.id,
        roles: &me.roles,
        stands_in_for: &colleagues,
    };
    match language::review_by(
        &state.db,
        me.org.id,
        by,
        id,
        version,
        decision,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Err(RepoError::NotFound) => Err(AppError::NotFound(
            "该学位外语申请不存在，或不属于本机构的批次".to_owned(),
        )),
        other => Ok(other?),
    }
}

/// Most applications one bulk review takes.
pub const BULK_MAX: usize = 200;

/// Reviews several of the school's applications with one decision, each on its own (and each
/// under a 工作委托 where [`review`] would take it so): the ones decided and, per application, why
/// the others were not.
pub async fn review_many(
    state: &AppState,
    me: &CurrentStaff,
    ids: &[i64],
    decision: &Decision,
) -> Result<language::BulkOutcome, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    require_school(me)?;
    if ids.is_empty() {
        return Err(AppError::refused("ids", "请先勾选要批量审核的申请"));
    }
    if ids.len() > BULK_MAX {
        return Err(AppError::refused(
            "ids",
            format!(
                "一次最多批量审核 {BULK_MAX} 份申请，本次勾选了 {} 份，多了 {} 份",
                ids.len(),
                ids.len() - BULK_MAX
            ),
        ));
    }
    let colleagues = stands_in_for(me);
    let by = Decider {
        staff_id: me.staff.id,
        roles: &me.roles,
        stands_in_for: &colleagues,
    };
    Ok(language::review_many_by(
        &state.db,
        me.org.id,
        by,
        ids,
        decision,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await?)
}
