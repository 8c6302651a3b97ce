//! A database made by the first schema of each backend upgrades to the current schema with its
//! data intact: rows written by the first migration's tables are read back through the store
//! after [`autopilot_store::open`] ran every later migration.

use autopilot_domain::TenantId;
use sqlx::migrate::Migrator;
use uuid::Uuid;

const ID: &str = "0190f3a4-1c2b-7d3e-8f40-5a6b7c8d9e0f";
const UPLOAD: &str = "0190f3a4-1c2b-7d3e-8f40-5a6b7c8d9e10";
/// 2023-11-14T22:13:20Z in microseconds.
const CREATED: i64 = 1_700_000_000_000_000;

/// The rows, in SQL both first schemas take; `hash` is the backend's blob literal of 01 02 03.
fn first_schema_rows(hash: &str) -> Vec<String> {
    vec![
        format!(
            "INSERT INTO uploads (tenant, id, created_at) VALUES ('old', '{UPLOAD}', {CREATED})"
        ),
        format!(
            "INSERT INTO imported_devices (tenant, id, import_id, upload_id, serial_number, \
             group_tag, product_key, assigned_user, created_at, due_at) VALUES ('old', '{ID}', \
             'import-1', '{UPLOAD}', 'SER-0001', 'Lab', 'PK-1', 'ana@contoso.test', {CREATED}, \
             {CREATED})"
        ),
        format!("INSERT INTO imported_hashes (tenant, id, hash) VALUES ('old', '{ID}', {hash})"),
    ]
}

/// What the current store reads of those rows.
async fn check_intact(store: std::sync::Arc<dyn autopilot_domain::Store>) {
    let tenant = TenantId::new("old");
    let (id, upload) = (
        Uuid::parse_str(ID).unwrap(),
        Uuid::parse_str(UPLOAD).unwrap(),
    );
    let device = store
        .get_imported(&tenant, id, Some(upload))
        .await
        .unwrap()
        .expect("the record made by the first schema is still there");
    assert_eq!(device.serial_number, "SER-0001");
    assert_eq!(device.group_tag, "Lab");
    assert_eq!(device.product_key, "PK-1");
    assert_eq!(device.assigned_user_principal_name, "ana@contoso.test");
    assert_eq!(device.hardware_identifier, vec![1, 2, 3]);
    assert_eq!(device.import_id, "import-1");
    assert!(device.state.device_import_status.is_processing());
    assert_eq!(device.state.device_error_code, 0);
    assert_eq!(device.created_at.unix_timestamp(), CREATED / 1_000_000);
    assert!(store.get_upload(&tenant, upload).await.unwrap().is_some());
    // The indexes and columns later migrations added serve the old rows too.
    let query =
        autopilot_odata::Query::parse(Some("$filter=startswith(serialNumber,'ser-')")).unwrap();
    let n = store
        .count_imported(&tenant, None, query.filter.as_ref())
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// The record imported before the import kept its hash's facts is decided from its hash: the
/// three bytes do not decode, so it fails with 802.
async fn decided_from_its_hash(store: std::sync::Arc<dyn autopilot_domain::Store>) {
    let now = time::OffsetDateTime::now_utc();
    let report = store.process_due(now, 100, None).await.unwrap();
    assert_eq!((report.processed, report.completed), (1, 0));
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, 802);
    let tenant = TenantId::new("old");
    let device = store
        .get_imported(&tenant, Uuid::parse_str(ID).unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(device.state.device_error_code, 802);
}

/// Applies only the first migration of `migrator`.
async fn first_only<'a, A>(migrator: &Migrator, conn: A)
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    let first = migrator.iter().next().unwrap().version;
    migrator.run_to(first, conn).await.unwrap();
}

#[tokio::test]
async fn a_first_schema_sqlite_database_upgrades_intact() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        first_only(&autopilot_store::SQLITE_MIGRATIONS, &pool).await;
        for sql in first_schema_rows("X'010203'") {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let store = autopilot_store::open(&url).await.unwrap();
    check_intact(store.clone()).await;
    decided_from_its_hash(store).await;
}

async fn first_schema_postgres(edited_checksum: bool) {
    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
        return;
    };
    {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        first_only(&autopilot_store::POSTGRES_MIGRATIONS, &pool).await;
        for sql in first_schema_rows("'\\x010203'::bytea") {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        if edited_checksum {
            // As the builds that shipped 0001_schema.sql edited in place recorded it.
            let edited = "ac1e2ecd220f52da56e74c8f4fc914011c56cd68963bdbf4c5994d8a948b86b6\
                          2f5acb1a05717a87a9b8e3ad5edd9d98";
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE _sqlx_migrations SET checksum = '\\x{edited}'::bytea WHERE version = 1"
            )))
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    check_intact(autopilot_store::open(&url).await.unwrap()).await;
    // Opening again finds nothing left to do.
    let store = autopilot_store::open(&url).await.unwrap();
    check_intact(store.clone()).await;
    decided_from_its_hash(store).await;
}

#[tokio::test]
async fn a_first_schema_postgres_database_upgrades_intact() {
    first_schema_postgres(false).await;
}

#[tokio::test]
async fn a_postgres_database_of_the_edited_first_schema_upgrades_intact() {
    first_schema_postgres(true).await;
}
