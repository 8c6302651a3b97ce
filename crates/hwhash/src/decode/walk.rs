//! Walking the payload: the blocks of records and where each starts and ends.

use super::*;

/// The length of an RSA-2048 EK modulus, the only size a type-25 record has.
pub(super) const EK_MODULUS_LEN: usize = 256;

/// SHA-256 fed one 64-byte block per step, so that other work can run between the blocks.
pub(super) struct Blockwise<'a> {
    sha: Sha256,
    blocks: std::slice::Chunks<'a, u8>,
}

impl<'a> Blockwise<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Blockwise {
            sha: Sha256::new(),
            blocks: bytes.chunks(64),
        }
    }

    pub(super) fn step(&mut self) {
        if let Some(block) = self.blocks.next() {
            self.sha.update(block);
        }
    }

    pub(super) fn finish(mut self) -> [u8; 32] {
        for block in self.blocks.by_ref() {
            self.sha.update(block);
        }
        self.sha.finalize().into()
    }
}

/// Walks the TLV records between the header and the payload end.
pub(super) fn walk(payload: &[u8]) -> Result<Vec<RecordSpan>, DecodeError> {
    let end = payload.len();
    let mut spans = Vec::with_capacity(64);
    let mut offset = 4;
    while offset < end {
        if offset + 4 > end {
            return Err(DecodeError::RecordWalkMisaligned {
                offset,
                payload_end: end,
            });
        }
        let record_type = u16_le(payload, offset);
        let length = usize::from(u16_le(payload, offset + 2));
        if length < 4 {
            return Err(DecodeError::RecordTooShort {
                offset,
                record_type,
                length,
            });
        }
        if offset + length > end {
            return Err(DecodeError::RecordOverrun {
                offset,
                record_type,
                length,
                payload_end: end,
            });
        }
        // Both fit: the payload length is a u16.
        spans.push(RecordSpan {
            record_type,
            offset: u16::try_from(offset).unwrap_or(u16::MAX),
            length: u16::try_from(length).unwrap_or(u16::MAX),
        });
        offset += length;
    }
    Ok(spans)
}

pub(super) fn u16_le(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}
