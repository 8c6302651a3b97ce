//! The Graph JSON we read and write, one file per entity family, and what they share:
//! Graph's date format, and the envelopes of single entities and collections.

mod devices;
mod directory;
mod enrollment;
mod groups;
mod identities;
mod imported;
mod managed;
pub mod object;
mod organization;
mod profiles;
mod shape;
mod users;

use serde::Serialize;
use time::OffsetDateTime;

pub use devices::{DeviceWire, deleted_device};
pub use directory::DirectoryDeviceWire;
pub use enrollment::{
    enrollment_assignment_json, enrollment_json, parse_assign, parse_enrollment, parse_priority,
};
pub use groups::{GroupWire, Typed, security_identifier};
pub use identities::{
    IdentityWire, identity_result_json, parse_identity_import, parse_identity_search,
};
pub use imported::{ImportedWire, UploadWire, decode_binary, parse_device, parse_import};
pub use managed::{ManagedDeviceWire, parse_wipe};
pub use organization::OrganizationWire;
pub use profiles::{
    assignment_json, assignment_target, profile_json, profile_properties, profile_type,
};
pub use users::{UserWire, parse_new_user, parse_user_patch};

/// A `DateTimeOffset` as Graph writes it: UTC, seven fractional digits, `Z`.
pub fn datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

/// `0001-01-01T00:00:00Z`: how Graph writes a non-nullable date that was never set.
pub const NEVER: &str = "0001-01-01T00:00:00Z";

/// One entity with its `@odata.context`.
#[derive(Debug, Serialize)]
pub struct Entity<'a, T: Serialize> {
    #[serde(rename = "@odata.context")]
    pub context: &'a str,
    #[serde(flatten)]
    pub entity: T,
}

/// A collection response.
#[derive(Debug, Serialize)]
pub struct Collection<'a, T: Serialize> {
    #[serde(rename = "@odata.context")]
    pub context: &'a str,
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    pub value: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_have_seven_fraction_digits() {
        let t = time::macros::datetime!(2026-11-28 09:00:01.123456789 UTC);
        assert_eq!(datetime(t), "2026-11-28T09:00:01.1234567Z");
    }
}
