//! Officers' actions on a report, as core use cases: status changes (action taken is
//! news to the informant), verdicts (they teach the filter), feedback, follow-up
//! questions, and acknowledging an alert ([`super::Escalation`] escalates the P1s
//! nobody acknowledged).
//!
//! Every action checks the officer's scope first: a report outside it does not exist
//! (the dashboard answers 404). Triage state moves in one [`TriageCommit`] with its
//! counters and the jobs it causes. Messages to the informant go through the
//! informant's conversation (its sealed reply address; nobody here can open it) and
//! are recorded in the report's thread, where officers see their delivery.

use crate::Lang;
use crate::access::Officer;
use crate::conversation::{OpenQuestion, Reply};
use crate::i18n::{Arg, Catalog};
use crate::ids::{Pseudonym, ReportId};
use crate::jobs::{Envelope, JobQueue};
use crate::ports::{
    ConversationStore, DeliveryState, Entropy, Measure, OutboundJob, QueueError, ReportStore, StoreError,
    StoredAssessment, TemplateMessage, ThreadDirection, ThreadEntry, ThreadKind, ThreadRef, ThreadStore, TriageCommit,
    TriageStore,
};
use crate::range::RangeConfig;
use crate::report::{Report, ReportStatus, Verdict};
use crate::service::classifier::{add_count, cell};
use crate::service::filter::{FilterError, LearnedFilter};
use crate::templates;
use crate::triage::probe::{Probe, identity_probes};
use std::sync::Arc;

/// Longest note or question an officer may send (it travels as a template parameter).
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Most open questions kept per conversation.
const MAX_OPEN_QUESTIONS: usize = 5;
/// Attempts when another action or classification wrote first.
const ATTEMPTS: usize = 6;

