//! The notifier: the outbound queue's consumer, and the one place a reply address is
//! opened, just before sending.
//!
//! The outbound queue carries messages to informants ([`OutboundJob`]) and alerts to
//! police offices ([`OfficeAlertJob`]), read as one [`OutboundWork`]. For each job the
//! notifier decides what may go now, and how:
//!
//! - **once** per job id (a `sent:<job id>` record), however often the job is delivered;
//! - **in order** per recipient: the queue hands one group's jobs over one at a time, and
//!   a job that fails or waits holds back its successors (FIFO groups on AWS, the head
//!   of each group on the embedded queue);
//! - **at the recipient's pace** ([`PacePolicy`]): a job that would break WhatsApp's
//!   pair limit is deferred ([`JobError::Defer`]) until its turn, not sent and refused;
//! - **inside the 24-hour window** free-form, outside it the job's registered template
//!   (checked against `infra/whatsapp-templates.toml` first); an in-chat reply has no
//!   template and is dropped rather than sent a day late;
//! - **by WhatsApp's error class** ([`SendFailure`]): temporary ones (rate limits,
//!   outages) are retried with the host's backoff (4^n s); a closed window switches to
//!   the template; a permanent one records the thread entry
//!   `Failed` and goes to the dead letters; an account-level refusal pauses all sending
//!   and logs an error, keeping every job.
//!
//! A thread entry's message is linked to its message key (an HMAC of the WhatsApp id,
//! which encodes the recipient's number), so status webhooks can raise its delivery
//! state; the id itself is neither stored nor logged.

use crate::clock::Clock;
use crate::ids::Identity;
use crate::jobs::{Job, JobError, QueueName};
use crate::ports::{
    DedupeStore, DeliveryState, KeyError, Messenger, OfficeAlertJob, OutboundJob, PaceStore, Pseudonymizer,
    ReplyAddressOpener, SendFailure, StoreError, TemplateMessage, ThreadRef, ThreadStore,
};
use crate::range::RangeConfig;
use crate::records::{RecordError, Versioned};
use crate::service::pacing::{Pace, PacePolicy};
use crate::templates::{self, TemplateError};
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// WhatsApp's customer-service window: free-form messages within 24 hours of the
/// informant's last message.
pub const SERVICE_WINDOW_SECS: i64 = 24 * 3600;

/// What the notifier is built from.
pub struct NotifierPorts {
    /// The only [`ReplyAddressOpener`] in the system.
    pub opener: Arc<dyn ReplyAddressOpener>,
    pub messenger: Arc<dyn Messenger>,
    /// Which jobs were sent: a job dispatched twice (a webhook redelivery re-sends its
    /// outbox; queues deliver at least once) reaches the informant once.
    pub sent: Arc<dyn DedupeStore>,
    /// Where officers see what became of their messages.
    pub threads: Arc<dyn ThreadStore>,
    pub pace: Arc<dyn PaceStore>,
    /// For message keys: a WhatsApp message id is never stored as it is.
    pub pseudonyms: Arc<dyn Pseudonymizer>,
    /// Office numbers, for alerts.
    pub range: Arc<RangeConfig>,
    pub clock: Arc<dyn Clock>,
}

/// The notifier's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifierPolicy {
    pub pace: PacePolicy,
    /// Free-form messages stop this long before the 24 hours are up: the job may wait in
    /// the queue and clocks differ, and a template is cheaper than a message refused.
    pub window_margin: Duration,
    /// How long all sending pauses after WhatsApp refused the business account.
    pub account_pause: Duration,
}

impl Default for NotifierPolicy {
    fn default() -> Self {
        NotifierPolicy {
            pace: PacePolicy::default(),
            window_margin: Duration::from_secs(10 * 60),
            account_pause: Duration::from_secs(10 * 60),
        }
    }
}

/// The outbound queue's jobs: either kind, told apart by shape (an alert names an
/// `office`). Producers send the concrete jobs; this is what the consumer reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OutboundWork {
    Reply(OutboundJob),
    Alert(OfficeAlertJob),
}

fn is_alert(value: &serde_json::Value) -> bool {
    value.get("office").is_some()
}

impl<'de> Deserialize<'de> for OutboundWork {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        if is_alert(&value) {
            serde_json::from_value(value).map(OutboundWork::Alert).map_err(D::Error::custom)
        } else {
            serde_json::from_value(value).map(OutboundWork::Reply).map_err(D::Error::custom)
        }
    }
}

