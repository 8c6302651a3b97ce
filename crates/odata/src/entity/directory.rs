//! Entra ID's directory objects: devices, groups, users, and the tenant's organization.

use super::FieldType::{
    Bool, Complex, ComplexCollection, DateTime, Int32, String as Str, StringCollection,
};
use super::{ComplexType, ENTITY, EntityType, Field, FieldType};

/// `directoryObject`: the base of Entra's objects.
pub const DIRECTORY_OBJECT: EntityType = EntityType {
    abstract_: false,
    ..EntityType::derived(
        "directoryObject",
        &ENTITY,
        &[
            Field::filtered("id", Str, "id"),
            Field::opaque("deletedDateTime", DateTime),
        ],
    )
};

/// `device`: an Entra ID device object, in the member order Graph writes it. Unset values are
/// `null` here, not `""`.
pub const DIRECTORY_DEVICE: EntityType = EntityType {
    name: "device",
    base: Some(&DIRECTORY_OBJECT),
    abstract_: false,
    navigations: &[],
    beta_only: false,
    fields: &[
        Field::filtered("id", Str, "id"),
        Field::opaque("deletedDateTime", DateTime),
        Field::filtered("accountEnabled", Bool, "account_enabled"),
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
        Field::opaque("isCompliant", Bool),
        Field::opaque("isManaged", Bool),
        Field::opaque("isRooted", Bool),
        Field::opaque("managementType", Str),
        Field::opaque("manufacturer", Str),
        Field::opaque("mdmAppId", Str),
        Field::opaque("model", Str),
        Field::opaque("onPremisesLastSyncDateTime", DateTime),
        Field::opaque("onPremisesSyncEnabled", Bool),
        Field::filtered("operatingSystem", Str, "operating_system"),
        Field::filtered("operatingSystemVersion", Str, "operating_system_version"),
        Field::filtered("physicalIds", StringCollection, "value"),
        Field::opaque("profileType", Str),
        Field::opaque("registrationDateTime", DateTime),
        Field::opaque("systemLabels", StringCollection),
        Field::filtered("trustType", Str, "trust_type"),
        // Beta's: v1.0's metadata has no extensionAttributes on device.
        Field::opaque(
            "extensionAttributes",
            Complex("onPremisesExtensionAttributes"),
        )
        .beta(),
        Field::opaque("extensionAttributes/extensionAttribute1", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute2", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute3", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute4", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute5", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute6", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute7", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute8", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute9", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute10", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute11", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute12", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute13", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute14", Str).beta(),
        Field::opaque("extensionAttributes/extensionAttribute15", Str).beta(),
    ],
    expand: &[],
    searchable: true,
};

/// `group`: an Entra ID group, in the member order Graph writes it (unset values `null`).
pub const GROUP: EntityType = EntityType {
    name: "group",
    base: Some(&DIRECTORY_OBJECT),
    abstract_: false,
    navigations: &[],
    beta_only: false,
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
        Field::opaque("isAssignableToRole", Bool),
        Field::opaque("mail", Str),
        Field::filtered("mailEnabled", Bool, "mail_enabled"),
        Field::filtered("mailNickname", Str, "mail_nickname"),
        Field::filtered("membershipRule", Str, "membership_rule"),
        Field::filtered("membershipRuleProcessingState", Str, "processing_state"),
        Field::opaque("onPremisesLastSyncDateTime", DateTime),
        Field::opaque("onPremisesSecurityIdentifier", Str),
        Field::opaque("onPremisesSyncEnabled", Bool),
        Field::opaque("preferredDataLocation", Str),
        Field::opaque("preferredLanguage", Str),
        Field::opaque("proxyAddresses", StringCollection),
        Field::opaque("renewedDateTime", DateTime),
        Field::opaque("resourceBehaviorOptions", StringCollection),
        Field::opaque("resourceProvisioningOptions", StringCollection),
        Field::filtered("securityEnabled", Bool, "security_enabled"),
        Field::opaque("securityIdentifier", Str),
        Field::opaque("theme", Str),
        Field::opaque("visibility", Str),
        Field::opaque(
            "membershipRuleProcessingStatus",
            Complex("membershipRuleProcessingStatus"),
        )
        .beta(),
        Field::opaque(
            "membershipRuleProcessingStatus/status",
            FieldType::Enum(&super::enums::MEMBERSHIP_PROCESSING_STATUS),
        )
        .beta(),
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
    base: Some(&DIRECTORY_OBJECT),
    abstract_: false,
    navigations: &[],
    beta_only: false,
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
        Field::filtered("accountEnabled", Bool, "account_enabled").beta(),
        Field::opaque("createdDateTime", DateTime).beta(),
        Field::filtered("mailNickname", Str, "mail_nickname").beta(),
        Field::opaque("userType", Str).beta(),
    ],
    expand: &[],
    searchable: true,
};

/// `organization`: a tenant's organization, the properties Graph writes by default that a
/// tenant here has (`id` is the tenant id).
pub const ORGANIZATION: EntityType = EntityType {
    name: "organization",
    base: Some(&DIRECTORY_OBJECT),
    abstract_: false,
    navigations: &[],
    beta_only: false,
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
        Field::opaque("onPremisesSyncEnabled", Bool),
        Field::opaque("postalCode", Str),
        Field::opaque("preferredLanguage", Str),
        Field::opaque("securityComplianceNotificationMails", StringCollection),
        Field::opaque("securityComplianceNotificationPhones", StringCollection),
        Field::opaque("state", Str),
        Field::opaque("street", Str),
        Field::opaque("technicalNotificationMails", StringCollection),
        Field::opaque("tenantType", Str),
        Field::opaque("verifiedDomains", ComplexCollection(&VERIFIED_DOMAIN)),
    ],
    expand: &[],
    searchable: false,
};

/// The item of a string collection inside `any(...)` and `all(...)`: its one property is the
/// item itself, held in the collection table's `value` column.
pub const STRING_ITEM: EntityType = EntityType {
    name: "Edm.String",
    base: None,
    abstract_: false,
    navigations: &[],
    beta_only: false,
    fields: &[Field::filtered("$it", Str, "value")],
    expand: &[],
    searchable: false,
};

/// `verifiedDomain`: a domain of the organization.
pub const VERIFIED_DOMAIN: ComplexType = ComplexType {
    name: "verifiedDomain",
    base: None,
    abstract_: false,
    fields: &[
        Field::opaque("capabilities", Str),
        Field::opaque("isDefault", Bool),
        Field::opaque("isInitial", Bool),
        Field::opaque("name", Str),
        Field::opaque("type", Str),
    ],
};
