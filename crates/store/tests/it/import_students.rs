//! A school of continuing education imports its plan, its students and their scores, on every
//! application backend.

use std::path::{Path, PathBuf};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::Db;
use store::accounts::{self, Holder, Identity, NO_PASSWORD};
use store::entity::{audit, import_run, major, organisation, plan_course, student, student_score};
use store::import::{ImportError, ImportKind, ImportReport, ImportRequest, import_file};
use store::repo::audit::Actor;
use store::repo::org;
use store::testkit::{TestDb, app_backends, contract_backends};
use tabular::Format;
use tempfile::TempDir;

use crate::common::{HASH, now};

const STUDENT_HEADERS: &str = "学号,姓名,身份证号,层次,专业,年级,学籍状态";

/// A valid 身份证号 from 渝中区 born on 1999-06-18 with sequence `seq`.
fn id_card(seq: u32) -> String {
    let first17 = format!("50010319990618{seq:03}");
    format!("{first17}{}", domain::check_digit(&first17).unwrap())
}

/// The school `ce` with its plan (imported by the school itself), a second school `ce2` with one
/// major, and a district agency that is no school.
async fn seed(db: &Db) -> (organisation::Model, organisation::Model) {
    let t = now();
    let mut schools = Vec::new();
    for (code, name) in [
        ("ce", "示例大学继续教育学院"),
        ("ce2", "另一大学继续教育学院"),
    ] {
        let school = org::create(
            db,
            org::NewOrg {
                parent_id: None,
                kind: "continuing_ed_school",
                province: None,
                code,
                name,
                announcement: "",
            },
            t,
        )
        .await
        .unwrap();
        schools.push(school);
    }
    org::create(
        db,
        org::NewOrg {
            parent_id: None,
            kind: "district_agency",
            province: Some("chongqing"),
            code: "cq-yz",
            name: "渝中区招生办公室",
            announcement: "",
        },
        t,
    )
    .await
    .unwrap();
    let (ce, ce2) = (schools.remove(0), schools.remove(0));
    let dir = TempDir::new().unwrap();
    let plan = "专业代码,专业名称,层次,主考学校,课程代码,课程名称,学分,课程类型,学位主干课,可替换课程\n\
        130502,视觉传达设计（专升本）,本科,ce,03709,马克思主义基本原理概论,4,理论,否,\n\
        130502,视觉传达设计（专升本）,本科,ce,13000,英语（专升本）,7,理论,否,00015\n\
        130502,视觉传达设计（专升本）,本科,ce,00688,设计概论,4,理论,是,\n\
        130502,视觉传达设计（专升本）,本科,ce,09299,毕业设计,6,毕业论文,否,\n\
        030101K,法学（专升本）,本科,ce,00242,民法学,6,理论,是,\n\
        030101K,法学（专升本）,本科,ce,00015,英语（二）,6,理论,否,\n";
    let report = import(
        db,
        ImportKind::Plans,
        &write(&dir, "plan.csv", plan),
        Format::Csv,
        Some(&ce),
    )
    .await
    .unwrap();
    assert!(report.succeeded(), "{:?}", report.errors);
    let other = "专业代码,专业名称,层次,主考学校,课程代码,课程名称,学分,课程类型\n\
        030101K,法学（专升本）,本科,ce2,00242,民法学,6,理论\n";
    let report = import(
        db,
        ImportKind::Plans,
        &write(&dir, "plan2.csv", other),
        Format::Csv,
        Some(&ce2),
    )
    .await
    .unwrap();
    assert!(report.succeeded(), "{:?}", report.errors);
    (ce, ce2)
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn xlsx(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    workbook.save(&path).unwrap();
    path
}

/// Imports as the school's staff on the page would: scoped to the school, for the school.
async fn import(
    db: &Db,
    kind: ImportKind,
    path: &Path,
    format: Format,
    school: Option<&organisation::Model>,
) -> Result<ImportReport, ImportError> {
    import_file(
        db,
        ImportRequest {
            kind,
            path,
            format,
            file_name: &path.file_name().unwrap().to_string_lossy(),
            actor: Actor {
                kind: "staff",
                id: Some(7),
            },
            ip: Some("127.0.0.1"),
            now: now(),
            scope: school.map(|s| s.path.as_str()),
            school: school.map(|s| s.id),
        },
    )
    .await
}

async fn by_no(db: &Db, no: &str) -> student::Model {
    store::repo::student::by_student_no(db, no)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("student {no}"))
}

