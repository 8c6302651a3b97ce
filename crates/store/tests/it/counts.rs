//! The per-tenant device counts behind `$count` without a filter: kept by the database's
//! triggers in the transaction that registers or deletes, always equal to counting the rows.

use std::sync::Arc;

use autopilot_domain::{PageRequest, Store, TenantId};

use crate::conformance::{T0, hashed};

/// Devices found by a substring of their serial (SQLite: through the trigram index, which its
/// own triggers keep).
async fn containing(store: &Arc<dyn Store>, t: &TenantId, part: &str) -> u64 {
    let filter =
        autopilot_odata::parse_filter(&format!("contains(serialNumber,'{part}')")).unwrap();
    store.count_devices(t, Some(&filter)).await.unwrap()
}

/// The count the triggers keep, and the rows counted (a filter every device matches).
async fn both(store: &Arc<dyn Store>, t: &TenantId) -> (u64, u64) {
    let every = autopilot_odata::parse_filter("serialNumber ne 'no such serial'").unwrap();
    (
        store.count_devices(t, None).await.unwrap(),
        store.count_devices(t, Some(&every)).await.unwrap(),
    )
}

pub async fn device_counts_follow_registration_and_deletion(store: Arc<dyn Store>) {
    let (a, b) = (TenantId::new("count-a"), TenantId::new("count-b"));
    assert_eq!(both(&store, &a).await, (0, 0));
    store
        .import_devices(&a, hashed(&["C-1", "C-2", "C-3", "C-4"], T0))
        .await
        .unwrap();
    store
        .import_devices(&b, hashed(&["C-9"], T0))
        .await
        .unwrap();
    // Imported is not registered.
    assert_eq!(both(&store, &a).await, (0, 0));
    while store.process_due(T0, 2, None).await.unwrap().processed > 0 {}
    assert_eq!(both(&store, &a).await, (4, 4));
    assert_eq!(both(&store, &b).await, (1, 1));
    let listed = store
        .list_devices(&a, PageRequest::first(10))
        .await
        .unwrap();
    for device in listed.items.iter().take(3) {
        assert!(store.delete_device(&a, device.id).await.unwrap());
    }
    // A delete of nothing changes nothing.
    assert!(!store.delete_device(&a, listed.items[0].id).await.unwrap());
    assert_eq!(both(&store, &a).await, (1, 1));
    assert_eq!(both(&store, &b).await, (1, 1));
    // The substring index forgets the deleted devices, and only theirs.
    assert_eq!(containing(&store, &a, "C-").await, 1);
    assert_eq!(containing(&store, &b, "C-").await, 1);
    // Registered again after its deletion: counted again.
    store
        .import_devices(&a, hashed(&["C-1"], T0))
        .await
        .unwrap();
    while store.process_due(T0, 10, None).await.unwrap().processed > 0 {}
    assert_eq!(both(&store, &a).await, (2, 2));
    assert_eq!(containing(&store, &a, "C-").await, 2);
    assert_eq!(containing(&store, &a, "C-1").await, 1);
    // The console's tenant list reads the same counts.
    let summaries = store.tenant_summaries(100).await.unwrap();
    let devices = |t: &TenantId| {
        summaries
            .iter()
            .find(|s| s.tenant == t.as_str())
            .map(|s| s.devices)
    };
    assert_eq!((devices(&a), devices(&b)), (Some(2), Some(1)));
}
