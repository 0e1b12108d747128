//! How long Satark keeps what it keeps.
//!
//! Personal data that is not needed is a liability for the informant. Everything with
//! a lifetime has it here, and [`sweep`] decides what goes, for both stacks: `satark
//! serve` runs it every ten minutes on the embedded store, the `sweeper` function on an
//! EventBridge schedule over DynamoDB and S3. Adapters only find and delete what the
//! sweep names ([`RetentionStore`]); dedupe records also expire by DynamoDB TTL.

use crate::conversation::{DRAFT_TTL_SECS, Stage};
use crate::ids::{Pseudonym, ReportId};
use crate::ports::{ConversationRecord, ConversationStore, EvidenceVault, StoreError};
use async_trait::async_trait;

const DAY: i64 = 24 * 60 * 60;

/// Lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// An unsubmitted draft (and its evidence) after the informant's last message.
    pub draft: i64,
    /// A conversation (language choice, reply address) after the informant's last
    /// message, when none of their reports is open.
    pub conversation: i64,
    /// A reply address after the informant's last report was closed (and their last
    /// message): long enough to tell them of the outcome and to ask a follow-up.
    pub reply_address: i64,
    /// A report marked spurious by an officer, and its evidence.
    pub spurious_report: i64,
    /// WhatsApp message ids seen (for deduplication): Meta redelivers for seven days.
    pub dedupe: i64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            draft: DRAFT_TTL_SECS,
            conversation: 30 * DAY,
            reply_address: 90 * DAY,
            spurious_report: 30 * DAY,
            dedupe: 8 * DAY,
        }
    }
}

impl RetentionPolicy {
    /// The policy with the two configurable periods set in days.
    pub fn with_days(reply_address_days: u32, spurious_report_days: u32) -> Self {
        RetentionPolicy {
            reply_address: i64::from(reply_address_days) * DAY,
            spurious_report: i64::from(spurious_report_days) * DAY,
            ..RetentionPolicy::default()
        }
    }
}

/// What a sweep removed, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub drafts_expired: u64,
    pub conversations_deleted: u64,
    pub reply_addresses_forgotten: u64,
    pub spurious_reports_purged: u64,
    pub dedupe_records_pruned: u64,
    /// Queue jobs handled longer ago than the dedupe window.
    pub done_jobs_pruned: u64,
    /// Fingerprints older than the classifier's duplicate window.
    pub fingerprints_forgotten: u64,
}

