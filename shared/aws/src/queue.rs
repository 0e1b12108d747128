//! Jobs onto SQS: outbound messages (FIFO), media downloads and submitted reports
//! (standard).

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use satark_core::jobs::{Envelope, JobQueue, QueueName};
use satark_core::ports::QueueError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

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

/// Every queue of the system on SQS: the outbound queue is FIFO (one message group
/// per conversation, so one informant's replies are sent in order while different
/// informants' go in parallel, and SQS drops a resend with the same deduplication id
/// within five minutes); media and reports are standard queues, whose consumers are
/// idempotent on the job's dedupe key. Bodies are the jobs' JSON: pseudonyms and sealed
/// reply addresses, never a number.
#[derive(Debug, Clone, Default)]
pub struct SqsJobQueue {
    client: Option<Client>,
    urls: HashMap<QueueName, String>,
}

impl SqsJobQueue {
    /// A queue adapter that can send to the queues given (`None`: not configured for
    /// this function, and sending there is an error).
    pub fn new(client: Client, urls: impl IntoIterator<Item = (QueueName, Option<String>)>) -> Self {
        SqsJobQueue {
            client: Some(client),
            urls: urls.into_iter().filter_map(|(q, url)| Some((q, url?))).collect(),
        }
    }

    pub fn queue_url(&self, queue: QueueName) -> Option<&str> {
        self.urls.get(&queue).map(String::as_str)
    }
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn send(&self, job: &Envelope) -> Result<(), QueueError> {
        let name = job.queue.as_str();
        let (Some(client), Some(url)) = (&self.client, self.urls.get(&job.queue)) else {
            return Err(QueueError(format!("no {name} queue is configured for this function")));
        };
        let mut send = client.send_message().queue_url(url).message_body(&job.body);
        if job.queue.is_ordered() {
            send = send
                .message_group_id(message_group_id(&job.group))
                .message_deduplication_id(deduplication_id(&job.dedupe_key));
        }
        send.send().await.map(|_| ()).map_err(|e| send_error(name, e))
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
