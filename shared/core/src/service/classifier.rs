//! The classifier: what happens to a report after it is submitted.
//!
//! One job per submitted report. It scores the report (rules and the learned text
//! model), suggests a category, links near-duplicates (text and pictures) within the
//! district and a time window, counts corroboration by independent informants, sets a
//! priority and an evidence sensitivity, moves the analytics counters, and alerts the
//! offices of a P1 report. All of it is one [`TriageCommit`], whose assessment is also
//! the job's idempotency record: a redelivered job, or one retried after a crash,
//! finds it and only dispatches its jobs again, so nothing is lost or counted twice.
//! Nothing is ever deleted: reports are ranked and marked.

use crate::Lang;
use crate::ids::{Pseudonym, ReportId};
use crate::jobs::{Envelope, JobError, JobQueue};
use crate::ports::{
    AggregateKey, EvidenceVault, Fingerprint, Measure, OfficeAlertJob, ReportJob, ReportStore, StoreError,
    TemplateMessage, TriageCommit, TriageStore,
};
use crate::range::RangeConfig;
use crate::report::{MediaKind, Report, StationChoice};
use crate::service::filter::LearnedFilter;
use crate::triage::priority::{self, Priority, PriorityInput};
use crate::triage::rules::{self, SenderHistory};
use crate::triage::{Assessment, Link, LinkKind, Reason, category, disclosure, simhash};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Reports within this long before a report are compared with it.
pub const DUPLICATE_WINDOW_SECS: i64 = 14 * 86_400;
/// How long a fingerprint is kept: the window, and a day for reports classified late.
/// (It holds the informant's pseudonym; nothing needs it after that.)
pub const FINGERPRINT_RETENTION_SECS: i64 = DUPLICATE_WINDOW_SECS + 86_400;
/// Most earlier reports of a district compared with a new one.
pub const DUPLICATE_CANDIDATES: usize = 500;
/// How long classification waits for a report's pictures to reach the vault (their
/// perceptual hashes link duplicates); after that it goes on without the missing ones.
pub const EVIDENCE_WAIT_SECS: i64 = 180;
/// The language of office alerts.
pub const ALERT_LANG: Lang = Lang::Hi;
/// The range office's name in alert jobs (district offices go by district code).
pub const RANGE_OFFICE: &str = "range";

pub struct Classifier {
    pub reports: Arc<dyn ReportStore>,
    pub triage: Arc<dyn TriageStore>,
    pub vault: Arc<dyn EvidenceVault>,
    pub queue: Arc<dyn JobQueue>,
    pub filter: Arc<LearnedFilter>,
    pub range: Arc<RangeConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("report {0} not found")]
    Missing(String),
    #[error("waiting for the report's evidence to be stored")]
    AwaitingEvidence,
    #[error("queue: {0}")]
    Queue(String),
}

impl From<crate::ports::QueueError> for ClassifierError {
    fn from(e: crate::ports::QueueError) -> Self {
        ClassifierError::Queue(e.to_string())
    }
}

impl From<ClassifierError> for JobError {
    fn from(e: ClassifierError) -> Self {
        match e {
            ClassifierError::Store(StoreError::Corrupt(_)) | ClassifierError::Missing(_) => {
                JobError::Fatal(e.to_string())
            }
            _ => JobError::Retry(e.to_string()),
        }
    }
}

/// What a classification job did.
#[derive(Debug, Clone, PartialEq)]
pub enum Classified {
    /// Classified now.
    New(Box<Assessment>),
    /// Classified before (a redelivery): its jobs were dispatched again.
    Already,
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

/// The counter cell of a report for one measure: its submission day, district,
/// station and category.
pub fn cell(report: &Report, range: &RangeConfig, measure: Measure) -> AggregateKey {
    AggregateKey {
        day: local_day(report.submitted_at, range.range.utc_offset_minutes),
        district: report.district.clone(),
        station: match report.station {
            StationChoice::Known(n) => Some(n),
            StationChoice::DontKnow => None,
        },
        category: report.category.clone(),
        measure,
    }
}

/// Adds `delta` to `key` in a list of counter moves, merging moves of one cell (a
/// DynamoDB transaction may touch an item once).
pub fn add_count(counts: &mut Vec<(AggregateKey, i64)>, key: AggregateKey, delta: i64) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, d)) => *d += delta,
        None => counts.push((key, delta)),
    }
    counts.retain(|(_, d)| *d != 0);
}

