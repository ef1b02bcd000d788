//! The Yunnan flow of seed 003 on every application backend: the province's materials, the
//! prior-education 人工审核 through the confirmation point and the provincial office, and the three
//! review levels 确认点初审 → 州市复审 → 省招生考试院终审 with the practical notice's seal check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use domain::graduation::form::FileSlot;
use store::demo::{self, DemoOptions, accounts};
use store::entity::{batch, candidate, graduation_application as app, organisation};
use store::graduation::application::{self as apps, Decision, NewApplication, NewFile, Section};
use store::graduation::{materials, prior_review};
use store::objects::Objects;
use store::repo::{RepoError, candidate as candidates, org, reference, staff};
use store::testkit::{TestDb, app_backends};

struct World {
    t: TestDb,
    batch: batch::Model,
    objects: Objects,
    _dir: tempfile::TempDir,
}

async fn world(b: &store::testkit::Backend) -> World {
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
    let batch = apps::batches_of_province(&t.db, "yunnan")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now() && now() < b.closes_at)
        .expect("an open Yunnan batch");
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::local(dir.path()).unwrap();
    World {
        t,
        batch,
        objects,
        _dir: dir,
    }
}

async fn cand(w: &World, no: &str) -> candidate::Model {
    candidates::by_admission_no(&w.t.db, no)
        .await
        .unwrap()
        .unwrap()
}

async fn staff_of(w: &World, username: &str) -> (i64, organisation::Model) {
    let s = staff::by_username(&w.t.db, username)
        .await
        .unwrap()
        .unwrap();
    (s.id, org::get(&w.t.db, s.org_id).await.unwrap())
}

async fn open(w: &World, c: &candidate::Model, prior: &str) -> app::Model {
    let majors = reference::enrolled_majors(&w.t.db, c.id).await.unwrap();
    let a = apps::open(
        &w.t.db,
        NewApplication {
            candidate: c,
            batch: &w.batch,
            major: &majors[0].major,
            prior_check: prior,
            prior_check_message: None,
        },
        now(),
        None,
    )
    .await
    .unwrap();
    apps::save_section(
        &w.t.db,
        &a,
        Section::Major(majors[0].major.clone()),
        now(),
        None,
    )
    .await
    .unwrap()
}

async fn attach(w: &World, a: &app::Model, slot: FileSlot, course: Option<&str>) -> app::Model {
    let stored = w
        .objects
        .put("test", "jpg", vec![0xFF, 0xD8, 1])
        .await
        .unwrap();
    apps::attach_file(
        &w.t.db,
        a,
        NewFile {
            slot,
            stored,
            original_name: "scan.jpg",
            content_type: "image/jpeg",
            dimensions: Some((100, 60)),
            course_code: course,
        },
        now(),
        None,
    )
    .await
    .unwrap();
    apps::get(&w.t.db, a.id).await.unwrap()
}

/// An application of `c` with every Yunnan material (a practical notice among them) on file,
/// submitted for 确认点初审.
async fn submitted_with_materials(w: &World, c: &candidate::Model) -> app::Model {
    let mut a = open(w, c, apps::PRIOR_NOT_NEEDED).await;
    a = apps::save_section(&w.t.db, &a, Section::IdValidity("长期".into()), now(), None)
        .await
        .unwrap();
    for slot in [
        FileSlot::IdFront,
        FileSlot::IdBack,
        FileSlot::Commitment,
        FileSlot::CertificatePhoto,
        FileSlot::PracticalNotice,
    ] {
        a = attach(w, &a, slot, None).await;
    }
    let needs = materials::needs_of(&w.t.db, &a).await.unwrap();
    let offline: Vec<String> = needs.offline().map(|e| e.code.clone()).collect();
    for code in &offline {
        a = attach(w, &a, FileSlot::ExemptionForm, Some(code)).await;
    }
    apps::submit(&w.t.db, &a, now(), None).await.unwrap()
}

async fn missing(w: &World, a: &app::Model) -> Vec<String> {
    let files = apps::files(&w.t.db, a.id).await.unwrap();
    let needs = materials::needs_of(&w.t.db, a).await.unwrap();
    apps::missing_sections(a, &files, &needs)
}

