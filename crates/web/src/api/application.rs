//! 毕业申请 over JSON for the signed-in candidate: the same operations as the form's pages
//! ([`crate::views::graduation::application`], [`crate::views::payment::pay`]) through the same services
//! ([`crate::services::graduation`], [`crate::services::payment`]), so a refusal is the page's
//! message and names the field it concerns.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::graduation::form::{PriorEducationInput, ResumeEntry};
use domain::review::Status;
use serde::{Deserialize, Serialize};
use store::entity::{application_file, graduation_application as app};
use store::graduation::application as apps;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::graduation::{
    self as service, AttachInput, OpenInput, SectionInput, SignatureInput,
};
use crate::services::materials::{self, PhotoOutcome};
use crate::services::payment;
use crate::session::CurrentCandidate;
use crate::upload::{CheckedMultipart, read_upload};

fn status_schema() -> Object {
    codes_schema(Status::ALL.iter().map(|s| s.code()), false, "申请状态代码")
}

fn slot_schema() -> Object {
    codes_schema(
        domain::graduation::form::FileSlot::ALL
            .iter()
            .map(|s| s.code()),
        false,
        "图片类型代码",
    )
}

fn attachable_slot_schema() -> Object {
    codes_schema(
        domain::graduation::form::FileSlot::ALL
            .iter()
            .filter(|s| service::attachable(**s))
            .map(|s| s.code()),
        false,
        "图片类型代码：id_front 身份证正面、id_back 身份证反面、photo 照片、prior_diploma 前置学历毕业证、\
         prior_registration 教育部学历证书电子注册备案表、prior_change_proof 更名证明、commitment 承诺书、\
         exemption_form 免考课程登记表、practical_notice 实习(实验)考核合格成绩通知单、other 其他材料",
    )
}

/// 毕业申请中的一张图片。
#[derive(Serialize, ToSchema)]
pub struct FileJson {
    /// 图片 id。
    pub id: i64,
    /// 图片类型。
    #[schema(schema_with = slot_schema)]
    pub slot: String,
    /// 上传时的文件名。
    pub original_name: String,
    /// 免考课程登记表所属课程代码。
    pub course_code: Option<String>,
    /// 字节数。
    pub size_bytes: i64,
    /// 上传时间。
    pub created_at: DateTime<Utc>,
}

impl From<application_file::Model> for FileJson {
    fn from(f: application_file::Model) -> Self {
        FileJson {
            id: f.id,
            slot: f.slot,
            original_name: f.original_name,
            course_code: f.course_code,
            size_bytes: f.size_bytes,
            created_at: f.created_at,
        }
    }
}

/// 前置学历信息。
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PriorEducationJson {
    /// 姓名。
    #[schema(max_length = 30)]
    pub name: String,
    /// 身份证号。
    #[schema(max_length = 18)]
    pub id_card_no: String,
    /// 前置学历毕业证编号（不超过 40 位的数字或字母）。
    #[schema(max_length = 40)]
    pub cert_no: String,
    /// 毕业院校（2 至 60 字）。
    #[schema(max_length = 60)]
    pub school: String,
    /// 毕业时间，如 2019-06-30，须早于申请日期。
    #[schema(format = Date)]
    pub graduation_date: String,
}

/// 本人简历中的一段经历。
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ResumeEntryJson {
    /// 起始年月，如 2018-09。
    #[schema(max_length = 7)]
    pub from: String,
    /// 终止年月，如 2022-06，或“至今”。
    #[schema(max_length = 7)]
    pub to: String,
    /// 在何单位学习或工作。
    #[schema(max_length = 100)]
    pub unit: String,
    /// 任何职务，可为空。
    #[serde(default)]
    #[schema(max_length = 50)]
    pub role: String,
}

/// 当前考生的毕业申请。
#[derive(Serialize, ToSchema)]
pub struct ApplicationJson {
    /// 毕业申请 id。
    pub id: i64,
    /// 申请状态。
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 申请状态（文字）。
    pub status_label: String,
    /// 现在能否修改（填写、上传、提交）。
    pub editable: bool,
    /// 批次 id。
    pub batch_id: i64,
    /// 批次名称。
    pub batch: String,
    /// 申请毕业专业 id。
    pub major_id: i64,
    /// 是否已确认申请毕业的专业及主考学校。
    pub major_confirmed: bool,
    /// 所在环节序号。
    pub stage: Option<i32>,
    /// 提交前还缺少的内容（与页面一致）；不能修改时为空。
    pub missing: Vec<String>,
    /// 已填写的前置学历信息。
    pub prior_education: Option<PriorEducationJson>,
    /// 本人简历。
    pub resume: Vec<ResumeEntryJson>,
    /// 自我鉴定。
    pub self_appraisal: Option<String>,
    /// 情况说明。
    pub statement: Option<String>,
    /// 已上传的图片。
    pub files: Vec<FileJson>,
    /// 驳回原因。
    pub rejection_reason: Option<String>,
    /// 提交时间。
    pub submitted_at: Option<DateTime<Utc>>,
}

