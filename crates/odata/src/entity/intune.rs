//! The Intune entities: imported identities and their uploads, registered Autopilot devices,
//! deployment profiles and their assignments, Autopilot settings, managed devices, Enrollment
//! Status Pages and their assignments, corporate identifiers.

use super::FieldType::{
    Binary, Bool, Complex, ComplexCollection, DateTime, Enum, Int32, Int64, String as Str,
    StringCollection,
};
use super::enums::*;
use super::{ComplexType, ENTITY, EntityType, Field, Navigation, extend};

/// `importedWindowsAutopilotDeviceIdentity`, in Graph's documented member order.
pub const IMPORTED_DEVICE: EntityType = EntityType::derived(
    "importedWindowsAutopilotDeviceIdentity",
    &ENTITY,
    &[
        Field::new("id", Str, "id"),
        Field::new("groupTag", Str, "group_tag"),
        Field::new("serialNumber", Str, "serial_number"),
        Field::new("productKey", Str, "product_key"),
        Field::new("importId", Str, "import_id"),
        Field::opaque("hardwareIdentifier", Binary),
        Field::opaque(
            "state",
            Complex("importedWindowsAutopilotDeviceIdentityState"),
        ),
        Field::new("state/deviceImportStatus", Enum(&IMPORT_STATUS), "status"),
        Field::new("state/deviceRegistrationId", Str, "registration_id"),
        Field::new("state/deviceErrorCode", Int32, "error_code"),
        Field::new("state/deviceErrorName", Str, "error_name"),
        Field::new("assignedUserPrincipalName", Str, "assigned_user"),
    ],
);

/// `importedWindowsAutopilotDeviceIdentityUpload` (beta).
pub const UPLOAD: EntityType = EntityType {
    expand: &["deviceIdentities"],
    navigations: &[
        Navigation::many("deviceIdentities", "importedWindowsAutopilotDeviceIdentity").contained(),
    ],
    ..EntityType::derived(
        "importedWindowsAutopilotDeviceIdentityUpload",
        &ENTITY,
        &[
            Field::new("id", Str, "id"),
            Field::new("createdDateTimeUtc", DateTime, "created_at"),
            Field::new("status", Enum(&UPLOAD_STATUS), "status"),
        ],
    )
};

