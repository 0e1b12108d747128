//! Priority (P1-P3) and evidence sensitivity.
//!
//! A P1 alerts the district's SP office and the range office at once, so P1 is kept
//! for what cannot wait: weapons, a child in danger, violence happening now,
//! trafficking, sexual violence. Corroboration by independent informants and an
//! incident today raise a report; a report the filter thinks spurious is capped low.
//!
//! Sensitivity decides who may see a report. It starts from the category's configured
//! level and is raised, never lowered, by what the text says: police misconduct is
//! `restricted` whatever category the informant chose (a station must not read a
//! complaint about itself), and sexual violence, minors and trafficking are at least
//! `sensitive`.

use super::rules::{Found, Lexicon, Words};
use crate::range::{Category, Sensitivity};
use crate::report::IncidentTime;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::sync::LazyLock;

/// How urgently a report needs action. Ordered so that `P1 > P2 > P3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::P1, Priority::P2, Priority::P3];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The stable id, equal to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
        }
    }

    /// 3 for P1 down to 1 for P3, so that the most urgent compares greatest.
    fn rank(self) -> u8 {
        match self {
            Priority::P1 => 3,
            Priority::P2 => 2,
            Priority::P3 => 1,
        }
    }

    /// One level more urgent (P1 stays P1).
    pub fn raised(self) -> Self {
        match self {
            Priority::P3 => Priority::P2,
            _ => Priority::P1,
        }
    }
}

impl Ord for Priority {
    /// P1 is the greatest.
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What priority is decided from.
#[derive(Debug, Clone, Copy)]
pub struct PriorityInput<'a> {
    pub category: &'a Category,
    /// The informant's texts and captions.
    pub text: &'a str,
    /// Independent pseudonyms behind this report and its linked near duplicates,
    /// this report's own informant included (1 = nobody else).
    pub corroborations: u32,
    pub when: Option<IncidentTime>,
    /// The combined spurious score, 0..1.
    pub spurious_score: f64,
}

/// Independent informants from which a report is raised one level.
pub const CORROBORATION_RAISE: u32 = 2;
/// Spurious scores from which a report is capped at P3.
pub const SPURIOUS_CAP: f64 = 0.8;

/// Categories that start at P2: serious by their nature. Others start at P3 and need
/// content, recency or corroboration to rise. (Sensitive and restricted categories
/// start at P2 as well, whatever their id.)
const SERIOUS_CATEGORIES: [&str; 8] = [
    "illegal_arms",
    "human_trafficking",
    "crime_against_women",
    "crime_against_children",
    "violent_crime",
    "extortion",
    "robbery",
    "drug_trafficking",
];

/// The default range's category for crimes against children.
const CHILDREN_CATEGORY: &str = "crime_against_children";

/// Categories that are P1 by themselves.
const P1_CATEGORIES: [&str; 1] = ["human_trafficking"];

/// The priority of a report, with English reasons (most important first).
pub fn priority(input: &PriorityInput) -> (Priority, Vec<String>) {
    let words = Words::new(input.text).loose;
    let category = input.category;
    let mut reasons = Vec::new();
    let mut level =
        if category.sensitivity != Sensitivity::Standard || SERIOUS_CATEGORIES.contains(&category.id.as_str()) {
            reasons.push(format!("serious category ({})", category.name.en));
            Priority::P2
        } else {
            Priority::P3
        };

    let mut signals = Signals::of(&words);
    // Filed as a crime against children, the child is given: harm is enough.
    if category.id == CHILDREN_CATEGORY && signals.harm {
        signals.child_in_danger = true;
    }
    let mut urgent = Vec::new();
    if signals.weapon {
        urgent.push("mentions a weapon");
    }
    if signals.child_in_danger {
        urgent.push("a child in danger");
    }
    if signals.sexual_violence {
        urgent.push("sexual violence");
    }
    if signals.trafficking || P1_CATEGORIES.contains(&category.id.as_str()) {
        urgent.push("trafficking");
    }
    if signals.now && signals.serious {
        urgent.push("violence happening now");
    }
    if !urgent.is_empty() {
        level = Priority::P1;
        reasons.insert(0, urgent.join(", "));
    }

    // Corroboration raises a low report, but never makes an alert on its own: two
    // similar short tips (a formula, a forward) must not page the SP's office.
    if input.corroborations >= CORROBORATION_RAISE {
        if level == Priority::P3 {
            level = Priority::P2;
        }
        reasons.push(format!("reported by {} independent informants", input.corroborations));
    }
    // Recency helps officers act in time, but on its own never makes an alert.
    let today = input.when == Some(IncidentTime::Today);
    if (today || signals.now) && level == Priority::P3 {
        level = Priority::P2;
        reasons.push(if signals.now { "happening now" } else { "happened today" }.into());
    }

    let score = if input.spurious_score.is_nan() {
        0.0
    } else {
        input.spurious_score
    };
    if score >= SPURIOUS_CAP && level != Priority::P3 {
        level = Priority::P3;
        reasons.push(format!("likely spurious (score {score:.2}): capped at P3"));
    }
    if reasons.is_empty() {
        reasons.push("no urgent signal".into());
    }
    (level, reasons)
}

