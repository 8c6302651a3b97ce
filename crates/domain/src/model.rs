//! The entities of the import surface, as the domain sees them (the wire shape is the server's).

use time::OffsetDateTime;
use uuid::Uuid;

/// `importedWindowsAutopilotDeviceIdentityImportStatus`. While the registration service works on
/// a record its status is `Unknown` (never `Pending`: real scripts wait only while `unknown`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ImportStatus {
    #[default]
    Unknown,
    Pending,
    Partial,
    Complete,
    Error,
}

impl ImportStatus {
    /// Every member, in declaration order (the stored number is the index).
    pub const ALL: [ImportStatus; 5] = [
        ImportStatus::Unknown,
        ImportStatus::Pending,
        ImportStatus::Partial,
        ImportStatus::Complete,
        ImportStatus::Error,
    ];

    /// The member name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Unknown => "unknown",
            ImportStatus::Pending => "pending",
            ImportStatus::Partial => "partial",
            ImportStatus::Complete => "complete",
            ImportStatus::Error => "error",
        }
    }

    /// The enum value as Graph numbers it (and as the store keeps it).
    pub fn code(self) -> i32 {
        match self {
            ImportStatus::Unknown => 0,
            ImportStatus::Pending => 1,
            ImportStatus::Partial => 2,
            ImportStatus::Complete => 3,
            ImportStatus::Error => 4,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// Whether the registration service has yet to decide this record.
    pub fn is_processing(self) -> bool {
        matches!(self, ImportStatus::Unknown | ImportStatus::Pending)
    }
}

/// `importedWindowsAutopilotDeviceIdentityState`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportState {
    pub device_import_status: ImportStatus,
    /// Id of the registered `windowsAutopilotDeviceIdentity` once complete, else empty.
    pub device_registration_id: String,
    /// DDS error code (0 while processing and on success).
    pub device_error_code: i32,
    /// DDS error name (`""` while processing, `"None"` on success).
    pub device_error_name: String,
}

/// An `importedWindowsAutopilotDeviceIdentity`: one device handed to the import service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDevice {
    pub id: Uuid,
    /// Shared by the records of one import call.
    pub import_id: String,
    /// The upload the record belongs to, when it came through one.
    pub upload_id: Option<Uuid>,
    pub serial_number: String,
    pub group_tag: String,
    pub product_key: String,
    pub assigned_user_principal_name: String,
    /// The hardware hash, as bytes (exactly what the client sent, valid or not).
    pub hardware_identifier: Vec<u8>,
    pub state: ImportState,
    pub created_at: OffsetDateTime,
}

/// What a client asks to import, after the protocol layer has parsed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewImportedDevice {
    pub serial_number: String,
    pub group_tag: String,
    pub product_key: String,
    pub assigned_user_principal_name: String,
    pub hardware_identifier: Vec<u8>,
}

/// `importedWindowsAutopilotDeviceIdentityUploadStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UploadStatus {
    NoUpload,
    Pending,
    Complete,
    Error,
}

impl UploadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadStatus::NoUpload => "noUpload",
            UploadStatus::Pending => "pending",
            UploadStatus::Complete => "complete",
            UploadStatus::Error => "error",
        }
    }

    /// An upload's status follows its devices: none, any still processing, any failed, or all
    /// done.
    pub fn from_counts(total: u64, processing: u64, failed: u64) -> Self {
        if total == 0 {
            UploadStatus::NoUpload
        } else if processing > 0 {
            UploadStatus::Pending
        } else if failed > 0 {
            UploadStatus::Error
        } else {
            UploadStatus::Complete
        }
    }
}

/// An `importedWindowsAutopilotDeviceIdentityUpload` (the legacy upload container).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: Uuid,
    pub created_date_time_utc: OffsetDateTime,
    pub status: UploadStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_status_follows_its_devices() {
        assert_eq!(UploadStatus::from_counts(0, 0, 0), UploadStatus::NoUpload);
        assert_eq!(UploadStatus::from_counts(3, 1, 1), UploadStatus::Pending);
        assert_eq!(UploadStatus::from_counts(3, 0, 1), UploadStatus::Error);
        assert_eq!(UploadStatus::from_counts(3, 0, 0), UploadStatus::Complete);
    }

    #[test]
    fn status_codes_round_trip() {
        for s in ImportStatus::ALL {
            assert_eq!(ImportStatus::from_code(i64::from(s.code())), Some(s));
        }
        assert_eq!(ImportStatus::from_code(9), None);
        assert_eq!(ImportStatus::from_code(-1), None);
    }
}

/// `enrollmentState` of a registered device (`blocked` exists on beta only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EnrollmentState {
    Unknown,
    Enrolled,
    PendingReset,
    Failed,
    #[default]
    NotContacted,
    Blocked,
}

impl EnrollmentState {
    pub const ALL: [EnrollmentState; 6] = [
        EnrollmentState::Unknown,
        EnrollmentState::Enrolled,
        EnrollmentState::PendingReset,
        EnrollmentState::Failed,
        EnrollmentState::NotContacted,
        EnrollmentState::Blocked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentState::Unknown => "unknown",
            EnrollmentState::Enrolled => "enrolled",
            EnrollmentState::PendingReset => "pendingReset",
            EnrollmentState::Failed => "failed",
            EnrollmentState::NotContacted => "notContacted",
            EnrollmentState::Blocked => "blocked",
        }
    }

    /// The enum value (and the stored number).
    pub fn code(self) -> i32 {
        match self {
            EnrollmentState::Unknown => 0,
            EnrollmentState::Enrolled => 1,
            EnrollmentState::PendingReset => 2,
            EnrollmentState::Failed => 3,
            EnrollmentState::NotContacted => 4,
            EnrollmentState::Blocked => 5,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }
}

