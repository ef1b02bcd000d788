//! The JSON API under `/api/v1`: the same operations as the pages, for integrations.
//! Authentication is the session cookie; state-changing calls carry the `X-CSRF-Token` header.
//!
//! Each route is registered together with its `#[utoipa::path]` operation ([`router`] and
//! [`document`] come from one list), so the OpenAPI document served at `/api/v1/openapi.json`
//! is generated from the handlers and their request and response types. Every answer under
//! `/api/v1` that is not a success, including unknown paths and methods, is an
//! [`ErrorBody`](crate::error::ErrorBody).

pub mod announcements;
pub mod appeals;
pub mod application;
pub mod audit;
pub mod backfill;
pub mod credentials;
pub mod degree;
pub mod exemptions;
pub mod extract;
pub mod grad_batches;
pub mod grad_stats;
pub mod language;
pub mod notifications;
pub mod payments;
pub mod prior_review;
pub mod profile;
pub mod reviews;
pub(crate) mod rules;
pub mod school;
pub mod verify;

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Serialize};
use store::repo::{candidate as candidates, reference};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, ErrorBody};
use crate::session::{CurrentStaff, SessionCtx};
use crate::{AppState, util};
pub use extract::{Api, ApiJson, ApiPath, ApiQuery};

/// An [`AppError`] rendered as JSON.
pub struct ApiError(AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json()
    }
}

/// A refused server-to-server callback (a payment notification, a credential push): 400 in the
/// JSON error shape, logged. Nothing was changed, and the sender stops retrying a 400.
pub(crate) fn refuse_callback(callback: &'static str, message: String) -> Response {
    tracing::warn!(callback, reason = %message, "callback refused");
    AppError::Malformed(message).into_json()
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Name of the session cookie's security scheme in the document.
pub const SESSION_SCHEME: &str = "session";
/// Name of the CSRF header's security scheme in the document.
pub const CSRF_SCHEME: &str = "csrf";

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::COOKIE,
                "登录后服务器设置的会话 Cookie（在登录页面 /login、/student/login 或 /staff/login 登录取得）。\
                 启用了两步验证的工作人员账号，输入密码后还须在 /staff/login/totp 输入验证器App中的6位数字（或一个恢复码），会话才生效；\
                 此前所有接口答复 401。须使用两步验证（管理员账号，或所在机构要求）而尚未设置的账号，接口答复 403，须先在 /staff/account/totp 完成设置",
            ))),
        );
        components.add_security_scheme(
            CSRF_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "修改类请求的安全令牌：GET /api/v1/me 返回的 csrf_token；缺少或不符时返回 403，未做任何更改",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "biye API",
        description = "毕业申请与审核平台接口。认证：会话 Cookie（biye_sid，在登录页面登录取得；启用两步验证的工作人员还须完成 /staff/login/totp 的验证码一步）；修改类请求另需 X-CSRF-Token 头（取自 GET /api/v1/me）。\
                       出错时一律返回 JSON：error（HTTP 状态）、message（中文说明）、fields（出错的参数或字段 → 说明）。本文档由服务器代码生成。"
    ),
    modifiers(&SecuritySchemes),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// Every `/api/v1` route with its documented operation: the one list both the router and the
