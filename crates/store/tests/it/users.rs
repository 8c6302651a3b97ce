//! Entra ID users: unique principal names per tenant whatever their case, lookups by id and
//! by name, OData lists, changes, and deletion that takes the user's memberships.

use std::sync::Arc;

use autopilot_domain::{PageRequest, Store, TenantId, User, UserKey, UserPatch};
use uuid::Uuid;

use crate::conformance::T0;

fn user(upn: &str, name: &str) -> User {
    User {
        id: Uuid::new_v4(),
        user_principal_name: upn.into(),
        display_name: name.into(),
        mail_nickname: upn.split('@').next().unwrap().into(),
        given_name: name.split(' ').next().map(str::to_owned),
        surname: None,
        job_title: None,
        mail: None,
        account_enabled: true,
        created_at: T0,
    }
}

pub async fn users_are_unique_listed_changed_and_deleted(store: Arc<dyn Store>) {
    let t = TenantId::new("users");
    let adele = user("AdeleV@contoso.com", "Adele Vance");
    let alex = user("alexw@contoso.com", "Alex Wilber");
    assert!(store.create_user(&t, &adele).await.unwrap());
    assert!(store.create_user(&t, &alex).await.unwrap());
    // The name is taken whatever its case; another tenant may have it.
    let twin = user("adelev@CONTOSO.com", "Adele Twin");
    assert!(!store.create_user(&t, &twin).await.unwrap());
    let other = TenantId::new("users-other");
    assert!(store.create_user(&other, &twin).await.unwrap());

    let by_upn = UserKey::Upn("ADELEV@contoso.com".into());
    assert_eq!(
        store.get_user(&t, &by_upn).await.unwrap(),
        Some(adele.clone())
    );
    assert_eq!(
        store.get_user(&t, &UserKey::Id(alex.id)).await.unwrap(),
        Some(alex.clone())
    );
    assert_eq!(
        store.get_user(&other, &UserKey::Id(alex.id)).await.unwrap(),
        None
    );

    let filter = |f: &str| Some(autopilot_odata::parse_filter(f).unwrap());
    let page = store
        .list_users(
            &t,
            PageRequest {
                filter: filter("userPrincipalName eq 'alexw@contoso.com'"),
                limit: 10,
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items, vec![alex.clone()]);
    let count = |f: &str| {
        let (store, t, f) = (store.clone(), t.clone(), filter(f));
        async move { store.count_users(&t, f.as_ref()).await.unwrap() }
    };
    assert_eq!(count("startswith(displayName,'a')").await, 2);
    assert_eq!(count("givenName eq 'adele'").await, 1);
    assert_eq!(store.count_users(&other, None).await.unwrap(), 1);

    let patch = UserPatch {
        display_name: Some("Adele V.".into()),
        job_title: Some(Some("Engineer".into())),
        account_enabled: Some(false),
        ..UserPatch::default()
    };
    assert!(store.update_user(&t, adele.id, &patch).await.unwrap());
    let got = store.get_user(&t, &by_upn).await.unwrap().unwrap();
    assert_eq!(
        (
            got.display_name.as_str(),
            got.job_title.as_deref(),
            got.account_enabled
        ),
        ("Adele V.", Some("Engineer"), false)
    );
    assert!(!store.update_user(&other, adele.id, &patch).await.unwrap());
    assert!(store.delete_user(&t, adele.id).await.unwrap());
    assert!(!store.delete_user(&t, adele.id).await.unwrap());
    assert_eq!(store.get_user(&t, &by_upn).await.unwrap(), None);
    // The name is free again.
    assert!(store.create_user(&t, &twin).await.unwrap());
}

pub async fn organizations_are_per_tenant_and_replaced(store: Arc<dyn Store>) {
    use autopilot_domain::organization::{new_tenant, with_domains};
    let t = TenantId::new("org");
    assert_eq!(store.get_organization(&t).await.unwrap(), None);
    let org = new_tenant("contoso", T0);
    store.put_organization(&t, &org).await.unwrap();
    assert_eq!(store.get_organization(&t).await.unwrap(), Some(org.clone()));
    let more = with_domains(org, &["contoso.com".into()], Some("contoso.com")).unwrap();
    store.put_organization(&t, &more).await.unwrap();
    assert_eq!(store.get_organization(&t).await.unwrap(), Some(more));
    let other = TenantId::new("org-other");
    assert_eq!(store.get_organization(&other).await.unwrap(), None);
}
