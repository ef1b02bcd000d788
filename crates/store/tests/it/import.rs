//! Spreadsheet imports of candidates, scores and exam plans, on every application backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{SubsecRound, Utc};
use domain::{AdmissionNo, CandidateType, IdCardNo, Province};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::Db;
use store::entity::{audit, candidate, import_run, major, score_record};
use store::import::{ImportError, ImportKind, ImportReport, ImportRequest, import_file, synthetic};
use store::repo::audit::Actor;
use store::repo::candidate::NewCandidate;
use store::repo::{org, reference};
use store::testkit::{TestDb, app_backends};
use tabular::Format;
use tempfile::TempDir;

/// A valid 身份证号 from 渝中区 born on 1995-05-0x with sequence `seq`.
fn id_card(seq: u32) -> String {
    let first17 = format!("50010319950501{seq:03}");
    format!("{first17}{}", domain::check_digit(&first17).unwrap())
}

/// Organisations, courses and two candidates (`360100000001`, `360100000002`).
async fn seed(db: &Db) {
    let now = Utc::now();
    let office = org::create(
        db,
        org::NewOrg {
            parent_id: None,
            kind: "municipal_office",
            province: Some("chongqing"),
            code: "cq",
            name: "重庆市教育考试院",
            announcement: "",
        },
        now,
    )
    .await
    .unwrap();
    for (kind, code, name) in [
        ("district_agency", "cq-yz", "渝中区招生办公室"),
        ("chief_university", "cqu", "重庆大学"),
    ] {
        org::create(
            db,
            org::NewOrg {
                parent_id: Some(office.id),
                kind,
                province: Some("chongqing"),
                code,
                name,
                announcement: "",
            },
            now,
        )
        .await
        .unwrap();
    }
    for (code, name) in [("00015", "英语（二）"), ("03708", "中国近现代史纲要")] {
        reference::upsert_course(db, code, name).await.unwrap();
    }
    let agency = org::by_code(db, "cq-yz").await.unwrap().unwrap();
    for i in 1..=2 {
        let new = NewCandidate {
            admission_no: AdmissionNo::parse(&format!("36010000000{i}")).unwrap(),
            name: "张三".to_owned(),
            id_card_no: IdCardNo::parse(&id_card(900 + i)).unwrap(),
            ethnicity: "汉族".to_owned(),
            political_status: "群众".to_owned(),
            phone: None,
            address: None,
            candidate_type: CandidateType::SelfStudy,
            province: Province::from_code("chongqing").unwrap(),
            registration_org_id: agency.id,
        };
        store::repo::candidate::insert(db, new, "!".to_owned(), now)
            .await
            .unwrap();
    }
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn import(
    db: &Db,
    kind: ImportKind,
    path: &Path,
    format: Format,
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
            now: Utc::now().trunc_subsecs(0),
            scope: None,
            school: None,
        },
    )
    .await
}

async fn count_scores(db: &Db) -> u64 {
    score_record::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn candidates_file_imports_with_gender_birth_date_and_province_from_the_id_and_org() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let csv = format!(
            "准考证号,姓名,身份证号,考生类型,报考机构,民族,政治面貌,联系电话,通讯地址\n\
             360100000101,李四,{},社会考生,cq-yz,回族,共青团员,138 1234 5678,重庆市渝中区解放碑1号\n\
             360100000102,王五,{},assisted,CQ-YZ,,,,\n",
            id_card(11),
            id_card(12)
        );
        let path = write(&dir, "考生.csv", &csv);
        let report = import(&t.db, ImportKind::Candidates, &path, Format::Csv)
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!((report.rows, report.imported), (2, 2));
        assert_eq!(report.summary(), "导入成功：共 2 行，已导入 2 行");
        let li = store::repo::candidate::by_admission_no(&t.db, "360100000101")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(li.gender, "male");
        assert_eq!(li.birth_date.to_string(), "1995-05-01");
        assert_eq!(li.province, "chongqing");
        assert_eq!(li.phone.as_deref(), Some("13812345678"));
        assert_eq!(li.password_hash, "!");
        let wang = store::repo::candidate::by_admission_no(&t.db, "360100000102")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(wang.gender, "female");
        assert_eq!(
            (wang.ethnicity.as_str(), wang.political_status.as_str()),
            ("汉族", "群众")
        );
        assert_eq!(wang.candidate_type, "assisted");
    }
}

