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

/// Copies of `template` as new students of the same school, numbered from `prefix`.
async fn students_like(
    app: &TestApp,
    template: &store::entity::student::Model,
    prefix: &str,
    n: usize,
) -> Vec<store::entity::student::Model> {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let am: store::entity::student::ActiveModel = template.clone().into();
        let mut am = am.reset_all();
        am.id = NotSet;
        am.student_no = Set(format!("{prefix}{i:05}"));
        am.exam_reg_no = Set(format!("{prefix}{i:08}"));
        am.id_card_no = Set(format!("5001011991{:08}", 1000 + i));
        am.phone = Set(None);
        out.push(am.insert(&app.db.db).await.unwrap());
    }
    out
}

/// 403 for `client` on `path`.
async fn refused(app: &TestApp, client: &reqwest::Client, path: &str) {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 403, "{path}");
}

#[tokio::test]
async fn the_language_queue_has_no_cap_pages_by_key_and_exports_what_it_shows() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
    use store::entity::language_application as lang;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let org = app.org_of(accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        let now = app.state.now();
        let batch = store::degree::language::batches_of(db, org.id)
            .await
            .unwrap()
            .into_iter()
            .find(|x| store::degree::language::window_open(x, now))
            .unwrap();
        let s = store::repo::student::by_student_no(db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        // More than the old cap of 200, filed within a few instants so that times tie.
        let n = 203;
        let mut ids = Vec::new();
        for i in 0..n {
            let row = lang::ActiveModel {
                id: NotSet,
                student_id: Set(s.id),
                batch_id: Set(batch.id),
                active_batch_id: Set(None),
                subject: Set("外国语".into()),
                certificate_type: Set("其他语言类成绩认证".into()),
                exam_kind: Set("cet".into()),
                exam_level: Set(Some("CET-6".into())),
                language: Set("english".into()),
                obtained_on: Set(chrono::NaiveDate::from_ymd_opt(2023, 12, 16).unwrap()),
                transcript_no: Set(format!("T{i:05}")),
                score: Set("500".into()),
                score_status: Set("合格".into()),
                average_hundredths: Set(8000),
                status: Set(if i % 2 == 0 { "pending" } else { "approved" }.into()),
                review_opinion: Set(None),
                qualification: Set(None),
                reviewed_by: Set(None),
                reviewed_on_behalf_of: Set(None),
                reviewed_at: Set(None),
                withdrawn_at: Set(None),
                version: Set(0),
                stage: Set(Some(0)),
                created_at: Set(now + chrono::Duration::seconds(i64::from(i / 7))),
            };
            ids.push((i % 2 == 0, row.insert(db).await.unwrap().id));
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let all: Vec<i64> = ids.iter().map(|(_, id)| *id).collect();
        let pending: Vec<i64> = ids.iter().filter(|(p, _)| *p).map(|(_, id)| *id).collect();
        let first = format!("/staff/language?batch={}&status=all", batch.id);
        let (seen, last) = walk_next(&app, &me, &first, "application", async |_: &[i64]| {}).await;
        each_once(&seen, &all, b.name());
        assert_eq!(walk_prev(&app, &me, &last, "application").await, seen);
        // The status filter holds on every page; a row decided between loads shifts nothing.
        let first = format!("/staff/language?batch={}", batch.id);
        let (seen, _) = walk_next(&app, &me, &first, "application", async |page: &[i64]| {
            let row = lang::Entity::find_by_id(page[0])
                .one(db)
                .await
                .unwrap()
                .unwrap();
            let mut am: lang::ActiveModel = row.into();
            am.status = Set("approved".into());
            am.update(db).await.unwrap();
        })
        .await;
        each_once(&seen, &pending, b.name());
        // The export: exactly what the filter shows, every page, the ID masked as listed.
        let (headers, rows) = workbook(
            &app,
            &me,
            &format!(
                "/staff/language/export.xlsx?batch={}&status=approved",
                batch.id
            ),
        )
        .await;
        assert_eq!(headers[0], "学号");
        assert_eq!(rows.len(), all.len() - pending.len() + 1, "{}", b.name());
        assert!(
            rows.iter()
                .all(|r| r[2].contains('*') && r[2] != s.id_card_no)
        );
        // Not a school: no queue, no export.
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        refused(&app, &uni, "/staff/language/export.xlsx").await;
    }
}

#[tokio::test]
async fn the_degree_queue_has_no_cap_pages_by_key_and_exports_what_it_shows() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
    use store::entity::degree_application as deg;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let a = crate::degree::submitted(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let s = store::repo::student::by_student_no(db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let n = 201;
        let mut ids = vec![a.id];
        for c in students_like(&app, &s, "Q", n).await {
            let am: deg::ActiveModel = a.clone().into();
            let mut am = am.reset_all();
            am.id = NotSet;
            am.student_id = Set(c.id);
            am.id_card_no = Set(c.id_card_no.clone());
            ids.push(am.insert(db).await.unwrap().id);
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let first = format!("/staff/degree?batch={}", a.batch_id);
        let (seen, last) = walk_next(&app, &me, &first, "application", async |page: &[i64]| {
            // Decided between page loads: it leaves 待审核 and nothing shifts.
            let row = deg::Entity::find_by_id(page[0])
                .one(db)
                .await
                .unwrap()
                .unwrap();
            let mut am: deg::ActiveModel = row.into();
            am.review_status = Set(Some("approved".into()));
            am.update(db).await.unwrap();
        })
        .await;
        each_once(&seen, &ids, b.name());
        assert_eq!(
            walk_prev(&app, &me, &last, "application").await,
            seen[1..].to_vec()
        );
        let (_, page) = app.get_text(&me, &first).await;
        assert!(page.contains("符合条件的共 201 份"), "{}", b.name());
        let (headers, rows) = workbook(
            &app,
            &me,
            &format!(
                "/staff/degree/export.xlsx?batch={}&status=pending",
                a.batch_id
            ),
        )
        .await;
        assert_eq!(headers[0], "学号");
        assert_eq!(rows.len(), n, "{}", b.name());
        assert!(rows.iter().all(|r| r[2].contains('*')), "masked as listed");
        let (_, approved) = workbook(
            &app,
            &me,
            &format!(
                "/staff/degree/export.xlsx?batch={}&status=approved",
                a.batch_id
            ),
        )
        .await;
        assert_eq!(approved.len(), 1);
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        refused(&app, &uni, "/staff/degree/export.xlsx").await;
    }
}

#[tokio::test]
async fn the_exemption_queue_pages_by_key_and_exports_what_it_shows() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    use store::entity::exemption_application as exa;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let cand = app.candidate(accounts::YN_BACKFILL_NEEDED).await;
        let district = app.org_of(accounts::STAFF_YN_PREFECTURE).await;
        let now = app.state.now();
        let n = 2 * web::paging::PER_PAGE as usize + 1;
        let mut ids = Vec::new();
        for i in 0..n {
            let row = exa::ActiveModel {
                id: NotSet,
                candidate_id: Set(cand.id),
                course_code: Set(accounts::YN_BACKFILL_COURSE.into()),
                basis: Set(format!("依据{i}")),
                handler_org_id: Set(district.id),
                scan_key: Set(format!("exemptions/x{i}.jpg")),
                scan_name: Set("scan.jpg".into()),
                scan_type: Set("image/jpeg".into()),
                scan_sha256: Set("0".repeat(64)),
                scan_size: Set(10),
                status: Set(if i < 3 { "approved" } else { "pending" }.into()),
                decision_reason: Set(None),
                decided_by: Set(None),
                decided_at: Set(None),
                created_at: Set(now),
            };
            ids.push((i < 3, row.insert(db).await.unwrap().id));
        }
        let pending: Vec<i64> = ids.iter().filter(|(d, _)| !d).map(|(_, id)| *id).collect();
        let me = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let (seen, last) = walk_next(
            &app,
            &me,
            "/staff/exemptions",
            "exemption",
            async |_: &[i64]| {},
        )
        .await;
        each_once(&seen, &pending, b.name());
        assert_eq!(walk_prev(&app, &me, &last, "exemption").await, seen);
        let (done, _) = walk_next(
            &app,
            &me,
            "/staff/exemptions?status=done",
            "exemption",
            async |_: &[i64]| {},
        )
        .await;
        // The three decided here, and any the demo decided before.
        let decided: Vec<i64> = ids.iter().filter(|(d, _)| *d).map(|(_, id)| *id).collect();
        assert!(decided.iter().all(|id| done.contains(id)), "{}", b.name());
        let mut unique = done.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), done.len(), "each once");
        let (headers, rows) = workbook(&app, &me, "/staff/exemptions/export.xlsx").await;
        assert_eq!(headers[1], "考生");
        assert_eq!(rows.len(), pending.len(), "{}", b.name());
        let (_, rows) = workbook(&app, &me, "/staff/exemptions/export.xlsx?status=done").await;
        assert_eq!(rows.len(), done.len());
        let candidate = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let r = candidate
            .get(app.url("/staff/exemptions/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 200);
    }
}

