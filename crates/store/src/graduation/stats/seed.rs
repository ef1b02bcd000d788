//! Synthetic applications for `biye bench stats`: one graduation batch filled with as many
//! applications as asked, spread like a real batch over stages, organisations, days, decisions
//! (rejections with the catalogue's reasons), payments and refunds. Written with multi-row
//! INSERTs, ids handed out here, a few thousand applications per transaction.

use chrono::{DateTime, Duration, Utc};
use domain::review::{CommonReason, EventAction, ReviewerRule, StageKind, Status};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Statement, Value,
};

use crate::entity::{batch, major, organisation};
use crate::multirow::insert_rows;
use crate::repo::RepoError;

/// Applications written per transaction.
const PER_TXN: u64 = 8 * 1024;

/// Days over which the applications were submitted.
const SUBMISSION_DAYS: i64 = 20;

const CANDIDATE_COLUMNS: &[&str] = &[
    "id",
    "admission_no",
    "name",
    "id_card_no",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "candidate_type",
    "province",
    "registration_org_id",
    "password_hash",
    "legal_block",
    "created_at",
    "updated_at",
];
const APPLICATION_COLUMNS: &[&str] = &[
    "id",
    "candidate_id",
    "batch_id",
    "major_id",
    "chief_university_id",
    "status",
    "stage",
    "current_org_id",
    "version",
    "acknowledged_at",
    "prior_check",
    "submitted_at",
    "stage_arrived_at",
    "due_at",
    "created_at",
    "updated_at",
];
const EVENT_COLUMNS: &[&str] = &[
    "application_id",
    "stage",
    "stage_name",
    "action",
    "org_id",
    "actor_kind",
    "reason",
    "at",
];
const ORDER_COLUMNS: &[&str] = &[
    "id",
    "order_no",
    "application_id",
    "stage",
    "amount_fen",
    "status",
    "created_at",
    "paid_at",
];
const REFUND_COLUMNS: &[&str] = &[
    "refund_no",
    "order_id",
    "amount_fen",
    "status",
    "reason",
    "queued_at",
    "charge_txn_no",
];

/// What was written.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    /// The batch filled.
    pub batch_id: i64,
    /// Applications written.
    pub applications: u64,
    /// Review events written.
    pub events: u64,
    /// Paid orders written.
    pub payments: u64,
    /// Refunds written.
    pub refunds: u64,
}

/// A small deterministic generator (xorshift), so every run seeds the same spread.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One review stage as the seeder needs it.
struct SeedStage {
    name: String,
    /// `Some(fee)` for the fee stage.
    fee: Option<i64>,
    /// Reviewed by the major's chief university (else by the office).
    by_university: bool,
    /// 办理时限 in working days, where the stage has one.
    limit: Option<u32>,
}

struct Event {
    application_id: i64,
    stage: i32,
    stage_name: String,
    action: EventAction,
    org_id: Option<i64>,
    reason: Option<String>,
    at: DateTime<Utc>,
}

/// One application: id, candidate, major, status, stage, organisation acting now, submitted,
/// and for one waiting at a review stage when it arrived there and when it is due.
type SeedApplication = (
    i64,
    i64,
    i64,
    Status,
    Option<i32>,
    Option<i64>,
    DateTime<Utc>,
    Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
);

#[derive(Default)]
struct Chunk {
    candidates: Vec<i64>,
    applications: Vec<SeedApplication>,
    events: Vec<Event>,
    orders: Vec<(i64, i64, i32, i64, DateTime<Utc>)>,
    refunds: Vec<(i64, i64, String, DateTime<Utc>)>,
}

async fn max_id<C: ConnectionTrait>(conn: &C, table: &str) -> Result<i64, RepoError> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT MAX(id) AS m FROM {table}"),
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>>("", "m")?.unwrap_or(0),
        None => 0,
    })
}

