//! The self-disclosure guard: does the informant's own message identify them?
//!
//! Informants are anonymous, but people type their mobile number ("call me on …"),
//! their Aadhaar, or "my name is …" out of habit. When a message looks like that, the
//! bot warns them and offers to drop it before the report is submitted. Only the
//! *kind* of disclosure is reported: officers may learn that the guard fired, never
//! what matched, and nothing here keeps the matched text.
//!
//! Every scanner is a single pass over the characters (no regular expressions, no
//! backtracking), so a 200 000-character message costs linear time. Digits count in
//! ASCII, Devanagari (०-९) and Arabic-Indic/Urdu (٠-٩, ۰-۹) script, mixed freely.

use super::rules::{digit_value, is_word_char, loosen};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// What kind of identifying detail a message seems to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    PhoneNumber,
    Aadhaar,
    Pan,
    Email,
    Name,
}

impl Disclosure {
    /// Every kind, in the order [`self_disclosures`] reports them.
    pub const ALL: [Disclosure; 5] = [
        Disclosure::PhoneNumber,
        Disclosure::Aadhaar,
        Disclosure::Pan,
        Disclosure::Email,
        Disclosure::Name,
    ];

    /// The stable id, equal to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Disclosure::PhoneNumber => "phone_number",
            Disclosure::Aadhaar => "aadhaar",
            Disclosure::Pan => "pan",
            Disclosure::Email => "email",
            Disclosure::Name => "name",
        }
    }
}

/// The kinds of self-disclosure in `text`, each once, in [`Disclosure::ALL`] order.
pub fn self_disclosures(text: &str) -> Vec<Disclosure> {
    let chars: Vec<char> = text
        .nfc()
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}'))
        .collect();
    let mut found = HashSet::new();
    scan_numbers(&chars, &mut found);
    if scan_pan(&chars) {
        found.insert(Disclosure::Pan);
    }
    if scan_email(&chars) {
        found.insert(Disclosure::Email);
    }
    if scan_name(&chars) {
        found.insert(Disclosure::Name);
    }
    Disclosure::ALL.into_iter().filter(|d| found.contains(d)).collect()
}

// ---------------------------------------------------------------------------------
// Verhoeff (the Aadhaar check digit).

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Whether `digits` (decimal digits in any supported script, nothing else) end in a
/// valid Verhoeff check digit, as every Aadhaar number does. Empty is not valid.
pub fn verhoeff_valid(digits: &str) -> bool {
    let values: Option<Vec<u8>> = digits.chars().map(digit_value).collect();
    match values {
        Some(v) if !v.is_empty() => verhoeff_ok(&v),
        _ => false,
    }
}

/// The Verhoeff check over digit values (each 0-9): the running check must end at 0.
fn verhoeff_ok(digits: &[u8]) -> bool {
    let check = digits.iter().rev().enumerate().fold(0u8, |c, (i, &d)| {
        VERHOEFF_D[usize::from(c)][usize::from(VERHOEFF_P[i % 8][usize::from(d % 10)])]
    });
    check == 0
}

// ---------------------------------------------------------------------------------
// Numbers: phones and Aadhaar.

/// A maximal run of digits.
struct Chunk {
    /// The digits, kept only while the chunk is short enough to be part of a number
    /// we look for (longer chunks are never phones or Aadhaar numbers).
    digits: Vec<u8>,
    len: usize,
    start: usize,
    end: usize,
}

/// Longest chunk worth keeping: a 12-digit Aadhaar or `91` + ten digits.
const MAX_CHUNK: usize = 12;

/// Characters that may join the groups of one number: "98765 43210", "98765-43210",
/// "98765.43210", "98765/43210", "(987) 654-3210".
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '/' | '_' | '(' | ')' | '\u{00A0}' | '\u{2011}' | '\u{2013}' | '\u{202F}'
    )
}

/// Cuts the text into runs of digit chunks joined by a space or dash (how people
/// group numbers) and looks for phone and Aadhaar numbers in each run.
fn scan_numbers(chars: &[char], found: &mut HashSet<Disclosure>) {
    let mut run: Vec<Chunk> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = Vec::new();
        while i < chars.len() {
            match digit_value(chars[i]) {
                Some(d) => {
                    if digits.len() <= MAX_CHUNK {
                        digits.push(d);
                    }
                    i += 1;
                }
                None => break,
            }
        }
        let len = i - start;
        if len > MAX_CHUNK {
            digits.clear();
        }
        let chunk = Chunk {
            digits,
            len,
            start,
            end: i,
        };
        let joined = run.last().is_some_and(|prev| {
            let gap = &chars[prev.end..chunk.start];
            (1..=2).contains(&gap.len()) && gap.iter().all(|c| is_joiner(*c))
        });
        if !joined && !run.is_empty() {
            analyse_run(chars, &std::mem::take(&mut run), found);
        }
        run.push(chunk);
    }
    if !run.is_empty() {
        analyse_run(chars, &run, found);
    }
}

