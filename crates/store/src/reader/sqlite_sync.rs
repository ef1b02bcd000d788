//! Reads from a SQLite file on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is handed to that
//! thread and its rows handed back, two thread wake-ups that cost far more than the short,
//! indexed reads a page makes (see README's profile). A [`SyncPool`] keeps connections of its
//! own and runs a statement on the thread that asks, start to finish, without awaiting anything
//! while it runs. Nothing ever waits for one of its connections: a thread that finds none idle
//! opens another, so there is no order of taking connections to keep, and about as many stay
//! idle as requests read at once.
//!
//! A request's reads share one read transaction ([`Snapshot`]): SQLite begins and ends one
//! around every statement otherwise, and each takes and gives back a lock on the WAL index under
//! a mutex all the process's connections share, which the profile showed as a tenth of a page's
//! time. The request's reads also see one state of the database, not a mix.
//!
//! Only short reads belong here (a person's rows by an index): a statement blocks its thread
//! while it runs. Each column comes back as the sea-query [`Value`] a [`Shape`] says it holds,
//! decoded as sqlx decodes it; values are bound as sqlx binds them, so a comparison of two times
//! in SQL sees the same text either way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rustc_hash::FxBuildHasher;
use sea_orm::sea_query::{OptionEnum, Value};
use sea_orm::{
    ColumnTrait, ColumnType, DbErr, EntityTrait, IdenStatic, Iterable, RuntimeErr, Statement,
};

/// How many idle connections a [`SyncPool`] keeps; more are opened while more requests read at
/// once, and closed when handed back beyond this.
const IDLE_KEPT: usize = 16;

/// Prepared statements kept per connection: a page's reads, the session's, the APIs'.
const STATEMENTS_KEPT: usize = 64;

/// Read-only connections to one SQLite file, used on the calling thread (see the module's
/// documentation).
#[derive(Debug)]
pub struct SyncPool {
    path: PathBuf,
    busy: Duration,
    idle: Mutex<Vec<Conn>>,
}

/// A connection of a [`SyncPool`], with what it learnt of the statements it ran.
struct Conn {
    db: rusqlite::Connection,
    /// Per statement text, per shape (its function's address): the result columns' names and
    /// kinds, found once instead of by comparing names on every read.
    columns: ColumnCache,
}

/// Per statement text, per shape function's address, the statement's columns.
type ColumnCache = HashMap<Box<str>, Vec<(usize, Arc<Columns>)>, FxBuildHasher>;

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("db", &self.db)
            .field("statements", &self.columns.len())
            .finish()
    }
}

/// A statement's result columns, as its shape describes them.
struct Columns {
    names: Arc<[Name]>,
    kinds: Box<[Kind]>,
}

/// Statement texts whose columns a connection keeps; a text bound to a list of varying length
/// is a new text each time, and past this the cache starts again.
const COLUMNS_KEPT: usize = 256;

impl SyncPool {
    /// A pool for the SQLite file at `path`. Connections are opened on first use and wait at
    /// most `busy` for a lock (a reader of a WAL database waits only while the log is recovered).
    pub fn new(path: &Path, busy: Duration) -> SyncPool {
        SyncPool {
            path: path.to_owned(),
            busy,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Conn, DbErr> {
        let conn = open_for_reading(&self.path, self.busy)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        Ok(Conn {
            db: conn,
            columns: HashMap::default(),
        })
    }

    fn take(&self) -> Result<Conn, DbErr> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_KEPT
        {
            idle.push(conn);
        }
    }

    /// Ends `conn`'s read transaction, if one is open, and keeps it for the next reader. A
    /// connection whose transaction cannot be ended is closed instead of handed on.
    fn finish(&self, conn: Conn) {
        if !conn.db.is_autocommit() && end(&conn.db).is_err() {
            return;
        }
        self.give_back(conn);
    }
}

/// A connection to the SQLite file at `path` that may only read, waiting at most `busy` for a
/// lock, for use on the calling thread.
pub(crate) fn open_for_reading(path: &Path, busy: Duration) -> Result<rusqlite::Connection, DbErr> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(conn_err)?;
    // Read-only by pragma, as the other readers' connections are: a write sent here by
    // mistake fails instead of escaping the write path.
    conn.pragma_update(None, "query_only", "ON")
        .map_err(conn_err)?;
    conn.busy_timeout(busy).map_err(conn_err)?;
    Ok(conn)
}

fn begin(conn: &rusqlite::Connection) -> Result<(), DbErr> {
    conn.prepare_cached("BEGIN")
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(query_err)
}

