//! 陈述申辩 of a graduation application's final rejection over HTTP: the candidate's 审核进度 says
//! until when (Beijing time) and links the form; the candidate files a statement with a file
//! through it (another candidate gets 404); the organisation that rejected finds it in the same
//! 申辩复核 list, by 准考证号, and revokes it with a reason; the application is back in review at
//! that stage, the history and the 收件箱 say so, and that organisation decides it again, and the fee may then be paid.

use reqwest::multipart::{Form, Part};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use store::demo::accounts;
use store::entity::{graduation_application, organisation, staff};
use store::graduation::application::{self as apps, Decision};
use store::repo::inbox::{self, Recipient};
use store::testkit::app_backends;

use crate::common::{TestApp, User, spawn_app};

pub(super) const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;
const STATEMENT: &str = "驳回所称毕业登记表未签名，我已在驳回当日补充签名页，请求复核。";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// [`CANDIDATE`]'s application, submitted and rejected now at 主考学校初审: (the application as
/// submitted, the chief university, its reviewer).
pub(super) async fn rejected_by_university(
    app: &TestApp,
) -> (
    graduation_application::Model,
    organisation::Model,
    staff::Model,
) {
    let db = &app.db.db;
    let a = crate::reviews::submitted(app, CANDIDATE).await;
    let uni_staff = store::repo::staff::by_username(db, accounts::STAFF_CQ_UNIVERSITY)
        .await
        .unwrap()
        .unwrap();
    let uni = store::repo::org::get(db, uni_staff.org_id).await.unwrap();
    apps::decide(
        db,
        &uni,
        uni_staff.id,
        a.id,
        0,
        Decision::Reject("毕业登记表未签名".into()),
        app.state.now(),
        None,
    )
    .await
    .unwrap();
    (a, uni, uni_staff)
}

/// Closes batch `id` now and runs the close job: a rejection still standing becomes final.
pub(super) async fn close_batch(app: &TestApp, id: i64) {
    let db = &app.db.db;
    let mut m = apps::batch(db, id).await.unwrap().into_active_model();
    m.closes_at = Set(app.state.now());
    m.update(db).await.unwrap();
    apps::close_expired(db, app.state.now()).await.unwrap();
}

