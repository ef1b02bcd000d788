//! 人员账号 over HTTP: the office's admin creates accounts from a spreadsheet and reads their
//! one-time passwords once; a new account signs in and must change its password first; a reviewer
//! cannot import; the single new account takes an optional phone, checked and shown masked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{EntityTrait, PaginatorTrait};
use store::demo::accounts;
use store::entity::staff;
use store::testkit::app_backends;

use crate::common::{TestApp, User, csrf_in, spawn_app};

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Option<String>, String) {
    let token = app.csrf(client, page).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let r = client
        .post(app.url("/staff/accounts/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cache = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, r.text().await.unwrap())
}

/// The (username, password) pairs of the one-time password table.
fn passwords_in(page: &str) -> Vec<(String, String)> {
    let Some(at) = page.find(r#"id="staff-import-passwords""#) else {
        return Vec::new();
    };
    let table = &page[at..page[at..].find("</table>").map_or(page.len(), |e| at + e)];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row
                .split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap())
                .collect();
            let password = cells[4]
                .trim_start_matches("<code>")
                .trim_end_matches("</code>");
            (cells[1].to_owned(), password.to_owned())
        })
        .collect()
}

async fn count_staff(app: &TestApp) -> u64 {
    staff::Entity::find().count(&app.db.db).await.unwrap()
}

#[tokio::test]
async fn import_staff_an_admin_uploads_accounts_and_reads_their_passwords_once() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/accounts").await;
        assert_eq!(status, 200);
        assert!(page.contains(r#"<label for="bulk-staff-file">"#), "{page}");
        assert!(page.contains("最多 500 行"), "{page}");
        let university = app.org_of(accounts::STAFF_CQ_BACHELOR_UNIVERSITY).await;
        let district = app.org_of(accounts::STAFF_CQ_DISTRICT).await;
        let before = count_staff(&app).await;

        // A bad file: every problem by row and column, nothing created.
        let bad = format!(
            "用户名,姓名,手机号,所属机构,角色\n\
             bulk-li,李明,13812345678,{},审核员（市自考办审核）\n\
             {},王芳,,{},只读\n",
            university.code,
            accounts::STAFF_CQ_DISTRICT,
            district.code
        );
        let (status, _, page) = upload(
            &app,
            &admin,
            "/staff/accounts",
            "人员.csv",
            bad.into_bytes(),
        )
        .await;
        assert_eq!(status, 422, "{}: {page}", b.name());
        assert!(page.contains("导入失败：共 2 行，发现 2 处错误"), "{page}");
        assert!(
            page.contains(&format!(
                "<td>2</td><td>角色</td><td>审核员（市自考办审核）</td><td>“{}”不审核“市自考办审核”环节",
                university.name
            )),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                "<td>3</td><td>用户名</td><td>{0}</td><td>用户名“{0}”已被使用</td>",
                accounts::STAFF_CQ_DISTRICT
            )),
            "{page}"
        );
        assert!(passwords_in(&page).is_empty());
        assert_eq!(count_staff(&app).await, before);

        // A good one: the passwords once, never cached.
        let good = format!(
            "用户名,姓名,手机号,所属机构,角色\n\
             bulk-li,李明,13812345678,{},审核员（主考学校初审）\n\
             bulk-wang,王芳,,{},只读、数据导入\n",
            university.code, district.name
        );
        let (status, cache, page) = upload(
            &app,
            &admin,
            "/staff/accounts/import",
            "人员.csv",
            good.into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert_eq!(cache.as_deref(), Some("no-store"));
        assert!(page.contains("导入成功：共 2 行，已导入 2 行"), "{page}");
        assert!(page.contains("只显示这一次"));
        let issued = passwords_in(&page);
        assert_eq!(
            issued.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
            ["bulk-li", "bulk-wang"]
        );
        assert_eq!(count_staff(&app).await, before + 2);
        let (_, list) = app.get_text(&admin, "/staff/accounts").await;
        assert!(list.contains("bulk-wang"));
        assert!(list.contains("138****5678"), "the phone, masked");
        assert!(!list.contains("13812345678"));
        for (_, password) in &issued {
            assert!(!list.contains(password.as_str()), "shown once only");
        }

        // bulk-li signs in with it and is sent to change it first.
        let (user, password) = &issued[0];
        let li = app.client();
        let r = app.login_as(&li, "/staff/login", user, password).await;
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let r = li.get(app.url("/staff/reviews")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/staff/account?must_change=1");
    }
}

#[tokio::test]
async fn import_staff_is_for_admins_only() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        assert_eq!(
            app.get_text(&reviewer, "/staff/accounts/import").await.0,
            403
        );
        let before = count_staff(&app).await;
        let csv = "用户名,姓名,所属机构,角色\nsneaky,某人,500000,管理员\n";
        let (status, _, page) = upload(&app, &reviewer, "/staff", "人员.csv", csv.into()).await;
        assert_eq!(status, 403, "{}: {page}", b.name());
        assert!(page.contains("此功能仅限本机构管理员使用"), "{page}");
        assert_eq!(count_staff(&app).await, before);
    }
}

#[tokio::test]
async fn import_staff_the_single_new_account_takes_a_checked_phone_shown_masked() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (_, page) = app.get_text(&admin, "/staff/accounts").await;
        assert!(
            page.contains(r#"<label for="phone">手机号（选填"#),
            "{page}"
        );
        let token = csrf_in(&page).unwrap();
        let district = app.org_of(accounts::STAFF_CQ_DISTRICT).await.id.to_string();
        let create = |phone: &'static str| {
            let admin = admin.clone();
            let (token, district, url) =
                (token.clone(), district.clone(), app.url("/staff/accounts"));
            async move {
                let r = admin
                    .post(url)
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("username", "spb-zhang"),
                        ("display_name", "张老师"),
                        ("phone", phone),
                        ("org_id", district.as_str()),
                        ("roles", "reviewer"),
                    ])
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, page) = create("1391234000").await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("手机号应为11位数字，实际为10位"), "{page}");
        assert!(page.contains(r#"value="1391234000""#), "kept as typed");
        let (status, page) = create("139-1234-0000").await;
        assert_eq!(status, 200, "{page}");
        let zhang = store::repo::staff::by_username(&app.db.db, "spb-zhang")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(zhang.phone.as_deref(), Some("13912340000"));
        assert!(
            page.contains("<td>spb-zhang</td><td>张老师</td><td>139****0000</td>"),
            "{page}"
        );
    }
}
