//! 收件箱 messages sent on by text message and e-mail, on every contract backend: e-mail through
//! a real SMTP server (aiosmtpd, writing what it receives to a Maildir that the tests read back
//! with the server's own python, so that what they see does not depend on the code under test),
//! text messages through the development sender's outbox table.
//!
//! aiosmtpd comes from `.ci/run`, named by `BIYE_AIOSMTPD` (a python that has it). Without it the
//! tests are skipped with a note, unless `BIYE_REQUIRE_DEPLOY=1` (CI), where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use domain::{AdmissionNo, CandidateType, IdCardNo, Phone, Province};
use jobs::{Context, Job, run_due};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use store::Db;
use store::entity::{audit, notification_delivery as delivery, sms_outbox};
use store::mail::smtp::SmtpSender;
use store::notifications::{self, BACKOFF, DeliveryRun, MAX_ATTEMPTS, Senders, Settings};
use store::payment::local::LocalGateway;
use store::repo::RepoError;
use store::repo::candidate::NewCandidate;
use store::repo::inbox::{self, Recipient};
use store::repo::org;
use store::sms::local::LogSender;
use store::testkit::s3::{free_port, skip_or_fail};
use store::testkit::{TestDb, contract_backends};

const BASE_URL: &str = "https://biye.example.cn";
const FROM: &str = "毕业申请平台 <noreply@biye.example.cn>";
const PHONE: &str = "13800138000";
const ADDRESS: &str = "zhangsan@example.com";
const LINK: &str = "/candidate/graduation";
const IP: Option<&str> = Some("127.0.0.1");
/// Generous: every test's send is to the loopback interface.
const BUDGET: StdDuration = StdDuration::from_secs(60);

// ---- the SMTP server -------------------------------------------------------------------------

/// The python with aiosmtpd, or `None` (after the note, or the failure on CI) without it.
fn aiosmtpd(what: &str) -> Option<PathBuf> {
    let python = std::env::var_os("BIYE_AIOSMTPD")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    if python.is_none() {
        skip_or_fail(
            what,
            "BIYE_AIOSMTPD does not name a python with aiosmtpd (.ci/run installs one: pip install aiosmtpd)",
        );
    }
    python
}

/// One e-mail as the server received it, decoded.
#[derive(Debug)]
struct Mail {
    /// The envelope recipient.
    rcpt_to: String,
    to: String,
    from: String,
    subject: String,
    body: String,
}

/// aiosmtpd on a loopback port, storing what it accepts in a Maildir; killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    python: PathBuf,
    dir: tempfile::TempDir,
}

