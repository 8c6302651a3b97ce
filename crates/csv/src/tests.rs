//! The offline check, on synthetic devices.

use autopilot_hwhash::SyntheticDevice;

use super::*;

fn hash(serial: &str, seed: u64) -> String {
    let mut device = SyntheticDevice::new("Contoso", "Laptop 7", serial);
    device.seed = seed;
    autopilot_hwhash::encode(&device.build()).unwrap()
}

fn file(rows: &[(&str, &str)]) -> CsvFile {
    let mut text = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\r\n".to_owned();
    for (serial, hash) in rows {
        text.push_str(&format!("{serial},,{hash},Lab\r\n"));
    }
    parse(text.as_bytes()).unwrap()
}

#[test]
fn every_row_gets_its_verdict_with_its_line() {
    let good = hash("S1", 0);
    let other = hash("S2", 0);
    let checked = check(&[(
        "a.csv".to_owned(),
        file(&[
            ("S1", &good),
            ("S2", "not base64!"),
            ("S3", "T0E="),
            ("S2", &other),
        ]),
    )]);
    assert_eq!(checked.rows.len(), 4);
    assert_eq!(checked.ready(), 2);
    assert_eq!(checked.invalid(), 2);
    let lines: Vec<u64> = checked.rows.iter().map(|r| r.row.line).collect();
    assert_eq!(lines, [2, 3, 4, 5]);
    assert!(checked.rows[0].ready());
    let Verdict::Invalid {
        code,
        name,
        message,
    } = &checked.rows[1].verdict
    else {
        panic!("{:?}", checked.rows[1]);
    };
    assert_eq!((*code, *name), INVALID_HASH);
    assert!(message.contains("not base64"), "{message}");
    assert!(!checked.rows[2].ready());
    assert_eq!(checked.rows[2].message(), {
        let Verdict::Invalid { message, .. } = &checked.rows[2].verdict else {
            unreachable!()
        };
        message.clone()
    });
}

#[test]
fn the_same_hardware_twice_is_named_by_its_first_place() {
    let one = hash("S1", 0);
    let checked = check(&[
        ("a.csv".to_owned(), file(&[("S1", &one)])),
        ("b.csv".to_owned(), file(&[("S1", &one)])),
    ]);
    assert!(checked.rows[0].ready());
    let dup = autopilot_domain::registration::DUPLICATED;
    assert_eq!(
        checked.rows[1].verdict,
        Verdict::Invalid {
            code: dup.code,
            name: dup.name,
            message: "the same hardware as a.csv:2".to_owned()
        }
    );
    assert_eq!(checked.rows[1].file, 1);
}

#[test]
fn a_serial_that_differs_from_the_hash_is_sent_with_a_warning() {
    let checked = check(&[("a.csv".to_owned(), file(&[("OTHER", &hash("S1", 0))]))]);
    assert!(checked.rows[0].ready());
    assert_eq!(checked.rows[0].hash_serial.as_deref(), Some("S1"));
    assert_eq!(
        checked.rows[0].message(),
        "the CSV serial differs from the hash's (S1)"
    );
    assert_eq!(
        checked.problems,
        vec![Problem {
            file: 0,
            line: 2,
            message: "warning: serial OTHER in the CSV, S1 in the hash".to_owned()
        }]
    );
}

#[test]
fn portal_findings_are_problems_of_their_file() {
    let text = format!(
        "device serial number,Windows Product ID,Hardware Hash\n\"S1\",,{}\n",
        hash("S1", 0)
    );
    let checked = check(&[("a.csv".to_owned(), parse(text.as_bytes()).unwrap())]);
    let lines: Vec<u64> = checked.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 2]);
}

#[test]
fn the_failures_file_reads_back_as_the_same_rows() {
    let wrapped = {
        let h = hash("S1", 0);
        format!("{}\n {}", &h[..40], &h[40..])
    };
    let rows = vec![CsvRow {
        line: 2,
        serial_number: "S1".into(),
        product_id: "00330-80000-00000-AA123".into(),
        hardware_hash: wrapped,
        group_tag: Some("Lab".into()),
        assigned_user: None,
    }];
    let text = failures_csv(&rows);
    assert!(text.starts_with(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n"
    ));
    let back = parse(text.as_bytes()).unwrap();
    assert!(
        back.portal_findings.is_empty(),
        "{:?}",
        back.portal_findings
    );
    assert_eq!(back.rows[0].hardware_hash, hash("S1", 0));
    assert_eq!(back.rows[0].group_tag.as_deref(), Some("Lab"));
    assert_eq!(back.rows[0].product_id, "00330-80000-00000-AA123");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any bytes: read or refused with a reason, and every row read is checked.
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(file) = parse(&bytes) {
                let rows = file.rows.len();
                let checked = check(&[("f.csv".to_owned(), file)]);
                prop_assert_eq!(checked.rows.len(), rows);
            }
        }

        /// The failures file gives back the rows it was made of, in any encoding it is saved in.
        #[test]
        fn failures_read_back(
            rows in proptest::collection::vec(
                ("[A-Za-z0-9-]{1,20}", "[0-9-]{0,29}", "[A-Za-z0-9+/]{4,40}", "[A-Za-z0-9 _-]{0,20}"),
                1..20,
            ),
            utf16 in any::<bool>(),
        ) {
            let rows: Vec<CsvRow> = rows
                .into_iter()
                .enumerate()
                .map(|(i, (serial, product, hash, tag))| CsvRow {
                    line: i as u64 + 2,
                    serial_number: serial,
                    product_id: product,
                    hardware_hash: hash,
                    group_tag: Some(tag.trim().to_owned()).filter(|t| !t.is_empty()),
                    assigned_user: None,
                })
                .collect();
            let text = failures_csv(&rows);
            let bytes = if utf16 {
                let mut b = vec![0xFF, 0xFE];
                b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                b
            } else {
                text.into_bytes()
            };
            let back = parse(&bytes).unwrap();
            prop_assert_eq!(back.rows, rows);
        }
    }
}
