//! Report threads and each recipient's sending pace, on SQLite.
//!
//! `threads` holds one row per entry, its delivery state in columns of its own so the
//! monotonic raise is one conditional `UPDATE` (`delivery_rank < new`); the entry's
//! JSON keeps what was appended. `thread_messages` maps a sent message's key (an HMAC of
//! its WhatsApp id, never the id) to its entry. `pace` holds each recipient's pace.

use crate::Store;
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use satark_core::ids::ReportId;
use satark_core::ports::{DeliveryState, PaceStore, StoreError, ThreadEntry, ThreadRef, ThreadStore};
use satark_core::records::{decode, encode};

/// The tables, created at open (after the store's own).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS threads (
    report_id     TEXT NOT NULL,
    entry_id      TEXT NOT NULL,
    at            INTEGER NOT NULL,
    entry         TEXT NOT NULL,
    delivery_rank INTEGER,
    delivery      TEXT,
    delivery_at   INTEGER,
    as_template   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (report_id, entry_id)
);
CREATE TABLE IF NOT EXISTS thread_messages (
    message_key TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL,
    entry_id    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pace (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
);
";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("thread entry: {what}"))
}

#[async_trait]
impl ThreadStore for Store {
    async fn append(&self, entry: &ThreadEntry) -> Result<(), StoreError> {
        let json = encode(entry)?;
        self.with(|c| {
            c.execute(
                "INSERT INTO threads (report_id, entry_id, at, entry, delivery_rank, delivery, delivery_at, as_template)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (report_id, entry_id) DO NOTHING",
                params![
                    entry.report_id.as_str(),
                    entry.entry_id,
                    entry.at,
                    json,
                    entry.delivery.map(|d| d.precedence()),
                    entry.delivery.map(|d| d.as_str()),
                    entry.delivery_at,
                    entry.as_template,
                ],
            )
        })
        .map(|_| ())
    }

    async fn list(&self, report_id: &ReportId) -> Result<Vec<ThreadEntry>, StoreError> {
        type Row = (String, Option<String>, Option<i64>, bool);
        let rows: Vec<Row> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT entry, delivery, delivery_at, as_template FROM threads
                 WHERE report_id = ?1 ORDER BY at, entry_id",
            )?;
            let rows = stmt.query_map([report_id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(json, delivery, delivery_at, as_template)| {
                let mut entry: ThreadEntry = decode(&json)?;
                if let Some(name) = delivery {
                    entry.delivery = Some(DeliveryState::parse(&name).ok_or_else(|| corrupt("delivery state"))?);
                    entry.delivery_at = delivery_at;
                }
                entry.as_template = as_template;
                Ok(entry)
            })
            .collect()
    }

    async fn set_delivery(
        &self,
        thread: &ThreadRef,
        state: DeliveryState,
        at: i64,
        as_template: bool,
    ) -> Result<bool, StoreError> {
        self.with(|c| {
            let raised = c.execute(
                "UPDATE threads SET delivery_rank = ?3, delivery = ?4, delivery_at = ?5,
                        as_template = (as_template OR ?6)
                 WHERE report_id = ?1 AND entry_id = ?2 AND (delivery_rank IS NULL OR delivery_rank < ?3)",
                params![
                    thread.report_id.as_str(),
                    thread.entry_id,
                    state.precedence(),
                    state.as_str(),
                    at,
                    as_template
                ],
            )?;
            if raised == 1 {
                return Ok(true);
            }
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM threads WHERE report_id = ?1 AND entry_id = ?2)",
                params![thread.report_id.as_str(), thread.entry_id],
                |r| r.get::<_, bool>(0),
            )
        })
    }

    async fn link_message(&self, message_key: &str, thread: &ThreadRef) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO thread_messages (message_key, report_id, entry_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (message_key) DO UPDATE SET report_id = excluded.report_id, entry_id = excluded.entry_id",
                params![message_key, thread.report_id.as_str(), thread.entry_id],
            )
        })
        .map(|_| ())
    }

    async fn by_message(&self, message_key: &str) -> Result<Option<ThreadRef>, StoreError> {
        let found: Option<(String, String)> = self.with(|c| {
            c.query_row(
                "SELECT report_id, entry_id FROM thread_messages WHERE message_key = ?1",
                [message_key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        found
            .map(|(report, entry_id)| {
                Ok(ThreadRef {
                    report_id: ReportId::parse(&report).ok_or_else(|| corrupt("report id"))?,
                    entry_id,
                })
            })
            .transpose()
    }
}

#[async_trait]
impl PaceStore for Store {
    async fn pace(&self, key: &str) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            c.query_row("SELECT tat FROM pace WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
    }

    async fn set_pace(&self, key: &str, tat_millis: i64) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO pace (key, tat) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                params![key, tat_millis],
            )
        })
        .map(|_| ())
    }
}
