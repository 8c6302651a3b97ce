//! Intune managed devices (`microsoft.graph.managedDevice`): what an enrolled device is to
//! Intune. The scripts look them up by serial number to delete or wipe them; the device side
//! creates them at enrollment. A wipe is recorded as Intune reports it, a `deviceActionResult`
//! that stays `pending` until the device checks in.

use time::OffsetDateTime;
use uuid::Uuid;

/// An Intune managed device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedDevice {
    pub id: Uuid,
    pub device_name: String,
    pub serial_number: String,
    pub manufacturer: String,
    pub model: String,
    pub operating_system: String,
    pub os_version: String,
    /// The Entra device object's `deviceId` (`azureADDeviceId`).
    pub azure_ad_device_id: String,
    pub user_principal_name: String,
    pub user_display_name: String,
    pub enrollment_profile_name: String,
    pub enrolled_at: OffsetDateTime,
    pub last_sync_at: OffsetDateTime,
    /// The Autopilot device it enrolled as (not on the wire).
    pub autopilot_id: Option<Uuid>,
    /// The wipe asked for, if any.
    pub wipe: Option<Wipe>,
}

/// A wipe an admin asked for (`POST .../wipe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wipe {
    pub keep_enrollment_data: bool,
    pub keep_user_data: bool,
    pub requested_at: OffsetDateTime,
}
