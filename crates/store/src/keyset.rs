//! Keyset paging for the staff queues: a page starts right after (or ends right before) the row
//! a link names by its sort key and id, never at an offset. A page deep in a long queue costs
//! what the first does, and a row decided (and so gone from a 待审核 list) between two page loads
//! shifts nothing: each row is visited once by walking 下一页.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Value;
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

use crate::reader::Prepared;

/// A row's place in a list: its sort time (ignored by lists ordered by id alone) and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The row's sort time.
    pub at: DateTime<Utc>,
    /// The row's id, which breaks ties between equal times.
    pub id: i64,
}

impl Cursor {
    /// A cursor of a row of a list ordered by time and id.
    pub fn new(at: DateTime<Utc>, id: i64) -> Cursor {
        Cursor { at, id }
    }

    /// A cursor of a row of a list ordered by id alone.
    pub fn by_id(id: i64) -> Cursor {
        Cursor {
            at: DateTime::UNIX_EPOCH,
            id,
        }
    }

    /// As carried in a link, `{nanoseconds since 1970}_{id}`: exact, so that a page starts
    /// precisely next to the row that ended the previous one.
    pub fn encode(&self) -> String {
        let nanos = self
            .at
            .timestamp_nanos_opt()
            .unwrap_or_else(|| self.at.timestamp().saturating_mul(1_000_000_000));
        format!("{nanos}_{}", self.id)
    }

    /// Reads [`Cursor::encode`]'s form; `None` for anything else. Numbers beyond what a time or
    /// an id can hold are taken as the nearest that can: such a cursor was not made by us, and
    /// the nearest position is as good an answer as any (the API documents the form as up to 19
    /// digits each, and every value of that form is read).
    pub fn decode(s: &str) -> Option<Cursor> {
        let (nanos, id) = s.trim().split_once('_')?;
        let nanos: i128 = nanos.parse().ok()?;
        let id: i128 = id.parse().ok()?;
        let nanos = i64::try_from(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX))).ok()?;
        let id = i64::try_from(id.clamp(0, i128::from(i64::MAX))).ok()?;
        Some(Cursor {
            at: DateTime::from_timestamp_nanos(nanos),
            id,
        })
    }
}

/// Which page of a list is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageAt {
    /// The first page.
    #[default]
    First,
    /// The page of the rows right after this one (下一页).
    After(Cursor),
    /// The page of the rows right before this one (上一页).
    Before(Cursor),
}

impl PageAt {
    /// From a link's `after` and `before` values (encoded cursors; `after` wins when both are
    /// given); anything unreadable is the first page.
    pub fn from_query(after: &str, before: &str) -> PageAt {
        if let Some(c) = Cursor::decode(after) {
            PageAt::After(c)
        } else if let Some(c) = Cursor::decode(before) {
            PageAt::Before(c)
        } else {
            PageAt::First
        }
    }
}

/// How a list is ordered: by a time column (or by id alone) and then by id, both ascending or
/// both descending. The time column must hold a value in every row the list's filter lets
/// through (a NULL would fall outside every page after the first).
pub struct Order<C> {
    /// The time column, `None` for a list ordered by id alone.
    pub key: Option<C>,
    /// The id column.
    pub id: C,
    /// Newest (largest) first.
    pub descending: bool,
}

/// One page of rows and the cursors of the neighbouring pages.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, in list order.
    pub rows: Vec<T>,
    /// Set when there are rows before this page: `before` this cursor is the previous page.
    pub prev: Option<Cursor>,
    /// Set when there are rows after this page: `after` this cursor is the next page.
    pub next: Option<Cursor>,
}

/// The rows of `query` on the page `at`, at most `per_page` of them, in `order`.
/// `cursor_of` gives a row's cursor (its time and id under `order`).
pub async fn fetch<E, C>(
    conn: &C,
    query: Select<E>,
    order: &Order<E::Column>,
    at: PageAt,
    per_page: u64,
    cursor_of: impl Fn(&E::Model) -> Cursor,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
    C: crate::reader::Reads,
{
    let per_page = per_page.max(1);
    let rows = crate::reader::models(conn, paged(query, order, at, per_page)).await?;
    Ok(page_of(rows, at, per_page, cursor_of))
}

/// A list's select whose text is kept ([`Prepared`]): one for each combination of the list's
/// optional filters that `query` may add, since each gives another text.
pub struct Kept<'a, E: EntityTrait> {
    /// The text of this combination of filters, paged as asked.
    pub text: &'a Prepared,
    /// The values the filters bind, in the order `query`'s text takes them.
    pub values: Vec<Value>,
    /// The list before paging; built only while the text is not kept.
    pub query: &'a (dyn Fn() -> Select<E> + Sync),
}