/// The sensitivity of a report: the category's, raised by content, never lowered.
/// The reason says why it was raised (None when it was not).
pub fn sensitivity(category: &Category, text: &str) -> (Sensitivity, Option<String>) {
    let words = Words::new(text).loose;
    let configured = category.sensitivity;
    let signals = Signals::of(&words);
    let (content, why) = if police_misconduct(&words) {
        (Sensitivity::Restricted, "describes police misconduct")
    } else if signals.sexual_violence {
        (Sensitivity::Sensitive, "mentions sexual violence")
    } else if signals.trafficking {
        (Sensitivity::Sensitive, "mentions trafficking")
    } else if signals.minor || signals.child_in_danger {
        (Sensitivity::Sensitive, "concerns a minor")
    } else {
        (Sensitivity::Standard, "")
    };
    if rank(content) > rank(configured) {
        (content, Some(format!("raised to {}: {why}", as_str(content))))
    } else {
        (configured, None)
    }
}

/// Sensitivity levels in order, for "raised, never lowered".
fn rank(s: Sensitivity) -> u8 {
    match s {
        Sensitivity::Standard => 0,
        Sensitivity::Sensitive => 1,
        Sensitivity::Restricted => 2,
    }
}

/// The serde form, for reasons.
fn as_str(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Standard => "standard",
        Sensitivity::Sensitive => "sensitive",
        Sensitivity::Restricted => "restricted",
    }
}

/// What the text says, as far as priority and sensitivity care.
struct Signals {
    weapon: bool,
    /// Kidnapping, beating, selling, marriage, labour, abuse: harm to a person.
    harm: bool,
    child_in_danger: bool,
    minor: bool,
    sexual_violence: bool,
    trafficking: bool,
    now: bool,
    serious: bool,
}

impl Signals {
    /// Reads the signals from loosened words.
    fn of(words: &[String]) -> Self {
        let child = CHILD.any(words);
        let minor = MINOR.any(words);
        let sexual_violence = SEXUAL_VIOLENCE.any(words);
        let harm = CHILD_HARM.any(words) || sexual_violence;
        Signals {
            weapon: WEAPON.any(words),
            harm,
            child_in_danger: (child || minor) && harm,
            minor,
            sexual_violence,
            trafficking: TRAFFICKING.any(words),
            now: NOW.any(words),
            serious: SERIOUS.any(words) || WEAPON.any(words),
        }
    }
}

