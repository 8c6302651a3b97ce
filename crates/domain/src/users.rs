//! Entra ID users, as far as Autopilot needs them: a tenant's users are who a device may be
//! assigned to (`assignUserToDevice`, `updateDeviceProperties`), and what the portal and
//! scripts look up by `userPrincipalName`. What a request to create or change one must hold
//! follows Graph's rules and messages. Passwords are checked as Entra checks them and never
//! kept: nobody signs in here.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::directory::NameProblem;

/// An Entra ID user (`microsoft.graph.user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail_nickname: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: bool,
    pub created_at: OffsetDateTime,
}

/// What a request to create a user gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUser {
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    pub mail_nickname: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub account_enabled: Option<bool>,
    /// `passwordProfile.password`.
    pub password: Option<String>,
}

/// What may change in a user (`PATCH`); `None` leaves a property as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub given_name: Option<Option<String>>,
    pub surname: Option<Option<String>>,
    pub job_title: Option<Option<String>>,
    pub account_enabled: Option<bool>,
}

/// How a request names a user: by object id or by `userPrincipalName` (`/users/{id | upn}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Id(Uuid),
    Upn(String),
}

impl UserKey {
    /// The key of `/users/{key}`: a GUID is an id, anything else a user principal name.
    pub fn parse(key: &str) -> UserKey {
        match Uuid::parse_str(key) {
            Ok(id) => UserKey::Id(id),
            Err(_) => UserKey::Upn(key.to_owned()),
        }
    }
}

/// Why a user request is refused: Graph's message (a `Request_BadRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRuleError(pub String);

fn required(property: &str) -> UserRuleError {
    UserRuleError(format!(
        "A value is required for property '{property}' of resource 'User'."
    ))
}

fn invalid(property: &str) -> UserRuleError {
    UserRuleError(format!(
        "Invalid value specified for property '{property}' of resource 'User'."
    ))
}

/// Checks a user principal name: `alias@domain`, the alias at most 64 characters of letters,
/// digits and `' . - _ ! # ^ ~`, not starting or ending with a dot; the domain a dotted name.
pub fn check_upn(upn: &str) -> Result<(), UserRuleError> {
    let Some((alias, domain)) = upn.rsplit_once('@') else {
        return Err(invalid("userPrincipalName"));
    };
    let alias_ok = !alias.is_empty()
        && alias.len() <= 64
        && !alias.starts_with('.')
        && !alias.ends_with('.')
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c));
    let domain_ok = domain.len() <= 255
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if alias_ok && domain_ok {
        Ok(())
    } else {
        Err(invalid("userPrincipalName"))
    }
}

/// Entra's password rule for cloud users: 8 to 256 characters, three of upper case, lower
/// case, digits and symbols.
pub fn check_password(password: &str) -> Result<(), UserRuleError> {
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    let length = password.chars().count();
    if (8..=256).contains(&length) && classes.iter().filter(|c| **c).count() >= 3 {
        Ok(())
    } else {
        Err(UserRuleError(
            "The specified password does not comply with password complexity requirements. Please provide a different password.".into(),
        ))
    }
}

/// Checks a mail nickname: at most 64 ASCII characters, none of `@ ( ) \ [ ] " ; : < > ,` or
/// space.
fn check_mail_nickname(nickname: &str) -> Result<(), UserRuleError> {
    if crate::directory::nickname_ok(nickname, "@()\\[]\";:<>, ") {
        Ok(())
    } else {
        Err(invalid("mailNickname"))
    }
}

/// Checks a display name: required, at most 256 characters.
pub fn check_display_name(name: &str) -> Result<(), UserRuleError> {
    match crate::directory::display_name_problem(name) {
        None => Ok(()),
        Some(NameProblem::Missing) => Err(required("displayName")),
        Some(NameProblem::TooLong) => Err(invalid("displayName")),
    }
}

/// Makes a user of a create request, or says what Graph would refuse. The required
/// properties are Graph's: `accountEnabled`, `displayName`, `mailNickname`,
/// `passwordProfile` and `userPrincipalName`.
pub fn create(new: NewUser, id: Uuid, now: OffsetDateTime) -> Result<User, UserRuleError> {
    let account_enabled = new
        .account_enabled
        .ok_or_else(|| required("accountEnabled"))?;
    let display_name = new.display_name.ok_or_else(|| required("displayName"))?;
    check_display_name(&display_name)?;
    let mail_nickname = new.mail_nickname.ok_or_else(|| required("mailNickname"))?;
    check_mail_nickname(&mail_nickname)?;
    let password = new.password.ok_or_else(|| required("passwordProfile"))?;
    check_password(&password)?;
    let upn = new
        .user_principal_name
        .ok_or_else(|| required("userPrincipalName"))?;
    check_upn(&upn)?;
    Ok(User {
        id,
        user_principal_name: upn,
        display_name,
        mail_nickname,
        given_name: new.given_name,
        surname: new.surname,
        job_title: new.job_title,
        mail: None,
        account_enabled,
        created_at: now,
    })
}