/// Fills the newest graduation batch of `province` (whose office, majors and batch exist, as
/// after `biye demo`) with `applications` synthetic applications of new candidates, submitted
/// over 20 days from the batch's opening and decided over the following weeks.
pub async fn fill_batch(
    db: &DatabaseConnection,
    province: domain::Province,
    applications: u64,
) -> Result<Seeded, RepoError> {
    let backend = db.get_database_backend();
    let b = batch::Entity::find()
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::Province.eq(province.code()))
        .order_by_desc(batch::Column::OpensAt)
        .one(db)
        .await?
        .ok_or_else(|| RepoError::Invalid(format!("{}没有毕业批次", province.label())))?;
    let office = organisation::Entity::find()
        .filter(organisation::Column::Province.eq(province.code()))
        .filter(organisation::Column::Kind.eq(province.office().code()))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let majors: Vec<(i64, i64)> = major::Entity::find()
        .filter(major::Column::Province.eq(province.code()))
        .order_by_asc(major::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.chief_university_id))
        .collect();
    if majors.is_empty() {
        return Err(RepoError::Invalid(format!("{}没有专业", province.label())));
    }
    let stages: Vec<SeedStage> = crate::graduation::application::stages(db, b.id)
        .await?
        .into_iter()
        .map(|s| match s.kind {
            StageKind::Payment { amount_fen } => SeedStage {
                name: s.name,
                fee: Some(amount_fen),
                by_university: false,
                limit: None,
            },
            StageKind::Review(rule) => SeedStage {
                name: s.name,
                fee: None,
                by_university: rule == ReviewerRule::ChiefUniversity,
                limit: s.limit_working_days,
            },
        })
        .collect();
    let calendar = crate::repo::calendar::load(db).await?;
    let mut next_candidate = max_id(db, "candidates").await? + 1;
    let mut next_app = max_id(db, "graduation_applications").await? + 1;
    let mut next_order = max_id(db, "payment_orders").await? + 1;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seeded = Seeded {
        batch_id: b.id,
        applications,
        events: 0,
        payments: 0,
        refunds: 0,
    };
    let mut done = 0u64;
    while done < applications {
        let n = PER_TXN.min(applications - done);
        let mut chunk = Chunk::default();
        for _ in 0..n {
            let (major_id, university) = majors[rng.below(majors.len() as u64) as usize];
            let candidate = next_candidate;
            next_candidate += 1;
            let id = next_app;
            next_app += 1;
            chunk.candidates.push(candidate);
            let opened = b.opens_at;
            let submitted = opened
                + Duration::days(rng.below(SUBMISSION_DAYS as u64) as i64)
                + Duration::minutes(rng.below(24 * 60) as i64);
            // One in twenty never gets past the form.
            if rng.chance(5) {
                chunk.applications.push((
                    id,
                    candidate,
                    major_id,
                    Status::Draft,
                    None,
                    None,
                    opened,
                    None,
                ));
                continue;
            }
            chunk.events.push(Event {
                application_id: id,
                stage: 0,
                stage_name: stages.first().map(|s| s.name.clone()).unwrap_or_default(),
                action: EventAction::Submitted,
                org_id: None,
                reason: None,
                at: submitted,
            });
            let mut at = submitted;
            let mut end = (Status::Approved, None, None);
            let mut waiting = None;
            for (seq, s) in stages.iter().enumerate() {
                // The previous step (the submission, an approval or the payment) brought it here.
                let arrived = at;
                let seq_i = seq as i32;
                let org = if s.by_university {
                    university
                } else {
                    office.id
                };
                at += Duration::hours(4 + rng.below(24 * 6) as i64);
                if let Some(fee) = s.fee {
                    // Most pay within days; some are still to pay, a few let the window pass.
                    let roll = rng.below(100);
                    if roll < 8 {
                        end = (Status::AwaitingPayment, Some(seq_i), None);
                        break;
                    }
                    if roll < 12 {
                        end = (Status::Closed, None, None);
                        break;
                    }
                    let order = next_order;
                    next_order += 1;
                    chunk.orders.push((order, id, seq_i, fee, at));
                    chunk.events.push(Event {
                        application_id: id,
                        stage: seq_i,
                        stage_name: s.name.clone(),
                        action: EventAction::Paid,
                        org_id: None,
                        reason: None,
                        at,
                    });
                    continue;
                }
                let roll = rng.below(100);
                if roll < 15 {
                    end = (Status::InReview, Some(seq_i), Some(org));
                    let due = s
                        .limit
                        .map(|n| domain::review::deadline::due_at(&calendar, arrived, n));
                    waiting = Some((arrived, due));
                    break;
                }
                if roll < 23 {
                    let reason =
                        CommonReason::ALL[rng.below(CommonReason::ALL.len() as u64) as usize];
                    let text = if rng.chance(30) {
                        format!("{}；请按要求重新上传", reason.label())
                    } else if rng.chance(5) {
                        "材料与报名信息不一致，请核对".to_owned()
                    } else {
                        reason.label().to_owned()
                    };
                    chunk.events.push(Event {
                        application_id: id,
                        stage: seq_i,
                        stage_name: s.name.clone(),
                        action: EventAction::Rejected,
                        org_id: Some(org),
                        reason: Some(text.clone()),
                        at,
                    });
                    // A rejection after the fee was paid refunds it.
                    if let Some(&(order, _, _, fee, _)) = chunk.orders.last().filter(|o| o.1 == id)
                    {
                        chunk.refunds.push((order, fee, text, at));
                    }
                    end = (Status::Rejected, Some(seq_i), None);
                    break;
                }
                chunk.events.push(Event {
                    application_id: id,
                    stage: seq_i,
                    stage_name: s.name.clone(),
                    action: EventAction::Approved,
                    org_id: Some(org),
                    reason: None,
                    at,
                });
            }
            let (status, stage, current) = end;
            chunk.applications.push((
                id, candidate, major_id, status, stage, current, submitted, waiting,
            ));
        }
        seeded.events += chunk.events.len() as u64;
        seeded.payments += chunk.orders.len() as u64;
        seeded.refunds += chunk.refunds.len() as u64;
        let txn = crate::write::begin_write(db).await?;
        write_chunk(&txn, chunk, &b, &majors, office.id, province).await?;
        txn.commit().await?;
        done += n;
    }
    if backend == DbBackend::Postgres {
        // Explicit ids do not advance PostgreSQL's sequences; later inserts would collide.
        for table in ["candidates", "graduation_applications", "payment_orders"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
    }
    Ok(seeded)
}

