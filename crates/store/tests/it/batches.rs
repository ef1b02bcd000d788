//! 毕业批次 administered by the office, on SQLite and PostgreSQL: a new batch's window and name
//! are checked, windows of one province never overlap (touching is fine) even when two offices'
//! admins create at once, and a window moves and closes with an audit row each.

use crate::common::now;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::entity::{audit, batch, batch_stage};
use store::graduation::batches::{self, By, Phase};
use store::repo::RepoError;
use store::repo::audit::Actor;
use store::testkit::{Backend, TestDb, contract_backends};

const CQ: &str = "chongqing";

async fn world(b: &Backend) -> TestDb {
    let t = TestDb::create(b)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
    for p in ["chongqing", "yunnan"] {
        store::repo::org::init_province(&t.db, domain::Province::of(p).unwrap(), now())
            .await
            .unwrap();
    }
    t
}

/// "2030-03-01 09:00" in Beijing time.
fn bj(s: &str) -> DateTime<Utc> {
    domain::calendar::from_beijing(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn by() -> By<'static> {
    By {
        actor: Actor::SYSTEM,
        now: now(),
        ip: None,
    }
}

fn refusal(r: Result<batch::Model, RepoError>) -> String {
    match r {
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn audits(t: &TestDb, action: &str) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .count(&t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_batch_needs_a_window_a_name_and_no_overlap() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let create = |name: &str, o: &str, c: &str| {
            let (name, o, c) = (name.to_owned(), bj(o), bj(c));
            async move { batches::create(db, CQ, &name, o, c, by()).await }
        };
        let first = create(
            "2030年上半年毕业申请",
            "2030-03-01 09:00",
            "2030-03-15 17:00",
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        assert_eq!(first.kind, "graduation");
        assert_eq!(first.province.as_deref(), Some(CQ));
        let stages = batch_stage::Entity::find()
            .filter(batch_stage::Column::BatchId.eq(first.id))
            .count(db)
            .await
            .unwrap();
        assert!(stages > 0, "the province's pipeline is copied");
        assert_eq!(audits(&t, "batch.created").await, 1);

        // The end must come after the start: equal is refused, a minute later is fine.
        let m = refusal(create("试点批次", "2030-04-01 09:00", "2030-04-01 09:00").await);
        assert_eq!(m, "申请截止时间必须晚于开始时间");
        create("试点批次", "2030-04-01 09:00", "2030-04-01 09:01")
            .await
            .unwrap();

        // Overlap names the other batch and its window; touching ends are allowed.
        let m = refusal(create("补充批次", "2030-03-10 09:00", "2030-03-20 17:00").await);
        assert!(
            m.contains("“2030年上半年毕业申请”")
                && m.contains("2030-03-01 09:00 至 2030-03-15 17:00"),
            "{}: {m}",
            b.name()
        );
        create("补充批次", "2030-03-15 17:00", "2030-03-31 17:00")
            .await
            .unwrap();
        create("前置批次", "2030-02-01 09:00", "2030-03-01 09:00")
            .await
            .unwrap();
        // Another province's windows are its own.
        batches::create(
            db,
            "yunnan",
            "云南批次",
            bj("2030-03-01 09:00"),
            bj("2030-03-15 17:00"),
            by(),
        )
        .await
        .unwrap();

        // 40 characters are fine, 41 are refused by how much; blank is refused.
        let forty = "批".repeat(40);
        create(&forty, "2030-05-01 09:00", "2030-05-02 09:00")
            .await
            .unwrap();
        let m = refusal(create(&"批".repeat(41), "2030-06-01 09:00", "2030-06-02 09:00").await);
        assert_eq!(m, "批次名称最多 40 个字，现有 41 个字，超出 1 个字");
        let m = refusal(create("  ", "2030-06-01 09:00", "2030-06-02 09:00").await);
        assert!(m.contains("请填写批次名称"), "{m}");

        let listed = batches::of_province(db, CQ).await.unwrap();
        assert_eq!(listed.len(), 5, "{}", b.name());
        assert_eq!(listed[0].batch.name, forty, "newest window first");
        assert!(listed.iter().all(|l| l.applications == 0));
        assert_eq!(audits(&t, "batch.created").await, 6);
    }
}

#[tokio::test]
async fn a_window_moves_closes_now_and_reopens() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let at = now();
        let open = batches::create(
            db,
            CQ,
            "本期批次",
            at - Duration::days(2),
            at + Duration::days(10),
            by(),
        )
        .await
        .unwrap();
        let later = batches::create(
            db,
            CQ,
            "下期批次",
            at + Duration::days(30),
            at + Duration::days(40),
            by(),
        )
        .await
        .unwrap();
        assert_eq!(Phase::of(&open, at), Phase::Open);
        assert_eq!(Phase::of(&later, at), Phase::NotOpen);

        // Moving: the start of an open batch without applications may move; an overlap may not.
        let moved = batches::move_window(
            db,
            Some(CQ),
            open.id,
            at - Duration::days(1),
            at + Duration::days(20),
            by(),
        )
        .await
        .unwrap();
        assert_eq!(moved.closes_at, at + Duration::days(20));
        let m = refusal(
            batches::move_window(
                db,
                Some(CQ),
                open.id,
                at - Duration::days(1),
                at + Duration::days(31),
                by(),
            )
            .await,
        );
        assert!(m.contains("“下期批次”"), "{}: {m}", b.name());
        let m = refusal(batches::move_window(db, Some(CQ), open.id, at, at, by()).await);
        assert_eq!(m, "申请截止时间必须晚于开始时间");
        // Another province's office does not see it.
        assert!(matches!(
            batches::move_window(
                db,
                Some("yunnan"),
                open.id,
                at,
                at + Duration::days(1),
                by()
            )
            .await,
            Err(RepoError::NotFound)
        ));
        assert_eq!(audits(&t, "batch.moved").await, 1);

        // Closing ends the window now; an ended or a future batch cannot be closed.
        let closed = batches::close(db, Some(CQ), open.id, by()).await.unwrap();
        assert!(closed.closes_at <= now() && closed.closes_at >= at);
        assert_eq!(Phase::of(&closed, now()), Phase::Ended);
        let m = refusal(batches::close(db, Some(CQ), open.id, by()).await);
        assert!(m.contains("已于") && m.contains("截止申请"), "{m}");
        let m = refusal(batches::close(db, None, later.id, by()).await);
        assert!(m.contains("尚未开始申请"), "{m}");
        assert_eq!(audits(&t, "batch.closed").await, 1);

        // A new batch may start the second the closed one ended.
        batches::create(
            db,
            CQ,
            "衔接批次",
            closed.closes_at,
            closed.closes_at + Duration::days(1),
            by(),
        )
        .await
        .unwrap();
        // Moving the end later reopens an ended batch (here after the follow-on one is moved
        // out of the way).
        let follow = batches::of_province(db, CQ)
            .await
            .unwrap()
            .into_iter()
            .find(|l| l.batch.name == "衔接批次")
            .unwrap()
            .batch;
        batches::move_window(
            db,
            None,
            follow.id,
            at + Duration::days(20),
            at + Duration::days(21),
            by(),
        )
        .await
        .unwrap();
        let reopened = batches::move_window(
            db,
            None,
            open.id,
            closed.opens_at,
            at + Duration::days(15),
            by(),
        )
        .await
        .unwrap();
        assert_eq!(Phase::of(&reopened, now()), Phase::Open, "{}", b.name());
        assert_eq!(audits(&t, "batch.moved").await, 3);
    }
}

#[tokio::test]
async fn two_overlapping_batches_created_at_once_give_one() {
    for b in contract_backends() {
        let t = world(&b).await;
        for round in 0..3 {
            let o = bj("2031-03-01 09:00") + Duration::days(30 * round);
            let (x, y) = tokio::join!(
                batches::create(&t.db, CQ, "甲批次", o, o + Duration::days(10), by()),
                batches::create(
                    &t.db,
                    CQ,
                    "乙批次",
                    o + Duration::days(5),
                    o + Duration::days(15),
                    by()
                ),
            );
            assert_eq!(
                x.is_ok() as u8 + y.is_ok() as u8,
                1,
                "{} round {round}: {x:?} {y:?}",
                b.name()
            );
            let loser = if x.is_ok() { y } else { x };
            assert!(matches!(loser, Err(RepoError::Conflict(_))), "{loser:?}");
        }
        assert_eq!(batches::of_province(&t.db, CQ).await.unwrap().len(), 3);
    }
}