/// [`fetch`] for a select whose text is kept: the same rows, without building the text again.
/// `kept.text` must be one kept for this kind of page (first, after or before a cursor) alone,
/// since each pages with another text ([`kept_slot`]).
pub async fn fetch_kept<E, C>(
    conn: &C,
    kept: Kept<'_, E>,
    order: &Order<E::Column>,
    at: PageAt,
    per_page: u64,
    cursor_of: impl Fn(&E::Model) -> Cursor,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
    C: crate::reader::Reads,
{
    let per_page = per_page.max(1);
    let mut values = kept.values;
    if let PageAt::After(c) | PageAt::Before(c) = at {
        // In the order `beyond` binds them.
        if order.key.is_some() {
            values.extend([c.at.into(), c.at.into(), c.at.into()]);
        }
        values.push(c.id.into());
    }
    values.push(per_page.saturating_add(1).into());
    let stmt = kept
        .text
        .statement(conn.get_database_backend(), values, |backend| {
            paged((kept.query)(), order, at, per_page).build(backend)
        });
    let rows = crate::reader::models_of::<C, E>(conn, stmt).await?;
    Ok(page_of(rows, at, per_page, cursor_of))
}

/// Where in an array of kept texts, three for each combination of filters numbered
/// `filters`, the text of a page `at` is.
pub fn kept_slot(filters: usize, at: PageAt) -> usize {
    filters * 3
        + match at {
            PageAt::First => 0,
            PageAt::After(_) => 1,
            PageAt::Before(_) => 2,
        }
}

/// `query` limited to the page `at`: past the cursor, in the direction read, one row more than
/// `per_page` (which tells whether there is a next page).
fn paged<E: EntityTrait>(
    query: Select<E>,
    order: &Order<E::Column>,
    at: PageAt,
    per_page: u64,
) -> Select<E> {
    // Read forwards for the first and next pages, backwards (then reversed) for the previous.
    let backwards = matches!(at, PageAt::Before(_));
    let ascending = order.descending == backwards;
    let mut q = query;
    if let PageAt::After(c) | PageAt::Before(c) = at {
        q = q.filter(beyond(order, c, ascending));
    }
    let dir = if ascending {
        SqlOrder::Asc
    } else {
        SqlOrder::Desc
    };
    if let Some(key) = order.key {
        q = q.order_by(key, dir.clone());
    }
    q.order_by(order.id, dir).limit(per_page.saturating_add(1))
}

/// The page of `rows`, read by [`paged`]'s select.
fn page_of<M>(
    mut rows: Vec<M>,
    at: PageAt,
    per_page: u64,
    cursor_of: impl Fn(&M) -> Cursor,
) -> Page<M> {
    let more = rows.len() as u64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
    if matches!(at, PageAt::Before(_)) {
        rows.reverse();
    }
    let first = rows.first().map(&cursor_of);
    let last = rows.last().map(&cursor_of);
    let (prev, next) = match at {
        PageAt::First => (None, last.filter(|_| more)),
        // A page reached by 下一页 has the rows before it; when every row after the cursor has
        // gone meanwhile, the way back starts at the cursor itself.
        PageAt::After(c) => (first.or(Some(c)), last.filter(|_| more)),
        PageAt::Before(c) => (first.filter(|_| more), last.or(Some(c))),
    };
    Page { rows, prev, next }
}

/// Rows strictly past `c` in the direction read: (key, id) greater than the cursor's when
/// `ascending`, smaller otherwise.
fn beyond<Col: ColumnTrait>(order: &Order<Col>, c: Cursor, ascending: bool) -> Condition {
    let id_past = if ascending {
        order.id.gt(c.id)
    } else {
        order.id.lt(c.id)
    };
    match order.key {
        None => Condition::all().add(id_past),
        Some(key) => {
            let (key_past, key_reached) = if ascending {
                (key.gt(c.at), key.gte(c.at))
            } else {
                (key.lt(c.at), key.lte(c.at))
            };
            // The first bound says nothing the second does not; it is there so that the
            // database seeks an index on (key, id) to the cursor rather than reading every row
            // before it and dropping them one by one.
            Condition::all().add(key_reached).add(
                Condition::any()
                    .add(key_past)
                    .add(Condition::all().add(key.eq(c.at)).add(id_past)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_through_a_link() {
        let c = Cursor::new(
            DateTime::from_timestamp_nanos(1_733_280_000_123_456_789),
            42,
        );
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("x_1"), None);
        assert_eq!(Cursor::decode("530--739410_728"), None);
        // Every cursor of the documented form is read: past the limits, the nearest place.
        assert_eq!(
            Cursor::decode("9999999999999999999_9999999999999999999"),
            Some(Cursor::new(
                DateTime::from_timestamp_nanos(i64::MAX),
                i64::MAX
            ))
        );
        assert_eq!(
            Cursor::decode("-9999999999999999999_0"),
            Some(Cursor::new(DateTime::from_timestamp_nanos(i64::MIN), 0))
        );
        assert_eq!(PageAt::from_query("", ""), PageAt::First);
        assert_eq!(PageAt::from_query("", &c.encode()), PageAt::Before(c));
    }
}
