//! Why a hash was rejected, and what was suspicious about an accepted one.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::HASH_LEN;

/// A check that failed, with where it failed. [`DecodeError::kind`] names the check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text is not base64 (offset: in the text, in bytes).
    #[error("not base64: {problem} at character offset {offset}")]
    NotBase64 {
        offset: usize,
        problem: Base64Problem,
    },
    /// The decoded hash is not exactly 3000 bytes.
    #[error("{}", wrong_length_message(*actual))]
    WrongLength { actual: usize },
    /// The first two bytes are not `OA`.
    #[error(
        "not an Autopilot hardware hash: it must start with the bytes \"OA\" (base64 \"T0E\"), found {}",
        show_bytes(found)
    )]
    BadMagic { found: Vec<u8> },
    /// The payload length in the header does not leave room for the checksum record.
    #[error("{}", payload_length_message(*payload_length, *buffer_length))]
    PayloadLengthOutOfBounds {
        payload_length: usize,
        buffer_length: usize,
    },
    /// Fewer than four bytes are left before the payload end, so no record header fits.
    #[error(
        "the record walk does not end at the payload end: {} stray byte(s) at offset {offset}, before the payload end at {payload_end}",
        payload_end - offset
    )]
    RecordWalkMisaligned { offset: usize, payload_end: usize },
    /// A record declares a length below its own 4-byte header.
    #[error(
        "record of type {record_type} at offset {offset} declares length {length}, less than its 4-byte header"
    )]
    RecordTooShort {
        offset: usize,
        record_type: u16,
        length: usize,
    },
    /// A record runs past the payload end.
    #[error(
        "the record walk does not end at the payload end: record of type {record_type} at offset {offset} declares {length} bytes and would end at {}, past the payload end at {payload_end}",
        offset + length
    )]
    RecordOverrun {
        offset: usize,
        record_type: u16,
        length: usize,
        payload_end: usize,
    },
    /// No `CS` checksum record at the payload end.
    #[error(
        "missing checksum record: expected \"CS\" with length 36 at offset {offset}, found {}",
        show_bytes(found)
    )]
    MissingChecksum { offset: usize, found: Vec<u8> },
    /// The stored SHA-256 does not match the payload.
    #[error(
        "checksum mismatch: the SHA-256 of bytes 0..{payload_end} is {}, the hash stores {} at offset {}; the hash was altered or damaged",
        hex(computed), hex(stored), payload_end + 4
    )]
    ChecksumMismatch {
        payload_end: usize,
        stored: [u8; 32],
        computed: [u8; 32],
    },
    /// A known record type has a value of the wrong size.
    #[error("record {} at offset {offset}: value is {actual} bytes, expected {expected}", record_name(*record_type))]
    RecordSize {
        offset: usize,
        record_type: u16,
        actual: usize,
        expected: &'static str,
    },
    /// A string record lacks its terminating NUL.
    #[error("record {} at offset {offset}: string is not NUL-terminated", record_name(*record_type))]
    StringNotTerminated { offset: usize, record_type: u16 },
    /// A string record holds an embedded NUL or is not valid UTF-8 / UTF-16.
    #[error("record {} at offset {offset}: {problem}", record_name(*record_type))]
    InvalidString {
        offset: usize,
        record_type: u16,
        problem: &'static str,
    },
}

/// The check a [`DecodeError`] comes from, without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    NotBase64,
    WrongLength,
    BadMagic,
    PayloadLengthOutOfBounds,
    RecordWalkMisaligned,
    RecordTooShort,
    RecordOverrun,
    MissingChecksum,
    ChecksumMismatch,
    RecordSize,
    StringNotTerminated,
    InvalidString,
}