fn end(conn: &rusqlite::Connection) -> Result<(), DbErr> {
    // A read transaction has nothing to commit: this only gives its snapshot up.
    conn.prepare_cached("COMMIT")
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(query_err)
}

/// One request's reads from a [`SyncPool`]: a connection taken at the first read, with one read
/// transaction open from then until [`Snapshot::end`] or the snapshot is dropped. Every read
/// sees the database as it was at the first; a write committed meanwhile (through the shared
/// pool) is seen after [`Snapshot::end`].
#[derive(Debug)]
pub struct Snapshot {
    pool: Arc<SyncPool>,
    conn: Mutex<Option<Conn>>,
}

impl Snapshot {
    /// A snapshot of `pool`'s file, taken at its first read.
    pub fn new(pool: Arc<SyncPool>) -> Snapshot {
        Snapshot {
            pool,
            conn: Mutex::new(None),
        }
    }

    /// The rows `stmt` returns, each column decoded as `shape` says, as of this snapshot.
    pub fn query(&self, stmt: &Statement, shape: fn() -> Shape) -> Result<Decoded, DbErr> {
        let mut held = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut conn = match held.take() {
            Some(c) => c,
            None => self.pool.take()?,
        };
        // A new connection, or one whose transaction an error ended (SQLite rolls back on
        // some): a transaction is begun before its read.
        if conn.db.is_autocommit()
            && let Err(e) = begin(&conn.db)
        {
            self.pool.give_back(conn);
            return Err(e);
        }
        let result = run(&mut conn, stmt, shape);
        *held = Some(conn);
        result
    }

    /// Gives the snapshot up: the next read takes a new one, seeing what was committed since.
    pub fn end(&self) {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(c) = conn {
            self.pool.finish(c);
        }
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.end();
    }
}

fn conn_err(e: rusqlite::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(format!(
        "cannot open the SQLite database for reading: {e}"
    )))
}

/// A failed statement on a connection of [`open_for_reading`].
pub(crate) fn query_err(e: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(e.to_string()))
}

/// A statement's rows: its columns' names, and each row's values in their order.
#[derive(Debug)]
pub struct Decoded {
    /// The result columns' names, each as its shape gave it: a prefix and a name.
    pub names: Arc<[Name]>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

/// A result column's name: a prefix (`""`, or `select_also`'s `A_` and `B_`) and an entity's
/// column name or an expression's alias. Both are static, so naming a statement's columns
/// copies no text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    /// The prefix.
    pub prefix: &'static str,
    /// The column's own name.
    pub column: &'static str,
}

impl Name {
    /// Whether `text` is this name: the prefix, then the column's name.
    pub fn is(&self, text: &str) -> bool {
        text.strip_prefix(self.prefix) == Some(self.column)
    }
}

/// The columns `prepared` (the text `sql`) returns, as `shape` describes them: found in `conn`'s
/// cache, or by their names the first time.
fn columns_of(
    cache: &mut ColumnCache,
    sql: &str,
    prepared: &rusqlite::Statement<'_>,
    shape: fn() -> Shape,
) -> Result<Arc<Columns>, DbErr> {
    // A function's address names its shape: one function has one, and two merged into one
    // address were the same code, so they describe the same columns.
    let key = shape as usize;
    if let Some(found) = cache
        .get(sql)
        .and_then(|v| v.iter().find(|(k, _)| *k == key))
    {
        return Ok(found.1.clone());
    }
    let shape = shape();
    let (names, kinds): (Vec<Name>, Vec<Kind>) = prepared
        .column_names()
        .into_iter()
        .enumerate()
        .map(|(i, name)| match shape.kind_of(i, name) {
            Some(found) => Ok(found),
            None => Err(DbErr::Custom(format!(
                "column {name} of a synchronous read is not in its shape"
            ))),
        })
        .collect::<Result<Vec<_>, DbErr>>()?
        .into_iter()
        .unzip();
    let columns = Arc::new(Columns {
        names: names.into(),
        kinds: kinds.into(),
    });
    if cache.len() >= COLUMNS_KEPT {
        cache.clear();
    }
    cache
        .entry(sql.into())
        .or_default()
        .push((key, columns.clone()));
    Ok(columns)
}