/// A `windowsAutopilotDeviceIdentity`: hardware registered with Autopilot in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutopilotDevice {
    /// The ZTDID; `deviceRegistrationId` of the import record that registered it.
    pub id: Uuid,
    /// The hardware identity key the registration service matches later imports against.
    pub hardware_key: String,
    /// The import the device came from.
    pub import_id: String,
    pub serial_number: String,
    pub manufacturer: String,
    pub model: String,
    pub sku_number: String,
    pub system_family: String,
    pub product_key: String,
    pub group_tag: String,
    pub purchase_order_identifier: String,
    pub user_principal_name: String,
    pub addressable_user_name: String,
    pub display_name: String,
    pub resource_name: String,
    /// The Entra device object's id (`azureActiveDirectoryDeviceId`, beta `azureAdDeviceId`).
    pub azure_ad_device_id: String,
    pub managed_device_id: String,
    pub enrollment_state: EnrollmentState,
    /// `None` until the device contacts Intune (the wire shows `0001-01-01T00:00:00Z`).
    pub last_contacted: Option<OffsetDateTime>,
    pub device_account_upn: String,
    pub device_account_password: String,
    pub device_friendly_name: String,
    /// `userlessEnrollmentStatus` (beta): `unknown` until `allowNextEnrollment`.
    pub userless_enrollment_status: UserlessEnrollmentStatus,
    pub created_at: OffsetDateTime,
}

/// `windowsAutopilotUserlessEnrollmentStatus` (beta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserlessEnrollmentStatus {
    #[default]
    Unknown,
    Allowed,
    Blocked,
}

impl UserlessEnrollmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserlessEnrollmentStatus::Unknown => "unknown",
            UserlessEnrollmentStatus::Allowed => "allowed",
            UserlessEnrollmentStatus::Blocked => "blocked",
        }
    }

    pub fn code(self) -> i64 {
        match self {
            UserlessEnrollmentStatus::Unknown => 0,
            UserlessEnrollmentStatus::Allowed => 1,
            UserlessEnrollmentStatus::Blocked => 2,
        }
    }

    pub fn from_code(code: i64) -> Self {
        match code {
            1 => UserlessEnrollmentStatus::Allowed,
            2 => UserlessEnrollmentStatus::Blocked,
            _ => UserlessEnrollmentStatus::Unknown,
        }
    }
}

/// What a device action changes: each `Some` field is set, `None` fields stay.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DevicePatch {
    pub user_principal_name: Option<String>,
    pub addressable_user_name: Option<String>,
    pub group_tag: Option<String>,
    pub display_name: Option<String>,
    pub resource_name: Option<String>,
    pub device_account_upn: Option<String>,
    pub device_account_password: Option<String>,
    pub device_friendly_name: Option<String>,
    pub userless_enrollment_status: Option<UserlessEnrollmentStatus>,
}

/// The outcome of `deleteDevices` for one serial number (`deletedWindowsAutopilotDeviceState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedDevice {
    pub serial_number: String,
    /// The deleted device's id, or `""` when none was found.
    pub device_registration_id: String,
    /// `accepted` or `failed`.
    pub accepted: bool,
    pub error_message: String,
}

/// The managed device id of a device that never enrolled.
pub const NO_MANAGED_DEVICE: &str = "00000000-0000-0000-0000-000000000000";

/// A beta `windowsAutopilotDeploymentProfile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentProfile {
    pub id: Uuid,
    /// The derived type, without namespace: `azureADWindowsAutopilotDeploymentProfile` or
    /// `activeDirectoryWindowsAutopilotDeploymentProfile`.
    pub odata_type: String,
    /// The profile's own properties as a JSON object text (displayName, description, ...).
    pub properties: String,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
}

/// A profile assignment: to all devices (`group_id` `None`) or to a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileAssignment {
    /// Intune's form is `{profile id}_{group id}_0` (the module builds it to delete one); a
    /// client may choose its own.
    pub id: String,
    pub profile_id: Uuid,
    pub group_id: Option<String>,
    pub created_at: OffsetDateTime,
}

/// An application registered for the client-credentials token endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct Application {
    pub client_id: Uuid,
    pub name: String,
    /// SHA-256 of `secret_salt` followed by the secret.
    pub secret_salt: Vec<u8>,
    pub secret_hash: Vec<u8>,
    /// Application permissions granted (`roles` in its tokens).
    pub roles: Vec<String>,
    pub created_at: OffsetDateTime,
    /// Certificates whose keys may sign its client assertions.
    pub certificates: Vec<AppCertificate>,
}

/// A certificate registered on an application (its public part, as Entra keeps a key
/// credential): the key that signs a client assertion is found by either thumbprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCertificate {
    /// SHA-1 of the DER encoding (`x5t`, and the thumbprint Windows shows).
    pub sha1: Vec<u8>,
    /// SHA-256 of the DER encoding (`x5t#S256`).
    pub sha256: Vec<u8>,
    /// The certificate, DER-encoded.
    pub der: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub added_at: OffsetDateTime,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}
