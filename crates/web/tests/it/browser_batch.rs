//! A Yunnan graduation batch from start to end in a real browser at 375 px (issue 13): the office
//! opens a new batch, the chief university writes its notice for it, a candidate gets one
//! exemption online and one offline, applies with the notice on the form and the 免考课程登记表 in
//! its slot, passes the three review levels; then the office downloads the batch's 学信网 package,
//! reads its 统计 and exports its decided queue, and the school exports the degrees it awarded.
//! Every download is made inside the signed-in browser and read back as the file it is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::Locator;
use store::demo::accounts;

use crate::browser::with_browser;
use crate::browser_kit::{Page, WAIT, jpeg_file, portrait_file};
use crate::common::{self, TestApp};

/// What a download answered: its status, content type and bytes.
struct Download {
    status: u64,
    kind: String,
    bytes: Vec<u8>,
}

impl Page<'_, TestApp> {
    /// Fetches `url` with the page's session (GET), or submits the form `form_css` with its own
    /// fields and CSRF token (POST) when given, and returns what came back.
    async fn download(&self, url: &str, form_css: Option<&str>) -> Download {
        let form = form_css.map_or("null".to_owned(), |f| format!("{f:?}"));
        let script = format!(
            "return (async () => {{
               const form = {form};
               let r;
               if (form) {{
                 const f = document.querySelector(form);
                 r = await fetch(f.action, {{ method: 'POST', credentials: 'same-origin',
                   body: new URLSearchParams(new FormData(f)) }});
               }} else {{
                 r = await fetch({url:?}, {{ credentials: 'same-origin' }});
               }}
               const b = new Uint8Array(await r.arrayBuffer());
               let s = '';
               for (let i = 0; i < b.length; i += 0x8000) {{
                 s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
               }}
               return [r.status, r.headers.get('content-type') || '', btoa(s)];
             }})();"
        );
        let v = self.js(&script).await;
        Download {
            status: v[0].as_u64().unwrap(),
            kind: v[1].as_str().unwrap().to_owned(),
            bytes: base64::engine::general_purpose::STANDARD
                .decode(v[2].as_str().unwrap())
                .unwrap(),
        }
    }

    /// Waits until the address shows `needle` (a query after a redirect to the same path).
    async fn wait_for_url(&self, needle: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.current_url().await.contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{} does not show {needle}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The trimmed texts of the cells of column `col` (from 0) of `table_css`'s body.
    async fn column(&self, table_css: &str, col: usize) -> Vec<String> {
        self.find(table_css).await;
        let rows = format!("{table_css} tbody tr");
        let v = self
            .js(&format!(
                "return [...document.querySelectorAll({rows:?})]\
                 .map(r => r.cells[{col}].textContent.trim());"
            ))
            .await;
        serde_json::from_value(v).unwrap()
    }
}

/// A workbook's first sheet named `sheet`, as rows of text: (headers, rows).
fn workbook(bytes: &[u8], sheet: &str) -> (Vec<String>, Vec<Vec<String>>) {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a real .xlsx workbook");
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("no sheet {sheet}: {e}"));
    let mut rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let headers = rows.remove(0);
    (headers, rows)
}

fn col(headers: &[String], label: &str) -> usize {
    headers
        .iter()
        .position(|h| h == label)
        .unwrap_or_else(|| panic!("no column {label} in {headers:?}"))
}