fn run(conn: &mut Conn, stmt: &Statement, shape: fn() -> Shape) -> Result<Decoded, DbErr> {
    let Conn { db, columns } = conn;
    let mut prepared = db.prepare_cached(&stmt.sql).map_err(query_err)?;
    let columns = columns_of(columns, &stmt.sql, &prepared, shape)?;
    let params = match &stmt.values {
        Some(v) => v.0.iter().map(bound).collect::<Result<Vec<_>, DbErr>>()?,
        None => Vec::new(),
    };
    let mut rows = prepared
        .query(rusqlite::params_from_iter(params))
        .map_err(query_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(query_err)? {
        let mut values = Vec::with_capacity(columns.kinds.len());
        for (i, kind) in columns.kinds.iter().enumerate() {
            let raw = row.get_ref(i).map_err(query_err)?;
            let value = kind.decode(raw).map_err(|why| {
                let name = columns.names[i];
                DbErr::Type(format!("column {}{}: {why}", name.prefix, name.column))
            })?;
            values.push(value);
        }
        out.push(values);
    }
    Ok(Decoded {
        names: columns.names.clone(),
        rows: out,
    })
}

/// `v` as sqlx binds it for SQLite (sea-query-sqlx's arguments): integers and booleans as
/// integers, times as the text sqlx writes, so comparisons in SQL match the stored text.
fn bound(v: &Value) -> Result<SqlValue, DbErr> {
    fn int<T: Into<i64> + Copy>(v: &Option<T>) -> SqlValue {
        v.map_or(SqlValue::Null, |x| SqlValue::Integer(x.into()))
    }
    fn text<T>(v: &Option<T>, f: impl Fn(&T) -> String) -> SqlValue {
        v.as_ref().map_or(SqlValue::Null, |x| SqlValue::Text(f(x)))
    }
    fn time<T: TimeZone>(t: &DateTime<T>) -> String
    where
        T::Offset: std::fmt::Display,
    {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
    Ok(match v {
        Value::Bool(b) => int(&b.map(i64::from)),
        Value::TinyInt(i) => int(i),
        Value::SmallInt(i) => int(i),
        Value::Int(i) => int(i),
        Value::BigInt(i) => int(i),
        Value::TinyUnsigned(i) => int(i),
        Value::SmallUnsigned(i) => int(i),
        Value::Unsigned(i) => int(i),
        Value::BigUnsigned(Some(x)) => SqlValue::Integer(
            i64::try_from(*x).map_err(|_| DbErr::Custom(format!("{x} is too large for SQLite")))?,
        ),
        Value::BigUnsigned(None) => SqlValue::Null,
        Value::Float(f) => f.map_or(SqlValue::Null, |x| SqlValue::Real(f64::from(x))),
        Value::Double(f) => f.map_or(SqlValue::Null, SqlValue::Real),
        Value::String(s) => text(s, String::clone),
        Value::Char(c) => text(c, char::to_string),
        Value::Enum(OptionEnum::Some(e)) => SqlValue::Text(e.value.to_string()),
        Value::Enum(OptionEnum::None(_)) => SqlValue::Null,
        Value::Bytes(b) => b.clone().map_or(SqlValue::Null, SqlValue::Blob),
        Value::Json(j) => text(j, |j| j.to_string()),
        Value::ChronoDate(d) => text(d, |d| d.format("%F").to_string()),
        Value::ChronoDateTime(t) => text(t, |t| t.format("%F %T%.f").to_string()),
        Value::ChronoDateTimeUtc(t) => text(t, time),
        Value::ChronoDateTimeWithTimeZone(t) => text(t, time),
        Value::ChronoDateTimeLocal(t) => text(t, time),
        other => {
            return Err(DbErr::Custom(format!(
                "a synchronous SQLite read cannot bind {other:?}"
            )));
        }
    })
}

/// What a result column holds, as the model reading it expects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Text,
    Bytes,
    Json,
    Date,
    DateTime,
    DateTimeUtc,
}

impl Kind {
    fn of(ty: &ColumnType) -> Option<Kind> {
        Some(match ty {
            ColumnType::Boolean => Kind::Bool,
            ColumnType::TinyInteger => Kind::I8,
            ColumnType::SmallInteger => Kind::I16,
            ColumnType::Integer => Kind::I32,
            ColumnType::BigInteger => Kind::I64,
            ColumnType::Float => Kind::F32,
            ColumnType::Double => Kind::F64,
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Kind::Text,
            ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => Kind::Bytes,
            ColumnType::Json | ColumnType::JsonBinary => Kind::Json,
            ColumnType::Date => Kind::Date,
            ColumnType::DateTime | ColumnType::Timestamp => Kind::DateTime,
            ColumnType::TimestampWithTimeZone => Kind::DateTimeUtc,
            _ => return None,
        })
    }

    fn null(self) -> Value {
        match self {
            Kind::Bool => Value::Bool(None),
            Kind::I8 => Value::TinyInt(None),
            Kind::I16 => Value::SmallInt(None),
            Kind::I32 => Value::Int(None),
            Kind::I64 => Value::BigInt(None),
            Kind::F32 => Value::Float(None),
            Kind::F64 => Value::Double(None),
            Kind::Text => Value::String(None),
            Kind::Bytes => Value::Bytes(None),
            Kind::Json => Value::Json(None),
            Kind::Date => Value::ChronoDate(None),
            Kind::DateTime => Value::ChronoDateTime(None),
            Kind::DateTimeUtc => Value::ChronoDateTimeUtc(None),
        }
    }

    /// `raw` as sqlx decodes a SQLite value into this kind's Rust type.
    fn decode(self, raw: ValueRef<'_>) -> Result<Value, String> {
        if matches!(raw, ValueRef::Null) {
            return Ok(self.null());
        }
        let found = |raw: ValueRef<'_>| format!("found {:?}", raw.data_type());
        let int = |raw: ValueRef<'_>| match raw {
            ValueRef::Integer(i) => Ok(i),
            other => Err(format!("expected an integer, {}", found(other))),
        };
        let narrow = |i: i64| format!("{i} is out of range");
        let text = |raw: ValueRef<'_>| match raw {
            ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|e| e.to_string()),
            ValueRef::Integer(i) => Ok(i.to_string()),
            ValueRef::Real(f) => Ok(f.to_string()),
            other => Err(format!("expected text, {}", found(other))),
        };
        Ok(match self {
            Kind::Bool => Value::Bool(Some(int(raw)? != 0)),
            Kind::I8 => {
                let i = int(raw)?;
                Value::TinyInt(Some(i8::try_from(i).map_err(|_| narrow(i))?))
            }
            Kind::I16 => {
                let i = int(raw)?;
                Value::SmallInt(Some(i16::try_from(i).map_err(|_| narrow(i))?))
            }
            Kind::I32 => {
                let i = int(raw)?;
                Value::Int(Some(i32::try_from(i).map_err(|_| narrow(i))?))
            }
            Kind::I64 => Value::BigInt(Some(int(raw)?)),
            Kind::F32 | Kind::F64 => {
                let f = match raw {
                    ValueRef::Real(f) => f,
                    ValueRef::Integer(i) => i as f64,
                    other => return Err(format!("expected a number, {}", found(other))),
                };
                if self == Kind::F32 {
                    Value::Float(Some(f as f32))
                } else {
                    Value::Double(Some(f))
                }
            }
            Kind::Text => Value::String(Some(text(raw)?)),
            Kind::Bytes => match raw {
                ValueRef::Blob(b) => Value::Bytes(Some(b.to_vec())),
                other => return Err(format!("expected a blob, {}", found(other))),
            },
            Kind::Json => Value::Json(Some(Box::new(
                serde_json::from_str(&text(raw)?).map_err(|e| e.to_string())?,
            ))),
            Kind::Date => Value::ChronoDate(Some(
                NaiveDate::parse_from_str(&text(raw)?, "%F").map_err(|e| e.to_string())?,
            )),
            Kind::DateTime => Value::ChronoDateTime(Some(datetime(raw)?.naive_utc())),
            Kind::DateTimeUtc => {
                Value::ChronoDateTimeUtc(Some(Utc.from_utc_datetime(&datetime(raw)?.naive_utc())))
            }
        })
    }
}

