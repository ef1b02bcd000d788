//! Review deadlines (办理时限) over HTTP on every app backend: the queue row's 截止日期 and its
//! 即将到期 / 逾期 text, the 工作台's two counts and their links to the filtered queue, and the
//! JSON API's due fields, as the application clock moves past the due date.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::review::deadline::{self, Standing};
use store::demo::accounts;
use store::testkit::app_backends;

use crate::common::{self, User, spawn_app};
use crate::reviews::submitted;

const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;

/// The row of application `id` in a queue page.
fn row_of(page: &str, id: i64) -> String {
    let start = page
        .find(&format!("data-application=\"{id}\""))
        .unwrap_or_else(|| panic!("application {id} not listed:\n{page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    page[start..end].to_owned()
}

#[tokio::test]
async fn an_overdue_application_is_marked_in_the_queue_and_counted_on_the_dashboard() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        // Chongqing's 主考学校初审 has 5 working days.
        let due = a.due_at.expect("a due date at the first stage");
        let cal = store::repo::calendar::load(&app.db.db).await.unwrap();
        assert_eq!(
            due,
            deadline::due_at(&cal, a.stage_arrived_at.unwrap(), 5),
            "{name}"
        );
        let due_day = deadline::due_date(due).format("%Y-%m-%d").to_string();

        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, home) = app.get_text(&staff, "/staff").await;
        assert_eq!(status, 200, "{name}");
        assert!(home.contains("已逾期 0 份"), "{name}: {home}");
        assert!(home.contains("即将到期 0 份"), "{name}");
        let (_, queue) = app.get_text(&staff, "/staff/reviews").await;
        let row = row_of(&queue, a.id);
        assert!(row.contains(&due_day), "{name}: {row}");
        assert!(
            !row.contains("逾期") && !row.contains("即将到期"),
            "{name}: {row}"
        );

        // Half a day before the end of the due date it is due soon.
        let until_soon = due - Duration::hours(12) - app.state.now();
        app.state.clock.advance(until_soon);
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (_, home) = app.get_text(&staff, "/staff").await;
        assert!(home.contains("即将到期 1 份"), "{name}: {home}");
        assert!(home.contains("已逾期 0 份"), "{name}");
        let (_, soon) = app
            .get_text(&staff, "/staff/reviews?status=pending&due=soon")
            .await;
        assert!(row_of(&soon, a.id).contains("即将到期"), "{name}");

        // A week past the due instant it is overdue, by the working days the calendar counts.
        app.state
            .clock
            .advance(Duration::hours(12) + Duration::days(7));
        let now = app.state.now();
        let standing = deadline::standing(&cal, Some(due), now);
        assert!(matches!(standing, Standing::Overdue(n) if n >= 1), "{name}");
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (_, home) = app.get_text(&staff, "/staff").await;
        assert!(home.contains("已逾期 1 份"), "{name}: {home}");
        assert!(home.contains("即将到期 0 份"), "{name}");
        let link = common::attr_after(&home, "id=\"reviews-overdue\" href=\"");
        assert_eq!(
            link, "/staff/reviews?status=pending&amp;due=overdue",
            "{name}"
        );
        let (status, overdue) = app.get_text(&staff, &link.replace("&amp;", "&")).await;
        assert_eq!(status, 200, "{name}");
        let row = row_of(&overdue, a.id);
        assert!(row.contains(&standing.label()), "{name}: {row}");
        assert!(row.contains("逾期"), "{name}: {row}");
        assert!(row.contains(&due_day), "{name}: {row}");
        // The filter shows as chosen, with its label.
        assert!(overdue.contains("<label for=\"f-due\">"), "{name}");
        assert!(
            overdue.contains("<option value=\"overdue\" selected>已逾期</option>"),
            "{name}"
        );
        // Nothing is due soon now.
        let (_, soon) = app
            .get_text(&staff, "/staff/reviews?status=pending&due=soon")
            .await;
        assert!(soon.contains("id=\"queue-empty\""), "{name}");

        // The API says the same.
        let r: serde_json::Value = staff
            .get(app.url("/api/v1/reviews?due=overdue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["total"], 1, "{name}: {r}");
        let item = &r["items"][0];
        assert_eq!(item["id"], a.id, "{name}");
        assert_eq!(item["due_status"], "overdue", "{name}");
        assert_eq!(item["due_date"], due_day.as_str(), "{name}");
        if let Standing::Overdue(n) = standing {
            assert_eq!(item["overdue_working_days"], n, "{name}");
        }

        // Once decided it leaves the overdue count.
        let token = app.csrf(&staff, "/staff").await;
        let r = staff
            .post(app.url(&format!("/staff/reviews/{}/decide", a.id)))
            .form(&[
                ("csrf_token", token.as_str()),
                ("decision", "approve"),
                ("stage", "0"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{name}"
        );
        let (_, home) = app.get_text(&staff, "/staff").await;
        assert!(home.contains("已逾期 0 份"), "{name}: {home}");
    }
}
