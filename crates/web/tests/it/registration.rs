//! 学信网电子注册数据包 and 学位授予信息 over HTTP on every app backend: the office's admin sets
//! the 毕业证书编号 rule (five digits, not four or six), downloads the batch's zip after final
//! approval — the data file's row, the photo named by the ID number, the same number on a second
//! download — and nobody else gets it; the school's admin exports its awarded degrees.

use std::io::{Cursor, Read};

use chrono::{SubsecRound, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use store::demo::accounts;
use store::entity::{application_file, audit};
use store::graduation::application::{self as apps, Decision};

use crate::common::{TestApp, User, spawn_app};

/// A 480×640 JPEG portrait, as the certificate-photo upload accepts.
fn portrait() -> Vec<u8> {
    let img = image::RgbImage::from_fn(480, 640, |x, y| {
        image::Rgb([120 + (x % 60) as u8, 170, 220 - (y % 40) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// The demo candidate's application, paid, with a certificate photo, finally approved by the
/// office.
async fn finally_approved(app: &TestApp) -> store::entity::graduation_application::Model {
    let a = crate::payments::awaiting_payment(app).await;
    crate::payments::pay_at_gateway(app, &a).await;
    let stored = app
        .state
        .objects
        .put("test", "jpg", portrait())
        .await
        .unwrap();
    application_file::ActiveModel {
        application_id: Set(a.id),
        slot: Set("certificate_photo".into()),
        object_key: Set(stored.key),
        sha256: Set(stored.sha256),
        size_bytes: Set(stored.size as i64),
        content_type: Set("image/jpeg".into()),
        original_name: Set("photo.jpg".into()),
        width: Set(Some(480)),
        height: Set(Some(640)),
        course_code: Set(None),
        created_at: Set(Utc::now().trunc_subsecs(0)),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .unwrap();
    let office = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_OFFICE_REVIEWER)
        .await
        .unwrap()
        .unwrap();
    let org = app.org_of(accounts::STAFF_CQ_OFFICE_REVIEWER).await;
    let a = apps::decide(
        &app.db.db,
        &org,
        office.id,
        a.id,
        2,
        Decision::Approve,
        Utc::now().trunc_subsecs(0),
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, "approved");
    a
}

/// POSTs a form with the CSRF token of `page`: (status, body bytes, content type).
async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, Vec<u8>, String) {
    let token = app.csrf(c, page).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, r.bytes().await.unwrap().to_vec(), kind)
}

async fn set_rule(app: &TestApp, c: &reqwest::Client, code: &str) -> (u16, String) {
    let (status, body, _) = post(
        app,
        c,
        "/staff/province-settings",
        "/staff/province-settings/certificate-rule",
        &[("cert_org_code", code)],
    )
    .await;
    (status, String::from_utf8(body).unwrap())
}

/// The data file's lines, each as its fields.
type Rows = Vec<Vec<String>>;
/// The photos: (name in the zip, bytes).
type Photos = Vec<(String, Vec<u8>)>;

/// The zip's data file as rows of fields, and its photos by name.
fn open_package(bytes: &[u8]) -> (Rows, Photos) {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut rows = Vec::new();
    let mut photos = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        if name == "毕业生信息.csv" {
            let text = String::from_utf8(content).unwrap();
            let text = text.strip_prefix('\u{feff}').expect("a BOM");
            rows = text
                .split("\r\n")
                .filter(|l| !l.is_empty())
                .map(|l| l.split(',').map(str::to_owned).collect())
                .collect();
        } else {
            photos.push((name, content));
        }
    }
    (rows, photos)
}

const PACKAGE_PAGE: &str = "/staff/batches";

fn package_path(batch_id: i64) -> String {
    format!("/staff/batches/{batch_id}/xuexin-package")
}

#[tokio::test]
async fn the_office_downloads_the_xuexin_package_with_stable_numbers_and_photos() {
    for b in store::testkit::app_backends() {
        let app = spawn_app(&b).await;
        let a = finally_approved(&app).await;
        let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (_, page) = app.get_text(&admin, PACKAGE_PAGE).await;
        assert!(page.contains(&package_path(a.batch_id)), "the button");

        // No rule yet: nothing is numbered and the refusal names the rule.
        let (status, body, _) =
            post(&app, &admin, PACKAGE_PAGE, &package_path(a.batch_id), &[]).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body.contains("机构代码") && body.contains("共 18 位"),
            "{body}"
        );

        // The rule: five digits exactly; four and six are refused naming the rule and the count.
        let (status, page) = set_rule(&app, &admin, "500012").await;
        assert_eq!(status, 422);
        assert!(page.contains("应为 5 位数字，实际为 6 位"), "{page}");
        assert!(page.contains("共 18 位"));
        let (status, page) = set_rule(&app, &admin, "5000").await;
        assert_eq!(status, 422);
        assert!(page.contains("实际为 4 位"), "{page}");
        let (status, _) = set_rule(&app, &admin, "50001").await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&admin, "/staff/province-settings").await;
        assert!(page.contains("value=\"50001\""), "the code is shown");

        // The package.
        let (status, bytes, kind) =
            post(&app, &admin, PACKAGE_PAGE, &package_path(a.batch_id), &[]).await;
        assert_eq!(
            status,
            200,
            "{}: {}",
            b.name(),
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(kind, "application/zip");
        let (rows, photos) = open_package(&bytes);
        assert_eq!(rows.len(), 2, "the header and one graduate: {rows:?}");
        let header = &rows[0];
        let col = |label: &str| header.iter().position(|h| h == label).unwrap();
        let row = &rows[1];
        assert_eq!(row[col("姓名")], cand.name);
        assert_eq!(row[col("身份证号")], cand.id_card_no);
        assert_eq!(row[col("准考证号")], cand.admission_no);
        assert_eq!(
            row[col("出生日期")],
            cand.birth_date.format("%Y%m%d").to_string()
        );
        assert_eq!(row[col("层次")], "专科");
        assert_eq!(row[col("学习形式")], "高等教育自学考试");
        assert!(!row[col("专业代码")].is_empty() && !row[col("主考学校")].is_empty());
        let number = row[col("毕业证书编号")].clone();
        let year = domain::calendar::beijing_date(Utc::now())
            .format("%Y")
            .to_string();
        assert_eq!(number, format!("500016{year}06000001"), "{}", b.name());
        assert_eq!(number.len(), 18);
        let photo_name = format!("{}.jpg", cand.id_card_no);
        assert_eq!(row[col("照片文件名")], photo_name);
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0].0, format!("photos/{photo_name}"));
        let img =
            image::load_from_memory_with_format(&photos[0].1, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (480, 640));

        // A second download: the same number, no second assignment.
        let (status, bytes, _) =
            post(&app, &admin, PACKAGE_PAGE, &package_path(a.batch_id), &[]).await;
        assert_eq!(status, 200);
        let (again, _) = open_package(&bytes);
        assert_eq!(again[1][col("毕业证书编号")], number);
        let assigned = audit::Entity::find()
            .filter(audit::Column::Action.eq("certificate_no.assigned"))
            .count(&app.db.db)
            .await
            .unwrap();
        assert_eq!(assigned, 1, "{}", b.name());

        // Another province's admin and the office's reviewer are refused.
        for who in [
            accounts::STAFF_YN_OFFICE_ADMIN,
            accounts::STAFF_CQ_OFFICE_REVIEWER,
        ] {
            let c = app.with_user(User::Staff(who)).await;
            let (status, _, _) = post(&app, &c, "/staff", &package_path(a.batch_id), &[]).await;
            assert_eq!(status, 403, "{who}");
        }
    }
}

