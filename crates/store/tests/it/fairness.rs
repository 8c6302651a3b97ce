//! A registration round is shared among the tenants with records due: one tenant's backlog
//! does not hold back another tenant's records.

use std::sync::Arc;

use autopilot_domain::{ImportStatus, PageRequest, Store, TenantId};
use time::Duration;

use crate::conformance::{T0, hashed};

/// How many of the tenant's records are still waiting.
async fn waiting(store: &Arc<dyn Store>, t: &TenantId) -> usize {
    let page = store
        .list_imported(t, None, PageRequest::first(1000))
        .await
        .unwrap();
    page.items
        .iter()
        .filter(|d| d.state.device_import_status == ImportStatus::Unknown)
        .count()
}

/// How many records of each tenant are still waiting.
async fn waiting_each(store: &Arc<dyn Store>, tenants: &[TenantId]) -> Vec<usize> {
    let mut left = Vec::with_capacity(tenants.len());
    for t in tenants {
        left.push(waiting(store, t).await);
    }
    left
}

fn serials(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}-{i}")).collect()
}

pub async fn a_backlog_does_not_hold_back_another_tenant(store: Arc<dyn Store>) {
    let (big, small) = (TenantId::new("fair-big"), TenantId::new("fair-small"));
    let big_serials = serials("FB", 300);
    let big_serials: Vec<&str> = big_serials.iter().map(String::as_str).collect();
    store
        .import_devices(&big, hashed(&big_serials, T0))
        .await
        .unwrap();
    let later = T0 + Duration::minutes(1);
    store
        .import_devices(
            &small,
            hashed(&["FS-1", "FS-2", "FS-3", "FS-4", "FS-5"], later),
        )
        .await
        .unwrap();

    // Alone with records due, the backlog has the whole round.
    let first = store.process_due(T0, 100, None).await.unwrap();
    assert_eq!((first.processed, first.completed), (100, 100));
    assert_eq!(waiting(&store, &big).await, 200);

    // Once the small tenant's records are due, the next round takes every one of them, though
    // 200 records of the other tenant have been due for longer.
    let second = store.process_due(later, 100, None).await.unwrap();
    assert_eq!(waiting(&store, &small).await, 0, "{second:?}");
    assert_eq!(second.completed, second.processed);
    // Half the round each; what the small tenant leaves of its half goes to the other.
    assert_eq!(second.processed, 100);
    assert_eq!(waiting(&store, &big).await, 105);

    while store.process_due(later, 100, None).await.unwrap().processed > 0 {}
    assert_eq!(waiting(&store, &big).await, 0);
    assert_eq!(store.count_devices(&big, None).await.unwrap(), 300);
    assert_eq!(store.count_devices(&small, None).await.unwrap(), 5);
}

pub async fn more_tenants_than_a_round_go_longest_waiting_first(store: Arc<dyn Store>) {
    let tenants: Vec<TenantId> = (1..=3)
        .map(|i| TenantId::new(&format!("fair-{i}")))
        .collect();
    // Tenant 3 waits longest, then 1, then 2.
    for (t, (serial, due)) in tenants.iter().zip([("F1", 1), ("F2", 2), ("F3", 0)]) {
        let serials = [format!("{serial}-a"), format!("{serial}-b")];
        let serials: Vec<&str> = serials.iter().map(String::as_str).collect();
        store
            .import_devices(t, hashed(&serials, T0 + Duration::seconds(due)))
            .await
            .unwrap();
    }
    let round = store
        .process_due(T0 + Duration::seconds(5), 2, None)
        .await
        .unwrap();
    assert_eq!(round.processed, 2);
    let left = waiting_each(&store, &tenants).await;
    assert_eq!(left, vec![1, 2, 1], "one each for the two longest waiting");
    // The next round: one record each again, for the two whose waiting record is oldest.
    store
        .process_due(T0 + Duration::seconds(5), 2, None)
        .await
        .unwrap();
    let left = waiting_each(&store, &tenants).await;
    assert_eq!(
        left,
        vec![0, 2, 0],
        "tenant 2's first record is due after theirs"
    );
    // Nothing due yet: nothing taken, and the next due time is the earliest waiting record's.
    let early = T0 - Duration::minutes(5);
    assert_eq!(
        store.process_due(early, 10, None).await.unwrap().processed,
        0
    );
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(T0 + Duration::seconds(2))
    );
}