async fn count_students(db: &Db) -> u64 {
    student::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn a_school_imports_its_own_plan_with_the_degree_core_courses_marked() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, _) = seed(&t.db).await;
        let visual = major::Entity::find()
            .filter(major::Column::ChiefUniversityId.eq(ce.id))
            .filter(major::Column::Code.eq("130502"))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let core: Vec<String> = plan_course::Entity::find()
            .filter(plan_course::Column::MajorId.eq(visual.id))
            .filter(plan_course::Column::DegreeCore.eq(true))
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.course_code)
            .collect();
        assert_eq!(core, ["00688"], "{}", b.name());
    }
}

#[tokio::test]
async fn an_xlsx_of_students_registers_them_to_activate_and_a_second_import_updates_them() {
    // The re-import is an upsert: MySQL too.
    for b in contract_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, _) = seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let file = format!(
            "{STUDENT_HEADERS},学习中心,考生号,本科入学年月,民族,政治面貌,手机号\n\
             2022130502101,赵梓涵,{},专科起点本科,视觉传达设计,2022,在籍,,22530103150211,2022-03,回族,共青团员,\n\
             2022030101102,罗文博,{},专升本,030101k,2022级,在籍,昆明学习中心,,202203,,,13708716254\n",
            id_card(28),
            id_card(15)
        );
        let report = import(
            &t.db,
            ImportKind::Students,
            &xlsx(&dir, "学生.xlsx", &file),
            Format::Xlsx,
            Some(&ce),
        )
        .await
        .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!((report.rows, report.imported, report.updated), (2, 2, 0));
        assert_eq!(
            report.summary(),
            "导入成功：共 2 行，已导入 2 行（新增 2 行，更新 0 行）"
        );
        let zhao = by_no(&t.db, "2022130502101").await;
        assert_eq!(zhao.school_org_id, ce.id);
        assert_eq!(zhao.password_hash, NO_PASSWORD, "activates by itself");
        assert_eq!(zhao.phone, None, "no phone unless given");
        assert_eq!(
            (zhao.gender.as_str(), zhao.birth_date.to_string().as_str()),
            ("female", "1999-06-18")
        );
        assert_eq!(
            (
                zhao.study_level.as_str(),
                zhao.grade.as_str(),
                zhao.enrolment_status.as_str()
            ),
            ("专升本", "2022级", "在籍")
        );
        assert_eq!(zhao.entry_month.as_deref(), Some("202203"));
        assert_eq!(zhao.learning_centre, ce.name, "the school by default");
        assert_eq!(zhao.exam_reg_no, "22530103150211");
        assert_eq!(
            (zhao.ethnicity.as_str(), zhao.political_status.as_str()),
            ("回族", "共青团员")
        );
        let luo = by_no(&t.db, "2022030101102").await;
        assert_eq!(luo.phone.as_deref(), Some("13708716254"));
        assert_eq!(luo.learning_centre, "昆明学习中心");
        let law = major::Entity::find_by_id(luo.major_id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (law.code.as_str(), law.chief_university_id),
            ("030101K", ce.id)
        );

        // The activation page finds the imported student by 学号, 身份证号 and 姓名.
        let who = |name| Identity {
            number: "2022130502101",
            id_card_no: &zhao.id_card_no,
            name,
        };
        let wrong = accounts::request_activation(
            &t.db,
            Holder::Student,
            who("赵子涵"),
            "13900001111",
            now(),
        )
        .await
        .unwrap();
        assert_eq!(wrong, None);
        let code = accounts::request_activation(
            &t.db,
            Holder::Student,
            who("赵梓涵"),
            "13900002222",
            now(),
        )
        .await
        .unwrap();
        assert!(code.is_some(), "{}: a code is sent to activate", b.name());

        // The register again, corrected: one student updated, one new; the columns left out keep
        // what the first import gave.
        let again = format!(
            "{STUDENT_HEADERS}\n\
             2022130502101,赵梓晗,{},专升本,130502,2022级,休学\n\
             2023130502103,马嘉欣,{},专升本,视觉传达设计（专升本）,2023级,在籍\n",
            id_card(28),
            id_card(66)
        );
        let report = import(
            &t.db,
            ImportKind::Students,
            &write(&dir, "学生更正.csv", &again),
            Format::Csv,
            Some(&ce),
        )
        .await
        .unwrap();
        assert!(report.succeeded(), "{:?}", report.errors);
        assert_eq!((report.imported, report.updated), (2, 1));
        assert!(
            report.summary().contains("新增 1 行，更新 1 行"),
            "{}",
            report.summary()
        );
        assert_eq!(count_students(&t.db).await, 3, "updated, not added again");
        let zhao2 = by_no(&t.db, "2022130502101").await;
        assert_eq!(zhao2.id, zhao.id);
        assert_eq!(
            (zhao2.name.as_str(), zhao2.enrolment_status.as_str()),
            ("赵梓晗", "休学")
        );
        assert_eq!(zhao2.entry_month.as_deref(), Some("202203"));
        assert_eq!(zhao2.exam_reg_no, "22530103150211");
        assert_eq!(zhao2.ethnicity, "回族");
        assert_eq!(zhao2.created_at, zhao.created_at);

        // Each run is recorded with its audit entry.
        let runs = import_run::Entity::find()
            .filter(import_run::Column::Kind.eq("students"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(runs, 2);
        let audited = audit::Entity::find()
            .filter(audit::Column::Action.eq("import.students"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(audited, 2);
    }
}

#[tokio::test]
async fn a_gb18030_student_csv_imports_and_the_report_names_the_encoding() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, _) = seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let text = format!(
            "{STUDENT_HEADERS}\n2022130502201,欧阳娜娜,{},专升本,视觉传达设计,2022级,在籍\n",
            id_card(40)
        );
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let path = dir.path().join("学生.csv");
        std::fs::write(&path, &bytes).unwrap();
        let report = import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!(report.encoding, Some("GB18030"));
        assert_eq!(by_no(&t.db, "2022130502201").await.name, "欧阳娜娜");
    }
}

