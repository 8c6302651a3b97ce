//! Property tests: the encoder round-trips, and no input makes the decoder panic.

use autopilot_hwhash::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// String that can be stored NUL-terminated.
fn text(max: usize) -> impl Strategy<Value = String> {
    pattern(&format!("[^\\x00]{{0,{max}}}"))
}

fn pattern(regex: &str) -> impl Strategy<Value = String> + use<> {
    proptest::string::string_regex(regex)
        .unwrap()
        .prop_map(String::from)
}

fn tool() -> impl Strategy<Value = ToolInfo> {
    let build = (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>()).prop_map(
        |(major, minor, build, revision)| BuildNumber {
            major,
            minor,
            build,
            revision,
        },
    );
    (
        build.clone(),
        build,
        any::<u32>(),
        any::<i8>(),
        any::<[u8; 3]>(),
    )
        .prop_map(
            |(
                tool_build,
                os_build,
                system_time,
                time_zone,
                [os_type, os_architecture, tool_version],
            )| {
                ToolInfo {
                    tool_build,
                    os_build,
                    system_time,
                    time_zone,
                    os_type,
                    os_architecture,
                    tool_version,
                }
            },
        )
}

fn hardware_hash() -> impl Strategy<Value = HardwareHash> {
    let cpu = (
        of(tool()),
        of((
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<bool>(),
        )
            .prop_map(
                |(architecture, packages, cores, threads, hyper_threading)| Processor {
                    architecture,
                    packages,
                    cores,
                    threads,
                    hyper_threading,
                },
            )),
        of(vec(
            (any::<u8>(), any::<u16>(), any::<u16>()).prop_map(
                |(efficiency_class, cores, threads)| CoreClass {
                    efficiency_class,
                    cores,
                    threads,
                },
            ),
            0..3,
        )),
        of((
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<u16>(),
            any::<u8>(),
        )
            .prop_map(
                |(
                    total_physical_ram_gb,
                    maximum_capacity_gb,
                    slots,
                    array_count,
                    error_correction,
                )| {
                    Memory {
                        total_physical_ram_gb,
                        maximum_capacity_gb,
                        slots,
                        array_count,
                        error_correction,
                    }
                },
            )),
        of(pattern("[ -~]{0,12}")),
        of(pattern("[ -~]{0,48}")),
    );
    let devices = (
        vec(
            (any::<u64>(), any::<u16>(), any::<u8>(), any::<u8>()).prop_map(
                |(capacity_gb, storage_bus_type, incurs_seek_penalty, trim_enabled)| Disk {
                    capacity_gb,
                    storage_bus_type,
                    incurs_seek_penalty,
                    trim_enabled,
                },
            ),
            0..3,
        ),
        vec(text(40), 0..3),
        vec(
            (any::<u32>(), any::<[u8; 6]>(), text(8)).prop_map(|(physical_medium, mac, bus)| {
                NetworkAdapter {
                    physical_medium,
                    mac_address: MacAddress(mac),
                    bus,
                }
            }),
            0..4,
        ),
        vec(
            (any::<[u16; 4]>(), any::<u32>()).prop_map(|([w, h, x, y], output_technology)| {
                Display {
                    width_mm: w,
                    height_mm: h,
                    resolution_horizontal: x,
                    resolution_vertical: y,
                    output_technology,
                }
            }),
            0..2,
        ),
        of(
            any::<[u16; 2]>().prop_map(|[width_cm, height_cm]| DisplaySizeCm {
                width_cm,
                height_cm,
            }),
        ),
        of(any::<[u8; 5]>().prop_map(|[a, b, c, d, e]| Enclosure {
            chassis_type: a,
            power_platform_role: b,
            unknown_byte2: c,
            digitizer_support: d,
            unknown_byte4: e,
        })),
    );
    let identity = (
        of(text(60)),
        of(vec(any::<u8>(), 256).prop_map(EkPublicKey)),
        of((
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 32]>(),
        )
            .prop_map(
                |(status, kind, declared_length, reserved, id)| OfflineDeviceId {
                    status,
                    kind: OfflineDeviceIdKind(kind),
                    declared_length,
                    reserved,
                    id,
                },
            )),
        of(any::<[u8; 16]>().prop_map(SmbiosUuid)),
        vec(of(text(24)), 13),
    );
    let tail = (
        vec(text(40), 0..2),
        vec(
            (any::<u64>(), any::<u64>(), any::<u8>(), any::<bool>()).prop_map(
                |(dedicated_video_memory, dedicated_system_memory, removal_policy, local)| {
                    GpuMemory {
                        dedicated_video_memory,
                        dedicated_system_memory,
                        removal_policy,
                        in_local_machine_container: local,
                    }
                },
            ),
            0..3,
        ),
        vec(
            (pattern("[^|]{0,12}"), pattern("\\PC{0,20}")).prop_map(|(manufacturer, model)| {
                GpuName {
                    manufacturer,
                    model,
                }
            }),
            0..3,
        ),
        (
            // Type 35 is a singleton; the other unknown types may repeat.
            of(vec(any::<u8>(), 0..4)),
            vec(
                (
                    prop_oneof![31u16..=33, 38u16..=500],
                    vec(any::<u8>(), 0..16),
                ),
                0..3,
            ),
        )
            .prop_map(|(type35, others)| {
                type35
                    .map(|value| (35, value))
                    .into_iter()
                    .chain(others)
                    .map(|(record_type, value)| RawRecord { record_type, value })
                    .collect::<Vec<_>>()
            }),
        of(pattern("\\PC{0,50}")),
        of(vec(any::<u8>(), 0..60)),
    );
    (cpu, devices, identity, tail).prop_map(
        |(
            (tool, processor, core_classes, memory, processor_manufacturer, processor_model),
            (disks, disk_serial_numbers, network_adapters, displays, display_size_cm, enclosure),
            (tpm_version, tpm_ek_public, offline_device_id, smbios_uuid, strings),
            (disk_ssn_kernel, gpu_memory, gpu_names, other_records, locale, spp_hwid),
        )| {
            let mut s = strings.into_iter();
            let mut next = || s.next().flatten();
            HardwareHash {
                tool,
                processor,
                core_classes,
                memory,
                processor_manufacturer,
                processor_model,
                disks,
                disk_serial_numbers,
                network_adapters,
                displays,
                display_size_cm,
                enclosure,
                tpm_version,
                tpm_ek_public,
                offline_device_id,
                smbios_uuid,
                serial_number: next(),
                firmware_vendor: next(),
                manufacturer: next(),
                product_name: next(),
                sku_number: next(),
                system_family: next(),
                system_version: next(),
                board_manufacturer: next(),
                board_product: next(),
                board_version: next(),
                product_key_id: next(),
                product_key_pkpn: next(),
                disk_ssn_kernel,
                gpu_memory,
                gpu_names,
                other_records,
                locale,
                spp_hwid,
            }
        },
    )
}

