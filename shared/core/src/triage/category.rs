//! Category suggestions: "this looks like illicit liquor, not 'something else'".
//!
//! Informants pick a category from a list on a phone, often the last one ("something
//! else") or a wrong neighbour. The suggestion is shown to officers, who decide; it
//! never changes the category by itself. Evidence for a category is its names in every
//! language, its `aka` spellings and its `keywords` from the range file, matched on
//! folded, loosened words (see [`super::rules`]).

use super::rules::{Lexicon, Words};
use crate::range::{Category, RangeConfig};
use std::collections::HashSet;

/// The id of the catch-all category in the range file; it is never suggested.
pub const OTHER_CATEGORY: &str = "other";
/// Least evidence to suggest a category over a chosen, real one.
pub const MIN_SWITCH_EVIDENCE: u32 = 2;
/// How much more evidence than the chosen category's own a suggestion needs.
pub const SWITCH_MARGIN: u32 = 2;

/// A suggested category id, when the informant chose "other" (or an id the range does
/// not know) and the text points to one category, or when the text clearly names a
/// different category than the chosen one. `None` when the choice stands.
pub fn suggest_category(text: &str, chosen: &str, range: &RangeConfig) -> Option<String> {
    let words = Words::new(text).loose;
    let mut scores: Vec<(&Category, u32)> = range
        .categories
        .iter()
        .filter(|c| c.id != OTHER_CATEGORY)
        .map(|c| (c, evidence(c, &words)))
        .collect();
    let chosen_score = scores.iter().find(|(c, _)| c.id == chosen).map(|(_, s)| *s);
    // Stable: equal scores keep the range file's order.
    scores.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    let (best, best_score) = *scores.first()?;
    let runner_up = scores.get(1).map_or(0, |(_, s)| *s);
    if best_score == 0 || best.id == chosen {
        return None;
    }
    let suggest = match chosen_score {
        // "other", or a category the range no longer has: the clear leader, if any.
        None => best_score > runner_up,
        Some(own) => best_score >= MIN_SWITCH_EVIDENCE && best_score >= own + SWITCH_MARGIN && best_score > runner_up,
    };
    suggest.then(|| best.id.clone())
}

/// The evidence for one category in `words`: each distinct term found counts 1, a
/// name or a phrase of several words 2 (it is more specific).
fn evidence(category: &Category, words: &[String]) -> u32 {
    let names: Vec<&str> = [
        Some(category.name.en.as_str()),
        category.name.hi.as_deref(),
        category.name.ur.as_deref(),
    ]
    .into_iter()
    .flatten()
    // "Robbery / theft", "जुआ / सट्टा": each side is a name.
    .flat_map(|n| n.split('/'))
    .map(str::trim)
    .filter(|n| !n.is_empty())
    .collect();
    let others: Vec<&str> = category
        .aka
        .iter()
        .chain(&category.keywords)
        .map(String::as_str)
        .collect();
    let lexicon = Lexicon::new(names.iter().chain(&others));
    let weight = |t: usize| {
        let entry = if t < names.len() {
            names[t]
        } else {
            others[t - names.len()]
        };
        if t < names.len() || entry.split_whitespace().count() > 1 {
            2
        } else {
            1
        }
    };
    let mut found = lexicon.find(words);
    found.sort_by_key(|f| std::cmp::Reverse(weight(f.term)));
    // Each term counts once, and each stretch of words once: "sharab sharab" is no
    // more evidence than "sharab", nor a name that is also an `aka` twice the evidence.
    let mut terms = HashSet::new();
    let mut spans = HashSet::new();
    found
        .into_iter()
        .filter(|f| terms.insert(f.term) && spans.insert((f.start, f.len)))
        .map(|f| weight(f.term))
        .sum()
}
