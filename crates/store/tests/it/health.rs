//! Probes and metrics: the schema is the one this build migrates to, the queue counts what is
//! processing and due, the pool reports its connections.

use std::sync::Arc;

use autopilot_domain::{Store, TenantId, UploadTarget};

use crate::conformance::{T0, batch};

pub async fn health_reports_schema_queue_and_pool(store: Arc<dyn Store>) {
    let schema = store.schema().await.unwrap();
    assert!(schema.expected > 0);
    assert_eq!(schema.applied, schema.expected);
    assert_eq!(schema.problem(), None);

    assert_eq!(
        store.queue(T0).await.unwrap(),
        autopilot_domain::QueueStats::default()
    );
    // Three records due at T0 + 1 min.., two of them due by T0 + 2 min.
    let tenant = TenantId::new("t");
    let mut b = batch(3, UploadTarget::None);
    b.due_at = vec![
        T0 + time::Duration::minutes(1),
        T0 + time::Duration::minutes(2),
        T0 + time::Duration::minutes(3),
    ];
    store.import_devices(&tenant, b).await.unwrap();
    let queue = store.queue(T0 + time::Duration::minutes(2)).await.unwrap();
    assert_eq!(queue.processing, 3);
    assert_eq!(queue.due, 2);
    assert_eq!(queue.oldest_due, Some(T0 + time::Duration::minutes(1)));
    // Once decided, nothing is left.
    store
        .process_due(T0 + time::Duration::minutes(5), 100, None)
        .await
        .unwrap();
    let queue = store.queue(T0 + time::Duration::minutes(5)).await.unwrap();
    assert_eq!(
        (queue.processing, queue.due, queue.oldest_due),
        (0, 0, None)
    );

    let pool = store.pool_stats();
    assert!(
        pool.max >= 1 && pool.open <= pool.max && pool.idle <= pool.open,
        "{pool:?}"
    );
}

pub async fn tenants_are_summarized(store: Arc<dyn Store>) {
    assert!(store.tenant_summaries(100).await.unwrap().is_empty());
    let (a, b) = (TenantId::new("tenant-a"), TenantId::new("tenant-b"));
    store
        .import_devices(&a, crate::conformance::hashed(&["SUM-1", "SUM-2"], T0))
        .await
        .unwrap();
    store
        .process_due(T0 + time::Duration::minutes(1), 100, None)
        .await
        .unwrap();
    let mut late = batch(2, UploadTarget::None);
    late.due_at = vec![T0 + time::Duration::hours(1); 2];
    store.import_devices(&b, late).await.unwrap();
    let all = store.tenant_summaries(100).await.unwrap();
    let tenants: Vec<&str> = all.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(tenants, ["tenant-a", "tenant-b"]);
    assert_eq!(
        (all[0].devices, all[0].processing, all[0].failed),
        (2, 0, 0)
    );
    assert_eq!((all[1].devices, all[1].processing), (0, 2));
    assert_eq!(all[0].name, None);
    assert_eq!(store.tenant_summaries(1).await.unwrap().len(), 1);
}
