//! Per-entity descriptions: which properties an entity has, their Graph types, what queries may
//! do with them, where the store keeps them, and how the entity sits in Graph's schema (its
//! base type, its navigation properties). The query checker, the store's lowering, the wire
//! shapes and `$metadata` are all read from these.
//!
//! `intune.rs` holds the Intune entities, `directory.rs` Entra ID's, `enums.rs` the enum types
//! both use.

mod directory;
mod enums;
mod intune;

pub use directory::*;
pub use enums::*;
pub use intune::*;

/// A Graph enum type: its name and members, in the order of their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumType {
    pub name: &'static str,
    pub members: &'static [&'static str],
    /// The members' values, where they are not 0, 1, 2, ...
    pub values: Option<&'static [i64]>,
    /// How many of the members (from the first) v1.0 has; beta has them all.
    pub v1_members: usize,
}

impl EnumType {
    /// An enum both versions have whole.
    pub const fn new(name: &'static str, members: &'static [&'static str]) -> Self {
        EnumType {
            name,
            members,
            values: None,
            v1_members: members.len(),
        }
    }

    /// An enum whose members have these values.
    pub const fn valued(self, values: &'static [i64]) -> Self {
        assert!(values.len() == self.members.len());
        EnumType {
            values: Some(values),
            ..self
        }
    }

    /// The value of the member at `index`.
    pub fn value(&self, index: usize) -> i64 {
        match self.values {
            Some(values) => values[index],
            None => i64::try_from(index).unwrap_or(i64::MAX),
        }
    }

    /// An enum whose last members only beta has.
    pub const fn beta_adds(self, count: usize) -> Self {
        EnumType {
            v1_members: self.members.len() - count,
            ..self
        }
    }
}

/// A complex type described apart from an entity (the items of a collection property, and
/// the derived types of a polymorphic one): its name, its base and its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplexType {
    pub name: &'static str,
    /// The complex type it derives from, if any.
    pub base: Option<&'static str>,
    pub abstract_: bool,
    pub fields: &'static [Field],
}

/// The type of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    /// An enum, with its members as the wire writes them.
    Enum(&'static EnumType),
    Int32,
    /// `Edm.Int64`: selectable, not comparable here.
    Int64,
    Bool,
    DateTime,
    /// A complex value of the named type, whose members follow as `name/member` fields:
    /// selectable as a whole, not comparable.
    Complex(&'static str),
    /// `Edm.Binary`, base64 on the wire: selectable, not comparable.
    Binary,
    /// A collection of strings: filtered through `any(...)` and `all(...)`.
    StringCollection,
    /// A collection of complex values (an organization's `verifiedDomains`): selectable,
    /// written whole, not comparable.
    ComplexCollection(&'static ComplexType),
}

impl FieldType {
    /// The CSDL type name (`Edm.String`, `graph.enrollmentState`, `Collection(Edm.String)`).
    pub fn csdl(&self) -> String {
        match self {
            FieldType::String => "Edm.String".into(),
            FieldType::Enum(e) => format!("graph.{}", e.name),
            FieldType::Int32 => "Edm.Int32".into(),
            FieldType::Int64 => "Edm.Int64".into(),
            FieldType::Bool => "Edm.Boolean".into(),
            FieldType::DateTime => "Edm.DateTimeOffset".into(),
            FieldType::Complex(name) => format!("graph.{name}"),
            FieldType::Binary => "Edm.Binary".into(),
            FieldType::StringCollection => "Collection(Edm.String)".into(),
            FieldType::ComplexCollection(c) => format!("Collection(graph.{})", c.name),
        }
    }

    pub fn is_complex(&self) -> bool {
        matches!(self, FieldType::Complex(_))
    }
}

/// One property, described once: the query checker, the store's lowering and the wire shapes
/// are all read from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name as it appears in queries and on the wire; nested properties with `/`.
    pub name: &'static str,
    pub ty: FieldType,
    pub filterable: bool,
    pub sortable: bool,
    /// The storage column that holds it, for the properties queries may name (the store
    /// qualifies it by its table's alias).
    pub column: Option<&'static str>,
    /// Served by beta only; v1.0's property set is the rest, in the same order.
    pub beta_only: bool,
}

impl Field {
    /// A property queries may filter and sort by, held in `column`.
    pub const fn new(name: &'static str, ty: FieldType, column: &'static str) -> Self {
        Field {
            name,
            ty,
            filterable: true,
            sortable: true,
            column: Some(column),
            beta_only: false,
        }
    }

    /// A property that may be selected but neither filtered nor sorted by.
    pub const fn opaque(name: &'static str, ty: FieldType) -> Self {
        Field {
            name,
            ty,
            filterable: false,
            sortable: false,
            column: None,
            beta_only: false,
        }
    }

    /// A property queries may filter by but not sort by (nullable, or a collection).
    pub const fn filtered(name: &'static str, ty: FieldType, column: &'static str) -> Self {
        Field {
            sortable: false,
            ..Field::new(name, ty, column)
        }
    }

    pub const fn beta(self) -> Self {
        Field {
            beta_only: true,
            ..self
        }
    }

    /// Whether the property sits at the top of the entity (not inside a complex value).
    pub fn is_top_level(&self) -> bool {
        !self.name.contains('/')
    }
}

/// A derived type's fields: its base's, then its own (`M` is their sum, checked when the
/// constant is built).
pub const fn extend<const N: usize, const M: usize>(
    base: &[Field; N],
    own: &[Field],
) -> [Field; M] {
    assert!(
        N + own.len() == M,
        "extend: M must be the base's fields plus the own"
    );
    assert!(N > 0, "extend: a base has at least its id");
    let mut out = [base[0]; M];
    let mut i = 0;
    while i < N {
        out[i] = base[i];
        i += 1;
    }
    let mut j = 0;
    while j < own.len() {
        out[N + j] = own[j];
        j += 1;
    }
    out
}

/// A navigation property, as `$metadata` declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Navigation {
    pub name: &'static str,
    /// The entity type it leads to.
    pub target: &'static str,
    pub collection: bool,
    /// The targets live under this entity (`ContainsTarget`).
    pub contains: bool,
    /// Served by beta only.
    pub beta_only: bool,
}

