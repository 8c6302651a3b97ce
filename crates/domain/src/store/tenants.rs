//! The tenants a store holds, as the admin console lists them.

use time::OffsetDateTime;

use super::StoreError;
use crate::sync::SyncTimes;

/// One tenant at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    /// The tenant's GUID.
    pub tenant: String,
    /// Its organization's display name, when one was set.
    pub name: Option<String>,
    /// Registered Autopilot devices.
    pub devices: u64,
    /// Imported records still processing.
    pub processing: u64,
    /// Imported records that ended in an error.
    pub failed: u64,
    /// The manual sync's times.
    pub sync: SyncTimes,
    pub previous_sync: Option<OffsetDateTime>,
}

/// The tenants of the store.
#[async_trait::async_trait]
pub trait TenantStore: Send + Sync {
    /// Every tenant with devices, imports, an organization or settings, by GUID, at most
    /// `limit`.
    async fn tenant_summaries(&self, limit: u32) -> Result<Vec<TenantSummary>, StoreError>;
}
