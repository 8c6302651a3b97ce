//! What a Graph path names ([`Resource`]) and, in one table ([`Resource::spec`]), what each
//! resource takes: its methods, its OData route template, the query options it reads, and the
//! permissions of which a caller needs one (from the permission tables of Graph's
//! documentation, least privileged first). The dispatcher checks all of it before a handler
//! runs, so no route can skip a check.
//!
//! Resources come in families, one per handler file (`handlers/`): adding an endpoint to a
//! family is a variant here, its path in `route.rs`, and its function in the family's handler.

use autopilot_domain::Permission::{
    self, ConfigurationRead as CR, ConfigurationReadWrite as CRW, ServiceConfigRead as SR,
    ServiceConfigReadWrite as SRW,
};
use autopilot_odata::{EntityType, entity};
use axum::http::Method;

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
    Imported(Imported),
    Uploads(Uploads),
    Devices(Devices),
    Profiles(Profiles),
    Settings(Settings),
}

/// `importedWindowsAutopilotDeviceIdentities`, of the tenant or of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    List {
        upload: UploadRef,
    },
    Item {
        upload: UploadRef,
        key: String,
    },
    Count {
        upload: UploadRef,
    },
    /// The bound `import` action.
    Import {
        upload: UploadRef,
    },
}

/// The legacy `importedWindowsAutopilotDeviceIdentityUploads` containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uploads {
    List,
    Item { key: String },
    Count,
}

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

/// beta `windowsAutopilotDeploymentProfiles` and their assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profiles {
    List,
    Item { key: String },
    Assignments { key: String },
    AssignmentItem { key: String, assignment: String },
}

/// beta `windowsAutopilotSettings` (a singleton per tenant) and its `sync` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    Singleton,
    Sync,
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

const COLLECTION: &str = "~/singleton/navigation";
const ITEM: &str = "~/singleton/navigation/key";
const COUNT: &str = "~/singleton/navigation/$count";
const ACTION: &str = "~/singleton/navigation/action";
/// ServiceConfig permissions: imported identities, uploads, registered devices, settings.
const SERVICE_READ: &[Permission] = &[SR, SRW];
const SERVICE_WRITE: &[Permission] = &[SRW];
/// Deployment profiles take ServiceConfig or Configuration.
const PROFILE_READ: &[Permission] = &[SR, SRW, CR, CRW];
const PROFILE_WRITE: &[Permission] = &[SRW, CRW];

const fn spec(
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
    /// The table.
    pub fn spec(&self) -> Spec {
        use Options::{Collection, Ignored, SelectOnly, Single};
        let (imported, upload, device) = (
            &entity::IMPORTED_DEVICE,
            &entity::UPLOAD,
            &entity::AUTOPILOT_DEVICE,
        );
        let (sr, sw) = (SERVICE_READ, SERVICE_WRITE);
        match self {
            // The batch needs nothing itself: each sub-request is checked.
            Resource::Batch => spec("POST", "~/$batch", Ignored, &[], &[]),
            Resource::Imported(r) => match r {
                Imported::List { .. } => {
                    spec("GET, POST", COLLECTION, Collection(imported), sr, sw)
                }
                Imported::Item { .. } => spec("GET, DELETE", ITEM, Single(imported), sr, sw),
                Imported::Count { .. } => spec("GET", COUNT, Collection(imported), sr, sw),
                Imported::Import { .. } => spec("POST", ACTION, Ignored, sr, sw),
            },
            Resource::Uploads(r) => match r {
                Uploads::List => spec("GET, POST", COLLECTION, Collection(upload), sr, sw),
                Uploads::Item { .. } => spec("GET, DELETE", ITEM, Single(upload), sr, sw),
                Uploads::Count => spec("GET", COUNT, Collection(upload), sr, sw),
            },
            Resource::Devices(r) => match r {
                Devices::List => spec("GET", COLLECTION, Collection(device), sr, sw),
                Devices::Item { .. } => spec("GET, DELETE", ITEM, Single(device), sr, sw),
                Devices::Count => spec("GET", COUNT, Collection(device), sr, sw),
                // The actions whose newer pages add DeviceManagementConfiguration.ReadWrite.All
                // take it too; allowNextEnrollment's page lists read scopes, a documentation
                // error: it writes.
                Devices::Action { action, .. } => {
                    let write: &'static [Permission] = match *action {
                        "assignUserToDevice" | "assignResourceAccountToDevice" => &[SRW, CRW],
                        _ => sw,
                    };
                    spec(
                        "POST",
                        "~/singleton/navigation/key/action",
                        Ignored,
                        sr,
                        write,
                    )
                }
                Devices::DeleteDevices => spec("POST", ACTION, Ignored, sr, sw),
                Devices::ProfileNav { .. } => {
                    spec("GET", ITEM, Ignored, PROFILE_READ, PROFILE_WRITE)
                }
            },
            Resource::Profiles(r) => {
                let allow = match r {
                    Profiles::List | Profiles::Assignments { .. } => "GET, POST",
                    Profiles::Item { .. } => "GET, PATCH, DELETE",
                    Profiles::AssignmentItem { .. } => "GET, DELETE",
                };
                let template = match r {
                    Profiles::List | Profiles::Assignments { .. } => COLLECTION,
                    Profiles::Item { .. } | Profiles::AssignmentItem { .. } => ITEM,
                };
                spec(allow, template, Ignored, PROFILE_READ, PROFILE_WRITE)
            }
            Resource::Settings(Settings::Singleton) => spec(
                "GET, PATCH",
                COLLECTION,
                SelectOnly("windowsAutopilotSettings takes $select only."),
                sr,
                sw,
            ),
            Resource::Settings(Settings::Sync) => spec("POST", ACTION, Ignored, sr, &[SRW, CRW]),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One instance of every resource, with every method it takes.
    fn every_route() -> Vec<(Resource, Method)> {
        let k = || "00000000-0000-0000-0000-000000000000".to_owned();
        let up = || UploadRef::None;
        let mut resources = vec![
            Resource::Batch,
            Resource::Imported(Imported::List { upload: up() }),
            Resource::Imported(Imported::Item {
                upload: up(),
                key: k(),
            }),
            Resource::Imported(Imported::Count { upload: up() }),
            Resource::Imported(Imported::Import {
                upload: UploadRef::New,
            }),
            Resource::Uploads(Uploads::List),
            Resource::Uploads(Uploads::Item { key: k() }),
            Resource::Uploads(Uploads::Count),
            Resource::Devices(Devices::List),
            Resource::Devices(Devices::Item { key: k() }),
            Resource::Devices(Devices::Count),
            Resource::Devices(Devices::DeleteDevices),
            Resource::Devices(Devices::ProfileNav {
                key: k(),
                intended: true,
            }),
            Resource::Settings(Settings::Singleton),
            Resource::Settings(Settings::Sync),
            Resource::Profiles(Profiles::List),
            Resource::Profiles(Profiles::Item { key: k() }),
            Resource::Profiles(Profiles::Assignments { key: k() }),
            Resource::Profiles(Profiles::AssignmentItem {
                key: k(),
                assignment: k(),
            }),
        ];
        resources.extend(DEVICE_ACTIONS.iter().map(|a| {
            Resource::Devices(Devices::Action {
                key: k(),
                action: a,
            })
        }));
        let mut out = Vec::new();
        for r in resources {
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
            if resource == Resource::Batch {
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