async fn application_json(state: &AppState, a: app::Model) -> Result<ApplicationJson, AppError> {
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let files = apps::files(&state.db, a.id).await?;
    let st = apps::state(&a);
    let missing = if st.editable() {
        let needs = store::graduation::materials::needs_of(&state.db, &a).await?;
        apps::missing_sections(&a, &files, &needs)
    } else {
        Vec::new()
    };
    let prior_education = a.prior_cert_no.clone().map(|cert_no| PriorEducationJson {
        name: a.prior_name.clone().unwrap_or_default(),
        id_card_no: a.prior_id_card_no.clone().unwrap_or_default(),
        cert_no,
        school: a.prior_school.clone().unwrap_or_default(),
        graduation_date: a
            .prior_graduation_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
    });
    let resume = apps::resume_of(&a)
        .into_iter()
        .map(|e| ResumeEntryJson {
            from: e.from,
            to: e.to,
            unit: e.unit,
            role: e.role,
        })
        .collect();
    Ok(ApplicationJson {
        id: a.id,
        status: st.status.code().to_owned(),
        status_label: st.status.label().to_owned(),
        editable: st.editable(),
        batch_id: a.batch_id,
        batch: batch.name,
        major_id: a.major_id,
        major_confirmed: a.major_confirmed_at.is_some(),
        stage: a.stage,
        missing,
        prior_education,
        resume,
        self_appraisal: a.self_appraisal,
        statement: a.statement,
        files: files.into_iter().map(FileJson::from).collect(),
        rejection_reason: a.rejection_reason,
        submitted_at: a.submitted_at,
    })
}

/// 当前考生的毕业申请：状态、已填写的内容、已上传的图片，以及提交前还缺少什么。
#[utoipa::path(
    get,
    path = "/api/v1/application",
    operation_id = "get_application",
    tag = "毕业申请",
    security(("session" = [])),
    responses(
        (status = 200, description = "毕业申请", body = ApplicationJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<ApplicationJson> {
    let a = service::require_current(&state, &me).await?;
    Ok(Json(application_json(&state, a).await?))
}

/// 申请毕业。
#[derive(Deserialize, ToSchema)]
pub struct OpenJson {
    /// 申请毕业的专业 id（本人的在籍专业）。
    #[schema(minimum = 1)]
    pub major_id: i64,
    /// 批次 id。
    #[schema(minimum = 1)]
    pub batch_id: i64,
    /// 已阅读《毕业申请须知》，了解毕业申报条件及办理流程；须为 true。
    pub acknowledged: bool,
}

/// 申请毕业：阅读须知后，选择在籍专业与批次，开始填写毕业申请。
#[utoipa::path(
    post,
    path = "/api/v1/application",
    operation_id = "open_application",
    tag = "毕业申请",
    request_body = OpenJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已开始毕业申请", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "已有毕业申请，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "未确认须知、个人信息不全、不是在籍专业、批次不存在或不满足毕业条件（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn open(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<OpenJson>,
) -> Result<Response, ApiError> {
    let input = OpenInput {
        major_id: body.major_id,
        batch_id: body.batch_id,
        acknowledged: body.acknowledged,
    };
    let a = service::open(&state, &me, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(application_json(&state, a).await?),
    )
        .into_response())
}

async fn save(
    state: &AppState,
    me: &CurrentCandidate,
    input: SectionInput,
) -> ApiResult<ApplicationJson> {
    let a = service::save_section(state, me, input).await?;
    Ok(Json(application_json(state, a).await?))
}

/// 申请毕业的专业。
#[derive(Deserialize, ToSchema)]
pub struct MajorJson {
    /// 专业 id。
    #[schema(minimum = 1)]
    pub major_id: i64,
}

/// 确认申请毕业的专业及主考学校。
#[utoipa::path(
    put,
    path = "/api/v1/application/major",
    operation_id = "save_application_major",
    tag = "毕业申请",
    request_body = MajorJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "专业不存在或不可选（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_major(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<MajorJson>,
) -> ApiResult<ApplicationJson> {
    save(
        &state,
        &me,
        SectionInput::Major {
            major_id: body.major_id,
        },
    )
    .await
}

