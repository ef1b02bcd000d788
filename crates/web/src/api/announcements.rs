//! 主考学校公告 over the API for the admins of a chief university: each graduation batch of the
//! province with the university's text for it, and a text saved, through the service the page
//! calls ([`crate::services::announcements`]).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiJson, ApiPath, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::announcements as service;
use crate::session::CurrentStaff;

/// 一个毕业批次及本校为其填写的公告。
#[derive(Serialize, ToSchema)]
pub struct BatchAnnouncementJson {
    /// 毕业批次 id。
    pub batch_id: i64,
    /// 批次名称。
    pub batch_name: String,
    /// 本校为该批次填写的公告；null 表示未填写，考生看到本校的常设公告。
    pub body: Option<String>,
    /// 公告最后保存时间；未填写时为 null。
    pub updated_at: Option<DateTime<Utc>>,
}

/// 本省的毕业批次（按申请开始时间从新到旧）及本校为每个批次填写的公告。
#[utoipa::path(
    get,
    path = "/api/v1/graduation/announcements",
    operation_id = "list_batch_announcements",
    tag = "毕业申请",
    security(("session" = [])),
    responses(
        (status = 200, description = "各毕业批次及本校公告", body = Vec<BatchAnnouncementJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是主考学校的管理员", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
) -> ApiResult<Vec<BatchAnnouncementJson>> {
    Ok(Json(
        service::list(&state, &me)
            .await?
            .into_iter()
            .map(|n| BatchAnnouncementJson {
                batch_id: n.batch.id,
                batch_name: n.batch.name,
                updated_at: n.body.as_ref().map(|t| t.updated_at),
                body: n.body.map(|t| t.body),
            })
            .collect(),
    ))
}

/// 毕业批次 id。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AnnouncementBatchId {
    /// 毕业批次 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 公告正文。
#[derive(Deserialize, ToSchema)]
pub struct AnnouncementBodyJson {
    /// 纯文本，可分行，最多 2000 字；空字符串表示删除本批次公告、恢复显示常设公告。
    pub body: String,
}

/// 保存本校为一个毕业批次填写的公告（空正文即删除）。
#[utoipa::path(
    put,
    path = "/api/v1/graduation/announcements/{id}",
    operation_id = "save_batch_announcement",
    tag = "毕业申请",
    params(AnnouncementBatchId),
    request_body = AnnouncementBodyJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = BatchAnnouncementJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是主考学校的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不是本省的毕业批次", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "超过 2000 字或含有控制字符（message 指明超出多少）", body = ErrorBody),
    )
)]
pub async fn save(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(AnnouncementBatchId { id }): ApiPath<AnnouncementBatchId>,
    ApiJson(body): ApiJson<AnnouncementBodyJson>,
) -> ApiResult<BatchAnnouncementJson> {
    let saved = service::save(&state, &me, id, &body.body).await?;
    let batch = store::graduation::application::batch(&state.db, id).await?;
    Ok(Json(BatchAnnouncementJson {
        batch_id: batch.id,
        batch_name: batch.name,
        updated_at: saved.as_ref().map(|t| t.updated_at),
        body: saved.map(|t| t.body),
    }))
}
