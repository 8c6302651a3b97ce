//! beta `deviceEnrollmentConfigurations` (the Enrollment Status Page kind), their assignments
//! and the `assign` and `setPriority` actions: paths and rows of the table.

use std::borrow::Cow;

use autopilot_odata::entity;

use super::{
    ACTION, COLLECTION, COUNT, ITEM, Options, PROFILE_READ, PROFILE_WRITE, Segment, Spec, is,
    is_action, is_count, plain_key, spec,
};
use crate::error::GraphError;

pub(super) const CONFIGURATIONS: &str = "deviceEnrollmentConfigurations";
/// The type-cast segment a path may carry after the key (Graph writes it in
/// `assignments@odata.context`).
const CAST: &str = "microsoft.graph.windows10EnrollmentCompletionPageConfiguration";

/// Enrollment Status Page configurations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrollment {
    List,
    Count,
    Item { key: String },
    Assign { key: String },
    SetPriority { key: String },
    Assignments { key: String },
    AssignmentItem { key: String, assignment: String },
}

impl Enrollment {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::ENROLLMENT_CONFIGURATION;
        let (allow, template, options) = match self {
            Enrollment::List => ("GET, POST", COLLECTION, Options::Collection(e)),
            Enrollment::Count => ("GET", COUNT, Options::Collection(e)),
            Enrollment::Item { .. } => ("GET, PATCH, DELETE", ITEM, Options::Single(e)),
            Enrollment::Assign { .. } | Enrollment::SetPriority { .. } => {
                ("POST", ACTION, Options::Ignored)
            }
            // Intune reads assignments here but writes them only through `assign`.
            Enrollment::Assignments { .. } => (
                "GET",
                "~/singleton/navigation/key/navigation",
                Options::Ignored,
            ),
            Enrollment::AssignmentItem { .. } => (
                "GET",
                "~/singleton/navigation/key/navigation/key",
                Options::Ignored,
            ),
        };
        spec(allow, template, options, PROFILE_READ, PROFILE_WRITE)
    }
}

/// After the `deviceEnrollmentConfigurations` segment.
pub(super) fn enrollment(key: Option<String>, rest: &[Segment]) -> Result<Enrollment, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Enrollment::List),
        (None, [c]) if is_count(c) => return Ok(Enrollment::Count),
        (None, [k, rest @ ..]) if plain_key(k) => (k.name.clone(), rest),
        (None, [next, ..]) => return Err(GraphError::segment_not_found(&next.raw)),
    };
    let rest = match rest {
        [cast, rest @ ..] if is(cast, CAST) && cast.key.is_none() => rest,
        rest => rest,
    };
    match rest {
        [] => Ok(Enrollment::Item { key }),
        [a] if is_action(a, "assign") => Ok(Enrollment::Assign { key }),
        [a] if is_action(a, "setPriority") => Ok(Enrollment::SetPriority { key }),
        [a] if is(a, "assignments") => Ok(match &a.key {
            Some(assignment) => Enrollment::AssignmentItem {
                key,
                assignment: assignment.clone(),
            },
            None => Enrollment::Assignments { key },
        }),
        [a, item] if is(a, "assignments") && a.key.is_none() && plain_key(item) => {
            Ok(Enrollment::AssignmentItem {
                key,
                assignment: item.name.clone(),
            })
        }
        [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Enrollment {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Enrollment::List => "/deviceManagement/deviceEnrollmentConfigurations".into(),
            Enrollment::Count => "/deviceManagement/deviceEnrollmentConfigurations/$count".into(),
            Enrollment::Item { .. } => {
                "/deviceManagement/deviceEnrollmentConfigurations/{id}".into()
            }
            Enrollment::Assign { .. } => {
                "/deviceManagement/deviceEnrollmentConfigurations/{id}/assign".into()
            }
            Enrollment::SetPriority { .. } => {
                "/deviceManagement/deviceEnrollmentConfigurations/{id}/setPriority".into()
            }
            Enrollment::Assignments { .. } => {
                "/deviceManagement/deviceEnrollmentConfigurations/{id}/assignments".into()
            }
            Enrollment::AssignmentItem { .. } => {
                "/deviceManagement/deviceEnrollmentConfigurations/{id}/assignments/{assignmentId}"
                    .into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Resource, route};

    #[test]
    fn enrollment_configuration_paths() {
        let r = |p: &str| route(p).unwrap().resource;
        let key =
            "0a1b2c3d-0000-0000-0000-000000000001_Windows10EnrollmentCompletionPageConfiguration";
        assert_eq!(
            r("/beta/deviceManagement/deviceEnrollmentConfigurations"),
            Resource::Enrollment(Enrollment::List)
        );
        assert_eq!(
            r(&format!(
                "/beta/devicemanagement/deviceenrollmentconfigurations('{key}')"
            )),
            Resource::Enrollment(Enrollment::Item { key: key.into() })
        );
        assert_eq!(
            r(&format!(
                "/beta/deviceManagement/deviceEnrollmentConfigurations/{key}/microsoft.graph.assign"
            )),
            Resource::Enrollment(Enrollment::Assign { key: key.into() })
        );
        assert_eq!(
            r(&format!(
                "/beta/deviceManagement/deviceEnrollmentConfigurations/{key}/{CAST}/assignments"
            )),
            Resource::Enrollment(Enrollment::Assignments { key: key.into() })
        );
        assert_eq!(
            r(&format!(
                "/beta/deviceManagement/deviceEnrollmentConfigurations/{key}/assignments/a1"
            )),
            Resource::Enrollment(Enrollment::AssignmentItem {
                key: key.into(),
                assignment: "a1".into()
            })
        );
        assert!(route("/v1.0/deviceManagement/deviceEnrollmentConfigurations").is_err());
        assert!(
            route(&format!(
                "/beta/deviceManagement/deviceEnrollmentConfigurations/{key}/retire"
            ))
            .is_err()
        );
    }
}