/// What the sweep needs of the stores: finding what may have expired, and deleting it
/// under the same optimistic-concurrency rule as every other write.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Conversations whose informant's last message is older than `idle_before`; with
    /// `drafts_only`, only those holding a draft.
    async fn idle_conversations(
        &self,
        idle_before: i64,
        drafts_only: bool,
    ) -> Result<Vec<(Pseudonym, ConversationRecord)>, StoreError>;
    /// Whether one of `who`'s reports is open, or was closed at or after `closed_since`:
    /// the informant may still be told of it.
    async fn needs_reply_address(&self, who: &Pseudonym, closed_since: i64) -> Result<bool, StoreError>;
    /// Deletes the conversation if it is still at `version`; `false` if it moved.
    async fn delete_conversation(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError>;
    /// Drops the reply address if the conversation is still at `version`.
    async fn forget_reply_address(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError>;
    /// Reports an officer marked spurious before `verdict_before`.
    async fn spurious_reports(&self, verdict_before: i64) -> Result<Vec<ReportId>, StoreError>;
    /// Deletes a report (its evidence is discarded first, by the sweep).
    async fn purge_report(&self, id: &ReportId) -> Result<(), StoreError>;
    /// Store-specific housekeeping: dedupe records and handled queue jobs older than
    /// `dedupe_before`, dead-lettered jobs (which hold sealed reply addresses) older
    /// than `dead_before`. Returns (dedupe records, jobs) removed; (0, 0) where TTL and
    /// the queues' own retention do it.
    async fn prune(&self, dedupe_before: i64, dead_before: i64) -> Result<(u64, u64), StoreError>;
    /// Forgets the classifier's fingerprints (text and picture hashes with the
    /// informant's pseudonym) of reports submitted before `before`: they only serve to
    /// link near-duplicates within the classifier's window. Returns how many.
    async fn forget_fingerprints(&self, before: i64) -> Result<u64, StoreError>;
}

/// A conversation loaded for the sweep, or `None` when it is gone or cannot be read:
/// one unreadable record (corrupt, or written by a newer version after a rollback)
/// must not stop retention for everyone, so it is skipped, with a warning.
pub fn readable(
    loaded: Result<Option<ConversationRecord>, StoreError>,
) -> Result<Option<ConversationRecord>, StoreError> {
    match loaded {
        Err(StoreError::Corrupt(reason)) => {
            tracing::warn!(reason = %reason, "retention: an unreadable conversation was skipped");
            Ok(None)
        }
        other => other,
    }
}

/// Applies `policy` as of `now`: expires drafts (and their evidence), deletes idle
/// conversations, forgets reply addresses, purges spurious reports and their evidence,
/// prunes dedupe records and handled jobs. Safe to run at any time, repeatedly and
/// concurrently with the informants' messages (a conversation that moved is left for
/// the next run).
pub async fn sweep(
    store: &dyn RetentionStore,
    conversations: &dyn ConversationStore,
    vault: &dyn EvidenceVault,
    policy: &RetentionPolicy,
    now: i64,
) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();

    // Drafts idle past their lifetime: dropped from the conversation, with their media.
    let draft_cutoff = now.saturating_sub(policy.draft);
    for (who, record) in store.idle_conversations(draft_cutoff, true).await? {
        let mut conversation = record.conversation;
        // An index may lag: the conversation itself must still be idle.
        if conversation.last_inbound_at.unwrap_or(0) >= draft_cutoff {
            continue;
        }
        let Some(draft) = conversation.draft.take() else {
            continue;
        };
        if conversation.stage.needs_draft() {
            conversation.stage = Stage::Idle;
        }
        // The informant's next message is told the draft was discarded.
        conversation.draft_expired = true;
        match conversations
            .save(&who, &conversation, None, Some(record.version))
            .await
        {
            Ok(_) => {
                vault.discard(&draft.report_id).await?;
                report.drafts_expired += 1;
            }
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }

    let address_cutoff = now.saturating_sub(policy.reply_address);
    let idle_before = now.saturating_sub(policy.conversation.min(policy.reply_address));
    for (who, record) in store.idle_conversations(idle_before, false).await? {
        let last = record.conversation.last_inbound_at.unwrap_or(0);
        if store.needs_reply_address(&who, address_cutoff).await? {
            continue;
        }
        if last < now.saturating_sub(policy.conversation) {
            if store.delete_conversation(&who, record.version).await? {
                report.conversations_deleted += 1;
            }
        } else if record.reply_address.is_some()
            && last < address_cutoff
            && store.forget_reply_address(&who, record.version).await?
        {
            report.reply_addresses_forgotten += 1;
        }
    }

    for id in store
        .spurious_reports(now.saturating_sub(policy.spurious_report))
        .await?
    {
        vault.discard(&id).await?;
        store.purge_report(&id).await?;
        report.spurious_reports_purged += 1;
    }

    let (dedupe, jobs) = store
        .prune(
            now.saturating_sub(policy.dedupe),
            now.saturating_sub(policy.reply_address),
        )
        .await?;
    report.dedupe_records_pruned = dedupe;
    report.done_jobs_pruned = jobs;
    report.fingerprints_forgotten = store
        .forget_fingerprints(now.saturating_sub(crate::service::FINGERPRINT_RETENTION_SECS))
        .await?;
    Ok(report)
}
