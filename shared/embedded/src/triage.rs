//! The classifier's records in SQLite: assessments (with their fingerprints and the
//! jobs of their last write) and the learned filter's parameters.
//!
//! A [`TriageCommit`] is one SQLite transaction: the assessment, the linked reports'
//! assessments (each at the version read), the counters, the report row's triage
//! status and verdict, and the jobs, queued in the same database.

use crate::backend;
use crate::store::{Store, corrupt};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use satark_core::ids::{Pseudonym, ReportId};
use satark_core::jobs::Envelope;
use satark_core::ports::{
    Fingerprint, ModelStore, PendingAlert, StoreError, StoredAssessment, StoredModel, TriageCommit, TriageStore,
};
use satark_core::records::{decode, encode};
use satark_core::triage::Assessment;

/// When an alert still waits for an officer: set while a P1 is neither acknowledged
/// nor escalated (the escalation sweep's partial index).
fn alert_pending_at(a: &Assessment) -> Option<i64> {
    a.alerted_at
        .filter(|_| a.acknowledged_at.is_none() && a.escalated_at.is_none())
}

fn fingerprint_of(json: &str) -> Result<Fingerprint, StoreError> {
    Ok(decode(json)?)
}

fn fingerprints(
    conn: &Connection,
    sql: &str,
    key: &str,
    since: i64,
    limit: usize,
) -> Result<Vec<Fingerprint>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<String> = (|| {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(params![key, since, limit], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
    })()
    .map_err(backend)?;
    rows.iter().map(|r| fingerprint_of(r)).collect()
}

fn update_assessment(conn: &Connection, stored: &StoredAssessment) -> Result<u64, StoreError> {
    let next = stored.version + 1;
    let changed = conn
        .execute(
            "UPDATE triage SET version = ?3, record = ?4, alert_pending_at = ?5
             WHERE report_id = ?1 AND version = ?2",
            params![
                stored.assessment.report_id.as_str(),
                stored.version as i64,
                next as i64,
                encode(&stored.assessment)?,
                alert_pending_at(&stored.assessment),
            ],
        )
        .map_err(backend)?;
    if changed == 1 {
        Ok(next)
    } else {
        Err(StoreError::Conflict)
    }
}

