//! The JSON API under `/api/v1`: the same operations as the pages, for integrations.
//! Authentication is the session cookie; state-changing calls carry the `X-CSRF-Token` header.

pub mod backfill;
pub mod credentials;
pub mod degree;
pub mod language;
pub mod payments;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::repo::{candidate as candidates, reference};

use crate::error::AppError;
use crate::session::SessionCtx;
use crate::{AppState, util};

pub mod reviews;

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

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Who is signed in.
#[derive(Serialize)]
pub struct Me {
    /// candidate, student or staff.
    pub kind: String,
    /// Account id.
    pub id: i64,
    /// Token for the `X-CSRF-Token` header.
    pub csrf_token: String,
}

fn signed_in(ctx: &SessionCtx) -> Result<(&str, i64), AppError> {
    match &ctx.session {
        Some(s) if s.user_kind != "anonymous" => {
            Ok((s.user_kind.as_str(), s.user_id.unwrap_or_default()))
        }
        _ => Err(AppError::Unauthorized {
            login_path: "/login",
            expired: ctx.expired,
        }),
    }
}

/// GET /api/v1/me
pub async fn me(ctx: SessionCtx) -> ApiResult<Me> {
    let (kind, id) = signed_in(&ctx)?;
    Ok(Json(Me {
        kind: kind.to_owned(),
        id,
        csrf_token: ctx.csrf(),
    }))
}

/// A candidate's record; ID number and phone masked for staff.
#[derive(Serialize)]
pub struct CandidateJson {
    /// Id.
    pub id: i64,
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号 (masked for staff).
    pub id_card_no: String,
    /// 联系电话 (masked for staff).
    pub phone: Option<String>,
    /// 通讯地址.
    pub address: Option<String>,
    /// 考生类型 code.
    pub candidate_type: String,
    /// Province code.
    pub province: String,
}

