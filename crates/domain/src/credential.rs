//! 学信网 prior-education authorisation (seed 003 §(二)1): the candidate scans a code shown on the
//! platform with the 学信网 app and authorises it; the national service then pushes the prior
//! diploma it holds to the platform, which judges it. This module holds the pushed record, how
//! we know the service (and nobody else) sent it, and the judgement.
//!
//! The push is signed like a payment notification (HMAC-SHA256 over the raw body, a timestamp
//! window against replay); see [`crate::payment`]. Pure: the time is a parameter.

use chrono::{DateTime, NaiveDate, Utc};

use crate::payment::{MAX_SKEW_SECONDS, signature_matches};

/// The prior diploma the national service holds for the person who authorised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushedDiploma {
    /// 姓名 on the diploma.
    pub name: String,
    /// 毕业证编号.
    pub cert_no: String,
    /// 毕业院校.
    pub school: String,
    /// 层次 as a `Level` code (`associate`, `bachelor`, …).
    pub level: String,
    /// 毕业时间.
    pub graduation_date: NaiveDate,
}

/// What the service pushes after the candidate authorised (学信网推送前置学历信息).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CredentialPush {
    /// Our authorisation number, from the code the candidate scanned.
    pub auth_no: String,
    /// 身份证号 of the person who authorised.
    pub id_card_no: String,
    /// The diploma found, or `None` when the service holds none for that person.
    pub diploma: Option<PushedDiploma>,
    /// When the push was sent, in unix seconds.
    pub timestamp: i64,
    /// Random per push, so two sends differ in their signature input.
    pub nonce: String,
}

impl CredentialPush {
    /// The exact bytes to send and sign.
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising strings, dates and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Why a push is not accepted, in words for the log and the service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushRefusal {
    /// The signature is missing, malformed or does not match the body.
    #[error("学历信息推送签名无效")]
    BadSignature,
    /// The body is not a well-formed push.
    #[error("学历信息推送格式错误：{0}")]
    Malformed(String),
    /// The timestamp lies too far from now.
    #[error(
        "学历信息推送已过期：推送时间与当前时间相差 {seconds} 秒，超过允许的 {MAX_SKEW_SECONDS} 秒"
    )]
    Stale {
        /// How far off it was, in seconds.
        seconds: i64,
    },
}

/// Checks a push: the signature over the raw body, then its shape, then the timestamp window.
pub fn verify_push(
    raw: &[u8],
    signature: &str,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<CredentialPush, PushRefusal> {
    if !signature_matches(raw, signature, secret) {
        return Err(PushRefusal::BadSignature);
    }
    let push: CredentialPush =
        serde_json::from_slice(raw).map_err(|e| PushRefusal::Malformed(e.to_string()))?;
    if push.auth_no.is_empty()
        || push.auth_no.len() > 40
        || !push.auth_no.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(PushRefusal::Malformed("授权编号无效".to_owned()));
    }
    let seconds = now.timestamp().saturating_sub(push.timestamp).abs();
    if seconds > MAX_SKEW_SECONDS {
        return Err(PushRefusal::Stale { seconds });
    }
    Ok(push)
}

/// The person the platform asked about, and when they applied.
#[derive(Debug, Clone, Copy)]
pub struct Applicant<'a> {
    /// 姓名 as registered for the exam.
    pub name: &'a str,
    /// 身份证号 as registered.
    pub id_card_no: &'a str,
    /// The day of the graduation application; the prior diploma must be earlier.
    pub applied_on: NaiveDate,
}

