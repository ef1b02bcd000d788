//! An office's admin creates staff accounts from a spreadsheet, on every application backend:
//! the accounts with their roles, stage limits and phones, each with a one-time password to
//! change at the first sign-in; a file with any bad row creates nothing and names every row.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::Db;
use store::entity::{audit, import_run, organisation, staff};
use store::import::staff::{HashBudget, MAX_ROWS, StaffImport, StaffImportRequest, import_staff};
use store::import::{ImportError, RowError};
use store::repo::audit::Actor;
use store::repo::org;
use store::testkit::{TestDb, app_backends};
use tabular::Format;
use tempfile::TempDir;

use crate::common::now;

const HEADERS: &str = "用户名,姓名,手机号,所属机构,角色";

/// The Chongqing tree with an admin of its office, and a school of continuing education outside
/// it.
async fn world(db: &Db) -> (staff::Model, organisation::Model) {
    org::init_province(db, domain::Province::of("chongqing").unwrap(), now())
        .await
        .unwrap();
    org::create(
        db,
        org::NewOrg {
            parent_id: None,
            kind: "continuing_ed_school",
            province: None,
            code: "ce-other",
            name: "另一大学继续教育学院",
            announcement: "",
        },
        now(),
    )
    .await
    .unwrap();
    let office = org::by_code(db, "500000").await.unwrap().unwrap();
    let admin = store::repo::staff::create_with_password(
        db,
        office.id,
        "cq-admin",
        "管理员",
        domain::StaffRole::Admin,
        "Admin-2026-pass",
        now(),
    )
    .await
    .unwrap();
    (admin, office)
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

async fn import(
    db: &Db,
    admin: &staff::Model,
    office: &organisation::Model,
    path: &Path,
    format: Format,
) -> Result<StaffImport, ImportError> {
    import_staff(
        db,
        StaffImportRequest {
            path,
            format,
            file_name: &path.file_name().unwrap().to_string_lossy(),
            org: office,
            actor: Actor {
                kind: "staff",
                id: Some(admin.id),
            },
            ip: Some("127.0.0.1"),
            now: now(),
            hashing: HashBudget::per_core(),
        },
    )
    .await
}

async fn account(db: &Db, username: &str) -> staff::Model {
    store::repo::staff::by_username(db, username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no account {username}"))
}

async fn count_staff(db: &Db) -> u64 {
    staff::Entity::find().count(db).await.unwrap()
}

async fn created_audits(db: &Db) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::Action.eq("staff.created"))
        .count(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn import_staff_a_csv_and_an_xlsx_create_accounts_with_their_roles_and_one_time_passwords() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (admin, office) = world(&t.db).await;
        let dir = TempDir::new().unwrap();
        let csv = format!(
            "{HEADERS}\n\
             cqu-li,李明,13812345678,10611,审核员（主考学校初审）\n\
             office-wang,王芳,,重庆市教育考试院(市自考办),\"审核员,数据导入\"\n\
             yz-zhao,赵磊,138 0000 1111,渝中区招生办公室,只读；财务\n\
             cqu-chen,陈静,,10611,管理员\n"
        );
        let done = import(
            &t.db,
            &admin,
            &office,
            &write(&dir, "人员.csv", &csv),
            Format::Csv,
        )
        .await
        .unwrap();
        assert!(
            done.report.succeeded(),
            "{}: {:?}",
            b.name(),
            done.report.errors
        );
        assert_eq!((done.report.rows, done.report.imported), (4, 4));
        assert_eq!(done.report.summary(), "导入成功：共 4 行，已导入 4 行");
        let names: Vec<&str> = done.issued.iter().map(|i| i.username.as_str()).collect();
        assert_eq!(names, ["cqu-li", "office-wang", "yz-zhao", "cqu-chen"]);

        let li = account(&t.db, "cqu-li").await;
        let university = org::by_code(&t.db, "10611").await.unwrap().unwrap();
        assert_eq!(li.org_id, university.id);
        assert_eq!(li.display_name, "李明");
        assert_eq!(li.phone.as_deref(), Some("13812345678"));
        let roles = store::repo::staff::roles_of(&t.db, li.id).await.unwrap();
        assert_eq!(roles.label(), "审核员（主考学校初审）");
        assert!(roles.may_review_stage("主考学校初审"));
        assert!(!roles.may_review_stage("市自考办审核"));
        let wang = account(&t.db, "office-wang").await;
        assert_eq!(wang.org_id, office.id, "by name, brackets of either width");
        assert_eq!(wang.phone, None);
        assert_eq!(
            store::repo::staff::roles_of(&t.db, wang.id)
                .await
                .unwrap()
                .label(),
            "审核员、数据导入"
        );
        let zhao = account(&t.db, "yz-zhao").await;
        assert_eq!(zhao.phone.as_deref(), Some("13800001111"));
        assert_eq!(
            store::repo::staff::roles_of(&t.db, zhao.id)
                .await
                .unwrap()
                .label(),
            "财务、只读"
        );
        assert!(
            store::repo::staff::roles_of(&t.db, account(&t.db, "cqu-chen").await.id)
                .await
                .unwrap()
                .is_admin()
        );

        // Each must change the password it was given; the password is the one shown.
        for issued in &done.issued {
            let s = account(&t.db, &issued.username).await;
            assert!(s.must_change_password, "{}", issued.username);
            assert!(!s.disabled);
            assert_eq!(issued.password.len(), 12);
        }
        assert!(store::repo::password::verify(
            &li.password_hash,
            &done.issued[0].password
        ));
        assert!(!format!("{:?}", done.issued[0]).contains(&done.issued[0].password));

        // One audit row per account, by the admin; the run is recorded.
        assert_eq!(created_audits(&t.db).await, 4);
        let row = audit::Entity::find()
            .filter(audit::Column::Action.eq("staff.created"))
            .filter(audit::Column::SubjectId.eq(li.id))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.actor_id, Some(admin.id));
        assert!(row.detail.contains("phone=138****5678"), "{}", row.detail);
        let run = import_run::Entity::find_by_id(done.report.run_id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (run.kind.as_str(), run.status.as_str()),
            ("staff", "succeeded")
        );

        // The same as a workbook.
        let book = format!(
            "{HEADERS}\n\
             cqu-zhou,周琳,,10611,审核员(主考学校初审)、只读\n\
             office-he,何伟,15912345678,500000,审核员（市自考办审核）\n"
        );
        let done = import(
            &t.db,
            &admin,
            &office,
            &xlsx(&dir, "人员.xlsx", &book),
            Format::Xlsx,
        )
        .await
        .unwrap();
        assert!(
            done.report.succeeded(),
            "{}: {:?}",
            b.name(),
            done.report.errors
        );
        assert_eq!(done.issued.len(), 2);
        let he = account(&t.db, "office-he").await;
        assert!(he.must_change_password);
        assert_eq!(he.phone.as_deref(), Some("15912345678"));
        assert_eq!(
            store::repo::staff::roles_of(&t.db, he.id)
                .await
                .unwrap()
                .label(),
            "审核员（市自考办审核）"
        );
        assert_eq!(
            store::repo::staff::roles_of(&t.db, account(&t.db, "cqu-zhou").await.id)
                .await
                .unwrap()
                .label(),
            "审核员（主考学校初审）、只读"
        );
        assert_eq!(count_staff(&t.db).await, 7);
        assert_eq!(created_audits(&t.db).await, 6);
    }
}

