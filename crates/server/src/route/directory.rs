//! Entra ID directory objects: `devices` (list, `$count`, one by id or by its `deviceId`
//! alternate key): paths and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission::{
    self, DeviceRead, DeviceReadWrite, DirectoryAccessAsUser, DirectoryRead, DirectoryReadWrite,
    GroupMemberRead, GroupRead,
};
use autopilot_odata::entity;

use super::{Options, Segment, Spec, is, is_count, plain_key, spec};
use crate::error::GraphError;

pub(super) const DEVICES: &str = "devices";

const DEVICE_READ: &[Permission] = &[
    DeviceRead,
    DeviceReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
];
const MEMBER_OF_READ: &[Permission] = &[
    DeviceRead,
    DeviceReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
    GroupMemberRead,
    GroupRead,
];
/// Deleting a device: application `Device.ReadWrite.All`, delegated `Directory.AccessAsUser.All`.
const DEVICE_DELETE: &[Permission] = &[DeviceReadWrite, DirectoryAccessAsUser];

/// How a path names one device object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRef {
    /// `devices/{id}` or `devices('{id}')`: the object id.
    Id(String),
    /// `devices(deviceId='{deviceId}')`: the alternate key.
    DeviceId(String),
}

/// The directory's device objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directory {
    Devices,
    DevicesCount,
    Device {
        key: DeviceRef,
    },
    /// `{id}/memberOf` (or, `transitive`, `{id}/transitiveMemberOf`): the device's groups.
    MemberOf {
        key: DeviceRef,
        transitive: bool,
    },
}

impl Directory {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::DIRECTORY_DEVICE;
        let row =
            |allow, template, options| spec(allow, template, options, DEVICE_READ, DEVICE_DELETE);
        match self {
            Directory::Devices => row("GET", "~/entityset", Options::Collection(e)),
            Directory::DevicesCount => row("GET", "~/entityset/$count", Options::Collection(e)),
            Directory::Device { .. } => row("GET, DELETE", "~/entityset/key", Options::Single(e)),
            Directory::MemberOf { .. } => spec(
                "GET",
                "~/entityset/key/navigation",
                Options::SelectOnly("memberOf and transitiveMemberOf take $select only."),
                MEMBER_OF_READ,
                DEVICE_DELETE,
            ),
        }
    }
}

/// A key in parentheses: the object id, or `deviceId='...'`.
fn device_ref(key: &str) -> DeviceRef {
    match key.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("deviceId") => {
            let value = value.trim();
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value);
            DeviceRef::DeviceId(value.replace("''", "'"))
        }
        _ => DeviceRef::Id(key.to_owned()),
    }
}

/// After the `devices` segment.
pub(super) fn devices(key: Option<String>, rest: &[Segment]) -> Result<Directory, GraphError> {
    let member_of = |seg: &Segment| {
        if seg.key.is_some() {
            None
        } else if is(seg, "memberOf") {
            Some(false)
        } else if is(seg, "transitiveMemberOf") {
            Some(true)
        } else {
            None
        }
    };
    match (key, rest) {
        (Some(key), []) => Ok(Directory::Device {
            key: device_ref(&key),
        }),
        (Some(key), [m]) if member_of(m).is_some() => Ok(Directory::MemberOf {
            key: device_ref(&key),
            transitive: member_of(m).unwrap_or(false),
        }),
        (None, [k, m]) if plain_key(k) && member_of(m).is_some() => Ok(Directory::MemberOf {
            key: DeviceRef::Id(k.name.clone()),
            transitive: member_of(m).unwrap_or(false),
        }),
        (None, []) => Ok(Directory::Devices),
        (None, [c]) if is_count(c) => Ok(Directory::DevicesCount),
        (None, [k]) if plain_key(k) => Ok(Directory::Device {
            key: DeviceRef::Id(k.name.clone()),
        }),
        (None, [_, next, ..]) | (Some(_), [next, ..]) => {
            Err(GraphError::segment_not_found(&next.raw))
        }
        (None, [next]) => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Directory {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Directory::Devices => "/devices".into(),
            Directory::DevicesCount => "/devices/$count".into(),
            Directory::Device {
                key: DeviceRef::Id(_),
            } => "/devices/{id}".into(),
            Directory::Device {
                key: DeviceRef::DeviceId(_),
            } => "/devices(deviceId='{deviceId}')".into(),
            Directory::MemberOf { key, transitive } => {
                let nav = if *transitive {
                    "transitiveMemberOf"
                } else {
                    "memberOf"
                };
                match key {
                    DeviceRef::Id(_) => format!("/devices/{{id}}/{nav}").into(),
                    DeviceRef::DeviceId(_) => {
                        format!("/devices(deviceId='{{deviceId}}')/{nav}").into()
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Resource, route};

    fn r(path: &str) -> Resource {
        route(path).unwrap().resource
    }

    #[test]
    fn devices_are_named_by_id_or_device_id() {
        assert_eq!(r("/v1.0/devices"), Resource::Directory(Directory::Devices));
        assert_eq!(
            r("/beta/Devices/$count"),
            Resource::Directory(Directory::DevicesCount)
        );
        let by_id = Resource::Directory(Directory::Device {
            key: DeviceRef::Id("839c".into()),
        });
        assert_eq!(r("/v1.0/devices/839c"), by_id);
        assert_eq!(r("/v1.0/devices('839c')"), by_id);
        let by_device = Resource::Directory(Directory::Device {
            key: DeviceRef::DeviceId("8d9f".into()),
        });
        assert_eq!(r("/v1.0/devices(deviceId='8d9f')"), by_device);
        assert_eq!(r("/v1.0/devices(DeviceID%3D%278d9f%27)"), by_device);
        assert!(route("/v1.0/devices/839c/nothing").is_err());
        assert_eq!(
            r("/v1.0/devices/839c/memberOf"),
            Resource::Directory(Directory::MemberOf {
                key: DeviceRef::Id("839c".into()),
                transitive: false
            })
        );
        assert!(route("/v1.0/devices/$ref").is_err());
    }
}