/// `windowsAutopilotDeviceIdentity`: the beta property set in beta's documented order; v1.0's
/// is the same without the beta-only ones.
pub const AUTOPILOT_DEVICE: EntityType = EntityType {
    expand: &["deploymentProfile", "intendedDeploymentProfile"],
    navigations: &[
        Navigation::one("deploymentProfile", "windowsAutopilotDeploymentProfile").beta(),
        Navigation::one(
            "intendedDeploymentProfile",
            "windowsAutopilotDeploymentProfile",
        )
        .beta(),
    ],
    ..EntityType::derived(
        "windowsAutopilotDeviceIdentity",
        &ENTITY,
        &[
            Field::new("id", Str, "id"),
            Field::opaque(
                "deploymentProfileAssignmentStatus",
                Enum(&PROFILE_ASSIGNMENT_STATUS),
            )
            .beta(),
            Field::opaque(
                "deploymentProfileAssignmentDetailedStatus",
                Enum(&PROFILE_ASSIGNMENT_DETAILED_STATUS),
            )
            .beta(),
            Field::opaque("deploymentProfileAssignedDateTime", DateTime).beta(),
            Field::new("groupTag", Str, "group_tag"),
            Field::new("purchaseOrderIdentifier", Str, "purchase_order_identifier"),
            Field::new("serialNumber", Str, "serial_number"),
            Field::new("productKey", Str, "product_key"),
            Field::new("manufacturer", Str, "manufacturer"),
            Field::new("model", Str, "model"),
            Field::new(
                "enrollmentState",
                Enum(&ENROLLMENT_STATE),
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
            Field::opaque("remediationState", Enum(&REMEDIATION_STATE)).beta(),
            Field::opaque("remediationStateLastModifiedDateTime", DateTime).beta(),
            Field::opaque(
                "userlessEnrollmentStatus",
                Enum(&USERLESS_ENROLLMENT_STATUS),
            )
            .beta(),
        ],
    )
};

/// The properties every deployment profile has.
const PROFILE_FIELDS: [Field; 37] = [
    Field::opaque("id", Str),
    Field::opaque("displayName", Str),
    Field::opaque("description", Str),
    Field::opaque("language", Str),
    Field::opaque("locale", Str),
    Field::opaque("createdDateTime", DateTime),
    Field::opaque("lastModifiedDateTime", DateTime),
    Field::opaque(
        "outOfBoxExperienceSetting",
        Complex("outOfBoxExperienceSetting"),
    ),
    Field::opaque(
        "outOfBoxExperienceSetting/deviceUsageType",
        Enum(&DEVICE_USAGE_TYPE),
    ),
    Field::opaque("outOfBoxExperienceSetting/escapeLinkHidden", Bool),
    Field::opaque("outOfBoxExperienceSetting/eulaHidden", Bool),
    Field::opaque(
        "outOfBoxExperienceSetting/keyboardSelectionPageSkipped",
        Bool,
    ),
    Field::opaque("outOfBoxExperienceSetting/privacySettingsHidden", Bool),
    Field::opaque("outOfBoxExperienceSetting/userType", Enum(&USER_TYPE)),
    Field::opaque(
        "outOfBoxExperienceSettings",
        Complex("outOfBoxExperienceSettings"),
    ),
    Field::opaque(
        "outOfBoxExperienceSettings/deviceUsageType",
        Enum(&DEVICE_USAGE_TYPE),
    ),
    Field::opaque("outOfBoxExperienceSettings/hideEscapeLink", Bool),
    Field::opaque("outOfBoxExperienceSettings/hideEULA", Bool),
    Field::opaque("outOfBoxExperienceSettings/hidePrivacySettings", Bool),
    Field::opaque("outOfBoxExperienceSettings/skipKeyboardSelectionPage", Bool),
    Field::opaque("outOfBoxExperienceSettings/userType", Enum(&USER_TYPE)),
    Field::opaque(
        "enrollmentStatusScreenSettings",
        Complex("windowsEnrollmentStatusScreenSettings"),
    ),
    Field::opaque(
        "enrollmentStatusScreenSettings/allowDeviceUseBeforeProfileAndAppInstallComplete",
        Bool,
    ),
    Field::opaque(
        "enrollmentStatusScreenSettings/allowDeviceUseOnInstallFailure",
        Bool,
    ),
    Field::opaque(
        "enrollmentStatusScreenSettings/allowLogCollectionOnInstallFailure",
        Bool,
    ),
    Field::opaque(
        "enrollmentStatusScreenSettings/blockDeviceSetupRetryByUser",
        Bool,
    ),
    Field::opaque("enrollmentStatusScreenSettings/customErrorMessage", Str),
    Field::opaque(
        "enrollmentStatusScreenSettings/hideInstallationProgress",
        Bool,
    ),
    Field::opaque(
        "enrollmentStatusScreenSettings/installProgressTimeoutInMinutes",
        Int32,
    ),
    Field::opaque("extractHardwareHash", Bool),
    Field::opaque("hardwareHashExtractionEnabled", Bool),
    Field::opaque("deviceNameTemplate", Str),
    Field::opaque("deviceType", Enum(&AUTOPILOT_DEVICE_TYPE)),
    Field::opaque("enableWhiteGlove", Bool),
    Field::opaque("preprovisioningAllowed", Bool),
    Field::opaque("roleScopeTagIds", StringCollection),
    Field::opaque("managementServiceAppId", Str),
];

/// `windowsAutopilotDeploymentProfile` (beta, abstract): what every profile has. Its wire is
/// the stored JSON over these defaults (`wire/profiles.rs`); a test holds the two together.
pub const PROFILE: EntityType = EntityType {
    abstract_: true,
    navigations: &[
        Navigation::many("assignedDevices", "windowsAutopilotDeviceIdentity"),
        Navigation::many("assignments", "windowsAutopilotDeploymentProfileAssignment").contained(),
    ],
    beta_only: true,
    ..EntityType::derived(
        "windowsAutopilotDeploymentProfile",
        &ENTITY,
        &PROFILE_FIELDS,
    )
};

/// `azureADWindowsAutopilotDeploymentProfile` (beta): Entra join.
pub const AZURE_AD_PROFILE: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "azureADWindowsAutopilotDeploymentProfile",
        &PROFILE,
        PROFILE.fields,
    )
};

