//! Enrollment Status Page configurations: the default written once, priorities handed out
//! once each under concurrent creates, changes, filters and tenant walls.

use std::sync::Arc;

use autopilot_domain::enrollment::{
    AssignmentTarget, CompletionPage, EnrollmentChange, EnrollmentConfiguration, EnrollmentRefusal,
};
use autopilot_domain::{PageRequest, Store, TenantId};
use uuid::Uuid;

use crate::conformance::T0;

fn page(name: &str) -> EnrollmentConfiguration {
    EnrollmentConfiguration {
        guid: Uuid::new_v4(),
        is_default: false,
        display_name: name.into(),
        description: format!("{name} page"),
        priority: 0,
        version: 0,
        created_at: None,
        modified_at: T0,
        role_scope_tag_ids: vec!["0".into()],
        page: CompletionPage {
            show_installation_progress: true,
            custom_error_message: "Call the help desk".into(),
            selected_mobile_app_ids: vec![Uuid::new_v4().to_string()],
            ..CompletionPage::default()
        },
        assignments: Vec::new(),
    }
}

pub async fn enrollment_configurations_keep_their_order(store: Arc<dyn Store>) {
    let t = TenantId::new("esp");
    let default = EnrollmentConfiguration::default_for(&t, T0);
    store.ensure_default_enrollment(&t, &default).await.unwrap();
    store.ensure_default_enrollment(&t, &default).await.unwrap();
    assert_eq!(
        store
            .count_enrollment_configurations(&t, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .get_enrollment_configuration(&t, default.guid)
            .await
            .unwrap(),
        Some(default.clone())
    );

    // Eight creates at once: each gets its own priority, 1 to 8.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, t, default) = (store.clone(), t.clone(), default.clone());
        tasks.push(tokio::spawn(async move {
            store
                .change_enrollment_configurations(
                    &t,
                    &default,
                    EnrollmentChange::Create(page(&format!("ESP {i}"))),
                    T0,
                )
                .await
                .unwrap()
                .unwrap()
                .unwrap()
        }));
    }
    let mut made = Vec::new();
    for task in tasks {
        made.push(task.await.unwrap());
    }
    let mut priorities: Vec<i32> = made.iter().map(|c| c.priority).collect();
    priorities.sort_unstable();
    assert_eq!(priorities, (1..=8).collect::<Vec<_>>());
    let first = made.iter().find(|c| c.priority == 1).unwrap().clone();
    assert_eq!(
        store
            .get_enrollment_configuration(&t, first.guid)
            .await
            .unwrap(),
        Some(first.clone()),
        "everything is read back as written"
    );

    // Filters by name, by the id the wire shows, by type.
    let list = |filter: &str| {
        let store = store.clone();
        let t = t.clone();
        let filter = autopilot_odata::parse_filter(filter).unwrap();
        async move {
            store
                .list_enrollment_configurations(
                    &t,
                    PageRequest {
                        filter: Some(filter),
                        limit: 100,
                        ..PageRequest::default()
                    },
                )
                .await
                .unwrap()
                .items
        }
    };
    assert_eq!(
        list(&format!("displayName eq '{}'", first.display_name)).await,
        vec![first.clone()]
    );
    assert_eq!(
        list(&format!("id eq '{}'", first.id())).await,
        vec![first.clone()]
    );
    assert_eq!(
        list(&format!("id eq '{}'", default.id())).await,
        vec![default.clone()]
    );
    assert_eq!(list("priority eq 0").await, vec![default.clone()]);
    assert_eq!(
        list(
            "deviceEnrollmentConfigurationType eq 'windows10EnrollmentCompletionPageConfiguration'"
        )
        .await
        .len(),
        9
    );

    // Moved to last, assigned, deleted: the others close ranks.
    let change = |c: EnrollmentChange| {
        let (store, t, default) = (store.clone(), t.clone(), default.clone());
        async move {
            store
                .change_enrollment_configurations(&t, &default, c, T0)
                .await
                .unwrap()
        }
    };
    let moved = change(EnrollmentChange::SetPriority(first.guid, 8))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.priority, 8);
    let group = AssignmentTarget::Group(Uuid::new_v4().to_string());
    let assigned = change(EnrollmentChange::Assign(
        first.guid,
        vec![group.clone(), AssignmentTarget::AllDevices],
    ))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        store
            .get_enrollment_configuration(&t, first.guid)
            .await
            .unwrap()
            .unwrap()
            .assignments,
        assigned.assignments
    );
    let second = made.iter().find(|c| c.priority == 2).unwrap();
    assert_eq!(
        change(EnrollmentChange::Delete(second.guid)).await,
        Ok(None)
    );
    let mut after: Vec<(String, i32)> = store
        .list_enrollment_configurations(&t, PageRequest::first(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| (c.display_name, c.priority))
        .collect();
    after.sort_by_key(|p| p.1);
    assert_eq!(after.len(), 8);
    assert_eq!(
        after.iter().map(|p| p.1).collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    assert_eq!(after[7].0, first.display_name);

    // The default stays; other tenants see nothing of this one.
    assert!(matches!(
        change(EnrollmentChange::Delete(default.guid)).await,
        Err(EnrollmentRefusal::Default(_))
    ));
    assert_eq!(
        change(EnrollmentChange::Delete(Uuid::new_v4())).await,
        Err(EnrollmentRefusal::NotFound)
    );
    let other = TenantId::new("esp-other");
    assert_eq!(
        store
            .get_enrollment_configuration(&other, first.guid)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .count_enrollment_configurations(&other, None)
            .await
            .unwrap(),
        0
    );
}
