//! The listening loop: each connection on its own task, HTTPS through rustls when a certificate is
//! given, plain HTTP only on a loopback address; a client that does not finish its TLS handshake or
//! its request's head in time is cut off.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The longest a client may take to finish its TLS handshake or send its request's head.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads a PEM certificate chain and its private key into a TLS acceptor.
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(cert)
            .with_context(|| format!("cannot read the certificate {}", cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        bail!("{} holds no certificate", cert.display());
    }
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(key).with_context(|| format!("cannot read the private key {}", key.display()))?,
    ))
    .with_context(|| format!("{} is not a PEM private key", key.display()))?
    .with_context(|| format!("{} holds no private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and the private key do not go together")?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Binds `addr`, refusing plain HTTP on an address other than loopback.
pub async fn bind(addr: SocketAddr, tls: bool) -> anyhow::Result<TcpListener> {
    if !tls && !addr.ip().is_loopback() {
        bail!(
            "{addr} is not a loopback address: plain HTTP is served only on 127.0.0.1 or ::1; give --tls-cert and \
             --tls-key to serve HTTPS"
        );
    }
    TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))
}

/// Serves `router` on `listener` until the process ends.
pub async fn run(listener: TcpListener, tls: Option<TlsAcceptor>, router: Router) -> anyhow::Result<()> {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors, a connection reset before accept: wait a little, go on.
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if let Err(e) = tcp.set_nodelay(true) {
            // Answers may wait for Nagle's delay; the connection still works.
            tracing::debug!(%peer, "TCP_NODELAY: {e}");
        }
        // The admin page notes where each request came from (its audit log, its limits).
        let service =
            TowerToHyperService::new(router.clone().layer(axum::Extension(crate::admin::Peer(peer))));
        let tls = tls.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(HANDSHAKE_TIMEOUT);
            let served = match tls {
                None => http.serve_connection(TokioIo::new(tcp), service).await,
                Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => http.serve_connection(TokioIo::new(stream), service).await,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                },
            };
            if let Err(e) = served {
                tracing::debug!(%peer, "connection: {e}");
            }
        });
    }
}
