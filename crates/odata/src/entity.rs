//! Per-entity field tables: which properties a query may name, their types, and what may be
//! done with them.

/// The type of a property, as queries see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    /// An enum, with its members as the wire writes them.
    Enum(&'static [&'static str]),
    Int32,
    Bool,
    DateTime,
    /// A complex value: selectable as a whole, not comparable.
    Complex,
    /// `Edm.Binary`, base64 on the wire: selectable, not comparable.
    Binary,
    /// A collection of strings: filtered through `any(...)` and `all(...)`.
    StringCollection,
    /// A collection of complex values (an organization's `verifiedDomains`): selectable, written
    /// whole, not comparable.
    ComplexCollection,
}

/// One property, described once: the query checker, the store's lowering and the wire shapes
/// are all read from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name as it appears in queries and on the wire; nested properties with `/`.
    pub name: &'static str,
    pub ty: FieldType,
    pub filterable: bool,
    pub sortable: bool,
    /// The storage column that holds it, for the properties queries may name (the store
    /// qualifies it by its table's alias).
    pub column: Option<&'static str>,
    /// Served by beta only; v1.0's property set is the rest, in the same order.
    pub beta_only: bool,
}

impl Field {
    /// A property queries may filter and sort by, held in `column`.
    const fn new(name: &'static str, ty: FieldType, column: &'static str) -> Self {
        Field {
            name,
            ty,
            filterable: true,
            sortable: true,
            column: Some(column),
            beta_only: false,
        }
    }

    /// A property that may be selected but neither filtered nor sorted by.
    const fn opaque(name: &'static str, ty: FieldType) -> Self {
        Field {
            name,
            ty,
            filterable: false,
            sortable: false,
            column: None,
            beta_only: false,
        }
    }

    /// A property queries may filter by but not sort by (nullable, or a collection).
    const fn filtered(name: &'static str, ty: FieldType, column: &'static str) -> Self {
        Field {
            sortable: false,
            ..Field::new(name, ty, column)
        }
    }

    const fn beta(self) -> Self {
        Field {
            beta_only: true,
            ..self
        }
    }

    /// Whether the property sits at the top of the entity (not inside a complex value).
    pub fn is_top_level(&self) -> bool {
        !self.name.contains('/')
    }
}

/// An entity type as queries see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityType {
    /// The Graph type name, for messages.
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Navigation properties `$expand` accepts.
    pub expand: &'static [&'static str],
    /// Whether `$search` is served (directory objects; with `ConsistencyLevel: eventual`).
    pub searchable: bool,
}

