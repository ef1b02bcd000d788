//! 统计 of a graduation batch: the page, its workbook and the API count what was done in the
//! batch per stage, organisation and Beijing day; the charts are well-formed SVG; another
//! province's admin and a university are refused; a batch without applications shows zeros.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::graduation::form::{FileSlot, ResumeEntry};
use domain::review::CommonReason;
use store::demo::accounts;
use store::entity::{batch, graduation_application as app_entity};
use store::graduation::application::{self as apps, Decision, NewApplication, NewFile, Section};
use store::graduation::batches::{self, By};
use store::repo::audit::Actor;
use store::repo::{reference, staff};
use store::testkit::app_backends;

use crate::common::{self, TestApp, User};

/// The Beijing time `d` 2031-03-`day` `h`:`m`, as stored (UTC).
fn beijing(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    let local = NaiveDate::from_ymd_opt(2031, 3, day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap();
    Utc.from_utc_datetime(&(local - chrono::Duration::hours(8)))
}

async fn new_batch(app: &TestApp, name: &str, opens_day: u32) -> batch::Model {
    batches::create(
        &app.db.db,
        "chongqing",
        name,
        beijing(opens_day, 0, 0),
        beijing(opens_day + 10, 0, 0),
        By {
            actor: Actor::SYSTEM,
            now: Utc::now(),
            ip: None,
        },
    )
    .await
    .unwrap()
}

/// A demo candidate's application in `b`, opened (and filled in) at `at`.
async fn opened(
    app: &TestApp,
    b: &batch::Model,
    admission_no: &str,
    at: DateTime<Utc>,
) -> app_entity::Model {
    let db = &app.db.db;
    let cand = app.candidate(admission_no).await;
    let major = reference::enrolled_majors(db, cand.id).await.unwrap()[0]
        .major
        .clone();
    let mut a = apps::open(
        db,
        NewApplication {
            candidate: &cand,
            batch: b,
            major: &major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        at,
        None,
    )
    .await
    .unwrap();
    let resume = vec![ResumeEntry {
        from: "2015-09".into(),
        to: "至今".into(),
        unit: "重庆某公司".into(),
        role: "职员".into(),
    }];
    for section in [
        Section::Major(major),
        Section::Resume(resume),
        Section::SelfAppraisal("好".repeat(320)),
    ] {
        a = apps::save_section(db, &a, section, at, None).await.unwrap();
    }
    for slot in [FileSlot::IdFront, FileSlot::IdBack, FileSlot::Signature] {
        let stored = app
            .state
            .objects
            .put("test", "jpg", vec![0xFF, 0xD8, slot as u8])
            .await
            .unwrap();
        apps::attach_file(
            db,
            &a,
            NewFile {
                slot,
                stored,
                original_name: "IMG_0001.jpg",
                content_type: "image/jpeg",
                dimensions: Some((100, 60)),
                course_code: None,
            },
            at,
            None,
        )
        .await
        .unwrap();
        a = apps::get(db, a.id).await.unwrap();
    }
    a
}

async fn submitted(
    app: &TestApp,
    b: &batch::Model,
    admission_no: &str,
    at: DateTime<Utc>,
) -> app_entity::Model {
    let a = opened(app, b, admission_no, at).await;
    apps::submit(&app.db.db, &a, at, None).await.unwrap()
}

async fn decide(
    app: &TestApp,
    username: &str,
    a: &app_entity::Model,
    stage: usize,
    d: Decision,
    at: DateTime<Utc>,
) -> app_entity::Model {
    let s = staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap();
    let org = app.org_of(username).await;
    apps::decide(&app.db.db, &org, s.id, a.id, stage, d, at, None)
        .await
        .unwrap()
}

/// Pays the fee at `at` as the gateway's notification books it.
async fn paid(app: &TestApp, a: &app_entity::Model, at: DateTime<Utc>) -> i64 {
    let order = store::payment::create_order(&app.db.db, a, at, None)
        .await
        .unwrap();
    let notice = domain::payment::Notice {
        order_no: order.order_no.clone(),
        gateway_txn_no: format!("T{}", order.id),
        amount_fen: order.amount_fen,
        paid_at: at,
        timestamp: at.timestamp(),
        nonce: "n".into(),
    };
    store::payment::settle(&app.db.db, &notice, at)
        .await
        .unwrap();
    order.amount_fen
}

/// The texts of the `<td>` cells of the row that `marker` opens.
fn cells(page: &str, marker: &str) -> Vec<String> {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in the page"));
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find("</td>").unwrap()].to_owned()
        })
        .collect()
}

