//! Wire shapes derived from the entity descriptions in `autopilot_odata::entity`: which members
//! an entity has in each version, their order and how complex members nest all come from
//! there. A wire type only says where each property's value comes from ([`Described`]), so a
//! property added to the description reaches queries, the store and the wire together.

use autopilot_odata::{EntityType, Field};
use serde::ser::{Serialize, SerializeMap, Serializer};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{NEVER, datetime};
use crate::route::Version;

/// One property's value, as the wire writes it.
#[derive(Debug, Clone)]
pub enum WireValue<'a> {
    Str(&'a str),
    /// Text made for the response.
    Owned(String),
    /// A hyphenated id.
    Id(Uuid),
    Int(i32),
    /// A non-nullable date: [`NEVER`] when it was never set.
    Time(Option<OffsetDateTime>),
    /// Binary as standard base64.
    Base64(&'a [u8]),
    /// A directory object's unset value.
    Null,
    Bool(bool),
    /// A string collection.
    Strings(&'a [String]),
    /// A nullable date: `null` when unset.
    OptTime(Option<OffsetDateTime>),
    /// A value written whole (a collection of complex values).
    Json(serde_json::Value),
}

impl<'a> WireValue<'a> {
    /// Text, or `null` when unset.
    pub fn opt_str(value: Option<&'a str>) -> Self {
        value.map_or(WireValue::Null, WireValue::Str)
    }
}

impl Serialize for WireValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            WireValue::Str(v) => s.serialize_str(v),
            WireValue::Owned(ref v) => s.serialize_str(v),
            WireValue::Json(ref v) => v.serialize(s),
            WireValue::Id(id) => {
                s.serialize_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
            }
            WireValue::Int(n) => s.serialize_i32(n),
            WireValue::Time(None) => s.serialize_str(NEVER),
            WireValue::Time(Some(t)) => s.serialize_str(&datetime(t)),
            WireValue::Base64(bytes) => base64_string(bytes).serialize(s),
            WireValue::Null | WireValue::OptTime(None) => s.serialize_none(),
            WireValue::Bool(b) => s.serialize_bool(b),
            WireValue::Strings(items) => s.collect_seq(items),
            WireValue::OptTime(Some(t)) => s.serialize_str(&datetime(t)),
        }
    }
}

/// `bytes` as a JSON string of standard base64, written as it is: base64 has nothing JSON
/// escapes, and checking the 5.5 KB of a hardware hash character by character for escapes took
/// as long as encoding it. The check `RawValue` makes of its text is the parser's, a word at a
/// time. (Through `serde_json::to_value`, for `$select`, it becomes a string again.)
fn base64_string(bytes: &[u8]) -> Box<serde_json::value::RawValue> {
    use base64::Engine as _;
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4 + 2);
    text.push('"');
    base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut text);
    text.push('"');
    // Quotes around base64 are always a JSON string; the default (`null`) is never taken.
    serde_json::value::RawValue::from_string(text).unwrap_or_default()
}

/// A value that goes on the wire as its entity's description says.
pub trait Described {
    /// The entity's one description.
    const ENTITY: &'static EntityType;

    /// The version whose property set is written.
    fn version(&self) -> Version {
        Version::Beta
    }

    /// The value of a scalar property, by its description's name (`state/deviceErrorCode` for
    /// a member of a complex property); `None` only for a name the entity does not have.
    fn value(&self, property: &str) -> Option<WireValue<'_>>;
}

/// Writes `item` as its description orders it: the version's top-level properties, each
/// complex one as an object of its members.
pub fn serialize<T: Described, S: Serializer>(item: &T, s: S) -> Result<S::Ok, S::Error> {
    let version = item.version();
    let mut map = s.serialize_map(None)?;
    for field in T::ENTITY.fields.iter().filter(|f| f.is_top_level()) {
        if field.beta_only && version == Version::V1 {
            continue;
        }
        if field.ty.is_complex() {
            map.serialize_entry(field.name, &Members { item, field })?;
        } else if let Some(value) = item.value(field.name) {
            map.serialize_entry(field.name, &value)?;
        }
    }
    map.end()
}

/// A complex property's members, as one object.
struct Members<'a, T> {
    item: &'a T,
    field: &'static Field,
}

impl<T: Described> Serialize for Members<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for member in T::ENTITY.members_of(self.field.name) {
            let name = &member.name[self.field.name.len() + 1..];
            if let Some(value) = self.item.value(member.name) {
                map.serialize_entry(name, &value)?;
            }
        }
        map.end()
    }
}

/// Implements `Serialize` for wire types through [`serialize`].
macro_rules! described_serialize {
    ($($ty:ident),+) => {$(
        impl serde::Serialize for $ty<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::wire::shape::serialize(self, s)
            }
        }
    )+};
}
pub(crate) use described_serialize;

/// For tests: every scalar property of the entity has a value.
#[cfg(test)]
pub fn assert_complete<T: Described>(item: &T) {
    for f in T::ENTITY.fields.iter().filter(|f| !f.ty.is_complex()) {
        assert!(
            item.value(f.name).is_some(),
            "{}.{} has no wire value",
            T::ENTITY.name,
            f.name
        );
    }
}
