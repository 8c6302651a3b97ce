//! The store's SQL, written once for both databases: statements with `$1`, `$2`, ...
//! placeholders (which SQLite and PostgreSQL both take) and their values, and rows read back
//! into owned values. Each backend only runs a [`Sql`] and converts its rows.

use std::fmt::Write as _;

use async_trait::async_trait;
use autopilot_domain::StoreError;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bytes(Vec<u8>),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}
impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Self {
        Arg::Bytes(v.to_vec())
    }
}

/// A statement being built: text with numbered placeholders, and their values in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// A fixed statement and its values, the placeholders already written (`$1`, `$2`, ...).
    pub fn with(text: &str, args: Vec<Arg>) -> Self {
        Sql {
            text: text.to_owned(),
            args,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// Appends `VALUES (..), (..)`: one parenthesised group per item, `row` binding its
    /// values.
    pub fn values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut Row<'_>, T),
    ) {
        self.text.push_str("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text.push('(');
            let mut r = Row {
                sql: self,
                first: true,
            };
            row(&mut r, item);
            self.text.push(')');
        }
    }
}

/// One group of a `VALUES` list.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    sql: &'a mut Sql,
    first: bool,
}

impl Row<'_> {
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        if !self.first {
            self.sql.text.push_str(", ");
        }
        self.first = false;
        self.sql.bind(value);
        self
    }
}

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// A row read back, its columns in select order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record(pub Vec<Value>);

fn wrong(i: usize, want: &str, got: &Value) -> StoreError {
    StoreError::Backend(format!("column {i}: expected {want}, found {got:?}"))
}

impl Record {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Backend(format!("no column {i}")))
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(wrong(i, "text", other)),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(wrong(i, "text or null", other)),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.at(i)? {
            Value::Int(n) => Ok(*n),
            other => Err(wrong(i, "integer", other)),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            other => Err(wrong(i, "integer or null", other)),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.at(i)? {
            Value::Bytes(b) => Ok(b.clone()),
            other => Err(wrong(i, "bytes", other)),
        }
    }
}

/// Runs statements: a pool, or a connection inside a transaction.
#[async_trait]
pub(crate) trait Exec: Send {
    /// The rows a query returns.
    async fn rows(&mut self, sql: &Sql) -> Result<Vec<Record>, StoreError>;
    /// Runs a statement; the number of rows it changed.
    async fn exec(&mut self, sql: &Sql) -> Result<u64, StoreError>;

    async fn row(&mut self, sql: &Sql) -> Result<Option<Record>, StoreError> {
        Ok(self.rows(sql).await?.into_iter().next())
    }
}

/// What each sqlx database needs to run [`Sql`]: binding the values, running a statement on a
/// pool or in a transaction, and committing. `$text` may rewrite the statement first, `$record`
/// converts a row, `$error` maps a driver error.
macro_rules! sqlx_exec {
    ($db:ty, $args:ty, $text:path, $record:path, $error:path) => {
        fn bind_all<'q>(
            mut query: sqlx::query::Query<'q, $db, $args>,
            args: &'q [$crate::sql::Arg],
        ) -> sqlx::query::Query<'q, $db, $args> {
            use $crate::sql::Arg;
            for arg in args {
                query = match arg {
                    Arg::Text(v) => query.bind(v.as_str()),
                    Arg::OptText(v) => query.bind(v.as_deref()),
                    Arg::Int(v) => query.bind(*v),
                    Arg::OptInt(v) => query.bind(*v),
                    Arg::Bytes(v) => query.bind(v.as_slice()),
                };
            }
            query
        }

        async fn run_rows<'c, E>(
            executor: E,
            sql: &$crate::sql::Sql,
        ) -> Result<Vec<$crate::sql::Record>, autopilot_domain::StoreError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            let text = $text(&sql.text);
            let query = bind_all(sqlx::query(sqlx::AssertSqlSafe(&*text)), &sql.args);
            let rows = query.fetch_all(executor).await.map_err($error)?;
            rows.iter().map($record).collect()
        }

        async fn run_exec<'c, E>(
            executor: E,
            sql: &$crate::sql::Sql,
        ) -> Result<u64, autopilot_domain::StoreError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            let text = $text(&sql.text);
            let query = bind_all(sqlx::query(sqlx::AssertSqlSafe(&*text)), &sql.args);
            Ok(query
                .execute(executor)
                .await
                .map_err($error)?
                .rows_affected())
        }

        #[async_trait::async_trait]
        impl $crate::sql::Exec for sqlx::Pool<$db> {
            async fn rows(
                &mut self,
                sql: &$crate::sql::Sql,
            ) -> Result<Vec<$crate::sql::Record>, autopilot_domain::StoreError> {
                run_rows(&*self, sql).await
            }
            async fn exec(
                &mut self,
                sql: &$crate::sql::Sql,
            ) -> Result<u64, autopilot_domain::StoreError> {
                run_exec(&*self, sql).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::sql::Exec for sqlx::Transaction<'static, $db> {
            async fn rows(
                &mut self,
                sql: &$crate::sql::Sql,
            ) -> Result<Vec<$crate::sql::Record>, autopilot_domain::StoreError> {
                run_rows(&mut **self, sql).await
            }
            async fn exec(
                &mut self,
                sql: &$crate::sql::Sql,
            ) -> Result<u64, autopilot_domain::StoreError> {
                run_exec(&mut **self, sql).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::sql_store::Tx for sqlx::Transaction<'static, $db> {
            async fn commit(self) -> Result<(), autopilot_domain::StoreError> {
                sqlx::Transaction::commit(self).await.map_err($error)
            }
        }
    };
}
pub(crate) use sqlx_exec;

/// The SQL the two databases write differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("INSERT INTO t (a, b) ");
        sql.values([(1i64, "x"), (2, "y")], |row, (n, s)| {
            row.bind(n).bind(s);
        });
        sql.push(" WHERE c = ").bind(3i64);
        assert_eq!(
            sql.text,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) WHERE c = $5"
        );
        assert_eq!(sql.args.len(), 5);
        assert_eq!(sql.args[4], Arg::Int(3));
    }
}
