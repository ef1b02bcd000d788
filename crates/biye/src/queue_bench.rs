//! `biye bench queue`: the province office's review queue (毕业审核, `/staff/reviews`) over a
//! province-sized batch of applications. A demo database with N synthetic Chongqing candidates,
//! each with an application spread over the pipeline (`biye demo --applications`), then per run:
//! the first page and the 1,000th page of the queue (reached by walking 下一页, as the page
//! does: its links carry a keyset cursor and it cannot jump), filtered by 待审核 / 已审核 and by
//! major; the counts above the queue; and a bulk approval of 1,000 ticked applications through
//! the page's own service (10 submissions of 100, the most one may carry). Reads call the store
//! functions the page calls, in the page's order, each repeated and timed alone.

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use sea_orm::ConnectionTrait;
use store::entity::organisation;
use store::graduation::application::{self, Decision, QueueFilter};
use store::keyset::PageAt;

use crate::stats_bench::percentile;

/// Settings of `biye bench queue`.
#[derive(Args)]
pub struct QueueArgs {
    /// Applications (and synthetic candidates) in the province.
    #[arg(long, default_value_t = 1_000_000)]
    applications: u64,
    /// Timed repetitions of each read per run.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// Runs.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The page to reach by walking 下一页.
    #[arg(long, default_value_t = 1000)]
    deep_page: usize,
    /// Stop walking 下一页 after this many seconds and measure the page reached.
    #[arg(long, default_value_t = 60)]
    walk_limit_secs: u64,
    /// Applications approved at once per run (in submissions of at most 100).
    #[arg(long, default_value_t = 1000)]
    approve: usize,
    /// An empty PostgreSQL (or MySQL) database to use instead of a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

/// Median and p99 of one read over a run's repetitions, in milliseconds.
#[derive(Clone, Copy)]
struct Figure {
    median: f64,
    p99: f64,
}

/// The figures of every run for one measured thing.
#[derive(Default)]
struct Series {
    name: String,
    runs: Vec<Figure>,
}

fn min_med_max(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.last()) {
        (Some(min), Some(max)) => format!("{min:.2}/{:.2}/{max:.2}", percentile(&v, 50.0)),
        _ => "-".to_owned(),
    }
}

impl Series {
    fn line(&self) -> String {
        format!(
            "{:<34} median {:>20} ms   p99 {:>20} ms",
            self.name,
            min_med_max(self.runs.iter().map(|f| f.median).collect()),
            min_med_max(self.runs.iter().map(|f| f.p99).collect()),
        )
    }
}

/// Times `f` `repeat` times (after one untimed call that warms the caches).
async fn time<F, Fut, T>(repeat: usize, mut f: F) -> anyhow::Result<Figure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    f().await?;
    let mut ms = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(Figure {
        median: percentile(&ms, 50.0),
        p99: percentile(&ms, 99.0),
    })
}

/// One filter of the queue as the page offers it.
struct Filter {
    label: String,
    filter: QueueFilter,
}