#[async_trait]
impl TriageStore for Store {
    async fn assessment(&self, id: &ReportId) -> Result<Option<StoredAssessment>, StoreError> {
        let row: Option<(String, i64)> = self.with(|c| {
            c.query_row(
                "SELECT record, version FROM triage WHERE report_id = ?1",
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        row.map(|(record, version)| {
            Ok(StoredAssessment {
                assessment: decode(&record)?,
                version: version.max(0) as u64,
            })
        })
        .transpose()
    }

    async fn fingerprints(&self, district: &str, since: i64, limit: usize) -> Result<Vec<Fingerprint>, StoreError> {
        let conn = self.lock()?;
        fingerprints(
            &conn,
            "SELECT fingerprint FROM triage WHERE district = ?1 AND submitted_at >= ?2 AND fingerprint != ''
             ORDER BY submitted_at DESC LIMIT ?3",
            district,
            since,
            limit,
        )
    }

    async fn informant_fingerprints(
        &self,
        informant: &Pseudonym,
        since: i64,
        limit: usize,
    ) -> Result<Vec<Fingerprint>, StoreError> {
        let conn = self.lock()?;
        fingerprints(
            &conn,
            "SELECT fingerprint FROM triage WHERE informant = ?1 AND submitted_at >= ?2 AND fingerprint != ''
             ORDER BY submitted_at DESC LIMIT ?3",
            informant.as_str(),
            since,
            limit,
        )
    }

    async fn commit(&self, commit: &TriageCommit<'_>) -> Result<u64, StoreError> {
        let mut conn = self.lock()?;
        // Dropped without `commit()`, the transaction rolls back: all or nothing.
        let tx = conn.transaction().map_err(backend)?;
        let id = &commit.assessment.report_id;
        let outbox = serde_json::to_string(commit.jobs).map_err(corrupt)?;
        let version = match commit.expected_version {
            None => {
                let fingerprint = commit
                    .fingerprint
                    .ok_or_else(|| StoreError::Corrupt("a first classification needs a fingerprint".into()))?;
                let inserted = tx
                    .execute(
                        "INSERT INTO triage (report_id, version, record, district, submitted_at, informant,
                             fingerprint, outbox, alert_pending_at)
                         VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(report_id) DO NOTHING",
                        params![
                            id.as_str(),
                            encode(commit.assessment)?,
                            fingerprint.district,
                            fingerprint.submitted_at,
                            fingerprint.informant.as_str(),
                            encode(fingerprint)?,
                            outbox,
                            alert_pending_at(commit.assessment),
                        ],
                    )
                    .map_err(backend)?;
                if inserted == 0 {
                    return Err(StoreError::AlreadyProcessed);
                }
                1
            }
            Some(expected) => {
                let version = update_assessment(
                    &tx,
                    &StoredAssessment {
                        assessment: commit.assessment.clone(),
                        version: expected,
                    },
                )?;
                tx.execute(
                    "UPDATE triage SET outbox = ?2 WHERE report_id = ?1",
                    params![id.as_str(), outbox],
                )
                .map_err(backend)?;
                version
            }
        };
        for linked in commit.linked {
            update_assessment(&tx, linked)?;
        }
        for (key, delta) in commit.counts {
            crate::store::add_count(&tx, key, *delta).map_err(backend)?;
        }
        if let Some(status) = commit.status {
            crate::store::set_status_row(&tx, id, status, commit.now).map_err(backend)?;
        }
        if let Some(verdict) = commit.verdict {
            crate::store::set_verdict_row(&tx, id, verdict, commit.now).map_err(backend)?;
        }
        // The queues live in this database: the jobs are queued in the same transaction.
        for job in commit.jobs {
            crate::queue::insert_job(&tx, job).map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        drop(conn);
        for job in commit.jobs {
            self.wake(job.queue);
        }
        Ok(version)
    }

    async fn outbox(&self, _id: &ReportId) -> Result<Vec<Envelope>, StoreError> {
        // Queued by the commit itself: nothing can be pending.
        Ok(vec![])
    }

    async fn unacknowledged_alerts(&self, alerted_before: i64, limit: usize) -> Result<Vec<PendingAlert>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(String, i64)> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT report_id, alert_pending_at FROM triage
                 WHERE alert_pending_at IS NOT NULL AND alert_pending_at <= ?1
                 ORDER BY alert_pending_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![alerted_before, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(id, alerted_at)| {
                Ok(PendingAlert {
                    report_id: ReportId::parse(&id).ok_or_else(|| corrupt(format!("report id {id}")))?,
                    alerted_at,
                })
            })
            .collect()
    }

    async fn dismiss_alert(&self, alert: &PendingAlert) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE triage SET alert_pending_at = NULL WHERE report_id = ?1",
                [alert.report_id.as_str()],
            )
        })
        .map(|_| ())
    }
}

/// Fingerprints past their retention: blanked, so they link nothing and name nobody.
pub(crate) fn forget_fingerprints(conn: &Connection, before: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE triage SET fingerprint = '', informant = '' WHERE submitted_at < ?1 AND fingerprint != ''",
        [before],
    )
}

#[async_trait]
impl ModelStore for Store {
    async fn load(&self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        let row: Option<(Vec<u8>, i64)> = self.with(|c| {
            c.query_row("SELECT bytes, version FROM models WHERE name = ?1", [name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
        })?;
        Ok(row.map(|(bytes, version)| StoredModel {
            bytes,
            version: version.max(0) as u64,
        }))
    }

    async fn save(&self, name: &str, bytes: &[u8], expected_version: Option<u64>) -> Result<u64, StoreError> {
        let (changed, version) = match expected_version {
            None => (
                self.with(|c| {
                    c.execute(
                        "INSERT INTO models (name, version, bytes) VALUES (?1, 1, ?2) ON CONFLICT(name) DO NOTHING",
                        params![name, bytes],
                    )
                })?,
                1,
            ),
            Some(expected) => (
                self.with(|c| {
                    c.execute(
                        "UPDATE models SET version = ?3, bytes = ?4 WHERE name = ?1 AND version = ?2",
                        params![name, expected as i64, (expected + 1) as i64, bytes],
                    )
                })?,
                expected + 1,
            ),
        };
        if changed == 1 {
            Ok(version)
        } else {
            Err(StoreError::Conflict)
        }
    }
}
