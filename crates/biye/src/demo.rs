//! `biye demo`: the demo data set seeded into the configured database, or into a fresh local
//! SQLite database, and served at once.

use std::path::PathBuf;

use anyhow::Context;
use rand::Rng;

use crate::config::Config;

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

/// A random authenticator secret (160 bits) for the demo's admins.
fn random_totp_secret() -> [u8; domain::totp::SECRET_BYTES] {
    let mut secret = [0u8; domain::totp::SECRET_BYTES];
    rand::thread_rng().fill(&mut secret[..]);
    secret
}

/// Creates the organisation tree of a province's definition; organisations that exist already
/// (by code) are kept as they are.
pub async fn init_province(db: &store::Db, province: &str) -> anyhow::Result<usize> {
    let province =
        domain::Province::parse_label_or_code(province).map_err(|e| anyhow::anyhow!("{e}"))?;
    store::repo::org::init_province(db, province, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// What `biye demo` was asked for.
pub struct DemoArgs {
    /// Address to listen on.
    pub listen: String,
    /// Data directory: the local demo database (replaced), spooled uploads, uploaded files.
    pub data: PathBuf,
    /// Synthetic candidates on top of the named ones.
    pub candidates: u64,
    /// Synthetic candidates (the newest) given a graduation application each; at most
    /// `candidates`.
    pub applications: u64,
    /// Password of every demo account; random when absent.
    pub password: Option<String>,
    /// One province for all synthetic candidates; both when absent.
    pub bulk_province: Option<domain::Province>,
    /// Seed and exit without serving.
    pub seed_only: bool,
    /// Empty a configured database holding an earlier demo before seeding.
    pub reset: bool,
}

/// The database the demo is seeded into, and how to name it to the person running it.
struct Target {
    db: store::Db,
    shown: String,
    url: String,
}

/// The configured database, migrated, refused unless it is empty (or, with `reset`, holds an
/// earlier demo, which is dropped).
async fn configured(cfg: &Config, reset: bool) -> anyhow::Result<Target> {
    let url = cfg.database_url.clone();
    let shown = store::db::redacted(&url);
    let db = store::db::connect_with(&url, cfg.sqlite_sync()?)
        .await
        .with_context(|| format!("cannot connect to {shown}"))?;
    store::db::migrate(&db).await.context("migration failed")?;
    let held = store::demo::holdings(&db).await?;
    if !held.is_empty() {
        if !reset {
            anyhow::bail!(
                "数据库 {shown} 中已有数据（{}）：演示数据只生成到空数据库中，不与已有数据混在一起，\
                 数据库未做任何改动。请换一个空数据库；若它是以前生成的演示数据库，加 --reset 清空后重新生成",
                held.describe()
            );
        }
        if !held.demo_seeded {
            anyhow::bail!(
                "数据库 {shown} 中已有数据（{}），但不是由 biye demo 生成的演示数据库：\
                 --reset 只清空演示数据库，数据库未做任何改动",
                held.describe()
            );
        }
        println!("正在清空 {shown} 中以前的演示数据……");
        store::db::drop_all_and_migrate(&db)
            .await
            .context("清空演示数据库失败")?;
    }
    Ok(Target { db, shown, url })
}

/// A new SQLite database under `data`, replacing the previous demo's.
async fn local(data: &std::path::Path) -> anyhow::Result<Target> {
    let db_path = data.join("demo.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    let url = format!("sqlite://{}?mode=rwc", db_path.display());
    // A demo can be seeded again; commits need not wait for the disk.
    let db = store::db::connect_with(&url, store::db::SqliteSync::Normal).await?;
    store::db::migrate(&db).await?;
    Ok(Target {
        db,
        shown: db_path.display().to_string(),
        url,
    })
}

/// Seeds the demo data set — into the configured database when one is configured
/// (`BIYE_DATABASE_URL` or the configuration file), else into a new SQLite database under
/// `data` — and serves it on `listen` (or only seeds it), with the secrets, object storage and
/// public address configured as for `serve`.
pub async fn run(args: DemoArgs, cfg: Config) -> anyhow::Result<()> {
    let DemoArgs {
        listen,
        data,
        candidates,
        applications,
        password,
        bulk_province,
        seed_only,
        reset,
    } = args;
    if candidates > 2_000_000 {
        anyhow::bail!("--candidates 最多 2000000，实际为 {candidates}");
    }
    if applications > candidates {
        anyhow::bail!(
            "--applications（{applications}）不能多于合成考生数 --candidates（{candidates}）"
        );
    }
    let password = match password {
        Some(p) => {
            domain::password::validate_new_password(&p).map_err(|e| anyhow::anyhow!("{e}"))?;
            p
        }
        None => random_password(),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let Target { db, shown, url } = if cfg.database_url_given {
        configured(&cfg, reset).await?
    } else {
        local(&data).await?
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
    if applications > 0 {
        let t = std::time::Instant::now();
        println!("正在为 {applications} 名合成考生生成毕业申请……");
        let a = store::demo::seed_applications(&db, applications, chrono::Utc::now()).await?;
        println!(
            "已生成 {} 份毕业申请（审核记录 {} 条，交费 {} 笔，退费 {} 笔），用时 {:.1} 秒",
            a.applications,
            a.events,
            a.payments,
            a.refunds,
            t.elapsed().as_secs_f64()
        );
    }
    // Admins must sign in with two factors: the demo's share one secret, random per seeding and
    // printed once, to be added to an authenticator app by hand.
    let totp_secret = random_totp_secret();
    let admins = store::demo::enrol_admins(&db, &totp_secret, chrono::Utc::now()).await?;
    let totp_line = format!(
        "管理员账号（{}）已启用两步验证，共用密钥（仅显示这一次；在验证器App中选“输入设置密钥”，基于时间）：{}",
        admins.join("、"),
        domain::totp::secret_base32(&totp_secret)
    );
    if seed_only {
        println!(
            "演示数据已生成：{shown}（{} 名考生，{} 条成绩，用时 {:.1} 秒）",
            summary.candidates,
            summary.score_records,
            started.elapsed().as_secs_f64()
        );
        println!("所有演示账号的密码（仅显示这一次）：{password}");
        println!("{totp_line}");
        println!("数据库地址：{}", store::db::redacted(&url));
        return Ok(());
    }
    let listener = crate::bind(&listen).await?;
    let addr = listener.local_addr()?;
    let mut web = cfg.clone();
    web.data_dir = data;
    // The demo is meant to be paid and authorised through: its stand-ins are always served.
    web.local_services = true;
    // A demo is usually one process: a fresh secret per run is all its gateway and callback
    // need, so an unset one is no cause for the warning `serve` gives.
    for secret in [&mut web.payment_secret, &mut web.credential_secret] {
        if secret.is_empty() {
            *secret = web::WebConfig::random_payment_secret();
        }
    }
    let web_cfg = web.web(addr);
    let base = web_cfg.public_base_url.clone();
    println!();
    println!("毕业申请与审核平台 演示环境");
    println!("  本地模拟支付平台与本地学信网已启用：任何人都可以在其中“支付”“授权”，仅供演示");
    println!("  地址：{base}/");
    println!("  短信未真正发出：账号激活、找回密码的验证码和消息通知见开发发件箱 {base}/dev/sms");
    println!("  邮件未真正发出：通知邮箱的验证码和消息通知见开发发件箱 {base}/dev/mail");
    if base != crate::config::default_public_base_url(addr) {
        println!("  监听：{addr}");
    }
    println!(
        "  数据：{shown}（{} 名考生，{} 条成绩，用时 {:.1} 秒）",
        summary.candidates,
        summary.score_records,
        started.elapsed().as_secs_f64()
    );
    println!("  所有演示账号的密码（仅显示这一次）：{password}");
    println!("  {totp_line}");
    println!();
    for (portal, title, path) in [
        ("candidate", "自考考生（准考证号登录）", "/login"),
        ("student", "继续教育学生（学号登录）", "/student/login"),
        ("staff", "工作人员（用户名登录）", "/staff/login"),
    ] {
        println!("{title}：{base}{path}");
        for l in summary.logins.iter().filter(|l| l.portal == portal) {
            println!("  {:<20} {}", l.username, l.who);
        }
        println!();
    }
    crate::serve(db, web_cfg, None, None, listener).await
}
