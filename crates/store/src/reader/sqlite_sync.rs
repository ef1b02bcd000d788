//! Reads from a SQLite file on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement is handed to that
//! thread and its rows handed back, two thread wake-ups that cost far more than the short,
//! indexed reads a page makes (see README's profile). A [`SyncPool`] keeps connections of its
//! own and runs a statement on the thread that asks, start to finish, without awaiting anything
//! while it holds a connection. No connection is ever held across an await, so there is no order
//! of taking connections to keep and no wait for one: a thread that finds none idle opens
//! another, and about as many stay idle as threads read at once.
//!
//! Only short reads belong here (a person's rows by an index): a statement blocks its thread
//! while it runs. Each column comes back as the sea-query [`Value`] a [`Shape`] says it holds,
//! decoded as sqlx decodes it; values are bound as sqlx binds them, so a comparison of two times
//! in SQL sees the same text either way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{Value as SqlValue, ValueRef};
use sea_orm::sea_query::{OptionEnum, Value};
use sea_orm::{
    ColumnTrait, ColumnType, DbErr, EntityTrait, IdenStatic, Iterable, RuntimeErr, Statement,
};

/// How many idle connections a [`SyncPool`] keeps; more are opened while more threads read at
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
    idle: Mutex<Vec<rusqlite::Connection>>,
}

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

    fn open(&self) -> Result<rusqlite::Connection, DbErr> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(conn_err)?;
        // Read-only by pragma, as the other readers' connections are: a write sent here by
        // mistake fails instead of escaping the write path.
        conn.pragma_update(None, "query_only", "ON")
            .map_err(conn_err)?;
        conn.busy_timeout(self.busy).map_err(conn_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        Ok(conn)
    }

    fn take(&self) -> Result<rusqlite::Connection, DbErr> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_KEPT
        {
            idle.push(conn);
        }
    }

    /// The rows `stmt` returns, each column decoded as `shape` says.
    pub fn query(&self, stmt: &Statement, shape: &Shape) -> Result<Decoded, DbErr> {
        let conn = self.take()?;
        let result = run(&conn, stmt, shape);
        // A statement that failed leaves nothing open: SQLite resets it, and nothing here
        // begins a transaction. The connection is as good as any other.
        self.give_back(conn);
        result
    }
}

fn conn_err(e: rusqlite::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(format!(
        "cannot open the SQLite database for reading: {e}"
    )))
}

fn query_err(e: rusqlite::Error) -> DbErr {
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

fn run(conn: &rusqlite::Connection, stmt: &Statement, shape: &Shape) -> Result<Decoded, DbErr> {
    let mut prepared = conn.prepare_cached(&stmt.sql).map_err(query_err)?;
    let columns = prepared
        .column_names()
        .into_iter()
        .enumerate()
        .map(|(i, name)| match shape.kind_of(i, name) {
            Some(found) => Ok(found),
            None => Err(DbErr::Custom(format!(
                "column {name} of a synchronous read is not in its shape"
            ))),
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let params = match &stmt.values {
        Some(v) => v.0.iter().map(bound).collect::<Result<Vec<_>, DbErr>>()?,
        None => Vec::new(),
    };
    let mut rows = prepared
        .query(rusqlite::params_from_iter(params))
        .map_err(query_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(query_err)? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, (name, kind)) in columns.iter().enumerate() {
            let raw = row.get_ref(i).map_err(query_err)?;
            let value = kind.decode(raw).map_err(|why| {
                DbErr::Type(format!("column {}{}: {why}", name.prefix, name.column))
            })?;
            values.push(value);
        }
        out.push(values);
    }
    Ok(Decoded {
        names: columns.into_iter().map(|(n, _)| n).collect(),
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

/// A time as sqlx-sqlite reads one: RFC 3339, one of SQLite's own text forms, or seconds since
/// 1970.
fn datetime(raw: ValueRef<'_>) -> Result<DateTime<FixedOffset>, String> {
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
    for form in FORMS {
        if let Ok(t) = DateTime::parse_from_str(text, form) {
            return Ok(t);
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(text, form) {
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
