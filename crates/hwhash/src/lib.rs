//! Decode, validate and build the Windows Autopilot "4K hardware hash".
//!
//! The `hardwareIdentifier` of an Autopilot device is not a hash: it is a small hardware
//! inventory written by Windows (the OA3 hardware report). Its binary form is:
//!
//! ```text
//! offset 0   "OA"  u16 P              header: magic and payload length P (includes the header)
//! offset 4   records up to P          type-length-value records, little-endian:
//!                                     u16 type, u16 length (header included), value
//! offset P   "CS"  u16 36  [32]       SHA-256 of bytes 0..P
//! P + 36     zeros up to 3000 bytes
//! ```
//!
//! and it travels as 4000 characters of base64. [`decode`] checks, in order:
//!
//! 1. **text**: base64 in the standard or URL-safe alphabet (not both), padding optional,
//!    whitespace, line breaks and a BOM ignored ([`ErrorKind::NotBase64`]);
//! 2. **magic** `OA` ([`ErrorKind::BadMagic`]). This comes before the length check because an input
//!    that is not a hash at all (Graph's documentation uses the placeholder
//!    `aGFyZHdhcmVJZGVudGlmaWVy`) is better told so than told its length is wrong;
//! 3. **length**: exactly 3000 bytes ([`ErrorKind::WrongLength`]); this is the only check that
//!    catches a hash cut inside its zero padding;
//! 4. **payload length** P: `4 < P` and `P + 36 <= length` ([`ErrorKind::PayloadLengthOutOfBounds`]);
//! 5. **record walk** from offset 4: every record has a whole header, a length of at least 4,
//!    and ends at or before P, so the walk lands exactly on P ([`ErrorKind::RecordWalkMisaligned`],
//!    [`ErrorKind::RecordTooShort`], [`ErrorKind::RecordOverrun`]);
//! 6. **checksum record** `CS`/36 at P ([`ErrorKind::MissingChecksum`]) and its SHA-256
//!    ([`ErrorKind::ChecksumMismatch`]);
//! 7. **padding** all zero (a [`Warning`]);
//! 8. **records**: known types have their fixed sizes ([`ErrorKind::RecordSize`]); strings are
//!    NUL-terminated ([`ErrorKind::StringNotTerminated`]) and valid text
//!    ([`ErrorKind::InvalidString`]); unknown types are kept raw with a warning, never rejected;
//! 9. **consistency** (warnings only): offline device id against the TPM EK, placeholders,
//!    repeated singletons, GPU pairs, core classes, tool version, time zone.
//!
//! [`DecodeOptions::lenient`] relaxes 3 and 8 into warnings. Decoding never panics, whatever the
//! input.
//!
//! [`HardwareHash::hardware_identity`] gives the key by which the same hardware is recognised in
//! a later capture (see [`identity`]). [`encode`] writes a [`HardwareHash`] back, and
//! [`SyntheticDevice`] makes complete, valid hashes for tests and labs.
//!
//! ```
//! use autopilot_hwhash::{SyntheticDevice, decode, encode};
//!
//! let device = SyntheticDevice::new("Contoso", "Laptop 7", "CTS-0001").build();
//! let text = encode(&device).unwrap();
//! assert_eq!(text.len(), 4000);
//! let decoded = decode(&text).unwrap();
//! assert_eq!(decoded.serial(), Some("CTS-0001"));
//! assert_eq!(decoded.hash, device);
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used)
)]

mod decode;
mod encode;
mod error;
pub mod identity;
mod model;
pub mod names;
mod summary;
mod synthetic;
mod text;

pub use decode::{
    DecodeOptions, Decoded, RecordSpan, decode, decode_bytes, decode_bytes_with, decode_with,
};
pub use encode::{EncodeError, encode, encode_bytes};
pub use error::{Base64Problem, DecodeError, ErrorKind, Warning};
pub use identity::HardwareIdentity;
pub use model::*;
pub use summary::{Summary, summary};
pub use synthetic::SyntheticDevice;

/// Length of a hash in bytes.
pub const HASH_LEN: usize = 3000;
/// Length of a hash in base64 characters.
pub const HASH_TEXT_LEN: usize = 4000;
/// Length of the `CS` checksum record.
pub const CHECKSUM_RECORD_LEN: usize = 36;
/// The largest payload that leaves room for the checksum record.
pub const MAX_PAYLOAD_LEN: usize = HASH_LEN - CHECKSUM_RECORD_LEN;

/// The OA3Tool name of a record type (or a short description where OA3Tool prints none).
pub fn record_type_name(record_type: u16) -> Option<&'static str> {
    Some(match record_type {
        1 => "ToolInfo",
        2 => "Processor",
        3 => "ProcessorManufacturer",
        4 => "ProcessorModel",
        5 => "Memory",
        6 => "Disk",
        7 => "DiskSerialNumber",
        8 => "NetworkAdapter",
        9 => "Display",
        10 => "Enclosure",
        11 => "OfflineDeviceId",
        12 => "SmbiosUuid",
        13 => "TPMVersion",
        14 => "SmbiosSystemSerialNumber",
        15 => "SmbiosFirmwareVendor",
        16 => "SmbiosSystemManufacturer",
        17 => "SmbiosSystemProductName",
        18 => "SmbiosSkuNumber",
        19 => "SmbiosSystemFamily",
        20 => "SmbiosBoardManufacturer",
        21 => "SmbiosBoardProduct",
        22 => "SmbiosBoardVersion",
        23 => "SmbiosSystemVersion",
        24 => "ProductKeyID",
        25 => "TPM EkPub",
        26 => "ProductKeyPkPn",
        27 => "DisplaySizeCm",
        28 => "DiskSSNKernel",
        29 => "GpuMemory",
        30 => "GpuName",
        34 => "CoreClasses",
        35 => "Type35",
        36 => "Locale",
        37 => "SppHwid",
        _ => return None,
    })
}
