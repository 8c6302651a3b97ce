//! Who may call what: one table, per resource and method, from the permission tables of Graph's
//! documentation (least privileged first). Every request passes through [`required`] before its
//! handler runs, so no route can skip it.

use autopilot_domain::Permission::{
    self, ConfigurationRead as CR, ConfigurationReadWrite as CRW, ServiceConfigRead as SR,
    ServiceConfigReadWrite as SRW,
};
use axum::http::Method;

use crate::route::Resource;

/// The permissions of which a caller needs one. Empty: none needed (the batch itself, whose
/// sub-requests are each checked).
pub fn required(resource: &Resource, method: &Method) -> &'static [Permission] {
    let read = method == Method::GET;
    match resource {
        Resource::Batch => &[],
        // Imported identities and the legacy uploads: ServiceConfig only.
        Resource::Imported { .. }
        | Resource::ImportedItem { .. }
        | Resource::ImportedCount { .. }
        | Resource::Import { .. }
        | Resource::Uploads
        | Resource::UploadItem { .. }
        | Resource::UploadsCount => {
            if read {
                &[SR, SRW]
            } else {
                &[SRW]
            }
        }
        // Registered devices: reads and deletes with ServiceConfig; the actions whose newer
        // pages add DeviceManagementConfiguration.ReadWrite.All take it too.
        Resource::Devices | Resource::DeviceItem { .. } | Resource::DevicesCount => {
            if read {
                &[SR, SRW]
            } else {
                &[SRW]
            }
        }
        Resource::DeviceAction { action, .. } => match *action {
            "assignUserToDevice" | "assignResourceAccountToDevice" => &[SRW, CRW],
            // allowNextEnrollment's page lists read scopes, a documentation error: it writes.
            _ => &[SRW],
        },
        Resource::DeleteDevices => &[SRW],
        Resource::Settings => {
            if read {
                &[SR, SRW]
            } else {
                &[SRW]
            }
        }
        Resource::SettingsSync => &[SRW, CRW],
        // Deployment profiles: ServiceConfig or Configuration.
        Resource::Profiles
        | Resource::ProfileItem { .. }
        | Resource::ProfileAssignments { .. }
        | Resource::ProfileAssignmentItem { .. }
        | Resource::DeviceProfileNav { .. } => {
            if read {
                &[SR, SRW, CR, CRW]
            } else {
                &[SRW, CRW]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One instance of every resource, with every method it takes.
    fn every_route() -> Vec<(Resource, &'static str)> {
        use crate::route::UploadRef;
        let k = || "00000000-0000-0000-0000-000000000000".to_owned();
        let resources = vec![
            Resource::Imported {
                upload: UploadRef::None,
            },
            Resource::ImportedItem {
                upload: UploadRef::None,
                key: k(),
            },
            Resource::ImportedCount {
                upload: UploadRef::None,
            },
            Resource::Import {
                upload: UploadRef::New,
            },
            Resource::Uploads,
            Resource::UploadItem { key: k() },
            Resource::UploadsCount,
            Resource::Devices,
            Resource::DeviceItem { key: k() },
            Resource::DevicesCount,
            Resource::DeleteDevices,
            Resource::Settings,
            Resource::SettingsSync,
            Resource::Batch,
            Resource::Profiles,
            Resource::ProfileItem { key: k() },
            Resource::ProfileAssignments { key: k() },
            Resource::ProfileAssignmentItem {
                key: k(),
                assignment: k(),
            },
            Resource::DeviceProfileNav {
                key: k(),
                intended: true,
            },
        ];
        let mut out: Vec<(Resource, &'static str)> = crate::route::DEVICE_ACTIONS
            .iter()
            .map(|a| {
                (
                    Resource::DeviceAction {
                        key: k(),
                        action: a,
                    },
                    "POST",
                )
            })
            .collect();
        for r in resources {
            for m in r.allowed().split(", ") {
                out.push((r.clone(), m));
            }
        }
        out
    }

    #[test]
    fn every_route_has_its_permissions_and_writes_need_read_write() {
        for (resource, method) in every_route() {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let needed = required(&resource, &method);
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
}
