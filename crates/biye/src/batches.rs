//! `biye batch …`: a province's graduation batches (毕业批次) from the command line, the same
//! operations as the office's `/staff/batches` page, audited as the system.

use chrono::{DateTime, NaiveDateTime, Utc};
use clap::Subcommand;
use domain::calendar::{beijing_minute, from_beijing};
use store::graduation::batches::{self, By, Phase};
use store::repo::RepoError;
use store::repo::audit::Actor;

/// What `biye batch` does.
#[derive(Subcommand)]
pub enum BatchAction {
    /// Create a graduation batch: `biye batch create --province chongqing --name 2027年上半年毕业申请
    /// --opens "2027-03-01 09:00" --closes "2027-03-15 17:00"` (Beijing time).
    Create {
        /// The province's code or Chinese name.
        #[arg(long)]
        province: String,
        /// 批次名称, 1–40 characters.
        #[arg(long)]
        name: String,
        /// 申请开始, "YYYY-MM-DD HH:MM" in Beijing time.
        #[arg(long)]
        opens: String,
        /// 申请截止, "YYYY-MM-DD HH:MM" in Beijing time, after the start.
        #[arg(long)]
        closes: String,
    },
    /// List a province's graduation batches with their windows, state and application counts.
    List {
        /// The province's code or Chinese name.
        #[arg(long)]
        province: String,
    },
    /// Move a batch's window (moving the end later reopens an ended batch).
    Move {
        /// The batch id (from `biye batch list`).
        id: i64,
        /// 申请开始, "YYYY-MM-DD HH:MM" in Beijing time.
        #[arg(long)]
        opens: String,
        /// 申请截止, "YYYY-MM-DD HH:MM" in Beijing time.
        #[arg(long)]
        closes: String,
    },
    /// End a batch's applications now.
    Close {
        /// The batch id.
        id: i64,
    },
}

fn beijing(label: &str, s: &str) -> anyhow::Result<DateTime<Utc>> {
    let t = s.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
        .map(from_beijing)
        .map_err(|_| {
            anyhow::anyhow!(
                "{label}应为“年-月-日 时:分”（北京时间），如 2027-03-01 09:00，实际为“{t}”"
            )
        })
}

fn province(s: &str) -> anyhow::Result<domain::Province> {
    domain::Province::parse_label_or_code(s).map_err(|e| anyhow::anyhow!("{}", e.0))
}

/// A refusal as its message alone; a missing batch by its id.
fn refusal(id: Option<i64>) -> impl Fn(RepoError) -> anyhow::Error {
    move |e| match (e, id) {
        (RepoError::NotFound, Some(id)) => anyhow::anyhow!("毕业批次 {id} 不存在"),
        (e, _) => anyhow::anyhow!("{e}"),
    }
}

fn by() -> By<'static> {
    By {
        actor: Actor::SYSTEM,
        now: Utc::now(),
        ip: None,
    }
}

fn line(b: &store::entity::batch::Model, applications: Option<u64>) -> String {
    let mut s = format!(
        "{}\t{}\t{} 至 {}\t{}",
        b.id,
        b.name,
        beijing_minute(b.opens_at),
        beijing_minute(b.closes_at),
        Phase::of(b, Utc::now()).label()
    );
    if let Some(n) = applications {
        s.push_str(&format!("\t{n} 人申请"));
    }
    s
}

/// Runs `biye batch …`, printing the batch (or the list); a refusal is the error's message.
pub async fn run(db: &store::Db, action: BatchAction) -> anyhow::Result<()> {
    match action {
        BatchAction::Create {
            province: p,
            name,
            opens,
            closes,
        } => {
            let p = province(&p)?;
            let (o, c) = (beijing("申请开始", &opens)?, beijing("申请截止", &closes)?);
            let b = batches::create(db, p.code(), &name, o, c, by())
                .await
                .map_err(refusal(None))?;
            println!("已创建{}毕业批次（北京时间）：", p.label());
            println!("{}", line(&b, None));
        }
        BatchAction::List { province: p } => {
            let p = province(&p)?;
            let all = batches::of_province(db, p.code())
                .await
                .map_err(refusal(None))?;
            if all.is_empty() {
                println!("{}尚无毕业批次。", p.label());
            }
            for l in all {
                println!("{}", line(&l.batch, Some(l.applications)));
            }
        }
        BatchAction::Move { id, opens, closes } => {
            let (o, c) = (beijing("申请开始", &opens)?, beijing("申请截止", &closes)?);
            let b = batches::move_window(db, None, id, o, c, by())
                .await
                .map_err(refusal(Some(id)))?;
            println!("已调整申请时间（北京时间）：");
            println!("{}", line(&b, None));
        }
        BatchAction::Close { id } => {
            let b = batches::close(db, None, id, by())
                .await
                .map_err(refusal(Some(id)))?;
            println!("已结束申请（北京时间）：");
            println!("{}", line(&b, None));
        }
    }
    Ok(())
}
