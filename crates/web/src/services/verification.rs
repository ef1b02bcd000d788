//! Verifiable printouts: issuing a PDF with a fresh verification code (rendered with the code,
//! QR code and address of the public 验证 page, then recorded with its SHA-256), and looking a
//! code up for the 验证 page and `GET /api/v1/verify/{code}` alike.

use std::sync::Arc;

use domain::verification::{DocumentKind, VerificationCode};
use printout::{PrintError, Printer, Verification};
use sha2::{Digest, Sha256};
use store::entity::candidate;
use store::repo::RepoError;
use store::repo::audit::Actor;
use store::verification::{self as issued, Holder, NewIssue};

use crate::AppState;
use crate::error::AppError;

/// The platform's name, shown beside the issuing organisation.
pub const PLATFORM: &str = "毕业申请与审核平台";

/// Renders made with fresh codes before giving up: a code is taken only once in 2⁵⁰ draws, so
/// a second collision means something else is wrong.
const ATTEMPTS: usize = 3;

/// Who issues a document.
#[derive(Debug, Clone)]
pub(crate) struct Issuer {
    /// The organisation, when one is found.
    pub(crate) org_id: Option<i64>,
    /// What the verify page names.
    pub(crate) name: String,
}

/// The issuer of a candidate's documents: the province's examination office, the root of the
/// organisation tree the candidate is registered in, on behalf of which the platform prints.
pub(crate) async fn candidate_issuer(
    state: &AppState,
    cand: &candidate::Model,
) -> Result<Issuer, AppError> {
    let registered = store::repo::org::get(&state.db, cand.registration_org_id).await?;
    let root_id = registered
        .path
        .split('/')
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(registered.id);
    let root = match store::repo::org::get(&state.db, root_id).await {
        Ok(org) => org,
        Err(RepoError::NotFound) => registered,
        Err(e) => return Err(e.into()),
    };
    Ok(Issuer {
        org_id: Some(root.id),
        name: format!("{}（{PLATFORM}）", root.name),
    })
}

/// The public verify page of a code.
pub fn verify_url(state: &AppState, code: &VerificationCode) -> String {
    format!(
        "{}/verify/{}",
        state.config.public_base_url.trim_end_matches('/'),
        code.as_str()
    )
}

/// One document to issue: what it is, whom it is about, who issues it, who asks.
pub(crate) struct IssueRequest<'a> {
    pub(crate) kind: DocumentKind,
    pub(crate) holder: Holder,
    pub(crate) holder_name: &'a str,
    pub(crate) issuer: &'a Issuer,
    pub(crate) actor: Actor,
    pub(crate) ip: Option<&'a str>,
}

/// A rendering of a document with a given mark, run on a blocking thread (again with a new
/// code should the first one be taken).
pub(crate) type Render =
    Arc<dyn Fn(&Printer, &Verification) -> Result<Vec<u8>, PrintError> + Send + Sync>;

/// Renders a document carrying `code`; the PDF and the code. `Ok(Err(_))` is the printer's
/// refusal (no font).
pub(crate) async fn render_marked(
    state: &AppState,
    render: Render,
    code: VerificationCode,
) -> Result<Result<(Vec<u8>, VerificationCode), PrintError>, AppError> {
    let mark = Verification {
        url: verify_url(state, &code),
        code: code.clone(),
    };
    let printer = state.printer();
    let pdf = tokio::task::spawn_blocking(move || render(&printer, &mark))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(pdf.map(|pdf| (pdf, code)))
}

/// Records that `pdf`, carrying `code`, was issued. A taken code is a
/// [`RepoError::Conflict`].
pub(crate) async fn record(
    state: &AppState,
    req: &IssueRequest<'_>,
    code: &VerificationCode,
    pdf: &[u8],
) -> Result<store::entity::issued_document::Model, RepoError> {
    let new = NewIssue {
        code,
        kind: req.kind,
        holder: req.holder,
        holder_name: req.holder_name,
        issuer_org_id: req.issuer.org_id,
        issuer_name: &req.issuer.name,
    };
    issued::record(&state.db, &new, pdf, req.actor, req.ip, state.now()).await
}