/// 填写前置学历信息（本科）。
#[utoipa::path(
    put,
    path = "/api/v1/application/prior-education",
    operation_id = "save_application_prior_education",
    tag = "毕业申请",
    request_body = PriorEducationJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交、前置学历已提交人工审核或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "信息不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_prior_education(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<PriorEducationJson>,
) -> ApiResult<ApplicationJson> {
    let input = PriorEducationInput {
        name: body.name,
        id_card_no: body.id_card_no,
        cert_no: body.cert_no,
        school: body.school,
        graduation_date: body.graduation_date,
    };
    save(&state, &me, SectionInput::PriorEducation(input)).await
}

/// 本人简历。
#[derive(Deserialize, ToSchema)]
pub struct ResumeJson {
    /// 各段经历，按时间先后；至少一段。
    #[schema(max_items = 20)]
    pub entries: Vec<ResumeEntryJson>,
}

/// 填写本人简历。
#[utoipa::path(
    put,
    path = "/api/v1/application/resume",
    operation_id = "save_application_resume",
    tag = "毕业申请",
    request_body = ResumeJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "简历不符合要求（fields 指明字段，message 指明第几段）", body = ErrorBody),
    )
)]
pub async fn save_resume(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<ResumeJson>,
) -> ApiResult<ApplicationJson> {
    let entries = body
        .entries
        .into_iter()
        .map(|e| ResumeEntry {
            from: e.from,
            to: e.to,
            unit: e.unit,
            role: e.role,
        })
        .collect();
    save(&state, &me, SectionInput::Resume(entries)).await
}

/// 一段文字。
#[derive(Deserialize, ToSchema)]
pub struct TextJson {
    /// 文字内容。
    #[schema(max_length = 2000)]
    pub text: String,
}

/// 填写自我鉴定（字数要求与页面相同）。
#[utoipa::path(
    put,
    path = "/api/v1/application/self-appraisal",
    operation_id = "save_application_self_appraisal",
    tag = "毕业申请",
    request_body = TextJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "字数不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_self_appraisal(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<TextJson>,
) -> ApiResult<ApplicationJson> {
    save(&state, &me, SectionInput::SelfAppraisal(body.text)).await
}

/// 填写情况说明（可为空）。
#[utoipa::path(
    put,
    path = "/api/v1/application/statement",
    operation_id = "save_application_statement",
    tag = "毕业申请",
    request_body = TextJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "字数超出上限（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_statement(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<TextJson>,
) -> ApiResult<ApplicationJson> {
    save(&state, &me, SectionInput::Statement(body.text)).await
}

/// 上传一张图片（multipart/form-data）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FileUpload {
    /// 图片类型。
    #[schema(schema_with = attachable_slot_schema)]
    slot: String,
    /// 免考课程登记表：所属课程代码。
    course_code: Option<String>,
    /// JPEG 图片，大小不超过本批次的扫描件上限。
    #[schema(format = Binary, content_media_type = "image/jpeg")]
    file: String,
}

/// 上传签名（multipart/form-data）：截取框 x、y、w、h 同时填写或全部省略（省略时使用整张图片）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SignatureUpload {
    /// 截取框左边距（像素）。
    x: Option<f64>,
    /// 截取框上边距（像素）。
    y: Option<f64>,
    /// 截取框宽度（像素）。
    w: Option<f64>,
    /// 截取框高度（像素）。
    h: Option<f64>,
    /// JPEG 签名照片，不超过 8M；截取后压缩到 50K 以内。
    #[schema(format = Binary, content_media_type = "image/jpeg")]
    file: String,
}

/// A multipart body that could not be read: the extractor's refusal, or 400 with why.
pub(crate) fn read_failed(e: Result<AppError, String>) -> ApiError {
    match e {
        Ok(e) => e.into(),
        Err(msg) => AppError::Malformed(msg).into(),
    }
}

/// 上传毕业申请的图片：检查格式与大小（与页面相同的规则），通过后附在申请上。
#[utoipa::path(
    post,
    path = "/api/v1/application/files",
    operation_id = "upload_application_file",
    tag = "毕业申请",
    request_body(content = FileUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已上传", body = FileJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "图片类型、格式或大小不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let mut form = read_upload(multipart).await.map_err(read_failed)?;
    let input = AttachInput {
        slot: form.fields.remove("slot").unwrap_or_default(),
        course_code: form.fields.remove("course_code"),
        file: form.file,
    };
    let f = service::attach(&state, &me, input).await?;
    Ok((StatusCode::CREATED, Json(FileJson::from(f))).into_response())
}