/// The alert jobs of a P1 report: its district's SP office and the range office.
pub fn alert_jobs(
    report: &Report,
    range: &RangeConfig,
    priority: Priority,
) -> Result<Vec<Envelope>, crate::ports::QueueError> {
    let label = priority.as_str().to_uppercase();
    [report.district.as_str(), RANGE_OFFICE]
        .into_iter()
        .map(|office| alert_job(report, range, office, &label, format!("alert:{}:{office}", report.id)))
        .collect()
}

/// One office's alert (the `satark_alert` template) about `report`, its priority shown
/// as `label`: the district and category by their names in [`ALERT_LANG`].
pub fn alert_job(
    report: &Report,
    range: &RangeConfig,
    office: &str,
    label: &str,
    job_id: String,
) -> Result<Envelope, crate::ports::QueueError> {
    let district = range
        .district(&report.district)
        .map_or(report.district.clone(), |d| d.name.get(ALERT_LANG).to_string());
    let category = range
        .category(&report.category)
        .map_or(report.category.clone(), |c| c.name.get(ALERT_LANG).to_string());
    Envelope::of(&OfficeAlertJob {
        office: office.to_string(),
        template: TemplateMessage {
            name: crate::templates::ALERT.into(),
            lang: ALERT_LANG,
            params: vec![
                report.reference.as_str().to_string(),
                district,
                category,
                label.to_string(),
            ],
        },
        report_id: report.id.clone(),
        job_id,
    })
}

