//! Normalising and matching what citizens type.
//!
//! Citizens type in Devanagari, Urdu script, romanised Hindi or English, on keyboards
//! that insert zero-width joiners and bidi marks. Matching therefore works on a folded
//! form: NFC, without format characters, lower-cased, punctuation turned into spaces,
//! whitespace collapsed. The folded form is used only for matching, never stored.

use unicode_normalization::UnicodeNormalization;

/// Folds `input` for matching: NFC, format characters (ZWJ, ZWNJ, bidi marks, BOM)
/// removed, lower case, punctuation as spaces, single spaces, trimmed.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfc() {
        if is_format_char(c) {
            continue;
        }
        if c.is_whitespace() || is_separator_punct(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Zero-width and bidi control characters: invisible, but they break equality.
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Punctuation that separates words; apostrophes are dropped inside words instead
/// ("don't" folds to "dont"), and the Devanagari danda ends a sentence.
fn is_separator_punct(c: char) -> bool {
    (c.is_ascii_punctuation() && c != '\'')
        || matches!(c, '।' | '॥' | '،' | '؟' | '۔' | '“' | '”' | '‘' | '…' | '•' | '›' | '‹')
}

/// `fold` with apostrophes removed, so "don't know" and "dont know" are equal.
pub fn fold_key(input: &str) -> String {
    fold(input).replace(['\'', '’'], "")
}

/// How well `input` names `candidate` (both already folded): 1.0 for equal, high for a
/// close spelling or a whole-word prefix, 0.0 for nothing in common.
pub fn similarity(input: &str, candidate: &str) -> f64 {
    if input.is_empty() || candidate.is_empty() {
        return 0.0;
    }
    if input == candidate {
        return 1.0;
    }
    let squashed_input: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let squashed_candidate: String = candidate.chars().filter(|c| !c.is_whitespace()).collect();
    if squashed_input == squashed_candidate {
        return 0.99;
    }
    let mut best = strsim::jaro_winkler(&squashed_input, &squashed_candidate);
    // A typed word that is one of the candidate's words ("kotwali" for "kotwali jaunpur").
    if input.chars().count() >= 3 && candidate.split(' ').any(|w| w == input) {
        best = best.max(0.93);
    }
    // A candidate that is a word of a longer typed phrase ("thana kerakat").
    if candidate.chars().count() >= 4 && input.split(' ').any(|w| w == candidate) {
        best = best.max(0.92);
    }
    best
}

/// The outcome of matching typed text against a set of options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// One option clearly fits.
    One(usize),
    /// Several fit about equally; offer them.
    Many(Vec<usize>),
    None,
}

/// The least similarity that counts as a match: below it, spellings are too far apart.
const MATCH_THRESHOLD: f64 = 0.86;
/// Candidates this close to the best are offered together.
const AMBIGUITY_MARGIN: f64 = 0.025;

/// Matches typed `input` against options, each with its names (any language, aliases).
pub fn best_match<'a, I, N>(input: &str, options: I) -> Match
where
    I: IntoIterator<Item = N>,
    N: IntoIterator<Item = &'a str>,
{
    let folded = fold_key(input);
    if folded.is_empty() {
        return Match::None;
    }
    let mut scored: Vec<(usize, f64)> = options
        .into_iter()
        .enumerate()
        .map(|(i, names)| {
            let score = names
                .into_iter()
                .map(|n| similarity(&folded, &fold_key(n)))
                .fold(0.0_f64, f64::max);
            (i, score)
        })
        .filter(|&(_, s)| s >= MATCH_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    match scored.as_slice() {
        [] => Match::None,
        [(only, _)] => Match::One(*only),
        [(first, s1), rest @ ..] => {
            let close: Vec<usize> = std::iter::once(*first)
                .chain(rest.iter().filter(|(_, s)| s1 - s < AMBIGUITY_MARGIN).map(|(i, _)| *i))
                .collect();
            if close.len() == 1 || *s1 >= 0.999 {
                Match::One(*first)
            } else {
                Match::Many(close)
            }
        }
    }
}

/// Truncates to at most `max` characters, ending with "…" when cut. WhatsApp counts
/// characters, and a title over its limit makes the whole message fail.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_joiners_and_case() {
        assert_eq!(fold("  Kotwali\u{200D}  JAUNPUR! "), "kotwali jaunpur");
        assert_eq!(fold("हो\u{200C} गया।"), "हो गया");
        // NFC: a decomposed nukta form equals the composed one.
        assert_eq!(fold("\u{0921}\u{093C}"), fold("\u{095C}"));
    }

    #[test]
    fn fold_key_drops_apostrophes() {
        assert_eq!(fold_key("Don't know"), "dont know");
        assert_eq!(fold_key("don’t  know"), "dont know");
    }

    #[test]
    fn matches_close_spellings_and_scripts() {
        let options = vec![
            vec!["Kerakat", "केराकत"],
            vec!["Kotwali Jaunpur", "कोतवाली जौनपुर", "kotwali"],
            vec!["Badlapur", "बदलापुर"],
        ];
        assert_eq!(best_match("kerakt", options.clone()), Match::One(0));
        assert_eq!(best_match("केराकत", options.clone()), Match::One(0));
        assert_eq!(best_match("KOTWALI", options.clone()), Match::One(1));
        assert_eq!(best_match("badlapur thana", options.clone()), Match::One(2));
        assert_eq!(best_match("xyz", options.clone()), Match::None);
        assert_eq!(best_match("", options), Match::None);
    }

    #[test]
    fn ambiguous_input_offers_candidates() {
        let options = vec![
            vec!["Mahila Thana Jaunpur"],
            vec!["Mahila Thana Ghazipur"],
            vec!["Kerakat"],
        ];
        match best_match("mahila thana", options) {
            Match::Many(found) => assert_eq!(found.len(), 2),
            other => panic!("expected two candidates, got {other:?}"),
        }
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("गौ तस्करी", 24), "गौ तस्करी");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        assert_eq!(clip("abcdefghij", 5).chars().count(), 5);
    }
}