/// document are made from.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(notifications::get, notifications::save))
        .routes(routes!(notifications::send_code, notifications::remove))
        .routes(routes!(notifications::confirm))
        .routes(routes!(candidate))
        .routes(routes!(candidate_scores))
        .routes(routes!(application::get, application::open))
        .routes(routes!(application::save_major))
        .routes(routes!(application::save_prior_education))
        .routes(routes!(application::save_resume))
        .routes(routes!(application::save_self_appraisal))
        .routes(routes!(application::save_statement))
        .routes(routes!(application::delete_file))
        .routes(routes!(application::submit))
        .routes(routes!(application::pay))
        .routes(routes!(application::wrong_major))
        .routes(routes!(application::save_id_validity))
        .routes(routes!(application::accept_photo))
        .routes(routes!(application::discard_photo))
        .routes(routes!(application::submit_prior))
        .routes(routes!(application::start_authorisation))
        .routes(routes!(profile::save_contact))
        .routes(routes!(profile::add_major))
        .routes(routes!(profile::file_correction))
        .routes(routes!(profile::decide_correction))
        .routes(routes!(prior_review::originals_checked))
        .routes(routes!(prior_review::decide))
        .routes(routes!(reviews::list))
        .routes(routes!(reviews::decision))
        .routes(routes!(reviews::bulk_decision))
        .routes(routes!(backfill::decide))
        .routes(routes!(backfill::linked, backfill::link))
        .routes(routes!(degree::status))
        .routes(routes!(degree::save))
        .routes(routes!(degree::submit))
        .routes(routes!(degree::review))
        .routes(routes!(degree::award))
        .routes(routes!(school::get_rules, school::save_rules))
        .routes(routes!(school::list_batches, school::create_batch))
        .routes(routes!(school::move_window))
        .routes(routes!(audit::list))
        .routes(routes!(grad_batches::list, grad_batches::create))
        .routes(routes!(grad_batches::move_window))
        .routes(routes!(grad_batches::close))
        .routes(routes!(grad_stats::stats))
        .routes(routes!(announcements::list))
        .routes(routes!(announcements::save))
        .routes(routes!(exemptions::list, exemptions::file))
        .routes(routes!(exemptions::queue))
        .routes(routes!(exemptions::decide))
        .routes(routes!(language::list))
        .routes(routes!(language::withdraw))
        .routes(routes!(language::review))
        .routes(routes!(language::review_bulk))
        .routes(routes!(appeals::get))
        .routes(routes!(appeals::decide))
        .routes(routes!(payments::notify))
        .routes(routes!(credentials::notify))
        .routes(routes!(verify::verify))
        .routes(routes!(openapi))
        .merge(uploads())
}

/// The operations that take a file, each with the body limit of its page's form (the JSON
/// operations keep axum's 2 MB).
fn uploads() -> OpenApiRouter<AppState> {
    let picture = OpenApiRouter::new()
        .routes(routes!(application::upload))
        .routes(routes!(application::upload_signature))
        .routes(routes!(application::upload_photo))
        .routes(routes!(language::apply))
        .routes(routes!(prior_review::upload_stamped))
        .routes(routes!(backfill::list, backfill::file))
        .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT));
    let thesis = OpenApiRouter::new()
        .routes(routes!(degree::upload))
        .layer(DefaultBodyLimit::max(
            crate::views::degree::apply::UPLOAD_LIMIT,
        ));
    let appeal = OpenApiRouter::new()
        .routes(routes!(appeals::file))
        .layer(DefaultBodyLimit::max(crate::services::appeal::BODY_LIMIT));
    picture.merge(thesis).merge(appeal)
}

/// The `/api/v1` routes, to merge into the application's router. A path under `/api/v1` that
/// names no operation answers 404, and a method a path does not have answers 405 with `Allow`,
/// both in the JSON error shape.
pub fn router() -> axum::Router<AppState> {
    let (router, _) = routes().split_for_parts();
    router
        .method_not_allowed_fallback(method_not_allowed)
        .route("/api/v1", any(not_found))
        .route("/api/v1/", any(not_found))
        .route("/api/v1/{*unknown}", any(not_found))
}

/// The OpenAPI document as published, generated once.
pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(routes().into_openapi()).unwrap_or_default();
        camel_case_links(&mut doc);
        doc
    })
}

/// utoipa 5 writes the fields of a response's Link Object in snake case (`operation_id`); the
/// specification, and every tool that follows links, reads `operationId`, `operationRef` and
/// `requestBody`.
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|links| links.values_mut())
        .filter_map(|link| link.as_object_mut());
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_owned(), v);
            }
        }
    }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::from(AppError::NotFound(format!(
        "接口不存在：{}。可用的接口见 /api/v1/openapi.json",
        uri.path()
    )))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::from(AppError::MethodNotAllowed(format!(
        "接口 {} 不支持 {method} 方法，支持的方法见响应头 Allow 与 /api/v1/openapi.json",
        uri.path()
    )))
}

