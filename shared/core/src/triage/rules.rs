//! Hand-written spurious signals, each with a reason an officer can read.
//!
//! The learned model judges the words of a report; these rules catch what a model
//! trained on few examples misses or cannot see: an empty message, keyboard mash, a
//! bare greeting, an advertisement, a chain forward, a flood from one sender. Every rule
//! is a [`RuleHit`] with a weight (how strongly the hit alone says "spurious") and an
//! English reason; [`combine`] folds them with the model's probability.
//!
//! Rules never delete anything: they rank. They are also careful in the other
//! direction, because a real tip is often short, angry and badly spelt. Abuse,
//! advertising words, chain wording and political words are all weighed against the
//! *substance* of the message ([`substance`]: a crime word, a place, a time, an action),
//! so "वो साला रोज़ शराब बेचता है, थाने के पीछे" is a weak abuse hit, not spam.
//!
//! Matching is on words folded by [`crate::text::fold`] and then loosened (nukta
//! dropped, Urdu letter variants unified, doubled Latin letters collapsed, "ee"/"oo" as
//! "i"/"u": "sharaab" is "sharab", "peeche" is "piche"), against small lexicons in Hindi
//! (Devanagari), Urdu (Urdu script), English and romanised Hindi, written as
//! `|`-separated lists (`*` marks a prefix or suffix: `bech*` is "bechta", "bechte").
//! The lexicons hold insults because this is a filter for them. The same words and
//! lexicons serve [`super::priority`] and [`super::category`].

use crate::text::fold;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A spurious signal's stable id (stored with the hit, shown as a filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Empty,
    Gibberish,
    Abuse,
    Advertising,
    TestMessage,
    Greeting,
    ChainForward,
    OffTopic,
    PoliticalRant,
    Flood,
    RateLimit,
}

impl Rule {
    /// Every rule, in the order hits are reported.
    pub const ALL: [Rule; 11] = [
        Rule::Empty,
        Rule::Gibberish,
        Rule::Abuse,
        Rule::Advertising,
        Rule::TestMessage,
        Rule::Greeting,
        Rule::ChainForward,
        Rule::OffTopic,
        Rule::PoliticalRant,
        Rule::Flood,
        Rule::RateLimit,
    ];

    /// The stable id, equal to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Empty => "empty",
            Rule::Gibberish => "gibberish",
            Rule::Abuse => "abuse",
            Rule::Advertising => "advertising",
            Rule::TestMessage => "test_message",
            Rule::Greeting => "greeting",
            Rule::ChainForward => "chain_forward",
            Rule::OffTopic => "off_topic",
            Rule::PoliticalRant => "political_rant",
            Rule::Flood => "flood",
            Rule::RateLimit => "rate_limit",
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    pub rule: Rule,
    /// 0..1: how strongly this hit alone says the report is spurious.
    pub weight: f64,
    /// English, for officers; quotes at most a lexicon term, never the informant's text.
    pub reason: String,
}

/// What the content rules read.
#[derive(Debug, Clone, Copy)]
pub struct ContentInput<'a> {
    /// The informant's texts and captions, joined with `\n`.
    pub text: &'a str,
    /// How many media items came with the report.
    pub media_count: usize,
}

/// What the sender rules read: counts over the informant's pseudonym, kept by the
/// caller. Each count is of the sender's *other* reports, not the one being judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderHistory {
    pub reports_last_hour: u32,
    pub reports_last_day: u32,
    /// Earlier reports from the same pseudonym whose text or images are near copies.
    pub near_copies_from_same_sender: u32,
}

/// Earlier near copies from one pseudonym from which a report counts as a flood. Two
/// resends are forgiven (the informant may think the first did not go through).
pub const FLOOD_NEAR_COPIES: u32 = 3;
/// Earlier reports in the last hour from which a new one counts as too many. Five
/// distinct incidents an hour is already far beyond what one citizen witnesses.
/// (The conversation lets one citizen submit at most ten reports a day.)
pub const RATE_LIMIT_PER_HOUR: u32 = 3;
/// Earlier reports in the last day from which a new one counts as too many.
pub const RATE_LIMIT_PER_DAY: u32 = 6;
/// Hits weaker than this are not reported: they would only be noise to officers.
pub const MIN_HIT_WEIGHT: f64 = 0.05;

/// The final spurious score: the model's probability and the rule hits combined as
/// independent evidence in log-odds, `σ(logit p + Σ logit((1 + w_i) / 2))`. A hit of
/// weight `w` alone would take a neutral report (p = 0.5) to `(1 + w) / 2`; hits only
/// ever raise the score, and a weak hit cannot outvote a model that is sure a text is
/// genuine (an angry but real tip), while a strong one (an empty message) can. (A
/// plain noisy-OR, `1 - (1 - p) Π(1 - w_i)`, let weak abuse hits flag angry genuine
/// tips: held-out spurious precision fell from 0.90 to 0.88.) A NaN probability
/// counts as neutral, a NaN weight as no evidence.
pub fn combine(model_probability: f64, hits: &[RuleHit]) -> f64 {
    // Probabilities of exactly 0 or 1 would make the log-odds infinite.
    const EDGE: f64 = 1e-9;
    let logit = |p: f64| {
        let p = p.clamp(EDGE, 1.0 - EDGE);
        (p / (1.0 - p)).ln()
    };
    let p = if model_probability.is_nan() {
        0.5
    } else {
        model_probability
    };
    let z = hits
        .iter()
        .filter(|h| !h.weight.is_nan())
        .fold(logit(p), |z, h| z + logit((1.0 + h.weight.clamp(0.0, 1.0)) / 2.0));
    let score = 1.0 / (1.0 + (-z).exp());
    // Round away the clamping's last digits, so certainty reads as 0 or 1.
    ((score * 1e6).round() / 1e6).clamp(0.0, 1.0)
}

/// The sender rules: a flood of near copies, and too many reports in an hour or a day.
pub fn sender_rules(history: &SenderHistory) -> Vec<RuleHit> {
    let mut hits = Vec::new();
    let copies = history.near_copies_from_same_sender;
    if copies >= FLOOD_NEAR_COPIES {
        let extra = f64::from(copies - FLOOD_NEAR_COPIES);
        hits.push(RuleHit {
            rule: Rule::Flood,
            weight: (0.6 + 0.1 * extra).min(0.9),
            reason: format!("{copies} earlier near copies from the same informant"),
        });
    }
    let hour = history.reports_last_hour;
    let day = history.reports_last_day;
    let over = |count: u32, limit: u32| (count >= limit).then(|| f64::from(count - limit));
    let by_hour = over(hour, RATE_LIMIT_PER_HOUR);
    let by_day = over(day, RATE_LIMIT_PER_DAY);
    if by_hour.is_some() || by_day.is_some() {
        let weight = |excess: Option<f64>| excess.map_or(0.0, |e| (0.4 + 0.05 * e).min(0.8));
        let mut windows = Vec::new();
        if by_hour.is_some() {
            windows.push(format!("{hour} in the last hour (limit {RATE_LIMIT_PER_HOUR})"));
        }
        if by_day.is_some() {
            windows.push(format!("{day} in the last day (limit {RATE_LIMIT_PER_DAY})"));
        }
        hits.push(RuleHit {
            rule: Rule::RateLimit,
            weight: weight(by_hour).max(weight(by_day)),
            reason: format!("many reports from the same informant: {}", windows.join(", ")),
        });
    }
    hits
}

