//! The domain of autopilot-graph: what an imported Autopilot device and an upload are, who may
//! do what, and the [`Store`] that keeps them. Pure types and rules: no HTTP, no SQL, no I/O.
//!
//! Every store method takes the tenant first; tenants never see each other's data.

mod auth;
mod clock;
mod model;
mod store;

pub use auth::{Access, Permission, Principal, TenantId};
pub use clock::{Clock, ManualClock, SystemClock};
pub use model::{
    ImportState, ImportStatus, ImportedDevice, NewImportedDevice, Upload, UploadStatus,
};
pub use store::{ImportBatch, Page, PageRequest, Store, StoreError, UploadTarget};