/// Makes a user an administrator adds from the command line: no password (nobody signs in
/// here), the mail nickname from the principal name's alias, the display name the alias when
/// none is given.
pub fn for_admin(
    upn: &str,
    display_name: Option<&str>,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<User, UserRuleError> {
    check_upn(upn)?;
    let alias = upn.rsplit_once('@').map_or(upn, |(alias, _)| alias);
    let display_name = display_name.unwrap_or(alias).to_owned();
    check_display_name(&display_name)?;
    let mail_nickname: String = alias
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(*c))
        .collect();
    check_mail_nickname(&mail_nickname)?;
    Ok(User {
        id,
        user_principal_name: upn.to_owned(),
        display_name,
        mail_nickname,
        given_name: None,
        surname: None,
        job_title: None,
        mail: None,
        account_enabled: true,
        created_at: now,
    })
}

/// Graph's message when a user principal name is taken.
pub const UPN_TAKEN: &str =
    "Another object with the same value for property userPrincipalName already exists.";

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user() -> NewUser {
        NewUser {
            user_principal_name: Some("adele.vance@contoso.com".into()),
            display_name: Some("Adele Vance".into()),
            mail_nickname: Some("AdeleV".into()),
            account_enabled: Some(true),
            password: Some("xWwvJ]6NMw+bWH-d".into()),
            ..NewUser::default()
        }
    }

    #[test]
    fn a_user_needs_what_graph_requires() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let user = create(new_user(), Uuid::nil(), now).unwrap();
        assert_eq!(user.user_principal_name, "adele.vance@contoso.com");
        assert!(user.account_enabled);
        for (strip, property) in [
            (
                (|u: &mut NewUser| u.account_enabled = None) as fn(&mut NewUser),
                "accountEnabled",
            ),
            (|u| u.display_name = None, "displayName"),
            (|u| u.mail_nickname = None, "mailNickname"),
            (|u| u.password = None, "passwordProfile"),
            (|u| u.user_principal_name = None, "userPrincipalName"),
        ] {
            let mut u = new_user();
            strip(&mut u);
            let e = create(u, Uuid::nil(), now).unwrap_err();
            assert_eq!(
                e.0,
                format!("A value is required for property '{property}' of resource 'User'.")
            );
        }
        let mut weak = new_user();
        weak.password = Some("password".into());
        assert!(
            create(weak, Uuid::nil(), now)
                .unwrap_err()
                .0
                .contains("complexity")
        );
    }

    #[test]
    fn user_principal_names_follow_entras_rule() {
        for ok in [
            "a@b.co",
            "adele.vance@contoso.onmicrosoft.com",
            "o'neil@x-y.org",
        ] {
            assert!(check_upn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "adele",
            "@contoso.com",
            "adele@",
            "adele@contoso",
            ".adele@contoso.com",
            "ad ele@contoso.com",
            "adele@con toso.com",
            "adele@-contoso.com",
        ] {
            assert!(check_upn(bad).is_err(), "{bad}");
        }
        assert!(check_password("Aa1aaaaa").is_ok());
        assert!(check_password("aaaaaaa1!").is_ok());
        assert!(check_password("Aa1").is_err());
        assert!(check_password("aaaaaaaaaaa1").is_err());
    }

    #[test]
    fn an_admin_adds_a_user_by_name_alone() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let u = for_admin("megan.b@contoso.com", None, Uuid::nil(), now).unwrap();
        assert_eq!(
            (u.display_name.as_str(), u.mail_nickname.as_str()),
            ("megan.b", "megan.b")
        );
        let named = for_admin("megan@contoso.com", Some("Megan Bowen"), Uuid::nil(), now);
        assert_eq!(named.unwrap().display_name, "Megan Bowen");
        assert!(for_admin("megan", None, Uuid::nil(), now).is_err());
    }

    #[test]
    fn a_key_is_an_id_or_a_principal_name() {
        let id = Uuid::from_u128(7);
        assert_eq!(UserKey::parse(&id.to_string()), UserKey::Id(id));
        assert_eq!(
            UserKey::parse("adele@contoso.com"),
            UserKey::Upn("adele@contoso.com".into())
        );
    }
}
