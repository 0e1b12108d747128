//! Application services: the domain's use cases, written against the ports only.
//!
//! [`Intake`] is what the webhook runs for each inbound message; [`Notifier`] what the
//! outbound queue's consumer runs; [`MediaIngest`] what the media queue's consumer runs.
//! Lambda functions and `satark serve` wire adapters into these and hand over.

pub mod casework;
mod classifier;
pub mod escalation;
pub mod filter;
mod intake;
mod media;
mod notifier;
pub mod pacing;
mod statuses;

pub use casework::{Asked, Casework, CaseworkError, StatusChanged};
pub use classifier::{
    Classified, Classifier, ClassifierError, FINGERPRINT_RETENTION_SECS, add_count, alert_jobs, cell, local_day,
};
pub use escalation::{DEFAULT_ESCALATE_AFTER_SECS, Escalation, EscalationError};
pub use filter::{FilterError, LearnedFilter};
pub use intake::{Intake, IntakeError, IntakePorts, MessageOutcome};
pub use media::{IngestOutcome, MediaIngest, MediaIngestError, max_media_bytes};
pub use notifier::{
    Delivered, DeliveryError, DropReason, Notifier, NotifierPolicy, NotifierPorts, OutboundWork, SERVICE_WINDOW_SECS,
};
pub use pacing::{Pace, PacePolicy};
pub use statuses::{DeliveryStatuses, StatusOutcome};
