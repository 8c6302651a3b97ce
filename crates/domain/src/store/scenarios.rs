//! The store of scenarios put at run time (the management API), per tenant.

use time::OffsetDateTime;

use super::StoreError;

/// A scenario document kept for a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredScenario {
    /// The tenant's GUID.
    pub tenant: String,
    /// The scenario's name (from its document).
    pub name: String,
    /// The document as it was put.
    pub document: String,
    pub updated_at: OffsetDateTime,
}

/// Scenarios put at run time, shared by every instance of the server.
#[async_trait::async_trait]
pub trait ScenarioStore: Send + Sync {
    /// Puts (creates or replaces) a tenant's scenario; true when it was new.
    async fn put_scenario(&self, scenario: &StoredScenario) -> Result<bool, StoreError>;

    /// Every scenario of every tenant, oldest first within a tenant (the order rules are
    /// looked at).
    async fn all_scenarios(&self) -> Result<Vec<StoredScenario>, StoreError>;

    /// Removes a tenant's scenario; false when there was none.
    async fn delete_scenario(&self, tenant: &str, name: &str) -> Result<bool, StoreError>;

    /// Removes all of a tenant's scenarios; how many there were.
    async fn reset_scenarios(&self, tenant: &str) -> Result<u64, StoreError>;
}