/// `activeDirectoryWindowsAutopilotDeploymentProfile` (beta): hybrid join.
pub const ACTIVE_DIRECTORY_PROFILE: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "activeDirectoryWindowsAutopilotDeploymentProfile",
        &PROFILE,
        &extend::<37, 38>(
            &PROFILE_FIELDS,
            &[Field::opaque(
                "hybridAzureADJoinSkipConnectivityCheck",
                Bool,
            )],
        ),
    )
};

/// `deviceAndAppManagementAssignmentTarget` and the two kinds of it served.
pub const ASSIGNMENT_TARGETS: [ComplexType; 3] = [
    ComplexType {
        name: "deviceAndAppManagementAssignmentTarget",
        base: None,
        abstract_: true,
        fields: &[
            Field::opaque("deviceAndAppManagementAssignmentFilterId", Str),
            Field::opaque(
                "deviceAndAppManagementAssignmentFilterType",
                Enum(&ASSIGNMENT_FILTER_TYPE),
            ),
        ],
    },
    ComplexType {
        name: "groupAssignmentTarget",
        base: Some("deviceAndAppManagementAssignmentTarget"),
        abstract_: false,
        fields: &[Field::opaque("groupId", Str)],
    },
    ComplexType {
        name: "allDevicesAssignmentTarget",
        base: Some("deviceAndAppManagementAssignmentTarget"),
        abstract_: false,
        fields: &[],
    },
];

/// `windowsAutopilotDeploymentProfileAssignment` (beta).
pub const PROFILE_ASSIGNMENT: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "windowsAutopilotDeploymentProfileAssignment",
        &ENTITY,
        &[
            Field::opaque("id", Str),
            Field::opaque("source", Enum(&ASSIGNMENT_SOURCE)),
            Field::opaque("sourceId", Str),
            Field::opaque("target", Complex("deviceAndAppManagementAssignmentTarget")),
        ],
    )
};

/// `windowsAutopilotSettings` (beta): the tenant's one.
pub const SETTINGS: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "windowsAutopilotSettings",
        &ENTITY,
        &[
            Field::opaque("id", Str),
            Field::opaque("lastSyncDateTime", DateTime),
            Field::opaque("lastManualSyncTriggerDateTime", DateTime),
            Field::opaque("syncStatus", Enum(&SYNC_STATUS)),
        ],
    )
};

/// `deviceActionResult`: an action on a managed device and how far it is.
pub const DEVICE_ACTION_RESULT: ComplexType = ComplexType {
    name: "deviceActionResult",
    base: None,
    abstract_: false,
    fields: &[
        Field::opaque("actionName", Str),
        Field::opaque("actionState", Enum(&ACTION_STATE)),
        Field::opaque("startDateTime", DateTime),
        Field::opaque("lastUpdatedDateTime", DateTime),
    ],
};

