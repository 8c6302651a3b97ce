//! What only PostgreSQL does: several instances on one database. Each test runs on a fresh
//! database of `TEST_DATABASE_URL`'s server, and skips without one.

use std::sync::Arc;

use autopilot_domain::{
    DeviceStore as _, ImportStatus, ImportStore as _, RegistrationStore as _, Store, TenantId,
};
use autopilot_store::PgStore;
use time::Duration;

use crate::conformance::{T0, hashed, state_of};

fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap()
}

async fn instance(url: &str) -> PgStore {
    PgStore::open(url).await.unwrap()
}

#[tokio::test]
async fn records_another_round_holds_are_skipped_and_free_once_it_ends() {
    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
        return;
    };
    let store = instance(&url).await;
    let t = TenantId::new("held");
    store
        .import_devices(&t, hashed(&["H-1", "H-2", "H-3"], T0))
        .await
        .unwrap();
    // Another instance's round holds two of them (locked in its transaction).
    let mut other = store.pool().begin().await.unwrap();
    sqlx::query("SELECT id FROM imported_devices WHERE serial_number IN ('H-1', 'H-2') FOR UPDATE")
        .fetch_all(&mut *other)
        .await
        .unwrap();
    let now = T0 + Duration::seconds(1);
    let first = store.process_due(now, 100, None).await.unwrap();
    assert_eq!((first.processed, first.completed), (1, 1));
    // That instance dies: its session ends, its transaction is rolled back, and its records
    // are taken at once, each decided once.
    other.rollback().await.unwrap();
    let second = store.process_due(now, 100, None).await.unwrap();
    assert_eq!((second.processed, second.completed), (2, 2));
    assert_eq!(store.count_devices(&t, None).await.unwrap(), 3);
    assert_eq!(store.next_due().await.unwrap(), None);
}

#[tokio::test]
async fn an_older_instances_claims_are_taken_over_after_its_lease() {
    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
        return;
    };
    let store = instance(&url).await;
    let t = TenantId::new("lease");
    let imported = store
        .import_devices(&t, hashed(&["L-1", "L-2", "L-3"], T0))
        .await
        .unwrap();
    // An instance of an earlier version (which claimed records in a transaction of their own)
    // claimed them and died: its claim is all that is left of it.
    sqlx::query("UPDATE imported_devices SET claimed_by = 'dead-instance', claim_until = $1")
        .bind(micros(T0 + Duration::seconds(30)))
        .execute(store.pool())
        .await
        .unwrap();
    // While the lease holds, nobody else takes them, and the next due time is its end.
    let early = store
        .process_due(T0 + Duration::seconds(29), 100, None)
        .await
        .unwrap();
    assert_eq!(early.processed, 0);
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(T0 + Duration::seconds(30))
    );
    // Once it has ended, another instance takes them over and decides each once.
    let late = store
        .process_due(T0 + Duration::seconds(31), 100, None)
        .await
        .unwrap();
    assert_eq!(late.processed, 3);
    assert_eq!(late.completed, 3);
    let store: Arc<dyn Store> = Arc::new(store);
    for d in &imported {
        assert_eq!(state_of(&store, &t, d.id).await.0, ImportStatus::Complete);
    }
    assert_eq!(store.count_devices(&t, None).await.unwrap(), 3);
    assert_eq!(store.next_due().await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_registering_the_same_hardware_at_once_one_wins() {
    let Some(url) = autopilot_testkit::postgres::fresh_database().await else {
        return;
    };
    let a = Arc::new(instance(&url).await);
    let b = Arc::new(instance(&url).await);
    let t = TenantId::new("race");
    for round in 0..20 {
        let serial = format!("RACE-{round:02}");
        // The same hardware in two imports, due at the same moment.
        let first = a.import_devices(&t, hashed(&[&serial], T0)).await.unwrap();
        let second = b.import_devices(&t, hashed(&[&serial], T0)).await.unwrap();
        let now = T0 + Duration::seconds(1);
        let (ra, rb) = tokio::join!(a.process_due(now, 1, None), b.process_due(now, 1, None));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        // Whoever took what, both records are decided, once each, and one registered.
        let mut rest = a.process_due(now, 10, None).await.unwrap().processed;
        rest += b.process_due(now, 10, None).await.unwrap().processed;
        assert_eq!(ra.processed + rb.processed + rest, 2, "round {round}");
        let store: Arc<dyn Store> = a.clone();
        let mut outcomes = [
            state_of(&store, &t, first[0].id).await,
            state_of(&store, &t, second[0].id).await,
        ];
        outcomes.sort_by_key(|o| o.1);
        assert_eq!(outcomes[0].0, ImportStatus::Complete, "round {round}");
        assert_eq!(
            (outcomes[1].0, outcomes[1].1, outcomes[1].2.as_str()),
            (ImportStatus::Error, 806, "ZtdDeviceAlreadyAssigned"),
            "round {round}"
        );
    }
    assert_eq!(a.count_devices(&t, None).await.unwrap(), 20);
}
