//! Entra ID users on the wire, and the body of a request that creates or changes one.

use autopilot_domain::{NewUser, User, UserPatch};
use autopilot_odata::{EntityType, entity};
use serde_json::{Map, Value};

use super::shape::{Described, WireValue, described_serialize};
use crate::error::GraphError;
use crate::route::Version;

/// A `user` on the wire, as its description orders it.
#[derive(Debug)]
pub struct UserWire<'a> {
    pub user: &'a User,
    pub version: Version,
}

impl Described for UserWire<'_> {
    const ENTITY: &'static EntityType = &entity::USER;

    fn version(&self) -> Version {
        self.version
    }

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Bool, Null, OptTime, Str, Strings};
        let u = self.user;
        Some(match property {
            "id" => WireValue::Id(u.id),
            "businessPhones" => Strings(&[]),
            "displayName" => Str(&u.display_name),
            "givenName" => WireValue::opt_str(u.given_name.as_deref()),
            "jobTitle" => WireValue::opt_str(u.job_title.as_deref()),
            "mail" => WireValue::opt_str(u.mail.as_deref()),
            "surname" => WireValue::opt_str(u.surname.as_deref()),
            "userPrincipalName" => Str(&u.user_principal_name),
            "accountEnabled" => Bool(u.account_enabled),
            "createdDateTime" => OptTime(Some(u.created_at)),
            "mailNickname" => Str(&u.mail_nickname),
            "userType" => Str("Member"),
            "mobilePhone" | "officeLocation" | "preferredLanguage" => Null,
            _ => return None,
        })
    }
}

described_serialize!(UserWire);

const USER: &str = "User";

fn text(o: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, GraphError> {
    super::object::text(o, name, USER)
}

fn invalid(property: &str) -> GraphError {
    super::object::invalid(property, USER)
}

/// The body of `POST /users`.
pub fn parse_new_user(body: &Value) -> Result<NewUser, GraphError> {
    let o = super::object::object(body)?;
    let password = match super::object::member(o, "passwordProfile") {
        None | Some(Value::Null) => None,
        Some(Value::Object(profile)) => text(profile, "password")?.flatten(),
        Some(_) => return Err(invalid("passwordProfile")),
    };
    Ok(NewUser {
        user_principal_name: text(o, "userPrincipalName")?.flatten(),
        display_name: text(o, "displayName")?.flatten(),
        mail_nickname: text(o, "mailNickname")?.flatten(),
        given_name: text(o, "givenName")?.flatten(),
        surname: text(o, "surname")?.flatten(),
        job_title: text(o, "jobTitle")?.flatten(),
        account_enabled: super::object::flag(o, "accountEnabled", USER)?,
        password,
    })
}

/// The body of `PATCH /users/{id}`. A property this server does not change is refused rather
/// than ignored.
pub fn parse_user_patch(body: &Value) -> Result<UserPatch, GraphError> {
    const CHANGEABLE: [&str; 5] = [
        "displayName",
        "givenName",
        "surname",
        "jobTitle",
        "accountEnabled",
    ];
    let o = super::object::object(body)?;
    if let Some(name) = o
        .keys()
        .find(|k| !k.starts_with('@') && !CHANGEABLE.iter().any(|c| c.eq_ignore_ascii_case(k)))
    {
        return Err(GraphError::DirectoryBadRequest(format!(
            "This server does not change the property '{name}' of a user; it changes {}.",
            CHANGEABLE.join(", ")
        )));
    }
    let display_name = match text(o, "displayName")? {
        Some(Some(name)) => Some(name),
        Some(None) => return Err(invalid("displayName")),
        None => None,
    };
    Ok(UserPatch {
        display_name,
        given_name: text(o, "givenName")?,
        surname: text(o, "surname")?,
        job_title: text(o, "jobTitle")?,
        account_enabled: super::object::flag(o, "accountEnabled", USER)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn a_user_is_written_as_graph_writes_it() {
        let u = User {
            id: Uuid::from_u128(5),
            user_principal_name: "AdeleV@contoso.com".into(),
            display_name: "Adele Vance".into(),
            mail_nickname: "AdeleV".into(),
            given_name: Some("Adele".into()),
            surname: None,
            job_title: None,
            mail: None,
            account_enabled: true,
            created_at: time::macros::datetime!(2026-11-28 09:00:01 UTC),
        };
        let v1 = UserWire {
            user: &u,
            version: Version::V1,
        };
        crate::wire::shape::assert_complete(&v1);
        let text = serde_json::to_string(&v1).unwrap();
        assert!(text.starts_with(r#"{"businessPhones":[],"displayName":"Adele Vance","givenName":"Adele","jobTitle":null,"mail":null,"#), "{text}");
        assert!(text.ends_with(r#""userPrincipalName":"AdeleV@contoso.com","id":"00000000-0000-0000-0000-000000000005"}"#), "{text}");
        let beta: Value = serde_json::to_value(UserWire {
            user: &u,
            version: Version::Beta,
        })
        .unwrap();
        assert_eq!(beta["accountEnabled"], true);
        assert!(
            beta["createdDateTime"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-28T09:00:01")
        );
    }

    #[test]
    fn request_bodies_are_read_as_graph_reads_them() {
        let new = parse_new_user(&json!({"accountEnabled": true, "displayName": "A",
            "mailNickname": "a", "userPrincipalName": "a@b.co",
            "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "Aa1aaaaa"}}))
        .unwrap();
        assert_eq!(new.password.as_deref(), Some("Aa1aaaaa"));
        assert_eq!(new.account_enabled, Some(true));
        assert!(parse_new_user(&json!({"accountEnabled": "yes"})).is_err());
        assert!(parse_new_user(&json!([])).is_err());
        let patch = parse_user_patch(&json!({"jobTitle": null, "accountEnabled": false})).unwrap();
        assert_eq!(patch.job_title, Some(None));
        assert_eq!(patch.account_enabled, Some(false));
        assert!(parse_user_patch(&json!({"userPrincipalName": "x@y.z"})).is_err());
        assert!(parse_user_patch(&json!({"displayName": null})).is_err());
    }
}
