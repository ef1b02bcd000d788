//! The parts of the 毕业申请 a province's form adds (seed 003): the ID card's validity, the
//! certificate photo with its optional automatic correction, and the prior-education section
//! sent to 人工审核. Shared by the page (`views::graduation::materials`) and the API.

use domain::files::{PHOTO_MAX_BYTES, check_certificate_photo, check_jpeg, fix_certificate_photo};
use domain::graduation::form::FileSlot;
use domain::graduation::materials::validate_id_validity;
use store::entity::graduation_application as app;
use store::graduation::application::{self as apps, NewFile, Section};
use store::graduation::prior_review;

use crate::AppState;
use crate::error::AppError;
use crate::services::graduation::require_current;
use crate::session::CurrentCandidate;
use crate::upload::Upload;

fn ip(me: &CurrentCandidate) -> Option<&str> {
    Some(me.ctx.ip.as_str())
}

/// 身份证有效期: checked against the batch's cutoff and saved.
pub async fn save_id_validity(
    state: &AppState,
    me: &CurrentCandidate,
    raw: &str,
) -> Result<app::Model, AppError> {
    let a = require_current(state, me).await?;
    let b = apps::batch(&state.db, a.batch_id).await?;
    let value = validate_id_validity(raw, b.id_valid_after).map_err(|e| e.at("id_valid_until"))?;
    Ok(apps::save_section(
        &state.db,
        &a,
        Section::IdValidity(value),
        state.now(),
        ip(me),
    )
    .await?)
}

/// What became of an uploaded certificate photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoOutcome {
    /// It met every rule and is the certificate photo now.
    Saved,
    /// It did not, 自动修正 was asked for: the corrected photo waits beside the original for the
    /// candidate to accept or discard.
    Preview,
}