impl DecodeError {
    /// Which check failed.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotBase64 { .. } => ErrorKind::NotBase64,
            Self::WrongLength { .. } => ErrorKind::WrongLength,
            Self::BadMagic { .. } => ErrorKind::BadMagic,
            Self::PayloadLengthOutOfBounds { .. } => ErrorKind::PayloadLengthOutOfBounds,
            Self::RecordWalkMisaligned { .. } => ErrorKind::RecordWalkMisaligned,
            Self::RecordTooShort { .. } => ErrorKind::RecordTooShort,
            Self::RecordOverrun { .. } => ErrorKind::RecordOverrun,
            Self::MissingChecksum { .. } => ErrorKind::MissingChecksum,
            Self::ChecksumMismatch { .. } => ErrorKind::ChecksumMismatch,
            Self::RecordSize { .. } => ErrorKind::RecordSize,
            Self::StringNotTerminated { .. } => ErrorKind::StringNotTerminated,
            Self::InvalidString { .. } => ErrorKind::InvalidString,
        }
    }

    /// The byte offset the failure was found at: in the text for [`ErrorKind::NotBase64`], in the
    /// decoded bytes otherwise; `None` for whole-input checks.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::NotBase64 { offset, .. }
            | Self::RecordWalkMisaligned { offset, .. }
            | Self::RecordTooShort { offset, .. }
            | Self::RecordOverrun { offset, .. }
            | Self::MissingChecksum { offset, .. }
            | Self::RecordSize { offset, .. }
            | Self::StringNotTerminated { offset, .. }
            | Self::InvalidString { offset, .. } => Some(*offset),
            Self::PayloadLengthOutOfBounds { .. } => Some(2),
            Self::ChecksumMismatch { payload_end, .. } => Some(payload_end + 4),
            Self::BadMagic { .. } => Some(0),
            Self::WrongLength { .. } => None,
        }
    }

    /// True when the input looks cut short: the usual fate of a hash copied from a web page, a
    /// log line or a spreadsheet cell.
    pub fn is_truncated(&self) -> bool {
        match self {
            Self::WrongLength { actual } => *actual < HASH_LEN,
            Self::PayloadLengthOutOfBounds {
                payload_length,
                buffer_length,
            } => payload_length + 36 > *buffer_length && *buffer_length < HASH_LEN,
            _ => false,
        }
    }
}

impl Serialize for DecodeError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DecodeError", 3)?;
        st.serialize_field("kind", &self.kind())?;
        st.serialize_field("offset", &self.offset())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// What is wrong with a text that should be base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64Problem {
    /// The text is empty (or only whitespace).
    Empty,
    /// A character outside both base64 alphabets.
    InvalidCharacter(char),
    /// Both `+`/`/` (standard) and `-`/`_` (URL-safe) appear.
    MixedAlphabets,
    /// `=` where padding cannot be.
    MisplacedPadding,
    /// The number of symbols leaves 1 symbol in the last group of 4.
    BadLength(usize),
    /// The last symbol carries bits that no encoder would set.
    NonCanonicalEnding,
}

impl fmt::Display for Base64Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the text is empty"),
            Self::InvalidCharacter(c) if c.is_ascii_graphic() => {
                write!(f, "invalid character '{c}'")
            }
            Self::InvalidCharacter(c) => write!(f, "invalid character U+{:04X}", u32::from(*c)),
            Self::MixedAlphabets => f.write_str(
                "standard ('+', '/') and URL-safe ('-', '_') alphabets mixed in one string",
            ),
            Self::MisplacedPadding => f.write_str("'=' padding in the middle of the text"),
            Self::BadLength(n) => write!(
                f,
                "{n} base64 symbols cannot be a whole number of bytes (one symbol too many or too few)"
            ),
            Self::NonCanonicalEnding => f.write_str("the last symbol has stray bits set"),
        }
    }
}