/// Words before a number that say it is money, not a phone number.
const MONEY_WORDS: [&str; 14] = [
    "rs",
    "inr",
    "rupees",
    "rupee",
    "rupaye",
    "rupay",
    "rupye",
    "रु",
    "रुपये",
    "रुपए",
    "रूपये",
    "रुपया",
    "روپے",
    "روپیہ",
];
/// Words before a number that say it is a reference, not a person's.
const REFERENCE_WORDS: [&str; 9] = [
    "utr",
    "ref",
    "txn",
    "transaction",
    "order",
    "challan",
    "receipt",
    "imei",
    "invoice",
];

/// The word just before `at` (skipping spaces, `:`, `.`, `-`, `#`), lower-cased.
fn word_before(chars: &[char], at: usize) -> String {
    let mut j = at;
    while j > 0 && at - j < 8 && matches!(chars[j - 1], ' ' | ':' | '.' | '-' | '#' | '\u{00A0}') {
        j -= 1;
    }
    let end = j;
    while j > 0 && is_word_char(chars[j - 1]) && end - j < 16 {
        j -= 1;
    }
    chars[j..end].iter().collect::<String>().to_lowercase()
}

/// The word just after `at` (skipping spaces), lower-cased.
fn word_after(chars: &[char], at: usize) -> String {
    let mut j = at;
    while j < chars.len() && j - at < 8 && matches!(chars[j], ' ' | '\u{00A0}') {
        j += 1;
    }
    let start = j;
    while j < chars.len() && is_word_char(chars[j]) && j - start < 16 {
        j += 1;
    }
    chars[start..j].iter().collect::<String>().to_lowercase()
}

/// Whether the number spanning `start..end` is written as money or a reference.
fn not_personal(chars: &[char], start: usize, end: usize) -> bool {
    let before = word_before(chars, start);
    let mut k = start;
    while k > 0 && start - k < 8 && chars[k - 1] == ' ' {
        k -= 1;
    }
    let symbol_before = k > 0 && matches!(chars[k - 1], '₹' | '$');
    let after = word_after(chars, end);
    let slash_dash = chars.get(end) == Some(&'/') && chars.get(end + 1) == Some(&'-');
    symbol_before
        || slash_dash
        || MONEY_WORDS.contains(&before.as_str())
        || MONEY_WORDS.contains(&after.as_str())
        || REFERENCE_WORDS.contains(&before.as_str())
}

/// Possessives that make a number someone else's: "uska number", "उसका नंबर",
/// "اس کا نمبر", "his number". The suspect's phone number is the tip, not a disclosure.
static THIRD_PERSON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys(
        "uska|unka|iska|inka|uski|unki|iski|inki|uske|unke|iske|inke|his|their|suspect|suspects|accused|\
         उसका|उनका|इसका|इनका|उसकी|उनकी|इसकी|इनकी|उसके|उनके|इसके|इनके",
    )
});
/// First-person words that make a number the informant's own after all.
static FIRST_PERSON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys("my|mine|me|mera|meri|mere|mujhe|mujhse|main|mai|मेरा|मेरी|मेरे|मुझे|मुझसे|मैं|میرا|میری|میرے|مجھے|مجھ|میں")
});

/// Whether the few words before `start` say the number belongs to someone else.
fn someone_elses(chars: &[char], start: usize) -> bool {
    let from = start.saturating_sub(48);
    let before: String = chars[from..start].iter().collect();
    let words: Vec<String> = before
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(|w| loosen(&w.to_lowercase()))
        .collect();
    let last = &words[words.len().saturating_sub(4)..];
    let urdu_possessive = last
        .windows(2)
        .any(|p| matches!(p[0].as_str(), "اس" | "ان") && matches!(p[1].as_str(), "کا" | "کی" | "کے"));
    let third = urdu_possessive || last.iter().any(|w| THIRD_PERSON.contains(w));
    third && !last.iter().any(|w| FIRST_PERSON.contains(w))
}