impl Navigation {
    pub const fn one(name: &'static str, target: &'static str) -> Self {
        Navigation {
            name,
            target,
            collection: false,
            contains: false,
            beta_only: false,
        }
    }

    pub const fn many(name: &'static str, target: &'static str) -> Self {
        Navigation {
            collection: true,
            ..Navigation::one(name, target)
        }
    }

    pub const fn contained(self) -> Self {
        Navigation {
            contains: true,
            ..self
        }
    }

    pub const fn beta(self) -> Self {
        Navigation {
            beta_only: true,
            ..self
        }
    }
}

/// An entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityType {
    /// The Graph type name.
    pub name: &'static str,
    /// The type it derives from; its fields are among this one's (the wire's order may mix
    /// them), so `$metadata` declares here only the others.
    pub base: Option<&'static EntityType>,
    pub abstract_: bool,
    pub fields: &'static [Field],
    /// Navigation properties `$expand` accepts.
    pub expand: &'static [&'static str],
    /// Every navigation property, for `$metadata`.
    pub navigations: &'static [Navigation],
    /// Whether `$search` is served (directory objects; with `ConsistencyLevel: eventual`).
    pub searchable: bool,
    /// Served by beta only.
    pub beta_only: bool,
}

impl EntityType {
    /// An entity type deriving from `base`, with no navigations, not searchable.
    pub const fn derived(
        name: &'static str,
        base: &'static EntityType,
        fields: &'static [Field],
    ) -> Self {
        EntityType {
            name,
            base: Some(base),
            abstract_: false,
            fields,
            expand: &[],
            navigations: &[],
            searchable: false,
            beta_only: false,
        }
    }

    /// Finds a field by name (case-insensitively, as Graph matches them).
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The members of a complex property, in order (`state` gives `state/deviceImportStatus`, ...).
    pub fn members_of<'a>(&self, complex: &'a str) -> impl Iterator<Item = &'static Field> + 'a {
        self.fields.iter().filter(move |f| {
            f.name
                .strip_prefix(complex)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// A navigation property of this type or of a base.
    pub fn navigation(&self, name: &str) -> Option<&'static Navigation> {
        self.navigations
            .iter()
            .find(|n| n.name.eq_ignore_ascii_case(name))
            .or_else(|| self.base.and_then(|b| b.navigation(name)))
    }

    /// The fields declared on this type itself (not inherited from its base).
    pub fn own_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        let base = self.base;
        self.fields
            .iter()
            .filter(move |f| base.is_none_or(|b| b.field(f.name).is_none()))
    }
}

/// `entity`: the base of every entity type here.
pub const ENTITY: EntityType = EntityType {
    name: "entity",
    base: None,
    abstract_: true,
    fields: &[Field::new("id", FieldType::String, "id")],
    expand: &[],
    navigations: &[],
    searchable: false,
    beta_only: false,
};

/// Every entity type served (bases included), for `$metadata` and tests.
pub const ALL: &[&EntityType] = &[
    &ENTITY,
    &DIRECTORY_OBJECT,
    &IMPORTED_DEVICE,
    &UPLOAD,
    &AUTOPILOT_DEVICE,
    &PROFILE,
    &AZURE_AD_PROFILE,
    &ACTIVE_DIRECTORY_PROFILE,
    &PROFILE_ASSIGNMENT,
    &SETTINGS,
    &MANAGED_DEVICE,
    &ENROLLMENT_CONFIGURATION_BASE,
    &ENROLLMENT_CONFIGURATION,
    &ENROLLMENT_ASSIGNMENT,
    &IMPORTED_IDENTITY,
    &IMPORTED_IDENTITY_RESULT,
    &DEVICE_MANAGEMENT,
    &DIRECTORY_DEVICE,
    &GROUP,
    &USER,
    &ORGANIZATION,
];

#[cfg(test)]
mod tests;
