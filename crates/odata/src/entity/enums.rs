//! The enum types the entities use, with Microsoft's names and members in the order of their
//! values.

use super::EnumType;

/// `importedWindowsAutopilotDeviceIdentityImportStatus`.
pub const IMPORT_STATUS: EnumType = EnumType::new(
    "importedWindowsAutopilotDeviceIdentityImportStatus",
    &["unknown", "pending", "partial", "complete", "error"],
);

/// `importedWindowsAutopilotDeviceIdentityUploadStatus` (2018 documentation only).
pub const UPLOAD_STATUS: EnumType = EnumType::new(
    "importedWindowsAutopilotDeviceIdentityUploadStatus",
    &["noUpload", "pending", "complete", "error"],
);

/// `enrollmentState` (beta adds `blocked`).
pub const ENROLLMENT_STATE: EnumType = EnumType::new(
    "enrollmentState",
    &[
        "unknown",
        "enrolled",
        "pendingReset",
        "failed",
        "notContacted",
        "blocked",
    ],
)
.beta_adds(1);

/// `windowsAutopilotProfileAssignmentStatus` (beta).
pub const PROFILE_ASSIGNMENT_STATUS: EnumType = EnumType::new(
    "windowsAutopilotProfileAssignmentStatus",
    &[
        "unknown",
        "assignedInSync",
        "assignedOutOfSync",
        "assignedUnkownSyncState",
        "notAssigned",
        "pending",
        "failed",
    ],
);

/// `windowsAutopilotProfileAssignmentDetailedStatus` (beta).
pub const PROFILE_ASSIGNMENT_DETAILED_STATUS: EnumType = EnumType::new(
    "windowsAutopilotProfileAssignmentDetailedStatus",
    &[
        "none",
        "hardwareRequirementsNotMet",
        "surfaceHubProfileNotSupported",
        "holoLensProfileNotSupported",
        "windowsPcProfileNotSupported",
        "surfaceHub2SProfileNotSupported",
        "unknownFutureValue",
    ],
);

/// `windowsAutopilotDeviceRemediationState` (beta).
pub const REMEDIATION_STATE: EnumType = EnumType::new(
    "windowsAutopilotDeviceRemediationState",
    &[
        "unknown",
        "noRemediationRequired",
        "automaticRemediationRequired",
        "manualRemediationRequired",
        "unknownFutureValue",
    ],
);

/// `windowsAutopilotUserlessEnrollmentStatus` (beta).
pub const USERLESS_ENROLLMENT_STATUS: EnumType = EnumType::new(
    "windowsAutopilotUserlessEnrollmentStatus",
    &["unknown", "allowed", "blocked", "unknownFutureValue"],
);

/// `windowsAutopilotSyncStatus` (beta).
pub const SYNC_STATUS: EnumType = EnumType::new(
    "windowsAutopilotSyncStatus",
    &["unknown", "inProgress", "completed", "failed"],
);

/// `windowsAutopilotDeviceType` (beta).
pub const AUTOPILOT_DEVICE_TYPE: EnumType = EnumType::new(
    "windowsAutopilotDeviceType",
    &[
        "windowsPc",
        "holoLens",
        "surfaceHub2",
        "surfaceHub2S",
        "virtualMachine",
        "unknownFutureValue",
    ],
);

/// `windowsDeviceUsageType`.
pub const DEVICE_USAGE_TYPE: EnumType = EnumType::new(
    "windowsDeviceUsageType",
    &["singleUser", "shared", "unknownFutureValue"],
);

/// `windowsUserType`.
pub const USER_TYPE: EnumType = EnumType::new(
    "windowsUserType",
    &["administrator", "standard", "unknownFutureValue"],
);

/// `deviceAndAppManagementAssignmentSource` (beta).
pub const ASSIGNMENT_SOURCE: EnumType = EnumType::new(
    "deviceAndAppManagementAssignmentSource",
    &["direct", "policySets"],
);

/// `deviceAndAppManagementAssignmentFilterType`.
pub const ASSIGNMENT_FILTER_TYPE: EnumType = EnumType::new(
    "deviceAndAppManagementAssignmentFilterType",
    &["none", "include", "exclude"],
);

/// `deviceEnrollmentConfigurationType` (beta).
pub const ENROLLMENT_CONFIGURATION_TYPE: EnumType = EnumType::new(
    "deviceEnrollmentConfigurationType",
    &[
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
    ],
);

/// `importedDeviceIdentityType` (beta).
pub const IDENTITY_TYPE: EnumType = EnumType::new(
    "importedDeviceIdentityType",
    &["unknown", "imei", "serialNumber", "manufacturerModelSerial"],
);

/// `platform` (beta).
pub const PLATFORM: EnumType = EnumType::new(
    "platform",
    &[
        "unknown",
        "ios",
        "android",
        "windows",
        "windowsMobile",
        "macOS",
        "visionOS",
        "tvOS",
        "unknownFutureValue",
    ],
);

