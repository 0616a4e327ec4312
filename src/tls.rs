//! TLS for every end of vpt, all with rustls and the ring provider: the server's certificate
//! (`server.tls_cert` / `server.tls_key`), what hosts and the CLI trust (the public roots plus an
//! optional CA file, for self-signed servers), and the pinned trust `vpt all` and `vpt
//! healthcheck` give the server's own certificate.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The crypto every TLS configuration of vpt uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring the process' default provider, which HTTP clients built without an explicit
/// configuration (power plugs, Roku remotes) need. Harmless when one is installed already.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A private key any user of the machine may read is no longer private: refused. One its group
/// may read is the Debian `ssl-cert` convention (a group of services sharing keys): allowed,
/// with a warning naming the file.
fn check_key_mode(key_path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_path)
            .with_context(|| format!("server.tls_key: cannot read {}", key_path.display()))?
            .permissions()
            .mode();
        if mode & 0o007 != 0 {
            anyhow::bail!(
                "server.tls_key: {} may be read by every user of this machine (mode {:o}); \
                 `chmod 600` it (or 640 with a group of its own)",
                key_path.display(),
                mode & 0o777
            );
        }
        if mode & 0o070 != 0 {
            tracing::warn!(
                file = %key_path.display(),
                mode = format!("{:o}", mode & 0o777),
                "server.tls_key may be read by its group; `chmod 600` it unless the group is \
                 meant to share it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = key_path;
    Ok(())
}

/// The server's certificate chain and key, loaded once at start.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
    leaf: CertificateDer<'static>,
}

impl ServerTls {
    /// Reads the PEM certificate chain (leaf first) and private key; errors name the file.
    pub fn load(cert_path: &Path, key_path: &Path) -> anyhow::Result<Self> {
        let cert_pem = std::fs::read(cert_path)
            .with_context(|| format!("server.tls_cert: cannot read {}", cert_path.display()))?;
        let certs = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                anyhow::anyhow!(
                    "server.tls_cert: {} is not a PEM certificate file: {e}",
                    cert_path.display()
                )
            })?;
        let Some(leaf) = certs.first().cloned() else {
            anyhow::bail!(
                "server.tls_cert: {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
                cert_path.display()
            );
        };
        check_key_mode(key_path)?;
        let key_pem = std::fs::read(key_path)
            .with_context(|| format!("server.tls_key: cannot read {}", key_path.display()))?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            anyhow::anyhow!(
                "server.tls_key: {} is not a PEM private key: {e}",
                key_path.display()
            )
        })?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                anyhow::anyhow!(
                    "server.tls_cert / server.tls_key: {} and {} do not make a usable pair: {e}",
                    cert_path.display(),
                    key_path.display()
                )
            })?;
        // HTTP/2 for browsers and clients that offer it, HTTP/1.1 for the rest (WebSockets).
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            leaf,
        })
    }

    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }

    /// The certificate the server presents.
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.leaf
    }
}

/// What a client of a vpt server trusts: the public web roots, plus every certificate in
/// `extra_ca` (a PEM file: a private CA, or a self-signed server certificate itself).
pub fn client_config(extra_ca: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra_ca {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the CA file {}", path.display()))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                anyhow::anyhow!("{} is not a PEM certificate file: {e}", path.display())
            })?;
        anyhow::ensure!(
            !certs.is_empty(),
            "{} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        );
        for cert in certs {
            roots.add(cert).map_err(|e| {
                anyhow::anyhow!("{} holds a certificate rustls refuses: {e}", path.display())
            })?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Trusts exactly `certificate`, whatever name or address was dialled: for a process talking to
/// its own server (`vpt all`'s host, `vpt healthcheck`), whose certificate may name only the
/// public host name while it dials 127.0.0.1.
pub fn pinned_client_config(certificate: CertificateDer<'static>) -> rustls::ClientConfig {
    let provider = provider();
    let verifier = Arc::new(Pinned {
        certificate,
        provider: provider.clone(),
    });
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

/// The host link's WebSocket connector (used for `wss://` servers; `ws://` stays plain).
pub fn connector(config: &Arc<rustls::ClientConfig>) -> tokio_tungstenite::Connector {
    tokio_tungstenite::Connector::Rustls(config.clone())
}

/// An HTTP client that trusts what [`client_config`] trusts.
pub fn http_client(extra_ca: Option<&Path>) -> anyhow::Result<reqwest::ClientBuilder> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(client_config(extra_ca)?))
}

#[derive(Debug)]
struct Pinned {
    certificate: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for `names`, as PEM (certificate, key).
    fn self_signed(names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = rcgen::generate_simple_self_signed(names).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    }

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        // Keys must not be readable by others (`check_key_mode`).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    #[test]
    fn load_names_the_file_that_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed(&["localhost"]);
        let cert_path = write(dir.path(), "cert.pem", &cert);
        let key_path = write(dir.path(), "key.pem", &key);
        let loaded = ServerTls::load(&cert_path, &key_path).unwrap();
        assert!(!loaded.certificate().is_empty());

        let missing = dir.path().join("nope.pem");
        let err = ServerTls::load(&missing, &key_path).err().unwrap();
        assert!(format!("{err:#}").contains("nope.pem"), "{err:#}");
        let garbage = write(dir.path(), "garbage.pem", "hello");
        let err = ServerTls::load(&garbage, &key_path).err().unwrap();
        assert!(format!("{err:#}").contains("garbage.pem"), "{err:#}");
        // A key that is not the certificate's.
        let (_, other_key) = self_signed(&["localhost"]);
        let other_key = write(dir.path(), "other-key.pem", &other_key);
        let err = ServerTls::load(&cert_path, &other_key).err().unwrap();
        assert!(format!("{err:#}").contains("other-key.pem"), "{err:#}");
        let err = client_config(Some(&garbage)).err().unwrap();
        assert!(format!("{err:#}").contains("garbage.pem"), "{err:#}");
    }

    #[test]
    fn pinned_trust_accepts_its_certificate_only() {
        let own = rcgen::generate_simple_self_signed(vec!["vpt.example.com".into()]).unwrap();
        let other = rcgen::generate_simple_self_signed(vec!["vpt.example.com".into()]).unwrap();
        let verifier = Pinned {
            certificate: own.cert.der().clone(),
            provider: provider(),
        };
        let name = ServerName::try_from("127.0.0.1").unwrap();
        assert!(
            verifier
                .verify_server_cert(own.cert.der(), &[], &name, &[], UnixTime::now())
                .is_ok(),
            "its own certificate, though dialled by another name"
        );
        assert!(
            verifier
                .verify_server_cert(other.cert.der(), &[], &name, &[], UnixTime::now())
                .is_err()
        );
    }
}
