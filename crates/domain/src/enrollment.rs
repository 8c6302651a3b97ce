//! Enrollment Status Page configurations (`windows10EnrollmentCompletionPageConfiguration`, one
//! kind of `deviceEnrollmentConfiguration`): what a device shows while it installs its apps in
//! OOBE. Each tenant has a default, `{guid}_DefaultWindows10EnrollmentCompletionPageConfiguration`
//! at priority 0 for all users and devices, which can be changed but not deleted, renamed,
//! reordered or assigned; the ones an admin creates are `{guid}_Windows10EnrollmentCompletion…`
//! and hold the priorities 1..=n without gaps (a new one comes last; deleting or moving one
//! renumbers the rest). These rules are [`apply`]'s; the store runs it under a tenant lock.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::TenantId;

/// The id suffix of a configuration an admin created.
pub const ESP_SUFFIX: &str = "Windows10EnrollmentCompletionPageConfiguration";
/// The id suffix of a tenant's default configuration.
pub const DEFAULT_ESP_SUFFIX: &str = "DefaultWindows10EnrollmentCompletionPageConfiguration";
/// The default's name and description, as Intune writes them.
pub const DEFAULT_NAME: &str = "All users and all devices";
pub const DEFAULT_DESCRIPTION: &str = "This is the default enrollment status screen configuration applied with the lowest priority to all users and all devices regardless of group membership.";
/// Intune's virtual group ids for its built-in targets.
pub const ALL_DEVICES_ID: &str = "adadadad-808e-44e2-905a-0b7873a8a531";
pub const ALL_LICENSED_USERS_ID: &str = "acacacac-9df4-4c7d-9d50-4ef0226f57a9";

/// An Enrollment Status Page configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentConfiguration {
    /// The GUID part of the id.
    pub guid: Uuid,
    pub is_default: bool,
    pub display_name: String,
    pub description: String,
    pub priority: i32,
    pub version: i32,
    /// `None` for the default (Intune writes `0001-01-01T00:00:00Z`).
    pub created_at: Option<OffsetDateTime>,
    pub modified_at: OffsetDateTime,
    pub role_scope_tag_ids: Vec<String>,
    pub page: CompletionPage,
    pub assignments: Vec<AssignmentTarget>,
}

/// The page's own settings, as Graph names them (kept by the store as this JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompletionPage {
    pub show_installation_progress: bool,
    pub block_device_setup_retry_by_user: bool,
    pub allow_device_reset_on_install_failure: bool,
    pub allow_log_collection_on_install_failure: bool,
    pub custom_error_message: String,
    pub install_progress_timeout_in_minutes: i32,
    pub allow_device_use_on_install_failure: bool,
    pub selected_mobile_app_ids: Vec<String>,
    pub allow_non_blocking_app_installation: bool,
    pub install_quality_updates: bool,
    pub track_install_progress_for_autopilot_only: bool,
    pub disable_user_status_tracking_after_first_user: bool,
}

impl Default for CompletionPage {
    /// A new page as Graph documents it: everything off, a 60-minute timeout.
    fn default() -> Self {
        CompletionPage {
            show_installation_progress: false,
            block_device_setup_retry_by_user: false,
            allow_device_reset_on_install_failure: false,
            allow_log_collection_on_install_failure: false,
            custom_error_message: String::new(),
            install_progress_timeout_in_minutes: 60,
            allow_device_use_on_install_failure: false,
            selected_mobile_app_ids: Vec::new(),
            allow_non_blocking_app_installation: false,
            install_quality_updates: false,
            track_install_progress_for_autopilot_only: false,
            disable_user_status_tracking_after_first_user: false,
        }
    }
}

/// Whom a configuration is assigned to (the targets the portal offers for the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "groupId", rename_all = "camelCase")]
pub enum AssignmentTarget {
    Group(String),
    AllDevices,
    AllLicensedUsers,
}

impl AssignmentTarget {
    /// The group id the assignment id carries (Intune's virtual ids for the built-in targets).
    pub fn group_id(&self) -> &str {
        match self {
            AssignmentTarget::Group(id) => id,
            AssignmentTarget::AllDevices => ALL_DEVICES_ID,
            AssignmentTarget::AllLicensedUsers => ALL_LICENSED_USERS_ID,
        }
    }

    /// `{configuration guid}_{group id}`, Intune's form.
    pub fn assignment_id(&self, configuration: Uuid) -> String {
        format!("{}_{}", configuration.hyphenated(), self.group_id())
    }
}