/// Makes the demo reviewer of 云南财经大学 its admin, with the authenticator admins sign in with.
async fn university_admin(app: &TestApp) {
    let uni = store::repo::staff::by_username(&app.db.db, accounts::STAFF_YN_UNIVERSITY)
        .await
        .unwrap()
        .unwrap();
    store::repo::staff::set_roles(
        &app.db.db,
        uni.id,
        &domain::Roles::new([domain::Grant::of(domain::StaffRole::Admin)]),
    )
    .await
    .unwrap();
    store::accounts::totp::enrol_with_secret(
        &app.db.db,
        uni.id,
        common::ADMIN_TOTP_SECRET,
        app.state.now(),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yunnan_batch_runs_from_its_opening_to_the_registration_package() {
    with_browser("yunnan-batch", async |page| {
        let files = tempfile::tempdir().unwrap();
        let proof = jpeg_file(files.path(), "diploma.jpg", 420, 300);
        let form_scan = jpeg_file(files.path(), "exemption-form.jpg", 300, 420);
        let front = jpeg_file(files.path(), "front.jpg", 320, 200);
        let back = jpeg_file(files.path(), "back.jpg", 320, 200);
        let commitment = jpeg_file(files.path(), "commitment.jpg", 300, 420);
        let notice = jpeg_file(files.path(), "notice.jpg", 300, 420);
        let photo = portrait_file(files.path(), "photo.jpg", 600, 800);
        let me = accounts::YN_BACKFILL_NEEDED;
        // Both courses the candidate lacks: one exempted online, one offline.
        let online = accounts::YN_BACKFILL_COURSE;
        let offline = "00043";
        let batch_name = "2026年冬季毕业申请";
        let announcement = "现场核验：请于批次截止后五个工作日内携带身份证原件到云南财经大学继续教育学院核验。";

        // 1. The office admin ends the open batch and opens a new one for two weeks.
        page.sign_in_as("/staff/login", accounts::STAFF_YN_OFFICE_ADMIN, "/staff")
            .await;
        page.menu_link("毕业批次").await.click().await.unwrap();
        page.wait_for_path("/staff/batches").await;
        let open: Vec<String> = serde_json::from_value(
            page.js("return [...document.querySelectorAll('section[id^=manage-]')]\
                     .filter(s => s.querySelector('form.close')).map(s => s.id);")
                .await,
        )
        .unwrap();
        assert_eq!(open.len(), 1, "the demo has one open Yunnan batch: {open:?}");
        let old: i64 = open[0].trim_start_matches("manage-").parse().unwrap();
        assert_eq!(
            page.text_of(&format!("#batch-{old} .status")).await,
            "申请中"
        );
        page.click(&format!("#manage-{old} form.close button[type=submit]"))
            .await;
        page.wait_for_text("#batches-done", "已结束申请").await;
        assert_eq!(
            page.text_of(&format!("#batch-{old} .status")).await,
            "已截止"
        );
        // The new window starts at the next whole minute (the old one ended within this one).
        let opens = domain::calendar::beijing(page.app.state.now() + chrono::Duration::seconds(60));
        let closes = opens + chrono::Duration::days(14);
        page.type_into("#name", batch_name).await;
        page.set_value("#opens", &opens.format("%Y-%m-%dT%H:%M").to_string())
            .await;
        page.set_value("#closes", &closes.format("%Y-%m-%dT%H:%M").to_string())
            .await;
        page.screenshot("new-batch").await;
        page.click("#new-batch button[type=submit]").await;
        page.wait_for_text("#batches-done", "毕业批次已创建").await;
        let ids: Vec<String> = serde_json::from_value(
            page.js(&format!(
                "return [...document.querySelectorAll('#batches tbody tr')]\
                 .filter(r => r.cells[0].textContent.trim() === {batch_name:?}).map(r => r.id);"
            ))
            .await,
        )
        .unwrap();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let batch: i64 = ids[0].trim_start_matches("batch-").parse().unwrap();
        assert!(
            page.text_of(&format!("#batch-{batch}")).await.contains(
                &opens.format("%Y-%m-%d %H:%M").to_string()
            ),
            "the window is shown in Beijing time"
        );
        // A minute later the batch is open.
        page.app.state.clock.advance(chrono::Duration::seconds(60));
        page.goto("/staff/batches").await;
        assert_eq!(
            page.text_of(&format!("#batch-{batch} .status")).await,
            "申请中"
        );
        page.assert_fits_viewport().await;
        page.screenshot("batches").await;

        // 2. The chief university's admin writes its notice for the new batch.
        university_admin(page.app).await;
        page.sign_in_as("/staff/login", accounts::STAFF_YN_UNIVERSITY, "/staff")
            .await;
        page.click("#to-announcements").await;
        page.wait_for_path("/staff/announcements").await;
        page.type_into(&format!("#body-{batch}"), announcement).await;
        page.click(&format!("#notice-{batch} button[type=submit]"))
            .await;
        page.wait_for_text(&format!("#notice-saved-{batch}"), "公告已保存")
            .await;
        let kept = page
            .find(&format!("#body-{batch}"))
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(kept, announcement);
        page.assert_fits_viewport().await;
        page.screenshot("announcement").await;

        // 3. The candidate applies online for the exemption of 政治经济学; the district decides.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.menu_link("免考申请").await.click().await.unwrap();
        page.wait_for_path("/candidate/exemptions").await;
        page.assert_fits_viewport().await;
        page.find("#course_code")
            .await
            .select_by_value(online)
            .await
            .unwrap();
        page.type_into("#basis", "国家开放大学专科毕业证书").await;
        page.find("#file")
            .await
            .send_keys(&proof.display().to_string())
            .await
            .unwrap();
        page.click("#apply-exemption button[type=submit]").await;
        page.find("#submitted").await;
        let listed = page.text_of("#exemption-applications").await;
        assert!(
            listed.contains(online) && listed.contains("待审核"),
            "{listed}"
        );
        page.assert_fits_viewport().await;
        page.screenshot("exemption-filed").await;

        page.sign_in_as("/staff/login", accounts::STAFF_YN_PREFECTURE, "/staff")
            .await;
        page.menu_link("免考审核").await.click().await.unwrap();
        page.wait_for_path("/staff/exemptions").await;
        let queue = page.text_of("#exemption-queue").await;
        assert!(queue.contains(me) && queue.contains(online), "{queue}");
        page.assert_fits_viewport().await;
        page.click("#exemption-queue a[href^='/staff/exemptions/']")
            .await;
        page.find("#decide").await;
        page.settled().await;
        page.assert_fits_viewport().await;
        page.screenshot("exemption-review").await;
        page.click("#decide input[name=decision][value=approve]")
            .await;
        page.click("#decide button[type=submit]").await;
        page.find("#exemptions-empty").await;

        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.goto("/candidate/exemptions").await;
        page.wait_for_text("#exemption-applications", "已通过").await;

        // 4. The office imports the offline exemption of 经济法概论.
        page.sign_in_as("/staff/login", accounts::STAFF_YN_OFFICE_ADMIN, "/staff")
            .await;
        page.menu_link("数据导入").await.click().await.unwrap();
        page.wait_for_path("/staff/imports").await;
        let csv = files.path().join("exemptions.csv");
        std::fs::write(
            &csv,
            format!(
                "准考证号,课程代码,免考依据,办理日期\n{me},{offline},全国会计专业技术资格（初级）证书,2024-03-01\n"
            ),
        )
        .unwrap();
        page.find("#kind")
            .await
            .select_by_value("exemptions")
            .await
            .unwrap();
        page.upload("form[action='/staff/imports']", &csv).await;
        let summary = page.text_of("#import-summary").await;
        assert!(summary.contains("导入成功"), "{summary}");
        page.screenshot("import").await;

        // The candidate: eligible now, the offline form still to come with the application.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.menu_link("毕业条件自查").await.click().await.unwrap();
        page.wait_for_path("/candidate/graduation").await;
        let conditions = page.text_of("body").await;
        assert!(
            conditions.contains(domain::graduation::EXEMPTION_FORM_PENDING)
                && conditions.contains(offline),
            "{conditions}"
        );
        page.click("#apply input[name=acknowledged]").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        let status = page.text_of("#status").await;
        assert!(status.contains(batch_name), "{status}");
        let shown = page.text_of("#announcement").await;
        assert!(shown.contains(announcement), "{shown}");
        page.screenshot("announcement-on-form").await;

        page.click("#major button[type=submit]").await;
        page.wait_for_text("#major", "专业及主考学校已确认").await;
        page.upload("#slot-id_front", &front).await;
        page.wait_for_text("#slot-id_front", "front.jpg").await;
        page.upload("#slot-id_back", &back).await;
        page.wait_for_text("#slot-id_back", "back.jpg").await;
        page.type_into("#id-valid-until", "2036-05-01").await;
        page.click("form[action='/candidate/application/id-validity'] button")
            .await;
        page.wait_for_text("#materials", "身份证有效期已保存").await;
        page.upload("#slot-commitment", &commitment).await;
        page.wait_for_text("#slot-commitment", "commitment.jpg")
            .await;
        if page
            .client
            .find(Locator::Css("#slot-practical_notice"))
            .await
            .is_ok()
        {
            page.upload("#slot-practical_notice", &notice).await;
            page.wait_for_text("#slot-practical_notice", "notice.jpg")
                .await;
        }
        // The exemptions: the online one needs nothing, the offline one its 登记表.
        let exemptions = page.text_of("#exemptions").await;
        assert!(
            exemptions.contains(online) && exemptions.contains("无需上传"),
            "{exemptions}"
        );
        assert!(
            exemptions.contains(offline) && exemptions.contains("未上传"),
            "{exemptions}"
        );
        page.upload("#exemptions", &form_scan).await;
        page.wait_for_text("#exemptions", "已上传 exemption-form.jpg")
            .await;
        page.find("#photo-file")
            .await
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
        page.click("#photo-autofix").await;
        page.click("form[action='/candidate/application/photo'] button[type=submit]")
            .await;
        page.find("#photo-preview").await;
        page.click("#photo-accept").await;
        page.find("#photo-saved").await;
        page.assert_fits_viewport().await;
        page.screenshot("application").await;
        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;

        // 5. Three levels approve: the confirmation point (with the seal check), the prefecture,
        // the office.
        page.sign_in_as(
            "/staff/login",
            accounts::STAFF_YN_CONFIRMATION_POINT,
            "/staff",
        )
        .await;
        page.review_with("approve", None, true).await;
        for who in [
            accounts::STAFF_YN_PREFECTURE,
            accounts::STAFF_YN_OFFICE_REVIEWER,
        ] {
            page.sign_in_as("/staff/login", who, "/staff").await;
            page.review("approve", None).await;
        }
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.goto("/candidate/application/progress").await;
        page.wait_for_text("#pickup", "省招生考试院终审已通过")
            .await;
        page.screenshot("approved").await;
        let cand = page.app.candidate(me).await;

        // 6. The office reviewer exports the decided queue: the workbook holds the rows shown.
        page.sign_in_as("/staff/login", accounts::STAFF_YN_OFFICE_REVIEWER, "/staff")
            .await;
        page.goto("/staff/reviews?status=decided").await;
        let on_screen = page.column("#review-queue", 1).await;
        assert!(on_screen.contains(&me.to_owned()), "{on_screen:?}");
        let export = page
            .find("#queue-export")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let got = page.download(&export, None).await;
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.bytes));
        assert!(got.kind.contains("spreadsheetml"), "{}", got.kind);
        let (headers, rows) = workbook(&got.bytes, "毕业审核");
        let in_book: Vec<String> = rows
            .iter()
            .map(|r| r[col(&headers, "准考证号")].clone())
            .collect();
        assert_eq!(in_book, on_screen, "the export holds the rows on screen");
        let ours = &rows[in_book.iter().position(|n| n == me).unwrap()];
        assert_eq!(ours[col(&headers, "姓名")], cand.name);
        assert_eq!(ours[col(&headers, "批次")], batch_name);

        // The office admin: the batch's 统计, then the 学信网 package.
        page.sign_in_as("/staff/login", accounts::STAFF_YN_OFFICE_ADMIN, "/staff")
            .await;
        page.goto(&format!("/staff/batches/{batch}/stats")).await;
        assert_eq!(page.text_of("#stats-total").await, "1");
        assert_eq!(
            page.text_of("#stats-statuses tr[data-status=approved] .count")
                .await,
            "1"
        );
        let approvals = page.column("#stats-stages table", 3).await;
        assert!(
            approvals.len() >= 3 && approvals.iter().all(|n| n == "1"),
            "every stage approved once: {approvals:?}"
        );
        let submitted = page.column("#stats-day-table", 1).await;
        let total: u64 = submitted.iter().map(|n| n.parse::<u64>().unwrap()).sum();
        assert_eq!(total, 1, "one submission: {submitted:?}");
        page.assert_fits_viewport().await;
        page.screenshot("stats").await;
        let got = page
            .download(&format!("/staff/batches/{batch}/stats.xlsx"), None)
            .await;
        assert_eq!(got.status, 200);
        let (headers, rows) = workbook(&got.bytes, "统计");
        assert_eq!(headers, ["分类", "名称", "指标", "数值"]);
        assert!(!rows.is_empty());

        page.goto("/staff/province-settings").await;
        page.type_into("#cert_org_code", "53001").await;
        page.click("#certificate-rule-form button[type=submit]").await;
        page.wait_for_url("saved=1").await;
        page.goto("/staff/batches").await;
        let form = format!("#manage-{batch} form.xuexin-package");
        page.find(&format!("{form} button[type=submit]")).await;
        let got = page.download("", Some(&form)).await;
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.bytes));
        assert_eq!(got.kind, "application/zip");
        let mut zip = zip::ZipArchive::new(Cursor::new(got.bytes)).unwrap();
        let mut data = String::new();
        zip.by_name("毕业生信息.csv")
            .unwrap()
            .read_to_string(&mut data)
            .unwrap();
        let lines: Vec<Vec<&str>> = data
            .trim_start_matches('\u{feff}')
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(lines.len(), 2, "the header and the one graduate: {lines:?}");
        let header: Vec<String> = lines[0].iter().map(|s| (*s).to_owned()).collect();
        let row = &lines[1];
        assert_eq!(row[col(&header, "准考证号")], me);
        assert_eq!(row[col(&header, "姓名")], cand.name);
        assert_eq!(row[col(&header, "身份证号")], cand.id_card_no);
        let number = row[col(&header, "毕业证书编号")];
        assert!(
            number.len() == 18 && number.starts_with("53001"),
            "{number}"
        );
        let photo_name = format!("{}.jpg", cand.id_card_no);
        assert_eq!(row[col(&header, "照片文件名")], photo_name);
        let mut jpeg = Vec::new();
        zip.by_name(&format!("photos/{photo_name}"))
            .unwrap()
            .read_to_end(&mut jpeg)
            .unwrap();
        let img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (480, 640));

        // The school approves and awards a degree; its admin exports 学位授予信息.
        let degree = crate::degree::submitted(page.app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        page.sign_in_as("/staff/login", accounts::STAFF_CE_SCHOOL_REVIEWER, "/staff")
            .await;
        page.goto("/staff/degree").await;
        page.click(&format!("#degree-queue a[href='/staff/degree/{}']", degree.id))
            .await;
        page.click("#degree-review-form input[name=decision][value=approve]")
            .await;
        page.click("#degree-review-form button[type=submit]").await;
        page.find("#degree-done").await;
        page.goto("/staff/degree?status=approved").await;
        page.click("#award-form input[name=ids]").await;
        page.click("#award-form input[name=award][value=awarded]")
            .await;
        page.click("#award-submit").await;
        page.wait_for_text("#degree-done", "学位授予结果已登记")
            .await;
        page.sign_in_as("/staff/login", accounts::STAFF_CE_SCHOOL_ADMIN, "/staff")
            .await;
        page.goto("/staff/degree").await;
        let report = page
            .find("#degree-report")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        page.assert_fits_viewport().await;
        page.screenshot("degree-report").await;
        let got = page.download(&report, None).await;
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.bytes));
        let (headers, rows) = workbook(&got.bytes, "学位授予信息");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][col(&headers, "姓名")], degree.name);
        assert_eq!(
            rows[0][col(&headers, "学号")],
            accounts::STUDENT_ABOVE_THRESHOLDS
        );
        assert_eq!(rows[0][col(&headers, "学位授予结果")], "授予");
    })
    .await;
}
