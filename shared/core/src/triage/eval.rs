//! Measuring a spurious-report filter: the figures `satark eval` prints.
//!
//! A filter is measured on held-out tips as given, and then again after it has been
//! taught the first k officer verdicts, because the filter's real job is to get better
//! from officers' decisions: a new scam wave should be caught after officers have marked
//! a few dozen of it.

use std::fmt;

use super::model::{Label, LabelledText};

/// The learning curve's points: verdicts taught before each measurement.
pub const CURVE: [usize; 4] = [0, 50, 100, 200];

/// Something that scores texts as spurious (0 to 1) and learns from verdicts.
pub trait SpamFilter: Clone {
    fn score(&self, text: &str) -> f64;
    fn learn(&mut self, text: &str, spurious: bool);
}

/// Precision, recall and F1 of one class; 0 where a ratio has nothing to divide by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Held-out texts that truly are of this class.
    pub support: usize,
}

/// A filter's figures on a held-out set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// A score at or above this is "spurious".
    pub threshold: f64,
    pub spurious: ClassMetrics,
    pub genuine: ClassMetrics,
    /// `[actual][predicted]`, 0 genuine and 1 spurious.
    pub confusion: [[usize; 2]; 2],
    /// Per language (sorted by code): the macro F1 (mean of the spurious and genuine
    /// F1, so hiding genuine tips counts as much as missing spam) and the texts.
    pub per_language: Vec<(String, f64, usize)>,
    /// Held-out spurious F1 after the filter was taught that many verdicts (in file
    /// order; capped at the verdicts there are).
    pub learning_curve: Vec<(usize, f64)>,
}

impl Evaluation {
    /// The mean of both classes' F1.
    pub fn macro_f1(&self) -> f64 {
        (self.spurious.f1 + self.genuine.f1) / 2.0
    }
}

/// Measures `filter` on `heldout` at `threshold`, and the learning curve: for each k in
/// `curve_points`, a clone taught the first k `verdicts`, measured again (spurious F1).
pub fn evaluate<F: SpamFilter>(
    filter: &F,
    heldout: &[LabelledText],
    verdicts: &[LabelledText],
    threshold: f64,
    curve_points: &[usize],
) -> Evaluation {
    let predictions: Vec<(bool, bool)> = heldout
        .iter()
        .map(|t| (t.label == Label::Spurious, filter.score(&t.text) >= threshold))
        .collect();
    let confusion = confusion_of(&predictions);

    let mut langs: Vec<&str> = heldout.iter().map(|t| t.lang.as_str()).collect();
    langs.sort_unstable();
    langs.dedup();
    let per_language = langs
        .into_iter()
        .map(|lang| {
            let subset: Vec<(bool, bool)> = heldout
                .iter()
                .zip(&predictions)
                .filter(|(t, _)| t.lang == lang)
                .map(|(_, p)| *p)
                .collect();
            let c = confusion_of(&subset);
            let f1 = (class_metrics(&c, 1).f1 + class_metrics(&c, 0).f1) / 2.0;
            (lang.to_string(), f1, subset.len())
        })
        .collect();

    let learning_curve = curve_points
        .iter()
        .map(|&k| {
            let k = k.min(verdicts.len());
            let mut taught = filter.clone();
            for v in &verdicts[..k] {
                taught.learn(&v.text, v.label == Label::Spurious);
            }
            let predictions: Vec<(bool, bool)> = heldout
                .iter()
                .map(|t| (t.label == Label::Spurious, taught.score(&t.text) >= threshold))
                .collect();
            (k, class_metrics(&confusion_of(&predictions), 1).f1)
        })
        .collect();

    Evaluation {
        threshold,
        spurious: class_metrics(&confusion, 1),
        genuine: class_metrics(&confusion, 0),
        confusion,
        per_language,
        learning_curve,
    }
}

fn confusion_of(predictions: &[(bool, bool)]) -> [[usize; 2]; 2] {
    let mut c = [[0usize; 2]; 2];
    for &(actual, predicted) in predictions {
        c[usize::from(actual)][usize::from(predicted)] += 1;
    }
    c
}