/// The text forms of a time sqlx-sqlite reads, after RFC 3339, in the order it tries them.
const FORMS: [&str; 12] = [
    "%F %T%.f",
    "%F %R",
    "%F %RZ",
    "%F %R%:z",
    "%F %T%.fZ",
    "%F %T%.f%:z",
    "%FT%R",
    "%FT%RZ",
    "%FT%R%:z",
    "%FT%T%.f",
    "%FT%T%.fZ",
    "%FT%T%.f%:z",
];

/// A time as sqlx-sqlite reads one: RFC 3339, one of SQLite's own text forms, or seconds since
/// 1970.
fn datetime(raw: ValueRef<'_>) -> Result<DateTime<FixedOffset>, String> {
    let utc = FixedOffset::east_opt(0).ok_or("no UTC offset")?;
    let text = match raw {
        ValueRef::Integer(secs) => {
            return utc
                .timestamp_opt(secs, 0)
                .single()
                .ok_or_else(|| format!("{secs} is not a time"));
        }
        ValueRef::Text(t) => std::str::from_utf8(t).map_err(|e| e.to_string())?,
        other => return Err(format!("expected a time, found {:?}", other.data_type())),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    // The forms' items parsed once, not on every value read.
    static ITEMS: LazyLock<Vec<Vec<Item<'static>>>> = LazyLock::new(|| {
        FORMS
            .iter()
            .map(|f| StrftimeItems::new(f).collect())
            .collect()
    });
    for items in ITEMS.iter() {
        let mut parsed = Parsed::new();
        if chrono::format::parse(&mut parsed, text, items.iter()).is_err() {
            continue;
        }
        // As `DateTime::parse_from_str`, then `NaiveDateTime::parse_from_str` read it.
        if let Ok(t) = parsed.to_datetime() {
            return Ok(t);
        }
        if let Ok(t) = parsed.to_naive_datetime_with_offset(0) {
            return Ok(utc.from_utc_datetime(&t));
        }
    }
    Err(format!("{text:?} is not a time"))
}

