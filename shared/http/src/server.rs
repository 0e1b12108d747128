//! Serving a router on a TCP listener so that slow or hostile clients cannot hold the
//! server (the local `satark serve`; on AWS, API Gateway does this job).
//!
//! Without limits, every connection that trickles its headers, never finishes its
//! body or never reads its answer stays open for ever, and every request runs at once
//! however many arrive. Here:
//!
//! - **connections**: at most [`ServerLimits::max_connections`] are served at once;
//!   beyond that the listener stops accepting (new ones wait in the kernel's backlog),
//!   so file descriptors are left for the database and evidence files;
//! - **header read**: hyper's `header_read_timeout` bounds the time from the connection
//!   opening, or from the previous answer on a kept-alive connection, to the end of
//!   the request head (slow-loris);
//! - **request and body**: tower-http's timeouts (see [`request_timeouts`]);
//! - **idle**: a connection on which no byte moves either way for
//!   [`ServerLimits::idle_timeout`] is closed (a client that stops reading our answer);
//! - **concurrency**: at most [`ServerLimits::max_concurrent_requests`] requests are
//!   handled at once; one more is answered `503 Service Unavailable` with
//!   `Retry-After` at once (`tower::load_shed`), never queued (Meta retries a 503).
//!
//! - **per peer**: one address beyond loopback holds at most [`PeerSlots::per_peer`]
//!   connections, so a few peers trickling bodies cannot take every concurrency slot
//!   from the webhook (Meta delivers from many addresses). Loopback peers (the
//!   simulator, a reverse proxy on this host) are not counted.
//!
//! Every request carries the peer address as [`ConnectInfo`], which
//! [`loopback_only`](crate::layers::loopback_only) checks.

use crate::layers::{request_timeouts, request_trace};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;
use tower::load_shed::error::Overloaded;

/// Defaults, in seconds and counts; see [`ServerLimits`] for what each bounds and
/// README.md's settings table for why these numbers.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 60;
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long and how much the server gives its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// From a connection opening (or its previous answer) to the end of the next
    /// request head.
    pub header_read_timeout: Duration,
    /// A whole request, from its head to the answer, body upload included.
    pub request_timeout: Duration,
    /// The longest wait between two pieces of a request body.
    pub body_timeout: Duration,
    /// The longest time no byte moves on a connection either way. Longer than
    /// `request_timeout`, or a slow handler's connection would be cut under it.
    pub idle_timeout: Duration,
    /// Requests handled at once; more are answered 503.
    pub max_concurrent_requests: usize,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `router` on `listener` under `limits` until the task running it is
/// dropped or aborted, which also closes every open connection (they are tasks of a
/// `JoinSet` this future owns).
///
/// The router gets the request trace and timeouts here; pass it fully assembled.
pub async fn serve(listener: TcpListener, router: Router, limits: ServerLimits) {
    let app = request_trace(request_timeouts(router, limits.request_timeout, limits.body_timeout));
    let service = tower::ServiceBuilder::new()
        .load_shed()
        .concurrency_limit(limits.max_concurrent_requests.max(1))
        .service(app);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let peers = PeerSlots::new((limits.max_concurrent_requests / 4).max(2));
    let shed = Arc::new(AtomicU64::new(0));
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return; // never: the semaphore is not closed
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        let Some(peer_slot) = peers.take(peer.ip()) else {
            // Closed at once: this address already holds its share of connections.
            drop(stream);
            continue;
        };
        let service = service.clone();
        let shed = shed.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, service, shed, limits).await;
            drop((slot, peer_slot));
        });
    }
}

