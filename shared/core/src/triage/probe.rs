//! The identity-probe check on officers' questions.
//!
//! Officers must not be able to learn who an informant is, even if they want to; a
//! question that asks for it ("your name?", "come to the station", "call me") would
//! undo the system's anonymity from the inside. Such a question is flagged to the
//! officer, with what it seems to ask for, before it can be sent.

use crate::text::fold;
use serde::{Deserialize, Serialize};

/// What a question seems to ask of the informant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    Name,
    PhoneNumber,
    Address,
    /// To come in person (to the station, an office, a meeting).
    Meeting,
    /// To call, or to be called.
    Call,
    /// An identity document.
    IdDocument,
}

impl Probe {
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Name => "name",
            Probe::PhoneNumber => "phone_number",
            Probe::Address => "address",
            Probe::Meeting => "meeting",
            Probe::Call => "call",
            Probe::IdDocument => "id_document",
        }
    }

    /// For the officer, in English.
    pub fn explain(self) -> &'static str {
        match self {
            Probe::Name => "asks for the informant's name",
            Probe::PhoneNumber => "asks for a phone number",
            Probe::Address => "asks where the informant lives",
            Probe::Meeting => "asks the informant to come in person",
            Probe::Call => "asks the informant to call or be called",
            Probe::IdDocument => "asks for an identity document",
        }
    }
}

