//! Entra ID groups: assigned members, dynamic members decided by rounds after the delay, and
//! both kept clean when devices and groups go.

use std::sync::Arc;

use autopilot_domain::{
    AddMember, DevicePatch, DirectoryKey, Group, GroupPatch, GroupWrite, MemberKind, PageRequest,
    Store, TenantId,
};
use time::Duration;
use uuid::Uuid;

use crate::conformance::{T0, hashed};

const DELAY: Duration = Duration::seconds(30);

fn group(name: &str, rule: Option<&str>) -> Group {
    Group {
        id: Uuid::new_v4(),
        display_name: name.into(),
        description: None,
        mail_nickname: name.replace(' ', "-"),
        mail_enabled: false,
        security_enabled: true,
        group_types: if rule.is_some() {
            vec!["DynamicMembership".into()]
        } else {
            Vec::new()
        },
        membership_rule: rule.map(str::to_owned),
        processing_state: rule.map(|_| "On".to_owned()),
        created_at: T0,
        rule_processed_at: None,
    }
}

fn tag_rule(tag: &str) -> String {
    format!(r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:{tag}"))"#)
}

/// Registers devices with these `(serial, tag)`; their Entra object ids, in order.
async fn register(store: &Arc<dyn Store>, t: &TenantId, devices: &[(&str, &str)]) -> Vec<Uuid> {
    let serials: Vec<&str> = devices.iter().map(|(s, _)| *s).collect();
    let mut batch = hashed(&serials, T0);
    for (d, (_, tag)) in batch.devices.iter_mut().zip(devices) {
        d.group_tag = (*tag).to_owned();
    }
    let created = store.import_devices(t, batch).await.unwrap();
    store.process_due(T0, 1000, None).await.unwrap();
    let mut out = Vec::new();
    for record in created {
        let record = store
            .get_imported(t, record.id, None)
            .await
            .unwrap()
            .unwrap();
        let id = Uuid::parse_str(&record.state.device_registration_id).unwrap();
        let autopilot = store.get_device(t, id).await.unwrap().unwrap();
        let key = DirectoryKey::DeviceId(autopilot.azure_ad_device_id);
        out.push(
            store
                .get_directory_device(t, &key)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    out
}

async fn members(store: &Arc<dyn Store>, t: &TenantId, g: Uuid) -> Vec<Uuid> {
    let page = PageRequest {
        limit: 1000,
        ..PageRequest::default()
    };
    let mut ids: Vec<Uuid> = store
        .list_member_devices(t, g, page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort();
    v
}

pub async fn groups_are_listed_and_filtered(store: Arc<dyn Store>) {
    let t = TenantId::new("groups-list");
    let assigned = group("Autopilot Pilot", None);
    let dynamic = group("Autopilot Lab", Some(&tag_rule("Lab")));
    store.create_group(&t, &assigned, &[]).await.unwrap();
    store.create_group(&t, &dynamic, &[]).await.unwrap();
    let got = store.get_group(&t, dynamic.id).await.unwrap().unwrap();
    assert_eq!(got, dynamic);
    let count = |f: &str| {
        let (store, t) = (store.clone(), t.clone());
        let f = autopilot_odata::parse_filter(f).unwrap();
        async move { store.count_groups(&t, Some(&f)).await.unwrap() }
    };
    assert_eq!(count("displayName eq 'autopilot lab'").await, 1);
    assert_eq!(count("groupTypes/any(c:c eq 'DynamicMembership')").await, 1);
    assert_eq!(
        count("securityEnabled eq true and mailEnabled eq false").await,
        2
    );
    assert_eq!(count("startswith(displayName,'Autopilot')").await, 2);
    let other = TenantId::new("groups-other");
    assert!(store.get_group(&other, dynamic.id).await.unwrap().is_none());
    assert_eq!(store.count_groups(&other, None).await.unwrap(), 0);
    let patch = GroupPatch {
        display_name: Some("Autopilot Lab 2".into()),
        description: Some(Some("Lab devices".into())),
        ..GroupPatch::default()
    };
    assert_eq!(
        store
            .update_group(&t, dynamic.id, &patch, T0, &[])
            .await
            .unwrap(),
        GroupWrite::Done
    );
    let got = store.get_group(&t, dynamic.id).await.unwrap().unwrap();
    assert_eq!(got.display_name, "Autopilot Lab 2");
    assert_eq!(got.description.as_deref(), Some("Lab devices"));
    assert!(store.delete_group(&t, assigned.id).await.unwrap());
    assert!(!store.delete_group(&t, assigned.id).await.unwrap());
}

pub async fn dynamic_groups_follow_their_rules_after_the_delay(store: Arc<dyn Store>) {
    let t = TenantId::new("groups-dynamic");
    let lab = group("Lab", Some(&tag_rule("Lab")));
    let office = group("Office", Some(&tag_rule("Office")));
    let all = group(
        "All Autopilot",
        Some(r#"(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))"#),
    );
    for g in [&lab, &office, &all] {
        store.create_group(&t, g, &[]).await.unwrap();
    }
    let ids = register(
        &store,
        &t,
        &[("G-001", "Lab"), ("G-002", "Office"), ("G-003", "Lab")],
    )
    .await;
    // Not before the delay.
    assert_eq!(store.process_memberships(T0, DELAY, 100).await.unwrap(), 0);
    assert!(members(&store, &t, lab.id).await.is_empty());
    assert_eq!(store.next_membership_change().await.unwrap(), Some(T0));
    let later = T0 + DELAY;
    assert_eq!(
        store.process_memberships(later, DELAY, 100).await.unwrap(),
        3
    );
    assert_eq!(
        members(&store, &t, lab.id).await,
        sorted(vec![ids[0], ids[2]])
    );
    assert_eq!(members(&store, &t, office.id).await, vec![ids[1]]);
    assert_eq!(members(&store, &t, all.id).await, sorted(ids.clone()));
    assert_eq!(store.next_membership_change().await.unwrap(), None);
    let processed = store.get_group(&t, lab.id).await.unwrap().unwrap();
    assert_eq!(processed.rule_processed_at, Some(later));
    let of = store.member_of(&t, ids[1]).await.unwrap();
    let names: Vec<&str> = of.iter().map(|g| g.display_name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Office") && names.contains(&"All Autopilot"));

    // A device whose tag changes leaves Office and joins Lab once its groups are due again.
    let object = store
        .get_directory_device(&t, &DirectoryKey::Id(ids[1]))
        .await
        .unwrap()
        .unwrap();
    let autopilot = object.autopilot_id.unwrap();
    let patch = DevicePatch {
        group_tag: Some("Lab".into()),
        ..DevicePatch::default()
    };
    // The change marks the tenant's dynamic groups in its own transaction.
    let changed = later + Duration::seconds(5);
    assert!(
        store
            .update_device(&t, autopilot, &patch, changed)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .process_memberships(changed, DELAY, 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .process_memberships(changed + DELAY, DELAY, 100)
            .await
            .unwrap(),
        3
    );
    assert_eq!(members(&store, &t, lab.id).await, sorted(ids.clone()));
    assert!(members(&store, &t, office.id).await.is_empty());
    let joined = store
        .groups_of_autopilot_devices(&t, &[autopilot])
        .await
        .unwrap();
    assert!(
        joined
            .iter()
            .any(|(a, g, at)| *a == autopilot && *g == lab.id && *at == changed + DELAY)
    );

    // A paused group waits; a rule change makes it due.
    let paused = GroupPatch {
        processing_state: Some("Paused".into()),
        membership_rule: Some(tag_rule("Nothing")),
        ..GroupPatch::default()
    };
    let t2 = changed + DELAY * 2;
    store
        .update_group(&t, all.id, &paused, t2, &[])
        .await
        .unwrap();
    assert_eq!(
        store
            .process_memberships(t2 + DELAY, DELAY, 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(members(&store, &t, all.id).await.len(), 3);
    let on = GroupPatch {
        processing_state: Some("On".into()),
        ..GroupPatch::default()
    };
    store.update_group(&t, all.id, &on, t2, &[]).await.unwrap();
    assert_eq!(
        store
            .process_memberships(t2 + DELAY, DELAY, 100)
            .await
            .unwrap(),
        1
    );
    assert!(members(&store, &t, all.id).await.is_empty());

    // A deregistered device leaves every group at once.
    assert!(store.delete_device(&t, autopilot).await.unwrap());
    assert_eq!(
        members(&store, &t, lab.id).await,
        sorted(vec![ids[0], ids[2]])
    );
}

pub async fn assigned_members_are_added_and_removed(store: Arc<dyn Store>) {
    let t = TenantId::new("groups-assigned");
    let pilot = group("Pilot", None);
    store.create_group(&t, &pilot, &[]).await.unwrap();
    let ids = register(&store, &t, &[("M-001", ""), ("M-002", "")]).await;
    let now = T0 + Duration::seconds(1);
    let add = |g: Uuid, m: Uuid| {
        let (store, t) = (store.clone(), t.clone());
        async move {
            store
                .add_member(&t, g, m, MemberKind::Device, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(add(pilot.id, ids[0]).await, AddMember::Added);
    assert_eq!(add(pilot.id, ids[0]).await, AddMember::AlreadyMember);
    assert_eq!(add(Uuid::new_v4(), ids[0]).await, AddMember::NoGroup);
    assert_eq!(add(pilot.id, Uuid::new_v4()).await, AddMember::NoMember);
    // Another tenant's device is no member to this tenant.
    let other = TenantId::new("groups-assigned-other");
    let foreign = register(&store, &other, &[("M-900", "")]).await;
    assert_eq!(add(pilot.id, foreign[0]).await, AddMember::NoMember);
    assert_eq!(add(pilot.id, ids[1]).await, AddMember::Added);
    assert_eq!(members(&store, &t, pilot.id).await, sorted(ids.clone()));
    // Assigned members stay through rounds: only dynamic groups are evaluated.
    store.devices_changed(&t, now).await.unwrap();
    store
        .process_memberships(now + DELAY, DELAY, 100)
        .await
        .unwrap();
    assert_eq!(members(&store, &t, pilot.id).await.len(), 2);
    assert!(store.remove_member(&t, pilot.id, ids[0]).await.unwrap());
    assert!(!store.remove_member(&t, pilot.id, ids[0]).await.unwrap());
    // Deleting the Entra object removes it from its groups; deleting the group, the rest.
    assert!(store.delete_directory_device(&t, ids[1]).await.unwrap());
    assert!(members(&store, &t, pilot.id).await.is_empty());
    add(pilot.id, ids[0]).await;
    assert!(store.delete_group(&t, pilot.id).await.unwrap());
    assert!(store.member_of(&t, ids[0]).await.unwrap().is_empty());

    // A group written with its members (`members@odata.bind`): all or nothing.
    let ghost = Uuid::new_v4();
    let bound = group("Bound", None);
    assert_eq!(
        store
            .create_group(&t, &bound, &[ids[0], ghost])
            .await
            .unwrap(),
        GroupWrite::NoMember(ghost)
    );
    assert!(store.get_group(&t, bound.id).await.unwrap().is_none());
    assert_eq!(
        store.create_group(&t, &bound, &[ids[0]]).await.unwrap(),
        GroupWrite::Done
    );
    assert_eq!(members(&store, &t, bound.id).await, vec![ids[0]]);
    let renamed = GroupPatch {
        display_name: Some("Renamed".into()),
        ..GroupPatch::default()
    };
    assert_eq!(
        store
            .update_group(&t, bound.id, &renamed, now, &[foreign[0]])
            .await
            .unwrap(),
        GroupWrite::NoMember(foreign[0])
    );
    let got = store.get_group(&t, bound.id).await.unwrap().unwrap();
    assert_eq!(
        got.display_name, "Bound",
        "nothing of a refused change is written"
    );
    assert_eq!(
        store
            .update_group(&t, Uuid::new_v4(), &renamed, now, &[])
            .await
            .unwrap(),
        GroupWrite::NoGroup
    );
}
