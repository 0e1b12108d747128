//! Satark's HTTP surface, one axum router for Lambda (`lambda_http`) and for the local
//! server alike.
//!
//! - [`webhook`]: the WhatsApp webhook (GET handshake, signed POSTs).
//! - [`graph`]: adapters from the core's [`Messenger`](satark_core::ports::Messenger)
//!   and [`MediaSource`](satark_core::ports::MediaSource) ports to the Graph API client.

pub mod dashboard;
pub mod graph;
pub mod inbound;
pub mod webhook;

pub use webhook::{WebhookState, webhook_router};
