//! Reading Autopilot CSV files as Windows tools write them.
//!
//! `Get-WindowsAutopilotInfo` writes UTF-16LE with a BOM and CRLF (Windows PowerShell's
//! `Out-File`); PowerShell 7 writes UTF-8; admins save ANSI from editors. All are read here:
//! UTF-16LE/BE by BOM (or by the zero bytes of ASCII text without one), UTF-8 with or without a
//! BOM, and Windows-1252 for anything that is not valid UTF-8.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// The text encodings a CSV may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf16Le,
    Utf16Be,
    Utf8,
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Utf8 => "UTF-8",
            Self::Windows1252 => "ANSI (Windows-1252)",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf16Le => UTF_16LE,
            Self::Utf16Be => UTF_16BE,
            Self::Utf8 => UTF_8,
            Self::Windows1252 => WINDOWS_1252,
        }
    }
}

/// Works out the encoding of a file's bytes and decodes them (BOM removed).
pub fn decode_text(bytes: &[u8]) -> (String, TextEncoding, bool) {
    let (encoding, bom_len) = match bytes {
        [0xFF, 0xFE, ..] => (TextEncoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (TextEncoding::Utf16Be, 2),
        [0xEF, 0xBB, 0xBF, ..] => (TextEncoding::Utf8, 3),
        // ASCII text in UTF-16 without a BOM has a zero in every other byte.
        [a, 0, ..] if *a != 0 => (TextEncoding::Utf16Le, 0),
        [0, b, ..] if *b != 0 => (TextEncoding::Utf16Be, 0),
        _ if std::str::from_utf8(bytes).is_ok() => (TextEncoding::Utf8, 0),
        _ => (TextEncoding::Windows1252, 0),
    };
    let body = bytes.get(bom_len..).unwrap_or_default();
    let (text, _) = encoding.encoding().decode_without_bom_handling(body);
    (text.into_owned(), encoding, bom_len > 0)
}

/// One data row of an Autopilot CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub serial_number: String,
    pub product_id: String,
    pub hardware_hash: String,
    pub group_tag: Option<String>,
    pub assigned_user: Option<String>,
}

/// A parsed Autopilot CSV.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub encoding: TextEncoding,
    pub bom: bool,
    pub rows: Vec<CsvRow>,
    /// Where the file breaks the Intune portal's rules (`--strict` refuses the file for any).
    pub portal_findings: Vec<Finding>,
}

/// A place where a file breaks one of the portal's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line number.
    pub line: u64,
    pub message: String,
}

/// The portal's row limit per file.
pub const PORTAL_MAX_ROWS: usize = 500;

/// The headers the portal accepts, exactly (the documented one and the shorter ones
/// `Get-WindowsAutopilotInfo` writes).
const PORTAL_HEADERS: [&str; 3] = [
    "Device Serial Number,Windows Product ID,Hardware Hash",
    "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag",
    "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User",
];

/// The portal's rules, line by line: the header exactly as documented (case-sensitive), no
/// quotation marks, no extra columns, at most 500 devices.
fn portal_rules(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut columns = 0;
    let mut rows = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        let number = u64::try_from(i + 1).unwrap_or(u64::MAX);
        let at = |message: String| Finding {
            line: number,
            message,
        };
        if line.contains('"') {
            findings.push(at("quotation marks are not allowed".to_owned()));
        }
        if i == 0 {
            columns = line.split(',').count();
            if !PORTAL_HEADERS.contains(&line) {
                findings.push(at(format!(
                    "the header must be exactly \"{}\" (optionally followed by \",Group Tag\" \
                     and \",Assigned User\"; headers are case-sensitive), not \"{line}\"",
                    PORTAL_HEADERS[0]
                )));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        rows += 1;
        let fields = line.split(',').count();
        if fields > columns {
            findings.push(at(format!(
                "extra columns are not allowed ({fields} fields; the header has {columns})"
            )));
        }
        if rows == PORTAL_MAX_ROWS + 1 {
            findings.push(at(format!(
                "more than {PORTAL_MAX_ROWS} devices in one file (the portal's limit)"
            )));
        }
    }
    findings
}

/// The columns of the documented header, and the legacy `OrderID` column that
/// `Import-AutopilotCSV` reads as the group tag.
const SERIAL: &str = "Device Serial Number";
const PRODUCT_ID: &str = "Windows Product ID";
const HASH: &str = "Hardware Hash";
const GROUP_TAG: &str = "Group Tag";
const ORDER_ID: &str = "OrderID";
const ASSIGNED_USER: &str = "Assigned User";

/// Why a file cannot be read as an Autopilot CSV at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("reading the header line: {0}")]
    Header(String),
    #[error("the header line must name the columns \"{SERIAL}\" and \"{HASH}\" (found: {0})")]
    Columns(String),
    #[error("reading a CSV record: {0}")]
    Record(String),
}

