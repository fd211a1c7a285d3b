//! TLS by rustls with the ring provider: verify-full, verify-ca, and the unchecked modes
//! allowed only on this machine.

use super::*;

// ---------------------------------------------------------------------------------------------
// TLS

/// The crypto provider, installed per configuration rather than process-wide so that nothing
/// depends on which provider another crate picked as the default.
pub(super) fn ring() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Verifies the certificate chain against the roots but not the host name (`verify-ca`).
#[derive(Debug)]
pub(super) struct ChainOnly {
    roots: Arc<RootCertStore>,
    /// The handshake-signature checks, shared with [`AnyCertificate`].
    signatures: AnyCertificate,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.signatures.algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.supported_verify_schemes()
    }
}

/// Accepts any certificate but still checks the handshake signatures (`require`, `prefer`:
/// encryption against a passive listener, allowed only for a server on this machine).
#[derive(Debug)]
pub(super) struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Where the trusted roots come from, for error messages.
pub(super) fn roots_origin(url: &DatabaseUrl) -> String {
    match url.ssl_root_cert() {
        Some(path) if path != Path::new("system") => format!("sslrootcert {}", path.display()),
        _ => "the system's certificate store".into(),
    }
}

/// The trusted roots: the `sslrootcert` PEM file, or (absent, or libpq's `system`) the
/// operating system's store. No root at all is an error rather than a connection that could
/// never verify.
pub(super) fn load_roots(url: &DatabaseUrl) -> Result<RootCertStore, ConnectError> {
    let mut roots = RootCertStore::empty();
    match url.ssl_root_cert() {
        Some(path) if path != Path::new("system") => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| tls_error(format!("cannot read sslrootcert {shown}: {e}")))?;
            for cert in certs {
                let cert =
                    cert.map_err(|e| tls_error(format!("cannot read sslrootcert {shown}: {e}")))?;
                roots.add(cert).map_err(|e| {
                    tls_error(format!(
                        "sslrootcert {shown} holds an unusable certificate: {e}"
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(tls_error(format!(
                    "sslrootcert {shown} holds no PEM certificate"
                )));
            }
        }
        _ => {
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!("reading the system's certificate store: {error}");
            }
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(tls_error(
                    "no root certificate to verify the server with: the system's certificate \
                     store is empty or unreadable; give sslrootcert=FILE in the URL or install \
                     the CA certificates (ca-certificates)",
                ));
            }
        }
    }
    Ok(roots)
}

/// The TLS connector for the URL's sslmode; `None` for no TLS (`disable`, unix sockets).
pub(super) fn tls_connector(url: &DatabaseUrl) -> Result<Option<MakeRustlsConnect>, ConnectError> {
    if matches!(url.host, Host::Socket(_)) || url.ssl_mode == SslMode::Disable {
        return Ok(None);
    }
    let provider = ring();
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("rustls refused the protocol versions: {e}")))?;
    let mut config = match url.ssl_mode {
        SslMode::VerifyFull => builder
            .with_root_certificates(load_roots(url)?)
            .with_no_client_auth(),
        SslMode::VerifyCa => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly {
                roots: Arc::new(load_roots(url)?),
                signatures: AnyCertificate { algorithms },
            }))
            .with_no_client_auth(),
        SslMode::Require | SslMode::Prefer | SslMode::Disable => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate { algorithms }))
            .with_no_client_auth(),
    };
    // PostgreSQL 17 checks ALPN on direct TLS; earlier servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(Some(MakeRustlsConnect::new(config)))
}
