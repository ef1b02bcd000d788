//! The working-day calendar as admins maintain it.

use chrono::NaiveDate;
use domain::calendar::{DayKind, WorkingCalendar};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Set};

use super::RepoError;
use crate::entity::special_day;

/// The calendar built from the table.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<WorkingCalendar, RepoError> {
    let rows = special_day::Entity::find()
        .order_by_asc(special_day::Column::Day)
        .all(conn)
        .await?;
    Ok(WorkingCalendar::new(rows.into_iter().filter_map(|r| {
        DayKind::from_code(&r.kind).map(|k| (r.day, k))
    })))
}

/// Adds or corrects one day (a newly published notice).
pub async fn set_day<C: ConnectionTrait>(
    conn: &C,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
) -> Result<(), RepoError> {
    special_day::Entity::insert(special_day::ActiveModel {
        day: Set(day),
        kind: Set(kind.code().to_owned()),
        name: Set(name.to_owned()),
    })
    .on_conflict(
        OnConflict::column(special_day::Column::Day)
            .update_columns([special_day::Column::Kind, special_day::Column::Name])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Removes a day from the table (it becomes an ordinary weekday or weekend day).
pub async fn remove_day<C: ConnectionTrait>(conn: &C, day: NaiveDate) -> Result<(), RepoError> {
    special_day::Entity::delete_by_id(day).exec(conn).await?;
    Ok(())
}

/// The special days of one year, in date order: (day, kind, name).
pub async fn list_year<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Vec<(NaiveDate, DayKind, String)>, RepoError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let rows = special_day::Entity::find()
        .filter(special_day::Column::Day.between(from, to))
        .order_by_asc(special_day::Column::Day)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| DayKind::from_code(&r.kind).map(|k| (r.day, k, r.name)))
        .collect())
}
