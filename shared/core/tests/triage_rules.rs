//! The triage rules, the self-disclosure guard, near-duplicate hashing, priority,
//! sensitivity and category suggestion, in Hindi (Devanagari), Urdu (Urdu script),
//! English and romanised Hindi, with hard negatives: the real tip that is short, angry,
//! mentions a phone or money, or reports an advertised illegal lottery.

use proptest::prelude::*;
use satark_core::range::{Category, RangeConfig, Sensitivity};
use satark_core::report::IncidentTime;
use satark_core::triage::category::{OTHER_CATEGORY, suggest_category};
use satark_core::triage::disclosure::{Disclosure, self_disclosures, verhoeff_valid};
use satark_core::triage::priority::{Priority, PriorityInput, priority, sensitivity};
use satark_core::triage::rules::{
    ContentInput, FLOOD_NEAR_COPIES, RATE_LIMIT_PER_DAY, RATE_LIMIT_PER_HOUR, Rule, RuleHit, SenderHistory, combine,
    content_rules, sender_rules, substance,
};
use satark_core::triage::simhash::{
    IMAGE_NEAR_DUPLICATE_BITS, NEAR_DUPLICATE_BITS, hamming, near_duplicate_image, near_duplicate_text, simhash,
    too_short_to_compare,
};

// ---------------------------------------------------------------------------------
// Helpers.

fn hits(text: &str, media_count: usize) -> Vec<RuleHit> {
    content_rules(&ContentInput { text, media_count })
}

/// The weight of `rule` on `text` (no media), 0 when it did not fire.
fn weight(text: &str, rule: Rule) -> f64 {
    weight_with_media(text, 0, rule)
}

fn weight_with_media(text: &str, media: usize, rule: Rule) -> f64 {
    hits(text, media)
        .iter()
        .find(|h| h.rule == rule)
        .map_or(0.0, |h| h.weight)
}

/// `rule` fires strongly on every text.
#[track_caller]
fn strong(rule: Rule, min: f64, texts: &[&str]) {
    for t in texts {
        let w = weight(t, rule);
        assert!(
            w >= min,
            "{rule:?} should fire (>= {min}) on {t:?}, got {w}: {:?}",
            hits(t, 0)
        );
    }
}

/// `rule` is absent or weaker than `max` on every text.
#[track_caller]
fn weak(rule: Rule, max: f64, texts: &[&str]) {
    for t in texts {
        let w = weight(t, rule);
        assert!(
            w < max,
            "{rule:?} should be below {max} on {t:?}, got {w}: {:?}",
            hits(t, 0)
        );
    }
}

/// Genuine tips in each language, which no content rule should call spurious.
const GENUINE: &[&str] = &[
    // Hinglish
    "Kerakat thana ke peeche wale gaon me roz raat ko kachchi sharab banti hai aur bikti hai",
    "sharab bik rahi hai school ke paas",
    "Shahganj bazar me Pappu ki dukan ke peeche jua chalta hai har shaam",
    // Hindi
    "केराकत थाने के पीछे वाले गांव में रोज़ रात को कच्ची शराब बनती है और बिकती है",
    "स्कूल के पास गांजा बिकता है",
    "शाहगंज बाजार में पप्पू की दुकान के पीछे हर शाम जुआ चलता है",
    // Urdu
    "کیراکت تھانے کے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے",
    "اسکول کے پاس چرس بکتی ہے",
    "شاہ گنج بازار میں دکان کے پیچھے ہر شام جوا ہوتا ہے",
    // English
    "Illicit liquor is brewed and sold every night in the village behind Kerakat police station",
    "ganja sold near the school",
    "Gambling every evening behind Pappu's shop in Shahganj market",
];

// ---------------------------------------------------------------------------------
// Rules: ids, combine, sender rules.

#[test]
fn rule_ids_are_stable_and_match_serde() {
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        ids,
        [
            "empty",
            "gibberish",
            "abuse",
            "advertising",
            "test_message",
            "greeting",
            "chain_forward",
            "off_topic",
            "political_rant",
            "flood",
            "rate_limit"
        ]
    );
    for r in Rule::ALL {
        assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::from(r.as_str())));
    }
}

