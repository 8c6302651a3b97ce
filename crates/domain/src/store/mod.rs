//! The storage contract. Implementations (SQLite, PostgreSQL) live in `autopilot-store`; every
//! method takes the tenant first, and every write is one transaction.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::TenantId;
mod device_code;
mod enrollment;
mod entra;
mod health;
mod identities;
mod managed;
mod scenarios;
mod tenants;
mod usage;

pub use device_code::{CodeDecision, DeviceCodeStore, PutCode};
pub use enrollment::EnrollmentConfigurationStore;
pub use entra::{
    AddMember, DirectoryKey, DirectoryStore, GroupStore, GroupWrite, OrganizationStore, UserStore,
};
pub use health::{HealthStore, PoolStats, QueueStats, SchemaState};
pub use identities::ImportedIdentityStore;
pub use managed::ManagedDeviceStore;
pub use scenarios::{ScenarioStore, StoredScenario};
pub use tenants::{TenantStore, TenantSummary};
pub use usage::UsageStore;

use crate::model::{
    AppCertificate, Application, AutopilotDevice, DeletedDevice, DeploymentProfile, DevicePatch,
    ImportedDevice, NewImportedDevice, ProfileAssignment, Upload,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The upload an import names does not exist (in this tenant).
    #[error("upload {0} not found")]
    UploadNotFound(Uuid),
    /// A query the store cannot run (the message is for the client).
    #[error("{0}")]
    InvalidQuery(String),
    /// A write lost a race with another writer (the same hardware registered at once by two
    /// instances, say); trying again decides it.
    #[error("write conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached now; the request may be tried again later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database failed; the message is for the operator's log, not for clients.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// A value of a sort key, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortValue {
    Text(String),
    Int(i64),
}

/// Where a keyset page ended: the values of the sort keys of its last row, then that row's id
/// (the final tie-breaker of every order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub keys: Vec<SortValue>,
    pub id: Uuid,
}

impl Cursor {
    /// A cursor for the default order (by id only).
    pub fn at_id(id: Uuid) -> Self {
        Cursor {
            keys: Vec::new(),
            id,
        }
    }
}

/// One page of a list: rows matching `filter`, in `orderby` order then id, strictly after
/// `after`, skipping `skip`, at most `limit`. The filter and order must have been checked
/// against the entity's field table (`autopilot_odata::Query::check`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageRequest {
    pub filter: Option<autopilot_odata::Expr>,
    pub orderby: Vec<autopilot_odata::OrderBy>,
    pub after: Option<Cursor>,
    pub skip: u64,
    pub limit: u32,
}

impl PageRequest {
    /// The first `limit` rows in id order.
    pub fn first(limit: u32) -> Self {
        PageRequest {
            limit,
            ..PageRequest::default()
        }
    }
}

/// A page and where to continue, when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessReport {
    /// Records decided (each now `complete` or `error`).
    pub processed: usize,
    /// Of those, registered.
    pub completed: usize,
    /// The others by error: code, name, how many.
    pub failed: Vec<(i64, String, usize)>,
}

/// The storage behind the Graph surface: one trait per area, which a store implements each
/// (the server's handlers and the worker need them all, through [`Store`]).
pub trait Store:
    ImportStore
    + RegistrationStore
    + DeviceStore
    + SettingsStore
    + ProfileStore
    + ApplicationStore
    + ThrottleStore
    + DirectoryStore
    + GroupStore
    + UserStore
    + OrganizationStore
    + ManagedDeviceStore
    + EnrollmentConfigurationStore
    + ImportedIdentityStore
    + DeviceCodeStore
    + UsageStore
    + ScenarioStore
    + HealthStore
    + TenantStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: ImportStore
        + RegistrationStore
        + DeviceStore
        + SettingsStore
        + ProfileStore
        + ApplicationStore
        + ThrottleStore
        + DirectoryStore
        + GroupStore
        + UserStore
        + OrganizationStore
        + ManagedDeviceStore
        + EnrollmentConfigurationStore
        + ImportedIdentityStore
        + DeviceCodeStore
        + UsageStore
        + ScenarioStore
        + HealthStore
        + TenantStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

/// Imported identities and their uploads: what clients import and read back while the registration service decides.
#[async_trait::async_trait]
pub trait ImportStore: Send + Sync {
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

    /// A page of imported records; with `upload`, only that upload's.
    async fn list_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ImportedDevice>, StoreError>;

    /// How many imported records there are (in `upload`, when given; matching `filter`).
    async fn count_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        filter: Option<&autopilot_odata::Expr>,
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

