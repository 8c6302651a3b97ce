//! Entra ID users: the list, `$count`, and one user by object id or `userPrincipalName`
//! (`/users/{id | upn}`, `/users('{upn}')`): paths and rows of the table.

use std::borrow::Cow;

use autopilot_domain::Permission::{
    self, DirectoryRead, DirectoryReadWrite, UserRead, UserReadBasic, UserReadWrite,
};
use autopilot_odata::entity;

use super::{Options, Segment, Spec, is_count, spec};
use crate::error::GraphError;

pub(super) const USERS: &str = "users";

const READ: &[Permission] = &[
    UserReadBasic,
    UserRead,
    UserReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
];
const WRITE: &[Permission] = &[UserReadWrite, DirectoryReadWrite];

/// The directory's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Users {
    List,
    Count,
    /// One user: its object id or its user principal name, as the path gives it.
    Item {
        key: String,
    },
}

impl Users {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::USER;
        let row = |allow, template, options| spec(allow, template, options, READ, WRITE);
        match self {
            Users::List => row("GET, POST", "~/entityset", Options::Collection(e)),
            Users::Count => row("GET", "~/entityset/$count", Options::Collection(e)),
            Users::Item { .. } => row("GET, PATCH, DELETE", "~/entityset/key", Options::Single(e)),
        }
    }
}

/// After the `users` segment. A user principal name holds dots, so any plain segment is a key.
pub(super) fn users(key: Option<String>, rest: &[Segment]) -> Result<Users, GraphError> {
    let unquote = |k: &str| {
        let k = k.trim();
        k.strip_prefix('\'')
            .and_then(|k| k.strip_suffix('\''))
            .map_or_else(|| k.to_owned(), |k| k.replace("''", "'"))
    };
    match (key, rest) {
        (Some(key), []) => Ok(Users::Item { key: unquote(&key) }),
        (None, []) => Ok(Users::List),
        (None, [c]) if is_count(c) => Ok(Users::Count),
        (None, [k]) if k.key.is_none() && !k.name.starts_with('$') => Ok(Users::Item {
            key: k.name.clone(),
        }),
        (_, [next, ..]) => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Users {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Users::List => "/users".into(),
            Users::Count => "/users/$count".into(),
            Users::Item { .. } => "/users/{id}".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Resource, route};

    #[test]
    fn user_paths() {
        let r = |p: &str| route(p).unwrap().resource;
        assert_eq!(r("/v1.0/users"), Resource::Users(Users::List));
        assert_eq!(r("/beta/users/$count"), Resource::Users(Users::Count));
        let adele = Resource::Users(Users::Item {
            key: "adele.vance@contoso.com".into(),
        });
        assert_eq!(r("/v1.0/users/adele.vance@contoso.com"), adele);
        assert_eq!(r("/v1.0/users/adele.vance%40contoso.com"), adele);
        assert_eq!(r("/v1.0/users('adele.vance@contoso.com')"), adele);
        assert!(route("/v1.0/users/adele@contoso.com/manager").is_err());
    }
}