impl Classifier {
    /// Classifies one submitted report; safe to call again for the same job.
    pub async fn classify(&self, job: &ReportJob, now: i64) -> Result<Classified, ClassifierError> {
        if self.triage.assessment(&job.report_id).await?.is_some() {
            self.redispatch(&job.report_id).await?;
            return Ok(Classified::Already);
        }
        let report = self
            .reports
            .get(&job.report_id)
            .await?
            .ok_or_else(|| ClassifierError::Missing(job.report_id.to_string()))?;
        let informant = self
            .reports
            .informant_of(&job.report_id)
            .await?
            .ok_or_else(|| ClassifierError::Missing(job.report_id.to_string()))?;
        let images = self.picture_hashes(&report, now).await?;
        let whole = crate::triage::report_text(&report);
        let text = crate::triage::scored_prefix(&whole).to_string();
        let fingerprint = Fingerprint {
            report_id: report.id.clone(),
            district: report.district.clone(),
            station: match report.station {
                StationChoice::Known(n) => Some(n),
                StationChoice::DontKnow => None,
            },
            submitted_at: report.submitted_at,
            text: (!simhash::too_short_to_compare(&text)).then(|| simhash::simhash(&text)),
            images,
            informant: informant.clone(),
        };

        // The informant's own recent reports: floods and rate limits.
        let own = self
            .triage
            .informant_fingerprints(&informant, report.submitted_at - 86_400, 100)
            .await?;
        let own: Vec<&Fingerprint> = own.iter().filter(|f| f.report_id != report.id).collect();
        let history = SenderHistory {
            reports_last_hour: count_u32(own.iter().filter(|f| f.submitted_at >= report.submitted_at - 3600)),
            reports_last_day: count_u32(own.iter()),
            near_copies_from_same_sender: count_u32(own.iter().filter(|f| resembles(&fingerprint, f).is_some())),
        };
        let sender_hits = rules::sender_rules(&history);

        let model = self.filter.model(now).await;
        let scored = crate::triage::score_text(&model, &text, crate::triage::media_count(&report), &sender_hits);

        // Near-duplicates in the district: linked, never merged.
        let candidates = self
            .triage
            .fingerprints(
                &report.district,
                report.submitted_at - DUPLICATE_WINDOW_SECS,
                DUPLICATE_CANDIDATES,
            )
            .await?;
        let informants: BTreeMap<&ReportId, &Pseudonym> =
            candidates.iter().map(|f| (&f.report_id, &f.informant)).collect();
        let mut links = vec![];
        for candidate in candidates.iter().filter(|c| c.report_id != report.id) {
            if let Some(kind) = resembles(&fingerprint, candidate) {
                links.push(Link {
                    report_id: candidate.report_id.clone(),
                    kind,
                    independent: candidate.informant != informant,
                });
            }
        }
        let corroborations = independent_informants(&links, &informant, &informants);

        let category = self.range.category(&report.category);
        let (priority, priority_reasons, sensitivity, sensitivity_reason) = match category {
            Some(c) => {
                let (p, reasons) = priority::priority(&PriorityInput {
                    category: c,
                    text: &text,
                    // The priority rules count this report's own informant too.
                    corroborations: corroborations + 1,
                    when: report.when,
                    spurious_score: scored.score,
                });
                let (s, why) = priority::sensitivity(c, &text);
                (p, reasons, s, why)
            }
            // A category retired from the range file: ranked low, shown to the district.
            None => (
                Priority::P3,
                vec!["category no longer in the range configuration".to_string()],
                crate::range::Sensitivity::Sensitive,
                Some("unknown category".to_string()),
            ),
        };
        // One pseudonym sending many reports (a flood, a rate limit) pages nobody.
        let (priority, priority_reasons) = if priority == Priority::P1 && !sender_hits.is_empty() {
            let mut reasons = priority_reasons;
            reasons.push("many reports from one sender: ranked, but no office alert".to_string());
            (Priority::P2, reasons)
        } else {
            (priority, priority_reasons)
        };
        let base_priority = match category {
            Some(c) if corroborations > 0 => {
                priority::priority(&PriorityInput {
                    category: c,
                    text: &text,
                    corroborations: 1,
                    when: report.when,
                    spurious_score: scored.score,
                })
                .0
            }
            _ => priority,
        };
        let assessment = Assessment {
            report_id: report.id.clone(),
            spurious_score: scored.score,
            spurious: scored.spurious,
            reasons: scored.reasons,
            suggested_category: category::suggest_category(&text, &report.category, &self.range),
            priority,
            base_priority,
            priority_reasons: priority_reasons.into_iter().map(explain).collect(),
            sensitivity,
            sensitivity_reason,
            links: links.clone(),
            corroborations,
            disclosures: disclosure::self_disclosures(&text),
            model_verdicts: model.verdicts_learned(),
            classified_at: now,
            first_action_at: None,
            alerted_at: (priority == Priority::P1).then_some(now),
            acknowledged_at: None,
            escalated_at: None,
            verdict: None,
            assigned_station: None,
            assigned_officer: None,
            action_news_at: None,
        };

        let mut counts = vec![];
        add_count(
            &mut counts,
            cell(&report, &self.range, Measure::Status(report.status)),
            1,
        );
        add_count(&mut counts, cell(&report, &self.range, Measure::Priority(priority)), 1);
        add_count(
            &mut counts,
            cell(&report, &self.range, Measure::Sensitivity(sensitivity)),
            1,
        );
        if assessment.spurious {
            add_count(&mut counts, cell(&report, &self.range, Measure::Flagged), 1);
        }
        let mut jobs = if priority == Priority::P1 {
            alert_jobs(&report, &self.range, priority)?
        } else {
            vec![]
        };

        // The earlier reports learn of this one; independent ones are corroborated.
        let mut linked = vec![];
        for link in &links {
            let Some(mut earlier) = self.triage.assessment(&link.report_id).await? else {
                // Not classified yet: it links back when it is.
                continue;
            };
            let Some(earlier_report) = self.reports.get(&link.report_id).await? else {
                continue;
            };
            let earlier_informant = informants.get(&link.report_id).copied();
            if !earlier.assessment.links.iter().any(|l| l.report_id == report.id) {
                earlier.assessment.links.push(Link {
                    report_id: report.id.clone(),
                    kind: link.kind,
                    independent: link.independent,
                });
            }
            if let Some(earlier_informant) = earlier_informant {
                let mut known = informants.clone();
                known.insert(&report.id, &informant);
                earlier.assessment.corroborations =
                    independent_informants(&earlier.assessment.links, earlier_informant, &known);
            }
            if let Some(c) = self.range.category(&earlier_report.category) {
                let earlier_text = crate::triage::report_text(&earlier_report);
                let (raised, reasons) = priority::priority(&PriorityInput {
                    category: c,
                    text: &earlier_text,
                    corroborations: earlier.assessment.corroborations + 1,
                    when: earlier_report.when,
                    spurious_score: earlier.assessment.spurious_score,
                });
                // Corroboration only ever raises (P1 is the greatest).
                let old = earlier.assessment.priority;
                if raised > old {
                    earlier.assessment.priority = raised;
                    earlier.assessment.priority_reasons = reasons.into_iter().map(explain).collect();
                    add_count(
                        &mut counts,
                        cell(&earlier_report, &self.range, Measure::Priority(old)),
                        -1,
                    );
                    add_count(
                        &mut counts,
                        cell(&earlier_report, &self.range, Measure::Priority(raised)),
                        1,
                    );
                    if raised == Priority::P1 && earlier.assessment.alerted_at.is_none() {
                        earlier.assessment.alerted_at = Some(now);
                        jobs.extend(alert_jobs(&earlier_report, &self.range, raised)?);
                    }
                }
            }
            linked.push(earlier);
        }

        let commit = TriageCommit {
            assessment: &assessment,
            expected_version: None,
            fingerprint: Some(&fingerprint),
            linked: &linked,
            counts: &counts,
            status: None,
            verdict: None,
            now,
            jobs: &jobs,
        };
        match self.triage.commit(&commit).await {
            Ok(_) => {}
            Err(StoreError::AlreadyProcessed) => {
                self.redispatch(&report.id).await?;
                return Ok(Classified::Already);
            }
            Err(e) => return Err(e.into()),
        }
        self.dispatch(&jobs).await?;
        tracing::info!(
            report = %report.id,
            priority = priority.as_str(),
            spurious = assessment.spurious,
            links = assessment.links.len(),
            "report classified"
        );
        Ok(Classified::New(Box::new(assessment)))
    }

