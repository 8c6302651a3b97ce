//! Graph routing: a request path becomes a typed [`Target`], the way Graph's OData router reads
//! it. Segments match case-insensitively, keys come as `/{id}` or `('{id}')`, bound actions
//! with or without the `microsoft.graph.` prefix, trailing and doubled slashes are ignored.
//!
//! What a path names is a [`Resource`], by family, one file each here (its sub-enum, its paths
//! and its rows of the table) and one in `handlers/`. [`Resource::spec`] is the table: for each
//! resource its methods, its OData route template, the query options it reads, and the
//! permissions of which a caller needs one (from the permission tables of Graph's
//! documentation, least privileged first). The dispatcher checks all of it before a handler
//! runs, so no route can skip a check.

pub mod catalog;
mod devices;
mod directory;
mod enrollment;
mod groups;
mod identities;
mod imported;
mod managed;
mod organization;
mod profiles;
mod settings;
mod users;

use autopilot_domain::Permission::{
    self, ConfigurationRead as CR, ConfigurationReadWrite as CRW, ServiceConfigRead as SR,
    ServiceConfigReadWrite as SRW,
};
use autopilot_odata::EntityType;
use axum::http::Method;
use percent_encoding::percent_decode_str;

pub use devices::{DEVICE_ACTIONS, Devices};
pub use directory::{DeviceRef, Directory};
pub use enrollment::Enrollment;
pub use groups::Groups;
pub use identities::Identities;
pub use imported::{Imported, Uploads};
pub use managed::Managed;
pub use organization::Organization;
pub use profiles::Profiles;
pub use settings::Settings;
pub use users::Users;

use crate::error::GraphError;

/// The API version segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    Beta,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        }
    }
}

/// Which upload an import goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRef {
    /// The plain collection.
    None,
    /// `importedWindowsAutopilotDeviceIdentityUploads/{key}/deviceIdentities/...`.
    Key(String),
    /// The seed page's literal `importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities`:
    /// a new upload per call.
    New,
}

/// What a path names, by family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `$batch`: JSON batching.
    Batch,
    /// `$metadata`: the CSDL document of the version.
    Metadata,
    Imported(Imported),
    Uploads(Uploads),
    Devices(Devices),
    Profiles(Profiles),
    Settings(Settings),
    Directory(Directory),
    Groups(Groups),
    Users(Users),
    Organization(Organization),
    Managed(Managed),
    Enrollment(Enrollment),
    Identities(Identities),
}

/// Which query options a resource reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Options {
    /// None are checked (actions, profiles, `$batch`).
    Ignored,
    /// A collection or its `$count`: every option, against the entity's fields.
    Collection(&'static EntityType),
    /// One entity: `$select` and `$expand` only.
    Single(&'static EntityType),
    /// A singleton without a field table: `$select` only.
    SelectOnly(&'static str),
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The methods it takes, for 405 and `Allow`.
    pub allow: &'static str,
    /// The OData route template, for 405 messages.
    pub template: &'static str,
    pub options: Options,
    /// What a GET needs (one of them).
    pub read: &'static [Permission],
    /// What any other method needs (one of them).
    pub write: &'static [Permission],
}

pub(crate) const COLLECTION: &str = "~/singleton/navigation";
pub(crate) const ITEM: &str = "~/singleton/navigation/key";
pub(crate) const COUNT: &str = "~/singleton/navigation/$count";
pub(crate) const ACTION: &str = "~/singleton/navigation/action";
/// ServiceConfig permissions: imported identities, uploads, registered devices, settings.
pub(crate) const SERVICE_READ: &[Permission] = &[SR, SRW];
pub(crate) const SERVICE_WRITE: &[Permission] = &[SRW];
/// Deployment profiles take ServiceConfig or Configuration.
pub(crate) const PROFILE_READ: &[Permission] = &[SR, SRW, CR, CRW];
pub(crate) const PROFILE_WRITE: &[Permission] = &[SRW, CRW];

pub(crate) const fn spec(
    allow: &'static str,
    template: &'static str,
    options: Options,
    read: &'static [Permission],
    write: &'static [Permission],
) -> Spec {
    Spec {
        allow,
        template,
        options,
        read,
        write,
    }
}

impl Resource {
    /// The table: each family holds its own rows.
    pub fn spec(&self) -> Spec {
        match self {
            // The batch needs nothing itself: each sub-request is checked.
            Resource::Batch => spec("POST", "~/$batch", Options::Ignored, &[], &[]),
            // Graph serves its schema to anyone.
            Resource::Metadata => spec("GET", "~/$metadata", Options::Ignored, &[], &[]),
            Resource::Imported(r) => r.spec(),
            Resource::Uploads(r) => r.spec(),
            Resource::Devices(r) => r.spec(),
            Resource::Profiles(r) => r.spec(),
            Resource::Settings(r) => r.spec(),
            Resource::Directory(r) => r.spec(),
            Resource::Groups(r) => r.spec(),
            Resource::Users(r) => r.spec(),
            Resource::Organization(r) => r.spec(),
            Resource::Managed(r) => r.spec(),
            Resource::Enrollment(r) => r.spec(),
            Resource::Identities(r) => r.spec(),
        }
    }
}

impl Resource {
    /// The path template under the version, keys as `{id}`: how metrics and logs name the
    /// route, whatever spelling of it the client used.
    pub fn path(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Resource::Batch => "/$batch".into(),
            Resource::Metadata => "/$metadata".into(),
            Resource::Imported(r) => r.path(),
            Resource::Uploads(r) => r.path(),
            Resource::Devices(r) => r.path(),
            Resource::Profiles(r) => r.path(),
            Resource::Settings(r) => r.path(),
            Resource::Directory(r) => r.path(),
            Resource::Groups(r) => r.path(),
            Resource::Users(r) => r.path(),
            Resource::Organization(r) => r.path(),
            Resource::Managed(r) => r.path(),
            Resource::Enrollment(r) => r.path(),
            Resource::Identities(r) => r.path(),
        }
    }
}

impl Resource {
    /// The segment v1.0 does not know, for a resource only beta serves below a path v1.0 has
    /// (the families only beta has are refused where their segment is read).
    fn beta_only(&self) -> Option<&'static str> {
        match self {
            Resource::Devices(d) => d.beta_only(),
            _ => None,
        }
    }
}

