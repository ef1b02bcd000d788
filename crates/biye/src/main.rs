//! `biye`: serve the platform, run the demo, migrate, import, and measure.

mod batches;
mod bench;
mod config;
mod demo;
mod http_bench;
mod load_bench;
mod memory;
mod queue_bench;
mod stats_bench;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use store::repo::audit::Actor;

use crate::config::Config;

/// jemalloc rather than the C library's allocator: a request allocates on one thread what the
/// database driver's threads free on another, and glibc's allocator spent a few per cent of a
/// page's time consolidating its free lists (see README, `biye bench http`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings: a background thread hands freed pages back to the system a second after
/// they were last used, so that a burst of connections does not leave the server at its size.
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Option<&std::ffi::c_char> = {
    const CONF: &std::ffi::CStr = c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
    // SAFETY: the pointer is to the first byte of a static, NUL-terminated string.
    Some(unsafe { &*CONF.as_ptr() })
};

#[derive(Parser)]
#[command(name = "biye", version, about = "毕业申请与审核平台")]
struct Cli {
    /// Configuration file (optional; `BIYE_*` environment variables override it).
    #[arg(long, global = true, default_value = "biye.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (production): database and settings from biye.toml / BIYE_*.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Serve a demo: the demo data set seeded into the configured database (BIYE_DATABASE_URL or
    /// biye.toml), which must be empty, or else into a new local SQLite database under --data.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Data directory: the local demo database (its previous one is replaced), spooled
        /// uploads and, unless BIYE_OBJECTS_URL says otherwise, uploaded files.
        #[arg(long, default_value = "biye-data/demo")]
        data: PathBuf,
        /// Extra synthetic candidates for benchmarks (up to 2,000,000).
        #[arg(long, default_value_t = 0)]
        candidates: u64,
        /// Password of every demo account (default: a random one, printed once).
        #[arg(long)]
        password: Option<String>,
        /// Put every synthetic candidate in one of the demo's provinces (its code), e.g. to measure
        /// the batch audit over a province-sized register.
        #[arg(long)]
        province: Option<String>,
        /// Give this many synthetic candidates a graduation application each, spread over every
        /// stage and status of their province's batches (up to 2,000,000); raises --candidates to
        /// at least this many.
        #[arg(long, default_value_t = 0)]
        applications: u64,
        /// Seed the database and exit instead of serving it.
        #[arg(long)]
        seed_only: bool,
        /// Empty a configured database that holds an earlier demo (every table is dropped and
        /// recreated) before seeding; a database with data of any other origin is refused.
        #[arg(long)]
        reset: bool,
    },
    /// Apply pending database migrations (under a database lock: instances starting together
    /// wait for one another).
    Migrate,
    /// Write an online backup of the SQLite database to DEST (a new file) while it is in use;
    /// PostgreSQL is backed up with pg_dump, MySQL with mysqldump.
    Backup {
        /// The backup file; it must not exist yet.
        dest: PathBuf,
    },
    /// Import a spreadsheet (.xlsx or .csv, UTF-8 or GB18030); all-or-nothing per file.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: ImportKindArg,
        /// The file.
        file: PathBuf,
        /// The school of continuing education (its organisation code or name) whose students
        /// the file holds: required for `students`; for `student-scores` it limits the rows to
        /// that school's students.
        #[arg(long)]
        school: Option<String>,
        /// For `staff`: the organisation (its code or name) whose admin the import acts for;
        /// every account must belong to it or an organisation below it.
        #[arg(long)]
        org: Option<String>,
    },
    /// Maintain the working-day calendar: public holidays and adjusted working days (调休),
    /// from which the certificate pickup date is counted.
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Administer a province's graduation batches (毕业批次): create, list, move the window, end
    /// applications now; times in Beijing time; audited as the system.
    Batch {
        #[command(subcommand)]
        action: batches::BatchAction,
    },
    /// Create the organisation tree of a province from its definition.
    InitProvince {
        /// The province's code or Chinese name.
        province: String,
    },
    /// Create a school of continuing education (继续教育学院), which runs its students' 学位外语
    /// and degree applications; then `create-admin --org CODE` for its first admin.
    CreateSchool {
        /// Organisation code: letters and digits, e.g. 10681CE.
        #[arg(long)]
        code: String,
        /// Its name, e.g. 云南财经大学继续教育学院.
        #[arg(long)]
        name: String,
    },
    /// Create an admin account for an organisation; the password is printed once.
    CreateAdmin {
        /// Organisation code.
        #[arg(long)]
        org: String,
        /// Username.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long, default_value = "管理员")]
        name: String,
    },
    /// Gives a staff account (a lost admin's) a one-time password that must be changed at the
    /// next sign-in; every session of the account ends and a sign-in lock is lifted.
    ResetPassword {
        /// The staff username.
        username: String,
    },
    /// Clears a staff account's two-factor sign-in (两步验证): for an admin at the top who lost
    /// both the phone and the recovery codes. Every session of the account ends; where two
    /// factors are required, the holder sets them up again after signing in with the password.
    ClearTwoFactor {
        /// The staff username.
        username: String,
    },
    /// Graduation eligibility audit of a whole batch: every candidate of its province against
    /// each enrolled major; the batch's previous results are replaced.
    Audit {
        /// Batch id (a graduation batch).
        #[arg(long)]
        batch: i64,
        /// Database URL, instead of the configured one.
        #[arg(long)]
        database: Option<String>,
    },
    /// Check a certificate photo (毕业证书照片) against the registration rules; exit code 0 when
    /// compliant, 1 when not. With `--fix OUT` a corrected photo is written to OUT and checked,
    /// and the exit code then tells whether the corrected photo is compliant.
    CheckPhoto {
        /// The photo (.jpg).
        file: PathBuf,
        /// Write a corrected photo (480×640, 300 dpi, 20–40 KB) here.
        #[arg(long)]
        fix: Option<PathBuf>,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum CalendarAction {
    /// Add or correct a day: `biye calendar set 2027-02-10 节假日 春节`.
    Set {
        /// The day, YYYY-MM-DD.
        day: chrono::NaiveDate,
        /// 节假日 (holiday) or 调休上班 (adjusted_working_day).
        kind: String,
        /// The notice's name for it, e.g. 春节.
        name: String,
    },
    /// Remove a day (it becomes an ordinary weekday or weekend day again).
    Remove {
        /// The day, YYYY-MM-DD.
        day: chrono::NaiveDate,
    },
    /// List the special days of a year.
    List {
        /// The year.
        year: i32,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportKindArg {
    Candidates,
    Scores,
    Plans,
    /// 学历库: verified prior diplomas for the local credential service.
    Diplomas,
    /// 13位准考证成绩: results under older 13-character admission numbers (`legacy-scores`).
    LegacyScores,
    /// 学生: continuing-education students of the school named by `--school`.
    Students,
    /// 学生成绩: course results of continuing-education students (`student-scores`).
    StudentScores,
    /// 免考: offline exemptions granted at the office's counter.
    Exemptions,
    /// 人员账号: staff accounts of the organisation named by `--org` and those below it, each
    /// with a one-time password printed once.
    Staff,
}

fn init_tracing(format: &str, default_filter: &str, to_stderr: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BIYE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let writer = tracing_subscriber::fmt::writer::BoxMakeWriter::new(move || {
        if to_stderr {
            Box::new(std::io::stderr()) as Box<dyn std::io::Write>
        } else {
            Box::new(std::io::stdout())
        }
    });
    if format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Opens the configured database and brings its schema up to date.
async fn open(cfg: &Config) -> anyhow::Result<store::Db> {
    if cfg.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
    }
    let db = store::db::connect_with(&cfg.database_url, cfg.sqlite_sync()?)
        .await
        .context("cannot connect to the database")?;
    let newer = store::db::unknown_migrations(&db)
        .await
        .context("cannot read the applied migrations")?;
    if newer.is_empty() {
        store::db::migrate(&db).await.context("migration failed")?;
    } else {
        // A newer build migrated the database (a rolling upgrade in progress): its changes only
        // add to the schema this build knows, so this instance keeps serving until it is
        // replaced.
        tracing::warn!(
            migrations = ?newer,
            "数据库结构比本程序新（滚动升级中）：跳过迁移，继续以当前版本运行"
        );
    }
    Ok(db)
}

/// Connections the kernel may hold for us before we accept them. With the usual 1,024, a
/// thousand browsers connecting in the same instant overflow it, and those whose connection is
/// dropped try again only a second later; the kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 8192;

/// Binds the listening socket (port 0 picks a free port).
pub async fn bind(listen: &str) -> anyhow::Result<tokio::net::TcpListener> {
    let Ok(addr) = listen.parse::<std::net::SocketAddr>() else {
        // A host name: resolved and bound with the default backlog.
        return tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"));
    };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .context("cannot open a socket")?;
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .with_context(|| format!("cannot listen on {listen}"))?;
    socket
        .listen(LISTEN_BACKLOG)
        .with_context(|| format!("cannot listen on {listen}"))
}

/// Serves on `listener` until a shutdown signal.
pub async fn serve(
    db: store::Db,
    web_cfg: web::WebConfig,
    sms: Option<std::sync::Arc<dyn store::sms::SmsSender>>,
    mail: Option<std::sync::Arc<dyn store::mail::EmailSender>>,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&web_cfg.spool_dir)
        .with_context(|| format!("cannot create {}", web_cfg.spool_dir.display()))?;
    let mut state = web::AppState::new(db, web_cfg).context("cannot start the server")?;
    if let Some(sms) = sms {
        state = state.with_sms(sms);
    }
    if let Some(mail) = mail {
        state = state.with_mail(mail);
    }
    let documents: std::sync::Arc<dyn jobs::DocumentBuilder> =
        std::sync::Arc::new(web::services::archive::ArchiveJob(state.clone()));
    let jobs = jobs::spawn_periodic(
        state.db.clone(),
        state.gateway.clone(),
        Some(documents),
        Some(state.senders()),
    );
    let trim = memory::spawn_trim();
    web::routes::serve(listener, state, shutdown_signal()).await?;
    jobs.abort();
    trim.abort();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let cfg = Config::load(&cli.config)?;
    // A batch audit's statements each read tens of thousands of candidates; sqlx's warnings
    // about statements over a second would only be noise there.
    let default_filter = match cli.command {
        Command::Audit { .. } => "info,sqlx=error,sea_orm=warn",
        _ => "info,sqlx=warn,sea_orm=warn",
    };
    // A benchmark's figures are its output; what the server it runs logs (every request of some
    // pages, at times) goes apart from them.
    let to_stderr = matches!(cli.command, Command::Bench { .. });
    init_tracing(&cfg.log_format, default_filter, to_stderr);
    match cli.command {
        Command::Serve { listen } => {
            let db = open(&cfg).await?;
            let listen = listen.unwrap_or_else(|| cfg.listen.clone());
            let listener = bind(&listen).await?;
            let addr = listener.local_addr()?;
            let provinces: Vec<&str> = domain::Province::all().iter().map(|p| p.code()).collect();
            tracing::info!(listen = %addr, ?provinces, "serving");
            if cfg.local_services {
                tracing::warn!(
                    "本地模拟支付平台与本地学信网已挂载（BIYE_LOCAL_SERVICES）：任何人都可以在其中“支付”“授权”，只能用于开发和演示"
                );
            }
            let sms = cfg.sms_sender()?;
            if sms.is_none() {
                tracing::warn!(
                    "未配置短信服务（sms_provider 等 sms_* 设置）：账号激活和找回密码的验证码只写入日志和开发发件箱，不会发到手机"
                );
            }
            let mail = cfg.mail_sender()?;
            if mail.is_none() {
                tracing::warn!(
                    "未配置邮件服务（smtp_url、mail_from）：选择邮件通知的消息只写入日志，不会发出"
                );
            }
            serve(db, cfg.web(addr), sms, mail, listener).await
        }
        Command::Demo {
            listen,
            data,
            candidates,
            password,
            province,
            applications,
            seed_only,
            reset,
        } => {
            let bulk_province = province
                .map(|p| domain::Province::parse_label_or_code(&p))
                .transpose()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            demo::run(
                demo::DemoArgs {
                    listen,
                    data,
                    candidates: candidates.max(applications),
                    applications,
                    password,
                    bulk_province,
                    seed_only,
                    reset,
                },
                cfg,
            )
            .await
        }
        Command::Migrate => {
            let db = open(&cfg).await?;
            let newer = store::db::unknown_migrations(&db).await?;
            anyhow::ensure!(
                newer.is_empty(),
                "数据库已由更新版本的 biye 迁移（{}），本程序未做任何更改；请使用新版本执行 biye migrate",
                newer.join("、")
            );
            println!("数据库已是最新结构。");
            Ok(())
        }
        Command::Backup { dest } => backup(&cfg, &dest).await,
        Command::Import {
            kind: ImportKindArg::Staff,
            file,
            org,
            ..
        } => {
            let db = open(&cfg).await?;
            let org = org.context(
                "导入人员账号须用 --org 指定管理这些账号的机构（机构代码或全称），账号须属于该机构或其下级机构",
            )?;
            let org = org_named(&db, &org, "--org").await?;
            import_staff(&db, &org, &file).await
        }
        Command::Import {
            kind, file, school, ..
        } => {
            let db = open(&cfg).await?;
            let kind = match kind {
                ImportKindArg::Candidates => store::import::ImportKind::Candidates,
                ImportKindArg::Scores => store::import::ImportKind::Scores,
                ImportKindArg::Plans => store::import::ImportKind::Plans,
                ImportKindArg::Diplomas => store::import::ImportKind::Diplomas,
                ImportKindArg::LegacyScores => store::import::ImportKind::LegacyScores,
                ImportKindArg::Students => store::import::ImportKind::Students,
                ImportKindArg::StudentScores => store::import::ImportKind::StudentScores,
                ImportKindArg::Exemptions => store::import::ImportKind::Exemptions,
                ImportKindArg::Staff => store::import::ImportKind::Staff,
            };
            let school = match school {
                Some(s) => Some(school_id(&db, &s).await?),
                None => None,
            };
            import(&db, kind, &file, school).await
        }
        Command::Calendar { action } => {
            let db = open(&cfg).await?;
            calendar(&db, action).await
        }
        Command::Batch { action } => {
            let db = open(&cfg).await?;
            batches::run(&db, action).await
        }
        Command::InitProvince { province } => {
            let db = open(&cfg).await?;
            let n = demo::init_province(&db, &province).await?;
            println!("已创建 {n} 个机构。");
            Ok(())
        }
        Command::CreateSchool { code, name } => {
            let db = open(&cfg).await?;
            let school = store::repo::org::create_school(&db, &code, &name, chrono::Utc::now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "已创建继续教育学院“{}”（机构代码 {}）。",
                school.name, school.code
            );
            Ok(())
        }
        Command::CreateAdmin {
            org,
            username,
            name,
        } => {
            let db = open(&cfg).await?;
            let org = store::repo::org::by_code(&db, &org)
                .await?
                .with_context(|| format!("机构代码“{org}”不存在"))?;
            let password = demo::random_password();
            let created = store::repo::staff::create_with_password(
                &db,
                org.id,
                &username,
                &name,
                domain::StaffRole::Admin,
                &password,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            store::repo::staff::require_password_change(&db, created.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "已为“{}”创建管理员 {username}，初始密码（仅显示这一次，首次登录后须修改）：{password}",
                org.name
            );
            Ok(())
        }
        Command::ResetPassword { username } => {
            let db = open(&cfg).await?;
            let staff = store::repo::staff::by_username(&db, &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .with_context(|| format!("工作人员账号“{username}”不存在"))?;
            let password = store::accounts::reset_to_one_time(
                &db,
                store::accounts::Me::Staff(staff.id),
                store::accounts::ResetBy::Operator,
                chrono::Utc::now(),
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "已重置 {username} 的密码，所有登录均已退出、登录锁定已解除。临时密码（仅显示这一次，登录后须修改）：{password}"
            );
            Ok(())
        }
        Command::ClearTwoFactor { username } => {
            let db = open(&cfg).await?;
            let staff = store::repo::staff::by_username(&db, &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .with_context(|| format!("工作人员账号“{username}”不存在"))?;
            store::accounts::totp::clear_by_operator(&db, staff.id, chrono::Utc::now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "已清除 {username} 的两步验证，该账号的登录均已退出。本人用密码登录后，请在“我的账号 → 两步验证”重新设置（管理员账号必须设置）。"
            );
            Ok(())
        }
        Command::Audit { batch, database } => {
            let mut cfg = cfg;
            if let Some(url) = database {
                cfg.database_url = url;
            }
            let db = open(&cfg).await?;
            batch_audit(&db, batch).await
        }
        Command::Bench { what } => bench::run(what).await,
        Command::CheckPhoto { file, fix } => check_photo(&file, fix.as_deref()),
    }
}

/// `biye backup DEST`: an online copy of the configured SQLite database.
async fn backup(cfg: &Config, dest: &std::path::Path) -> anyhow::Result<()> {
    let url = cfg.database_url.as_str();
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "postgres" | "postgresql" => anyhow::bail!(
            "biye backup 只备份 SQLite 数据库。PostgreSQL 数据库请用 pg_dump 备份，例如：\
             pg_dump --format=custom --file=biye.dump \"$BIYE_DATABASE_URL\"，用 pg_restore 恢复"
        ),
        "mysql" | "mariadb" => anyhow::bail!(
            "biye backup 只备份 SQLite 数据库。MySQL/MariaDB 数据库请用 mysqldump 备份，例如：\
             mysqldump --single-transaction biye > biye.sql"
        ),
        _ => {}
    }
    let Some(source) = store::db::sqlite_path(url) else {
        anyhow::bail!(
            "数据库地址“{}”不是 SQLite 数据库文件，无法备份",
            store::db::redacted(url)
        );
    };
    if !source.is_file() {
        anyhow::bail!(
            "数据库文件 {} 不存在，没有可备份的数据：请检查 database_url（BIYE_DATABASE_URL）",
            source.display()
        );
    }
    if dest.exists() {
        anyhow::bail!(
            "备份文件 {} 已存在：请指定一个新的文件名，已有的文件不会被覆盖",
            dest.display()
        );
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        anyhow::bail!("备份目录 {} 不存在", dir.display());
    }
    let db = store::db::connect_with(url, cfg.sqlite_sync()?)
        .await
        .context("cannot connect to the database")?;
    let started = std::time::Instant::now();
    let size = store::db::backup_sqlite(&db, dest)
        .await
        .with_context(|| format!("备份到 {} 失败", dest.display()))?;
    db.close().await?;
    println!(
        "已备份 {} 到 {}（{:.1} MB，用时 {:.1} 秒）。",
        source.display(),
        dest.display(),
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints a photo check: what was measured, then each failure and warning.
fn print_photo_report(label: &str, report: &domain::files::PhotoReport) {
    let dpi = report
        .dpi
        .map_or("未记录".to_string(), |d| format!("{d} dpi"));
    let quality = report
        .quality
        .map_or("未知".to_string(), |q| format!("约 {q}"));
    println!(
        "{label}：{}×{} 像素，{:.1} KB，分辨率 {dpi}，压缩质量 {quality}",
        report.width,
        report.height,
        report.size as f64 / 1024.0
    );
    for failure in &report.failures {
        println!("  不符合：{failure}");
    }
    for warning in &report.warnings {
        println!("  提示：{warning}");
    }
    if report.is_compliant() {
        println!("  符合证书照片要求。");
    }
}

/// `biye check-photo FILE [--fix OUT]`; exits with 1 when the (corrected) photo is not compliant.
fn check_photo(file: &std::path::Path, fix: Option<&std::path::Path>) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report = domain::files::check_certificate_photo(&name, &bytes);
    print_photo_report(&name, &report);
    let compliant = match fix {
        None => report.is_compliant(),
        Some(out) => match domain::files::fix_certificate_photo(&bytes) {
            Ok(fixed) => {
                std::fs::write(out, &fixed)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                let out_name = out
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                println!("已写入修正后的照片 {}", out.display());
                let fixed_report = domain::files::check_certificate_photo(&out_name, &fixed);
                print_photo_report(&out_name, &fixed_report);
                fixed_report.is_compliant()
            }
            Err(refusal) => {
                println!("无法修正：{refusal}");
                false
            }
        },
    };
    if compliant {
        Ok(())
    } else {
        std::process::exit(1)
    }
}

/// The organisation `--school` names, by code or else by its exact name; whether it is a school
/// of continuing education is the import's to say.
async fn school_id(db: &store::Db, code_or_name: &str) -> anyhow::Result<i64> {
    Ok(org_named(db, code_or_name, "--school").await?.id)
}

/// The organisation an option (`flag`) names, by code or else by its exact name.
async fn org_named(
    db: &store::Db,
    code_or_name: &str,
    flag: &str,
) -> anyhow::Result<store::entity::organisation::Model> {
    use store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let wanted = code_or_name.trim();
    if let Some(org) = store::repo::org::by_code(db, wanted)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        return Ok(org);
    }
    let mut named = store::entity::organisation::Entity::find()
        .filter(store::entity::organisation::Column::Name.eq(wanted))
        .all(db)
        .await?;
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => anyhow::bail!("机构“{wanted}”不存在：{flag} 应为机构代码或机构全称"),
        _ => anyhow::bail!("名为“{wanted}”的机构不止一个，请用机构代码指定 {flag}"),
    }
}

/// `biye import staff FILE --org ORG`: the accounts are created as the operator's, and each
/// one-time password is printed once to standard output (never to a file of ours).
async fn import_staff(
    db: &store::Db,
    org: &store::entity::organisation::Model,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    use store::import::staff::{HashBudget, StaffImportRequest};
    let format = tabular::Format::from_path(file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let done = store::import::staff::import_staff(
        db,
        StaffImportRequest {
            path: file,
            format,
            file_name: &name,
            org,
            actor: Actor::SYSTEM,
            ip: None,
            now: chrono::Utc::now(),
            hashing: HashBudget::per_core(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = &done.report;
    println!("{}", report.summary());
    for e in &report.errors {
        println!(
            "第 {} 行，列“{}”（{}）：{}",
            e.line, e.column, e.value, e.reason
        );
    }
    if report.error_count > report.errors.len() as u64 {
        println!(
            "……共 {} 处错误，仅列出前 {} 处。",
            report.error_count,
            report.errors.len()
        );
    }
    if !report.succeeded() {
        std::process::exit(1)
    }
    println!(
        "以下临时密码只显示这一次，请逐一告知本人；首次登录后须修改密码。\n行\t用户名\t姓名\t机构\t临时密码"
    );
    for i in &done.issued {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            i.line, i.username, i.display_name, i.org_name, i.password
        );
    }
    Ok(())
}

async fn import(
    db: &store::Db,
    kind: store::import::ImportKind,
    file: &std::path::Path,
    school: Option<i64>,
) -> anyhow::Result<()> {
    let format = tabular::Format::from_path(file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report = store::import::import_file(
        db,
        store::import::ImportRequest {
            kind,
            path: file,
            format,
            file_name: &name,
            actor: Actor::SYSTEM,
            ip: None,
            now: chrono::Utc::now(),
            scope: None,
            school,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", report.summary());
    for e in &report.errors {
        println!(
            "第 {} 行，列“{}”（{}）：{}",
            e.line, e.column, e.value, e.reason
        );
    }
    if report.error_count > report.errors.len() as u64 {
        println!(
            "……共 {} 处错误，仅列出前 {} 处。",
            report.error_count,
            report.errors.len()
        );
    }
    if report.succeeded() {
        Ok(())
    } else {
        std::process::exit(1)
    }
}

async fn batch_audit(db: &store::Db, batch: i64) -> anyhow::Result<()> {
    use store::graduation::batch_audit;
    let mut next_report = 0u64;
    let summary = batch_audit::run(db, batch, chrono::Utc::now(), |p| {
        // A line every 200,000 candidates: enough to see it move, few enough to read.
        if p.candidates >= next_report {
            eprintln!(
                "已审核 {} 名考生，{} 条成绩，用时 {:.1} 秒",
                p.candidates,
                p.rows_audited,
                p.elapsed.as_secs_f64()
            );
            next_report = p.candidates + 200_000;
        }
    })
    .await
    .map_err(|e| match e {
        store::repo::RepoError::NotFound => anyhow::anyhow!("批次 {batch} 不存在"),
        e => anyhow::anyhow!("{e}"),
    })?;
    let secs = summary.elapsed.as_secs_f64();
    println!(
        "批次 {}（{}）毕业审核完成：审核 {} 名考生、{} 个在籍专业，读取 {} 条成绩，用时 {:.1} 秒，{:.0} 条/秒",
        summary.batch_id,
        summary.province,
        summary.candidates,
        summary.results,
        summary.rows_audited,
        secs,
        summary.rows_per_sec()
    );
    println!("符合毕业条件：{} 个", summary.eligible);
    for (key, n) in domain::graduation::ConditionKey::ALL
        .iter()
        .zip(summary.failing)
    {
        println!("  未满足条件 {}（{}）：{n} 个", key.letter(), key.label());
    }
    Ok(())
}

/// `biye calendar …`.
async fn calendar(db: &store::Db, action: CalendarAction) -> anyhow::Result<()> {
    use domain::calendar::DayKind;
    use store::repo::calendar as cal;
    match action {
        CalendarAction::Set { day, kind, name } => {
            let kind = DayKind::parse_label_or_code(&kind).map_err(|e| anyhow::anyhow!("{e}"))?;
            cal::set_day(db, day, kind, name.trim()).await?;
            println!("{day} 已设为{}（{}）。", kind.label(), name.trim());
        }
        CalendarAction::Remove { day } => {
            cal::remove_day(db, day).await?;
            println!("{day} 已恢复为普通日期。");
        }
        CalendarAction::List { year } => {
            for (day, kind, name) in cal::list_year(db, year).await? {
                println!("{day}\t{}\t{name}", kind.label());
            }
        }
    }
    Ok(())
}