const fn newer(a: u32, b: u32) -> u32 {
    if a > b { a } else { b }
}

/// Not a stored record of its own: each body is an [`OutboundJob`] or an
/// [`OfficeAlertJob`], lifted by that type's rules.
impl Versioned for OutboundWork {
    const SCHEMA: u32 = newer(OutboundJob::SCHEMA, OfficeAlertJob::SCHEMA);

    fn upgrade(schema: u32, value: serde_json::Value) -> Result<serde_json::Value, RecordError> {
        if is_alert(&value) {
            OfficeAlertJob::upgrade(schema, value)
        } else {
            OutboundJob::upgrade(schema, value)
        }
    }
}

impl Job for OutboundWork {
    const QUEUE: QueueName = QueueName::Outbound;
    fn group(&self) -> String {
        match self {
            OutboundWork::Reply(job) => job.group(),
            OutboundWork::Alert(job) => job.group(),
        }
    }
    fn dedupe_key(&self) -> String {
        match self {
            OutboundWork::Reply(job) => job.dedupe_key(),
            OutboundWork::Alert(job) => job.dedupe_key(),
        }
    }
}

impl From<OutboundJob> for OutboundWork {
    fn from(job: OutboundJob) -> Self {
        OutboundWork::Reply(job)
    }
}

impl From<OfficeAlertJob> for OutboundWork {
    fn from(job: OfficeAlertJob) -> Self {
        OutboundWork::Alert(job)
    }
}

/// Why a job was not delivered (yet); the queue retries, defers or dead-letters it
/// accordingly (its `From` conversion into [`JobError`]).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reply address: {0}")]
    Address(#[from] KeyError),
    #[error(transparent)]
    Send(#[from] SendFailure),
    #[error("notifier store: {0}")]
    Store(#[from] StoreError),
    /// The recipient's pace: the job's turn comes after this long.
    #[error("the recipient's pace allows the next message in {0:?}")]
    Paced(Duration),
    /// WhatsApp refused the business account; nothing is sent for this long.
    #[error("sending is paused for {wait:?}: WhatsApp refused the business account (code {code})")]
    Paused { code: i64, wait: Duration },
    /// The job's template is not one Meta would accept as registered: a bug upstream.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// An alert to an office whose number the range config lacks.
    #[error("office {0:?} has no WhatsApp number in the range config")]
    NoOfficeNumber(String),
}

impl DeliveryError {
    /// Whether trying the same job again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            DeliveryError::Address(KeyError::Backend(_)) => true,
            DeliveryError::Address(KeyError::Unreadable) => false,
            DeliveryError::Send(SendFailure::Retryable { .. }) => true,
            DeliveryError::Send(SendFailure::AccountBlocked { .. }) => true,
            DeliveryError::Send(SendFailure::WindowClosed | SendFailure::Permanent { .. }) => false,
            DeliveryError::Store(_) => true,
            DeliveryError::Paced(_) | DeliveryError::Paused { .. } => true,
            DeliveryError::Template(_) | DeliveryError::NoOfficeNumber(_) => false,
        }
    }
}

impl From<DeliveryError> for JobError {
    fn from(e: DeliveryError) -> Self {
        match e {
            DeliveryError::Paced(after) => JobError::Defer {
                reason: "recipient's pace".into(),
                after,
            },
            DeliveryError::Paused { wait, .. } => JobError::Defer {
                reason: e.to_string(),
                after: wait,
            },
            e if e.is_retryable() => JobError::Retry(e.to_string()),
            e => JobError::Fatal(e.to_string()),
        }
    }
}

/// What became of an outbound job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent now. The message's key (never its WhatsApp id), and whether it went as a
    /// template.
    Sent { message_key: String, as_template: bool },
    /// Sent before (a duplicate of the job): not sent again.
    AlreadySent,
    /// Deliberately not sent.
    Dropped(DropReason),
}

/// Why a job was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The 24-hour window has closed and the job has no template (an in-chat reply).
    WindowClosed,
}

/// How a message goes out.
enum Plan<'a> {
    FreeForm,
    Template(&'a TemplateMessage),
    Drop,
}

/// A send that did not happen.
enum NotSent {
    Send(SendFailure),
    Template(TemplateError),
    Dropped,
}

