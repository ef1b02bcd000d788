//! 学位外语 under `/api/v1`: the signed-in student's batches and applications, the same rows
//! as the page.

use axum::Json;
use axum::extract::State;
use domain::degree::language::LanguageStatus;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::{Api, ApiResult, codes_schema};
use crate::AppState;
use crate::error::ErrorBody;
use crate::session::CurrentStudent;

fn status_schema() -> Object {
    // Empty where the student has no application in the batch.
    codes_schema(
        LanguageStatus::ALL
            .iter()
            .map(|s| s.code())
            .chain(std::iter::once("")),
        false,
        "审核状态代码；没有申请时为空",
    )
}

/// 学位外语表格中的一个批次。
#[derive(Serialize, ToSchema)]
pub struct LanguageRowJson {
    /// 序号，从 1 开始。
    pub no: u64,
    /// 批次 id。
    pub batch_id: i64,
    /// 批次名称。
    pub batch_name: String,
    /// 申请时间（北京时间）。
    pub window: String,
    /// 申请条件。
    pub condition: String,
    /// 本人平均成绩。
    pub actual: String,
    /// 申请状态：是否已申请。
    pub applied: bool,
    /// 申请条件是否达标。
    pub condition_met: bool,
    /// 当前申请的 id。
    pub application_id: Option<i64>,
    /// 审核状态 code, empty without application.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 审核状态（文字）。
    pub status_label: String,
    /// 审核意见。
    pub opinion: String,
    /// 合格状态（文字）。
    pub qualification: String,
    /// 现在能否申请。
    pub can_apply: bool,
    /// 现在能否撤销申请。
    pub can_withdraw: bool,
}

/// 学位外语：当前学生所在学校的学位外语批次及本人的申请（与“学位外语”页面的表格相同）。提交申请需上传证明文件，请使用页面 /student/language。
#[utoipa::path(
    get,
    path = "/api/v1/language",
    operation_id = "list_language_batches",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "学位外语批次与本人的申请", body = Vec<LanguageRowJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
) -> ApiResult<Vec<LanguageRowJson>> {
    let rows = crate::services::language::rows(&state, &me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| LanguageRowJson {
                no: u64::try_from(r.no).unwrap_or(u64::MAX),
                batch_id: r.batch_id,
                batch_name: r.batch_name,
                window: r.window,
                condition: r.rule,
                actual: r.actual,
                applied: r.applied,
                condition_met: r.met,
                application_id: r.app_id,
                status: r.status_code,
                status_label: r.status,
                opinion: r.opinion,
                qualification: r.qualification,
                can_apply: r.can_apply,
                can_withdraw: r.can_withdraw,
            })
            .collect(),
    ))
}
