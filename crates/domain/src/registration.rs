//! The registration rules: what the Device Directory Service decides for an imported record.
//! Pure functions, no I/O; the store applies them inside its processing transaction.
//!
//! In order:
//! 1. The hash must decode and validate (strictly), name a manufacturer, and give a serial: the
//!    hash's SMBIOS serial, or the request's `serialNumber` where the hash holds a placeholder
//!    or a generic filler. Otherwise `error` 802 `InvalidZtdHardwareHash`.
//! 2. The same hardware (by [`autopilot_hwhash::HardwareHash::hardware_identity`]) imported
//!    more than once in one import: the first proceeds, the others `error`
//!    [`DUPLICATED_CODE`] `ZtdDeviceDuplicated`.
//! 3. Already registered in this tenant: `error` 806 `ZtdDeviceAlreadyAssigned`.
//! 4. Registered in another tenant: `error` 808 `ZtdDeviceAssignedToOtherTenant`.
//! 5. Otherwise `complete`: a new registered device, error code 0, name `None`.

use autopilot_hwhash::{HardwareHash, HardwareIdentity};

/// 802: the hash is not a valid hardware hash, or lacks the manufacturer or serial.
pub const INVALID_HASH: Failure = Failure {
    code: 802,
    name: "InvalidZtdHardwareHash",
};
/// 806: the hardware is already registered in this tenant.
pub const ALREADY_ASSIGNED: Failure = Failure {
    code: 806,
    name: "ZtdDeviceAlreadyAssigned",
};
/// 808: the hardware is registered in another tenant.
pub const OTHER_TENANT: Failure = Failure {
    code: 808,
    name: "ZtdDeviceAssignedToOtherTenant",
};
/// The numeric code Intune uses for `ZtdDeviceDuplicated` is not public. We use 807: the
/// neighbour of 806 and 808 that no documented DDS error takes.
pub const DUPLICATED_CODE: i32 = 807;
/// The same hardware more than once in one import.
pub const DUPLICATED: Failure = Failure {
    code: DUPLICATED_CODE,
    name: "ZtdDeviceDuplicated",
};

/// What the Intune portal says of an import error, by code (the portal's own words where they
/// are known: 806's; 808's is only "Internal error"), for people reading a failed import.
pub fn portal_text(code: i64) -> Option<&'static str> {
    Some(match code {
        801 => "The request was malformed.",
        802 => {
            "The hardware hash is not valid: one or more of its fields is invalid or empty (the manufacturer and serial number must be present)."
        }
        803 => "Neither a serial number nor a product key was given.",
        806 => "Device is already registered to the same Tenant.",
        807 => {
            "The same device appears more than once in this import; only the first is processed."
        }
        808 => {
            "Internal error (the device is registered in another tenant, which must deregister it)."
        }
        640 => "Storage error: try again later.",
        _ => return None,
    })
}

/// A DDS error: code and name, as `state.deviceErrorCode` and `state.deviceErrorName` show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub name: &'static str,
}

/// What a valid hash says about the device to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFacts {
    /// The hardware identity key (`serial:...`, `uuid:...` or `odid:...`).
    pub hardware_key: String,
    pub serial_number: String,
    pub manufacturer: String,
    pub model: String,
    pub sku_number: String,
    pub system_family: String,
}

/// Rule 1: reads a record's hash. `request_serial` is the `serialNumber` the client sent.
pub fn evaluate(hash: &[u8], request_serial: &str) -> Result<DeviceFacts, Failure> {
    let decoded = autopilot_hwhash::decode_bytes(hash).map_err(|_| INVALID_HASH)?;
    facts(&decoded, request_serial)
}

