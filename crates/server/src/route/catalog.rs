//! Every resource the router serves, one of each kind, and the versions that serve it: what
//! the metrics, the OpenAPI document and the tests enumerate. A resource's versions are not
//! listed by hand: its path template, with a sample key in each place, is routed on each
//! version, and the version serves it when the router gives the same resource back.

use super::{
    DEVICE_ACTIONS, DeviceRef, Devices, Directory, Enrollment, Groups, Identities, Imported,
    Managed, Organization, Profiles, Resource, Settings, UploadRef, Uploads, Users, Version, route,
};

/// The key every sample path and resource carries.
pub const SAMPLE_KEY: &str = "00000000-0000-0000-0000-000000000001";

/// One route: a resource, the version it is served on, and its template.
#[derive(Debug, Clone)]
pub struct Route {
    pub version: Version,
    pub resource: Resource,
    /// `/beta/deviceManagement/.../{id}`.
    pub template: String,
}

/// One resource of each kind, with [`SAMPLE_KEY`] for every key.
pub fn every_resource() -> Vec<Resource> {
    let k = || SAMPLE_KEY.to_owned();
    let upload = || UploadRef::Key(k());
    let mut all = vec![Resource::Batch, Resource::Metadata];
    for upload in [UploadRef::None, upload()] {
        all.extend([
            Resource::Imported(Imported::List {
                upload: upload.clone(),
            }),
            Resource::Imported(Imported::Item {
                upload: upload.clone(),
                key: k(),
            }),
            Resource::Imported(Imported::Count {
                upload: upload.clone(),
            }),
            Resource::Imported(Imported::Import { upload }),
        ]);
    }
    all.push(Resource::Imported(Imported::Import {
        upload: UploadRef::New,
    }));
    all.extend([
        Resource::Uploads(Uploads::List),
        Resource::Uploads(Uploads::Item { key: k() }),
        Resource::Uploads(Uploads::Count),
        Resource::Devices(Devices::List),
        Resource::Devices(Devices::Item { key: k() }),
        Resource::Devices(Devices::Count),
        Resource::Devices(Devices::DeleteDevices),
    ]);
    all.extend(
        DEVICE_ACTIONS
            .iter()
            .map(|action| Resource::Devices(Devices::Action { key: k(), action })),
    );
    for intended in [false, true] {
        all.push(Resource::Devices(Devices::ProfileNav {
            key: k(),
            intended,
        }));
    }
    all.extend([
        Resource::Settings(Settings::Singleton),
        Resource::Settings(Settings::Sync),
        Resource::Profiles(Profiles::List),
        Resource::Profiles(Profiles::Item { key: k() }),
        Resource::Profiles(Profiles::Assignments { key: k() }),
        Resource::Profiles(Profiles::AssignmentItem {
            key: k(),
            assignment: k(),
        }),
        Resource::Profiles(Profiles::AssignedDevices { key: k() }),
        Resource::Directory(Directory::Devices),
        Resource::Directory(Directory::DevicesCount),
    ]);
    for key in [DeviceRef::Id(k()), DeviceRef::DeviceId(k())] {
        all.push(Resource::Directory(Directory::Device { key: key.clone() }));
        for transitive in [false, true] {
            all.push(Resource::Directory(Directory::MemberOf {
                key: key.clone(),
                transitive,
            }));
        }
    }
    all.extend([
        Resource::Groups(Groups::List),
        Resource::Groups(Groups::Count),
        Resource::Groups(Groups::Item { key: k() }),
        Resource::Groups(Groups::Members {
            key: k(),
            transitive: false,
        }),
        Resource::Groups(Groups::Members {
            key: k(),
            transitive: true,
        }),
        Resource::Groups(Groups::MembersCount { key: k() }),
        Resource::Groups(Groups::MembersRef { key: k() }),
        Resource::Groups(Groups::MemberRef {
            key: k(),
            member: k(),
        }),
        Resource::Users(Users::List),
        Resource::Users(Users::Count),
        Resource::Users(Users::Item { key: k() }),
        Resource::Organization(Organization::List),
        Resource::Organization(Organization::Item { key: k() }),
        Resource::Managed(Managed::List),
        Resource::Managed(Managed::Count),
        Resource::Managed(Managed::Item { key: k() }),
        Resource::Managed(Managed::Wipe { key: k() }),
        Resource::Enrollment(Enrollment::List),
        Resource::Enrollment(Enrollment::Count),
        Resource::Enrollment(Enrollment::Item { key: k() }),
        Resource::Enrollment(Enrollment::Assign { key: k() }),
        Resource::Enrollment(Enrollment::SetPriority { key: k() }),
        Resource::Enrollment(Enrollment::Assignments { key: k() }),
        Resource::Enrollment(Enrollment::AssignmentItem {
            key: k(),
            assignment: k(),
        }),
        Resource::Identities(Identities::List),
        Resource::Identities(Identities::Count),
        Resource::Identities(Identities::Item { key: k() }),
        Resource::Identities(Identities::Import),
        Resource::Identities(Identities::Search),
    ]);
    all
}

/// A template with [`SAMPLE_KEY`] in each `{...}`.
pub fn sample_path(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(SAMPLE_KEY);
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every route: each resource on each version that serves it.
pub fn every_route() -> Vec<Route> {
    let mut out = Vec::new();
    for resource in every_resource() {
        for version in [Version::V1, Version::Beta] {
            let template = format!("/{}{}", version.as_str(), resource.path());
            let served = route(&sample_path(&template))
                .is_ok_and(|t| t.version == version && t.resource == resource);
            if served {
                out.push(Route {
                    version,
                    resource: resource.clone(),
                    template,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every resource's template routes back to it on at least one version, and the beta-only
    /// families are not on v1.0.
    #[test]
    fn every_template_routes_back_to_its_resource() {
        let routes = every_route();
        for resource in every_resource() {
            assert!(
                routes.iter().any(|r| r.resource == resource),
                "{resource:?}: {} does not route back",
                resource.path()
            );
        }
        for r in &routes {
            if matches!(
                r.resource,
                Resource::Enrollment(_) | Resource::Identities(_)
            ) {
                assert_eq!(r.version, Version::Beta, "{}", r.template);
            }
        }
        assert!(routes.len() > 100, "{}", routes.len());
    }
}
