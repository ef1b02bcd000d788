//! Where appeals show beside their applications: the staff pages of a degree and a graduation
//! application carry a 申辩 section (filing time, statement, files through the deciding
//! organisation's download route, status, outcome with its reason, who decided and when, and the
//! way to decide it for those who may); another organisation that sees the application reads the
//! appeal without its files. A 学位授予结果 is not recorded over a pending appeal. The appellant's
//! pages offer the appeal of every closed application, not only the latest one.

use domain::appeal::AppealKind;
use sea_orm::{ActiveModelTrait, IntoActiveModel, NotSet, Set};
use store::demo::accounts;
use store::entity::{appeal, batch, graduation_application};
use store::graduation::application as apps;
use store::testkit::app_backends;

use super::graduation::{CANDIDATE, close_batch, rejected_by_university};
use super::{PICTURE, PNG, STATEMENT, decide_on_page, file_form, not_awarded, unqualified};
use crate::common::{TestApp, User, spawn_app};

async fn display_name(app: &TestApp, username: &str) -> String {
    store::repo::staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap()
        .display_name
}

/// The one appeal against application `id`, and the staff route to its first file.
async fn appeal_and_file_href(app: &TestApp, kind: AppealKind, id: i64) -> (appeal::Model, String) {
    let db = &app.db.db;
    let filed = store::appeal::of_subject(db, kind, id)
        .await
        .unwrap()
        .remove(0);
    let file = store::appeal::files_of(db, filed.id)
        .await
        .unwrap()
        .remove(0);
    let href = format!("/staff/appeals/{}/files/{}", filed.id, file.id);
    (filed, href)
}

/// A batch like `like` opened yesterday for thirty days under `name`, so the later one.
async fn later_batch(app: &TestApp, like: &batch::Model, name: &str) -> batch::Model {
    let mut nb = like.clone().into_active_model();
    nb.id = NotSet;
    nb.name = Set(name.to_owned());
    nb.opens_at = Set(app.state.now() - chrono::Duration::days(1));
    nb.closes_at = Set(app.state.now() + chrono::Duration::days(30));
    nb.insert(&app.db.db).await.unwrap()
}

#[tokio::test]
async fn the_staff_degree_page_shows_the_appeal_and_a_pending_one_holds_the_award() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let a = not_awarded(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let path = format!("/student/appeals/degree/{}", a.id);
        let (status, _) = file_form(&app, &owner, &path, STATEMENT, vec![PICTURE]).await;
        assert_eq!(status, 303, "{name}");
        let (filed, file_href) = appeal_and_file_href(&app, AppealKind::DegreeAward, a.id).await;

        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let staff_page = format!("/staff/degree/{}", a.id);
        let (status, page) = app.get_text(&school, &staff_page).await;
        assert_eq!(status, 200, "{name}");
        for needle in [
            format!("id=\"appeal-{}\"", filed.id),
            format!("申辩（申辩编号 {}）", filed.id),
            STATEMENT.to_owned(),
            format!("href=\"{file_href}\""),
            "答辩记录.png".to_owned(),
            "<strong>待处理</strong>".to_owned(),
            format!("href=\"/staff/appeals/{}#appeal-decide\"", filed.id),
        ] {
            assert!(page.contains(&needle), "{name}: {needle} in {page}");
        }
        let (status, _) = app.get_text(&school, &file_href).await;
        assert_eq!(status, 200, "{name}: the file opens through its route");

        // Recording 授予 over the pending appeal is refused, and nothing changes.
        let (status, body) = crate::degree::award_on_page(&app, &school, &a).await;
        assert_eq!(status, 422, "{name}");
        assert!(
            body.contains("该决定的申辩尚待处理，处理完成前不能更改学位授予结果"),
            "{name}: {body}"
        );
        let still = store::degree::application::get(db, a.id).await.unwrap();
        assert_eq!(still.award.as_deref(), Some("not_awarded"), "{name}");
        assert_eq!(still.version, a.version, "{name}");

        // Decided: the outcome, its reason, who and when; no way to decide it again.
        let reason = "答辩记录核实无误，原决定依据不足";
        let (status, _) = decide_on_page(&app, &school, filed.id, "revoked", reason).await;
        assert_eq!(status, 303, "{name}");
        let (_, page) = app.get_text(&school, &staff_page).await;
        let who = display_name(&app, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        for needle in [
            "<strong>撤销原决定</strong>",
            reason,
            "<dt>处理人</dt>",
            who.as_str(),
            "<dt>处理时间</dt>",
        ] {
            assert!(page.contains(needle), "{name}: {needle} in {page}");
        }
        assert!(!page.contains("#appeal-decide"), "{name}");
    }
}

