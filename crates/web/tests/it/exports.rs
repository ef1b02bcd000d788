//! 导出: the lists' workbooks hold what the filter shows, on every page, masked as the list is.

use crate::common::{self, TestApp, User};

use store::demo::accounts;

/// The "共 N …" figure of a list page.
fn total_of(page: &str, unit: &str) -> usize {
    let at = page.find("共 ").expect("a total") + "共 ".len();
    let rest = &page[at..];
    let end = rest.find(&format!(" {unit}")).expect("the unit");
    rest[..end].trim().parse().expect("a number")
}

/// Downloads an export and reads it back: (headers, rows).
async fn workbook(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let h = r.headers();
    assert_eq!(
        h["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(h["cache-control"].to_str().unwrap().contains("no-store"));
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let bytes = r.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let mut t = tabular::Table::open(&file).unwrap();
    let headers = t.headers().to_vec();
    let mut rows = Vec::new();
    while let Some(row) = t.next_row() {
        rows.push(row.unwrap().cells);
    }
    (headers, rows)
}

#[tokio::test]
async fn the_review_queue_exports_every_row_its_filter_shows_with_the_id_masked() {
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        // One application decided by the university.
        crate::payments::awaiting_payment(&app).await;
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, page) = app.get_text(&me, "/staff/reviews?status=decided").await;
        assert_eq!(status, 200);
        let total = total_of(&page, "份");
        assert!(total > 0, "{}: one decided application: {page}", b.name());
        assert!(page.contains("/staff/reviews/export.xlsx?"), "the button");
        let (headers, rows) =
            workbook(&app, &me, "/staff/reviews/export.xlsx?status=decided").await;
        assert_eq!(headers[0], "准考证号");
        assert_eq!(rows.len(), total, "{}", b.name());
        for r in &rows {
            assert!(r[2].contains('*'), "the ID number is masked: {}", r[2]);
            assert_eq!(r[2].chars().count(), 18);
        }
        // The search narrows the export as it narrows the list.
        let first = rows[0][0].clone();
        let (_, only) = workbook(
            &app,
            &me,
            &format!("/staff/reviews/export.xlsx?status=decided&q={first}"),
        )
        .await;
        assert!(!only.is_empty() && only.iter().all(|r| r[0].starts_with(&first)));

        // Someone without the queue gets no export of it.
        let candidate = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let r = candidate
            .get(app.url("/staff/reviews/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 200);
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let r = school
            .get(app.url("/staff/reviews/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "a school reviews no graduation");
    }
}

#[tokio::test]
async fn the_payments_ledger_exports_each_order_and_refund_with_amounts_as_numbers() {
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        // One order paid at the gateway.
        let a = crate::payments::awaiting_payment(&app).await;
        crate::payments::pay_at_gateway(&app, &a).await;
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&me, "/staff/payments").await;
        assert_eq!(status, 200);
        let orders = total_of(&page, "笔");
        assert!(orders > 0, "{}: the demo has fee orders", b.name());
        let (headers, rows) = workbook(&app, &me, "/staff/payments/export.xlsx").await;
        assert_eq!(headers[0], "类型");
        assert_eq!(rows.iter().filter(|r| r[0] == "缴费").count(), orders);
        let refunds = rows.iter().filter(|r| r[0] == "退费").count();
        assert_eq!(rows.len(), orders + refunds);
        for r in rows.iter().filter(|r| r[0] == "缴费") {
            let yuan: f64 = r[5].parse().unwrap();
            assert!(yuan > 0.0, "{r:?}");
            assert!(r[4].contains('*'), "the name is masked: {r:?}");
        }
        // A reviewer without 财务 gets 403.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let r = reviewer
            .get(app.url("/staff/payments/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}
