//! The real hashes in `shared/testdata/hwhash` against their reference decodings.

use autopilot_hwhash::{
    Decoded, DiskId, ErrorKind, OfflineDeviceIdKind, Warning, decode, decode_with, names,
};
use autopilot_testkit::{hwhash_dir, list, read_text};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Our decoding, expressed with the reference files' key names and formats.
fn reference_view(file: &str, text: &str, d: &Decoded) -> Value {
    let h = &d.hash;
    let mut v = json!({
        "file": file,
        "base64Length": text.len(),
        "binaryLength": d.binary_length,
        "payloadLength": d.payload_length,
        "recordTypes": d.records.iter().map(|r| r.record_type).collect::<Vec<_>>(),
    });
    let o = v.as_object_mut().unwrap();
    let mut put = |k: &str, val: Value| {
        o.insert(k.to_owned(), val);
    };
    if let Some(t) = &h.tool {
        let fmt = time::format_description::well_known::Rfc3339;
        let utc = t
            .capture_time()
            .format(&fmt)
            .unwrap()
            .replace('Z', "+00:00");
        put("ToolBuild", json!(t.tool_build.to_string()));
        put("OsBuild", json!(t.os_build.to_string()));
        put("OsSystemTime", json!(utc));
        if let Some(local) = t.local_time() {
            put(
                "OsLocalTime",
                json!(local.format(&fmt).unwrap().replace('Z', "+00:00")),
            );
        }
        put("OsTimeZoneRaw", json!(t.time_zone));
        put("OSType", json!(t.os_type_name()));
        put(
            "OsCpuArchitecture",
            json!(names::architecture(t.os_architecture.into())),
        );
        put("ToolVersion", json!(t.tool_version));
    }
    if let Some(p) = &h.processor {
        put(
            "ProcessorArchitecture",
            json!(names::architecture(p.architecture)),
        );
        put("ProcessorPackages", json!(p.packages));
        put("ProcessorCores", json!(p.cores));
        put("ProcessorThreads", json!(p.threads));
        put("ProcessorHyperThreading", json!(p.hyper_threading));
    }
    if let Some(classes) = &h.core_classes {
        let c: Vec<Value> = classes
            .iter()
            .map(|c| json!({"EfficiencyClass": c.efficiency_class, "Cores": c.cores, "Threads": c.threads}))
            .collect();
        put("CoreClasses", json!(c));
    }
    if let Some(m) = &h.memory {
        put("TotalPhysicalRAM_GB", json!(m.total_physical_ram_gb));
        put("SmbiosRamMaximumCapacity_GB", json!(m.maximum_capacity_gb));
        put("SmbiosRamSlots", json!(m.slots));
        put("SmbiosRamArrayCount", json!(m.array_count));
        put(
            "SmbiosRamErrorCorrection",
            json!(names::error_correction(m.error_correction)),
        );
    }
    put("ProcessorManufacturer", json!(h.processor_manufacturer));
    put("ProcessorModel", json!(h.processor_model));
    if let Some(cm) = &h.display_size_cm {
        put("Type27_DisplaySize_cm?", json!([cm.width_cm, cm.height_cm]));
    }
    if let Some(e) = &h.enclosure {
        put("ChassisType", json!(format!("0x{:02X}", e.chassis_type)));
        put(
            "PowerPlatformRole",
            json!(names::power_platform_role(e.power_platform_role)),
        );
        put("Type10_Byte2", json!(e.unknown_byte2));
        put(
            "DigitizerSupportID",
            json!(names::digitizer(e.digitizer_support)),
        );
        put("Type10_Byte4", json!(e.unknown_byte4));
    }
    put("TPMVersion", json!(h.tpm_version));
    if let Some(ek) = &h.tpm_ek_public {
        put("TPM EkPub", json!(B64.encode(&ek.0)));
    }
    if let Some(odid) = &h.offline_device_id {
        put("Status", json!(format!("0x{:08x}", odid.status)));
        put("OfflineDeviceIdType", json!(odid.kind.to_string()));
        put("OfflineDeviceId", json!(B64.encode(odid.id)));
        if odid.kind == OfflineDeviceIdKind::TPM_EK {
            put(
                "OfflineDeviceId==SHA256(EkPub)",
                json!(h.ek_digest() == Some(odid.id)),
            );
        }
    }
    put("SmbiosUuid", json!(h.smbios_uuid.map(|u| u.to_string())));
    for (key, value) in [
        ("SmbiosSystemSerialNumber", &h.serial_number),
        ("SmbiosFirmwareVendor", &h.firmware_vendor),
        ("SmbiosSystemManufacturer", &h.manufacturer),
        ("SmbiosSystemProductName", &h.product_name),
        ("SmbiosSkuNumber", &h.sku_number),
        ("SmbiosSystemFamily", &h.system_family),
        ("SmbiosSystemVersion", &h.system_version),
        ("SmbiosBoardManufacturer", &h.board_manufacturer),
        ("SmbiosBoardProduct", &h.board_product),
        ("SmbiosBoardVersion", &h.board_version),
        ("ProductKeyID", &h.product_key_id),
        ("ProductKeyPkPn", &h.product_key_pkpn),
    ] {
        put(key, json!(value));
    }
    if let Some(r) = h.other_records.iter().find(|r| r.record_type == 35) {
        let hex: String = r.value.iter().map(|b| format!("{b:02x}")).collect();
        put("Type35_raw", json!(hex));
    }
    if let (Some(block), Some(s)) = (&h.spp_hwid, h.spp_hwid_info()) {
        put(
            "SppHwid",
            json!({"base64": B64.encode(block), "size": s.size, "version": s.version,
                   "instances": s.instances, "consistent": s.consistent}),
        );
    }
    let disks: Vec<Value> = h
        .disks
        .iter()
        .map(|d| {
            json!({"DiskCapacity_GB": d.capacity_gb,
                   "StorageBusType": names::storage_bus(d.storage_bus_type),
                   "IncursSeekPenalty": d.incurs_seek_penalty, "TrimEnabled": d.trim_enabled})
        })
        .collect();
    put("Disks", json!(disks));
    put("DiskSerialNumber", json!(h.disk_serial_numbers));
    put("DiskSSNKernel", json!(h.disk_ssn_kernel));
    let nics: Vec<Value> = h
        .network_adapters
        .iter()
        .map(|n| {
            json!({"PhysicalMedium": names::physical_medium(n.physical_medium),
                   "MacAddress": n.mac_address.to_string(), "Bus": n.bus})
        })
        .collect();
    put("NetworkAdapters", json!(nics));
    let displays: Vec<Value> = h
        .displays
        .iter()
        .map(|d| {
            json!({"SizePhysicalH_mm": d.width_mm, "SizePhysicalV_mm": d.height_mm,
                   "ResolutionHorizontal": d.resolution_horizontal,
                   "ResolutionVertical": d.resolution_vertical,
                   "OutputTechnology": format!("0x{:x}", d.output_technology)})
        })
        .collect();
    put("Displays", json!(displays));
    let gpus: Vec<Value> = h
        .gpu_memory
        .iter()
        .zip(&h.gpu_names)
        .map(|(m, n)| {
            json!({"DedicatedVideoMemory": m.dedicated_video_memory,
                   "DedicatedSystemMemory": m.dedicated_system_memory,
                   "RemovalPolicy": names::removal_policy(m.removal_policy),
                   "InLocalMachineContainer": m.in_local_machine_container,
                   "Manufacturer": n.manufacturer, "Model": n.model})
        })
        .collect();
    put("Gpus", json!(gpus));
    v
}

