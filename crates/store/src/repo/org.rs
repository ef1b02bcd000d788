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

/// The longest organisation code and name a school may be given.
pub const SCHOOL_CODE_MAX: usize = 20;
/// See [`SCHOOL_CODE_MAX`].
pub const SCHOOL_NAME_MAX: usize = 60;

/// Creates a school of continuing education (继续教育学院): an organisation of its own, under no
/// province, that runs its students' 学位外语 and degree applications. Its creation is audited as
/// the operator's. The code is letters and digits (e.g. 10681CE), 1–20 characters; the name 1–60.
pub async fn create_school(
    db: &sea_orm::DatabaseConnection,
    code: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<organisation::Model, RepoError> {
    let code = code.trim();
    let name = name.trim();
    let code_len = code.chars().count();
    if code_len == 0 || code_len > SCHOOL_CODE_MAX {
        return Err(RepoError::Invalid(format!(
            "机构代码须为1至{SCHOOL_CODE_MAX}个字符，现为{code_len}个"
        )));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(RepoError::Invalid(format!(
            "机构代码“{code}”只能由字母和数字组成"
        )));
    }
    let name_len = name.chars().count();
    if name_len == 0 || name_len > SCHOOL_NAME_MAX {
        return Err(RepoError::Invalid(format!(
            "机构名称须为1至{SCHOOL_NAME_MAX}个字符，现为{name_len}个"
        )));
    }
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let school = create(
        &txn,
        NewOrg {
            parent_id: None,
            kind: domain::OrgKind::ContinuingEdSchool.code(),
            province: None,
            code,
            name,
            announcement: "",
        },
        now,
    )
    .await?;
    super::audit::record(
        &txn,
        now,
        super::audit::Actor::SYSTEM,
        "org.created",
        ("organisation", Some(school.id)),
        &format!("kind=continuing_ed_school code={code}"),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(school)
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
