//! Entra ID groups: what a group is, what a request to create or change one must hold (Graph's
//! rules and messages), and how a dynamic device group's rule decides its members.
//!
//! A dynamic group's members are the rule's matches among the tenant's device objects,
//! decided asynchronously as Entra decides them: a created group, a changed rule and a changed
//! device make the tenant's dynamic groups due after `--membership-delay`; the registration
//! worker then evaluates them and writes the difference.

use autopilot_membership::{Device, Rule};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::directory::{DirectoryDevice, NameProblem};

/// `groupTypes` member of a dynamic group.
pub const DYNAMIC: &str = "DynamicMembership";
/// `groupTypes` member of a Microsoft 365 group.
pub const UNIFIED: &str = "Unified";

/// An Entra ID group (`microsoft.graph.group`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: String,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub membership_rule: Option<String>,
    /// `On` or `Paused` for a dynamic group; `None` for an assigned one.
    pub processing_state: Option<String>,
    pub created_at: OffsetDateTime,
    /// When the members were last brought in line with the rule (`None`: not yet).
    pub rule_processed_at: Option<OffsetDateTime>,
}

impl Group {
    pub fn is_dynamic(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(DYNAMIC))
    }
}

/// What may change in a group (`PATCH`); `None` leaves a property as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    pub description: Option<Option<String>>,
    pub mail_nickname: Option<String>,
    pub membership_rule: Option<String>,
    pub processing_state: Option<String>,
}

/// The kinds of directory object a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    Device,
    User,
    Group,
}

