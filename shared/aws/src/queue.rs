//! Jobs onto SQS: outbound messages (FIFO) and media downloads (standard).

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use satark_core::ports::{MediaJob, MediaQueue, OutboundJob, OutboundQueue, QueueError, ReportJob, ReportQueue};
use sha2::{Digest, Sha256};

fn send_error<E, R>(queue: &str, e: SdkError<E, R>) -> QueueError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    QueueError(format!(
        "SQS SendMessage to the {queue} queue: {}",
        DisplayErrorContext(&e)
    ))
}

fn encode<T: serde::Serialize>(queue: &str, job: &T) -> Result<String, QueueError> {
    serde_json::to_string(job).map_err(|e| QueueError(format!("encoding a {queue} job: {e}")))
}

/// SQS deduplication id of an outbound job: SHA-256 of the job id, hex (64 characters
/// of the allowed alphabet, whatever the job id holds). SQS drops a second message with
/// the same id within five minutes, so a retried enqueue is sent once.
pub fn deduplication_id(job_id: &str) -> String {
    hex::encode(Sha256::digest(job_id.as_bytes()))
}

/// SQS message group of a conversation: the pseudonym itself (`p1:<hex>`, already
/// a keyed hash), or a hash of it should it ever not fit SQS's rules (≤ 128 printable
/// ASCII characters), so one informant's messages always share one group.
pub fn message_group_id(conversation: &str) -> String {
    let fits =
        !conversation.is_empty() && conversation.len() <= 128 && conversation.bytes().all(|b| b.is_ascii_graphic());
    if fits {
        conversation.to_string()
    } else {
        format!("h:{}", hex::encode(Sha256::digest(conversation.as_bytes())))
    }
}

/// Outbound messages on a FIFO queue: one message group per conversation, so one
/// informant's replies are sent in order while different informants' go in parallel.
/// The body is the job's JSON: a pseudonym and a sealed reply address, never a number.
#[derive(Debug, Clone)]
pub struct SqsOutboundQueue {
    client: Client,
    queue_url: String,
}

impl SqsOutboundQueue {
    pub fn new(client: Client, queue_url: String) -> Self {
        SqsOutboundQueue { client, queue_url }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

#[async_trait]
impl OutboundQueue for SqsOutboundQueue {
    async fn enqueue(&self, job: &OutboundJob) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(encode("outbound", job)?)
            .message_group_id(message_group_id(job.conversation.as_str()))
            .message_deduplication_id(deduplication_id(&job.job_id))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| send_error("outbound", e))
    }
}

/// Media downloads on a standard queue: no order is needed, and the media worker is
/// idempotent on (report, media key), so SQS's at-least-once delivery is enough.
#[derive(Debug, Clone)]
pub struct SqsMediaQueue {
    client: Client,
    queue_url: String,
}

impl SqsMediaQueue {
    pub fn new(client: Client, queue_url: String) -> Self {
        SqsMediaQueue { client, queue_url }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

#[async_trait]
impl MediaQueue for SqsMediaQueue {
    async fn enqueue(&self, job: &MediaJob) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(encode("media", job)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| send_error("media", e))
    }
}

/// Submitted reports for the classifier, on a standard queue (the classifier is
/// idempotent per report).
#[derive(Debug, Clone)]
pub struct SqsReportsQueue {
    client: Client,
    queue_url: String,
}

impl SqsReportsQueue {
    pub fn new(client: Client, queue_url: String) -> Self {
        SqsReportsQueue { client, queue_url }
    }
}

#[async_trait]
impl ReportQueue for SqsReportsQueue {
    async fn enqueue(&self, job: &ReportJob) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(encode("reports", job)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| send_error("reports", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_sqs_rules() {
        let id = deduplication_id("m1:abc.media-notice/ünïcode");
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(message_group_id("p1:abcdef"), "p1:abcdef");
        let odd = message_group_id("p1: spaced");
        assert!(odd.starts_with("h:") && odd.len() <= 128);
        assert_eq!(odd, message_group_id("p1: spaced"));
    }
}
