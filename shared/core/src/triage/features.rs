//! Hashed text features for the learned spurious-report filter.
//!
//! A tip becomes a sparse vector: character n-grams (2 to 4 characters, counted on
//! `char`s, so Devanagari, Urdu script and Latin are treated alike), word unigrams and
//! bigrams, and a few coarse shape features (length, share of digits, share of each
//! script, a URL, long runs of one character). Each feature is hashed into one of
//! [`DIMENSIONS`] slots.
//!
//! The hash is a hand-written FNV-1a 64 with a distinct prefix per feature family, not
//! std's `DefaultHasher`: model parameters are stored (a database row, an S3 object) and
//! must mean the same thing on every platform and Rust version, forever. A change to
//! anything here that moves an index invalidates every stored model; the test
//! `indices_are_pinned` exists to catch that. Values use only `+`, `*`, `/` and `sqrt`,
//! which IEEE 754 rounds exactly, so they are bit-identical everywhere too.
//!
//! Only the first [`MAX_CHARS`] characters of a text are used: the first few thousand
//! characters of a tip say whether it is spam, and a 160 KiB paste must cost bounded
//! time.

use crate::text::fold;

/// Bits of the hashed feature space. Part of the stored model format.
pub const FEATURE_BITS: u32 = 15;
/// Slots in the hashed feature space (32,768).
pub const DIMENSIONS: usize = 1 << FEATURE_BITS;
/// Characters of a text that are looked at; the rest is ignored.
pub const MAX_CHARS: usize = 4_000;

const MASK: u32 = (DIMENSIONS as u32) - 1;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Feature families: the byte each family's hash starts with, so that a word and a
/// character n-gram with the same spelling land in different slots.
const CHAR_GRAM: u8 = b'c';
const WORD: u8 = b'w';
const BIGRAM: u8 = b'b';
const SHAPE: u8 = b's';

/// How much each family counts once each is normalised on its own: character n-grams
/// carry spelling variation ("sharab", "sharaab"), words carry meaning, shape carries
/// what a one-word or keyboard-mash message looks like. Shape is kept light: length
/// alone says little (short tips are genuine too), and a heavy shape family made the
/// model call every short message spam. Chosen by cross-validation on the training set
/// (see `data/triage/README.md`).
const CHAR_WEIGHT: f32 = 1.0;
const WORD_WEIGHT: f32 = 1.2;
const BIGRAM_WEIGHT: f32 = 0.5;
const SHAPE_WEIGHT: f32 = 0.3;

/// FNV-1a 64, fed byte by byte. Stable by construction: the constants are the published
/// ones and nothing depends on the platform.
struct Fnv(u64);

impl Fnv {
    fn new(family: u8) -> Fnv {
        let mut h = Fnv(FNV_OFFSET);
        h.byte(family);
        h.byte(0xff);
        h
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(FNV_PRIME);
    }

    fn bytes(&mut self, bs: &[u8]) {
        for &b in bs {
            self.byte(b);
        }
    }

    fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes());
    }

    /// The slot: the 64-bit hash folded to 32 bits, then masked.
    fn index(&self) -> u32 {
        ((self.0 ^ (self.0 >> 32)) as u32) & MASK
    }
}

/// The hashed features of a tip: `(index, value)` sorted by index, each index once,
/// L2-normalised. A blank text has no features; a text of only punctuation still has
/// shape features (it says something: that nothing was said).
pub fn features(text: &str) -> Vec<(u32, f32)> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let capped = cap(text);
    let folded = normalise_digits(&fold(capped));
    let chars: Vec<char> = folded.chars().collect();
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();

    let mut out = Vec::new();
    push_family(&mut out, char_grams(&chars), CHAR_WEIGHT);
    push_family(&mut out, words.iter().map(|w| word_index(w)).collect(), WORD_WEIGHT);
    push_family(
        &mut out,
        words.windows(2).map(|p| bigram_index(p[0], p[1])).collect(),
        BIGRAM_WEIGHT,
    );
    push_family(&mut out, shape(capped, &chars, words.len()), SHAPE_WEIGHT);
    let mut merged = merge(out);
    normalise(&mut merged);
    merged
}