impl MemberKind {
    pub fn code(self) -> i64 {
        match self {
            MemberKind::Device => 0,
            MemberKind::User => 1,
            MemberKind::Group => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        [MemberKind::Device, MemberKind::User, MemberKind::Group]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub kind: MemberKind,
    /// Added by the group's rule (not by `members/$ref`).
    pub dynamic: bool,
    pub joined_at: OffsetDateTime,
}

/// Why a group request is refused: Graph's message (a `Request_BadRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRuleError(pub String);

fn required(property: &str) -> GroupRuleError {
    GroupRuleError(format!(
        "A value is required for property '{property}' of resource 'Group'."
    ))
}

/// Checks `mailNickname`: at most 64 ASCII characters, none of `@ ( ) \ [ ] " ; : < > , .`
/// or space (Graph's documented rule).
pub fn check_mail_nickname(nickname: &str) -> Result<(), GroupRuleError> {
    if crate::directory::nickname_ok(nickname, "@()\\[]\";:<>,. ") {
        Ok(())
    } else {
        Err(GroupRuleError(
            "Invalid value specified for property 'mailNickname' of resource 'Group'.".into(),
        ))
    }
}

/// Checks a display name: required, at most 256 characters.
pub fn check_display_name(name: &str) -> Result<(), GroupRuleError> {
    match crate::directory::display_name_problem(name) {
        None => Ok(()),
        Some(NameProblem::Missing) => Err(required("displayName")),
        Some(NameProblem::TooLong) => Err(GroupRuleError(
            "Invalid value specified for property 'displayName' of resource 'Group'.".into(),
        )),
    }
}

/// Parses a membership rule, with Graph's wording around the reason.
pub fn check_rule(rule: &str) -> Result<Rule, GroupRuleError> {
    Rule::parse(rule).map_err(|e| {
        GroupRuleError(format!(
            "Invalid value specified for property 'membershipRule' of resource 'Group': {e}."
        ))
    })
}

/// Checks a processing state: `On` or `Paused`, as Graph spells them.
pub fn check_processing_state(state: &str) -> Result<String, GroupRuleError> {
    ["On", "Paused"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(state))
        .map(str::to_owned)
        .ok_or_else(|| {
            GroupRuleError(
                "Invalid value specified for property 'membershipRuleProcessingState' of resource 'Group'.".into(),
            )
        })
}

/// Checks a whole new group; the required properties are Graph's.
pub fn check_new(group: &Group, rule_given: bool) -> Result<(), GroupRuleError> {
    check_display_name(&group.display_name)?;
    check_mail_nickname(&group.mail_nickname)?;
    if group.mail_enabled && !group.group_types.iter().any(|t| t == UNIFIED) {
        return Err(GroupRuleError(
            "Creating mail-enabled security groups is not supported; use a Microsoft 365 group (groupTypes [\"Unified\"]).".into(),
        ));
    }
    for t in &group.group_types {
        if t != DYNAMIC && t != UNIFIED {
            return Err(GroupRuleError(format!(
                "Invalid value specified for property 'groupTypes' of resource 'Group': '{t}'."
            )));
        }
    }
    match (group.is_dynamic(), &group.membership_rule) {
        (true, None) => Err(required("membershipRule")),
        (true, Some(rule)) => check_rule(rule).map(|_| ()),
        (false, Some(_)) if rule_given => Err(GroupRuleError(
            "A membershipRule can only be set on a group whose groupTypes hold 'DynamicMembership'.".into(),
        )),
        (false, _) => Ok(()),
    }
}

/// The device as a membership rule sees it.
pub fn rule_view<'a>(device: &'a DirectoryDevice, object_id: &'a str) -> Device<'a> {
    Device {
        account_enabled: device.account_enabled,
        device_id: &device.device_id,
        object_id,
        display_name: &device.display_name,
        device_os_type: &device.operating_system,
        device_os_version: device.operating_system_version.as_deref().unwrap_or(""),
        device_ownership: device.device_ownership.as_deref().unwrap_or(""),
        device_trust_type: device.trust_type.as_deref().unwrap_or(""),
        enrollment_profile_name: device.enrollment_profile_name.as_deref().unwrap_or(""),
        device_manufacturer: device.manufacturer.as_deref().unwrap_or(""),
        device_model: device.model.as_deref().unwrap_or(""),
        profile_type: &device.profile_type,
        physical_ids: &device.physical_ids,
        ..Device::default()
    }
}

/// The devices a dynamic group's rule selects, by object id. An unparsable stored rule (none
/// is stored unchecked) selects nothing.
pub fn matching_devices(rule: &str, devices: &[DirectoryDevice]) -> Vec<Uuid> {
    let Ok(rule) = Rule::parse(rule) else {
        return Vec::new();
    };
    devices
        .iter()
        .filter(|d| {
            let id = d.id.hyphenated().to_string();
            rule.matches(&rule_view(d, &id))
        })
        .map(|d| d.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(types: &[&str], rule: Option<&str>) -> Group {
        Group {
            id: Uuid::from_u128(1),
            display_name: "Autopilot Lab".into(),
            description: None,
            mail_nickname: "autopilot-lab".into(),
            mail_enabled: false,
            security_enabled: true,
            group_types: types.iter().map(|t| (*t).to_owned()).collect(),
            membership_rule: rule.map(str::to_owned),
            processing_state: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            rule_processed_at: None,
        }
    }

    #[test]
    fn new_groups_follow_graphs_rules() {
        let rule = r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))"#;
        assert!(check_new(&group(&[DYNAMIC], Some(rule)), true).is_ok());
        assert!(check_new(&group(&[], None), false).is_ok());
        let missing = check_new(&group(&[DYNAMIC], None), false).unwrap_err();
        assert_eq!(
            missing.0,
            "A value is required for property 'membershipRule' of resource 'Group'."
        );
        let bad = check_new(&group(&[DYNAMIC], Some("device.model -eq x")), true).unwrap_err();
        assert!(bad.0.contains("'membershipRule'"), "{}", bad.0);
        assert!(check_new(&group(&[], Some(rule)), true).is_err());
        assert!(check_new(&group(&["Static"], None), false).is_err());
        let mut named = group(&[], None);
        named.mail_nickname = "has space".into();
        assert!(
            check_new(&named, false)
                .unwrap_err()
                .0
                .contains("mailNickname")
        );
        named.mail_nickname = "ok".into();
        named.display_name = " ".into();
        assert!(
            check_new(&named, false)
                .unwrap_err()
                .0
                .contains("displayName")
        );
        assert_eq!(check_processing_state("paused").unwrap(), "Paused");
        assert!(check_processing_state("Off").is_err());
    }

    #[test]
    fn dynamic_rules_select_devices_by_their_physical_ids() {
        let device = |n: u128, tag: &str| DirectoryDevice {
            id: Uuid::from_u128(n),
            device_id: format!("d{n}"),
            display_name: format!("SN-{n}"),
            account_enabled: true,
            operating_system: "Windows".into(),
            operating_system_version: None,
            trust_type: None,
            profile_type: "RegisteredDevice".into(),
            device_ownership: Some("Company".into()),
            enrollment_profile_name: None,
            manufacturer: Some("Contoso".into()),
            model: Some("Laptop 7".into()),
            physical_ids: vec![format!("[OrderId]:{tag}"), format!("[ZTDID]:{n}")],
            autopilot_id: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let devices = [device(1, "Lab"), device(2, "Office"), device(3, "lab")];
        let lab = matching_devices(
            r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))"#,
            &devices,
        );
        assert_eq!(lab, vec![Uuid::from_u128(1), Uuid::from_u128(3)]);
        let all = matching_devices(
            r#"(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))"#,
            &devices,
        );
        assert_eq!(all.len(), 3);
        let by_id = matching_devices(
            "device.objectId -eq \"00000000-0000-0000-0000-000000000002\"",
            &devices,
        );
        assert_eq!(by_id, vec![Uuid::from_u128(2)]);
        assert!(matching_devices("not a rule", &devices).is_empty());
    }
}
