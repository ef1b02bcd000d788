//! 数据导入 of students and their scores: by the school of continuing education, for itself only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::accounts::{Holder, Identity, NO_PASSWORD};
use store::demo::accounts;
use store::entity::student;
use store::testkit::app_backends;

use crate::common::{self, User, spawn_app};

async fn upload(
    app: &common::TestApp,
    client: &reqwest::Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let token = app.csrf(client, "/staff/imports").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let r = client
        .post(app.url("/staff/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

fn valid_id(seq: u32) -> String {
    let first17 = format!("53010320000301{seq:03}");
    format!("{first17}{}", domain::check_digit(&first17).unwrap())
}

async fn count_students(app: &common::TestApp) -> u64 {
    student::Entity::find().count(&app.db.db).await.unwrap()
}

#[tokio::test]
async fn a_school_admin_imports_students_and_their_scores_and_the_students_can_activate() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/imports").await;
        assert_eq!(status, 200);
        assert!(page.contains(r#"<option value="students">"#), "{page}");
        assert!(page.contains(r#"<label for="kind">"#));

        let csv = format!(
            "学号,姓名,身份证号,层次,专业,年级,学籍状态,本科入学年月\n\
             2024130502901,林一帆,{},专升本,视觉传达设计,2024级,在籍,202403\n\
             2024030101902,何雨桐,{},专科起点本科,030101K,2024级,在籍,202403\n",
            valid_id(11),
            valid_id(12)
        );
        let (status, page) = upload(&app, &admin, "students", "学生.csv", csv.into_bytes()).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("导入成功"), "{page}");
        assert!(page.contains("新增 2 行，更新 0 行"), "{page}");
        let school = app.org_of(accounts::STAFF_CE_SCHOOL_ADMIN).await;
        let lin = store::repo::student::by_student_no(&app.db.db, "2024130502901")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lin.school_org_id, school.id);
        assert_eq!(lin.password_hash, NO_PASSWORD);
        assert_eq!(lin.entry_month.as_deref(), Some("202403"));
        let code = store::accounts::request_activation(
            &app.db.db,
            Holder::Student,
            Identity {
                number: "2024130502901",
                id_card_no: &valid_id(11),
                name: "林一帆",
            },
            "13987650001",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        assert!(code.is_some(), "the imported student may activate");

        let scores = "学号,课程代码,成绩,考试日期\n\
                      2024130502901,00688,82,2025-01-10\n\
                      2024130502901,09299,合格,2025-06-01\n";
        let (status, page) = upload(
            &app,
            &admin,
            "student_scores",
            "学生成绩.csv",
            scores.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("新增 2 行"), "{page}");
        let held = store::repo::student::scores(&app.db.db, lin.id)
            .await
            .unwrap();
        assert_eq!(held.len(), 2);

        // A bad row is shown with its row and column, and the file is refused whole.
        let bad = "学号,课程代码,成绩,考试日期\n\
                   2024130502901,00688,85,2025-01-10\n\
                   2099130502999,00688,85,2025-01-10\n";
        let (status, page) = upload(
            &app,
            &admin,
            "student_scores",
            "bad.csv",
            bad.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("<td>3</td><td>学号</td>"), "{page}");
        let kept = store::repo::student::scores(&app.db.db, lin.id)
            .await
            .unwrap();
        assert!(
            kept.iter().any(|s| s.score_tenths == Some(820)),
            "unchanged"
        );
    }
}

#[tokio::test]
async fn an_exam_office_cannot_import_students() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let before = count_students(&app).await;
        let csv = format!(
            "学号,姓名,身份证号,层次,专业,年级,学籍状态\n\
             2024130502911,林二帆,{},专升本,130502,2024级,在籍\n",
            valid_id(21)
        );
        let (status, page) = upload(&app, &admin, "students", "学生.csv", csv.into_bytes()).await;
        assert_eq!(status, 403, "{}: {page}", b.name());
        assert!(page.contains("只能由继续教育学院导入"), "{page}");
        assert!(page.contains("市自考办"), "{page}");
        let (status, _) = upload(
            &app,
            &admin,
            "student_scores",
            "s.csv",
            format!(
                "学号,课程代码,成绩,考试日期\n{},00688,90,2025-01-10\n",
                accounts::STUDENT_ABOVE_THRESHOLDS
            )
            .into_bytes(),
        )
        .await;
        assert_eq!(status, 403);
        assert_eq!(count_students(&app).await, before, "nothing imported");
        let untouched = student::Entity::find()
            .filter(student::Column::StudentNo.eq(accounts::STUDENT_ABOVE_THRESHOLDS))
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap();
        let scores = store::repo::student::scores(&app.db.db, untouched.id)
            .await
            .unwrap();
        assert!(
            scores
                .iter()
                .all(|s| s.score_tenths != Some(900) || s.course_code != "00688")
        );
    }
}
