//! The device-code grant, as Entra runs it: a client asks for a code, shows the user its
//! `user_code`, and polls the token endpoint with its `device_code` every `interval` seconds;
//! an admin approves the code for a user of the tenant (here with `autopilot-graph device-code
//! approve`, since this server has no sign-in page), or declines it. A code lives 15 minutes
//! and gives one token. What a poll gets is [`poll`]'s decision.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long a code may be approved and redeemed (Entra's `expires_in`, 900 s).
pub const LIFETIME: Duration = Duration::seconds(900);
/// How often a client polls (Entra's `interval`).
pub const INTERVAL_SECONDS: i64 = 5;
/// The letters of a user code: upper case and digits without the look-alikes 0, O, 1, I.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// A user code's length (Entra's are nine characters).
pub const USER_CODE_LEN: usize = 9;
/// The most codes a tenant may have waiting at once.
pub const MAX_PENDING: u64 = 50;

/// Public clients that sign users in with device codes without being registered in the
/// tenant, as Microsoft's first-party applications are present in every tenant: Microsoft
/// Graph Command Line Tools (Connect-MgGraph), Azure CLI, Azure PowerShell, Visual Studio Code
/// and the Intune PowerShell application of the older modules.
pub const PUBLIC_CLIENTS: [Uuid; 5] = [
    uuid::uuid!("14d82eec-204b-4c2f-b7e8-296a70dab67e"),
    uuid::uuid!("04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
    uuid::uuid!("1950a258-227b-4e31-a9cf-717495945fc2"),
    uuid::uuid!("aebc6443-996d-45c2-90f0-388ff96faa56"),
    uuid::uuid!("d1ddf0e4-d672-4dae-b554-9d5bdfd93547"),
];

/// The user an approved code signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The tenant GUID the user belongs to (a code asked for under `organizations` or
    /// `common` gets its tenant here).
    pub tenant: String,
    pub id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
}

/// Where a code stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeState {
    Pending,
    Approved(SignedInUser),
    Declined,
    /// Its token was issued.
    Redeemed,
}

impl CodeState {
    /// The name kept in the store.
    pub fn name(&self) -> &'static str {
        match self {
            CodeState::Pending => "pending",
            CodeState::Approved(_) => "approved",
            CodeState::Declined => "declined",
            CodeState::Redeemed => "redeemed",
        }
    }
}

/// A device code of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    /// SHA-256 of the `device_code` the client holds (the code itself is not kept).
    pub device_hash: Vec<u8>,
    pub user_code: String,
    /// The tenant of the path it was asked for under: a GUID, hyphenated, or `organizations`
    /// or `common` (then the approval names the tenant); its polls come under the same.
    pub tenant: String,
    pub client_id: Uuid,
    /// The Graph permissions asked for (become `scp`), and whether `openid` was asked for.
    pub scopes: Vec<String>,
    pub openid: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub state: CodeState,
}

/// What a poll of the token endpoint gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Nobody has decided yet: `authorization_pending`.
    Pending,
    Declined,
    Expired,
    /// No such code: `bad_verification_code`.
    Unknown,
    /// Its token was issued already.
    Redeemed,
    /// Approved: issue the token (the code becomes redeemed).
    Granted(SignedInUser),
}

/// The answer to a poll by `client` for `code` at `now` (another client's code is no code).
pub fn poll(code: Option<&DeviceCode>, client: Uuid, now: OffsetDateTime) -> Poll {
    let Some(code) = code.filter(|c| c.client_id == client) else {
        return Poll::Unknown;
    };
    match &code.state {
        CodeState::Redeemed => Poll::Redeemed,
        _ if now >= code.expires_at => Poll::Expired,
        CodeState::Pending => Poll::Pending,
        CodeState::Declined => Poll::Declined,
        CodeState::Approved(user) => Poll::Granted(user.clone()),
    }
}

/// A user code from random bytes (one letter per byte).
pub fn user_code(random: &[u8; USER_CODE_LEN]) -> String {
    random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A user code as typed (any case, spaces and dashes), as it is kept.
pub fn normalize_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> OffsetDateTime {
        time::macros::datetime!(2026-12-07 12:00 UTC) + Duration::seconds(s)
    }

    fn code(state: CodeState) -> DeviceCode {
        DeviceCode {
            device_hash: vec![1],
            user_code: "ABCDEFGHJ".into(),
            tenant: "t".into(),
            client_id: Uuid::nil(),
            scopes: vec![],
            openid: false,
            created_at: at(0),
            expires_at: at(0) + LIFETIME,
            state,
        }
    }

    #[test]
    fn polls_follow_the_code() {
        let user = SignedInUser {
            tenant: "t".into(),
            id: Uuid::nil(),
            user_principal_name: "a@b.c".into(),
            display_name: "A".into(),
        };
        assert_eq!(poll(None, Uuid::nil(), at(1)), Poll::Unknown);
        assert_eq!(
            poll(Some(&code(CodeState::Pending)), Uuid::nil(), at(1)),
            Poll::Pending
        );
        assert_eq!(
            poll(Some(&code(CodeState::Pending)), Uuid::nil(), at(900)),
            Poll::Expired
        );
        assert_eq!(
            poll(
                Some(&code(CodeState::Approved(user.clone()))),
                Uuid::nil(),
                at(899)
            ),
            Poll::Granted(user.clone())
        );
        assert_eq!(
            poll(Some(&code(CodeState::Approved(user))), Uuid::nil(), at(901)),
            Poll::Expired
        );
        assert_eq!(
            poll(Some(&code(CodeState::Declined)), Uuid::nil(), at(1)),
            Poll::Declined
        );
        assert_eq!(
            poll(Some(&code(CodeState::Redeemed)), Uuid::nil(), at(1)),
            Poll::Redeemed
        );
    }

    #[test]
    fn user_codes_are_nine_plain_letters() {
        let c = user_code(&[0, 31, 32, 255, 7, 8, 9, 10, 11]);
        assert_eq!(c.len(), USER_CODE_LEN);
        assert!(c.bytes().all(|b| ALPHABET.contains(&b)), "{c}");
        assert_eq!(normalize_user_code(" abc-def ghj"), "ABCDEFGHJ");
    }
}
