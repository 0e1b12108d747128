//! The classifier: what happens to a report after it is submitted.
//!
//! For now it keeps the analytics counters (day × district × station × category ×
//! status) exactly once per report; spam scoring, duplicates and priorities build on
//! the same entry point.

use crate::jobs::JobError;
use crate::ports::{AggregateKey, AggregateStore, DedupeStore, ReportJob, ReportStore, StoreError};
use crate::range::RangeConfig;
use crate::report::StationChoice;
use std::sync::Arc;

pub struct Classifier {
    pub reports: Arc<dyn ReportStore>,
    pub aggregates: Arc<dyn AggregateStore>,
    /// Idempotency records: a redelivered job is not counted twice.
    pub idempotency: Arc<dyn DedupeStore>,
    pub range: Arc<RangeConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("report {0} not found")]
    Missing(String),
}

impl From<ClassifierError> for JobError {
    fn from(e: ClassifierError) -> Self {
        match e {
            ClassifierError::Store(StoreError::Corrupt(_)) | ClassifierError::Missing(_) => {
                JobError::Fatal(e.to_string())
            }
            ClassifierError::Store(_) => JobError::Retry(e.to_string()),
        }
    }
}

/// The calendar day (`YYYY-MM-DD`) of a Unix time at a UTC offset in minutes.
pub fn local_day(unix_seconds: i64, utc_offset_minutes: i32) -> String {
    let days = (unix_seconds + i64::from(utc_offset_minutes) * 60).div_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm): exact for every Gregorian date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl Classifier {
    /// Classifies one submitted report; safe to call again for the same job.
    pub async fn classify(&self, job: &ReportJob, now: i64) -> Result<(), ClassifierError> {
        let key = format!("classify:{}", job.report_id);
        if !self.idempotency.claim(&key, now).await? {
            return Ok(());
        }
        let result = self.count(job).await;
        if result.is_err() {
            // Give the claim back, so the queue's retry does the work.
            let _ = self.idempotency.release(&key).await;
        }
        result
    }

    async fn count(&self, job: &ReportJob) -> Result<(), ClassifierError> {
        let report = self
            .reports
            .get(&job.report_id)
            .await?
            .ok_or_else(|| ClassifierError::Missing(job.report_id.to_string()))?;
        let key = AggregateKey {
            day: local_day(report.submitted_at, self.range.range.utc_offset_minutes),
            district: report.district.clone(),
            station: match report.station {
                StationChoice::Known(n) => Some(n),
                StationChoice::DontKnow => None,
            },
            category: report.category.clone(),
            status: report.status,
        };
        Ok(self.aggregates.add(&key, 1).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::local_day;

    #[test]
    fn local_days_in_india() {
        assert_eq!(local_day(0, 0), "1970-01-01");
        // 2026-11-29 18:29:59 UTC is 23:59:59 in India; a second later it is the 30th.
        assert_eq!(local_day(1_795_976_999, 330), "2026-11-29");
        assert_eq!(local_day(1_795_977_000, 330), "2026-11-30");
        assert_eq!(local_day(951_782_400, 0), "2000-02-29");
        assert_eq!(local_day(-1, 0), "1969-12-31");
    }
}
