//! TLS for the https listener: a certificate and key given as PEM files, or a self-signed set
//! kept in the data directory (a local CA and a `localhost` certificate it signs), so that
//! clients can be told to trust one CA file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The names the self-signed certificate is valid for.
pub const SELF_SIGNED_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// How long a server certificate of the self-signed set is valid.
const LEAF_DAYS: i64 = 397;

/// A leaf certificate this close to its end is issued anew at start.
const RENEW_BEFORE: time::Duration = time::Duration::days(30);

/// Where the self-signed set lives inside the data directory.
#[derive(Debug, Clone)]
pub struct SelfSignedFiles {
    /// The CA certificate clients trust (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`,
    /// `Import-Certificate -CertStoreLocation Cert:\LocalMachine\Root`).
    pub ca_cert: PathBuf,
    ca_key: PathBuf,
    /// The server's certificate chain (leaf, then CA).
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl SelfSignedFiles {
    pub fn in_dir(data_dir: &Path) -> Self {
        let dir = data_dir.join("tls");
        SelfSignedFiles {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca-key.pem"),
            cert: dir.join("localhost.pem"),
            key: dir.join("localhost-key.pem"),
        }
    }
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("cannot make a certificate: {0}")]
    Generate(String),
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(String),
}

/// Makes ring the process's TLS provider for clients (the JWKS fetch); harmless when one is
/// set already.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A TLS configuration from a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or
/// SEC1).
pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let read = |path: &Path, reason: String| TlsError::Read {
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| read(cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| read(key, e.to_string()))?;
    config(chain, key)
}

fn config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    // The server speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The self-signed set in `data_dir/tls`: made on first use, kept afterwards, the server
/// certificate re-issued by the same CA when it nears its end (clients keep trusting the CA).
pub fn self_signed(data_dir: &Path) -> Result<(Arc<ServerConfig>, SelfSignedFiles), TlsError> {
    let files = SelfSignedFiles::in_dir(data_dir);
    let now = time::OffsetDateTime::now_utc();
    let issuer = match std::fs::read_to_string(&files.ca_key) {
        Ok(key) if files.ca_cert.exists() => {
            let key = KeyPair::from_pem(&key).map_err(|e| TlsError::Read {
                path: files.ca_key.clone(),
                reason: e.to_string(),
            })?;
            // The CA's name is fixed and its key identifier comes from its key, so the same
            // parameters make an issuer that matches the certificate on disk.
            Issuer::new(ca_params(now)?, key)
        }
        _ => new_ca(&files, now)?,
    };
    if leaf_needs_issuing(&files, now) {
        issue_leaf(&files, &issuer, now)?;
    }
    let config = from_pem_files(&files.cert, &files.key)?;
    Ok((config, files))
}

fn generate(e: rcgen::Error) -> TlsError {
    TlsError::Generate(e.to_string())
}

fn write(path: &Path, text: &str, secret: bool) -> Result<(), TlsError> {
    let failed = |e: std::io::Error| TlsError::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    use std::io::Write as _;
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)
}

fn ca_params(now: time::OffsetDateTime) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(generate)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params
        .distinguished_name
        .push(DnType::CommonName, "autopilot-graph local CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "autopilot-graph");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    Ok(params)
}

fn new_ca(
    files: &SelfSignedFiles,
    now: time::OffsetDateTime,
) -> Result<Issuer<'static, KeyPair>, TlsError> {
    let params = ca_params(now)?;
    let key = KeyPair::generate().map_err(generate)?;
    let cert = params.self_signed(&key).map_err(generate)?;
    write(&files.ca_key, &key.serialize_pem(), true)?;
    write(&files.ca_cert, &cert.pem(), false)?;
    // A new CA makes any older server certificate useless.
    let _ = std::fs::remove_file(&files.cert);
    Ok(Issuer::new(params, key))
}

fn leaf_needs_issuing(files: &SelfSignedFiles, now: time::OffsetDateTime) -> bool {
    let Ok(key) = std::fs::read_to_string(&files.key) else {
        return true;
    };
    if PrivateKeyDer::from_pem_slice(key.as_bytes()).is_err() {
        return true;
    }
    // The server certificate is valid for LEAF_DAYS from when it was written.
    let written = std::fs::metadata(&files.cert)
        .and_then(|m| m.modified())
        .map(time::OffsetDateTime::from);
    match written {
        Ok(written) => written + time::Duration::days(LEAF_DAYS) - now < RENEW_BEFORE,
        Err(_) => true,
    }
}

fn issue_leaf(
    files: &SelfSignedFiles,
    issuer: &Issuer<'_, KeyPair>,
    now: time::OffsetDateTime,
) -> Result<(), TlsError> {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| (*s).to_owned()).collect();
    let mut params = CertificateParams::new(names).map_err(generate)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(LEAF_DAYS);
    let key = KeyPair::generate().map_err(generate)?;
    let cert = params.signed_by(&key, issuer).map_err(generate)?;
    let ca = std::fs::read_to_string(&files.ca_cert).map_err(|e| TlsError::Read {
        path: files.ca_cert.clone(),
        reason: e.to_string(),
    })?;
    write(&files.key, &key.serialize_pem(), true)?;
    write(&files.cert, &format!("{}{ca}", cert.pem()), false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn self_signed_set_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (_, files) = self_signed(dir.path()).unwrap();
        let ca = std::fs::read_to_string(&files.ca_cert).unwrap();
        let cert = std::fs::read_to_string(&files.cert).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        // The chain file holds the leaf and then the CA.
        assert_eq!(cert.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(cert.ends_with(&ca));
        let (_, again) = self_signed(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&again.ca_cert).unwrap(), ca);
        assert_eq!(std::fs::read_to_string(&again.cert).unwrap(), cert);
    }

    #[test]
    fn a_lost_server_key_is_issued_anew_by_the_same_ca() {
        let dir = tempfile::tempdir().unwrap();
        let (_, files) = self_signed(dir.path()).unwrap();
        let ca = std::fs::read_to_string(&files.ca_cert).unwrap();
        let cert = std::fs::read_to_string(&files.cert).unwrap();
        std::fs::remove_file(&files.key).unwrap();
        self_signed(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&files.ca_cert).unwrap(), ca);
        assert_ne!(std::fs::read_to_string(&files.cert).unwrap(), cert);
    }

    #[test]
    fn pem_files_that_are_not_pem_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("c.pem");
        let key = dir.path().join("k.pem");
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        assert!(matches!(
            from_pem_files(&cert, &key),
            Err(TlsError::NoCertificate(_))
        ));
        assert!(matches!(
            from_pem_files(&dir.path().join("missing.pem"), &key),
            Err(TlsError::Read { .. })
        ));
    }
}