/// The content rules, in [`Rule::ALL`] order.
pub fn content_rules(input: &ContentInput) -> Vec<RuleHit> {
    let words = Words::new(input.text);
    let media = input.media_count > 0;
    let mut hits = Vec::new();
    if words.loose.is_empty() {
        // Media alone is evidence (a photo of a liquor still); only nothing is empty.
        if !media {
            let reason = if !input.text.trim().is_empty() {
                "no words, only punctuation, symbols or emoji, and no media"
            } else {
                "nothing was sent: no text and no media"
            };
            hits.push(RuleHit {
                rule: Rule::Empty,
                weight: 0.95,
                reason: reason.into(),
            });
        }
        return hits;
    }
    let none = vec![false; words.loose.len()];
    let all = substance_of(&words.loose, &none);
    hits.extend(gibberish(&words, all, media));
    hits.extend(abuse(&words, media));
    hits.extend(advertising(input.text, &words));
    let test = test_message(&words, media);
    let is_test = test.is_some();
    hits.extend(test);
    if !is_test {
        hits.extend(greeting(&words, media));
    }
    hits.extend(chain_forward(&words));
    hits.extend(off_topic(&words));
    hits.extend(political(&words));
    hits.retain(|h| h.weight >= MIN_HIT_WEIGHT);
    hits
}

// ---------------------------------------------------------------------------------
// Words and lexicons (shared with the other triage modules).

/// A text cut into words for matching.
#[derive(Debug, Default)]
pub(crate) struct Words {
    /// Folded words (lower case, punctuation gone), spelling kept: for shape checks.
    pub(crate) folded: Vec<String>,
    /// The same words loosened (see [`loosen`]): for lexicon matching.
    pub(crate) loose: Vec<String>,
    /// Characters that are neither word characters nor spaces (emoji, symbols).
    pub(crate) symbols: usize,
    /// Letters in all words.
    pub(crate) letters: usize,
}

impl Words {
    /// Folds and splits `text`. Emoji and symbols separate words; the rupee sign is
    /// kept as a word of its own (prices matter to the advertising rule).
    pub(crate) fn new(text: &str) -> Self {
        let mut out = Words::default();
        let mut current = String::new();
        for c in fold(text).chars() {
            if c == '\'' || c == '’' {
                continue;
            }
            if is_word_char(c) {
                current.push(c);
                if c.is_alphabetic() {
                    out.letters += 1;
                }
                continue;
            }
            out.flush(&mut current);
            if c == '₹' {
                out.folded.push("₹".into());
                out.loose.push("₹".into());
            } else if !c.is_whitespace() {
                out.symbols += 1;
            }
        }
        out.flush(&mut current);
        out
    }

    /// Ends the current word, if any.
    fn flush(&mut self, current: &mut String) {
        if current.is_empty() {
            return;
        }
        let word = std::mem::take(current);
        self.loose.push(loosen(&word));
        self.folded.push(word);
    }
}

/// Letters, digits and the combining marks of Devanagari and Arabic script (matras,
/// virama, nukta, harakat), which `char::is_alphanumeric` does not all count.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_alphanumeric() {
        return true;
    }
    match c {
        '\u{0900}'..='\u{097F}' => !matches!(c, '\u{0964}' | '\u{0965}' | '\u{0970}'),
        '\u{0600}'..='\u{06FF}' => !matches!(
            c,
            '\u{0600}'..='\u{0605}'
                | '\u{060C}'
                | '\u{060D}'
                | '\u{061B}'
                | '\u{061F}'
                | '\u{066A}'..='\u{066D}'
                | '\u{06D4}'
                | '\u{06DD}'
                | '\u{06DE}'
                | '\u{06E9}'
        ),
        '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' => true,
        _ => false,
    }
}

/// The value of a decimal digit in ASCII, Devanagari, Arabic-Indic or Extended
/// Arabic-Indic (Urdu) script.
pub(crate) fn digit_value(c: char) -> Option<u8> {
    let base = match c {
        '0'..='9' => '0',
        '\u{0966}'..='\u{096F}' => '\u{0966}',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}',
        _ => return None,
    };
    u8::try_from(c as u32 - base as u32).ok()
}

/// A folded word in the form lexicons are matched in: digits as ASCII; Devanagari
/// nukta dropped and candrabindu as anusvara (people type both ways); Arabic-script
/// letter variants as their Urdu forms and harakat dropped; doubled Latin letters
/// collapsed, long "ee"/"oo" as "i"/"u" ("sharaab", "daaru", "peeche", "goonda" match
/// "sharab", "daru", "piche", "gunda").
pub(crate) fn loosen(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last: Option<char> = None;
    for c in word.chars() {
        let mapped = match c {
            '\u{093C}' | '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            '\u{0901}' => '\u{0902}',
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            'ه' | 'ة' | 'ۃ' => 'ہ',
            'أ' | 'إ' | 'ٱ' => 'ا',
            'ۓ' => 'ے',
            c => match digit_value(c) {
                Some(d) => char::from(b'0' + d),
                None => c,
            },
        };
        if mapped.is_ascii_lowercase() && last == Some(mapped) {
            // A doubled Latin letter: one consonant; "ee" as "i" and "oo" as "u", the
            // way romanised Hindi writes the long vowels ("peeche" = "piche").
            if let Some(prev) = out.pop() {
                out.push(match prev {
                    'e' => 'i',
                    'o' => 'u',
                    other => other,
                });
            }
            continue;
        }
        out.push(mapped);
        last = Some(mapped);
    }
    out
}

/// One word of a lexicon term.
#[derive(Debug, Clone)]
enum Pat {
    Exact(String),
    /// `bech*`: the word starts with this.
    Prefix(String),
    /// `*pur`: the word ends with this and is longer by at least two characters.
    Suffix(String),
}

impl Pat {
    /// Whether one loosened word fits this pattern.
    fn matches(&self, word: &str) -> bool {
        match self {
            Pat::Exact(p) => word == p,
            Pat::Prefix(p) => word.starts_with(p.as_str()),
            Pat::Suffix(p) => word.ends_with(p.as_str()) && word.chars().count() >= p.chars().count() + 2,
        }
    }
}

/// A match of a lexicon term: which term, and the words it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) term: usize,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// A list of terms (words or phrases; `*` marks a prefix or suffix), matched against
/// [`Words::loose`]. Terms are indexed by their first word, so matching is linear in
/// the text.
#[derive(Debug)]
pub(crate) struct Lexicon {
    terms: Vec<Vec<Pat>>,
    by_first: HashMap<String, Vec<usize>>,
    wild_first: Vec<usize>,
}

impl Lexicon {
    /// Builds a lexicon; term `i` of the result is entry `i` (an entry that folds to
    /// nothing never matches).
    pub(crate) fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Self {
        let mut lexicon = Lexicon {
            terms: Vec::new(),
            by_first: HashMap::new(),
            wild_first: Vec::new(),
        };
        for entry in entries {
            let pats = parse_term(entry.as_ref());
            let index = lexicon.terms.len();
            match pats.first() {
                Some(Pat::Exact(w)) => lexicon.by_first.entry(w.clone()).or_default().push(index),
                Some(_) => lexicon.wild_first.push(index),
                None => {}
            }
            lexicon.terms.push(pats);
        }
        lexicon
    }