/// Frames arbitrary records into a hash with a correct header, checksum and padding, so that
/// the decoder's record parsers (not just its framing checks) see the garbage.
fn framed(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut buf = b"OA\0\0".to_vec();
    for (record_type, value) in records {
        buf.extend_from_slice(&record_type.to_le_bytes());
        buf.extend_from_slice(&u16::try_from(value.len() + 4).unwrap().to_le_bytes());
        buf.extend_from_slice(value);
    }
    let p = u16::try_from(buf.len()).unwrap();
    buf[2..4].copy_from_slice(&p.to_le_bytes());
    let digest = Sha256::digest(&buf);
    buf.extend_from_slice(b"CS\x24\0");
    buf.extend_from_slice(&digest);
    buf.resize(HASH_LEN.max(buf.len()), 0);
    buf
}

/// Rewrites the checksum after a mutation, when the header still points somewhere sensible.
fn reseal(bytes: &mut [u8]) {
    let Some(&[a, b]) = bytes.get(2..4) else {
        return;
    };
    let p = usize::from(u16::from_le_bytes([a, b]));
    if p < 4 || p + 36 > bytes.len() {
        return;
    }
    let digest = Sha256::digest(&bytes[..p]);
    bytes[p..p + 4].copy_from_slice(b"CS\x24\0");
    bytes[p + 4..p + 36].copy_from_slice(&digest);
}

