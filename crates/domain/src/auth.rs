//! Who is calling, and what they may do.

use std::fmt;

/// A tenant: the `tid` of the caller's token, lower-cased. Tenants never see each other's data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    pub fn new(tid: &str) -> Self {
        TenantId(tid.trim().to_ascii_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Graph permissions this surface knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ServiceConfigRead,
    ServiceConfigReadWrite,
    ConfigurationRead,
    ConfigurationReadWrite,
    DeviceRead,
    DeviceReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
    DirectoryAccessAsUser,
    GroupRead,
    GroupReadWrite,
    GroupCreate,
    GroupMemberRead,
    GroupMemberReadWrite,
    UserReadBasic,
    UserRead,
    UserReadWrite,
    UserReadSelf,
    OrganizationRead,
    OrganizationReadWrite,
    ManagedDevicesRead,
    ManagedDevicesReadWrite,
    ManagedDevicesPrivileged,
}

impl Permission {
    pub const ALL: [Permission; 23] = [
        Permission::ServiceConfigRead,
        Permission::ServiceConfigReadWrite,
        Permission::ConfigurationRead,
        Permission::ConfigurationReadWrite,
        Permission::DeviceRead,
        Permission::DeviceReadWrite,
        Permission::DirectoryRead,
        Permission::DirectoryReadWrite,
        Permission::DirectoryAccessAsUser,
        Permission::GroupRead,
        Permission::GroupReadWrite,
        Permission::GroupCreate,
        Permission::GroupMemberRead,
        Permission::GroupMemberReadWrite,
        Permission::UserReadBasic,
        Permission::UserRead,
        Permission::UserReadWrite,
        Permission::UserReadSelf,
        Permission::OrganizationRead,
        Permission::OrganizationReadWrite,
        Permission::ManagedDevicesRead,
        Permission::ManagedDevicesReadWrite,
        Permission::ManagedDevicesPrivileged,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::ServiceConfigRead => "DeviceManagementServiceConfig.Read.All",
            Permission::ServiceConfigReadWrite => "DeviceManagementServiceConfig.ReadWrite.All",
            Permission::ConfigurationRead => "DeviceManagementConfiguration.Read.All",
            Permission::ConfigurationReadWrite => "DeviceManagementConfiguration.ReadWrite.All",
            Permission::DeviceRead => "Device.Read.All",
            Permission::DeviceReadWrite => "Device.ReadWrite.All",
            Permission::DirectoryRead => "Directory.Read.All",
            Permission::DirectoryReadWrite => "Directory.ReadWrite.All",
            Permission::DirectoryAccessAsUser => "Directory.AccessAsUser.All",
            Permission::GroupRead => "Group.Read.All",
            Permission::GroupReadWrite => "Group.ReadWrite.All",
            Permission::GroupCreate => "Group.Create",
            Permission::GroupMemberRead => "GroupMember.Read.All",
            Permission::GroupMemberReadWrite => "GroupMember.ReadWrite.All",
            Permission::UserReadBasic => "User.ReadBasic.All",
            Permission::UserRead => "User.Read.All",
            Permission::UserReadWrite => "User.ReadWrite.All",
            Permission::UserReadSelf => "User.Read",
            Permission::OrganizationRead => "Organization.Read.All",
            Permission::OrganizationReadWrite => "Organization.ReadWrite.All",
            Permission::ManagedDevicesRead => "DeviceManagementManagedDevices.Read.All",
            Permission::ManagedDevicesReadWrite => "DeviceManagementManagedDevices.ReadWrite.All",
            Permission::ManagedDevicesPrivileged => {
                "DeviceManagementManagedDevices.PrivilegedOperations.All"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Permission::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Access {
    /// The permissions that grant this access, least privileged first.
    pub fn granted_by(self) -> &'static [Permission] {
        match self {
            Access::Read => &[
                Permission::ServiceConfigRead,
                Permission::ServiceConfigReadWrite,
            ],
            Access::Write => &[Permission::ServiceConfigReadWrite],
        }
    }
}

/// The authenticated caller: tenant, application, and its delegated scopes (`scp`) or
/// application roles (`roles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: TenantId,
    pub app_id: String,
    /// Delegated permissions, from `scp`.
    pub scopes: Vec<String>,
    /// Application permissions, from `roles`.
    pub roles: Vec<String>,
}

impl Principal {
    /// Whether any delegated scope or application role grants `access`.
    pub fn allows(&self, access: Access) -> bool {
        self.has_any(access.granted_by())
    }

    /// Whether any delegated scope or application role is one of `permissions`.
    pub fn has_any(&self, permissions: &[Permission]) -> bool {
        self.scopes
            .iter()
            .chain(&self.roles)
            .filter_map(|name| Permission::from_name(name))
            .any(|p| permissions.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(scopes: &[&str], roles: &[&str]) -> Principal {
        Principal {
            tenant: TenantId::new("Contoso"),
            app_id: String::new(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn read_write_grants_both_and_read_only_reads() {
        let rw = principal(&["DeviceManagementServiceConfig.ReadWrite.All"], &[]);
        assert!(rw.allows(Access::Read) && rw.allows(Access::Write));
        let ro = principal(&[], &["DeviceManagementServiceConfig.Read.All"]);
        assert!(ro.allows(Access::Read) && !ro.allows(Access::Write));
        let other = principal(
            &["User.Read", "DeviceManagementConfiguration.ReadWrite.All"],
            &[],
        );
        assert!(!other.allows(Access::Read));
        assert_eq!(rw.tenant.as_str(), "contoso");
    }
}