impl EntityType {
    /// Finds a field by name (case-insensitively, as Graph matches them).
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The members of a complex property, in order (`state` gives `state/deviceImportStatus`, ...).
    pub fn members_of<'a>(&self, complex: &'a str) -> impl Iterator<Item = &'static Field> + 'a {
        self.fields.iter().filter(move |f| {
            f.name
                .strip_prefix(complex)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// `importedWindowsAutopilotDeviceIdentityImportStatus`.
pub const IMPORT_STATUS: &[&str] = &["unknown", "pending", "partial", "complete", "error"];
/// `importedWindowsAutopilotDeviceIdentityUploadStatus`.
pub const UPLOAD_STATUS: &[&str] = &["noUpload", "pending", "complete", "error"];
/// `enrollmentState` (beta adds `blocked`).
pub const ENROLLMENT_STATE: &[&str] = &[
    "unknown",
    "enrolled",
    "pendingReset",
    "failed",
    "notContacted",
    "blocked",
];

use FieldType::{Binary, Complex, DateTime, Enum, Int32, String as Str, StringCollection};

/// `importedWindowsAutopilotDeviceIdentity`, in Graph's documented member order.
pub const IMPORTED_DEVICE: EntityType = EntityType {
    name: "importedWindowsAutopilotDeviceIdentity",
    fields: &[
        Field::new("id", Str, "id"),
        Field::new("groupTag", Str, "group_tag"),
        Field::new("serialNumber", Str, "serial_number"),
        Field::new("productKey", Str, "product_key"),
        Field::new("importId", Str, "import_id"),
        Field::opaque("hardwareIdentifier", Binary),
        Field::opaque("state", Complex),
        Field::new("state/deviceImportStatus", Enum(IMPORT_STATUS), "status"),
        Field::new("state/deviceRegistrationId", Str, "registration_id"),
        Field::new("state/deviceErrorCode", Int32, "error_code"),
        Field::new("state/deviceErrorName", Str, "error_name"),
        Field::new("assignedUserPrincipalName", Str, "assigned_user"),
    ],
    expand: &[],
    searchable: false,
};

/// `importedWindowsAutopilotDeviceIdentityUpload`.
pub const UPLOAD: EntityType = EntityType {
    name: "importedWindowsAutopilotDeviceIdentityUpload",
    fields: &[
        Field::new("id", Str, "id"),
        Field::new("createdDateTimeUtc", DateTime, "created_at"),
        Field::new("status", Enum(UPLOAD_STATUS), "status"),
    ],
    expand: &["deviceIdentities"],
    searchable: false,
};

/// `windowsAutopilotDeviceIdentity`: the beta property set in beta's documented order; v1.0's
/// is the same without the beta-only ones.
pub const AUTOPILOT_DEVICE: EntityType = EntityType {
    name: "windowsAutopilotDeviceIdentity",
    fields: &[
        Field::new("id", Str, "id"),
        Field::opaque("deploymentProfileAssignmentStatus", Str).beta(),
        Field::opaque("deploymentProfileAssignmentDetailedStatus", Str).beta(),
        Field::opaque("deploymentProfileAssignedDateTime", DateTime).beta(),
        Field::new("groupTag", Str, "group_tag"),
        Field::new("purchaseOrderIdentifier", Str, "purchase_order_identifier"),
        Field::new("serialNumber", Str, "serial_number"),
        Field::new("productKey", Str, "product_key"),
        Field::new("manufacturer", Str, "manufacturer"),
        Field::new("model", Str, "model"),
        Field::new(
            "enrollmentState",
            Enum(ENROLLMENT_STATE),
            "enrollment_state",
        ),
        Field::new("lastContactedDateTime", DateTime, "last_contacted_at"),
        Field::new("addressableUserName", Str, "addressable_user_name"),
        Field::new("userPrincipalName", Str, "user_principal_name"),
        Field::new("resourceName", Str, "resource_name"),
        Field::new("skuNumber", Str, "sku_number"),
        Field::new("systemFamily", Str, "system_family"),
        Field::new("azureActiveDirectoryDeviceId", Str, "azure_ad_device_id"),
        Field::new("azureAdDeviceId", Str, "azure_ad_device_id").beta(),
        Field::new("managedDeviceId", Str, "managed_device_id"),
        Field::new("displayName", Str, "display_name"),
        Field::new("deviceAccountUpn", Str, "device_account_upn").beta(),
        Field::opaque("deviceAccountPassword", Str).beta(),
        Field::new("deviceFriendlyName", Str, "device_friendly_name").beta(),
        Field::opaque("remediationState", Str).beta(),
        Field::opaque("remediationStateLastModifiedDateTime", DateTime).beta(),
        Field::opaque("userlessEnrollmentStatus", Str).beta(),
    ],
    expand: &["deploymentProfile", "intendedDeploymentProfile"],
    searchable: false,
};

/// `device`: an Entra ID device object, in the member order Graph writes it. Unset values are
/// `null` here, not `""`.
pub const DIRECTORY_DEVICE: EntityType = EntityType {
    name: "device",
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::opaque("deletedDateTime", DateTime),
        Field::filtered("accountEnabled", FieldType::Bool, "account_enabled"),
        Field::opaque("approximateLastSignInDateTime", DateTime),
        Field::opaque("complianceExpirationDateTime", DateTime),
        Field::opaque("createdDateTime", DateTime),
        Field::opaque("deviceCategory", Str),
        Field::filtered("deviceId", Str, "device_id"),
        Field::opaque("deviceMetadata", Str),
        Field::opaque("deviceOwnership", Str),
        Field::opaque("deviceVersion", Int32),
        Field::new("displayName", Str, "display_name"),
        Field::opaque("enrollmentProfileName", Str),
        Field::opaque("enrollmentType", Str),
        Field::opaque("isCompliant", FieldType::Bool),
        Field::opaque("isManaged", FieldType::Bool),
        Field::opaque("isRooted", FieldType::Bool),
        Field::opaque("managementType", Str),
        Field::opaque("manufacturer", Str),
        Field::opaque("mdmAppId", Str),
        Field::opaque("model", Str),
        Field::opaque("onPremisesLastSyncDateTime", DateTime),
        Field::opaque("onPremisesSyncEnabled", FieldType::Bool),
        Field::filtered("operatingSystem", Str, "operating_system"),
        Field::filtered("operatingSystemVersion", Str, "operating_system_version"),
        Field::filtered("physicalIds", StringCollection, "value"),
        Field::opaque("profileType", Str),
        Field::opaque("registrationDateTime", DateTime),
        Field::opaque("systemLabels", StringCollection),
        Field::filtered("trustType", Str, "trust_type"),
        Field::opaque("extensionAttributes", Complex),
        Field::opaque("extensionAttributes/extensionAttribute1", Str),
        Field::opaque("extensionAttributes/extensionAttribute2", Str),
        Field::opaque("extensionAttributes/extensionAttribute3", Str),
        Field::opaque("extensionAttributes/extensionAttribute4", Str),
        Field::opaque("extensionAttributes/extensionAttribute5", Str),
        Field::opaque("extensionAttributes/extensionAttribute6", Str),
        Field::opaque("extensionAttributes/extensionAttribute7", Str),
        Field::opaque("extensionAttributes/extensionAttribute8", Str),
        Field::opaque("extensionAttributes/extensionAttribute9", Str),
        Field::opaque("extensionAttributes/extensionAttribute10", Str),
        Field::opaque("extensionAttributes/extensionAttribute11", Str),
        Field::opaque("extensionAttributes/extensionAttribute12", Str),
        Field::opaque("extensionAttributes/extensionAttribute13", Str),
        Field::opaque("extensionAttributes/extensionAttribute14", Str),
        Field::opaque("extensionAttributes/extensionAttribute15", Str),
    ],
    expand: &[],
    searchable: true,
};

/// `group`: an Entra ID group, in the member order Graph writes it (unset values `null`).
pub const GROUP: EntityType = EntityType {
    name: "group",
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::opaque("deletedDateTime", DateTime),
        Field::opaque("classification", Str),
        Field::opaque("createdDateTime", DateTime),
        Field::opaque("creationOptions", StringCollection),
        Field::filtered("description", Str, "description"),
        Field::new("displayName", Str, "display_name"),
        Field::opaque("expirationDateTime", DateTime),
        Field::filtered("groupTypes", StringCollection, "value"),
        Field::opaque("isAssignableToRole", FieldType::Bool),
        Field::opaque("mail", Str),
        Field::filtered("mailEnabled", FieldType::Bool, "mail_enabled"),
        Field::filtered("mailNickname", Str, "mail_nickname"),
        Field::filtered("membershipRule", Str, "membership_rule"),
        Field::filtered("membershipRuleProcessingState", Str, "processing_state"),
        Field::opaque("onPremisesLastSyncDateTime", DateTime),
        Field::opaque("onPremisesSecurityIdentifier", Str),
        Field::opaque("onPremisesSyncEnabled", FieldType::Bool),
        Field::opaque("preferredDataLocation", Str),
        Field::opaque("preferredLanguage", Str),
        Field::opaque("proxyAddresses", StringCollection),
        Field::opaque("renewedDateTime", DateTime),
        Field::opaque("resourceBehaviorOptions", StringCollection),
        Field::opaque("resourceProvisioningOptions", StringCollection),
        Field::filtered("securityEnabled", FieldType::Bool, "security_enabled"),
        Field::opaque("securityIdentifier", Str),
        Field::opaque("theme", Str),
        Field::opaque("visibility", Str),
        Field::opaque("membershipRuleProcessingStatus", Complex).beta(),
        Field::opaque("membershipRuleProcessingStatus/status", Str).beta(),
        Field::opaque(
            "membershipRuleProcessingStatus/lastMembershipUpdated",
            DateTime,
        )
        .beta(),
        Field::opaque("membershipRuleProcessingStatus/errorMessage", Str).beta(),
    ],
    expand: &[],
    searchable: true,
};

/// `user`: an Entra ID user, with v1.0's default properties in the order Graph writes them
/// (`id` last); beta adds the account's state, creation time, nickname and type.
pub const USER: EntityType = EntityType {
    name: "user",
    fields: &[
        Field::opaque("businessPhones", StringCollection),
        Field::new("displayName", Str, "display_name"),
        Field::filtered("givenName", Str, "given_name"),
        Field::filtered("jobTitle", Str, "job_title"),
        Field::filtered("mail", Str, "mail"),
        Field::opaque("mobilePhone", Str),
        Field::opaque("officeLocation", Str),
        Field::opaque("preferredLanguage", Str),
        Field::filtered("surname", Str, "surname"),
        Field::new("userPrincipalName", Str, "user_principal_name"),
        Field::filtered("id", Str, "id"),
        Field::filtered("accountEnabled", FieldType::Bool, "account_enabled").beta(),
        Field::opaque("createdDateTime", DateTime).beta(),
        Field::filtered("mailNickname", Str, "mail_nickname").beta(),
        Field::opaque("userType", Str).beta(),
    ],
    expand: &[],
    searchable: true,
};

/// `managedDevice`: an Intune managed device, v1.0's properties in Graph's order (the two
/// complex reports, `configurationManagerClientEnabledFeatures` and
/// `deviceHealthAttestationState`, are not served).
pub const MANAGED_DEVICE: EntityType = EntityType {
    name: "managedDevice",
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::opaque("userId", Str),
        Field::new("deviceName", Str, "device_name"),
        Field::opaque("managedDeviceOwnerType", Str),
        Field::new("enrolledDateTime", DateTime, "enrolled_at"),
        Field::new("lastSyncDateTime", DateTime, "last_sync_at"),
        Field::filtered("operatingSystem", Str, "operating_system"),
        Field::opaque("complianceState", Str),
        Field::opaque("jailBroken", Str),
        Field::opaque("managementAgent", Str),
        Field::filtered("osVersion", Str, "os_version"),
        Field::opaque("easActivated", FieldType::Bool),
        Field::opaque("easDeviceId", Str),
        Field::opaque("easActivationDateTime", DateTime),
        Field::opaque("azureADRegistered", FieldType::Bool),
        Field::opaque("deviceEnrollmentType", Str),
        Field::opaque("activationLockBypassCode", Str),
        Field::opaque("emailAddress", Str),
        Field::filtered("azureADDeviceId", Str, "azure_ad_device_id"),
        Field::opaque("deviceRegistrationState", Str),
        Field::opaque("deviceCategoryDisplayName", Str),
        Field::opaque("isSupervised", FieldType::Bool),
        Field::opaque("exchangeLastSuccessfulSyncDateTime", DateTime),
        Field::opaque("exchangeAccessState", Str),
        Field::opaque("exchangeAccessStateReason", Str),
        Field::opaque("remoteAssistanceSessionUrl", Str),
        Field::opaque("remoteAssistanceSessionErrorDetails", Str),
        Field::opaque("isEncrypted", FieldType::Bool),
        Field::filtered("userPrincipalName", Str, "user_principal_name"),
        Field::filtered("model", Str, "model"),
        Field::filtered("manufacturer", Str, "manufacturer"),
        Field::opaque("imei", Str),
        Field::opaque("complianceGracePeriodExpirationDateTime", DateTime),
        Field::new("serialNumber", Str, "serial_number"),
        Field::opaque("phoneNumber", Str),
        Field::opaque("androidSecurityPatchLevel", Str),
        Field::opaque("userDisplayName", Str),
        Field::opaque("wiFiMacAddress", Str),
        Field::opaque("subscriberCarrier", Str),
        Field::opaque("meid", Str),
        Field::opaque("totalStorageSpaceInBytes", Int32),
        Field::opaque("freeStorageSpaceInBytes", Int32),
        Field::opaque("managedDeviceName", Str),
        Field::opaque("partnerReportedThreatState", Str),
        Field::opaque("deviceActionResults", FieldType::ComplexCollection),
    ],
    expand: &[],
    searchable: false,
};