/// 上传签名：按截取框截取并压缩后附在申请上。
#[utoipa::path(
    post,
    path = "/api/v1/application/signature",
    operation_id = "upload_application_signature",
    tag = "毕业申请",
    request_body(content = SignatureUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已上传", body = FileJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "截取框或图片不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn upload_signature(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let mut form = read_upload(multipart).await.map_err(read_failed)?;
    let input = SignatureInput {
        x: form.fields.remove("x"),
        y: form.fields.remove("y"),
        w: form.fields.remove("w"),
        h: form.fields.remove("h"),
        file: form.file,
    };
    let f = service::attach_signature(&state, &me, input).await?;
    Ok((StatusCode::CREATED, Json(FileJson::from(f))).into_response())
}

/// The picture in `/api/v1/application/files/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FileId {
    /// 图片 id（取自毕业申请的 files）。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 删除毕业申请中的一张图片。
#[utoipa::path(
    delete,
    path = "/api/v1/application/files/{id}",
    operation_id = "delete_application_file",
    tag = "毕业申请",
    params(FileId),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "已删除"),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "没有毕业申请，或申请中没有该图片", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 422, description = "id 不是正整数", body = ErrorBody),
    )
)]
pub async fn delete_file(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiPath(FileId { id }): ApiPath<FileId>,
) -> Result<StatusCode, ApiError> {
    service::remove_file(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 提交初审：内容齐全时交给第一个审核环节；缺少内容时返回 422，message 列出缺少什么。
#[utoipa::path(
    post,
    path = "/api/v1/application/submission",
    operation_id = "submit_application",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已提交", body = ApplicationJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化", body = ErrorBody),
        (status = 422, description = "内容不全或不在申请时间内", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<ApplicationJson> {
    let a = service::submit(&state, &me).await?;
    Ok(Json(application_json(&state, a).await?))
}

/// 交费订单。
#[derive(Serialize, ToSchema)]
pub struct PaymentJson {
    /// 订单号。
    pub order_no: String,
    /// 金额（分）。
    pub amount_fen: i64,
    /// 前往支付的地址。
    pub pay_url: String,
}

/// 交费：为等待交费的毕业申请生成（或取回未完成的）订单，返回前往支付的地址。
#[utoipa::path(
    post,
    path = "/api/v1/application/payment",
    operation_id = "start_application_payment",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "订单与支付地址", body = PaymentJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请不在等待交费的状态，或本平台未接入支付渠道", body = ErrorBody),
        (status = 422, description = "不能交费（message 说明原因）", body = ErrorBody),
    )
)]
pub async fn pay(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<PaymentJson> {
    let started = payment::start(&state, &me).await?;
    Ok(Json(PaymentJson {
        order_no: started.order_no,
        amount_fen: started.amount_fen,
        pay_url: started.pay_url,
    }))
}

/// 申请主考学校驳回（专业误选）：初审期间，请主考学校驳回申请，以便改选专业后重新提交。
#[utoipa::path(
    post,
    path = "/api/v1/application/wrong-major-request",
    operation_id = "request_wrong_major_rejection",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已向主考学校提出", body = ApplicationJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "已提出过，或申请不在主考学校初审", body = ErrorBody),
        (status = 422, description = "现在不能提出（message 说明原因）", body = ErrorBody),
    )
)]
pub async fn wrong_major(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<ApplicationJson> {
    let a = service::request_wrong_major_rejection(&state, &me).await?;
    Ok(Json(application_json(&state, a).await?))
}

/// 身份证有效期。
#[derive(Deserialize, ToSchema)]
pub struct IdValidityJson {
    /// 有效期截止日期，如 2030-06-30，或“长期”；须在本批次规定日期之后。
    #[schema(max_length = 20)]
    pub id_valid_until: String,
}

/// 填写身份证有效期（表单要求时）。
#[utoipa::path(
    put,
    path = "/api/v1/application/id-validity",
    operation_id = "save_application_id_validity",
    tag = "毕业申请",
    request_body = IdValidityJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "日期格式不符或不在规定日期之后（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_id_validity(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<IdValidityJson>,
) -> ApiResult<ApplicationJson> {
    let a = materials::save_id_validity(&state, &me, &body.id_valid_until).await?;
    Ok(Json(application_json(&state, a).await?))
}

