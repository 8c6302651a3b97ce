//! Graph routing: a request path becomes a typed [`Target`], the way Graph's OData router reads
//! it. Segments match case-insensitively, keys come as `/{id}` or `('{id}')`, bound actions
//! with or without the `microsoft.graph.` prefix, trailing and doubled slashes are ignored.

use percent_encoding::percent_decode_str;

use crate::error::GraphError;
pub use crate::resource::{
    DEVICE_ACTIONS, Devices, Imported, Profiles, Resource, Settings, UploadRef, Uploads, Version,
};

/// A routed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub version: Version,
    pub resource: Resource,
}

/// One path segment: its name and, for `name('key')`, the key.
#[derive(Debug)]
struct Segment {
    raw: String,
    name: String,
    key: Option<String>,
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let raw = percent_decode_str(s).decode_utf8_lossy().into_owned();
            match raw.find('(') {
                Some(open) if raw.ends_with(')') => {
                    let inner = raw.get(open + 1..raw.len() - 1).unwrap_or_default();
                    let key = inner
                        .strip_prefix('\'')
                        .and_then(|k| k.strip_suffix('\''))
                        .unwrap_or(inner)
                        .replace("''", "'");
                    Segment {
                        name: raw.get(..open).unwrap_or_default().to_owned(),
                        key: Some(key),
                        raw,
                    }
                }
                _ => Segment {
                    name: raw.clone(),
                    key: None,
                    raw,
                },
            }
        })
        .collect()
}

fn is(seg: &Segment, name: &str) -> bool {
    seg.name.eq_ignore_ascii_case(name)
}

/// A bound action segment, with or without the namespace.
fn is_action(seg: &Segment, action: &str) -> bool {
    seg.key.is_none()
        && (seg.name.eq_ignore_ascii_case(action)
            || seg
                .name
                .get(..16)
                .is_some_and(|p| p.eq_ignore_ascii_case("microsoft.graph."))
                && seg
                    .name
                    .get(16..)
                    .is_some_and(|a| a.eq_ignore_ascii_case(action)))
}

fn is_count(seg: &Segment) -> bool {
    seg.key.is_none() && seg.name == "$count"
}

const IMPORTED: &str = "importedWindowsAutopilotDeviceIdentities";
const DEVICES: &str = "windowsAutopilotDeviceIdentities";
const UPLOADS: &str = "importedWindowsAutopilotDeviceIdentityUploads";
const SEED_UPLOAD: &str = "importedWindowsAutopilotDeviceIdentityUpload";
const DEVICE_IDENTITIES: &str = "deviceIdentities";

/// Routes a request path (percent-encoded, as received).
pub fn route(path: &str) -> Result<Target, GraphError> {
    let segs = segments(path);
    let Some(first) = segs.first() else {
        return Err(GraphError::invalid_version(""));
    };
    let version = if first.raw.eq_ignore_ascii_case("v1.0") {
        Version::V1
    } else if first.raw.eq_ignore_ascii_case("beta") {
        Version::Beta
    } else {
        return Err(GraphError::invalid_version(&first.raw.to_lowercase()));
    };
    let rest = segs.get(1..).unwrap_or_default();
    let resource = match rest {
        [] => {
            return Err(GraphError::bad_request(
                "Resource not found for the segment ''.",
            ));
        }
        [b] if b.key.is_none() && b.name.eq_ignore_ascii_case("$batch") => Resource::Batch,
        [dm, tail @ ..] if is(dm, "deviceManagement") && dm.key.is_none() => {
            device_management(version, tail)?
        }
        [seed, ids, action] if is(seed, SEED_UPLOAD) && seed.key.is_none() => {
            if !(is(ids, DEVICE_IDENTITIES) && ids.key.is_none()) {
                return Err(GraphError::segment_not_found(&ids.raw));
            }
            if !is_action(action, "import") {
                return Err(GraphError::segment_not_found(&action.raw));
            }
            Resource::Imported(Imported::Import {
                upload: UploadRef::New,
            })
        }
        [seed, ids] if is(seed, SEED_UPLOAD) && is(ids, DEVICE_IDENTITIES) => {
            return Err(GraphError::segment_not_found(&ids.raw));
        }
        [other, ..] => return Err(GraphError::segment_not_found(&other.raw)),
    };
    Ok(Target { version, resource })
}

