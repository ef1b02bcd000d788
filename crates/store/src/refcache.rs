//! The reference data that pages read on nearly every request (majors and their plans, the
//! organisations, a province's batches with their stages and 公告, its office's settings, the
//! courses' names), kept in memory by each instance.
//!
//! Several instances serve one province, and an office's change made through one of them must
//! show on the next page any of them serves. The database raises `reference_versions.version`
//! in the transaction of every change to those tables (migration 39's triggers), and each
//! request reads that number together with its session, in the statement it sends anyway
//! ([`crate::repo::session::load_versioned`]). A request that reads a number newer than the one
//! the cache was filled under empties the cache first; a value loaded while the number moved on
//! is not kept. So a page never shows reference data older than the number its own request
//! read, and costs no statement for it when nothing changed.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use domain::graduation::Plan;
use domain::province::Settings;
use domain::review::Stage;
use sea_orm::ConnectionTrait;

use crate::entity::{batch, course, enrolled_major, major, organisation};
use crate::repo::RepoError;
use crate::repo::reference::MajorView;

/// The reference data version a request read with its session: what it may rely on the cache
/// for. Obtained only from the database ([`crate::repo::session::load_versioned`],
/// [`current`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen(i64);

impl Seen {
    /// The version number (for tests and logs).
    pub fn version(self) -> i64 {
        self.0
    }

    /// The version read from `reference_versions` (`None` where the row is missing, as before
    /// the migration: then nothing is cached).
    pub(crate) fn read(version: Option<i64>) -> Option<Self> {
        version.map(Seen)
    }
}

/// Reads the current version in a statement of its own, for a request that read no session.
pub async fn current<C: ConnectionTrait>(conn: &C) -> Result<Option<Seen>, RepoError> {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct Row {
        version: i64,
    }
    let row = Row::find_by_statement(Statement::from_string(
        conn.get_database_backend(),
        "SELECT version FROM reference_versions WHERE id = 1",
    ))
    .one(conn)
    .await?;
    Ok(row.map(|r| Seen(r.version)))
}

/// A major with the name of its 主考学校.
#[derive(Debug, Clone)]
pub struct MajorEntry {
    /// The major.
    pub major: major::Model,
    /// 主考学校 name ("" where the organisation is gone).
    pub university: String,
}

#[derive(Default)]
struct Inner {
    version: i64,
    majors: HashMap<i64, Arc<MajorEntry>>,
    plans: HashMap<i64, Arc<Plan>>,
    batches: HashMap<String, Arc<Vec<batch::Model>>>,
    province_majors: HashMap<String, Arc<Vec<MajorView>>>,
    batch: HashMap<i64, Arc<batch::Model>>,
    stages: HashMap<i64, Arc<Vec<Stage>>>,
    orgs: HashMap<i64, Arc<organisation::Model>>,
    announcements: HashMap<(i64, i64), Arc<str>>,
    settings: HashMap<String, Arc<Settings>>,
    notices: HashMap<String, Arc<Vec<domain::province::NoticeItem>>>,
    /// The whole course catalogue, under the one key `()`.
    course_names: HashMap<(), Arc<HashMap<String, String>>>,
}

/// One instance's copy of the reference data, keyed by what the pages ask for. Only rows that
/// exist are kept, so its size is bounded by the reference tables' whatever a request asks.
#[derive(Default)]
pub struct ReferenceCache {
    inner: Mutex<Inner>,
}

/// Which of the cache's maps a lookup uses.
type Pick<K, V> = fn(&mut Inner) -> &mut HashMap<K, V>;

