//! Extractors of the JSON API. Each wraps axum's own (`Path`, `Query`, `Json`) and answers a
//! rejection in the JSON error shape: which parameter or field, what was expected (read from the
//! schema the API document publishes for it, see [`super::rules`]) and what arrived.

use axum::Json;
use axum::extract::rejection::{
    BytesRejection, FailedToBufferBody, JsonRejection, PathRejection, QueryRejection,
    RawPathParamsRejection,
};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

use super::ApiError;
use super::rules::{Rules, Violation, shown_json, shown_raw};
use crate::error::AppError;

/// An extractor that refuses with an [`AppError`] (who is signed in, see
/// [`crate::session`]), answering in JSON. Put first, so that an anonymous caller learns
/// nothing about its input before being told to sign in.
pub struct Api<T>(pub T);

impl<S, T> FromRequestParts<S> for Api<T>
where
    S: Send + Sync,
    T: FromRequestParts<S, Rejection = AppError>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        T::from_request_parts(parts, state)
            .await
            .map(Api)
            .map_err(ApiError::from)
    }
}

/// One declared parameter: its name and its schema as published.
struct Param {
    name: String,
    required: bool,
    schema: Value,
}

fn params_of<T: IntoParams>(location: ParameterIn) -> Vec<Param> {
    T::into_params(|| Some(location.clone()))
        .into_iter()
        .filter_map(|p| {
            let json = serde_json::to_value(&p).ok()?;
            Some(Param {
                name: p.name,
                required: json.get("required").and_then(Value::as_bool) == Some(true),
                schema: json.get("schema").cloned().unwrap_or(Value::Bool(true)),
            })
        })
        .collect()
}

fn invalid(violations: Vec<Violation>) -> ApiError {
    ApiError::from(AppError::Invalid(violations))
}

/// Checks one raw (path or query) value against its parameter's schema.
fn check_raw(rules: &Rules, p: &Param, label: &str, raw: &str, out: &mut Vec<Violation>) {
    let mut value = rules.typed(&p.schema, raw);
    let before = out.len();
    rules.check(&p.schema, &mut value, &p.name, &shown_raw, out);
    for v in &mut out[before..] {
        v.1 = format!("{label}{}", v.1);
    }
}

/// Path parameters, checked against the operation's declared parameters.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + IntoParams + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = params_of::<T>(ParameterIn::Path);
        let rules = Rules::default();
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| match e {
                RawPathParamsRejection::InvalidUtf8InPathParam(e) => {
                    ApiError::from(AppError::Malformed(format!(
                        "路径参数不是有效的 UTF-8 文本：{}",
                        e.body_text()
                    )))
                }
                other => ApiError::from(AppError::Internal(anyhow::anyhow!(
                    "path parameters unavailable: {}",
                    other.body_text()
                ))),
            })?;
        let mut out = Vec::new();
        for (key, value) in &raw {
            if let Some(p) = params.iter().find(|p| p.name == key) {
                check_raw(&rules, p, "路径参数", value, &mut out);
            }
        }
        if !out.is_empty() {
            return Err(invalid(out));
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(t)) => Ok(ApiPath(t)),
            Err(e) => Err(path_rejection(e, &params, &rules)),
        }
    }
}

fn path_rejection(e: PathRejection, params: &[Param], rules: &Rules) -> ApiError {
    use axum::extract::path::ErrorKind;
    let PathRejection::FailedToDeserializePathParams(e) = e else {
        return ApiError::from(AppError::Internal(anyhow::anyhow!(
            "path parameters unavailable: {}",
            e.body_text()
        )));
    };
    let (key, value) = match e.kind() {
        ErrorKind::ParseErrorAtKey { key, value, .. }
        | ErrorKind::DeserializeError { key, value, .. } => (key.clone(), value.clone()),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            return invalid(vec![(
                key.clone(),
                "路径参数不是有效的 UTF-8 文本".to_owned(),
            )]);
        }
        _ => {
            return ApiError::from(AppError::Malformed(
                "路径参数无法解析，请检查地址".to_owned(),
            ));
        }
    };
    let expected = params
        .iter()
        .find(|p| p.name == key)
        .map(|p| rules.describe(&p.schema))
        .unwrap_or_else(|| "有效的值".to_owned());
    let shown = shown_raw(&Value::String(value));
    invalid(vec![(key, format!("路径参数应为{expected}，收到{shown}"))])
}