/// A graduation application of [`CANDIDATE`] rejected by its chief university and closed with
/// its batch while rejected.
async fn finally_rejected(app: &TestApp) -> graduation_application::Model {
    let (a, _, _) = rejected_by_university(app).await;
    close_batch(app, a.batch_id).await;
    apps::get(&app.db.db, a.id).await.unwrap()
}

/// Files the candidate's appeal against application `id` with a picture.
async fn candidate_files(app: &TestApp, owner: &reqwest::Client, id: i64) -> u16 {
    let path = format!("/candidate/appeals/graduation/{id}");
    let picture = ("签名页.png", PNG, "image/png");
    file_form(app, owner, &path, STATEMENT, vec![picture])
        .await
        .0
}

#[tokio::test]
async fn the_review_page_shows_the_appeal_to_the_deciders_and_without_files_to_others() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let a = finally_rejected(&app).await;
        let owner = app.with_user(User::Candidate(CANDIDATE)).await;
        assert_eq!(candidate_files(&app, &owner, a.id).await, 303, "{name}");
        let (filed, file_href) = appeal_and_file_href(&app, AppealKind::Graduation, a.id).await;
        let review_page = format!("/staff/reviews/{}", a.id);

        // The university that rejected: the whole appeal, its file, the way to decide it.
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, page) = app.get_text(&uni, &review_page).await;
        assert_eq!(status, 200, "{name}");
        for needle in [
            format!("id=\"appeal-{}\"", filed.id),
            STATEMENT.to_owned(),
            format!("href=\"{file_href}\""),
            "<strong>待处理</strong>".to_owned(),
            format!("href=\"/staff/appeals/{}#appeal-decide\"", filed.id),
        ] {
            assert!(page.contains(&needle), "{name}: {needle} in {page}");
        }

        // The office sees the application and the appeal, not its files nor a way to decide.
        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (status, page) = app.get_text(&office, &review_page).await;
        assert_eq!(status, 200, "{name}");
        assert!(page.contains(STATEMENT), "{name}: {page}");
        assert!(
            page.contains("签名页.png（由受理该申辩的机构查看）"),
            "{name}: {page}"
        );
        assert!(!page.contains("/staff/appeals/"), "{name}: {page}");
        let (status, _) = app.get_text(&office, &file_href).await;
        assert_eq!(status, 404, "{name}: the route still checks");

        // Decided: both read the outcome; the office reads who decided with their organisation.
        let reason = "驳回理由成立，签名页缺失属实";
        let (status, _) = decide_on_page(&app, &uni, filed.id, "upheld", reason).await;
        assert_eq!(status, 303, "{name}");
        let who = display_name(&app, accounts::STAFF_CQ_UNIVERSITY).await;
        let (_, page) = app.get_text(&uni, &review_page).await;
        assert!(
            page.contains("<strong>维持原决定</strong>") && page.contains(reason),
            "{name}: {page}"
        );
        assert!(page.contains(&who) && !page.contains("#appeal-decide"));
        let (_, page) = app.get_text(&office, &review_page).await;
        let uni_org = app.org_of(accounts::STAFF_CQ_UNIVERSITY).await;
        assert!(
            page.contains(&format!("{} {who}", uni_org.name)),
            "{name}: {page}"
        );
    }
}