#[tokio::test]
async fn the_backfill_queue_pages_by_key_and_exports_what_it_shows() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    use store::entity::score_backfill as sb;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let cand = app.candidate(accounts::YN_BACKFILL_NEEDED).await;
        let org = app.org_of(accounts::STAFF_YN_PREFECTURE).await;
        let major = store::repo::reference::enrolled_majors(db, cand.id)
            .await
            .unwrap()
            .remove(0)
            .major;
        let now = app.state.now();
        // More than the old cap of 200.
        let n = 203;
        let mut ids = Vec::new();
        for i in 0..n {
            let row = sb::ActiveModel {
                id: NotSet,
                candidate_id: Set(cand.id),
                source: Set("certificate".into()),
                course_code: Set(accounts::YN_BACKFILL_COURSE.into()),
                pending_course: Set(None),
                score_tenths: Set(Some(700)),
                passed: Set(true),
                obtained_on: Set(chrono::NaiveDate::from_ymd_opt(1994, 6, 1).unwrap()),
                document_no: Set(format!("D{i:05}")),
                handler_org_id: Set(org.id),
                major_id: Set(major.id),
                scan_key: Set(format!("backfills/x{i}.jpg")),
                scan_name: Set("scan.jpg".into()),
                scan_sha256: Set("0".repeat(64)),
                scan_size: Set(10),
                status: Set("pending".into()),
                original_kept: Set(false),
                decision_reason: Set(None),
                decided_by: Set(None),
                decided_at: Set(None),
                score_record_id: Set(None),
                created_at: Set(now + chrono::Duration::seconds(i64::from(i / 9))),
            };
            ids.push(row.insert(db).await.unwrap().id);
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let (seen, last) = walk_next(
            &app,
            &me,
            "/staff/backfills",
            "backfill",
            async |_: &[i64]| {},
        )
        .await;
        assert!(ids.iter().all(|id| seen.contains(id)), "{}", b.name());
        each_once(&seen, &seen.clone(), b.name());
        assert_eq!(walk_prev(&app, &me, &last, "backfill").await, seen);
        let (headers, rows) = workbook(&app, &me, "/staff/backfills/export.xlsx").await;
        assert_eq!(headers[2], "身份证号");
        assert_eq!(rows.len(), seen.len(), "{}", b.name());
        assert!(rows.iter().all(|r| r[2].contains('*')), "masked as listed");
        let candidate = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let r = candidate
            .get(app.url("/staff/backfills/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 200);
    }
}

#[tokio::test]
async fn the_pending_corrections_export_as_listed_and_the_audit_log_under_its_filter() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    use store::entity::record_correction as rc;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let now = app.state.now();
        for i in 0..5 {
            rc::ActiveModel {
                id: NotSet,
                candidate_id: Set(cand.id),
                field: Set(if i == 0 { "id_card_no" } else { "name" }.into()),
                old_value: Set(if i == 0 {
                    cand.id_card_no.clone()
                } else {
                    cand.name.clone()
                }),
                new_value: Set(if i == 0 {
                    "500101199001011234".into()
                } else {
                    format!("新名{i}")
                }),
                reason: Set("派出所更名证明".into()),
                status: Set("pending".into()),
                decided_by: Set(None),
                decision_reason: Set(None),
                created_at: Set(now),
                decided_at: Set(None),
            }
            .insert(db)
            .await
            .unwrap();
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let (status, page) = app.get_text(&me, "/staff/corrections").await;
        assert_eq!(status, 200);
        let listed = page.matches("data-correction=\"").count();
        assert!(listed >= 5, "{}", b.name());
        let (headers, rows) = workbook(&app, &me, "/staff/corrections/export.xlsx").await;
        assert_eq!(headers[1], "准考证号");
        assert_eq!(rows.len(), listed, "{}", b.name());
        let id_row = rows.iter().find(|r| r[3] == "身份证号").unwrap();
        assert!(
            id_row[4].contains('*') && id_row[5].contains('*'),
            "{id_row:?}"
        );
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let r = reviewer
            .get(app.url("/staff/corrections/export.xlsx"))
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 200, "a university decides no corrections");

        // 审计日志: the export holds every row the filter lets through, on every page.
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let mut seen = 0;
        let mut path = "/staff/audit?action=login.succeeded".to_owned();
        loop {
            let (status, page) = app.get_text(&admin, &path).await;
            assert_eq!(status, 200, "{path}");
            seen += page.matches("<tr id=\"audit-").count();
            let marker = "id=\"audit-next\" href=\"";
            match page.find("href=\"").and(page.find(marker)) {
                Some(_) => {
                    let at = page.find(marker).unwrap() + marker.len();
                    let rest = &page[at..];
                    path = rest[..rest.find('"').unwrap()]
                        .replace("&amp;", "&")
                        .replace("&#38;", "&");
                }
                None => break,
            }
        }
        assert!(seen > 0, "the sign-ins of this test are logged");
        assert!(page_has_export(&app, &admin).await);
        let (headers, rows) = workbook(
            &app,
            &admin,
            "/staff/audit/export.xlsx?action=login.succeeded",
        )
        .await;
        assert_eq!(headers[0], "时间");
        assert_eq!(rows.len(), seen, "{}", b.name());
        assert!(rows.iter().all(|r| r[3] == "login.succeeded"));
        refused(&app, &me, "/staff/audit/export.xlsx").await;
    }
}

