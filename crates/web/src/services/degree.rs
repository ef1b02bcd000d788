//! 学位申请 for the student, shared by the page (`views::degree::apply`) and the API (`api::degree`):
//! the batch a student applies in, the 学位审核条件 for it, and saving the form, attaching the
//! thesis and the 学位申请表, and 确认提交.

use domain::degree::DegreeAward;
use domain::degree::conditions::{Condition, evaluate, refusal};
use domain::degree::files::DegreeSlot;
use domain::degree::form::DegreeFormInput;
use store::degree::application::{self as degree, NewDegreeFile, SaveForm};
use store::entity::{batch, degree_application as app, degree_file, student};
use store::graduation::application::Decision;
use store::repo::reference;

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentStaff, CurrentStudent};
use crate::upload::Upload;

/// Bytes of an upload kept in memory: one more than the thesis limit, so a larger file is
/// refused with its size rather than cut.
pub const UPLOAD_CAP: usize = domain::degree::files::THESIS_MAX_BYTES + 1;

/// The school's degree batch students apply in now, or the latest one.
pub(crate) async fn current_batch(
    state: &AppState,
    s: &student::Model,
) -> Result<Option<batch::Model>, AppError> {
    let now = state.now();
    let mine: Vec<batch::Model> = reference::batches(&state.db, "degree")
        .await?
        .into_iter()
        .filter(|b| b.org_id == Some(s.school_org_id))
        .collect();
    Ok(mine
        .iter()
        .find(|b| b.opens_at <= now && now < b.closes_at)
        .or_else(|| mine.first())
        .cloned())
}

/// The 学位审核条件 of `s` for batch `b`.
pub(crate) async fn conditions(
    state: &AppState,
    s: &student::Model,
    b: &batch::Model,
) -> Result<Vec<Condition>, AppError> {
    let results = store::degree::course_results(&state.db, s).await?;
    let language = store::degree::language_state(&state.db, s.id).await?;
    Ok(evaluate(
        &results,
        store::degree::thresholds_of(b),
        language,
    ))
}

/// The batch the student applies in now, or "not found" when the school has none.
pub async fn open_batch(state: &AppState, me: &CurrentStudent) -> Result<batch::Model, AppError> {
    current_batch(state, &me.model)
        .await?
        .ok_or_else(|| AppError::NotFound("学校尚未设置学位申请批次".to_owned()))
}

fn ip(me: &CurrentStudent) -> Option<&str> {
    Some(me.ctx.ip.as_str())
}

/// Typed text as the form keeps it: trimmed, the pinyin's spaces single, the ID number upper
/// case.
fn normalised(i: DegreeFormInput) -> DegreeFormInput {
    DegreeFormInput {
        name: i.name.trim().to_owned(),
        name_pinyin: i
            .name_pinyin
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        id_card_no: i.id_card_no.trim().to_uppercase(),
        entry_month: i.entry_month.trim().to_owned(),
        graduation_month: i.graduation_month.trim().to_owned(),
        country: i.country.trim().to_owned(),
        kinds: i.kinds,
        joint_unit: i.joint_unit.trim().to_owned(),
        email: i.email.trim().to_owned(),
        qq: i.qq.trim().to_owned(),
        wechat: i.wechat.trim().to_owned(),
        other: i.other.trim().to_owned(),
        thesis_title: i.thesis_title.trim().to_owned(),
    }
}