fn facts(hash: &HardwareHash, request_serial: &str) -> Result<DeviceFacts, Failure> {
    let manufacturer = hash.manufacturer().ok_or(INVALID_HASH)?.trim();
    if manufacturer.is_empty() {
        return Err(INVALID_HASH);
    }
    let hash_serial = hash
        .serial()
        .map(str::trim)
        .filter(|s| !s.is_empty() && !autopilot_hwhash::identity::is_generic_serial(s));
    let request_serial = request_serial.trim();
    let serial = match hash_serial {
        Some(serial) => serial,
        None if !request_serial.is_empty() => request_serial,
        None => return Err(INVALID_HASH),
    };
    let identity = hash
        .hardware_identity()
        .unwrap_or_else(|| HardwareIdentity::Serial {
            manufacturer: manufacturer.to_uppercase(),
            serial: serial.to_uppercase(),
        });
    Ok(DeviceFacts {
        hardware_key: identity.key(),
        serial_number: serial.to_owned(),
        manufacturer: manufacturer.to_owned(),
        model: hash.model().unwrap_or_default().trim().to_owned(),
        sku_number: hash.sku().unwrap_or_default().trim().to_owned(),
        system_family: hash.family().unwrap_or_default().trim().to_owned(),
    })
}

/// What the registration service knows of a record it is about to decide, for a scenario's
/// device rules.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    /// The tenant's GUID.
    pub tenant: &'a str,
    pub serial: &'a str,
    pub group_tag: &'a str,
    pub product_key: &'a str,
    pub manufacturer: &'a str,
    pub model: &'a str,
    /// When it was imported.
    pub imported_at: time::OffsetDateTime,
    /// Its place in the request that imported it (from 1; 0 when not known).
    pub nth: u32,
}

/// What a scenario does to a record about to be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEffect {
    /// It ends with this error.
    Fail { code: i32, name: String },
    /// It stays `unknown` until then, and is looked at again.
    DeferUntil(time::OffsetDateTime),
}

/// The scenarios' side of a registration round: for a record, the rule that shapes it (its
/// name) and what it does, if any.
pub trait RecordShaper: Send + Sync + std::fmt::Debug {
    fn shape(
        &self,
        record: &RecordFacts<'_>,
        now: time::OffsetDateTime,
    ) -> Option<(String, RecordEffect)>;
}

/// Where the hardware is registered already, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// The tenant holding the registration.
    pub same_tenant: bool,
    /// Whether that registration came from the same import as the record being decided.
    pub same_import: bool,
}

/// The decision for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Register(DeviceFacts),
    Fail(Failure),
}

/// Rules 2 to 5, for a record whose hash passed rule 1. `seen_in_import` says whether an
/// earlier record of the same import (in this processing round) already claimed the hardware.
pub fn decide(facts: DeviceFacts, existing: Option<&Existing>, seen_in_import: bool) -> Decision {
    if seen_in_import {
        return Decision::Fail(DUPLICATED);
    }
    match existing {
        Some(e) if e.same_tenant && e.same_import => Decision::Fail(DUPLICATED),
        Some(e) if e.same_tenant => Decision::Fail(ALREADY_ASSIGNED),
        Some(_) => Decision::Fail(OTHER_TENANT),
        None => Decision::Register(facts),
    }
}