/// Whether a '+' stands just before `start` ("+91 98…").
fn plus_before(chars: &[char], start: usize) -> bool {
    let mut k = start;
    while k > 0 && start - k < 8 && chars[k - 1] == ' ' {
        k -= 1;
    }
    k > 0 && chars[k - 1] == '+'
}

/// How the ten digits of an Indian mobile number are grouped when people type them.
const PHONE_GROUPINGS: [&[usize]; 11] = [
    &[10],
    &[5, 5],
    &[3, 3, 4],
    &[4, 3, 3],
    &[4, 6],
    &[6, 4],
    &[3, 7],
    // Found in review: pairs, and the 5-3-2 and 2-3-5 splits people also type.
    &[2, 2, 2, 2, 2],
    &[5, 3, 2],
    &[2, 3, 5],
    &[2, 8],
];

/// Walks the chunks of one run left to right, taking an Aadhaar or a phone number
/// where one starts, else skipping a chunk.
fn analyse_run(chars: &[char], run: &[Chunk], found: &mut HashSet<Disclosure>) {
    let mut p = 0;
    while p < run.len() {
        if let Some(k) = aadhaar_at(chars, run, p) {
            found.insert(Disclosure::Aadhaar);
            p += k;
        } else if let Some(k) = phone_at(chars, run, p) {
            found.insert(Disclosure::PhoneNumber);
            p += k;
        } else {
            p += 1;
        }
    }
}

/// The digits of consecutive chunks as one number.
fn concat(chunks: &[Chunk]) -> Vec<u8> {
    chunks.iter().flat_map(|c| c.digits.iter().copied()).collect()
}

/// An Aadhaar number starting at chunk `p`: twelve digits, alone or as 4-4-4, first
/// digit 2-9, valid Verhoeff check digit, not introduced as a reference ("UTR …").
/// Twelve digits starting 91 and then 6-9 are taken for a phone number with its
/// country code instead.
fn aadhaar_at(chars: &[char], run: &[Chunk], p: usize) -> Option<usize> {
    let single = run[p].len == 12;
    let grouped = run.len() >= p + 3 && run[p..p + 3].iter().all(|c| c.len == 4);
    let k = if single {
        1
    } else if grouped {
        3
    } else {
        return None;
    };
    let digits = concat(&run[p..p + k]);
    let looks_like_phone = single && digits.starts_with(&[9, 1]) && digits[2] >= 6;
    let reference =
        REFERENCE_WORDS.contains(&word_before(chars, run[p].start).as_str()) || someone_elses(chars, run[p].start);
    if looks_like_phone || reference || plus_before(chars, run[p].start) {
        return None;
    }
    (digits[0] >= 2 && verhoeff_ok(&digits)).then_some(k)
}

/// A mobile number starting at chunk `p`: an optional 0 / 91 / +91 prefix (a chunk of
/// its own or glued on), then ten digits starting 6-9 in a usual grouping, not written
/// as money or a reference, not someone else's. Returns how many chunks it spans.
fn phone_at(chars: &[char], run: &[Chunk], p: usize) -> Option<usize> {
    for k in (1..=6.min(run.len() - p)).rev() {
        let window = &run[p..p + k];
        if window.iter().any(|c| c.len > MAX_CHUNK) {
            continue;
        }
        let mut lens: Vec<usize> = window.iter().map(|c| c.len).collect();
        let mut digits = concat(window);
        let first = &window[0].digits;
        let prefix_chunk = k > 1 && matches!(first.as_slice(), [0] | [9, 1] | [0, 9, 1]);
        if prefix_chunk {
            digits.drain(..first.len());
            lens.remove(0);
        } else if digits.len() == 11 && digits[0] == 0 && lens[0] > 1 {
            digits.remove(0);
            lens[0] -= 1;
        } else if digits.len() == 12 && digits.starts_with(&[9, 1]) && lens[0] > 2 {
            digits.drain(..2);
            lens[0] -= 2;
        }
        let shaped = digits.len() == 10 && digits[0] >= 6 && PHONE_GROUPINGS.contains(&lens.as_slice());
        let theirs =
            || not_personal(chars, window[0].start, window[k - 1].end) || someone_elses(chars, window[0].start);
        if shaped && !theirs() {
            return Some(k);
        }
    }
    None
}

// ---------------------------------------------------------------------------------
// PAN and e-mail.