/// Saves the 学位申请 form in batch `b`: a first save only while every 学位审核条件 holds;
/// refusals name their fields.
pub async fn save(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
    input: DegreeFormInput,
) -> Result<app::Model, AppError> {
    let s = &me.model;
    if degree::of_student(&state.db, s.id, b.id).await?.is_none()
        && let Some(why) = refusal(&conditions(state, s, b).await?)
    {
        return Err(AppError::refused("", why));
    }
    let input = normalised(input);
    let saved = degree::save(
        &state.db,
        s,
        b,
        SaveForm {
            input: &input,
            gender: &s.gender,
            birth_date: s.birth_date,
            ethnicity: &s.ethnicity,
            political_status: &s.political_status,
        },
        state.now(),
        ip(me),
    )
    .await;
    match saved {
        Ok(a) => Ok(a),
        Err(Err(list)) => Err(AppError::Invalid(
            list.into_iter().map(|(f, m)| (f.to_owned(), m)).collect(),
        )),
        Err(Ok(e)) => Err(e.into()),
    }
}

/// Attaches the 毕业论文定稿 (`thesis`) or the signed 学位申请表 (`form`) to the student's
/// application in batch `b`, named as the school files it.
pub async fn attach(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
    slot: &str,
    file: Option<Upload>,
) -> Result<degree_file::Model, AppError> {
    let Some(slot) = DegreeSlot::from_code(slot.trim()) else {
        return Err(AppError::refused("slot", "请选择上传的材料类型"));
    };
    let Some(up) = file else {
        return Err(AppError::refused(
            "file",
            format!("请选择要上传的{}文件", slot.label()),
        ));
    };
    let Some(a) = degree::of_student(&state.db, me.model.id, b.id).await? else {
        return Err(AppError::refused(
            "",
            "请先填写并保存学位申请信息，再上传材料",
        ));
    };
    let accepted = domain::degree::files::check(slot, &up.name, &up.bytes, up.total)
        .map_err(|m| AppError::refused("file", m))?;
    let file_name = match slot {
        DegreeSlot::Thesis => domain::degree::form::thesis_file_name(
            &me.model.student_no,
            &a.name,
            &a.thesis_title,
            accepted.ext,
        ),
        DegreeSlot::Form => format!(
            "{}{}学位申请表.{}",
            me.model.student_no, a.name, accepted.ext
        ),
    };
    let stored = state
        .objects
        .put(&format!("degree/{}", a.id), accepted.ext, up.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let attached = degree::attach(
        &state.db,
        &a,
        b,
        NewDegreeFile {
            slot,
            stored: &stored,
            content_type: accepted.content_type,
            file_name: &file_name,
        },
        state.now(),
        ip(me),
    )
    .await;
    if attached.is_err() {
        crate::services::files::discard(state, &stored.key).await;
    }
    Ok(attached?)
}

/// 确认提交 of the student's application in batch `b`, refused while a condition fails or a
/// part is missing.
pub async fn submit(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
) -> Result<app::Model, AppError> {
    let Some(a) = degree::of_student(&state.db, me.model.id, b.id).await? else {
        return Err(AppError::refused("", "请先填写并保存学位申请信息"));
    };
    let why = refusal(&conditions(state, &me.model, b).await?);
    Ok(degree::submit(&state.db, &a, b, why, state.now(), ip(me)).await?)
}

/// What a school sees for a degree application outside its remit.
pub const NOT_FOUND: &str = "未找到该学位申请，或不由本机构办理";

/// The degree batches this organisation runs, newest first.
pub async fn my_batches(
    state: &AppState,
    me: &CurrentStaff,
) -> Result<Vec<batch::Model>, AppError> {
    me.require_read()?;
    Ok(reference::batches(&state.db, "degree")
        .await?
        .into_iter()
        .filter(|b| b.org_id == Some(me.org.id))
        .collect())
}

/// An application, only when its batch is this organisation's.
pub async fn mine(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<(app::Model, batch::Model), AppError> {
    me.require_read()?;
    let not_found = || AppError::NotFound(NOT_FOUND.to_owned());
    let a = degree::get(&state.db, id).await.map_err(|_| not_found())?;
    let b = store::graduation::application::batch(&state.db, a.batch_id)
        .await
        .map_err(|_| not_found())?;
    if b.org_id != Some(me.org.id) || a.status != degree::SUBMITTED {
        tracing::warn!(
            staff = me.staff.id,
            application = id,
            "degree application outside the organisation's remit"
        );
        return Err(not_found());
    }
    Ok((a, b))
}

/// 审核通过, or 审核不通过 with 审核意见, of one submitted application of the school's, at the
/// version the reviewer saw (`None`: whatever it is now), by a reviewer of the stage it waits at
/// or a colleague standing in for one (工作委托).
pub async fn review(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    decision: &str,
    opinion: &str,
    version: Option<i32>,
) -> Result<app::Model, AppError> {
    let (a, _) = mine(state, me, id).await?;
    let decision = match decision {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject(opinion.to_owned()),
        _ => {
            return Err(AppError::refused(
                "decision",
                "请选择“审核通过”或“审核不通过”",
            ));
        }
    };
    if version.is_some_and(|v| v != a.version) {
        return Err(AppError::Conflict(format!(
            "{}。本次操作未做任何更改。",
            degree::CHANGED
        )));
    }
    // The review is claimed at this version, so the stage checked here is the one decided.
    let stages = store::degree::stages_of(&state.db, a.batch_id).await?;
    let at = a.stage.and_then(|s| usize::try_from(s).ok()).unwrap_or(0);
    let on_behalf_of = match stages.get(at) {
        Some(s) => me.acting_for(&s.name)?,
        None => None,
    };
    degree::review_for(
        &state.db,
        &a,
        me.staff.id,
        on_behalf_of,
        &decision,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await
    .map_err(|e| match e {
        store::repo::RepoError::Invalid(m) => {
            AppError::refused("opinion", format!("{m}。本次操作未做任何更改。"))
        }
        store::repo::RepoError::Conflict(m) => {
            AppError::Conflict(format!("{m}。本次操作未做任何更改。"))
        }
        other => other.into(),
    })
}

/// Records 授予 / 不授予 for approved applications of one of the school's degree batches, by a
/// reviewer of the last stage or a colleague standing in for one (工作委托); returns how many
/// were recorded.
pub async fn award(
    state: &AppState,
    me: &CurrentStaff,
    batch_id: i64,
    award: &str,
    ids: &[i64],
) -> Result<u64, AppError> {
    let b = my_batches(state, me)
        .await?
        .into_iter()
        .find(|b| b.id == batch_id)
        .ok_or_else(|| AppError::NotFound(NOT_FOUND.to_owned()))?;
    // 授予 follows the last stage's approval: its reviewers record it, or a colleague standing in
    // for one of them.
    let on_behalf_of = match store::degree::stages_of(&state.db, b.id).await?.last() {
        Some(last) => me.acting_for(&last.name)?,
        None => None,
    };
    let Some(result) = DegreeAward::from_code(award) else {
        return Err(AppError::refused("award", "请选择“授予”或“不授予”"));
    };
    degree::record_award_for(
        &state.db,
        b.id,
        ids,
        result,
        me.staff.id,
        on_behalf_of,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await
    .map_err(|e| match e {
        store::repo::RepoError::Invalid(m) | store::repo::RepoError::Conflict(m) => {
            AppError::refused("ids", m)
        }
        other => other.into(),
    })
}

/// "（受托人 受 委托人 委托）" for a decision `actor` took on behalf of `from` under a 工作委托;
/// empty for one taken by the reviewer's own role. Names as the staff pages show them.
pub(crate) async fn on_behalf_note(
    state: &AppState,
    actor: Option<i64>,
    from: Option<i64>,
) -> Result<String, AppError> {
    let (Some(actor), Some(from)) = (actor, from) else {
        return Ok(String::new());
    };
    let name = |id| async move {
        store::repo::staff::get(&state.db, id)
            .await
            .map(|s| s.display_name)
    };
    Ok(format!(
        "（{} 受 {} 委托）",
        name(actor).await?,
        name(from).await?
    ))
}