    /// Builds a lexicon from terms separated by `|` (the form the lexicons below are
    /// written in: compact, and one line holds many short words).
    pub(crate) fn parse(list: &str) -> Self {
        Lexicon::new(list.split('|').map(str::trim).filter(|t| !t.is_empty()))
    }

    /// Every match, in text order (several terms may match at one place).
    pub(crate) fn find(&self, words: &[String]) -> Vec<Found> {
        let mut found = Vec::new();
        for start in 0..words.len() {
            let exact = self.by_first.get(&words[start]).map(Vec::as_slice).unwrap_or(&[]);
            for &term in exact.iter().chain(&self.wild_first) {
                let pats = &self.terms[term];
                let fits =
                    words.len() - start >= pats.len() && pats.iter().zip(&words[start..]).all(|(p, w)| p.matches(w));
                if fits {
                    found.push(Found {
                        term,
                        start,
                        len: pats.len(),
                    });
                }
            }
        }
        found
    }

    /// Whether any term matches.
    pub(crate) fn any(&self, words: &[String]) -> bool {
        !self.find(words).is_empty()
    }
}

/// One lexicon entry as word patterns: folded and loosened like the text, `*` at a
/// word's end a prefix, at its start a suffix.
fn parse_term(entry: &str) -> Vec<Pat> {
    let mut pats = Vec::new();
    for piece in entry.split_whitespace() {
        let prefix = piece.len() > 1 && piece.ends_with('*');
        let suffix = piece.len() > 1 && piece.starts_with('*');
        let inner = piece.trim_matches('*');
        let parts = Words::new(inner).loose;
        let n = parts.len();
        for (i, part) in parts.into_iter().enumerate() {
            pats.push(if prefix && i + 1 == n {
                Pat::Prefix(part)
            } else if suffix && i == 0 {
                Pat::Suffix(part)
            } else {
                Pat::Exact(part)
            });
        }
    }
    pats
}

/// Marks the words covered by `found` in a mask of `len` words.
fn cover(found: &[Found], len: usize) -> Vec<bool> {
    let mut mask = vec![false; len];
    for f in found {
        for slot in mask.iter_mut().skip(f.start).take(f.len) {
            *slot = true;
        }
    }
    mask
}

/// A lexicon of groups: each group a label (for reasons), a weight and its terms.
struct Groups {
    lexicon: Lexicon,
    /// For each term, its group.
    group_of: Vec<usize>,
    groups: Vec<(&'static str, f64)>,
}

impl Groups {
    /// Groups of `(label, weight, terms separated by '|')`.
    fn new(groups: &[(&'static str, f64, &str)]) -> Self {
        let mut group_of = Vec::new();
        let mut entries = Vec::new();
        for (g, (_, _, terms)) in groups.iter().enumerate() {
            for t in terms.split('|').map(str::trim).filter(|t| !t.is_empty()) {
                entries.push(t);
                group_of.push(g);
            }
        }
        Groups {
            lexicon: Lexicon::new(entries),
            group_of,
            groups: groups.iter().map(|(label, w, _)| (*label, *w)).collect(),
        }
    }

    /// The groups that matched (each once, in group order) and the words they cover.
    fn matched(&self, words: &[String]) -> (Vec<usize>, Vec<bool>) {
        let found = self.lexicon.find(words);
        let mut groups: Vec<usize> = found.iter().map(|f| self.group_of[f.term]).collect();
        groups.sort_unstable();
        groups.dedup();
        (groups, cover(&found, words.len()))
    }

    /// `1 - Π(1 - w)` over matched groups, and their labels, strongest first.
    fn score(&self, matched: &[usize]) -> (f64, Vec<&'static str>) {
        let keep: f64 = matched.iter().map(|&g| 1.0 - self.groups[g].1).product();
        let mut labelled: Vec<(&'static str, f64)> = matched.iter().map(|&g| self.groups[g]).collect();
        labelled.sort_by(|a, b| b.1.total_cmp(&a.1));
        (1.0 - keep, labelled.into_iter().map(|(l, _)| l).collect())
    }
}

// ---------------------------------------------------------------------------------
// Substance: does the message report something?

/// What in a message makes it a report: a crime word, a place, a time, an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Substance {
    pub crime: bool,
    pub place: bool,
    pub time: bool,
    pub action: bool,
}

impl Substance {
    /// 0..=5: a crime word counts twice, a place, a time and an action once each.
    pub fn score(self) -> u32 {
        2 * u32::from(self.crime) + u32::from(self.place) + u32::from(self.time) + u32::from(self.action)
    }

    /// Whether the message plausibly reports an offence.
    pub fn is_report(self) -> bool {
        self.crime || (self.place && (self.time || self.action))
    }
}

/// The substance of a text (see [`Substance`]).
pub fn substance(text: &str) -> Substance {
    let words = Words::new(text);
    substance_of(&words.loose, &vec![false; words.loose.len()])
}

/// The substance of loosened words, ignoring matches that touch a masked word (the
/// words another rule already explained, such as "satta app" in an advertisement).
pub(crate) fn substance_of(words: &[String], masked: &[bool]) -> Substance {
    let hit = |lexicon: &Lexicon| {
        lexicon
            .find(words)
            .iter()
            .any(|f| !(f.start..f.start + f.len).any(|i| masked.get(i).copied().unwrap_or(false)))
    };
    Substance {
        crime: hit(&CRIME),
        place: hit(&PLACE),
        time: hit(&TIME),
        action: hit(&ACTION),
    }
}

/// How much a rule's weight survives the message's substance: fully with none, a
/// tenth when it has a crime, a place, a time and an action.
fn damp(s: Substance) -> f64 {
    const BY_SCORE: [f64; 6] = [1.0, 0.85, 0.6, 0.35, 0.2, 0.1];
    BY_SCORE[(s.score() as usize).min(5)]
}

/// Crime words: offences, contraband, weapons, violence, in four languages.
pub(crate) static CRIME: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "liquor|alcohol|hooch|drug*|ganja|smack|heroin|charas|opium|cocaine|weapon*|gun|guns|\
         pistol*|revolver|rifle|bomb|bombs|firing|shot|theft|thief|thieves|steal*|stole|stolen|\
         robber*|robbed|loot|looted|looting|dacoit*|burglar*|snatch*|murder*|kill|killed|killing|\
         kills|assault*|attack*|beat|beating|beaten|fight*|violence|gambl*|betting|smuggl*|\
         traffick*|kidnap*|abduct*|rape*|molest*|harass*|eve teasing|dowry|extort*|threat*|bribe*|\
         corrupt*|fraud*|cheat*|scam*|illegal*|crime*|criminal*|mafia|goons|gang|gangs|prostitut*|\
         sex racket|brothel|child labour|child marriage|forced conversion|sand mining|mining|\
         overload*|slaughter*|cattle|cows|cow|sharab*|daru|kachchi|kachi|nasha|nashe|nashili|\
         hathiyar|katta|katte|tamancha|tamanche|bandook|banduk|asalha|goli|chori|chor|loot|lut|\
         dakaiti|daketi|dakait|chhin liya|chheen liya|chhin li|chhinaiti|chhina jhapti|maar peet|\
         mar pet|marpet|maarpeet|hatya|qatl|katl|khoon|khun|hamla|jhagda|jhagra|danga|jua|juaa|\
         satta|taskari|tashkari|taskar|apharan|agwa|balatkar|chhedkhani|chedkhani|chhed*|dahej|\
         rangdari|vasooli|vasuli|wasooli|wasuli|hafta vasuli|dhamki|dhamka*|rishwat|thagi|thag|\
         dhokha|dhokhadhadi|avaidh|awaidh|gair kanooni|gair kanuni|galat kaam|galat kam|apradh|\
         aparadh|badmash|gunda|gunde|dhandha|dhanda|adda|adde|deh vyapar|dharmantaran|\
         dharm parivartan|khanan|gaukashi|gau taskari|gau hatya|paise mang*|paisa mang*|paise liye|\
         paise lete|paise lekar|mili bhagat|milibhagat|शराब*|दारू|कच्ची|नशा|नशे|नशीले|गांजा|स्मैक|\
         चरस|हेरोइन|अफीम|हथियार|असलहा|असलहे|कट्टा|कट्टे|तमंचा|तमंचे|बंदूक|पिस्तौल|पिस्टल|बम|गोली|\
         फायरिंग|चोरी|चोर|लूट*|डकैती|छीन*|झपट*|मारपीट|मार पीट|हत्या|कत्ल|खून|हमला|झगडा|दंगा|पीटा|\
         पीटते|जुआ|सट्टा|तस्करी|तस्कर|अपहरण|बलात्कार|दुष्कर्म|छेडखानी|छेडछाड|दहेज|रंगदारी|वसूली|\
         धमकी|धमका*|रिश्वत|घूस|ठगी|ठग|धोखा|धोखाधडी|फ्रॉड|अवैध|गैरकानूनी|गैर कानूनी|अपराध|बदमाश|\
         गुंडा|गुंडे|धंधा|अड्डा|अड्डे|देह व्यापार|धर्मांतरण|धर्म परिवर्तन|खनन|गौकशी|गोकशी|\
         गौ तस्करी|गोवंश|गौवंश|ओवरलोड*|गलत काम|पैसे मांग*|पैसा मांग*|पैसे लिए|पैसे लेते|पैसे लेकर|\
         मिलीभगत|شراب|دارو|کچی|نشہ|نشے|منشیات|گانجا|چرس|ہیروئن|افیون|اسلحہ|ہتھیار|کٹا|کٹہ|طمنچہ|\
         تمنچہ|بندوق|پستول|بم|گولی|فائرنگ|چوری|چور|لوٹ*|ڈکیتی|ڈاکہ|ڈاکو|چھین*|جھپٹ*|مار پیٹ|مارپیٹ|\
         قتل|خون|حملہ|جھگڑا|فساد|پیٹا|جوا|سٹہ|اسمگلنگ|سمگلنگ|اسمگلر|اغوا|ریپ|زیادتی|چھیڑ*|جہیز|\
         بھتہ|دھمکی|دھمکا*|رشوت|فراڈ|دھوکہ|دھوکا|ٹھگ*|ناجائز|غیر قانونی|جرم|مجرم|بدمعاش|غنڈہ|غنڈے|\
         دھندہ|دھندا|اڈہ|اڈا|جسم فروشی|تبدیلی مذہب|کان کنی|گائے|پیسے مانگ*|پیسے لیے|پیسے لے کر|\
         ملی بھگت",
    )
});