/// The slots a single word contributes (its unigram and the character n-grams inside
/// it, boundary markers included), for explaining a score in words.
pub fn word_feature_indices(word: &str) -> Vec<u32> {
    let folded = normalise_digits(&fold(cap(word)));
    let mut out: Vec<u32> = Vec::new();
    for w in folded.split(' ').filter(|w| !w.is_empty()) {
        let mut padded = vec![' '];
        padded.extend(w.chars());
        padded.push(' ');
        out.extend(char_grams(&padded));
        out.push(word_index(w));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The first [`MAX_CHARS`] characters of `text`.
fn cap(text: &str) -> &str {
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Every decimal digit (ASCII, Devanagari, Arabic-Indic, Extended Arabic-Indic) becomes
/// `0`: "500 rupees" and "300 rupees" are the same kind of message.
fn normalise_digits(s: &str) -> String {
    s.chars().map(|c| if is_digit(c) { '0' } else { c }).collect()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
        || ('\u{0966}'..='\u{096F}').contains(&c)
        || ('\u{0660}'..='\u{0669}').contains(&c)
        || ('\u{06F0}'..='\u{06F9}').contains(&c)
}

/// Character 2- to 4-grams over the text with a space at each end, so word starts and
/// ends are marked (`" sh"`, `"ab "`); grams that are only a space are skipped.
fn char_grams(chars: &[char]) -> Vec<u32> {
    let mut padded: Vec<char> = Vec::with_capacity(chars.len() + 2);
    if chars.first() != Some(&' ') {
        padded.push(' ');
    }
    padded.extend_from_slice(chars);
    if padded.last() != Some(&' ') {
        padded.push(' ');
    }
    let mut out = Vec::with_capacity(padded.len() * 3);
    for n in 2..=4usize {
        for gram in padded.windows(n) {
            let mut h = Fnv::new(CHAR_GRAM);
            for &c in gram {
                h.char(c);
            }
            out.push(h.index());
        }
    }
    out
}

fn word_index(word: &str) -> u32 {
    let mut h = Fnv::new(WORD);
    h.bytes(word.as_bytes());
    h.index()
}

fn bigram_index(a: &str, b: &str) -> u32 {
    let mut h = Fnv::new(BIGRAM);
    h.bytes(a.as_bytes());
    h.byte(0x1f);
    h.bytes(b.as_bytes());
    h.index()
}

fn shape_index(name: &str, bucket: usize) -> u32 {
    let mut h = Fnv::new(SHAPE);
    h.bytes(name.as_bytes());
    h.byte(b':');
    h.bytes(bucket.to_string().as_bytes());
    h.index()
}

/// Coarse shape of the message, each as one bucketed indicator.
fn shape(raw: &str, chars: &[char], word_count: usize) -> Vec<u32> {
    let visible: Vec<char> = chars.iter().copied().filter(|c| *c != ' ').collect();
    let total = visible.len();
    let mut out = vec![
        shape_index("len", bucket(total, &[0, 4, 12, 30, 80, 200])),
        shape_index("words", bucket(word_count, &[0, 1, 2, 5, 12, 30])),
    ];
    if total == 0 {
        return out;
    }
    let digits = visible.iter().filter(|c| **c == '0').count();
    out.push(shape_index("digits", share_bucket(digits, total, &[0.0, 0.1, 0.3])));

    let (mut latin, mut devanagari, mut arabic) = (0usize, 0usize, 0usize);
    for &c in &visible {
        match script(c) {
            Script::Latin => latin += 1,
            Script::Devanagari => devanagari += 1,
            Script::Arabic => arabic += 1,
            Script::Other => {}
        }
    }
    let letters = latin + devanagari + arabic;
    out.push(shape_index("letters", share_bucket(letters, total, &[0.0, 0.5, 0.8])));
    if letters > 0 {
        let quarter = |n: usize| share_bucket(n, letters, &[0.0, 0.34, 0.67, 0.99]);
        out.push(shape_index("latin", quarter(latin)));
        out.push(shape_index("devanagari", quarter(devanagari)));
        out.push(shape_index("arabic", quarter(arabic)));
    }
    if has_url(raw) {
        out.push(shape_index("url", 1));
    }
    let repeated = repeated_run_chars(&visible);
    out.push(shape_index("repeat", share_bucket(repeated, total, &[0.0, 0.2, 0.5])));
    if visible.iter().any(|c| is_pictograph(*c)) {
        out.push(shape_index("emoji", 1));
    }
    out
}

/// The index of the first limit `n` does not exceed, or one past the last.
fn bucket(n: usize, limits: &[usize]) -> usize {
    limits.iter().position(|&l| n <= l).unwrap_or(limits.len())
}

/// Like [`bucket`] for the share `part / whole` (`whole > 0`).
fn share_bucket(part: usize, whole: usize, limits: &[f64]) -> usize {
    let share = part as f64 / whole as f64;
    limits.iter().position(|&l| share <= l).unwrap_or(limits.len())
}

enum Script {
    Latin,
    Devanagari,
    Arabic,
    Other,
}

fn script(c: char) -> Script {
    if c.is_ascii_alphabetic() || (c.is_alphabetic() && ('\u{00C0}'..='\u{024F}').contains(&c)) {
        Script::Latin
    } else if ('\u{0900}'..='\u{097F}').contains(&c) || ('\u{A8E0}'..='\u{A8FF}').contains(&c) {
        Script::Devanagari
    } else if ('\u{0600}'..='\u{06FF}').contains(&c)
        || ('\u{0750}'..='\u{077F}').contains(&c)
        || ('\u{FB50}'..='\u{FDFF}').contains(&c)
        || ('\u{FE70}'..='\u{FEFF}').contains(&c)
    {
        Script::Arabic
    } else {
        Script::Other
    }
}

/// A link in the raw text: a scheme, `www.`, or a word ending in a common top-level
/// domain. Looked for before folding, which turns `.` and `/` into spaces.
fn has_url(raw: &str) -> bool {
    const TLDS: [&str; 9] = [
        ".com", ".in", ".net", ".org", ".xyz", ".info", ".app", ".link", ".example",
    ];
    raw.split_whitespace().any(|token| {
        let t = token.to_ascii_lowercase();
        let t = t.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != '/');
        t.contains("http://")
            || t.contains("https://")
            || t.starts_with("www.")
            || TLDS
                .iter()
                .any(|tld| t.len() > tld.len() + 1 && (t.ends_with(tld) || t.contains(&format!("{tld}/"))))
    })
}

/// Characters in runs of three or more of the same character ("hhhhh", "!!!" is gone
/// by then): keyboard mash and stretched greetings.
fn repeated_run_chars(visible: &[char]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < visible.len() {
        let mut j = i + 1;
        while j < visible.len() && visible[j] == visible[i] {
            j += 1;
        }
        if j - i >= 3 {
            total += j - i;
        }
        i = j;
    }
    total
}

fn is_pictograph(c: char) -> bool {
    ('\u{1F300}'..='\u{1FAFF}').contains(&c) || ('\u{2600}'..='\u{27BF}').contains(&c)
}

/// One family's indices, counted, damped by a square root (a word said five times is not
/// five times the evidence), normalised to unit length and weighted.
fn push_family(out: &mut Vec<(u32, f32)>, mut indices: Vec<u32>, weight: f32) {
    if indices.is_empty() {
        return;
    }
    indices.sort_unstable();
    let mut counted: Vec<(u32, f32)> = Vec::new();
    for idx in indices {
        match counted.last_mut() {
            Some((last, count)) if *last == idx => *count += 1.0,
            _ => counted.push((idx, 1.0)),
        }
    }
    for (_, v) in counted.iter_mut() {
        *v = v.sqrt();
    }
    normalise(&mut counted);
    out.extend(counted.into_iter().map(|(i, v)| (i, v * weight)));
}

/// Sorts by index and sums values that share one (families may collide).
fn merge(mut items: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    // A stable sort keeps each index's values in generation order, so the sums are
    // the same on every run.
    items.sort_by_key(|(i, _)| *i);
    let mut merged: Vec<(u32, f32)> = Vec::with_capacity(items.len());
    for (idx, v) in items {
        match merged.last_mut() {
            Some((last, sum)) if *last == idx => *sum += v,
            _ => merged.push((idx, v)),
        }
    }
    merged
}

fn normalise(v: &mut [(u32, f32)]) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(v: &[(u32, f32)]) -> f32 {
        v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn blank_text_has_no_features() {
        assert!(features("").is_empty());
        assert!(features("   \n\t").is_empty());
    }

    #[test]
    fn punctuation_only_has_shape_features() {
        let f = features("...");
        assert!(!f.is_empty());
        assert!((norm(&f) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn sorted_unique_normalised() {
        for text in [
            "कच्ची शराब",
            "gaon me sharab bik rahi hai",
            "گاؤں میں کچی شراب",
            "call 98XXXXXX11 now!!!",
        ] {
            let f = features(text);
            assert!(f.windows(2).all(|p| p[0].0 < p[1].0), "{text}");
            assert!(
                f.iter()
                    .all(|(i, v)| (*i as usize) < DIMENSIONS && v.is_finite() && *v > 0.0)
            );
            assert!((norm(&f) - 1.0).abs() < 1e-4, "{text}");
        }
    }

    #[test]
    fn folding_makes_variants_equal() {
        assert_eq!(features("Sharab  BECH raha hai!"), features("sharab bech raha hai"));
        assert_eq!(features("हो\u{200C} गया।"), features("हो गया"));
    }

    #[test]
    fn digits_are_one_class() {
        assert_eq!(features("rs 500 do"), features("rs 300 do"));
        assert_eq!(features("५०० रुपये"), features("300 रुपये"));
    }

    #[test]
    fn only_the_first_chars_count() {
        let head: String = "शराब ".repeat(MAX_CHARS / 5);
        let head: String = head.chars().take(MAX_CHARS).collect();
        let longer = format!("{head}{}", "zzzz qqqq ".repeat(10_000));
        assert_eq!(features(&head), features(&longer));
    }

    #[test]
    fn urls_are_seen() {
        assert!(has_url("visit www.khelo.example today"));
        assert!(has_url("go to http://x.example/login"));
        assert!(has_url("site cheap-loan.example."));
        assert!(!has_url("gaon me sharab. bik rahi hai"));
        assert!(!has_url("8.30 baje"));
    }

    #[test]
    fn repeated_runs_are_counted() {
        let v: Vec<char> = "hhhhab".chars().collect();
        assert_eq!(repeated_run_chars(&v), 4);
        let v: Vec<char> = "abab".chars().collect();
        assert_eq!(repeated_run_chars(&v), 0);
    }

    #[test]
    fn word_indices_are_among_the_text_features() {
        let f: Vec<u32> = features("kacchi sharab").into_iter().map(|(i, _)| i).collect();
        for i in word_feature_indices("sharab") {
            assert!(f.binary_search(&i).is_ok());
        }
    }

    /// Stored models depend on these numbers. If this fails, the hashing or weighting
    /// changed: every stored model must be retrained and the model format version bumped.
    #[test]
    fn indices_are_pinned() {
        let f = features("कच्ची शराब");
        let first: Vec<u32> = f.iter().take(6).map(|(i, _)| *i).collect();
        assert_eq!(first, [501, 1087, 1379, 3896, 6432, 6477]);
        assert_eq!(f.len(), 41);
        assert!((f[0].1 - 0.109_500_73).abs() < 1e-6, "{}", f[0].1);
    }
}
