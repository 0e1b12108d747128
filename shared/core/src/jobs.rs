//! Queued work, one abstraction for every queue and both hosts.
//!
//! A [`Job`] knows its queue, its group (jobs of one group are handled in order, like an
//! SQS FIFO message group) and its dedupe key (two jobs with one key are one job). It
//! travels as an [`Envelope`]: what a [`JobQueue`] adapter sends (SQS) or stores
//! (SQLite), and what a message's commit keeps as its outbox. Handlers answer
//! [`JobError::Retry`] or [`JobError::Fatal`], and both hosts (the Lambda SQS runner
//! and `satark serve`'s workers) honour the difference the same way.

use crate::ports::{MediaJob, OfficeAlertJob, OutboundJob, QueueError, ReportJob};
use crate::records::{Versioned, decode};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The queues of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    /// Messages to informants: ordered per conversation (FIFO on AWS).
    Outbound,
    /// Evidence downloads.
    Media,
    /// Submitted reports, for the classifier.
    Reports,
}

impl QueueName {
    pub const ALL: [QueueName; 3] = [QueueName::Outbound, QueueName::Media, QueueName::Reports];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Outbound => "outbound",
            QueueName::Media => "media",
            QueueName::Reports => "reports",
        }
    }

    /// Whether jobs of one group must be handled one after another, in order.
    pub fn is_ordered(self) -> bool {
        matches!(self, QueueName::Outbound)
    }
}

/// A kind of queued work.
pub trait Job: Serialize + DeserializeOwned + Versioned + Send + Sync + 'static {
    const QUEUE: QueueName;
    /// Jobs of one group are handled in order (on ordered queues).
    fn group(&self) -> String;
    /// Two jobs with one key are one job, however often they are sent.
    fn dedupe_key(&self) -> String;
}

impl Job for OutboundJob {
    const QUEUE: QueueName = QueueName::Outbound;
    /// One informant's messages go out in order.
    fn group(&self) -> String {
        self.conversation.as_str().to_string()
    }
    fn dedupe_key(&self) -> String {
        self.job_id.clone()
    }
}

impl Job for OfficeAlertJob {
    const QUEUE: QueueName = QueueName::Outbound;
    /// One office's alerts go out in order, apart from every informant's.
    fn group(&self) -> String {
        format!("office:{}", self.office)
    }
    fn dedupe_key(&self) -> String {
        self.job_id.clone()
    }
}

impl Job for MediaJob {
    const QUEUE: QueueName = QueueName::Media;
    fn group(&self) -> String {
        format!("{}/{}", self.report_id, self.media_key)
    }
    fn dedupe_key(&self) -> String {
        format!("{}/{}", self.report_id, self.media_key)
    }
}

impl Job for ReportJob {
    const QUEUE: QueueName = QueueName::Reports;
    fn group(&self) -> String {
        self.report_id.to_string()
    }
    fn dedupe_key(&self) -> String {
        self.report_id.to_string()
    }
}

/// A job ready for a queue: where it goes, its group and dedupe key, and its body
/// (the job's JSON, with its schema version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub queue: QueueName,
    pub group: String,
    pub dedupe_key: String,
    pub body: String,
}

impl Envelope {
    pub fn of<J: Job>(job: &J) -> Result<Envelope, QueueError> {
        Ok(Envelope {
            queue: J::QUEUE,
            group: job.group(),
            dedupe_key: job.dedupe_key(),
            body: crate::records::encode(job)
                .map_err(|e| QueueError(format!("encoding a {} job: {e}", J::QUEUE.as_str())))?,
        })
    }
}

/// A committed message's jobs, kept where the adapter needs them for a redelivery to
/// dispatch again (on DynamoDB, in the message's dedupe claim).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outbox {
    pub jobs: Vec<Envelope>,
}

/// Reads a job's body; a body that cannot be read never will be (fatal).
pub fn open_job<J: Job>(body: &str) -> Result<J, JobError> {
    decode::<J>(body).map_err(|e| JobError::Fatal(format!("unreadable {} job: {e}", J::QUEUE.as_str())))
}

/// Why a job's handler failed, as both hosts need to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// May succeed later: retried with backoff, dead-lettered only when the attempts
    /// run out.
    #[error("retry: {0}")]
    Retry(String),
    /// Will never succeed: dead-lettered at once, never retried.
    #[error("fatal: {0}")]
    Fatal(String),
    /// Not a failure: the job may not run yet (its recipient's pace, a paused account).
    /// Run again after `after`, in its place in its group, without counting an attempt.
    #[error("deferred by {after:?}: {reason}")]
    Defer { reason: String, after: std::time::Duration },
}

impl JobError {
    pub fn is_fatal(&self) -> bool {
        matches!(self, JobError::Fatal(_))
    }
}

/// Sends jobs to their queues. One port for every queue; adapters map
/// [`QueueName`] to an SQS queue or a SQLite table. Sending a job whose dedupe key was
/// sent before is harmless: it is handled once.
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn send(&self, job: &Envelope) -> Result<(), QueueError>;
}

/// Convenience: encode and send a typed job.
pub async fn send<J: Job>(queue: &dyn JobQueue, job: &J) -> Result<(), QueueError> {
    queue.send(&Envelope::of(job)?).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Reply;
    use crate::ids::Pseudonym;
    use crate::ports::SealedAddress;

    #[test]
    fn an_outbound_job_is_grouped_by_conversation_and_keyed_by_its_id() {
        let job = OutboundJob {
            conversation: Pseudonym::new("p1:abc".into()),
            reply_address: SealedAddress(vec![1, 2]),
            reply: Reply::Text { body: "hi".into() },
            job_id: "m1:x.0".into(),
            last_inbound_at: None,
            template: None,
            thread: None,
        };
        let envelope = Envelope::of(&job).expect("encodes");
        assert_eq!(envelope.queue, QueueName::Outbound);
        assert_eq!(envelope.group, "p1:abc");
        assert_eq!(envelope.dedupe_key, "m1:x.0");
        assert_eq!(open_job::<OutboundJob>(&envelope.body), Ok(job));
        assert!(open_job::<OutboundJob>("{").is_err_and(|e| e.is_fatal()));
    }
}
