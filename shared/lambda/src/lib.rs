//! What Satark's Lambda functions share.
//!
//! Each function's `main` builds [`AwsConfig`](satark_aws::AwsConfig) once per cold
//! start, calls one constructor here and hands over to the Lambda runtime. The same
//! constructors are what the end-to-end tests call against the emulators, so the
//! functions' wiring is tested, not only their parts.

pub mod apps;
pub mod logging;
pub mod secrets;
pub mod sqs;

pub use apps::{
    ClassifierApp, LambdaSettings, MediaApp, NotifierApp, SetupError, SweeperApp, dashboard_app, dashboard_router,
    serve_sweeper, start, start_with_whatsapp, webhook_router, webhook_router_with,
};
pub use sqs::{SqsHandler, serve_sqs};