#[tokio::test]
async fn candidates_file_with_a_bad_id_check_digit_on_row_7_is_rejected_naming_it() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let before = candidate::Entity::find().count(&t.db).await.unwrap();
        let good = id_card(7);
        let expected = good.chars().last().unwrap();
        let wrong = if expected == '1' { '2' } else { '1' };
        let mut csv = "准考证号,姓名,身份证号,考生类型,报考机构\n".to_owned();
        for i in 0..8u32 {
            let id = if i == 5 {
                format!("{}{wrong}", &good[..17])
            } else {
                id_card(20 + i)
            };
            csv.push_str(&format!("3601000002{i:02},赵六,{id},社会考生,cq-yz\n"));
        }
        let dir = TempDir::new().unwrap();
        let path = write(&dir, "考生.csv", &csv);
        let report = import(&t.db, ImportKind::Candidates, &path, Format::Csv)
            .await
            .unwrap();
        assert!(!report.succeeded());
        assert_eq!(
            (report.rows, report.imported, report.error_count),
            (8, 0, 1)
        );
        let e = &report.errors[0];
        assert_eq!((e.line, e.column.as_str()), (7, "身份证号"));
        assert!(
            e.reason.contains(&format!("应为{expected}")),
            "{}",
            e.reason
        );
        assert!(
            !e.value.contains(&good[6..14]),
            "ID must be masked: {}",
            e.value
        );
        assert_eq!(
            report.summary(),
            "导入失败：共 8 行，发现 1 处错误，未导入任何数据"
        );
        assert_eq!(
            candidate::Entity::find().count(&t.db).await.unwrap(),
            before
        );
        let run = import_run::Entity::find_by_id(report.run_id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (run.kind.as_str(), run.status.as_str(), run.error_count),
            ("candidates", "rejected", 1)
        );
        assert_eq!(run.staff_id, Some(7));
        assert!(run.report.contains("身份证号"));
        let audits = audit::Entity::find()
            .filter(audit::Column::Action.eq("import.candidates"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
    }
}

#[tokio::test]
async fn candidates_with_unknown_org_or_repeated_admission_numbers_are_each_reported() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let csv = format!(
            "准考证号,姓名,身份证号,考生类型,报考机构\n\
             360100000301,甲乙,{},社会考生,nowhere\n\
             360100000302,甲乙,{},社会考生,cqu\n\
             360100000303,甲乙,{},社会考生,cq-yz\n\
             360100000303,甲乙,{},社会考生,cq-yz\n\
             360100000001,甲乙,{},社会考生,cq-yz\n",
            id_card(31),
            id_card(32),
            id_card(33),
            id_card(34),
            id_card(35)
        );
        let dir = TempDir::new().unwrap();
        let path = write(&dir, "c.csv", &csv);
        let report = import(&t.db, ImportKind::Candidates, &path, Format::Csv)
            .await
            .unwrap();
        let got: Vec<(u64, &str, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(report.error_count, 4, "{}: {got:?}", b.name());
        assert_eq!(got[0], (2, "报考机构", "报考机构代码不存在：nowhere"));
        assert_eq!((got[1].0, got[1].1), (3, "报考机构"));
        assert!(got[1].2.contains("主考学校"), "{}", got[1].2);
        assert_eq!(got[2], (5, "准考证号", "与第4行重复"));
        assert_eq!(got[3], (6, "准考证号", "准考证号已存在"));
    }
}

#[tokio::test]
async fn gb18030_scores_file_imports_and_the_report_names_the_encoding() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let text = "准考证号,课程代码,成绩,考试日期,来源\n\
                    360100000001,00015,85.5,2024-04-13,考试\n\
                    360100000001,03708,合格,2024/10,免考\n\
                    360100000002,00015,59,20241019,\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("成绩.csv");
        std::fs::write(&path, &bytes).unwrap();
        let report = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!(report.encoding, Some("GB18030"));
        assert_eq!(report.imported, 3);
        let exempt = score_record::Entity::find()
            .filter(score_record::Column::CourseCode.eq("03708"))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(exempt.source, "exemption");
        assert_eq!(exempt.exam_date.to_string(), "2024-10-01");
        assert_eq!((exempt.score_tenths, exempt.passed), (None, true));
        let failed = score_record::Entity::find()
            .filter(
                score_record::Column::ExamDate.eq(chrono::NaiveDate::from_ymd_opt(2024, 10, 19)),
            )
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((failed.score_tenths, failed.passed), (Some(590), false));
    }
}

