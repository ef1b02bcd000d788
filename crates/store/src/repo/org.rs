//! Organisations and the subtree scope of staff.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::RepoError;
use crate::entity::organisation;

/// What a new organisation needs.
pub struct NewOrg<'a> {
    /// Parent organisation, if any.
    pub parent_id: Option<i64>,
    /// A `domain::OrgKind` code.
    pub kind: &'a str,
    /// A `domain::Province` code; `None` for schools of continuing education.
    pub province: Option<&'a str>,
    /// Unique short code.
    pub code: &'a str,
    /// Chinese name.
    pub name: &'a str,
    /// 公告 text (chief universities).
    pub announcement: &'a str,
}

/// Creates the organisation tree of a province's definition, parents first; organisations whose
/// code exists already are kept as they are. Returns how many were created.
pub async fn init_province<C: ConnectionTrait>(
    conn: &C,
    province: domain::Province,
    now: DateTime<Utc>,
) -> Result<usize, RepoError> {
    let tree = &province.definition().tree;
    if tree.is_empty() {
        return Err(RepoError::Invalid(format!(
            "{}的省份定义没有 [[tree]]（机构树），无法创建机构；请在定义中写明省考试机构及其下级机构",
            province.label()
        )));
    }
    let mut ids = std::collections::HashMap::new();
    let mut created = 0;
    for o in tree {
        if let Some(existing) = by_code(conn, &o.code).await? {
            ids.insert(o.key.as_str(), existing.id);
            continue;
        }
        let parent_id = o.parent.as_deref().and_then(|p| ids.get(p).copied());
        let org = create(
            conn,
            NewOrg {
                parent_id,
                kind: o.kind.code(),
                province: Some(province.code()),
                code: &o.code,
                name: &o.name,
                announcement: &o.announcement,
            },
            now,
        )
        .await?;
        ids.insert(o.key.as_str(), org.id);
        created += 1;
    }
    Ok(created)
}

/// Creates an organisation and sets its materialised path (`/root/…/self/`).
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    new: NewOrg<'_>,
    now: DateTime<Utc>,
) -> Result<organisation::Model, RepoError> {
    let parent_path = match new.parent_id {
        Some(pid) => get(conn, pid).await?.path,
        None => "/".to_owned(),
    };
    let inserted = organisation::ActiveModel {
        parent_id: Set(new.parent_id),
        path: Set(String::new()),
        kind: Set(new.kind.to_owned()),
        province: Set(new.province.map(str::to_owned)),
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        announcement: Set(new.announcement.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            RepoError::Conflict(format!("机构代码“{}”已存在", new.code))
        } else {
            RepoError::Db(e)
        }
    })?;
    let path = format!("{parent_path}{}/", inserted.id);
    let mut am: organisation::ActiveModel = inserted.into();
    am.path = Set(path);
    Ok(am.update(conn).await?)
}

/// One organisation by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<organisation::Model, RepoError> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// One organisation by its code.
pub async fn by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<organisation::Model>, RepoError> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Code.eq(code))
        .one(conn)
        .await?)
}

/// Every organisation, ordered by tree path so that a parent precedes its children.
pub async fn all<C: ConnectionTrait>(conn: &C) -> Result<Vec<organisation::Model>, RepoError> {
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Path)
        .all(conn)
        .await?)
}

/// Whether `org` lies within the subtree of `ancestor` (an organisation is within its own subtree).
pub fn is_within(org: &organisation::Model, ancestor: &organisation::Model) -> bool {
    org.path.starts_with(&ancestor.path)
}