/// Phrases (folded: lower case, punctuation as spaces) that ask for each kind, in
/// English, Hindi (Devanagari and romanised) and Urdu.
const PHRASES: [(Probe, &[&str]); 6] = [
    (
        Probe::Name,
        &[
            "your name",
            "ur name",
            "who are you",
            "identify yourself",
            "apna naam",
            "aapka naam",
            "apka naam",
            "tumhara naam",
            "naam batao",
            "naam bataye",
            "naam bataiye",
            "अपना नाम",
            "आपका नाम",
            "तुम्हारा नाम",
            "नाम बताएं",
            "नाम बताइए",
            "नाम बताओ",
            "आप कौन",
            "اپنا نام",
            "آپ کا نام",
            "تمہارا نام",
            "نام بتائیں",
            "آپ کون",
            "name please",
            "your good name",
            "good name",
            "yr name",
            "who r u",
            "who are u",
            "who is this",
            "naam kya hai",
            "aap ka naam",
            "apka nam",
            "aapka nam",
            "tera naam",
            "tumhara nam",
            "pura naam",
            "poora naam",
            "shubh naam",
            "pita ka naam",
            "father's name",
            "fathers name",
            "नाम क्या है",
            "आप का नाम",
            "तुम कौन हो",
            "कौन हो आप",
            "आप कौन हैं",
            "aap kaun",
            "kaun ho",
            "kon ho",
            "نام کیا ہے",
            "آپ کون ہیں",
            "تم کون ہو",
        ],
    ),
    (
        Probe::PhoneNumber,
        &[
            "your number",
            "your phone",
            "your mobile",
            "contact number",
            "phone number",
            "mobile number",
            "apna number",
            "aapka number",
            "mobile no",
            "phone no",
            "अपना नंबर",
            "आपका नंबर",
            "मोबाइल नंबर",
            "फोन नंबर",
            "फ़ोन नंबर",
            "اپنا نمبر",
            "آپ کا نمبر",
            "موبائل نمبر",
            "فون نمبر",
            "ph no",
            "phone no",
            "contact no",
            "contact details",
            "contact number",
            "mob no",
            "mobile no",
            "whatsapp number",
            "number do",
            "number dijiye",
            "number bhejiye",
            "number bhejo",
            "aapka mobile",
            "नंबर दीजिए",
            "नंबर दो",
            "नंबर भेजें",
            "मो नं",
            "نمبر دیں",
            "نمبر بھیجیں",
        ],
    ),
    (
        Probe::Address,
        &[
            "your address",
            "where do you live",
            "where you live",
            "your house",
            "your village",
            "apna pata",
            "aapka pata",
            "pata batao",
            "pata bataye",
            "pata bataiye",
            "address batao",
            "पता बताएं",
            "पता बताइए",
            "पता बताओ",
            "پتہ بتائیں",
            "kahan rehte",
            "kaha rehte",
            "kahan rahte",
            "अपना पता",
            "आपका पता",
            "कहाँ रहते",
            "कहां रहते",
            "आपका घर",
            "اپنا پتہ",
            "آپ کا پتہ",
            "کہاں رہتے",
            "آپ کا گھر",
            "ghar kahan",
            "ghar kaha",
            "kaha rahte",
            "kahan rahte",
            "kis gaon",
            "kis gav",
            "which village",
            "where are you from",
            "where do you stay",
            "mohalla",
            "address kya",
            "address bhejo",
            "address batao",
            "address do",
            "your mobile",
            "आप कहाँ से",
            "आप कहां से",
            "किस गांव",
            "किस गाँव",
            "घर कहाँ",
            "घर कहां",
            "पता क्या",
            "کس گاؤں",
            "آپ کہاں سے",
            "گھر کہاں",
        ],
    ),
    (
        Probe::Meeting,
        &[
            "come to the station",
            "come to station",
            "come to the police station",
            "visit the station",
            "meet me",
            "meet us",
            "come in person",
            "come to office",
            "thane aao",
            "thane aaiye",
            "thane aayen",
            "thana aao",
            "milne aao",
            "mil lo",
            "थाने आ",
            "थाने पर आ",
            "थाना आ",
            "मिलने आ",
            "मुझसे मिल",
            "आकर मिल",
            "تھانے آ",
            "ملنے آ",
            "مجھ سے مل",
            "آ کر مل",
            "station aa",
            "thane aa",
            "thana aa",
            "thaane aa",
            "police station aa",
            "chowki aa",
            "office aa",
            "kotwali aa",
            "come to the thana",
            "visit the police station",
            "can we meet",
            "meet us",
            "milo",
            "mil lijiye",
            "milne aaiye",
            "aapke ghar aayenge",
            "aapke ghar aa",
            "कोतवाली आ",
            "चौकी आ",
            "ऑफिस आ",
            "मिलिए",
            "मिल लीजिए",
            "کوتوالی آ",
            "چوکی آ",
            "ملیں",
        ],
    ),
    (
        Probe::Call,
        &[
            "call me",
            "call us",
            "give me a call",
            "call this number",
            "we will call you",
            "call you",
            "phone me",
            "phone karo",
            "call karo",
            "call kijiye",
            "call karein",
            "मुझे कॉल",
            "कॉल करें",
            "कॉल करो",
            "फोन करें",
            "फोन करो",
            "फ़ोन करें",
            "مجھے کال",
            "کال کریں",
            "فون کریں",
            "please call",
            "missed call",
            "call back",
            "ring me",
            "phone kijiye",
            "phone karein",
            "call kare",
            "aapko call",
            "we will phone",
            "will call you",
            "फोन कीजिए",
            "कॉल कीजिए",
            "फ़ोन कीजिए",
            "आपको कॉल",
            "فون کیجیے",
            "کال کیجیے",
        ],
    ),
    (
        Probe::IdDocument,
        &[
            "aadhaar",
            "aadhar",
            "voter id",
            "pan card",
            "id card",
            "identity card",
            "your id",
            "आधार",
            "पहचान पत्र",
            "वोटर आईडी",
            "पैन कार्ड",
            "آدھار",
            "شناختی کارڈ",
            "adhar",
            "voter card",
            "driving licence",
            "driving license",
            "ration card",
            "identity proof",
            "id proof",
            "राशन कार्ड",
            "ड्राइविंग लाइसेंस",
            "راشن کارڈ",
        ],
    ),
];

/// Letters of other scripts that look like Latin ones, as a sender might use to slip
/// a phrase past the check ("yоur name" with a Cyrillic о).
const LOOKALIKES: [(char, char); 12] = [
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('ԁ', 'd'),
    ('ո', 'n'),
];

