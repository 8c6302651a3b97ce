//! Entra ID groups: the groups, their `members` (and `$ref` links) and `transitiveMembers`:
//! paths and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission::{
    self, DirectoryRead, DirectoryReadWrite, GroupCreate, GroupMemberRead, GroupMemberReadWrite,
    GroupRead, GroupReadWrite,
};
use autopilot_odata::entity;

use super::{Options, Segment, Spec, is, is_count, plain_key, spec};
use crate::error::GraphError;

pub(super) const GROUPS: &str = "groups";

const READ: &[Permission] = &[GroupRead, GroupReadWrite, DirectoryRead, DirectoryReadWrite];
const WRITE: &[Permission] = &[GroupReadWrite, DirectoryReadWrite, GroupCreate];
const MEMBERS_READ: &[Permission] = &[
    GroupMemberRead,
    GroupMemberReadWrite,
    GroupRead,
    GroupReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
];
const MEMBERS_WRITE: &[Permission] = &[GroupMemberReadWrite, GroupReadWrite, DirectoryReadWrite];

/// The directory's groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Groups {
    List,
    Count,
    Item {
        key: String,
    },
    /// `{id}/members` (or, `transitive`, `{id}/transitiveMembers`).
    Members {
        key: String,
        transitive: bool,
    },
    /// `{id}/members/$count` (or `transitiveMembers/$count`).
    MembersCount {
        key: String,
    },
    /// `{id}/members/$ref`: POST adds a member.
    MembersRef {
        key: String,
    },
    /// `{id}/members/{member}/$ref`: DELETE removes it.
    MemberRef {
        key: String,
        member: String,
    },
}

impl Groups {
    pub(super) fn spec(&self) -> Spec {
        let (e, d) = (&entity::GROUP, &entity::DIRECTORY_DEVICE);
        let group = |allow, template, options| spec(allow, template, options, READ, WRITE);
        let members =
            |allow, template, options| spec(allow, template, options, MEMBERS_READ, MEMBERS_WRITE);
        let navigation = "~/entityset/key/navigation";
        match self {
            Groups::List => group("GET, POST", "~/entityset", Options::Collection(e)),
            Groups::Count => group("GET", "~/entityset/$count", Options::Collection(e)),
            Groups::Item { .. } => {
                group("GET, PATCH, DELETE", "~/entityset/key", Options::Single(e))
            }
            Groups::Members { .. } => members("GET", navigation, Options::Collection(d)),
            Groups::MembersCount { .. } => members(
                "GET",
                "~/entityset/key/navigation/$count",
                Options::Collection(d),
            ),
            Groups::MembersRef { .. } => {
                members("POST", "~/entityset/key/navigation/$ref", Options::Ignored)
            }
            Groups::MemberRef { .. } => members(
                "DELETE",
                "~/entityset/key/navigation/key/$ref",
                Options::Ignored,
            ),
        }
    }
}

fn is_ref(seg: &Segment) -> bool {
    seg.key.is_none() && seg.name == "$ref"
}

/// After the `groups` segment.
pub(super) fn groups(key: Option<String>, rest: &[Segment]) -> Result<Groups, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Groups::List),
        (None, [c]) if is_count(c) => return Ok(Groups::Count),
        (None, [k, rest @ ..]) if plain_key(k) => (k.name.clone(), rest),
        (None, [next, ..]) => return Err(GraphError::segment_not_found(&next.raw)),
    };
    match rest {
        [] => Ok(Groups::Item { key }),
        [m] if m.key.is_none() && is(m, "members") => Ok(Groups::Members {
            key,
            transitive: false,
        }),
        [m] if m.key.is_none() && is(m, "transitiveMembers") => Ok(Groups::Members {
            key,
            transitive: true,
        }),
        [m, c]
            if m.key.is_none()
                && (is(m, "members") || is(m, "transitiveMembers"))
                && is_count(c) =>
        {
            Ok(Groups::MembersCount { key })
        }
        [m, r] if is(m, "members") && m.key.is_none() && is_ref(r) => {
            Ok(Groups::MembersRef { key })
        }
        [m, id, r] if is(m, "members") && m.key.is_none() && plain_key(id) && is_ref(r) => {
            Ok(Groups::MemberRef {
                key,
                member: id.name.clone(),
            })
        }
        [m, r] if is(m, "members") && is_ref(r) => Ok(Groups::MemberRef {
            key,
            member: m.key.clone().unwrap_or_default(),
        }),
        [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Groups {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Groups::List => "/groups".into(),
            Groups::Count => "/groups/$count".into(),
            Groups::Item { .. } => "/groups/{id}".into(),
            Groups::Members {
                transitive: false, ..
            } => "/groups/{id}/members".into(),
            Groups::Members {
                transitive: true, ..
            } => "/groups/{id}/transitiveMembers".into(),
            Groups::MembersCount { .. } => "/groups/{id}/members/$count".into(),
            Groups::MembersRef { .. } => "/groups/{id}/members/$ref".into(),
            Groups::MemberRef { .. } => "/groups/{id}/members/{memberId}/$ref".into(),
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
    fn group_paths() {
        assert_eq!(r("/v1.0/groups"), Resource::Groups(Groups::List));
        assert_eq!(r("/v1.0/groups/$count"), Resource::Groups(Groups::Count));
        let item = Resource::Groups(Groups::Item { key: "g1".into() });
        assert_eq!(r("/v1.0/groups/g1"), item);
        assert_eq!(r("/beta/groups('g1')"), item);
        assert_eq!(
            r("/v1.0/groups/g1/members/$ref"),
            Resource::Groups(Groups::MembersRef { key: "g1".into() })
        );
        let member = Resource::Groups(Groups::MemberRef {
            key: "g1".into(),
            member: "d1".into(),
        });
        assert_eq!(r("/v1.0/groups/g1/members/d1/$ref"), member);
        assert_eq!(r("/v1.0/groups/g1/members('d1')/$ref"), member);
        assert_eq!(
            r("/v1.0/groups/g1/transitiveMembers"),
            Resource::Groups(Groups::Members {
                key: "g1".into(),
                transitive: true
            })
        );
        assert_eq!(
            r("/v1.0/groups/g1/members/$count"),
            Resource::Groups(Groups::MembersCount { key: "g1".into() })
        );
        assert!(route("/v1.0/groups/g1/owners").is_err());
        assert!(route("/v1.0/groups/g1/members/d1").is_err());
    }
}
