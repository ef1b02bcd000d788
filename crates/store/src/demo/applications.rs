//! Graduation applications (毕业申请) for the newest synthetic candidates, spread over every stage
//! and status of their province's pipeline, for measuring the reviewers' queues at a province's
//! scale (`biye demo --applications N`, `biye bench queue`).
//!
//! Each application is written as the services would have left it: the columns
//! [`crate::graduation::application`] sets at each step (submitted, current organisation,
//! rejection reason, approval and pickup date), its review events (who decided which stage
//! when, with the reviewer organisation the stage's rule names for that candidate), paid
//! orders, the refunds a rejection after payment queues, and the archive an approval queues.
//! Two things are left out, both written by the services only for people to read later: the
//! per-step audit rows (one row records the seeding instead) and the 收件箱 messages.
//! Uploaded files are not made either: a reviewer opening one sees its images missing.
//!
//! Multi-row INSERTs, ids handed out here, a few thousand applications per transaction.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::review::{CommonReason, EventAction, ReviewerRule, ReviewerTarget, StageKind, Status};
use domain::{CandidateType, OrgKind, Province};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Value,
};

use super::people::Rng;
use crate::entity::{batch, candidate, enrolled_major, major, organisation, staff};
use crate::graduation::application::{PRIOR_NOT_NEEDED, PRIOR_VERIFIED};
use crate::multirow::insert_rows;
use crate::repo::audit::{self, Actor};

/// Applications written per transaction.
const PER_TXN: u64 = 8 * 1024;

/// Page cache of the connection writing a chunk, in KiB (as for the bulk candidates).
const SQLITE_CACHE_KIB: u32 = 64 * 1024;

/// Constant seed: the same spread every time.
const SEED: u64 = 0x0A99_11CA_7105_5EED;

/// Share (percent) of a province's applications filed in its previous, closed batch, if it has one.
const PREVIOUS_BATCH_PERCENT: u64 = 12;

/// The audit action recording a seeding.
pub const SEEDED_ACTION: &str = "demo.applications_seeded";

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
    "major_confirmed_at",
    "prior_check",
    "rejection_reason",
    "submitted_at",
    "approved_at",
    "pickup_from",
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
    "actor_id",
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
    "gateway_txn_no",
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
const ARCHIVE_COLUMNS: &[&str] = &["application_id", "status", "created_at"];

