//! 毕业条件自查: the audit explained on the candidate's page, with a what-if that changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::spawn_app;
use store::demo::accounts;
use store::testkit::app_backends;

fn condition_row(page: &str, letter: char) -> &str {
    let start = page
        .find(&format!("data-condition=\"{letter}\""))
        .unwrap_or_else(|| panic!("no row {letter}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn an_eligible_candidate_sees_every_condition_met() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let (status, page) = app.get_text(&client, "/candidate/graduation").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("您已满足全部毕业条件"), "{page}");
        for letter in ['a', 'b', 'c', 'd', 'e', 'f'] {
            assert!(
                condition_row(&page, letter).contains("class=\"pass\""),
                "{letter}"
            );
        }
    }
}

#[tokio::test]
async fn candidate_with_one_failed_course_sees_it_named_and_can_ask_what_if() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ONE_COURSE_SHORT))
            .await;
        let (_, page) = app.get_text(&client, "/candidate/graduation").await;
        assert!(page.contains("不能申请毕业"), "{}: {page}", b.name());
        let a = condition_row(&page, 'a');
        assert!(a.contains("class=\"fail\""), "{a}");
        assert!(a.contains("00022"), "the missing course is named: {a}");
        let before = scores_count(&app).await;
        let major = {
            let at =
                page.find("name=\"major\" value=\"").unwrap() + "name=\"major\" value=\"".len();
            page[at..at + page[at..].find('"').unwrap()].to_owned()
        };
        let (_, what_if) = app
            .get_text(
                &client,
                &format!("/candidate/graduation?major={major}&what_if=00022"),
            )
            .await;
        assert!(what_if.contains("以下为假设结果"), "{what_if}");
        assert!(
            what_if.contains("假设成立时，您已满足全部毕业条件"),
            "{what_if}"
        );
        assert!(condition_row(&what_if, 'a').contains("（假设后变化）"));
        assert_eq!(
            scores_count(&app).await,
            before,
            "a what-if changes nothing"
        );
        let (_, again) = app.get_text(&client, "/candidate/graduation").await;
        assert!(again.contains("不能申请毕业"));
    }
}

async fn scores_count(app: &common::TestApp) -> u64 {
    sea_orm::PaginatorTrait::count(
        <store::entity::score_record::Entity as sea_orm::EntityTrait>::find(),
        &app.db.db,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn bachelor_prior_education_is_checked_against_the_credential_registry() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        // The Chongqing candidate's 专科 diploma is in the registry: condition e holds.
        let client = app
            .with_user(User::Candidate(accounts::CQ_BACHELOR_PRIOR_EDU))
            .await;
        let (_, page) = app.get_text(&client, "/candidate/graduation").await;
        let e = condition_row(&page, 'e');
        assert!(e.contains("class=\"pass\""), "{}: {e}", b.name());
        // Yunnan asks 学信网 only after the candidate authorised it on the application: until
        // then e is open, saying where to authorise and that 人工审核 is the fallback, and shown
        // as completed in the application rather than as a failure.
        let client = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        let (_, page) = app.get_text(&client, "/candidate/graduation").await;
        let e = condition_row(&page, 'e');
        assert!(
            e.contains("class=\"pending\"") && e.contains("申请时完成"),
            "{}: {e}",
            b.name()
        );
        assert!(
            e.contains("尚未授权学信网推送") && e.contains("人工审核"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn yunnan_candidate_needs_the_commitment_letter_and_one_without_major_is_sent_to_add_one() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let yn = app
            .with_user(User::Candidate(accounts::YN_ELIGIBLE_ASSOCIATE))
            .await;
        let (_, page) = app.get_text(&yn, "/candidate/graduation").await;
        let c = condition_row(&page, 'c');
        assert!(
            c.contains("class=\"pending\"") && c.contains("承诺书"),
            "{}: {c}",
            b.name()
        );
        // The verdict and the button agree: nothing stops applying, and the page says what the
        // application completes instead of "不能申请毕业".
        assert!(!page.contains("不能申请毕业"), "{}", b.name());
        assert!(
            page.contains("以下条件在毕业申请中完成，不影响提交申请：c. 思想品德考核合格"),
            "{}",
            b.name()
        );
        assert!(
            page.contains("id=\"apply\""),
            "{}: 申请毕业 offered",
            b.name()
        );
        // Its 须知 is Yunnan's, not Chongqing's.
        assert!(page.contains("省招生考试院终审"), "{}", b.name());
        assert!(!page.contains("市自考办"), "{}: {page}", b.name());
        let none = app
            .with_user(User::Candidate(accounts::CQ_PROFILE_INCOMPLETE))
            .await;
        let (_, page) = app.get_text(&none, "/candidate/graduation").await;
        assert!(page.contains("您还没有在籍专业"));
        assert!(
            page.contains("联系电话"),
            "missing profile fields are listed"
        );
    }
}