#[tokio::test]
async fn the_school_admin_exports_its_awarded_degrees_with_the_forms_fields() {
    for b in store::testkit::app_backends() {
        let app = spawn_app(&b).await;
        let a = crate::degree::submitted(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let (status, _, _) = post(
            &app,
            &school,
            &format!("/staff/degree/{}", a.id),
            &format!("/staff/degree/{}/review", a.id),
            &[("decision", "approve"), ("version", &a.version.to_string())],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());

        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        // Approved but no award recorded yet: an empty report.
        let (headers, rows) = report(&app, &admin).await;
        assert_eq!(headers[0], "姓名");
        assert!(rows.is_empty(), "{rows:?}");

        let (status, _, _) = post(
            &app,
            &school,
            "/staff/degree?status=approved",
            "/staff/degree/award",
            &[
                ("batch", &a.batch_id.to_string()),
                ("award", "awarded"),
                ("ids", &a.id.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (_, page) = app.get_text(&admin, "/staff/degree").await;
        assert!(page.contains("/staff/degree/report.xlsx"), "the button");
        let (headers, rows) = report(&app, &admin).await;
        assert_eq!(rows.len(), 1, "{}", b.name());
        let col = |label: &str| headers.iter().position(|h| h == label).unwrap();
        let r = &rows[0];
        assert_eq!(r[col("姓名")], a.name);
        assert_eq!(r[col("姓名拼音")], a.name_pinyin);
        assert_eq!(r[col("证件号码")], a.id_card_no, "in full");
        assert_eq!(r[col("学号")], accounts::STUDENT_ABOVE_THRESHOLDS);
        assert_eq!(
            r[col("是否第二学位")],
            if a.second_degree { "是" } else { "否" }
        );
        assert_eq!(r[col("学位授予结果")], "授予");

        // The reviewer (no admin) and another organisation's admin are refused.
        for who in [
            accounts::STAFF_CE_SCHOOL_REVIEWER,
            accounts::STAFF_CQ_OFFICE_ADMIN,
        ] {
            let c = app.with_user(User::Staff(who)).await;
            let r = c
                .get(app.url("/staff/degree/report.xlsx"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{who}");
        }
    }
}

/// Downloads the degree report and reads it back with calamine: (headers, rows).
async fn report(app: &TestApp, c: &reqwest::Client) -> (Vec<String>, Vec<Vec<String>>) {
    use calamine::{Reader, Xlsx};
    let r = c
        .get(app.url("/staff/degree/report.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let bytes = r.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("学位授予信息").unwrap();
    let mut all: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let headers = all.remove(0);
    (headers, all)
}
