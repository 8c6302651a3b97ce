//! Certificates registered on applications: read from PEM or DER (a `.cer` as Windows exports
//! it), with the thumbprints a client assertion names its key by, and the RSA key that
//! verifies the assertion's signature (Entra takes RSA certificates only).

use autopilot_domain::AppCertificate;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::Decode as _;

/// `rsaEncryption`.
const RSA: &str = "1.2.840.113549.1.1.1";

/// The first certificate of a PEM text, or the bytes as DER.
fn der_of(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return CertificateDer::from_pem_slice(bytes)
            .map(|c| c.as_ref().to_vec())
            .map_err(|e| format!("no PEM certificate: {e}"));
    }
    Ok(bytes.to_vec())
}

fn parse(der: &[u8]) -> Result<Certificate, String> {
    Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))
}

fn time_of(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = t.to_unix_duration().as_secs();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Reads a certificate (PEM or DER) to register: its thumbprints and validity. Only RSA keys
/// are taken, as Entra takes them.
pub fn read(bytes: &[u8], now: OffsetDateTime) -> Result<AppCertificate, String> {
    let der = der_of(bytes)?;
    let cert = parse(&der)?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid.to_string() != RSA {
        return Err(format!(
            "the certificate's key is not RSA ({}); Entra takes RSA certificates only",
            spki.algorithm.oid
        ));
    }
    let validity = &cert.tbs_certificate.validity;
    Ok(AppCertificate {
        sha1: Sha1::digest(&der).to_vec(),
        sha256: Sha256::digest(&der).to_vec(),
        not_before: time_of(validity.not_before),
        not_after: time_of(validity.not_after),
        der,
        added_at: now,
    })
}

/// The RSA public key of a registered certificate, as PKCS#1 DER (what verifies RS256 and
/// PS256 signatures).
pub fn rsa_public_key(der: &[u8]) -> Result<Vec<u8>, String> {
    let cert = parse(der)?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    spki.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| "the certificate's key is not a whole number of bytes".to_owned())
}

/// A thumbprint as Windows shows it (upper-case hex).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