#[tokio::test]
async fn unknown_course_score_above_100_and_duplicate_rows_are_each_reported_with_line_and_column()
{
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let path = write(
            &dir,
            "s.csv",
            "准考证号,课程代码,成绩,考试日期\n\
             360100000001,00015,80,2024-04-13\n\
             360100000001,99999,80,2024-04-13\n\
             360100000002,00015,100.5,2024-04-13\n\
             360100000001,00015,81,2024-04-13\n\
             360100000009,00015,70,2024-04-13\n",
        );
        let report = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap();
        let got: Vec<(u64, &str, &str, &str)> = report
            .errors
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.column.as_str(),
                    e.value.as_str(),
                    e.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(report.error_count, 4, "{}: {got:?}", b.name());
        assert_eq!(got[0], (3, "课程代码", "99999", "课程代码不存在：99999"));
        assert_eq!(
            got[1],
            (4, "成绩", "100.5", "成绩超出范围：100.5，应在0至100之间")
        );
        assert_eq!((got[2].0, got[2].1), (5, "课程代码"));
        assert!(got[2].3.starts_with("与第2行重复"), "{}", got[2].3);
        assert_eq!(got[3], (6, "准考证号", "360100000009", "准考证号不存在"));
        assert_eq!(report.imported, 0);
        assert_eq!(count_scores(&t.db).await, 0);
    }
}

#[tokio::test]
async fn reimporting_the_same_scores_reports_every_row_as_existing_and_changes_nothing() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let path = write(
            &dir,
            "s.csv",
            "admission_no,course_code,score,exam_date,source\n\
             360100000001,00015,80,2024-04-13,exam\n\
             360100000002,03708,不合格,2024-04,practical\n",
        );
        let first = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap();
        assert!(first.succeeded(), "{}: {:?}", b.name(), first.errors);
        assert_eq!(first.encoding, Some("UTF-8"));
        let again = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap();
        assert_eq!((again.rows, again.error_count, again.imported), (2, 2, 0));
        for (e, line) in again.errors.iter().zip([2, 3]) {
            assert_eq!((e.line, e.column.as_str()), (line, "course_code"));
            assert!(e.reason.starts_with("该成绩已存在"), "{}", e.reason);
        }
        assert_eq!(count_scores(&t.db).await, 2);
        assert_ne!(first.run_id, again.run_id);
    }
}

