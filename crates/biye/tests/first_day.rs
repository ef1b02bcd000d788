//! A province's and a school's first day, from an empty database, with nothing but README's
//! commands and the pages: `biye migrate`, `init-province`, `create-school`, `create-admin` and
//! `serve` run as processes, and everything after that is done in a real Chromium at a phone's
//! width (the harness in `crates/web/tests/browser_kit`). The office's admin signs in with the
//! printed password, sets two-factor sign-in up, creates a reviewer for a chief university,
//! imports the plan, the candidates and their scores and opens a batch; a candidate activates with
//! the code from the development outbox, applies and is reviewed by that reviewer. The school's
//! admin does the same for its students and a 学位外语 batch. On PostgreSQL where
//! `BIYE_TEST_POSTGRES` names a server (as in CI), else on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../web/tests/browser_kit/mod.rs"]
mod browser_kit;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use browser_kit::{Page, Site, WAIT, jpeg_file, pdf_file, programs, with_browser_on};
use chrono::{DateTime, Utc};
use fantoccini::Locator;

/// The binary, with none of the runner's `BIYE_*` settings: the test says what it configures.
fn biye(url: &str, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_biye"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BIYE_") || k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.current_dir(data)
        .arg("--config")
        .arg(data.join("none.toml"))
        .env("BIYE_LOG", "warn")
        .env("BIYE_DATABASE_URL", url)
        .env("BIYE_DATA_DIR", data);
    c
}

/// Runs a command to its end; it must succeed. Returns its standard output.
fn run(url: &str, data: &Path, args: &[&str]) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = biye(url, data).args(args).output().unwrap();
    let out = String::from_utf8(stdout).unwrap();
    assert!(
        status.success(),
        "biye {} failed ({status}):\n{out}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&stderr)
    );
    out
}

/// The one-time password `create-admin` prints after its last full-width colon.
fn printed_password(out: &str) -> String {
    let p = out.rsplit('：').next().unwrap().trim().to_owned();
    assert!(p.len() >= 8, "no password in: {out}");
    p
}

/// `biye serve` on a free loopback port with the local services (the development outbox);
/// killed on drop.
struct Server {
    base: String,
    child: Child,
    log: PathBuf,
}

