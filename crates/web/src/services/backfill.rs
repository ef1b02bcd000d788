//! 成绩补录, shared by the pages (`views::graduation::backfill`) and the API (`api::backfill`): the candidate
//! files a paper result with one scan; the handling organisation approves or rejects it.

use domain::Province;
use domain::backfill::{BackfillInput, validate};
use store::entity::score_backfill as backfill;
use store::repo::RepoError;
use store::repo::score_backfill::{self as backfills, Decision, Scan};

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::upload::{Upload, check_picture};

/// Files a backfill with its scan. Every rule is checked, and every refusal collected with its
/// field, before the scan is stored; on a refusal nothing changes.
pub async fn file(
    state: &AppState,
    me: &CurrentCandidate,
    input: BackfillInput,
    scan: Option<Upload>,
) -> Result<backfill::Model, AppError> {
    let province =
        Province::of(&me.model.province).map_err(|e| AppError::from(RepoError::Invalid(e.0)))?;
    let today = domain::calendar::beijing_date(state.now());
    let mut errors: Vec<(String, String)> = Vec::new();
    let valid = validate(&input, today, province.backfill_papers())
        .map_err(|list| errors.extend(list.into_iter().map(|(f, m)| (f.to_owned(), m))))
        .ok();
    let clean = match &scan {
        None => {
            errors.push((
                "file".to_owned(),
                "请上传证书（证明信、通知单）的扫描件（.jpg）".to_owned(),
            ));
            None
        }
        Some(up) => match check_picture(up, province.form().scan_max_bytes) {
            Ok(c) => Some(c),
            Err(m) => {
                errors.push(("file".to_owned(), format!("扫描件：{m}")));
                None
            }
        },
    };
    if let Some(v) = &valid
        && let Err(RepoError::Invalid(m) | RepoError::Conflict(m)) =
            backfills::route(&state.db, &me.model, v).await
    {
        errors.push((String::new(), m));
    }
    let (Some(v), Some(clean), Some(up), true) = (valid, clean, scan, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let stored = state
        .objects
        .put(&format!("backfills/{}", me.model.id), "jpg", clean.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let key = stored.key.clone();
    let scan = Scan {
        stored,
        original_name: &up.name,
    };
    let filed = backfills::file(
        &state.db,
        &me.model,
        &v,
        scan,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await;
    if filed.is_err() {
        crate::services::files::discard(state, &key).await;
    }
    Ok(filed?)
}

/// 通过 (with 原件已收取存档 where the paper needs it) or 驳回 with a reason, by the organisation
/// that handles the request.
pub async fn decide(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    decision: &str,
    reason: &str,
    original_kept: bool,
) -> Result<backfill::Model, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let decision = match decision {
        "approve" => Decision::Approve { original_kept },
        "reject" => Decision::Reject(reason.to_owned()),
        _ => return Err(AppError::refused("decision", "请选择通过或驳回")),
    };
    match backfills::decide(&state.db, id, me.org.id, me.staff.id, decision, state.now()).await {
        Err(RepoError::NotFound) => Err(AppError::NotFound(
            "该补录申请不存在，或不由本机构办理".to_owned(),
        )),
        other => Ok(other?),
    }
}
