//! The tenant's organization: `organization` (a list of one) and `organization/{id}`: paths
//! and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission::{
    self, DirectoryRead, DirectoryReadWrite, OrganizationRead, OrganizationReadWrite, UserReadSelf,
};
use autopilot_odata::entity;

use super::{Options, Segment, Spec, spec};
use crate::error::GraphError;

pub(super) const ORGANIZATION: &str = "organization";

/// Reading it: delegated `User.Read` is enough, as Graph lists it.
const READ: &[Permission] = &[
    UserReadSelf,
    OrganizationRead,
    OrganizationReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
];

/// The organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Organization {
    List,
    Item { key: String },
}

impl Organization {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::ORGANIZATION;
        match self {
            // A list of one: `$select` as on the item, nothing to filter or page.
            Organization::List => spec("GET", "~/entityset", Options::Single(e), READ, &[]),
            Organization::Item { .. } => {
                spec("GET", "~/entityset/key", Options::Single(e), READ, &[])
            }
        }
    }
}

/// After the `organization` segment.
pub(super) fn organization(
    key: Option<String>,
    rest: &[Segment],
) -> Result<Organization, GraphError> {
    match (key, rest) {
        (Some(key), []) => Ok(Organization::Item { key }),
        (None, []) => Ok(Organization::List),
        (None, [k]) if k.key.is_none() && !k.name.starts_with('$') => Ok(Organization::Item {
            key: k.name.clone(),
        }),
        (_, [next, ..]) => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Organization {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Organization::List => "/organization".into(),
            Organization::Item { .. } => "/organization/{id}".into(),
        }
    }
}
