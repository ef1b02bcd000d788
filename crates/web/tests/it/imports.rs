//! The admin import page: all-or-nothing uploads with a report per bad row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::spawn_app;
use store::demo::accounts;
use store::testkit::app_backends;

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
    let first17 = format!("500103199001{:02}{:03}", 1 + seq % 28, seq % 1000);
    format!("{first17}{}", domain::check_digit(&first17).unwrap())
}

#[tokio::test]
async fn a_candidates_file_with_a_bad_check_digit_on_row_7_is_refused_whole() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let district = app.org_of(accounts::STAFF_CQ_DISTRICT).await;
        let mut csv = String::from("准考证号,姓名,身份证号,考生类型,报考机构\n");
        for i in 0..8u32 {
            let mut id = valid_id(i);
            if i == 5 {
                // Data row 6 is line 7 of the file (line 1 is the header).
                let last = id.pop().unwrap();
                id.push(if last == '0' { '1' } else { '0' });
            }
            csv.push_str(&format!(
                "5001990000{:02},测试考生{},{},社会考生,{}\n",
                i, i, id, district.code
            ));
        }
        let before = count_candidates(&app).await;
        let (status, page) = upload(
            &app,
            &admin,
            "candidates",
            "candidates.csv",
            csv.into_bytes(),
        )
        .await;
        assert_eq!(status, 422, "{}: {page}", b.name());
        assert!(page.contains("导入失败"), "{page}");
        assert!(page.contains("<td>7</td><td>身份证号</td>"), "{page}");
        assert!(page.contains("校验位"));
        assert_eq!(count_candidates(&app).await, before, "nothing imported");
    }
}

async fn count_candidates(app: &common::TestApp) -> u64 {
    sea_orm::PaginatorTrait::count(
        <store::entity::candidate::Entity as sea_orm::EntityTrait>::find(),
        &app.db.db,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_gb18030_scores_file_imports() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let text = format!(
            "准考证号,课程代码,成绩,考试日期,来源\n{},00015,71,2026-04-12,考试\n",
            accounts::CQ_PROFILE_INCOMPLETE
        );
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (status, page) = upload(&app, &admin, "scores", "成绩.csv", bytes.into_owned()).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("导入成功"), "{page}");
    }
}

#[tokio::test]
async fn an_empty_file_and_a_wrong_type_get_their_own_messages() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = upload(&app, &admin, "scores", "empty.csv", Vec::new()).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("文件为空"), "{page}");
        let (status, page) = upload(&app, &admin, "scores", "old.xls", b"abc".to_vec()).await;
        assert_eq!(status, 422);
        assert!(page.contains("不支持的文件类型"), "{page}");
    }
}

#[tokio::test]
async fn a_200_mb_upload_is_refused_before_it_is_read() {
    let b = store::testkit::Backend::Sqlite;
    let app = spawn_app(&b).await;
    let admin = app
        .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
        .await;
    let token = app.csrf(&admin, "/staff/imports").await;
    const SIZE: u64 = 200 * 1024 * 1024;
    // A body that claims (and would stream) 200 MB, generated lazily.
    let chunk = bytes::Bytes::from(vec![b'1'; 1024 * 1024]);
    let prefix = format!(
        "--X\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--X\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nscores\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n"
    );
    let stream = futures_util::stream::iter(
        std::iter::once(Ok::<_, std::io::Error>(bytes::Bytes::from(prefix)))
            .chain((0..200).map(move |_| Ok(chunk.clone()))),
    );
    let r = admin
        .post(app.url("/staff/imports"))
        .header("content-type", "multipart/form-data; boundary=X")
        .header("content-length", (SIZE + 400).to_string())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    let r = r.expect("the server answers before reading the body");
    assert_eq!(r.status().as_u16(), 413);
    let page = r.text().await.unwrap();
    assert!(page.contains("文件过大"), "{page}");
    assert!(
        page.contains("200.0 MB"),
        "the actual size is named: {page}"
    );
    assert!(page.contains("100.0 MB"), "the limit is named");
}

#[tokio::test]
async fn an_office_cannot_import_into_another_province() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let yn_point = app.org_of(accounts::STAFF_YN_CONFIRMATION_POINT).await;
        let csv = format!(
            "准考证号,姓名,身份证号,考生类型,报考机构\n530199000001,测试考生,{},社会考生,{}\n",
            valid_id(1),
            yn_point.code
        );
        let (status, page) = upload(&app, &admin, "candidates", "c.csv", csv.into_bytes()).await;
        assert_eq!(status, 422, "{}: {page}", b.name());
        assert!(page.contains("不在本机构管辖范围内"), "{page}");
        let scores = format!(
            "准考证号,课程代码,成绩,考试日期\n{},00015,80,2026-04-12\n",
            accounts::YN_ELIGIBLE_ASSOCIATE
        );
        let (status, page) = upload(&app, &admin, "scores", "s.csv", scores.into_bytes()).await;
        assert_eq!(status, 422);
        assert!(page.contains("不在本机构管辖范围内"), "{page}");
    }
}
