//! WhatsApp's status webhooks (sent, delivered, read, failed), applied to the report
//! threads where officers see what became of their messages.
//!
//! On the webhook's hot path: one lookup (the message key's link) and one conditional
//! write (the state, raised only). Statuses arrive late, twice and out of order; the
//! thread store's monotonic update makes every order end in the same state. Nothing of
//! the status but its message id's key, state and time is used: the recipient's number
//! and id never leave the payload.

use crate::ports::{DeliveryState, Pseudonymizer, StoreError, ThreadStore};
use std::sync::Arc;

/// Applies status webhooks to thread entries.
pub struct DeliveryStatuses {
    threads: Arc<dyn ThreadStore>,
    pseudonyms: Arc<dyn Pseudonymizer>,
}

/// What a status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    /// Applied to a thread entry (raising its state, or leaving a higher one alone).
    Applied,
    /// Not a message of a thread (an in-chat reply, or one sent before linking).
    Unknown,
}

impl DeliveryStatuses {
    pub fn new(threads: Arc<dyn ThreadStore>, pseudonyms: Arc<dyn Pseudonymizer>) -> Self {
        DeliveryStatuses { threads, pseudonyms }
    }

    /// Applies one status of the message `wamid`, reported as of `at` (Unix seconds).
    pub async fn apply(&self, wamid: &str, state: DeliveryState, at: i64) -> Result<StatusOutcome, StoreError> {
        if wamid.is_empty() {
            return Ok(StatusOutcome::Unknown);
        }
        let key = self.pseudonyms.message_key(wamid);
        let Some(thread) = self.threads.by_message(&key).await? else {
            return Ok(StatusOutcome::Unknown);
        };
        self.threads.set_delivery(&thread, state, at, false).await?;
        Ok(StatusOutcome::Applied)
    }
}