/// Every `<svg>` of the page: tags balanced, attributes quoted, a title and a description named
/// by `aria-labelledby`.
fn svgs_are_well_formed(page: &str) -> usize {
    let mut n = 0;
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed") + start + "</svg>".len();
        let svg = &rest[start..end];
        let mut open: Vec<String> = Vec::new();
        let mut s = svg;
        while let Some(lt) = s.find('<') {
            let gt = s[lt..].find('>').expect("tag ends") + lt;
            let tag = &s[lt + 1..gt];
            assert!(
                tag.matches('"').count().is_multiple_of(2),
                "attribute quotes paired: <{tag}>"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "nesting in {svg}");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap().to_owned();
                open.push(name);
            }
            s = &s[gt + 1..];
        }
        assert!(open.is_empty(), "every element closed: {svg}");
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby="));
        assert!(
            svg.contains("<title id=") && svg.contains("<desc id="),
            "{svg}"
        );
        assert!(svg.contains("viewBox=\"0 0 400 ") && svg.contains("width=\"100%\""));
        n += 1;
        rest = &rest[end..];
    }
    n
}

/// The workbook's value of (分类, 名称, 指标).
fn cell<'a>(rows: &'a [Vec<String>], group: &str, name: &str, what: &str) -> &'a str {
    rows.iter()
        .find(|r| r[0] == group && r[1] == name && r[2] == what)
        .map(|r| r[3].as_str())
        .unwrap_or_else(|| panic!("{group}/{name}/{what} in {rows:?}"))
}

