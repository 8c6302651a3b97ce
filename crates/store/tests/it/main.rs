//! The store conformance suite: every backend must pass the same checks. SQLite runs always
//! (in memory and on a file); PostgreSQL whenever `TEST_DATABASE_URL` names a server (a fresh
//! database per test).

#![allow(clippy::unwrap_used)]

mod conformance;
mod counts;
mod directory;
mod enrollment;
mod fairness;
mod groups;
mod health;
mod identities;
mod instances;
mod managed;
mod sign_in;
mod upgrade;
mod usage;
mod users;

use std::sync::Arc;

use autopilot_domain::Store;

async fn memory() -> Arc<dyn Store> {
    autopilot_store::open("sqlite::memory:").await.unwrap()
}

macro_rules! on_sqlite {
    ($($m:ident::$name:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$m::$name(crate::memory().await).await;
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
                    crate::$m::$name(store).await;
                }
            )*
        }
    };
}

macro_rules! on_postgres {
    ($($m:ident::$name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
                        return;
                    };
                    let store = autopilot_store::open(&url).await.unwrap();
                    crate::$m::$name(store).await;
                }
            )*
        }
    };
}

macro_rules! on_every_backend {
    ($($m:ident::$name:ident),* $(,)?) => {
        on_sqlite!($($m::$name),*);
        on_postgres!($($m::$name),*);
    };
}

on_every_backend!(
    counts::device_counts_follow_registration_and_deletion,
    fairness::a_backlog_does_not_hold_back_another_tenant,
    fairness::more_tenants_than_a_round_go_longest_waiting_first,
    conformance::import_then_get_list_count_delete,
    conformance::paging_visits_every_record_once,
    conformance::tenants_are_isolated,
    conformance::uploads_follow_their_devices,
    conformance::import_into_missing_upload_writes_nothing,
    conformance::registration_decides_every_rule,
    conformance::withdrawn_and_limited_processing,
    conformance::filters_orders_and_keyset_pages,
    directory::registration_creates_entra_devices,
    directory::entra_devices_follow_their_autopilot_device,
    directory::entra_device_queries,
    directory::loaded_devices_get_their_entra_objects,
    groups::groups_are_listed_and_filtered,
    groups::dynamic_groups_follow_their_rules_after_the_delay,
    groups::assigned_members_are_added_and_removed,
    users::users_are_unique_listed_changed_and_deleted,
    users::organizations_are_per_tenant_and_replaced,
    managed::managed_devices_are_found_wiped_and_deleted,
    enrollment::enrollment_configurations_keep_their_order,
    identities::identifiers_are_imported_searched_and_deleted,
    sign_in::applications_keep_their_certificates,
    sign_in::device_codes_give_one_token_each,
    usage::usage_counts_add_up,
    health::health_reports_schema_queue_and_pool,
    health::tenants_are_summarized,
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
