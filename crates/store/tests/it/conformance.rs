//! Checks every Store implementation must pass.

use std::collections::HashSet;
use std::sync::Arc;

use autopilot_domain::{
    ImportBatch, ImportStatus, NewImportedDevice, PageRequest, Store, StoreError, TenantId,
    UploadStatus, UploadTarget,
};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-28 12:00:00.123456 UTC);

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
        due_at: T0,
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
        .list_imported(
            &t,
            None,
            PageRequest {
                after: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items, created);
    assert_eq!(page.next_after, None);
    assert_eq!(store.count_imported(&t, None).await.unwrap(), 3);

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
    assert_eq!(store.count_imported(&t, None).await.unwrap(), 2);
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
            .list_imported(&t, None, PageRequest { after, limit: 10 })
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|d| d.id));
        match page.next_after {
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
                after: Some(expected[14]),
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert_eq!(page.next_after, None);
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
        .list_imported(
            &b,
            None,
            PageRequest {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(store.count_imported(&b, None).await.unwrap(), 0);
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
    assert_eq!(store.count_imported(&t, None).await.unwrap(), 2);
    assert_eq!(store.count_imported(&t, Some(second)).await.unwrap(), 2);
    assert_eq!(store.count_imported(&t, Some(empty)).await.unwrap(), 0);
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
        .list_uploads(
            &t,
            PageRequest {
                after: None,
                limit: 10,
            },
        )
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
        store.count_imported(&t, None).await.unwrap(),
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
    assert_eq!(store.count_imported(&t, None).await.unwrap(), 0);

    // A duplicate id inside one batch fails the whole batch.
    let mut b = batch(3, UploadTarget::New(Uuid::now_v7()));
    b.ids[2] = b.ids[0];
    assert!(store.import_devices(&t, b).await.is_err());
    assert_eq!(store.count_imported(&t, None).await.unwrap(), 0);
    let uploads = store
        .list_uploads(
            &t,
            PageRequest {
                after: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert!(
        uploads.items.is_empty(),
        "the new upload is rolled back too"
    );
}