fn class_metrics(c: &[[usize; 2]; 2], class: usize) -> ClassMetrics {
    let other = 1 - class;
    let tp = c[class][class] as f64;
    let predicted = tp + c[other][class] as f64;
    let support = c[class][class] + c[class][other];
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let precision = ratio(tp, predicted);
    let recall = ratio(tp, support as f64);
    let f1 = ratio(2.0 * precision * recall, precision + recall);
    ClassMetrics {
        precision,
        recall,
        f1,
        support,
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.confusion.iter().flatten().sum();
        writeln!(
            f,
            "Spurious-report filter on {total} held-out reports, threshold {:.2}",
            self.threshold
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<10} {:>9} {:>7} {:>7} {:>8}",
            "class", "precision", "recall", "f1", "support"
        )?;
        for (name, m) in [("spurious", &self.spurious), ("genuine", &self.genuine)] {
            writeln!(
                f,
                "{name:<10} {:>9.3} {:>7.3} {:>7.3} {:>8}",
                m.precision, m.recall, m.f1, m.support
            )?;
        }
        writeln!(f, "{:<10} {:>9} {:>7} {:>7.3}", "macro", "", "", self.macro_f1())?;
        writeln!(f)?;
        writeln!(f, "confusion (rows: actual, columns: predicted)")?;
        writeln!(f, "{:<10} {:>9} {:>9}", "", "genuine", "spurious")?;
        for (name, row) in [("genuine", self.confusion[0]), ("spurious", self.confusion[1])] {
            writeln!(f, "{name:<10} {:>9} {:>9}", row[0], row[1])?;
        }
        writeln!(f)?;
        writeln!(f, "per language (macro F1 of both classes)")?;
        for (lang, f1, n) in &self.per_language {
            writeln!(f, "{lang:<10} {f1:>7.3} {n:>6} reports")?;
        }
        writeln!(f)?;
        writeln!(f, "learning curve (held-out spurious F1 after k officer verdicts)")?;
        for (k, f1) in &self.learning_curve {
            writeln!(f, "k = {k:<6} {f1:>7.3}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls a text spurious if it contains a word it was taught as spurious.
    #[derive(Clone, Default)]
    struct WordFilter(Vec<String>);

    impl SpamFilter for WordFilter {
        fn score(&self, text: &str) -> f64 {
            if self.0.iter().any(|w| text.split(' ').any(|t| t == w)) {
                1.0
            } else {
                0.0
            }
        }
        fn learn(&mut self, text: &str, spurious: bool) {
            if spurious {
                self.0.extend(text.split(' ').map(str::to_string));
            }
        }
    }

    fn t(text: &str, spurious: bool, lang: &str) -> LabelledText {
        LabelledText {
            text: text.into(),
            label: if spurious { Label::Spurious } else { Label::Genuine },
            lang: lang.into(),
            kind: "x".into(),
        }
    }

    #[test]
    fn metrics_and_curve() {
        let filter = WordFilter(vec!["spam".into()]);
        let heldout = vec![
            t("spam one", true, "en"),
            t("lottery two", true, "en"),
            t("liquor three", false, "hi"),
            t("spam liquor", false, "hi"),
        ];
        let verdicts = vec![t("lottery", true, "en"), t("x", true, "en")];
        let e = evaluate(&filter, &heldout, &verdicts, 0.5, &[0, 1, 10]);
        assert_eq!(e.confusion, [[1, 1], [1, 1]]);
        assert_eq!(e.spurious.precision, 0.5);
        assert_eq!(e.spurious.recall, 0.5);
        assert_eq!(e.spurious.support, 2);
        assert_eq!(e.genuine.support, 2);
        assert_eq!(e.per_language.len(), 2);
        assert_eq!(e.per_language[0].0, "en");
        assert_eq!(e.learning_curve[0], (0, 0.5));
        // One verdict ("lottery") catches the second spam: recall 1, precision 2/3.
        assert!((e.learning_curve[1].1 - 0.8).abs() < 1e-9);
        // Asking for more verdicts than exist teaches all of them.
        assert_eq!(e.learning_curve[2].0, 2);
        let report = e.to_string();
        assert!(report.contains("learning curve") && report.contains("confusion"));
    }

    #[test]
    fn empty_sets_give_zeros_not_nan() {
        let e = evaluate(&WordFilter::default(), &[], &[], 0.5, &CURVE);
        assert_eq!(e.spurious.f1, 0.0);
        assert!(e.learning_curve.iter().all(|(_, f1)| *f1 == 0.0));
    }
}
