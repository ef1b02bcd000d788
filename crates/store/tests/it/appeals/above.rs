//! A province whose definition sends appeals of final graduation rejections to the organisation
//! above (`appeal_to = "above"`), on SQLite, PostgreSQL and MariaDB: a rejection by the chief
//! university is appealed to the office above it, which the university cannot decide and the
//! office's admin can; 撤销 reopens the application at the university's stage, with the
//! university.

use domain::appeal::AppealStatus;
use domain::province::{AppealTo, Province};
use domain::review::{EventAction, Status};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use store::demo::accounts;
use store::entity::batch;
use store::graduation::application::{self as apps, Decision};
use store::repo::RepoError;
use store::testkit::contract_backends;

use super::graduation::close_batch;
use super::staff_in;
use crate::deadlines::{bj, world};

/// A copy of the Chongqing definition that sends appeals above.
const CODE: &str = "cq_appeal_above";

fn install_province() {
    let mut def = Province::from_code("chongqing")
        .unwrap()
        .definition()
        .clone();
    def.code = CODE.into();
    def.label = "重庆市（申辩由上级机构处理）".into();
    def.appeal_to = AppealTo::Above;
    domain::province::install(def).unwrap();
}

#[tokio::test]
async fn an_appeal_goes_to_the_organisation_above_where_the_definition_says_so() {
    install_province();
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let db = &w.t.db;
        let a = apps::submit(db, &w.application, bj("2024-09-30 10:00"), None)
            .await
            .unwrap();
        apps::decide(
            db,
            &w.university,
            w.staff_university,
            a.id,
            0,
            Decision::Reject("毕业登记表未签名".into()),
            bj("2024-10-08 10:00"),
            None,
        )
        .await
        .unwrap();
        close_batch(&w).await;
        // The batch is of the province whose definition sends appeals above.
        let mut m = batch::Entity::find_by_id(a.batch_id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        m.province = Set(Some(CODE.to_owned()));
        m.update(db).await.unwrap();

        let closed = apps::get(db, a.id).await.unwrap();
        let t = store::appeal::graduation_target(db, &closed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.org_id().unwrap(), w.university.id, "{name}: who rejected");
        let filed = store::appeal::file(
            db,
            t.appellant_id,
            &t,
            "签名页已于驳回次日补充，请求复核。",
            &[],
            bj("2024-11-04 20:00"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(w.university.parent_id, Some(w.office.id), "{name}");
        assert_eq!(
            filed.org_id, w.office.id,
            "{name}: the office above decides"
        );

        // The university that rejected does not decide it; the office's admin does.
        let university = staff_in(db, accounts::STAFF_CQ_UNIVERSITY).await;
        let refused = university
            .decide(
                db,
                filed.id,
                AppealStatus::Revoked,
                "撤销驳回",
                None,
                bj("2024-11-05 09:00"),
            )
            .await;
        assert!(
            matches!(refused, Err(RepoError::NotFound)),
            "{name}: {refused:?}"
        );
        let admin = staff_in(db, accounts::STAFF_CQ_OFFICE_ADMIN).await;
        admin
            .decide(
                db,
                filed.id,
                AppealStatus::Revoked,
                "签名页已补充，撤销驳回",
                None,
                bj("2024-11-05 09:00"),
            )
            .await
            .unwrap();
        // Back at the university's stage, with the university, not the office.
        let r = apps::get(db, a.id).await.unwrap();
        assert_eq!(
            (r.status.as_str(), r.stage, r.current_org_id),
            (Status::InReview.code(), Some(0), Some(w.university.id)),
            "{name}"
        );
        let last = apps::events(db, a.id).await.unwrap().pop().unwrap();
        assert_eq!(
            (last.action.as_str(), last.org_id),
            (EventAction::AppealRevoked.code(), Some(w.university.id)),
            "{name}"
        );
    }
}