/// Where an application stands: (batch id, status code, stage).
pub type Place = (i64, &'static str, Option<i32>);

/// A paid order: (id, order no, application, stage, fee, gateway transaction no, paid at).
type Order = (i64, String, i64, i32, i64, String, DateTime<Utc>);

/// What [`seed_applications`] wrote.
#[derive(Debug, Clone, Default)]
pub struct SeededApplications {
    /// Applications written.
    pub applications: u64,
    /// Review events written.
    pub events: u64,
    /// Paid orders written.
    pub payments: u64,
    /// Refunds queued.
    pub refunds: u64,
    /// Applications per place, sorted.
    pub by_state: Vec<(Place, u64)>,
}

/// A stage's name, fee (payment), reviewer rule (review) and 办理时限, copied out of the batch.
type StageSketch = (String, Option<i64>, Option<ReviewerRule>, Option<u32>);

/// One stage of a batch as the seeder needs it.
struct SeedStage {
    name: String,
    /// `Some(fee)` for a payment stage.
    fee: Option<i64>,
    /// Who reviews, for a review stage.
    rule: Option<ReviewerRule>,
    /// 办理时限 in working days, where the stage has one.
    limit: Option<u32>,
}

struct SeedBatch {
    id: i64,
    school: Option<i64>,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    stages: Vec<SeedStage>,
}

/// A province's batches, organisations and reviewers.
struct ProvinceCtx {
    office: OrgKind,
    current: SeedBatch,
    /// The batch before, when its window has ended: its applications are all settled.
    previous: Option<SeedBatch>,
    orgs: Vec<organisation::Model>,
    /// (registration organisation, kind) → the reviewer found, cached.
    ancestors: HashMap<(i64, &'static str), i64>,
}

impl ProvinceCtx {
    /// The organisation reviewing `rule` for this candidate (as `application::reviewer_of`).
    fn reviewer(
        &mut self,
        rule: ReviewerRule,
        c: &Cand,
        university: i64,
        school: Option<i64>,
    ) -> anyhow::Result<i64> {
        match rule.target(self.office, c.ctype) {
            ReviewerTarget::ChiefUniversity => Ok(university),
            ReviewerTarget::BatchSchool => school.context("the batch belongs to no school"),
            ReviewerTarget::Ancestor(kind) => {
                if let Some(id) = self.ancestors.get(&(c.registration_org, kind.code())) {
                    return Ok(*id);
                }
                let path = self
                    .orgs
                    .iter()
                    .find(|o| o.id == c.registration_org)
                    .map(|o| o.path.clone())
                    .unwrap_or_default();
                let on_path: Vec<i64> = path.split('/').filter_map(|p| p.parse().ok()).collect();
                let found = self
                    .orgs
                    .iter()
                    .find(|o| on_path.contains(&o.id) && o.kind == kind.code())
                    .map(|o| o.id);
                let id = match found {
                    Some(id) => id,
                    None => {
                        let same: Vec<i64> = self
                            .orgs
                            .iter()
                            .filter(|o| o.kind == kind.code())
                            .map(|o| o.id)
                            .collect();
                        anyhow::ensure!(
                            same.len() == 1,
                            "no {} reviews candidates of organisation {}",
                            kind.code(),
                            c.registration_org
                        );
                        same[0]
                    }
                };
                self.ancestors.insert((c.registration_org, kind.code()), id);
                Ok(id)
            }
        }
    }
}

/// A candidate about to apply.
struct Cand {
    id: i64,
    province: Province,
    ctype: CandidateType,
    registration_org: i64,
    major: i64,
}

struct AppRow {
    id: i64,
    candidate: i64,
    batch: i64,
    major: i64,
    university: i64,
    status: Status,
    stage: Option<i32>,
    current_org: Option<i64>,
    version: i32,
    created: DateTime<Utc>,
    major_confirmed: Option<DateTime<Utc>>,
    prior_check: &'static str,
    rejection_reason: Option<String>,
    submitted: Option<DateTime<Utc>>,
    approved: Option<DateTime<Utc>>,
    pickup: Option<NaiveDate>,
    /// When it arrived at the review stage it waits at, and when it is due there.
    arrived: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    updated: DateTime<Utc>,
}

struct Event {
    application: i64,
    stage: Option<i32>,
    stage_name: String,
    action: EventAction,
    org: Option<i64>,
    actor: (&'static str, Option<i64>),
    reason: Option<String>,
    at: DateTime<Utc>,
}

#[derive(Default)]
struct Chunk {
    applications: Vec<AppRow>,
    events: Vec<Event>,
    orders: Vec<Order>,
    /// (order id, refund no, fee, reason, queued at)
    refunds: Vec<(i64, String, i64, String, DateTime<Utc>)>,
    /// (application, approved at)
    archives: Vec<(i64, DateTime<Utc>)>,
}

/// Everything a chunk's generation reads.
struct Seeder {
    provinces: HashMap<&'static str, ProvinceCtx>,
    /// major → (chief university, needs the prior-education check)
    majors: HashMap<i64, (i64, bool)>,
    /// organisation → a reviewer account of it, named on its decisions.
    reviewer_of_org: HashMap<i64, i64>,
    calendar: domain::calendar::WorkingCalendar,
    pickups: HashMap<NaiveDate, NaiveDate>,
    next_app: i64,
    next_order: i64,
    now: DateTime<Utc>,
}

/// Gives the `count` newest candidates (highest ids: after `biye demo --candidates N` with
/// N ≥ `count`, synthetic ones) one graduation application each, in their province's newest
/// graduation batch or, for about one in eight where the province has one, its previous
/// closed batch. Drafts, every review stage pending, 待交费, rejections at each stage (after
/// payment with the refund queued), approvals and, in a closed batch, 本次不予办理 are all present;
/// submissions and decisions are dated between the batch's opening and `now`.
pub async fn seed_applications(
    db: &crate::Db,
    count: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<SeededApplications> {
    let backend = db.get_database_backend();
    let mut out = SeededApplications::default();
    if count == 0 {
        return Ok(out);
    }
    let hi = max_id(db, "candidates").await?;
    let lo = hi - i64::try_from(count)? + 1;
    let in_range = candidate::Entity::find()
        .filter(candidate::Column::Id.between(lo, hi))
        .count(db)
        .await?;
    anyhow::ensure!(
        lo >= 1 && in_range == count,
        "需要至少 {count} 名编号连续的合成考生（请同时使用 --candidates），现有 {in_range} 名"
    );
    let mut ctx = context(db, now).await?;
    let mut rng = Rng::new(SEED);
    let mut by_state: HashMap<Place, u64> = HashMap::new();
    let mut from = lo;
    while from <= hi {
        let to = (from + PER_TXN as i64 - 1).min(hi);
        let cands = candidates(db, from, to).await?;
        let mut chunk = Chunk::default();
        for c in &cands {
            one(&mut ctx, &mut rng, c, &mut chunk)?;
        }
        for a in &chunk.applications {
            *by_state
                .entry((a.batch, a.status.code(), a.stage))
                .or_default() += 1;
        }
        out.applications += chunk.applications.len() as u64;
        out.events += chunk.events.len() as u64;
        out.payments += chunk.orders.len() as u64;
        out.refunds += chunk.refunds.len() as u64;
        let txn = crate::write::begin_write(db).await?;
        if backend == DbBackend::Sqlite {
            txn.execute_unprepared(&format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
                .await?;
        }
        write_chunk(&txn, chunk).await?;
        if backend == DbBackend::Sqlite {
            txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
        }
        txn.commit().await?;
        from = to + 1;
    }
    if backend == DbBackend::Postgres {
        // Explicit ids do not advance PostgreSQL's sequences; later inserts would collide.
        for table in ["graduation_applications", "payment_orders"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
    }
    audit::record(
        db,
        now,
        Actor::SYSTEM,
        SEEDED_ACTION,
        ("database", None),
        &format!(
            "演示数据：为 {} 名合成考生生成毕业申请（审核记录 {} 条、交费 {} 笔、退费 {} 笔）",
            out.applications, out.events, out.payments, out.refunds
        ),
        None,
    )
    .await?;
    let mut by_state: Vec<_> = by_state.into_iter().collect();
    by_state.sort();
    out.by_state = by_state;
    Ok(out)
}

async fn max_id<C: ConnectionTrait>(conn: &C, table: &str) -> anyhow::Result<i64> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            format!("SELECT MAX(id) AS m FROM {table}"),
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>>("", "m")?.unwrap_or(0),
        None => 0,
    })
}

fn seed_batch(b: batch::Model, stages: Vec<domain::review::Stage>) -> SeedBatch {
    SeedBatch {
        id: b.id,
        school: b.org_id,
        opens_at: b.opens_at,
        closes_at: b.closes_at,
        stages: stages
            .into_iter()
            .map(|s| match s.kind {
                StageKind::Payment { amount_fen } => SeedStage {
                    name: s.name,
                    fee: Some(amount_fen),
                    rule: None,
                    limit: None,
                },
                StageKind::Review(rule) => SeedStage {
                    name: s.name,
                    fee: None,
                    rule: Some(rule),
                    limit: s.limit_working_days,
                },
            })
            .collect(),
    }
}

async fn context(db: &crate::Db, now: DateTime<Utc>) -> anyhow::Result<Seeder> {
    let mut provinces = HashMap::new();
    for p in Province::all() {
        let batches = crate::graduation::application::batches_of_province(db, p.code()).await?;
        let mut newest_first = batches.into_iter();
        let Some(current) = newest_first.next() else {
            continue;
        };
        let current_stages = crate::graduation::application::stages(db, current.id).await?;
        let previous = match newest_first.next().filter(|b| b.closes_at <= now) {
            Some(b) => {
                let stages = crate::graduation::application::stages(db, b.id).await?;
                Some(seed_batch(b, stages))
            }
            None => None,
        };
        let orgs = organisation::Entity::find()
            .filter(organisation::Column::Province.eq(p.code()))
            .all(db)
            .await?;
        provinces.insert(
            p.code(),
            ProvinceCtx {
                office: p.office(),
                current: seed_batch(current, current_stages),
                previous,
                orgs,
                ancestors: HashMap::new(),
            },
        );
    }
    let majors = major::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let needs_prior = crate::graduation::application::major_needs_prior(&m);
            (m.id, (m.chief_university_id, needs_prior))
        })
        .collect();
    let mut reviewer_of_org = HashMap::new();
    for s in staff::Entity::find()
        .order_by_asc(staff::Column::Id)
        .all(db)
        .await?
    {
        reviewer_of_org.entry(s.org_id).or_insert(s.id);
    }
    Ok(Seeder {
        provinces,
        majors,
        reviewer_of_org,
        calendar: crate::repo::calendar::load(db).await?,
        pickups: HashMap::new(),
        next_app: max_id(db, "graduation_applications").await? + 1,
        next_order: max_id(db, "payment_orders").await? + 1,
        now,
    })
}

/// Candidates `from..=to` with their first enrolled major, by id.
async fn candidates(db: &crate::Db, from: i64, to: i64) -> anyhow::Result<Vec<Cand>> {
    let rows: Vec<(i64, String, String, i64)> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::Id)
        .column(candidate::Column::Province)
        .column(candidate::Column::CandidateType)
        .column(candidate::Column::RegistrationOrgId)
        .filter(candidate::Column::Id.between(from, to))
        .order_by_asc(candidate::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut majors: HashMap<i64, i64> = HashMap::new();
    for (c, m) in enrolled_major::Entity::find()
        .select_only()
        .column(enrolled_major::Column::CandidateId)
        .column(enrolled_major::Column::MajorId)
        .filter(enrolled_major::Column::CandidateId.between(from, to))
        .order_by_asc(enrolled_major::Column::Id)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
    {
        majors.entry(c).or_insert(m);
    }
    rows.into_iter()
        .map(|(id, province, ctype, registration_org)| {
            Ok(Cand {
                id,
                province: Province::of(&province).map_err(|e| anyhow::anyhow!("{e}"))?,
                ctype: CandidateType::from_code(&ctype).unwrap_or(CandidateType::SelfStudy),
                registration_org,
                major: *majors
                    .get(&id)
                    .with_context(|| format!("合成考生 {id} 没有在籍专业"))?,
            })
        })
        .collect()
}

/// A time in `0..span` (to the second).
fn jitter(rng: &mut Rng, span: Duration) -> Duration {
    Duration::seconds(rng.below(span.num_seconds().max(60) as u64) as i64)
}

/// Where one application stops at a review stage, in percent: (pending there, rejected there).
/// The final stage holds the most, as in the middle of a batch whose first stages move fast.
fn review_odds(seq: usize, stages: usize, settled: bool) -> (u64, u64) {
    match (settled, seq == 0, seq + 1 == stages) {
        (true, true, _) => (0, 6),
        (true, _, _) => (0, 0),
        (false, true, _) => (15, 6),
        (false, false, true) => (45, 4),
        (false, false, false) => (20, 5),
    }
}

fn reason(rng: &mut Rng) -> String {
    let r = CommonReason::ALL[rng.index(CommonReason::ALL.len())];
    match rng.below(10) {
        0..=2 => format!("{}；请按要求重新上传", r.label()),
        3 => "材料与报名信息不一致，请核对后重新提交".to_owned(),
        _ => r.label().to_owned(),
    }
}

/// Generates one candidate's application with its history.
fn one(ctx: &mut Seeder, rng: &mut Rng, c: &Cand, out: &mut Chunk) -> anyhow::Result<()> {
    let now = ctx.now;
    let (university, needs_prior) = *ctx
        .majors
        .get(&c.major)
        .with_context(|| format!("unknown major {}", c.major))?;
    let province = ctx
        .provinces
        .get_mut(c.province.code())
        .with_context(|| format!("{}没有毕业批次", c.province.label()))?;
    let settled = province.previous.is_some() && rng.chance(PREVIOUS_BATCH_PERCENT);
    let b = match (&province.previous, settled) {
        (Some(p), true) => p,
        _ => &province.current,
    };
    let (batch_id, school, opens, closes) = (b.id, b.school, b.opens_at, b.closes_at);
    let stages: Vec<StageSketch> = b
        .stages
        .iter()
        .map(|s| (s.name.clone(), s.fee, s.rule, s.limit))
        .collect();
    // Everything of an open batch happened before now, and everything of a closed one before
    // its deadline, so that the deadline's closing comes last.
    let end = if settled {
        closes - Duration::hours(1)
    } else {
        now - Duration::minutes(5)
    };
    let latest_submission = if settled {
        closes - Duration::days(2)
    } else {
        end
    };
    let id = ctx.next_app;
    ctx.next_app += 1;
    let created = opens + jitter(rng, (latest_submission - opens) / 2);
    let prior_check = if needs_prior {
        PRIOR_VERIFIED
    } else {
        PRIOR_NOT_NEEDED
    };
    let mut row = AppRow {
        id,
        candidate: c.id,
        batch: batch_id,
        major: c.major,
        university,
        status: Status::Draft,
        stage: None,
        current_org: None,
        version: 1,
        created,
        major_confirmed: rng.chance(60).then(|| created + Duration::minutes(3)),
        prior_check,
        rejection_reason: None,
        submitted: None,
        approved: None,
        pickup: None,
        arrived: None,
        due: None,
        updated: created,
    };
    let candidate_actor = ("candidate", Some(c.id));
    let close = |row: &mut AppRow, out: &mut Chunk| {
        let at = closes + Duration::minutes(1);
        row.status = Status::Closed;
        row.stage = None;
        row.current_org = None;
        row.version += 1;
        row.updated = at;
        out.events.push(Event {
            application: id,
            stage: None,
            stage_name: "批次截止".to_owned(),
            action: EventAction::Closed,
            org: None,
            actor: (Actor::SYSTEM.kind, None),
            reason: None,
            at,
        });
    };
    // One in sixteen never gets past the form.
    if rng.chance(6) {
        if settled {
            close(&mut row, out);
        }
        out.applications.push(row);
        return Ok(());
    }
    let submitted =
        created + Duration::minutes(10) + jitter(rng, (latest_submission - created) / 2);
    row.major_confirmed = Some(created + Duration::minutes(3));
    row.submitted = Some(submitted);
    row.version += 6;
    let first_org = match stages.first().and_then(|s| s.2) {
        Some(rule) => Some(province.reviewer(rule, c, university, school)?),
        None => None,
    };
    out.events.push(Event {
        application: id,
        stage: Some(0),
        stage_name: stages.first().map(|s| s.0.clone()).unwrap_or_default(),
        action: EventAction::Submitted,
        org: first_org,
        actor: candidate_actor,
        reason: None,
        at: submitted,
    });
    // Each step comes some time after the one before, all of them before `end`.
    let step = (end - submitted) / (stages.len() as i32 + 1);
    let mut at = submitted;
    let mut paid: Option<(i64, String, i64)> = None;
    row.status = Status::Approved;
    for (seq, (name, fee, rule, limit)) in stages.iter().enumerate() {
        let seq_i = i32::try_from(seq)?;
        // The previous step (the submission, an approval or the payment) brought it here.
        let arrived = at;
        at += Duration::minutes(5) + jitter(rng, step);
        if let Some(fee) = fee {
            if rng.chance(if settled { 4 } else { 8 }) {
                row.status = Status::AwaitingPayment;
                row.stage = Some(seq_i);
                break;
            }
            let order = ctx.next_order;
            ctx.next_order += 1;
            let order_no = format!(
                "GF{}{:010}",
                domain::calendar::beijing(at).format("%Y%m%d%H%M%S"),
                order % 10_000_000_000
            );
            let txn_no = format!("LOCAL{order:015}");
            out.orders
                .push((order, order_no.clone(), id, seq_i, *fee, txn_no, at));
            out.events.push(Event {
                application: id,
                stage: Some(seq_i),
                stage_name: name.clone(),
                action: EventAction::Paid,
                org: None,
                actor: candidate_actor,
                reason: None,
                at,
            });
            paid = Some((order, order_no, *fee));
            row.version += 1;
            continue;
        }
        let Some(rule) = rule else { continue };
        let org = province.reviewer(*rule, c, university, school)?;
        let (pending, rejected) = review_odds(seq, stages.len(), settled);
        let roll = rng.below(100);
        if roll < pending {
            row.status = Status::InReview;
            row.stage = Some(seq_i);
            row.current_org = Some(org);
            // Arrivals spread from the batch's opening to now, so some of these are long
            // overdue and some due today or tomorrow, as in a real queue.
            row.arrived = Some(arrived);
            row.due = limit.map(|n| domain::review::deadline::due_at(&ctx.calendar, arrived, n));
            break;
        }
        let actor = ("staff", ctx.reviewer_of_org.get(&org).copied());
        row.version += 1;
        if roll < pending + rejected {
            let why = reason(rng);
            out.events.push(Event {
                application: id,
                stage: Some(seq_i),
                stage_name: name.clone(),
                action: EventAction::Rejected,
                org: Some(org),
                actor,
                reason: Some(why.clone()),
                at,
            });
            if let Some((order, order_no, fee)) = paid.take() {
                out.refunds.push((
                    order,
                    crate::payment::refund_no_of(&order_no),
                    fee,
                    format!("{name}驳回：{why}"),
                    at,
                ));
                out.events.push(Event {
                    application: id,
                    stage: None,
                    stage_name: "退费".to_owned(),
                    action: EventAction::RefundQueued,
                    org: None,
                    actor: (Actor::SYSTEM.kind, None),
                    reason: Some(format!(
                        "毕业审定费 {} 元将在本次毕业办理结束后退回原交费账号",
                        domain::review::yuan(fee)
                    )),
                    at,
                });
            }
            row.status = Status::Rejected;
            row.stage = Some(seq_i);
            row.rejection_reason = Some(why);
            break;
        }
        out.events.push(Event {
            application: id,
            stage: Some(seq_i),
            stage_name: name.clone(),
            action: EventAction::Approved,
            org: Some(org),
            actor,
            reason: None,
            at,
        });
    }
    row.updated = at;
    if row.status == Status::Approved {
        let day = domain::calendar::beijing_date(at);
        let pickup = *ctx
            .pickups
            .entry(day)
            .or_insert_with(|| domain::calendar::earliest_pickup(&ctx.calendar, day));
        row.approved = Some(at);
        row.pickup = Some(pickup);
        out.archives.push((id, at));
    }
    // The deadline closes whatever had not succeeded by then (`application::close_expired`).
    if settled && matches!(row.status, Status::Rejected | Status::AwaitingPayment) {
        close(&mut row, out);
    }
    out.applications.push(row);
    Ok(())
}

async fn write_chunk<C: ConnectionTrait>(conn: &C, chunk: Chunk) -> anyhow::Result<()> {
    let t = |v: DateTime<Utc>| Value::ChronoDateTimeUtc(Some(v));
    insert_rows(
        conn,
        "graduation_applications",
        APPLICATION_COLUMNS,
        chunk.applications,
        |a, v| {
            v.extend([
                Value::BigInt(Some(a.id)),
                Value::BigInt(Some(a.candidate)),
                Value::BigInt(Some(a.batch)),
                Value::BigInt(Some(a.major)),
                Value::BigInt(Some(a.university)),
                Value::String(Some(a.status.code().to_owned())),
                Value::Int(a.stage),
                Value::BigInt(a.current_org),
                Value::Int(Some(a.version)),
                t(a.created),
                Value::ChronoDateTimeUtc(a.major_confirmed),
                Value::String(Some(a.prior_check.to_owned())),
                Value::String(a.rejection_reason),
                Value::ChronoDateTimeUtc(a.submitted),
                Value::ChronoDateTimeUtc(a.approved),
                Value::ChronoDate(a.pickup),
                Value::ChronoDateTimeUtc(a.arrived),
                Value::ChronoDateTimeUtc(a.due),
                t(a.created),
                t(a.updated),
            ]);
        },
    )
    .await
    .context("bulk insert into graduation_applications")?;
    insert_rows(
        conn,
        "review_events",
        EVENT_COLUMNS,
        chunk.events,
        |e, v| {
            v.extend([
                Value::BigInt(Some(e.application)),
                Value::Int(e.stage),
                Value::String(Some(e.stage_name)),
                Value::String(Some(e.action.code().to_owned())),
                Value::BigInt(e.org),
                Value::String(Some(e.actor.0.to_owned())),
                Value::BigInt(e.actor.1),
                Value::String(e.reason),
                t(e.at),
            ]);
        },
    )
    .await
    .context("bulk insert into review_events")?;
    insert_rows(
        conn,
        "payment_orders",
        ORDER_COLUMNS,
        chunk.orders,
        |(id, order_no, app, stage, fee, txn_no, at), v| {
            v.extend([
                Value::BigInt(Some(id)),
                Value::String(Some(order_no)),
                Value::BigInt(Some(app)),
                Value::Int(Some(stage)),
                Value::BigInt(Some(fee)),
                Value::String(Some(crate::payment::ORDER_PAID.to_owned())),
                Value::String(Some(txn_no)),
                t(at - Duration::minutes(2)),
                t(at),
            ]);
        },
    )
    .await
    .context("bulk insert into payment_orders")?;
    insert_rows(
        conn,
        "refunds",
        REFUND_COLUMNS,
        chunk.refunds,
        |(order, refund_no, fee, reason, at), v| {
            v.extend([
                Value::String(Some(refund_no)),
                Value::BigInt(Some(order)),
                Value::BigInt(Some(fee)),
                Value::String(Some(crate::payment::REFUND_QUEUED.to_owned())),
                Value::String(Some(reason)),
                t(at),
                // '' names the order's booked charge.
                Value::String(Some(String::new())),
            ]);
        },
    )
    .await
    .context("bulk insert into refunds")?;
    insert_rows(
        conn,
        "graduate_archives",
        ARCHIVE_COLUMNS,
        chunk.archives,
        |(app, at), v| {
            v.extend([
                Value::BigInt(Some(app)),
                Value::String(Some(crate::graduation::archive::PENDING.to_owned())),
                t(at),
            ]);
        },
    )
    .await
    .context("bulk insert into graduate_archives")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_batches_leave_nothing_pending() {
        for stages in 1..=4 {
            for seq in 0..stages {
                assert_eq!(review_odds(seq, stages, true).0, 0);
                let (pending, rejected) = review_odds(seq, stages, false);
                assert!(pending > 0 && rejected > 0 && pending + rejected < 100);
            }
        }
    }
}
