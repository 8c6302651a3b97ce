//! `autopilot-graph hash inspect` and `hash generate`.

use assert_cmd::Command;
use autopilot_testkit::{hwhash_dir, list};
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("autopilot-graph").unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = bin();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn generate(args: &[&str]) -> String {
    let mut all = vec![
        "hash",
        "generate",
        "--manufacturer",
        "Contoso",
        "--model",
        "Laptop 7",
        "--captured-at",
        "2026-11-28T09:00:00Z",
    ];
    all.extend_from_slice(args);
    let r = run(&all, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn inspects_every_real_sample_from_a_file() {
    let Some(dir) = hwhash_dir() else { return };
    let expected = [
        ("hp-elitebook-650-g10", "5CD349G8VJ"),
        ("hp-elitebook-840-g8", "5CG1457YL8"),
        ("lenovo-thinkpad-p14s-gen5", "PF5NRH33"),
        ("qemu-q35-notpm", "SMBIOS_STRING_INDEX_0"),
        ("vmware-vm-notpm", "VMware-56 4d 8d 37"),
    ];
    let files = list(&dir, ".", &["b64"]);
    assert_eq!(files.len(), expected.len());
    for (path, (prefix, serial)) in files.iter().zip(expected) {
        let arg = format!("@{}", path.display());
        let r = run(&["hash", "inspect", &arg], None);
        assert_eq!(r.code, 0, "{prefix}: {}", r.stderr);
        assert!(r.stdout.contains("valid hardware hash"), "{}", r.stdout);
        assert!(r.stdout.contains(serial), "{prefix}: {}", r.stdout);
        assert!(r.stdout.contains("SHA-256 checksum OK"), "{}", r.stdout);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
    }
}

#[test]
fn summary_shows_device_uuid_tpm_disks_nics_and_capture_time() {
    let Some(dir) = hwhash_dir() else { return };
    let arg = format!(
        "@{}",
        dir.join("hp-elitebook-840-g8.pmedley26-PowerShell.dd069fa.b64")
            .display()
    );
    let out = run(&["hash", "inspect", &arg], None).stdout;
    for needle in [
        "HP HP EliteBook 840 G8 Notebook PC: valid hardware hash",
        "SMBIOS UUID      8e9e73e6-ef91-4ef4-aa74-130c5e4b0dc4",
        "TPM              2.0, vendor IFX, revision 1.38",
        "Disk 1           512 GB NVMe, JYS512G3000XXG3",
        "Bluetooth 44:E5:17:A6:2E:FC (BTH)",
        "Captured         2026-02-26T19:21:02Z (local 2026-02-26T14:21:02-05:00)",
        "Identity         serial:2:HP:5CG1457YL8",
        "Offline id       TPM_EK",
        "(matches the EK)",
        "Warnings         none",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn reads_the_hash_from_an_argument_and_from_stdin() {
    let hash = generate(&["--serial", "ARG-1"]);
    let r = run(&["hash", "inspect", hash.trim()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ARG-1"));
    // Wrapped and with CRLF on standard input.
    let wrapped: String = hash
        .trim()
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let r = run(&["hash", "inspect", "-"], Some(wrapped.as_bytes()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ARG-1"));
}

#[test]
fn invalid_hashes_exit_1_with_the_reason_on_stderr() {
    let Some(dir) = hwhash_dir() else { return };
    for (file, reason) in [
        ("negative/bad-base64-character.txt", "invalid character '*'"),
        ("negative/wrong-magic.b64", "not an Autopilot hardware hash"),
        (
            "negative/graph-docs-placeholder.txt",
            "not an Autopilot hardware hash",
        ),
        ("negative/truncated-2000-chars.txt", "truncated"),
        ("negative/checksum-mismatch.b64", "checksum mismatch"),
        (
            "negative/payload-length-overflow.b64",
            "payload length 2990",
        ),
        (
            "negative/record-length-overrun-valid-checksum.b64",
            "record walk",
        ),
        (
            "negative/string-not-nul-terminated-valid-checksum.b64",
            "not NUL-terminated",
        ),
        (
            "negative/missing-checksum-record.b64",
            "missing checksum record",
        ),
        ("hyperv-vm.oofhours-2022-08-02.TRUNCATED.txt", "truncated"),
    ] {
        let arg = format!("@{}", dir.join(file).display());
        let r = run(&["hash", "inspect", &arg], None);
        assert_eq!(r.code, 1, "{file}: {}", r.stdout);
        assert!(r.stderr.contains(reason), "{file}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{file}: {}", r.stdout);
    }
    let arg = format!("@{}", dir.join("negative/nonzero-padding.b64").display());
    let r = run(&["hash", "inspect", &arg], None);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("Warning          1 non-zero byte(s) in the padding"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_output_for_valid_and_invalid_hashes() {
    let hash = generate(&["--serial", "JSON-1"]);
    let r = run(&["hash", "inspect", "--json", hash.trim()], None);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["identity"], "serial:7:CONTOSO:JSON-1");
    assert_eq!(v["decoded"]["hash"]["serialNumber"], "JSON-1");
    assert!(v["decoded"]["payloadLength"].as_u64().unwrap() > 100);

    let r = run(
        &["hash", "inspect", "--json", "aGFyZHdhcmVJZGVudGlmaWVy"],
        None,
    );
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["kind"], "badMagic");
}

#[test]
fn the_real_csvs_inspect_cleanly() {
    let Some(dir) = hwhash_dir() else { return };
    let files = list(&dir, "csv", &["csv"]);
    assert_eq!(files.len(), 3);
    for path in files {
        let r = run(&["hash", "inspect", "--csv", path.to_str().unwrap()], None);
        assert_eq!(r.code, 0, "{}: {}", path.display(), r.stderr);
        assert!(r.stdout.contains("UTF-16LE with BOM"), "{}", r.stdout);
        assert!(r.stdout.contains("── line 2: serial"), "{}", r.stdout);
        assert!(
            r.stdout.trim_end().ends_with("1 valid, 0 invalid"),
            "{}",
            r.stdout
        );
        assert!(!r.stdout.contains("differs from the hash"), "{}", r.stdout);
    }
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

#[test]
fn csv_rows_are_checked_one_by_one_in_any_encoding() {
    let csv = generate(&["--serial", "ROW", "--count", "3", "--format", "csv"]);
    // Row 3 gets a damaged hash, row 4 a serial that differs from its hash.
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(",T0", ",U0", 1);
    lines[3] = lines[3].replacen("ROW0003", "OTHER-9", 1);
    let text = lines.join("\r\n") + "\r\n";
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("utf8.csv", text.clone().into_bytes()),
        ("utf16.csv", utf16le_bom(&text)),
        (
            "ansi.csv",
            windows_1252(&text.replace("OTHER-9", "ÖTHER-9")),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = run(&["hash", "inspect", "--csv", path.to_str().unwrap()], None);
        assert_eq!(r.code, 1, "{name}");
        assert!(r.stdout.contains("3 row(s)"), "{name}: {}", r.stdout);
        assert!(
            r.stdout.contains("2 valid, 1 invalid"),
            "{name}: {}",
            r.stdout
        );
        assert!(
            r.stderr
                .contains(&format!("{}:3: serial \"ROW0002\"", path.display())),
            "{name}: {}",
            r.stderr
        );
        assert!(
            r.stdout
                .contains("differs from the hash's SMBIOS serial \"ROW0003\""),
            "{name}: {}",
            r.stdout
        );

        let r = run(
            &["hash", "inspect", "--json", "--csv", path.to_str().unwrap()],
            None,
        );
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["invalid"], 1);
        assert_eq!(v["rows"][1]["line"], 3);
        assert_eq!(v["rows"][1]["valid"], false);
        assert_eq!(v["rows"][1]["error"]["kind"], "badMagic");
    }
}

#[test]
fn generate_makes_distinct_valid_reproducible_devices() {
    let first = generate(&["--serial", "LAB-{n}", "--count", "3"]);
    let again = generate(&["--serial", "LAB-{n}", "--count", "3"]);
    assert_eq!(first, again);
    let hashes: Vec<&str> = first.lines().collect();
    assert_eq!(hashes.len(), 3);
    for (i, hash) in hashes.iter().enumerate() {
        assert_eq!(hash.len(), 4000);
        let r = run(&["hash", "inspect", "--json", hash], None);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(
            v["decoded"]["hash"]["serialNumber"],
            format!("LAB-{:04}", i + 1)
        );
        assert_eq!(v["decoded"]["warnings"], Value::Array(vec![]));
    }
    let seeded = generate(&["--serial", "LAB-{n}", "--count", "3", "--seed", "7"]);
    assert_ne!(first, seeded);

    let json = generate(&[
        "--serial", "J", "--count", "2", "--format", "json", "--no-tpm",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[1]["serialNumber"], "J0002");
    let r = run(
        &[
            "hash",
            "inspect",
            v[1]["hardwareIdentifier"].as_str().unwrap(),
        ],
        None,
    );
    assert!(r.stdout.contains("TPM              none"), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["hash", "inspect"], None).code, 2);
    assert_eq!(
        run(&["hash", "inspect", "@/nonexistent/file"], None).code,
        2
    );
    assert_eq!(
        run(&["hash", "inspect", "--csv", "/nonexistent.csv"], None).code,
        2
    );
    assert_eq!(run(&["hash", "generate", "--serial", "S"], None).code, 2);
    let r = run(
        &[
            "hash",
            "generate",
            "--manufacturer",
            "M",
            "--model",
            "X",
            "--serial",
            "S",
            "--captured-at",
            "yesterday",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("RFC 3339"), "{}", r.stderr);
    assert_eq!(run(&["nonsense"], None).code, 2);
}
