//! The store of permission usage.

use super::StoreError;
use crate::usage::Usage;

/// Counts of calls by application, day, operation and permissions, added up across
/// instances.
#[async_trait::async_trait]
pub trait UsageStore: Send + Sync {
    /// Adds counts (a row that exists gets the calls added, its first and last times widened).
    async fn add_usage(&self, usage: &[Usage]) -> Result<(), StoreError>;

    /// An application's rows from `since_day` on (days since 1970-01-01).
    async fn usage_of(
        &self,
        tenant: &str,
        app_id: &str,
        since_day: i64,
    ) -> Result<Vec<Usage>, StoreError>;

    /// The applications with rows from `since_day` on, as `(tenant, app id)`.
    async fn usage_apps(&self, since_day: i64) -> Result<Vec<(String, String)>, StoreError>;
}
