//! A fresh PostgreSQL database per test, on the server `TEST_DATABASE_URL` names (the README's
//! test command starts a throwaway one). Without it the PostgreSQL tests skip with a message;
//! `AUTOPILOT_GRAPH_REQUIRE_POSTGRES=1` (set by CI) turns a missing server into a failure.

use sqlx::Connection as _;

/// The variable naming the test server (any database on it; tests make their own).
pub const URL_VAR: &str = "TEST_DATABASE_URL";
/// Set to 1 to make a missing test server fail the tests instead of skipping them.
pub const REQUIRE_VAR: &str = "AUTOPILOT_GRAPH_REQUIRE_POSTGRES";

/// The test server's URL, or `None` (with a message) when the PostgreSQL tests should skip.
pub fn server_url() -> Option<String> {
    let url = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
        assert!(!required, "{REQUIRE_VAR}=1 but {URL_VAR} is not set");
        eprintln!("skipping: {URL_VAR} is not set (scripts/test starts a throwaway PostgreSQL)");
    }
    url
}

/// Creates a new, empty database on the test server and returns its URL; `None` when the
/// PostgreSQL tests skip.
pub async fn fresh_database() -> Option<String> {
    let url = server_url()?;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {URL_VAR}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let _ = admin.close().await;
    Some(with_database(&url, &name))
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:1/postgres", "t_1"),
            "postgres://u@h:1/t_1"
        );
        assert_eq!(
            super::with_database("postgres://u@h:1?sslmode=disable", "t_1"),
            "postgres://u@h:1/t_1?sslmode=disable"
        );
    }
}
