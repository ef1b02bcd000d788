//! The 毕业生电子档案 and the printouts' data: what an archive holds, read from the records, and
//! its rendering and storage after a final approval, issued with a verification code like every
//! printout.

use std::sync::Arc;

use domain::graduation::form::FileSlot;
use domain::verification::DocumentKind;
use domain::{ExemptionMode, Gender, Level, ScoreSource, ScoreValue};
use printout::{ArchiveData, ExemptionSheet, PrintError, Printer, TranscriptCourse, Verification};
use store::entity::{graduate_archive, graduation_application as app};
use store::graduation::{application as apps, archive};
use store::repo::audit::Actor;
use store::repo::reference;
use store::verification::Holder;

use super::review::event_action;
use super::verification::{self, IssueRequest, Render, render_marked};
use crate::AppState;
use crate::error::AppError;

/// What the archive of `a` holds, read now.
pub(crate) async fn gather(state: &AppState, a: &app::Model) -> Result<ArchiveData, AppError> {
    let cand = store::repo::candidate::get(&state.db, a.candidate_id).await?;
    let major = reference::major(&state.db, a.major_id).await?;
    let school = store::repo::org::get(&state.db, a.chief_university_id).await?;
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let plan = reference::plan(&state.db, major.id).await?;
    let files = apps::files(&state.db, a.id).await?;
    let photo = match file_bytes(state, a, FileSlot::CertificatePhoto).await? {
        Some(p) => Some(p),
        None => file_bytes(state, a, FileSlot::Photo).await?,
    };
    let exemption_sheets = reference::exemptions_of(&state.db, cand.id)
        .await?
        .into_iter()
        .filter(|e| e.mode == ExemptionMode::Online.code())
        .filter_map(|e| {
            let p = plan
                .iter()
                .find(|p| p.course.course_code == e.course_code)?;
            Some(ExemptionSheet {
                code: e.course_code.clone(),
                name: p.name.clone(),
                credits: u8::try_from(p.course.credits).unwrap_or(u8::MAX),
                approved_on: e.approved_on,
            })
        })
        .collect();
    // One query for every organisation, as the progress page does, rather than one per event.
    let org_names: std::collections::HashMap<i64, String> = store::repo::org::all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let history = apps::events(&state.db, a.id)
        .await?
        .into_iter()
        .map(|e| {
            let org = match e.org_id {
                Some(id) => org_names.get(&id).cloned().unwrap_or_default(),
                None => "考生".to_owned(),
            };
            (e.stage_name, org, event_action(&e.action), e.at)
        })
        .collect();
    let prior_education = match (&a.prior_school, &a.prior_cert_no, a.prior_graduation_date) {
        (Some(school), Some(no), Some(date)) => format!("{school}，证书编号 {no}，{date} 毕业"),
        _ if a.prior_check == apps::PRIOR_VERIFIED => "已通过学信网核验".to_owned(),
        _ => String::new(),
    };
    Ok(ArchiveData {
        name: cand.name.clone(),
        gender: Gender::from_code(&cand.gender).unwrap_or(Gender::Male),
        birth_date: cand.birth_date,
        id_card_no: cand.id_card_no.clone(),
        admission_no: cand.admission_no.clone(),
        major_code: major.code.clone(),
        major: major.name.clone(),
        level: Level::from_code(&major.level).unwrap_or(Level::Associate),
        school: school.name,
        batch: batch.name,
        approved_on: domain::calendar::beijing_date(a.approved_at.unwrap_or(a.updated_at)),
        prior_education,
        photo,
        courses: transcript_courses(state, cand.id, major.id).await?,
        materials: files
            .iter()
            .filter(|f| f.slot != FileSlot::CertificatePhotoPreview.code())
            .map(|f| {
                let what = FileSlot::from_code(&f.slot)
                    .map(|s| s.label().to_owned())
                    .unwrap_or_else(|| f.slot.clone());
                (what, f.original_name.clone(), f.created_at)
            })
            .collect(),
        history,
        exemption_sheet_title: domain::Province::from_code(&cand.province)
            .map(|p| p.definition().exemption_sheet_title())
            .unwrap_or_default(),
        exemption_sheets,
    })
}

