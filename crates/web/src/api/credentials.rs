//! The credential service's push callback (学信网推送前置学历信息). No session: the body's HMAC
//! signature under the shared secret is the authentication.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::credential::verify_push;
use domain::payment::SIGNATURE_HEADER;
use store::credential::authorisation::{self, PushOutcome};
use store::repo::RepoError;
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::codes_schema;
use super::payments::Acknowledged;
use crate::AppState;
use crate::error::{AppError, ErrorBody};

fn level_schema() -> Object {
    // The levels the national service reports; `domain::credential` accepts the same four.
    codes_schema(
        ["associate", "bachelor", "master", "doctor"],
        false,
        "层次代码",
    )
}

/// The diploma in a push, as [`domain::credential::PushedDiploma`] reads it (for the document).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(description = "学信网查到的前置学历")]
pub struct PushedDiploma {
    /// 姓名。
    pub name: String,
    /// 毕业证编号。
    pub cert_no: String,
    /// 毕业院校。
    pub school: String,
    /// 层次。
    #[schema(schema_with = level_schema)]
    pub level: String,
    /// 毕业时间。
    pub graduation_date: chrono::NaiveDate,
}

/// The push body as the service sends it: the shape of [`domain::credential::CredentialPush`]
/// with the rules [`domain::credential::verify_push`] applies, for the document (the handler
/// verifies the signature over the raw bytes before reading them, so it takes no typed body).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(description = "学信网推送的前置学历信息；签名覆盖原始请求体字节")]
pub struct CredentialPush {
    /// 授权编号（平台生成，二维码中携带）：1 至 40 位数字或字母。
    #[schema(pattern = "^[0-9A-Za-z]{1,40}$", min_length = 1, max_length = 40)]
    pub auth_no: String,
    /// 授权人身份证号。
    pub id_card_no: String,
    /// 学信网查到的前置学历；未查到时为 null。
    pub diploma: Option<PushedDiploma>,
    /// 推送时间（Unix 秒），与服务器时间相差不得超过 300 秒。
    pub timestamp: i64,
    /// 随机串。
    pub nonce: String,
}

/// 学信网推送前置学历信息（学历核验服务回调，服务器之间调用，无需会话与 CSRF 令牌）。
///
/// 考生在毕业申请中生成授权二维码并在学信网授权后，学信网推送其前置学历。签名方式与支付结果通知相同：
/// X-Biye-Signature 为以共享密钥对原始请求体计算的 HMAC-SHA256；timestamp 与服务器时间相差超过 300 秒的
/// 推送被拒绝。学历须为专科或以上、毕业时间早于本次毕业申请、姓名与身份证号与报考信息一致，才核验通过；
/// 核验结果仅对该授权所属的毕业申请有效。同一授权编号的重复推送只处理一次。
#[utoipa::path(
    post,
    path = "/api/v1/credentials/notify",
    operation_id = "credential_notify",
    tag = "回调",
    params(("X-Biye-Signature" = String, Header, description = "原始请求体的 HMAC-SHA256（小写十六进制）", pattern = "^[0-9a-f]{64}$")),
    request_body = CredentialPush,
    security(()),
    responses(
        (status = 200, description = "已处理或重复推送", body = Acknowledged, content_type = "text/plain"),
        (status = 400, description = "签名无效、推送过期或授权编号不存在；未做任何更改", body = ErrorBody),
        (status = 500, description = "暂时无法处理，学信网应稍后重新推送", body = ErrorBody),
    )
)]
pub async fn notify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let now = state.now();
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let push = match verify_push(
        &body,
        signature,
        state.config.credential_secret.as_bytes(),
        now,
    ) {
        Ok(p) => p,
        Err(r) => return super::refuse_callback("credential push", r.to_string()),
    };
    match authorisation::apply_push(&state.db, &push, now).await {
        Ok(outcome) => {
            match outcome {
                PushOutcome::Verified { applied } => {
                    tracing::info!(auth_no = %push.auth_no, applied, "prior education verified by push");
                }
                PushOutcome::NotVerified(reason) => {
                    tracing::info!(auth_no = %push.auth_no, %reason, "pushed prior education not verified");
                }
                PushOutcome::Duplicate => {
                    tracing::info!(auth_no = %push.auth_no, "duplicate credential push ignored");
                }
            }
            (StatusCode::OK, "success").into_response()
        }
        Err(RepoError::NotFound) => super::refuse_callback(
            "credential push",
            format!("授权编号不存在：{}", push.auth_no),
        ),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            super::refuse_callback("credential push", m)
        }
        Err(e @ (RepoError::Db(_) | RepoError::Forbidden(_))) => AppError::from(e).into_json(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::ToSchema;

    use super::*;
    use crate::api::rules::{Rules, shown_json};

    /// The documented body is the service's: real pushes, with and without a diploma, pass its
    /// checks field for field.
    #[test]
    fn the_documented_push_is_the_one_the_service_sends() {
        let diploma = domain::credential::PushedDiploma {
            name: "张三".to_owned(),
            cert_no: "106111201505001234".to_owned(),
            school: "重庆大学".to_owned(),
            level: "associate".to_owned(),
            graduation_date: chrono::NaiveDate::from_ymd_opt(2015, 7, 1).unwrap(),
        };
        let mut components = Vec::new();
        <CredentialPush as ToSchema>::schemas(&mut components);
        let rules = Rules::new(components);
        let schema =
            serde_json::to_value(<CredentialPush as utoipa::PartialSchema>::schema()).unwrap();
        for found in [Some(diploma), None] {
            let push = domain::credential::CredentialPush {
                auth_no: "XX20240601ABC".to_owned(),
                id_card_no: "500101199001011234".to_owned(),
                diploma: found,
                timestamp: 1_717_200_000,
                nonce: "f3a9".to_owned(),
            };
            let mut sent: serde_json::Value = serde_json::from_slice(&push.to_body()).unwrap();
            let mut out = Vec::new();
            rules.check(&schema, &mut sent, "", &shown_json, &mut out);
            assert!(out.is_empty(), "{out:?}");
            let documented: BTreeSet<&String> =
                schema["properties"].as_object().unwrap().keys().collect();
            let fields: BTreeSet<&String> = sent.as_object().unwrap().keys().collect();
            assert_eq!(documented, fields);
        }
        let mut bad = serde_json::json!({"auth_no": "A1", "id_card_no": "1", "timestamp": 1,
            "nonce": "n", "diploma": {"name": "x", "cert_no": "1", "school": "s",
            "level": "primary", "graduation_date": "2015-07-01"}});
        let mut out = Vec::new();
        rules.check(&schema, &mut bad, "", &shown_json, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].0, "diploma");
    }
}