#[test]
fn combine_adds_evidence_in_log_odds() {
    let hit = |w: f64| RuleHit {
        rule: Rule::Abuse,
        weight: w,
        reason: String::new(),
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert_eq!(combine(0.0, &[]), 0.0);
    assert!(close(combine(0.3, &[]), 0.3));
    // One hit of weight w takes a neutral report to (1 + w) / 2.
    assert!(close(combine(0.5, &[hit(0.5)]), 0.75));
    assert!(close(combine(0.5, &[hit(0.9)]), 0.95));
    // Two hits: odds multiply (0.2 → 1:4, then ×3 and ×(5/3)).
    assert!(close(combine(0.2, &[hit(0.5), hit(0.25)]), 5.0 / 9.0));
    // A weight of zero is no evidence; order does not matter; hits only raise.
    assert!(close(combine(0.2, &[hit(0.0)]), 0.2));
    assert_eq!(
        combine(0.2, &[hit(0.5), hit(0.25)]),
        combine(0.2, &[hit(0.25), hit(0.5)])
    );
    for p in [0.01, 0.2, 0.5, 0.9] {
        for w in [0.05, 0.3, 0.7, 0.99] {
            assert!(combine(p, &[hit(w)]) > p, "p {p}, w {w}");
        }
    }
    // A weak hit does not outvote a model sure of a genuine text; a strong one does.
    assert!(combine(0.09, &[hit(0.47)]) < 0.5);
    assert!(combine(0.3, &[hit(0.95)]) > 0.5);
    // Out of range and NaN are clamped or ignored.
    assert_eq!(combine(1.7, &[]), 1.0);
    assert_eq!(combine(-3.0, &[hit(-1.0)]), 0.0);
    assert!(close(combine(f64::NAN, &[hit(f64::NAN)]), 0.5));
    assert_eq!(combine(0.1, &[hit(2.0)]), 1.0);
}

#[test]
fn sender_rules_use_documented_thresholds() {
    assert!(sender_rules(&SenderHistory::default()).is_empty());
    let below = SenderHistory {
        reports_last_hour: RATE_LIMIT_PER_HOUR - 1,
        reports_last_day: RATE_LIMIT_PER_DAY - 1,
        near_copies_from_same_sender: FLOOD_NEAR_COPIES - 1,
    };
    assert!(sender_rules(&below).is_empty(), "{:?}", sender_rules(&below));

    let flood = sender_rules(&SenderHistory {
        near_copies_from_same_sender: FLOOD_NEAR_COPIES,
        ..Default::default()
    });
    assert_eq!(flood.iter().map(|h| h.rule).collect::<Vec<_>>(), [Rule::Flood]);
    assert!(flood[0].reason.contains(&FLOOD_NEAR_COPIES.to_string()));
    let bigger = sender_rules(&SenderHistory {
        near_copies_from_same_sender: FLOOD_NEAR_COPIES + 5,
        ..Default::default()
    });
    assert!(bigger[0].weight > flood[0].weight && bigger[0].weight <= 0.9);

    let hourly = sender_rules(&SenderHistory {
        reports_last_hour: RATE_LIMIT_PER_HOUR,
        reports_last_day: RATE_LIMIT_PER_HOUR,
        ..Default::default()
    });
    assert_eq!(hourly.iter().map(|h| h.rule).collect::<Vec<_>>(), [Rule::RateLimit]);
    assert!(hourly[0].reason.contains("hour"), "{}", hourly[0].reason);
    let daily = sender_rules(&SenderHistory {
        reports_last_hour: 0,
        reports_last_day: RATE_LIMIT_PER_DAY + 10,
        ..Default::default()
    });
    assert_eq!(daily.len(), 1);
    assert!(daily[0].reason.contains("day") && !daily[0].reason.contains("hour"));
    assert!(daily[0].weight > hourly[0].weight);
    let both = sender_rules(&SenderHistory {
        reports_last_hour: 50,
        reports_last_day: 500,
        near_copies_from_same_sender: 40,
    });
    assert_eq!(both.len(), 2);
    assert!(both.iter().all(|h| (0.0..=1.0).contains(&h.weight)));
}

// ---------------------------------------------------------------------------------
// Content rules: genuine tips pass.

#[test]
fn genuine_tips_raise_no_spurious_rule() {
    for t in GENUINE {
        let found = hits(t, 0);
        assert!(found.iter().all(|h| h.weight < 0.2), "{t:?}: {found:?}");
        assert!(combine(0.0, &found) < 0.25, "{t:?}: {found:?}");
    }
}

#[test]
fn substance_finds_crime_place_time_action() {
    let s = substance("वो साला रोज़ शराब बेचता है, थाने के पीछे");
    assert!(s.crime && s.place && s.time && s.action, "{s:?}");
    assert_eq!(s.score(), 5);
    let s = substance("hello sir, how are you");
    assert_eq!(s.score(), 0);
    assert!(!s.is_report());
    assert!(substance("کیراکت میں کچی شراب").crime);
    assert!(substance("every night behind the temple").time);
}

// ---------------------------------------------------------------------------------
// Empty.

#[test]
fn empty_needs_no_words_and_no_media() {
    for t in ["", "   \n  ", "\u{200D}\u{200C}", "!!! ...", "🙏🙏🙏"] {
        let w = weight(t, Rule::Empty);
        assert!(w >= 0.9, "{t:?}: {w}");
    }
    // A photo of a liquor still with no caption is evidence, not empty.
    for t in ["", "🙏", "  "] {
        assert!(hits(t, 1).is_empty(), "{t:?} with media: {:?}", hits(t, 1));
    }
    for t in ["sharab", "शराब", "شراب", "liquor"] {
        assert_eq!(weight(t, Rule::Empty), 0.0, "{t}");
    }
}

// ---------------------------------------------------------------------------------
// Gibberish.

#[test]
fn gibberish_in_every_script() {
    strong(
        Rule::Gibberish,
        0.6,
        &[
            // English / Latin keyboard mash
            "asdfgh jkl",
            "qwerty uiop",
            "hahahaha",
            // Hinglish-typed noise
            "xkcdqwzp mnbvc",
            "aaaaaaa bbbbbb",
            // Devanagari without matras, letter runs, repeats
            "कखगघ चछजझ",
            "ककककक",
            "तथदधन पफबभ",
            // Urdu letter runs and repeats
            "ابپتٹ ثجچح",
            "ہہہہہہ",
            // Emoji and symbols
            "😂😂😂😂😂😂 ok",
            "12345 6789",
        ],
    );
}

#[test]
fn gibberish_spares_real_text_and_media() {
    weak(Rule::Gibberish, 0.05, GENUINE);
    weak(
        Rule::Gibberish,
        0.05,
        &[
            "pleaseeeee help, liquor sold near school",
            "हलचल मची है गांव में",
            "مستحکم گروہ شراب بیچتا ہے",
            "bhrsht daroga",
            "sharab 🍾🍾 bik rahi hai",
        ],
    );
    // A mash caption on a photo is a weaker signal than mash alone.
    assert!(weight_with_media("asdfgh jkl", 1, Rule::Gibberish) < weight("asdfgh jkl", Rule::Gibberish));
    // Mash next to a real tip is diluted by its substance.
    assert!(weight("asdfgh kerakat me sharab bikti hai", Rule::Gibberish) < 0.2);
}

// ---------------------------------------------------------------------------------
// Abuse.

#[test]
fn abuse_without_substance_is_strong() {
    strong(
        Rule::Abuse,
        0.6,
        &[
            "you fucking idiot",
            "bastard asshole",
            "saala kamina harami",
            "bc mc chutiya",
            "साले कमीने हरामी",
            "कुत्ते कमीने",
            "حرامی کمینے بے غیرت",
            "کمینہ سالا",
        ],
    );
}

#[test]
fn angry_genuine_tips_are_only_weak_abuse() {
    let angry = [
        "वो साला रोज़ शराब बेचता है, थाने के पीछे",
        "wo saala harami roz raat thane ke peeche sharab bechta hai",
        "that bastard sells liquor every night behind the police station",
        "وہ حرامی روز رات تھانے کے پیچھے شراب بیچتا ہے",
    ];
    for t in angry {
        let w = weight(t, Rule::Abuse);
        assert!(w > 0.0 && w < 0.15, "{t:?}: abuse weight {w}");
        let reason = hits(t, 0).into_iter().find(|h| h.rule == Rule::Abuse).map(|h| h.reason);
        assert!(reason.is_some_and(|r| r.contains("genuine")), "{t:?}");
    }
    // The weight depends on substance: the same insult with less to act on weighs more.
    assert!(weight("साला", Rule::Abuse) > weight("साला शराब बेचता है", Rule::Abuse));
    assert!(weight("साला शराब बेचता है", Rule::Abuse) > weight(angry[0], Rule::Abuse));
    weak(Rule::Abuse, 0.01, GENUINE);
}

// ---------------------------------------------------------------------------------
// Advertising.

#[test]
fn advertisements_in_every_language() {
    strong(
        Rule::Advertising,
        0.5,
        &[
            "Instant personal loan available, low interest, call now",
            "Satta king online id, welcome bonus, download app",
            "Work from home, earn daily 5000, join now https://chat.whatsapp.com/AbC123xyz",
            "ghar baithe kamaye, abhi call kare, limited offer",
            "Plot for sale, prime location, only ₹4,99,000, booking open",
            "घर बैठे कमाएं! सिर्फ ₹499 में कोचिंग एडमिशन, अभी कॉल करें",
            "आसान लोन, कम ब्याज, संपर्क करें",
            "فوری قرض حاصل کریں، کم سود، ابھی کال کریں",
            "گھر بیٹھے کمائیں، رابطہ کریں، آفر",
        ],
    );
    // A video of the crime on YouTube is evidence, not an advert.
    assert_eq!(
        weight(
            "https://youtu.be/abc123 video dekho, Pappu ke haath me katta hai",
            Rule::Advertising
        ),
        0.0
    );
    assert!(weight("Free iPhone, click here bit.ly/xyz", Rule::Advertising) >= 0.5);
    // An invite link alone is a strong sign.
    assert!(weight("join https://chat.whatsapp.com/Kx81", Rule::Advertising) >= 0.7);
}

#[test]
fn reports_about_advertised_crimes_are_not_advertising() {
    weak(
        Rule::Advertising,
        0.25,
        &[
            // An advertised illegal lottery, reported.
            "Some men are distributing pamphlets for an illegal lottery near Shahganj bus stand, \
             saying win 1 lakh, call now. Many people were cheated of money.",
            "Shahganj bus stand ke paas avaidh lottery chal rahi hai, jeeto jeeto bolkar log thagi kar rahe hain",
            "शाहगंज बस स्टैंड के पास कुछ लोग अवैध लॉटरी के पर्चे बांट रहे हैं, 1 लाख जीतो कहकर ठगी कर रहे हैं",
            "شاہ گنج بس اسٹینڈ کے پاس ناجائز لاٹری چل رہی ہے، لوگوں سے دھوکہ ہو رہا ہے",
            // A betting den, not a betting app.
            "gaon me satta matka ka adda chalta hai roz shaam",
            // A price in a genuine tip.
            "sirf 50 rupaye me sharab milti hai school ke paas",
        ],
    );
    weak(Rule::Advertising, 0.01, GENUINE);
}

#[test]
fn tips_that_mention_money_or_a_phone_are_genuine() {
    let tips = [
        "Wo dukandaron se har hafte 500 rupaye vasooli karta hai, phone par dhamki deta hai",
        "वो दुकानदारों से हर हफ्ते 500 रुपये वसूली करता है, फोन पर धमकी देता है",
        "وہ دکانداروں سے ہر ہفتے 500 روپے بھتہ لیتا ہے، فون پر دھمکی دیتا ہے",
        "He collects 500 rupees every week from shopkeepers and threatens them on the phone",
        "Mera phone chori ho gaya, Shahganj bazar me do ladke bike se chheen kar bhaage",
    ];
    for t in tips {
        let found = hits(t, 0);
        assert!(found.iter().all(|h| h.weight < 0.1), "{t:?}: {found:?}");
    }
}

// ---------------------------------------------------------------------------------
// Test messages and greetings.

#[test]
fn test_messages_in_every_language() {
    strong(
        Rule::TestMessage,
        0.85,
        &[
            "test",
            "Testing 123",
            "test message, please ignore",
            "hello test",
            "ye test hai",
            "टेस्ट",
            "यह एक टेस्ट है",
            "ٹیسٹ",
            "یہ ٹیسٹ ہے",
        ],
    );
    weak(
        Rule::TestMessage,
        0.01,
        &[
            "Board exam test me paise lekar nakal karwa rahe hain Kerakat inter college me",
            "टेस्ट के नाम पर पैसे लेकर नकल करवा रहे हैं",
            "ٹیسٹ کے نام پر پیسے لے کر نقل کرواتے ہیں",
            "They sell fake covid test certificates near the hospital",
        ],
    );
    // A test message is not also called a greeting.
    assert_eq!(weight("hello test", Rule::Greeting), 0.0);
}

#[test]
fn greetings_alone_in_every_language() {
    strong(
        Rule::Greeting,
        0.8,
        &[
            "hi",
            "Hiii",
            "Hello sir",
            "good morning sir ji",
            "namaste",
            "Jai Shri Ram",
            "Assalamualaikum bhai",
            "नमस्ते सर 🙏",
            "जय श्री राम",
            "प्रणाम",
            "السلام علیکم",
            "آداب",
            "Happy Diwali to all",
            "दीपावली की शुभकामनाएं",
            "عید مبارک",
        ],
    );
    weak(
        Rule::Greeting,
        0.01,
        &[
            "Namaste sir, Kerakat me kachchi sharab bik rahi hai",
            "नमस्ते सर, थाने के पीछे जुआ चल रहा है",
            "السلام علیکم، تھانے کے پیچھے جوا ہوتا ہے",
            "Good morning sir, there is gambling behind the bus stand",
            "Ram Ram, Ramu ki dukan par ganja bikta hai",
            "Happy Diwali sir, gaon me jua chal raha hai",
        ],
    );
    // "hi" with a photo: the photo may be the report.
    let w = weight_with_media("hi", 1, Rule::Greeting);
    assert!(w > 0.0 && w < 0.4, "{w}");
}

// ---------------------------------------------------------------------------------
// Chain forwards.

#[test]
fn chain_forwards_in_every_language() {
    strong(
        Rule::ChainForward,
        0.6,
        &[
            "Forwarded as received. Child kidnapping gang roaming in villages, forward to all groups",
            "Share maximum!!! make it viral",
            "aage bhejo sabhi group me, zyada se zyada share karo",
            "सभी ग्रुप में भेजें, ज्यादा से ज्यादा शेयर करें",
            "यह संदेश आगे भेजें",
            "زیادہ سے زیادہ شیئر کریں، آگے بھیجیں",
        ],
    );
    weak(
        Rule::ChainForward,
        0.2,
        &[
            "A viral video shows Pappu firing a katta in Nevada village yesterday",
            "viral video me Pappu Nevada gaon me katta lahra raha hai",
            "वायरल वीडियो में पप्पू नेवादा गांव में कट्टा लहरा रहा है",
            "وائرل ویڈیو میں پپو گاؤں میں پستول لہرا رہا ہے",
        ],
    );
    weak(Rule::ChainForward, 0.01, GENUINE);
}

// ---------------------------------------------------------------------------------
// Off-topic requests.

#[test]
fn off_topic_requests_in_every_language() {
    strong(
        Rule::OffTopic,
        0.45,
        &[
            "When will my passport verification be done?",
            "I need a job, please help",
            "sir mujhe naukri chahiye",
            "SHO ka number chahiye",
            "bijli ka bill bahut zyada aaya hai",
            "बिजली का बिल बहुत ज्यादा आया है",
            "थाने का नंबर दीजिए",
            "मेरा चरित्र प्रमाण पत्र कब बनेगा",
            "میرا راشن کارڈ نہیں بنا",
            "پاسپورٹ کی تصدیق کب ہوگی",
        ],
    );
    // A lost phone is arguably a police matter: only a weak hit.
    for t in [
        "mera phone kho gaya",
        "मेरा फोन खो गया",
        "میرا فون گم ہو گیا",
        "I lost my phone in the market",
    ] {
        let w = weight(t, Rule::OffTopic);
        assert!(w > 0.05 && w <= 0.3, "{t:?}: {w}");
    }
    weak(
        Rule::OffTopic,
        0.2,
        &[
            "Passport office ke bahar dalal paise lekar kaam karwate hain",
            "कोटेदार राशन की चोरी करता है, गांव के लोग परेशान हैं",
            "کوٹے دار راشن کی چوری کرتا ہے",
            "The ration dealer steals rations every month in our village",
        ],
    );
    weak(Rule::OffTopic, 0.01, GENUINE);
}

// ---------------------------------------------------------------------------------
// Political rants.

#[test]
fn political_rants_in_every_language() {
    strong(
        Rule::PoliticalRant,
        0.5,
        &[
            "Vote for BJP, Modi zindabad",
            "Yogi sarkar murdabad, Akhilesh zindabad",
            "भाजपा को वोट दें, मोदी जिंदाबाद",
            "योगी सरकार हटाओ",
            "مودی حکومت مردہ باد",
        ],
    );
    weak(
        Rule::PoliticalRant,
        0.25,
        &[
            // One political word in a real tip.
            "Vidhayak ke bhai ke log raat bhar nadi se avaidh khanan karte hain",
            "विधायक के आदमी रात में नदी से अवैध खनन करते हैं",
            "ایم ایل اے کے آدمی رات کو ناجائز کان کنی کرتے ہیں",
            "The MLA's men mine sand illegally from the river every night",
            // An election offence, reported.
            "Chunav se pehle neta ji ke aadmi gaon me sharab baant rahe hain",
            "चुनाव से पहले नेता के आदमी गांव में शराब बांट रहे हैं",
        ],
    );
    weak(Rule::PoliticalRant, 0.01, GENUINE);
}

#[test]
fn reasons_are_english_and_do_not_quote_the_text() {
    let texts = [
        "Instant personal loan available, low interest, call now",
        "साले कमीने हरामी",
        "Forwarded as received, forward to all groups",
        "sir mujhe naukri chahiye",
        "asdfgh jkl",
        "Modi zindabad vote for bjp",
    ];
    for t in texts {
        for h in hits(t, 0) {
            assert!(!h.reason.is_empty() && h.reason.is_ascii(), "{h:?}");
            assert!(!h.reason.contains("कमीने") && !h.reason.contains("naukri"), "{h:?}");
            assert!((0.0..=1.0).contains(&h.weight));
        }
    }
}

// ---------------------------------------------------------------------------------
// Disclosure: Verhoeff.

/// The Verhoeff check digit, written independently of the library from the published
/// dihedral-group tables.
fn verhoeff_check_digit(digits: &[u8]) -> u8 {
    const D: [[u8; 10]; 10] = [
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
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        c = D[c as usize][P[(i + 1) % 8][d as usize] as usize];
    }
    INV[c as usize]
}

fn to_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// Valid 12-digit Aadhaar-shaped numbers from a fixed pseudo-random sequence.
fn aadhaar_numbers(n: usize) -> Vec<String> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            let mut digits: Vec<u8> = (0..11)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 10) as u8
                })
                .collect();
            digits[0] = 2 + digits[0] % 8;
            let check = verhoeff_check_digit(&digits);
            digits.push(check);
            to_string(&digits)
        })
        .collect()
}

