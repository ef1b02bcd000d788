//! 免考 imports on every application backend: offline exemptions from the office's file, refused
//! row by row with the column and the reason, and updated when imported again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use crate::common::{HASH, now};
use domain::{ExemptionMode, ScoreSource};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::Db;
use store::demo::{self, DemoOptions, accounts};
use store::entity::{audit, candidate, exemption, organisation, score_record};
use store::import::{ImportKind, ImportReport, ImportRequest, import_file};
use store::repo::audit::Actor;
use store::repo::{candidate as candidates, org, staff};
use store::testkit::{TestDb, app_backends};
use tabular::Format;

async fn seeded(b: &store::testkit::Backend) -> TestDb {
    let t = TestDb::create(b).await.unwrap();
    demo::seed(
        &t.db,
        &DemoOptions {
            password_hash: HASH.to_owned(),
            extra_candidates: 0,
            bulk_province: None,
            now: now(),
        },
    )
    .await
    .unwrap();
    t
}

async fn office(db: &Db) -> (i64, organisation::Model) {
    let s = staff::by_username(db, accounts::STAFF_YN_OFFICE_ADMIN)
        .await
        .unwrap()
        .unwrap();
    (s.id, org::get(db, s.org_id).await.unwrap())
}

async fn cand(db: &Db, no: &str) -> candidate::Model {
    candidates::by_admission_no(db, no).await.unwrap().unwrap()
}

/// Imports `text` as the Yunnan office's admin on 数据导入 would.
async fn import(db: &Db, dir: &Path, name: &str, text: &str) -> ImportReport {
    let (id, o) = office(db).await;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    import_file(
        db,
        ImportRequest {
            kind: ImportKind::Exemptions,
            path: &path,
            format: Format::Csv,
            file_name: name,
            actor: Actor::staff(id),
            ip: Some("127.0.0.1"),
            now: now(),
            scope: Some(o.path.as_str()),
            school: None,
        },
    )
    .await
    .unwrap()
}

