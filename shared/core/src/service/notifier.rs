//! The notifier: the one place a reply address is opened, just before sending.

use crate::jobs::JobError;
use crate::ports::{DedupeStore, KeyError, Messenger, OutboundJob, ReplyAddressOpener, SendFailure, StoreError};
use std::sync::Arc;

/// Delivers outbound jobs. Holds the only [`ReplyAddressOpener`] in the system.
pub struct Notifier {
    opener: Arc<dyn ReplyAddressOpener>,
    messenger: Arc<dyn Messenger>,
    /// Which jobs were sent: a job dispatched twice (a webhook redelivery re-sends its
    /// outbox; queues deliver at least once) reaches the informant once.
    sent: Arc<dyn DedupeStore>,
}

/// Why a job was not delivered; the queue retries `retryable` ones.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reply address: {0}")]
    Address(#[from] KeyError),
    #[error(transparent)]
    Send(#[from] SendFailure),
    #[error("sent-record: {0}")]
    Store(#[from] StoreError),
}

impl DeliveryError {
    pub fn is_retryable(&self) -> bool {
        match self {
            DeliveryError::Address(KeyError::Backend(_)) => true,
            DeliveryError::Address(KeyError::Unreadable) => false,
            DeliveryError::Send(SendFailure::Retryable(_)) => true,
            DeliveryError::Send(_) => false,
            DeliveryError::Store(_) => true,
        }
    }
}

impl From<DeliveryError> for JobError {
    fn from(e: DeliveryError) -> Self {
        if e.is_retryable() {
            JobError::Retry(e.to_string())
        } else {
            JobError::Fatal(e.to_string())
        }
    }
}

/// What became of an outbound job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent now; WhatsApp's message id.
    Sent(String),
    /// Sent before (a duplicate of the job): not sent again.
    AlreadySent,
}

impl Notifier {
    pub fn new(opener: Arc<dyn ReplyAddressOpener>, messenger: Arc<dyn Messenger>, sent: Arc<dyn DedupeStore>) -> Self {
        Notifier {
            opener,
            messenger,
            sent,
        }
    }

    /// Opens the address and sends, once per job id. The record is written after the
    /// send: should the worker die between the two, the job is sent again rather than
    /// never (a reply lost is worse than a reply doubled).
    pub async fn deliver(&self, job: &OutboundJob, now: i64) -> Result<Delivered, DeliveryError> {
        let key = format!("sent:{}", job.job_id);
        if self.sent.seen(&key, now).await? {
            return Ok(Delivered::AlreadySent);
        }
        let identity = self.opener.open(&job.reply_address).await?;
        let message_id = self.messenger.send(&identity, &job.reply).await?;
        if let Err(e) = self.sent.claim(&key, now).await {
            // Sent: failing the job now would only send it again.
            tracing::warn!(error = %e, "a sent message could not be recorded");
        }
        Ok(Delivered::Sent(message_id))
    }
}
