//! Intake: one inbound WhatsApp message through the conversation, exactly once in effect.

use crate::conversation::{self, Conversation, Effect, Inbound, StepContext};
use crate::i18n::Catalog;
use crate::ids::Identity;
use crate::jobs::{Envelope, JobQueue};
use crate::ports::{
    ConversationStore, Entropy, EvidenceVault, MediaJob, MessageCommit, OutboundJob, Pseudonymizer, ReplyAddressSealer,
    ReportJob, ReportStore, StoreError, ThreadDirection, ThreadEntry, ThreadKind, ThreadStore,
};
use std::sync::Arc;

/// How many times a step is retried when another message of the same informant was
/// written concurrently (or a reference code clashed).
const MAX_ATTEMPTS: usize = 8;

/// The ports intake needs; note it holds a sealer, never an opener.
#[derive(Clone)]
pub struct IntakePorts {
    pub conversations: Arc<dyn ConversationStore>,
    pub reports: Arc<dyn ReportStore>,
    /// Where the replies, media downloads and submitted reports a message causes go.
    pub jobs: Arc<dyn JobQueue>,
    pub pseudonyms: Arc<dyn Pseudonymizer>,
    pub sealer: Arc<dyn ReplyAddressSealer>,
    pub entropy: Arc<dyn Entropy>,
    /// To delete the evidence of cancelled and expired drafts.
    pub vault: Arc<dyn EvidenceVault>,
    /// Where informants' answers to officers' questions are attached.
    pub threads: Arc<dyn ThreadStore>,
}