/// What each result column of a statement holds, by the name it comes back under, so that a
/// synchronous read decodes it as the model reading it expects (SQLite itself keeps no types).
#[derive(Clone, Debug, Default)]
pub struct Shape {
    columns: Vec<(Name, Option<Kind>)>,
}

impl Shape {
    /// The columns of `E`, as `E::find()` selects them.
    pub fn of<E: EntityTrait>() -> Shape {
        Shape::default().entity::<E>("")
    }

    /// These columns and those of `E`, each named `prefix` then the column's name (as
    /// `select_also` names the second entity's, `B_`).
    pub fn entity<E: EntityTrait>(mut self, prefix: &'static str) -> Shape {
        for c in E::Column::iter() {
            let name = Name {
                prefix,
                column: c.as_str(),
            };
            self.columns
                .push((name, Kind::of(c.def().get_column_type())));
        }
        self
    }

    /// These columns and one more, `name`, holding `ty`.
    pub fn column(mut self, name: &'static str, ty: ColumnType) -> Shape {
        let name = Name {
            prefix: "",
            column: name,
        };
        self.columns.push((name, Kind::of(&ty)));
        self
    }

    /// The name and the kind of the result column `name`, the `at`th. A shape lists an
    /// entity's columns in the order sea-orm selects them, so the `at`th is looked at first.
    fn kind_of(&self, at: usize, name: &str) -> Option<(Name, Kind)> {
        let found = match self.columns.get(at) {
            Some(c) if c.0.is(name) => Some(c),
            _ => self.columns.iter().find(|(n, _)| n.is(name)),
        };
        found.and_then(|(n, k)| Some((*n, (*k)?)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

    /// What `datetime` read before its forms were parsed once: chrono's own `parse_from_str`.
    fn read_as_before(text: &str) -> Option<DateTime<FixedOffset>> {
        let utc = FixedOffset::east_opt(0)?;
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(t);
        }
        for form in FORMS {
            if let Ok(t) = DateTime::parse_from_str(text, form) {
                return Some(t);
            }
            if let Ok(t) = NaiveDateTime::parse_from_str(text, form) {
                return Some(utc.from_utc_datetime(&t));
            }
        }
        None
    }

    #[test]
    fn times_in_every_stored_form_read_as_chrono_parses_them() {
        let texts = [
            "2026-12-05 21:07:09",
            "2026-12-05 21:07:09.123456",
            "2026-12-05 21:07",
            "2026-12-05 21:07Z",
            "2026-12-05 21:07+08:00",
            "2026-12-05 21:07:09.5Z",
            "2026-12-05 21:07:09.25-03:30",
            "2026-12-05T21:07",
            "2026-12-05T21:07Z",
            "2026-12-05T21:07+08:00",
            "2026-12-05T21:07:09",
            "2026-12-05T21:07:09.000001Z",
            "2026-12-05T21:07:09.75+08:00",
            "2026-12-05",
            "21:07:09",
            "not a time",
            "2026-13-05 21:07:09",
        ];
        let mut read = 0;
        for text in texts {
            let got = datetime(ValueRef::Text(text.as_bytes())).ok();
            assert_eq!(got, read_as_before(text), "{text}");
            read += usize::from(got.is_some());
        }
        assert_eq!(read, 13, "every form but the last four is a time");
        assert_eq!(
            datetime(ValueRef::Integer(86_400)).ok(),
            DateTime::parse_from_rfc3339("1970-01-02T00:00:00Z").ok()
        );
    }
}
