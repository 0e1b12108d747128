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
            serde_json::from_value(value)
                .map(OutboundWork::Alert)
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(value)
                .map(OutboundWork::Reply)
                .map_err(D::Error::custom)
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
                .sent(
                    &job.job_id,
                    &pace_key,
                    next_pace,
                    &wamid,
                    as_template,
                    job.thread.as_ref(),
                    now,
                )
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
            Err(NotSent::Send(f)) => Err(self.failed(f, job.thread.as_ref(), tried_template, now_ms).await),
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
            Ok(wamid) => Ok(self
                .sent(&job.job_id, &pace_key, next_pace, &wamid, true, None, now)
                .await),
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

    use crate::clock::FixedClock;
    use crate::ports::{ThreadDirection, ThreadEntry, ThreadKind};
    use async_trait::async_trait;
    use std::collections::{HashMap, HashSet, VecDeque};
    use std::sync::Mutex;

    const T0: i64 = 1_800_000_000;

    /// Runs a future that never waits on I/O (every port here is in memory).
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    /// What the fake messenger was asked to send: (to, template name or reply text).
    #[derive(Default)]
    struct Wire {
        sent: Mutex<Vec<(Identity, String)>>,
        script: Mutex<VecDeque<SendFailure>>,
    }

    #[async_trait]
    impl Messenger for Wire {
        async fn send(&self, to: &Identity, reply: &Reply) -> Result<String, SendFailure> {
            let text = match reply {
                Reply::Text { body } => body.clone(),
                _ => "interactive".into(),
            };
            self.answer(to, text)
        }
        async fn send_template(&self, to: &Identity, t: &TemplateMessage) -> Result<String, SendFailure> {
            self.answer(to, format!("template:{}", t.name))
        }
    }

    impl Wire {
        fn answer(&self, to: &Identity, what: String) -> Result<String, SendFailure> {
            if let Some(f) = self.script.lock().expect("lock").pop_front() {
                return Err(f);
            }
            let mut sent = self.sent.lock().expect("lock");
            sent.push((to.clone(), what));
            Ok(format!("wamid.SECRET{}", sent.len()))
        }
        fn fail_with(&self, f: SendFailure) {
            self.script.lock().expect("lock").push_back(f);
        }
        fn sent(&self) -> Vec<String> {
            self.sent.lock().expect("lock").iter().map(|(_, w)| w.clone()).collect()
        }
    }

    #[derive(Default)]
    struct Mem {
        claims: Mutex<HashSet<String>>,
        paces: Mutex<HashMap<String, i64>>,
        entries: Mutex<HashMap<(String, String), ThreadEntry>>,
        links: Mutex<HashMap<String, ThreadRef>>,
    }

    #[async_trait]
    impl DedupeStore for Mem {
        async fn claim(&self, key: &str, _now: i64) -> Result<bool, StoreError> {
            Ok(self.claims.lock().expect("lock").insert(key.into()))
        }
        async fn seen(&self, key: &str, _now: i64) -> Result<bool, StoreError> {
            Ok(self.claims.lock().expect("lock").contains(key))
        }
        async fn release(&self, key: &str) -> Result<(), StoreError> {
            self.claims.lock().expect("lock").remove(key);
            Ok(())
        }
    }

    #[async_trait]
    impl PaceStore for Mem {
        async fn pace(&self, key: &str) -> Result<Option<i64>, StoreError> {
            Ok(self.paces.lock().expect("lock").get(key).copied())
        }
        async fn set_pace(&self, key: &str, tat: i64) -> Result<(), StoreError> {
            self.paces.lock().expect("lock").insert(key.into(), tat);
            Ok(())
        }
    }

    #[async_trait]
    impl ThreadStore for Mem {
        async fn append(&self, e: &ThreadEntry) -> Result<(), StoreError> {
            let key = (e.report_id.to_string(), e.entry_id.clone());
            self.entries
                .lock()
                .expect("lock")
                .entry(key)
                .or_insert_with(|| e.clone());
            Ok(())
        }
        async fn list(&self, _: &ReportId) -> Result<Vec<ThreadEntry>, StoreError> {
            Ok(self.entries.lock().expect("lock").values().cloned().collect())
        }
        async fn set_delivery(&self, t: &ThreadRef, s: DeliveryState, at: i64, tmpl: bool) -> Result<bool, StoreError> {
            let mut entries = self.entries.lock().expect("lock");
            let Some(e) = entries.get_mut(&(t.report_id.to_string(), t.entry_id.clone())) else {
                return Ok(false);
            };
            if e.delivery.map_or(0, |d| d.precedence()) < s.precedence() || e.delivery.is_none() {
                e.delivery = Some(s);
                e.delivery_at = Some(at);
                e.as_template |= tmpl;
            }
            Ok(true)
        }
        async fn link_message(&self, key: &str, t: &ThreadRef) -> Result<(), StoreError> {
            self.links.lock().expect("lock").insert(key.into(), t.clone());
            Ok(())
        }
        async fn by_message(&self, key: &str) -> Result<Option<ThreadRef>, StoreError> {
            Ok(self.links.lock().expect("lock").get(key).cloned())
        }
    }

    /// "Opens" an address holding the number's bytes.
    struct Opener;
    #[async_trait]
    impl ReplyAddressOpener for Opener {
        async fn open(&self, a: &SealedAddress) -> Result<Identity, KeyError> {
            String::from_utf8(a.0.clone())
                .map(Identity::WaId)
                .map_err(|_| KeyError::Unreadable)
        }
    }

    struct Keys;
    impl Pseudonymizer for Keys {
        fn pseudonym(&self, identity: &Identity) -> Pseudonym {
            Pseudonym::new(format!("p1:{}", identity.canonical_bytes().len()))
        }
        fn message_key(&self, wamid: &str) -> String {
            format!("m1:{}", wamid.len() * 7)
        }
    }

    struct Rig {
        notifier: Notifier,
        wire: Arc<Wire>,
        mem: Arc<Mem>,
        clock: Arc<FixedClock>,
    }

    fn rig(policy: NotifierPolicy) -> Rig {
        let (wire, mem, clock) = (
            Arc::new(Wire::default()),
            Arc::new(Mem::default()),
            Arc::new(FixedClock::at(T0)),
        );
        let notifier = Notifier::with_policy(
            NotifierPorts {
                opener: Arc::new(Opener),
                messenger: wire.clone(),
                sent: mem.clone(),
                threads: mem.clone(),
                pace: mem.clone(),
                pseudonyms: Arc::new(Keys),
                range: Arc::new(RangeConfig::default_range().expect("range")),
                clock: clock.clone(),
            },
            policy,
        );
        Rig {
            notifier,
            wire,
            mem,
            clock,
        }
    }

    fn to(phone: &str, id: &str) -> OutboundJob {
        OutboundJob {
            conversation: Pseudonym::new(format!("p1:{phone}")),
            reply_address: SealedAddress(phone.as_bytes().to_vec()),
            reply: Reply::Text {
                body: format!("reply {id}"),
            },
            job_id: id.into(),
            last_inbound_at: None,
            template: None,
            thread: None,
        }
    }

    fn feedback() -> TemplateMessage {
        templates::message(templates::FEEDBACK, crate::Lang::En, &["JNP-7K3QX", "Action taken"]).expect("valid")
    }

    /// A job of a report's thread, its entry appended as an officer action would.
    async fn threaded(r: &Rig, phone: &str, id: &str, last_inbound_at: Option<i64>) -> (OutboundWork, ThreadRef) {
        let thread = ThreadRef {
            report_id: ReportId::from_entropy(&[3; 16]),
            entry_id: id.into(),
        };
        r.mem
            .append(&ThreadEntry {
                report_id: thread.report_id.clone(),
                entry_id: id.into(),
                direction: ThreadDirection::ToInformant,
                kind: ThreadKind::Feedback,
                text: "Action taken".into(),
                media_keys: vec![],
                at: T0,
                actor: Some("officer".into()),
                delivery: Some(DeliveryState::Queued),
                delivery_at: Some(T0),
                as_template: false,
                probes_confirmed: vec![],
            })
            .await
            .expect("append");
        let mut job = to(phone, id);
        job.last_inbound_at = last_inbound_at;
        job.template = Some(feedback());
        job.thread = Some(thread.clone());
        (job.into(), thread)
    }

    fn state(r: &Rig, t: &ThreadRef) -> (Option<DeliveryState>, bool) {
        let entries = r.mem.entries.lock().expect("lock");
        let e = &entries[&(t.report_id.to_string(), t.entry_id.clone())];
        (e.delivery, e.as_template)
    }

    #[test]
    fn a_job_is_sent_once_and_its_thread_entry_linked_by_message_key() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            let (job, thread) = threaded(&r, "919800000001", "fb1", Some(T0 - 3600)).await;
            let sent = r.notifier.deliver(&job).await.expect("sent");
            assert_eq!(
                sent,
                Delivered::Sent {
                    message_key: Keys.message_key("wamid.SECRET1"),
                    as_template: false
                }
            );
            assert_eq!(r.notifier.deliver(&job).await.expect("again"), Delivered::AlreadySent);
            assert_eq!(r.wire.sent(), ["reply fb1"]);
            assert_eq!(state(&r, &thread), (Some(DeliveryState::Sent), false));
            let links = r.mem.links.lock().expect("lock").clone();
            assert_eq!(links.get(&Keys.message_key("wamid.SECRET1")), Some(&thread));
            assert!(
                links.keys().all(|k| !k.contains("wamid")),
                "never the message id itself"
            );
        })
    }

    #[test]
    fn the_window_decides_between_free_form_template_and_drop() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            let day = SERVICE_WINDOW_SECS;
            // Open: no time known (a reply to the message just received), or recent.
            assert!(r.notifier.window_open(None, T0));
            assert!(r.notifier.window_open(Some(T0 - day + 601), T0));
            // Closed: within the ten-minute margin, or past the day.
            assert!(!r.notifier.window_open(Some(T0 - day + 600), T0));
            assert!(!r.notifier.window_open(Some(T0 - day), T0));

            let (late, thread) = threaded(&r, "919800000002", "fb2", Some(T0 - day - 1)).await;
            assert!(matches!(
                r.notifier.deliver(&late).await,
                Ok(Delivered::Sent { as_template: true, .. })
            ));
            assert_eq!(state(&r, &thread), (Some(DeliveryState::Sent), true));
            let mut chat = to("919800000003", "chat");
            chat.last_inbound_at = Some(T0 - day - 1);
            assert_eq!(
                r.notifier.deliver(&chat.into()).await.expect("dropped"),
                Delivered::Dropped(DropReason::WindowClosed)
            );
            assert_eq!(
                r.wire.sent(),
                ["template:satark_feedback"],
                "the in-chat reply was not sent"
            );
        })
    }

    #[test]
    fn a_closed_window_reported_by_whatsapp_switches_to_the_template() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            let (job, thread) = threaded(&r, "919800000004", "fb4", Some(T0 - 60)).await;
            r.wire.fail_with(SendFailure::WindowClosed);
            assert!(matches!(
                r.notifier.deliver(&job).await,
                Ok(Delivered::Sent { as_template: true, .. })
            ));
            assert_eq!(state(&r, &thread), (Some(DeliveryState::Sent), true));
            // Without a template, the message is dropped (and its entry, if any, failed).
            let (mut bare, bare_thread) = threaded(&r, "919800000005", "fb5", None).await;
            if let OutboundWork::Reply(j) = &mut bare {
                j.template = None;
            }
            r.wire.fail_with(SendFailure::WindowClosed);
            assert_eq!(
                r.notifier.deliver(&bare).await.expect("dropped"),
                Delivered::Dropped(DropReason::WindowClosed)
            );
            assert_eq!(state(&r, &bare_thread).0, Some(DeliveryState::Failed));
        })
    }

    #[test]
    fn each_error_class_gets_its_treatment() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            // Temporary: retried, the entry left queued, nothing recorded as sent.
            let (job, thread) = threaded(&r, "919800000006", "fb6", None).await;
            r.wire.fail_with(SendFailure::Retryable {
                code: Some(131_056),
                reason: "pair".into(),
            });
            let e = r.notifier.deliver(&job).await.expect_err("refused");
            assert!(matches!(JobError::from(e), JobError::Retry(_)));
            assert_eq!(state(&r, &thread).0, Some(DeliveryState::Queued));
            assert!(
                matches!(r.notifier.deliver(&job).await, Ok(Delivered::Sent { .. })),
                "then sent"
            );
            // Permanent: failed for good, dead-lettered.
            let (job, thread) = threaded(&r, "919800000007", "fb7", None).await;
            r.wire.fail_with(SendFailure::Permanent {
                code: Some(131_026),
                reason: "undeliverable".into(),
            });
            let e = r.notifier.deliver(&job).await.expect_err("refused");
            assert!(JobError::from(e).is_fatal());
            assert_eq!(state(&r, &thread).0, Some(DeliveryState::Failed));
            // A template that would be refused is never sent.
            let (mut job, thread) = threaded(&r, "919800000008", "fb8", Some(T0 - 2 * SERVICE_WINDOW_SECS)).await;
            if let OutboundWork::Reply(j) = &mut job {
                j.template = Some(TemplateMessage {
                    name: templates::FEEDBACK.into(),
                    lang: crate::Lang::Ur,
                    params: vec!["only one".into()],
                });
            }
            let sent_before = r.wire.sent().len();
            assert!(matches!(
                r.notifier.deliver(&job).await,
                Err(DeliveryError::Template(_))
            ));
            assert_eq!(r.wire.sent().len(), sent_before);
            assert_eq!(state(&r, &thread).0, Some(DeliveryState::Failed));
        })
    }

    #[test]
    fn an_account_refusal_pauses_every_send_until_the_pause_is_over() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            r.wire.fail_with(SendFailure::AccountBlocked {
                code: 368,
                reason: "blocked".into(),
            });
            let first = OutboundWork::from(to("919800000009", "a"));
            let other = OutboundWork::from(to("919800000010", "b"));
            let e = r.notifier.deliver(&first).await.expect_err("paused");
            assert!(matches!(e, DeliveryError::Paused { code: 368, wait } if wait == Duration::from_secs(600)));
            r.clock.advance(599);
            let e = r.notifier.deliver(&other).await.expect_err("still paused");
            assert!(matches!(JobError::from(e), JobError::Defer { after, .. } if after == Duration::from_secs(1)));
            assert!(r.wire.sent().is_empty(), "nothing reached WhatsApp meanwhile");
            r.clock.advance(1);
            for job in [&first, &other] {
                assert!(matches!(r.notifier.deliver(job).await, Ok(Delivered::Sent { .. })));
            }
        })
    }

    #[test]
    fn a_recipient_over_their_pace_is_deferred_and_others_are_not() {
        block_on(async {
            let policy = NotifierPolicy {
                pace: PacePolicy {
                    interval: Duration::from_secs(6),
                    burst: 2,
                },
                ..NotifierPolicy::default()
            };
            let r = rig(policy);
            for id in ["1", "2"] {
                assert!(matches!(
                    r.notifier.deliver(&to("919800000011", id).into()).await,
                    Ok(Delivered::Sent { .. })
                ));
            }
            let third = OutboundWork::from(to("919800000011", "3"));
            assert!(matches!(
                r.notifier.deliver(&third).await,
                Err(DeliveryError::Paced(wait)) if wait == Duration::from_secs(6)
            ));
            assert!(matches!(
                r.notifier.deliver(&to("919800000012", "x").into()).await,
                Ok(Delivered::Sent { .. })
            ));
            r.clock.advance(6);
            assert!(matches!(r.notifier.deliver(&third).await, Ok(Delivered::Sent { .. })));
        })
    }

    #[test]
    fn alerts_go_to_the_offices_number_as_templates() {
        block_on(async {
            let r = rig(NotifierPolicy::default());
            assert!(matches!(
                r.notifier.deliver(&alert().into()).await,
                Ok(Delivered::Sent { as_template: true, .. })
            ));
            let sent = r.wire.sent.lock().expect("lock").clone();
            assert_eq!(
                sent,
                [(
                    Identity::WaId("910000000002".into()),
                    "template:satark_alert".to_string()
                )]
            );
            let mut unknown = alert();
            unknown.office = "XYZ".into();
            unknown.job_id = "alert:2".into();
            let e = r.notifier.deliver(&unknown.into()).await.expect_err("no number");
            assert!(matches!(e, DeliveryError::NoOfficeNumber(_)));
            assert!(JobError::from(e).is_fatal());
        })
    }

    #[test]
    fn both_kinds_of_outbound_job_read_back_as_work_in_their_groups() {
        let r = Envelope::of(&reply()).expect("encodes");
        let a = Envelope::of(&alert()).expect("encodes");
        assert_eq!(open_job::<OutboundWork>(&r.body), Ok(OutboundWork::Reply(reply())));
        assert_eq!(open_job::<OutboundWork>(&a.body), Ok(OutboundWork::Alert(alert())));
        assert_eq!(OutboundWork::from(alert()).group(), "office:JNP");
        assert_eq!(OutboundWork::from(reply()).group(), "p1:abc");
        // Written as work (one schema number for both kinds), an alert reads back the same.
        let as_work = Envelope::of(&OutboundWork::from(alert())).expect("encodes");
        assert_eq!(
            open_job::<OutboundWork>(&as_work.body),
            Ok(OutboundWork::Alert(alert()))
        );
        assert_eq!((as_work.group, as_work.dedupe_key), (a.group, a.dedupe_key));
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
        assert!(
            retry(SendFailure::Permanent {
                code: Some(131_026),
                reason: String::new()
            })
            .is_fatal()
        );
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