/// `deviceEnrollmentConfigurationType` (beta).
pub const ENROLLMENT_CONFIGURATION_TYPE: &[&str] = &[
    "unknown",
    "limit",
    "platformRestrictions",
    "windowsHelloForBusiness",
    "defaultLimit",
    "defaultPlatformRestrictions",
    "defaultWindowsHelloForBusiness",
    "defaultWindows10EnrollmentCompletionPageConfiguration",
    "windows10EnrollmentCompletionPageConfiguration",
    "deviceComanagementAuthorityConfiguration",
    "singlePlatformRestriction",
    "unknownFutureValue",
    "enrollmentNotificationsConfiguration",
    "windowsRestore",
];

/// `windows10EnrollmentCompletionPageConfiguration` (beta), the one kind of
/// `deviceEnrollmentConfiguration` served: the base type's properties, then the page's, in
/// Graph's order.
pub const ENROLLMENT_CONFIGURATION: EntityType = EntityType {
    name: "windows10EnrollmentCompletionPageConfiguration",
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::new("displayName", Str, "display_name"),
        Field::new("description", Str, "description"),
        Field::new("priority", Int32, "priority"),
        Field::filtered("createdDateTime", DateTime, "created_at"),
        Field::new("lastModifiedDateTime", DateTime, "modified_at"),
        Field::new("version", Int32, "version"),
        Field::opaque("roleScopeTagIds", StringCollection),
        Field::filtered(
            "deviceEnrollmentConfigurationType",
            Enum(ENROLLMENT_CONFIGURATION_TYPE),
            "configuration_type",
        ),
        Field::opaque("showInstallationProgress", FieldType::Bool),
        Field::opaque("blockDeviceSetupRetryByUser", FieldType::Bool),
        Field::opaque("allowDeviceResetOnInstallFailure", FieldType::Bool),
        Field::opaque("allowLogCollectionOnInstallFailure", FieldType::Bool),
        Field::opaque("customErrorMessage", Str),
        Field::opaque("installProgressTimeoutInMinutes", Int32),
        Field::opaque("allowDeviceUseOnInstallFailure", FieldType::Bool),
        Field::opaque("selectedMobileAppIds", StringCollection),
        Field::opaque("allowNonBlockingAppInstallation", FieldType::Bool),
        Field::opaque("installQualityUpdates", FieldType::Bool),
        Field::opaque("trackInstallProgressForAutopilotOnly", FieldType::Bool),
        Field::opaque("disableUserStatusTrackingAfterFirstUser", FieldType::Bool),
    ],
    expand: &["assignments"],
    searchable: false,
};