/// `managedDevice`: an Intune managed device, v1.0's properties in Graph's order (the two
/// complex reports, `configurationManagerClientEnabledFeatures` and
/// `deviceHealthAttestationState`, are not served).
pub const MANAGED_DEVICE: EntityType = EntityType::derived(
    "managedDevice",
    &ENTITY,
    &[
        Field::filtered("id", Str, "id"),
        Field::opaque("userId", Str),
        Field::new("deviceName", Str, "device_name"),
        Field::opaque("managedDeviceOwnerType", Enum(&MANAGED_DEVICE_OWNER_TYPE)),
        Field::new("enrolledDateTime", DateTime, "enrolled_at"),
        Field::new("lastSyncDateTime", DateTime, "last_sync_at"),
        Field::filtered("operatingSystem", Str, "operating_system"),
        Field::opaque("complianceState", Enum(&COMPLIANCE_STATE)),
        Field::opaque("jailBroken", Str),
        Field::opaque("managementAgent", Enum(&MANAGEMENT_AGENT_TYPE)),
        Field::filtered("osVersion", Str, "os_version"),
        Field::opaque("easActivated", Bool),
        Field::opaque("easDeviceId", Str),
        Field::opaque("easActivationDateTime", DateTime),
        Field::opaque("azureADRegistered", Bool),
        Field::opaque("deviceEnrollmentType", Enum(&DEVICE_ENROLLMENT_TYPE)),
        Field::opaque("activationLockBypassCode", Str),
        Field::opaque("emailAddress", Str),
        Field::filtered("azureADDeviceId", Str, "azure_ad_device_id"),
        Field::opaque("deviceRegistrationState", Enum(&DEVICE_REGISTRATION_STATE)),
        Field::opaque("deviceCategoryDisplayName", Str),
        Field::opaque("isSupervised", Bool),
        Field::opaque("exchangeLastSuccessfulSyncDateTime", DateTime),
        Field::opaque("exchangeAccessState", Enum(&EXCHANGE_ACCESS_STATE)),
        Field::opaque(
            "exchangeAccessStateReason",
            Enum(&EXCHANGE_ACCESS_STATE_REASON),
        ),
        Field::opaque("remoteAssistanceSessionUrl", Str),
        Field::opaque("remoteAssistanceSessionErrorDetails", Str),
        Field::opaque("isEncrypted", Bool),
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
        Field::opaque("totalStorageSpaceInBytes", Int64),
        Field::opaque("freeStorageSpaceInBytes", Int64),
        Field::opaque("managedDeviceName", Str),
        Field::opaque("partnerReportedThreatState", Enum(&PARTNER_HEALTH_STATE)),
        Field::opaque(
            "deviceActionResults",
            ComplexCollection(&DEVICE_ACTION_RESULT),
        ),
    ],
);

/// The properties every enrollment configuration has.
const ENROLLMENT_BASE_FIELDS: [Field; 9] = [
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
        Enum(&ENROLLMENT_CONFIGURATION_TYPE),
        "configuration_type",
    ),
];

/// `deviceEnrollmentConfiguration` (beta, the base of every enrollment configuration).
pub const ENROLLMENT_CONFIGURATION_BASE: EntityType = EntityType {
    navigations: &[
        Navigation::many("assignments", "enrollmentConfigurationAssignment").contained(),
    ],
    beta_only: true,
    ..EntityType::derived(
        "deviceEnrollmentConfiguration",
        &ENTITY,
        &ENROLLMENT_BASE_FIELDS,
    )
};

/// `windows10EnrollmentCompletionPageConfiguration` (beta), the one kind of
/// `deviceEnrollmentConfiguration` served: the base type's properties, then the page's, in
/// Graph's order.
pub const ENROLLMENT_CONFIGURATION: EntityType = EntityType {
    expand: &["assignments"],
    beta_only: true,
    ..EntityType::derived(
        "windows10EnrollmentCompletionPageConfiguration",
        &ENROLLMENT_CONFIGURATION_BASE,
        &extend::<9, 21>(
            &ENROLLMENT_BASE_FIELDS,
            &[
                Field::opaque("showInstallationProgress", Bool),
                Field::opaque("blockDeviceSetupRetryByUser", Bool),
                Field::opaque("allowDeviceResetOnInstallFailure", Bool),
                Field::opaque("allowLogCollectionOnInstallFailure", Bool),
                Field::opaque("customErrorMessage", Str),
                Field::opaque("installProgressTimeoutInMinutes", Int32),
                Field::opaque("allowDeviceUseOnInstallFailure", Bool),
                Field::opaque("selectedMobileAppIds", StringCollection),
                Field::opaque("allowNonBlockingAppInstallation", Bool),
                Field::opaque("installQualityUpdates", Bool),
                Field::opaque("trackInstallProgressForAutopilotOnly", Bool),
                Field::opaque("disableUserStatusTrackingAfterFirstUser", Bool),
            ],
        ),
    )
};