/// `managedDeviceOwnerType`.
pub const MANAGED_DEVICE_OWNER_TYPE: EnumType = EnumType::new(
    "managedDeviceOwnerType",
    &["unknown", "company", "personal", "unknownFutureValue"],
);

/// `complianceState`.
pub const COMPLIANCE_STATE: EnumType = EnumType::new(
    "complianceState",
    &[
        "unknown",
        "compliant",
        "noncompliant",
        "conflict",
        "error",
        "inGracePeriod",
        "configManager",
    ],
)
.valued(&[0, 1, 2, 3, 4, 254, 255]);

/// `managementAgentType` (beta adds three).
pub const MANAGEMENT_AGENT_TYPE: EnumType = EnumType::new(
    "managementAgentType",
    &[
        "eas",
        "mdm",
        "easMdm",
        "intuneClient",
        "easIntuneClient",
        "configurationManagerClient",
        "configurationManagerClientMdm",
        "configurationManagerClientMdmEas",
        "unknown",
        "jamf",
        "googleCloudDevicePolicyController",
        "microsoft365ManagedMdm",
        "msSense",
        "intuneAosp",
        "google",
        "unknownFutureValue",
    ],
)
.valued(&[
    1, 2, 3, 4, 5, 8, 10, 11, 16, 32, 64, 258, 1024, 2048, 8192, 8193,
])
.beta_adds(3);

/// `deviceEnrollmentType`: v1.0's members, then beta's additions.
pub const DEVICE_ENROLLMENT_TYPE: EnumType = EnumType::new(
    "deviceEnrollmentType",
    &[
        "unknown",
        "userEnrollment",
        "deviceEnrollmentManager",
        "appleBulkWithUser",
        "appleBulkWithoutUser",
        "windowsAzureADJoin",
        "windowsBulkUserless",
        "windowsAutoEnrollment",
        "windowsBulkAzureDomainJoin",
        "windowsCoManagement",
        "windowsAzureADJoinUsingDeviceAuth",
        "appleUserEnrollment",
        "appleUserEnrollmentWithServiceAccount",
        "unknownFutureValue",
        "azureAdJoinUsingAzureVmExtension",
        "androidEnterpriseDedicatedDevice",
        "androidEnterpriseFullyManaged",
        "androidEnterpriseCorporateWorkProfile",
        "androidAOSPUserOwnedDeviceEnrollment",
        "androidAOSPUserlessDeviceEnrollment",
        "appleAccountDrivenUserEnrollment",
    ],
)
.valued(&[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 26, 14, 15, 16, 17, 18, 19, 25,
])
.beta_adds(7);

/// `deviceRegistrationState`.
pub const DEVICE_REGISTRATION_STATE: EnumType = EnumType::new(
    "deviceRegistrationState",
    &[
        "notRegistered",
        "registered",
        "revoked",
        "keyConflict",
        "approvalPending",
        "certificateReset",
        "notRegisteredPendingEnrollment",
        "unknown",
    ],
)
.valued(&[0, 2, 3, 4, 5, 6, 7, 8]);

/// `deviceManagementExchangeAccessState`.
pub const EXCHANGE_ACCESS_STATE: EnumType = EnumType::new(
    "deviceManagementExchangeAccessState",
    &["none", "unknown", "allowed", "blocked", "quarantined"],
);

/// `deviceManagementExchangeAccessStateReason`.
pub const EXCHANGE_ACCESS_STATE_REASON: EnumType = EnumType::new(
    "deviceManagementExchangeAccessStateReason",
    &[
        "none",
        "unknown",
        "exchangeGlobalRule",
        "exchangeIndividualRule",
        "exchangeDeviceRule",
        "exchangeUpgrade",
        "exchangeMailboxPolicy",
        "other",
        "compliant",
        "notCompliant",
        "notEnrolled",
        "unknownLocation",
        "mfaRequired",
        "azureADBlockDueToAccessPolicy",
        "compromisedPassword",
        "deviceNotKnownWithManagedApp",
    ],
)
.valued(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16]);

/// `managedDevicePartnerReportedHealthState`.
pub const PARTNER_HEALTH_STATE: EnumType = EnumType::new(
    "managedDevicePartnerReportedHealthState",
    &[
        "unknown",
        "activated",
        "deactivated",
        "secured",
        "lowSeverity",
        "mediumSeverity",
        "highSeverity",
        "unresponsive",
        "compromised",
        "misconfigured",
    ],
);

/// `MembershipRuleProcessingStatusDetails` (beta; the capital is Graph's).
pub const MEMBERSHIP_PROCESSING_STATUS: EnumType = EnumType::new(
    "MembershipRuleProcessingStatusDetails",
    &[
        "NotStarted",
        "Running",
        "Failed",
        "Succeeded",
        "UnsupportedFutureValue",
    ],
);

/// `actionState`: a device action's progress.
pub const ACTION_STATE: EnumType = EnumType::new(
    "actionState",
    &[
        "none",
        "pending",
        "canceled",
        "active",
        "done",
        "failed",
        "notSupported",
    ],
);