/// The fourth letter of a PAN: the holder's type (P person, C company, H HUF, F firm,
/// A association, T trust, B body of individuals, L local authority, J artificial
/// juridical person, G government).
const PAN_HOLDER_TYPES: &str = "ABCFGHLJPT";

/// A PAN (`AAAPA9999A`, any case) standing as a word of its own.
fn scan_pan(chars: &[char]) -> bool {
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &chars[start..i];
        let bounded = start == 0 || !chars[start - 1].is_alphanumeric();
        let bounded = bounded && (i == chars.len() || !chars[i].is_alphanumeric());
        if bounded && word.len() == 10 && is_pan(word) {
            return true;
        }
    }
    false
}

/// Five letters, four digits, a letter, the fourth letter a holder type.
fn is_pan(w: &[char]) -> bool {
    w[..5].iter().all(char::is_ascii_alphabetic)
        && w[5..9].iter().all(char::is_ascii_digit)
        && w[9].is_ascii_alphabetic()
        && PAN_HOLDER_TYPES.contains(w[3].to_ascii_uppercase())
}

/// Characters of an e-mail address before the `@`.
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// Characters of an e-mail domain.
fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// An e-mail address: `local@domain.tld` with a letters-only top-level domain.
fn scan_email(chars: &[char]) -> bool {
    for (at, c) in chars.iter().enumerate() {
        if *c != '@' {
            continue;
        }
        // The local part and the domain cannot contain '@', so each character is
        // looked at from at most one '@' on each side: linear overall.
        let local = chars[..at].iter().rev().take_while(|c| is_local_char(**c)).count();
        let domain_len = chars[at + 1..].iter().take_while(|c| is_domain_char(**c)).count();
        if local == 0 || domain_len == 0 {
            continue;
        }
        let domain: String = chars[at + 1..at + 1 + domain_len].iter().collect();
        let domain = domain.trim_end_matches(['.', '-']);
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        if labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && tld_ok {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------
// Names.

/// A word as typed (for capitals) and loosened (for matching).
struct Word {
    capitalised: bool,
    key: String,
}

/// Words for the name patterns, remembering which were typed with a capital.
fn name_words(chars: &[char]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current = String::new();
    let push = |current: &mut String, words: &mut Vec<Word>| {
        if current.is_empty() {
            return;
        }
        let raw = std::mem::take(current);
        let capitalised = raw.chars().next().is_some_and(char::is_uppercase);
        words.push(Word {
            capitalised,
            key: loosen(&raw.to_lowercase()),
        });
    };
    for &c in chars {
        if c == '\'' || c == '’' {
            continue;
        }
        if is_word_char(c) {
            current.push(c);
        } else {
            push(&mut current, &mut words);
        }
    }
    push(&mut current, &mut words);
    words
}

/// A set of words separated by `|`, loosened for matching.
fn keys(list: &str) -> HashSet<String> {
    list.split('|').map(|w| loosen(&w.trim().to_lowercase())).collect()
}

/// Words that cannot be a name after "my name is", "mera naam", "मेरा नाम", "میرا نام":
/// "my name is not …", "mera naam mat batana", "मेरा नाम गुप्त रखें", "میرا نام ظاہر نہ کریں".
static NOT_A_NAME: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys(
        "not|secret|confidential|withheld|private|hidden|unknown|anonymous|irrelevant|important|\
         none|nothing|should|will|must|can|cannot|please|to|be|a|the|and|nahi|nhi|nahin|na|mat|\
         gupt|kisi|kahi|kahin|samne|saamne|aana|aaye|aye|aa|batana|bataye|batao|bhi|chupa|chhupa|\
         chupana|chhupana|disclose|koi|kya|pata|se|ke|ko|hi|to|aur|guptt|गुप्त|न|ना|नहीं|नही|मत|\
         किसी|कहीं|कही|सामने|आना|आए|आये|उजागर|बताना|बताएं|बताये|बताइए|बताया|छुपाना|छुपा|भी|खुलासा|\
         सार्वजनिक|गोपनीय|कोई|क्या|पता|से|के|को|ही|तो|और|نہ|نہیں|مت|خفیہ|کسی|کہیں|سامنے|آنا|آئے|\
         ظاہر|بتانا|بتائیں|چھپانا|چھپا|بھی|پوشیدہ|راز|کوئی|کیا|پتہ|سے|کے|کو|ہی|تو|اور",
    )
});

/// Words after "I am" / "myself" that describe rather than name: "I am scared".
static NOT_A_NAME_EN: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys(
        "a|an|the|not|no|very|so|too|really|just|also|from|in|at|of|on|here|there|now|afraid|\
         scared|worried|frightened|sure|unsure|sorry|happy|sad|angry|upset|tired|helpless|alone|\
         fine|ok|okay|good|well|poor|old|young|innocent|honest|ready|able|unable|aware|resident|\
         citizen|student|farmer|teacher|shopkeeper|businessman|driver|worker|labourer|villager|\
         local|witness|victim|neighbour|neighbor|woman|man|girl|boy|mother|father|person|police|\
         officer|hindu|muslim|indian|unemployed|confidential|anonymous|concerned|tense|tensed|\
         depressed|disturbed|harassed|threatened|troubled|safe|unsafe|fearful|this|that|it|one|\
         someone|somebody|nobody|your|their|his|her|our|my|feeling|writing|telling|reporting|\
         informing|sending|living|staying|going|requesting|complaining|sharing|getting|being|\
         having|doing|trying|also|still|always|married|retired|disabled|blind|and|is|am|are|was|\
         with|for|to|by|sir|madam|mr|mrs|ms",
    )
});

