//! Checks every Store implementation must pass.

use std::collections::HashSet;
use std::sync::Arc;

use autopilot_domain::{
    EnrollmentState, ImportBatch, ImportStatus, NewImportedDevice, PageRequest, Store, StoreError,
    TenantId, UploadStatus, UploadTarget,
};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

pub const T0: OffsetDateTime = datetime!(2026-11-28 12:00:00.123456 UTC);

pub fn batch(n: usize, upload: UploadTarget) -> ImportBatch {
    let ids = (0..n).map(|_| Uuid::now_v7()).collect();
    let devices = (0..n)
        .map(|i| NewImportedDevice {
            serial_number: format!("SN{i:05}"),
            group_tag: if i % 2 == 0 {
                "Lab".into()
            } else {
                String::new()
            },
            product_key: String::new(),
            assigned_user_principal_name: format!("user{i}@contoso.com"),
            hardware_identifier: vec![u8::try_from(i % 256).unwrap(); 3000],
        })
        .collect();
    ImportBatch {
        import_id: Uuid::new_v4().to_string(),
        upload,
        created_at: T0,
        due_at: vec![T0; n],
        ids,
        devices,
    }
}

pub async fn import_then_get_list_count_delete(store: Arc<dyn Store>) {
    let t = TenantId::new("contoso");
    let b = batch(3, UploadTarget::None);
    let import_id = b.import_id.clone();
    let created = store.import_devices(&t, b).await.unwrap();
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|d| d.import_id == import_id));
    assert_eq!(created[1].serial_number, "SN00001");

    let got = store
        .get_imported(&t, created[1].id, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, created[1]);
    assert_eq!(got.state.device_import_status, ImportStatus::Unknown);
    assert_eq!(got.hardware_identifier, vec![1u8; 3000]);
    assert_eq!(got.created_at, T0);

    let page = store
        .list_imported(&t, None, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.items, created);
    assert_eq!(page.next, None);
    assert_eq!(store.count_imported(&t, None, None).await.unwrap(), 3);

    assert!(
        store
            .delete_imported(&t, created[0].id, None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_imported(&t, created[0].id, None)
            .await
            .unwrap()
    );
    assert!(
        store
            .get_imported(&t, created[0].id, None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_imported(&t, None, None).await.unwrap(), 2);
}

pub async fn paging_visits_every_record_once(store: Arc<dyn Store>) {
    let t = TenantId::new("paging");
    let created = store
        .import_devices(&t, batch(25, UploadTarget::None))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_imported(
                &t,
                None,
                PageRequest {
                    after: after.clone(),
                    limit: 10,
                    ..PageRequest::default()
                },
            )
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|d| d.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 25);
    let mut expected: Vec<_> = created.iter().map(|d| d.id).collect();
    expected.sort();
    assert_eq!(seen, expected, "id order, each once");

    // A page that ends exactly at the last record has no next page.
    let page = store
        .list_imported(
            &t,
            None,
            PageRequest {
                after: Some(autopilot_domain::Cursor::at_id(expected[14])),
                limit: 10,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert_eq!(page.next, None);
}

pub async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let a = TenantId::new("tenant-a");
    let b = TenantId::new("tenant-b");
    let created = store
        .import_devices(&a, batch(2, UploadTarget::None))
        .await
        .unwrap();
    let id = created[0].id;
    assert!(store.get_imported(&b, id, None).await.unwrap().is_none());
    assert!(!store.delete_imported(&b, id, None).await.unwrap());
    let page = store
        .list_imported(&b, None, PageRequest::first(100))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(store.count_imported(&b, None, None).await.unwrap(), 0);
    assert!(store.get_imported(&a, id, None).await.unwrap().is_some());

    let upload = Uuid::now_v7();
    store.create_upload(&a, upload, T0).await.unwrap();
    assert!(store.get_upload(&b, upload).await.unwrap().is_none());
    assert!(!store.delete_upload(&b, upload).await.unwrap());
    assert!(matches!(
        store
            .import_devices(&b, batch(1, UploadTarget::Existing(upload)))
            .await,
        Err(StoreError::UploadNotFound(_))
    ));
}

pub async fn uploads_follow_their_devices(store: Arc<dyn Store>) {
    let t = TenantId::new("uploads");
    let empty = Uuid::now_v7();
    let upload = store.create_upload(&t, empty, T0).await.unwrap();
    assert_eq!(upload.status, UploadStatus::NoUpload);
    assert_eq!(upload.created_date_time_utc, T0);

    let second = Uuid::now_v7();
    let created = store
        .import_devices(&t, batch(2, UploadTarget::New(second)))
        .await
        .unwrap();
    assert!(created.iter().all(|d| d.upload_id == Some(second)));
    let got = store.get_upload(&t, second).await.unwrap().unwrap();
    assert_eq!(got.status, UploadStatus::Pending);

    // Devices of an upload are also in the plain collection.
    assert_eq!(store.count_imported(&t, None, None).await.unwrap(), 2);
    assert_eq!(
        store.count_imported(&t, Some(second), None).await.unwrap(),
        2
    );
    assert_eq!(
        store.count_imported(&t, Some(empty), None).await.unwrap(),
        0
    );
    // ...but not under another upload.
    assert!(
        store
            .get_imported(&t, created[0].id, Some(empty))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .delete_imported(&t, created[0].id, Some(empty))
            .await
            .unwrap()
    );

    let list = store
        .list_uploads(&t, PageRequest::first(10))
        .await
        .unwrap();
    let statuses: Vec<_> = list.items.iter().map(|u| (u.id, u.status)).collect();
    assert_eq!(
        statuses,
        vec![
            (empty, UploadStatus::NoUpload),
            (second, UploadStatus::Pending)
        ]
    );

    assert!(store.delete_upload(&t, second).await.unwrap());
    assert!(store.get_upload(&t, second).await.unwrap().is_none());
    assert_eq!(
        store.count_imported(&t, None, None).await.unwrap(),
        0,
        "devices go too"
    );
    assert!(
        store
            .get_imported(&t, created[1].id, None)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn import_into_missing_upload_writes_nothing(store: Arc<dyn Store>) {
    let t = TenantId::new("atomic");
    let missing = Uuid::now_v7();
    let err = store
        .import_devices(&t, batch(3, UploadTarget::Existing(missing)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UploadNotFound(id) if id == missing));
    assert_eq!(store.count_imported(&t, None, None).await.unwrap(), 0);

    // A duplicate id inside one batch fails the whole batch.
    let mut b = batch(3, UploadTarget::New(Uuid::now_v7()));
    b.ids[2] = b.ids[0];
    assert!(store.import_devices(&t, b).await.is_err());
    assert_eq!(store.count_imported(&t, None, None).await.unwrap(), 0);
    let uploads = store
        .list_uploads(&t, PageRequest::first(10))
        .await
        .unwrap();
    assert!(
        uploads.items.is_empty(),
        "the new upload is rolled back too"
    );
}

/// A batch of devices with real (synthetic) hashes, due at `due`.
pub fn hashed(serials: &[&str], due: OffsetDateTime) -> ImportBatch {
    let mut b = batch(serials.len(), UploadTarget::None);
    for (device, serial) in b.devices.iter_mut().zip(serials) {
        device.serial_number = (*serial).to_owned();
        device.hardware_identifier = autopilot_hwhash::encode_bytes(
            &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", *serial).build(),
        )
        .unwrap();
    }
    b.due_at = vec![due; serials.len()];
    b
}

pub async fn state_of(
    store: &Arc<dyn Store>,
    t: &TenantId,
    id: Uuid,
) -> (ImportStatus, i32, String, String) {
    let d = store.get_imported(t, id, None).await.unwrap().unwrap();
    (
        d.state.device_import_status,
        d.state.device_error_code,
        d.state.device_error_name,
        d.state.device_registration_id,
    )
}

pub async fn registration_decides_every_rule(store: Arc<dyn Store>) {
    let a = TenantId::new("reg-a");
    let b = TenantId::new("reg-b");
    // Valid, invalid, and the same hardware twice in one import.
    let mut first = hashed(&["R-001", "R-002", "R-001"], T0);
    first.devices[1].hardware_identifier = b"hardwareIdentifier".to_vec();
    let created = store.import_devices(&a, first).await.unwrap();
    // Not due yet: nothing happens.
    let early = store
        .process_due(T0 - time::Duration::seconds(1), 100, None)
        .await
        .unwrap();
    assert_eq!(early.processed, 0);
    assert_eq!(store.next_due().await.unwrap(), Some(T0));

    let report = store.process_due(T0, 100, None).await.unwrap();
    assert_eq!((report.processed, report.completed), (3, 1));
    let (status, code, name, device_id) = state_of(&store, &a, created[0].id).await;
    assert_eq!(
        (status, code, name.as_str()),
        (ImportStatus::Complete, 0, "None")
    );
    let (status, code, name, _) = state_of(&store, &a, created[1].id).await;
    assert_eq!(
        (status, code, name.as_str()),
        (ImportStatus::Error, 802, "InvalidZtdHardwareHash")
    );
    let (status, code, name, _) = state_of(&store, &a, created[2].id).await;
    assert_eq!(
        (status, code, name.as_str()),
        (ImportStatus::Error, 807, "ZtdDeviceDuplicated")
    );
    assert_eq!(store.next_due().await.unwrap(), None);

    // The registered device, as the hash describes it.
    let device_id = Uuid::parse_str(&device_id).unwrap();
    let device = store.get_device(&a, device_id).await.unwrap().unwrap();
    assert_eq!(device.serial_number, "R-001");
    assert_eq!(device.manufacturer, "Contoso");
    assert_eq!(device.model, "Laptop 7");
    assert_eq!(device.group_tag, "Lab");
    assert_eq!(device.user_principal_name, "user0@contoso.com");
    assert_eq!(device.enrollment_state, EnrollmentState::NotContacted);
    assert_eq!(device.last_contacted, None);
    assert!(Uuid::parse_str(&device.azure_ad_device_id).is_ok());
    assert_eq!(store.count_devices(&a, None).await.unwrap(), 1);
    assert!(store.get_device(&b, device_id).await.unwrap().is_none());

    // 806 in the same tenant, 808 in another.
    let again = store
        .import_devices(&a, hashed(&["R-001"], T0))
        .await
        .unwrap();
    let other = store
        .import_devices(&b, hashed(&["R-001"], T0))
        .await
        .unwrap();
    store.process_due(T0, 100, None).await.unwrap();
    let (status, code, name, _) = state_of(&store, &a, again[0].id).await;
    assert_eq!(
        (status, code, name.as_str()),
        (ImportStatus::Error, 806, "ZtdDeviceAlreadyAssigned")
    );
    let (status, code, name, _) = state_of(&store, &b, other[0].id).await;
    assert_eq!(
        (status, code, name.as_str()),
        (ImportStatus::Error, 808, "ZtdDeviceAssignedToOtherTenant")
    );

    // Deleting the device frees the hardware: a new import registers again, in any tenant.
    assert!(!store.delete_device(&b, device_id).await.unwrap());
    assert!(store.delete_device(&a, device_id).await.unwrap());
    assert!(!store.delete_device(&a, device_id).await.unwrap());
    let moved = store
        .import_devices(&b, hashed(&["R-001"], T0))
        .await
        .unwrap();
    store.process_due(T0, 100, None).await.unwrap();
    assert_eq!(
        state_of(&store, &b, moved[0].id).await.0,
        ImportStatus::Complete
    );
    assert_eq!(store.count_devices(&a, None).await.unwrap(), 0);
    assert_eq!(store.count_devices(&b, None).await.unwrap(), 1);
}

pub async fn withdrawn_and_limited_processing(store: Arc<dyn Store>) {
    let t = TenantId::new("withdraw");
    let serials: Vec<String> = (0..25).map(|i| format!("W-{i:03}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    let created = store.import_devices(&t, hashed(&refs, T0)).await.unwrap();
    // An unknown record deleted before processing is never registered.
    assert!(
        store
            .delete_imported(&t, created[0].id, None)
            .await
            .unwrap()
    );
    let mut rounds = 0;
    let mut total = 0;
    loop {
        let report = store.process_due(T0, 10, None).await.unwrap();
        if report.processed == 0 {
            break;
        }
        assert!(report.processed <= 10);
        total += report.completed;
        rounds += 1;
    }
    assert_eq!((rounds, total), (3, 24));
    assert_eq!(store.count_devices(&t, None).await.unwrap(), 24);
    let page = store
        .list_devices(&t, PageRequest::first(20))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    let rest = store
        .list_devices(
            &t,
            PageRequest {
                after: page.next.clone(),
                limit: 20,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 4);
    assert_eq!(rest.next, None);
    let serials: HashSet<String> = page
        .items
        .iter()
        .chain(&rest.items)
        .map(|d| d.serial_number.clone())
        .collect();
    assert!(!serials.contains("W-000"), "the withdrawn record");
    assert_eq!(serials.len(), 24);
}

fn q(filter: Option<&str>, orderby: Option<&str>, limit: u32) -> PageRequest {
    PageRequest {
        filter: filter.map(|f| autopilot_odata::parse_filter(f).unwrap()),
        orderby: orderby
            .map(|o| autopilot_odata::parse_orderby(o).unwrap())
            .unwrap_or_default(),
        limit,
        ..PageRequest::default()
    }
}

pub async fn filters_orders_and_keyset_pages(store: Arc<dyn Store>) {
    let t = TenantId::new("query");
    // 30 records; group tags in three groups (ties), serials with a LIKE-special character.
    let mut b = batch(30, UploadTarget::None);
    for (i, d) in b.devices.iter_mut().enumerate() {
        d.serial_number = format!("Q{i:03}{}", if i == 7 { "%X" } else { "" });
        d.group_tag = ["alpha", "Beta", "gamma"][i % 3].to_owned();
    }
    let created = store.import_devices(&t, b).await.unwrap();
    let serials = |items: &[autopilot_domain::ImportedDevice]| -> Vec<String> {
        items.iter().map(|d| d.serial_number.clone()).collect()
    };
    let all = |filter: &str| {
        let store = store.clone();
        let t = t.clone();
        let filter = filter.to_owned();
        async move {
            store
                .list_imported(&t, None, q(Some(&filter), None, 1000))
                .await
                .unwrap()
                .items
        }
    };
    assert_eq!(
        serials(&all("serialNumber eq 'q005'").await),
        vec!["Q005"],
        "case-insensitive eq"
    );
    assert_eq!(all("startswith(serialNumber,'Q00')").await.len(), 10);
    assert_eq!(all("startswith(serialNumber,'q00')").await.len(), 10);
    assert_eq!(
        serials(&all("contains(serialNumber,'%X')").await),
        vec!["Q007%X"],
        "LIKE escaping"
    );
    assert_eq!(all("contains(serialNumber,'%')").await.len(), 1);
    assert_eq!(
        all("contains(serialNumber,'q00')").await.len(),
        10,
        "trigram index, any case"
    );
    assert_eq!(
        serials(&all("contains(serialNumber,'7%X')").await),
        vec!["Q007%X"]
    );
    assert_eq!(all("endswith(serialNumber,'029')").await.len(), 1);
    // The substring index follows deletions.
    let q001 = all("serialNumber eq 'Q001'").await;
    assert!(store.delete_imported(&t, q001[0].id, None).await.unwrap());
    assert_eq!(all("contains(serialNumber,'Q00')").await.len(), 9);
    assert_eq!(all("contains(serialNumber,'Q001')").await.len(), 0);
    assert_eq!(all("endswith(serialNumber,'9')").await.len(), 3);
    assert_eq!(all("groupTag eq 'BETA'").await.len(), 9);
    assert_eq!(all("groupTag in ('alpha','gamma')").await.len(), 20);
    assert_eq!(all("not (groupTag eq 'alpha')").await.len(), 19);
    assert_eq!(
        all("groupTag eq 'alpha' and startswith(serialNumber,'Q01')")
            .await
            .len(),
        3
    );
    assert_eq!(
        all("groupTag eq 'alpha' or groupTag eq 'Beta'").await.len(),
        19
    );
    assert_eq!(all("state/deviceImportStatus eq 'unknown'").await.len(), 29);
    assert_eq!(all("state/deviceImportStatus eq 'complete'").await.len(), 0);
    assert_eq!(all("state/deviceErrorCode eq 0").await.len(), 29);
    assert_eq!(all("serialNumber gt 'Q027'").await.len(), 2);
    assert_eq!(all("tolower(serialNumber) eq 'q002'").await.len(), 1);
    assert_eq!(all("serialNumber eq null").await.len(), 0);
    assert_eq!(
        all("serialNumber eq 'x'' or ''1''=''1'").await.len(),
        0,
        "quotes are data"
    );
    let n = store
        .count_imported(
            &t,
            None,
            Some(&autopilot_odata::parse_filter("groupTag eq 'gamma'").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(n, 10);

    // Ordered by group tag (ties broken by id), walked 7 at a time: every record once, in order.
    for order in [
        "groupTag",
        "groupTag desc",
        "groupTag desc, serialNumber",
        "serialNumber desc",
    ] {
        let mut request = q(None, Some(order), 7);
        let mut seen = Vec::new();
        loop {
            let page = store
                .list_imported(&t, None, request.clone())
                .await
                .unwrap();
            seen.extend(
                page.items
                    .iter()
                    .map(|d| (d.group_tag.to_lowercase(), d.serial_number.clone(), d.id)),
            );
            match page.next {
                Some(next) => request.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 29, "{order}");
        let mut expected = seen.clone();
        match order {
            "groupTag" => expected.sort_by_key(|a| (a.0.clone(), a.2)),
            "groupTag desc" => expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2))),
            "groupTag desc, serialNumber" => {
                expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)))
            }
            _ => expected.sort_by(|a, b| b.1.cmp(&a.1)),
        }
        assert_eq!(seen, expected, "{order}");
    }
    // $skip.
    let mut request = q(None, Some("serialNumber"), 5);
    request.skip = 27;
    let page = store.list_imported(&t, None, request).await.unwrap();
    assert_eq!(serials(&page.items), vec!["Q028", "Q029"]);
    assert!(page.next.is_none());
    let _ = created;

    // A cursor with the wrong number of keys is refused, not run.
    let mut request = q(None, Some("serialNumber"), 5);
    request.after = Some(autopilot_domain::Cursor::at_id(Uuid::nil()));
    assert!(matches!(
        store.list_imported(&t, None, request).await,
        Err(StoreError::InvalidQuery(_))
    ));

    // Devices and uploads take queries too.
    let mut reg = hashed(&["QD-1", "QD-2", "QD-3"], T0);
    reg.devices[1].group_tag = "Kiosk".into();
    store.import_devices(&t, reg).await.unwrap();
    store.process_due(T0, 100, None).await.unwrap();
    let devices = store
        .list_devices(
            &t,
            q(
                Some("groupTag eq 'kiosk' and enrollmentState eq 'notContacted'"),
                None,
                10,
            ),
        )
        .await
        .unwrap();
    assert_eq!(devices.items.len(), 1);
    assert_eq!(devices.items[0].serial_number, "QD-2");
    let n = store
        .count_devices(
            &t,
            Some(&autopilot_odata::parse_filter("startswith(serialNumber,'QD')").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    let qd = store
        .list_devices(&t, q(Some("contains(serialNumber,'d-2')"), None, 10))
        .await
        .unwrap();
    assert_eq!(qd.items.len(), 1);
    assert!(store.delete_device(&t, qd.items[0].id).await.unwrap());
    let left = store
        .count_devices(
            &t,
            Some(&autopilot_odata::parse_filter("contains(serialNumber,'QD-')").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(left, 2, "the device index follows deletions");
    let before = store
        .list_devices(
            &t,
            q(
                Some("lastContactedDateTime lt 2000-01-01T00:00:00Z"),
                Some("lastContactedDateTime desc"),
                10,
            ),
        )
        .await
        .unwrap();
    assert_eq!(before.items.len(), 2, "never contacted is 0001-01-01");
    // Text sort keys across pages (the cursor reads them after the device's own columns).
    let mut request = q(None, Some("serialNumber desc"), 1);
    let mut walked = Vec::new();
    loop {
        let page = store.list_devices(&t, request.clone()).await.unwrap();
        walked.extend(page.items.iter().map(|d| d.serial_number.clone()));
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, vec!["QD-3", "QD-1"]);
    store.create_upload(&t, Uuid::now_v7(), T0).await.unwrap();
    let uploads = store
        .list_uploads(
            &t,
            q(
                Some("status eq 'noUpload'"),
                Some("createdDateTimeUtc desc"),
                10,
            ),
        )
        .await
        .unwrap();
    assert_eq!(uploads.items.len(), 1);
    assert_eq!(
        store
            .count_uploads(
                &t,
                Some(&autopilot_odata::parse_filter("status eq 'pending'").unwrap())
            )
            .await
            .unwrap(),
        0
    );
}