#[tokio::test]
async fn bad_student_rows_are_each_reported_by_row_and_column_and_nothing_is_imported() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, _) = seed(&t.db).await;
        let good = id_card(50);
        let expected = good.chars().last().unwrap();
        let wrong = if expected == '1' { '2' } else { '1' };
        let file = format!(
            "{STUDENT_HEADERS}\n\
             2022130502301,张三,{},专升本,130502,2022级,在籍\n\
             2022130502302,李四,{}{wrong},专升本,130502,2022级,在籍\n\
             2022130502303,王五,{},专升本,环境设计,2022级,在籍\n\
             ,赵六,{},专升本,130502,2022级,在籍\n\
             2022130502301,钱七,{},专升本,130502,2022级,在籍\n\
             2022130502306,孙八,{},高起专,130502,2022级,在读\n",
            id_card(51),
            &good[..17],
            id_card(53),
            id_card(54),
            id_card(55),
            id_card(56)
        );
        let dir = TempDir::new().unwrap();
        let report = import(
            &t.db,
            ImportKind::Students,
            &write(&dir, "学生.csv", &file),
            Format::Csv,
            Some(&ce),
        )
        .await
        .unwrap();
        assert!(!report.succeeded());
        let cells: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                (3, "身份证号"),
                (4, "专业"),
                (5, "学号"),
                (6, "学号"),
                (7, "学籍状态"),
                (7, "层次"),
            ],
            "{}: {:?}",
            b.name(),
            report.errors
        );
        let reason = |line: u64, column: &str| {
            report
                .errors
                .iter()
                .find(|e| e.line == line && e.column == column)
                .unwrap()
                .reason
                .clone()
        };
        assert!(
            reason(3, "身份证号").contains(&format!("应为{expected}")),
            "{}",
            reason(3, "身份证号")
        );
        assert!(
            reason(4, "专业").contains("专业不存在：环境设计"),
            "{}",
            reason(4, "专业")
        );
        assert!(reason(4, "专业").contains("130502 视觉传达设计（专升本）"));
        assert!(reason(5, "学号").contains("学号不能为空"));
        assert!(
            reason(6, "学号").contains("与第2行重复"),
            "{}",
            reason(6, "学号")
        );
        assert!(
            reason(7, "层次").contains("应对应专科专业"),
            "{}",
            reason(7, "层次")
        );
        assert!(
            reason(7, "学籍状态").contains("在籍、休学"),
            "{}",
            reason(7, "学籍状态")
        );
        // The ID number is masked in the kept report.
        assert!(report.errors[0].value.contains('*'));
        assert_eq!(
            (report.rows, report.imported, report.refused_rows),
            (6, 0, 5)
        );
        assert_eq!(
            report.summary(),
            "导入失败：共 6 行，其中 5 行有误（6 处错误），未导入任何数据"
        );
        assert_eq!(
            count_students(&t.db).await,
            0,
            "{}: all or nothing",
            b.name()
        );
    }
}

