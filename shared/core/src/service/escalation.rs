//! Escalation: a P1 alert no officer acknowledged in time goes to the range office
//! again, marked escalated. Run by the sweeper's schedule on AWS and by a timer in
//! `satark serve`; it holds only what it needs (no conversations, no reply addresses).

use crate::jobs::JobQueue;
use crate::ports::{QueueError, ReportStore, StoreError, TriageCommit, TriageStore};
use crate::range::RangeConfig;
use crate::service::classifier::{RANGE_OFFICE, alert_job};
use std::sync::Arc;

/// How long a P1 may wait for an officer before it escalates, unless configured.
pub const DEFAULT_ESCALATE_AFTER_SECS: i64 = 30 * 60;
/// Most alerts escalated in one run (the next run takes the rest).
const BATCH: usize = 50;

pub struct Escalation {
    pub reports: Arc<dyn ReportStore>,
    pub triage: Arc<dyn TriageStore>,
    pub queue: Arc<dyn JobQueue>,
    pub range: Arc<RangeConfig>,
    /// Seconds a P1 waits for an acknowledgement.
    pub after: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
}

impl Escalation {
    /// Escalates the P1 alerts still unacknowledged `after` seconds on; returns how
    /// many. Safe to run concurrently and again: each is escalated once.
    pub async fn run(&self, now: i64) -> Result<usize, EscalationError> {
        let due = self.triage.unacknowledged_alerts(now - self.after, BATCH).await?;
        let mut escalated = 0;
        for alert in due {
            let id = alert.report_id.clone();
            let (Some(stored), Some(report)) = (self.triage.assessment(&id).await?, self.reports.get(&id).await?)
            else {
                // Purged meanwhile: the alert must not hold back newer ones.
                self.triage.dismiss_alert(&alert).await?;
                continue;
            };
            let mut assessment = stored.assessment.clone();
            if assessment.acknowledged_at.is_some() || assessment.escalated_at.is_some() {
                self.triage.dismiss_alert(&alert).await?;
                continue;
            }
            assessment.escalated_at = Some(now);
            let jobs = [alert_job(
                &report,
                &self.range,
                RANGE_OFFICE,
                "P1 (escalated: not acknowledged)",
                format!("escalation:{id}"),
            )?];
            let commit = TriageCommit {
                assessment: &assessment,
                expected_version: Some(stored.version),
                fingerprint: None,
                linked: &[],
                counts: &[],
                status: None,
                verdict: None,
                now,
                jobs: &jobs,
            };
            match self.triage.commit(&commit).await {
                Ok(_) => {
                    for job in &jobs {
                        self.queue.send(job).await?;
                    }
                    escalated += 1;
                }
                // An officer acted (or another run escalated) meanwhile.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if escalated > 0 {
            tracing::warn!(escalated, "unacknowledged P1 alerts escalated to the range office");
        }
        Ok(escalated)
    }
}