/// Place words: landmarks, settlements, "near", "behind", place-name endings.
pub(crate) static PLACE: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "near|behind|opposite|beside|village|market|bazaar|bazar|road|street|lane|colony|mohalla|\
         chowk|crossing|school|temple|mosque|station|stand|highway|bridge|river|canal|field|fields|\
         shop|house|police station|thana|thane|chowki|chauki|block|ward|area|locality|petrol pump|\
         hotel|dhaba|outside|bahar|tola|purwa|gaon|gaw|ganv|gav|gali|chauraha|bajar|sadak|nahar|\
         khet|dukan|paas|pas|peche|piche|samne|bagal|mandir|masjid|kasba|basti|ghat|pul|puliya|\
         ghar|ilaka|ilake|kshetra|*pur|*ganj|*nagar|*abad|*garh|गांव|ग्राम|मोहल्ला|मोहल्ले|गली|\
         चौराहा|चौराहे|बाजार|सडक|रोड|नहर|खेत|दुकान|पास|पीछे|सामने|बगल|थाना|थाने|चौकी|मंदिर|मस्जिद|\
         स्कूल|कस्बा|कस्बे|टोला|पुरवा|बस्ती|घाट|पुल|पुलिया|स्टेशन|स्टैंड|घर|इलाके|इलाका|क्षेत्र|\
         बाहर|*पुर|*गंज|*नगर|*बाद|گاؤں|گاوں|محلہ|محلے|گلی|چوراہا|چوراہے|بازار|سڑک|نہر|کھیت|دکان|\
         دوکان|پاس|پیچھے|سامنے|تھانہ|تھانے|چوکی|مسجد|مندر|اسکول|سکول|قصبہ|بستی|گھاٹ|پل|اسٹیشن|گھر|\
         علاقہ|علاقے|باہر|*پور|*گنج|*آباد|*نگر",
    )
});

/// Time words: today, every day, at night, o'clock.
pub(crate) static TIME: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "today|tonight|yesterday|daily|everyday|every day|night|nights|morning|evening|afternoon|\
         now|weekly|oclock|monday|tuesday|wednesday|thursday|friday|saturday|sunday|aaj|kal|roz|\
         rozana|har din|raat|rat|subah|subha|shaam|sham|dopahar|abhi|is waqt|is samay|baje|din|\
         somvar|mangalvar|budhvar|guruvar|shukravar|shanivar|ravivar|आज|कल|रोज|रोजाना|हर दिन|रात|\
         सुबह|शाम|दोपहर|अभी|इस समय|बजे|दिन|सोमवार|मंगलवार|बुधवार|गुरुवार|शुक्रवार|शनिवार|रविवार|آج|\
         کل|روز|روزانہ|ہر دن|رات|صبح|شام|دوپہر|ابھی|اس وقت|بجے|دن|اتوار|جمعہ|جمعرات",
    )
});

/// Action words: selling, running, making, carrying.
pub(crate) static ACTION: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "sell|sells|selling|seller|sellers|sold|supply*|supplier|dealer|dealing|deals|brewing|\
         brews|runs|running|operates|operating|transport*|loading|loaded|hiding|hides|storing|\
         bech*|bikt*|bik|bikne|bikri|chalata|chalate|chalati|chal raha|chal rahi|kar raha|kar rahe|\
         kar rahi|karta|karte|karti|karwata|karwate|baant*|bant rahe|banata|banate|banati|\
         bana raha|rakhta|rakhte|le ja|बेच*|बिक*|चलाता|चलाते|चलाती|चल रहा|चल रही|कर रहा|कर रहे|\
         कर रही|करता|करते|करती|करवाता|करवाते|बांट*|बनाता|बनाते|बनाती|रखता|रखते|सप्लाई|ले जा|بیچ*|\
         بکت*|بکتی|چلاتا|چلاتے|کرتا|کرتے|کرتی|کر رہا|کر رہے|کرواتے|بانٹ*|بناتا|بناتے|رکھتا|رکھتے|\
         سپلائی",
    )
});

// ---------------------------------------------------------------------------------
// Gibberish.

const KEYBOARD_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
/// The Urdu alphabet in its usual order, for runs such as "ابپت".
const URDU_ALPHABET: &str = "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنوہھءیے";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Devanagari,
    Arabic,
    Other,
}