/// A finding that does not make the hash invalid but deserves attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Bytes after the checksum record are not all zero (offset of the first, how many).
    NonZeroPadding { offset: usize, count: usize },
    /// Lenient mode accepted a hash that is not exactly 3000 bytes.
    UnusualLength { actual: usize },
    /// The type-1 time zone is beyond ±14 h, so the local capture time is unknown.
    UnreliableTimeZone { raw: i8 },
    /// A TPM_EK offline device id that is not the SHA-256 of the EK modulus.
    OfflineDeviceIdMismatch,
    /// A TPM_EK offline device id but no EK modulus to check it against.
    OfflineDeviceIdUnverifiable,
    /// The type-11 record declares a digest length other than 32.
    OfflineDeviceIdLength { declared: u16 },
    /// An SMBIOS string is Windows' `SMBIOS_STRING_INDEX_0` placeholder.
    SmbiosPlaceholder { field: &'static str },
    /// The serial number is a generic OEM filler (`To be filled by O.E.M.`, `Default string`, ...).
    GenericSerial { value: String },
    /// A record type never seen before, kept as raw bytes.
    UnknownRecordType { record_type: u16, offset: usize },
    /// A record that should appear once appears again; the first one is used.
    RepeatedRecord { record_type: u16, offset: usize },
    /// No type-1 record: no capture time or tool version.
    MissingToolInfo,
    /// A ToolVersion outside the known set {3, 5, 7, 8, 9}.
    UnknownToolVersion { version: u8 },
    /// OSType other than 2 (FullOS).
    UnexpectedOsType { os_type: u8 },
    /// Type-29 and type-30 GPU records do not pair up.
    GpuCountMismatch { memory: usize, names: usize },
    /// Type-34 core classes do not add up to the type-2 core and thread counts.
    CoreClassMismatch,
    /// The type-37 SPP block's sizes disagree.
    SppHwidInconsistent,
    /// The type-27 panel size disagrees with the type-9 display size.
    DisplaySizeMismatch,
    /// Lenient mode kept a malformed known record as raw bytes instead of rejecting the hash.
    RecordUndecodable { record_type: u16, reason: String },
}

