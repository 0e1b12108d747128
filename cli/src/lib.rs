//! The `satark` command as a library: configuration and the local server, so that
//! end-to-end tests start exactly what `satark serve` starts.

pub mod config;
pub mod serve;
pub mod simulator;
pub mod triage;

pub use config::ServeConfig;
pub use serve::{Running, ServeError, registered_templates, start};
