//! What an operation does, shared by the HTML pages (`views/`) and the JSON API (`api/`): both
//! call these functions, so the rules, the audit rows and the refusals are the same whichever
//! way a request came in. Neither pages nor the API reach into each other.

pub mod announcements;
pub mod appeal;
pub mod archive;
pub mod backfill;
pub mod corrections;
pub mod degree;
pub mod exemptions;
pub mod files;
pub mod grad_batches;
pub mod grad_stats;
pub mod graduation;
pub mod language;
pub mod materials;
pub mod notifications;
pub mod payment;
pub mod prior_review;
pub mod profile;
pub mod review;
pub mod school;
pub mod verification;
