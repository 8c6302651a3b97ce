//! The storage contract. Implementations (SQLite, PostgreSQL) live in `autopilot-store`; every
//! method takes the tenant first, and every write is one transaction.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::TenantId;
use crate::model::{AutopilotDevice, ImportedDevice, NewImportedDevice, Upload};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The upload an import names does not exist (in this tenant).
    #[error("upload {0} not found")]
    UploadNotFound(Uuid),
    /// The database failed; the message is for the operator's log, not for clients.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// One page of a keyset-paged list: rows strictly after `after`, in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// A page and the key to continue after, when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<Uuid>,
}

/// Where the records of an import go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadTarget {
    /// The plain collection.
    None,
    /// An existing upload (which must exist in the tenant).
    Existing(Uuid),
    /// A new upload, created in the same transaction.
    New(Uuid),
}

/// An import call: every record is written, or none is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatch {
    pub import_id: String,
    pub upload: UploadTarget,
    pub created_at: OffsetDateTime,
    /// One id per device, in order (UUIDv7: time-ordered).
    pub ids: Vec<Uuid>,
    /// Per device: when the registration service may pick the record up.
    pub due_at: Vec<OffsetDateTime>,
    pub devices: Vec<NewImportedDevice>,
}

/// What one round of the registration service did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessReport {
    /// Records decided (each now `complete` or `error`).
    pub processed: usize,
    /// Of those, registered.
    pub completed: usize,
}

/// The storage behind the Graph surface.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Writes a batch of imported devices (and its new upload) in one transaction, and returns
    /// the stored records in request order.
    async fn import_devices(
        &self,
        tenant: &TenantId,
        batch: ImportBatch,
    ) -> Result<Vec<ImportedDevice>, StoreError>;

    /// One imported record; with `upload`, only if it belongs to that upload.
    async fn get_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<Option<ImportedDevice>, StoreError>;

    /// Imported records in id order; with `upload`, only that upload's.
    async fn list_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ImportedDevice>, StoreError>;

    /// How many imported records there are (in `upload`, when given).
    async fn count_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
    ) -> Result<u64, StoreError>;

    /// Deletes one imported record; false when there was none.
    async fn delete_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<bool, StoreError>;

    /// Creates an empty upload.
    async fn create_upload(
        &self,
        tenant: &TenantId,
        id: Uuid,
        created_at: OffsetDateTime,
    ) -> Result<Upload, StoreError>;

    /// One upload, its status computed from its devices.
    async fn get_upload(&self, tenant: &TenantId, id: Uuid) -> Result<Option<Upload>, StoreError>;

    /// Uploads in id order.
    async fn list_uploads(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Upload>, StoreError>;

    /// Deletes an upload and its device records; false when there was none.
    async fn delete_upload(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;

    /// The registration service: decides up to `limit` records (of every tenant) that are still
    /// processing and due by `now`, applying [`crate::registration`], and writes the outcomes,
    /// with the registered devices, in one transaction. Records deleted before this runs are
    /// never registered; a failed round changes nothing and can simply run again.
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<ProcessReport, StoreError>;

    /// When the next processing record falls due (the earliest due time), if any.
    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;

    /// One registered device.
    async fn get_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<AutopilotDevice>, StoreError>;

    /// Registered devices in id order.
    async fn list_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<AutopilotDevice>, StoreError>;

    /// How many devices are registered.
    async fn count_devices(&self, tenant: &TenantId) -> Result<u64, StoreError>;

    /// Deregisters a device and frees its hardware for a later import; false when there was
    /// none.
    async fn delete_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;
}