/// `biye bench queue`.
pub async fn run(args: QueueArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = crate::bench::database_url(args.database_url.as_deref(), dir.path());
    // `serve`'s settings: SQLite commits acknowledged once on disk.
    let db = store::connect(&url).await?;
    let backend = db.get_database_backend();
    store::db::migrate(&db).await?;
    let chongqing = domain::Province::from_code("chongqing")
        .ok_or_else(|| anyhow::anyhow!("no Chongqing definition"))?;
    let hash = store::repo::password::hash("bench-password").map_err(|e| anyhow::anyhow!(e))?;
    let now = chrono::Utc::now();
    let started = Instant::now();
    store::demo::seed(
        &db,
        &store::demo::DemoOptions {
            password_hash: hash,
            extra_candidates: args.applications,
            bulk_province: Some(chongqing),
            now,
        },
    )
    .await?;
    println!(
        "seeded the demo with {} synthetic Chongqing candidates in {:.1} s ({backend:?})",
        args.applications,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let seeded = store::demo::seed_applications(&db, args.applications, now).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {} applications, {} review events, {} payments, {} refunds in {secs:.1} s ({:.0} applications/s)",
        seeded.applications,
        seeded.events,
        seeded.payments,
        seeded.refunds,
        seeded.applications as f64 / secs
    );
    if backend == sea_orm::DbBackend::Postgres {
        // Autovacuum analyses a table this size within a minute of the load; SQLite has no such
        // thing (and `serve` never runs ANALYZE), so it is measured without statistics.
        db.execute_unprepared("ANALYZE").await?;
    }

    let office = first_office(&db, chongqing)
        .await?
        .context("no Chongqing office")?;
    let batches = application::batches_of_province(&db, chongqing.code()).await?;
    let batch = batches.first().context("no Chongqing batch")?.clone();
    let majors = store::repo::reference::majors_of_province(&db, chongqing.code()).await?;
    let major = majors.first().context("no Chongqing major")?.major.clone();
    let counts = application::counts_by_status(&db, batch.id).await?;
    println!(
        "office {} ({}); batch {} by status: {}",
        office.name,
        office.id,
        batch.name,
        counts
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let filters: Vec<Filter> = [false, true]
        .into_iter()
        .flat_map(|decided| {
            let status = if decided { "已审核" } else { "待审核" };
            [
                Filter {
                    label: format!("{status} 全部专业"),
                    filter: QueueFilter {
                        decided,
                        ..Default::default()
                    },
                },
                Filter {
                    label: format!("{status} 专业{}", major.code),
                    filter: QueueFilter {
                        decided,
                        major_id: Some(major.id),
                        ..Default::default()
                    },
                },
            ]
        })
        .collect();

    let state = bench_state(&db, dir.path())?;
    let me = office_reviewer(&db, &office).await?;
    let mut series: Vec<Series> = Vec::new();
    let mut record = |name: String, f: Figure| match series.iter_mut().find(|s| s.name == name) {
        Some(s) => s.runs.push(f),
        None => series.push(Series {
            name,
            runs: vec![f],
        }),
    };
    let mut approvals = Vec::new();
    let mut walks = Vec::new();
    for run in 1..=args.runs {
        println!("run {run}:");
        for f in &filters {
            let first = time(args.repeat, || async {
                Ok(application::queue(&db, &office, &f.filter, PageAt::First, 20).await?)
            })
            .await?;
            println!(
                "  {:<22} first page   median {:.2} ms, p99 {:.2} ms",
                f.label, first.median, first.p99
            );
            record(format!("first page, {}", f.label), first);
            // The page's 下一页 link: the cursor of the last row shown.
            let walk = Instant::now();
            let mut at = PageAt::First;
            let mut reached = 1;
            let limit = std::time::Duration::from_secs(args.walk_limit_secs);
            while reached < args.deep_page && walk.elapsed() < limit {
                let page = application::queue(&db, &office, &f.filter, at, 20).await?;
                match page.next {
                    Some(c) => at = PageAt::After(c),
                    None => break,
                }
                reached += 1;
            }
            let walked = walk.elapsed().as_secs_f64();
            walks.push(walked / reached as f64 * 1000.0);
            let deep = time(args.repeat, || async {
                Ok(application::queue(&db, &office, &f.filter, at, 20).await?)
            })
            .await?;
            println!(
                "  {:<22} page {reached:<5}  median {:.2} ms, p99 {:.2} ms (walked there in {walked:.2} s)",
                f.label, deep.median, deep.p99
            );
            record(format!("page {reached}, {}", f.label), deep);
            let total = time(args.repeat, || async {
                Ok(application::queue_count(&db, &office, &f.filter).await?)
            })
            .await?;
            let n = application::queue_count(&db, &office, &f.filter).await?;
            println!(
                "  {:<22} total {n:<7} median {:.2} ms, p99 {:.2} ms",
                f.label, total.median, total.p99
            );
            record(format!("list total, {}", f.label), total);
        }
        // The counts above the queue, as the page computes them for the newest batch.
        let here = |decided| QueueFilter {
            batch_id: Some(batch.id),
            decided,
            ..Default::default()
        };
        let by_status = time(args.repeat, || async {
            Ok(application::counts_by_status(&db, batch.id).await?)
        })
        .await?;
        let pending = time(args.repeat, || async {
            Ok(application::queue_count(&db, &office, &here(false)).await?)
        })
        .await?;
        let decided = time(args.repeat, || async {
            Ok(application::queue_count(&db, &office, &here(true)).await?)
        })
        .await?;
        let all = time(args.repeat, || async {
            application::counts_by_status(&db, batch.id).await?;
            application::queue_count(&db, &office, &here(false)).await?;
            Ok(application::queue_count(&db, &office, &here(true)).await?)
        })
        .await?;
        for (name, f) in [
            ("counts: by status", by_status),
            ("counts: 待审核 here", pending),
            ("counts: 已审核 here", decided),
            ("counts: all three", all),
        ] {
            println!(
                "  {name:<22} median {:.2} ms, p99 {:.2} ms",
                f.median, f.p99
            );
            record(name.to_owned(), f);
        }
        // Bulk approval: the next `approve` applications of the 待审核 list, ticked 100 at a time.
        let mut picks = Vec::with_capacity(args.approve);
        let mut at = PageAt::First;
        while picks.len() < args.approve {
            let page = application::queue(&db, &office, &here(false), at, 100).await?;
            picks.extend(page.rows.iter().map(|r| {
                let stage = r
                    .application
                    .stage
                    .and_then(|s| usize::try_from(s).ok())
                    .unwrap_or(0);
                (r.application.id, stage)
            }));
            match page.next {
                Some(c) => at = PageAt::After(c),
                None => break,
            }
        }
        picks.truncate(args.approve);
        let t = Instant::now();
        let mut succeeded = 0;
        let mut failed = 0;
        for chunk in picks.chunks(web::services::review::BULK_MAX) {
            let out = web::services::review::decide_many(&state, &me, chunk, &Decision::Approve)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            succeeded += out.succeeded;
            failed += out.failures.len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  bulk approve {}: {succeeded} approved, {failed} refused in {secs:.2} s ({:.1} ms each)",
            picks.len(),
            secs * 1000.0 / picks.len().max(1) as f64
        );
        approvals.push(secs);
    }
    println!();
    println!(
        "{} applications, {backend:?}, {} runs of {} repetitions; min/median/max over runs:",
        seeded.applications, args.runs, args.repeat
    );
    for s in &series {
        println!("{}", s.line());
    }
    println!(
        "walking 下一页 to the deep page, per page: {} ms",
        min_med_max(walks)
    );
    println!(
        "bulk approve {} (submissions of {}): {} s",
        args.approve,
        web::services::review::BULK_MAX,
        min_med_max(approvals)
    );
    Ok(())
}

async fn first_office(
    db: &store::Db,
    province: domain::Province,
) -> anyhow::Result<Option<organisation::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Province.eq(province.code()))
        .filter(organisation::Column::Kind.eq(province.office().code()))
        .one(db)
        .await?)
}

