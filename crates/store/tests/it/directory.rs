//! Entra ID device objects: made by the registration round, kept in step with their Autopilot
//! device, queried like every other list.

use std::sync::Arc;

use autopilot_domain::{DevicePatch, DirectoryKey, PageRequest, Store, TenantId};
use uuid::Uuid;

use crate::conformance::{T0, hashed};

/// Registers `serials` in `tenant` (the first with group tag `Lab`) and returns the Autopilot
/// devices' ids.
async fn register(store: &Arc<dyn Store>, tenant: &TenantId, serials: &[&str]) -> Vec<Uuid> {
    let mut batch = hashed(serials, T0);
    for (i, d) in batch.devices.iter_mut().enumerate() {
        d.group_tag = if i == 0 { "Lab".into() } else { String::new() };
    }
    store.import_devices(tenant, batch).await.unwrap();
    store.process_due(T0, 1000, None).await.unwrap();
    let page = store
        .list_devices(
            tenant,
            PageRequest {
                limit: 1000,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    let mut by_serial: Vec<_> = page
        .items
        .iter()
        .map(|d| (d.serial_number.clone(), d.id))
        .collect();
    by_serial.sort();
    by_serial.into_iter().map(|(_, id)| id).collect()
}

fn filtered(filter: &str) -> PageRequest {
    PageRequest {
        filter: Some(autopilot_odata::parse_filter(filter).unwrap()),
        limit: 100,
        ..PageRequest::default()
    }
}

pub async fn registration_creates_entra_devices(store: Arc<dyn Store>) {
    let t = TenantId::new("entra");
    let ids = register(&store, &t, &["E-001", "E-002"]).await;
    let autopilot = store.get_device(&t, ids[0]).await.unwrap().unwrap();
    let object = store
        .get_directory_device(
            &t,
            &DirectoryKey::DeviceId(autopilot.azure_ad_device_id.clone()),
        )
        .await
        .unwrap()
        .expect("an Entra device for the registered device");
    assert_eq!(object.device_id, autopilot.azure_ad_device_id);
    assert_eq!(object.autopilot_id, Some(autopilot.id));
    assert_eq!(object.display_name, "E-001", "named by its serial");
    assert!(object.account_enabled);
    assert_eq!(object.operating_system, "Windows");
    assert_eq!(object.trust_type, None);
    assert_eq!(object.manufacturer.as_deref(), Some("Contoso"));
    assert_eq!(object.model.as_deref(), Some("Laptop 7"));
    assert_eq!(object.physical_ids[0], "[OrderId]:Lab");
    assert_eq!(object.physical_ids[1], format!("[ZTDID]:{}", autopilot.id));
    assert!(object.physical_ids[2].starts_with("[HWID]:h:"));
    // By object id, and case-insensitively by deviceId.
    let again = store
        .get_directory_device(&t, &DirectoryKey::Id(object.id))
        .await
        .unwrap();
    assert_eq!(again.as_ref(), Some(&object));
    let upper = DirectoryKey::DeviceId(autopilot.azure_ad_device_id.to_uppercase());
    assert!(
        store
            .get_directory_device(&t, &upper)
            .await
            .unwrap()
            .is_some()
    );
    // Another tenant sees none of them.
    let other = TenantId::new("entra-other");
    assert_eq!(
        store.count_directory_devices(&other, None).await.unwrap(),
        0
    );
    assert!(
        store
            .get_directory_device(&other, &DirectoryKey::Id(object.id))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_directory_devices(&t, None).await.unwrap(), 2);
}

pub async fn entra_devices_follow_their_autopilot_device(store: Arc<dyn Store>) {
    let t = TenantId::new("entra-follow");
    let ids = register(&store, &t, &["F-001", "F-002"]).await;
    let key = |d: &autopilot_domain::AutopilotDevice| {
        DirectoryKey::DeviceId(d.azure_ad_device_id.clone())
    };
    let autopilot = store.get_device(&t, ids[1]).await.unwrap().unwrap();
    let patch = DevicePatch {
        group_tag: Some("Office".into()),
        display_name: Some("OFFICE-02".into()),
        ..DevicePatch::default()
    };
    assert!(store.update_device(&t, ids[1], &patch, T0).await.unwrap());
    let object = store
        .get_directory_device(&t, &key(&autopilot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(object.display_name, "OFFICE-02");
    assert_eq!(object.physical_ids[0], "[OrderId]:Office");
    assert_eq!(object.physical_ids.len(), 3);
    // A tag removed takes its order id with it.
    let cleared = DevicePatch {
        group_tag: Some(String::new()),
        ..DevicePatch::default()
    };
    store.update_device(&t, ids[1], &cleared, T0).await.unwrap();
    let object = store
        .get_directory_device(&t, &key(&autopilot))
        .await
        .unwrap()
        .unwrap();
    assert!(
        object.physical_ids[0].starts_with("[ZTDID]:"),
        "{:?}",
        object.physical_ids
    );
    // Deregistering removes the Entra device; deleting the Entra device leaves Autopilot's.
    assert!(store.delete_device(&t, ids[1]).await.unwrap());
    assert!(
        store
            .get_directory_device(&t, &key(&autopilot))
            .await
            .unwrap()
            .is_none()
    );
    let first = store.get_device(&t, ids[0]).await.unwrap().unwrap();
    let object = store
        .get_directory_device(&t, &key(&first))
        .await
        .unwrap()
        .unwrap();
    assert!(store.delete_directory_device(&t, object.id).await.unwrap());
    assert!(!store.delete_directory_device(&t, object.id).await.unwrap());
    assert!(store.get_device(&t, ids[0]).await.unwrap().is_some());
    let left = store
        .count_directory_devices(
            &t,
            Some(
                &autopilot_odata::parse_filter("physicalIds/any(p:startswith(p,'[HWID]'))")
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(left, 0);
}

pub async fn entra_device_queries(store: Arc<dyn Store>) {
    let t = TenantId::new("entra-query");
    let serials: Vec<String> = (0..12).map(|i| format!("Q-{i:03}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    let ids = register(&store, &t, &refs).await;
    let count = |f: &str| {
        let store = store.clone();
        let t = t.clone();
        let f = autopilot_odata::parse_filter(f).unwrap();
        async move { store.count_directory_devices(&t, Some(&f)).await.unwrap() }
    };
    assert_eq!(count("physicalIds/any(p:p eq '[OrderId]:Lab')").await, 1);
    assert_eq!(
        count("physicalIds/any(p:p eq '[orderid]:LAB')").await,
        1,
        "case-insensitive"
    );
    assert_eq!(
        count("physicalIds/any(p:startswith(p,'[ZTDID]'))").await,
        12
    );
    assert_eq!(
        count("not physicalIds/any(p:startswith(p,'[OrderId]'))").await,
        11
    );
    assert_eq!(
        count("physicalIds/all(p:startswith(p,'[ZTDID]') or startswith(p,'[HWID]'))").await,
        11
    );
    let ztdid = format!("physicalIds/any(p:p eq '[ZTDID]:{}')", ids[3]);
    assert_eq!(count(&ztdid).await, 1);
    assert_eq!(
        count("displayName eq 'q-004' or startswith(displayName,'Q-01')").await,
        3
    );
    assert_eq!(
        count("accountEnabled eq true and trustType eq null").await,
        12
    );
    assert_eq!(count("operatingSystem eq 'Windows'").await, 12);
    // Paging by display name visits each once, with the physical ids of each page.
    let mut seen = Vec::new();
    let mut request = PageRequest {
        orderby: autopilot_odata::parse_orderby("displayName desc").unwrap(),
        limit: 5,
        ..PageRequest::default()
    };
    loop {
        let page = store
            .list_directory_devices(&t, request.clone())
            .await
            .unwrap();
        for d in &page.items {
            assert!(d.physical_ids.iter().any(|p| p.starts_with("[ZTDID]:")));
            seen.push(d.display_name.clone());
        }
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    let mut expected = serials.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    let page = store
        .list_directory_devices(&t, filtered("displayName eq 'Q-007'"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

/// `tenant load`: devices from an export, with their Entra objects; what is there already is
/// skipped; an Entra device id named twice gets a new one.
pub async fn loaded_devices_get_their_entra_objects(store: Arc<dyn Store>) {
    let t = TenantId::new("loaded");
    let registered = register(&store, &TenantId::new("loaded-other"), &["L-001"]).await;
    let other = store
        .get_device(&TenantId::new("loaded-other"), registered[0])
        .await
        .unwrap()
        .unwrap();
    let shared_entra = Uuid::new_v4().to_string();
    let device = |serial: &str, hardware_key: &str| autopilot_domain::AutopilotDevice {
        id: Uuid::new_v4(),
        hardware_key: hardware_key.into(),
        serial_number: serial.into(),
        azure_ad_device_id: shared_entra.clone(),
        group_tag: "Loaded".into(),
        ..other.clone()
    };
    let a = device("L-100", "serial:7:CONTOSO:L-100");
    let b = device("L-101", "serial:7:CONTOSO:L-101");
    let taken = device("L-001", &other.hardware_key);
    let outcomes = store
        .load_devices(&t, &[a.clone(), b.clone(), taken, a.clone()], T0)
        .await
        .unwrap();
    use autopilot_domain::LoadOutcome::{HardwareTaken, IdTaken, Loaded};
    assert_eq!(outcomes, [Loaded, Loaded, HardwareTaken, IdTaken]);
    let got_a = store.get_device(&t, a.id).await.unwrap().unwrap();
    let got_b = store.get_device(&t, b.id).await.unwrap().unwrap();
    assert_eq!(got_a.azure_ad_device_id, shared_entra);
    assert_ne!(
        got_b.azure_ad_device_id, shared_entra,
        "one Entra id names one object"
    );
    for d in [&got_a, &got_b] {
        let object = store
            .get_directory_device(&t, &DirectoryKey::DeviceId(d.azure_ad_device_id.clone()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(object.autopilot_id, Some(d.id));
        assert_eq!(object.physical_ids[0], "[OrderId]:Loaded");
    }
    assert_eq!(store.count_devices(&t, None).await.unwrap(), 2);
}