async fn put_photo(
    state: &AppState,
    me: &CurrentCandidate,
    a: &app::Model,
    slot: FileSlot,
    bytes: Vec<u8>,
    name: &str,
) -> Result<(), AppError> {
    // The original kept beside a corrected preview has its own size, not 480×640.
    let dims = domain::files::jpeg_header(&bytes)
        .map(|h| (h.width, h.height))
        .unwrap_or((0, 0));
    let stored = state
        .objects
        .put(&format!("applications/{}", a.id), "jpg", bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let key = stored.key.clone();
    let attached = apps::attach_file(
        &state.db,
        a,
        NewFile {
            slot,
            stored,
            original_name: name,
            content_type: "image/jpeg",
            dimensions: Some(dims),
            course_code: None,
        },
        state.now(),
        ip(me),
    )
    .await;
    if attached.is_err() {
        crate::services::files::discard(state, &key).await;
    }
    attached?;
    Ok(())
}

/// Drops the pending preview pair, if any: the photo there before stays.
pub async fn discard_photo(state: &AppState, me: &CurrentCandidate) -> Result<(), AppError> {
    let a = require_current(state, me).await?;
    for f in apps::files(&state.db, a.id).await? {
        if f.slot == FileSlot::CertificatePhotoPreview.code()
            || f.slot == FileSlot::CertificatePhotoOriginal.code()
        {
            let fresh = apps::get(&state.db, a.id).await?;
            apps::remove_file(&state.db, &fresh, f.id, state.now(), ip(me)).await?;
        }
    }
    Ok(())
}

/// The certificate photo: a compliant one is stored without its metadata; a non-compliant one is
/// refused with every broken rule, unless `autofix`: then the corrected photo waits beside the
/// original for the candidate's choice.
pub async fn upload_photo(
    state: &AppState,
    me: &CurrentCandidate,
    autofix: bool,
    file: Option<Upload>,
) -> Result<PhotoOutcome, AppError> {
    let a = require_current(state, me).await?;
    let refuse = |m: String| AppError::refused("file", m);
    let Some(up) = file.filter(|u| u.total > 0) else {
        return Err(refuse("请选择要上传的证书照片（.jpg）".to_owned()));
    };
    if up.total > up.bytes.len() {
        return Err(refuse(format!(
            "照片文件大小为 {:.1} KB，应为 20–40 KB，且过大无法自动修正，请先压缩",
            up.total as f64 / 1024.0
        )));
    }
    let report = check_certificate_photo(&up.name, &up.bytes);
    if report.is_compliant() {
        // Stored without EXIF/GPS; a photo whose density lived only in EXIF then fails again.
        let clean = check_jpeg(&up.bytes, PHOTO_MAX_BYTES)
            .map_err(|e| refuse(e.0))?
            .bytes;
        let again = check_certificate_photo("photo.jpg", &clean);
        if !again.is_compliant() {
            return Err(refuse(format!(
                "去除照片附加信息（EXIF）后不再符合要求：{}。可勾选“自动修正”重新上传",
                again.failures.join("；")
            )));
        }
        discard_photo(state, me).await?;
        let a = apps::get(&state.db, a.id).await?;
        put_photo(state, me, &a, FileSlot::CertificatePhoto, clean, &up.name).await?;
        return Ok(PhotoOutcome::Saved);
    }
    if !autofix {
        return Err(refuse(format!(
            "证书照片不符合要求：{}。可勾选“自动修正”由系统生成符合规格的照片供你确认",
            report.failures.join("；")
        )));
    }
    let fixed =
        fix_certificate_photo(&up.bytes).map_err(|e| refuse(format!("无法自动修正：{}", e.0)))?;
    let original = check_jpeg(&up.bytes, up.bytes.len())
        .map_err(|e| refuse(e.0))?
        .bytes;
    for (slot, bytes) in [
        (FileSlot::CertificatePhotoOriginal, original),
        (FileSlot::CertificatePhotoPreview, fixed),
    ] {
        let fresh = apps::get(&state.db, a.id).await?;
        put_photo(state, me, &fresh, slot, bytes, &up.name).await?;
    }
    Ok(PhotoOutcome::Preview)
}

/// The corrected photo becomes the certificate photo.
pub async fn accept_photo(state: &AppState, me: &CurrentCandidate) -> Result<(), AppError> {
    let a = require_current(state, me).await?;
    store::graduation::materials::accept_photo_preview(&state.db, &a, state.now(), ip(me)).await?;
    Ok(())
}

/// 提交人工审核 of the prior-education section, refused until its details and scans are there.
pub async fn submit_prior(state: &AppState, me: &CurrentCandidate) -> Result<app::Model, AppError> {
    let a = require_current(state, me).await?;
    Ok(prior_review::submit(&state.db, &a, state.now(), ip(me)).await?)
}

/// A 学信网 authorisation under way: the code the candidate's phone scans.
pub struct Authorisation {
    /// Our authorisation number.
    pub auth_no: String,
    /// The service's authorisation page, which the code encodes.
    pub url: String,
}

/// 生成授权二维码: registers a new authorisation with the credential service for the
/// candidate's prior education. Refused while the application cannot be changed, and where no
/// credential service is connected.
pub async fn start_authorisation(
    state: &AppState,
    me: &CurrentCandidate,
) -> Result<Authorisation, AppError> {
    let a = require_current(state, me).await?;
    if !state.config.local_services {
        return Err(AppError::Conflict(
            "本平台尚未接入学信网授权服务，暂不能扫码授权；可选择人工审核。本次未做任何更改。"
                .to_owned(),
        ));
    }
    if !apps::state(&a).editable() {
        return Err(AppError::Conflict(
            "申请已提交，当前不能修改前置学历".to_owned(),
        ));
    }
    let row = store::credential::authorisation::start(&state.db, &a, state.now()).await?;
    let base = state.config.public_base_url.trim_end_matches('/');
    let req = store::credential::AuthorisationRequest {
        auth_no: row.auth_no.clone(),
        name: me.model.name.clone(),
        id_card_no: me.model.id_card_no.clone(),
        notify_url: format!("{base}/api/v1/credentials/notify"),
        return_url: format!("{base}/candidate/application#prior"),
    };
    match state.credentials.authorise(&req).await {
        Ok(url) => Ok(Authorisation {
            auth_no: row.auth_no,
            url,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "credential service refused the authorisation request");
            Err(AppError::Conflict(format!("{e}，请稍后重试或选择人工审核")))
        }
    }
}