fn error_at<'a>(errors: &'a [RowError], line: u64, column: &str) -> &'a RowError {
    errors
        .iter()
        .find(|e| e.line == line && e.column == column)
        .unwrap_or_else(|| panic!("no error at row {line}, {column}: {errors:#?}"))
}

#[tokio::test]
async fn import_staff_a_file_with_bad_rows_names_each_by_row_and_column_and_creates_nothing() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (admin, office) = world(&t.db).await;
        let dir = TempDir::new().unwrap();
        let csv = format!(
            "{HEADERS}\n\
             ok-one,甲一,,10611,审核员\n\
             nobody,乙二,,999999,审核员\n\
             outsider,丙三,,ce-other,审核员\n\
             badrole,丁四,,10611,审核员、校长\n\
             badstage,戊五,,500103,审核员（主考学校初审）\n\
             OK-One,己六,,10611,只读\n\
             cq-admin,庚七,,10611,只读\n\
             badphone,辛八,1381234567,10611,只读\n\
             x,,,10611,只读\n"
        );
        let done = import(
            &t.db,
            &admin,
            &office,
            &write(&dir, "人员有误.csv", &csv),
            Format::Csv,
        )
        .await
        .unwrap();
        let r = &done.report;
        assert!(!r.succeeded(), "{}", b.name());
        assert!(done.issued.is_empty());
        assert_eq!((r.rows, r.imported, r.refused_rows), (9, 0, 8));
        let e = error_at(&r.errors, 3, "所属机构");
        assert!(
            e.reason.contains(
                "机构“999999”不存在，或不在“重庆市教育考试院（市自考办）”及其下级机构之中"
            ),
            "{e:?}"
        );
        let e = error_at(&r.errors, 4, "所属机构");
        assert!(e.reason.contains("机构“ce-other”不存在，或不在"), "{e:?}");
        let e = error_at(&r.errors, 5, "角色");
        assert!(e.reason.contains("无法识别的角色“校长”"), "{e:?}");
        let e = error_at(&r.errors, 6, "角色");
        assert!(
            e.reason
                .contains("“渝中区招生办公室”不审核“主考学校初审”环节"),
            "{e:?}"
        );
        let e = error_at(&r.errors, 7, "用户名");
        assert!(e.reason.contains("与第2行的用户名重复"), "{e:?}");
        let e = error_at(&r.errors, 8, "用户名");
        assert_eq!(e.reason, "用户名“cq-admin”已被使用");
        let e = error_at(&r.errors, 9, "手机号");
        assert_eq!(e.value, "138***4567", "phones are masked in reports");
        assert!(e.reason.contains("手机号应为11位数字，实际为10位"), "{e:?}");
        let e = error_at(&r.errors, 10, "用户名");
        assert!(e.reason.contains("用户名应为3至32个字符，实际为1个字符"));
        let e = error_at(&r.errors, 10, "姓名");
        assert!(e.reason.contains("姓名应为1至30个字，实际为0个字"));
        assert!(
            !r.errors.iter().any(|e| e.line == 2),
            "the good row is not blamed"
        );

        assert_eq!(count_staff(&t.db).await, 1, "{}: nothing created", b.name());
        assert_eq!(created_audits(&t.db).await, 0);
        let run = import_run::Entity::find_by_id(r.run_id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(run.status, "rejected");
    }
}

