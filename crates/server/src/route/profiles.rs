//! beta deployment profiles (`windowsAutopilotDeploymentProfiles`) and their assignments:
//! paths and rows of the table.

use std::borrow::Cow;

use super::{COLLECTION, ITEM, Options, PROFILE_READ, PROFILE_WRITE, Segment, Spec, is, spec};
use crate::error::GraphError;

pub(super) const PROFILES: &str = "windowsAutopilotDeploymentProfiles";

/// beta `windowsAutopilotDeploymentProfiles` and their assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profiles {
    List,
    Item {
        key: String,
    },
    Assignments {
        key: String,
    },
    AssignmentItem {
        key: String,
        assignment: String,
    },
    /// `{id}/assignedDevices`: the registered devices the profile is for.
    AssignedDevices {
        key: String,
    },
}

impl Profiles {
    pub(super) fn spec(&self) -> Spec {
        let (allow, template) = match self {
            Profiles::List | Profiles::Assignments { .. } => ("GET, POST", COLLECTION),
            Profiles::Item { .. } => ("GET, PATCH, DELETE", ITEM),
            Profiles::AssignmentItem { .. } => ("GET, DELETE", ITEM),
            Profiles::AssignedDevices { .. } => ("GET", COLLECTION),
        };
        spec(
            allow,
            template,
            Options::Ignored,
            PROFILE_READ,
            PROFILE_WRITE,
        )
    }
}

/// After the profiles segment.
pub(super) fn profiles(key: Option<String>, rest: &[Segment]) -> Result<Profiles, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Profiles::List),
        (None, [k, rest @ ..]) if k.key.is_none() && !k.name.starts_with('$') => {
            (k.name.clone(), rest)
        }
        (None, [other, ..]) => return Err(GraphError::segment_not_found(&other.raw)),
    };
    match rest {
        [] => Ok(Profiles::Item { key }),
        [a] if is(a, "assignments") => match &a.key {
            Some(assignment) => Ok(Profiles::AssignmentItem {
                key,
                assignment: assignment.clone(),
            }),
            None => Ok(Profiles::Assignments { key }),
        },
        [a] if is(a, "assignedDevices") && a.key.is_none() => Ok(Profiles::AssignedDevices { key }),
        [a, item] if is(a, "assignments") && a.key.is_none() && item.key.is_none() => {
            Ok(Profiles::AssignmentItem {
                key,
                assignment: item.name.clone(),
            })
        }
        [other, ..] => Err(GraphError::segment_not_found(&other.raw)),
    }
}

impl Profiles {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Profiles::List => "/deviceManagement/windowsAutopilotDeploymentProfiles".into(),
            Profiles::Item { .. } => "/deviceManagement/windowsAutopilotDeploymentProfiles/{id}".into(),
            Profiles::Assignments { .. } => {
                "/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments".into()
            }
            Profiles::AssignmentItem { .. } => {
                "/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments/{assignmentId}".into()
            }
            Profiles::AssignedDevices { .. } => {
                "/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignedDevices".into()
            }
        }
    }
}