fn device_management(version: Version, tail: &[Segment]) -> Result<Resource, GraphError> {
    let Some((nav, rest)) = tail.split_first() else {
        return Err(GraphError::segment_not_found("deviceManagement"));
    };
    if is(nav, IMPORTED) {
        imported(UploadRef::None, nav.key.clone(), rest)
    } else if is(nav, UPLOADS) {
        uploads(nav.key.clone(), rest)
    } else if is(nav, DEVICES) {
        devices(nav.key.clone(), rest).map(Resource::Devices)
    } else if is(nav, "windowsAutopilotDeploymentProfiles") && version == Version::Beta {
        profiles(nav.key.clone(), rest).map(Resource::Profiles)
    } else if is(nav, "windowsAutopilotSettings") && nav.key.is_none() && version == Version::Beta {
        match rest {
            [] => Ok(Resource::Settings(Settings::Singleton)),
            [a] if is_action(a, "sync") => Ok(Resource::Settings(Settings::Sync)),
            [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
        }
    } else {
        Err(GraphError::segment_not_found(&nav.raw))
    }
}

/// After an imported-device collection segment (whose `('key')`, if any, is `key`).
fn imported(
    upload: UploadRef,
    key: Option<String>,
    rest: &[Segment],
) -> Result<Resource, GraphError> {
    if let Some(key) = key {
        return match rest {
            [] => Ok(Resource::Imported(Imported::Item { upload, key })),
            [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
        };
    }
    match rest {
        [] => Ok(Resource::Imported(Imported::List { upload })),
        [c] if is_count(c) => Ok(Resource::Imported(Imported::Count { upload })),
        [a] if is_action(a, "import") => Ok(Resource::Imported(Imported::Import { upload })),
        [k] if k.key.is_none() && !k.name.starts_with('$') && !k.name.contains('.') => {
            Ok(Resource::Imported(Imported::Item {
                upload,
                key: k.name.clone(),
            }))
        }
        [other] => Err(GraphError::segment_not_found(&other.raw)),
        [_, next, ..] => Err(GraphError::segment_not_found(&next.raw)),
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

fn devices(key: Option<String>, rest: &[Segment]) -> Result<Devices, GraphError> {
    let plain_key =
        |k: &Segment| k.key.is_none() && !k.name.starts_with('$') && !k.name.contains('.');
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

fn profiles(key: Option<String>, rest: &[Segment]) -> Result<Profiles, GraphError> {
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
        [a, item] if is(a, "assignments") && a.key.is_none() && item.key.is_none() => {
            Ok(Profiles::AssignmentItem {
                key,
                assignment: item.name.clone(),
            })
        }
        [other, ..] => Err(GraphError::segment_not_found(&other.raw)),
    }
}

fn uploads(key: Option<String>, rest: &[Segment]) -> Result<Resource, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Resource::Uploads(Uploads::List)),
        (None, [c]) if is_count(c) => return Ok(Resource::Uploads(Uploads::Count)),
        (None, [k, rest @ ..]) if k.key.is_none() && !k.name.starts_with('$') => {
            (k.name.clone(), rest)
        }
        (None, [other, ..]) => return Err(GraphError::segment_not_found(&other.raw)),
    };
    match rest {
        [] => Ok(Resource::Uploads(Uploads::Item { key })),
        [ids, tail @ ..] if is(ids, DEVICE_IDENTITIES) => {
            imported(UploadRef::Key(key), ids.key.clone(), tail)
        }
        [other, ..] => Err(GraphError::segment_not_found(&other.raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(path: &str) -> Resource {
        route(path).unwrap().resource
    }

    #[test]
    fn the_forms_clients_send_route_alike() {
        let list = Resource::Imported(Imported::List {
            upload: UploadRef::None,
        });
        for p in [
            "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            "/beta/devicemanagement/IMPORTEDwindowsautopilotdeviceidentities/",
            "/v1.0//deviceManagement//importedWindowsAutopilotDeviceIdentities//",
        ] {
            assert_eq!(r(p), list, "{p}");
        }
        let import = Resource::Imported(Imported::Import {
            upload: UploadRef::None,
        });
        for p in [
            "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/microsoft.graph.import",
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/Microsoft.Graph.Import",
        ] {
            assert_eq!(r(p), import, "{p}");
        }
        let item = |key: &str| {
            Resource::Imported(Imported::Item {
                upload: UploadRef::None,
                key: key.into(),
            })
        };
        assert_eq!(
            r("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/abc"),
            item("abc")
        );
        assert_eq!(
            r("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities('abc')"),
            item("abc")
        );
        assert_eq!(
            r("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities(%27abc%27)"),
            item("abc")
        );
        assert_eq!(
            r("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/%24count"),
            Resource::Imported(Imported::Count {
                upload: UploadRef::None
            })
        );
    }

    #[test]
    fn upload_routes() {
        let u = |k: &str| UploadRef::Key(k.into());
        assert_eq!(
            r("/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads"),
            Resource::Uploads(Uploads::List)
        );
        assert_eq!(
            r("/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/u1"),
            Resource::Uploads(Uploads::Item { key: "u1".into() })
        );
        assert_eq!(
            r(
                "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads('u1')/deviceIdentities"
            ),
            Resource::Imported(Imported::List { upload: u("u1") })
        );
        assert_eq!(
            r(
                "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/u1/deviceIdentities/d1"
            ),
            Resource::Imported(Imported::Item {
                upload: u("u1"),
                key: "d1".into()
            })
        );
        assert_eq!(
            r(
                "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/u1/deviceIdentities('d1')"
            ),
            Resource::Imported(Imported::Item {
                upload: u("u1"),
                key: "d1".into()
            })
        );
        assert_eq!(
            r(
                "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/u1/deviceIdentities/microsoft.graph.import"
            ),
            Resource::Imported(Imported::Import { upload: u("u1") })
        );
        assert_eq!(
            r("/v1.0/importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities/import"),
            Resource::Imported(Imported::Import {
                upload: UploadRef::New
            })
        );
    }

    #[test]
    fn unknown_paths_answer_like_graph() {
        let e = route("/v1.0/deviceManagement/windowsAutopilotDeploymentProfiles").unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.message(),
            "Resource not found for the segment 'windowsAutopilotDeploymentProfiles'."
        );
        let e = route("/deviceManagement/importedWindowsAutopilotDeviceIdentities").unwrap_err();
        assert_eq!((e.status().as_u16(), e.code()), (404, "ResourceNotFound"));
        assert_eq!(e.message(), "Invalid version: devicemanagement");
        let e = route("/v2.0/x").unwrap_err();
        assert_eq!(e.message(), "Invalid version: v2.0");
        let e = route("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/abc/extra")
            .unwrap_err();
        assert_eq!(e.message(), "Resource not found for the segment 'extra'.");
        let e = route(
            "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/microsoft.graph.sync",
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Resource not found for the segment 'microsoft.graph.sync'."
        );
    }

    proptest::proptest! {
        #[test]
        fn routing_never_panics(path in "(/[a-zA-Z0-9.$%'()]{0,12}){0,6}") {
            let _ = route(&path);
        }
    }
}
