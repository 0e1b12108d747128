//! Triage: what the classifier decides about a submitted report, so officers see the
//! reports that matter first.
//!
//! Nothing here deletes anything: reports are ranked and marked. The pieces:
//! [`features`] and [`model`] (the learned text filter, trained on the labelled tips
//! shipped in `data/triage/` and taught by officers' verdicts), [`rules`] (the
//! hand-written spurious signals), [`disclosure`] (the self-disclosure guard),
//! [`simhash`] (near-duplicate text), [`priority`] (P1-P3 and evidence sensitivity),
//! [`category`] (category suggestions) and [`eval`] (the figures `satark eval` prints).

pub mod assessment;
pub mod category;
pub mod disclosure;
pub mod eval;
pub mod features;
pub mod model;
pub mod priority;
pub mod probe;
pub mod rules;
pub mod simhash;

pub use assessment::{Assessment, Link, LinkKind, Reason};

use crate::report::{DetailItem, Report};
use model::TextModel;
use rules::{ContentInput, RuleHit};

/// A report is marked spurious at or above this score (the figures `satark eval`
/// prints are at this threshold).
pub const SPURIOUS_THRESHOLD: f64 = 0.5;

/// How many of the words that pushed a text toward spurious a reason names.
const MODEL_REASON_TERMS: usize = 3;

/// How much of a report's text the classifier reads (rules, near-duplicates, the
/// disclosure count). A tip is told in its first lines; a report at the 160 KiB draft
/// limit would otherwise cost ~80 ms of rules for nothing more. (The conversation's
/// guard reads every message whole, as it arrives.)
pub const SCORED_CHARS: usize = 8_000;

/// The first [`SCORED_CHARS`] characters of `text`.
pub fn scored_prefix(text: &str) -> &str {
    match text.char_indices().nth(SCORED_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// The informant's own words in a report: its texts and captions, in order.
pub fn report_text(report: &Report) -> String {
    let mut parts: Vec<&str> = vec![];
    for item in &report.items {
        match item {
            DetailItem::Text { body, .. } => parts.push(body),
            DetailItem::Media { caption: Some(c), .. } => parts.push(c),
            DetailItem::Media { caption: None, .. } => {}
        }
    }
    parts.join("\n")
}

/// Media items in a report.
pub fn media_count(report: &Report) -> usize {
    report.media_keys().count()
}

/// The spurious score of a text from the rules and the learned model, with reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct TextScore {
    pub score: f64,
    pub spurious: bool,
    pub model_probability: f64,
    pub reasons: Vec<Reason>,
}

/// Scores a text: the content rules (and any sender rules already found) combined with
/// the model's probability. One function for the classifier, `satark classify` and
/// `satark eval`, so the figures are the classifier's.
pub fn score_text(model: &TextModel, text: &str, media_count: usize, sender_hits: &[RuleHit]) -> TextScore {
    let text = scored_prefix(text);
    let mut hits = rules::content_rules(&ContentInput { text, media_count });
    hits.extend(sender_hits.iter().cloned());
    let model_probability = model.spurious_probability(text);
    let score = rules::combine(model_probability, &hits);
    let mut reasons: Vec<Reason> = hits
        .iter()
        .map(|h| Reason {
            code: h.rule.as_str().to_string(),
            text: h.reason.clone(),
            weight: h.weight,
        })
        .collect();
    if model_probability >= SPURIOUS_THRESHOLD {
        // Words only: never a number (which could be anyone's phone) in a reason.
        let terms: Vec<String> = model
            .strongest_terms(text, MODEL_REASON_TERMS + 3)
            .into_iter()
            .filter(|t| !t.chars().any(|c| c.is_numeric()))
            .take(MODEL_REASON_TERMS)
            .collect();
        let text = if terms.is_empty() {
            "wording resembles reports officers judged spurious".to_string()
        } else {
            format!(
                "wording resembles reports officers judged spurious ({})",
                terms.join(", ")
            )
        };
        reasons.push(Reason {
            code: "model".into(),
            text,
            weight: model_probability,
        });
    }
    TextScore {
        score,
        spurious: score >= SPURIOUS_THRESHOLD,
        model_probability,
        reasons,
    }
}

/// The classifier's text scoring (rules and model) as an [`eval::SpamFilter`], so that
/// `satark eval` measures what the classifier does, not the model alone.
#[derive(Debug, Clone)]
pub struct ClassifierFilter {
    pub model: TextModel,
}

impl ClassifierFilter {
    pub fn new(model: TextModel) -> Self {
        ClassifierFilter { model }
    }
}

impl eval::SpamFilter for ClassifierFilter {
    fn score(&self, text: &str) -> f64 {
        score_text(&self.model, text, 0, &[]).score
    }

    fn learn(&mut self, text: &str, spurious: bool) {
        self.model.learn(text, spurious);
    }
}
