//! Satark's HTTP surface, one axum router for Lambda (`lambda_http`) and for the local
//! server alike.
//!
//! - [`webhook`]: the WhatsApp webhook (GET handshake, signed POSTs).
//! - [`graph`]: adapters from the core's [`Messenger`](satark_core::ports::Messenger)
//!   and [`MediaSource`](satark_core::ports::MediaSource) ports to the Graph API client.
//! - [`layers`]: the request trace, request and body timeouts, the loopback-only guard.
//! - [`server`]: serving a router on a TCP listener with connection, header-read, idle
//!   and concurrency limits (the local server; API Gateway does this on AWS).

pub mod dashboard;
pub mod evidence;
pub mod graph;
pub mod inbound;
pub mod layers;
pub mod server;
pub mod webhook;

pub use webhook::{WebhookState, webhook_router};
