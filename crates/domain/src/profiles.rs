//! Deployment profiles and what they mean for a device.
//!
//! Groups: a group assignment target names a group by id. A device is in the Entra groups its
//! device object is a member of (assigned, or dynamic by their rules), and, as a shortcut
//! that needs no group, in the group whose id [`group_id_for_tag`] derives from its group tag
//! (as an Entra dynamic group on `[OrderID]:<tag>` would hold it; `autopilot-graph group-id
//! --group-tag TAG` prints that id). `allDevicesAssignmentTarget` matches every device.
//!
//! A device matched by an assignment shows `deploymentProfileAssignmentStatus` `pending` (with
//! the profile as `intendedDeploymentProfile`) until `--profile-assignment-delay` after the
//! later of its registration, its joining the group and the assignment, then `assignedInSync`
//! with the profile as `deploymentProfile` and `deploymentProfileAssignedDateTime` set.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AutopilotDevice, DeploymentProfile, ProfileAssignment};

/// The derived profile types, without namespace.
pub const PROFILE_TYPES: [&str; 2] = [
    "azureADWindowsAutopilotDeploymentProfile",
    "activeDirectoryWindowsAutopilotDeploymentProfile",
];

/// Intune's virtual group "All devices", as assignment ids name it.
pub const ALL_DEVICES_GROUP: &str = "adadadad-808e-44e2-905a-0b7873a8a531";

/// The id Intune gives an assignment of `profile` to `group` (`None`: all devices),
/// `{profile}_{group}_0`: the form WindowsAutopilotIntune's `Remove-AutopilotProfileAssignments`
/// builds to delete one, whoever made it.
pub fn assignment_id(profile: Uuid, group: Option<&str>) -> String {
    let group = group.map_or(ALL_DEVICES_GROUP.to_owned(), str::to_ascii_lowercase);
    format!("{}_{group}_0", profile.hyphenated())
}

/// Whether a client's assignment id may be kept: 1 to 200 characters, none of them a control
/// character, white space, a slash, a quote, `?`, `#`, a parenthesis or `%` (it goes into
/// paths and keys, and must be found again by them).
pub fn valid_assignment_id(id: &str) -> bool {
    (1..=200).contains(&id.chars().count())
        && !id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "/\\'\"?#()%".contains(c))
}

/// The group id that stands for the devices with a group tag.
pub fn group_id_for_tag(tag: &str) -> Uuid {
    let digest = Sha256::digest(format!(
        "autopilot-graph group tag {}",
        tag.trim().to_lowercase()
    ));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A profile's type from an `@odata.type` annotation (with or without `#` and namespace).
pub fn profile_type(annotation: &str) -> Option<&'static str> {
    let t = annotation.trim().trim_start_matches('#');
    let t = t
        .get(..16)
        .filter(|p| p.eq_ignore_ascii_case("microsoft.graph."))
        .map_or(t, |_| &t[16..]);
    PROFILE_TYPES
        .iter()
        .copied()
        .find(|p| p.eq_ignore_ascii_case(t))
}

/// Where a device stands with profiles at `now`.
#[derive(Debug, Clone)]
pub struct DeviceProfile<'a> {
    pub status: &'static str,
    pub assigned_at: Option<OffsetDateTime>,
    pub profile: Option<&'a DeploymentProfile>,
    pub intended: Option<&'a DeploymentProfile>,
}

/// Resolves a device's profile from the tenant's profiles and assignments. `groups` are the
/// Entra groups the device's object is a member of, with the time it joined each.
pub fn resolve<'a>(
    device: &AutopilotDevice,
    groups: &[(Uuid, OffsetDateTime)],
    profiles: &'a [DeploymentProfile],
    assignments: &[ProfileAssignment],
    now: OffsetDateTime,
    delay: time::Duration,
) -> DeviceProfile<'a> {
    let tag_group = (!device.group_tag.trim().is_empty())
        .then(|| group_id_for_tag(&device.group_tag).hyphenated().to_string());
    // The time the device came under each matching assignment: the later of its
    // registration and its joining the group.
    let matching = assignments.iter().find_map(|a| match &a.group_id {
        None => Some((a, device.created_at)),
        Some(g) if tag_group.as_deref() == Some(g.as_str()) => Some((a, device.created_at)),
        Some(g) => groups
            .iter()
            .find(|(id, _)| id.hyphenated().to_string().eq_ignore_ascii_case(g))
            .map(|(_, joined)| (a, device.created_at.max(*joined))),
    });
    let Some((assignment, since)) = matching else {
        return DeviceProfile {
            status: "notAssigned",
            assigned_at: None,
            profile: None,
            intended: None,
        };
    };
    let profile = profiles.iter().find(|p| p.id == assignment.profile_id);
    let due = since.max(assignment.created_at) + delay;
    if now >= due {
        DeviceProfile {
            status: "assignedInSync",
            assigned_at: Some(due),
            profile,
            intended: profile,
        }
    } else {
        DeviceProfile {
            status: "pending",
            assigned_at: None,
            profile: None,
            intended: profile,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_ids_take_intunes_form() {
        let profile = Uuid::from_u128(1);
        assert_eq!(
            assignment_id(profile, Some("7B2B0C2A-0000-0000-0000-000000000002")),
            "00000000-0000-0000-0000-000000000001_7b2b0c2a-0000-0000-0000-000000000002_0"
        );
        assert!(assignment_id(profile, None).contains(ALL_DEVICES_GROUP));
        assert!(valid_assignment_id(&assignment_id(profile, None)));
        for bad in ["", "a/b", "it's", "x\n", " a", "a(b)", "50%"] {
            assert!(!valid_assignment_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn types_and_groups() {
        assert_eq!(
            profile_type("#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"),
            Some(PROFILE_TYPES[0])
        );
        assert_eq!(
            profile_type("activeDirectoryWindowsAutopilotDeploymentProfile"),
            Some(PROFILE_TYPES[1])
        );
        assert_eq!(
            profile_type("#microsoft.graph.windowsAutopilotDeploymentProfile"),
            None
        );
        assert_eq!(group_id_for_tag("Kiosk"), group_id_for_tag(" kiosk "));
        assert_ne!(group_id_for_tag("Kiosk"), group_id_for_tag("Sales"));
    }
}
