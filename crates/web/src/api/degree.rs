//! 学位申请 over JSON: for the signed-in student the 学位审核条件 of the current degree batch,
//! where the application stands, saving the form, the uploads and 确认提交; for the school's
//! staff the review and the 学位授予结果. The same operations as the pages
//! ([`crate::views::degree::apply`], [`crate::views::degree::review`]) through [`crate::services::degree`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::degree::conditions::refusal;
use domain::degree::form::{DegreeFormInput, DegreeKinds};
use domain::degree::{DegreeAward, DegreeReview};
use serde::{Deserialize, Serialize};
use store::degree::application as degree;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::degree as service;
use crate::session::{CurrentStaff, CurrentStudent};
use crate::upload::{CheckedMultipart, read_upload_capped};

fn review_schema() -> Object {
    codes_schema(
        DegreeReview::ALL.iter().map(|r| r.code()),
        true,
        "学位申请审核状态代码（提交后才有）",
    )
}

fn award_schema() -> Object {
    codes_schema(
        DegreeAward::ALL.iter().map(|a| a.code()),
        true,
        "学位授予结果代码（记录后才有）",
    )
}
use crate::services::degree::{conditions, current_batch};

/// 一条学位审核条件。
#[derive(Serialize, ToSchema)]
pub struct ConditionJson {
    /// 条件。
    pub rule: String,
    /// 当前状态。
    pub current: String,
    /// 是否合格。
    pub passed: bool,
}

/// 本人在该批次的学位申请。
#[derive(Serialize, ToSchema)]
pub struct ApplicationJson {
    /// 学位申请 id。
    pub id: i64,
    /// 申请状态：draft 填写中，submitted 已提交。
    pub status: String,
    /// 审核状态 code, once submitted.
    #[schema(schema_with = review_schema)]
    pub review_status: Option<String>,
    /// 审核状态（待审核、审核通过、审核不通过）；批次有多个审核环节时注明环节，如“待审核（学位评定分委员会）”。
    pub review_label: Option<String>,
    /// 当前所在（或被退回的）审核环节名称。
    pub stage: Option<String>,
    /// 审核意见。
    pub review_opinion: Option<String>,
    /// 学位授予结果 code, once recorded.
    #[schema(schema_with = award_schema)]
    pub award: Option<String>,
    /// 学位授予结果（授予、不授予）。
    pub award_label: Option<String>,
}

/// 学位审核条件与申请状态。
#[derive(Serialize, ToSchema)]
pub struct DegreeJson {
    /// 当前学位批次名称；学校没有学位批次时为 null。
    pub batch: Option<String>,
    /// 学位审核条件。
    pub conditions: Vec<ConditionJson>,
    /// 不可申请时的原因。
    pub refusal: Option<String>,
    /// 本人的学位申请，尚未申请时为 null。
    pub application: Option<ApplicationJson>,
}

/// 学位申请：当前学位批次的学位审核条件（条件、当前状态、是否合格）与本人申请的申请状态、审核状态、审核意见、学位授予结果。
#[utoipa::path(
    get,
    path = "/api/v1/degree",
    operation_id = "get_degree",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "学位审核条件与申请状态；学校没有学位批次时 batch 为 null", body = DegreeJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
) -> ApiResult<DegreeJson> {
    let Some(b) = current_batch(&state, &me.model).await? else {
        return Ok(Json(DegreeJson {
            batch: None,
            conditions: Vec::new(),
            refusal: None,
            application: None,
        }));
    };
    let conds = conditions(&state, &me.model, &b).await?;
    let why = refusal(&conds);
    let a = degree::of_student(&state.db, me.model.id, b.id).await?;
    let stages = store::degree::stages_of(&state.db, b.id).await?;
    Ok(Json(DegreeJson {
        batch: Some(b.name),
        conditions: conds
            .into_iter()
            .map(|c| ConditionJson {
                rule: c.rule,
                current: c.current,
                passed: c.passed,
            })
            .collect(),
        refusal: why,
        application: a.map(|a| ApplicationJson {
            id: a.id,
            review_label: degree::review_label(&a, &stages),
            stage: stage_name(&a, &stages),
            status: a.status,
            review_status: a.review_status,
            review_opinion: a.review_opinion,
            award_label: a
                .award
                .as_deref()
                .and_then(DegreeAward::from_code)
                .map(|x| x.label().to_owned()),
            award: a.award,
        }),
    }))
}

