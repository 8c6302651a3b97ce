//! Intune managed devices: written, found by serial number, wiped and deleted, per tenant.

use std::sync::Arc;

use autopilot_domain::managed::{ManagedDevice, Wipe};
use autopilot_domain::{PageRequest, Store, TenantId};
use uuid::Uuid;

use crate::conformance::T0;

fn device(serial: &str) -> ManagedDevice {
    ManagedDevice {
        id: Uuid::new_v4(),
        device_name: format!("PC-{serial}"),
        serial_number: serial.into(),
        manufacturer: "Contoso".into(),
        model: "Laptop 7".into(),
        operating_system: "Windows".into(),
        os_version: "10.0.26100".into(),
        azure_ad_device_id: Uuid::new_v4().to_string(),
        user_principal_name: String::new(),
        user_display_name: String::new(),
        enrollment_profile_name: String::new(),
        enrolled_at: T0,
        last_sync_at: T0,
        autopilot_id: Some(Uuid::new_v4()),
        wipe: None,
    }
}

pub async fn managed_devices_are_found_wiped_and_deleted(store: Arc<dyn Store>) {
    let t = TenantId::new("managed");
    let (a, b) = (device("SN-A1"), device("SN-B2"));
    store.put_managed_device(&t, &a).await.unwrap();
    store.put_managed_device(&t, &b).await.unwrap();
    assert_eq!(
        store.get_managed_device(&t, a.id).await.unwrap(),
        Some(a.clone())
    );
    let other = TenantId::new("managed-other");
    assert_eq!(store.get_managed_device(&other, a.id).await.unwrap(), None);
    let filter = autopilot_odata::parse_filter("startswith(serialNumber,'sn-b')").unwrap();
    let page = store
        .list_managed_devices(
            &t,
            PageRequest {
                filter: Some(filter.clone()),
                limit: 10,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items, vec![b.clone()]);
    assert_eq!(
        store
            .count_managed_devices(&t, Some(&filter))
            .await
            .unwrap(),
        1
    );
    let wipe = Wipe {
        keep_enrollment_data: true,
        keep_user_data: false,
        requested_at: T0,
    };
    assert!(store.wipe_managed_device(&t, b.id, &wipe).await.unwrap());
    assert!(
        !store
            .wipe_managed_device(&other, b.id, &wipe)
            .await
            .unwrap()
    );
    let wiped = store.get_managed_device(&t, b.id).await.unwrap().unwrap();
    assert_eq!(wiped.wipe, Some(wipe));
    assert!(!store.delete_managed_device(&other, a.id).await.unwrap());
    assert!(store.delete_managed_device(&t, a.id).await.unwrap());
    assert!(!store.delete_managed_device(&t, a.id).await.unwrap());
    assert_eq!(store.count_managed_devices(&t, None).await.unwrap(), 1);
}
