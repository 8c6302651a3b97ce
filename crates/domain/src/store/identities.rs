//! The store of corporate device identifiers.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Page, PageRequest, StoreError};
use crate::TenantId;
use crate::identities::{IdentityType, ImportResult, ImportedIdentity};

/// A tenant's corporate device identifiers, unique by type and identifier.
#[async_trait::async_trait]
pub trait ImportedIdentityStore: Send + Sync {
    /// Imports identifiers (already normalized) in one transaction: a new one is written; one
    /// the tenant has is replaced when `overwrite`, else kept. Results in the order given.
    async fn import_identities(
        &self,
        tenant: &TenantId,
        identities: &[ImportedIdentity],
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<ImportResult>, StoreError>;

    /// The identifiers the tenant has among `keys` (normalized), each once.
    async fn search_identities(
        &self,
        tenant: &TenantId,
        keys: &[(IdentityType, String)],
    ) -> Result<Vec<ImportedIdentity>, StoreError>;

    async fn list_identities(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ImportedIdentity>, StoreError>;

    async fn count_identities(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    async fn get_identity(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<ImportedIdentity>, StoreError>;

    /// False when there was none.
    async fn delete_identity(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;
}
