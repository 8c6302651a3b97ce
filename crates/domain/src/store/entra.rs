//! The Entra ID side of the store: device objects, groups and their members, users.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Page, PageRequest, StoreError};
use crate::TenantId;
use crate::directory::DirectoryDevice;
use crate::groups::{Group, GroupPatch, MemberKind};
use crate::organization::Organization;
use crate::users::{User, UserKey, UserPatch};

/// How a request names an Entra device object: by its object id, or by its `deviceId`
/// (`/devices(deviceId='...')`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryKey {
    Id(Uuid),
    DeviceId(String),
}

/// Entra ID device objects. The registration service creates them (in its round's
/// transaction); device actions and deregistration keep them in step.
#[async_trait::async_trait]
pub trait DirectoryStore: Send + Sync {
    /// A page of device objects.
    async fn list_directory_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<DirectoryDevice>, StoreError>;

    /// How many device objects there are (matching `filter`).
    async fn count_directory_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// One device object.
    async fn get_directory_device(
        &self,
        tenant: &TenantId,
        key: &DirectoryKey,
    ) -> Result<Option<DirectoryDevice>, StoreError>;

    /// Deletes a device object (the Autopilot registration stays, as in Entra); false when
    /// there was none.
    async fn delete_directory_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<bool, StoreError>;
}

/// What adding a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    Added,
    AlreadyMember,
    NoGroup,
    NoMember,
}

/// What creating or changing a group did; anything but `Done` wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupWrite {
    Done,
    NoGroup,
    /// A member to add is not a device object of the tenant.
    NoMember(Uuid),
}

/// Entra ID groups and their members. Changes of a dynamic group, and of the devices its rule
/// reads, make it due; [`GroupStore::process_memberships`] brings due groups' members in line.
#[async_trait::async_trait]
pub trait GroupStore: Send + Sync {
    /// Creates a group (a dynamic one due at once, as of `group.created_at`) with `members`
    /// (device objects of the tenant), all or nothing.
    async fn create_group(
        &self,
        tenant: &TenantId,
        group: &Group,
        members: &[Uuid],
    ) -> Result<GroupWrite, StoreError>;

    async fn get_group(&self, tenant: &TenantId, id: Uuid) -> Result<Option<Group>, StoreError>;

    async fn list_groups(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Group>, StoreError>;

    async fn count_groups(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// Changes a group and adds `members` (device objects of the tenant), all or nothing; a
    /// changed rule or state makes it due as of `now`.
    async fn update_group(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &GroupPatch,
        now: OffsetDateTime,
        members: &[Uuid],
    ) -> Result<GroupWrite, StoreError>;

    /// Deletes a group and its memberships.
    async fn delete_group(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;

    /// Adds a member by hand (`members/$ref`).
    async fn add_member(
        &self,
        tenant: &TenantId,
        group: Uuid,
        member: Uuid,
        kind: MemberKind,
        now: OffsetDateTime,
    ) -> Result<AddMember, StoreError>;

    /// Removes a member; false when it was none.
    async fn remove_member(
        &self,
        tenant: &TenantId,
        group: Uuid,
        member: Uuid,
    ) -> Result<bool, StoreError>;

    /// A page of a group's device members.
    async fn list_member_devices(
        &self,
        tenant: &TenantId,
        group: Uuid,
        page: PageRequest,
    ) -> Result<Page<DirectoryDevice>, StoreError>;

    /// How many device members a group has (matching `filter`).
    async fn count_member_devices(
        &self,
        tenant: &TenantId,
        group: Uuid,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// The groups a directory object is a direct member of.
    async fn member_of(&self, tenant: &TenantId, member: Uuid) -> Result<Vec<Group>, StoreError>;

    /// For Autopilot devices: the groups their Entra objects are members of, with the time each
    /// joined: `(autopilot id, group id, joined at)`.
    async fn groups_of_autopilot_devices(
        &self,
        tenant: &TenantId,
        autopilot_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Uuid, OffsetDateTime)>, StoreError>;

    /// Marks the tenant's dynamic groups due as of `now` (a device they may select changed).
    async fn devices_changed(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Evaluates up to `limit` dynamic groups (processing `On`) whose earliest unprocessed
    /// change is at least `delay` old, writing the members they gain and lose; how many.
    async fn process_memberships(
        &self,
        now: OffsetDateTime,
        delay: time::Duration,
        limit: u32,
    ) -> Result<usize, StoreError>;

    /// The earliest unprocessed change of any dynamic group (due `delay` after it).
    async fn next_membership_change(&self) -> Result<Option<OffsetDateTime>, StoreError>;
}

/// Entra ID users of a tenant. A user principal name is unique in its tenant (compared
/// without regard to case).
#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; false when the user principal name is taken.
    async fn create_user(&self, tenant: &TenantId, user: &User) -> Result<bool, StoreError>;

    /// A user by id or by user principal name.
    async fn get_user(&self, tenant: &TenantId, key: &UserKey) -> Result<Option<User>, StoreError>;

    async fn list_users(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError>;

    async fn count_users(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError>;

    /// Changes a user; false when there is none.
    async fn update_user(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &UserPatch,
    ) -> Result<bool, StoreError>;

    /// Deletes a user and its group memberships; false when there was none.
    async fn delete_user(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError>;
}

/// A tenant's organization; a tenant nobody set up has none stored.
#[async_trait::async_trait]
pub trait OrganizationStore: Send + Sync {
    async fn get_organization(&self, tenant: &TenantId)
    -> Result<Option<Organization>, StoreError>;

    /// Creates or replaces the tenant's organization.
    async fn put_organization(
        &self,
        tenant: &TenantId,
        organization: &Organization,
    ) -> Result<(), StoreError>;
}