#[tokio::test]
async fn an_earlier_graduation_application_is_appealed_from_the_progress_page() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let old = finally_rejected(&app).await;
        // A later batch, and the candidate's new application in it: now the latest.
        let like = apps::batch(db, old.batch_id).await.unwrap();
        let nb = later_batch(&app, &like, "下一批次毕业申请").await;
        let mut na = old.clone().into_active_model();
        na.id = NotSet;
        na.batch_id = Set(nb.id);
        na.status = Set("draft".to_owned());
        na.stage = Set(None);
        na.current_org_id = Set(None);
        na.submitted_at = Set(None);
        na.rejection_reason = Set(None);
        let new = na.insert(db).await.unwrap();
        assert!(new.id > old.id);

        let owner = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, page) = app
            .get_text(&owner, "/candidate/application/progress")
            .await;
        assert_eq!(status, 200, "{name}");
        let href = format!("/candidate/appeals/graduation/{}", old.id);
        assert!(
            page.contains("id=\"earlier-applications\""),
            "{name}: {page}"
        );
        assert!(page.contains(&format!("href=\"{href}\"")), "{name}: {page}");
        assert!(page.contains("提出申辩"), "{name}");
        // The latest application has nothing to appeal of its own.
        assert!(!page.contains("id=\"appeal-open\""), "{name}");

        assert_eq!(candidate_files(&app, &owner, old.id).await, 303, "{name}");
        let (_, page) = app
            .get_text(&owner, "/candidate/application/progress")
            .await;
        assert!(
            page.contains("已申辩，处理结果：<strong>待处理</strong>"),
            "{name}: {page}"
        );
        assert!(page.contains(&format!("href=\"{href}\"")), "{name}");
    }
}

#[tokio::test]
async fn an_earlier_batchs_refusal_is_appealed_from_the_degree_page() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let a = not_awarded(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        // Its batch closes and a later one opens: the page now shows the later one.
        let old = apps::batch(db, a.batch_id).await.unwrap();
        later_batch(&app, &old, "下一批次学位申请").await;
        let mut closing = old.into_active_model();
        closing.closes_at = Set(app.state.now() - chrono::Duration::days(2));
        closing.opens_at = Set(app.state.now() - chrono::Duration::days(60));
        closing.update(db).await.unwrap();

        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app.get_text(&owner, "/student/degree").await;
        assert_eq!(status, 200, "{name}");
        assert!(page.contains("下一批次学位申请"), "{name}: {page}");
        let href = format!("/student/appeals/degree/{}", a.id);
        assert!(page.contains("id=\"degree-earlier\""), "{name}: {page}");
        assert!(page.contains(&format!("href=\"{href}\"")), "{name}");
        assert!(!page.contains("id=\"degree-appeal\""), "{name}");

        let (status, _) = file_form(&app, &owner, &href, STATEMENT, vec![]).await;
        assert_eq!(status, 303, "{name}");
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(
            page.contains("已申辩，处理结果：<strong>待处理</strong>"),
            "{name}: {page}"
        );
    }
}

#[tokio::test]
async fn every_batch_row_of_the_language_table_offers_its_appeal() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let a = unqualified(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let href = format!("/student/appeals/language/{}", a.id);
        let (status, page) = app.get_text(&owner, "/student/language").await;
        assert_eq!(status, 200, "{name}");
        let row_start = page
            .find(&format!("id=\"batch-{}\"", a.batch_id))
            .unwrap_or_else(|| panic!("{name}: the batch's row in {page}"));
        let row = &page[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!("href=\"{href}\"")), "{name}: {row}");

        let (status, _) = file_form(&app, &owner, &href, STATEMENT, vec![]).await;
        assert_eq!(status, 303, "{name}");
        let (_, page) = app.get_text(&owner, "/student/language").await;
        assert!(page.contains("申辩：待处理"), "{name}: {page}");
    }
}
