//! The store of Enrollment Status Page configurations.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Page, PageRequest, StoreError};
use crate::TenantId;
use crate::enrollment::{EnrollmentChange, EnrollmentConfiguration, EnrollmentRefusal};

/// A tenant's Enrollment Status Page configurations, its default among them.
#[async_trait::async_trait]
pub trait EnrollmentConfigurationStore: Send + Sync {
    /// Writes the tenant's default if it has none yet (the first look at the collection).
    async fn ensure_default_enrollment(
        &self,
        tenant: &TenantId,
        default: &EnrollmentConfiguration,
    ) -> Result<(), StoreError>;

    async fn list_enrollment_configurations(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<EnrollmentConfiguration>, StoreError>;

    async fn count_enrollment_configurations(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    async fn get_enrollment_configuration(
        &self,
        tenant: &TenantId,
        guid: Uuid,
    ) -> Result<Option<EnrollmentConfiguration>, StoreError>;

    /// Runs [`crate::enrollment::apply`] on all of the tenant's configurations in one
    /// transaction, under a lock that orders it with every other change of the tenant's
    /// configurations; writes what it changed.
    async fn change_enrollment_configurations(
        &self,
        tenant: &TenantId,
        default: &EnrollmentConfiguration,
        change: EnrollmentChange,
        now: OffsetDateTime,
    ) -> Result<Result<Option<EnrollmentConfiguration>, EnrollmentRefusal>, StoreError>;
}