/// Runs the conversation for inbound messages.
pub struct Intake {
    ports: IntakePorts,
    range: Arc<crate::range::RangeConfig>,
    catalog: Arc<Catalog>,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    Processed {
        replies: usize,
    },
    /// Already processed (a redelivery): nothing done.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] crate::ports::QueueError),
    #[error("key service: {0}")]
    Key(#[from] crate::ports::KeyError),
    #[error("gave up after {MAX_ATTEMPTS} conflicting writes")]
    Contention,
}

impl Intake {
    pub fn new(ports: IntakePorts, range: Arc<crate::range::RangeConfig>, catalog: Arc<Catalog>) -> Self {
        Intake { ports, range, catalog }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn range(&self) -> &crate::range::RangeConfig {
        &self.range
    }

    /// Processes one message from `identity`. `inbound.message_id` is WhatsApp's wamid;
    /// it is replaced by a keyed hash before anything is stored, since a wamid encodes
    /// the sender's number.
    ///
    /// Two storage round trips: the conversation is loaded, stepped, and committed
    /// together with the message's dedupe claim, any submitted report and the jobs it
    /// causes (its outbox) in one atomic write; then the jobs are dispatched. A message
    /// whose commit fails is not claimed, so WhatsApp's redelivery is processed afresh.
    /// A redelivered message fails that write and changes nothing, but dispatches its
    /// outbox again: if the first dispatch failed half-way (a queue error, a crash),
    /// the redelivery finishes it, and job ids make a second send harmless.
    pub async fn handle(
        &self,
        identity: &Identity,
        mut inbound: Inbound,
        now: i64,
    ) -> Result<MessageOutcome, IntakeError> {
        let key = self.ports.pseudonyms.message_key(&inbound.message_id);
        inbound.message_id = key.clone();
        let who = self.ports.pseudonyms.pseudonym(identity);
        let mut reroll: Option<[u8; 4]> = None;
        for _ in 0..MAX_ATTEMPTS {
            let record = self.ports.conversations.load(&who).await?;
            let (mut conversation, version, stored_address) = match record {
                Some(r) => (r.conversation, Some(r.version), r.reply_address),
                None => (Conversation::default(), None, None),
            };
            if let (Some(fresh), Some(draft)) = (reroll, conversation.draft.as_mut()) {
                draft.reroll_reference(fresh);
            }
            // Sealing costs a key-service call; an informant's address never changes.
            let (address, new_address) = match stored_address {
                Some(a) => (a, false),
                None => (self.ports.sealer.seal(identity).await?, true),
            };
            let mut entropy = [0u8; 20];
            self.ports.entropy.fill(&mut entropy);
            let ctx = StepContext {
                now,
                entropy,
                range: &self.range,
                catalog: &self.catalog,
            };
            let mut outcome = conversation::step(&conversation, &inbound, &ctx);

            let mut replies = vec![];
            let mut jobs = vec![];
            let mut discards = vec![];
            let mut reports = vec![];
            let mut answers = vec![];
            for effect in &outcome.effects {
                match effect {
                    Effect::SubmitReport(report) => reports.push(report.as_ref().clone()),
                    // A read: safe before the commit, which decides whether it is answered.
                    Effect::LookupStatus { code, lang } => {
                        let status = self.ports.reports.status_for(&who, code).await?;
                        replies.push(conversation::status_reply(&self.catalog, *lang, code, status));
                    }
                    Effect::FetchMedia {
                        report_id,
                        media_key,
                        wa_media_id,
                        kind,
                        mime_type,
                    } => {
                        jobs.push(Envelope::of(&MediaJob {
                            report_id: report_id.clone(),
                            media_key: media_key.clone(),
                            wa_media_id: wa_media_id.clone(),
                            kind: *kind,
                            mime_type: mime_type.clone(),
                            conversation: who.clone(),
                            reply_address: address.clone(),
                            lang: outcome.conversation.lang.unwrap_or(crate::Lang::Hi),
                        })?);
                    }
                    Effect::DiscardDraft { report_id } => discards.push(report_id.clone()),
                    Effect::AttachAnswer {
                        report_id,
                        question: _,
                        text,
                        media_keys,
                    } => answers.push(ThreadEntry {
                        report_id: report_id.clone(),
                        // The message's key: a redelivery or a retried step appends
                        // the same entry, which the store keeps once.
                        entry_id: key.clone(),
                        direction: ThreadDirection::FromInformant,
                        kind: ThreadKind::Answer,
                        text: text.clone(),
                        media_keys: media_keys.clone(),
                        at: now,
                        actor: None,
                        delivery: None,
                        delivery_at: None,
                        as_template: false,
                        probes_confirmed: vec![],
                    }),
                }
            }
            // Before the commit, so that an answer is never lost once the message is
            // claimed; appending is idempotent on the entry id.
            for answer in &answers {
                self.ports.threads.append(answer).await?;
            }
            replies.append(&mut outcome.replies);
            for report in &reports {
                jobs.push(Envelope::of(&ReportJob {
                    report_id: report.id.clone(),
                })?);
            }
            let count = replies.len();
            for (i, reply) in replies.into_iter().enumerate() {
                jobs.push(Envelope::of(&OutboundJob {
                    conversation: who.clone(),
                    reply_address: address.clone(),
                    reply,
                    job_id: format!("{key}.{i}"),
                    last_inbound_at: None,
                    template: None,
                    thread: None,
                })?);
            }

            let commit = MessageCommit {
                who: &who,
                conversation: &outcome.conversation,
                reply_address: new_address.then_some(&address),
                expected_version: version,
                message_key: &key,
                now,
                reports: &reports,
                jobs: &jobs,
            };
            match self.ports.conversations.commit(&commit).await {
                Ok(_) => {}
                Err(StoreError::AlreadyProcessed) => {
                    let pending = self.ports.conversations.outbox(&key).await?;
                    self.dispatch(&pending).await?;
                    return Ok(MessageOutcome::Duplicate);
                }
                // Another message of this informant was written first: step again.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::ReferenceTaken) => {
                    // Another report holds this reference code: draw a new one.
                    let mut fresh = [0u8; 4];
                    self.ports.entropy.fill(&mut fresh);
                    reroll = Some(fresh);
                    continue;
                }
                Err(e) => return Err(e.into()),
            }

            // Committed: dispatch the outbox. Should this fail, the error asks WhatsApp
            // to redeliver, and the redelivery dispatches the outbox again.
            self.dispatch(&jobs).await?;
            for report_id in &discards {
                // The citizen cancelled or the draft expired: its evidence goes too.
                // Media still in flight is dropped by the ingest, which re-checks.
                self.ports.vault.discard(report_id).await?;
            }
            return Ok(MessageOutcome::Processed { replies: count });
        }
        Err(IntakeError::Contention)
    }

    async fn dispatch(&self, jobs: &[Envelope]) -> Result<(), IntakeError> {
        for job in jobs {
            self.ports.jobs.send(job).await?;
        }
        Ok(())
    }
}
