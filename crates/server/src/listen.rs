//! The listeners: plain http and https side by side, each connection served by hyper with the
//! limits a public service needs (request-head size and count, slow clients, TLS handshakes,
//! open connections), and a graceful stop that lets requests in flight finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

/// hyper's default largest read buffer (8 KiB + 100 x 4 KiB).
const READ_BUFFER: usize = 8 * 1024 + 100 * 4096;

/// The scheme a request came in on, put in its extensions for `@odata.nextLink` and
/// `@odata.context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme(pub &'static str);

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// The most bytes of request line and headers. Up to hyper's read buffer (about 400 KiB,
    /// or twice this if larger) the dispatcher answers an oversize head with a Graph error
    /// (431); hyper cuts off anything larger with a bare 431.
    pub max_header_bytes: usize,
    /// The most header fields in one request.
    pub max_headers: usize,
    /// How long a client may take to send a request head (and to finish a TLS handshake); an
    /// idle keep-alive connection is closed after as long.
    pub client_timeout: Duration,
    /// The most connections open at once; further ones wait in the accept queue.
    pub max_connections: usize,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            client_timeout: Duration::from_secs(30),
            max_connections: 4096,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// One listening socket, plain or TLS.
#[derive(Debug)]
pub struct Endpoint {
    pub listener: TcpListener,
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Endpoint {
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}

/// Serves `router` on every endpoint until `shutdown` completes, then lets requests in flight
/// finish (up to `limits.shutdown_grace`).
pub async fn serve(
    endpoints: Vec<Endpoint>,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    let stop = CancellationToken::new();
    let connections = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut accept_loops = Vec::new();
    for endpoint in endpoints {
        accept_loops.push(tokio::spawn(accept_loop(
            endpoint,
            router.clone(),
            limits,
            stop.clone(),
            connections.clone(),
            permits.clone(),
        )));
    }
    shutdown.await;
    stop.cancel();
    for task in accept_loops {
        let _ = task.await;
    }
    connections.close();
    if tokio::time::timeout(limits.shutdown_grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown grace period; closing them"
        );
    }
}

async fn accept_loop(
    endpoint: Endpoint,
    router: Router,
    limits: ConnLimits,
    stop: CancellationToken,
    connections: TaskTracker,
    permits: Arc<Semaphore>,
) {
    let scheme = Scheme(endpoint.scheme());
    let acceptor = endpoint.tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => return,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let (stream, peer) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = endpoint.listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stop = stop.clone();
        let acceptor = acceptor.clone();
        connections.spawn(async move {
            let _permit = permit;
            match acceptor {
                None => serve_connection(stream, peer, scheme, router, limits, stop).await,
                Some(acceptor) => {
                    let handshake = tokio::select! {
                        () = stop.cancelled() => return,
                        r = tokio::time::timeout(limits.client_timeout, acceptor.accept(stream)) => r,
                    };
                    match handshake {
                        Ok(Ok(tls)) => {
                            serve_connection(tls, peer, scheme, router, limits, stop).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    scheme: Scheme,
    router: Router,
    limits: ConnLimits,
    stop: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(scheme);
        let req = req.map(axum::body::Body::new);
        let router = router.clone();
        async move { router.oneshot(req).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.client_timeout)
        // The read buffer bounds the request head too (hyper answers a bare 431 beyond it);
        // hyper's own default size (about 400 KiB) reads large import bodies in few calls.
        .max_buf_size(limits.max_header_bytes.saturating_mul(2).max(READ_BUFFER))
        .max_headers(limits.max_headers);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        r = connection.as_mut() => r,
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