impl EnrollmentConfiguration {
    /// The id on the wire: `{guid}_{suffix}`.
    pub fn id(&self) -> String {
        let suffix = if self.is_default {
            DEFAULT_ESP_SUFFIX
        } else {
            ESP_SUFFIX
        };
        format!("{}_{suffix}", self.guid.hyphenated())
    }

    /// The GUID and kind an id names, in any case; `None` for anything else.
    pub fn parse_id(id: &str) -> Option<(Uuid, bool)> {
        let (guid, suffix) = id.split_once('_')?;
        let guid = Uuid::try_parse(guid).ok()?;
        if suffix.eq_ignore_ascii_case(ESP_SUFFIX) {
            Some((guid, false))
        } else if suffix.eq_ignore_ascii_case(DEFAULT_ESP_SUFFIX) {
            Some((guid, true))
        } else {
            None
        }
    }

    /// A tenant's default page. Its GUID follows from the tenant, so every instance of the
    /// server agrees on it without a write.
    pub fn default_for(tenant: &TenantId, now: OffsetDateTime) -> Self {
        let digest = Sha256::digest(format!("esp-default:{}", tenant.as_str()).as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let guid = uuid::Builder::from_random_bytes(bytes).into_uuid();
        EnrollmentConfiguration {
            guid,
            is_default: true,
            display_name: DEFAULT_NAME.into(),
            description: DEFAULT_DESCRIPTION.into(),
            priority: 0,
            version: 0,
            created_at: None,
            modified_at: now,
            role_scope_tag_ids: Vec::new(),
            page: CompletionPage {
                block_device_setup_retry_by_user: true,
                install_progress_timeout_in_minutes: 0,
                ..CompletionPage::default()
            },
            assignments: Vec::new(),
        }
    }
}

/// A change to a tenant's configurations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollmentChange {
    /// A new configuration; it comes last.
    Create(EnrollmentConfiguration),
    /// New settings, name and description for the configuration with this GUID, made over
    /// its `version` (a configuration at another version is [`EnrollmentRefusal::Changed`]).
    Update(EnrollmentConfiguration),
    Delete(Uuid),
    SetPriority(Uuid, i32),
    /// Replaces the configuration's assignments.
    Assign(Uuid, Vec<AssignmentTarget>),
}

/// Why a change was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollmentRefusal {
    NotFound,
    /// The default cannot be changed this way; the text says how.
    Default(&'static str),
    /// The priority is not one a configuration can take.
    Priority(i32),
    /// An update read a version that has changed since.
    Changed,
}