/// The script most of a word's letters are in: each script has its own mash shapes.
fn script_of(word: &str) -> Script {
    let (mut latin, mut deva, mut arabic) = (0, 0, 0);
    for c in word.chars() {
        match c {
            'a'..='z' => latin += 1,
            '\u{0900}'..='\u{097F}' => deva += 1,
            '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' => arabic += 1,
            _ => {}
        }
    }
    let most = latin.max(deva).max(arabic);
    if most == 0 {
        Script::Other
    } else if most == latin {
        Script::Latin
    } else if most == deva {
        Script::Devanagari
    } else {
        Script::Arabic
    }
}

/// A word made of one short unit repeated: "aaaa", "hahaha", "ہہہہ".
fn is_periodic(chars: &[char]) -> bool {
    (1..=3).any(|unit| chars.len() >= (unit * 3).max(4) && (unit..chars.len()).all(|i| chars[i] == chars[i % unit]))
}

/// The longest run of characters each one after the previous in `order` (forwards or
/// backwards), such as "abcd", "कखग", "ابپت".
fn longest_order_run(chars: &[char], position: impl Fn(char) -> Option<usize>) -> usize {
    let mut best = usize::from(!chars.is_empty());
    for step in [1isize, -1] {
        let mut run = 1;
        for pair in chars.windows(2) {
            let next = match (position(pair[0]), position(pair[1])) {
                (Some(a), Some(b)) => b as isize - a as isize == step,
                _ => false,
            };
            run = if next { run + 1 } else { 1 };
            best = best.max(run);
        }
    }
    best
}

/// Whether one folded word looks like keyboard mash, a letter run or noise.
fn is_mash(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    if chars.iter().all(|c| digit_value(*c).is_some()) {
        return false;
    }
    if is_periodic(&chars) {
        return true;
    }
    match script_of(word) {
        Script::Latin => {
            let on_row = |w: &str| {
                KEYBOARD_ROWS
                    .iter()
                    .any(|row| row.contains(w) || row.chars().rev().collect::<String>().contains(w))
            };
            let keyboard = chars.windows(4).any(|w| on_row(&w.iter().collect::<String>()))
                || (chars.len() == 3 && on_row(word) && !matches!(word, "dsa" | "poi" | "tre" | "ert"));
            let alphabet = longest_order_run(&chars, |c| c.is_ascii_lowercase().then_some(c as usize)) >= 4;
            let mut run = 0;
            let mut consonants = 0;
            for c in &chars {
                run = if c.is_ascii_lowercase() && !"aeiouhy".contains(*c) {
                    run + 1
                } else {
                    0
                };
                consonants = consonants.max(run);
            }
            keyboard || alphabet || consonants >= 5
        }
        Script::Devanagari => {
            let consonant = |c: char| matches!(c, '\u{0915}'..='\u{0939}' | '\u{0958}'..='\u{095F}');
            let vowel_or_virama = |c: char| matches!(c, '\u{0904}'..='\u{0914}' | '\u{093E}'..='\u{094D}' | '\u{0955}'..='\u{0957}' | '\u{0960}'..='\u{0963}');
            let count = chars.iter().filter(|c| consonant(**c)).count();
            // Real words without matras are short ("घर", "हलचल"); five bare consonants are not.
            let bare = count >= 5 && !chars.iter().any(|c| vowel_or_virama(*c));
            let run = longest_order_run(&chars, |c| consonant(c).then_some(c as usize));
            bare || run >= 3
        }
        Script::Arabic => {
            let letters = chars.iter().filter(|c| c.is_alphabetic()).count();
            let long_vowel = chars.iter().any(|c| "اآویےئؤۓ".contains(*c));
            let urdu_run = longest_order_run(&chars, |c| URDU_ALPHABET.chars().position(|a| a == c));
            (letters >= 7 && !long_vowel) || urdu_run >= 4
        }
        Script::Other => false,
    }
}

/// Mash, letter runs, bare numbers or mostly emoji: half or more of the words, weighed
/// against the message's substance and halved when media came with it.
fn gibberish(words: &Words, all: Substance, media: bool) -> Option<RuleHit> {
    let lettered: Vec<&String> = words
        .folded
        .iter()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    let (base, reason) = if lettered.is_empty() {
        (0.6, "only numbers, no words")
    } else if words.symbols >= 3 && words.symbols > 2 * words.letters {
        (0.75, "mostly emoji or symbols")
    } else {
        let mash = lettered.iter().filter(|w| is_mash(w)).count();
        let ratio = mash as f64 / lettered.len() as f64;
        if ratio < 0.5 {
            return None;
        }
        (0.6 + 0.3 * ratio, "looks like keyboard mash or random letters")
    };
    let weight = base * damp(all) * if media { 0.5 } else { 1.0 };
    Some(RuleHit {
        rule: Rule::Gibberish,
        weight,
        reason: reason.into(),
    })
}

// ---------------------------------------------------------------------------------
// Abuse.

/// Insults and profanity, kept to common gaalis (this list is a filter).
static ABUSIVE: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "fuck*|fck|shit|bullshit|bastard*|bitch*|idiot*|stupid|asshole*|motherfucker*|mf|wtf|\
         scoundrel|moron*|saala|sala|saale|salo|kamina|kamine|kameena|kameene|harami|haramkhor|\
         haramzada|haramzade|kutta|kutte|kutiya|chutiya|chutiye|chutiyapa|bc|mc|bsdk|bhosdi*|\
         bhosri*|madarchod|maderchod|behenchod|bhenchod|bhanchod|bhadwa|bhadwe|bhadve|gandu|randi|\
         tatti|ullu ka patha|nalayak|mkc|besharam|beghairat|lanat|kamzarf|साला|साले|सालों|कमीना|\
         कमीने|हरामी|हरामखोर|हरामजादा|हरामजादे|कुत्ता|कुत्ते|कुतिया|चूतिया|चुतिया|भडवा|भडवे|\
         मादरचोद|बहनचोद|भोसडी*|गांडू|रंडी|उल्लू का पट्ठा|नालायक|बेशर्म|बदतमीज|حرامی|حرامزادہ|\
         حرامخور|کمینہ|کمینے|سالا|سالے|کتا|کتے|کتیا|بےغیرت|بے غیرت|بےشرم|بے شرم|الو کا پٹھا|خنزیر|\
         لعنت|کم ظرف",
    )
});

/// Insults, weighed by what the rest of the message reports: a tip told angrily is
/// still a tip.
fn abuse(words: &Words, media: bool) -> Option<RuleHit> {
    let found = ABUSIVE.find(&words.loose);
    if found.is_empty() {
        return None;
    }
    let mask = cover(&found, words.loose.len());
    let rest = substance_of(&words.loose, &mask);
    let abusive_share = mask.iter().filter(|m| **m).count() as f64 / words.loose.len() as f64;
    let base = 0.7 + 0.2 * abusive_share;
    let weight = base * damp(rest) * if media { 0.7 } else { 1.0 };
    let reason = if rest.is_report() {
        "abusive language inside what may be a real report (angry, possibly genuine)"
    } else if rest.score() > 0 {
        "mostly abuse, with little to act on"
    } else {
        "abuse or insults without a report"
    };
    Some(RuleHit {
        rule: Rule::Abuse,
        weight,
        reason: reason.into(),
    })
}

// ---------------------------------------------------------------------------------
// Advertising.