#[tokio::test]
async fn yunnan_form_asks_for_its_own_materials_not_chongqings() {
    for b in app_backends() {
        let w = world(&b).await;
        assert_eq!(
            w.batch
                .id_valid_after
                .map(|d| d.format("%m-%d").to_string()),
            Some(
                if chrono::Datelike::month(&w.batch.opens_at) <= 6 {
                    "06-30"
                } else {
                    "12-31"
                }
                .to_owned()
            ),
            "{}",
            b.name()
        );
        let c = cand(&w, accounts::YN_ELIGIBLE_ASSOCIATE).await;
        let mut a = open(&w, &c, apps::PRIOR_NOT_NEEDED).await;
        let m = missing(&w, &a).await;
        assert!(
            m.iter()
                .all(|s| s != "本人简历" && s != "自我鉴定" && s != "签名"),
            "{m:?}"
        );
        for want in ["身份证有效期截止日期", "毕业证书照片"] {
            assert!(m.iter().any(|s| s == want), "{}: {want} in {m:?}", b.name());
        }
        assert!(m.iter().any(|s| s.contains("承诺书")), "{m:?}");
        // Submitting now is refused, naming what is missing.
        let err = apps::submit(&w.t.db, &a, now(), None).await.unwrap_err();
        assert!(
            err.to_string().contains("毕业证书照片"),
            "{}: {err}",
            b.name()
        );

        a = apps::save_section(
            &w.t.db,
            &a,
            Section::IdValidity("2031-05-01".into()),
            now(),
            None,
        )
        .await
        .unwrap();
        for slot in [
            FileSlot::IdFront,
            FileSlot::IdBack,
            FileSlot::Commitment,
            FileSlot::CertificatePhoto,
        ] {
            a = attach(&w, &a, slot, None).await;
        }
        let needs = materials::needs_of(&w.t.db, &a).await.unwrap();
        if needs.practical_notice {
            a = attach(&w, &a, FileSlot::PracticalNotice, None).await;
        }
        let offline: Vec<String> = needs.offline().map(|e| e.code.clone()).collect();
        for code in &offline {
            a = attach(&w, &a, FileSlot::ExemptionForm, Some(code)).await;
        }
        assert_eq!(missing(&w, &a).await, Vec::<String>::new(), "{}", b.name());
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        // Social candidates start at their confirmation point.
        let (_, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        assert_eq!(a.current_org_id, Some(point.id), "{}", b.name());
    }
}

#[tokio::test]
async fn three_levels_review_and_the_seal_must_be_confirmed_before_approving() {
    for b in app_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_ELIGIBLE_ASSOCIATE).await;
        let a = submitted_with_materials(&w, &c).await;
        let (sp, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        let (sq, prefecture) = staff_of(&w, accounts::STAFF_YN_PREFECTURE).await;
        let (so, office) = staff_of(&w, accounts::STAFF_YN_OFFICE_REVIEWER).await;

        // The practical notice is on file: approving without confirming its seal is refused.
        let err = apps::decide(&w.t.db, &point, sp, a.id, 0, Decision::Approve, now(), None)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), apps::SEAL_UNCONFIRMED, "{}", b.name());
        materials::confirm_seal(&w.t.db, &a, point.id, now())
            .await
            .unwrap();
        let a = apps::decide(&w.t.db, &point, sp, a.id, 0, Decision::Approve, now(), None)
            .await
            .unwrap();
        assert_eq!(a.current_org_id, Some(prefecture.id), "{}", b.name());

        // The prefecture rejects; the candidate resubmits; it starts again at the point.
        let a = apps::decide(
            &w.t.db,
            &prefecture,
            sq,
            a.id,
            1,
            Decision::Reject("身份证扫描件不清晰".into()),
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "rejected", "{}", b.name());
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        assert_eq!(a.current_org_id, Some(point.id), "{}", b.name());
        // The seal stays confirmed from the first round.
        let a = apps::decide(&w.t.db, &point, sp, a.id, 0, Decision::Approve, now(), None)
            .await
            .unwrap();
        let a = apps::decide(
            &w.t.db,
            &prefecture,
            sq,
            a.id,
            1,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.current_org_id, Some(office.id), "{}", b.name());
        assert!(
            store::graduation::archive::of(&w.t.db, a.id)
                .await
                .unwrap()
                .is_none(),
            "no archive before the final review"
        );
        let a = apps::decide(
            &w.t.db,
            &office,
            so,
            a.id,
            2,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "approved", "{}", b.name());
        assert!(a.pickup_from.is_some(), "{}", b.name());
        // The 毕业生电子档案 is queued in the approval's transaction, once.
        let archived = store::graduation::archive::of(&w.t.db, a.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(archived.status, store::graduation::archive::PENDING);
        store::graduation::archive::queue(&w.t.db, a.id, now())
            .await
            .unwrap();
        let stored = store::objects::Stored {
            key: format!("archives/{}/a.pdf", a.id),
            sha256: "0".repeat(64),
            size: 10,
        };
        assert!(
            store::graduation::archive::mark_built(&w.t.db, archived.id, &stored, now())
                .await
                .unwrap()
        );
        assert!(
            !store::graduation::archive::mark_built(&w.t.db, archived.id, &stored, now())
                .await
                .unwrap(),
            "a second builder loses"
        );
        let done = store::graduation::archive::of(&w.t.db, a.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.id, done.status.as_str()), (archived.id, "done"));
    }
}