/// Applies `change` to all of a tenant's configurations (the default among them), at `now`;
/// returns the configuration it made or changed (none for a delete).
pub fn apply(
    all: &mut Vec<EnrollmentConfiguration>,
    change: EnrollmentChange,
    now: OffsetDateTime,
) -> Result<Option<EnrollmentConfiguration>, EnrollmentRefusal> {
    let find = |all: &[EnrollmentConfiguration], guid: Uuid| {
        all.iter()
            .position(|c| c.guid == guid)
            .ok_or(EnrollmentRefusal::NotFound)
    };
    let done = match change {
        EnrollmentChange::Create(mut new) => {
            new.is_default = false;
            new.priority = i32::MAX;
            new.version = 1;
            new.created_at = Some(now);
            new.modified_at = now;
            all.push(new);
            Some(all.len() - 1)
        }
        EnrollmentChange::Update(new) => {
            let at = find(all, new.guid)?;
            let old = &mut all[at];
            if old.version != new.version {
                return Err(EnrollmentRefusal::Changed);
            }
            if old.is_default
                && (new.display_name != old.display_name || new.description != old.description)
            {
                return Err(EnrollmentRefusal::Default(
                    "The name and description of the default Enrollment Status Page configuration cannot be changed.",
                ));
            }
            old.display_name = new.display_name;
            old.description = new.description;
            old.role_scope_tag_ids = new.role_scope_tag_ids;
            old.page = new.page;
            old.version = old.version.saturating_add(1);
            old.modified_at = now;
            Some(at)
        }
        EnrollmentChange::Delete(guid) => {
            let at = find(all, guid)?;
            if all[at].is_default {
                return Err(EnrollmentRefusal::Default(
                    "The default Enrollment Status Page configuration cannot be deleted.",
                ));
            }
            all.remove(at);
            None
        }
        EnrollmentChange::SetPriority(guid, priority) => {
            let at = find(all, guid)?;
            if all[at].is_default {
                return Err(EnrollmentRefusal::Default(
                    "The priority of the default Enrollment Status Page configuration cannot be changed.",
                ));
            }
            if priority < 1 {
                return Err(EnrollmentRefusal::Priority(priority));
            }
            let count = all.iter().filter(|c| !c.is_default).count();
            let place = usize::try_from(priority).unwrap_or(usize::MAX).min(count);
            let moved = all.remove(at);
            // Place it just before the configuration now holding `priority` (or last).
            let mut ordered = std::mem::take(all);
            ordered.sort_by_key(|c| (!c.is_default, c.priority));
            let defaults = ordered.iter().filter(|c| c.is_default).count();
            ordered.insert(defaults + place - 1, moved);
            for (n, c) in ordered.iter_mut().skip(defaults).enumerate() {
                c.priority = i32::try_from(n + 1).unwrap_or(i32::MAX);
            }
            *all = ordered;
            let guid_at = find(all, guid)?;
            all[guid_at].modified_at = now;
            Some(guid_at)
        }
        EnrollmentChange::Assign(guid, targets) => {
            let at = find(all, guid)?;
            if all[at].is_default {
                return Err(EnrollmentRefusal::Default(
                    "The default Enrollment Status Page configuration applies to all users and all devices and cannot be assigned.",
                ));
            }
            let mut unique: Vec<AssignmentTarget> = Vec::new();
            for t in targets {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            all[at].assignments = unique;
            all[at].modified_at = now;
            Some(at)
        }
    };
    let guid = done.map(|at| all[at].guid);
    renumber(all);
    Ok(guid.and_then(|g| all.iter().find(|c| c.guid == g).cloned()))
}

/// Gives the configurations other than the default the priorities 1..=n in their order.
fn renumber(all: &mut [EnrollmentConfiguration]) {
    let mut order: Vec<usize> = (0..all.len()).filter(|&i| !all[i].is_default).collect();
    order.sort_by_key(|&i| all[i].priority);
    for (n, i) in order.into_iter().enumerate() {
        all[i].priority = i32::try_from(n + 1).unwrap_or(i32::MAX);
    }
    for c in all.iter_mut().filter(|c| c.is_default) {
        c.priority = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at() -> OffsetDateTime {
        time::macros::datetime!(2026-12-07 10:00 UTC)
    }

    fn page(n: u128) -> EnrollmentConfiguration {
        EnrollmentConfiguration {
            guid: Uuid::from_u128(n),
            is_default: false,
            display_name: format!("ESP {n}"),
            description: String::new(),
            priority: 0,
            version: 0,
            created_at: None,
            modified_at: at(),
            role_scope_tag_ids: Vec::new(),
            page: CompletionPage::default(),
            assignments: Vec::new(),
        }
    }

    fn tenant_with(n: u128) -> Vec<EnrollmentConfiguration> {
        let mut all = vec![EnrollmentConfiguration::default_for(
            &TenantId::new("t"),
            at(),
        )];
        for i in 1..=n {
            apply(&mut all, EnrollmentChange::Create(page(i)), at()).unwrap();
        }
        all
    }

    fn order(all: &[EnrollmentConfiguration]) -> Vec<(u128, i32)> {
        let mut v: Vec<(u128, i32)> = all
            .iter()
            .filter(|c| !c.is_default)
            .map(|c| (c.guid.as_u128(), c.priority))
            .collect();
        v.sort_by_key(|p| p.1);
        v
    }

    #[test]
    fn ids_name_the_kind() {
        let d = EnrollmentConfiguration::default_for(&TenantId::new("t"), at());
        assert!(
            d.id()
                .ends_with("_DefaultWindows10EnrollmentCompletionPageConfiguration")
        );
        assert_eq!(
            EnrollmentConfiguration::parse_id(&d.id()),
            Some((d.guid, true))
        );
        let p = page(7);
        assert_eq!(
            EnrollmentConfiguration::parse_id(&p.id().to_lowercase()),
            Some((p.guid, false))
        );
        for bad in [
            "",
            "x",
            "00000000-0000-0000-0000-000000000007",
            "7_Windows10EnrollmentCompletionPageConfiguration",
            "00000000-0000-0000-0000-000000000007_DefaultLimit",
        ] {
            assert_eq!(EnrollmentConfiguration::parse_id(bad), None, "{bad}");
        }
        assert_eq!(
            d.guid,
            EnrollmentConfiguration::default_for(&TenantId::new("t"), at()).guid,
            "the same tenant, the same default"
        );
        assert_ne!(
            d.guid,
            EnrollmentConfiguration::default_for(&TenantId::new("u"), at()).guid
        );
    }

    #[test]
    fn new_pages_come_last_and_deletes_close_the_gap() {
        let mut all = tenant_with(3);
        assert_eq!(order(&all), vec![(1, 1), (2, 2), (3, 3)]);
        apply(&mut all, EnrollmentChange::Delete(Uuid::from_u128(2)), at()).unwrap();
        assert_eq!(order(&all), vec![(1, 1), (3, 2)]);
        let made = apply(&mut all, EnrollmentChange::Create(page(9)), at())
            .unwrap()
            .unwrap();
        assert_eq!((made.priority, made.version), (3, 1));
    }

    #[test]
    fn a_page_moves_to_the_priority_asked_for() {
        let mut all = tenant_with(4);
        apply(
            &mut all,
            EnrollmentChange::SetPriority(Uuid::from_u128(4), 1),
            at(),
        )
        .unwrap();
        assert_eq!(order(&all), vec![(4, 1), (1, 2), (2, 3), (3, 4)]);
        apply(
            &mut all,
            EnrollmentChange::SetPriority(Uuid::from_u128(4), 99),
            at(),
        )
        .unwrap();
        assert_eq!(order(&all), vec![(1, 1), (2, 2), (3, 3), (4, 4)]);
        assert_eq!(
            apply(
                &mut all,
                EnrollmentChange::SetPriority(Uuid::from_u128(1), 0),
                at()
            ),
            Err(EnrollmentRefusal::Priority(0))
        );
    }

    #[test]
    fn the_default_stays_the_default() {
        let mut all = tenant_with(1);
        let d = all.iter().find(|c| c.is_default).unwrap().clone();
        for change in [
            EnrollmentChange::Delete(d.guid),
            EnrollmentChange::SetPriority(d.guid, 1),
            EnrollmentChange::Assign(d.guid, vec![AssignmentTarget::AllDevices]),
            EnrollmentChange::Update(EnrollmentConfiguration {
                display_name: "Mine".into(),
                ..d.clone()
            }),
        ] {
            assert!(matches!(
                apply(&mut all, change, at()),
                Err(EnrollmentRefusal::Default(_))
            ));
        }
        // Its settings may change; its version counts the change.
        let changed = apply(
            &mut all,
            EnrollmentChange::Update(EnrollmentConfiguration {
                page: CompletionPage {
                    show_installation_progress: true,
                    ..d.page.clone()
                },
                ..d.clone()
            }),
            at(),
        )
        .unwrap()
        .unwrap();
        assert!(changed.page.show_installation_progress);
        assert_eq!((changed.priority, changed.version), (0, 1));
        assert_eq!(
            apply(
                &mut all,
                EnrollmentChange::Delete(Uuid::from_u128(77)),
                at()
            ),
            Err(EnrollmentRefusal::NotFound)
        );
        // An update made over the version before that one is refused.
        assert_eq!(
            apply(&mut all, EnrollmentChange::Update(d.clone()), at()),
            Err(EnrollmentRefusal::Changed)
        );
    }

    #[test]
    fn assignments_are_replaced_without_repeats() {
        let mut all = tenant_with(1);
        let g = AssignmentTarget::Group("g1".into());
        let done = apply(
            &mut all,
            EnrollmentChange::Assign(Uuid::from_u128(1), vec![g.clone(), g.clone()]),
            at(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(done.assignments, vec![g.clone()]);
        assert_eq!(
            g.assignment_id(done.guid),
            "00000000-0000-0000-0000-000000000001_g1"
        );
    }

    proptest! {
        /// Whatever is created, deleted or moved, the priorities stay 1..=n and the default 0.
        #[test]
        fn priorities_stay_contiguous(ops in proptest::collection::vec((0u8..3, 1u128..8, -2i32..10), 0..40)) {
            let mut all = tenant_with(0);
            for (op, n, p) in ops {
                let change = match op {
                    0 => EnrollmentChange::Create(page(n + u128::from(p.unsigned_abs()) * 100)),
                    1 => EnrollmentChange::Delete(Uuid::from_u128(n)),
                    _ => EnrollmentChange::SetPriority(Uuid::from_u128(n), p),
                };
                let _ = apply(&mut all, change, at());
                let mut priorities: Vec<i32> = order(&all).iter().map(|x| x.1).collect();
                priorities.sort_unstable();
                let expected: Vec<i32> = (1..=i32::try_from(priorities.len()).unwrap()).collect();
                prop_assert_eq!(priorities, expected);
                prop_assert_eq!(all.iter().filter(|c| c.is_default).map(|c| c.priority).collect::<Vec<_>>(), vec![0]);
            }
        }
    }
}