/// `enrollmentConfigurationAssignment` (beta).
pub const ENROLLMENT_ASSIGNMENT: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "enrollmentConfigurationAssignment",
        &ENTITY,
        &[
            Field::opaque("id", Str),
            Field::opaque("target", Complex("deviceAndAppManagementAssignmentTarget")),
            Field::opaque("source", Enum(&ASSIGNMENT_SOURCE)),
            Field::opaque("sourceId", Str),
        ],
    )
};

/// The properties of a corporate identifier.
const IDENTITY_FIELDS: [Field; 9] = [
    Field::filtered("id", Str, "id"),
    Field::new("importedDeviceIdentifier", Str, "identifier"),
    Field::new(
        "importedDeviceIdentityType",
        Enum(&IDENTITY_TYPE),
        "identity_type",
    ),
    Field::new("lastModifiedDateTime", DateTime, "modified_at"),
    Field::new("createdDateTime", DateTime, "created_at"),
    Field::filtered("lastContactedDateTime", DateTime, "last_contacted_at"),
    Field::new("description", Str, "description"),
    Field::new(
        "enrollmentState",
        Enum(&ENROLLMENT_STATE),
        "enrollment_state",
    ),
    Field::new("platform", Enum(&PLATFORM), "platform"),
];

/// `importedDeviceIdentity` (beta): a corporate device identifier, in Graph's order.
pub const IMPORTED_IDENTITY: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived("importedDeviceIdentity", &ENTITY, &IDENTITY_FIELDS)
};

/// `importedDeviceIdentityResult` (beta): what `importDeviceIdentityList` answers per
/// identifier.
pub const IMPORTED_IDENTITY_RESULT: EntityType = EntityType {
    beta_only: true,
    ..EntityType::derived(
        "importedDeviceIdentityResult",
        &IMPORTED_IDENTITY,
        &extend::<9, 10>(&IDENTITY_FIELDS, &[Field::opaque("status", Bool)]),
    )
};

/// `deletedWindowsAutopilotDeviceState`: one serial's outcome of `deleteDevices`. The action
/// and this type are in Graph's documentation only, not in its metadata, which names no enum
/// for `deletionState`: a string here (`accepted`, `failed`).
pub const DELETED_DEVICE_STATE: ComplexType = ComplexType {
    name: "deletedWindowsAutopilotDeviceState",
    base: None,
    abstract_: false,
    fields: &[
        Field::opaque("serialNumber", Str),
        Field::opaque("deviceRegistrationId", Str),
        Field::opaque("deletionState", Str),
        Field::opaque("errorMessage", Str),
    ],
};

/// `deviceManagement`: the singleton whose navigations hold the Intune collections.
pub const DEVICE_MANAGEMENT: EntityType = EntityType {
    navigations: &[
        Navigation::many(
            "importedWindowsAutopilotDeviceIdentities",
            "importedWindowsAutopilotDeviceIdentity",
        )
        .contained(),
        Navigation::many(
            "windowsAutopilotDeviceIdentities",
            "windowsAutopilotDeviceIdentity",
        )
        .contained(),
        Navigation::many("managedDevices", "managedDevice").contained(),
        Navigation::many(
            "importedWindowsAutopilotDeviceIdentityUploads",
            "importedWindowsAutopilotDeviceIdentityUpload",
        )
        .contained(),
        Navigation::many(
            "windowsAutopilotDeploymentProfiles",
            "windowsAutopilotDeploymentProfile",
        )
        .contained()
        .beta(),
        Navigation::one("windowsAutopilotSettings", "windowsAutopilotSettings")
            .contained()
            .beta(),
        Navigation::many(
            "deviceEnrollmentConfigurations",
            "deviceEnrollmentConfiguration",
        )
        .contained()
        .beta(),
        Navigation::many("importedDeviceIdentities", "importedDeviceIdentity")
            .contained()
            .beta(),
    ],
    ..EntityType::derived("deviceManagement", &ENTITY, &[Field::opaque("id", Str)])
};
