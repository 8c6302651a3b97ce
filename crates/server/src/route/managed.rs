//! Intune managed devices: `deviceManagement/managedDevices` (list, `$count`, one device,
//! delete) and the `wipe` action: paths and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission::{
    self, ManagedDevicesPrivileged, ManagedDevicesRead, ManagedDevicesReadWrite,
};
use autopilot_odata::entity;

use super::{Options, Segment, Spec, is_action, is_count, plain_key, spec};
use crate::error::GraphError;

pub(super) const MANAGED: &str = "managedDevices";

const READ: &[Permission] = &[ManagedDevicesRead, ManagedDevicesReadWrite];
const WRITE: &[Permission] = &[ManagedDevicesReadWrite];
/// `wipe` is a privileged operation, as Graph lists it.
const PRIVILEGED: &[Permission] = &[ManagedDevicesPrivileged];

/// Intune's managed devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Managed {
    List,
    Count,
    Item { key: String },
    Wipe { key: String },
}

impl Managed {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::MANAGED_DEVICE;
        match self {
            Managed::List => spec("GET", "~/entityset", Options::Collection(e), READ, WRITE),
            Managed::Count => spec(
                "GET",
                "~/entityset/$count",
                Options::Collection(e),
                READ,
                WRITE,
            ),
            Managed::Item { .. } => spec(
                "GET, DELETE",
                "~/entityset/key",
                Options::Single(e),
                READ,
                WRITE,
            ),
            Managed::Wipe { .. } => spec(
                "POST",
                "~/entityset/key/action",
                Options::Ignored,
                READ,
                PRIVILEGED,
            ),
        }
    }
}

/// After the `managedDevices` segment.
pub(super) fn managed(key: Option<String>, rest: &[Segment]) -> Result<Managed, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Managed::List),
        (None, [c]) if is_count(c) => return Ok(Managed::Count),
        (None, [k, rest @ ..]) if plain_key(k) => (k.name.clone(), rest),
        (None, [next, ..]) => return Err(GraphError::segment_not_found(&next.raw)),
    };
    match rest {
        [] => Ok(Managed::Item { key }),
        [a] if is_action(a, "wipe") => Ok(Managed::Wipe { key }),
        [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Managed {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Managed::List => "/deviceManagement/managedDevices".into(),
            Managed::Count => "/deviceManagement/managedDevices/$count".into(),
            Managed::Item { .. } => "/deviceManagement/managedDevices/{id}".into(),
            Managed::Wipe { .. } => "/deviceManagement/managedDevices/{id}/wipe".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Resource, route};

    #[test]
    fn managed_device_paths() {
        let r = |p: &str| route(p).unwrap().resource;
        let list = Resource::Managed(Managed::List);
        assert_eq!(r("/v1.0/deviceManagement/managedDevices"), list);
        assert_eq!(r("/beta/devicemanagement/manageddevices"), list);
        assert_eq!(
            r("/v1.0/deviceManagement/managedDevices/d1/microsoft.graph.wipe"),
            Resource::Managed(Managed::Wipe { key: "d1".into() })
        );
        assert_eq!(
            r("/beta/deviceManagement/managedDevices('d1')"),
            Resource::Managed(Managed::Item { key: "d1".into() })
        );
        assert!(route("/v1.0/deviceManagement/managedDevices/d1/retire").is_err());
    }
}
