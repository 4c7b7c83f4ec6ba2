//! One statement, either backend: a query written against [`Conn`] runs through
//! rusqlite on SQLite (`direct.rs`) and through sqlx on PostgreSQL, from the same SQL
//! text, binds and row type.

use std::{borrow::Cow, future::Future};

use sqlx::{Postgres, Transaction, postgres::PgRow};
use uuid::Uuid;

use crate::{
    StoreError,
    direct::{DirectTx, Reader},
    pg::PgReader,
};

/// A value bound to a statement's `$N` (the N-th element of the slice).
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    Text(Option<Cow<'a, str>>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Self::Text(Some(Cow::Borrowed(text)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Self::from(text.as_str())
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(text: Option<&'a str>) -> Self {
        Self::Text(text.map(Cow::Borrowed))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Self::Text(Some(Cow::Owned(text)))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(text: Option<String>) -> Self {
        Self::Text(text.map(Cow::Owned))
    }
}

/// Ids are stored as their text form on both backends.
impl From<Uuid> for Arg<'_> {
    fn from(id: Uuid) -> Self {
        Self::from(id.to_string())
    }
}

impl From<Option<Uuid>> for Arg<'_> {
    fn from(id: Option<Uuid>) -> Self {
        Self::from(id.map(|id| id.to_string()))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Self::Int(Some(n))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(n: Option<i64>) -> Self {
        Self::Int(n)
    }
}

impl From<bool> for Arg<'_> {
    fn from(b: bool) -> Self {
        Self::Bool(Some(b))
    }
}

impl From<Option<bool>> for Arg<'_> {
    fn from(b: Option<bool>) -> Self {
        Self::Bool(b)
    }
}

/// A row type both drivers decode: sqlx (PostgreSQL) through its `FromRow` (derived,
/// or its tuple impls), rusqlite (SQLite) through [`Record::from_rusqlite`]. Structs
/// declare both at once with [`record!`].
pub(crate) trait Record: Sized + Send + Unpin + 'static + for<'r> sqlx::FromRow<'r, PgRow> {
    /// Decodes the fields from column `*column` on, leaving it past them: a row that
    /// joins more columns after these goes on reading where this one stopped.
    fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self>;

    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Self::from_rusqlite_at(row, &mut 0)
    }
}

/// Declares a row struct with both decoders, fields matched to columns by name.
macro_rules! record {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident: $ty:ty,)+ }) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        $vis struct $name { $($field: $ty,)+ }

        impl $crate::sql::Record for $name {
            fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
                // Struct fields are evaluated in the order written.
                Ok(Self { $($field: $crate::sql::next_field(row, column, stringify!($field))?,)+ })
            }
        }
    };
}
pub(crate) use record;

/// The column named `name`, looked for first at `*column`, the next position: queries
/// list their columns in the struct's order, and a lookup by name compares every
/// column's name (a tenth of a look-up's time, measured). Any other order still works.
pub(crate) fn next_field<T: rusqlite::types::FromSql>(
    row: &rusqlite::Row<'_>,
    column: &mut usize,
    name: &str,
) -> rusqlite::Result<T> {
    let at = *column;
    *column += 1;
    match row.as_ref().column_name(at) {
        Ok(found) if found == name => row.get(at),
        _ => row.get(name),
    }
}

macro_rules! tuple_record {
    ($($t:ident $i:tt),+) => {
        impl<$($t),+> Record for ($($t,)+)
        where
            $($t: rusqlite::types::FromSql + Send + Unpin + 'static,)+
            Self: for<'r> sqlx::FromRow<'r, PgRow>,
        {
            fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
                let at = *column;
                *column += [$($i),+].len();
                Ok(($(row.get::<_, $t>(at + $i)?,)+))
            }
        }
    };
}
tuple_record!(A 0);
tuple_record!(A 0, B 1);
tuple_record!(A 0, B 1, C 2);
tuple_record!(A 0, B 1, C 2, D 3);
tuple_record!(A 0, B 1, C 2, D 3, E 4);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);

/// Somewhere a statement can run: a PostgreSQL read connection or a transaction, or
/// a SQLite connection of this thread's. rusqlite's answers are ready at once (the statement ran on the
/// calling thread); sqlx's arrive from its driver.
pub(crate) trait Conn: Send {
    fn fetch_optional<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send + 'a;

    fn fetch_all<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send + 'a;

    /// Runs a statement that returns no rows; answers how many rows it changed.
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send + 'a;
}