static ADVERTISING: LazyLock<Groups> = LazyLock::new(|| {
    Groups::new(&[
        (
            "loan offer",
            0.45,
            "instant loan|personal loan|loan available|loan milega|loan offer|easy loan|loan app|\
 loan approved|low interest|kam byaj|0 interest|no documents|bina document|लोन मिलेगा|\
 लोन पाएं|आसान लोन|तुरंत लोन|पर्सनल लोन|कम ब्याज|बिना कागज|فوری قرض|آسان قرض|قرض حاصل کریں|\
 کم سود|پرسنل لون",
        ),
        (
            "betting or gaming promotion",
            0.5,
            "betting app|betting id|cricket id|online id|satta app|satta king|satta matka|online game|\
 online games|rummy|teen patti|aviator|colour prediction|color prediction|win cash|jeeto|\
 jeetein|welcome bonus|bonus|jackpot|lottery|lucky draw|जीतें|जीतो|लॉटरी|बोनस|सट्टा किंग|\
 سٹہ کنگ|لاٹری|جیتیں|بونس",
        ),
        (
            "job offer",
            0.45,
            "job vacancy|vacancy|vacancies|hiring|work from home|part time job|part time|earn money|\
 earn daily|daily earning|earn upto|earn up to|ghar baithe|naukri paye|naukri payen|\
 घर बैठे|कमाएं|कमाइए|नौकरी पाएं|भर्ती शुरू|वैकेंसी|گھر بیٹھے|کمائیں|نوکری حاصل کریں|\
 آسامیاں",
        ),
        (
            "property sale",
            0.4,
            "plot for sale|plots available|plot available|plot booking|flat for sale|flats available|\
 property for sale|prime location|booking open|sq ft|sqft|per sq|प्लॉट उपलब्ध|प्लॉट बिकाऊ|\
 प्लॉट खरीदें|प्रॉपर्टी|بکاؤ پلاٹ|پلاٹ برائے فروخت|پراپرٹی",
        ),
        (
            "coaching or admissions advert",
            0.4,
            "coaching|admission open|admissions open|new batch|tuition classes|online classes|कोचिंग|\
 एडमिशन|प्रवेश प्रारंभ|दाखिला शुरू|کوچنگ|ٹیوشن|داخلے جاری",
        ),
        (
            "call to action (call now)",
            0.4,
            "call now|call us|contact now|contact us|whatsapp now|whatsapp us|dm now|book now|\
 order now|register now|join now|apply now|download now|download app|click here|click link|\
 link in bio|abhi call kare|abhi call karein|sampark kare|sampark karein|अभी कॉल करें|\
 कॉल करें|संपर्क करें|अभी बुक करें|डाउनलोड करें|अभी जुडें|ابھی کال کریں|رابطہ کریں|\
 کال کریں|ڈاؤن لوڈ کریں",
        ),
        (
            "offer wording",
            0.3,
            "offer|offers|discount|free free|100 guaranteed|guaranteed|guarantee|limited offer|\
 limited seats|hurry|best price|lowest price|cashback|mega sale|big sale|ऑफर|छूट|गारंटी|\
 आफर|آفر|رعایت|گارنٹی",
        ),
    ])
});

static ONLY: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse("only|just|sirf|matra|keval|kewal|सिर्फ|मात्र|केवल|صرف|فقط"));
static MONEY: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse("₹|rs|inr|rupees|rupee|rupaye|rupay|rupye|रु|रुपये|रुपए|रूपये|रुपया|روپے|روپیہ|روپئے"));

/// "only ₹499", "sirf 999 rupaye": a price next to "only".
fn price_with_only(words: &[String]) -> bool {
    let money = MONEY.find(words);
    let is_number = |i: usize| {
        words
            .get(i)
            .is_some_and(|w| w.bytes().next().is_some_and(|b| b.is_ascii_digit()))
    };
    ONLY.find(words).iter().any(|o| {
        let lo = o.start.saturating_sub(3);
        let hi = o.start + 4;
        money.iter().any(|m| (lo..=hi).contains(&m.start)) && (lo..=hi + 1).any(is_number)
    })
}

/// Sites an informant shares as evidence (a video of the crime, a map pin): a link to
/// them is not advertising.
const EVIDENCE_HOSTS: [&str; 10] = [
    "youtube.com",
    "youtu.be",
    "facebook.com",
    "fb.watch",
    "instagram.com",
    "twitter.com",
    "x.com",
    "maps.google.com",
    "maps.app.goo.gl",
    "goo.gl/maps",
];
/// Group and channel invites: the commonest spam on WhatsApp.
const INVITE_HOSTS: [&str; 5] = [
    "chat.whatsapp.com",
    "whatsapp.com/channel",
    "t.me",
    "telegram.me",
    "wa.me",
];

/// Links in the raw text (folding breaks URLs apart): whether there is a group
/// invite, and whether there is any other link that is not to an evidence site.
fn links(text: &str) -> (bool, bool) {
    let lower = text.to_lowercase();
    let mut invite = false;
    let mut other = false;
    let mut rest = lower.as_str();
    while let Some(at) = ["http://", "https://", "www.", "bit.ly/"]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
        .min()
    {
        let (start, skip) = at;
        let after = &rest[start + skip..];
        let end = after.find(|c: char| c.is_whitespace()).unwrap_or(after.len());
        let link = after[..end].trim_start_matches("www.");
        let host_is = |hosts: &[&str]| hosts.iter().any(|h| link.starts_with(h));
        if host_is(&INVITE_HOSTS) {
            invite = true;
        } else if !host_is(&EVIDENCE_HOSTS) {
            other = true;
        }
        rest = &after[end..];
    }
    // Invites are often pasted without a scheme.
    invite |= INVITE_HOSTS[..2].iter().any(|h| lower.contains(h));
    (invite, other)
}

/// Loan, betting, job, property and coaching adverts, calls to action, links and
/// "only ₹…" prices, weighed against what the message reports besides the advert's
/// own words (an advertised illegal lottery, reported, is a tip).
fn advertising(text: &str, words: &Words) -> Option<RuleHit> {
    let (matched, mask) = ADVERTISING.matched(&words.loose);
    let (score, mut labels) = ADVERTISING.score(&matched);
    let mut keep = 1.0 - score;
    let (invite, url) = links(text);
    let mut extra = Vec::new();
    if invite {
        keep *= 1.0 - 0.75;
        extra.push("a group or channel invite link");
    } else if url {
        keep *= 1.0 - 0.3;
        extra.push("a web link");
    }
    if price_with_only(&words.loose) {
        keep *= 1.0 - 0.4;
        extra.push("a price with \"only\"");
    }
    if extra.is_empty() && matched.is_empty() {
        return None;
    }
    let rest = substance_of(&words.loose, &mask);
    let weight = (1.0 - keep) * damp(rest);
    extra.append(&mut labels);
    extra.truncate(3);
    let reason = if rest.is_report() {
        format!(
            "advertising wording ({}), but it may report an offence",
            extra.join(", ")
        )
    } else {
        format!("looks like an advertisement ({})", extra.join(", "))
    };
    Some(RuleHit {
        rule: Rule::Advertising,
        weight,
        reason,
    })
}

// ---------------------------------------------------------------------------------
// Test messages and greetings: the whole message is one.

