//! 毕业, the candidate's side: the self-check, the application form and its materials, printouts and the archive, the 学信网 authorisation, 成绩补录, 免考申请, 13位准考证 and 考籍更正.

pub mod announcements;
pub mod application;
pub mod archive;
pub mod backfill;
pub mod batches;
pub mod exemptions;
pub mod legacy;
pub mod materials;
pub mod printouts;
pub mod record_correction;
pub mod registration;
pub mod self_check;
pub mod stats;
pub mod xuexin;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/candidate/legacy", get(legacy::page).post(legacy::link))
        .route("/staff/announcements", get(announcements::page))
        .route("/staff/announcements/{id}", post(announcements::save))
        .route("/staff/batches", get(batches::page).post(batches::create))
        .route("/staff/batches/{id}/window", post(batches::window))
        .route("/staff/batches/{id}/close", post(batches::close))
        .route(
            "/staff/batches/{id}/appeal-days",
            post(batches::appeal_days),
        )
        .route("/staff/batches/{id}/stats", get(stats::show))
        .route("/staff/batches/{id}/stats.xlsx", get(stats::export))
        .route(
            "/staff/batches/{id}/applications.xlsx",
            get(stats::applications_export),
        )
        .route(
            "/staff/batches/{id}/xuexin-package",
            post(registration::download),
        )
        .route(
            "/candidate/backfills",
            get(backfill::candidate_page)
                .post(backfill::candidate_submit)
                .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT)),
        )
        .route(
            "/candidate/backfills/{id}/scan",
            get(backfill::candidate_scan),
        )
        .route("/staff/backfills", get(backfill::staff_page))
        .route("/staff/backfills/export.xlsx", get(backfill::staff_export))
        .route("/staff/backfills/{id}/decide", post(backfill::decide))
        .route("/staff/backfills/{id}/scan", get(backfill::staff_scan))
        .route(
            "/candidate/exemptions",
            get(exemptions::candidate_page)
                .post(exemptions::candidate_submit)
                .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT)),
        )
        .route(
            "/candidate/exemptions/{id}/scan",
            get(exemptions::candidate_scan),
        )
        .route("/staff/exemptions", get(exemptions::staff_page))
        .route(
            "/staff/exemptions/export.xlsx",
            get(exemptions::staff_export),
        )
        .route("/staff/exemptions/{id}", get(exemptions::staff_detail))
        .route("/staff/exemptions/{id}/decide", post(exemptions::decide))
        .route("/staff/exemptions/{id}/scan", get(exemptions::staff_scan))
        .route("/candidate/graduation", get(self_check::self_check))
        .route(
            "/candidate/corrections",
            get(record_correction::candidate_page).post(record_correction::candidate_submit),
        )
        .route("/candidate/application", get(application::form))
        .route("/candidate/application/open", post(application::open))
        .route(
            "/candidate/application/major",
            post(application::save_major),
        )
        .route(
            "/candidate/application/prior-education",
            post(application::save_prior),
        )
        .route(
            "/candidate/application/resume",
            post(application::save_resume),
        )
        .route(
            "/candidate/application/self-appraisal",
            post(application::save_self_appraisal),
        )
        .route(
            "/candidate/application/statement",
            post(application::save_statement),
        )
        .route(
            "/candidate/application/files",
            post(application::upload).layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT)),
        )
        .route(
            "/candidate/application/signature",
            post(application::upload_signature)
                .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT)),
        )
        .route("/candidate/application/files/{id}", get(application::file))
        .route(
            "/candidate/application/files/{id}/delete",
            post(application::delete_file),
        )
        .route("/candidate/application/submit", post(application::submit))
        .route(
            "/candidate/application/id-validity",
            post(materials::save_id_validity),
        )
        .route(
            "/candidate/application/photo",
            post(materials::upload_photo),
        )
        .route(
            "/candidate/application/photo/accept",
            post(materials::accept_photo),
        )
        .route(
            "/candidate/application/photo/discard",
            post(materials::discard_photo),
        )
        .route(
            "/candidate/application/prior-education/submit",
            post(materials::submit_prior),
        )
        .route(
            "/candidate/application/commitment",
            get(materials::commitment),
        )
        .route(
            "/candidate/application/wrong-major",
            post(application::wrong_major),
        )
        .route(
            "/candidate/application/progress",
            get(application::progress),
        )
        .route(
            "/candidate/application/register.pdf",
            get(printouts::candidate_register),
        )
        .route(
            "/candidate/application/transcript.pdf",
            get(printouts::candidate_transcript),
        )
        .route(
            "/candidate/application/archive.pdf",
            get(archive::candidate_archive),
        )
        .route(
            "/staff/applications/{id}/archive.pdf",
            get(archive::staff_archive),
        )
        .route(
            "/staff/applications/{id}/register.pdf",
            get(printouts::staff_register),
        )
        .route(
            "/staff/applications/{id}/transcript.pdf",
            get(printouts::staff_transcript),
        )
        .route("/candidate/inbox", get(application::inbox_page))
        .route("/candidate/inbox/read", post(application::inbox_read))
        .route("/staff/corrections", get(record_correction::staff_page))
        .route(
            "/staff/corrections/export.xlsx",
            get(record_correction::staff_export),
        )
        .route(
            "/staff/corrections/{id}/approve",
            post(record_correction::approve),
        )
        .route(
            "/staff/corrections/{id}/reject",
            post(record_correction::reject),
        )
        .route(
            "/candidate/application/prior-education/authorise",
            post(xuexin::start),
        )
}
