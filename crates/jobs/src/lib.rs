//! Background work, one job per file. Jobs keep no state in the process; every instance runs
//! the scheduler, and a lease in the database ([`store::repo::lease`]) lets one instance run each
//! job per period: with N instances a pending order is still asked about once a minute, not N
//! times.

pub mod checkpoint_wal;
pub mod close_applications;
pub mod execute_refunds;
pub mod purge_sessions;
pub mod purge_throttle;
pub mod reconcile_payments;
pub mod remind_deadlines;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use store::Db;
use store::notifications::{self, Senders};
use store::payment::PaymentGateway;
use store::repo::lease;

/// The periodic jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Removes expired sessions.
    PurgeSessions,
    /// Removes sign-in counts that no longer hold anything.
    PurgeThrottle,
    /// 本次不予办理 after a batch's deadline.
    CloseApplications,
    /// Reminds candidates of a batch's deadline three days and one day before.
    RemindDeadlines,
    /// Asks the gateway about orders whose notification never came.
    ReconcilePayments,
    /// Executes the refunds that are due.
    ExecuteRefunds,
    /// Keeps SQLite's write-ahead log small.
    CheckpointWal,
    /// Renders the 毕业生电子档案 queued by final approvals.
    BuildArchives,
    /// Sends 收件箱 messages by text message and e-mail.
    DeliverNotifications,
    /// Reminds reviewers of applications due the next working day and tells the organisation
    /// above of those due today.
    ReviewAlerts,
}

impl Job {
    /// Every job, in the order a round runs them.
    pub const ALL: [Job; 10] = [
        Job::PurgeSessions,
        Job::PurgeThrottle,
        Job::CloseApplications,
        Job::RemindDeadlines,
        Job::ReconcilePayments,
        Job::ExecuteRefunds,
        Job::CheckpointWal,
        Job::BuildArchives,
        Job::ReviewAlerts,
        Job::DeliverNotifications,
    ];

    /// The lease's name.
    pub fn name(self) -> &'static str {
        match self {
            Job::PurgeSessions => "purge_sessions",
            Job::PurgeThrottle => "purge_throttle",
            Job::CloseApplications => "close_applications",
            Job::RemindDeadlines => "remind_deadlines",
            Job::ReconcilePayments => "reconcile_payments",
            Job::ExecuteRefunds => "execute_refunds",
            Job::CheckpointWal => "checkpoint_wal",
            Job::BuildArchives => "build_archives",
            Job::DeliverNotifications => "deliver_notifications",
            Job::ReviewAlerts => "review_alerts",
        }
    }

    /// How often it runs: a batch deadline is acted on, and a lost notification looked up,
    /// within a minute; expired sessions and stale sign-in counts may wait ten; the WAL is cut
    /// back, and notifications sent, every round.
    pub fn every(self) -> Duration {
        match self {
            Job::PurgeSessions | Job::PurgeThrottle => Duration::minutes(10),
            Job::CheckpointWal | Job::BuildArchives | Job::DeliverNotifications => {
                Duration::seconds(15)
            }
            _ => Duration::minutes(1),
        }
    }
}

/// How long a run may take before its lease runs out and another instance may start the job.
pub const LEASE_HOLD: Duration = Duration::minutes(10);

/// How often each instance looks for due jobs.
pub const TICK: StdDuration = StdDuration::from_secs(15);

/// Renders the documents queued for the job: the printer and the object store belong to the
/// application, so it hands the job this.
#[async_trait::async_trait]
pub trait DocumentBuilder: Send + Sync {
    /// Renders and stores what is queued at `now`; returns how many were built.
    async fn build_queued(&self, now: DateTime<Utc>) -> Result<u64, String>;
}

/// What the jobs need from the process.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: Db,
    /// The payment gateway.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Who renders queued documents; `None` where this process does not.
    pub documents: Option<Arc<dyn DocumentBuilder>>,
    /// Who sends notifications; `None` where this process does not.
    pub senders: Option<Senders>,
    /// Who this instance is in the leases' `holder` column.
    pub holder: String,
}

impl Context {
    /// A context with a holder name unique to this process: host, process id, random suffix.
    pub fn new(
        db: Db,
        gateway: Arc<dyn PaymentGateway>,
        documents: Option<Arc<dyn DocumentBuilder>>,
        senders: Option<Senders>,
    ) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let holder = format!(
            "{host}:{}:{}",
            std::process::id(),
            suffix.get(..8).unwrap_or("0")
        );
        Context {
            db,
            gateway,
            documents,
            senders,
            holder: holder.chars().take(80).collect(),
        }
    }
}

async fn run_job(ctx: &Context, job: Job, now: DateTime<Utc>) -> Result<(), String> {
    let gateway = ctx.gateway.as_ref();
    match job {
        Job::PurgeSessions => purge_sessions::run(&ctx.db, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::PurgeThrottle => purge_throttle::run(&ctx.db, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::CloseApplications => close_applications::run(&ctx.db, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::RemindDeadlines => remind_deadlines::run(&ctx.db, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::ReconcilePayments => reconcile_payments::run(&ctx.db, gateway, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::ExecuteRefunds => execute_refunds::run(&ctx.db, gateway, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::CheckpointWal => checkpoint_wal::run(&ctx.db)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::BuildArchives => match &ctx.documents {
            Some(d) => d.build_queued(now).await.map(drop),
            None => Ok(()),
        },
        Job::ReviewAlerts => store::graduation::review_alerts::run(&ctx.db, now)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Job::DeliverNotifications => match &ctx.senders {
            Some(s) => notifications::deliver_due(
                &ctx.db,
                s,
                &ctx.holder,
                now,
                DELIVERIES_PER_RUN,
                DELIVERY_BUDGET,
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
            None => Ok(()),
        },
    }
}

/// Records one run of the delivery job looks at.
pub const DELIVERIES_PER_RUN: u64 = 1_000;

/// How long one run of the delivery job goes on claiming records: well inside its lease even
/// when every provider times out.
pub const DELIVERY_BUDGET: StdDuration = StdDuration::from_secs(120);

/// Runs every job that is due at `now` and whose lease this instance gets; returns the jobs it
/// ran. A failing job is logged and due again at its next period.
pub async fn run_due(ctx: &Context, now: DateTime<Utc>) -> Vec<Job> {
    let mut ran = Vec::new();
    for job in Job::ALL {
        match lease::acquire(&ctx.db, job.name(), &ctx.holder, now, LEASE_HOLD).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(job = job.name(), error = %e, "job lease could not be taken");
                continue;
            }
        }
        if let Err(e) = run_job(ctx, job, now).await {
            tracing::warn!(job = job.name(), error = %e, "job failed");
        }
        if let Err(e) = lease::finish(&ctx.db, job.name(), &ctx.holder, now + job.every()).await {
            tracing::warn!(job = job.name(), error = %e, "job lease could not be handed back");
        }
        ran.push(job);
    }
    ran
}

/// Runs the periodic jobs until the returned handle is aborted.
pub fn spawn_periodic(
    db: Db,
    gateway: Arc<dyn PaymentGateway>,
    documents: Option<Arc<dyn DocumentBuilder>>,
    senders: Option<Senders>,
) -> tokio::task::JoinHandle<()> {
    let ctx = Context::new(db, gateway, documents, senders);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            run_due(&ctx, Utc::now()).await;
        }
    })
}