impl Site for Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(url: &str, data: &Path) -> Server {
        let port = browser_kit::free_port();
        let log = data.join("serve.log");
        let child = biye(url, data)
            .env("BIYE_LOCAL_SERVICES", "true")
            .env("BIYE_PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(data.join("serve.err")).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server {
            base: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(server.url("/readyz")).send().await
                && r.status() == 200
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("biye serve exited ({status}):\n{}", server.logs());
            }
            assert!(
                Instant::now() < deadline,
                "biye serve not ready in 60 s:\n{}",
                server.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn logs(&self) -> String {
        let err = self.log.with_file_name("serve.err");
        format!(
            "{}{}",
            std::fs::read_to_string(&self.log).unwrap_or_default(),
            std::fs::read_to_string(err).unwrap_or_default()
        )
    }
}

/// A `datetime-local` value in Beijing time, `hours` from now, to the minute.
fn beijing_local(now: DateTime<Utc>, hours: i64) -> String {
    (now + chrono::Duration::hours(hours) + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Valid 18-digit ID numbers (GB 11643 check digit) for people born in 1998.
fn id_number(region: &str, seq: u32) -> String {
    let body = format!("{region}19980314{seq:03}");
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

/// Signs in on `login_path` with a password, forgetting any earlier session first.
async fn sign_in(page: &Page<'_, Server>, login_path: &str, username: &str, password: &str) {
    page.client.delete_all_cookies().await.unwrap();
    page.goto(login_path).await;
    page.type_into("#username", username).await;
    page.type_into("#password", password).await;
    page.click("#login-submit").await;
}

/// Waits until the address carries `needle` (an answer that redirects to the same page).
async fn wait_for_url_part(page: &Page<'_, Server>, needle: &str) {
    let deadline = Instant::now() + WAIT;
    while !page.current_url().await.contains(needle) {
        assert!(
            Instant::now() < deadline,
            "{} does not carry {needle}",
            page.current_url().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first sign-in of a staff account with a one-time password: 我的账号 until it is changed.
async fn first_staff_sign_in(page: &Page<'_, Server>, username: &str, issued: &str, new: &str) {
    sign_in(page, "/staff/login", username, issued).await;
    page.wait_for_path("/staff/account").await;
    let note = page.text_of("#account-done").await;
    assert!(note.contains("请先修改密码"), "{note}");
    page.type_into("#current", issued).await;
    page.type_into("#password", new).await;
    page.type_into("#password_confirm", new).await;
    page.click("#change-password-submit").await;
    wait_for_url_part(page, "done=password").await;
}

/// Sets up two-factor sign-in on 我的账号 and returns the app set up with the secret shown.
async fn enrol_totp(page: &Page<'_, Server>) -> App {
    page.goto("/staff/account").await;
    page.click("#two-factor-link").await;
    page.wait_for_path("/staff/account/totp").await;
    page.click("#totp-start-submit").await;
    page.find("#totp-qr svg").await;
    page.assert_fits_viewport().await;
    let secret = domain::totp::parse_secret(&page.text_of("#totp-secret").await).unwrap();
    let mut app = App {
        secret,
        used_step: 0,
    };
    let code = app.fresh_code().await;
    page.type_into("#confirm-code", &code).await;
    page.click("#totp-confirm-submit").await;
    let codes = page.text_of("#recovery-codes").await;
    assert!(codes.contains("只显示这一次"), "{codes}");
    app
}

/// An authenticator app: its secret and the last 30-second step whose code was used, since the
/// server takes each step's code once.
struct App {
    secret: Vec<u8>,
    used_step: i64,
}

impl App {
    /// The code of a step after the last one used, waiting for the next step when needed.
    async fn fresh_code(&mut self) -> String {
        loop {
            let now = Utc::now();
            let step = now.timestamp() / 30;
            if step > self.used_step {
                self.used_step = step;
                return domain::totp::code_at(&self.secret, now).unwrap();
            }
            let wait = 30 - now.timestamp() % 30;
            tokio::time::sleep(Duration::from_millis(
                u64::try_from(wait).unwrap() * 1000 + 200,
            ))
            .await;
        }
    }
}

/// A staff sign-in with the password and then the app's code.
async fn staff_sign_in_with_code(
    page: &Page<'_, Server>,
    username: &str,
    password: &str,
    app: &mut App,
) {
    sign_in(page, "/staff/login", username, password).await;
    page.wait_for_path("/staff/login/totp").await;
    page.assert_fits_viewport().await;
    let code = app.fresh_code().await;
    page.type_into("#code", &code).await;
    page.click("#totp-submit").await;
    page.wait_for_path("/staff").await;
}

/// 人员账号: a new account of `org_label` with `role`; returns its one-time password.
async fn create_staff(
    page: &Page<'_, Server>,
    username: &str,
    name: &str,
    org_label: &str,
    role: &str,
) -> String {
    page.goto("/staff/accounts").await;
    page.assert_fits_viewport().await;
    page.type_into("#username", username).await;
    page.type_into("#display_name", name).await;
    // Options name the organisation among others of the subtree (indented, with its kind).
    page.find_by(
        Locator::XPath(&format!(
            "//select[@id='org_id']/option[contains(., '{org_label}')]"
        )),
        org_label,
    )
    .await
    .click()
    .await
    .unwrap();
    page.click(&format!("#role-boxes input[value='{role}']"))
        .await;
    page.click("#new-staff-submit").await;
    let issued = page
        .find("#one-time-password code")
        .await
        .text()
        .await
        .unwrap();
    issued.trim().to_owned()
}

/// 数据导入: one file of `kind`; the summary must say it was imported.
async fn import(page: &Page<'_, Server>, kind: &str, file: &Path) {
    page.goto("/staff/imports").await;
    page.find("#kind")
        .await
        .select_by_value(kind)
        .await
        .unwrap();
    page.find("#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    page.click("form[action='/staff/imports'] button[type=submit]")
        .await;
    let summary = page.text_of("#import-summary").await;
    let errors = match page.client.find(Locator::Css("#import-errors")).await {
        Ok(t) => t.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    assert!(
        summary.contains("导入成功") || summary.contains("已导入"),
        "{kind}: {summary}\n{errors}"
    );
}

/// The code the development outbox shows last for the phone ending in `tail`, read in a second
/// tab as a person would, so the form waiting for it stays as it is.
async fn code_from_outbox(page: &Page<'_, Server>, tail: &str) -> String {
    let form = page.client.window().await.unwrap();
    let tab = page.client.new_window(true).await.unwrap();
    page.client.switch_to_window(tab.handle).await.unwrap();
    page.goto("/dev/sms").await;
    let row = page
        .find_by(
            Locator::XPath(&format!(
                "//table[@id='sms-outbox']//tr[td[contains(., '{tail}')]][1]/td[@class='sms-body']"
            )),
            "the message in the outbox",
        )
        .await
        .text()
        .await
        .unwrap();
    page.client.close_window().await.unwrap();
    page.client.switch_to_window(form).await.unwrap();
    let at = row.find("验证码为").unwrap() + "验证码为".len();
    row[at..].chars().take(6).collect()
}

/// Activation at `path` with the register's three details and a phone; signs in afterwards.
#[allow(clippy::too_many_arguments)]
async fn activate(
    page: &Page<'_, Server>,
    path: &str,
    login: &str,
    number: &str,
    id: &str,
    name: &str,
    phone: &str,
    password: &str,
) {
    page.client.delete_all_cookies().await.unwrap();
    page.goto(path).await;
    page.assert_fits_viewport().await;
    page.type_into("#number", number).await;
    page.type_into("#id_card_no", id).await;
    page.type_into("#name", name).await;
    page.type_into("#phone", phone).await;
    page.click("#request-code-submit").await;
    page.find("#code").await;
    let code = code_from_outbox(page, &phone[7..]).await;
    page.type_into("#code", &code).await;
    page.type_into("#password", password).await;
    page.type_into("#password_confirm", password).await;
    page.click("#set-password-submit").await;
    page.wait_for_path(login).await;
    let note = page.text_of("[role=status]").await;
    assert!(note.contains("账号已激活"), "{note}");
}

/// The Chongqing application form, section by section.
async fn fill_chongqing_form(page: &Page<'_, Server>, dir: &Path) {
    page.assert_fits_viewport().await;
    page.click("#major button[type=submit]").await;
    page.wait_for_text("#major", "专业及主考学校已确认").await;
    page.save_resume(&[
        ("2013-09", "2016-06", "重庆市第八中学"),
        ("2016-07", "至今", "重庆某科技公司"),
    ])
    .await;
    page.upload("#slot-id_front", &jpeg_file(dir, "front.jpg", 320, 200))
        .await;
    page.wait_for_text("#slot-id_front", "front.jpg").await;
    page.upload("#slot-id_back", &jpeg_file(dir, "back.jpg", 320, 200))
        .await;
    page.wait_for_text("#slot-id_back", "back.jpg").await;
    let appraisal = "本人在自学考试期间认真学习各门课程，".repeat(17);
    page.type_into("#appraisal-text", &appraisal).await;
    page.click("#appraisal button[type=submit]").await;
    page.wait_for_text("#appraisal", "自我鉴定已保存").await;
    page.find("#signature-file")
        .await
        .send_keys(
            &jpeg_file(dir, "signature.jpg", 600, 400)
                .display()
                .to_string(),
        )
        .await
        .unwrap();
    page.find("#crop-area:not([hidden]) #crop-handle").await;
    page.click("#signature-form button[type=submit]").await;
    page.wait_for_text("#signature", "签名已保存").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_and_a_school_start_from_an_empty_database() {
    if programs().is_none() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    // A province runs on PostgreSQL: there when the tests have a server, else on SQLite as
    // README's quick start does. The database starts without a single table.
    let pg = match std::env::var("BIYE_TEST_POSTGRES") {
        Ok(server) if !server.trim().is_empty() => Some(
            store::testkit::TestDb::create_empty(&store::testkit::Backend::Postgres(
                server.trim().trim_end_matches('/').to_owned(),
            ))
            .await
            .unwrap(),
        ),
        _ => None,
    };
    let url = match &pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}?mode=rwc", dir.join("biye.sqlite").display()),
    };

    // README's commands: the schema, the province's organisations, a school, the first admins.
    run(&url, dir, &["migrate"]);
    let made = run(&url, dir, &["init-province", "chongqing"]);
    assert!(made.contains("已创建"), "{made}");
    run(
        &url,
        dir,
        &[
            "create-school",
            "--code",
            "10611CE",
            "--name",
            "重庆大学继续教育学院",
        ],
    );
    let office_pw = printed_password(&run(
        &url,
        dir,
        &[
            "create-admin",
            "--org",
            "500000",
            "--username",
            "cq-admin",
            "--name",
            "张主任",
        ],
    ));
    let school_pw = printed_password(&run(
        &url,
        dir,
        &[
            "create-admin",
            "--org",
            "10611CE",
            "--username",
            "cqu-ce-admin",
            "--name",
            "周老师",
        ],
    ));

    // What the office loads: a plan of 重庆大学, one candidate, their scores.
    let files = tempfile::tempdir().unwrap();
    let f = files.path();
    let plan = f.join("plan.csv");
    let courses = [
        ("03706", "思想道德修养与法律基础", 2),
        ("00012", "英语（一）", 7),
        ("00018", "计算机应用基础", 2),
        ("02142", "数据结构导论", 4),
    ];
    let mut text =
        String::from("专业代码,专业名称,层次,主考学校,课程代码,课程名称,学分,课程类型\n");
    for (code, name, credits) in courses {
        text.push_str(&format!(
            "610201,计算机应用技术,专科,10611,{code},{name},{credits},理论\n"
        ));
    }
    std::fs::write(&plan, text).unwrap();
    let cand_id = id_number("500106", 24);
    let candidates = f.join("candidates.csv");
    std::fs::write(
        &candidates,
        format!(
            "准考证号,姓名,身份证号,考生类型,报考机构,民族,政治面貌,联系电话,通讯地址\n\
             502400000101,陈思雨,{cand_id},社会考生,500106,汉族,共青团员,,重庆市沙坪坝区天星桥正街17号3栋\n"
        ),
    )
    .unwrap();
    let scores = f.join("scores.csv");
    let mut text = String::from("准考证号,课程代码,成绩,考试日期\n");
    for (i, (code, _, _)) in courses.iter().enumerate() {
        text.push_str(&format!("502400000101,{code},{},2025-10-2{i}\n", 70 + i));
    }
    std::fs::write(&scores, text).unwrap();

    // What the school loads: its plan (学位主干课 marked), one student, the scores.
    let school_plan = f.join("school-plan.csv");
    let school_courses = [
        ("03708", "中国近现代史纲要", "否"),
        ("02197", "概率论与数理统计（二）", "是"),
        ("02331", "数据结构", "是"),
        ("02325", "计算机系统结构", "否"),
    ];
    let mut text = String::from(
        "专业代码,专业名称,层次,主考学校,课程代码,课程名称,学分,课程类型,学位主干课\n",
    );
    for (code, name, core) in school_courses {
        text.push_str(&format!(
            "080901,计算机科学与技术,本科,10611CE,{code},{name},4,理论,{core}\n"
        ));
    }
    std::fs::write(&school_plan, text).unwrap();
    let student_id = id_number("500103", 57);
    let students = f.join("students.csv");
    std::fs::write(
        &students,
        format!(
            "学号,姓名,身份证号,层次,专业,年级,学籍状态\n\
             2026080901001,何雨桐,{student_id},专升本,080901,2026级,在籍\n"
        ),
    )
    .unwrap();
    let student_scores = f.join("student-scores.csv");
    let mut text = String::from("学号,课程代码,成绩,考试日期\n");
    for (i, (code, _, _)) in school_courses.iter().enumerate() {
        text.push_str(&format!(
            "2026080901001,{code},{},2026-07-0{}\n",
            80 + i,
            i + 1
        ));
    }
    std::fs::write(&student_scores, text).unwrap();

    let server = Server::start(&url, dir).await;
    with_browser_on("first-day", &server, async |page| {
        // The office's admin: the printed password, a new one, two-factor sign-in.
        first_staff_sign_in(page, "cq-admin", &office_pw, "Jiefangbei-2026").await;
        let mut office_app = enrol_totp(page).await;
        page.screenshot("office-totp").await;
        staff_sign_in_with_code(page, "cq-admin", "Jiefangbei-2026", &mut office_app).await;

        // A reviewer for the chief university, then the register.
        let reviewer_pw = create_staff(page, "cqu-li", "李老师", "重庆大学", "reviewer").await;
        import(page, "plans", &plan).await;
        import(page, "candidates", &candidates).await;
        import(page, "scores", &scores).await;
        page.screenshot("office-imported").await;

        // The candidate activates, adds the major and sees every condition met.
        activate(
            page,
            "/activate",
            "/login",
            "502400000101",
            &cand_id,
            "陈思雨",
            "13883451276",
            "Shapingba-2026",
        )
        .await;
        sign_in(page, "/login", "502400000101", "Shapingba-2026").await;
        page.wait_for_path("/candidate/profile").await;
        page.goto("/candidate/majors").await;
        page.find_by(
            Locator::XPath("//select[@id='major_id']/option[contains(., '计算机应用技术')]"),
            "the imported major",
        )
        .await
        .click()
        .await
        .unwrap();
        page.click("form[action='/candidate/majors'] button[type=submit]")
            .await;
        page.wait_for_text("#enrolled", "计算机应用技术").await;
        page.goto("/candidate/graduation").await;
        page.find("section.audit").await;
        page.screenshot("candidate-conditions").await;

        // The office opens the year's batch on 毕业批次.
        staff_sign_in_with_code(page, "cq-admin", "Jiefangbei-2026", &mut office_app).await;
        page.goto("/staff/batches").await;
        page.assert_fits_viewport().await;
        page.type_into("#name", "2026年下半年毕业申请").await;
        let now = Utc::now();
        page.set_value("#opens", &beijing_local(now, -2)).await;
        page.set_value("#closes", &beijing_local(now, 24 * 14))
            .await;
        page.click("#new-batch button[type=submit]").await;
        page.wait_for_text("#batches", "申请中").await;
        page.screenshot("office-batch").await;

        // The candidate applies.
        sign_in(page, "/login", "502400000101", "Shapingba-2026").await;
        page.wait_for_path("/candidate/profile").await;
        page.goto("/candidate/graduation").await;
        page.click("#apply input[name=acknowledged]").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        fill_chongqing_form(page, f).await;
        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;
        page.screenshot("candidate-submitted").await;

        // The reviewer's first sign-in, then the decision.
        first_staff_sign_in(page, "cqu-li", &reviewer_pw, "Shazhengjie-2026").await;
        page.review("approve", None).await;
        sign_in(page, "/login", "502400000101", "Shapingba-2026").await;
        page.wait_for_path("/candidate/profile").await;
        page.goto("/candidate/application/progress").await;
        page.wait_for_text("#stages", "主考学校初审").await;
        let stages = page.text_of("#stages").await;
        assert!(stages.contains("通过"), "{stages}");
        page.screenshot("candidate-progress").await;

        // The school's admin: its plan, students and scores, a 学位外语 batch, a reviewer.
        first_staff_sign_in(page, "cqu-ce-admin", &school_pw, "Huxi-Campus-2026").await;
        let mut school_app = enrol_totp(page).await;
        import(page, "plans", &school_plan).await;
        import(page, "students", &students).await;
        import(page, "student_scores", &student_scores).await;
        let school_reviewer_pw = create_staff(
            page,
            "ce-wang",
            "王老师",
            "重庆大学继续教育学院",
            "reviewer",
        )
        .await;
        page.goto("/staff/degree-batches").await;
        page.find("#kind")
            .await
            .select_by_value("language")
            .await
            .unwrap();
        page.type_into("#name", "2026批次").await;
        let now = Utc::now();
        page.set_value("#opens", &beijing_local(now, -2)).await;
        page.set_value("#closes", &beijing_local(now, 2)).await;
        page.click("#new-batch button[type=submit]").await;
        page.wait_for_text("#batches", "2026批次").await;
        page.screenshot("school-batch").await;

        // The student activates and applies for 学位外语 recognition.
        activate(
            page,
            "/student/activate",
            "/student/login",
            "2026080901001",
            &student_id,
            "何雨桐",
            "13983450912",
            "Huxi-Student-2026",
        )
        .await;
        sign_in(page, "/student/login", "2026080901001", "Huxi-Student-2026").await;
        page.wait_for_path("/student/profile").await;
        page.goto("/student/language").await;
        page.click("#language-table a.apply").await;
        page.find("#language-form").await;
        page.js("document.querySelector('#exam_kind').value = 'cet'; \
             document.querySelector('#exam_kind').dispatchEvent(new Event('change')); return true;")
            .await;
        page.js("const l = document.querySelector('#exam_level'); \
                 const o = [...l.options].find(o => o.value === 'CET-4'); \
                 if (o) { l.value = 'CET-4'; } return true;")
            .await;
        page.set_value("#obtained_on", "2025-06-20").await;
        page.type_into("#transcript_no", "251012345678901").await;
        page.type_into("#score", "468").await;
        page.find("#files")
            .await
            .send_keys(&pdf_file(f, "cet4.pdf").display().to_string())
            .await
            .unwrap();
        page.click("#language-form button[type=submit]").await;
        page.wait_for_text("#language-table", "待审核").await;

        // The window ends; the school's reviewer decides.
        staff_sign_in_with_code(page, "cqu-ce-admin", "Huxi-Campus-2026", &mut school_app).await;
        page.goto("/staff/degree-batches").await;
        page.set_value(
            "#batches form.window input[name=closes]",
            &beijing_local(Utc::now(), 0),
        )
        .await;
        page.click("#batches form.window button[type=submit]").await;
        page.find("#batches-done").await;
        first_staff_sign_in(page, "ce-wang", &school_reviewer_pw, "Huxi-Review-2026").await;
        page.goto("/staff/language").await;
        page.click("#language-queue a[href^='/staff/language/']")
            .await;
        page.click("#decide-form input[name=decision][value=approve]")
            .await;
        page.click("#decide-form button[type=submit]").await;
        page.find("#language-done").await;
        sign_in(page, "/student/login", "2026080901001", "Huxi-Student-2026").await;
        page.wait_for_path("/student/profile").await;
        page.goto("/student/language").await;
        page.wait_for_text("#language-table", "合格").await;
        page.screenshot("student-qualified").await;
    })
    .await;
    drop(server);
    drop(pg);
}
