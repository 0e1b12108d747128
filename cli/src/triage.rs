//! `satark classify` and `satark eval`: the classifier's text scoring and its
//! figures, for operators. The same code as the classifier
//! ([`satark_core::triage::score_text`]).

use satark_core::range::RangeConfig;
use satark_core::triage::eval::{CURVE, Evaluation, evaluate};
use satark_core::triage::model::{HELDOUT_JSONL, TRAIN_JSONL, TextModel, VERDICTS_JSONL, load_jsonl};
use satark_core::triage::{ClassifierFilter, SPURIOUS_THRESHOLD, category, score_text};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// The bar `satark eval` holds the shipped filter to (on the held-out set).
pub const MIN_SPURIOUS_PRECISION: f64 = 0.90;
pub const MIN_SPURIOUS_RECALL: f64 = 0.80;

#[derive(Debug, thiserror::Error)]
pub enum TriageCommandError {
    #[error("{path}: {reason}")]
    Verdicts { path: String, reason: String },
    #[error("reading standard input: {0}")]
    Input(std::io::Error),
    #[error("writing standard output: {0}")]
    Output(std::io::Error),
    #[error("the shipped data: {0}")]
    Data(String),
    #[error("range: {0}")]
    Range(String),
}

#[derive(Deserialize)]
struct ClassifyLine {
    #[serde(default)]
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct Classified<'a> {
    id: &'a serde_json::Value,
    spurious_score: f64,
    spurious: bool,
    reasons: Vec<String>,
    category: Option<String>,
}

#[derive(Serialize)]
struct Refused<'a> {
    id: &'a serde_json::Value,
    error: String,
}

#[derive(Deserialize)]
struct VerdictLine {
    text: String,
    verdict: String,
}

/// Applies a file of `{"text", "verdict"}` lines to `model`, in memory. Returns how
/// many were learned (duplicates teach nothing about words).
pub fn learn_verdicts(model: &mut TextModel, path: &std::path::Path) -> Result<usize, TriageCommandError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TriageCommandError::Verdicts {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let mut learned = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |reason: String| TriageCommandError::Verdicts {
            path: shown.clone(),
            reason: format!("line {}: {reason}", n + 1),
        };
        let v: VerdictLine = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        match v.verdict.as_str() {
            "genuine" => model.learn(&v.text, false),
            "spurious" => model.learn(&v.text, true),
            "duplicate" => continue,
            other => {
                return Err(fail(format!(
                    "unknown verdict {other:?} (genuine, spurious, duplicate)"
                )));
            }
        }
        learned += 1;
    }
    Ok(learned)
}

/// Reads `{"id", "text"}` lines and writes one result line per input line, in order.
/// A line that cannot be read gets an `{"id", "error"}` line, and the rest go on.
pub fn classify(
    input: impl BufRead,
    mut output: impl Write,
    model: &TextModel,
    range: &RangeConfig,
) -> Result<(), TriageCommandError> {
    let none = serde_json::Value::Null;
    for line in input.lines() {
        let line = line.map_err(TriageCommandError::Input)?;
        if line.trim().is_empty() {
            continue;
        }
        let written = match serde_json::from_str::<ClassifyLine>(&line) {
            Ok(item) => {
                let scored = score_text(model, &item.text, 0, &[]);
                serde_json::to_string(&Classified {
                    id: &item.id,
                    spurious_score: (scored.score * 1000.0).round() / 1000.0,
                    spurious: scored.spurious,
                    reasons: scored.reasons.into_iter().map(|r| r.text).collect(),
                    category: category::suggest_category(&item.text, "other", range),
                })
            }
            Err(e) => serde_json::to_string(&Refused {
                id: &none,
                error: format!("not a {{\"id\", \"text\"}} line: {e}"),
            }),
        };
        let written = written.map_err(|e| TriageCommandError::Output(std::io::Error::other(e)))?;
        writeln!(output, "{written}").map_err(TriageCommandError::Output)?;
    }
    output.flush().map_err(TriageCommandError::Output)
}

/// Trains on the shipped training set and evaluates on the held-out set, with the
/// learning curve over the shipped verdicts.
pub fn evaluation() -> Result<Evaluation, TriageCommandError> {
    let data = |name: &str, text: &str| load_jsonl(text).map_err(|e| TriageCommandError::Data(format!("{name}: {e}")));
    let train = data("train.jsonl", TRAIN_JSONL)?;
    let heldout = data("heldout.jsonl", HELDOUT_JSONL)?;
    let verdicts = data("verdicts.jsonl", VERDICTS_JSONL)?;
    let filter = ClassifierFilter::new(TextModel::train(&train));
    Ok(evaluate(&filter, &heldout, &verdicts, SPURIOUS_THRESHOLD, &CURVE))
}

/// What of the bar an evaluation misses (empty: it passes).
pub fn shortfalls(e: &Evaluation) -> Vec<String> {
    let mut out = vec![];
    if e.spurious.precision < MIN_SPURIOUS_PRECISION {
        out.push(format!(
            "spurious precision {:.3} is below {MIN_SPURIOUS_PRECISION}",
            e.spurious.precision
        ));
    }
    if e.spurious.recall < MIN_SPURIOUS_RECALL {
        out.push(format!(
            "spurious recall {:.3} is below {MIN_SPURIOUS_RECALL}",
            e.spurious.recall
        ));
    }
    let at = |k: usize| e.learning_curve.iter().find(|(n, _)| *n == k).map(|(_, f)| *f);
    match (at(0), at(200)) {
        (Some(before), Some(after)) if after > before => {}
        (before, after) => out.push(format!(
            "200 verdicts did not improve held-out F1 ({before:?} -> {after:?})"
        )),
    }
    out
}