/// Parses the bytes of an Autopilot CSV. Header names are matched ignoring case and surrounding
/// spaces; `Device Serial Number` and `Hardware Hash` are required.
pub fn parse(bytes: &[u8]) -> Result<CsvFile, CsvError> {
    let (text, encoding, bom) = decode_text(bytes);
    // The csv crate miscounts lines after CRLF; Windows writes CRLF, so count on plain LF.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let portal_findings = portal_rules(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CsvError::Header(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(serial), Some(hash)) = (column(SERIAL), column(HASH)) else {
        return Err(CsvError::Columns(headers.join(",")));
    };
    let product_id = column(PRODUCT_ID);
    let group_tag = column(GROUP_TAG).or_else(|| column(ORDER_ID));
    let assigned_user = column(ASSIGNED_USER);

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Record(e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_owned();
        let optional = |i: Option<usize>| Some(field(i)).filter(|v| !v.is_empty());
        rows.push(CsvRow {
            line,
            serial_number: field(Some(serial)),
            product_id: field(product_id),
            hardware_hash: field(Some(hash)),
            group_tag: optional(group_tag),
            assigned_user: optional(assigned_user),
        });
    }
    Ok(CsvFile {
        encoding,
        bom,
        rows,
        portal_findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    const CSV: &str =
        "Device Serial Number,Windows Product ID,Hardware Hash\r\nS1,,T0E=\r\nS2,123,T0F=\r\n";

    #[test]
    fn reads_every_encoding_the_field_produces() {
        let mut be = vec![0xFE, 0xFF];
        be.extend(CSV.encode_utf16().flat_map(u16::to_be_bytes));
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(CSV.as_bytes());
        for (bytes, encoding) in [
            (utf16le(CSV, true), TextEncoding::Utf16Le),
            (utf16le(CSV, false), TextEncoding::Utf16Le),
            (be, TextEncoding::Utf16Be),
            (utf8_bom, TextEncoding::Utf8),
            (CSV.as_bytes().to_vec(), TextEncoding::Utf8),
        ] {
            let file = parse(&bytes).unwrap();
            assert_eq!(file.encoding, encoding);
            assert_eq!(file.rows.len(), 2);
            assert_eq!(file.rows[1].serial_number, "S2");
            assert_eq!(file.rows[1].product_id, "123");
            assert_eq!(file.rows[1].line, 3);
        }
    }

    #[test]
    fn each_portal_rule_is_reported_with_its_line() {
        let ok = parse(CSV.as_bytes()).unwrap();
        assert!(ok.portal_findings.is_empty(), "{:?}", ok.portal_findings);
        let findings = |text: &str| -> Vec<(u64, String)> {
            parse(text.as_bytes())
                .unwrap()
                .portal_findings
                .into_iter()
                .map(|f| (f.line, f.message))
                .collect()
        };
        let case = findings("device serial number,Windows Product ID,Hardware Hash\nS1,,T0E=\n");
        assert_eq!(case.len(), 1);
        assert_eq!(case[0].0, 1);
        assert!(case[0].1.contains("case-sensitive"));
        let quotes = findings(
            "Device Serial Number,Windows Product ID,Hardware Hash\nS1,,T0E=\n\"S2\",,T0E=\n",
        );
        assert_eq!(
            quotes,
            vec![(3, "quotation marks are not allowed".to_owned())]
        );
        let extra = findings("Device Serial Number,Windows Product ID,Hardware Hash\nS1,,T0E=,x\n");
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].0, 2);
        assert!(extra[0].1.starts_with("extra columns"));
        let mut many = "Device Serial Number,Windows Product ID,Hardware Hash\n".to_owned();
        for i in 0..501 {
            many.push_str(&format!("S{i},,T0E=\n"));
        }
        let limit = findings(&many);
        assert_eq!(limit.len(), 1);
        assert_eq!(limit[0].0, 502);
        assert!(limit[0].1.contains("500"));
    }

    #[test]
    fn ansi_text_is_read_as_windows_1252() {
        let mut bytes =
            b"Device Serial Number,Hardware Hash,Assigned User\nS1,T0E=,j\xf6rg@contoso.com\n"
                .to_vec();
        bytes.extend_from_slice(b"\n");
        let file = parse(&bytes).unwrap();
        assert_eq!(file.encoding, TextEncoding::Windows1252);
        assert_eq!(file.rows.len(), 1);
        assert_eq!(
            file.rows[0].assigned_user.as_deref(),
            Some("jörg@contoso.com")
        );
    }

    #[test]
    fn optional_and_legacy_columns() {
        let file = parse(b"device serial number , Hardware Hash,OrderID\nS1,T0E=,Lab-A\nS2,T0E=\n")
            .unwrap();
        assert_eq!(file.rows[0].group_tag.as_deref(), Some("Lab-A"));
        assert_eq!(file.rows[1].group_tag, None);
        assert!(parse(b"Serial,Hash\nS1,T0E=\n").is_err());
    }
}
