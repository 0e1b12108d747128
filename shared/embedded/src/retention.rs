//! The embedded store's part of the retention sweep: finding and deleting what
//! [`satark_core::retention::sweep`] decides has expired.

use crate::Store;
use async_trait::async_trait;
use rusqlite::params;
use satark_core::ids::{Pseudonym, ReportId};
use satark_core::ports::{ConversationRecord, ConversationStore, StoreError};
use satark_core::retention::{RetentionStore, readable};

#[async_trait]
impl RetentionStore for Store {
    async fn idle_conversations(
        &self,
        idle_before: i64,
        drafts_only: bool,
    ) -> Result<Vec<(Pseudonym, ConversationRecord)>, StoreError> {
        let who: Vec<String> = self.with(|c| {
            // A draft is the `draft` field of the stored state: a cheap pre-filter; the
            // sweep checks the loaded conversation itself.
            let sql = if drafts_only {
                "SELECT pseudonym FROM conversations WHERE updated_at < ?1 AND state LIKE '%\"report_id\"%'"
            } else {
                "SELECT pseudonym FROM conversations WHERE updated_at < ?1"
            };
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([idle_before], |r| r.get(0))?;
            rows.collect()
        })?;
        let mut found = vec![];
        for p in who {
            let who = Pseudonym::new(p);
            if let Some(record) = readable(self.load(&who).await)? {
                found.push((who, record));
            }
        }
        Ok(found)
    }

    async fn needs_reply_address(&self, who: &Pseudonym, closed_since: i64) -> Result<bool, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM reports WHERE informant = ?1
                                AND (closed_at IS NULL OR closed_at >= ?2))",
                params![who.as_str(), closed_since],
                |r| r.get::<_, bool>(0),
            )
        })
    }

    async fn delete_conversation(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError> {
        let deleted = self.with(|c| {
            c.execute(
                "DELETE FROM conversations WHERE pseudonym = ?1 AND version = ?2",
                params![who.as_str(), i64::try_from(version).unwrap_or(i64::MAX)],
            )
        })?;
        Ok(deleted == 1)
    }

    async fn forget_reply_address(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError> {
        let changed = self.with(|c| {
            c.execute(
                "UPDATE conversations SET reply_address = NULL WHERE pseudonym = ?1 AND version = ?2",
                params![who.as_str(), i64::try_from(version).unwrap_or(i64::MAX)],
            )
        })?;
        Ok(changed == 1)
    }

    async fn spurious_reports(&self, verdict_before: i64) -> Result<Vec<ReportId>, StoreError> {
        let ids: Vec<String> = self.with(|c| {
            let mut stmt = c.prepare("SELECT id FROM reports WHERE verdict = 'spurious' AND verdict_at < ?1")?;
            let rows = stmt.query_map([verdict_before], |r| r.get(0))?;
            rows.collect()
        })?;
        Ok(ids.iter().filter_map(|id| ReportId::parse(id)).collect())
    }

    async fn purge_report(&self, id: &ReportId) -> Result<(), StoreError> {
        // The report, its classification and its thread go together.
        self.with(|c| {
            c.execute_batch("BEGIN IMMEDIATE")?;
            let result = (|| {
                for sql in [
                    "DELETE FROM reports WHERE id = ?1",
                    "DELETE FROM triage WHERE report_id = ?1",
                    "DELETE FROM threads WHERE report_id = ?1",
                    "DELETE FROM thread_messages WHERE report_id = ?1",
                ] {
                    c.execute(sql, [id.as_str()])?;
                }
                Ok(())
            })();
            match result {
                Ok(()) => c.execute_batch("COMMIT"),
                Err(e) => {
                    let _ = c.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    async fn forget_fingerprints(&self, before: i64) -> Result<u64, StoreError> {
        self.with(|c| crate::triage::forget_fingerprints(c, before))
            .map(|n| n as u64)
    }

    async fn prune(&self, dedupe_before: i64, dead_before: i64) -> Result<(u64, u64), StoreError> {
        let dedupe = self.with(|c| c.execute("DELETE FROM dedupe WHERE seen_at < ?1", [dedupe_before]))?;
        // Handled jobs are kept as long as dedupe records, so a resend is recognised;
        // dead letters as long as a reply address, which they hold sealed.
        let jobs = self.with(|c| {
            c.execute(
                "DELETE FROM jobs WHERE (state = 'done' AND done_at < ?1) OR (state = 'dead' AND done_at < ?2)",
                params![dedupe_before, dead_before],
            )
        })?;
        // Recipients' paces long past constrain nothing (DynamoDB's TTL drops them).
        self.with(|c| c.execute("DELETE FROM pace WHERE tat < ?1", [dedupe_before.saturating_mul(1000)]))?;
        Ok((dedupe as u64, jobs as u64))
    }
}
