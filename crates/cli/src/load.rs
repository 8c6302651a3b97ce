//! `autopilot-graph tenant load FILE...`: a copy of production to start a test from. Takes the
//! JSON a user exports from their own tenant (`Get-AutopilotDevice | ConvertTo-Json`,
//! `Get-AutopilotProfile | ConvertTo-Json`, `Get-MgGroup | ConvertTo-Json`, or raw Graph list
//! pages with their `value`) and recreates those registered devices (with their Entra device
//! objects), deployment profiles (with their assignments when the export has them) and groups
//! here, keeping their ids. Every file is read and checked before anything is written; what
//! the tenant has already (an id, or hardware registered anywhere) is skipped and counted.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_domain::{
    AddAssignment, AutopilotDevice, DeploymentProfile, EnrollmentState, Group, LoadOutcome,
    NO_MANAGED_DEVICE, ProfileAssignment, TenantId, UserlessEnrollmentStatus, groups,
};
use autopilot_hwhash::identity::HardwareIdentity;
use autopilot_server::auth;
use autopilot_server::wire::object::member;
use clap::Args;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::database::{DatabaseArgs, current_thread};

/// Options of `tenant load`.
#[derive(Debug, Args)]
pub struct TenantLoadArgs {
    /// Tenant name or GUID to load into.
    #[arg(long)]
    pub tenant: String,

    /// JSON files: arrays of objects, single objects, or Graph list pages (`value`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// What an exported object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Device,
    Profile,
    Group,
}

/// The objects of one file, with the kind its page's `@odata.context` names, if any.
fn objects(value: Value, hint: Option<Kind>, out: &mut Vec<(Option<Kind>, Map<String, Value>)>) {
    match value {
        Value::Array(items) => {
            for item in items {
                objects(item, hint, out);
            }
        }
        Value::Object(o) => match member(&o, "value") {
            Some(items @ Value::Array(_)) => {
                let hint = member(&o, "@odata.context")
                    .and_then(Value::as_str)
                    .and_then(kind_of_context)
                    .or(hint);
                objects(items.clone(), hint, out);
            }
            _ => out.push((hint, o)),
        },
        _ => {}
    }
}

fn kind_of_context(context: &str) -> Option<Kind> {
    let c = context.to_ascii_lowercase();
    if c.contains("windowsautopilotdeviceidentities") {
        Some(Kind::Device)
    } else if c.contains("windowsautopilotdeploymentprofiles") {
        Some(Kind::Profile)
    } else if c.contains("#groups") {
        Some(Kind::Group)
    } else {
        None
    }
}

