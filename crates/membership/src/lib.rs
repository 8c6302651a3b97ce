//! Entra ID dynamic membership rules, the device part: what a dynamic device group's
//! `membershipRule` says, parsed into a typed rule that prints back, validated with an error
//! that names the position, and evaluated against a device's properties. No I/O.
//!
//! ```
//! use autopilot_membership::{Device, Rule};
//!
//! let rule = Rule::parse(r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))"#).unwrap();
//! let ids = vec!["[ZTDID]:1234".to_owned(), "[OrderId]:lab".to_owned()];
//! let device = Device { physical_ids: &ids, ..Device::default() };
//! assert!(rule.matches(&device));
//! ```
//!
//! Grammar (operators and property names in any case; `and`, `or`, `not` also without `-`):
//!
//! ```text
//! rule       = or-expr EOF                       ; at most 3072 characters
//! or-expr    = and-expr *( "-or" and-expr )
//! and-expr   = unary *( "-and" unary )
//! unary      = "-not" unary / "(" or-expr ")" / comparison
//! comparison = property op value
//!            / property ( "-any" / "-all" ) ( "(" item ")" / item )  ; collection properties
//! item       = "_" op value
//! property   = "device." name
//! op         = -eq / -ne / -startsWith / -notStartsWith / -contains / -notContains
//!            / -endsWith / -notEndsWith / -match / -notMatch / -in / -notIn
//! value      = string / "true" / "false" / "null" / "[" string *( "," string ) "]"
//! string     = '"' *( "`" any / "\" '"' / any but '"' ) '"' / "'" *( "''" / any but "'" ) "'"
//! ```
//!
//! Text compares case-insensitively, as Entra does; `-match` is a regular expression (also
//! case-insensitive); `-in` takes a list; `null` stands for a property that is not set.

mod eval;
mod lex;
mod parse;

pub use eval::Device;
pub use parse::{Expr, Op, Pattern, Value};

/// The longest rule Entra accepts, in characters.
pub const MAX_LENGTH: usize = 3072;

/// The deepest nesting of parentheses and `-not` a rule may have.
pub const MAX_DEPTH: usize = 32;

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", at.map(|a| format!(" (at position {a})")).unwrap_or_default())]
pub struct RuleError {
    /// The character position the problem starts at, when it has one.
    pub at: Option<usize>,
    pub message: String,
}

impl RuleError {
    pub(crate) fn at(at: usize, message: impl Into<String>) -> Self {
        RuleError {
            at: Some(at),
            message: message.into(),
        }
    }
}

/// How a device property is typed in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    /// Several strings: used with `-any` or `-all`.
    Collection,
}

/// A device property rules may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prop {
    AccountEnabled,
    DeviceCategory,
    DeviceId,
    DeviceManagementAppId,
    DeviceManufacturer,
    DeviceModel,
    DeviceOsType,
    DeviceOsVersion,
    DeviceOwnership,
    DevicePhysicalIds,
    DeviceTrustType,
    DisplayName,
    EnrollmentProfileName,
    /// `extensionAttribute1` to `extensionAttribute15` (index 0 to 14).
    ExtensionAttribute(u8),
    IsRooted,
    ManagementType,
    ObjectId,
    ProfileType,
    SystemLabels,
}

/// Every property with its name as rules spell it and its kind (the extension attributes
/// are generated from their number).
const PROPS: &[(&str, Prop, Kind)] = &[
    ("accountEnabled", Prop::AccountEnabled, Kind::Bool),
    ("deviceCategory", Prop::DeviceCategory, Kind::Text),
    ("deviceId", Prop::DeviceId, Kind::Text),
    (
        "deviceManagementAppId",
        Prop::DeviceManagementAppId,
        Kind::Text,
    ),
    ("deviceManufacturer", Prop::DeviceManufacturer, Kind::Text),
    ("deviceModel", Prop::DeviceModel, Kind::Text),
    ("deviceOSType", Prop::DeviceOsType, Kind::Text),
    ("deviceOSVersion", Prop::DeviceOsVersion, Kind::Text),
    ("deviceOwnership", Prop::DeviceOwnership, Kind::Text),
    (
        "devicePhysicalIds",
        Prop::DevicePhysicalIds,
        Kind::Collection,
    ),
    ("deviceTrustType", Prop::DeviceTrustType, Kind::Text),
    ("displayName", Prop::DisplayName, Kind::Text),
    (
        "enrollmentProfileName",
        Prop::EnrollmentProfileName,
        Kind::Text,
    ),
    ("isRooted", Prop::IsRooted, Kind::Bool),
    ("managementType", Prop::ManagementType, Kind::Text),
    ("objectId", Prop::ObjectId, Kind::Text),
    ("profileType", Prop::ProfileType, Kind::Text),
    ("systemLabels", Prop::SystemLabels, Kind::Collection),
];

impl Prop {
    /// The property a name gives (case-insensitively), if rules know it.
    pub fn from_name(name: &str) -> Option<Prop> {
        if let Some(&(_, p, _)) = PROPS.iter().find(|(n, ..)| n.eq_ignore_ascii_case(name)) {
            return Some(p);
        }
        let lower = name.to_ascii_lowercase();
        let n: u8 = lower.strip_prefix("extensionattribute")?.parse().ok()?;
        (1..=15)
            .contains(&n)
            .then_some(Prop::ExtensionAttribute(n - 1))
    }

    pub fn kind(self) -> Kind {
        match self {
            Prop::ExtensionAttribute(_) => Kind::Text,
            p => PROPS
                .iter()
                .find(|(_, q, _)| *q == p)
                .map_or(Kind::Text, |(.., k)| *k),
        }
    }

    /// The name as Entra's documentation spells it.
    pub fn name(self) -> String {
        match self {
            Prop::ExtensionAttribute(i) => format!("extensionAttribute{}", i + 1),
            p => PROPS
                .iter()
                .find(|(_, q, _)| *q == p)
                .map_or_else(String::new, |(n, ..)| (*n).to_owned()),
        }
    }
}

/// A parsed, validated membership rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    expr: Expr,
}

impl Rule {
    /// Parses and validates a rule.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        parse::rule(text).map(|expr| Rule { expr })
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Whether the device belongs to the group this rule describes.
    pub fn matches(&self, device: &Device<'_>) -> bool {
        eval::matches(&self.expr, device)
    }

    /// The properties the rule reads (for knowing which changes can move a device).
    pub fn properties(&self) -> Vec<Prop> {
        let mut out = Vec::new();
        self.expr.visit(&mut |p| {
            if !out.contains(&p) {
                out.push(p);
            }
        });
        out
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}
