//! Decode + full validation of a real hash, beside the unavoidable floor measured in the same
//! run: base64-decoding the 4000 characters and hashing the payload with SHA-256.
//!
//! Run with `cargo bench -p autopilot-hwhash`. Each benchmark takes 1000 samples: a run's
//! medians then agree with other runs' within about 2%, where the default 100 left single runs
//! 5% off. Compare `decode_and_validate` with `floor_stack`, the lower floor. Uses the HP
//! EliteBook 840 G8 sample from `../shared/testdata/hwhash` (a synthetic device when that
//! folder is absent).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::sync::LazyLock;

use base64::Engine;
use divan::{Bencher, black_box};
use sha2::{Digest, Sha256};

static SAMPLE: LazyLock<String> = LazyLock::new(|| match autopilot_testkit::hwhash_dir() {
    Some(dir) => {
        autopilot_testkit::read_text(&dir, "hp-elitebook-840-g8.pmedley26-PowerShell.dd069fa.b64")
    }
    None => {
        eprintln!("using a synthetic hash instead of the real sample");
        let device = autopilot_hwhash::SyntheticDevice::new("HP", "EliteBook", "5CG1457YL8");
        autopilot_hwhash::encode(&device.build()).unwrap()
    }
});

fn main() {
    LazyLock::force(&SAMPLE);
    divan::main();
}

/// The floor: what any validating decoder must do at least.
#[divan::bench(sample_count = 1000)]
fn floor_base64_and_sha256(bencher: Bencher) {
    let text = SAMPLE.as_str();
    bencher.bench(|| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(black_box(text))
            .unwrap();
        let p = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        black_box(Sha256::digest(&bytes[..p]))
    });
}

/// The floor again, decoding into the stack as the decoder does.
#[divan::bench(sample_count = 1000)]
fn floor_stack(bencher: Bencher) {
    let text = SAMPLE.as_str();
    bencher.bench(|| {
        let mut bytes = [0u8; 3000];
        base64::engine::general_purpose::STANDARD
            .decode_slice(black_box(text), &mut bytes)
            .unwrap();
        let p = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        black_box(Sha256::digest(&bytes[..p]))
    });
}

/// The full decode: text, framing, checksum, every record, consistency checks.
#[divan::bench(sample_count = 1000)]
fn decode_and_validate(bencher: Bencher) {
    let text = SAMPLE.as_str();
    bencher.bench(|| autopilot_hwhash::decode(black_box(text)).unwrap());
}

/// Decode plus the hardware identity, as the registration service uses it.
#[divan::bench(sample_count = 1000)]
fn decode_and_identify(bencher: Bencher) {
    let text = SAMPLE.as_str();
    bencher.bench(|| {
        autopilot_hwhash::decode(black_box(text))
            .unwrap()
            .hardware_identity()
    });
}

/// Encoding a decoded inventory back to text.
#[divan::bench(sample_count = 1000)]
fn encode(bencher: Bencher) {
    let hash = autopilot_hwhash::decode(&SAMPLE).unwrap().hash;
    bencher.bench(|| autopilot_hwhash::encode(black_box(&hash)).unwrap());
}

/// The parts of the floor on their own: base64 into a stack buffer...
#[divan::bench(sample_count = 1000)]
fn part_base64_only(bencher: Bencher) {
    let text = SAMPLE.as_str();
    bencher.bench(|| {
        let mut out = [0u8; 3000];
        base64::engine::general_purpose::STANDARD
            .decode_slice(black_box(text), &mut out)
            .unwrap();
        black_box(out[2])
    });
}

/// ... and the payload checksum.
#[divan::bench(sample_count = 1000)]
fn part_sha256_only(bencher: Bencher) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(SAMPLE.as_str())
        .unwrap();
    let p = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
    bencher.bench(|| black_box(Sha256::digest(black_box(&bytes[..p]))));
}

/// Decode + validate from the binary form: everything but the base64 step.
#[divan::bench(sample_count = 1000)]
fn part_decode_bytes(bencher: Bencher) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(SAMPLE.as_str())
        .unwrap();
    bencher.bench(|| autopilot_hwhash::decode_bytes(black_box(&bytes)).unwrap());
}