fn decode_all_ways(bytes: &[u8]) {
    for lenient in [false, true] {
        let options = DecodeOptions { lenient };
        if let Ok(d) = decode_bytes_with(bytes, options) {
            // Whatever decodes can be described, identified and shown.
            let _ = d.hardware_identity();
            let _ = d.warnings.iter().map(ToString::to_string).count();
            let _ = (d.tpm(), d.locale_info(), d.spp_hwid_info());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decode_of_encode_is_identity(hash in hardware_hash()) {
        match encode(&hash) {
            Ok(text) => {
                prop_assert_eq!(text.len(), HASH_TEXT_LEN);
                let decoded = decode(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(decoded.hash, hash);
            }
            Err(EncodeError::TooLarge { .. }) => prop_assume!(false),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..3200)) {
        decode_all_ways(&bytes);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}|[A-Za-z0-9+/=_ \\r\\n-]{0,4100}") {
        let _ = decode(&text);
        let _ = decode_with(&text, DecodeOptions { lenient: true });
    }

    #[test]
    fn garbage_records_never_panic(
        records in vec((0u16..40, vec(any::<u8>(), 0..300)), 0..12),
    ) {
        decode_all_ways(&framed(&records));
    }

    #[test]
    fn mutated_hashes_never_panic(
        serial in "[A-Z0-9]{1,20}",
        flips in vec((0usize..HASH_LEN, any::<u8>()), 1..8),
        reseal_it in any::<bool>(),
        cut in prop_oneof![Just(HASH_LEN), 0usize..HASH_LEN],
    ) {
        let device = SyntheticDevice::new("Contoso", "Laptop", serial).build();
        let mut bytes = encode_bytes(&device).unwrap();
        for (at, value) in flips {
            bytes[at] = value;
        }
        if reseal_it {
            reseal(&mut bytes);
        }
        bytes.truncate(cut);
        decode_all_ways(&bytes);
    }
}

#[test]
fn synthetic_devices_are_valid_distinct_and_deterministic() {
    let a = SyntheticDevice::new("Contoso", "Laptop 7", "CTS-0001");
    let b = SyntheticDevice::new("Contoso", "Laptop 7", "CTS-0002");
    let da = decode(&encode(&a.build()).unwrap()).unwrap();
    let db = decode(&encode(&b.build()).unwrap()).unwrap();
    assert!(da.warnings.is_empty(), "{:?}", da.warnings);
    assert_eq!(a.build(), a.build());
    assert_ne!(da.smbios_uuid, db.smbios_uuid);
    assert_ne!(da.ek_digest(), db.ek_digest());
    assert_ne!(da.hardware_identity(), db.hardware_identity());
    assert_eq!(
        da.hardware_identity().unwrap().key(),
        "serial:7:CONTOSO:CTS-0001"
    );
    let no_tpm = SyntheticDevice {
        tpm: false,
        ..a.clone()
    };
    let d = decode(&encode(&no_tpm.build()).unwrap()).unwrap();
    assert!(d.tpm_version.is_none() && d.tpm_ek_public.is_none());
    assert_eq!(
        d.offline_device_id.unwrap().kind,
        OfflineDeviceIdKind::NO_TPM
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn encoder_refuses_what_cannot_be_stored() {
    let mut h = SyntheticDevice::new("Contoso", "Laptop", "S1").build();
    h.serial_number = Some("A\0B".into());
    assert!(matches!(
        encode(&h),
        Err(EncodeError::BadValue {
            field: "serialNumber",
            ..
        })
    ));
    h.serial_number = Some("X".repeat(3000));
    assert!(matches!(encode(&h), Err(EncodeError::TooLarge { .. })));
    h.serial_number = None;
    h.tpm_ek_public = Some(EkPublicKey(vec![1; 255]));
    assert!(matches!(
        encode(&h),
        Err(EncodeError::BadValue {
            field: "tpmEkPublic",
            ..
        })
    ));
}

#[test]
fn record_level_errors_have_their_own_kinds() {
    let string_without_nul = framed(&[(16, b"Contoso".to_vec())]);
    assert_eq!(
        decode_bytes(&string_without_nul).unwrap_err().kind(),
        ErrorKind::StringNotTerminated
    );
    let embedded_nul = framed(&[(16, b"Con\0toso\0".to_vec())]);
    assert_eq!(
        decode_bytes(&embedded_nul).unwrap_err().kind(),
        ErrorKind::InvalidString
    );
    let bad_utf8 = framed(&[(16, b"\xff\xfe\0".to_vec())]);
    assert_eq!(
        decode_bytes(&bad_utf8).unwrap_err().kind(),
        ErrorKind::InvalidString
    );
    let short_uuid = framed(&[(12, vec![1; 15])]);
    let err = decode_bytes(&short_uuid).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RecordSize);
    assert_eq!(err.offset(), Some(4));
    // Lenient mode keeps such records raw (or the string lossily) and warns instead.
    let d = decode_bytes_with(&short_uuid, DecodeOptions { lenient: true }).unwrap();
    assert_eq!(d.other_records.len(), 1);
    assert!(matches!(
        d.warnings.first(),
        Some(Warning::RecordUndecodable {
            record_type: 12,
            ..
        })
    ));
    let d = decode_bytes_with(&string_without_nul, DecodeOptions { lenient: true }).unwrap();
    assert_eq!(d.manufacturer(), Some("Contoso"));
}

#[test]
fn framing_errors_have_their_own_kinds() {
    let mut misaligned = framed(&[(16, b"Contoso\0".to_vec())]);
    // Grow P by two bytes (still zero), then reseal: two stray bytes before the payload end.
    let p = usize::from(u16::from_le_bytes([misaligned[2], misaligned[3]]));
    misaligned[2..4].copy_from_slice(&u16::try_from(p + 2).unwrap().to_le_bytes());
    misaligned[p..p + 2].copy_from_slice(&[0, 0]);
    reseal(&mut misaligned);
    assert_eq!(
        decode_bytes(&misaligned).unwrap_err().kind(),
        ErrorKind::RecordWalkMisaligned
    );

    let mut too_short = framed(&[(16, b"Contoso\0".to_vec())]);
    too_short[6..8].copy_from_slice(&2u16.to_le_bytes());
    reseal(&mut too_short);
    assert_eq!(
        decode_bytes(&too_short).unwrap_err().kind(),
        ErrorKind::RecordTooShort
    );

    let unknown = framed(&[(99, vec![1, 2, 3]), (16, b"Contoso\0".to_vec())]);
    let d = decode_bytes(&unknown).unwrap();
    assert!(d.warnings.contains(&Warning::UnknownRecordType {
        record_type: 99,
        offset: 4
    }));
    assert_eq!(
        d.other_records,
        vec![RawRecord {
            record_type: 99,
            value: vec![1, 2, 3]
        }]
    );

    let repeated = framed(&[(16, b"A\0".to_vec()), (16, b"B\0".to_vec())]);
    let d = decode_bytes(&repeated).unwrap();
    assert_eq!(d.manufacturer(), Some("A"));
    assert!(d.warnings.contains(&Warning::RepeatedRecord {
        record_type: 16,
        offset: 10
    }));

    assert_eq!(decode("").unwrap_err().kind(), ErrorKind::NotBase64);
    assert_eq!(
        decode_bytes(b"O").unwrap_err().kind(),
        ErrorKind::WrongLength
    );
}

#[test]
fn consistency_findings_are_warnings() {
    let mut h = SyntheticDevice::new("Contoso", "Laptop", "S1").build();
    if let Some(o) = h.offline_device_id.as_mut() {
        o.id[0] ^= 1;
    }
    if let Some(t) = h.tool.as_mut() {
        t.time_zone = 120;
        t.tool_version = 42;
    }
    h.gpu_names.clear();
    h.system_family = Some("SMBIOS_STRING_INDEX_0".into());
    let d = decode(&encode(&h).unwrap()).unwrap();
    for expected in [
        Warning::OfflineDeviceIdMismatch,
        Warning::UnreliableTimeZone { raw: 120 },
        Warning::UnknownToolVersion { version: 42 },
        Warning::GpuCountMismatch {
            memory: 1,
            names: 0,
        },
        Warning::SmbiosPlaceholder {
            field: "SmbiosSystemFamily",
        },
    ] {
        assert!(
            d.warnings.contains(&expected),
            "{expected:?} not in {:?}",
            d.warnings
        );
    }
    assert_eq!(d.tool.unwrap().local_time(), None);
}

#[test]
fn checksum_verdict_comes_before_record_errors() {
    // A string without its terminator, then a record after it: sealed, the record's error;
    // with one checksum byte flipped, the checksum's, though the records are read first.
    let mut bytes = framed(&[(16, b"HP".to_vec()), (14, b"S1\0".to_vec())]);
    assert_eq!(
        decode_bytes(&bytes).unwrap_err().kind(),
        ErrorKind::StringNotTerminated
    );
    let p = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
    bytes[p + 4] ^= 1;
    assert_eq!(
        decode_bytes(&bytes).unwrap_err().kind(),
        ErrorKind::ChecksumMismatch
    );
}

#[test]
fn offline_device_id_is_checked_against_the_first_ek_kept() {
    let h = SyntheticDevice::new("Contoso", "Laptop", "S1").build();
    let ek = h.tpm_ek_public.clone().unwrap().0;
    let odid = h.offline_device_id.unwrap();
    let mut odid_value = odid.status.to_le_bytes().to_vec();
    for word in [odid.kind.0, odid.declared_length, odid.reserved] {
        odid_value.extend_from_slice(&word.to_le_bytes());
    }
    odid_value.extend_from_slice(&odid.id);
    let warned = |records: &[(u16, Vec<u8>)], lenient: bool| {
        let d = decode_bytes_with(&framed(records), DecodeOptions { lenient }).unwrap();
        let w = |x: &Warning| d.warnings.contains(x);
        (
            w(&Warning::OfflineDeviceIdMismatch),
            w(&Warning::OfflineDeviceIdUnverifiable),
        )
    };
    let mut other = ek.clone();
    other[0] ^= 1;
    // The matching key, then a repeated one that does not match: the first is the one kept.
    assert_eq!(
        warned(
            &[
                (25, ek.clone()),
                (11, odid_value.clone()),
                (25, other.clone())
            ],
            false
        ),
        (false, false)
    );
    assert_eq!(
        warned(
            &[(25, other), (11, odid_value.clone()), (25, ek.clone())],
            false
        ),
        (true, false)
    );
    // A key of the wrong size is kept raw (leniently) and checks nothing.
    assert_eq!(
        warned(&[(25, ek[..255].to_vec()), (11, odid_value.clone())], true),
        (false, true)
    );
    assert_eq!(warned(&[(11, odid_value)], false), (false, true));
}