impl ReferenceCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the cache if `seen` is newer than what it holds; returns the version the cache
    /// holds now, under which a value loaded next may be kept.
    fn observe(&self, seen: Seen) -> i64 {
        let mut g = self.lock();
        if g.version < seen.0 {
            *g = Inner {
                version: seen.0,
                ..Inner::default()
            };
        }
        g.version
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere between two statements that leave the
        // maps whole either way.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn cached<K, V, F>(
        &self,
        seen: Option<Seen>,
        pick: Pick<K, V>,
        key: &K,
        load: F,
    ) -> Result<Option<V>, RepoError>
    where
        K: Hash + Eq + Clone,
        V: Clone,
        F: std::future::Future<Output = Result<Option<V>, RepoError>>,
    {
        // Without a version read, nothing in the cache can be vouched for.
        let Some(seen) = seen else {
            return load.await;
        };
        let epoch = self.observe(seen);
        if let Some(v) = pick(&mut self.lock()).get(key) {
            return Ok(Some(v.clone()));
        }
        let loaded = load.await?;
        if let Some(v) = &loaded {
            let mut g = self.lock();
            // Loaded while another request saw a newer version: the value may predate the
            // change, so it serves this request only.
            if g.version == epoch {
                pick(&mut g).insert(key.clone(), v.clone());
            }
        }
        Ok(loaded)
    }

    /// Every course's name by its code: the whole catalogue, a few thousand rows in a province,
    /// read once per version instead of the courses of each page in a statement of its own.
    pub async fn course_names<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
    ) -> Result<Arc<HashMap<String, String>>, RepoError> {
        use sea_orm::EntityTrait;
        let names = self
            .cached(seen, |i| &mut i.course_names, &(), async {
                let all = course::Entity::find().all(conn).await?;
                Ok(Some(Arc::new(
                    all.into_iter().map(|c| (c.code, c.name)).collect(),
                )))
            })
            .await?;
        Ok(names.unwrap_or_default())
    }

    /// A major with its university's name.
    pub async fn major<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        id: i64,
    ) -> Result<Arc<MajorEntry>, RepoError> {
        let found = self
            .cached(seen, |i| &mut i.majors, &id, async {
                use sea_orm::EntityTrait;
                let Some(m) = major::Entity::find_by_id(id).one(conn).await? else {
                    return Ok(None);
                };
                let university = crate::repo::org::get(conn, m.chief_university_id)
                    .await
                    .map(|o| o.name)
                    .or_else(|e| match e {
                        RepoError::NotFound => Ok(String::new()),
                        e => Err(e),
                    })?;
                Ok(Some(Arc::new(MajorEntry {
                    major: m,
                    university,
                })))
            })
            .await?;
        found.ok_or(RepoError::NotFound)
    }

    /// A candidate's enrolled majors with their universities' names, oldest first
    /// ([`crate::repo::reference::enrolled_majors`]): the candidate's links are read, the
    /// majors come from the cache.
    pub async fn enrolled_majors<C: crate::reader::Reads>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        candidate_id: i64,
    ) -> Result<Vec<MajorView>, RepoError> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};
        if seen.is_none() {
            return crate::repo::reference::enrolled_majors(conn, candidate_id).await;
        }
        static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
        let stmt = SQL.statement(
            conn.get_database_backend(),
            vec![candidate_id.into()],
            |backend| {
                enrolled_major::Entity::find()
                    .filter(enrolled_major::Column::CandidateId.eq(candidate_id))
                    .order_by_asc(enrolled_major::Column::Id)
                    .build(backend)
            },
        );
        let links = crate::reader::models_of::<_, enrolled_major::Entity>(conn, stmt).await?;
        let mut out = Vec::with_capacity(links.len());
        for id in links.into_iter().map(|l| l.major_id) {
            // A link to a major removed meanwhile is left out, as the uncached read does.
            match self.major(conn, seen, id).await {
                Ok(e) => out.push(MajorView {
                    major: e.major.clone(),
                    university: e.university.clone(),
                }),
                Err(RepoError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// A major's plan in the audit's terms ([`crate::graduation::plan_of`]).
    pub async fn plan<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        m: &major::Model,
    ) -> Result<Arc<Plan>, RepoError> {
        let plan = self
            .cached(seen, |i| &mut i.plans, &m.id, async {
                Ok(Some(Arc::new(crate::graduation::plan_of(conn, m).await?)))
            })
            .await?;
        plan.ok_or(RepoError::NotFound)
    }

    /// A province's graduation batches, newest first
    /// ([`crate::graduation::application::batches_of_province`]).
    pub async fn batches_of_province<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        province: &str,
    ) -> Result<Arc<Vec<batch::Model>>, RepoError> {
        let batches = self
            .cached(seen, |i| &mut i.batches, &province.to_owned(), async {
                Ok(Some(Arc::new(
                    crate::graduation::application::batches_of_province(conn, province).await?,
                )))
            })
            .await?;
        batches.ok_or(RepoError::NotFound)
    }

    /// Every major of a province with its university's name, by level then code
    /// ([`crate::repo::reference::majors_of_province`]).
    pub async fn majors_of_province<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        province: &str,
    ) -> Result<Arc<Vec<MajorView>>, RepoError> {
        let majors = self
            .cached(
                seen,
                |i| &mut i.province_majors,
                &province.to_owned(),
                async {
                    Ok(Some(Arc::new(
                        crate::repo::reference::majors_of_province(conn, province).await?,
                    )))
                },
            )
            .await?;
        majors.ok_or(RepoError::NotFound)
    }

    /// A batch by id ([`crate::graduation::application::batch`]).
    pub async fn batch<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        id: i64,
    ) -> Result<Arc<batch::Model>, RepoError> {
        let found = self
            .cached(seen, |i| &mut i.batch, &id, async {
                match crate::graduation::application::batch(conn, id).await {
                    Ok(b) => Ok(Some(Arc::new(b))),
                    Err(RepoError::NotFound) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        found.ok_or(RepoError::NotFound)
    }

    /// A batch's stages in order ([`crate::graduation::application::stages`]).
    pub async fn stages<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        batch_id: i64,
    ) -> Result<Arc<Vec<Stage>>, RepoError> {
        let stages = self
            .cached(seen, |i| &mut i.stages, &batch_id, async {
                Ok(Some(Arc::new(
                    crate::graduation::application::stages(conn, batch_id).await?,
                )))
            })
            .await?;
        stages.ok_or(RepoError::NotFound)
    }

    /// An organisation by id ([`crate::repo::org::get`]).
    pub async fn org<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        id: i64,
    ) -> Result<Arc<organisation::Model>, RepoError> {
        let found = self
            .cached(seen, |i| &mut i.orgs, &id, async {
                match crate::repo::org::get(conn, id).await {
                    Ok(o) => Ok(Some(Arc::new(o))),
                    Err(RepoError::NotFound) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        found.ok_or(RepoError::NotFound)
    }

    /// The 公告 a candidate of `batch_id` applying to `university` reads
    /// ([`crate::graduation::announcements::shown`]).
    pub async fn announcement<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        batch_id: i64,
        university: &organisation::Model,
    ) -> Result<Arc<str>, RepoError> {
        let text = self
            .cached(
                seen,
                |i| &mut i.announcements,
                &(batch_id, university.id),
                async {
                    let text =
                        crate::graduation::announcements::shown(conn, batch_id, university).await?;
                    Ok(Some(Arc::from(text)))
                },
            )
            .await?;
        text.ok_or(RepoError::NotFound)
    }

    /// A province office's settings ([`crate::repo::province_settings::get`]).
    pub async fn province_settings<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        province: &str,
    ) -> Result<Arc<Settings>, RepoError> {
        let settings = self
            .cached(seen, |i| &mut i.settings, &province.to_owned(), async {
                Ok(Some(Arc::new(
                    crate::repo::province_settings::get(conn, province).await?,
                )))
            })
            .await?;
        settings.ok_or(RepoError::NotFound)
    }

    /// A province's 毕业申请须知 as its candidates read it: the office's text, fee and limit
    /// where it set them, else its definition's, with the pipeline filled in. Building it splits
    /// and fills every item, so it is kept as built.
    pub async fn province_notice<C: ConnectionTrait>(
        &self,
        conn: &C,
        seen: Option<Seen>,
        p: domain::Province,
    ) -> Result<Arc<Vec<domain::province::NoticeItem>>, RepoError> {
        let notice = self
            .cached(seen, |i| &mut i.notices, &p.code().to_owned(), async {
                let s = self.province_settings(conn, seen, p.code()).await?;
                let items = s.notice.as_ref().unwrap_or(&p.definition().notice);
                Ok(Some(Arc::new(domain::province::notice_of(
                    p,
                    items,
                    &p.stages_with_fee(s.fee_fen),
                    s.scan_max_bytes.unwrap_or(p.form().scan_max_bytes),
                ))))
            })
            .await?;
        notice.ok_or(RepoError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn settings(fee: i64) -> Option<Arc<Settings>> {
        Some(Arc::new(Settings {
            fee_fen: Some(fee),
            ..Settings::default()
        }))
    }

    #[tokio::test]
    async fn a_value_loaded_while_another_request_saw_a_newer_version_is_not_kept() {
        let cache = ReferenceCache::new();
        let key = "chongqing".to_owned();
        // Loaded under version 1; meanwhile a request read version 2 (a change committed).
        let got = cache
            .cached(Some(Seen(1)), |i| &mut i.settings, &key, async {
                cache.observe(Seen(2));
                Ok(settings(4000))
            })
            .await
            .unwrap();
        assert_eq!(
            got.unwrap().fee_fen,
            Some(4000),
            "it still answers its request"
        );
        assert!(cache.lock().settings.is_empty(), "but is not kept");

        // Loaded with nothing moving: kept, and served without loading again.
        cache
            .cached(Some(Seen(2)), |i| &mut i.settings, &key, async {
                Ok(settings(4500))
            })
            .await
            .unwrap();
        let again = cache
            .cached(Some(Seen(2)), |i| &mut i.settings, &key, async {
                Ok(settings(9999))
            })
            .await
            .unwrap();
        assert_eq!(again.unwrap().fee_fen, Some(4500));

        // A newer version empties it; an older one changes nothing.
        cache.observe(Seen(1));
        assert_eq!(cache.lock().settings.len(), 1);
        cache.observe(Seen(3));
        assert!(cache.lock().settings.is_empty());
        assert_eq!(cache.lock().version, 3);

        // Without a version, nothing is read from or kept in the cache.
        let direct = cache
            .cached(None, |i| &mut i.settings, &key, async {
                Ok(settings(5000))
            })
            .await
            .unwrap();
        assert_eq!(direct.unwrap().fee_fen, Some(5000));
        assert!(cache.lock().settings.is_empty());
    }
}