/// The number a `SELECT COUNT(*) …` answers.
pub(crate) async fn count<'a>(conn: &'a mut impl Conn, sql: &'a str, args: &'a [Arg<'a>]) -> Result<i64, StoreError> {
    let counted: Option<(i64,)> = conn.fetch_optional(sql, args).await?;
    Ok(counted.map_or(0, |(n,)| n))
}

/// Binds `args` to a sqlx query, in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(text) => query.bind(text.as_deref()),
                Arg::Int(n) => query.bind(*n),
                Arg::Bool(b) => query.bind(*b),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

/// A PostgreSQL transaction. (A type of its own: the trait solver cannot prove `Conn`
/// for `Transaction<'static, _>` inside the higher-ranked futures of `Store::write`.)
#[derive(Debug)]
pub(crate) struct PgTx(pub(crate) Transaction<'static, Postgres>);

impl Conn for PgTx {
    async fn fetch_optional<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> Result<Option<T>, StoreError> {
        Ok(bind_args!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut *self.0).await?)
    }

    async fn fetch_all<'a, T: Record>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<Vec<T>, StoreError> {
        Ok(bind_args!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut *self.0).await?)
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<u64, StoreError> {
        Ok(bind_args!(sqlx::query(sql), args).execute(&mut *self.0).await?.rows_affected())
    }
}

impl Conn for rusqlite::Connection {
    fn fetch_optional<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send + 'a {
        let row = (|| {
            let mut statement = prepared(self, sql, args)?;
            let mut rows = statement.raw_query();
            rows.next()?.map(T::from_rusqlite).transpose()
        })();
        std::future::ready(row.map_err(StoreError::from))
    }

    fn fetch_all<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send + 'a {
        let rows = prepared(self, sql, args).and_then(|mut statement| {
            let mut rows = statement.raw_query();
            let mut all = Vec::new();
            while let Some(row) = rows.next()? {
                all.push(T::from_rusqlite(row)?);
            }
            Ok(all)
        });
        std::future::ready(rows.map_err(StoreError::from))
    }

    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send + 'a {
        let changed = prepared(self, sql, args).and_then(|mut statement| statement.raw_execute());
        std::future::ready(changed.map(|n| n as u64).map_err(StoreError::from))
    }
}

/// The statement from the connection's cache with `args` bound to `$1`, `$2`, …
/// (SQLite numbers `$N` parameters by first appearance, so they are bound by name).
fn prepared<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut statement = conn.prepare_cached(sql)?;
    for (n, arg) in args.iter().enumerate() {
        let Some(index) = statement.parameter_index(&format!("${}", n + 1))? else { continue };
        match arg {
            Arg::Text(text) => statement.raw_bind_parameter(index, text.as_deref())?,
            Arg::Int(n) => statement.raw_bind_parameter(index, n)?,
            Arg::Bool(b) => statement.raw_bind_parameter(index, b)?,
        }
    }
    Ok(statement)
}

/// Where statements run, per backend: SQLite through rusqlite (`direct.rs`),
/// PostgreSQL through sqlx. One enum, so a connection is never half one, half the other.
pub(crate) enum Via<D, S> {
    Sqlite(D),
    Postgres(S),
}

/// A write transaction (see `Store::write`).
pub(crate) type WriteTx = Via<DirectTx, PgTx>;
/// A read.
pub(crate) type ReadConn<'s> = Via<Reader<'s>, PgReader>;

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit(),
            Self::Postgres(tx) => Ok(tx.0.commit().await?),
        }
    }
}

impl<D, S> Conn for Via<D, S>
where
    D: std::ops::DerefMut<Target = rusqlite::Connection> + Send,
    S: Conn,
{
    async fn fetch_optional<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> Result<Option<T>, StoreError> {
        match self {
            Self::Sqlite(conn) => conn.deref_mut().fetch_optional(sql, args).await,
            Self::Postgres(conn) => conn.fetch_optional(sql, args).await,
        }
    }

    async fn fetch_all<'a, T: Record>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Sqlite(conn) => conn.deref_mut().fetch_all(sql, args).await,
            Self::Postgres(conn) => conn.fetch_all(sql, args).await,
        }
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(conn) => conn.deref_mut().execute(sql, args).await,
            Self::Postgres(conn) => conn.execute(sql, args).await,
        }
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `text` anywhere, lowercased, its wildcards
/// (and the escape character) taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
