//! Near-duplicate text (SimHash) and images (the stored dHash).
//!
//! The same tip arrives more than once: an informant resends it, a group forwards it,
//! neighbours copy it with a word changed. Duplicates are linked, not merged, and
//! independent near copies raise corroboration. A 64-bit SimHash per report is stored
//! beside it, so comparing is a Hamming distance, not a scan of texts.
//!
//! **The hash is stored, so it must never change.** The normalisation here is frozen
//! and deliberately does not call [`crate::text::fold`] or the rules' loosening, which
//! may be improved later: changing anything below changes every stored hash (that would
//! need a new hash version and a re-index).

use unicode_normalization::UnicodeNormalization;

/// Texts whose SimHashes differ in at most this many of 64 bits are near duplicates.
///
/// Chosen by measurement (the calibration test in `tests/triage_rules.rs`): over
/// generated tips in four languages, a copy with changed case, punctuation, emoji and
/// a "Forwarded" tag is within 13 bits 99% of the time, one changed word 98%, one
/// dropped word 99%, a dropped or added space always; two changed words 70%. Different
/// tips built from the same sentence frames, the same crime and the same district
/// (harder than real tips, which do not share frames) fall within 13 bits about 0.6%
/// of the time. Hand-written different tips about liquor in one district stay 20 or
/// more bits apart.
pub const NEAR_DUPLICATE_BITS: u32 = 13;

/// Images whose difference hashes differ in at most this many of 64 bits are near
/// duplicates. A forwarded photo is rescaled and recompressed, which moves a dHash by a
/// few bits; about 10 is the usual bound before different pictures start to match.
pub const IMAGE_NEAR_DUPLICATE_BITS: u32 = 10;

/// A difference hash with fewer set bits than this (or more than `64 -` this) comes
/// from a nearly flat picture (a dark night shot, a blank screen), and all such
/// pictures look alike to the hash.
pub const IMAGE_MIN_DETAIL_BITS: u32 = 6;

/// Fewer words than this are too little to link ("sharab", "daru bik rahi hai").
pub const MIN_WORDS_TO_COMPARE: usize = 4;
/// Fewer letters and digits than this are too little to link.
pub const MIN_CHARS_TO_COMPARE: usize = 16;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64-bit: tiny, fast, and fixed by its published constants (the hash is stored).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(FNV_OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// The frozen word normalisation: NFC, lower case, words of letters, digits and
/// Indic/Arabic marks, digits as ASCII, nukta dropped, candrabindu as anusvara, Arabic
/// letter variants as Urdu forms, harakat dropped, doubled Latin letters single.
fn normal_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut last: Option<char> = None;
    for c in text.nfc() {
        if matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}' | '\'' | '’')
        {
            continue;
        }
        if !is_word_char(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            last = None;
            continue;
        }
        for lower in c.to_lowercase() {
            let mapped = match lower {
                '\u{093C}' | '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
                '\u{0901}' => '\u{0902}',
                'ي' | 'ى' => 'ی',
                'ك' => 'ک',
                'ه' | 'ة' | 'ۃ' => 'ہ',
                'أ' | 'إ' | 'ٱ' => 'ا',
                'ۓ' => 'ے',
                other => match digit(other) {
                    Some(d) => char::from(b'0' + d),
                    None => other,
                },
            };
            if mapped.is_ascii_lowercase() && last == Some(mapped) {
                continue;
            }
            current.push(mapped);
            last = Some(mapped);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Frozen: letters, digits and Devanagari/Arabic marks make words.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\u{0900}'..='\u{0963}' | '\u{0966}'..='\u{096F}' | '\u{0971}'..='\u{097F}')
        || matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

/// Frozen: decimal digits in ASCII, Devanagari and Arabic-Indic scripts.
fn digit(c: char) -> Option<u8> {
    let base = match c {
        '0'..='9' => '0',
        '\u{0966}'..='\u{096F}' => '\u{0966}',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}',
        _ => return None,
    };
    u8::try_from(c as u32 - base as u32).ok()
}

/// Characters in a character shingle. Shorter shingles are shared by any two texts in
/// one language (Hindi's "के ", "है", Urdu's "کے "): with 3-grams, different tips about
/// the same crime fell within the threshold 16-28% of the time; with 5-grams about 1%.
const CHAR_SHINGLE: usize = 5;
/// Votes of one character shingle against one word or word pair: there are about four
/// times as many character shingles, and they carry spelling and spacing variants.
const CHAR_WEIGHT: i64 = 3;

/// The 64-bit SimHash of `text`: votes of word unigrams, word bigrams (shingles) and
/// character 5-grams over the words with their spaces removed (so "थानेके पीछे" and
/// "थाने के पीछे" share them). Each feature votes with its FNV-1a hash, tagged by kind;
/// a bit is set where the votes for it outweigh those against. No words hash to 0.
pub fn simhash(text: &str) -> u64 {
    let words = normal_words(text);
    if words.is_empty() {
        return 0;
    }
    let mut votes = [0i64; 64];
    let mut bytes = Vec::new();
    let mut vote = |kind: u8, feature: &str, weight: i64| {
        bytes.clear();
        bytes.push(kind);
        bytes.extend_from_slice(feature.as_bytes());
        let h = fnv1a64(&bytes);
        for (bit, v) in votes.iter_mut().enumerate() {
            *v += if h >> bit & 1 == 1 { weight } else { -weight };
        }
    };
    for w in &words {
        vote(b'w', w, 1);
    }
    for pair in words.windows(2) {
        vote(b'b', &format!("{} {}", pair[0], pair[1]), 1);
    }
    let letters: Vec<char> = words.iter().flat_map(|w| w.chars()).collect();
    let mut gram = String::new();
    for shingle in letters.windows(CHAR_SHINGLE) {
        gram.clear();
        gram.extend(shingle);
        vote(b'c', &gram, CHAR_WEIGHT);
    }
    votes
        .iter()
        .enumerate()
        .fold(0u64, |h, (bit, &v)| if v > 0 { h | 1 << bit } else { h })
}

/// Bits that differ.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether two stored text hashes are near duplicates. A zero hash (no words) is
/// never a near duplicate of anything. Callers should also skip texts for which
/// [`too_short_to_compare`] holds.
pub fn near_duplicate_text(a: u64, b: u64) -> bool {
    a != 0 && b != 0 && hamming(a, b) <= NEAR_DUPLICATE_BITS
}

/// Whether two stored perceptual hashes (16 hex digits, the media crate's dHash) are
/// near duplicates. Malformed hashes and nearly flat pictures never match.
pub fn near_duplicate_image(a_hex: &str, b_hex: &str) -> bool {
    let parse = |s: &str| {
        let s = s.trim();
        (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
    };
    let detailed = |h: u64| (IMAGE_MIN_DETAIL_BITS..=64 - IMAGE_MIN_DETAIL_BITS).contains(&h.count_ones());
    match (parse(a_hex), parse(b_hex)) {
        (Some(a), Some(b)) => detailed(a) && detailed(b) && hamming(a, b) <= IMAGE_NEAR_DUPLICATE_BITS,
        _ => false,
    }
}

/// Whether a text is too short for its SimHash to mean anything: short texts share
/// most of their few features by chance, and two citizens who both type "sharab"
/// have not sent the same tip.
pub fn too_short_to_compare(text: &str) -> bool {
    let words = normal_words(text);
    let chars: usize = words.iter().map(|w| w.chars().count()).sum();
    words.len() < MIN_WORDS_TO_COMPARE || chars < MIN_CHARS_TO_COMPARE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }
}