fn many(rows: usize) -> String {
    let mut s = format!("{HEADERS}\n");
    for i in 1..=rows {
        s.push_str(&format!("bulk-{i:04},工作人员{i},,500103,只读\n"));
    }
    s
}

#[tokio::test]
async fn import_staff_takes_500_rows_and_refuses_501_saying_by_how_many() {
    for b in app_backends() {
        let t = TestDb::create(&b).await.unwrap();
        let (admin, office) = world(&t.db).await;
        let dir = TempDir::new().unwrap();
        let over = write(&dir, "501.csv", &many(501));
        match import(&t.db, &admin, &office, &over, Format::Csv).await {
            Err(ImportError::Refused(m)) => assert_eq!(
                m,
                "每个文件最多导入500个人员账号，本文件有501行，多了1行；请拆分为多个文件分别导入"
            ),
            other => panic!("{}: {other:?}", b.name()),
        }
        assert_eq!(count_staff(&t.db).await, 1);

        let full = write(&dir, "500.csv", &many(MAX_ROWS as usize));
        let started = Instant::now();
        let done = import(&t.db, &admin, &office, &full, Format::Csv)
            .await
            .unwrap();
        eprintln!(
            "{}: 500 staff accounts imported in {:.1} s",
            b.name(),
            started.elapsed().as_secs_f64()
        );
        assert!(done.report.succeeded(), "{:?}", done.report.errors);
        assert_eq!(done.issued.len(), 500);
        assert_eq!(count_staff(&t.db).await, 501);
        assert_eq!(created_audits(&t.db).await, 500);
        let last = account(&t.db, "bulk-0500").await;
        assert!(last.must_change_password);
        assert_eq!(
            store::repo::staff::roles_of(&t.db, last.id)
                .await
                .unwrap()
                .label(),
            "只读"
        );
    }
}
