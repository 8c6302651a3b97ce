//! Storage for autopilot-graph: the domain's [`Store`](autopilot_domain::Store) trait on an
//! embedded SQLite database ([`SqliteStore`]: a file in WAL mode, or `sqlite::memory:` for a
//! throwaway server) or on PostgreSQL ([`PgStore`], shared by several server instances). Both
//! run one implementation ([`SqlStore`]); migrations are embedded and run by [`open`].

mod applications;
mod device_codes;
mod devices;
mod directory;
mod enrollment;
mod groups;
mod health;
mod identities;
mod imports;
mod listing;
mod load;
mod lower;
mod managed;
mod memberships;
mod organizations;
mod postgres;
mod profiles;
mod round;
mod scenarios;
mod settings;
mod sql;
mod sql_store;
mod sqlite;
mod sqlite_conn;
mod tenants;
mod time_codec;
mod usage;
mod users;

use std::sync::Arc;

use autopilot_domain::Store;

pub use postgres::{MIGRATOR as POSTGRES_MIGRATIONS, PgBackend, PgStore};
pub use sql_store::SqlStore;
pub use sqlite::{MIGRATOR as SQLITE_MIGRATIONS, SqliteBackend, SqliteStore};

/// What the raw-insert floor of the benchmarks (`examples/insert_floor.rs`) shares with the
/// SQLite store, so that it writes the same values with the writer's own settings.
pub mod floor {
    pub use crate::round::facts_text;
    pub use crate::sqlite::writer_settings;
    pub use crate::sqlite_conn::Checkpointer;
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "unsupported database URL '{0}': expected sqlite://PATH, sqlite::memory: or \
         postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// Opens the database a URL names and brings its schema up to date.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Err(OpenError::UnsupportedUrl(redact(url)))
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(super::redact("sqlite::memory:"), "sqlite::memory:");
    }
}
