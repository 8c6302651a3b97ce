//! Permission usage: counts add up across writers, by day.

use std::sync::Arc;

use autopilot_domain::Store;
use autopilot_domain::usage::{Usage, day_of};

use crate::conformance::T0;

fn row(day: i64, calls: u64, at: time::OffsetDateTime) -> Usage {
    Usage {
        tenant: "t".into(),
        app_id: "app".into(),
        day,
        operation: "GET /beta/deviceManagement/windowsAutopilotDeviceIdentities".into(),
        needed: vec![
            "DeviceManagementServiceConfig.Read.All".into(),
            "DeviceManagementServiceConfig.ReadWrite.All".into(),
        ],
        carried: vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
        calls,
        denied: 0,
        first_at: at,
        last_at: at,
    }
}

pub async fn usage_counts_add_up(store: Arc<dyn Store>) {
    let today = day_of(T0);
    let later = T0 + time::Duration::minutes(5);
    // Two instances flushing at once.
    let (a, b) = (store.clone(), store.clone());
    let (x, y) = tokio::join!(
        async move { a.add_usage(&[row(today, 3, later)]).await },
        async move { b.add_usage(&[row(today, 4, T0)]).await },
    );
    x.unwrap();
    y.unwrap();
    store
        .add_usage(&[row(today - 40, 1, T0 - time::Duration::days(40))])
        .await
        .unwrap();
    let rows = store.usage_of("t", "app", today - 30).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].calls, 7);
    assert_eq!((rows[0].first_at, rows[0].last_at), (T0, later));
    assert_eq!(rows[0].needed.len(), 2);
    assert_eq!(
        store.usage_of("t", "app", today - 50).await.unwrap().len(),
        2
    );
    assert!(store.usage_of("t", "other", 0).await.unwrap().is_empty());
    assert_eq!(
        store.usage_apps(today).await.unwrap(),
        vec![("t".to_owned(), "app".to_owned())]
    );
}