#[tokio::test]
async fn empty_file_is_refused_as_empty() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let dir = TempDir::new().unwrap();
        let path = write(&dir, "empty.csv", "");
        let err = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap_err();
        assert!(matches!(err, ImportError::File(_)), "{err:?}");
        assert_eq!(err.to_string(), "文件为空");
        let header_only = write(&dir, "header.csv", "准考证号,课程代码,成绩,考试日期\n");
        let err = import(&t.db, ImportKind::Scores, &header_only, Format::Csv)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "文件为空");
        assert_eq!(import_run::Entity::find().count(&t.db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn file_without_a_required_column_is_refused_naming_the_columns() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let path = write(&dir, "s.csv", "准考证号,成绩\n360100000001,80\n");
        let err = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap_err();
        match &err {
            ImportError::MissingColumns(cols) => assert_eq!(cols, &["课程代码", "考试日期"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.to_string(), "缺少必需的列：课程代码、考试日期");
        assert_eq!(count_scores(&t.db).await, 0);
    }
}

fn plan_xlsx(dir: &TempDir, rows: &[[&str; 10]]) -> PathBuf {
    let path = dir.path().join("plan.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "专业代码",
        "专业名称",
        "层次",
        "主考学校",
        "课程代码",
        "课程名称",
        "学分",
        "课程类型",
        "学位主干课",
        "可替换课程",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            // Credits as number cells, the way offices type them.
            match cell.parse::<f64>() {
                Ok(n) if c == 6 => sheet.write_number(r, c, n).unwrap(),
                _ => sheet.write_string(r, c, *cell).unwrap(),
            };
        }
    }
    workbook.save(&path).unwrap();
    path
}

#[tokio::test]
async fn xlsx_plan_file_creates_the_major_and_its_plan() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let path = plan_xlsx(
            &dir,
            &[
                [
                    "C050207",
                    "汉语言文学",
                    "专科",
                    "cqu",
                    "00015",
                    "英语（二）",
                    "7",
                    "理论",
                    "是",
                    "",
                ],
                [
                    "C050207",
                    "汉语言文学",
                    "专科",
                    "cqu",
                    "00530",
                    "中国现代文学作品选",
                    "6",
                    "理论",
                    "",
                    "00015/03708",
                ],
                [
                    "C050207",
                    "汉语言文学",
                    "专科",
                    "cqu",
                    "00999",
                    "毕业论文",
                    "8",
                    "毕业论文（设计）",
                    "否",
                    "",
                ],
            ],
        );
        let report = import(&t.db, ImportKind::Plans, &path, Format::Xlsx)
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!(
            (report.rows, report.imported, report.encoding),
            (3, 3, None)
        );
        let m = major::Entity::find()
            .filter(major::Column::Code.eq("C050207"))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.name.as_str(), m.level.as_str(), m.province.as_deref()),
            ("汉语言文学", "associate", Some("chongqing"))
        );
        let plan = reference::plan(&t.db, m.id).await.unwrap();
        let lines: Vec<(&str, i32, &str, bool)> = plan
            .iter()
            .map(|p| {
                (
                    p.course.course_code.as_str(),
                    p.course.credits,
                    p.course.kind.as_str(),
                    p.course.degree_core,
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("00015", 7, "theory", true),
                ("00530", 6, "theory", false),
                ("00999", 8, "thesis", false)
            ]
        );
        assert_eq!(plan[1].name, "中国现代文学作品选");
        assert_eq!(plan[1].substitutes, ["00015", "03708"]);

        // Importing again replaces the plan instead of adding to it.
        let path = plan_xlsx(
            &dir,
            &[[
                "C050207",
                "汉语言文学",
                "专科",
                "cqu",
                "00015",
                "英语（二）",
                "7",
                "theory",
                "",
                "",
            ]],
        );
        let report = import(&t.db, ImportKind::Plans, &path, Format::Xlsx)
            .await
            .unwrap();
        assert!(report.succeeded(), "{:?}", report.errors);
        assert_eq!(reference::plan(&t.db, m.id).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn plan_rows_with_unknown_university_bad_credits_or_a_repeated_course_are_rejected() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seed(&t.db).await;
        let dir = TempDir::new().unwrap();
        let path = plan_xlsx(
            &dir,
            &[
                [
                    "B020106",
                    "会计学",
                    "本科",
                    "nowhere",
                    "00015",
                    "英语（二）",
                    "7",
                    "理论",
                    "",
                    "",
                ],
                [
                    "B020106",
                    "会计学",
                    "本科",
                    "cqu",
                    "00015",
                    "英语（二）",
                    "21",
                    "理论",
                    "",
                    "",
                ],
                [
                    "B020106",
                    "会计学",
                    "本科",
                    "cqu",
                    "03708",
                    "中国近现代史纲要",
                    "2",
                    "理论",
                    "",
                    "",
                ],
                [
                    "B020106",
                    "会计学",
                    "本科",
                    "cqu",
                    "03708",
                    "中国近现代史纲要",
                    "2",
                    "理论",
                    "",
                    "",
                ],
                [
                    "B020106",
                    "会计学",
                    "本科",
                    "cq-yz",
                    "0001",
                    "课程",
                    "2",
                    "理论",
                    "",
                    "",
                ],
            ],
        );
        let report = import(&t.db, ImportKind::Plans, &path, Format::Xlsx)
            .await
            .unwrap();
        let got: Vec<(u64, &str, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(report.error_count, 5, "{}: {got:?}", b.name());
        assert_eq!(got[0], (2, "主考学校", "主考学校代码不存在：nowhere"));
        assert_eq!(got[1], (3, "学分", "学分超出范围：21，应为1至20的整数"));
        assert_eq!((got[2].0, got[2].1), (5, "课程代码"));
        assert!(got[2].2.starts_with("与第4行重复"), "{}", got[2].2);
        assert_eq!((got[3].0, got[3].1), (6, "主考学校"));
        assert_eq!((got[4].0, got[4].1), (6, "课程代码"));
        assert_eq!(major::Entity::find().count(&t.db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn twenty_thousand_synthetic_score_rows_import_fully() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let (admission_nos, courses) = synthetic::seed_for_bench(&t.db, 500).await.unwrap();
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("scores.csv");
        synthetic::write_scores_csv(&path, 20_000, &admission_nos, &courses).unwrap();
        let report = import(&t.db, ImportKind::Scores, &path, Format::Csv)
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!((report.rows, report.imported), (20_000, 20_000));
        assert_eq!(count_scores(&t.db).await, 20_000);
    }
}

/// Measures a province-sized score import on SQLite; run in release mode:
/// `cargo test --release -p store --test import -- --ignored --nocapture million`
/// (`BIYE_BENCH_ROWS` changes the row count).
#[tokio::test]
#[ignore = "benchmark: a million rows"]
async fn million_score_rows_import_on_sqlite_benchmark() {
    let rows: u64 = std::env::var("BIYE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t = TestDb::create(&store::testkit::Backend::Sqlite)
        .await
        .unwrap();
    let (admission_nos, courses) = synthetic::seed_for_bench(&t.db, 50_000).await.unwrap();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("scores.csv");
    synthetic::write_scores_csv(&path, rows, &admission_nos, &courses).unwrap();
    let started = std::time::Instant::now();
    let report = import(&t.db, ImportKind::Scores, &path, Format::Csv)
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert!(report.succeeded(), "{:?}", report.errors);
    assert_eq!(report.imported, rows);
    println!(
        "imported {rows} score rows in {secs:.2} s: {:.0} rows/s",
        rows as f64 / secs
    );
    assert!(secs < 60.0, "took {secs:.1} s");
}

#[tokio::test]
async fn diploma_registry_file_imports_and_its_diplomas_pass_the_prior_education_check() {
    use store::credential::{CredentialCheck, CredentialQuery, CredentialService, LocalRegistry};
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let dir = TempDir::new().unwrap();
        let a = id_card(1);
        let c = id_card(2);
        let good = write(
            &dir,
            "diplomas.csv",
            &format!(
                "身份证号,姓名,毕业证编号,毕业院校,层次,毕业时间\n\
                 {a},张伟,106371201505002187,重庆师范大学,专科,2015-06-30\n\
                 {c},李娜,106111201806001234,重庆大学,本科,2018-06-30\n"
            ),
        );
        let report = import(&t.db, ImportKind::Diplomas, &good, Format::Csv)
            .await
            .unwrap();
        assert!(report.succeeded(), "{}: {:?}", b.name(), report.errors);
        assert_eq!(report.imported, 2);
        let registry = LocalRegistry::new(t.db.clone(), "http://127.0.0.1:8080");
        let found = registry
            .check(&CredentialQuery {
                name: "张伟".into(),
                id_card_no: a.clone(),
                before: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            })
            .await
            .unwrap();
        assert!(
            matches!(found, CredentialCheck::Verified { .. }),
            "{found:?}"
        );
        let renamed = registry
            .check(&CredentialQuery {
                name: "张卫".into(),
                id_card_no: a.clone(),
                before: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            })
            .await
            .unwrap();
        assert!(matches!(renamed, CredentialCheck::NotVerified(ref m) if m.contains("不一致")));

        // A repeated certificate, a bad level and a bad ID are each named; nothing is written.
        let good_id = id_card(3);
        let last = good_id.chars().last().unwrap();
        let bad_id = format!("{}{}", &good_id[..17], if last == '0' { '1' } else { '0' });
        let bad = write(
            &dir,
            "bad.csv",
            &format!(
                "身份证号,姓名,毕业证编号,毕业院校,层次,毕业时间\n\
                 {a},张伟,106371201505002187,重庆师范大学,专科,2015-06-30\n\
                 {c},李娜,999,重庆大学,博士,2018-06-30\n\
                 {bad_id},王五,888,重庆大学,本科,2018-06-30\n"
            ),
        );
        let report = import(&t.db, ImportKind::Diplomas, &bad, Format::Csv)
            .await
            .unwrap();
        assert!(!report.succeeded());
        let lines: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert!(lines.contains(&(2, "毕业证编号")), "{lines:?}");
        assert!(lines.contains(&(3, "层次")), "{lines:?}");
        assert!(lines.contains(&(4, "身份证号")), "{lines:?}");
        assert_eq!(
            store::entity::credential_record::Entity::find()
                .count(&t.db)
                .await
                .unwrap(),
            2
        );
    }
}