/// A string schema whose values are the codes of a closed vocabulary, so a consumer can rely
/// on them; `nullable` adds `null` for fields that may be empty. (A field whose schema is made
/// here loses its doc comment, hence the description.)
fn codes_schema<'a>(
    codes: impl IntoIterator<Item = &'a str>,
    nullable: bool,
    description: &str,
) -> Object {
    let mut values: Vec<serde_json::Value> = codes.into_iter().map(Into::into).collect();
    let ty = if nullable {
        values.push(serde_json::Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .enum_values(Some(values))
        .description(Some(description))
        .build()
}

fn account_kind_schema() -> Object {
    codes_schema(
        ["candidate", "student", "staff"],
        false,
        "账号类型：candidate 考生、student 继续教育学生、staff 工作人员",
    )
}

fn candidate_type_schema() -> Object {
    codes_schema(
        domain::CandidateType::ALL.iter().map(|v| v.code()),
        false,
        "考生类型代码",
    )
}

fn province_schema() -> Object {
    codes_schema(
        domain::Province::all().iter().map(|v| v.code()),
        false,
        "省份代码",
    )
}

fn score_source_schema() -> Object {
    codes_schema(
        domain::ScoreSource::ALL.iter().map(|v| v.code()),
        false,
        "成绩来源代码",
    )
}

/// 当前登录的账号。
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// 账号类型。
    #[schema(schema_with = account_kind_schema)]
    pub kind: String,
    /// 账号 id（考生账号即考生 id）。
    pub id: i64,
    /// 修改类请求的 X-CSRF-Token 头取此值。
    pub csrf_token: String,
}

fn signed_in(ctx: &SessionCtx) -> Result<(&str, i64), AppError> {
    match &ctx.session {
        // A staff password without its second factor signs nobody in.
        Some(s) if s.user_kind == store::repo::session::AWAITING_SECOND_FACTOR => {
            Err(AppError::SecondFactorPending)
        }
        Some(s) if s.user_kind != "anonymous" => {
            Ok((s.user_kind.as_str(), s.user_id.unwrap_or_default()))
        }
        _ => Err(AppError::Unauthorized {
            login_path: "/login",
            expired: ctx.expired,
        }),
    }
}

/// 当前登录账号：账号类型、id 与修改类请求所需的 CSRF 令牌。
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "get_me",
    tag = "账号",
    security(("session" = [])),
    responses(
        (status = 200, description = "当前登录账号（工作人员须已完成两步验证）", body = Me, links(
            ("candidate" = (
                operation_id = "get_candidate",
                parameters(("id" = "$response.body#/id")),
                description = "考生账号：本人的考生信息"
            )),
            ("scores" = (
                operation_id = "list_candidate_scores",
                parameters(("id" = "$response.body#/id")),
                description = "考生账号：本人的成绩"
            ))
        )),
        (status = 401, description = "未登录、登录已过期，或工作人员已输入密码但尚未完成两步验证（message 说明如何完成）", body = ErrorBody),
    )
)]
pub async fn me(ctx: SessionCtx) -> ApiResult<Me> {
    let (kind, id) = signed_in(&ctx)?;
    Ok(Json(Me {
        kind: kind.to_owned(),
        id,
        csrf_token: ctx.csrf(),
    }))
}

/// 路径中的考生 id。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CandidateId {
    /// 考生 id（GET /api/v1/me 返回的 id，或毕业审核列表中的考生）。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 考生信息；工作人员看到的身份证号、电话已脱敏。
#[derive(Serialize, ToSchema)]
pub struct CandidateJson {
    /// 考生 id。
    pub id: i64,
    /// 准考证号。
    pub admission_no: String,
    /// 姓名。
    pub name: String,
    /// 身份证号（工作人员看到的已脱敏）。
    pub id_card_no: String,
    /// 联系电话（工作人员看到的已脱敏）。
    pub phone: Option<String>,
    /// 通讯地址。
    pub address: Option<String>,
    /// 考生类型。
    #[schema(schema_with = candidate_type_schema)]
    pub candidate_type: String,
    /// 省份。
    #[schema(schema_with = province_schema)]
    pub province: String,
}