pub struct Casework {
    pub reports: Arc<dyn ReportStore>,
    pub triage: Arc<dyn TriageStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub threads: Arc<dyn ThreadStore>,
    pub queue: Arc<dyn JobQueue>,
    pub filter: Arc<LearnedFilter>,
    pub entropy: Arc<dyn Entropy>,
    pub range: Arc<RangeConfig>,
    pub catalog: Arc<Catalog>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseworkError {
    /// No such report, or not in the officer's scope (indistinguishable on purpose).
    #[error("no such report")]
    NotFound,
    /// The report is still being classified; try again in a moment.
    #[error("the report is still being classified")]
    NotReady,
    #[error("{0}")]
    Invalid(String),
    /// The informant can no longer be reached (their conversation was deleted under
    /// the retention policy).
    #[error("the informant can no longer be reached")]
    Unreachable,
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
    #[error("learned filter: {0}")]
    Filter(#[from] FilterError),
    #[error("gave up after {ATTEMPTS} conflicting writes")]
    Contention,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChanged {
    pub from: ReportStatus,
    pub to: ReportStatus,
    /// The news sent to the informant (action taken), if any.
    pub news: Option<ThreadEntry>,
}

/// What sending a question (or feedback) did.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    /// The words seem to ask who the informant is: not sent. Sending again with
    /// `confirmed` sends them anyway, and the thread entry records what the check saw
    /// (`probes_confirmed`).
    NeedsConfirmation(Vec<Probe>),
    Sent(ThreadEntry),
}

/// Where the informant can be reached.
struct Reach {
    who: Pseudonym,
    address: crate::ports::SealedAddress,
    lang: Lang,
    last_inbound_at: Option<i64>,
}

impl Casework {
    /// The report and its assessment, if the officer may act on it.
    async fn load(&self, officer: &Officer, id: &ReportId) -> Result<(Report, StoredAssessment), CaseworkError> {
        let report = self.reports.get(id).await?.ok_or(CaseworkError::NotFound)?;
        let stored = self.triage.assessment(id).await?;
        let sensitivity = stored.as_ref().map(|s| s.assessment.sensitivity);
        if !officer.can_see_assessed(&report, &self.range, sensitivity) {
            return Err(CaseworkError::NotFound);
        }
        Ok((report, stored.ok_or(CaseworkError::NotReady)?))
    }

    fn job_id(&self, kind: &str) -> String {
        let mut bytes = [0u8; 12];
        self.entropy.fill(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{kind}:{hex}")
    }

    async fn reach(&self, report: &Report) -> Result<Reach, CaseworkError> {
        let who = self
            .reports
            .informant_of(&report.id)
            .await?
            .ok_or(CaseworkError::Unreachable)?;
        let record = self.conversations.load(&who).await?.ok_or(CaseworkError::Unreachable)?;
        let address = record.reply_address.ok_or(CaseworkError::Unreachable)?;
        Ok(Reach {
            who,
            address,
            lang: record.conversation.lang.unwrap_or(report.language),
            last_inbound_at: record.conversation.last_inbound_at,
        })
    }

    /// A message to the informant: its thread entry (stored first, as queued, so a
    /// failure later shows) and its job.
    #[allow(clippy::too_many_arguments)]
    async fn message(
        &self,
        report: &Report,
        reach: &Reach,
        kind: ThreadKind,
        actor: Option<&str>,
        officer_words: &str,
        body: String,
        template: TemplateMessage,
        probes_confirmed: Vec<Probe>,
        now: i64,
    ) -> Result<(ThreadEntry, Envelope), CaseworkError> {
        let entry_id = self.job_id(match kind {
            ThreadKind::Feedback => "feedback",
            ThreadKind::Question => "question",
            ThreadKind::StatusNews => "news",
            ThreadKind::Answer => "answer",
        });
        let entry = ThreadEntry {
            report_id: report.id.clone(),
            entry_id: entry_id.clone(),
            direction: ThreadDirection::ToInformant,
            kind,
            text: officer_words.to_string(),
            media_keys: vec![],
            at: now,
            actor: actor.map(str::to_string),
            delivery: Some(DeliveryState::Queued),
            delivery_at: Some(now),
            as_template: false,
            probes_confirmed,
        };
        self.threads.append(&entry).await?;
        let job = Envelope::of(&OutboundJob {
            conversation: reach.who.clone(),
            reply_address: reach.address.clone(),
            reply: Reply::Text { body },
            job_id: entry_id.clone(),
            last_inbound_at: Some(reach.last_inbound_at.unwrap_or(report.submitted_at)),
            template: Some(template),
            thread: Some(ThreadRef {
                report_id: report.id.clone(),
                entry_id,
            }),
        })?;
        Ok((entry, job))
    }

    fn text(&self, lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.catalog.text(lang, key, args)
    }

    /// Changes a report's status. Action taken tells the informant, with their
    /// reference code. The first change from `received` acknowledges any alert and
    /// starts the time-to-first-action figures.
    pub async fn set_status(
        &self,
        officer: &Officer,
        id: &ReportId,
        status: ReportStatus,
        now: i64,
    ) -> Result<StatusChanged, CaseworkError> {
        for _ in 0..ATTEMPTS {
            let (report, stored) = self.load(officer, id).await?;
            let from = report.status;
            if from == status {
                return Ok(StatusChanged {
                    from,
                    to: status,
                    news: None,
                });
            }
            let mut assessment = stored.assessment.clone();
            let mut counts = vec![];
            add_count(&mut counts, cell(&report, &self.range, Measure::Status(from)), -1);
            add_count(&mut counts, cell(&report, &self.range, Measure::Status(status)), 1);
            if assessment.first_action_at.is_none() && status != ReportStatus::Received {
                assessment.first_action_at = Some(now);
                let delay = crate::ports::ActionDelay::of(now - report.submitted_at);
                add_count(&mut counts, cell(&report, &self.range, Measure::FirstAction(delay)), 1);
            }
            assessment.acknowledged_at = assessment.acknowledged_at.or(Some(now));
            let mut jobs = vec![];
            let mut news = None;
            // The informant hears of action taken once, however often the status moves.
            if status == ReportStatus::ActionTaken && assessment.action_news_at.is_none() {
                assessment.action_news_at = Some(now);
                match self.reach(&report).await {
                    Ok(reach) => {
                        let words = self.catalog.plain(reach.lang, status.message_key());
                        let code = report.reference.as_str();
                        let body = self.text(
                            reach.lang,
                            "status-news",
                            &[("code", Arg::Str(code)), ("status", Arg::Str(&words))],
                        );
                        let template = TemplateMessage {
                            name: templates::STATUS.into(),
                            lang: reach.lang,
                            params: vec![code.to_string(), templates::normalize_param(&words)],
                        };
                        let (entry, job) = self
                            .message(
                                &report,
                                &reach,
                                ThreadKind::StatusNews,
                                None,
                                &words,
                                body,
                                template,
                                vec![],
                                now,
                            )
                            .await?;
                        news = Some(entry);
                        jobs.push(job);
                    }
                    // The status still changes; the console shows no news went out.
                    Err(CaseworkError::Unreachable) => {}
                    Err(e) => return Err(e),
                }
            }
            let commit = TriageCommit {
                assessment: &assessment,
                expected_version: Some(stored.version),
                fingerprint: None,
                linked: &[],
                counts: &counts,
                status: Some(status),
                verdict: None,
                now,
                jobs: &jobs,
            };
            match self.triage.commit(&commit).await {
                Ok(_) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            self.dispatch(&jobs).await?;
            return Ok(StatusChanged { from, to: status, news });
        }
        Err(CaseworkError::Contention)
    }

    /// Records an officer's verdict and teaches the learned filter (genuine and
    /// spurious verdicts; a duplicate says nothing about the words).
    pub async fn record_verdict(
        &self,
        officer: &Officer,
        id: &ReportId,
        verdict: Verdict,
        now: i64,
    ) -> Result<(), CaseworkError> {
        for _ in 0..ATTEMPTS {
            let (report, stored) = self.load(officer, id).await?;
            let old = stored.assessment.verdict;
            if old == Some(verdict) {
                return Ok(());
            }
            let mut assessment = stored.assessment.clone();
            assessment.verdict = Some(verdict);
            assessment.acknowledged_at = assessment.acknowledged_at.or(Some(now));
            let mut counts = vec![];
            if let Some(old) = old {
                add_count(&mut counts, cell(&report, &self.range, Measure::Verdict(old)), -1);
            }
            add_count(&mut counts, cell(&report, &self.range, Measure::Verdict(verdict)), 1);
            let commit = TriageCommit {
                assessment: &assessment,
                expected_version: Some(stored.version),
                fingerprint: None,
                linked: &[],
                counts: &counts,
                status: None,
                verdict: Some(verdict),
                now,
                jobs: &[],
            };
            match self.triage.commit(&commit).await {
                Ok(_) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            // A report teaches the filter once: its first genuine or spurious verdict.
            // (A changed mind is recorded and counted, but relearning the same words
            // each time would weigh one report many times.)
            if verdict != Verdict::Duplicate && !matches!(old, Some(Verdict::Genuine | Verdict::Spurious)) {
                let text = crate::triage::report_text(&report);
                self.filter.learn(&text, verdict == Verdict::Spurious, now).await?;
            }
            return Ok(());
        }
        Err(CaseworkError::Contention)
    }

    /// Marks a report's alert as seen by an officer: it will not escalate.
    pub async fn acknowledge(&self, officer: &Officer, id: &ReportId, now: i64) -> Result<(), CaseworkError> {
        for _ in 0..ATTEMPTS {
            let (_, stored) = self.load(officer, id).await?;
            if stored.assessment.acknowledged_at.is_some() {
                return Ok(());
            }
            let mut assessment = stored.assessment.clone();
            assessment.acknowledged_at = Some(now);
            match self.update(&assessment, stored.version, now).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CaseworkError::Contention)
    }

    async fn update(&self, assessment: &crate::triage::Assessment, version: u64, now: i64) -> Result<(), StoreError> {
        self.triage
            .commit(&TriageCommit {
                assessment,
                expected_version: Some(version),
                fingerprint: None,
                linked: &[],
                counts: &[],
                status: None,
                verdict: None,
                now,
                jobs: &[],
            })
            .await
            .map(|_| ())
    }

    /// Sends the informant feedback: a short note from the officers, with the report's
    /// reference code. The feedback invites a reply ("reply in this chat to add
    /// anything"), so the informant's next messages attach to the report, as answers to
    /// a question do. A note that seems to ask who they are is returned unsent unless
    /// `confirmed`, like a question.
    pub async fn send_feedback(
        &self,
        officer: &Officer,
        id: &ReportId,
        note: &str,
        confirmed: bool,
        now: i64,
    ) -> Result<Asked, CaseworkError> {
        self.send_words(officer, id, note, confirmed, ThreadKind::Feedback, now)
            .await
    }

    /// Asks the informant a follow-up question; their next messages attach to the
    /// report. A question that seems to ask who they are is returned to the officer
    /// unsent unless `confirmed`.
    pub async fn ask_question(
        &self,
        officer: &Officer,
        id: &ReportId,
        question: &str,
        confirmed: bool,
        now: i64,
    ) -> Result<Asked, CaseworkError> {
        self.send_words(officer, id, question, confirmed, ThreadKind::Question, now)
            .await
    }

    /// An officer's own words to the informant (feedback or a question): checked for
    /// identity probes, recorded in the thread, the conversation opened for the reply,
    /// then queued.
    async fn send_words(
        &self,
        officer: &Officer,
        id: &ReportId,
        words: &str,
        confirmed: bool,
        kind: ThreadKind,
        now: i64,
    ) -> Result<Asked, CaseworkError> {
        let (message_key, arg, template_name) = match kind {
            ThreadKind::Question => ("officer-question", "question", templates::QUESTION),
            _ => ("officer-feedback", "note", templates::FEEDBACK),
        };
        let words = officer_words(words)?;
        let (report, _) = self.load(officer, id).await?;
        let probes = identity_probes(&words);
        if !probes.is_empty() && !confirmed {
            return Ok(Asked::NeedsConfirmation(probes));
        }
        let reach = self.reach(&report).await?;
        let code = report.reference.as_str();
        let body = self.text(
            reach.lang,
            message_key,
            &[("code", Arg::Str(code)), (arg, Arg::Str(&words))],
        );
        let template = TemplateMessage {
            name: template_name.into(),
            lang: reach.lang,
            params: vec![code.to_string(), templates::normalize_param(&words)],
        };
        let (entry, job) = self
            .message(
                &report,
                &reach,
                kind,
                Some(&officer.subject),
                &words,
                body,
                template,
                probes,
                now,
            )
            .await?;
        // The conversation learns of the message before it is sent, so the reply,
        // however fast, finds it.
        self.open_question(&reach.who, &report, &entry.entry_id, now).await?;
        self.dispatch(std::slice::from_ref(&job)).await?;
        Ok(Asked::Sent(entry))
    }

    async fn open_question(
        &self,
        who: &Pseudonym,
        report: &Report,
        entry_id: &str,
        now: i64,
    ) -> Result<(), CaseworkError> {
        for _ in 0..ATTEMPTS {
            let record = self.conversations.load(who).await?.ok_or(CaseworkError::Unreachable)?;
            let mut conversation = record.conversation;
            conversation.questions.retain(|q| q.is_open(now));
            conversation.questions.push(OpenQuestion {
                report_id: report.id.clone(),
                reference: report.reference.clone(),
                entry_id: entry_id.to_string(),
                asked_at: now,
                answered_at: None,
            });
            let excess = conversation.questions.len().saturating_sub(MAX_OPEN_QUESTIONS);
            conversation.questions.drain(..excess);
            match self
                .conversations
                .save(who, &conversation, None, Some(record.version))
                .await
            {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CaseworkError::Contention)
    }

    async fn dispatch(&self, jobs: &[Envelope]) -> Result<(), CaseworkError> {
        for job in jobs {
            self.queue.send(job).await?;
        }
        Ok(())
    }
}

/// An officer's note or question: trimmed, not empty, not too long.
fn officer_words(text: &str) -> Result<String, CaseworkError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CaseworkError::Invalid("the message is empty".into()));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(CaseworkError::Invalid(format!(
            "the message is longer than {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}