/// Issues a document: printed again with the code of the current issue, when that gives the
/// very bytes issued (nothing in it changed), it is that issue, so a copy printed earlier stays
/// current; otherwise it is rendered with a fresh code and recorded as a new issue, which
/// supersedes the old. The PDF returned is one whose SHA-256 is recorded. `Ok(Err(_))` is the
/// printer's refusal (no font), which records nothing.
pub(crate) async fn issue(
    state: &AppState,
    req: &IssueRequest<'_>,
    render: Render,
) -> Result<Result<Vec<u8>, PrintError>, AppError> {
    let current = issued::latest(&state.db, req.kind, req.holder).await?;
    if let Some((prev, code)) =
        current.and_then(|p| VerificationCode::parse(&p.code).map(|code| (p, code)))
    {
        // The PDF is a function of its data and code (no creation date, a content-derived
        // identifier), so the same data prints the same bytes.
        match render_marked(state, render.clone(), code).await? {
            Ok((pdf, _)) if hex::encode(Sha256::digest(&pdf)) == prev.sha256 => {
                return Ok(Ok(pdf));
            }
            Ok(_) => {}
            Err(e) => return Ok(Err(e)),
        }
    }
    for _ in 0..ATTEMPTS {
        let (pdf, code) = match render_marked(state, render.clone(), issued::new_code()).await? {
            Ok(done) => done,
            Err(e) => return Ok(Err(e)),
        };
        match record(state, req, &code, &pdf).await {
            Ok(_) => return Ok(Ok(pdf)),
            Err(RepoError::Conflict(_)) => {
                tracing::warn!("a fresh verification code was taken; rendering with another");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free verification code in {ATTEMPTS} draws"
    )))
}

/// An issue as the verify page and the API show it: only what the printout itself shows, the
/// holder's name masked, never an ID number.
#[derive(Debug, Clone)]
pub struct IssueView {
    /// The code as printed (`ABCDE-FGHJK`).
    pub code: String,
    /// The code without hyphen, as in the page's address.
    pub code_plain: String,
    /// The kind's stable code.
    pub kind: String,
    /// What the document is, e.g. 毕业生登记表.
    pub kind_label: String,
    /// Who issued it.
    pub issuer: String,
    /// When, UTC.
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// When, Beijing time, to the minute.
    pub issued_at_beijing: String,
    /// The holder's name, masked (张*三).
    pub holder: String,
    /// Lower-case hex SHA-256 of the PDF as issued.
    pub sha256: String,
    /// The PDF's size in bytes.
    pub size_bytes: i64,
    /// When a newer issue of the same document for the same person replaced it.
    pub superseded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The same in Beijing time.
    pub superseded_at_beijing: Option<String>,
}

impl IssueView {
    /// Whether no newer issue replaced it.
    pub fn current(&self) -> bool {
        self.superseded_at.is_none()
    }
}

/// The message of an unknown (or malformed) code.
pub const NOT_FOUND: &str = "未找到该验证码。请核对文件上印制的验证码（10 位字母和数字，如 ABCDE-FGHJK），或扫描文件上的二维码。";

/// Looks a code up for a client, counting the lookup against the client's limit first: a
/// client past it is refused whether or not the code exists, so codes cannot be tried at
/// speed.
pub async fn lookup(state: &AppState, raw_code: &str, client: &str) -> Result<IssueView, AppError> {
    let now = state.now();
    if let Some(until) = issued::reserve_lookup(&state.db, client, now).await? {
        return Err(AppError::TooManyRequests(format!(
            "查询过于频繁：同一网络地址每 {} 分钟最多查询 {} 次。请于 {}（北京时间）后再试。",
            issued::LOOKUPS.window.num_minutes(),
            issued::LOOKUPS.max_failures,
            domain::calendar::beijing_minute(until)
        )));
    }
    let not_found = || AppError::NotFound(NOT_FOUND.to_owned());
    let code = VerificationCode::parse(raw_code).ok_or_else(not_found)?;
    let found = issued::find(&state.db, &code)
        .await?
        .ok_or_else(not_found)?;
    let kind_label = found
        .kind()
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|| found.issue.kind.clone());
    let superseded_at = found.superseded_by.as_ref().map(|s| s.issued_at);
    let i = found.issue;
    Ok(IssueView {
        code: code.grouped(),
        code_plain: code.as_str().to_owned(),
        kind: i.kind,
        kind_label,
        issuer: i.issuer_name,
        issued_at: i.issued_at,
        issued_at_beijing: domain::calendar::beijing_minute(i.issued_at),
        holder: i.holder_masked,
        sha256: i.sha256,
        size_bytes: i.size_bytes,
        superseded_at,
        superseded_at_beijing: superseded_at.map(domain::calendar::beijing_minute),
    })
}

/// Whether an uploaded copy is byte for byte the issued PDF; returns the copy's SHA-256 too.
pub fn compare(view: &IssueView, copy: &[u8]) -> (bool, String) {
    let digest = hex::encode(Sha256::digest(copy));
    (digest == view.sha256, digest)
}
