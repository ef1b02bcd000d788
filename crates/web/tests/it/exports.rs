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
pub(crate) async fn workbook(
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

/// Copies of `template` as new candidates whose 准考证号 start with `prefix` (12 characters in
/// all) and whose ID numbers are made up but well formed.
pub(crate) async fn candidates_like(
    app: &TestApp,
    template: &store::entity::candidate::Model,
    prefix: &str,
    n: usize,
) -> Vec<store::entity::candidate::Model> {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let am: store::entity::candidate::ActiveModel = template.clone().into();
        let mut am = am.reset_all();
        am.id = NotSet;
        am.admission_no = Set(format!("{prefix}{i:0w$}", w = 12 - prefix.len()));
        am.id_card_no = Set(format!("5001011990{:08}", 1000 + i));
        am.name = Set(format!("张{i}"));
        am.phone = Set(None);
        out.push(am.insert(&app.db.db).await.unwrap());
    }
    out
}

/// The ids a queue page lists (`data-<attr>="<id>"`) and its 下一页 / 上一页 links.
fn page_rows(page: &str, attr: &str) -> (Vec<i64>, Option<String>, Option<String>) {
    let marker = format!("data-{attr}=\"");
    let ids = page
        .match_indices(&marker)
        .map(|(at, _)| {
            let rest = &page[at + marker.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    let link = |id: &str| {
        let marker = format!("id=\"{id}\" href=\"");
        let at = page.find(&marker)? + marker.len();
        let rest = &page[at..];
        Some(
            rest[..rest.find('"')?]
                .replace("&amp;", "&")
                .replace("&#38;", "&"),
        )
    };
    (ids, link("queue-next"), link("queue-prev"))
}

/// Walks a queue by 下一页 from `first`, running `between` after the first page; every id seen,
/// in order, and the last page's path.
async fn walk_next(
    app: &TestApp,
    client: &reqwest::Client,
    first: &str,
    attr: &str,
    mut between: impl AsyncFnMut(&[i64]),
) -> (Vec<i64>, String) {
    let mut seen = Vec::new();
    let mut path = first.to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = app.get_text(client, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        let (ids, next, _) = page_rows(&page, attr);
        if pages == 0 {
            between(&ids).await;
        }
        seen.extend(ids);
        pages += 1;
        assert!(pages < 100, "the walk ends");
        match next {
            Some(n) => path = n,
            None => return (seen, path),
        }
    }
}

/// Walks back by 上一页 from `last`: every id seen, in list order.
async fn walk_prev(app: &TestApp, client: &reqwest::Client, last: &str, attr: &str) -> Vec<i64> {
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut path = last.to_owned();
    loop {
        let (status, page) = app.get_text(client, &path).await;
        assert_eq!(status, 200, "{path}");
        let (ids, _, prev) = page_rows(&page, attr);
        pages.push(ids);
        assert!(pages.len() < 100, "the walk ends");
        match prev {
            Some(p) => path = p,
            None => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// Asserts that `seen` holds each of `expected` exactly once.
fn each_once(seen: &[i64], expected: &[i64], what: &str) {
    let mut s = seen.to_vec();
    s.sort_unstable();
    let mut e = expected.to_vec();
    e.sort_unstable();
    assert_eq!(s, e, "{what}: every row once, none twice");
}

#[tokio::test]
async fn the_review_queue_pages_by_key_and_its_export_holds_every_row() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
    use store::graduation::application as apps;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let a = crate::reviews::submitted(&app, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let template = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        // Two pages and a bit more, all submitted at the same instant: only the id orders them.
        let n = 2 * web::services::review::PER_PAGE as usize + 1;
        let mut ids = vec![a.id];
        for c in candidates_like(&app, &template, "88", n).await {
            let am: store::entity::graduation_application::ActiveModel = a.clone().into();
            let mut am = am.reset_all();
            am.id = NotSet;
            am.candidate_id = Set(c.id);
            ids.push(am.insert(db).await.unwrap().id);
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        // One row of the first page is decided between page loads: nothing shifts.
        let (seen, last) = walk_next(
            &app,
            &me,
            "/staff/reviews",
            "application",
            async |first: &[i64]| {
                let id = first[0];
                let org =
                    store::entity::organisation::Entity::find_by_id(a.current_org_id.unwrap())
                        .one(db)
                        .await
                        .unwrap()
                        .unwrap();
                apps::decide(
                    db,
                    &org,
                    1,
                    id,
                    0,
                    apps::Decision::Reject("照片不清晰".into()),
                    app.state.now(),
                    None,
                )
                .await
                .unwrap();
            },
        )
        .await;
        each_once(&seen, &ids, b.name());
        // Back from the last page: the decided row has left the 待审核 list.
        let back = walk_prev(&app, &me, &last, "application").await;
        assert_eq!(back.len(), ids.len() - 1, "{}", b.name());
        assert_eq!(back, seen[1..].to_vec());
        // The filter holds across pages: the copies only, by their 准考证号 prefix.
        let (only, _) = walk_next(
            &app,
            &me,
            "/staff/reviews?q=88",
            "application",
            async |_: &[i64]| {},
        )
        .await;
        each_once(&only, &ids[1..], "filtered");
        // The export: every row the filter shows.
        let (_, rows) = workbook(&app, &me, "/staff/reviews/export.xlsx?q=88").await;
        assert_eq!(rows.len(), n, "{}: the copies, none decided", b.name());
        assert!(
            rows.iter()
                .all(|r| r[0].starts_with("88") && r[2].contains('*'))
        );
        // The API walks the same cursor.
        let mut api_seen = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(c) => format!("/api/v1/reviews?after={c}"),
                None => "/api/v1/reviews".to_owned(),
            };
            let body: serde_json::Value = me
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            api_seen.extend(
                body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_i64().unwrap()),
            );
            match body["next"].as_str() {
                Some(c) => next = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(api_seen, back);
    }
}
