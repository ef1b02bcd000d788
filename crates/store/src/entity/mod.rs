//! Database entities, one module per table.

pub mod audit;
pub mod batch;
pub mod candidate;
pub mod course;
pub mod enrolled_major;
pub mod exemption;
pub mod import_run;
pub mod legacy_admission_no;
pub mod login_throttle;
pub mod major;
pub mod organisation;
pub mod plan_course;
pub mod plan_substitution;
pub mod record_correction;
pub mod score_record;
pub mod session;
pub mod special_day;
pub mod staff;
pub mod student;
pub mod student_score;
