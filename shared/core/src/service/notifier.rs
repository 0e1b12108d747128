//! The notifier: the one place a reply address is opened, just before sending.

use crate::ports::{KeyError, Messenger, OutboundJob, ReplyAddressOpener, SendFailure};
use std::sync::Arc;

/// Delivers outbound jobs. Holds the only [`ReplyAddressOpener`] in the system.
pub struct Notifier {
    opener: Arc<dyn ReplyAddressOpener>,
    messenger: Arc<dyn Messenger>,
}

/// Why a job was not delivered; the queue retries `retryable` ones.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reply address: {0}")]
    Address(#[from] KeyError),
    #[error(transparent)]
    Send(#[from] SendFailure),
}

impl DeliveryError {
    pub fn is_retryable(&self) -> bool {
        match self {
            DeliveryError::Address(KeyError::Backend(_)) => true,
            DeliveryError::Address(KeyError::Unreadable) => false,
            DeliveryError::Send(SendFailure::Retryable(_)) => true,
            DeliveryError::Send(_) => false,
        }
    }
}

impl Notifier {
    pub fn new(opener: Arc<dyn ReplyAddressOpener>, messenger: Arc<dyn Messenger>) -> Self {
        Notifier { opener, messenger }
    }

    /// Opens the address and sends; returns WhatsApp's message id.
    pub async fn deliver(&self, job: &OutboundJob) -> Result<String, DeliveryError> {
        let identity = self.opener.open(&job.reply_address).await?;
        Ok(self.messenger.send(&identity, &job.reply).await?)
    }
}