/// `importedDeviceIdentityType`.
pub const IDENTITY_TYPE: &[&str] = &["unknown", "imei", "serialNumber", "manufacturerModelSerial"];
/// `platform` (beta).
pub const PLATFORM: &[&str] = &[
    "unknown",
    "ios",
    "android",
    "windows",
    "windowsMobile",
    "macOS",
    "visionOS",
    "tvOS",
    "unknownFutureValue",
];

/// `importedDeviceIdentity` (beta): a corporate device identifier, in Graph's order.
pub const IMPORTED_IDENTITY: EntityType = EntityType {
    name: "importedDeviceIdentity",
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::new("importedDeviceIdentifier", Str, "identifier"),
        Field::new(
            "importedDeviceIdentityType",
            Enum(IDENTITY_TYPE),
            "identity_type",
        ),
        Field::new("lastModifiedDateTime", DateTime, "modified_at"),
        Field::new("createdDateTime", DateTime, "created_at"),
        Field::filtered("lastContactedDateTime", DateTime, "last_contacted_at"),
        Field::new("description", Str, "description"),
        Field::new(
            "enrollmentState",
            Enum(ENROLLMENT_STATE),
            "enrollment_state",
        ),
        Field::new("platform", Enum(PLATFORM), "platform"),
    ],
    expand: &[],
    searchable: false,
};

