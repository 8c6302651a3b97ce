//! The store of Intune managed devices.

use uuid::Uuid;

use super::{Page, PageRequest, StoreError};
use crate::TenantId;
use crate::managed::{ManagedDevice, Wipe};

/// Intune managed devices of a tenant.
#[async_trait::async_trait]
pub trait ManagedDeviceStore: Send + Sync {
    /// Creates or replaces a managed device (the device side's enrollment).
    async fn put_managed_device(
        &self,
        tenant: &TenantId,
        device: &ManagedDevice,
    ) -> Result<(), StoreError>;

    async fn get_managed_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<ManagedDevice>, StoreError>;

    async fn list_managed_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ManagedDevice>, StoreError>;

    async fn count_managed_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// Removes a managed device from Intune; false when there was none.
    async fn delete_managed_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;

    /// Records a wipe request; false when there is no such device.
    async fn wipe_managed_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
        wipe: &Wipe,
    ) -> Result<bool, StoreError>;
}