impl Target {
    /// The route template with its version: `/beta/deviceManagement/.../{id}`.
    pub fn template(&self) -> String {
        format!("/{}{}", self.version.as_str(), self.resource.path())
    }
}

impl Spec {
    /// Whether the resource takes `method`.
    pub fn allows(&self, method: &Method) -> bool {
        self.allow.split(", ").any(|m| m == method.as_str())
    }

    /// The permissions of which a caller needs one for `method`; empty: none needed.
    pub fn required(&self, method: &Method) -> &'static [Permission] {
        if method == Method::GET {
            self.read
        } else {
            self.write
        }
    }
}

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

/// A key given as its own segment (`/{id}`), not an option, count or action.
fn plain_key(seg: &Segment) -> bool {
    seg.key.is_none() && !seg.name.starts_with('$') && !seg.name.contains('.')
}

const SEED_UPLOAD: &str = "importedWindowsAutopilotDeviceIdentityUpload";
use imported::DEVICE_IDENTITIES;

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
        [m] if m.key.is_none() && m.name == "$metadata" => Resource::Metadata,
        [dm, tail @ ..] if is(dm, "deviceManagement") && dm.key.is_none() => {
            device_management(version, tail)?
        }
        [dev, tail @ ..] if is(dev, directory::DEVICES) => {
            Resource::Directory(directory::devices(dev.key.clone(), tail)?)
        }
        [g, tail @ ..] if is(g, groups::GROUPS) => {
            Resource::Groups(groups::groups(g.key.clone(), tail)?)
        }
        [u, tail @ ..] if is(u, users::USERS) => {
            Resource::Users(users::users(u.key.clone(), tail)?)
        }
        [o, tail @ ..] if is(o, organization::ORGANIZATION) => {
            Resource::Organization(organization::organization(o.key.clone(), tail)?)
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
    if version == Version::V1
        && let Some(segment) = resource.beta_only()
    {
        return Err(GraphError::segment_not_found(segment));
    }
    Ok(Target { version, resource })
}

fn device_management(version: Version, tail: &[Segment]) -> Result<Resource, GraphError> {
    let Some((nav, rest)) = tail.split_first() else {
        return Err(GraphError::segment_not_found("deviceManagement"));
    };
    let beta = version == Version::Beta;
    if is(nav, imported::IMPORTED) {
        imported::imported(UploadRef::None, nav.key.clone(), rest)
    } else if is(nav, imported::UPLOADS) {
        imported::uploads(nav.key.clone(), rest)
    } else if is(nav, devices::DEVICES) {
        devices::devices(nav.key.clone(), rest).map(Resource::Devices)
    } else if is(nav, managed::MANAGED) {
        managed::managed(nav.key.clone(), rest).map(Resource::Managed)
    } else if is(nav, enrollment::CONFIGURATIONS) && beta {
        enrollment::enrollment(nav.key.clone(), rest).map(Resource::Enrollment)
    } else if is(nav, identities::IDENTITIES) && beta {
        identities::identities(nav.key.clone(), rest).map(Resource::Identities)
    } else if is(nav, profiles::PROFILES) && beta {
        profiles::profiles(nav.key.clone(), rest).map(Resource::Profiles)
    } else if is(nav, settings::SETTINGS) && nav.key.is_none() && beta {
        settings::settings(rest).map(Resource::Settings)
    } else {
        Err(GraphError::segment_not_found(&nav.raw))
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

    /// One instance of every resource, with every method it takes.
    fn every_route() -> Vec<(Resource, Method)> {
        let mut out = Vec::new();
        for r in catalog::every_resource() {
            for m in r.spec().allow.split(", ") {
                out.push((r.clone(), Method::from_bytes(m.as_bytes()).unwrap()));
            }
        }
        out
    }

    #[test]
    fn every_route_has_its_permissions_and_writes_need_read_write() {
        for (resource, method) in every_route() {
            let needed = resource.spec().required(&method);
            if matches!(resource, Resource::Batch | Resource::Metadata) {
                assert!(needed.is_empty());
                continue;
            }
            assert!(!needed.is_empty(), "{resource:?} {method}");
            if method != Method::GET {
                assert!(
                    !needed.contains(&SR) && !needed.contains(&CR),
                    "{resource:?} {method}: a read permission may not write"
                );
            }
        }
    }

    #[test]
    fn the_table_allows_what_it_says() {
        for (resource, method) in every_route() {
            assert!(resource.spec().allows(&method), "{resource:?} {method}");
            assert!(!resource.spec().allows(&Method::PUT), "{resource:?}");
        }
    }
}