impl Warning {
    /// A stable camelCase name for the finding.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NonZeroPadding { .. } => "nonZeroPadding",
            Self::UnusualLength { .. } => "unusualLength",
            Self::UnreliableTimeZone { .. } => "unreliableTimeZone",
            Self::OfflineDeviceIdMismatch => "offlineDeviceIdMismatch",
            Self::OfflineDeviceIdUnverifiable => "offlineDeviceIdUnverifiable",
            Self::OfflineDeviceIdLength { .. } => "offlineDeviceIdLength",
            Self::SmbiosPlaceholder { .. } => "smbiosPlaceholder",
            Self::GenericSerial { .. } => "genericSerial",
            Self::UnknownRecordType { .. } => "unknownRecordType",
            Self::RepeatedRecord { .. } => "repeatedRecord",
            Self::MissingToolInfo => "missingToolInfo",
            Self::UnknownToolVersion { .. } => "unknownToolVersion",
            Self::UnexpectedOsType { .. } => "unexpectedOsType",
            Self::GpuCountMismatch { .. } => "gpuCountMismatch",
            Self::CoreClassMismatch => "coreClassMismatch",
            Self::SppHwidInconsistent => "sppHwidInconsistent",
            Self::DisplaySizeMismatch => "displaySizeMismatch",
            Self::RecordUndecodable { .. } => "recordUndecodable",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonZeroPadding { offset, count } => write!(
                f,
                "{count} non-zero byte(s) in the padding after the checksum, the first at offset {offset}; every real hash pads with zeros"
            ),
            Self::UnusualLength { actual } => write!(
                f,
                "the hash is {actual} bytes, not {HASH_LEN}; accepted only because of lenient mode"
            ),
            Self::UnreliableTimeZone { raw } => write!(
                f,
                "time zone value {raw} ({} minutes) is not a real UTC offset; the local capture time is unknown",
                i32::from(*raw) * 15
            ),
            Self::OfflineDeviceIdMismatch => f.write_str(
                "the TPM_EK offline device id is not the SHA-256 of the TPM endorsement key",
            ),
            Self::OfflineDeviceIdUnverifiable => f.write_str(
                "the offline device id is of kind TPM_EK but the hash has no TPM endorsement key",
            ),
            Self::OfflineDeviceIdLength { declared } => {
                write!(f, "the offline device id declares a {declared}-byte digest, not 32")
            }
            Self::SmbiosPlaceholder { field } => write!(
                f,
                "{field} is the placeholder SMBIOS_STRING_INDEX_0: the firmware left it empty"
            ),
            Self::GenericSerial { value } => write!(
                f,
                "serial number {value:?} is a generic firmware filler, not a real serial; the device is identified by its SMBIOS UUID or offline device id instead"
            ),
            Self::UnknownRecordType {
                record_type,
                offset,
            } => write!(
                f,
                "record type {record_type} at offset {offset} is not known; kept as raw bytes"
            ),
            Self::RepeatedRecord {
                record_type,
                offset,
            } => write!(
                f,
                "record {} appears again at offset {offset}; the first one is used",
                record_name(*record_type)
            ),
            Self::MissingToolInfo => {
                f.write_str("no tool/OS record (type 1): capture time and tool version unknown")
            }
            Self::UnknownToolVersion { version } => {
                write!(f, "ToolVersion {version} is not one seen before (3, 5, 7, 8, 9)")
            }
            Self::UnexpectedOsType { os_type } => {
                write!(f, "OSType {os_type} is not FullOS (2); perhaps a WinPE capture")
            }
            Self::GpuCountMismatch { memory, names } => write!(
                f,
                "{memory} GPU memory record(s) (type 29) but {names} GPU name record(s) (type 30)"
            ),
            Self::CoreClassMismatch => f.write_str(
                "the hybrid-CPU core classes (type 34) do not add up to the processor's cores and threads (type 2)",
            ),
            Self::SppHwidInconsistent => f.write_str(
                "the activation hardware-id block (type 37) has inconsistent sizes",
            ),
            Self::DisplaySizeMismatch => f.write_str(
                "the panel size in centimetres (type 27) does not match the display size (type 9)",
            ),
            Self::RecordUndecodable {
                record_type,
                reason,
            } => write!(
                f,
                "record {} kept as raw bytes: {reason}",
                record_name(*record_type)
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Warning", 2)?;
        st.serialize_field("kind", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// `14 (SmbiosSystemSerialNumber)`: a record type with its OA3Tool name where it has one.
pub(crate) fn record_name(record_type: u16) -> String {
    match crate::record_type_name(record_type) {
        Some(name) => format!("{record_type} ({name})"),
        None => record_type.to_string(),
    }
}

fn wrong_length_message(actual: usize) -> String {
    if actual < HASH_LEN {
        format!(
            "truncated: the hash is {actual} bytes ({} base64 characters), a hardware hash is exactly {HASH_LEN} bytes (4000 characters)",
            actual.div_ceil(3) * 4
        )
    } else {
        format!(
            "too long: the hash is {actual} bytes, a hardware hash is exactly {HASH_LEN} bytes (4000 base64 characters)"
        )
    }
}

fn payload_length_message(payload_length: usize, buffer_length: usize) -> String {
    if payload_length <= 4 {
        format!("payload length {payload_length} in the header leaves no room for any record")
    } else if buffer_length < HASH_LEN {
        format!(
            "truncated: the header announces a {payload_length}-byte payload plus a 36-byte checksum, but only {buffer_length} bytes are present"
        )
    } else {
        format!(
            "payload length {payload_length} in the header is out of bounds: at most {} fits before the 36-byte checksum in {buffer_length} bytes",
            buffer_length.saturating_sub(36)
        )
    }
}

fn show_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (the input ends there)".to_owned();
    }
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect();
    format!("{} (\"{text}\")", hex.join(" "))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
