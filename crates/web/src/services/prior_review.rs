//! 前置学历人工审核 for staff (seed 003 §(二)1), shared by the page (`views::review::prior`) and
//! the API: the confirmation point or chief university uploads the copy stamped "复印件与原件一致"
//! and records the originals checked; the provincial office gives the final review.

use domain::graduation::form::FileSlot;
use store::entity::graduation_application as app;
use store::graduation::application::{self as apps, Decision, NewFile, PRIOR_AWAITING_ORIGINALS};
use store::graduation::prior_review;
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::upload::{Upload, check_picture};

/// What the organisation is told for an application that is not waiting for it.
pub const NOT_HERE: &str = "该申请不存在，或不在本机构的前置学历审核范围内";

fn scoped(e: RepoError) -> AppError {
    match e {
        RepoError::NotFound => AppError::NotFound(NOT_HERE.to_owned()),
        other => other.into(),
    }
}

async fn application(state: &AppState, id: i64) -> Result<app::Model, AppError> {
    apps::get(&state.db, id).await.map_err(scoped)
}

/// The copy stamped at the confirmation point (or chief university) the originals were shown to.
pub async fn upload_stamped(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    file: Option<Upload>,
) -> Result<app::Model, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let a = application(state, id).await?;
    let Some(up) = file else {
        return Err(AppError::refused(
            "file",
            "请选择盖章复印件的扫描件（.jpg）",
        ));
    };
    // The scan limit is the application's province's, read from its batch.
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let scan_max = store::graduation::materials::province_of(&batch)?
        .form()
        .scan_max_bytes;
    let clean = check_picture(&up, scan_max)
        .map_err(|m| AppError::refused("file", format!("盖章复印件：{m}")))?;
    if a.prior_check != PRIOR_AWAITING_ORIGINALS || a.prior_originals_org_id != Some(me.org.id) {
        return Err(AppError::NotFound(NOT_HERE.to_owned()));
    }
    let dims = (clean.width, clean.height);
    let stored = state
        .objects
        .put(&format!("applications/{}", a.id), "jpg", clean.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let key = stored.key.clone();
    let attached = prior_review::attach_stamped_copy(
        &state.db,
        &a,
        me.org.id,
        me.staff.id,
        NewFile {
            slot: FileSlot::PriorStampedCopy,
            stored,
            original_name: &up.name,
            content_type: "image/jpeg",
            dimensions: Some(dims),
            course_code: None,
        },
        state.now(),
    )
    .await;
    if attached.is_err() {
        crate::services::files::discard(state, &key).await;
    }
    attached.map_err(scoped)?;
    application(state, id).await
}

/// The originals were checked: the application goes to the provincial office's final review.
pub async fn originals_checked(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<app::Model, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let a = application(state, id).await?;
    prior_review::record_originals_checked(&state.db, &a, me.org.id, me.staff.id, state.now())
        .await
        .map_err(scoped)
}

/// The provincial office's final review: `approve`, or `reject` with the reason the candidate sees.
pub async fn decide(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    decision: &str,
    reason: &str,
) -> Result<app::Model, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let a = application(state, id).await?;
    let decision = match decision {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject(reason.to_owned()),
        _ => return Err(AppError::refused("decision", "请选择通过或驳回")),
    };
    prior_review::final_review(&state.db, &a, me.org.id, me.staff.id, decision, state.now())
        .await
        .map_err(scoped)
}
