//! The offline check of every row, before anything is sent: the hash decoded and judged by the
//! registration rules the service applies (`autopilot_domain::registration::evaluate`), the
//! CSV's serial number compared with the hash's, the same hardware twice across the files, and
//! the portal's rules of each file. The CLI's `import` and the console's CSV import both show
//! this, line by line.

use base64::Engine as _;

use crate::read::{CsvFile, CsvRow};

/// What the service would answer for a hash it cannot use.
pub const INVALID_HASH: (i32, &str) = (802, "InvalidZtdHardwareHash");

/// What the check says of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid offline: may be sent.
    Ready,
    /// Not to be sent: the hash is not valid, or the same hardware is in the files already.
    Invalid {
        code: i32,
        name: &'static str,
        message: String,
    },
}

/// One row and what the check says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRow {
    /// The index of the row's file in the list checked.
    pub file: usize,
    pub row: CsvRow,
    pub verdict: Verdict,
    /// The serial number in the hash, when it differs from the CSV's (sent anyway, as Intune
    /// takes it; the service registers the CSV's).
    pub hash_serial: Option<String>,
}

impl CheckedRow {
    pub fn ready(&self) -> bool {
        self.verdict == Verdict::Ready
    }

    /// The words for the row's problem or warning, empty when it has none.
    pub fn message(&self) -> String {
        match (&self.verdict, &self.hash_serial) {
            (Verdict::Invalid { message, .. }, _) => message.clone(),
            (Verdict::Ready, Some(serial)) => {
                format!("the CSV serial differs from the hash's ({serial})")
            }
            (Verdict::Ready, None) => String::new(),
        }
    }
}

/// A problem of a file that is not a row's verdict: a portal rule broken, or a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: usize,
    pub line: u64,
    pub message: String,
}

/// The check of a set of files.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub rows: Vec<CheckedRow>,
    pub problems: Vec<Problem>,
}

impl Checked {
    pub fn ready(&self) -> usize {
        self.rows.iter().filter(|r| r.ready()).count()
    }

    pub fn invalid(&self) -> usize {
        self.rows.len() - self.ready()
    }
}

/// The hash of a CSV field: Windows tools may wrap it, so white space is not part of it.
pub fn hash_text(field: &str) -> String {
    field.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks every row of `files` (each with the label its messages name it by), in order.
pub fn check(files: &[(String, CsvFile)]) -> Checked {
    let mut out = Checked::default();
    let mut seen: std::collections::HashMap<String, (usize, u64)> =
        std::collections::HashMap::new();
    for (index, (_, file)) in files.iter().enumerate() {
        for finding in &file.portal_findings {
            out.problems.push(Problem {
                file: index,
                line: finding.line,
                message: finding.message.clone(),
            });
        }
        for row in &file.rows {
            let mut checked = CheckedRow {
                file: index,
                row: row.clone(),
                verdict: Verdict::Ready,
                hash_serial: None,
            };
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(hash_text(&row.hardware_hash));
            let judged = match &bytes {
                Ok(bytes) => autopilot_domain::registration::evaluate(bytes, &row.serial_number)
                    .map_err(|_| match autopilot_hwhash::decode_bytes(bytes) {
                        Err(e) => e.to_string(),
                        Ok(_) => "the hash names no hardware it could be recognised by".into(),
                    }),
                Err(e) => Err(format!("the hash is not base64: {e}")),
            };
            match judged {
                Err(message) => {
                    checked.verdict = Verdict::Invalid {
                        code: INVALID_HASH.0,
                        name: INVALID_HASH.1,
                        message,
                    };
                }
                Ok(facts) => {
                    if !facts
                        .serial_number
                        .eq_ignore_ascii_case(row.serial_number.trim())
                    {
                        out.problems.push(Problem {
                            file: index,
                            line: row.line,
                            message: format!(
                                "warning: serial {} in the CSV, {} in the hash",
                                row.serial_number, facts.serial_number
                            ),
                        });
                        checked.hash_serial = Some(facts.serial_number.clone());
                    }
                    if let Some(&(first_file, first_line)) = seen.get(&facts.hardware_key) {
                        let dup = autopilot_domain::registration::DUPLICATED;
                        checked.verdict = Verdict::Invalid {
                            code: dup.code,
                            name: dup.name,
                            message: format!(
                                "the same hardware as {}:{first_line}",
                                files[first_file].0
                            ),
                        };
                    } else {
                        seen.insert(facts.hardware_key, (index, row.line));
                    }
                }
            }
            out.rows.push(checked);
        }
    }
    out
}

/// The rows as an Autopilot CSV in the documented five columns (UTF-8, CRLF), ready to fix and
/// import again: the failures file.
pub fn failures_csv<'a>(rows: impl IntoIterator<Item = &'a CsvRow>) -> String {
    let mut text = String::from(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n",
    );
    for row in rows {
        text.push_str(&format!(
            "{},{},{},{},{}\r\n",
            row.serial_number,
            row.product_id,
            hash_text(&row.hardware_hash),
            row.group_tag.clone().unwrap_or_default(),
            row.assigned_user.clone().unwrap_or_default()
        ));
    }
    text
}

/// A row as the `import` action takes it (`importedWindowsAutopilotDeviceIdentity`), with the
/// group tag given instead of the row's when there is one.
pub fn import_body(row: &CsvRow, group_tag: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
        "serialNumber": row.serial_number,
        "productKey": row.product_id,
        "hardwareIdentifier": hash_text(&row.hardware_hash),
        "groupTag": group_tag.map(str::to_owned).or_else(|| row.group_tag.clone()).unwrap_or_default(),
        "assignedUserPrincipalName": row.assigned_user.clone().unwrap_or_default(),
    })
}
