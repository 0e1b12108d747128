//! The retention sweep of the embedded store: what DynamoDB TTL and S3 lifecycle rules
//! do on AWS, done by a periodic task.

use crate::Store;
use rusqlite::params;
use satark_core::conversation::{Conversation, Stage};
use satark_core::ids::ReportId;
use satark_core::ports::{EvidenceVault, StoreError};
use satark_core::retention::{RetentionPolicy, SweepReport};

/// A report still needs its informant's reply address while it is open, or closed less
/// than `reply_address` seconds ago.
const NEEDS_ADDRESS: &str = "EXISTS (SELECT 1 FROM reports r WHERE r.informant = conversations.pseudonym
                              AND (r.closed_at IS NULL OR r.closed_at >= ?2))";

/// Applies `policy` as of `now`: expires drafts (and their evidence), deletes idle
/// conversations, forgets reply addresses, purges spurious reports, prunes dedupe
/// records. Safe to run at any time and repeatedly.
pub async fn sweep(
    store: &Store,
    vault: &dyn EvidenceVault,
    policy: &RetentionPolicy,
    now: i64,
) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();

    // Drafts idle past their lifetime: drop them from the conversation, and their media.
    let stale: Vec<(String, i64, String)> = store.with(|c| {
        let mut stmt = c.prepare(
            "SELECT pseudonym, version, state FROM conversations WHERE updated_at < ?1 AND state LIKE '%\"report_id\"%'",
        )?;
        let rows = stmt.query_map([now - policy.draft], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect()
    })?;
    for (pseudonym, version, state) in stale {
        let mut conversation: Conversation = satark_core::records::decode(&state)?;
        let Some(draft) = conversation.draft.take() else {
            continue;
        };
        if conversation.stage.needs_draft() {
            conversation.stage = Stage::Idle;
        }
        let state = satark_core::records::encode(&conversation)?;
        let updated = store.with(|c| {
            c.execute(
                "UPDATE conversations SET state = ?3, version = version + 1 WHERE pseudonym = ?1 AND version = ?2",
                params![pseudonym, version, state],
            )
        })?;
        if updated == 1 {
            // The informant's next message finds no draft; the engine tells them.
            vault.discard(&draft.report_id).await?;
            report.drafts_expired += 1;
        }
    }

    let address_cutoff = now - policy.reply_address;
    report.conversations_deleted = store.with(|c| {
        c.execute(
            &format!("DELETE FROM conversations WHERE updated_at < ?1 AND NOT {NEEDS_ADDRESS}"),
            params![now - policy.conversation, address_cutoff],
        )
    })? as u64;
    report.reply_addresses_forgotten = store.with(|c| {
        c.execute(
            &format!(
                "UPDATE conversations SET reply_address = NULL
                 WHERE reply_address IS NOT NULL AND updated_at < ?1 AND NOT {NEEDS_ADDRESS}"
            ),
            params![address_cutoff, address_cutoff],
        )
    })? as u64;

    let spurious: Vec<String> = store.with(|c| {
        let mut stmt = c.prepare("SELECT id FROM reports WHERE verdict = 'spurious' AND verdict_at < ?1")?;
        let rows = stmt.query_map([now - policy.spurious_report], |r| r.get(0))?;
        rows.collect()
    })?;
    for id in spurious {
        if let Some(report_id) = ReportId::parse(&id) {
            vault.discard(&report_id).await?;
        }
        store.with(|c| c.execute("DELETE FROM reports WHERE id = ?1", [&id]))?;
        report.spurious_reports_purged += 1;
    }

    report.dedupe_records_pruned =
        store.with(|c| c.execute("DELETE FROM dedupe WHERE seen_at < ?1", [now - policy.dedupe]))? as u64;
    // Handled jobs are kept as long as dedupe records, so a resend is recognised.
    report.done_jobs_pruned = store.with(|c| {
        c.execute(
            "DELETE FROM jobs WHERE state = 'done' AND done_at < ?1",
            [now - policy.dedupe],
        )
    })? as u64;
    Ok(report)
}
