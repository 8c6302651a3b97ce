//! The domain of autopilot-graph: what an imported Autopilot device, an upload and a registered
//! device are, who may do what, the registration rules ([`registration`]), and the [`Store`]
//! that keeps them. Pure types and rules: no HTTP, no SQL, no I/O.
//!
//! Every store method takes the tenant first; tenants never see each other's data.

mod auth;
mod clock;
pub mod delay;
pub mod device_code;
pub mod directory;
pub mod enrollment;
pub mod groups;
pub mod identities;
pub mod managed;
mod model;
pub mod organization;
pub mod profiles;
pub mod registration;
mod store;
pub mod sync;
pub mod usage;
pub mod users;

pub use auth::{Access, Permission, Principal, TenantId};
pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::DirectoryDevice;
pub use groups::{Group, GroupPatch, MemberKind, Membership};
pub use model::{
    AppCertificate, Application, AutopilotDevice, DeletedDevice, DeploymentProfile, DevicePatch,
    EnrollmentState, ImportState, ImportStatus, ImportedDevice, NO_MANAGED_DEVICE,
    NewImportedDevice, ProfileAssignment, Upload, UploadStatus, UserlessEnrollmentStatus,
};
pub use store::{
    AddAssignment, AddMember, ApplicationStore, CodeDecision, Cursor, DeviceCodeStore, DeviceStore,
    DirectoryKey, DirectoryStore, EnrollmentConfigurationStore, GroupStore, GroupWrite,
    HealthStore, ImportBatch, ImportStore, ImportedIdentityStore, LoadOutcome, ManagedDeviceStore,
    OrganizationStore, Page, PageRequest, PoolStats, ProcessReport, ProfileStore, PutCode,
    QueueStats, RegistrationStore, ScenarioStore, SchemaState, SettingsStore, SortValue, Store,
    StoreError, StoredScenario, TenantStore, TenantSummary, ThrottleStore, UploadTarget,
    UsageStore, UserStore,
};
pub use users::{NewUser, User, UserKey, UserPatch};