/// The kind of an object, from its page, its `@odata.type`, or its properties.
fn kind_of(hint: Option<Kind>, o: &Map<String, Value>) -> Option<Kind> {
    if hint.is_some() {
        return hint;
    }
    let has = |name: &str| member(o, name).is_some();
    let odata_type = member(o, "@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if odata_type
        .to_ascii_lowercase()
        .contains("deploymentprofile")
        || has("outOfBoxExperienceSettings")
        || has("outOfBoxExperienceSetup")
    {
        Some(Kind::Profile)
    } else if odata_type.ends_with(".group") || has("securityEnabled") || has("groupTypes") {
        Some(Kind::Group)
    } else if has("serialNumber") && (has("model") || has("manufacturer")) {
        Some(Kind::Device)
    } else {
        None
    }
}

fn text(o: &Map<String, Value>, name: &str) -> String {
    member(o, name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn id(o: &Map<String, Value>) -> Result<Uuid, String> {
    let raw = text(o, "id");
    Uuid::try_parse(&raw).map_err(|_| format!("its id '{raw}' is not a GUID"))
}

fn time_of(o: &Map<String, Value>, name: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(
        &text(o, name),
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
    .filter(|t| t.year() > 1)
}

fn device(o: &Map<String, Value>, now: OffsetDateTime) -> Result<AutopilotDevice, String> {
    let serial = text(o, "serialNumber");
    if serial.is_empty() {
        return Err("it has no serialNumber".into());
    }
    let manufacturer = text(o, "manufacturer");
    let aad = [
        text(o, "azureActiveDirectoryDeviceId"),
        text(o, "azureAdDeviceId"),
    ]
    .into_iter()
    .find(|a| Uuid::try_parse(a).is_ok_and(|u| !u.is_nil()))
    .unwrap_or_else(|| Uuid::new_v4().to_string());
    let state = text(o, "enrollmentState");
    Ok(AutopilotDevice {
        id: id(o)?,
        // Without the hash, the hardware is known by manufacturer and serial, as a hash
        // without a UUID or device id is.
        hardware_key: HardwareIdentity::Serial {
            manufacturer: manufacturer.to_uppercase(),
            serial: serial.to_uppercase(),
        }
        .key(),
        import_id: String::new(),
        serial_number: serial,
        manufacturer,
        model: text(o, "model"),
        sku_number: text(o, "skuNumber"),
        system_family: text(o, "systemFamily"),
        product_key: text(o, "productKey"),
        group_tag: text(o, "groupTag"),
        purchase_order_identifier: text(o, "purchaseOrderIdentifier"),
        user_principal_name: text(o, "userPrincipalName"),
        addressable_user_name: text(o, "addressableUserName"),
        display_name: text(o, "displayName"),
        resource_name: text(o, "resourceName"),
        azure_ad_device_id: aad,
        managed_device_id: Some(text(o, "managedDeviceId"))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| NO_MANAGED_DEVICE.to_owned()),
        enrollment_state: EnrollmentState::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(&state))
            .unwrap_or_default(),
        last_contacted: time_of(o, "lastContactedDateTime"),
        device_account_upn: text(o, "deviceAccountUpn"),
        device_account_password: String::new(),
        device_friendly_name: text(o, "deviceFriendlyName"),
        userless_enrollment_status: UserlessEnrollmentStatus::Unknown,
        created_at: now,
    })
}

fn profile(
    o: &Map<String, Value>,
    now: OffsetDateTime,
) -> Result<(DeploymentProfile, Vec<ProfileAssignment>), String> {
    let odata_type = text(o, "@odata.type");
    let kind = autopilot_domain::profiles::profile_type(&odata_type)
        .unwrap_or("azureADWindowsAutopilotDeploymentProfile");
    let properties = autopilot_server::wire::profile_properties(&Value::Object(o.clone()), None)
        .map_err(|e| e.message().to_owned())?;
    let profile = DeploymentProfile {
        id: id(o)?,
        odata_type: kind.to_owned(),
        properties,
        created_at: time_of(o, "createdDateTime").unwrap_or(now),
        modified_at: time_of(o, "lastModifiedDateTime").unwrap_or(now),
    };
    let mut assignments = Vec::new();
    if let Some(Value::Array(items)) = member(o, "assignments") {
        for item in items {
            let group_id = autopilot_server::wire::assignment_target(item)
                .map_err(|e| e.message().to_owned())?;
            let aid = item.get("id").and_then(Value::as_str).map_or_else(
                || autopilot_domain::profiles::assignment_id(profile.id, group_id.as_deref()),
                str::to_owned,
            );
            assignments.push(ProfileAssignment {
                id: aid,
                profile_id: profile.id,
                group_id,
                created_at: now,
            });
        }
    }
    Ok((profile, assignments))
}

fn group(o: &Map<String, Value>, now: OffsetDateTime) -> Result<Group, String> {
    let flag = |name: &str| member(o, name).and_then(Value::as_bool).unwrap_or(false);
    let group_types: Vec<String> = match member(o, "groupTypes") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let dynamic = group_types.iter().any(|t| t == "DynamicMembership");
    let rule = Some(text(o, "membershipRule")).filter(|r| !r.is_empty());
    let state = Some(text(o, "membershipRuleProcessingState")).filter(|s| !s.is_empty());
    let g = Group {
        id: id(o)?,
        display_name: text(o, "displayName"),
        description: Some(text(o, "description")).filter(|d| !d.is_empty()),
        mail_nickname: text(o, "mailNickname"),
        mail_enabled: flag("mailEnabled"),
        security_enabled: flag("securityEnabled"),
        group_types,
        membership_rule: rule.clone(),
        processing_state: if dynamic {
            Some(state.unwrap_or_else(|| "On".to_owned()))
        } else {
            None
        },
        created_at: time_of(o, "createdDateTime").unwrap_or(now),
        rule_processed_at: None,
    };
    groups::check_new(&g, rule.is_some()).map_err(|e| e.0)?;
    Ok(g)
}

/// Everything read from the files.
#[derive(Default)]
struct Loaded {
    devices: Vec<AutopilotDevice>,
    profiles: Vec<(DeploymentProfile, Vec<ProfileAssignment>)>,
    groups: Vec<Group>,
}

fn read(files: &[PathBuf], now: OffsetDateTime) -> Result<Loaded> {
    let mut loaded = Loaded::default();
    for path in files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        // PowerShell 5.1's Out-File writes UTF-16 with a byte-order mark; 7 writes UTF-8.
        let (text, _, _) = crate::csvfile::decode_text(&bytes);
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let mut found = Vec::new();
        objects(value, None, &mut found);
        for (n, (hint, o)) in found.into_iter().enumerate() {
            let at = || format!("{} object {}", path.display(), n + 1);
            match kind_of(hint, &o) {
                Some(Kind::Device) => loaded
                    .devices
                    .push(device(&o, now).map_err(|e| anyhow::anyhow!("{}: {e}", at()))?),
                Some(Kind::Profile) => loaded
                    .profiles
                    .push(profile(&o, now).map_err(|e| anyhow::anyhow!("{}: {e}", at()))?),
                Some(Kind::Group) => loaded
                    .groups
                    .push(group(&o, now).map_err(|e| anyhow::anyhow!("{}: {e}", at()))?),
                None => bail!(
                    "{}: not an Autopilot device, deployment profile or group",
                    at()
                ),
            }
        }
    }
    Ok(loaded)
}

/// `autopilot-graph tenant load`.
pub fn run(args: TenantLoadArgs) -> Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    let loaded = read(&args.files, now)?;
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        let store = autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
        let tenant = TenantId::new(&auth::tenant_guid(&args.tenant).to_string());

        let (mut groups_new, mut groups_there) = (0, 0);
        for g in &loaded.groups {
            if store.get_group(&tenant, g.id).await?.is_some() {
                groups_there += 1;
                continue;
            }
            store.create_group(&tenant, g, &[]).await?;
            groups_new += 1;
        }
        let existing: Vec<Uuid> = store
            .list_profiles(&tenant)
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        let (mut profiles_new, mut profiles_there, mut assignments_new) = (0, 0, 0);
        for (p, assignments) in &loaded.profiles {
            if existing.contains(&p.id) {
                profiles_there += 1;
            } else {
                store.put_profile(&tenant, p).await?;
                profiles_new += 1;
            }
            for a in assignments {
                if store.add_assignment(&tenant, a).await? == AddAssignment::Added {
                    assignments_new += 1;
                }
            }
        }
        let outcomes = store.load_devices(&tenant, &loaded.devices, now).await?;
        let count = |o: LoadOutcome| outcomes.iter().filter(|x| **x == o).count();
        println!(
            "devices      {} loaded, {} there already, {} with hardware registered elsewhere",
            count(LoadOutcome::Loaded),
            count(LoadOutcome::IdTaken),
            count(LoadOutcome::HardwareTaken)
        );
        println!("profiles     {profiles_new} loaded, {profiles_there} there already ({assignments_new} assignments)");
        println!("groups       {groups_new} loaded, {groups_there} there already");
        println!("tenant       {tenant}");
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exports_are_told_apart() {
        let mut out = Vec::new();
        let page = json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/windowsAutopilotDeviceIdentities", "value": [{"id": Uuid::nil(), "serialNumber": "X"}]});
        objects(
            json!([page, {"Id": "x", "DisplayName": "G", "SecurityEnabled": true}]),
            None,
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(kind_of(out[0].0, &out[0].1), Some(Kind::Device));
        assert_eq!(kind_of(out[1].0, &out[1].1), Some(Kind::Group));
        let profile =
            json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"});
        assert_eq!(
            kind_of(None, profile.as_object().unwrap()),
            Some(Kind::Profile)
        );
        assert_eq!(
            kind_of(None, json!({"name": "x"}).as_object().unwrap()),
            None
        );
    }
}
