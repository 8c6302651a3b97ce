//! Registered devices (`windowsAutopilotDeviceIdentities`), their bound actions and their beta
//! profile navigations: paths and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission;
use autopilot_odata::entity;

use super::{
    ACTION, COLLECTION, COUNT, CRW, ITEM, Options, PROFILE_READ, PROFILE_WRITE, SERVICE_READ as SR,
    SERVICE_WRITE as SW, SRW, Segment, Spec, is, is_action, is_count, plain_key, spec,
};
use crate::error::GraphError;

pub(super) const DEVICES: &str = "windowsAutopilotDeviceIdentities";

/// `windowsAutopilotDeviceIdentities`: registered devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Devices {
    List,
    Item {
        key: String,
    },
    Count,
    /// A bound action on one device (`assignUserToDevice`, ...), by its canonical name.
    Action {
        key: String,
        action: &'static str,
    },
    /// `windowsAutopilotDeviceIdentities/deleteDevices`.
    DeleteDevices,
    /// beta `{id}/deploymentProfile` (or, `intended`, `{id}/intendedDeploymentProfile`).
    ProfileNav {
        key: String,
        intended: bool,
    },
}

/// The bound actions of a registered device, by their canonical names.
pub const DEVICE_ACTIONS: [&str; 6] = [
    "assignUserToDevice",
    "unassignUserFromDevice",
    "updateDeviceProperties",
    "allowNextEnrollment",
    "assignResourceAccountToDevice",
    "unassignResourceAccountFromDevice",
];

impl Devices {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::AUTOPILOT_DEVICE;
        match self {
            Devices::List => spec("GET", COLLECTION, Options::Collection(e), SR, SW),
            Devices::Item { .. } => spec("GET, DELETE", ITEM, Options::Single(e), SR, SW),
            Devices::Count => spec("GET", COUNT, Options::Collection(e), SR, SW),
            // The actions whose newer pages add DeviceManagementConfiguration.ReadWrite.All
            // take it too; allowNextEnrollment's page lists read scopes, a documentation
            // error: it writes.
            Devices::Action { action, .. } => {
                let write: &'static [Permission] = match *action {
                    "assignUserToDevice" | "assignResourceAccountToDevice" => &[SRW, CRW],
                    _ => SW,
                };
                spec(
                    "POST",
                    "~/singleton/navigation/key/action",
                    Options::Ignored,
                    SR,
                    write,
                )
            }
            Devices::DeleteDevices => spec("POST", ACTION, Options::Ignored, SR, SW),
            Devices::ProfileNav { .. } => {
                spec("GET", ITEM, Options::Ignored, PROFILE_READ, PROFILE_WRITE)
            }
        }
    }
}

/// The actions only beta has.
const BETA_ACTIONS: [&str; 3] = [
    "allowNextEnrollment",
    "assignResourceAccountToDevice",
    "unassignResourceAccountFromDevice",
];

impl Devices {
    /// The segment v1.0 does not know, if this is beta's only.
    pub(super) fn beta_only(&self) -> Option<&'static str> {
        match self {
            Devices::Action { action, .. } if BETA_ACTIONS.contains(action) => Some(action),
            Devices::ProfileNav {
                intended: false, ..
            } => Some("deploymentProfile"),
            Devices::ProfileNav { intended: true, .. } => Some("intendedDeploymentProfile"),
            _ => None,
        }
    }
}

fn device_action(seg: &Segment) -> Option<&'static str> {
    DEVICE_ACTIONS.iter().copied().find(|a| is_action(seg, a))
}

/// `deploymentProfile` (false) or `intendedDeploymentProfile` (true).
fn profile_nav(seg: &Segment) -> Option<bool> {
    if seg.key.is_some() {
        None
    } else if is(seg, "deploymentProfile") {
        Some(false)
    } else if is(seg, "intendedDeploymentProfile") {
        Some(true)
    } else {
        None
    }
}

/// After the devices segment.
pub(super) fn devices(key: Option<String>, rest: &[Segment]) -> Result<Devices, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Devices::List),
        (None, [c]) if is_count(c) => return Ok(Devices::Count),
        (None, [a]) if is_action(a, "deleteDevices") => return Ok(Devices::DeleteDevices),
        (None, [k, rest @ ..]) if plain_key(k) => (k.name.clone(), rest),
        (None, [next, ..]) => return Err(GraphError::segment_not_found(&next.raw)),
    };
    match rest {
        [] => Ok(Devices::Item { key }),
        [a] => match (device_action(a), profile_nav(a)) {
            (Some(action), _) => Ok(Devices::Action { key, action }),
            (None, Some(intended)) => Ok(Devices::ProfileNav { key, intended }),
            _ => Err(GraphError::segment_not_found(&a.raw)),
        },
        [_, next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Devices {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        let actions = |a: &str| -> Cow<'static, str> {
            format!("/deviceManagement/windowsAutopilotDeviceIdentities/{{id}}/{a}").into()
        };
        match self {
            Devices::List => "/deviceManagement/windowsAutopilotDeviceIdentities".into(),
            Devices::Item { .. } => {
                "/deviceManagement/windowsAutopilotDeviceIdentities/{id}".into()
            }
            Devices::Count => "/deviceManagement/windowsAutopilotDeviceIdentities/$count".into(),
            Devices::Action { action, .. } => actions(action),
            Devices::DeleteDevices => {
                "/deviceManagement/windowsAutopilotDeviceIdentities/deleteDevices".into()
            }
            Devices::ProfileNav {
                intended: false, ..
            } => actions("deploymentProfile"),
            Devices::ProfileNav { intended: true, .. } => actions("intendedDeploymentProfile"),
        }
    }
}
