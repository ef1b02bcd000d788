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

#[test]
fn batch_audit_of_a_seeded_demo_prints_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = biye()
        .args([
            "demo",
            "--seed-only",
            "--candidates",
            "300",
            "--province",
            "yunnan",
            "--password",
            "Demo2026pass",
            "--data",
        ])
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
