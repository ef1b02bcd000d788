//! The binary's subcommands, run as a person would run them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary, with none of the runner's `BIYE_*` settings: each test says what it configures.
fn biye() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_biye"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BIYE_") {
            c.env_remove(k);
        }
    }
    c.env("BIYE_LOG", "warn");
    c
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn demo_prints_the_url_and_the_logins_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = biye()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--password",
            "Demo2026pass",
            "--data",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let mut addr = None;
    let mut printed = String::new();
    while let Some(Ok(line)) = lines.next() {
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.trim().strip_prefix("地址：http://") {
            addr = Some(rest.trim_end_matches('/').to_owned());
        }
        if line.starts_with("工作人员") || started.elapsed() > Duration::from_secs(120) {
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no address printed:\n{printed}"));
    assert!(
        printed.contains("Demo2026pass"),
        "the password is printed once"
    );
    assert!(
        printed.contains(store::demo::accounts::CQ_ELIGIBLE_ASSOCIATE),
        "{printed}"
    );
    // The admins' shared authenticator secret, printed once for typing into an app.
    let totp = printed
        .lines()
        .find(|l| l.contains("已启用两步验证"))
        .unwrap_or_else(|| panic!("no two-factor line:\n{printed}"));
    assert!(
        totp.contains(store::demo::accounts::STAFF_CQ_OFFICE_ADMIN),
        "{totp}"
    );
    let secret = totp.rsplit('：').next().unwrap_or_default();
    assert_eq!(
        domain::totp::parse_secret(secret).ok().map(|s| s.len()),
        Some(20),
        "{totp}"
    );
    let mut ok = false;
    for _ in 0..50 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok, "the demo serves on {addr}");
    assert!(http_get(&addr, "/healthz").ends_with("ok"));
    assert!(http_get(&addr, "/login").contains("自考考生登录"));
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn the_first_admin_is_created_by_the_cli_and_a_bad_import_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("p.sqlite").display()
    );
    let run = |args: &[&str]| {
        biye()
            .env("BIYE_DATABASE_URL", &url)
            .env("BIYE_DATA_DIR", dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let init = run(&["init-province", "chongqing"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let office = store::demo::catalog::orgs()
        .iter()
        .find(|o| o.kind == "municipal_office")
        .unwrap();
    let out = run(&["create-admin", "--org", office.code, "--username", "boss"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let password = text.rsplit('：').next().unwrap().trim().to_owned();
    assert!(password.len() >= 8, "{text}");
    let again = run(&["create-admin", "--org", office.code, "--username", "boss"]);
    assert!(!again.status.success(), "a username is taken once");

    // A school of continuing education: created once, with a code of letters and digits.
    let school = run(&[
        "create-school",
        "--code",
        "10611CE",
        "--name",
        "重庆大学继续教育学院",
    ]);
    assert!(
        school.status.success(),
        "{}",
        String::from_utf8_lossy(&school.stderr)
    );
    assert!(String::from_utf8_lossy(&school.stdout).contains("10611CE"));
    for (code, name, why) in [
        ("10611CE", "另一个学院", "已存在"),
        ("106-11", "某学院", "只能由字母和数字组成"),
        ("A23456789012345678901", "某学院", "现为21个"),
        ("10612CE", &"学".repeat(61), "现为61个"),
    ] {
        let refused = run(&["create-school", "--code", code, "--name", name]);
        assert!(!refused.status.success(), "{code}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains(why), "{code}: {err}");
    }
    let at_limit = run(&[
        "create-school",
        "--code",
        "A2345678901234567890",
        "--name",
        &"学".repeat(60),
    ]);
    assert!(
        at_limit.status.success(),
        "20 characters and 60 are allowed"
    );
    assert!(
        run(&["create-admin", "--org", "10611CE", "--username", "ce-boss"])
            .status
            .success()
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = store::connect(&url).await.unwrap();
        let staff = store::repo::staff::by_username(&db, "boss")
            .await
            .unwrap()
            .unwrap();
        assert!(store::repo::password::verify(
            &staff.password_hash,
            &password
        ));
        let roles = store::repo::staff::roles_of(&db, staff.id).await.unwrap();
        assert!(roles.is_admin(), "{}", roles.label());
        assert!(
            staff.must_change_password,
            "the first password is changed at sign-in"
        );
    });
    // A lost admin password: a new one-time password, printed once.
    let reset = run(&["reset-password", "boss"]);
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let text = String::from_utf8(reset.stdout).unwrap();
    let fresh = text.rsplit('：').next().unwrap().trim().to_owned();
    assert_ne!(fresh, password);
    let unknown = run(&["reset-password", "nobody"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody"));
    rt.block_on(async {
        let db = store::connect(&url).await.unwrap();
        let staff = store::repo::staff::by_username(&db, "boss")
            .await
            .unwrap()
            .unwrap();
        assert!(store::repo::password::verify(&staff.password_hash, &fresh));
        assert!(!store::repo::password::verify(
            &staff.password_hash,
            &password
        ));
        assert!(staff.must_change_password);
        store::accounts::totp::enrol_with_secret(
            &db,
            staff.id,
            b"lost-phone-secret-20",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    });
    // A lost phone with its recovery codes, and nobody above: the operator clears it.
    let cleared = run(&["clear-two-factor", "boss"]);
    assert!(
        cleared.status.success(),
        "{}",
        String::from_utf8_lossy(&cleared.stderr)
    );
    assert!(String::from_utf8_lossy(&cleared.stdout).contains("已清除 boss 的两步验证"));
    let again = run(&["clear-two-factor", "boss"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("尚未设置两步验证"));
    rt.block_on(async {
        let db = store::connect(&url).await.unwrap();
        let staff = store::repo::staff::by_username(&db, "boss")
            .await
            .unwrap()
            .unwrap();
        assert!(
            !store::accounts::totp::is_enabled(&db, staff.id)
                .await
                .unwrap()
        );
    });

    let bad = dir.path().join("scores.csv");
    std::fs::write(
        &bad,
        "准考证号,课程代码,成绩,考试日期\n500100000001,00015,101,2026-04-01\n",
    )
    .unwrap();
    let out = run(&["import", "scores", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("导入失败"), "{text}");
    assert!(text.contains("第 2 行"), "{text}");
}

#[test]
fn batch_audit_of_a_seeded_demo_prints_its_figures() {
    let (_dir, url) = seeded_demo(&[
        "--candidates",
        "300",
        "--province",
        "yunnan",
        "--password",
        "Demo2026pass",
    ]);
    let (yunnan, language, candidates) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use store::entity::{batch, candidate};
        use store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let db = store::connect(&url).await.unwrap();
        let batches = batch::Entity::find().all(&db).await.unwrap();
        let id_of = |kind: &str, province: Option<&str>| {
            batches
                .iter()
                .find(|b| b.kind == kind && b.province.as_deref() == province)
                .unwrap()
                .id
        };
        let candidates = candidate::Entity::find()
            .filter(candidate::Column::Province.eq("yunnan"))
            .count(&db)
            .await
            .unwrap();
        (
            id_of("graduation", Some("yunnan")),
            id_of("language", None),
            candidates,
        )
    });
    // The named Yunnan candidates plus every synthetic one.
    assert!(candidates >= 300, "{candidates}");

    let audit = |batch: i64| {
        biye()
            .args(["audit", "--batch", &batch.to_string(), "--database", &url])
            .output()
            .unwrap()
    };
    let out = audit(yunnan);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("审核 {candidates} 名考生")),
        "{text}"
    );
    assert!(text.contains("条/秒"), "{text}");
    // Yunnan candidates have not uploaded the commitment letter yet.
    assert!(text.contains("符合毕业条件：0 个"), "{text}");

    let refused = audit(language);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("不是毕业批次"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// A 9×12 noisy JPEG (quality 50): far from a certificate photo, but with
/// enough detail that the corrected 480×640 version lands within 20–40 KB.
const SMALL_NOISY_JPEG_HEX: &str = concat!(
    "ffd8ffe000104a46494600010200000100010000ffc0001108000c000903011100021101031101ffdb004300",
    "100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a333d3c3933383740485c4e404457453738",
    "506d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a1a2f634238426363636363",
    "6363636363636363636363636363636363636363636363636363636363636363636363636363636363636363",
    "63ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303",
    "020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f024",
    "33627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566",
    "6768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7",
    "b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc400",
    "1f0100030101010101010101010000000000000102030405060708090a0bffc400b511000201020404030407",
    "05040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a",
    "162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a63646566676869",
    "6a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9",
    "bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c030100",
    "02110311003f0026532873b41ca1002c7c00b91fc47191bba804e70300f05c2aa4b9adf8a5a69d3a2f5d2db3",
    "6bde08c234249cdfdefcfa74fc2df7e9179ba67f7dbfefc8abbcbfe7d3febe645a5fd363ad6107ec51ee6025",
    "c9273c8c856e0fd49fce9a5794aabd5ab7e3271fc17fc1bad0ba72fdd4df6e4fc5d9fe0d91f929fdc8bfefc4",
    "7ffc4d3fa952f3fbd9d3ece3dbf05fe47fffd9",
);

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn check_photo_exits_1_when_not_compliant_and_fix_makes_it_compliant() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("small.jpg");
    std::fs::write(&input, unhex(SMALL_NOISY_JPEG_HEX)).unwrap();

    let out = biye().arg("check-photo").arg(&input).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("宽 9 像素，应为 480 像素"), "{stdout}");
    assert!(stdout.contains("应为 20–40 KB"), "{stdout}");

    let fixed = dir.path().join("fixed.jpg");
    let out = biye()
        .arg("check-photo")
        .arg(&input)
        .arg("--fix")
        .arg(&fixed)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("已写入修正后的照片"), "{stdout}");
    let size = std::fs::metadata(&fixed).unwrap().len();
    assert!((20_480..=40_960).contains(&size), "{size}");

    let out = biye().arg("check-photo").arg(&fixed).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("480×640 像素"), "{stdout}");
    assert!(stdout.contains("符合证书照片要求"), "{stdout}");

    let png = dir.path().join("renamed.jpg");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = biye().arg("check-photo").arg(&png).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("PNG 图片而不是 JPG"), "{stdout}");
}

/// Rows in `seaql_migrations`: how many migrations the database has recorded as applied.
async fn applied_migrations(db: &store::Db) -> i64 {
    use store::sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_string(
        backend,
        "SELECT COUNT(*) AS n FROM seaql_migrations",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

#[test]
fn two_migrations_started_together_on_an_empty_database_both_succeed() {
    const ROUNDS: usize = 3;
    let rt = tokio::runtime::Runtime::new().unwrap();
    for backend in store::testkit::app_backends() {
        let expected = rt.block_on(async {
            let reference = store::testkit::TestDb::create(&backend).await.unwrap();
            applied_migrations(&reference.db).await
        });
        for round in 0..ROUNDS {
            let t = rt
                .block_on(store::testkit::TestDb::create_empty(&backend))
                .unwrap();
            let dir = tempfile::tempdir().unwrap();
            let start = || {
                biye()
                    .env("BIYE_DATABASE_URL", &t.url)
                    .env("BIYE_DATA_DIR", dir.path())
                    .arg("migrate")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            };
            let (a, b) = (start(), start());
            for (which, child) in [("first", a), ("second", b)] {
                let out = child.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{} round {round}: the {which} `biye migrate` failed: {}",
                    backend.name(),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(String::from_utf8_lossy(&out.stdout).contains("数据库已是最新结构"));
            }
            assert_eq!(
                rt.block_on(applied_migrations(&t.db)),
                expected,
                "{}",
                backend.name()
            );
        }
    }
}

#[test]
fn an_older_build_keeps_serving_a_database_a_newer_build_migrated_but_will_not_migrate_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for backend in store::testkit::app_backends() {
        let t = rt
            .block_on(store::testkit::TestDb::create(&backend))
            .unwrap();
        // What a newer build's `biye migrate` leaves behind: a migration this build never heard of.
        rt.block_on(async {
            use store::sea_orm::{ConnectionTrait, Statement};
            t.db.execute_raw(Statement::from_string(
                t.db.get_database_backend(),
                "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000001_future', 0)",
            ))
            .await
            .unwrap();
        });
        assert_eq!(
            rt.block_on(store::db::unknown_migrations(&t.db)).unwrap(),
            vec!["m29991231_000001_future".to_owned()]
        );
        let dir = tempfile::tempdir().unwrap();
        let out = biye()
            .env("BIYE_DATABASE_URL", &t.url)
            .env("BIYE_DATA_DIR", dir.path())
            .arg("migrate")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}", backend.name());
        assert!(stderr.contains("更新版本"), "{stderr}");
        // Serving goes on: an instance restarted mid-upgrade comes back.
        let addr = format!("127.0.0.1:{}", {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        });
        let mut child = biye()
            .env("BIYE_DATABASE_URL", &t.url)
            .env("BIYE_DATA_DIR", dir.path())
            .args(["serve", "--listen", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut ready = String::new();
        while std::time::Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = s.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
                let _ = s.read_to_string(&mut ready);
                if ready.starts_with("HTTP/1.0 200") || ready.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{}: serve exited with {status}", backend.name());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(ready.contains(" 200 "), "{}: {ready}", backend.name());
    }
}

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The `i`-th day written by the backup test, and the name it is written with.
fn written_day(i: u64) -> (chrono::NaiveDate, String) {
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (
        first + chrono::Days::new(i),
        format!("备份测试第 {i} 次写入"),
    )
}

#[test]
fn a_backup_taken_under_write_load_holds_every_acknowledged_write() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use store::sea_orm::{ConnectionTrait, DbBackend, Statement};

    let dir = tempfile::tempdir().unwrap();
    let live = sqlite_url(&dir.path().join("live.sqlite"));
    let dest = dir.path().join("backup.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = store::connect(&live).await.unwrap();
        store::db::migrate(&db).await.unwrap();
        // Bulk for the copy to take a while: the writes below go on while it is made.
        let filler = "档案".repeat(2_000);
        let now = chrono::Utc::now();
        use store::sea_orm::TransactionTrait;
        let txn = db.begin().await.unwrap();
        for i in 0..3_000 {
            store::repo::audit::record(
                &txn,
                now,
                store::repo::audit::Actor::SYSTEM,
                "test.backup_filler",
                ("test", Some(i)),
                &filler,
                None,
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
        db
    });

    // One writer, as a stream of submissions: a write counts once `set_day` has returned.
    let acknowledged = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, acknowledged, stop) = (db.clone(), acknowledged.clone(), stop.clone());
        rt.spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let (day, name) = written_day(i);
                store::repo::calendar::set_day(&db, day, domain::calendar::DayKind::Holiday, &name)
                    .await
                    .unwrap();
                i += 1;
                acknowledged.store(i, Ordering::SeqCst);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < 100 {
        assert!(Instant::now() < deadline, "the writer made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = acknowledged.load(Ordering::SeqCst);
    let out = biye()
        .env("BIYE_DATABASE_URL", &live)
        .env("BIYE_DATA_DIR", dir.path())
        .arg("backup")
        .arg(&dest)
        .output()
        .unwrap();
    let during = acknowledged.load(Ordering::SeqCst) - before;
    stop.store(true, Ordering::SeqCst);
    rt.block_on(writer).unwrap();
    let total = acknowledged.load(Ordering::SeqCst);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("已备份"), "{stdout}");
    assert!(during > 0, "no write was acknowledged while the backup ran");
    println!("writes acknowledged before the backup: {before}, while it ran: {during}");

    // Restoring is using the backup file as the database.
    rt.block_on(async {
        let restored = store::connect(&sqlite_url(&dest)).await.unwrap();
        let integrity = restored
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert_eq!(integrity, "ok");
        let mut present = std::collections::HashMap::new();
        for year in 1900..=(1900 + total as i32 / 365 + 1) {
            for (day, _, name) in store::repo::calendar::list_year(&restored, year)
                .await
                .unwrap()
            {
                present.insert(day, name);
            }
        }
        for i in 0..before {
            let (day, name) = written_day(i);
            assert_eq!(
                present.get(&day),
                Some(&name),
                "write {i} of {before} acknowledged before the backup is missing"
            );
        }
        assert!(present.len() as u64 <= total);
        restored.close().await.unwrap();
    });
    // And the binary runs on it.
    let listed = biye()
        .env("BIYE_DATABASE_URL", sqlite_url(&dest))
        .env("BIYE_DATA_DIR", dir.path())
        .args(["calendar", "list", "1900"])
        .output()
        .unwrap();
    assert!(listed.status.success());
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&written_day(0).1));
    rt.block_on(db.close()).unwrap();
}

#[test]
fn backup_refuses_servers_an_existing_file_and_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let run = |url: &str, dest: &std::path::Path| {
        let out = biye()
            .env("BIYE_DATABASE_URL", url)
            .env("BIYE_DATA_DIR", dir.path())
            .arg("backup")
            .arg(dest)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let dest = dir.path().join("b.sqlite");
    let err = run("postgres://biye@db.example/biye", &dest);
    assert!(err.contains("pg_dump"), "{err}");
    let err = run("mysql://biye@db.example/biye", &dest);
    assert!(err.contains("mysqldump"), "{err}");
    assert!(!dest.exists());

    let missing = dir.path().join("nothing.sqlite");
    let err = run(&sqlite_url(&missing), &dest);
    assert!(err.contains("不存在"), "{err}");
    assert!(!missing.exists(), "a missing database is not created");

    let live = dir.path().join("live.sqlite");
    let out = biye()
        .env("BIYE_DATABASE_URL", sqlite_url(&live))
        .env("BIYE_DATA_DIR", dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&dest, b"an earlier backup").unwrap();
    let err = run(&sqlite_url(&live), &dest);
    assert!(err.contains("已存在"), "{err}");
    assert_eq!(std::fs::read(&dest).unwrap(), b"an earlier backup");
}

/// What the demo data set put in a database: candidates and the seeding marks in its audit trail.
async fn demo_rows(url: &str) -> (u64, u64, u64) {
    use store::entity::{audit, candidate, organisation};
    use store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let db = store::connect(url).await.unwrap();
    let out = (
        organisation::Entity::find().count(&db).await.unwrap(),
        candidate::Entity::find().count(&db).await.unwrap(),
        audit::Entity::find()
            .filter(audit::Column::Action.eq(store::demo::SEEDED_ACTION))
            .count(&db)
            .await
            .unwrap(),
    );
    db.close().await.unwrap();
    out
}

#[test]
fn demo_seeds_the_configured_database_and_never_mixes_it_with_existing_data() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let configured = |backend: &store::testkit::Backend| match backend {
        store::testkit::Backend::Sqlite => None,
        other => Some(
            rt.block_on(store::testkit::TestDb::create_empty(other))
                .unwrap(),
        ),
    };
    let mut n = 0;
    for backend in store::testkit::app_backends() {
        let mut url_of = || {
            n += 1;
            match configured(&backend) {
                Some(t) => (t.url.clone(), Some(t)),
                None => (
                    sqlite_url(&sqlite_dir.path().join(format!("configured{n}.sqlite"))),
                    None,
                ),
            }
        };
        let (url, _keep) = url_of();
        let data = tempfile::tempdir().unwrap();
        let demo = |url: &str, extra: &[&str]| {
            biye()
                .env("BIYE_DATABASE_URL", url)
                .args([
                    "demo",
                    "--seed-only",
                    "--password",
                    "Demo2026pass",
                    "--data",
                ])
                .arg(data.path())
                .args(extra)
                .output()
                .unwrap()
        };
        let name = backend.name();

        let out = demo(&url, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("演示数据已生成"), "{stdout}");
        assert!(
            !data.path().join("demo.sqlite").exists(),
            "{name}: the local demo database was used instead of the configured one"
        );
        let seeded = rt.block_on(demo_rows(&url));
        assert!(seeded.0 > 0 && seeded.1 > 0, "{name}: {seeded:?}");
        assert_eq!(seeded.2, 1, "{name}");

        // A second seeding would mix two data sets: refused, nothing changed.
        let out = demo(&url, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{name}");
        assert!(stderr.contains("已有数据"), "{name}: {stderr}");
        assert!(stderr.contains("--reset"), "{name}: {stderr}");
        assert_eq!(rt.block_on(demo_rows(&url)), seeded, "{name}");

        // --reset drops the earlier demo and seeds a fresh one.
        let out = demo(&url, &["--reset"]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(rt.block_on(demo_rows(&url)), seeded, "{name}");

        // A database with real data is refused, --reset or not.
        let (other, _keep_other) = url_of();
        let init = biye()
            .env("BIYE_DATABASE_URL", &other)
            .env("BIYE_DATA_DIR", data.path())
            .args(["init-province", "yunnan"])
            .output()
            .unwrap();
        assert!(init.status.success(), "{name}");
        let before = rt.block_on(demo_rows(&other));
        assert!(before.0 > 0);
        for extra in [&[][..], &["--reset"][..]] {
            let out = demo(&other, extra);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(!out.status.success(), "{name} {extra:?}");
            assert!(stderr.contains("个机构"), "{name}: {stderr}");
            if !extra.is_empty() {
                assert!(stderr.contains("不是由 biye demo 生成"), "{name}: {stderr}");
            }
            assert_eq!(rt.block_on(demo_rows(&other)), before, "{name} {extra:?}");
        }
    }
}

/// One HTTP POST of `body` with a signature header; the whole response.
fn http_post_signed(addr: &str, path: &str, body: &[u8], signature: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {}: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        domain::payment::SIGNATURE_HEADER,
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn demo_serves_with_the_configured_secrets_storage_and_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let objects = dir.path().join("elsewhere");
    let url = sqlite_url(&dir.path().join("configured.sqlite"));
    let (payment_secret, credential_secret) = ("pay-secret-of-the-province", "xuexin-secret");
    let mut child = biye()
        .env("BIYE_DATABASE_URL", &url)
        .env("BIYE_PAYMENT_SECRET", payment_secret)
        .env("BIYE_CREDENTIAL_SECRET", credential_secret)
        .env("BIYE_OBJECTS_URL", &objects)
        .env("BIYE_PUBLIC_BASE_URL", "https://biye.example.test/")
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--password",
            "Demo2026pass",
            "--data",
        ])
        .arg(&data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let mut addr = None;
    while let Some(Ok(line)) = lines.next() {
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.trim().strip_prefix("监听：") {
            addr = Some(rest.to_owned());
        }
        if line.starts_with("工作人员") {
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no listening address printed:\n{printed}"));
    assert!(
        printed.contains("地址：https://biye.example.test/"),
        "{printed}"
    );
    assert!(
        printed.contains("工作人员（用户名登录）：https://biye.example.test/staff/login"),
        "{printed}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "the demo does not listen on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let now = chrono::Utc::now();
    let notice = domain::payment::Notice {
        order_no: "NOSUCHORDER1".to_owned(),
        gateway_txn_no: "T1".to_owned(),
        amount_fen: 100,
        paid_at: now,
        timestamp: now.timestamp(),
        nonce: "n1".to_owned(),
    }
    .to_body();
    let notify = "/api/v1/payments/notify";
    let answer = http_post_signed(
        &addr,
        notify,
        &notice,
        &domain::payment::sign(&notice, payment_secret.as_bytes()),
    );
    assert!(answer.contains("订单不存在：NOSUCHORDER1"), "{answer}");
    let answer = http_post_signed(
        &addr,
        notify,
        &notice,
        &domain::payment::sign(&notice, b"another-secret"),
    );
    assert!(answer.contains("签名无效"), "{answer}");

    let push = domain::credential::CredentialPush {
        auth_no: "NOSUCHAUTH1".to_owned(),
        id_card_no: "500101199001011234".to_owned(),
        diploma: None,
        timestamp: now.timestamp(),
        nonce: "n2".to_owned(),
    }
    .to_body();
    let answer = http_post_signed(
        &addr,
        "/api/v1/credentials/notify",
        &push,
        &domain::payment::sign(&push, credential_secret.as_bytes()),
    );
    assert!(answer.contains("授权编号不存在：NOSUCHAUTH1"), "{answer}");

    assert!(objects.is_dir(), "the configured object storage is used");
    assert!(!data.join("objects").exists());
    child.kill().unwrap();
    let _ = child.wait();
    let (orgs, candidates, seeded) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(demo_rows(&url));
    assert!(orgs > 0 && candidates > 0 && seeded == 1);
}

#[test]
fn an_unknown_sqlite_synchronous_setting_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    let out = biye()
        .env("BIYE_DATABASE_URL", sqlite_url(&db))
        .env("BIYE_DATA_DIR", dir.path())
        .env("BIYE_SQLITE_SYNCHRONOUS", "off")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("sqlite_synchronous 只能是 full 或 normal，实际为“off”"),
        "{stderr}"
    );
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn the_sample_student_files_import_for_a_school_named_on_the_command_line() {
    let (dir, url) = seeded_demo(&["--password", "Demo2026pass"]);
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/imports");
    let students = samples.join("students.csv");
    let scores = samples.join("student-scores.csv");
    let run = |args: &[&str]| {
        biye()
            .env("BIYE_DATABASE_URL", &url)
            .env("BIYE_DATA_DIR", dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let text = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    // Without a school, and for an organisation that is no school: refused, nothing changed.
    let out = run(&["import", "students", students.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--school"), "{}", text(&out));
    let office = store::demo::catalog::orgs()
        .iter()
        .find(|o| o.kind == "municipal_office")
        .unwrap();
    let out = run(&[
        "import",
        "students",
        students.to_str().unwrap(),
        "--school",
        office.code,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("只能导入到继续教育学院"),
        "{}",
        text(&out)
    );

    // The school by its code, then by its name.
    let school = store::demo::catalog::orgs()
        .iter()
        .find(|o| o.kind == "continuing_ed_school")
        .unwrap();
    let out = run(&[
        "import",
        "students",
        students.to_str().unwrap(),
        "--school",
        school.code,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("新增 3 行，更新 0 行"),
        "{}",
        text(&out)
    );
    let out = run(&[
        "import",
        "student-scores",
        scores.to_str().unwrap(),
        "--school",
        school.name,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("已导入 6 行"), "{}", text(&out));
    // Imported again: every row updates.
    let out = run(&["import", "student-scores", scores.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("新增 0 行，更新 6 行"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_sample_staff_file_imports_for_the_organisation_named_and_prints_the_passwords_once() {
    let (dir, url) = seeded_demo(&["--password", "Demo2026pass"]);
    let staff =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/imports/staff.csv");
    let run = |args: &[&str]| {
        let out = biye()
            .env("BIYE_DATABASE_URL", &url)
            .env("BIYE_DATA_DIR", dir.path())
            .args(["import", "staff", staff.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            text,
        )
    };

    let (ok, _, text) = run(&[]);
    assert!(!ok);
    assert!(text.contains("--org"), "{text}");
    // A district agency's subtree holds neither the university nor the office.
    let (ok, _, text) = run(&["--org", "500106"]);
    assert!(!ok);
    assert!(text.contains("第 2 行，列“所属机构”（10611）"), "{text}");

    let (ok, stdout, text) = run(&["--org", "500000"]);
    assert!(ok, "{text}");
    assert!(
        stdout.contains("导入成功：共 5 行，已导入 5 行"),
        "{stdout}"
    );
    for username in [
        "cqu-chen",
        "cqu-import",
        "spb-wu",
        "office-finance",
        "office-zheng",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.split('\t').nth(1) == Some(username))
            .unwrap_or_else(|| panic!("no password line for {username}: {stdout}"));
        assert_eq!(line.split('\t').nth(4).map(str::len), Some(12), "{line}");
    }

    // The same file again: every username is taken now.
    let (ok, _, text) = run(&["--org", "重庆市教育考试院（市自考办）"]);
    assert!(!ok);
    assert!(text.contains("用户名“cqu-chen”已被使用"), "{text}");
}

#[test]
fn graduation_batches_are_created_moved_and_closed_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("b.sqlite"));
    let run = |args: &[&str]| {
        let out = biye()
            .env("BIYE_DATABASE_URL", &url)
            .env("BIYE_DATA_DIR", dir.path())
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    assert!(run(&["migrate"]).0);
    assert!(run(&["init-province", "chongqing"]).0);
    let create = |name: &str, opens: &str, closes: &str| {
        run(&[
            "batch",
            "create",
            "--province",
            "chongqing",
            "--name",
            name,
            "--opens",
            opens,
            "--closes",
            closes,
        ])
    };
    let (ok, text) = create(
        "2030年上半年毕业申请",
        "2030-03-01 09:00",
        "2030-03-15 17:00",
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("2030-03-01 09:00 至 2030-03-15 17:00"),
        "{text}"
    );
    let (ok, text) = create("重叠批次", "2030-03-10 09:00", "2030-03-20 17:00");
    assert!(!ok, "an overlap is refused");
    assert!(
        text.contains("“2030年上半年毕业申请”") && text.contains("重叠"),
        "{text}"
    );
    let (ok, text) = create("本期批次", "2020-01-01 09:00", "2029-12-31 17:00");
    assert!(ok, "{text}");
    let id = text
        .lines()
        .last()
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    let (ok, text) = run(&["batch", "close", &id]);
    assert!(ok && text.contains("已截止"), "{text}");
    let (ok, text) = run(&["batch", "close", &id]);
    assert!(!ok && text.contains("无需结束"), "{text}");
    let (ok, text) = run(&[
        "batch",
        "move",
        &id,
        "--opens",
        "2020-01-01 09:00",
        "--closes",
        "2030-03-01 09:00",
    ]);
    assert!(
        ok && text.contains("申请中"),
        "reopened, touching the next: {text}"
    );
    let (ok, text) = run(&["batch", "list", "--province", "重庆市"]);
    assert!(ok, "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("0 人申请"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = store::connect(&url).await.unwrap();
        let rows = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::Action.starts_with("batch."))
            .all(&db)
            .await
            .unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "batch.created",
                "batch.created",
                "batch.closed",
                "batch.moved"
            ]
        );
        assert!(rows.iter().all(|r| r.actor_kind == "system"));
    });
}

/// `biye bench http` with tiny settings: every target and the bare handler are named in the
/// table with figures, and nothing answered other than expected. (The figures are not judged:
/// a timed assertion would fail on a busy machine.)
#[test]
fn bench_http_prints_every_page_beside_the_bare_handler() {
    let dir = tempfile::tempdir().unwrap();
    let out = biye()
        .current_dir(dir.path())
        .env("BIYE_DATA_DIR", dir.path())
        .args([
            "bench",
            "http",
            "--runs",
            "1",
            "--seconds",
            "1",
            "--connections",
            "4",
            "--writers",
            "2",
            "--statements",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("target"))
        .take_while(|l| !l.is_empty())
        .collect();
    for label in [
        "bare GET /__bench/bare",
        "GET /candidate/graduation",
        "GET /candidate/application",
        "GET /staff/reviews",
        "GET /api/v1/candidates/",
        "/scores",
        "POST /candidate/application/self-appraisal",
    ] {
        let row = table
            .iter()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no row for {label}:\n{stdout}"));
        let figures: Vec<f64> = row
            .split_whitespace()
            .filter_map(|w| w.parse::<f64>().ok())
            .collect();
        // connections, answers/s, p50, p99, max (and the share of bare, the errors, the
        // statements per answer and the answers' mean size in KB).
        assert!(figures.len() >= 6, "{row}");
        assert!(figures[1] > 0.0, "nothing answered: {row}");
        let mut last = row.split_whitespace().rev();
        let kb: f64 = last.next().unwrap().parse().unwrap();
        let statements = last.next().unwrap();
        assert_eq!(last.next(), Some("0"), "errors: {row}");
        if label.starts_with("bare") {
            assert_eq!(statements, "-", "{row}");
            // "hello".
            assert!(kb < 0.05, "{row}");
        } else {
            // Every page reads the session at least.
            let n: f64 = statements.parse().unwrap();
            assert!(n >= 1.0, "{row}");
        }
        if label.starts_with("GET /candidate") || label.starts_with("GET /staff") {
            // A whole page, not an empty answer.
            assert!(kb >= 1.0, "{row}");
        }
    }
    // --statements: each target's statements, the session's among them.
    let listing = stdout
        .split("GET /candidate/graduation: statements per answer")
        .nth(1)
        .unwrap_or_else(|| panic!("no statements listed:\n{stdout}"));
    assert!(listing.contains("\"sessions\".\"id\""), "{listing}");
    assert_eq!(
        table.iter().filter(|l| l.starts_with("bare")).count(),
        2,
        "bare at 4 and at 2 connections:\n{stdout}"
    );
}

/// `biye bench province-audit` over a small seeded province: the plain scan reads every score
/// row, the audit's read and the whole audit the same rows of the province, and the three
/// figures are printed. (Times are not judged.)
#[test]
fn bench_province_audit_compares_the_audits_read_with_a_plain_scan() {
    let (dir, url) = seeded_demo(&["--candidates", "300", "--province", "chongqing"]);
    let out = biye()
        .env("BIYE_DATA_DIR", dir.path())
        .args([
            "bench",
            "province-audit",
            "--database",
            &url,
            "--batch",
            "2",
            "--runs",
            "1",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    let run = stderr
        .lines()
        .find(|l| l.starts_with("run 1:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let rows: Vec<u64> = run
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [scan, read, whole] = rows[..] else {
        panic!("{run}");
    };
    assert!(read > 300, "{run}");
    assert_eq!(read, whole, "{run}");
    assert!(scan >= read, "{run}");
    for label in [
        "plain scan of score_records",
        "the audit's read",
        "whole audit (read, audit, write)",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no line for {label}:\n{stdout}"));
        assert!(line.contains(" s "), "{line}");
    }
}

/// A demo database seeded by `biye demo --seed-only` with `args` in a fresh directory, and its
/// URL.
fn seeded_demo(args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let seeded = biye()
        .args(["demo", "--seed-only"])
        .args(args)
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("demo.sqlite").display()
    );
    (dir, url)
}
