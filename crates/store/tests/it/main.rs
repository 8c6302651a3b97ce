//! The store conformance suite: every backend must pass the same checks. SQLite runs always
//! (in memory and on a file); PostgreSQL whenever `TEST_DATABASE_URL` names a server (a fresh
//! database per test).

#![allow(clippy::unwrap_used)]

mod conformance;
mod instances;
mod upgrade;

use std::sync::Arc;

use autopilot_domain::Store;

async fn memory() -> Arc<dyn Store> {
    autopilot_store::open("sqlite::memory:").await.unwrap()
}

macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::conformance::$name(crate::memory().await).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("t.db").display());
                    let store = autopilot_store::open(&url).await.unwrap();
                    crate::conformance::$name(store).await;
                }
            )*
        }
    };
}

macro_rules! on_postgres {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
                        return;
                    };
                    let store = autopilot_store::open(&url).await.unwrap();
                    crate::conformance::$name(store).await;
                }
            )*
        }
    };
}

macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        on_sqlite!($($name),*);
        on_postgres!($($name),*);
    };
}

on_every_backend!(
    import_then_get_list_count_delete,
    paging_visits_every_record_once,
    tenants_are_isolated,
    uploads_follow_their_devices,
    import_into_missing_upload_writes_nothing,
    registration_decides_every_rule,
    withdrawn_and_limited_processing,
    filters_orders_and_keyset_pages,
);

#[tokio::test]
async fn a_file_database_keeps_its_data_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let tenant = autopilot_domain::TenantId::new("t");
    {
        let store = autopilot_store::open(&url).await.unwrap();
        store
            .import_devices(
                &tenant,
                conformance::batch(3, autopilot_domain::UploadTarget::None),
            )
            .await
            .unwrap();
    }
    let store = autopilot_store::open(&url).await.unwrap();
    assert_eq!(store.count_imported(&tenant, None, None).await.unwrap(), 3);
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    let err = autopilot_store::open("mysql://u:pw@h/db")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("u:***@h"), "{err}");
}