#[test]
fn verhoeff_accepts_generated_numbers() {
    assert_eq!(verhoeff_check_digit(&[2, 3, 6]), 3); // the textbook example
    assert!(verhoeff_valid("2363"));
    for number in aadhaar_numbers(200) {
        assert!(verhoeff_valid(&number), "{number}");
    }
    assert!(!verhoeff_valid(""));
    assert!(!verhoeff_valid("2345 6789"));
    assert!(!verhoeff_valid("abc"));
}

#[test]
fn verhoeff_catches_every_substitution_and_adjacent_transposition() {
    for number in aadhaar_numbers(60) {
        let digits: Vec<u8> = number.bytes().map(|b| b - b'0').collect();
        for i in 0..digits.len() {
            for d in 0..10u8 {
                if d == digits[i] {
                    continue;
                }
                let mut wrong = digits.clone();
                wrong[i] = d;
                assert!(!verhoeff_valid(&to_string(&wrong)), "substitution at {i} of {number}");
            }
        }
        for i in 0..digits.len() - 1 {
            if digits[i] == digits[i + 1] {
                continue;
            }
            let mut swapped = digits.clone();
            swapped.swap(i, i + 1);
            assert!(
                !verhoeff_valid(&to_string(&swapped)),
                "transposition at {i} of {number}"
            );
        }
    }
}