async fn exemptions_of(db: &Db, candidate_id: i64) -> Vec<exemption::Model> {
    exemption::Entity::find()
        .filter(exemption::Column::CandidateId.eq(candidate_id))
        .all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bad_row_refuses_the_whole_file_naming_line_column_and_reason() {
    for b in app_backends() {
        let t = seeded(&b).await;
        let dir = tempfile::tempdir().unwrap();
        let yn = accounts::YN_BACKFILL_NEEDED;
        let cq = accounts::CQ_ELIGIBLE_ASSOCIATE;
        let tomorrow = (domain::calendar::beijing_date(now()) + chrono::Days::new(1)).to_string();
        let long: String = "国".repeat(101);
        let text = format!(
            "准考证号,课程代码,免考依据,办理日期\n\
             {yn},00009,国家开放大学专科毕业证书,2024-03-01\n\
             532499999999,00009,国家开放大学专科毕业证书,2024-03-01\n\
             {cq},00009,国家开放大学专科毕业证书,2024-03-01\n\
             {yn},00009,国家开放大学专科毕业证书,2024-13-01\n\
             {yn},00009,国家开放大学专科毕业证书,{tomorrow}\n\
             {yn},00009,{long},2024-03-01\n\
             {yn},ZZ999,国家开放大学专科毕业证书,2024-03-01\n"
        );
        let report = import(&t.db, dir.path(), "免考.csv", &text).await;
        assert!(!report.succeeded(), "{}: {report:?}", b.name());
        assert_eq!(report.imported, 0);
        let by_line = |line: u64| {
            report
                .errors
                .iter()
                .find(|e| e.line == line)
                .unwrap_or_else(|| panic!("{}: no error on line {line}: {report:?}", b.name()))
        };
        let unknown = by_line(3);
        assert_eq!(unknown.column, "准考证号");
        assert!(unknown.reason.contains("不存在"), "{}", unknown.reason);
        let other_province = by_line(4);
        assert_eq!(other_province.column, "准考证号");
        assert!(
            other_province.reason.contains("管辖范围"),
            "{}",
            other_province.reason
        );
        let bad_date = by_line(5);
        assert_eq!(bad_date.column, "办理日期");
        assert!(bad_date.reason.contains("办理日期"), "{}", bad_date.reason);
        let future = by_line(6);
        assert_eq!(future.column, "办理日期");
        assert!(future.reason.contains("晚于今天"), "{}", future.reason);
        let basis = by_line(7);
        assert_eq!(basis.column, "免考依据");
        assert!(basis.reason.contains("最多100个字"), "{}", basis.reason);
        let course = by_line(8);
        assert_eq!(course.column, "课程代码");
        assert!(
            course.reason.contains("课程代码不存在"),
            "{}",
            course.reason
        );
        assert!(report.errors.iter().all(|e| e.line != 2), "{report:?}");
        // All or nothing: the good row was not written either.
        let c = cand(&t.db, yn).await;
        assert!(exemptions_of(&t.db, c.id).await.is_empty(), "{}", b.name());
    }
}

#[tokio::test]
async fn an_offline_exemption_is_imported_then_updated_by_the_same_candidate_and_course() {
    for b in app_backends() {
        let t = seeded(&b).await;
        let dir = tempfile::tempdir().unwrap();
        let no = accounts::YN_BACKFILL_NEEDED;
        let course = accounts::YN_BACKFILL_COURSE;
        let hundred: String = "证".repeat(100);
        let report = import(
            &t.db,
            dir.path(),
            "a.csv",
            &format!("准考证号,课程代码,免考依据,办理日期\n{no},{course},{hundred},2024-03-01\n"),
        )
        .await;
        assert!(report.succeeded(), "{}: {report:?}", b.name());
        assert_eq!((report.imported, report.updated), (1, 0));
        let c = cand(&t.db, no).await;
        let rows = exemptions_of(&t.db, c.id).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].mode, ExemptionMode::Offline.code());
        assert_eq!(rows[0].basis.as_deref(), Some(hundred.as_str()));
        assert_eq!(rows[0].form_file_key, None);
        assert_eq!(rows[0].approved_on.to_string(), "2024-03-01");

        let report = import(
            &t.db,
            dir.path(),
            "b.csv",
            &format!(
                "准考证号,课程代码,免考依据,办理日期\n{no},{course},国家开放大学专科毕业证书,2024-05-06\n"
            ),
        )
        .await;
        assert!(report.succeeded(), "{}: {report:?}", b.name());
        assert_eq!((report.imported, report.updated), (1, 1));
        let rows = exemptions_of(&t.db, c.id).await;
        assert_eq!(rows.len(), 1, "{}", b.name());
        assert_eq!(rows[0].approved_on.to_string(), "2024-05-06");
        assert_eq!(rows[0].basis.as_deref(), Some("国家开放大学专科毕业证书"));
        // One 免考 result for the course, moved to the new date.
        let scores = score_record::Entity::find()
            .filter(score_record::Column::CandidateId.eq(c.id))
            .filter(score_record::Column::CourseCode.eq(course))
            .filter(score_record::Column::Source.eq(ScoreSource::Exemption.code()))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(scores.len(), 1, "{}", b.name());
        assert_eq!(scores[0].exam_date.to_string(), "2024-05-06");
        assert!(scores[0].passed);
        // Without its 登记表 the exemption is on record but not yet documented.
        let (_, facts) = store::graduation::records_of(&t.db, &c).await.unwrap();
        let fact = facts.iter().find(|e| e.course_code == course).unwrap();
        assert!(!fact.is_documented());
        let audited = audit::Entity::find()
            .filter(audit::Column::Action.eq("exemption.imported"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(audited, 2, "{}", b.name());
    }
}

#[tokio::test]
async fn an_online_application_is_decided_once_and_only_within_the_agencys_subtree() {
    use store::exemptions::applications::{self as ex, Decision, NewApplication, Reviewer};
    for b in app_backends() {
        let t = seeded(&b).await;
        let c = cand(&t.db, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        let scan = store::objects::Stored {
            key: "exemptions/test.jpg".to_owned(),
            sha256: "0".repeat(64),
            size: 10,
        };
        let filed = ex::file(
            &t.db,
            NewApplication {
                candidate: &c,
                course_code: course,
                basis: "国家开放大学专科毕业证书",
                scan: &scan,
                scan_name: "a.jpg",
                scan_type: "image/jpeg",
            },
            now(),
            None,
        )
        .await
        .unwrap();
        // While it waits, the course is not offered again.
        let open = ex::courses_open(&t.db, &c).await.unwrap();
        assert!(open.iter().all(|o| o.code != course), "{}", b.name());

        let staff_of = |name: &'static str| {
            let db = t.db.clone();
            async move {
                let s = staff::by_username(&db, name).await.unwrap().unwrap();
                (s.id, org::get(&db, s.org_id).await.unwrap())
            }
        };
        let (cq_id, cq_org) = staff_of(accounts::STAFF_CQ_DISTRICT).await;
        let outside = ex::decide(
            &t.db,
            Reviewer {
                org: &cq_org,
                staff_id: cq_id,
            },
            filed.id,
            Decision::Approve,
            "",
            now(),
            None,
        )
        .await;
        assert!(
            matches!(outside, Err(store::repo::RepoError::NotFound)),
            "{}: {outside:?}",
            b.name()
        );
        let (yn_id, yn_org) = staff_of(accounts::STAFF_YN_PREFECTURE).await;
        let reviewer = Reviewer {
            org: &yn_org,
            staff_id: yn_id,
        };
        let approved = ex::decide(
            &t.db,
            reviewer,
            filed.id,
            Decision::Approve,
            "",
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(approved.status, ex::APPROVED);
        let again = ex::decide(
            &t.db,
            reviewer,
            filed.id,
            Decision::Reject,
            "重复",
            now(),
            None,
        )
        .await;
        assert!(
            matches!(again, Err(store::repo::RepoError::Conflict(_))),
            "{}: {again:?}",
            b.name()
        );
        let rows = exemptions_of(&t.db, c.id).await;
        assert_eq!(rows.len(), 1, "{}", b.name());
        assert_eq!(rows[0].mode, ExemptionMode::Online.code());
        let (_, facts) = store::graduation::records_of(&t.db, &c).await.unwrap();
        assert!(
            facts
                .iter()
                .any(|e| e.course_code == course && e.is_documented()),
            "{}",
            b.name()
        );
        let audited = audit::Entity::find()
            .filter(audit::Column::Action.is_in(["exemption.applied", "exemption.approved"]))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(audited, 2, "{}", b.name());
    }
}

#[tokio::test]
async fn an_offline_exemption_needs_its_form_only_where_the_province_form_asks_for_it() {
    use sea_orm::{ActiveModelTrait, Set};
    for b in app_backends() {
        let t = seeded(&b).await;
        for (no, required) in [
            (accounts::CQ_ELIGIBLE_ASSOCIATE, false),
            (accounts::YN_BACKFILL_NEEDED, true),
        ] {
            let c = cand(&t.db, no).await;
            assert_eq!(
                store::graduation::offline_form_required(&c.province),
                required,
                "{no}"
            );
            exemption::ActiveModel {
                candidate_id: Set(c.id),
                course_code: Set("99999".to_owned()),
                mode: Set(ExemptionMode::Offline.code().to_owned()),
                approved_on: Set(now().date_naive()),
                form_file_key: Set(None),
                created_at: Set(now()),
                ..Default::default()
            }
            .insert(&t.db)
            .await
            .unwrap();
            let (_, facts) = store::graduation::records_of(&t.db, &c).await.unwrap();
            let fact = facts.iter().find(|e| e.course_code == "99999").unwrap();
            assert_eq!(
                fact.is_documented(),
                !required,
                "{}: {no}: Chongqing's form has no 登记表 slot, so the office's record suffices",
                b.name()
            );
        }
    }
}
