//! What the classifier concluded about a report, stored beside it (the submission is
//! never rewritten). Officers read it; it holds no identity.

use super::disclosure::Disclosure;
use super::priority::Priority;
use crate::ids::ReportId;
use crate::range::Sensitivity;
use serde::{Deserialize, Serialize};

/// One human-readable reason behind a score or a priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable id (`gibberish`, `model`, `weapon`, …), for filters and tests.
    pub code: String,
    /// For officers, in English.
    pub text: String,
    /// How much it weighed (0-1); 0 for reasons that only explain.
    #[serde(default)]
    pub weight: f64,
}

/// How two reports are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Nearly the same words.
    Text,
    /// The same picture.
    Image,
}

/// A report this one resembles. Linked, never merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub report_id: ReportId,
    pub kind: LinkKind,
    /// From another informant: corroboration. From the same one: a repeat, which
    /// raises nothing. (Officers learn only this bit, never who.)
    pub independent: bool,
}

/// The classifier's view of one report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub report_id: ReportId,
    /// 0-1: how likely the report is spurious.
    pub spurious_score: f64,
    /// `spurious_score` at or above the shipped threshold.
    pub spurious: bool,
    pub reasons: Vec<Reason>,
    /// A better category than the informant's choice, when the text says so.
    pub suggested_category: Option<String>,
    pub priority: Priority,
    /// The priority before corroboration raised it.
    pub base_priority: Priority,
    pub priority_reasons: Vec<Reason>,
    pub sensitivity: Sensitivity,
    pub sensitivity_reason: Option<String>,
    /// Earlier reports this one resembles, and later ones that resemble it.
    pub links: Vec<Link>,
    /// Independent informants whose reports resemble this one.
    pub corroborations: u32,
    /// The kinds of identifying detail the self-disclosure guard saw in what the
    /// informant kept (never the detail itself).
    pub disclosures: Vec<Disclosure>,
    /// How many officer verdicts the text model had learned when it scored this.
    pub model_verdicts: u64,
    pub classified_at: i64,
    /// Unix seconds of the first officer action (a status change from received),
    /// for the time-to-first-action figures.
    #[serde(default)]
    pub first_action_at: Option<i64>,
    /// When a P1 alert went to the offices, and whether an officer acknowledged it.
    #[serde(default)]
    pub alerted_at: Option<i64>,
    #[serde(default)]
    pub acknowledged_at: Option<i64>,
    #[serde(default)]
    pub escalated_at: Option<i64>,
    /// The officers' verdict, once given (it teaches the filter).
    #[serde(default)]
    pub verdict: Option<crate::report::Verdict>,
    /// Who the report is assigned to: a station of its district, or an officer.
    #[serde(default)]
    pub assigned_station: Option<u16>,
    #[serde(default)]
    pub assigned_officer: Option<String>,
    /// When the informant was told of action taken (once).
    #[serde(default)]
    pub action_news_at: Option<i64>,
}