async fn write_chunk<C: ConnectionTrait>(
    conn: &C,
    chunk: Chunk,
    b: &batch::Model,
    majors: &[(i64, i64)],
    office: i64,
    province: domain::Province,
) -> Result<(), RepoError> {
    let now = Value::ChronoDateTimeUtc(Some(b.opens_at));
    let birth = chrono::NaiveDate::from_ymd_opt(1998, 5, 1).unwrap_or_default();
    insert_rows(
        conn,
        "candidates",
        CANDIDATE_COLUMNS,
        chunk.candidates,
        |id, v| {
            v.extend([
                Value::BigInt(Some(id)),
                Value::String(Some(format!("{:012}", 880_000_000_000i64 + id))),
                Value::String(Some("统计考生".to_owned())),
                Value::String(Some(format!("8801011998{:08}", id))),
                Value::String(Some("女".to_owned())),
                Value::ChronoDate(Some(birth)),
                Value::String(Some("汉族".to_owned())),
                Value::String(Some("群众".to_owned())),
                Value::String(Some("self_study".to_owned())),
                Value::String(Some(province.code().to_owned())),
                Value::BigInt(Some(office)),
                Value::String(Some("!".to_owned())),
                Value::Bool(Some(false)),
                now.clone(),
                now.clone(),
            ]);
        },
    )
    .await?;
    let university_of = |major: i64| {
        majors
            .iter()
            .find(|(m, _)| *m == major)
            .map(|(_, u)| *u)
            .unwrap_or(office)
    };
    insert_rows(
        conn,
        "graduation_applications",
        APPLICATION_COLUMNS,
        chunk.applications,
        |(id, candidate, major, status, stage, current, submitted, waiting), v| {
            let submitted_at = (status != Status::Draft).then_some(submitted);
            v.extend([
                Value::BigInt(Some(id)),
                Value::BigInt(Some(candidate)),
                Value::BigInt(Some(b.id)),
                Value::BigInt(Some(major)),
                Value::BigInt(Some(university_of(major))),
                Value::String(Some(status.code().to_owned())),
                Value::Int(stage),
                Value::BigInt(current),
                Value::Int(Some(1)),
                now.clone(),
                Value::String(Some("not_needed".to_owned())),
                Value::ChronoDateTimeUtc(submitted_at),
                Value::ChronoDateTimeUtc(waiting.map(|w| w.0)),
                Value::ChronoDateTimeUtc(waiting.and_then(|w| w.1)),
                now.clone(),
                now.clone(),
            ]);
        },
    )
    .await?;
    insert_rows(
        conn,
        "review_events",
        EVENT_COLUMNS,
        chunk.events,
        |e, v| {
            v.extend([
                Value::BigInt(Some(e.application_id)),
                Value::Int(Some(e.stage)),
                Value::String(Some(e.stage_name)),
                Value::String(Some(e.action.code().to_owned())),
                Value::BigInt(e.org_id),
                Value::String(Some(
                    if e.org_id.is_some() {
                        "staff"
                    } else {
                        "candidate"
                    }
                    .to_owned(),
                )),
                Value::String(e.reason),
                Value::ChronoDateTimeUtc(Some(e.at)),
            ]);
        },
    )
    .await?;
    insert_rows(
        conn,
        "payment_orders",
        ORDER_COLUMNS,
        chunk.orders,
        |(id, app, stage, fee, at), v| {
            v.extend([
                Value::BigInt(Some(id)),
                Value::String(Some(format!("BENCH{id:012}"))),
                Value::BigInt(Some(app)),
                Value::Int(Some(stage)),
                Value::BigInt(Some(fee)),
                Value::String(Some(crate::payment::ORDER_PAID.to_owned())),
                Value::ChronoDateTimeUtc(Some(at)),
                Value::ChronoDateTimeUtc(Some(at)),
            ]);
        },
    )
    .await?;
    insert_rows(
        conn,
        "refunds",
        REFUND_COLUMNS,
        chunk.refunds,
        |(order, fee, reason, at), v| {
            v.extend([
                Value::String(Some(format!("BENCHR{order:012}"))),
                Value::BigInt(Some(order)),
                Value::BigInt(Some(fee)),
                Value::String(Some(crate::payment::REFUND_QUEUED.to_owned())),
                Value::String(Some(reason)),
                Value::ChronoDateTimeUtc(Some(at)),
                Value::String(Some(String::new())),
            ]);
        },
    )
    .await?;
    Ok(())
}