/// The 审计日志 page offers its 导出.
async fn page_has_export(app: &TestApp, admin: &reqwest::Client) -> bool {
    let (_, page) = app.get_text(admin, "/staff/audit").await;
    page.contains("/staff/audit/export.xlsx")
}

#[tokio::test]
async fn the_prior_review_queue_has_no_cap_and_pages_by_key() {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
    use store::graduation::application as apps;
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let db = &app.db.db;
        let a = crate::reviews::submitted(&app, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let template = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let university = app.org_of(accounts::STAFF_CQ_UNIVERSITY).await;
        // Two pages and one more wait for the university to check originals; the old page
        // stopped at 100 rows.
        let n = 2 * web::paging::PER_PAGE as usize + 1;
        let mut ids = Vec::new();
        for c in candidates_like(&app, &template, "77", n).await {
            let am: store::entity::graduation_application::ActiveModel = a.clone().into();
            let mut am = am.reset_all();
            am.id = NotSet;
            am.candidate_id = Set(c.id);
            am.prior_check = Set(apps::PRIOR_AWAITING_ORIGINALS.to_owned());
            am.prior_originals_org_id = Set(Some(university.id));
            ids.push(am.insert(db).await.unwrap().id);
        }
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (seen, last) = walk_next(
            &app,
            &me,
            "/staff/prior-reviews",
            "prior",
            async |_: &[i64]| {},
        )
        .await;
        each_once(&seen, &ids, b.name());
        let back = walk_prev(&app, &me, &last, "prior").await;
        assert_eq!(back, seen, "{}: the same order walking back", b.name());
        // 导出: every waiting application, in the list's order, ID numbers masked.
        let (headers, rows) = workbook(&app, &me, "/staff/prior-reviews/export.xlsx").await;
        assert_eq!(headers[0], "准考证号");
        assert_eq!(rows.len(), n, "{}", b.name());
        assert!(
            rows.iter()
                .all(|r| r[0].starts_with("77") && r[2].contains('*'))
        );
        let mut exported: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        exported.dedup();
        assert_eq!(exported.len(), n, "each once");
        // Another organisation's reviewer sees none of them.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_BACHELOR_UNIVERSITY))
            .await;
        let (_, page) = app.get_text(&other, "/staff/prior-reviews").await;
        assert!(page_rows(&page, "prior").0.is_empty(), "{}", b.name());
    }
}

