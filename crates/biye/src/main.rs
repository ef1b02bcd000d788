//! `biye`: serve the platform, run the demo, migrate, import, and measure.

mod bench;
mod config;
mod demo;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use store::repo::audit::Actor;

use crate::config::Config;

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
    /// Serve a fresh demo: a new local SQLite database filled with the demo data set.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Data directory for the demo database (its previous demo database is replaced).
        #[arg(long, default_value = "biye-data/demo")]
        data: PathBuf,
        /// Extra synthetic candidates for benchmarks (up to 2,000,000).
        #[arg(long, default_value_t = 0)]
        candidates: u64,
        /// Password of every demo account (default: a random one, printed once).
        #[arg(long)]
        password: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Import a spreadsheet (.xlsx or .csv, UTF-8 or GB18030); all-or-nothing per file.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: ImportKindArg,
        /// The file.
        file: PathBuf,
    },
    /// Create the organisation tree of a province preset (chongqing or yunnan).
    InitProvince {
        /// chongqing or yunnan.
        province: String,
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
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportKindArg {
    Candidates,
    Scores,
    Plans,
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BIYE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    if format == "json" {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
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
    let db = store::connect(&cfg.database_url)
        .await
        .context("cannot connect to the database")?;
    store::db::migrate(&db).await.context("migration failed")?;
    Ok(db)
}

/// Binds the listening socket (port 0 picks a free port).
pub async fn bind(listen: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))
}

/// Serves on `listener` until a shutdown signal.
pub async fn serve(
    db: store::Db,
    web_cfg: web::WebConfig,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&web_cfg.spool_dir)
        .with_context(|| format!("cannot create {}", web_cfg.spool_dir.display()))?;
    let jobs = jobs::spawn_periodic(db.clone());
    let state = web::AppState::new(db, web_cfg);
    web::routes::serve(listener, state, shutdown_signal()).await?;
    jobs.abort();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let cfg = Config::load(&cli.config)?;
    init_tracing(&cfg.log_format);
    match cli.command {
        Command::Serve { listen } => {
            let db = open(&cfg).await?;
            let listen = listen.unwrap_or_else(|| cfg.listen.clone());
            let listener = bind(&listen).await?;
            tracing::info!(listen = %listener.local_addr()?, "serving");
            serve(db, cfg.web(), listener).await
        }
        Command::Demo {
            listen,
            data,
            candidates,
            password,
        } => demo::run(listen, data, candidates, password).await,
        Command::Migrate => {
            open(&cfg).await?;
            println!("数据库已是最新结构。");
            Ok(())
        }
        Command::Import { kind, file } => {
            let db = open(&cfg).await?;
            let kind = match kind {
                ImportKindArg::Candidates => store::import::ImportKind::Candidates,
                ImportKindArg::Scores => store::import::ImportKind::Scores,
                ImportKindArg::Plans => store::import::ImportKind::Plans,
            };
            import(&db, kind, &file).await
        }
        Command::InitProvince { province } => {
            let db = open(&cfg).await?;
            let n = demo::init_province(&db, &province).await?;
            println!("已创建 {n} 个机构。");
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
            store::repo::staff::create_with_password(
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
            println!(
                "已为“{}”创建管理员 {username}，初始密码（仅显示这一次）：{password}",
                org.name
            );
            Ok(())
        }
        Command::Bench { what } => bench::run(what).await,
    }
}

async fn import(
    db: &store::Db,
    kind: store::import::ImportKind,
    file: &std::path::Path,
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
