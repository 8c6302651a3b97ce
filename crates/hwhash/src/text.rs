//! The text layer: base64 in either alphabet, padding optional, whitespace tolerated.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{DecodeError as B64Error, DecodeSliceError, Engine, alphabet};

use crate::error::{Base64Problem, DecodeError};

const DECODE: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, DECODE);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, DECODE);

/// Standard base64 with padding: how Graph and Windows write a hash.
pub(crate) fn encode_standard(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The common case: one line of standard base64 that fits `out`. Returns the decoded length, or
/// `None` when the text needs [`decode_slow`] (whitespace, a BOM, the URL-safe alphabet, an
/// error to locate, or more than `out` holds).
pub(crate) fn decode_fast(text: &str, out: &mut [u8]) -> Option<usize> {
    STANDARD
        .decode_slice(text.as_bytes(), out)
        .ok()
        .filter(|&n| n > 0)
}

/// Decodes any accepted text into `out` (cleared first), or says what is wrong and where.
pub(crate) fn decode_slow(original: &str, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let text = original.strip_prefix('\u{feff}').unwrap_or(original);
    let skipped = original.len() - text.len();
    // Symbols without whitespace, and for each its byte offset in `text`.
    let mut symbols = Vec::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len());
    let (mut standard, mut url_safe) = (None, None);
    for (i, b) in text.bytes().enumerate() {
        if b.is_ascii_whitespace() {
            continue;
        }
        match b {
            b'+' | b'/' if standard.is_none() => standard = Some(i),
            b'-' | b'_' if url_safe.is_none() => url_safe = Some(i),
            _ => {}
        }
        symbols.push(b);
        offsets.push(i);
    }
    if symbols.is_empty() {
        return Err(DecodeError::NotBase64 {
            offset: 0,
            problem: Base64Problem::Empty,
        });
    }
    let engine = match (standard, url_safe) {
        (Some(a), Some(b)) => {
            return Err(DecodeError::NotBase64 {
                offset: skipped + a.max(b),
                problem: Base64Problem::MixedAlphabets,
            });
        }
        (None, Some(_)) => &URL_SAFE,
        _ => &STANDARD,
    };
    out.clear();
    out.resize(base64::decoded_len_estimate(symbols.len()), 0);
    match engine.decode_slice(&symbols, out) {
        Ok(n) => {
            out.truncate(n);
            Ok(())
        }
        Err(err) => {
            let at = |i: usize| skipped + offsets.get(i).copied().unwrap_or(text.len());
            let (offset, problem) = match err {
                DecodeSliceError::DecodeError(B64Error::InvalidByte(i, b'=')) => {
                    (at(i), Base64Problem::MisplacedPadding)
                }
                DecodeSliceError::DecodeError(B64Error::InvalidByte(i, _)) => {
                    let offset = at(i);
                    let c = original
                        .get(offset..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\u{fffd}');
                    (offset, Base64Problem::InvalidCharacter(c))
                }
                DecodeSliceError::DecodeError(B64Error::InvalidLength(n)) => (
                    at(symbols.len().saturating_sub(1)),
                    Base64Problem::BadLength(n),
                ),
                DecodeSliceError::DecodeError(B64Error::InvalidLastSymbol { offset, .. }) => {
                    (at(offset), Base64Problem::NonCanonicalEnding)
                }
                DecodeSliceError::DecodeError(B64Error::InvalidPadding)
                | DecodeSliceError::OutputSliceTooSmall => (
                    at(symbols.len().saturating_sub(1)),
                    Base64Problem::MisplacedPadding,
                ),
            };
            Err(DecodeError::NotBase64 { offset, problem })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Result<Vec<u8>, DecodeError> {
        let mut buf = [0u8; 16];
        if let Some(n) = decode_fast(text, &mut buf) {
            return Ok(buf[..n].to_vec());
        }
        let mut out = Vec::new();
        decode_slow(text, &mut out).map(|()| out)
    }

    fn problem(text: &str) -> (usize, Base64Problem) {
        match dec(text) {
            Err(DecodeError::NotBase64 { offset, problem }) => (offset, problem),
            other => panic!("expected NotBase64, got {other:?}"),
        }
    }

    #[test]
    fn both_alphabets_with_or_without_padding() {
        assert_eq!(dec("+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(dec("+/8").unwrap(), [0xfb, 0xff]);
        assert_eq!(dec("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(dec("-_8=").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn whitespace_line_breaks_and_bom_are_ignored() {
        assert_eq!(dec("\u{feff} T0\r\nE=\n").unwrap(), b"OA");
        assert_eq!(dec("T0\tE").unwrap(), b"OA");
    }

    #[test]
    fn problems_are_located_in_the_original_text() {
        assert_eq!(
            problem("T0E\nA*AA"),
            (5, Base64Problem::InvalidCharacter('*'))
        );
        assert_eq!(problem("AA+A-AAA"), (4, Base64Problem::MixedAlphabets));
        assert_eq!(problem("AA=AAAAA"), (2, Base64Problem::MisplacedPadding));
        assert_eq!(problem("AAAAA"), (4, Base64Problem::BadLength(5)));
        assert_eq!(problem("AB=="), (1, Base64Problem::NonCanonicalEnding));
        assert_eq!(problem(" \r\n"), (0, Base64Problem::Empty));
        assert_eq!(problem(""), (0, Base64Problem::Empty));
        assert_eq!(problem("AAé="), (2, Base64Problem::InvalidCharacter('é')));
    }
}