/// 学位申请信息（与页面的表单相同；姓名、性别等由学籍带出，姓名与证件号码可更正）。
#[derive(Deserialize, ToSchema)]
pub struct DegreeFormJson {
    /// 姓名。
    #[schema(max_length = 30)]
    pub name: String,
    /// 姓名拼音，如 ZHANG San。
    #[schema(max_length = 60)]
    pub name_pinyin: String,
    /// 证件号码。
    #[schema(max_length = 18)]
    pub id_card_no: String,
    /// 本科入学年月，六位数字，如 202203。
    #[schema(max_length = 6)]
    pub entry_month: String,
    /// 本科毕业年月，六位数字，如 202407。
    #[schema(max_length = 6)]
    pub graduation_month: String,
    /// 国家或地区，如 中国。
    #[schema(max_length = 30)]
    pub country: String,
    /// 是否第二学位。
    #[serde(default)]
    pub second_degree: bool,
    /// 是否主辅修学位。
    #[serde(default)]
    pub major_minor: bool,
    /// 是否辅修学位。
    #[serde(default)]
    pub minor: bool,
    /// 是否双学士学位。
    #[serde(default)]
    pub double_bachelor: bool,
    /// 是否联合学位。
    #[serde(default)]
    pub joint: bool,
    /// 联合培养单位（联合学位时必填）。
    #[serde(default)]
    #[schema(max_length = 100)]
    pub joint_unit: String,
    /// 电子邮箱。
    #[schema(max_length = 100)]
    pub email: String,
    /// QQ账号。
    #[schema(max_length = 20)]
    pub qq: String,
    /// 微信账号。
    #[schema(max_length = 40)]
    pub wechat: String,
    /// 其他信息。
    #[serde(default)]
    #[schema(max_length = 500)]
    pub other: String,
    /// 论文题目（用于命名论文文件）。
    #[schema(max_length = 100)]
    pub thesis_title: String,
}

/// 保存后的学位申请。
#[derive(Serialize, ToSchema)]
pub struct SavedJson {
    /// 学位申请 id。
    pub id: i64,
    /// 申请状态：draft 填写中，submitted 已提交。
    pub status: String,
}

/// 填写或修改当前学位批次的学位申请信息；首次填写须满足全部学位审核条件。
#[utoipa::path(
    put,
    path = "/api/v1/degree/application",
    operation_id = "save_degree_application",
    tag = "学位",
    request_body = DegreeFormJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = SavedJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "学校尚未设置学位申请批次", body = ErrorBody),
        (status = 409, description = "已提交或不在申请时间内，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "信息不符合要求或不满足学位审核条件（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
    ApiJson(f): ApiJson<DegreeFormJson>,
) -> ApiResult<SavedJson> {
    let b = service::open_batch(&state, &me).await?;
    let input = DegreeFormInput {
        name: f.name,
        name_pinyin: f.name_pinyin,
        id_card_no: f.id_card_no,
        entry_month: f.entry_month,
        graduation_month: f.graduation_month,
        country: f.country,
        kinds: DegreeKinds {
            second_degree: f.second_degree,
            major_minor: f.major_minor,
            minor: f.minor,
            double_bachelor: f.double_bachelor,
            joint: f.joint,
        },
        joint_unit: f.joint_unit,
        email: f.email,
        qq: f.qq,
        wechat: f.wechat,
        other: f.other,
        thesis_title: f.thesis_title,
    };
    let a = service::save(&state, &me, &b, input).await?;
    Ok(Json(SavedJson {
        id: a.id,
        status: a.status,
    }))
}

fn degree_slot_schema() -> Object {
    codes_schema(
        ["thesis", "form"],
        false,
        "材料类型：thesis 毕业论文定稿（pdf、doc 或 docx），form 学位申请表（签字后的扫描件）",
    )
}

/// 上传学位申请材料（multipart/form-data）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DegreeUpload {
    /// 材料类型。
    #[schema(schema_with = degree_slot_schema)]
    slot: String,
    /// 文件。
    #[schema(format = Binary)]
    file: String,
}

/// 已上传的学位申请材料。
#[derive(Serialize, ToSchema)]
pub struct DegreeFileJson {
    /// 文件 id。
    pub id: i64,
    /// 材料类型。
    #[schema(schema_with = degree_slot_schema)]
    pub slot: String,
    /// 学校存档时的文件名。
    pub file_name: String,
}

/// 上传毕业论文定稿或学位申请表（先保存学位申请信息）；再次上传替换原文件。
#[utoipa::path(
    post,
    path = "/api/v1/degree/files",
    operation_id = "upload_degree_file",
    tag = "学位",
    request_body(content = DegreeUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已上传", body = DegreeFileJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "学校尚未设置学位申请批次", body = ErrorBody),
        (status = 409, description = "已提交或不在申请时间内，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "材料类型、格式或大小不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let b = service::open_batch(&state, &me).await?;
    let mut form = read_upload_capped(multipart, service::UPLOAD_CAP)
        .await
        .map_err(super::application::read_failed)?;
    let slot = form.fields.remove("slot").unwrap_or_default();
    let f = service::attach(&state, &me, &b, &slot, form.file).await?;
    Ok((
        StatusCode::CREATED,
        Json(DegreeFileJson {
            id: f.id,
            slot: f.slot,
            file_name: f.file_name,
        }),
    )
        .into_response())
}

/// 确认提交学位申请：信息、论文与申请表齐全且满足学位审核条件时交学校审核。
#[utoipa::path(
    post,
    path = "/api/v1/degree/submission",
    operation_id = "submit_degree_application",
    tag = "学位",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已提交", body = SavedJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "学校尚未设置学位申请批次", body = ErrorBody),
        (status = 409, description = "已提交或不在申请时间内", body = ErrorBody),
        (status = 422, description = "尚未填写、缺少材料或不满足学位审核条件", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
) -> ApiResult<SavedJson> {
    let b = service::open_batch(&state, &me).await?;
    let a = service::submit(&state, &me, &b).await?;
    Ok(Json(SavedJson {
        id: a.id,
        status: a.status,
    }))
}

/// The degree application in `/api/v1/degree/applications/{id}/review`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DegreeApplicationId {
    /// 学位申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 学位审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewKind {
    /// 审核通过。
    Approve,
    /// 审核不通过（须填写审核意见）。
    Reject,
}