/// How a round of at most `limit` records is shared among `tenants` tenants with records due,
/// given longest waiting first: evenly, the remainder to the longest waiting; when more tenants
/// wait than the round holds, one record each for the `limit` longest waiting. So no tenant's
/// backlog keeps another tenant's due records out of a round: a tenant importing ten devices
/// while another has 200,000 due is decided in the next round, not after the 200,000.
pub fn fair_shares(tenants: usize, limit: u32) -> Vec<u32> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let n = tenants.min(limit);
    if n == 0 {
        return Vec::new();
    }
    let (each, extra) = (limit / n, limit % n);
    (0..n)
        .map(|i| u32::try_from(each + usize::from(i < extra)).unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use autopilot_hwhash::SyntheticDevice;

    fn hash(manufacturer: &str, serial: &str) -> Vec<u8> {
        autopilot_hwhash::encode_bytes(
            &SyntheticDevice::new(manufacturer, "Laptop 7", serial).build(),
        )
        .unwrap_or_default()
    }

    #[test]
    fn a_good_hash_gives_its_facts() {
        let facts = evaluate(&hash("Contoso", "SN-001"), "ignored").unwrap();
        assert_eq!(facts.serial_number, "SN-001");
        assert_eq!(facts.manufacturer, "Contoso");
        assert_eq!(facts.model, "Laptop 7");
        assert_eq!(facts.hardware_key, "serial:7:CONTOSO:SN-001");
    }

    #[test]
    fn rule_1_invalid_hashes_are_802() {
        assert_eq!(evaluate(b"hardwareIdentifier", "X"), Err(INVALID_HASH));
        assert_eq!(evaluate(&[], "X"), Err(INVALID_HASH));
        let mut broken = hash("Contoso", "SN-002");
        broken[100] ^= 0xFF;
        assert_eq!(evaluate(&broken, "SN-002"), Err(INVALID_HASH), "checksum");
    }

    #[test]
    fn rule_1_no_manufacturer_or_no_serial_at_all_is_802() {
        let mut device = SyntheticDevice::new("Contoso", "Laptop 7", "SN-003").build();
        device.manufacturer = Some("SMBIOS_STRING_INDEX_0".into());
        let bytes = autopilot_hwhash::encode_bytes(&device).unwrap();
        assert_eq!(evaluate(&bytes, "SN-003"), Err(INVALID_HASH));

        let mut device = SyntheticDevice::new("Contoso", "Laptop 7", "SN-004").build();
        device.serial_number = Some("To be filled by O.E.M.".into());
        let bytes = autopilot_hwhash::encode_bytes(&device).unwrap();
        assert_eq!(
            evaluate(&bytes, ""),
            Err(INVALID_HASH),
            "no serial anywhere"
        );
        // The request's serial stands in for the placeholder; the identity falls to the UUID.
        let facts = evaluate(&bytes, " VM-SERIAL-9 ").unwrap();
        assert_eq!(facts.serial_number, "VM-SERIAL-9");
        assert!(
            facts.hardware_key.starts_with("uuid:"),
            "{}",
            facts.hardware_key
        );
    }

    #[test]
    fn rules_2_to_5_in_order() {
        let facts = evaluate(&hash("Contoso", "SN-005"), "").unwrap();
        let same = |same_import| Existing {
            same_tenant: true,
            same_import,
        };
        assert_eq!(
            decide(facts.clone(), None, true),
            Decision::Fail(DUPLICATED)
        );
        assert_eq!(
            decide(facts.clone(), Some(&same(true)), false),
            Decision::Fail(DUPLICATED)
        );
        assert_eq!(
            decide(facts.clone(), Some(&same(false)), false),
            Decision::Fail(ALREADY_ASSIGNED)
        );
        let other = Existing {
            same_tenant: false,
            same_import: false,
        };
        assert_eq!(
            decide(facts.clone(), Some(&other), false),
            Decision::Fail(OTHER_TENANT)
        );
        assert_eq!(
            decide(facts.clone(), None, false),
            Decision::Register(facts)
        );
    }

    #[test]
    fn shares_are_even_and_sum_to_the_round() {
        assert_eq!(fair_shares(0, 1000), Vec::<u32>::new());
        assert_eq!(fair_shares(1, 1000), vec![1000]);
        assert_eq!(fair_shares(3, 10), vec![4, 3, 3]);
        assert_eq!(fair_shares(5, 3), vec![1, 1, 1]);
        assert_eq!(fair_shares(2, 0), Vec::<u32>::new());
    }

    proptest::proptest! {
        #[test]
        fn shares_never_exceed_the_round_and_differ_by_at_most_one(
            tenants in 0usize..5000,
            limit in 0u32..5000,
        ) {
            let shares = fair_shares(tenants, limit);
            proptest::prop_assert_eq!(shares.len(), tenants.min(limit as usize));
            let total: u64 = shares.iter().map(|&s| u64::from(s)).sum();
            if !shares.is_empty() {
                proptest::prop_assert_eq!(total, u64::from(limit));
            }
            proptest::prop_assert!(shares.iter().all(|&s| s >= 1));
            // Longest waiting first: never less than a later tenant, at most one more.
            for pair in shares.windows(2) {
                proptest::prop_assert!(pair[0] >= pair[1] && pair[0] - pair[1] <= 1);
            }
        }

        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3100)) {
            let _ = evaluate(&bytes, "S");
        }
    }
}