#[tokio::test]
async fn a_reimport_keeps_an_activated_account_s_phone_and_id_and_leaves_other_schools_alone() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, ce2) = seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let first = format!(
            "{STUDENT_HEADERS},手机号\n2022130502401,周九,{},专升本,130502,2022级,在籍,13700000001\n",
            id_card(60)
        );
        let path = write(&dir, "a.csv", &first);
        assert!(
            import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
                .await
                .unwrap()
                .succeeded()
        );
        let theirs = format!(
            "{STUDENT_HEADERS}\n2022030101402,吴十,{},专升本,030101K,2022级,在籍\n",
            id_card(61)
        );
        let path = write(&dir, "b.csv", &theirs);
        assert!(
            import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce2))
                .await
                .unwrap()
                .succeeded()
        );
        // 周九 activates with another phone.
        student::Entity::update_many()
            .col_expr(student::Column::PasswordHash, Expr::value(HASH))
            .col_expr(student::Column::Phone, Expr::value("13900009999"))
            .filter(student::Column::StudentNo.eq("2022130502401"))
            .exec(&t.db)
            .await
            .unwrap();

        let again = format!(
            "{STUDENT_HEADERS},手机号\n\
             2022130502401,周九,{},专升本,130502,2022级,毕业,13700000001\n\
             2022130502401,周九,{},专升本,130502,2022级,在籍,\n",
            id_card(60),
            id_card(62)
        );
        // One file per case: the first row alone is fine, the second changes the ID number.
        let (ok, bad) = again.split_at(again.rfind("2022130502401").unwrap());
        let path = write(&dir, "c.csv", ok);
        let report = import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        let zhou = by_no(&t.db, "2022130502401").await;
        assert_eq!(zhou.enrolment_status, "毕业");
        assert_eq!(
            zhou.phone.as_deref(),
            Some("13900009999"),
            "the confirmed phone stays"
        );
        assert_eq!(zhou.password_hash, HASH, "the password stays");

        let path = write(&dir, "d.csv", &format!("{STUDENT_HEADERS},手机号\n{bad}"));
        let report = import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
            .await
            .unwrap();
        let e = &report.errors[0];
        assert_eq!((e.line, e.column.as_str()), (2, "身份证号"));
        assert!(e.reason.contains("已激活"), "{}", e.reason);

        let path = write(&dir, "e.csv", &theirs);
        let report = import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
            .await
            .unwrap();
        let e = &report.errors[0];
        assert_eq!((e.line, e.column.as_str()), (2, "学号"));
        assert!(e.reason.contains("其他学校"), "{}", e.reason);
        assert_eq!(by_no(&t.db, "2022030101402").await.school_org_id, ce2.id);
    }
}