#[tokio::test]
async fn prior_education_manual_review_passes_point_then_office() {
    for b in app_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACHELOR_PRIOR_EDU).await;
        let a = open(&w, &c, apps::PRIOR_MANUAL).await;
        // Nothing typed or uploaded yet: refused, naming what is missing.
        let err = prior_review::submit(&w.t.db, &a, now(), None)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("前置学历信息"),
            "{}: {err}",
            b.name()
        );
        let form = domain::graduation::form::validate_prior_education(
            &domain::graduation::form::PriorEducationInput {
                name: c.name.clone(),
                id_card_no: c.id_card_no.clone(),
                cert_no: "106731201905001234".into(),
                school: "云南大学".into(),
                graduation_date: "2019-06-30".into(),
            },
            now().date_naive(),
        )
        .unwrap();
        let mut a = apps::save_section(
            &w.t.db,
            &a,
            Section::PriorEducation(form.clone()),
            now(),
            None,
        )
        .await
        .unwrap();
        for slot in [FileSlot::PriorDiploma, FileSlot::PriorRegistration] {
            a = attach(&w, &a, slot, None).await;
        }
        assert!(
            missing(&w, &a)
                .await
                .iter()
                .any(|m| m.contains("前置学历人工审核"))
        );
        let a = prior_review::submit(&w.t.db, &a, now(), None)
            .await
            .unwrap();
        assert_eq!(a.prior_check, apps::PRIOR_AWAITING_ORIGINALS);
        // Locked for the candidate while the originals are checked.
        let err = apps::save_section(&w.t.db, &a, Section::PriorEducation(form), now(), None)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), apps::PRIOR_LOCKED, "{}", b.name());

        let (sp, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        let (sq, prefecture) = staff_of(&w, accounts::STAFF_YN_PREFECTURE).await;
        let (so, office) = staff_of(&w, accounts::STAFF_YN_OFFICE_REVIEWER).await;
        assert_eq!(a.prior_originals_org_id, Some(point.id), "{}", b.name());
        assert_eq!(prior_review::queue(&w.t.db, &point).await.unwrap().len(), 1);
        assert!(
            prior_review::queue(&w.t.db, &prefecture)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            prior_review::queue(&w.t.db, &office)
                .await
                .unwrap()
                .is_empty()
        );
        // Another organisation cannot act; the point must upload a stamped copy first.
        let err = prior_review::record_originals_checked(&w.t.db, &a, prefecture.id, sq, now())
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::NotFound), "{}", b.name());
        let err = prior_review::record_originals_checked(&w.t.db, &a, point.id, sp, now())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("复印件"), "{}: {err}", b.name());
        let stored = w
            .objects
            .put("test", "jpg", vec![0xFF, 0xD8, 2])
            .await
            .unwrap();
        prior_review::attach_stamped_copy(
            &w.t.db,
            &a,
            point.id,
            sp,
            NewFile {
                slot: FileSlot::PriorStampedCopy,
                stored,
                original_name: "stamped.jpg",
                content_type: "image/jpeg",
                dimensions: Some((100, 60)),
                course_code: None,
            },
            now(),
        )
        .await
        .unwrap();
        let a = apps::get(&w.t.db, a.id).await.unwrap();
        let a = prior_review::record_originals_checked(&w.t.db, &a, point.id, sp, now())
            .await
            .unwrap();
        assert_eq!(a.prior_check, apps::PRIOR_AWAITING_FINAL);
        assert_eq!(
            prior_review::queue(&w.t.db, &office).await.unwrap().len(),
            1
        );

        // The office sends it back with a reason; the candidate resubmits; then it passes.
        let err = prior_review::final_review(
            &w.t.db,
            &a,
            office.id,
            so,
            Decision::Reject(" ".into()),
            now(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("原因"), "{}", b.name());
        let a = prior_review::final_review(
            &w.t.db,
            &a,
            office.id,
            so,
            Decision::Reject("备案表与毕业证书编号不一致".into()),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(a.prior_check, apps::PRIOR_MANUAL);
        assert_eq!(
            a.prior_review_reason.as_deref(),
            Some("备案表与毕业证书编号不一致")
        );
        let a = prior_review::submit(&w.t.db, &a, now(), None)
            .await
            .unwrap();
        let a = prior_review::record_originals_checked(&w.t.db, &a, point.id, sp, now())
            .await
            .unwrap();
        let a = prior_review::final_review(&w.t.db, &a, office.id, so, Decision::Approve, now())
            .await
            .unwrap();
        assert_eq!(a.prior_check, apps::PRIOR_VERIFIED, "{}", b.name());
        assert!(!missing(&w, &a).await.iter().any(|m| m.contains("前置学历")));
        // A stale page acting again changes nothing.
        let err = prior_review::final_review(&w.t.db, &a, office.id, so, Decision::Approve, now())
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::NotFound), "{}", b.name());
    }
}

#[tokio::test]
async fn a_credit_recognition_student_is_reviewed_first_by_the_chief_university() {
    for b in app_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_CREDIT_RECOGNITION).await;
        let a = submitted_with_materials(&w, &c).await;
        let (su, university) = staff_of(&w, accounts::STAFF_YN_UNIVERSITY).await;
        let (sp, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        assert_eq!(a.current_org_id, Some(university.id), "{}", b.name());
        // The candidate's confirmation point is not the first reviewer of 学分互认在校生.
        let err = apps::decide(&w.t.db, &point, sp, a.id, 0, Decision::Approve, now(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::NotFound | RepoError::Conflict(_)),
            "{err:?}"
        );
        materials::confirm_seal(&w.t.db, &a, university.id, now())
            .await
            .unwrap();
        let a = apps::decide(
            &w.t.db,
            &university,
            su,
            a.id,
            0,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.stage, Some(1), "{}", b.name());
    }
}
