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