/// Common family names: "main Ramesh Yadav hoon" names the writer even in lower case.
static SURNAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys(
        "kumar|singh|yadav|sharma|verma|gupta|pandey|mishra|tiwari|tripathi|dubey|shukla|\
         srivastava|maurya|patel|rai|chauhan|khan|ansari|siddiqui|qureshi|ahmad|ahmed|ali|hussain|\
         shaikh|sheikh|prasad|lal|devi|kumari|bano|begum|jaiswal|gautam|rajbhar|nishad|saroj|pal|\
         sonkar|bind|chaurasia|vishwakarma|upadhyay|dwivedi|chaubey|thakur|rathore|kushwaha|\
         prajapati|कुमार|सिंह|यादव|शर्मा|वर्मा|गुप्ता|पांडेय|पाण्डेय|पांडे|मिश्रा|तिवारी|त्रिपाठी|\
         दुबे|शुक्ला|श्रीवास्तव|मौर्य|पटेल|राय|चौहान|खान|अंसारी|सिद्दीकी|कुरैशी|अहमद|अली|हुसैन|शेख|\
         प्रसाद|लाल|देवी|कुमारी|बानो|बेगम|जायसवाल|गौतम|राजभर|निषाद|सरोज|पाल|सोनकर|बिंद|चौरसिया|\
         विश्वकर्मा|उपाध्याय|द्विवेदी|ठाकुर|प्रजापति|कुशवाहा|خان|انصاری|صدیقی|قریشی|احمد|علی|حسین|\
         شیخ|کمار|سنگھ|یادو|بانو|بیگم|خاتون|رضوی|زیدی|نقوی|ہاشمی",
    )
});

/// Words between "main … bol raha" that show a place or a role, not a name:
/// "main gaon se bol raha hoon" (speaking from the village).
static NOT_IN_BOL: LazyLock<HashSet<String>> = LazyLock::new(|| {
    keys(
        "se|ke|ki|ka|me|mein|par|ek|yaha|yahan|waha|wahan|gaon|thane|kuch|sach|sahi|jhooth|nahi|\
         bhi|to|hi|ab|abhi|log|sab|से|लोग|सब|के|की|का|में|पर|एक|यहां|यहाँ|वहां|गांव|थाने|कुछ|सच|\
         सही|नहीं|भी|तो|ही|अब|अभी|سے|کے|کی|کا|میں|پر|ایک|یہاں|وہاں|گاؤں|تھانے|کچھ|سچ|صحیح|نہیں|بھی|\
         تو|ہی|اب|ابھی|لوگ|سب",
    )
});

static I_WORDS: LazyLock<HashSet<String>> = LazyLock::new(|| keys("main|mai|mein|me|ham|hum|मैं|मै|हम|میں|ہم"));
static BOL: LazyLock<HashSet<String>> = LazyLock::new(|| keys("bol|बोल|بول"));
static RAHA: LazyLock<HashSet<String>> = LazyLock::new(|| keys("raha|rahi|rahe|rha|rhi|रहा|रही|रहे|رہا|رہی|رہے"));
static HOON: LazyLock<HashSet<String>> = LazyLock::new(|| keys("hu|hun|hoon|hoo|hain|हूं|हूँ|हू|हैं|ہوں|ہیں"));
static MY: LazyLock<HashSet<String>> = LazyLock::new(|| keys("mera|meraa|मेरा|میرا"));
static NAAM: LazyLock<HashSet<String>> = LazyLock::new(|| keys("naam|nam|name|names|नाम|نام"));
static HAI: LazyLock<HashSet<String>> = LazyLock::new(|| keys("hai|h|he|is|है|ہے"));