/// 上传证书照片（multipart/form-data）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoUpload {
    /// 自动修正：照片不符合要求时生成符合规格的照片，等待确认（任意值表示是）。
    autofix: Option<String>,
    /// JPEG 照片：480×640 像素、300dpi、20–40KB、浅蓝色背景。
    #[schema(format = Binary, content_media_type = "image/jpeg")]
    file: String,
}

/// 证书照片的处理结果。
#[derive(Serialize, ToSchema)]
pub struct PhotoJson {
    /// saved：符合要求，已作为证书照片；preview：已自动修正，等待确认或放弃。
    #[schema(schema_with = photo_outcome_schema)]
    pub outcome: String,
}

fn photo_outcome_schema() -> Object {
    codes_schema(["saved", "preview"], false, "处理结果")
}

/// 上传证书照片：符合要求的去除附加信息后保存；不符合的列出全部不符合项，或（autofix）生成修正后的照片等待确认。
#[utoipa::path(
    post,
    path = "/api/v1/application/photo",
    operation_id = "upload_application_photo",
    tag = "毕业申请",
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已保存或已生成修正照片", body = PhotoJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化，不能修改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "照片不符合要求（message 列出全部不符合项）", body = ErrorBody),
    )
)]
pub async fn upload_photo(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let form = read_upload(multipart).await.map_err(read_failed)?;
    let autofix = form.fields.contains_key("autofix");
    let outcome = match materials::upload_photo(&state, &me, autofix, form.file).await? {
        PhotoOutcome::Saved => "saved",
        PhotoOutcome::Preview => "preview",
    };
    Ok((
        StatusCode::CREATED,
        Json(PhotoJson {
            outcome: outcome.to_owned(),
        }),
    )
        .into_response())
}

/// 采用自动修正后的证书照片。
#[utoipa::path(
    post,
    path = "/api/v1/application/photo/acceptance",
    operation_id = "accept_application_photo",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "修正后的照片已作为证书照片"),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化", body = ErrorBody),
        (status = 422, description = "没有等待确认的修正照片", body = ErrorBody),
    )
)]
pub async fn accept_photo(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> Result<StatusCode, ApiError> {
    materials::accept_photo(&state, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 放弃自动修正后的证书照片（原有的证书照片不变）。
#[utoipa::path(
    delete,
    path = "/api/v1/application/photo/preview",
    operation_id = "discard_application_photo",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "已放弃"),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交或状态已变化", body = ErrorBody),
        (status = 422, description = "不能修改", body = ErrorBody),
    )
)]
pub async fn discard_photo(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> Result<StatusCode, ApiError> {
    materials::discard_photo(&state, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 前置学历提交人工审核：信息与扫描件齐全时交确认点（或主考学校）审核。
#[utoipa::path(
    post,
    path = "/api/v1/application/prior-education/submission",
    operation_id = "submit_application_prior_education",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已提交人工审核", body = ApplicationJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "已提交或状态已变化", body = ErrorBody),
        (status = 422, description = "信息或扫描件不全（message 列出缺少什么），或无需人工审核", body = ErrorBody),
    )
)]
pub async fn submit_prior(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<ApplicationJson> {
    let a = materials::submit_prior(&state, &me).await?;
    Ok(Json(application_json(&state, a).await?))
}

/// 学信网授权。
#[derive(Serialize, ToSchema)]
pub struct AuthorisationJson {
    /// 授权编号。
    pub auth_no: String,
    /// 学信网授权页面的地址（二维码的内容），考生用手机打开后同意授权。
    pub url: String,
}

/// 生成学信网授权：为本科申请的前置学历登记一次授权，返回考生用手机打开的授权地址；学信网推送结果后自动核验。
#[utoipa::path(
    post,
    path = "/api/v1/application/prior-education/authorisation",
    operation_id = "start_prior_education_authorisation",
    tag = "毕业申请",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已登记授权", body = AuthorisationJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "还没有毕业申请", body = ErrorBody),
        (status = 409, description = "申请已提交、无需授权，或本平台未接入学信网授权服务", body = ErrorBody),
        (status = 422, description = "不能授权（message 说明原因）", body = ErrorBody),
    )
)]
pub async fn start_authorisation(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> Result<Response, ApiError> {
    let started = materials::start_authorisation(&state, &me).await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorisationJson {
            auth_no: started.auth_no,
            url: started.url,
        }),
    )
        .into_response())
}
