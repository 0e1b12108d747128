//! Structured logs: JSON on Lambda (CloudWatch parses it), filtered by `RUST_LOG`.

/// Installs the JSON subscriber. Call first thing in `main`.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        // Lambda adds its own timestamps and request ids.
        .without_time()
        .with_target(false)
        .with_current_span(false)
        .init();
}