/// The question as the check reads it: compatibility forms (fullwidth letters) and
/// look-alike letters made plain, digits that stand for letters ("ph0ne") too.
fn plain(question: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let compatible: String = question.nfkc().collect();
    let folded = fold(&compatible);
    folded
        .chars()
        .map(|c| LOOKALIKES.iter().find(|(from, _)| *from == c).map_or(c, |(_, to)| *to))
        .collect::<String>()
        .split(' ')
        .map(|word| {
            // Only inside words of letters: "ph0ne", "numb3r", never "100" or "2026".
            if word.chars().any(char::is_alphabetic) {
                word.replace('0', "o").replace('1', "i").replace('3', "e")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `question` seems to ask of the informant, in a stable order, each kind once.
pub fn identity_probes(question: &str) -> Vec<Probe> {
    let folded = format!(" {} ", plain(question));
    PHRASES
        .iter()
        .filter(|(_, phrases)| {
            phrases.iter().any(|p| {
                let p = plain(p);
                // Latin phrases match whole words; Devanagari and Urdu phrases match
                // inside words too, since inflections attach to them ("थाने आइए").
                if p.is_ascii() {
                    folded.contains(&format!(" {p} "))
                } else {
                    folded.contains(&p)
                }
            })
        })
        .map(|(probe, _)| *probe)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_that_ask_who_the_informant_is_are_flagged_in_each_language() {
        let cases: [(&str, &[Probe]); 12] = [
            ("What is your name?", &[Probe::Name]),
            (
                "Please share your phone number so we can reach you",
                &[Probe::PhoneNumber],
            ),
            ("Can you come to the police station tomorrow?", &[Probe::Meeting]),
            ("Call me on this number", &[Probe::Call]),
            ("Where do you live exactly?", &[Probe::Address]),
            ("आपका नाम क्या है?", &[Probe::Name]),
            ("कृपया थाने आकर मिलें", &[Probe::Meeting]),
            ("अपना मोबाइल नंबर भेजें", &[Probe::PhoneNumber]),
            ("aapka naam aur pata batao", &[Probe::Name, Probe::Address]),
            ("آپ کا نام کیا ہے؟", &[Probe::Name]),
            ("براہ کرم تھانے آ کر ملیں", &[Probe::Meeting]),
            ("Send a photo of your Aadhaar", &[Probe::IdDocument]),
        ];
        for (question, expected) in cases {
            assert_eq!(identity_probes(question), expected, "{question}");
        }
        // Spellings, scripts and tricks found in review.
        let slipped: [(&str, Probe); 14] = [
            ("Name please?", Probe::Name),
            ("naam kya hai aapka", Probe::Name),
            ("कौन हो आप?", Probe::Name),
            ("yоur name?", Probe::Name),
            ("ｙｏｕｒ ｎａｍｅ", Probe::Name),
            ("ph0ne number bhejo", Probe::PhoneNumber),
            ("whatsapp number do", Probe::PhoneNumber),
            ("ghar kahan hai?", Probe::Address),
            ("which village are you from", Probe::Address),
            ("kal station aa jao", Probe::Meeting),
            ("कोतवाली आइए", Probe::Meeting),
            ("please call back", Probe::Call),
            ("फोन कीजिए", Probe::Call),
            ("ration card ki photo bhejo", Probe::IdDocument),
        ];
        for (question, probe) in slipped {
            assert!(
                identity_probes(question).contains(&probe),
                "{question}: {:?}",
                identity_probes(question)
            );
        }
        let cases: [(&str, &[Probe]); 0] = [];
        for (question, expected) in cases {
            assert_eq!(identity_probes(question), expected, "{question}");
        }
    }

    #[test]
    fn questions_about_the_incident_pass() {
        for question in [
            "What time does the liquor shop open?",
            "Which vehicle was used? Do you know its number plate?",
            "शराब किस घर में बिकती है, उसका रंग क्या है?",
            "वह आदमी कितने बजे आता है?",
            "kitne log the aur unke paas hathiyar the kya?",
            "گاڑی کس رنگ کی تھی؟",
            "Is the suspect's name known?",
            "What is the name of the shop?",
            "What is the address of the shop?",
            "Is it the mobile shop near the chowk?",
            "Is this the lane behind the temple?",
        ] {
            assert!(
                identity_probes(question).is_empty(),
                "{question}: {:?}",
                identity_probes(question)
            );
        }
    }
}