/// Reads every message of a Maildir's `new/` with the standard library's parser, which undoes
/// the RFC 2047 subject and the body's transfer encoding.
const READ_MAILDIR: &str = r#"
import email, email.policy, json, os, sys
new = os.path.join(sys.argv[1], "new")
out = []
for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
    with open(os.path.join(new, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    out.append({
        "rcpt_to": str(m["X-RcptTo"]),
        "to": str(m["To"]),
        "from": str(m["From"]),
        "subject": str(m["Subject"]),
        "body": m.get_content(),
    })
print(json.dumps(out))
"#;

impl SmtpServer {
    /// Starts the server on `port` and waits until it accepts connections.
    fn start(python: &Path, port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("aiosmtpd.log")).unwrap();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start aiosmtpd");
        let mut server = SmtpServer {
            child,
            port,
            python: python.to_owned(),
            dir,
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // Starting python and importing asyncio takes a moment on a busy machine.
        let deadline = Instant::now() + StdDuration::from_secs(30);
        loop {
            if TcpStream::connect_timeout(&addr, StdDuration::from_secs(1)).is_ok() {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("aiosmtpd exited with {status}: {}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {addr} within 30 s: {}",
                server.log()
            );
            std::thread::sleep(StdDuration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("aiosmtpd.log")).unwrap_or_default()
    }

    /// Every message received so far, oldest name first. aiosmtpd answers the end of the data
    /// only after the file is in `new/`, so a message the sender saw accepted is there.
    fn mails(&self) -> Vec<Mail> {
        let out = Command::new(&self.python)
            .args(["-c", READ_MAILDIR])
            .arg(self.dir.path().join("maildir"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "reading the Maildir: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        list.iter()
            .map(|m| {
                let field = |k: &str| m[k].as_str().unwrap().to_owned();
                Mail {
                    rcpt_to: field("rcpt_to"),
                    to: field("to"),
                    from: field("from"),
                    subject: field("subject"),
                    // SMTP carries text with CRLF line ends; the text as written has LF.
                    body: field("body").replace("\r\n", "\n"),
                }
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the data --------------------------------------------------------------------------------

/// A valid 身份证号 from 渝中区 with sequence `seq`.
fn id_card(seq: u32) -> String {
    let first17 = format!("50010319950501{seq:03}");
    format!("{first17}{}", domain::check_digit(&first17).unwrap())
}

/// The district agency candidates register with.
async fn agency(db: &Db, now: DateTime<Utc>) -> i64 {
    let office = org::create(
        db,
        org::NewOrg {
            parent_id: None,
            kind: "municipal_office",
            province: Some("chongqing"),
            code: "cq",
            name: "重庆市教育考试院",
            announcement: "",
        },
        now,
    )
    .await
    .unwrap();
    org::create(
        db,
        org::NewOrg {
            parent_id: Some(office.id),
            kind: "district_agency",
            province: Some("chongqing"),
            code: "cq-yz",
            name: "渝中区招生办公室",
            announcement: "",
        },
        now,
    )
    .await
    .unwrap()
    .id
}

async fn candidate(db: &Db, agency: i64, seq: u32, phone: Option<&str>) -> Recipient {
    let new = NewCandidate {
        admission_no: AdmissionNo::parse(&format!("3601000000{seq:02}")).unwrap(),
        name: "张三".to_owned(),
        id_card_no: IdCardNo::parse(&id_card(900 + seq)).unwrap(),
        ethnicity: "汉族".to_owned(),
        political_status: "群众".to_owned(),
        phone: phone.map(|p| Phone::parse(p).unwrap()),
        address: None,
        candidate_type: CandidateType::SelfStudy,
        province: Province::from_code("chongqing").unwrap(),
        registration_org_id: agency,
    };
    let c = store::repo::candidate::insert(db, new, "!".to_owned(), Utc::now())
        .await
        .unwrap();
    Recipient::Candidate(c.id)
}

/// Confirms `address` for `to` the way 我的账号 does: a code, then the code typed back.
async fn confirm_email(db: &Db, to: Recipient, address: &str, now: DateTime<Utc>) {
    let code = notifications::request_address_code(db, to, address, now)
        .await
        .unwrap();
    assert_eq!(code.len(), 6, "{code}");
    let confirmed = notifications::confirm_address(db, to, &code, IP, now)
        .await
        .unwrap();
    assert_eq!(confirmed, address);
}

/// A message put in the 收件箱 by a change that commits, as the reviews do.
async fn send_message(db: &Db, to: Recipient, title: &str, body: &str, now: DateTime<Utc>) {
    let txn = store::write::begin_write(db).await.unwrap();
    inbox::send(&txn, to, title, body, Some(LINK), now)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

fn senders(db: &Db, smtp_url: &str) -> Senders {
    Senders {
        sms: Arc::new(LogSender::new(db.clone())),
        mail: Arc::new(SmtpSender::new(smtp_url, FROM).unwrap()),
        public_base_url: BASE_URL.to_owned(),
    }
}

fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}")
}

async fn deliveries(db: &Db) -> Vec<delivery::Model> {
    delivery::Entity::find()
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn delivery_by(db: &Db, channel: &str) -> Vec<delivery::Model> {
    delivery::Entity::find()
        .filter(delivery::Column::Channel.eq(channel))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn outbox(db: &Db) -> Vec<sms_outbox::Model> {
    sms_outbox::Entity::find()
        .order_by_asc(sms_outbox::Column::Id)
        .all(db)
        .await
        .unwrap()
}

fn notice(title: &str) -> String {
    format!("您的收件箱有一条新消息：{title}。请登录毕业申请平台查看详情。")
}

fn invalid(r: Result<impl std::fmt::Debug, RepoError>) -> String {
    match r {
        Err(RepoError::Invalid(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A candidate with a phone who confirmed [`ADDRESS`] and chose both channels.
async fn subscribed(db: &Db, now: DateTime<Utc>) -> Recipient {
    let agency = agency(db, now).await;
    let to = candidate(db, agency, 1, Some(PHONE)).await;
    confirm_email(db, to, ADDRESS, now).await;
    notifications::set_channels(db, to, true, true, IP, now)
        .await
        .unwrap();
    assert_eq!(
        notifications::settings(db, to).await.unwrap(),
        Settings {
            sms: true,
            email: true,
            email_address: Some(ADDRESS.to_owned()),
            pending_address: None,
            phone: Some(PHONE.to_owned()),
        }
    );
    to
}

/// What a delivered message must look like: one e-mail and one text message, both records sent
/// once.
async fn assert_delivered_once(
    db: &Db,
    server: &SmtpServer,
    title: &str,
    body: &str,
    at: DateTime<Utc>,
    backend: &str,
) {
    let mails = server.mails();
    assert_eq!(mails.len(), 1, "{backend}: {mails:#?}");
    let m = &mails[0];
    assert_eq!(m.rcpt_to, ADDRESS, "{backend}");
    assert_eq!(m.to, ADDRESS, "{backend}");
    assert_eq!(m.from, FROM, "{backend}");
    assert_eq!(m.subject, format!("【毕业申请平台】{title}"), "{backend}");
    assert!(m.body.starts_with(body), "{backend}: {}", m.body);
    assert!(
        m.body
            .contains(&format!("\n\n查看详情：{BASE_URL}{LINK}\n")),
        "{backend}: {}",
        m.body
    );

    let texts = outbox(db).await;
    assert_eq!(texts.len(), 1, "{backend}: {texts:#?}");
    assert_eq!(texts[0].phone, PHONE, "{backend}");
    assert_eq!(texts[0].body, notice(title), "{backend}");

    let rows = deliveries(db).await;
    assert_eq!(rows.len(), 2, "{backend}: {rows:#?}");
    for r in &rows {
        assert_eq!(r.status, "sent", "{backend}: {r:?}");
        assert_eq!(r.attempts, 1, "{backend}: {r:?}");
        assert_eq!(r.sent_at, Some(at), "{backend}: {r:?}");
        assert_eq!(r.last_error, None, "{backend}: {r:?}");
        assert_eq!(r.lease_holder, None, "{backend}: {r:?}");
        assert_eq!(r.lease_until, None, "{backend}: {r:?}");
    }
}

fn instance(db: Db, holder: &str, smtp: &str) -> Context {
    Context {
        gateway: Arc::new(LocalGateway::new(
            db.clone(),
            "http://127.0.0.1:9",
            "test-secret",
        )),
        senders: Some(senders(&db, smtp)),
        db,
        documents: None,
        holder: holder.to_owned(),
    }
}

/// Why a record to the closed port failed, as it is kept.
fn assert_refused(d: &delivery::Model, backend: &str) {
    let why = d.last_error.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("邮件发送失败：") && why.contains("Connection refused"),
        "{backend}: {d:?}"
    );
}

/// Two instances of the delivery job, each with a pool of its own as another process would have.
struct Pair {
    a: (Db, Senders),
    b: (Db, Senders),
}

impl Pair {
    async fn new(t: &TestDb, smtp_url: &str) -> Pair {
        let other = store::connect(&t.url).await.unwrap();
        Pair {
            a: (t.db.clone(), senders(&t.db, smtp_url)),
            b: (other.clone(), senders(&other, smtp_url)),
        }
    }

    /// Both deliver at `at`, at the same moment; what they did together.
    async fn run(&self, at: DateTime<Utc>) -> DeliveryRun {
        let (ra, rb) = tokio::join!(
            notifications::deliver_due(&self.a.0, &self.a.1, "instance-a", at, 100, BUDGET),
            notifications::deliver_due(&self.b.0, &self.b.1, "instance-b", at, 100, BUDGET),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        DeliveryRun {
            sent: ra.sent + rb.sent,
            retrying: ra.retrying + rb.retrying,
            failed: ra.failed + rb.failed,
        }
    }
}

// ---- the tests -------------------------------------------------------------------------------

const TITLE: &str = "毕业申请已通过初审";
const BODY: &str = "您的毕业申请已通过初审，请等待终审结果。";

#[tokio::test]
async fn two_instances_delivering_at_once_send_each_message_once_by_each_channel() {
    let Some(python) = aiosmtpd("the e-mail delivery test") else {
        return;
    };
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let server = SmtpServer::start(&python, free_port().unwrap());
        let url = smtp_url(server.port);
        let now = Utc::now().trunc_subsecs(0);
        let to = subscribed(&t.db, now).await;

        send_message(&t.db, to, TITLE, BODY, now).await;
        let queued = deliveries(&t.db).await;
        assert_eq!(queued.len(), 2, "{name}: {queued:#?}");
        let mut channels: Vec<&str> = queued.iter().map(|d| d.channel.as_str()).collect();
        channels.sort_unstable();
        assert_eq!(channels, ["email", "sms"], "{name}");
        assert!(
            queued
                .iter()
                .all(|d| d.status == "pending" && d.attempts == 0 && d.next_attempt_at == now),
            "{name}: {queued:#?}"
        );
        assert!(server.mails().is_empty(), "{name}: sent before the job ran");
        assert!(outbox(&t.db).await.is_empty(), "{name}");

        let pair = Pair::new(&t, &url).await;
        let at = now + Duration::seconds(1);
        let run = pair.run(at).await;
        assert_eq!(
            run,
            DeliveryRun {
                sent: 2,
                retrying: 0,
                failed: 0
            },
            "{name}"
        );
        assert_delivered_once(&t.db, &server, TITLE, BODY, at, name).await;

        // Nothing is due any more, for either instance.
        let later = at + Duration::minutes(10);
        assert_eq!(pair.run(later).await, DeliveryRun::default(), "{name}");
        assert_delivered_once(&t.db, &server, TITLE, BODY, at, name).await;
    }
}

#[tokio::test]
async fn two_instances_running_the_jobs_send_each_message_once_by_each_channel() {
    let Some(python) = aiosmtpd("the e-mail delivery job test") else {
        return;
    };
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let server = SmtpServer::start(&python, free_port().unwrap());
        let url = smtp_url(server.port);
        let now = Utc::now().trunc_subsecs(0);
        let to = subscribed(&t.db, now).await;
        send_message(&t.db, to, TITLE, BODY, now).await;

        let a = instance(t.db.clone(), "instance-a", &url);
        let b = instance(store::connect(&t.url).await.unwrap(), "instance-b", &url);
        let at = now + Duration::seconds(1);
        let (ran_a, ran_b) = tokio::join!(run_due(&a, at), run_due(&b, at));
        let runs = ran_a
            .iter()
            .chain(&ran_b)
            .filter(|j| **j == Job::DeliverNotifications)
            .count();
        assert_eq!(runs, 1, "{name}: {ran_a:?} {ran_b:?}");
        assert_delivered_once(&t.db, &server, TITLE, BODY, at, name).await;

        // The job's next round sends nothing more.
        let next = at + Job::DeliverNotifications.every();
        let (ran_a, ran_b) = tokio::join!(run_due(&a, next), run_due(&b, next));
        let runs = ran_a
            .iter()
            .chain(&ran_b)
            .filter(|j| **j == Job::DeliverNotifications)
            .count();
        assert_eq!(runs, 1, "{name}: {ran_a:?} {ran_b:?}");
        assert_delivered_once(&t.db, &server, TITLE, BODY, at, name).await;
    }
}

#[tokio::test]
async fn an_unreachable_mail_server_delays_the_email_through_the_backoff_then_gives_up() {
    let Some(python) = aiosmtpd("the e-mail retry test") else {
        return;
    };
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        // Nothing listens here until the server is started on it at the end.
        let port = free_port().unwrap();
        let pair = Pair::new(&t, &smtp_url(port)).await;
        let now = Utc::now().trunc_subsecs(0);
        let to = subscribed(&t.db, now).await;

        // Two changes, each reported by a message: the records due together are where two
        // instances' scans overlap.
        let titles = [TITLE, "毕业申请材料已补正"];
        for title in titles {
            send_message(&t.db, to, title, BODY, now).await;
        }
        let inbox = inbox::list(&t.db, to, 10).await.unwrap();
        assert_eq!(inbox.len(), 2, "{name}: the changes are not held up");

        let run = pair.run(now).await;
        assert_eq!(
            run,
            DeliveryRun {
                sent: 2,
                retrying: 2,
                failed: 0
            },
            "{name}"
        );
        // The text messages do not wait for the e-mails.
        assert!(
            delivery_by(&t.db, "sms")
                .await
                .iter()
                .all(|d| d.status == "sent" && d.attempts == 1),
            "{name}"
        );
        assert_eq!(outbox(&t.db).await.len(), 2, "{name}");
        for mail in delivery_by(&t.db, "email").await {
            assert_eq!(mail.status, "pending", "{name}: {mail:?}");
            assert_eq!(mail.attempts, 1, "{name}: {mail:?}");
            assert_eq!(mail.next_attempt_at, now + BACKOFF[0], "{name}: {mail:?}");
            assert_eq!(mail.lease_holder, None, "{name}: {mail:?}");
            assert_eq!(mail.lease_until, None, "{name}: {mail:?}");
            assert_refused(&mail, name);
        }

        let mut due = now + BACKOFF[0];
        for attempt in 2..=MAX_ATTEMPTS {
            let early = pair.run(due - Duration::seconds(1)).await;
            assert_eq!(early, DeliveryRun::default(), "{name}: attempt {attempt}");
            for mail in delivery_by(&t.db, "email").await {
                assert_eq!(mail.attempts, attempt - 1, "{name}: {mail:?}");
            }

            let run = pair.run(due).await;
            let mails = delivery_by(&t.db, "email").await;
            for mail in &mails {
                // Two instances at once still make one attempt.
                assert_eq!(mail.attempts, attempt, "{name}: {mail:?}");
                assert_refused(mail, name);
            }
            if attempt < MAX_ATTEMPTS {
                let wait = BACKOFF[usize::try_from(attempt - 1).unwrap()];
                assert_eq!(
                    run,
                    DeliveryRun {
                        sent: 0,
                        retrying: 2,
                        failed: 0
                    },
                    "{name}: attempt {attempt}"
                );
                for mail in &mails {
                    assert_eq!(mail.status, "pending", "{name}: {mail:?}");
                    assert_eq!(mail.next_attempt_at, due + wait, "{name}: {mail:?}");
                }
                due += wait;
            } else {
                assert_eq!(
                    run,
                    DeliveryRun {
                        sent: 0,
                        retrying: 0,
                        failed: 2
                    },
                    "{name}: attempt {attempt}"
                );
                for mail in &mails {
                    assert_eq!(mail.status, "failed", "{name}: {mail:?}");
                    assert_eq!(mail.sent_at, None, "{name}: {mail:?}");
                }
            }
        }
        // Given up: never tried again, and 我的账号 lists why.
        let much_later = due + Duration::days(1);
        assert_eq!(pair.run(much_later).await, DeliveryRun::default(), "{name}");
        let recent = notifications::recent(&t.db, to, 10).await.unwrap();
        let failed: Vec<_> = recent.iter().filter(|d| d.channel == "email").collect();
        assert_eq!(failed.len(), 2, "{name}: {recent:#?}");
        for mail in failed {
            assert_eq!(mail.status, "failed", "{name}: {mail:?}");
            assert_eq!(mail.attempts, MAX_ATTEMPTS, "{name}: {mail:?}");
            assert_refused(mail, name);
        }

        // The server comes back on the same address: the next message goes out.
        let server = SmtpServer::start(&python, port);
        assert!(server.mails().is_empty(), "{name}");
        let title = "毕业申请已通过终审";
        let body = "您的毕业申请已通过终审。";
        send_message(&t.db, to, title, body, much_later).await;
        assert_eq!(
            pair.run(much_later).await,
            DeliveryRun {
                sent: 2,
                retrying: 0,
                failed: 0
            },
            "{name}"
        );
        let mails = server.mails();
        assert_eq!(mails.len(), 1, "{name}: {mails:#?}");
        assert_eq!(
            mails[0].subject,
            format!("【毕业申请平台】{title}"),
            "{name}"
        );
        assert!(mails[0].body.starts_with(body), "{name}: {}", mails[0].body);
        let emails = delivery_by(&t.db, "email").await;
        assert_eq!(
            emails.iter().map(|d| d.status.as_str()).collect::<Vec<_>>(),
            ["failed", "failed", "sent"],
            "{name}: the old messages stay given up"
        );
        assert_eq!(outbox(&t.db).await.len(), 3, "{name}");
    }
}

#[tokio::test]
async fn a_message_goes_out_only_by_the_channels_chosen() {
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let agency = agency(&t.db, now).await;

        // Never chose anything.
        let quiet = candidate(&t.db, agency, 1, Some(PHONE)).await;
        send_message(&t.db, quiet, TITLE, BODY, now).await;
        assert_eq!(inbox::unread(&t.db, quiet).await.unwrap(), 1, "{name}");
        assert!(deliveries(&t.db).await.is_empty(), "{name}");

        // Confirmed an address (which turns e-mail on), then turned both off.
        let off = candidate(&t.db, agency, 2, Some("13900139000")).await;
        confirm_email(&t.db, off, ADDRESS, now).await;
        notifications::set_channels(&t.db, off, false, false, IP, now)
            .await
            .unwrap();
        let settings = notifications::settings(&t.db, off).await.unwrap();
        assert!(!settings.sms && !settings.email, "{name}: {settings:?}");
        assert_eq!(settings.email_address.as_deref(), Some(ADDRESS), "{name}");
        send_message(&t.db, off, TITLE, BODY, now).await;
        assert!(deliveries(&t.db).await.is_empty(), "{name}");

        // E-mail alone: one record, by e-mail.
        notifications::set_channels(&t.db, off, false, true, IP, now)
            .await
            .unwrap();
        send_message(&t.db, off, TITLE, BODY, now).await;
        let rows = deliveries(&t.db).await;
        assert_eq!(rows.len(), 1, "{name}: {rows:#?}");
        assert_eq!(rows[0].channel, "email", "{name}");
        assert_eq!(rows[0].address, ADDRESS, "{name}");
        assert_eq!(rows[0].link.as_deref(), Some(LINK), "{name}");
    }
}

#[tokio::test]
async fn text_messages_need_a_phone_and_e_mail_a_confirmed_address() {
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let agency = agency(&t.db, now).await;
        let to = candidate(&t.db, agency, 1, None).await;

        let why = invalid(notifications::set_channels(&t.db, to, false, true, IP, now).await);
        assert!(why.contains("还没有验证过的邮箱"), "{name}: {why}");

        confirm_email(&t.db, to, ADDRESS, now).await;
        let before = notifications::settings(&t.db, to).await.unwrap();
        assert_eq!(
            before,
            Settings {
                sms: false,
                email: true,
                email_address: Some(ADDRESS.to_owned()),
                pending_address: None,
                phone: None,
            },
            "{name}"
        );
        for email in [true, false] {
            let why = invalid(notifications::set_channels(&t.db, to, true, email, IP, now).await);
            assert!(why.contains("没有登记手机号"), "{name}: {why}");
            assert!(why.contains("短信"), "{name}: {why}");
            assert_eq!(
                notifications::settings(&t.db, to).await.unwrap(),
                before,
                "{name}: a refusal changes nothing"
            );
        }
        let changed = audit::Entity::find()
            .filter(audit::Column::Action.eq("notification.channels_changed"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(changed, 0, "{name}");

        send_message(&t.db, to, TITLE, BODY, now).await;
        let rows = deliveries(&t.db).await;
        assert_eq!(rows.len(), 1, "{name}: {rows:#?}");
        assert_eq!(rows[0].channel, "email", "{name}");
    }
}

#[tokio::test]
async fn address_codes_come_once_a_minute_and_five_wrong_entries_void_one() {
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let agency = agency(&t.db, now).await;
        let to = candidate(&t.db, agency, 1, Some(PHONE)).await;

        let why = invalid(notifications::request_address_code(&t.db, to, "zhangsan", now).await);
        assert!(why.contains("不是有效的邮箱地址"), "{name}: {why}");

        let code = notifications::request_address_code(&t.db, to, ADDRESS, now)
            .await
            .unwrap();
        let why = invalid(
            notifications::request_address_code(&t.db, to, ADDRESS, now + Duration::seconds(10))
                .await,
        );
        assert_eq!(why, "60秒内只能获取一次邮箱验证码，请50秒后再试", "{name}");
        assert_eq!(
            notifications::settings(&t.db, to)
                .await
                .unwrap()
                .pending_address
                .as_deref(),
            Some(ADDRESS),
            "{name}"
        );

        let wrong = if code == "000000" { "111111" } else { "000000" };
        let at = now + Duration::seconds(20);
        for left in (1..=4).rev() {
            let why = invalid(notifications::confirm_address(&t.db, to, wrong, IP, at).await);
            assert_eq!(why, format!("验证码错误，还可再试{left}次"), "{name}");
        }
        let why = invalid(notifications::confirm_address(&t.db, to, wrong, IP, at).await);
        assert!(
            why.contains("已连续输错5次") && why.contains("已失效"),
            "{name}: {why}"
        );
        // Voided: the right code no longer helps.
        let why = invalid(notifications::confirm_address(&t.db, to, &code, IP, at).await);
        assert!(
            why.contains("已失效") && why.contains("请重新获取验证码"),
            "{name}: {why}"
        );
        let settings = notifications::settings(&t.db, to).await.unwrap();
        assert_eq!(settings.email_address, None, "{name}: {settings:?}");
        assert!(!settings.email, "{name}");

        // A minute after the first, a new code; a wrong entry, then the right one.
        let again = now + Duration::seconds(60);
        let code = notifications::request_address_code(&t.db, to, ADDRESS, again)
            .await
            .unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let why = invalid(notifications::confirm_address(&t.db, to, wrong, IP, again).await);
        assert_eq!(why, "验证码错误，还可再试4次", "{name}");
        let confirmed = notifications::confirm_address(&t.db, to, &code, IP, again)
            .await
            .unwrap();
        assert_eq!(confirmed, ADDRESS, "{name}");
        let settings = notifications::settings(&t.db, to).await.unwrap();
        assert_eq!(settings.email_address.as_deref(), Some(ADDRESS), "{name}");
        assert!(settings.email, "{name}");
        assert_eq!(settings.pending_address, None, "{name}");
    }
}

#[tokio::test]
async fn guesses_sent_at_once_get_five_tries_between_them() {
    for backend in contract_backends() {
        let name = backend.name();
        let t = TestDb::create(&backend).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let agency = agency(&t.db, now).await;
        let to = candidate(&t.db, agency, 1, Some(PHONE)).await;
        let code = notifications::request_address_code(&t.db, to, ADDRESS, now)
            .await
            .unwrap();
        // Twelve wrong codes at once, none of them the right one.
        let guesses: Vec<String> = (0..12u32)
            .map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000))
            .collect();
        let at = now + Duration::seconds(5);
        let answers = futures_util::future::join_all(
            guesses
                .iter()
                .map(|g| notifications::confirm_address(&t.db, to, g, IP, at)),
        )
        .await;
        let told_wrong = answers
            .iter()
            .filter(|a| matches!(a, Err(RepoError::Invalid(m)) if m.starts_with("验证码错误")))
            .count();
        assert_eq!(told_wrong, 5, "{name}: {answers:?}");
        assert!(answers.iter().all(Result::is_err), "{name}");
        // Every try spent: the right code is refused too.
        let why = invalid(notifications::confirm_address(&t.db, to, &code, IP, at).await);
        assert!(why.contains("已失效"), "{name}: {why}");
    }
}