#[tokio::test]
async fn the_batch_page_counts_each_stage_organisation_and_beijing_day_as_done() {
    for b in app_backends() {
        let app = common::spawn_app(&b).await;
        let name = b.name();
        let batch = new_batch(&app, "2031年春季统计批次", 1).await;
        let day1 = "2031-03-02";
        let day2 = "2031-03-03";

        // A: submitted on day 1, approved by 重庆师范大学 on day 2, paid on day 3, rejected by
        // the office on day 4 (the fee is refunded).
        let a = submitted(
            &app,
            &batch,
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            beijing(2, 10, 0),
        )
        .await;
        let a = decide(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            &a,
            0,
            Decision::Approve,
            beijing(3, 9, 0),
        )
        .await;
        let fee = paid(&app, &a, beijing(4, 11, 0)).await;
        let signature = domain::review::compose_reason("signature", "请重新签名").unwrap();
        let a = decide(
            &app,
            accounts::STAFF_CQ_OFFICE_REVIEWER,
            &a,
            2,
            Decision::Reject(signature),
            beijing(5, 15, 0),
        )
        .await;
        assert_eq!(
            (a.status.as_str(), a.stage),
            ("rejected", Some(2)),
            "{name}"
        );
        // B: submitted at 23:30 on day 1 (15:30 UTC, still day 1 in Beijing), rejected by the
        // university on day 2 with a catalogue reason.
        let bb = submitted(
            &app,
            &batch,
            accounts::CQ_EXEMPTION_USED,
            beijing(2, 23, 30),
        )
        .await;
        let front = domain::review::compose_reason("id_front_unclear", "").unwrap();
        decide(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            &bb,
            0,
            Decision::Reject(front),
            beijing(3, 10, 0),
        )
        .await;
        // C: submitted at 00:30 Beijing on day 2 (16:30 UTC of day 1), waiting at 重庆大学.
        let c = submitted(
            &app,
            &batch,
            accounts::CQ_BACHELOR_PRIOR_EDU,
            beijing(3, 0, 30),
        )
        .await;
        assert_eq!(
            c.submitted_at.unwrap().date_naive().to_string(),
            day1,
            "UTC says day 1"
        );
        // D: only opened.
        opened(
            &app,
            &batch,
            accounts::CQ_ONE_COURSE_SHORT,
            beijing(3, 8, 0),
        )
        .await;

        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, list) = app.get_text(&admin, "/staff/batches").await;
        assert_eq!(status, 200);
        let link = format!("/staff/batches/{}/stats", batch.id);
        assert!(
            list.contains(&format!("href=\"{link}\"")),
            "linked from the list"
        );

        let (status, page) = app.get_text(&admin, &link).await;
        assert_eq!(status, 200, "{name}: {page}");
        assert!(page.contains("2031年春季统计批次"));
        assert!(
            page.contains("id=\"stats-total\">4<"),
            "{name}: four applications"
        );
        for (status, n) in [
            ("draft", "1"),
            ("in_review", "1"),
            ("awaiting_payment", "0"),
            ("rejected", "2"),
            ("approved", "0"),
            ("closed", "0"),
        ] {
            assert_eq!(
                cells(&page, &format!("data-status=\"{status}\"")),
                [n],
                "{name}: {status}"
            );
        }
        // Stage 0 (主考学校初审): C waits, B was rejected, A approved; the fee stage took A's
        // payment; the office rejected A.
        assert_eq!(
            cells(&page, "data-stage=\"0\""),
            ["1", "1", "1", "1"],
            "{name}"
        );
        assert_eq!(
            cells(&page, "data-stage=\"1\""),
            ["0", "0", "1", "0"],
            "{name}"
        );
        assert_eq!(
            cells(&page, "data-stage=\"2\""),
            ["0", "1", "0", "1"],
            "{name}"
        );
        let cqnu = app.org_of(accounts::STAFF_CQ_UNIVERSITY).await;
        let cqu = app.org_of(accounts::STAFF_CQ_BACHELOR_UNIVERSITY).await;
        let office = app.org_of(accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let org_row = |id: i64| cells(&page, &format!("data-org=\"{id}\""))[1..].to_vec();
        assert_eq!(org_row(cqnu.id), ["0", "1", "1"], "{name}: 重庆师范大学");
        assert_eq!(org_row(cqu.id), ["1", "0", "0"], "{name}: 重庆大学");
        assert_eq!(org_row(office.id), ["0", "0", "1"], "{name}: the office");
        // Days in Beijing time: submitted, approved, rejected, paid, amount, refunds, amount.
        let yuan = format!("{}.{:02}", fee / 100, fee % 100);
        let day = |d: &str| cells(&page, &format!("data-day=\"{d}\""));
        assert_eq!(
            day(day1),
            ["2", "0", "0", "0", "0.00", "0", "0.00"],
            "{name}"
        );
        assert_eq!(
            day(day2),
            ["1", "1", "1", "0", "0.00", "0", "0.00"],
            "{name}"
        );
        assert_eq!(
            day("2031-03-04"),
            ["0", "0", "0", "1", yuan.as_str(), "0", "0.00"],
            "{name}"
        );
        assert_eq!(
            day("2031-03-05"),
            ["0", "0", "1", "0", "0.00", "1", yuan.as_str()],
            "{name}"
        );
        assert!(
            !page.contains("data-day=\"2031-03-06\""),
            "no day after the last"
        );
        assert_eq!(cells(&page, "data-reason=\"signature\""), ["1"]);
        assert_eq!(cells(&page, "data-reason=\"id_front_unclear\""), ["1"]);
        assert!(page.contains(CommonReason::Signature.label()));
        // Nine charts (status, stages, organisations, reasons, five day series), each drawn.
        assert_eq!(svgs_are_well_formed(&page), 9, "{name}");
        assert!(page.contains("<desc id=\"chart-statuses-desc\">填写中 1；审核中 1；"));

        // The workbook holds the same numbers.
        let (headers, rows) = crate::exports::workbook(
            &app,
            &admin,
            &format!("/staff/batches/{}/stats.xlsx", batch.id),
        )
        .await;
        assert_eq!(headers, ["分类", "名称", "指标", "数值"]);
        assert_eq!(cell(&rows, "申请", "全部", "人数"), "4");
        assert_eq!(cell(&rows, "申请状态", "已驳回", "人数"), "2");
        assert_eq!(cell(&rows, "审核环节", "主考学校初审", "待审核"), "1");
        assert_eq!(cell(&rows, "审核环节", "主考学校初审", "通过"), "1");
        assert_eq!(cell(&rows, "审核机构", &cqnu.name, "驳回"), "1");
        assert_eq!(cell(&rows, "审核机构", &cqu.name, "待审核"), "1");
        assert_eq!(cell(&rows, "按日", day1, "提交"), "2");
        assert_eq!(cell(&rows, "按日", day2, "提交"), "1");
        assert_eq!(cell(&rows, "按日", "2031-03-04", "交费"), "1");
        assert_eq!(
            cell(&rows, "按日", "2031-03-04", "交费金额（元）")
                .parse::<f64>()
                .unwrap(),
            fee as f64 / 100.0
        );
        assert_eq!(cell(&rows, "按日", "2031-03-05", "退费"), "1");
        assert_eq!(
            cell(
                &rows,
                "驳回原因",
                CommonReason::IdFrontUnclear.label(),
                "次数"
            ),
            "1"
        );
        assert_eq!(
            cell(
                &rows,
                "按日驳回原因",
                "2031-03-05",
                CommonReason::Signature.label()
            ),
            "1"
        );

        // The API answers the same numbers through the same service.
        let token = common::api_token(&app, &admin).await;
        let (status, json) = common::api_send(
            admin.get(app.url(&format!("/api/v1/graduation/batches/{}/stats", batch.id))),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["applications"], 4);
        assert_eq!(json["stages"][0]["waiting"], 1);
        assert_eq!(json["stages"][1]["approvals"], 1);
        assert_eq!(json["days"][0]["date"], day1);
        assert_eq!(json["days"][0]["submitted"], 2);
        assert_eq!(json["days"][2]["paid_fen"], fee);
        assert_eq!(json["days"][3]["refund_fen"], fee);

        // Another province's admin and a university are refused, on the page, the export and
        // the API alike.
        let yunnan = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        let university = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        for client in [&yunnan, &university] {
            for path in [link.clone(), format!("{link}.xlsx")] {
                let r = client.get(app.url(&path)).send().await.unwrap();
                assert_eq!(r.status(), 403, "{name}: {path}");
            }
            let token = common::api_token(&app, client).await;
            let (status, _) = common::api_send(
                client.get(app.url(&format!("/api/v1/graduation/batches/{}/stats", batch.id))),
                &token,
            )
            .await;
            assert_eq!(status, 403, "{name}");
        }
        // The office's reviewer may read it.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (status, _) = app.get_text(&reviewer, &link).await;
        assert_eq!(
            status, 200,
            "{name}: the office's reviewer reads the counts"
        );
    }
}