/// Whether `word` can be a given name: letters (with their marks), not a function word.
fn name_like(word: &Word, stop: &HashSet<String>) -> bool {
    word.key.chars().all(|c| is_word_char(c) && !c.is_numeric()) && !stop.contains(&word.key)
}

/// "my name is X", "mera naam X", "मेरा नाम X (है)", "میرا نام X", "myself X", "I am X",
/// "मैं X बोल रहा हूँ", "main X bol raha hu", "میں X بول رہا ہوں", "main X Yadav hoon"
/// (the first person is required: "वो X बोल रहा था" is someone else speaking).
/// The informant's own name only: "उसका नाम", "his name is", "us aadmi ka naam" are the
/// tip itself.
fn scan_name(chars: &[char]) -> bool {
    let words = name_words(chars);
    let key = |i: usize| words.get(i).map(|w| w.key.as_str());
    for i in 0..words.len() {
        let k = words[i].key.as_str();
        // "my name is X" / "mera naam (hai) X" / "मेरा नाम X" / "میرا نام X"
        if (k == "my" || MY.contains(k)) && key(i + 1).is_some_and(|n| NAAM.contains(n)) {
            let mut j = i + 2;
            while key(j).is_some_and(|w| HAI.contains(w)) {
                j += 1;
            }
            if words.get(j).is_some_and(|w| name_like(w, &NOT_A_NAME)) {
                return true;
            }
        }
        // A message that opens like a form or a call, "Name: X" / "naam: X" / "This is
        // X": a capitalised given name, or any followed by a family name.
        if i == 0 {
            let j = match k {
                "this" if key(1) == Some("is") => Some(2),
                _ if k == "name" || NAAM.contains(k) => Some(1),
                _ => None,
            };
            if let Some(j) = j
                && let Some(w) = words.get(j)
                && name_like(w, &NOT_A_NAME_EN)
                && (w.capitalised || key(j + 1).is_some_and(|s| SURNAMES.contains(s)))
            {
                return true;
            }
        }
        // "myself X" / "I am X" / "I'm X": a capitalised non-descriptive word, or any
        // given name followed by a family name.
        let after = match k {
            "myself" => Some(i + 1),
            "i" if key(i + 1) == Some("am") => Some(i + 2),
            "im" => Some(i + 1),
            _ => None,
        };
        if let Some(j) = after
            && let Some(w) = words.get(j)
            && name_like(w, &NOT_A_NAME_EN)
            && !w.key.ends_with("ing")
            && (w.capitalised || key(j + 1).is_some_and(|s| SURNAMES.contains(s)))
        {
            return true;
        }
        // "main X (Y) (Z) bol raha" / "मैं X बोल रहा" / "میں X بول رہا"
        if I_WORDS.contains(k) {
            for n in 1..=3 {
                let names = i + 1..i + 1 + n;
                let bol = key(i + 1 + n).is_some_and(|w| BOL.contains(w))
                    && key(i + 2 + n).is_some_and(|w| RAHA.contains(w))
                    && key(i + 3 + n).is_some_and(|w| HOON.contains(w));
                if bol
                    && names
                        .clone()
                        .all(|j| words.get(j).is_some_and(|w| name_like(w, &NOT_IN_BOL)))
                {
                    return true;
                }
            }
            // "main X Yadav hoon" / "मैं X यादव हूँ" / "میں X خان ہوں"
            let surname = key(i + 2).is_some_and(|w| SURNAMES.contains(w));
            if surname
                && key(i + 3).is_some_and(|w| HOON.contains(w))
                && words.get(i + 1).is_some_and(|w| name_like(w, &NOT_IN_BOL))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verhoeff_known_value() {
        // The textbook example: 236 has check digit 3.
        assert!(verhoeff_valid("2363"));
        assert!(!verhoeff_valid("2364"));
        assert!(!verhoeff_valid(""));
        assert!(!verhoeff_valid("23a63"));
        assert!(verhoeff_valid("२३६३"));
    }
}