/// 对一份学位申请的审核。
#[derive(Deserialize, ToSchema)]
pub struct ReviewJson {
    /// approve 审核通过；reject 审核不通过。
    #[schema(inline)]
    pub decision: ReviewKind,
    /// 审核意见；审核不通过时必填。
    #[serde(default)]
    #[schema(max_length = 500)]
    pub opinion: String,
    /// 审核时看到的版本；申请已变化时返回 409。省略则不核对。
    #[serde(default)]
    pub version: Option<i32>,
}

/// 审核后的学位申请。
#[derive(Serialize, ToSchema)]
pub struct ReviewedJson {
    /// 学位申请 id。
    pub id: i64,
    /// 审核状态。
    #[schema(schema_with = review_schema)]
    pub review_status: Option<String>,
    /// 当前所在（或被退回的）审核环节名称；审核通过后为空。
    pub stage: Option<String>,
    /// 审核意见。
    pub review_opinion: Option<String>,
    /// 版本。
    pub version: i32,
}

/// The name of the stage an application waits at or was sent back from.
fn stage_name(
    a: &store::entity::degree_application::Model,
    stages: &[domain::review::Stage],
) -> Option<String> {
    degree::state(a)
        .stage
        .and_then(|i| stages.get(i))
        .map(|s| s.name.clone())
}

/// 学位审核：本院学位批次中一份已提交的学位申请，审核通过或审核不通过。
#[utoipa::path(
    post,
    path = "/api/v1/degree/applications/{id}/review",
    operation_id = "review_degree_application",
    tag = "学位",
    params(DegreeApplicationId),
    request_body = ReviewJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "审核后的申请", body = ReviewedJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号、没有申请所在审核环节的审核权限（本人角色或生效中的工作委托），或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不由本机构办理", body = ErrorBody),
        (status = 409, description = "申请已变化或已审核，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "输入不符合要求（fields 指明字段），例如审核不通过缺少意见", body = ErrorBody),
    )
)]
pub async fn review(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(DegreeApplicationId { id }): ApiPath<DegreeApplicationId>,
    ApiJson(body): ApiJson<ReviewJson>,
) -> ApiResult<ReviewedJson> {
    let decision = match body.decision {
        ReviewKind::Approve => "approve",
        ReviewKind::Reject => "reject",
    };
    let a = service::review(&state, &me, id, decision, &body.opinion, body.version).await?;
    let stages = store::degree::stages_of(&state.db, a.batch_id).await?;
    Ok(Json(ReviewedJson {
        id: a.id,
        stage: stage_name(&a, &stages),
        review_status: a.review_status,
        review_opinion: a.review_opinion,
        version: a.version,
    }))
}

/// 登记学位授予结果。
#[derive(Deserialize, ToSchema)]
pub struct AwardJson {
    /// 学位批次 id。
    #[schema(minimum = 1)]
    pub batch_id: i64,
    /// 学位授予结果。
    #[schema(schema_with = award_code_schema)]
    pub award: String,
    /// 审核通过的学位申请 id，至少一个。
    #[schema(max_items = 1000)]
    pub ids: Vec<i64>,
}

fn award_code_schema() -> Object {
    codes_schema(
        DegreeAward::ALL.iter().map(|a| a.code()),
        false,
        "学位授予结果代码",
    )
}

/// 登记结果。
#[derive(Serialize, ToSchema)]
pub struct AwardedJson {
    /// 登记的申请份数。
    pub recorded: u64,
}

/// 登记学位授予结果：本院学位批次中审核通过的申请，授予或不授予。
#[utoipa::path(
    post,
    path = "/api/v1/degree/awards",
    operation_id = "record_degree_award",
    tag = "学位",
    request_body = AwardJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已登记", body = AwardedJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号、没有批次最后一个审核环节的审核权限（本人角色或生效中的工作委托），或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "批次不存在或不由本机构办理", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "未选择申请、申请未审核通过或结果代码无效（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn award(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<AwardJson>,
) -> ApiResult<AwardedJson> {
    let recorded = service::award(&state, &me, body.batch_id, &body.award, &body.ids).await?;
    Ok(Json(AwardedJson { recorded }))
}