/// Loads a candidate the caller may see: themself, or one in a staff member's scope. Anything
/// else is "not found", so ids cannot be probed.
///
/// Staff come through [`CurrentStaff`], so that its checks (a password someone else set, two
/// factors not set up where required) hold here as on every staff operation.
async fn visible_candidate(
    state: &AppState,
    ctx: &SessionCtx,
    staff: Result<CurrentStaff, AppError>,
    id: i64,
) -> Result<(store::entity::candidate::Model, bool), AppError> {
    let (kind, me) = signed_in(ctx)?;
    let not_found = || AppError::NotFound("未找到该考生".to_owned());
    match kind {
        "candidate" if me == id => match ctx.own_candidate(id) {
            Some(c) => Ok((c, false)),
            None => Ok((candidates::get(&state.db, id).await?, false)),
        },
        "staff" => {
            let org = staff?.org;
            match candidates::get_in_scope(&state.db, &org, id).await {
                Ok(c) => Ok((c, true)),
                Err(store::repo::RepoError::NotFound) => {
                    tracing::warn!(
                        staff = me,
                        candidate = id,
                        "request denied: candidate outside scope"
                    );
                    Err(not_found())
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            tracing::warn!(
                kind,
                account = me,
                candidate = id,
                "request denied: another account's candidate record"
            );
            Err(not_found())
        }
    }
}

/// 考生信息：本人，或本机构管辖的考生（工作人员看到的身份证号、电话已脱敏）。
#[utoipa::path(
    get,
    path = "/api/v1/candidates/{id}",
    operation_id = "get_candidate",
    tag = "考生",
    params(CandidateId),
    security(("session" = [])),
    responses(
        (status = 200, description = "考生信息", body = CandidateJson),
        (status = 401, description = "未登录、登录已过期，或工作人员尚未完成两步验证", body = ErrorBody),
        (status = 403, description = "工作人员须先修改他人设置的密码，或须先启用两步验证", body = ErrorBody),
        (status = 404, description = "不存在或不在权限范围内", body = ErrorBody),
        (status = 422, description = "id 不是正整数", body = ErrorBody),
    )
)]
pub async fn candidate(
    State(state): State<AppState>,
    ctx: SessionCtx,
    staff: Result<CurrentStaff, AppError>,
    ApiPath(CandidateId { id }): ApiPath<CandidateId>,
) -> ApiResult<CandidateJson> {
    let (c, as_staff) = visible_candidate(&state, &ctx, staff, id).await?;
    Ok(Json(CandidateJson {
        id: c.id,
        admission_no: c.admission_no,
        name: c.name,
        id_card_no: if as_staff {
            util::mask_id(&c.id_card_no)
        } else {
            c.id_card_no
        },
        phone: if as_staff {
            c.phone.as_deref().map(|p| util::mask_phone(Some(p)))
        } else {
            c.phone
        },
        address: c.address,
        candidate_type: c.candidate_type,
        province: c.province,
    }))
}

/// 一条成绩记录。
#[derive(Serialize, ToSchema)]
pub struct ScoreJson {
    /// 课程代码。
    pub course_code: String,
    /// 课程名称。
    pub course_name: String,
    /// 成绩，如“85”“合格”。
    pub score: String,
    /// 是否合格。
    pub passed: bool,
    /// 成绩来源。
    #[schema(schema_with = score_source_schema)]
    pub source: String,
    /// 成绩日期。
    #[schema(format = Date)]
    pub exam_date: String,
}

/// 考生成绩记录。
#[utoipa::path(
    get,
    path = "/api/v1/candidates/{id}/scores",
    operation_id = "list_candidate_scores",
    tag = "考生",
    params(CandidateId),
    security(("session" = [])),
    responses(
        (status = 200, description = "成绩列表", body = Vec<ScoreJson>),
        (status = 401, description = "未登录、登录已过期，或工作人员尚未完成两步验证", body = ErrorBody),
        (status = 403, description = "工作人员须先修改他人设置的密码，或须先启用两步验证", body = ErrorBody),
        (status = 404, description = "不存在或不在权限范围内", body = ErrorBody),
        (status = 422, description = "id 不是正整数", body = ErrorBody),
    )
)]
pub async fn candidate_scores(
    State(state): State<AppState>,
    ctx: SessionCtx,
    staff: Result<CurrentStaff, AppError>,
    ApiPath(CandidateId { id }): ApiPath<CandidateId>,
) -> ApiResult<Vec<ScoreJson>> {
    let (c, _) = visible_candidate(&state, &ctx, staff, id).await?;
    let db = ctx.reader(&state);
    let rows = reference::scores_of(&db, c.id).await?;
    let names = state.refs.course_names(&db, ctx.seen).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ScoreJson {
                course_name: names.get(&r.course_code).cloned().unwrap_or_default(),
                score: domain::ScoreValue::from_db(r.score_tenths, r.passed)
                    .map(|v| v.display())
                    .unwrap_or_default(),
                passed: r.passed,
                source: r.source,
                exam_date: r.exam_date.to_string(),
                course_code: r.course_code,
            })
            .collect(),
    ))
}

/// 本接口文档（OpenAPI 3.1，由服务器代码生成）。
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "get_openapi",
    tag = "文档",
    security(()),
    responses((status = 200, description = "OpenAPI 文档", body = Object, content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| document().to_string());
    ([(header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}