#[test]
fn every_real_sample_matches_its_reference_decoding() {
    let Some(dir) = hwhash_dir() else { return };
    let samples = list(&dir, ".", &["b64"]);
    assert_eq!(samples.len(), 5, "expected the five real samples");
    for path in samples {
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = read_text(&dir, &file);
        let decoded = decode(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let ours = reference_view(&file, &text, &decoded);
        let reference: Value = serde_json::from_str(&read_text(
            &dir,
            &format!("decoded/{}", file.replace(".b64", ".json")),
        ))
        .unwrap();
        let mut compared = 0;
        for (key, expected) in reference.as_object().unwrap() {
            if matches!(key.as_str(), "checksum" | "errors" | "warnings") {
                continue;
            }
            // The reference lists empty collections only where the record type exists.
            let actual = ours.get(key).unwrap_or(&Value::Null);
            assert_eq!(actual, expected, "{file}: field {key}");
            compared += 1;
        }
        assert!(compared > 40, "{file}: only {compared} fields compared");
        assert!(
            decoded
                .warnings
                .iter()
                .all(|w| matches!(w, Warning::SmbiosPlaceholder { .. })),
            "{file}: unexpected warnings {:?}",
            decoded.warnings
        );
        // The EK digest: SHA-256 of the reference modulus equals ours and the offline id.
        if let Some(ek) = reference.get("TPM EkPub").and_then(Value::as_str) {
            let digest: [u8; 32] = Sha256::digest(B64.decode(ek).unwrap()).into();
            assert_eq!(decoded.ek_digest(), Some(digest), "{file}: EK digest");
            assert_eq!(decoded.offline_device_id.unwrap().id, digest, "{file}");
        }
        assert!(decoded.hardware_identity().is_some(), "{file}: no identity");
    }
}

#[test]
fn identities_follow_the_documented_rule() {
    let Some(dir) = hwhash_dir() else { return };
    let id = |name: &str| {
        decode(&read_text(&dir, name))
            .unwrap()
            .hardware_identity()
            .unwrap()
            .key()
    };
    assert_eq!(
        id("hp-elitebook-840-g8.pmedley26-PowerShell.dd069fa.b64"),
        "serial:2:HP:5CG1457YL8"
    );
    assert_eq!(
        id("lenovo-thinkpad-p14s-gen5.pmedley26-PowerShell.6cc4304.b64"),
        "serial:6:LENOVO:PF5NRH33"
    );
    // QEMU's serial is the SMBIOS_STRING_INDEX_0 placeholder: the UUID identifies it.
    assert!(id("qemu-q35-notpm.pmedley26-PowerShell.a5f2af5.b64").starts_with("uuid:"));
    assert_eq!(
        id("vmware-vm-notpm.M3sterKw0n-class13.2b36e62.b64"),
        "serial:12:VMWARE, INC.:VMWARE-56 4D 8D 37 93 FE F5 0E-88 0C 3D 23 2B A1 5A 41"
    );
}

#[test]
fn placeholders_are_reported_and_treated_as_absent() {
    let Some(dir) = hwhash_dir() else { return };
    let d = decode(&read_text(
        &dir,
        "qemu-q35-notpm.pmedley26-PowerShell.a5f2af5.b64",
    ))
    .unwrap();
    assert_eq!(d.serial_number.as_deref(), Some("SMBIOS_STRING_INDEX_0"));
    assert_eq!(d.serial(), None);
    assert_eq!(d.sku(), None);
    let fields: Vec<&str> = d
        .warnings
        .iter()
        .filter_map(|w| match w {
            Warning::SmbiosPlaceholder { field } => Some(*field),
            _ => None,
        })
        .collect();
    assert!(fields.contains(&"SmbiosSystemSerialNumber"), "{fields:?}");
    assert_eq!(d.manufacturer(), Some("QEMU"));
}

#[test]
fn decoded_fields_are_typed() {
    let Some(dir) = hwhash_dir() else { return };
    let d = decode(&read_text(
        &dir,
        "hp-elitebook-840-g8.pmedley26-PowerShell.dd069fa.b64",
    ))
    .unwrap();
    let tpm = d.tpm().unwrap();
    assert_eq!(tpm.version, "2.0");
    assert_eq!(tpm.vendor_id, "IFX");
    assert_eq!(tpm.revision, "1.38");
    let disk = DiskId::parse(d.disk_serial_numbers.first().unwrap());
    assert_eq!(disk.product, "JYS512G3000XXG3");
    assert_eq!(d.network_adapters.first().unwrap().bus, "BTH");
    assert_eq!(d.model(), Some("HP EliteBook 840 G8 Notebook PC"));
    let spp = d.spp_hwid_info().unwrap();
    assert_eq!(spp.instances, [0, 0, 1, 1, 3, 2, 0, 4, 1]);
    assert!(spp.consistent);
    let lenovo = decode(&read_text(
        &dir,
        "lenovo-thinkpad-p14s-gen5.pmedley26-PowerShell.6cc4304.b64",
    ))
    .unwrap();
    assert_eq!(lenovo.gpu_names.len(), 2);
    assert_eq!(lenovo.core_classes.as_ref().map(Vec::len), Some(2));
}

#[test]
fn every_negative_vector_is_rejected_with_its_own_error() {
    let Some(dir) = hwhash_dir() else { return };
    let expected = [
        ("bad-base64-character.txt", Some(ErrorKind::NotBase64)),
        ("wrong-magic.b64", Some(ErrorKind::BadMagic)),
        ("graph-docs-placeholder.txt", Some(ErrorKind::BadMagic)),
        ("truncated-2000-chars.txt", Some(ErrorKind::WrongLength)),
        ("checksum-mismatch.b64", Some(ErrorKind::ChecksumMismatch)),
        (
            "payload-length-overflow.b64",
            Some(ErrorKind::PayloadLengthOutOfBounds),
        ),
        (
            "record-length-overrun-valid-checksum.b64",
            Some(ErrorKind::RecordOverrun),
        ),
        (
            "string-not-nul-terminated-valid-checksum.b64",
            Some(ErrorKind::StringNotTerminated),
        ),
        (
            "missing-checksum-record.b64",
            Some(ErrorKind::MissingChecksum),
        ),
        ("nonzero-padding.b64", None),
    ];
    let files = list(&dir, "negative", &["b64", "txt"]);
    assert_eq!(
        files.len(),
        expected.len(),
        "a negative vector is not covered"
    );
    for (file, kind) in expected {
        let text = read_text(&dir, &format!("negative/{file}"));
        let result = decode(&text);
        match kind {
            Some(kind) => {
                let err = result.expect_err(file);
                assert_eq!(err.kind(), kind, "{file}: {err}");
                assert!(!err.to_string().is_empty());
            }
            None => {
                let d = result.unwrap_or_else(|e| panic!("{file}: {e}"));
                assert!(
                    d.warnings.iter().any(|w| matches!(
                        w,
                        Warning::NonZeroPadding {
                            offset: 2999,
                            count: 1
                        }
                    )),
                    "{file}: {:?}",
                    d.warnings
                );
            }
        }
    }
}

#[test]
fn error_messages_say_where() {
    let Some(dir) = hwhash_dir() else { return };
    let err = |f: &str| decode(&read_text(&dir, &format!("negative/{f}"))).unwrap_err();
    assert_eq!(err("bad-base64-character.txt").offset(), Some(100));
    assert!(err("bad-base64-character.txt").to_string().contains("'*'"));
    assert!(
        err("truncated-2000-chars.txt")
            .to_string()
            .starts_with("truncated")
    );
    assert!(err("truncated-2000-chars.txt").is_truncated());
    let overrun = err("record-length-overrun-valid-checksum.b64").to_string();
    assert!(overrun.contains("payload end at 1159"), "{overrun}");
    let nul = err("string-not-nul-terminated-valid-checksum.b64").to_string();
    assert!(nul.contains("SmbiosSystemProductName"), "{nul}");
}

#[test]
fn the_truncated_hyperv_sample_is_rejected_as_truncated() {
    let Some(dir) = hwhash_dir() else { return };
    let text = read_text(&dir, "hyperv-vm.oofhours-2022-08-02.TRUNCATED.txt");
    let err = decode(&text).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongLength);
    assert!(err.is_truncated(), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
    // Lenient mode skips the length rule, and then the header gives it away.
    let err = decode_with(&text, autopilot_hwhash::DecodeOptions { lenient: true }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PayloadLengthOutOfBounds);
    assert!(err.is_truncated(), "{err}");
}

#[test]
fn every_variant_is_accepted() {
    let Some(dir) = hwhash_dir() else { return };
    let original = decode(&read_text(
        &dir,
        "hp-elitebook-840-g8.pmedley26-PowerShell.dd069fa.b64",
    ))
    .unwrap();
    let files = list(&dir, "variants", &["b64", "txt"]);
    assert_eq!(files.len(), 3);
    for name in ["base64url-alphabet.txt", "wrapped-76-columns-crlf.txt"] {
        let d = decode(&read_text(&dir, &format!("variants/{name}"))).unwrap();
        assert_eq!(d, original, "{name}");
    }
    let minimal = decode(&read_text(&dir, "variants/synthetic-minimal-4-records.b64")).unwrap();
    assert_eq!(minimal.serial(), Some("TEST-SERIAL-0001"));
    assert_eq!(minimal.manufacturer(), Some("Contoso"));
    assert_eq!(minimal.model(), Some("Contoso Laptop 1"));
    assert_eq!(minimal.warnings, vec![Warning::MissingToolInfo]);
}

#[test]
fn real_samples_survive_reencoding() {
    let Some(dir) = hwhash_dir() else { return };
    for path in list(&dir, ".", &["b64"]) {
        let text = std::fs::read_to_string(&path).unwrap();
        let d = decode(&text).unwrap();
        let again = decode(&autopilot_hwhash::encode(&d.hash).unwrap()).unwrap();
        assert_eq!(again.hash, d.hash, "{}", path.display());
    }
}
