//! 免考申请, the candidate's side, shared by the page (`/candidate/exemptions`) and the API
//! (`/api/v1/exemptions`): the checks and the stored scan; the rules and the audit rows are the
//! store's ([`store::exemptions::applications`]).

use store::entity::exemption_application as ex_app;
use store::exemptions::applications as ex;
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;

/// The scan limit of the candidate's province: the office's setting, else its definition's.
pub async fn scan_max(state: &AppState, province: &str) -> Result<usize, AppError> {
    let Some(p) = domain::Province::from_code(province) else {
        return Err(RepoError::Invalid(format!("省份“{province}”没有定义")).into());
    };
    let s = store::repo::province_settings::get(&state.db, p.code()).await?;
    Ok(s.scan_max_bytes.unwrap_or(p.form().scan_max_bytes))
}

/// Checks and files one 免考申请 for the candidate (the page and the API alike): the course, the
/// ground and the scan are all checked before the scan is stored; `Err(Ok(messages))` lists every
/// refusal, and nothing is kept then.
pub async fn file(
    state: &AppState,
    me: &CurrentCandidate,
    course_code: &str,
    basis: &str,
    file: Option<crate::upload::Upload>,
) -> Result<ex_app::Model, Result<Vec<String>, AppError>> {
    let course_code = course_code.trim();
    let mut errors = Vec::new();
    if let Err(RepoError::Invalid(m) | RepoError::Conflict(m)) =
        ex::check(&state.db, &me.model, course_code).await
    {
        errors.push(m);
    }
    let basis = store::exemptions::validate_basis(basis)
        .map_err(|m| errors.push(m))
        .ok();
    let max = scan_max(state, &me.model.province).await.map_err(Err)?;
    let proof = match file {
        None => {
            errors.push("请选择免考证明材料扫描件（jpg、png 或 pdf）".to_owned());
            None
        }
        Some(up) if up.total == 0 => {
            errors.push("请选择免考证明材料扫描件（jpg、png 或 pdf）".to_owned());
            None
        }
        Some(up) if up.total > max || up.total > up.bytes.len() => {
            errors.push(format!(
                "扫描件大小为 {} 字节，超过上限 {} 字节（{}K），请压缩后重新上传",
                crate::upload::grouped(up.total),
                crate::upload::grouped(max),
                max / 1024
            ));
            None
        }
        Some(up) => match domain::files::check_proof(&up.name, &up.bytes, up.total) {
            Ok(clean) => Some((clean, up.name)),
            Err(e) => {
                errors.push(e.0);
                None
            }
        },
    };
    let (Some(basis), Some((clean, name)), true) = (basis, proof, errors.is_empty()) else {
        return Err(Ok(errors));
    };
    let content_type = clean.format.content_type();
    let stored = state
        .objects
        .put(
            &format!("exemptions/{}", me.model.id),
            clean.format.ext(),
            clean.bytes,
        )
        .await
        .map_err(|e| Err(AppError::Internal(e.into())))?;
    let filed = ex::file(
        &state.db,
        ex::NewApplication {
            candidate: &me.model,
            course_code,
            basis: &basis,
            scan: &stored,
            scan_name: &name,
            scan_type: content_type,
        },
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await;
    match filed {
        Ok(a) => Ok(a),
        Err(e) => {
            crate::services::files::discard(state, &stored.key).await;
            match e {
                RepoError::Invalid(m) | RepoError::Conflict(m) => Err(Ok(vec![m])),
                other => Err(Err(other.into())),
            }
        }
    }
}
