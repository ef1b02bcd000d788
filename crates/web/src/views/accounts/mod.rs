//! Accounts and the office's administration: signing in and out, a candidate's and a student's own record, the staff dashboard and candidate lists, imports and 毕业办理设置.

pub mod audit_log;
pub mod auth;
pub mod candidate;
pub mod change_phone;
pub mod delegations;
pub mod imports;
pub mod my_account;
pub mod notifications;
pub mod province_settings;
pub mod recovery;
pub mod staff;
pub mod staff_accounts;
pub mod staff_import;
pub mod staff_inbox;
pub mod student;
pub mod two_factor;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router(import_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(auth::home))
        .route(
            "/login",
            get(auth::candidate_login_page).post(auth::candidate_login),
        )
        .route(
            "/student/login",
            get(auth::student_login_page).post(auth::student_login),
        )
        .route(
            "/staff/login",
            get(auth::staff_login_page).post(auth::staff_login),
        )
        .route("/logout", post(auth::logout))
        .merge(recovery::routes())
        .merge(my_account::routes())
        .merge(change_phone::routes())
        .merge(notifications::routes())
        .merge(staff_inbox::routes())
        .merge(delegations::routes())
        .merge(staff_accounts::routes())
        .merge(staff_import::routes())
        .merge(two_factor::routes())
        .route("/candidate/profile", get(candidate::profile))
        .route(
            "/candidate/profile/edit",
            get(candidate::edit_page).post(candidate::edit_submit),
        )
        .route(
            "/candidate/majors",
            get(candidate::majors).post(candidate::add_major),
        )
        .route("/candidate/scores", get(candidate::scores))
        .route("/student/profile", get(student::profile))
        .route("/student/scores", get(student::scores))
        .route(
            "/staff/province-settings",
            get(province_settings::settings_page).post(province_settings::settings_save),
        )
        .route(
            "/staff/province-settings/certificate-rule",
            post(province_settings::certificate_rule_save),
        )
        .route("/staff", get(staff::dashboard))
        .route("/staff/audit", get(audit_log::page))
        .route("/staff/audit/export.xlsx", get(audit_log::export))
        .route("/staff/candidates", get(staff::candidates))
        .route(
            "/staff/candidates/export.xlsx",
            get(staff::candidates_export),
        )
        .route("/staff/candidates/{id}", get(staff::candidate_detail))
        .route(
            "/staff/candidates/{id}/reset-password",
            post(staff::reset_candidate_password),
        )
        .route(
            "/staff/imports",
            get(imports::page)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(import_limit)),
        )
}