/// Renders and stores the archive of `a` if it is queued and not built yet; returns the row.
/// `Ok(None)` when the application has no archive (not finally approved).
pub async fn build(
    state: &AppState,
    a: &app::Model,
) -> Result<Option<graduate_archive::Model>, AppError> {
    let Some(row) = archive::of(&state.db, a.id).await? else {
        return Ok(None);
    };
    if row.status == archive::DONE {
        return Ok(Some(row));
    }
    let data = gather(state, a).await?;
    let holder_name = data.name.clone();
    let render: Render =
        Arc::new(move |printer: &Printer, mark: &Verification| printer.archive(&data, Some(mark)));
    let (pdf, code) = match render_marked(state, render, store::verification::new_code()).await? {
        Ok(done) => done,
        Err(PrintError::NoFont) => return Ok(Some(row)),
        Err(e) => return Err(AppError::Internal(anyhow::anyhow!("archive failed: {e}"))),
    };
    let stored = state
        .objects
        .put(&format!("archives/{}", a.id), "pdf", pdf.clone())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if archive::mark_built(&state.db, row.id, &stored, state.now()).await? {
        // Recorded only once this copy is the archive: a copy thrown away below must not
        // become an issue that supersedes the one kept.
        let cand = store::repo::candidate::get(&state.db, a.candidate_id).await?;
        let issuer = verification::candidate_issuer(state, &cand).await?;
        let request = IssueRequest {
            kind: DocumentKind::EArchive,
            holder: Holder::Candidate(cand.id),
            holder_name: &holder_name,
            issuer: &issuer,
            actor: Actor::SYSTEM,
            ip: None,
        };
        verification::record(state, &request, &code, &pdf).await?;
    } else if let Err(e) = state.objects.delete(&stored.key).await {
        // Another instance stored it first; its copy is the archive.
        tracing::warn!(error = %e, key = %stored.key, "removing a duplicate archive failed");
    }
    Ok(archive::of(&state.db, a.id).await?)
}

/// Archives rendered per run of the job: a run stays short however many approvals came in at
/// once; the rest wait for the next run, 15 seconds later.
pub const PER_RUN: u64 = 50;

/// Renders and stores the queued archives (the `build_archives` job). One that fails is logged
/// and stays queued for the next run; the first reader of the document also builds it.
pub async fn build_queued(state: &AppState) -> Result<u64, AppError> {
    let mut built = 0;
    for id in archive::pending(&state.db, PER_RUN).await? {
        let a = apps::get(&state.db, id).await?;
        match build(state, &a).await {
            Ok(Some(row)) if row.status == archive::DONE => built += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(application = id, error = ?e, "building the graduate archive failed")
            }
        }
    }
    Ok(built)
}

/// The application's side of the `build_archives` job: the printer and the object store are
/// the application's.
pub struct ArchiveJob(pub AppState);

#[async_trait::async_trait]
impl jobs::DocumentBuilder for ArchiveJob {
    async fn build_queued(&self, _now: chrono::DateTime<chrono::Utc>) -> Result<u64, String> {
        build_queued(&self.0).await.map_err(|e| e.to_string())
    }
}

/// The plan's courses with the best passing score of each (or of a substitute), in plan order;
/// courses not passed are left out.
pub(crate) async fn transcript_courses(
    state: &AppState,
    candidate_id: i64,
    major_id: i64,
) -> Result<Vec<TranscriptCourse>, AppError> {
    let plan = reference::plan(&state.db, major_id).await?;
    let scores = reference::scores_of(&state.db, candidate_id).await?;
    Ok(plan
        .into_iter()
        .filter_map(|p| {
            let codes: Vec<&str> = std::iter::once(p.course.course_code.as_str())
                .chain(p.substitutes.iter().map(String::as_str))
                .collect();
            let best = scores
                .iter()
                .filter(|s| s.passed && codes.contains(&s.course_code.as_str()))
                .max_by_key(|s| s.score_tenths.unwrap_or(0))?;
            Some(TranscriptCourse {
                code: p.course.course_code.clone(),
                name: p.name.clone(),
                credits: u8::try_from(p.course.credits).unwrap_or(u8::MAX),
                score: ScoreValue::from_db(best.score_tenths, best.passed)?,
                source: ScoreSource::from_code(&best.source).unwrap_or(ScoreSource::Exam),
            })
        })
        .collect())
}

pub(crate) async fn file_bytes(
    state: &AppState,
    a: &app::Model,
    slot: FileSlot,
) -> Result<Option<Vec<u8>>, AppError> {
    let files = apps::files(&state.db, a.id).await?;
    match files.iter().find(|f| f.slot == slot.code()) {
        Some(f) => Ok(Some(
            state
                .objects
                .get(&f.object_key)
                .await
                .map_err(|e| AppError::Internal(e.into()))?,
        )),
        None => Ok(None),
    }
}