#[tokio::test]
async fn a_batch_without_applications_shows_zeros() {
    for b in app_backends() {
        let app = common::spawn_app(&b).await;
        let batch = new_batch(&app, "2031年空批次", 20).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let link = format!("/staff/batches/{}/stats", batch.id);
        let (status, page) = app.get_text(&admin, &link).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("id=\"stats-total\">0<"));
        assert_eq!(cells(&page, "data-status=\"in_review\""), ["0"]);
        assert_eq!(cells(&page, "data-stage=\"0\""), ["0", "0", "0", "0"]);
        assert!(page.contains("尚无提交、审核、交费或退费") && page.contains("尚无驳回"));
        assert_eq!(svgs_are_well_formed(&page), 9);
        let (_, rows) = crate::exports::workbook(&app, &admin, &format!("{link}.xlsx")).await;
        assert_eq!(cell(&rows, "申请", "全部", "人数"), "0");
        assert!(rows.iter().all(|r| r[0] != "按日"));
        let r = admin
            .get(app.url("/staff/batches/999999/stats"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
}

#[tokio::test]
async fn the_applications_of_a_batch_export_one_row_each_with_where_they_stand() {
    for b in app_backends() {
        let app = common::spawn_app(&b).await;
        let a = crate::payments::submitted(&app).await;
        let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let path = format!("/staff/batches/{}/applications.xlsx", a.batch_id);
        let (_, page) = app
            .get_text(&admin, &format!("/staff/batches/{}/stats", a.batch_id))
            .await;
        assert!(page.contains(&format!("href=\"{path}\"")), "{}", b.name());
        let (headers, rows) = crate::exports::workbook(&app, &admin, &path).await;
        assert_eq!(headers[0], "准考证号");
        let total = sea_orm::PaginatorTrait::count(
            sea_orm::QueryFilter::filter(
                <app_entity::Entity as sea_orm::EntityTrait>::find(),
                sea_orm::ColumnTrait::eq(&app_entity::Column::BatchId, a.batch_id),
            ),
            &app.db.db,
        )
        .await
        .unwrap();
        assert_eq!(
            rows.len() as u64,
            total,
            "{}: every application once",
            b.name()
        );
        let mine = rows.iter().find(|r| r[0] == cand.admission_no).unwrap();
        assert!(mine[2].contains('*'), "ID number masked: {mine:?}");
        assert_eq!(mine[5], "审核中");
        assert_eq!(mine[6], "主考学校初审");
        assert_eq!(mine[7], "重庆师范大学");
        // Not for a university, nor for another province's office.
        for who in [
            accounts::STAFF_CQ_UNIVERSITY,
            accounts::STAFF_YN_OFFICE_ADMIN,
        ] {
            let s = app.with_user(User::Staff(who)).await;
            let r = s.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 403, "{}: {who}", b.name());
        }
    }
}