/// Police misconduct: an officer (or a station) near words of bribery, or an officer
/// as the doer of force. Force needs the doer marked ("police ne maara", "पुलिस ने
/// पीटा", "پولیس نے مارا", "police beat", "beaten by police"): a murder reported to the
/// police ("police ko bataya, ek aadmi mara pada hai") must stay visible to the station.
fn police_misconduct(words: &[String]) -> bool {
    /// Words that may stand between an officer and the force they used.
    const DOER_FILLER: &str = "wale|wala|vale|ji|sahab|have|had|has|brutally|badly|वाले|जी|والے";
    /// Words apart that still read as one statement ("daroga ne ... paise liye").
    const WINDOW: usize = 8;
    let officers = POLICE_PERSON.find(words);
    let places = POLICE_PLACE.find(words);
    let bribes = BRIBE.find(words);
    let near = |xs: &[Found], ys: &[Found]| {
        xs.iter()
            .any(|x| ys.iter().any(|y| x.start.abs_diff(y.start) <= WINDOW))
    };
    if near(&officers, &bribes) || near(&places, &bribes) {
        return true;
    }
    let is = |i: usize, list: &[&str]| words.get(i).is_some_and(|w| list.contains(&w.as_str()));
    FORCE.find(words).iter().any(|force| {
        officers.iter().any(|officer| {
            let after = officer.start + officer.len;
            // "police (wale/ji) ne … maara": the agent marker within three words.
            let agent = (after..after + 3).find(|&i| is(i, &["ne", "ने", "نے"]));
            let by_agent = agent.is_some_and(|a| force.start > a && force.start - a <= 6);
            // "police beat …", "cops brutally thrashed …", "police wale maarte hain"
            let english_doer = force.start >= after
                && force.start - after <= 2
                && (after..force.start).all(|i| words.get(i).is_some_and(|w| DOER_FILLER.split('|').any(|f| f == w)));
            // "beaten by (the) police"
            let passive = force.start < officer.start
                && officer.start - force.start <= 3
                && (force.start + 1..officer.start).any(|i| is(i, &["by"]));
            by_agent || english_doer || passive
        })
    })
}

static WEAPON: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "katta|katte|tamancha|tamanche|pistol*|gun|guns|revolver|rifle|bomb|bombs|desi bomb|\
         grenade|bandook|banduk|hathiyar|asalha|asalhe|firing|goli chala*|कट्टा|कट्टे|तमंचा|तमंचे|\
         बंदूक|पिस्तौल|पिस्टल|रिवॉल्वर|राइफल|बम|हथियार|असलहा|असलहे|फायरिंग|गोली चला*|پستول|اسلحہ|\
         بندوق|ہتھیار|کٹا|طمنچہ|تمنچہ|بم|رائفل|ریوالور|فائرنگ|گولی چلا*",
    )
});

static CHILD: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "child|children|kid|kids|baby|bacha|bache|bachi|bachcha|bachche|bachchi|bachon|bachchon|\
         masoom|बच्चा|बच्चे|बच्ची|बच्चों|बच्चियों|बालक|बालिका|मासूम|بچہ|بچے|بچی|بچوں|بچیوں|معصوم",
    )
});

static MINOR: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "minor|minors|underage|under age|nabalig|naabalig|नाबालिग|नाबालिक|نابالغ|کمسن|کم سن|\
         child marriage|bal vivah|बाल विवाह|کم عمری کی شادی|child labour|bal majdoori|बाल मजदूरी|\
         بچہ مزدوری",
    )
});

static CHILD_HARM: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "kidnap*|abduct*|apharan|agwa|beat|beating|beaten|beats|sell|selling|sold|marriage|married|\
         marry|shadi|shaadi|vivah|nikah|abuse*|missing|lapata|gayab|labour|majdoori|mazdoori|maar|\
         mara|maarte|marte|pit rahe|pitai|bech*|bandhak|torture*|अपहरण|पीटा|पीटते|पीट रहे|पिटाई|\
         मारा|मारते|मार रहे|मारपीट|बेच*|शादी|विवाह|मजदूरी|लापता|गायब|बंधक|शोषण|اغوا|پیٹا|پیٹتے|\
         پیٹ رہے|مارا|مارتے|مار رہے|مارپیٹ|بیچ*|شادی|نکاح|مزدوری|لاپتہ|غائب|تشدد",
    )
});

static SEXUAL_VIOLENCE: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "rape*|gangrape|gang rape|sexual assault|sexually|molest*|balatkar|dushkarm|yaun shoshan|\
         बलात्कार|दुष्कर्म|यौन शोषण|यौन उत्पीडन|गैंगरेप|ریپ|زیادتی|جنسی|زنا بالجبر",
    )
});

static TRAFFICKING: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "trafficking|trafficked|trafficker*|human trafficking|manav taskari|selling girls|\
         sold girls|ladkiyon ko bech*|ladkiyan bech*|bandhua|मानव तस्करी|लडकियों को बेच*|\
         लडकियां बेच*|बंधुआ|انسانی اسمگلنگ|لڑکیوں کو بیچ*|لڑکیاں بیچ*",
    )
});