#[tokio::test]
async fn the_candidate_list_exports_every_candidate_its_search_shows_across_chunks() {
    for b in store::testkit::app_backends() {
        let app = common::spawn_app_with(&b, |_| {}).await;
        let template = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        // One more than an export reads at once, so the second chunk starts after the first.
        let n = web::export::CHUNK as usize + 1;
        let made = candidates_like(&app, &template, "66", n).await;
        let me = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let (_, page) = app.get_text(&me, "/staff/candidates?q=66").await;
        assert!(page.contains(&format!("共 {n} 人")), "{}", b.name());
        assert!(
            page.contains("href=\"/staff/candidates/export.xlsx?q=66\""),
            "{page}"
        );
        let (headers, rows) = workbook(&app, &me, "/staff/candidates/export.xlsx?q=66").await;
        assert_eq!(headers[0], "准考证号");
        assert_eq!(rows.len(), n, "{}: every row once", b.name());
        let mut expected: Vec<String> = made.iter().map(|c| c.admission_no.clone()).collect();
        expected.sort();
        let got: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, expected, "in the list's order, none twice");
        assert!(rows.iter().all(|r| r[2].contains('*')), "ID numbers masked");
        // Outside the district's scope the same search finds nobody.
        let other = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let (_, rows) = workbook(&app, &other, "/staff/candidates/export.xlsx?q=66").await;
        assert!(rows.is_empty(), "{}", b.name());
    }
}