/// The query string, checked against the operation's declared parameters: each at most once,
/// each of its type and within its limits; parameters not declared are ignored.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + IntoParams + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = params_of::<T>(ParameterIn::Query);
        let rules = Rules::default();
        let pairs: Vec<(String, String)> =
            serde_html_form::from_str(parts.uri.query().unwrap_or("")).map_err(|_| {
                ApiError::from(AppError::Malformed(
                    "查询字符串无法解析：应为 name=value 形式并以 & 分隔，特殊字符按 URL 编码"
                        .to_owned(),
                ))
            })?;
        let mut out = Vec::new();
        for p in &params {
            let given: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect();
            match given.as_slice() {
                [] if p.required => out.push((
                    p.name.clone(),
                    format!("查询参数不能省略，应为{}", rules.describe(&p.schema)),
                )),
                [] => {}
                [one] => check_raw(&rules, p, "查询参数", one, &mut out),
                many => out.push((
                    p.name.clone(),
                    format!("查询参数只能出现一次，收到 {} 次", many.len()),
                )),
            }
        }
        if !out.is_empty() {
            return Err(invalid(out));
        }
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(t)) => Ok(ApiQuery(t)),
            Err(e) => Err(query_rejection(&e, &params, &pairs, &rules)),
        }
    }
}

/// The parameter a query string failed at, from the error axum wraps (a
/// `serde_path_to_error::Error` over `serde_urlencoded`'s), with what it expects.
fn query_rejection(
    e: &QueryRejection,
    params: &[Param],
    pairs: &[(String, String)],
    rules: &Rules,
) -> ApiError {
    let key = std::error::Error::source(e)
        .and_then(|axum_error| axum_error.source())
        .and_then(|inner| {
            inner.downcast_ref::<serde_path_to_error::Error<serde::de::value::Error>>()
        })
        .map(|inner| inner.path().to_string());
    let param = key.and_then(|k| params.iter().find(|p| p.name == k));
    match param {
        Some(p) => {
            let raw = pairs
                .iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let shown = shown_raw(&Value::String(raw));
            invalid(vec![(
                p.name.clone(),
                format!("查询参数应为{}，收到{shown}", rules.describe(&p.schema)),
            )])
        }
        None => ApiError::from(AppError::Malformed(
            "查询参数无法解析，请对照接口文档检查参数".to_owned(),
        )),
    }
}

/// A JSON body, checked against the request body schema the document publishes for `T`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + ToSchema,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(mut value) = Json::<Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        let mut components = Vec::new();
        T::schemas(&mut components);
        let rules = Rules::new(components);
        let schema = serde_json::to_value(T::schema()).unwrap_or(Value::Bool(true));
        let mut out = Vec::new();
        rules.check(&schema, &mut value, "", &shown_json, &mut out);
        if !out.is_empty() {
            let named = out
                .into_iter()
                .map(|(field, message)| {
                    if field.is_empty() {
                        (field, format!("请求体{message}"))
                    } else {
                        (field, format!("请求体字段{message}"))
                    }
                })
                .collect();
            return Err(invalid(named));
        }
        serde_path_to_error::deserialize::<_, T>(value)
            .map(ApiJson)
            .map_err(|e| {
                let field = e.path().to_string();
                let expected = rules
                    .field(&schema, &field)
                    .map(|s| rules.describe(s))
                    .unwrap_or_else(|| "有效的值".to_owned());
                invalid(vec![(field, format!("请求体字段应为{expected}"))])
            })
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let err = match e {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(
            "请求头 Content-Type 应为 application/json，请求体应为 JSON".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            // axum wraps serde_json's error, which knows where the text went wrong.
            let at = std::error::Error::source(&e)
                .and_then(|axum_error| axum_error.source())
                .and_then(|inner| {
                    inner.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
                })
                .map(|inner| {
                    format!(
                        "（第 {} 行第 {} 列）",
                        inner.inner().line(),
                        inner.inner().column()
                    )
                })
                .unwrap_or_default();
            AppError::Malformed(format!("请求体不是有效的 JSON{at}"))
        }
        JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(
            FailedToBufferBody::LengthLimitError(_),
        )) => AppError::TooLarge("请求体过大，上限为 2 MB".to_owned()),
        JsonRejection::BytesRejection(_) => {
            AppError::Malformed("请求体未能完整读取，请重新发送".to_owned())
        }
        // Any JSON is a `Value`; a data error cannot arise here, but is refused all the same.
        other => AppError::Malformed(format!("请求体无法解析：{}", other.body_text())),
    };
    ApiError::from(err)
}
