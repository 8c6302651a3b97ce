//! Per-entity field tables: which properties a query may name, their types, and what may be
//! done with them.

/// The type of a property, as queries see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    /// An enum, with its members as the wire writes them.
    Enum(&'static [&'static str]),
    Int32,
    Bool,
    DateTime,
    /// A complex value: selectable as a whole, not comparable.
    Complex,
}

/// One property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name as it appears in queries; nested properties with `/`.
    pub name: &'static str,
    pub ty: FieldType,
    pub filterable: bool,
    pub sortable: bool,
}

impl Field {
    const fn new(name: &'static str, ty: FieldType) -> Self {
        Field {
            name,
            ty,
            filterable: true,
            sortable: true,
        }
    }

    const fn opaque(name: &'static str, ty: FieldType) -> Self {
        Field {
            name,
            ty,
            filterable: false,
            sortable: false,
        }
    }
}

/// An entity type as queries see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityType {
    /// The Graph type name, for messages.
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Navigation properties `$expand` accepts.
    pub expand: &'static [&'static str],
}

impl EntityType {
    /// Finds a field by name (case-insensitively, as Graph matches them).
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// `importedWindowsAutopilotDeviceIdentityImportStatus`.
pub const IMPORT_STATUS: &[&str] = &["unknown", "pending", "partial", "complete", "error"];
/// `importedWindowsAutopilotDeviceIdentityUploadStatus`.
pub const UPLOAD_STATUS: &[&str] = &["noUpload", "pending", "complete", "error"];
/// `enrollmentState` (beta adds `blocked`).
pub const ENROLLMENT_STATE: &[&str] = &[
    "unknown",
    "enrolled",
    "pendingReset",
    "failed",
    "notContacted",
    "blocked",
];

use FieldType::{Complex, DateTime, Enum, Int32, String as Str};

/// `importedWindowsAutopilotDeviceIdentity`.
pub const IMPORTED_DEVICE: EntityType = EntityType {
    name: "importedWindowsAutopilotDeviceIdentity",
    fields: &[
        Field::new("id", Str),
        Field::new("groupTag", Str),
        Field::new("serialNumber", Str),
        Field::new("productKey", Str),
        Field::new("importId", Str),
        Field::opaque("hardwareIdentifier", Str),
        Field::opaque("state", Complex),
        Field::new("state/deviceImportStatus", Enum(IMPORT_STATUS)),
        Field::new("state/deviceRegistrationId", Str),
        Field::new("state/deviceErrorCode", Int32),
        Field::new("state/deviceErrorName", Str),
        Field::new("assignedUserPrincipalName", Str),
    ],
    expand: &[],
};

/// `importedWindowsAutopilotDeviceIdentityUpload`.
pub const UPLOAD: EntityType = EntityType {
    name: "importedWindowsAutopilotDeviceIdentityUpload",
    fields: &[
        Field::new("id", Str),
        Field::new("createdDateTimeUtc", DateTime),
        Field::new("status", Enum(UPLOAD_STATUS)),
    ],
    expand: &["deviceIdentities"],
};

/// `windowsAutopilotDeviceIdentity` (the beta property set; v1.0 is a subset).
pub const AUTOPILOT_DEVICE: EntityType = EntityType {
    name: "windowsAutopilotDeviceIdentity",
    fields: &[
        Field::new("id", Str),
        Field::new("groupTag", Str),
        Field::new("purchaseOrderIdentifier", Str),
        Field::new("serialNumber", Str),
        Field::new("productKey", Str),
        Field::new("manufacturer", Str),
        Field::new("model", Str),
        Field::new("enrollmentState", Enum(ENROLLMENT_STATE)),
        Field::new("lastContactedDateTime", DateTime),
        Field::new("addressableUserName", Str),
        Field::new("userPrincipalName", Str),
        Field::new("resourceName", Str),
        Field::new("skuNumber", Str),
        Field::new("systemFamily", Str),
        Field::new("azureActiveDirectoryDeviceId", Str),
        Field::new("azureAdDeviceId", Str),
        Field::new("managedDeviceId", Str),
        Field::new("displayName", Str),
        Field::new("deviceAccountUpn", Str),
        Field::opaque("deviceAccountPassword", Str),
        Field::new("deviceFriendlyName", Str),
        Field::opaque("deploymentProfileAssignmentStatus", Str),
        Field::opaque("deploymentProfileAssignmentDetailedStatus", Str),
        Field::opaque("deploymentProfileAssignedDateTime", DateTime),
        Field::opaque("remediationState", Str),
        Field::opaque("remediationStateLastModifiedDateTime", DateTime),
        Field::opaque("userlessEnrollmentStatus", Str),
    ],
    expand: &["deploymentProfile", "intendedDeploymentProfile"],
};
