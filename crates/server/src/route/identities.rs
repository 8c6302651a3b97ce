//! beta corporate device identifiers (`importedDeviceIdentities`) and their two actions:
//! paths and rows of the table.

use std::borrow::Cow;

use autopilot_odata::entity;

use super::{
    ACTION, COLLECTION, COUNT, ITEM, Options, SERVICE_READ, SERVICE_WRITE, Segment, Spec,
    is_action, is_count, plain_key, spec,
};
use crate::error::GraphError;

pub(super) const IDENTITIES: &str = "importedDeviceIdentities";

/// Corporate device identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identities {
    List,
    Count,
    Item {
        key: String,
    },
    /// `importDeviceIdentityList`.
    Import,
    /// `searchExistingIdentities`.
    Search,
}

impl Identities {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::IMPORTED_IDENTITY;
        let (allow, template, options) = match self {
            // Intune has no route for POST on the collection: identifiers come by the action.
            Identities::List => ("GET", COLLECTION, Options::Collection(e)),
            Identities::Count => ("GET", COUNT, Options::Collection(e)),
            Identities::Item { .. } => ("GET, DELETE", ITEM, Options::Single(e)),
            Identities::Import | Identities::Search => ("POST", ACTION, Options::Ignored),
        };
        // Searching needs the write permission too, as Intune was seen to require it.
        spec(allow, template, options, SERVICE_READ, SERVICE_WRITE)
    }
}

/// After the `importedDeviceIdentities` segment.
pub(super) fn identities(key: Option<String>, rest: &[Segment]) -> Result<Identities, GraphError> {
    match (key, rest) {
        (Some(key), []) => Ok(Identities::Item { key }),
        (None, []) => Ok(Identities::List),
        (None, [c]) if is_count(c) => Ok(Identities::Count),
        (None, [a]) if is_action(a, "importDeviceIdentityList") => Ok(Identities::Import),
        (None, [a]) if is_action(a, "searchExistingIdentities") => Ok(Identities::Search),
        (None, [k]) if plain_key(k) => Ok(Identities::Item {
            key: k.name.clone(),
        }),
        (_, [next, ..]) => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Identities {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Identities::List => "/deviceManagement/importedDeviceIdentities".into(),
            Identities::Count => "/deviceManagement/importedDeviceIdentities/$count".into(),
            Identities::Item { .. } => "/deviceManagement/importedDeviceIdentities/{id}".into(),
            Identities::Import => {
                "/deviceManagement/importedDeviceIdentities/importDeviceIdentityList".into()
            }
            Identities::Search => {
                "/deviceManagement/importedDeviceIdentities/searchExistingIdentities".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Resource, route};

    #[test]
    fn identity_paths() {
        let r = |p: &str| route(p).unwrap().resource;
        let base = "/beta/deviceManagement/importedDeviceIdentities";
        assert_eq!(r(base), Resource::Identities(Identities::List));
        assert_eq!(
            r(&format!("{base}/searchExistingIdentities")),
            Resource::Identities(Identities::Search)
        );
        assert_eq!(
            r(&format!("{base}/microsoft.graph.importDeviceIdentityList")),
            Resource::Identities(Identities::Import)
        );
        assert_eq!(
            r(&format!("{base}('i1')")),
            Resource::Identities(Identities::Item { key: "i1".into() })
        );
        assert!(route(&format!("{base}/i1/extra")).is_err());
        assert!(route("/v1.0/deviceManagement/importedDeviceIdentities").is_err());
    }
}