    /// The perceptual hashes of the report's pictures, waiting (by asking for a retry)
    /// while some are not in the vault yet and the report is recent.
    async fn picture_hashes(&self, report: &Report, now: i64) -> Result<Vec<String>, ClassifierError> {
        let expected = report
            .items
            .iter()
            .filter(|i| {
                matches!(
                    i,
                    crate::report::DetailItem::Media {
                        kind: MediaKind::Photo,
                        ..
                    }
                )
            })
            .count();
        if expected == 0 {
            return Ok(vec![]);
        }
        let stored = self.vault.list(&report.id).await?;
        let photos: Vec<_> = stored.iter().filter(|m| m.kind == MediaKind::Photo).collect();
        if photos.len() < expected && now - report.submitted_at < EVIDENCE_WAIT_SECS {
            return Err(ClassifierError::AwaitingEvidence);
        }
        let hashes: BTreeSet<String> = photos.iter().filter_map(|m| m.perceptual_hash.clone()).collect();
        Ok(hashes.into_iter().collect())
    }

    async fn redispatch(&self, id: &ReportId) -> Result<(), ClassifierError> {
        let jobs = self.triage.outbox(id).await?;
        self.dispatch(&jobs).await
    }

    async fn dispatch(&self, jobs: &[Envelope]) -> Result<(), ClassifierError> {
        for job in jobs {
            self.queue
                .send(job)
                .await
                .map_err(|e| ClassifierError::Queue(e.to_string()))?;
        }
        Ok(())
    }
}

fn count_u32<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

fn explain(text: String) -> Reason {
    let code = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("priority")
        .to_ascii_lowercase();
    Reason {
        code,
        text,
        weight: 0.0,
    }
}

/// How `a` resembles `b`, if it does: the same picture, or nearly the same words.
fn resembles(a: &Fingerprint, b: &Fingerprint) -> Option<LinkKind> {
    let same_picture = a
        .images
        .iter()
        .any(|x| b.images.iter().any(|y| simhash::near_duplicate_image(x, y)));
    if same_picture {
        return Some(LinkKind::Image);
    }
    let same_area = match (a.station, b.station) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    match (a.text, b.text) {
        (Some(x), Some(y)) if same_area && simhash::near_duplicate_text(x, y) => Some(LinkKind::Text),
        _ => None,
    }
}

/// Distinct informants, other than `own`, among the linked reports whose informant is
/// known.
fn independent_informants(links: &[Link], own: &Pseudonym, known: &BTreeMap<&ReportId, &Pseudonym>) -> u32 {
    let others: BTreeSet<&Pseudonym> = links
        .iter()
        .filter_map(|l| known.get(&l.report_id).copied())
        .filter(|who| *who != own)
        .collect();
    count_u32(others.into_iter())
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