/// `organization`: a tenant's organization, the properties Graph writes by default that a
/// tenant here has (`id` is the tenant id).
pub const ORGANIZATION: EntityType = EntityType {
    name: "organization",
    fields: &[
        Field::filtered("id", Str, "tenant"),
        Field::opaque("deletedDateTime", DateTime),
        Field::opaque("businessPhones", StringCollection),
        Field::opaque("city", Str),
        Field::opaque("country", Str),
        Field::opaque("countryLetterCode", Str),
        Field::opaque("createdDateTime", DateTime),
        Field::opaque("defaultUsageLocation", Str),
        Field::opaque("displayName", Str),
        Field::opaque("marketingNotificationEmails", StringCollection),
        Field::opaque("onPremisesLastSyncDateTime", DateTime),
        Field::opaque("onPremisesSyncEnabled", FieldType::Bool),
        Field::opaque("postalCode", Str),
        Field::opaque("preferredLanguage", Str),
        Field::opaque("securityComplianceNotificationMails", StringCollection),
        Field::opaque("securityComplianceNotificationPhones", StringCollection),
        Field::opaque("state", Str),
        Field::opaque("street", Str),
        Field::opaque("technicalNotificationMails", StringCollection),
        Field::opaque("tenantType", Str),
        Field::opaque("verifiedDomains", FieldType::ComplexCollection),
    ],
    expand: &[],
    searchable: false,
};