static TEST_WORDS: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "test|tests|testing|tested|test msg|mic testing|mic check|checking|just checking|\
         is it working|dummy|demo|trial|टेस्ट|टेस्टिंग|परीक्षण|ट्रायल|ٹیسٹ|ٹیسٹنگ|آزمائش",
    )
});
static TEST_FILLER: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "this|is|a|just|only|my|msg|message|please|ignore|sorry|check|ye|yeh|ek|hai|h|sirf|bas|kar|\
         raha|hu|hoon|यह|ये|एक|है|सिर्फ|बस|मैसेज|संदेश|कर|रहा|हूं|یہ|ایک|ہے|صرف|بس|میسج|پیغام|کر|\
         رہا|ہوں",
    )
});
static GREETINGS: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "hi|hello|helloo|helo|hallo|hey|hy|hlo|namaste|namaskar|namskar|pranam|ram ram|\
         jai shri ram|jai shree ram|jai sri ram|jay shri ram|jai siya ram|jai hind|jai bharat|\
         radhe radhe|har har mahadev|salam|salaam|assalam*|asalam*|aslam alaikum|alaikum|walaikum*|\
         adab|khuda hafiz|allah hafiz|good morning|good afternoon|good evening|good night|gm|gn|\
         morning|bye|thanks|thank you|thank u|thanku|thx|shukriya|dhanyavad|dhanyawad|how are you|\
         kaise ho|kaise hain|kya haal|kya hal hai|ok|okay|k|hmm|hm|happy diwali|happy holi|\
         happy new year|happy independence day|happy republic day|happy dussehra|eid mubarak|\
         diwali ki shubhkamnaye|होली की शुभकामनाएं|दीपावली की शुभकामनाएं|दिवाली की शुभकामनाएं|\
         नव वर्ष की शुभकामनाएं|ईद मुबारक|عید مبارک|دیوالی مبارک|नमस्ते|नमस्कार|प्रणाम|राम राम|\
         जय श्री राम|जय हिंद|सुप्रभात|शुभ प्रभात|शुभ रात्रि|धन्यवाद|शुक्रिया|हेलो|हैलो|हाय|\
         राधे राधे|जय सिया राम|कैसे हैं|कैसे हो|ठीक है|ओके|السلام علیکم|اسلام علیکم|السلام|سلام|\
         وعلیکم السلام|علیکم|آداب|خدا حافظ|اللہ حافظ|شکریہ|صبح بخیر|شب بخیر|ہیلو|کیسے ہیں|ٹھیک ہے|\
         جزاک اللہ",
    )
});
static GREETING_FILLER: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "sir|sirji|ji|jee|bhai|bhaiya|bhaiyya|dost|friend|friends|all|everyone|sab|sabko|to|aap|ko|\
         sahab|saheb|dear|madam|mam|please|and|सर|जी|भाई|भैया|साहब|सभी|को|आप|आपको|मैडम|آپ|کو|سر|جی|\
         بھائی|صاحب|سب|سبھی|اور",
    )
});

/// Whether every word is covered by `main` or `filler` (or is a number, when numbers
/// are allowed), with at least one word from `main`.
fn only_of(words: &[String], main: &Lexicon, filler: &[&Lexicon], numbers: bool) -> bool {
    let main_found = main.find(words);
    if main_found.is_empty() {
        return false;
    }
    let mut mask = cover(&main_found, words.len());
    for f in filler {
        for (slot, covered) in mask.iter_mut().zip(cover(&f.find(words), words.len())) {
            *slot |= covered;
        }
    }
    mask.iter()
        .zip(words)
        .all(|(covered, w)| *covered || (numbers && w.bytes().all(|b| b.is_ascii_digit())))
}

/// The whole message is "test", "testing 123" and the like.
fn test_message(words: &Words, media: bool) -> Option<RuleHit> {
    only_of(
        &words.loose,
        &TEST_WORDS,
        &[&TEST_FILLER, &GREETINGS, &GREETING_FILLER],
        true,
    )
    .then(|| RuleHit {
        rule: Rule::TestMessage,
        weight: if media { 0.3 } else { 0.9 },
        reason: if media {
            "only a test message, with media attached"
        } else {
            "only a test message"
        }
        .into(),
    })
}

/// The whole message is a greeting, a thanks or a festival wish.
fn greeting(words: &Words, media: bool) -> Option<RuleHit> {
    only_of(&words.loose, &GREETINGS, &[&GREETING_FILLER], false).then(|| RuleHit {
        rule: Rule::Greeting,
        weight: if media { 0.3 } else { 0.85 },
        reason: if media {
            "only a greeting, with media attached"
        } else {
            "only a greeting"
        }
        .into(),
    })
}

// ---------------------------------------------------------------------------------
// Chain forwards.

static CHAIN: LazyLock<Groups> = LazyLock::new(|| {
    Groups::new(&[
        (
            "\"forwarded as received\"",
            0.8,
            "forwarded as received|forwarded as recieved|fwd as received|as received|\
 forwarded many times|copy paste|जैसा मिला वैसा|जैसा प्राप्त हुआ|यथावत|جیسا موصول ہوا",
        ),
        (
            "asks to forward or share widely",
            0.7,
            "share maximum|maximum share|share max|max share|share this|please share|plz share|\
 pls share|share karo|share kare|share karein|share kijiye|forward karo|forward kare|\
 forward karein|forward this|forward to|forward it|send to all|send to 10|aage bhejo|\
 aage bheje|aage bhejein|sabhi group*|sab group*|all groups|every group|10 groups|\
 zyada se zyada|jyada se jyada|ज्यादा से ज्यादा शेयर|ज्यादा से ज्यादा लोगों|\
 ज्यादा से ज्यादा फॉरवर्ड|अधिक से अधिक शेयर|शेयर करें|शेयर करे|शेयर करो|फॉरवर्ड करें|\
 फारवर्ड करें|आगे भेजें|आगे भेजो|सभी ग्रुप*|सब ग्रुप*|ग्रुप में भेजें|زیادہ سے زیادہ|\
 شیئر کریں|شیئر کرو|آگے بھیجیں|آگے بھیجو|فارورڈ کریں|تمام گروپ*|سب گروپ*",
        ),
        (
            "asks to make it viral",
            0.6,
            "viral karo|viral kare|viral kar do|viral karein|make it viral|make this viral|वायरल करें|\
 वायरल करो|वायरल कर दो|وائرل کریں|وائرل کرو",
        ),
        (
            "chain-letter wording",
            0.5,
            "bad luck|good luck will|within 24 hours|24 ghante me|dont ignore|ignore mat|अनदेखा न करें|\
 इग्नोर मत|24 घंटे में|نظر انداز نہ کریں",
        ),
        ("marked as forwarded", 0.4, "forwarded|fwd|फॉरवर्डेड|فارورڈڈ"),
        ("mentions something viral", 0.15, "viral|वायरल|وائرل"),
    ])
});

/// "Forwarded as received", "share maximum", "aage bhejo", "viral karo".
fn chain_forward(words: &Words) -> Option<RuleHit> {
    let (matched, mask) = CHAIN.matched(&words.loose);
    if matched.is_empty() {
        return None;
    }
    let (score, labels) = CHAIN.score(&matched);
    let rest = substance_of(&words.loose, &mask);
    // Rumours come dressed as reports ("child kidnappers in the village, share"), so
    // substance softens a chain forward less than other rules.
    let weight = score * (0.5 + 0.5 * damp(rest));
    Some(RuleHit {
        rule: Rule::ChainForward,
        weight,
        reason: format!(
            "looks like a chain forward ({})",
            labels.into_iter().take(2).collect::<Vec<_>>().join(", ")
        ),
    })
}

