//! Decoding's own unit tests.

use super::*;

fn units(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn narrowed(bytes: &[u8]) -> Result<(String, bool), DecodeError> {
    let mut narrow = [0u8; UTF16_ON_STACK];
    utf16(bytes, &mut narrow, 0, 30).map(|t| {
        let borrowed = matches!(t, Cow::Borrowed(_));
        (t.into_owned(), borrowed)
    })
}

#[test]
fn utf16_short_ascii_is_narrowed_on_the_stack() {
    assert_eq!(narrowed(&units("PCI")).unwrap(), ("PCI".to_owned(), true));
    assert_eq!(narrowed(&[]).unwrap(), (String::new(), true));
}

#[test]
fn utf16_beyond_ascii_or_the_stack_buffer_is_decoded_in_full() {
    let long = "x".repeat(UTF16_ON_STACK + 1);
    assert_eq!(narrowed(&units(&long)).unwrap(), (long, false));
    let exact = "y".repeat(UTF16_ON_STACK);
    assert_eq!(narrowed(&units(&exact)).unwrap(), (exact, true));
    for text in [
        "Grafik Ä|Modell",
        "\u{0100}",
        "\u{7f}\u{80}",
        "GPU \u{1F600}",
    ] {
        assert_eq!(narrowed(&units(text)).unwrap(), (text.to_owned(), false));
    }
}

#[test]
fn utf16_lone_surrogate_is_an_invalid_string() {
    let err = narrowed(&0xD800u16.to_le_bytes()).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::InvalidString {
            record_type: 30,
            ..
        }
    ));
}