#[tokio::test]
async fn a_candidate_appeals_a_final_rejection_and_the_revoked_rejection_reopens_the_stage() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let (a, uni, uni_staff) = rejected_by_university(&app).await;
        // The office's admin sets the batch's period on 毕业批次: refused out of range, naming it.
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let set_days = async |days: &str| {
            let token = app.csrf(&admin, "/staff/batches").await;
            let r = admin
                .post(app.url(&format!("/staff/batches/{}/appeal-days", a.batch_id)))
                .form(&[("csrf_token", token.as_str()), ("appeal_days", days)])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        };
        let (status, page) = set_days("91").await;
        assert_eq!(status, 422, "{name}");
        assert!(
            page.contains("申辩期限应为1至90之间的整数天数，实际填写为“91”"),
            "{name}: {page}"
        );
        let (status, _) = set_days("20").await;
        assert_eq!(status, 303, "{name}");
        let (_, page) = app
            .get_text(&admin, "/staff/batches?done=appeal_days")
            .await;
        assert!(
            page.contains(&format!("<label for=\"appeal-days-{}\">", a.batch_id)),
            "{name}"
        );
        assert!(page.contains("申辩期限已修改"), "{name}");
        // The batch closes with the application still rejected: 本次不予办理.
        close_batch(&app, a.batch_id).await;
        let a = apps::get(db, a.id).await.unwrap();
        assert_eq!(a.status, "closed", "{name}");
        let t = store::appeal::graduation_target(db, &a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.period().days, 20, "{name}: the batch's period");
        let deadline = t.period().deadline_label();
        let path = format!("/candidate/appeals/graduation/{}", a.id);

        // 审核进度: the deadline and the link.
        let owner = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, page) = app
            .get_text(&owner, "/candidate/application/progress")
            .await;
        assert_eq!(status, 200, "{name}");
        assert!(page.contains("id=\"appeal-open\""), "{name}: {page}");
        assert!(page.contains(&deadline), "{deadline} on the page");
        assert!(page.contains(&format!("href=\"{path}\"")), "{name}");
        let (status, form) = app.get_text(&owner, &path).await;
        assert_eq!(status, 200, "{name}: {form}");
        for needle in [
            "name=\"csrf_token\"",
            "<label for=\"statement\">",
            "<label for=\"files\">",
            "毕业登记表未签名",
            "主考学校初审",
        ] {
            assert!(form.contains(needle), "{name}: {needle} on the form");
        }

        // Another candidate sees nothing.
        let stranger = app
            .with_user(User::Candidate(accounts::CQ_EXEMPTION_USED))
            .await;
        let (status, _) = app.get_text(&stranger, &path).await;
        assert_eq!(status, 404, "{name}");

        // Refused without a statement, then filed with a picture.
        let post = async |statement: &str, with_file: bool| {
            let token = app.csrf(&owner, &path).await;
            let mut form = Form::new()
                .text("csrf_token", token)
                .text("statement", statement.to_owned());
            if with_file {
                form = form.part(
                    "files",
                    Part::bytes(PNG.to_vec())
                        .file_name("签名页.png")
                        .mime_str("image/png")
                        .unwrap(),
                );
            }
            let r = owner
                .post(app.url(&path))
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        };
        let (status, page) = post(" ", false).await;
        assert_eq!(status, 422, "{name}");
        assert!(page.contains("请填写申辩陈述"), "{name}: {page}");
        let (status, page) = post(STATEMENT, true).await;
        assert_eq!(status, 303, "{name}: {page}");
        let (_, page) = app.get_text(&owner, &format!("{path}?done=filed")).await;
        assert!(
            page.contains("id=\"appeal-done\"") && page.contains("待处理"),
            "{name}"
        );
        assert!(
            page.contains("签名页.png") && page.contains(STATEMENT),
            "{name}"
        );
        let filed = store::appeal::of_subject(db, t.kind, a.id)
            .await
            .unwrap()
            .remove(0);
        let files = store::appeal::files_of(db, filed.id).await.unwrap();
        let own = format!("/candidate/appeals/files/{}/{}", filed.id, files[0].id);
        assert!(page.contains(&own), "{name}");
        let (status, _) = app.get_text(&owner, &own).await;
        assert_eq!(status, 200, "{name}");
        let (status, _) = app.get_text(&stranger, &own).await;
        assert_eq!(status, 404, "{name}");
        // The JSON API reads the same appeal for its candidate.
        let (status, body) = app
            .get_text(&owner, &format!("/api/v1/appeals/{}", filed.id))
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(body.contains("\"kind\":\"graduation\""), "{name}: {body}");
        let (status, _) = app
            .get_text(&stranger, &format!("/api/v1/appeals/{}", filed.id))
            .await;
        assert_eq!(status, 404, "{name}");
        let (_, page) = app
            .get_text(&owner, "/candidate/application/progress")
            .await;
        assert!(page.contains("id=\"appeal-filed\""), "{name}");
        assert!(
            page.contains("提出申辩（申辩编号"),
            "{name}: on the timeline"
        );
        // Named by the organisation it was filed with.
        let with = store::repo::org::get(db, filed.org_id).await.unwrap();
        assert!(page.contains(&with.name), "{name}: {}", with.name);
        let titles = |to| async move {
            inbox::list(db, to, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.title)
                .collect::<Vec<_>>()
        };
        assert!(
            titles(Recipient::Candidate(a.candidate_id))
                .await
                .contains(&"申辩已提交：毕业申请“本次不予办理”".to_owned()),
            "{name}"
        );

        // The university's 申辩复核 list, by 准考证号; the office's does not hold it.
        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (_, list) = app.get_text(&office, "/staff/appeals").await;
        assert!(
            !list.contains(&format!("data-appeal=\"{}\"", filed.id)),
            "{name}"
        );
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, list) = app.get_text(&reviewer, "/staff/appeals").await;
        assert_eq!(status, 200, "{name}");
        assert!(
            list.contains(&format!("data-appeal=\"{}\"", filed.id)),
            "{name}: {list}"
        );
        assert!(list.contains(&format!("准考证号 {CANDIDATE}")), "{name}");
        let detail = format!("/staff/appeals/{}", filed.id);
        let (_, page) = app.get_text(&reviewer, &detail).await;
        assert!(
            page.contains(STATEMENT) && page.contains("签名页.png"),
            "{name}"
        );
        assert!(page.contains(&format!("/staff/reviews/{}", a.id)), "{name}");
        let token = app.csrf(&reviewer, &detail).await;
        let r = reviewer
            .post(app.url(&format!("{detail}/decision")))
            .form(&[
                ("csrf_token", token.as_str()),
                ("outcome", "revoked"),
                ("reason", "补充的签名页有效，撤销驳回"),
                ("version", &filed.version.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{name}");
        let (_, page) = app
            .get_text(&reviewer, &format!("{detail}?done=decided"))
            .await;
        assert!(
            page.contains("已通知考生") && page.contains("撤销原决定"),
            "{name}"
        );

        // Back in review at the university's stage; the candidate sees it and is told.
        let r = apps::get(db, a.id).await.unwrap();
        assert_eq!(
            (r.status.as_str(), r.stage, r.current_org_id),
            ("in_review", Some(0), Some(uni.id)),
            "{name}"
        );
        let (_, page) = app
            .get_text(&owner, "/candidate/application/progress")
            .await;
        assert!(
            page.contains("申辩复核撤销原决定，重新审核"),
            "{name}: {page}"
        );
        assert!(page.contains("补充的签名页有效，撤销驳回"), "{name}");
        assert!(!page.contains("id=\"appeal-open\""), "{name}");
        assert!(
            titles(Recipient::Candidate(a.candidate_id))
                .await
                .contains(&"申辩处理结果：撤销原决定".to_owned()),
            "{name}"
        );

        // The university decides it again, on its review page.
        let (status, page) = app
            .get_text(&reviewer, &format!("/staff/reviews/{}", a.id))
            .await;
        assert_eq!(status, 200, "{name}");
        assert!(page.contains("id=\"decision-form\""), "{name}");
        let again = apps::decide(
            db,
            &uni,
            uni_staff.id,
            a.id,
            0,
            Decision::Approve,
            app.state.now(),
            None,
        )
        .await
        .unwrap();
        // On to the fee, which may be paid though the batch has closed.
        assert_eq!(
            (again.status.as_str(), again.stage),
            ("awaiting_payment", Some(1)),
            "{name}"
        );
        apps::check_can_pay(db, &again, app.state.now())
            .await
            .unwrap();
    }
}