/// `number` in another script's digits.
fn in_script(number: &str, zero: char) -> String {
    number
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(zero as u32 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Disclosure: numbers.

fn kinds(text: &str) -> Vec<Disclosure> {
    self_disclosures(text)
}

#[test]
fn disclosure_ids_are_stable() {
    let ids: Vec<&str> = Disclosure::ALL.iter().map(|d| d.as_str()).collect();
    assert_eq!(ids, ["phone_number", "aadhaar", "pan", "email", "name"]);
    for d in Disclosure::ALL {
        assert_eq!(serde_json::to_value(d).ok(), Some(serde_json::Value::from(d.as_str())));
    }
}

#[test]
fn aadhaar_needs_a_valid_checksum() {
    for number in aadhaar_numbers(20) {
        let grouped = format!("{} {} {}", &number[..4], &number[4..8], &number[8..]);
        for text in [
            format!("mera aadhaar {number} hai"),
            format!("मेरा आधार नंबर {grouped} है"),
            format!("میرا آدھار {} ہے", in_script(&grouped, '۰')),
            format!("My Aadhaar is {}", in_script(&number, '०')),
            format!("aadhaar {}-{}-{}", &number[..4], &number[4..8], &number[8..]),
        ] {
            let found = kinds(&text);
            if number.starts_with("91") && number.as_bytes()[2] >= b'6' && !text.contains(' ') {
                continue;
            }
            assert!(found.contains(&Disclosure::Aadhaar), "{text:?}: {found:?}");
            assert!(!found.contains(&Disclosure::PhoneNumber), "{text:?}: {found:?}");
        }
        // One digit off: not an Aadhaar (and not a phone number either).
        let last = number.as_bytes()[11] - b'0';
        let wrong = format!("{}{}", &number[..11], (last + 1) % 10);
        assert!(
            !kinds(&format!("aadhaar {wrong}")).contains(&Disclosure::Aadhaar),
            "{wrong}"
        );
    }
    // Mixed scripts inside one number.
    let number = &aadhaar_numbers(1)[0];
    let mixed = format!("{}{}", &number[..6], in_script(&number[6..], '٠'));
    assert_eq!(kinds(&mixed), [Disclosure::Aadhaar]);
}

#[test]
fn aadhaar_first_digit_must_be_two_to_nine() {
    let mut digits = vec![1u8, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
    digits.push(verhoeff_check_digit(&digits));
    let number = to_string(&digits);
    assert!(verhoeff_valid(&number));
    assert!(!kinds(&number).contains(&Disclosure::Aadhaar));
}

#[test]
fn phone_numbers_in_every_script_and_grouping() {
    let texts = [
        "9876543210",
        "call me on +91 98765 43210",
        "+91-9876543210",
        "09876543210",
        "919876543210",
        "mera no. 98765-43210 pe call karna",
        "987 654 3210",
        "मेरा नंबर ९८७६५४३२१० है",
        "मेरा नंबर 98765 ४३२१० है",
        "میرا نمبر ۹۸۷۶۵۴۳۲۱۰ ہے",
        "رابطہ ٩٨٧٦٥٤٣٢١٠",
        "mob:6345678901",
        "two numbers 9876543210 8765432109",
        "uska number nahi pata, mera number 9876543210 hai",
        "is number par call karo 9876543210",
    ];
    for t in texts {
        assert_eq!(kinds(t), [Disclosure::PhoneNumber], "{t:?}");
    }
}

#[test]
fn numbers_that_are_not_phones() {
    let texts = [
        "UP62 AB 1234",
        "gaadi number UP 62 AB 1234 hai",
        "Rs 9000000000",
        "₹ 9876543210",
        "9876543210 rupaye ka ghotala",
        "5876543210",
        "12-05-2024 10:30",
        "2024-05-12",
        "call 112 or 100 or 1090 or 1098",
        "12345678901234567890",
        "UTR 987654321012",
        "1234 5678 90",
        "9000 800000000",
        "लगभग 50,00,00,000 रुपये",
        // The suspect's number is the tip itself.
        "unka number 9876543210 hai, raat ko sharab ka order leta hai",
        "उसका नंबर 98765 43210 है",
        "اس کا نمبر ۹۸۷۶۵۴۳۲۱۰ ہے",
        "his number is +91 98765 43210",
    ];
    for t in texts {
        assert!(kinds(t).is_empty(), "{t:?}: {:?}", kinds(t));
    }
}

#[test]
fn pan_email_and_dedup_order() {
    assert_eq!(kinds("PAN: ABCPE1234F"), [Disclosure::Pan]);
    assert_eq!(kinds("mera pan abcpe1234f hai"), [Disclosure::Pan]);
    assert_eq!(kinds("पैन AAACB1234C"), [Disclosure::Pan]); // a company (C)
    assert!(kinds("ABCXE1234F").is_empty(), "X is not a holder type");
    assert!(kinds("ABCPE12345").is_empty());
    assert!(kinds("XABCPE1234F").is_empty());

    for t in [
        "rahul.k@gmail.com",
        "मेरा ईमेल rahul@yahoo.co.in है",
        "ای میل: ahmad_99@hotmail.com",
    ] {
        assert_eq!(kinds(t), [Disclosure::Email], "{t:?}");
    }
    for t in ["@username", "rahul@gmail", "a@b.c", "me @ home. com", "@@@@"] {
        assert!(kinds(t).is_empty(), "{t:?}");
    }

    let number = &aadhaar_numbers(1)[0];
    let all = format!(
        "My name is Rahul. Call 9876543210 or 98765 43210, rahul@gmail.com, PAN ABCPE1234F, Aadhaar {number}, \
         again 9876543210"
    );
    assert_eq!(kinds(&all), Disclosure::ALL);
}

// ---------------------------------------------------------------------------------
// Disclosure: names.

#[test]
fn own_name_in_every_language() {
    let texts = [
        // English
        "My name is Rahul",
        "my name is rahul and I live here",
        "I am Rahul Kumar from Kerakat",
        "i am rahul kumar",
        "I'm Suresh, a resident of Shahganj",
        "Myself Suresh Yadav",
        // Hindi
        "मेरा नाम रमेश है",
        "मेरा नाम है रमेश",
        "मैं रमेश बोल रहा हूँ",
        "मैं सुनीता देवी बोल रही हूं",
        "मैं रमेश यादव हूँ",
        // Urdu
        "میرا نام احمد ہے",
        "میں احمد بول رہا ہوں",
        "میں احمد خان ہوں",
        // Hinglish
        "mera naam Ramesh hai",
        "mera nam hai ramesh",
        "main Ramesh bol raha hu",
        "mai ramesh yadav hu",
    ];
    for t in texts {
        assert_eq!(kinds(t), [Disclosure::Name], "{t:?}");
    }
}

#[test]
fn other_peoples_names_and_feelings_are_not_disclosures() {
    let texts = [
        // English
        "I am scared",
        "I am afraid to give my name",
        "I am from Kerakat",
        "I am a shopkeeper",
        "I Am Worried",
        "my name should not come out",
        "My name is not important",
        "his name is Raju",
        "The man's name is Raju Yadav",
        "I am telling the truth",
        // Hindi
        "उसका नाम राजू है",
        "मेरा नाम गुप्त रखें",
        "मेरा नाम मत बताना",
        "मैं गांव से बोल रहा हूँ",
        "मैं डर गया हूँ",
        "वो रमेश बोल रहा था",
        // Urdu
        "اس کا نام راجو ہے",
        "میرا نام ظاہر نہ کریں",
        "میں گاؤں سے بول رہا ہوں",
        // Hinglish
        "us aadmi ka naam Raju hai",
        "mera naam mat batana",
        "mera naam kisi ko mat batana",
        "main sach bol raha hu",
        "gaon mein Ramesh bol raha tha",
    ];
    for t in texts {
        assert!(kinds(t).is_empty(), "{t:?}: {:?}", kinds(t));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn guard_and_rules_never_panic(text in any::<String>(), media in 0usize..3) {
        let found = self_disclosures(&text);
        let mut sorted = found.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(&found, &sorted);
        let hits = content_rules(&ContentInput { text: &text, media_count: media });
        prop_assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.weight)));
        let _ = simhash(&text);
        let _ = too_short_to_compare(&text);
    }

    #[test]
    fn digit_soup_never_panics(text in "[0-9०-९۰-۹٠-٩ +\\-.@a-zA-Z]{0,300}") {
        let _ = self_disclosures(&text);
        let _ = verhoeff_valid(&text);
        let _ = content_rules(&ContentInput { text: &text, media_count: 0 });
    }
}

#[test]
fn long_inputs_are_scanned() {
    let digits = "9".repeat(200_000);
    assert!(self_disclosures(&digits).is_empty());
    let spaced = "98765 ".repeat(40_000);
    let _ = self_disclosures(&spaced);
    let mixed: String = (0..200_000)
        .map(|i| ['9', ' ', '@', 'a', '.', '-', '۹', 'क', '+', 'M'][i * 7 % 10])
        .collect();
    let _ = self_disclosures(&mixed);
    let at_signs = "a@".repeat(100_000);
    assert!(self_disclosures(&at_signs).is_empty());
    let words = "mera naam ".repeat(20_000);
    let _ = self_disclosures(&words);
    let _ = content_rules(&ContentInput {
        text: &words,
        media_count: 0,
    });
    let _ = simhash(&words);
    let tip = format!("{} call 9876543210", "x".repeat(199_000));
    assert_eq!(self_disclosures(&tip), [Disclosure::PhoneNumber]);
}

// ---------------------------------------------------------------------------------
// SimHash.

#[test]
fn simhash_is_pinned() {
    // Stored with every report: this value must never change.
    let h = simhash("Kerakat thana ke peeche kachchi sharab bikti hai");
    assert_eq!(h, PINNED);
    assert_eq!(simhash(""), 0);
    assert_eq!(simhash("!!! 🙏"), 0);
    assert!(!near_duplicate_text(0, 0));
}

const PINNED: u64 = 0xb8f5_c595_902e_4669;

/// A tip and near copies of it: re-punctuated, forwarded with emoji, one word changed,
/// re-spaced, spelt differently.
const NEAR: &[(&str, &[&str])] = &[
    (
        "Kerakat thana ke peeche wale gaon me roz raat ko kachchi sharab banti hai aur bikti hai, Ramu ka aadmi chalata hai",
        &[
            "*Forwarded* Kerakat thana ke peeche wale gaon me roz raat ko kachchi sharab banti hai aur bikti hai!!! Ramu ka aadmi chalata hai 🙏🙏",
            "Kerakat thana ke peeche wale gaon me roz raat ko kachchi sharab banti hai aur bikti hai, Ramu ka banda chalata hai",
            "Kerakat thana ke pichhe wale gaon me roz raat ko kachchi sharaab banti hai aur bikti hai, Ramu ka aadmi chalata hai",
            "KERAKAT THANA KE PEECHE WALE GAON ME ROZ RAAT KO KACHCHI SHARAB BANTI HAI AUR BIKTI HAI RAMU KA AADMI CHALATA HAI",
        ],
    ),
    (
        "केराकत थाने के पीछे वाले गांव में रोज़ रात को कच्ची शराब बनती है और बिकती है, रामू का आदमी चलाता है",
        &[
            "केराकत थाने के पीछे वाले गाँव में रोज रात को कच्ची शराब बनती है और बिकती है। रामू का आदमी चलाता है",
            "केराकत थानेके पीछे वाले गांव में रोज़ रात को कच्ची शराब बनती है और बिकती है, रामू का आदमी चलाता है 🙏",
            "केराकत थाने के पीछे वाले गांव में रोज़ रात को कच्ची शराब बनती है और बेची जाती है, रामू का आदमी चलाता है",
        ],
    ),
    (
        "کیراکت تھانے کے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے، رامو کا آدمی چلاتا ہے",
        &[
            "کیراکت تھانے کے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے۔ رامو کا آدمی چلاتا ہے",
            "کیراکت تھانےکے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے، رامو کا بندہ چلاتا ہے",
            "كيراكت تھانے کے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے، رامو کا آدمی چلاتا ہے",
        ],
    ),
    (
        "Every night illicit liquor is brewed and sold in the village behind Kerakat police station, run by Ramu's man",
        &[
            "Every night illicit liquor is brewed and sold in the village behind Kerakat police station, run by Ramu's man.",
            "Every night illicit liquor is made and sold in the village behind Kerakat police station, run by Ramu's man",
            "FWD: every night illicit liquor is brewed & sold in the village behind Kerakat police station - run by Ramu's man!!",
        ],
    ),
];

/// Different tips about the same crime in the same district, in each language.
const DIFFERENT: &[&[&str]] = &[
    &[
        "Kerakat thana ke peeche wale gaon me roz raat ko kachchi sharab banti hai aur bikti hai, Ramu ka aadmi chalata hai",
        "Kerakat bazar me Sonu ki dukan par din me bhi sharab milti hai, police ko sab pata hai",
        "Kerakat ke Nevada gaon me Pappu kachchi sharab ki bhatti chalata hai nahar ke kinare",
        "Kerakat thane ke samne theke par raat 11 baje ke baad bhi daru bikti hai",
        "Kerakat me school ke paas ek aadmi sharab bechta hai, bachche bhi kharidte hain",
    ],
    &[
        "केराकत थाने के पीछे वाले गांव में रोज़ रात को कच्ची शराब बनती है और बिकती है, रामू का आदमी चलाता है",
        "केराकत बाजार में सोनू की दुकान पर दिन में भी शराब मिलती है, पुलिस को सब पता है",
        "केराकत के नेवादा गांव में पप्पू कच्ची शराब की भट्टी चलाता है नहर के किनारे",
        "केराकत थाने के सामने ठेके पर रात 11 बजे के बाद भी दारू बिकती है",
        "केराकत में स्कूल के पास एक आदमी शराब बेचता है, बच्चे भी खरीदते हैं",
    ],
    &[
        "کیراکت تھانے کے پیچھے والے گاؤں میں روز رات کو کچی شراب بنتی ہے اور بکتی ہے، رامو کا آدمی چلاتا ہے",
        "کیراکت بازار میں سونو کی دکان پر دن میں بھی شراب ملتی ہے، پولیس کو سب پتہ ہے",
        "کیراکت کے نیوادہ گاؤں میں پپو کچی شراب کی بھٹی چلاتا ہے نہر کے کنارے",
        "کیراکت تھانے کے سامنے ٹھیکے پر رات 11 بجے کے بعد بھی دارو بکتی ہے",
        "کیراکت میں اسکول کے پاس ایک آدمی شراب بیچتا ہے، بچے بھی خریدتے ہیں",
    ],
    &[
        "Every night illicit liquor is brewed and sold in the village behind Kerakat police station, run by Ramu's man",
        "In Kerakat market liquor is sold even in daytime at Sonu's shop, police know everything",
        "Pappu runs a country liquor still by the canal in Nevada village of Kerakat",
        "Liquor is sold at the shop opposite Kerakat police station even after 11 at night",
        "A man sells liquor near the school in Kerakat, even children buy it",
    ],
];

#[test]
fn near_copies_are_near() {
    for (tip, copies) in NEAR {
        let h = simhash(tip);
        assert!(!too_short_to_compare(tip));
        for copy in *copies {
            let d = hamming(h, simhash(copy));
            assert!(near_duplicate_text(h, simhash(copy)), "{d} bits: {tip:?} vs {copy:?}");
        }
    }
}

#[test]
fn different_tips_about_the_same_crime_are_not_near() {
    for tips in DIFFERENT {
        for (i, a) in tips.iter().enumerate() {
            for b in &tips[i + 1..] {
                let d = hamming(simhash(a), simhash(b));
                assert!(d > NEAR_DUPLICATE_BITS + 3, "{d} bits: {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn short_texts_are_not_compared() {
    for t in [
        "sharab",
        "daru bik rahi hai",
        "शराब",
        "شراب",
        "liquor sold here",
        "hi 🙏",
    ] {
        assert!(too_short_to_compare(t), "{t:?}");
    }
    for (tip, _) in NEAR {
        assert!(!too_short_to_compare(tip));
    }
}

/// A tiny deterministic generator for the calibration corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

/// A generated tip about liquor in Kerakat, from one of three sentence frames per
/// language: different tips share the frame, the crime and the district, which makes
/// them harder to tell apart than real ones.
fn generated_tip(r: &mut Lcg, lang: usize) -> String {
    type Frame = fn(&[&str; 6]) -> String;
    let (slots, frames): ([&[&str]; 6], [Frame; 3]) = match lang {
        0 => (
            [
                &["Ramu", "Sonu", "Pappu", "Guddu", "Bablu", "Munna", "Chhotu", "Raju"],
                &[
                    "thana ke peeche",
                    "school ke paas",
                    "bazar me",
                    "nahar ke kinare",
                    "mandir ke samne",
                    "purane pul ke neeche",
                ],
                &["Nevada", "Sarai", "Rampur", "Bhadohi", "Sikrara", "Khutahan"],
                &[
                    "roz raat ko",
                    "har shaam",
                    "subah subah",
                    "din me bhi",
                    "raat 10 baje ke baad",
                ],
                &[
                    "kachchi sharab banti hai",
                    "kachchi sharab bikti hai",
                    "daru ki bhatti chalti hai",
                    "sharab ki taskari hoti hai",
                ],
                &[
                    "police ko sab pata hai",
                    "log pareshan hain",
                    "bachche bhi jaate hain",
                    "koi kuch nahi karta",
                    "kripya karyavahi kare",
                ],
            ],
            [
                |s| {
                    format!(
                        "Kerakat ke {} gaon me {} {} {}, {} chalata hai, {}",
                        s[2], s[1], s[3], s[4], s[0], s[5]
                    )
                },
                |s| format!("{} {} {} me {} {} aur {}", s[0], s[3], s[2], s[1], s[4], s[5]),
                |s| {
                    format!(
                        "sir Kerakat thana kshetra ke {} me {}. {} ka aadmi {} {} bechta hai. {}",
                        s[2], s[4], s[0], s[1], s[3], s[5]
                    )
                },
            ],
        ),
        1 => (
            [
                &["रामू", "सोनू", "पप्पू", "गुड्डू", "बबलू", "मुन्ना", "छोटू", "राजू"],
                &[
                    "थाने के पीछे",
                    "स्कूल के पास",
                    "बाजार में",
                    "नहर के किनारे",
                    "मंदिर के सामने",
                    "पुराने पुल के नीचे",
                ],
                &["नेवादा", "सराय", "रामपुर", "भदोही", "सिकरारा", "खुटहन"],
                &["रोज़ रात को", "हर शाम", "सुबह सुबह", "दिन में भी", "रात 10 बजे के बाद"],
                &[
                    "कच्ची शराब बनती है",
                    "कच्ची शराब बिकती है",
                    "दारू की भट्टी चलती है",
                    "शराब की तस्करी होती है",
                ],
                &[
                    "पुलिस को सब पता है",
                    "लोग परेशान हैं",
                    "बच्चे भी जाते हैं",
                    "कोई कुछ नहीं करता",
                    "कृपया कार्यवाही करें",
                ],
            ],
            [
                |s| {
                    format!(
                        "केराकत के {} गांव में {} {} {}, {} चलाता है, {}",
                        s[2], s[1], s[3], s[4], s[0], s[5]
                    )
                },
                |s| format!("{} {} {} में {} {} और {}", s[0], s[3], s[2], s[1], s[4], s[5]),
                |s| {
                    format!(
                        "सर केराकत थाना क्षेत्र के {} में {}। {} का आदमी {} {} बेचता है। {}",
                        s[2], s[4], s[0], s[1], s[3], s[5]
                    )
                },
            ],
        ),
        2 => (
            [
                &["رامو", "سونو", "پپو", "گڈو", "ببلو", "منا", "چھوٹو", "راجو"],
                &[
                    "تھانے کے پیچھے",
                    "اسکول کے پاس",
                    "بازار میں",
                    "نہر کے کنارے",
                    "مندر کے سامنے",
                    "پرانے پل کے نیچے",
                ],
                &["نیوادہ", "سرائے", "رامپور", "بھدوہی", "سکرارا", "کھٹہن"],
                &["روز رات کو", "ہر شام", "صبح صبح", "دن میں بھی", "رات 10 بجے کے بعد"],
                &[
                    "کچی شراب بنتی ہے",
                    "کچی شراب بکتی ہے",
                    "دارو کی بھٹی چلتی ہے",
                    "شراب کی اسمگلنگ ہوتی ہے",
                ],
                &[
                    "پولیس کو سب پتہ ہے",
                    "لوگ پریشان ہیں",
                    "بچے بھی جاتے ہیں",
                    "کوئی کچھ نہیں کرتا",
                    "براہ کرم کارروائی کریں",
                ],
            ],
            [
                |s| {
                    format!(
                        "کیراکت کے {} گاؤں میں {} {} {}، {} چلاتا ہے، {}",
                        s[2], s[1], s[3], s[4], s[0], s[5]
                    )
                },
                |s| format!("{} {} {} میں {} {} اور {}", s[0], s[3], s[2], s[1], s[4], s[5]),
                |s| {
                    format!(
                        "سر کیراکت تھانہ علاقے کے {} میں {}۔ {} کا آدمی {} {} بیچتا ہے۔ {}",
                        s[2], s[4], s[0], s[1], s[3], s[5]
                    )
                },
            ],
        ),
        _ => (
            [
                &["Ramu", "Sonu", "Pappu", "Guddu", "Bablu", "Munna", "Chhotu", "Raju"],
                &[
                    "behind the police station",
                    "near the school",
                    "in the market",
                    "by the canal",
                    "opposite the temple",
                    "under the old bridge",
                ],
                &["Nevada", "Sarai", "Rampur", "Bhadohi", "Sikrara", "Khutahan"],
                &[
                    "every night",
                    "every evening",
                    "early in the morning",
                    "even in daytime",
                    "after 10 at night",
                ],
                &[
                    "illicit liquor is brewed",
                    "country liquor is sold",
                    "a liquor still is run",
                    "liquor is smuggled",
                ],
                &[
                    "the police know everything",
                    "people are troubled",
                    "even children go there",
                    "nobody does anything",
                    "please take action",
                ],
            ],
            [
                |s| {
                    format!(
                        "In {} village of Kerakat, {}, {} {}. {} runs it, {}.",
                        s[2], s[1], s[4], s[3], s[0], s[5]
                    )
                },
                |s| format!("{}: {} in {} {} {} and {}", s[0], s[3], s[2], s[1], s[4], s[5]),
                |s| {
                    format!(
                        "Sir, in {} under Kerakat police station {}. {}'s man sells it {} {}. {}",
                        s[2], s[4], s[0], s[1], s[3], s[5]
                    )
                },
            ],
        ),
    };
    let frame = frames[r.next() % frames.len()];
    let filled = [
        r.pick(slots[0]),
        r.pick(slots[1]),
        r.pick(slots[2]),
        r.pick(slots[3]),
        r.pick(slots[4]),
        r.pick(slots[5]),
    ];
    frame(&filled)
}

/// A near copy: 0 forwarded and decorated, 1 one word changed, 2 one word dropped,
/// 3 one space dropped.
fn near_copy(r: &mut Lcg, tip: &str, kind: usize) -> String {
    let words: Vec<&str> = tip.split(' ').collect();
    let i = r.next() % words.len();
    match kind {
        0 => format!("*Forwarded* {} 🙏🙏!!", tip.replace(',', "").to_uppercase()),
        1 => words
            .iter()
            .enumerate()
            .map(|(j, w)| if j == i { "XYZ" } else { w })
            .collect::<Vec<_>>()
            .join(" "),
        2 => words
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, w)| *w)
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let at = 1 + i % (words.len() - 1);
            format!("{}{}", words[..at].join(" "), words[at..].join(" "))
        }
    }
}

/// The measurement behind `NEAR_DUPLICATE_BITS`: most near copies are within it, very
/// few generated different tips (same frames, crime and district) are.
#[test]
fn threshold_calibration() {
    let mut near = vec![Vec::new(); 4];
    let mut far = Vec::new();
    for lang in 0..4 {
        let mut r = Lcg(42 + lang as u64);
        let tips: Vec<String> = (0..60).map(|_| generated_tip(&mut r, lang)).collect();
        let hashes: Vec<u64> = tips.iter().map(|t| simhash(t)).collect();
        for (tip, &h) in tips.iter().zip(&hashes) {
            for (kind, list) in near.iter_mut().enumerate() {
                list.push(near_duplicate_text(h, simhash(&near_copy(&mut r, tip, kind))));
            }
        }
        for i in 0..tips.len() {
            for j in i + 1..tips.len() {
                if tips[i] != tips[j] {
                    far.push(near_duplicate_text(hashes[i], hashes[j]));
                }
            }
        }
    }
    let share = |v: &[bool]| v.iter().filter(|x| **x).count() as f64 / v.len() as f64;
    let [forwarded, one_word, dropped, spacing] = [&near[0], &near[1], &near[2], &near[3]].map(|v| share(v));
    assert!(forwarded >= 0.95, "forwarded copies near: {forwarded}");
    assert!(one_word >= 0.93, "one word changed near: {one_word}");
    assert!(dropped >= 0.95, "one word dropped near: {dropped}");
    assert!(spacing >= 0.99, "one space dropped near: {spacing}");
    assert!(share(&far) <= 0.015, "different tips linked: {}", share(&far));
}

#[test]
fn image_hashes() {
    let a = "a5c3e1f00f1e3c5a";
    assert!(near_duplicate_image(a, a));
    assert!(near_duplicate_image(a, &a.to_uppercase()));
    let flip = |hex: &str, bits: u32| {
        let v = u64::from_str_radix(hex, 16).unwrap_or(0);
        let mask = (0..bits).fold(0u64, |m, i| m | 1 << (i * 5 % 64));
        format!("{:016x}", v ^ mask)
    };
    assert!(near_duplicate_image(a, &flip(a, IMAGE_NEAR_DUPLICATE_BITS)));
    assert!(!near_duplicate_image(a, &flip(a, IMAGE_NEAR_DUPLICATE_BITS + 1)));
    // Malformed and flat hashes never match.
    assert!(!near_duplicate_image(a, "xyz"));
    assert!(!near_duplicate_image("", ""));
    assert!(!near_duplicate_image("a5c3e1f00f1e3c5", "a5c3e1f00f1e3c5"));
    assert!(!near_duplicate_image("0000000000000000", "0000000000000000"));
    assert!(!near_duplicate_image("0000000000000001", "0000000000000003"));
    assert!(!near_duplicate_image("+5c3e1f00f1e3c5a", "+5c3e1f00f1e3c5a"));
}

// ---------------------------------------------------------------------------------
// Priority.

fn range() -> RangeConfig {
    match RangeConfig::default_range() {
        Ok(r) => r,
        Err(e) => panic!("the shipped range must load: {e}"),
    }
}

fn category<'a>(range: &'a RangeConfig, id: &str) -> &'a Category {
    match range.category(id) {
        Some(c) => c,
        None => panic!("no category {id}"),
    }
}

