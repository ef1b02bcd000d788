//! Printouts (PDF, Chinese, A4): the 毕业生登记表 and the transcript page with the
//! self-appraisal, on demand for the candidate and for reviewers who may see the application.
//! Where no CJK font is installed the response says so plainly; everything else keeps working.
//! Each printout is issued with its own verification code (see [`crate::services::verification`]).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::graduation::form::FileSlot;
use domain::verification::DocumentKind;
use domain::{Gender, Level};
use printout::{PrintError, Printer, RegisterData, TranscriptData, Verification};
use store::entity::graduation_application as app;
use store::graduation::application as apps;
use store::repo::audit::Actor;
use store::repo::reference;
use store::verification::Holder;

use crate::AppState;
use crate::error::AppError;
use crate::services::archive::{file_bytes, transcript_courses};
use crate::services::verification::{self, IssueRequest, Render};
use crate::session::{CurrentCandidate, CurrentStaff};

/// Which document.
#[derive(Clone, Copy)]
enum Doc {
    Register,
    Transcript,
}

/// Who asks for a printout, for the issue's audit row.
struct Asker<'a> {
    actor: Actor,
    ip: &'a str,
}

/// Renders the document with a fresh verification code and records the issue: each printout
/// is a new issue, and the newest of a kind is the one the verify page reports as current.
async fn render(
    state: &AppState,
    a: &app::Model,
    doc: Doc,
    asker: Asker<'_>,
) -> Result<Response, AppError> {
    let cand = store::repo::candidate::get(&state.db, a.candidate_id).await?;
    let major = reference::major(&state.db, a.major_id).await?;
    let school = store::repo::org::get(&state.db, a.chief_university_id).await?;
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let level = Level::from_code(&major.level).unwrap_or(Level::Associate);
    let signature = file_bytes(state, a, FileSlot::Signature).await?;
    let signed_on = a.submitted_at.map(domain::calendar::beijing_date);
    let appraisal = a.self_appraisal.clone().unwrap_or_default();
    let (kind, name, job): (DocumentKind, &str, Render) = match doc {
        Doc::Register => {
            let data = RegisterData {
                name: cand.name.clone(),
                gender: Gender::from_code(&cand.gender).unwrap_or(Gender::Male),
                birth_date: cand.birth_date,
                ethnicity: cand.ethnicity.clone(),
                political_status: cand.political_status.clone(),
                id_card_no: cand.id_card_no.clone(),
                admission_no: cand.admission_no.clone(),
                major: major.name.clone(),
                level,
                school: school.name.clone(),
                batch: batch.name.clone(),
                photo: file_bytes(state, a, FileSlot::Photo).await?,
                resume: apps::resume_of(a)
                    .into_iter()
                    .map(|e| printout::ResumeEntry {
                        from: e.from,
                        to: (e.to != "至今").then_some(e.to),
                        unit: e.unit,
                        role: e.role,
                    })
                    .collect(),
                self_appraisal: appraisal,
                signature,
                signed_on,
            };
            (
                DocumentKind::GraduateRegister,
                "graduate-register.pdf",
                Arc::new(move |printer: &Printer, mark: &Verification| {
                    printer.graduate_register(&data, Some(mark))
                }),
            )
        }
        Doc::Transcript => {
            let courses = transcript_courses(state, cand.id, major.id).await?;
            let data = TranscriptData {
                name: cand.name.clone(),
                admission_no: cand.admission_no.clone(),
                major: major.name.clone(),
                level,
                school: school.name.clone(),
                courses,
                self_appraisal: appraisal,
                signature,
                signed_on,
            };
            (
                DocumentKind::Transcript,
                "transcript.pdf",
                Arc::new(move |printer: &Printer, mark: &Verification| {
                    printer.transcript(&data, Some(mark))
                }),
            )
        }
    };
    let issuer = verification::candidate_issuer(state, &cand).await?;
    let request = IssueRequest {
        kind,
        holder: Holder::Candidate(cand.id),
        holder_name: &cand.name,
        issuer: &issuer,
        actor: asker.actor,
        ip: Some(asker.ip),
    };
    match verification::issue(state, &request, job).await? {
        Ok(pdf) => Ok(pdf_response(format!("{}-{name}", cand.admission_no), pdf)),
        Err(PrintError::NoFont) => Ok(no_font_page()),
        Err(e) => Err(AppError::Internal(anyhow::anyhow!("printout failed: {e}"))),
    }
}

/// A PDF shown in the browser, never cached by shared caches.
pub(crate) fn pdf_response(filename: String, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// The page shown when no Chinese font is installed.
pub(crate) fn no_font_page() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(format!(
            "<!doctype html><meta charset=\"utf-8\"><title>无法生成PDF</title><p>{}</p><p><a href=\"javascript:history.back()\">返回</a></p>",
            PrintError::NoFont
        )),
    )
        .into_response()
}

fn candidate_asker(me: &CurrentCandidate) -> Asker<'_> {
    Asker {
        actor: Actor {
            kind: "candidate",
            id: Some(me.model.id),
        },
        ip: &me.ctx.ip,
    }
}

fn staff_asker(me: &CurrentStaff) -> Asker<'_> {
    Asker {
        actor: Actor::staff(me.staff.id),
        ip: &me.ctx.ip,
    }
}

pub(crate) async fn own(state: &AppState, me: &CurrentCandidate) -> Result<app::Model, AppError> {
    apps::of_candidate(&state.db, me.model.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound("你还没有毕业申请".to_owned()))
}

/// GET /candidate/application/register.pdf
pub async fn candidate_register(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let a = own(&state, &me).await?;
    render(&state, &a, Doc::Register, candidate_asker(&me)).await
}

/// GET /candidate/application/transcript.pdf
pub async fn candidate_transcript(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let a = own(&state, &me).await?;
    render(&state, &a, Doc::Transcript, candidate_asker(&me)).await
}

pub(crate) async fn visible(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<app::Model, AppError> {
    me.require_read()?;
    let not_found = || AppError::NotFound("未找到该申请，或不在本机构管辖范围内".to_owned());
    let a = apps::get(&state.db, id).await.map_err(|_| not_found())?;
    if !apps::visible_to(&state.db, &me.org, &a).await? {
        return Err(not_found());
    }
    Ok(a)
}

/// GET /staff/applications/{id}/register.pdf
pub async fn staff_register(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = visible(&state, &me, id).await?;
    render(&state, &a, Doc::Register, staff_asker(&me)).await
}

/// GET /staff/applications/{id}/transcript.pdf
pub async fn staff_transcript(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = visible(&state, &me, id).await?;
    render(&state, &a, Doc::Transcript, staff_asker(&me)).await
}