/// Judges a pushed record against the applicant (seed 003 §(二)): a 专科 or higher diploma,
/// awarded before this application, of the same person under the same name. `Err` carries the
/// reason shown to the candidate, who may then choose 人工审核.
pub fn judge<'p>(
    push: &'p CredentialPush,
    who: Applicant<'_>,
) -> Result<&'p PushedDiploma, String> {
    if push.id_card_no != who.id_card_no {
        return Err("授权人的身份证号与报考身份证号不一致，请由考生本人扫码授权".to_owned());
    }
    let Some(d) = push.diploma.as_ref() else {
        return Err("学信网未查到该身份证号的专科及以上学历证书".to_owned());
    };
    if !matches!(
        d.level.as_str(),
        "associate" | "bachelor" | "master" | "doctor"
    ) {
        return Err(format!(
            "学信网推送的学历层次（{}）不是专科或以上学历",
            d.level
        ));
    }
    if d.graduation_date >= who.applied_on {
        return Err(format!(
            "前置学历毕业时间 {} 不早于本次毕业申请时间 {}",
            d.graduation_date, who.applied_on
        ));
    }
    if d.name != who.name {
        return Err(format!(
            "学历证书上的姓名“{}”与报考姓名“{}”不一致：如有改名，请选择人工审核并上传有关变更证明",
            d.name, who.name
        ));
    }
    Ok(d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::payment::sign;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"xuexin-secret";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 10, 2, 0, 0).unwrap()
    }

    fn applied_on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 4, 10).unwrap()
    }

    fn push(graduated: NaiveDate, name: &str) -> CredentialPush {
        CredentialPush {
            auth_no: "XA20240410100000123".into(),
            id_card_no: "530381199204170935".into(),
            diploma: Some(PushedDiploma {
                name: name.into(),
                cert_no: "106731201505001234".into(),
                school: "曲靖师范学院".into(),
                level: "associate".into(),
                graduation_date: graduated,
            }),
            timestamp: now().timestamp(),
            nonce: "n".into(),
        }
    }

    fn who() -> Applicant<'static> {
        Applicant {
            name: "段志成",
            id_card_no: "530381199204170935",
            applied_on: applied_on(),
        }
    }

    #[test]
    fn a_signed_push_is_accepted_and_a_tampered_one_refused() {
        let p = push(NaiveDate::from_ymd_opt(2015, 7, 1).unwrap(), "段志成");
        let body = p.to_body();
        let sig = sign(&body, SECRET);
        assert_eq!(verify_push(&body, &sig, SECRET, now()), Ok(p));
        let tampered = String::from_utf8(body).unwrap().replace("2015", "2010");
        assert_eq!(
            verify_push(tampered.as_bytes(), &sig, SECRET, now()),
            Err(PushRefusal::BadSignature)
        );
        assert_eq!(
            verify_push(tampered.as_bytes(), &sig, b"", now()),
            Err(PushRefusal::BadSignature)
        );
    }

    #[test]
    fn a_push_older_than_the_window_is_refused() {
        let mut p = push(NaiveDate::from_ymd_opt(2015, 7, 1).unwrap(), "段志成");
        p.timestamp = now().timestamp() - MAX_SKEW_SECONDS;
        let body = p.to_body();
        assert!(verify_push(&body, &sign(&body, SECRET), SECRET, now()).is_ok());
        p.timestamp -= 1;
        let body = p.to_body();
        assert_eq!(
            verify_push(&body, &sign(&body, SECRET), SECRET, now()),
            Err(PushRefusal::Stale {
                seconds: MAX_SKEW_SECONDS + 1
            })
        );
    }

    #[test]
    fn the_prior_diploma_must_be_earlier_than_the_application() {
        let day_before = applied_on().pred_opt().unwrap();
        assert!(judge(&push(day_before, "段志成"), who()).is_ok());
        let err = judge(&push(applied_on(), "段志成"), who()).unwrap_err();
        assert!(err.contains("不早于本次毕业申请时间 2024-04-10"), "{err}");
    }

    #[test]
    fn a_changed_name_or_another_person_or_no_record_is_not_verified() {
        let d = NaiveDate::from_ymd_opt(2015, 7, 1).unwrap();
        let err = judge(&push(d, "段志诚"), who()).unwrap_err();
        assert!(err.contains("段志诚") && err.contains("人工审核"), "{err}");
        let mut other = push(d, "段志成");
        other.id_card_no = "530381199204170000".into();
        assert!(judge(&other, who()).unwrap_err().contains("本人扫码授权"));
        let mut none = push(d, "段志成");
        none.diploma = None;
        assert!(judge(&none, who()).unwrap_err().contains("未查到"));
        let mut high_school = push(d, "段志成");
        if let Some(x) = high_school.diploma.as_mut() {
            x.level = "secondary".into();
        }
        assert!(judge(&high_school, who()).unwrap_err().contains("不是专科"));
    }
}