#[tokio::test]
async fn students_are_refused_for_an_organisation_that_is_not_a_school() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        seed(&t.db).await;
        let agency = org::by_code(&t.db, "cq-yz").await.unwrap().unwrap();
        let dir = TempDir::new().unwrap();
        let file = format!(
            "{STUDENT_HEADERS}\n2022130502501,郑一,{},专升本,130502,2022级,在籍\n",
            id_card(70)
        );
        let path = write(&dir, "学生.csv", &file);
        match import(
            &t.db,
            ImportKind::Students,
            &path,
            Format::Csv,
            Some(&agency),
        )
        .await
        {
            Err(ImportError::Refused(m)) => {
                assert!(
                    m.contains("区县考试机构") && m.contains("继续教育学院"),
                    "{m}"
                )
            }
            other => panic!("{}: {other:?}", b.name()),
        }
        match import(&t.db, ImportKind::Students, &path, Format::Csv, None).await {
            Err(ImportError::Refused(m)) => assert!(m.contains("--school"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(count_students(&t.db).await, 0);
    }
}

#[tokio::test]
async fn student_scores_import_per_course_replace_on_reimport_and_report_unknown_students() {
    // The re-import is an upsert: MySQL too.
    for b in contract_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (ce, ce2) = seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let students = format!(
            "{STUDENT_HEADERS}\n\
             2022130502601,冯二,{},专升本,130502,2022级,在籍\n\
             2022030101602,陈三,{},专升本,030101K,2022级,在籍\n",
            id_card(80),
            id_card(81)
        );
        let path = write(&dir, "s.csv", &students);
        assert!(
            import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce))
                .await
                .unwrap()
                .succeeded()
        );
        let other = format!(
            "{STUDENT_HEADERS}\n2022030101603,褚四,{},专升本,030101K,2022级,在籍\n",
            id_card(82)
        );
        let path = write(&dir, "o.csv", &other);
        assert!(
            import(&t.db, ImportKind::Students, &path, Format::Csv, Some(&ce2))
                .await
                .unwrap()
                .succeeded()
        );

        let bad = "学号,课程代码,成绩,考试日期\n\
            2022130502601,00688,77,2023-07-07\n\
            2099000000001,00688,80,2023-07-07\n\
            2022130502601,00242,80,2023-07-07\n\
            2022130502601,00688,79,2023-07-08\n\
            2022030101603,00242,80,2023-07-07\n\
            2022030101602,00242,101,2023-07-07\n";
        let report = import(
            &t.db,
            ImportKind::StudentScores,
            &write(&dir, "bad.csv", bad),
            Format::Csv,
            Some(&ce),
        )
        .await
        .unwrap();
        let cells: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                (3, "学号"),
                (4, "课程代码"),
                (5, "课程代码"),
                (6, "学号"),
                (7, "成绩")
            ],
            "{}: {:?}",
            b.name(),
            report.errors
        );
        assert!(report.errors[0].reason.contains("学号不存在"));
        assert!(
            report.errors[1]
                .reason
                .contains("不在该学生所学专业“视觉传达设计（专升本）”"),
            "{}",
            report.errors[1].reason
        );
        assert!(
            report.errors[2].reason.contains("与第2行重复"),
            "{}",
            report.errors[2].reason
        );
        assert!(
            report.errors[3].reason.contains("不属于本学院"),
            "another school's student"
        );
        assert_eq!(student_score::Entity::find().count(&t.db).await.unwrap(), 0);

        // Numbers and pass marks, a substitute course standing for a plan course.
        let good = "学号,课程代码,成绩,考试日期\n\
            2022130502601,00688,77,2023-07-07\n\
            2022130502601,00015,合格,2023-01-13\n\
            2022030101602,00242,88.5,202307\n";
        let path = write(&dir, "good.csv", good);
        let report = import(
            &t.db,
            ImportKind::StudentScores,
            &path,
            Format::Csv,
            Some(&ce),
        )
        .await
        .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!((report.imported, report.updated), (3, 0));

        // A corrected result replaces the one held; a new course is added.
        let again = "学号,课程代码,成绩,考试日期\n\
            2022130502601,00688,81,2024-01-12\n\
            2022130502601,03709,90,2023-07-07\n";
        let path = write(&dir, "again.csv", again);
        let report = import(
            &t.db,
            ImportKind::StudentScores,
            &path,
            Format::Csv,
            Some(&ce),
        )
        .await
        .unwrap();
        assert!(report.succeeded(), "{:?}", report.errors);
        assert_eq!((report.imported, report.updated), (2, 1));
        let feng = by_no(&t.db, "2022130502601").await;
        let scores = store::repo::student::scores(&t.db, feng.id).await.unwrap();
        let held: Vec<(&str, Option<i32>, bool, String)> = scores
            .iter()
            .map(|s| {
                (
                    s.course_code.as_str(),
                    s.score_tenths,
                    s.passed,
                    s.exam_date.to_string(),
                )
            })
            .collect();
        assert_eq!(
            held,
            [
                ("00015", None, true, "2023-01-13".to_owned()),
                ("00688", Some(810), true, "2024-01-12".to_owned()),
                ("03709", Some(900), true, "2023-07-07".to_owned()),
            ]
        );
        let chen = by_no(&t.db, "2022030101602").await;
        let chen_scores = store::repo::student::scores(&t.db, chen.id).await.unwrap();
        assert_eq!(chen_scores[0].score_tenths, Some(885));
        assert_eq!(chen_scores[0].exam_date.to_string(), "2023-07-01");
    }
}