fn prio(category_id: &str, text: &str) -> (Priority, Vec<String>) {
    prio_with(category_id, text, 1, None, 0.1)
}

fn prio_with(
    category_id: &str,
    text: &str,
    corroborations: u32,
    when: Option<IncidentTime>,
    spurious: f64,
) -> (Priority, Vec<String>) {
    let range = range();
    priority(&PriorityInput {
        category: category(&range, category_id),
        text,
        corroborations,
        when,
        spurious_score: spurious,
    })
}

#[test]
fn priority_order_and_ids() {
    assert!(Priority::P1 > Priority::P2 && Priority::P2 > Priority::P3);
    let mut v = vec![Priority::P3, Priority::P1, Priority::P2];
    v.sort_by(|a, b| b.cmp(a));
    assert_eq!(v, [Priority::P1, Priority::P2, Priority::P3]);
    assert_eq!(serde_json::to_string(&Priority::P1).ok().as_deref(), Some("\"p1\""));
    assert_eq!(Priority::P2.as_str(), "p2");
    assert_eq!(serde_json::from_str::<Priority>("\"p3\"").ok(), Some(Priority::P3));
}

#[test]
fn weapons_are_p1_in_every_language() {
    for t in [
        "uske paas katta hai, roz dikhata hai",
        "उसके पास तमंचा है",
        "اس کے پاس پستول ہے",
        "He keeps a pistol in his shop",
        "गांव में बंदूक लेकर घूम रहा है",
        "گاؤں میں اسلحہ جمع کیا جا رہا ہے",
    ] {
        let (p, reasons) = prio("illicit_liquor", t);
        assert_eq!(p, Priority::P1, "{t:?}: {reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("weapon")), "{reasons:?}");
    }
}

#[test]
fn a_child_in_danger_is_p1() {
    for t in [
        "They are going to marry off a minor girl tomorrow",
        "नाबालिग बच्ची की शादी कराई जा रही है",
        "نابالغ بچی کی شادی کی جا رہی ہے",
        "bachche ko kidnap kar liya gaya",
        "बच्चे को बेच दिया",
        "بچے کو مارتے ہیں اور مزدوری کرواتے ہیں",
    ] {
        let (p, reasons) = prio("other", t);
        assert_eq!(p, Priority::P1, "{t:?}: {reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("child")), "{reasons:?}");
    }
    // Filed as a crime against children, harm alone is enough.
    assert_eq!(prio("crime_against_children", "use roz maarte hain").0, Priority::P1);
    assert_eq!(
        prio("crime_against_children", "school ke paas dukan hai").0,
        Priority::P2
    );
    // A child mentioned without harm is not an emergency.
    let (p, _) = prio(
        "illicit_liquor",
        "school ke paas sharab bikti hai, bachche bhi dekhte hain",
    );
    assert_eq!(p, Priority::P3);
}

#[test]
fn violence_now_is_p1_but_ongoing_vice_is_not() {
    for t in [
        "abhi bazar me maar peet ho rahi hai",
        "अभी बाजार में मारपीट हो रही है",
        "ابھی بازار میں مار پیٹ ہو رہی ہے",
        "A fight is happening right now in the market",
    ] {
        let (p, reasons) = prio("other", t);
        assert_eq!(p, Priority::P1, "{t:?}: {reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("now")), "{reasons:?}");
    }
    // Liquor being sold right now: raised for recency, but not an alert.
    for t in [
        "abhi sharab bik rahi hai",
        "अभी शराब बिक रही है",
        "ابھی شراب بک رہی ہے",
        "liquor is being sold right now",
    ] {
        assert_eq!(prio("illicit_liquor", t).0, Priority::P2, "{t:?}");
    }
    // Past violence without "now" is serious but not P1 by itself.
    assert_eq!(
        prio("violent_crime", "pichhle mahine maar peet hui thi").0,
        Priority::P2
    );
}

#[test]
fn trafficking_and_sexual_violence_are_p1() {
    assert_eq!(prio("human_trafficking", "ladkiyan").0, Priority::P1);
    for t in [
        "ladkiyon ko bech rahe hain",
        "लड़कियों को बेचा जा रहा है",
        "لڑکیوں کو بیچا جا رہا ہے",
        "they are trafficking women to the city",
        "gaon me ek ladki ke saath balatkar hua",
        "बलात्कार की घटना हुई है",
        "ایک لڑکی سے زیادتی ہوئی",
        "a girl was raped near the canal",
    ] {
        assert_eq!(prio("other", t).0, Priority::P1, "{t:?}");
    }
}

#[test]
fn low_stakes_reports_default_to_p3_and_rise() {
    let text = "Kerakat me sharab bikti hai";
    let (p, reasons) = prio_with("illicit_liquor", text, 1, Some(IncidentTime::Earlier), 0.1);
    assert_eq!(p, Priority::P3);
    assert!(!reasons.is_empty());
    // Corroboration by a second independent informant raises one level.
    let (p, reasons) = prio_with("illicit_liquor", text, 2, Some(IncidentTime::Earlier), 0.1);
    assert_eq!(p, Priority::P2);
    assert!(reasons.iter().any(|r| r.contains("2 independent")), "{reasons:?}");
    // Today raises recency; yesterday does not.
    assert_eq!(
        prio_with("illicit_liquor", text, 1, Some(IncidentTime::Today), 0.1).0,
        Priority::P2
    );
    assert_eq!(
        prio_with("illicit_liquor", text, 1, Some(IncidentTime::Yesterday), 0.1).0,
        Priority::P3
    );
    // Today alone never makes an alert.
    assert_eq!(
        prio_with("violent_crime", "maar peet hui", 1, Some(IncidentTime::Today), 0.1).0,
        Priority::P2
    );
    // Corroboration raises a low report, but never makes an alert on its own.
    assert_eq!(
        prio_with("violent_crime", "maar peet hui", 3, None, 0.1).0,
        Priority::P2
    );
    assert_eq!(
        prio_with("illicit_liquor", "gaon me kachi sharab banti hai", 3, None, 0.1).0,
        Priority::P2
    );
}

#[test]
fn a_spurious_report_is_capped_at_p3() {
    let t = "uske paas katta hai";
    let (p, reasons) = prio_with("illegal_arms", t, 3, Some(IncidentTime::Today), 0.85);
    assert_eq!(p, Priority::P3);
    assert!(reasons.iter().any(|r| r.contains("spurious")), "{reasons:?}");
    assert_eq!(prio_with("illegal_arms", t, 1, None, 0.79).0, Priority::P1);
    assert_eq!(prio_with("illegal_arms", t, 1, None, f64::NAN).0, Priority::P1);
}

// ---------------------------------------------------------------------------------
// Sensitivity.

fn sens(category_id: &str, text: &str) -> (Sensitivity, Option<String>) {
    let range = range();
    sensitivity(category(&range, category_id), text)
}

#[test]
fn police_misconduct_is_restricted_under_any_category() {
    for t in [
        "Thane ka daroga har mahine sharab walon se paise leta hai",
        "दरोगा ने छोड़ने के लिए पैसे मांगे",
        "सिपाही रोज़ घूस लेता है",
        "پولیس والے رشوت لیتے ہیں",
        "The police took a bribe to let the liquor seller go",
        "police ne mujhe bina baat maara",
        "पुलिस ने मेरे भाई को पीटा",
        "پولیس نے مارا",
        "I was beaten by police at the chowki",
        "thane me paise liye bina FIR nahi likhte",
    ] {
        let (s, reason) = sens("illicit_liquor", t);
        assert_eq!(s, Sensitivity::Restricted, "{t:?}");
        assert!(reason.is_some_and(|r| r.contains("police misconduct")), "{t:?}");
    }
    // Already restricted: nothing to raise.
    assert_eq!(
        sens("police_misconduct", "daroga ne paise liye"),
        (Sensitivity::Restricted, None)
    );
}

#[test]
fn mentions_of_police_are_not_misconduct() {
    for t in [
        "police ko bataya, ek aadmi mara pada hai nahar ke paas",
        "thane ke peeche sharab bikti hai",
        "मैंने पुलिस को सूचना दी थी",
        "تھانے کے پیچھے جوا ہوتا ہے",
        "Please send police, they beat a shopkeeper in the market",
    ] {
        assert_eq!(sens("illicit_liquor", t), (Sensitivity::Standard, None), "{t:?}");
    }
}

#[test]
fn sexual_violence_minors_and_trafficking_are_at_least_sensitive() {
    for t in [
        "ek ladki ke saath balatkar hua",
        "नाबालिग लड़की को परेशान करते हैं",
        "بچوں سے مزدوری کرواتے ہیں",
        "human trafficking racket near the station",
        "मानव तस्करी हो रही है",
    ] {
        let (s, reason) = sens("violent_crime", t);
        assert_eq!(s, Sensitivity::Sensitive, "{t:?}");
        assert!(reason.is_some(), "{t:?}");
    }
    // Never lowered.
    assert_eq!(
        sens("crime_against_women", "shaadi me jhagda"),
        (Sensitivity::Sensitive, None)
    );
    assert_eq!(
        sens("police_misconduct", "ek ladki ke saath balatkar hua"),
        (Sensitivity::Restricted, None)
    );
    // Misconduct content raises a sensitive category further.
    assert_eq!(
        sens("crime_against_women", "daroga ne paise maange").0,
        Sensitivity::Restricted
    );
}

// ---------------------------------------------------------------------------------
// Category suggestions.

fn suggest(text: &str, chosen: &str) -> Option<String> {
    suggest_category(text, chosen, &range())
}

#[test]
fn other_gets_a_suggestion_in_every_language() {
    assert_eq!(OTHER_CATEGORY, "other");
    assert!(range().category(OTHER_CATEGORY).is_some());
    let cases = [
        ("gaon me kachchi sharab ki bhatti chal rahi hai", "illicit_liquor"),
        ("गांव में अवैध हथियार और तमंचे बन रहे हैं", "illegal_arms"),
        ("گاؤں میں جوا اور سٹہ چلتا ہے", "gambling"),
        (
            "Trucks overloaded far beyond limit pass every night",
            "vehicle_overloading",
        ),
        ("daroga ne paise liye aur rishwat maangi", "police_misconduct"),
        ("स्कूल के पास गांजा और स्मैक बिकती है", "drug_trafficking"),
        ("نابالغ بچی کی شادی ہو رہی ہے", "crime_against_children"),
        ("Sand mining in the river at night, illegal mining", "illegal_mining"),
    ];
    for (text, want) in cases {
        assert_eq!(suggest(text, "other").as_deref(), Some(want), "{text:?}");
    }
    // An id the range does not know is treated like "other".
    assert_eq!(
        suggest("kachchi sharab", "retired_category").as_deref(),
        Some("illicit_liquor")
    );
}

#[test]
fn no_suggestion_without_clear_evidence() {
    assert_eq!(suggest("please help us, sir", "other"), None);
    assert_eq!(suggest("", "other"), None);
    // A tie between two categories: let officers decide.
    assert_eq!(suggest("sharab aur ganja", "other"), None);
}

#[test]
fn a_text_matching_its_category_gets_none() {
    for (text, chosen) in [
        ("Kerakat me kachchi sharab bikti hai", "illicit_liquor"),
        ("केराकत में कच्ची शराब बिकती है", "illicit_liquor"),
        ("کیراکت میں کچی شراب بکتی ہے", "illicit_liquor"),
        ("Illicit liquor is sold in Kerakat", "illicit_liquor"),
        ("uske paas katta hai", "illegal_arms"),
        ("سٹہ اور جوا", "gambling"),
        // Weak evidence for another category does not override the choice.
        ("sharab pee kar jhagda karta hai", "illicit_liquor"),
        ("sharab pee kar jhagda karta hai", "violent_crime"),
    ] {
        assert_eq!(suggest(text, chosen), None, "{text:?} filed as {chosen}");
    }
}

#[test]
fn a_clearly_different_category_is_suggested() {
    let cases = [
        ("uske paas katta aur tamancha hai, goli bhi", "gambling", "illegal_arms"),
        ("दरोगा ने पैसे लिए और रिश्वत मांगी", "robbery", "police_misconduct"),
        ("گاؤں میں جوا اور سٹہ چلتا ہے، تاش بھی", "illicit_liquor", "gambling"),
        (
            "Gambling and betting den, satta and card games every night",
            "cow_smuggling",
            "gambling",
        ),
    ];
    for (text, chosen, want) in cases {
        assert_eq!(
            suggest(text, chosen).as_deref(),
            Some(want),
            "{text:?} filed as {chosen}"
        );
    }
}

#[test]
fn misconduct_phrased_as_officers_in_on_it_is_restricted() {
    let range = satark_core::range::RangeConfig::default_range().expect("range");
    let liquor = range.category("illicit_liquor").expect("category");
    for text in [
        "SHO sahab ko har hafte 5000 milte hain, isliye sharab band nahi hoti",
        "chowki incharge bhi mila hua hai in logon se",
        "kotwal ki milibhagat se sharab bikti hai",
        "police wale hi sharab bikwate hain gaon me",
        "थाने के सिपाही ही शराब बिकवाते हैं",
    ] {
        let (sensitivity, why) = satark_core::triage::priority::sensitivity(liquor, text);
        assert_eq!(
            sensitivity,
            satark_core::range::Sensitivity::Restricted,
            "{text}: {why:?}"
        );
    }
}

#[test]
fn phone_numbers_in_the_formats_review_found_are_seen() {
    use satark_core::triage::disclosure::{Disclosure, self_disclosures};
    for text in [
        "mera number 98 76 54 32 10 hai",
        "call 98765.43210",
        "my phone (987) 654-3210",
        "98765_43210 pe baat karo",
        "number 98765/43210",
        "contact 98765 432 10",
    ] {
        assert!(self_disclosures(text).contains(&Disclosure::PhoneNumber), "{text}");
    }
    for text in [
        "FIR 123/2026 dated 12/03/2026 at 10.30",
        "Rs 5.50 per packet, 1/2 kilo",
        "truck UP 62 AB 1234 at 12.45 pm",
        "ward no. 12, house 45/3",
    ] {
        assert!(!self_disclosures(text).contains(&Disclosure::PhoneNumber), "{text}");
    }
}

#[test]
fn a_message_that_opens_with_the_writers_name_is_seen() {
    use satark_core::triage::disclosure::{Disclosure, self_disclosures};
    for text in [
        "Name: Ramesh Yadav, village Rampur",
        "naam: ramesh yadav",
        "This is Ramesh, from the market",
    ] {
        assert!(self_disclosures(text).contains(&Disclosure::Name), "{text}");
    }
    for text in [
        "This is the shop where liquor is sold",
        "Name of the shop is Gupta Kirana",
        "this is happening every night",
    ] {
        assert!(!self_disclosures(text).contains(&Disclosure::Name), "{text}");
    }
}

#[test]
fn the_classifier_reads_a_bounded_prefix_on_character_boundaries() {
    use satark_core::triage::{SCORED_CHARS, scored_prefix};
    let long: String = "कच्ची शराब ".repeat(5_000);
    let prefix = scored_prefix(&long);
    assert_eq!(prefix.chars().count(), SCORED_CHARS);
    assert!(long.starts_with(prefix));
    assert_eq!(scored_prefix("short tip"), "short tip");
    assert_eq!(scored_prefix(""), "");
}