/// The item of a string collection inside `any(...)` and `all(...)`: its one property is the
/// item itself, held in the collection table's `value` column.
pub const STRING_ITEM: EntityType = EntityType {
    name: "Edm.String",
    fields: &[Field::filtered("$it", Str, "value")],
    expand: &[],
    searchable: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [EntityType; 11] = [
        IMPORTED_DEVICE,
        UPLOAD,
        AUTOPILOT_DEVICE,
        DIRECTORY_DEVICE,
        GROUP,
        USER,
        ORGANIZATION,
        MANAGED_DEVICE,
        ENROLLMENT_CONFIGURATION,
        IMPORTED_IDENTITY,
        STRING_ITEM,
    ];

    #[test]
    fn queryable_properties_name_their_column() {
        for e in ALL {
            for f in e.fields {
                assert_eq!(
                    f.filterable || f.sortable,
                    f.column.is_some(),
                    "{}.{}",
                    e.name,
                    f.name
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_members_follow_their_complex_property() {
        for e in ALL {
            for (i, f) in e.fields.iter().enumerate() {
                assert_eq!(e.field(f.name), Some(f), "{}.{} twice", e.name, f.name);
                if let Some((parent, _)) = f.name.split_once('/') {
                    let p = e.fields[..i].iter().position(|g| g.name == parent);
                    assert!(p.is_some(), "{}.{} before its parent", e.name, f.name);
                    assert_eq!(e.field(parent).map(|g| g.ty), Some(Complex));
                }
            }
        }
        let state: Vec<_> = IMPORTED_DEVICE
            .members_of("state")
            .map(|f| f.name)
            .collect();
        assert_eq!(state.len(), 4);
        assert_eq!(AUTOPILOT_DEVICE.members_of("id").count(), 0);
    }
}
