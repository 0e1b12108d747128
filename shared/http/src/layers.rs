//! Layers every Satark router is served with: a request trace that cannot leak, the
//! request and body timeouts, and the guard that keeps development-only routes on
//! this machine.
//!
//! The trace logs what an operator needs to see traffic and latency (method, the
//! route *template*, status, milliseconds) and nothing a request carries: no query
//! string (the verification handshake's query holds the verify token), no headers
//! (the signature, cookies, tokens), no bodies (messages, numbers, names), and no raw
//! path of an unmatched request (anything a prober typed).

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutBody, TimeoutLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// The route field of a request no route matched: its path is not logged.
pub const UNMATCHED_ROUTE: &str = "<unmatched>";

/// Routes traced at debug level rather than info: the local development routes,
/// which the simulator page polls every second or so and would drown the log.
pub const QUIET_ROUTE_PREFIXES: [&str; 2] = ["/simulator", "/fake-graph"];

/// Adds the request trace to every route of `router` (call it after all routes are
/// merged and nested; axum applies a layer to the routes present).
///
/// Inside the router, so the matched route template is known; one span per request
/// (`request{method, route}`) with one event when it is answered (`status`,
/// `latency_ms`), at info level ([`QUIET_ROUTE_PREFIXES`] at debug).
pub fn request_trace(router: Router) -> Router {
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
                if QUIET_ROUTE_PREFIXES.iter().any(|p| route.starts_with(p)) {
                    tracing::debug_span!("request", method = %request.method(), route)
                } else {
                    tracing::info_span!("request", method = %request.method(), route)
                }
            })
            .on_request(())
            .on_response(|response: &Response, latency: Duration, span: &Span| {
                let status = response.status().as_u16();
                let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
                // The span's level decides; a disabled span (no metadata) is quiet too.
                if span.metadata().is_some_and(|m| *m.level() == tracing::Level::INFO) {
                    tracing::info!(status, latency_ms, "answered");
                } else {
                    tracing::debug!(status, latency_ms, "answered");
                }
            })
            .on_body_chunk(())
            .on_eos(())
            // 5xx statuses are already in the "answered" event; a response body that
            // fails is logged without its error text, which could quote content.
            .on_failure(|failure: ServerErrorsFailureClass, latency: Duration, _: &Span| {
                if let ServerErrorsFailureClass::Error(_) = failure {
                    tracing::warn!(
                        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                        "response failed"
                    );
                }
            }),
    )
}

/// Bounds every request of `router`: `request` for the whole exchange (head to
/// response, body upload included), answered `408 Request Timeout`; `body` for each
/// wait between two pieces of the request body, so a stalled upload is cut long
/// before `request` runs out and the handler sees a body error (axum answers 400).
pub fn request_timeouts(router: Router, request: Duration, body: Duration) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request))
            .layer(RequestBodyTimeoutLayer::new(body))
            .map_request(|request: Request<TimeoutBody<Body>>| request.map(Body::new)),
    )
}

/// Middleware (`axum::middleware::from_fn`) for routes that must never answer anyone
/// but this machine: the WhatsApp simulator (it signs webhooks with the app secret and
/// reads every reply to a number) and the fake Graph API. A request whose peer is not
/// a loopback address, or whose peer is unknown, gets the 404 of a route that does
/// not exist.
///
/// Defence in depth: `satark serve` does not mount those routes at all on a listener
/// that reaches beyond loopback; this guard holds even if one were mounted by mistake.
pub async fn loopback_only(request: Request, next: Next) -> Response {
    let local = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().to_canonical().is_loopback());
    if local {
        next.run(request).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
