//! What sign-in keeps: an application's certificates, and device codes from request to
//! token (one token per code, even when two polls race).

use std::sync::Arc;

use autopilot_domain::device_code::{self, CodeState, DeviceCode, Poll, SignedInUser};
use autopilot_domain::{AppCertificate, Application, CodeDecision, Store, TenantId};
use uuid::Uuid;

use crate::conformance::T0;

fn certificate(n: u8) -> AppCertificate {
    AppCertificate {
        sha1: vec![n; 20],
        sha256: vec![n; 32],
        der: vec![0x30, n],
        not_before: T0,
        not_after: T0 + time::Duration::days(365),
        added_at: T0 + time::Duration::seconds(i64::from(n)),
    }
}

pub async fn applications_keep_their_certificates(store: Arc<dyn Store>) {
    let t = TenantId::new("certs");
    let app = Application {
        client_id: Uuid::new_v4(),
        name: "Imports".into(),
        secret_salt: vec![1],
        secret_hash: vec![2],
        roles: vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
        created_at: T0,
        certificates: vec![certificate(1)],
    };
    store.add_application(&t, &app).await.unwrap();
    assert!(
        store
            .add_certificate(&t, app.client_id, &certificate(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .add_certificate(&t, app.client_id, &certificate(2))
            .await
            .unwrap(),
        "twice is once"
    );
    assert!(
        !store
            .add_certificate(&t, Uuid::new_v4(), &certificate(3))
            .await
            .unwrap()
    );
    let read = store
        .get_application(&t, app.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.certificates, vec![certificate(1), certificate(2)]);
    let other = TenantId::new("certs-other");
    assert_eq!(
        store.get_application(&other, app.client_id).await.unwrap(),
        None
    );
}

fn code(user_code: &str, tenant: &str) -> DeviceCode {
    DeviceCode {
        device_hash: format!("hash-{user_code}").into_bytes(),
        user_code: user_code.into(),
        tenant: tenant.into(),
        client_id: Uuid::new_v4(),
        scopes: vec!["Group.ReadWrite.All".into(), "User.Read".into()],
        openid: true,
        created_at: T0,
        expires_at: T0 + device_code::LIFETIME,
        state: CodeState::Pending,
    }
}

pub async fn device_codes_give_one_token_each(store: Arc<dyn Store>) {
    let now = T0 + time::Duration::seconds(10);
    let (a, b) = (code("AAAABBBBC", "t1"), code("DDDDEEEEF", "t1"));
    let client = a.client_id;
    let b = DeviceCode {
        client_id: client,
        ..b
    };
    use autopilot_domain::PutCode;
    assert_eq!(store.put_device_code(&a, 10).await.unwrap(), PutCode::Kept);
    assert_eq!(store.put_device_code(&b, 10).await.unwrap(), PutCode::Kept);
    // A user code that a waiting code has; a tenant at its limit.
    let twin = DeviceCode {
        device_hash: b"twin".to_vec(),
        ..a.clone()
    };
    assert_eq!(
        store.put_device_code(&twin, 10).await.unwrap(),
        PutCode::UserCodeTaken
    );
    let third = code("GGGGHHHHJ", "t1");
    assert_eq!(
        store.put_device_code(&third, 2).await.unwrap(),
        PutCode::TooMany
    );
    assert_eq!(
        store.pending_device_codes(now).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        store.find_device_code("aaaa-bbbbc", now).await.unwrap(),
        Some(a.clone())
    );

    // Pending until decided; only its tenant may redeem it.
    let poll = |tenant: &'static str, hash: Vec<u8>| {
        let store = store.clone();
        async move {
            store
                .redeem_device_code(tenant, client, &hash, now)
                .await
                .unwrap()
                .0
        }
    };
    assert_eq!(poll("t1", a.device_hash.clone()).await, Poll::Pending);
    assert_eq!(poll("t2", a.device_hash.clone()).await, Poll::Unknown);
    let user = SignedInUser {
        tenant: Uuid::new_v4().to_string(),
        id: Uuid::new_v4(),
        user_principal_name: "admin@contoso.test".into(),
        display_name: "Admin".into(),
    };
    let approved = store
        .decide_device_code(&a.device_hash, &CodeDecision::Approve(user.clone()), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(approved.state, CodeState::Approved(user.clone()));
    assert_eq!(
        store
            .decide_device_code(&a.device_hash, &CodeDecision::Decline, now)
            .await
            .unwrap(),
        None,
        "a decided code is decided"
    );
    // Two polls at once: one token.
    let (x, y) = tokio::join!(
        poll("t1", a.device_hash.clone()),
        poll("t1", a.device_hash.clone())
    );
    let mut outcomes = [x, y];
    outcomes.sort_by_key(|p| matches!(p, Poll::Redeemed));
    assert_eq!(outcomes, [Poll::Granted(user), Poll::Redeemed]);

    store
        .decide_device_code(&b.device_hash, &CodeDecision::Decline, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(poll("t1", b.device_hash.clone()).await, Poll::Declined);
    let late = T0 + device_code::LIFETIME;
    assert_eq!(
        store
            .redeem_device_code("t1", client, &b.device_hash, late)
            .await
            .unwrap()
            .0,
        Poll::Expired
    );
    // Another client's poll finds no code.
    assert_eq!(
        store
            .redeem_device_code("t1", Uuid::new_v4(), &b.device_hash, now)
            .await
            .unwrap()
            .0,
        Poll::Unknown
    );
    assert!(store.pending_device_codes(now).await.unwrap().is_empty());
    assert_eq!(
        store.find_device_code("AAAABBBBC", late).await.unwrap(),
        None
    );
}