/// Loads a candidate the caller may see: themself, or one in a staff member's scope. Anything
/// else is "not found", so ids cannot be probed.
async fn visible_candidate(
    state: &AppState,
    ctx: &SessionCtx,
    id: i64,
) -> Result<(store::entity::candidate::Model, bool), AppError> {
    let (kind, me) = signed_in(ctx)?;
    let not_found = || AppError::NotFound("未找到该考生".to_owned());
    match kind {
        "candidate" if me == id => Ok((candidates::get(&state.db, id).await?, false)),
        "staff" => {
            let staff = store::repo::staff::get(&state.db, me).await?;
            let org = store::repo::org::get(&state.db, staff.org_id).await?;
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

/// GET /api/v1/candidates/{id}
pub async fn candidate(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Path(id): Path<i64>,
) -> ApiResult<CandidateJson> {
    let (c, as_staff) = visible_candidate(&state, &ctx, id).await?;
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

/// One score record.
#[derive(Serialize)]
pub struct ScoreJson {
    /// Course code.
    pub course_code: String,
    /// Course name.
    pub course_name: String,
    /// Score as shown ("85", "合格").
    pub score: String,
    /// Passed?
    pub passed: bool,
    /// exam / exemption / backfill / transfer / practical.
    pub source: String,
    /// Date of the result.
    pub exam_date: String,
}

/// GET /api/v1/candidates/{id}/scores
pub async fn candidate_scores(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Path(id): Path<i64>,
) -> ApiResult<Vec<ScoreJson>> {
    let (c, _) = visible_candidate(&state, &ctx, id).await?;
    let names = reference::course_names(&state.db).await?;
    let rows = reference::scores_of(&state.db, c.id).await?;
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

/// GET /api/v1/openapi.json
pub async fn openapi() -> Json<serde_json::Value> {
    let mut doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "biye API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "毕业申请与审核平台接口。认证：会话 Cookie（biye_sid）；修改类请求需带 X-CSRF-Token 头（取自 /api/v1/me）。"},
        "paths": {
            "/api/v1/me": {"get": {"summary": "当前登录账号", "responses": {"200": {"description": "账号类型、id 与 CSRF 令牌"}, "401": {"description": "未登录"}}}},
            "/api/v1/candidates/{id}": {"get": {"summary": "考生信息（本人，或本机构管辖的考生；工作人员看到的身份证号、电话已脱敏）",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "考生信息"}, "401": {"description": "未登录"}, "404": {"description": "不存在或不在权限范围内"}}}},
            "/api/v1/candidates/{id}/scores": {"get": {"summary": "考生成绩记录",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "成绩列表"}, "401": {"description": "未登录"}, "404": {"description": "不存在或不在权限范围内"}}}},
            "/api/v1/reviews": {"get": {"summary": "毕业审核列表：本机构待审核或已审核的毕业申请（身份证号已脱敏），每页 20 份",
                "parameters": [
                    {"name": "batch", "in": "query", "schema": {"type": "integer"}, "description": "批次 id"},
                    {"name": "major", "in": "query", "schema": {"type": "integer"}, "description": "专业 id"},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["pending", "decided"], "default": "pending"}, "description": "pending 待审核（当前等待本机构）；decided 已审核（本机构审核过）"},
                    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "准考证号或姓名开头"},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}}
                ],
                "responses": {"200": {"description": "total、page、per_page 与 items（id、stage、status、准考证号、姓名、脱敏身份证号、专业、批次、当前环节、提交时间、考生申请驳回时间、是否可由本机构审核）"},
                              "401": {"description": "未登录"}, "403": {"description": "不是工作人员账号"}}}},
            "/api/v1/reviews/{id}/decision": {"post": {"summary": "审核一份毕业申请：通过或驳回（驳回须选择常见原因 reason_code 或填写 reason，至少一项；reason 最多 200 字）",
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                    {"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["stage", "decision"],
                    "properties": {
                        "stage": {"type": "integer", "description": "所审核的环节序号（取自列表的 stage）；申请已进入其他环节时返回 409"},
                        "decision": {"type": "string", "enum": ["approve", "reject"]},
                        "reason_code": {"type": "string", "enum": domain::review::CommonReason::ALL.iter().map(|r| r.code()).collect::<Vec<_>>(), "description": "常见驳回原因"},
                        "reason": {"type": "string", "maxLength": domain::review::REASON_TEXT_MAX, "description": "补充说明"},
                        "seal_confirmed": {"type": "boolean", "default": false, "description": "通过时确认：实习(实验)考核合格成绩通知单加盖的是申请毕业主考学校有关学院的公章（云南；已上传成绩通知单的申请未确认时不能通过，返回 422）"}
                    }}}}},
                "responses": {"200": {"description": "审核后的申请：id、status、stage、rejection_reason"}, "401": {"description": "未登录"},
                              "403": {"description": "不是工作人员账号或安全令牌无效"}, "404": {"description": "不存在或不由本机构审核"},
                              "409": {"description": "申请状态已变化（已被他人审核或不在该环节），未做任何更改"}, "422": {"description": "缺少驳回原因等输入错误"}}}},
            "/api/v1/backfills": {"get": {"summary": "成绩补录：当前考生的补录申请（新的在前）；提交申请需上传扫描件，请使用页面 /candidate/backfills",
                "responses": {"200": {"description": "id、source（course_certificate/transfer_letter/practical_result_notice）、course_code、score、obtained_on、document_no、status（pending/approved/rejected）、reason、created_at"},
                              "401": {"description": "未登录"}, "403": {"description": "不是考生账号"}}}},
            "/api/v1/legacy": {
                "get": {"summary": "13位准考证查询：当前考生已关联的13位准考证号及其成绩",
                    "responses": {"200": {"description": "legacy_no 与 scores（course_code、score、passed、exam_date）"}, "401": {"description": "未登录"}, "403": {"description": "不是考生账号"}}},
                "post": {"summary": "关联13位准考证号：该准考证号登记的身份证号须与本人一致，关联后其成绩转入管理平台；重复关联不重复转入",
                    "parameters": [{"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["legacy_no"],
                        "properties": {"legacy_no": {"type": "string", "minLength": 13, "maxLength": 13, "description": "13位（含字母）准考证号"}}}}}},
                    "responses": {"200": {"description": "newly_linked 与 copied（本次转入的成绩条数）"}, "401": {"description": "未登录"},
                                  "403": {"description": "不是考生账号或安全令牌无效"}, "409": {"description": "已关联到其他账号"},
                                  "422": {"description": "格式不符、查无成绩或身份证号不一致"}}}},
            "/api/v1/degree": {"get": {"summary": "学位申请：当前学位批次的学位审核条件（条件、当前状态、是否合格）与本人申请的申请状态、审核状态、审核意见、学位授予结果（学生账号）",
                "responses": {"200": {"description": "batch、conditions（rule、current、passed）、refusal（不可申请的原因）、application（status、review_status、review_label、review_opinion、award、award_label）"},
                              "401": {"description": "未登录"}, "403": {"description": "不是学生账号"}}}},
            "/api/v1/credentials/notify": {"post": {"summary": "学信网推送前置学历信息（学历核验服务回调，服务器之间调用，无需会话与 CSRF 令牌）",
                "description": "考生在毕业申请中生成授权二维码并在学信网授权后，学信网推送其前置学历。签名方式与支付结果通知相同：X-Biye-Signature 为以共享密钥对原始请求体计算的 HMAC-SHA256；timestamp 与服务器时间相差超过 300 秒的推送被拒绝。学历须为专科或以上、毕业时间早于本次毕业申请、姓名与身份证号与报考信息一致，才核验通过；核验结果仅对该授权所属的毕业申请有效。同一授权编号的重复推送只处理一次。",
                "parameters": [{"name": "X-Biye-Signature", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["auth_no", "id_card_no", "diploma", "timestamp", "nonce"],
                    "properties": {
                        "auth_no": {"type": "string", "description": "授权编号（平台生成，二维码中携带）"},
                        "id_card_no": {"type": "string", "description": "授权人身份证号"},
                        "diploma": {"type": ["object", "null"], "description": "学信网查到的前置学历；未查到时为 null",
                            "properties": {"name": {"type": "string"}, "cert_no": {"type": "string"}, "school": {"type": "string"},
                                "level": {"type": "string", "enum": ["associate", "bachelor", "master", "doctor"]},
                                "graduation_date": {"type": "string", "format": "date"}}},
                        "timestamp": {"type": "integer", "description": "推送时间（Unix 秒）"},
                        "nonce": {"type": "string", "description": "随机串"}}}}}},
                "responses": {"200": {"description": "已处理或重复推送：响应体为 success", "content": {"text/plain": {"schema": {"type": "string", "enum": ["success"]}}}},
                    "400": {"description": "签名无效、推送过期或授权编号不存在；未做任何更改（JSON：error、message）"},
                    "500": {"description": "暂时无法处理，学信网应稍后重新推送"}}}},
            "/api/v1/payments/notify": {"post": {"summary": "支付结果通知（支付平台回调，服务器之间调用，无需会话与 CSRF 令牌）",
                "description": "请求体为 JSON，签名覆盖原始请求体字节：X-Biye-Signature 头为以共享密钥计算的 HMAC-SHA256（小写十六进制）。timestamp 与服务器时间相差超过 300 秒的通知被拒绝。订单号与金额（分）须与订单一致。同一订单的重复通知只入账一次，均答复 success。",
                "parameters": [{"name": "X-Biye-Signature", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["order_no", "gateway_txn_no", "amount_fen", "paid_at", "timestamp", "nonce"],
                    "properties": {
                        "order_no": {"type": "string", "description": "商户订单号"},
                        "gateway_txn_no": {"type": "string", "description": "支付流水号"},
                        "amount_fen": {"type": "integer", "description": "实付金额（分）"},
                        "paid_at": {"type": "string", "format": "date-time", "description": "支付时间"},
                        "timestamp": {"type": "integer", "description": "通知发送时间（Unix 秒）"},
                        "nonce": {"type": "string", "description": "随机串"}}}}}},
                "responses": {"200": {"description": "已入账或重复通知：响应体为 success", "content": {"text/plain": {"schema": {"type": "string", "enum": ["success"]}}}},
                    "400": {"description": "签名无效、通知过期、金额不符或订单不存在；未做任何更改（JSON：error、message）"},
                    "500": {"description": "暂时无法处理，支付平台应稍后重发"}}}}
        }
    });
    // Added apart: one literal holding every path exceeds the macro's recursion limit.
    doc["paths"]["/api/v1/language"] = serde_json::json!({"get": {"summary": "学位外语：当前学生所在学校的学位外语批次及本人的申请（与“学位外语”页面的表格相同）；提交申请需上传证明文件，请使用页面 /student/language",
                "responses": {"200": {"description": "no、batch_id、batch_name、window（申请时间，北京时间）、condition（申请条件）、actual（本人平均成绩）、applied（已申请/未申请）、condition_met（达标/未达标）、application_id、status（pending/approved/rejected）、status_label、opinion（审核意见）、qualification（合格状态）、can_apply、can_withdraw"},
                              "401": {"description": "未登录"}, "403": {"description": "不是学生账号"}}}});
    Json(doc)
}