    /// A page of uploads.
    async fn list_uploads(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Upload>, StoreError>;

    /// How many uploads there are (matching `filter`).
    async fn count_uploads(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// Deletes an upload and its device records; false when there was none.
    async fn delete_upload(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;
}

/// The registration service's work queue: the records still processing, their rounds, and the wake-ups between processes.
#[async_trait::async_trait]
pub trait RegistrationStore: Send + Sync {
    /// The registration service: decides up to `limit` records (of every tenant) that are still
    /// processing and due by `now`, applying [`crate::registration`], and writes the outcomes,
    /// with the registered devices, in one transaction. Records deleted before this runs are
    /// never registered; a failed round changes nothing and can simply run again.
    /// `shaper` (the scenarios' device rules) may fail a record, or keep it `unknown` longer.
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        shaper: Option<&dyn crate::registration::RecordShaper>,
    ) -> Result<ProcessReport, StoreError>;

    /// When the next processing record falls due (the earliest due time; on PostgreSQL, a
    /// record an earlier version's instance claimed falls due when its claim ends), if any.
    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;

    /// Calls `wake` whenever another process may have made records due (PostgreSQL: an import
    /// through any instance). A store used by one process only does nothing.
    async fn watch_due(
        &self,
        wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) -> Result<(), StoreError> {
        let _ = wake;
        Ok(())
    }
}

/// What loading one device did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    Loaded,
    /// The tenant has a device with this id.
    IdTaken,
    /// The hardware is registered already (in this tenant or another).
    HardwareTaken,
}

/// Registered devices (`windowsAutopilotDeviceIdentity`) and what their actions change.
#[async_trait::async_trait]
pub trait DeviceStore: Send + Sync {
    /// One registered device.
    async fn get_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<AutopilotDevice>, StoreError>;

    /// A page of registered devices.
    async fn list_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<AutopilotDevice>, StoreError>;

    /// How many devices are registered (matching `filter`).
    async fn count_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// Deregisters a device and frees its hardware for a later import; false when there was
    /// none.
    async fn delete_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;

    /// Applies a device action's changes in one transaction; false when there is no such
    /// device. A new group tag or name also renames and re-tags the Entra object and makes the
    /// tenant's dynamic groups due as of `now`, in the same transaction.
    async fn update_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &DevicePatch,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Writes registered devices brought from an export of another tenant (`autopilot-graph
    /// tenant load`), each with its Entra device object, in one transaction; a device whose id
    /// the tenant has, or whose hardware is registered anywhere, is skipped. Says per device
    /// what happened.
    async fn load_devices(
        &self,
        tenant: &TenantId,
        devices: &[AutopilotDevice],
        now: OffsetDateTime,
    ) -> Result<Vec<LoadOutcome>, StoreError>;

    /// `deleteDevices`: deregisters the devices with these serial numbers (case-insensitive),
    /// all in one transaction, and says per serial what happened.
    async fn delete_devices_by_serial(
        &self,
        tenant: &TenantId,
        serials: &[String],
    ) -> Result<Vec<DeletedDevice>, StoreError>;
}

/// A tenant's Autopilot settings and its manual syncs.
#[async_trait::async_trait]
pub trait SettingsStore: Send + Sync {
    /// The tenant's Autopilot settings: its stable id, the stored sync times and the end of the
    /// last completed run before the current one.
    async fn sync_state(
        &self,
        tenant: &TenantId,
    ) -> Result<(Uuid, crate::sync::SyncTimes, Option<OffsetDateTime>), StoreError>;

    /// Decides a sync trigger with [`crate::sync::trigger`] and records a started run, in one
    /// transaction (so two concurrent triggers cannot both start).
    async fn trigger_sync(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
        interval: time::Duration,
        duration: time::Duration,
    ) -> Result<crate::sync::SyncDecision, StoreError>;
}

/// Deployment profiles and their assignments.
#[async_trait::async_trait]
pub trait ProfileStore: Send + Sync {
    /// All deployment profiles of a tenant, oldest first.
    async fn list_profiles(&self, tenant: &TenantId) -> Result<Vec<DeploymentProfile>, StoreError>;

    /// Creates or replaces a deployment profile.
    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &DeploymentProfile,
    ) -> Result<(), StoreError>;

    /// Deletes a profile and its assignments; false when there was none.
    async fn delete_profile(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;

    /// All profile assignments of a tenant, oldest first.
    async fn list_assignments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ProfileAssignment>, StoreError>;

    /// Adds an assignment: the profile must exist, and the id be free in the tenant.
    async fn add_assignment(
        &self,
        tenant: &TenantId,
        assignment: &ProfileAssignment,
    ) -> Result<AddAssignment, StoreError>;

    /// Removes an assignment of a profile; false when there was none.
    async fn delete_assignment(
        &self,
        tenant: &TenantId,
        profile_id: Uuid,
        id: &str,
    ) -> Result<bool, StoreError>;
}

/// What adding a profile assignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAssignment {
    Added,
    NoProfile,
    /// The tenant has an assignment of that id already.
    IdTaken,
}

/// Applications registered for the token endpoint.
#[async_trait::async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Registers an application for the token endpoint.
    async fn add_application(&self, tenant: &TenantId, app: &Application)
    -> Result<(), StoreError>;

    /// A registered application, with its certificates.
    async fn get_application(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
    ) -> Result<Option<Application>, StoreError>;

    /// Registers one more certificate on an application; false when there is no such
    /// application. A certificate it has already is left as it is.
    async fn add_certificate(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
        certificate: &AppCertificate,
    ) -> Result<bool, StoreError>;
}

/// Request counters shared by every instance, for throttling.
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Request counters shared by every instance (throttling): adds one request to each
    /// `(key, limit)` in fixed window `window`, unless any key is at its limit already (then
    /// nothing is counted). `Some(Ok)`: admitted; `Some(Err(key))`: `key` is over its limit;
    /// `None`: this store keeps no shared counters (one process; the server counts in memory).
    async fn count_request(
        &self,
        window: i64,
        keys: &[(String, u32)],
    ) -> Result<Option<Result<(), String>>, StoreError> {
        let _ = (window, keys);
        Ok(None)
    }
}