// ---------------------------------------------------------------------------------
// Off-topic requests.

static OFF_TOPIC: LazyLock<Groups> = LazyLock::new(|| {
    Groups::new(&[
        (
            "asks about a job or recruitment",
            0.6,
            "naukri chahiye|job chahiye|job chaiye|need job|need a job|want job|want a job|job dila*|\
 naukri dila*|police bharti|bharti kab|recruitment|नौकरी चाहिए|नौकरी दिला*|रोजगार चाहिए|\
 पुलिस भर्ती|भर्ती कब|نوکری چاہیے|نوکری دلا*|پولیس بھرتی",
        ),
        (
            "asks about a verification or certificate",
            0.55,
            "passport|verification|character certificate|charitra praman|चरित्र प्रमाण|पासपोर्ट|\
 सत्यापन|वेरिफिकेशन|پاسپورٹ|تصدیق|ویریفیکیشن",
        ),
        (
            "about a utility bill or supply",
            0.6,
            "electricity bill|bijli bill|bijli ka bill|light bill|water bill|pani ka bill|bijli nahi|\
 बिजली बिल|बिजली का बिल|पानी का बिल|बिजली नहीं|بجلی کا بل|بجلی بل|پانی کا بل|بجلی نہیں",
        ),
        (
            "about a ration card or pension",
            0.55,
            "ration card|ration|pension|राशन कार्ड|राशन|पेंशन|راشن کارڈ|راشن|پنشن",
        ),
        (
            "asks for a loan",
            0.55,
            "loan chahiye|need loan|need a loan|loan dila*|लोन चाहिए|कर्ज चाहिए|लोन दिला*|قرض چاہیے|\
 لون چاہیے",
        ),
        (
            "asks for an officer's number",
            0.5,
            "number of sho|sho number|sho ka number|thana number|thane ka number|daroga ka number|\
 police ka number|officer ka number|sp ka number|contact number of|phone number of|\
 mobile number of|थाने का नंबर|थाना प्रभारी का नंबर|एसपी का नंबर|दरोगा का नंबर|\
 पुलिस का नंबर|تھانے کا نمبر|پولیس کا نمبر|ایس ایچ او کا نمبر|داروغہ کا نمبر",
        ),
        (
            "a lost-item request (may still be a police matter)",
            0.25,
            "kho gaya|kho gayi|kho gya|kho gai|gum ho gaya|gum ho gya|gum ho gayi|lost my|is lost|\
 got lost|phone lost|mobile lost|i lost|खो गया|खो गई|गुम हो गया|गुम हो गई|گم ہو گیا|\
 گم ہو گئی|کھو گیا|کھو گئی",
        ),
    ])
});

/// Requests police cannot act on as a crime report: jobs, verifications, bills,
/// ration cards, loans, an officer's number; lost items only weakly.
fn off_topic(words: &Words) -> Option<RuleHit> {
    let (matched, mask) = OFF_TOPIC.matched(&words.loose);
    if matched.is_empty() {
        return None;
    }
    let (score, labels) = OFF_TOPIC.score(&matched);
    let rest = substance_of(&words.loose, &mask);
    Some(RuleHit {
        rule: Rule::OffTopic,
        weight: score * damp(rest),
        reason: format!(
            "not a crime report: {}",
            labels.into_iter().take(2).collect::<Vec<_>>().join(", ")
        ),
    })
}

// ---------------------------------------------------------------------------------
// Political rants.

static POLITICAL: LazyLock<Groups> = LazyLock::new(|| {
    Groups::new(&[
        (
            "a party or leader",
            0.3,
            "bjp|bhajpa|congress|samajwadi|bsp|basapa|aap party|aimim|modi|yogi|akhilesh|mayawati|\
 rahul gandhi|owaisi|भाजपा|बीजेपी|कांग्रेस|समाजवादी|सपा|बसपा|मोदी|योगी|अखिलेश|मायावती|\
 राहुल गांधी|ओवैसी|بی جے پی|کانگریس|سماج وادی|مودی|یوگی|اکھلیش|مایاوتی|راہل گاندھی|اویسی",
        ),
        (
            "a slogan",
            0.45,
            "zindabad|murdabad|abki baar|har har modi|hatao|jeetega|जिंदाबाद|मुर्दाबाद|अबकी बार|हटाओ|\
 जीतेगा|زندہ باد|زندہباد|مردہ باد|ہٹاؤ|جیتے گا",
        ),
        (
            "a vote appeal or election",
            0.35,
            "vote|votes|voting|election|elections|chunav|वोट|मतदान|चुनाव|ووٹ|انتخاب|انتخابات",
        ),
        ("the government", 0.25, "sarkar|government|govt|सरकार|حکومت"),
        (
            "a politician",
            0.25,
            "neta|netaji|mantri|vidhayak|mla|नेता|मंत्री|विधायक|सांसद|لیڈر|وزیر|ایم ایل اے",
        ),
    ])
});

/// Slogans, vote appeals and rants about parties and leaders without an offence.
fn political(words: &Words) -> Option<RuleHit> {
    let (matched, mask) = POLITICAL.matched(&words.loose);
    // One political word in a tip ("the MLA's men mine sand") is not a rant.
    let slogan = matched.contains(&1);
    if matched.len() < 2 && !slogan {
        return None;
    }
    let (score, labels) = POLITICAL.score(&matched);
    let rest = substance_of(&words.loose, &mask);
    let weight = (0.3 + score).min(0.8) * damp(rest);
    let labels = labels.into_iter().take(2).collect::<Vec<_>>().join(", ");
    let reason = if rest.is_report() {
        format!("political content ({labels}), but an offence may be reported")
    } else {
        format!("political content without a reported offence ({labels})")
    };
    Some(RuleHit {
        rule: Rule::PoliticalRant,
        weight,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loosen_unifies_spellings() {
        assert_eq!(loosen("sharaab"), "sharab");
        assert_eq!(loosen("रोज़"), loosen("रोज"));
        assert_eq!(loosen("गाँव"), loosen("गांव"));
        assert_eq!(loosen("كتاب"), "کتاب");
        assert_eq!(loosen("९८७"), "987");
        assert_eq!(loosen("۱۲"), "12");
    }

    #[test]
    fn lexicon_matches_phrases_prefixes_and_suffixes() {
        let lexicon = Lexicon::new(["bech*", "call now", "*pur", "**"]);
        let words = Words::new("Wo BECHTA hai, call now! Jaunpur pur").loose;
        let found: Vec<usize> = lexicon.find(&words).iter().map(|f| f.term).collect();
        assert_eq!(found, [0, 1, 2]);
        assert!(!lexicon.any(&Words::new("bec pur").loose));
    }

    #[test]
    fn mash_shapes() {
        for w in [
            "asdfgh",
            "jkl",
            "qwerty",
            "aaaaaa",
            "hahaha",
            "कखगघ",
            "कखग",
            "ابپتٹ",
            "ہہہہ",
            "xkcdqwzp",
        ] {
            assert!(is_mash(&fold(w)), "{w} should look like mash");
        }
        for w in [
            "sharab",
            "strengths",
            "kerakat",
            "हलचल",
            "घर",
            "शराब",
            "بندوق",
            "مستحکم",
            "bhrsht",
            "123",
        ] {
            assert!(!is_mash(&fold(w)), "{w} should not look like mash");
        }
    }
}