/// The application's state over the bench database, as `serve` builds it.
fn bench_state(db: &store::Db, dir: &std::path::Path) -> anyhow::Result<web::AppState> {
    let spool_dir = dir.join("spool");
    std::fs::create_dir_all(&spool_dir)?;
    let config = web::WebConfig {
        spool_dir,
        objects_url: dir.join("objects").to_string_lossy().into_owned(),
        ..web::WebConfig::default()
    };
    web::AppState::new(db.clone(), config).context("cannot build the application")
}

/// The office's demo reviewer, signed in as the page's extractor would have it.
async fn office_reviewer(
    db: &store::Db,
    office: &organisation::Model,
) -> anyhow::Result<web::session::CurrentStaff> {
    let staff =
        store::repo::staff::by_username(db, store::demo::accounts::STAFF_CQ_OFFICE_REVIEWER)
            .await?
            .context("no office reviewer")?;
    anyhow::ensure!(
        staff.org_id == office.id,
        "the reviewer is not the office's"
    );
    let roles = store::repo::staff::roles_of(db, staff.id).await?;
    Ok(web::session::CurrentStaff {
        staff,
        org: office.clone(),
        roles,
        delegated: Vec::new(),
        ctx: {
            let mut ctx = web::session::SessionCtx::default();
            ctx.ip = "127.0.0.1".to_owned();
            ctx
        },
    })
}
