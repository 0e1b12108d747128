//! How long Satark keeps what it keeps.
//!
//! Personal data that is not needed is a liability for the informant. Everything with
//! a lifetime has it here; the embedded store applies the policy with a periodic
//! sweep, the AWS stack with DynamoDB TTL attributes and S3 lifecycle rules.

use crate::conversation::DRAFT_TTL_SECS;

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
}