/// Delivers outbound jobs. Holds the only [`ReplyAddressOpener`] in the system.
pub struct Notifier {
    ports: NotifierPorts,
    policy: NotifierPolicy,
    /// Unix milliseconds until which sending is paused (an account-level refusal), and
    /// the code that caused it. In memory: each host process probes again on its own.
    paused_until: AtomicI64,
    paused_code: AtomicI64,
}

fn sent_key(job_id: &str) -> String {
    format!("sent:{job_id}")
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Notifier {
    pub fn new(ports: NotifierPorts) -> Self {
        Self::with_policy(ports, NotifierPolicy::default())
    }

    pub fn with_policy(ports: NotifierPorts, policy: NotifierPolicy) -> Self {
        Notifier {
            ports,
            policy,
            paused_until: AtomicI64::new(i64::MIN),
            paused_code: AtomicI64::new(0),
        }
    }

    /// Delivers one job of the outbound queue, once per job id. The sent-record is
    /// written after the send: should the worker die between the two, the job is sent
    /// again rather than never (a reply lost is worse than a reply doubled).
    pub async fn deliver(&self, work: &OutboundWork) -> Result<Delivered, DeliveryError> {
        match work {
            OutboundWork::Reply(job) => self.deliver_reply(job).await,
            OutboundWork::Alert(job) => self.deliver_alert(job).await,
        }
    }

    /// Whether the informant's window is open at `now` (Unix seconds).
    pub fn window_open(&self, last_inbound_at: Option<i64>, now: i64) -> bool {
        let margin = i64::try_from(self.policy.window_margin.as_secs()).unwrap_or(i64::MAX);
        last_inbound_at.is_none_or(|t| now.saturating_sub(t) < SERVICE_WINDOW_SECS.saturating_sub(margin))
    }

    /// Sent before, paused, or too soon for the recipient: the pace to store once sent.
    async fn admit(&self, job_id: &str, pace_key: &str, now_ms: i64) -> Result<Option<i64>, DeliveryError> {
        if self.ports.sent.seen(&sent_key(job_id), now_ms.div_euclid(1000)).await? {
            return Ok(None);
        }
        let until = self.paused_until.load(Ordering::SeqCst);
        if now_ms < until {
            return Err(DeliveryError::Paused {
                code: self.paused_code.load(Ordering::SeqCst),
                wait: Duration::from_millis(u64::try_from(until - now_ms).unwrap_or(0)),
            });
        }
        let stored = self.ports.pace.pace(pace_key).await?;
        match self.policy.pace.admit(stored, now_ms) {
            Pace::Go { next } => Ok(Some(next)),
            Pace::Wait(wait) => Err(DeliveryError::Paced(wait)),
        }
    }

    async fn deliver_reply(&self, job: &OutboundJob) -> Result<Delivered, DeliveryError> {
        let now_ms = self.ports.clock.now_millis();
        let now = now_ms.div_euclid(1000);
        let pace_key = job.group();
        let Some(next_pace) = self.admit(&job.job_id, &pace_key, now_ms).await? else {
            return Ok(Delivered::AlreadySent);
        };
        let plan = if self.window_open(job.last_inbound_at, now) {
            Plan::FreeForm
        } else {
            match &job.template {
                Some(template) => Plan::Template(template),
                None => Plan::Drop,
            }
        };
        let outcome = match plan {
            Plan::Drop => Err(NotSent::Dropped),
            Plan::FreeForm => {
                let identity = self.ports.opener.open(&job.reply_address).await?;
                match self.ports.messenger.send(&identity, &job.reply).await {
                    Ok(wamid) => Ok((wamid, false)),
                    // The window closed sooner than we knew (or Meta's known issue).
                    Err(SendFailure::WindowClosed) => match &job.template {
                        Some(template) => self.send_template(&identity, template).await.map(|w| (w, true)),
                        None => Err(NotSent::Dropped),
                    },
                    Err(e) => Err(NotSent::Send(e)),
                }
            }
            Plan::Template(template) => {
                let identity = self.ports.opener.open(&job.reply_address).await?;
                self.send_template(&identity, template).await.map(|w| (w, true))
            }
        };
        let tried_template = matches!(plan, Plan::Template(_));
        match outcome {
            Ok((wamid, as_template)) => Ok(self
                .sent(&job.job_id, &pace_key, next_pace, &wamid, as_template, job.thread.as_ref(), now)
                .await),
            Err(NotSent::Dropped) => {
                tracing::info!(
                    thread = job.thread.is_some(),
                    "not sent: the 24-hour window has closed and the message has no template"
                );
                self.record_failed(job.thread.as_ref(), now, false).await;
                Ok(Delivered::Dropped(DropReason::WindowClosed))
            }
            Err(NotSent::Template(e)) => {
                tracing::error!(error = %e, "not sent: the message's template would be refused");
                self.record_failed(job.thread.as_ref(), now, true).await;
                Err(e.into())
            }
            Err(NotSent::Send(f)) => Err(self
                .failed(f, job.thread.as_ref(), tried_template, now_ms)
                .await),
        }
    }

    async fn deliver_alert(&self, job: &OfficeAlertJob) -> Result<Delivered, DeliveryError> {
        let now_ms = self.ports.clock.now_millis();
        let now = now_ms.div_euclid(1000);
        let pace_key = job.group();
        let Some(next_pace) = self.admit(&job.job_id, &pace_key, now_ms).await? else {
            return Ok(Delivered::AlreadySent);
        };
        let Some(number) = self.ports.range.office_number(&job.office) else {
            tracing::error!(office = %job.office, "alert not sent: the office has no number in the range config");
            return Err(DeliveryError::NoOfficeNumber(job.office.clone()));
        };
        let identity = Identity::WaId(number.trim_start_matches('+').to_string());
        match self.send_template(&identity, &job.template).await {
            Ok(wamid) => Ok(self.sent(&job.job_id, &pace_key, next_pace, &wamid, true, None, now).await),
            Err(NotSent::Template(e)) => {
                tracing::error!(office = %job.office, error = %e, "alert not sent: its template would be refused");
                Err(e.into())
            }
            Err(NotSent::Dropped) => Ok(Delivered::Dropped(DropReason::WindowClosed)),
            Err(NotSent::Send(f)) => Err(self.failed(f, None, true, now_ms).await),
        }
    }

    /// Sends a template after checking it against the catalog Meta approved.
    async fn send_template(&self, to: &Identity, template: &TemplateMessage) -> Result<String, NotSent> {
        templates::check(template).map_err(NotSent::Template)?;
        self.ports
            .messenger
            .send_template(to, template)
            .await
            .map_err(NotSent::Send)
    }

    /// After a send: the recipient's pace, the sent-record, and the thread entry's
    /// state and link. None of these fails the job: it was sent, and failing it now
    /// would only send it again.
    #[allow(clippy::too_many_arguments)]
    async fn sent(
        &self,
        job_id: &str,
        pace_key: &str,
        next_pace: i64,
        wamid: &str,
        as_template: bool,
        thread: Option<&ThreadRef>,
        now: i64,
    ) -> Delivered {
        if let Err(e) = self.ports.pace.set_pace(pace_key, next_pace).await {
            tracing::warn!(error = %e, "a recipient's pace could not be recorded");
        }
        if let Err(e) = self.ports.sent.claim(&sent_key(job_id), now).await {
            tracing::warn!(error = %e, "a sent message could not be recorded");
        }
        let message_key = self.ports.pseudonyms.message_key(wamid);
        if let Some(thread) = thread {
            // The state first, then the link: a status webhook can find the entry only
            // once it is linked, and then finds it `Sent` already.
            match self
                .ports
                .threads
                .set_delivery(thread, DeliveryState::Sent, now, as_template)
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!("a sent message's thread entry does not exist"),
                Err(e) => tracing::warn!(error = %e, "a sent message's delivery state could not be recorded"),
            }
            if let Err(e) = self.ports.threads.link_message(&message_key, thread).await {
                tracing::warn!(error = %e, "a sent message could not be linked to its thread entry");
            }
        }
        tracing::info!(as_template, thread = thread.is_some(), "message sent");
        Delivered::Sent {
            message_key,
            as_template,
        }
    }

    /// After a refused send: what the error class asks for.
    async fn failed(
        &self,
        failure: SendFailure,
        thread: Option<&ThreadRef>,
        as_template: bool,
        now_ms: i64,
    ) -> DeliveryError {
        let now = now_ms.div_euclid(1000);
        match failure {
            SendFailure::Retryable { code, .. } => {
                // A pair-limit answer (131056) too: retried after the host's backoff,
                // 4^n s as Meta advises, the recipient's later jobs waiting behind it.
                tracing::warn!(code = ?code, pair_limit = failure.is_pair_limit(), "send failed for now; it will be retried");
                failure.into()
            }
            SendFailure::AccountBlocked { code, .. } => {
                let wait = self.policy.account_pause;
                self.paused_code.store(code, Ordering::SeqCst);
                self.paused_until
                    .fetch_max(now_ms.saturating_add(millis(wait)), Ordering::SeqCst);
                tracing::error!(
                    code,
                    pause_secs = wait.as_secs(),
                    "WhatsApp refused the business account: sending paused; check the account's \
                     quality rating, restrictions and access token in WhatsApp Manager"
                );
                DeliveryError::Paused { code, wait }
            }
            SendFailure::WindowClosed | SendFailure::Permanent { .. } => {
                let code = match &failure {
                    SendFailure::Permanent { code, .. } => *code,
                    _ => Some(131_047),
                };
                if code == Some(131_026) {
                    tracing::warn!(code = ?code, "message undeliverable: the recipient cannot be reached on WhatsApp");
                } else {
                    tracing::error!(code = ?code, "message refused for good");
                }
                self.record_failed(thread, now, as_template).await;
                failure.into()
            }
        }
    }

    async fn record_failed(&self, thread: Option<&ThreadRef>, now: i64, as_template: bool) {
        let Some(thread) = thread else { return };
        if let Err(e) = self
            .ports
            .threads
            .set_delivery(thread, DeliveryState::Failed, now, as_template)
            .await
        {
            tracing::warn!(error = %e, "a failed message's delivery state could not be recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Reply;
    use crate::ids::{Pseudonym, ReportId};
    use crate::jobs::{Envelope, open_job};
    use crate::ports::SealedAddress;

    fn reply() -> OutboundJob {
        OutboundJob {
            conversation: Pseudonym::new("p1:abc".into()),
            reply_address: SealedAddress(vec![1, 2]),
            reply: Reply::Text { body: "hi".into() },
            job_id: "m1:x.0".into(),
            last_inbound_at: None,
            template: None,
            thread: None,
        }
    }

    fn alert() -> OfficeAlertJob {
        OfficeAlertJob {
            office: "JNP".into(),
            template: TemplateMessage {
                name: templates::ALERT.into(),
                lang: crate::Lang::Hi,
                params: vec!["JNP-7K3QX".into(), "Jaunpur".into(), "arms".into(), "P1".into()],
            },
            report_id: ReportId::from_entropy(&[7; 16]),
            job_id: "alert:1".into(),
        }
    }

    #[test]
    fn both_kinds_of_outbound_job_read_back_as_work_in_their_groups() {
        let r = Envelope::of(&reply()).expect("encodes");
        let a = Envelope::of(&alert()).expect("encodes");
        assert_eq!(open_job::<OutboundWork>(&r.body), Ok(OutboundWork::Reply(reply())));
        assert_eq!(open_job::<OutboundWork>(&a.body), Ok(OutboundWork::Alert(alert())));
        assert_eq!(OutboundWork::from(alert()).group(), "office:JNP");
        assert_eq!(OutboundWork::from(reply()).group(), "p1:abc");
        assert_eq!(Envelope::of(&OutboundWork::from(alert())).expect("encodes").body, a.body);
        assert!(open_job::<OutboundWork>(r#"{"office":"JNP"}"#).is_err_and(|e| e.is_fatal()));
    }

    #[test]
    fn errors_map_to_what_the_queue_should_do() {
        let defer = JobError::from(DeliveryError::Paced(Duration::from_secs(3)));
        assert!(matches!(defer, JobError::Defer { after, .. } if after == Duration::from_secs(3)));
        let retry = |f: SendFailure| JobError::from(DeliveryError::Send(f));
        assert!(matches!(
            retry(SendFailure::Retryable {
                code: Some(131_056),
                reason: String::new()
            }),
            JobError::Retry(_)
        ));
        assert!(retry(SendFailure::Permanent {
            code: Some(131_026),
            reason: String::new()
        })
        .is_fatal());
        assert!(JobError::from(DeliveryError::NoOfficeNumber("X".into())).is_fatal());
        assert!(matches!(
            JobError::from(DeliveryError::Paused {
                code: 368,
                wait: Duration::from_secs(600)
            }),
            JobError::Defer { .. }
        ));
    }
}
