//! `biye demo`: a fresh SQLite database with the demo data set, served at once.

use std::path::PathBuf;

use anyhow::Context;
use rand::Rng;
use store::demo::catalog;

/// A random password of letters and digits (12 characters), for demo and first admin accounts.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    loop {
        let p: String = (0..12)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        if domain::password::validate_new_password(&p).is_ok() {
            return p;
        }
    }
}

/// Creates the organisation tree of a province preset from the catalogue of real organisations.
pub async fn init_province(db: &store::Db, province: &str) -> anyhow::Result<usize> {
    let province =
        domain::Province::parse_label_or_code(province).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = chrono::Utc::now();
    let mut ids = std::collections::HashMap::new();
    let mut created = 0;
    for o in catalog::ORGS
        .iter()
        .filter(|o| o.province == Some(province.code()))
    {
        if let Some(existing) = store::repo::org::by_code(db, o.code).await? {
            ids.insert(o.key, existing.id);
            continue;
        }
        let parent_id = o.parent.and_then(|p| ids.get(p).copied());
        let org = store::repo::org::create(
            db,
            store::repo::org::NewOrg {
                parent_id,
                kind: o.kind,
                province: o.province,
                code: o.code,
                name: o.name,
                announcement: o.announcement,
            },
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        ids.insert(o.key, org.id);
        created += 1;
    }
    Ok(created)
}

/// What `biye demo` was asked for.
pub struct DemoArgs {
    /// Address to listen on.
    pub listen: String,
    /// Data directory; its previous demo database is replaced.
    pub data: PathBuf,
    /// Synthetic candidates on top of the named ones.
    pub candidates: u64,
    /// Password of every demo account; random when absent.
    pub password: Option<String>,
    /// One province for all synthetic candidates; both when absent.
    pub bulk_province: Option<domain::Province>,
    /// Seed and exit without serving.
    pub seed_only: bool,
}

/// Seeds a fresh demo database under `data` and serves it on `listen` (or only seeds it).
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        listen,
        data,
        candidates,
        password,
        bulk_province,
        seed_only,
    } = args;
    if candidates > 2_000_000 {
        anyhow::bail!("--candidates 最多 2000000，实际为 {candidates}");
    }
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let db_path = data.join("demo.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    let url = format!("sqlite://{}?mode=rwc", db_path.display());
    let db = store::connect(&url).await?;
    store::db::migrate(&db).await?;
    let password = match password {
        Some(p) => {
            domain::password::validate_new_password(&p).map_err(|e| anyhow::anyhow!("{e}"))?;
            p
        }
        None => random_password(),
    };
    let hash = store::repo::password::hash(&password).map_err(|e| anyhow::anyhow!(e))?;
    let started = std::time::Instant::now();
    if candidates > 0 {
        println!("正在生成演示数据（另加 {candidates} 名合成考生）……");
    }
    let summary = store::demo::seed(
        &db,
        &store::demo::DemoOptions {
            password_hash: hash,
            extra_candidates: candidates,
            bulk_province,
            now: chrono::Utc::now(),
        },
    )
    .await?;
    if seed_only {
        println!(
            "演示数据已生成：{}（{} 名考生，{} 条成绩，用时 {:.1} 秒）",
            db_path.display(),
            summary.candidates,
            summary.score_records,
            started.elapsed().as_secs_f64()
        );
        println!("所有演示账号的密码（仅显示这一次）：{password}");
        println!("数据库地址：{url}");
        return Ok(());
    }
    let listener = crate::bind(&listen).await?;
    let listen = listener.local_addr()?.to_string();
    let url_shown = format!("http://{listen}/");
    println!();
    println!("毕业申请与审核平台 演示环境");
    println!("  地址：{url_shown}");
    println!(
        "  数据：{}（{} 名考生，{} 条成绩，用时 {:.1} 秒）",
        db_path.display(),
        summary.candidates,
        summary.score_records,
        started.elapsed().as_secs_f64()
    );
    println!("  所有演示账号的密码（仅显示这一次）：{password}");
    println!();
    for (portal, title, path) in [
        ("candidate", "自考考生（准考证号登录）", "/login"),
        ("student", "继续教育学生（学号登录）", "/student/login"),
        ("staff", "工作人员（用户名登录）", "/staff/login"),
    ] {
        println!("{title}：http://{listen}{path}");
        for l in summary.logins.iter().filter(|l| l.portal == portal) {
            println!("  {:<20} {}", l.username, l.who);
        }
        println!();
    }
    let web_cfg = web::WebConfig {
        secure_cookies: false,
        import_max_bytes: 100 * 1024 * 1024,
        spool_dir: data.join("spool"),
        objects_url: data.join("objects").to_string_lossy().into_owned(),
        pdf_font: std::env::var_os("BIYE_PDF_FONT").map(PathBuf::from),
        // A demo is one process: a fresh secret per run is all its gateway and callback need.
        payment_secret: web::WebConfig::random_payment_secret(),
        credential_secret: web::WebConfig::random_payment_secret(),
        public_base_url: crate::config::default_public_base_url(listener.local_addr()?),
        ..web::WebConfig::default()
    };
    crate::serve(db, web_cfg, listener).await
}
