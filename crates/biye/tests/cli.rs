//! The binary's subcommands, run as a person would run them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn biye() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_biye"));
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
    let office = store::demo::catalog::ORGS
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
        assert_eq!(staff.role, "admin");
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