static NOW: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "right now|happening now|going on now|abhi|abi|turant|urgent|emergency|immediately|\
         chal raha hai|chal rahi hai|ho raha hai|ho rahi hai|is waqt|is samay|अभी|तुरंत|चल रहा है|\
         चल रही है|हो रहा है|हो रही है|इस समय|ابھی|فوراً|فورا|چل رہا ہے|ہو رہا ہے|ہو رہی ہے|اس وقت",
    )
});

static SERIOUS: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "maar peet|marpet|maarpeet|mar pet|maar rahe|mar rahe|maar diya|mar diya|murder*|kill|\
         killed|killing|hatya|qatl|katl|khoon|khun|goli|attack*|hamla|hamle|assault*|fight*|jhagda|\
         jhagra|danga|riot*|loot|looting|robbery|dacoity|dakaiti|kidnap*|apharan|agwa|rape*|\
         balatkar|chaku|knife|talwar|sword|lathi|मारपीट|मार पीट|मार रहे|मार दिया|मारा|पीट रहे|पीटा|\
         हत्या|कत्ल|खून|गोली|हमला|झगडा|दंगा|लूट*|डकैती|अपहरण|बलात्कार|चाकू|तलवार|लाठी|مار پیٹ|\
         مارپیٹ|مار رہے|مار دیا|مارا|پیٹ رہے|پیٹا|قتل|خون|گولی|حملہ|جھگڑا|فساد|ڈکیتی|اغوا|ریپ|چاقو|\
         تلوار|لاٹھی",
    )
});

static POLICE_PERSON: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "police|policeman|policemen|policewala|policewale|cop|cops|pulis|daroga|darogha|sipahi|\
         constable|havaldar|hawaldar|inspector|sub inspector|sho|sho sahab|thanedar|thana prabhari|\
         kotwal|kotwal sahab|halka incharge|beat constable|police wale|police vale|\
         chowki incharge|chauki incharge|thane wale|thane vale|chowki wale|पुलिस|पुलिसवाले|\
         पुलिसवालों|दरोगा|दारोगा|सिपाही|हवलदार|कांस्टेबल|इंस्पेक्टर|थानेदार|थाना प्रभारी|\
         थानाध्यक्ष|चौकी इंचार्ज|चौकी प्रभारी|थाने वाले|پولیس|داروغہ|سپاہی|کانسٹیبل|حوالدار|\
         انسپکٹر|تھانیدار|ایس ایچ او|تھانے والے",
    )
});

static POLICE_PLACE: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse("thana|thane|chowki|chauki|police station|थाना|थाने|चौकी|تھانہ|تھانے|چوکی"));

static BRIBE: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "bribe*|rishwat|paise liye|paise le*|paisa le*|paise mang*|paisa mang*|paise khaye|\
         paise dete|paisa dete|hafta|suvidha shulk|mili bhagat|milibhagat|took money|takes money|\
         milte hain|milta hai|mila hua|mile hue|mile huye|sanrakshan|sharan|bikwate|bikwata|\
         chalwate|chalwata|in on it|protection money|\
         taking money|demanded money|demanding money|asked for money|asking for money|collusion|\
         corrupt*|bhrasht|रिश्वत|घूस|पैसे लिए|पैसे ले*|पैसा ले*|पैसे मांग*|पैसा मांग*|पैसे खा*|\
         पैसे देते|पैसा देते|हफ्ता|सुविधा शुल्क|मिलीभगत|मिली भगत|भ्रष्ट|मिला हुआ|मिले हुए|संरक्षण|\
         बिकवाते|चलवाते|رشوت|پیسے لیے|پیسے لے*|\
         پیسے مانگ*|پیسے دیتے|بھتہ|ملی بھگت|بدعنوان|ملا ہوا|ملے ہوئے|سرپرستی",
    )
});

static FORCE: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::parse(
        "beat up|beat|beaten|thrashed|tortur*|maara|mara|maar|peeta|pitai|misbehav*|badtameezi|\
         abused|fake case|jhootha case|jhutha case|farzi mukadma|illegal detention|मारा|पीटा|पिटाई|\
         मारपीट|बदतमीजी|बदसलूकी|गाली दी|झूठा केस|झूठा मुकदमा|फर्जी मुकदमा|مارا|پیٹا|پٹائی|مارپیٹ|\
         بدسلوکی|بدتمیزی|جھوٹا کیس|جھوٹا مقدمہ",
    )
});
