//! Corporate device identifiers: imported once each (kept or replaced), searched, filtered,
//! deleted, per tenant.

use std::sync::Arc;

use autopilot_domain::identities::{IdentityType, ImportedIdentity, Platform};
use autopilot_domain::{EnrollmentState, PageRequest, Store, TenantId};
use uuid::Uuid;

use crate::conformance::T0;

fn identity(identifier: &str, description: &str) -> ImportedIdentity {
    ImportedIdentity {
        id: Uuid::new_v4(),
        identifier: identifier.into(),
        identity_type: IdentityType::ManufacturerModelSerial,
        description: description.into(),
        enrollment_state: EnrollmentState::NotContacted,
        platform: Platform::Windows,
        created_at: T0,
        modified_at: T0,
        last_contacted: None,
    }
}

pub async fn identifiers_are_imported_searched_and_deleted(store: Arc<dyn Store>) {
    let t = TenantId::new("identities");
    let a = identity("CONTOSO,LAPTOP7,SN1", "first");
    let b = identity("CONTOSO,LAPTOP7,SN2", "");
    let done = store
        .import_identities(&t, &[a.clone(), b.clone(), a.clone()], false, T0)
        .await
        .unwrap();
    let statuses: Vec<bool> = done.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [true, true, false],
        "a repeat in one call is kept"
    );
    assert_eq!(done[0].identity, a);
    assert_eq!(done[2].identity, a);

    // Again without overwrite: kept as it was; with overwrite: replaced, same id.
    let again = identity("CONTOSO,LAPTOP7,SN1", "second");
    let kept = store
        .import_identities(&t, std::slice::from_ref(&again), false, T0)
        .await
        .unwrap();
    assert_eq!(
        (kept[0].status, kept[0].identity.description.as_str()),
        (false, "first")
    );
    let later = T0 + time::Duration::minutes(5);
    let replaced = store
        .import_identities(&t, &[again], true, later)
        .await
        .unwrap();
    assert!(replaced[0].status);
    assert_eq!(replaced[0].identity.id, a.id);
    assert_eq!(replaced[0].identity.description, "second");
    assert_eq!(replaced[0].identity.modified_at, later);
    assert_eq!(replaced[0].identity.created_at, T0);

    // Search finds what is there, each once; other tenants find nothing.
    let keys = vec![
        (
            IdentityType::ManufacturerModelSerial,
            "CONTOSO,LAPTOP7,SN2".to_owned(),
        ),
        (
            IdentityType::ManufacturerModelSerial,
            "CONTOSO,LAPTOP7,SN2".to_owned(),
        ),
        (IdentityType::SerialNumber, "CONTOSO,LAPTOP7,SN1".to_owned()),
        (
            IdentityType::ManufacturerModelSerial,
            "CONTOSO,LAPTOP7,SN9".to_owned(),
        ),
    ];
    let found = store.search_identities(&t, &keys).await.unwrap();
    assert_eq!(found, vec![b.clone()]);
    let other = TenantId::new("identities-other");
    assert!(
        store
            .search_identities(&other, &keys)
            .await
            .unwrap()
            .is_empty()
    );

    let filter = autopilot_odata::parse_filter(
        "contains(importedDeviceIdentifier,'sn2') and importedDeviceIdentityType eq 'manufacturerModelSerial' and platform eq 'windows' and enrollmentState eq 'notContacted'",
    )
    .unwrap();
    let page = store
        .list_identities(
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
    assert_eq!(store.count_identities(&t, Some(&filter)).await.unwrap(), 1);
    assert_eq!(store.get_identity(&t, b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(store.get_identity(&other, b.id).await.unwrap(), None);
    assert!(!store.delete_identity(&other, b.id).await.unwrap());
    assert!(store.delete_identity(&t, b.id).await.unwrap());
    assert!(!store.delete_identity(&t, b.id).await.unwrap());
    assert_eq!(store.count_identities(&t, None).await.unwrap(), 1);
}