/// Serves one connection: hyper's HTTP/1 with the header-read timeout, closed when it
/// has been idle too long.
async fn serve_connection<S>(
    stream: TcpStream,
    peer: SocketAddr,
    service: S,
    shed: Arc<AtomicU64>,
    limits: ServerLimits,
) where
    S: tower::Service<Request<Body>, Response = Response, Error = tower::BoxError> + Clone + Send + 'static,
    S::Future: Send,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        io: stream,
        activity: activity.clone(),
    });
    let handler = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (service, shed) = (service.clone(), shed.clone());
        async move {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            Ok::<_, Infallible>(match service.oneshot(request).await {
                Ok(response) => response,
                Err(e) => refused(&e, &shed),
            })
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, handler);
    let mut connection = std::pin::pin!(connection);
    loop {
        let idle = activity.idle_for();
        if idle >= limits.idle_timeout {
            tracing::debug!("idle connection closed");
            return;
        }
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    // Timeouts, resets, malformed requests: the client's affair.
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep(limits.idle_timeout - idle) => {}
        }
    }
}

/// Connections per peer address beyond loopback.
#[derive(Debug, Clone)]
pub struct PeerSlots {
    per_peer: usize,
    open: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
}

/// One connection's share of its peer's slots, given back when dropped.
#[derive(Debug)]
pub struct PeerSlot {
    ip: Option<std::net::IpAddr>,
    open: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
}

impl PeerSlots {
    pub fn new(per_peer: usize) -> Self {
        PeerSlots {
            per_peer,
            open: Arc::default(),
        }
    }

    /// How many connections one address beyond loopback may hold.
    pub fn per_peer(&self) -> usize {
        self.per_peer
    }

    /// A slot for a new connection from `ip`; `None` when it holds its share already.
    pub fn take(&self, ip: std::net::IpAddr) -> Option<PeerSlot> {
        if ip.is_loopback() || ip.to_canonical().is_loopback() {
            return Some(PeerSlot {
                ip: None,
                open: self.open.clone(),
            });
        }
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.per_peer {
            return None;
        }
        *count += 1;
        Some(PeerSlot {
            ip: Some(ip),
            open: self.open.clone(),
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let Some(ip) = self.ip else { return };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// The answer to a request the service refused: 503 when over the concurrency limit.
fn refused(error: &tower::BoxError, shed: &AtomicU64) -> Response {
    if error.is::<Overloaded>() {
        let total = shed.fetch_add(1, Ordering::Relaxed) + 1;
        // Once, then every thousandth: a flood must not flood the log as well.
        if total == 1 || total.is_multiple_of(1000) {
            tracing::warn!(shed_total = total, "over the concurrency limit: answered 503");
        }
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "busy, retry shortly",
        )
            .into_response()
    } else {
        tracing::error!("request failed in the server stack");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

/// What to do when `accept` fails: a client that vanished between connect and accept
/// is nothing; anything else (out of file descriptors, most likely) gets a pause so
/// the loop does not spin.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; pausing");
    tokio::time::sleep(Duration::from_millis(250)).await;
}

/// When a connection last moved a byte.
struct Activity {
    opened: Instant,
    /// Milliseconds after `opened`.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        self.opened
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last.load(Ordering::Relaxed)))
    }
}

/// A stream that records when bytes last moved, for the idle timeout.
struct Tracked<IO> {
    io: IO,
    activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Tracked<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.touch();
        }
        result
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Tracked<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_holds_its_share_of_connections_and_no_more() {
        let peers = PeerSlots::new(2);
        let far: std::net::IpAddr = "203.0.113.7".parse().expect("ip");
        let other: std::net::IpAddr = "2001:db8::1".parse().expect("ip");
        let a = peers.take(far).expect("first");
        let _b = peers.take(far).expect("second");
        assert!(peers.take(far).is_none(), "a third is refused");
        assert!(peers.take(other).is_some(), "another address is not affected");
        drop(a);
        assert!(peers.take(far).is_some(), "a closed connection frees its slot");
        let local: Vec<_> = (0..100)
            .filter_map(|_| peers.take("127.0.0.1".parse().expect("ip")))
            .collect();
        assert_eq!(local.len(), 100, "loopback is not counted");
        assert!(peers.take("::ffff:127.0.0.1".parse().expect("ip")).is_some());
    }
}
