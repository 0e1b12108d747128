//! Conversation state, inputs and outputs.

use crate::Lang;
use crate::i18n::Catalog;
use crate::ids::{ReferenceCode, ReportId};
use crate::range::RangeConfig;
use crate::report::{DetailItem, IncidentPlace, IncidentTime, MediaKind, Report, StationChoice, json_len};
use serde::{Deserialize, Serialize};

/// Drafts idle longer than this are discarded (the citizen is told when they return).
pub const DRAFT_TTL_SECS: i64 = 24 * 60 * 60;
/// Most pieces of evidence one report holds; more is flooding, not reporting.
pub const MAX_ITEMS: usize = 30;
/// Longest typed place we keep; a place is a landmark, not an essay.
pub const MAX_PLACE_CHARS: usize = 300;
/// Longest text item we keep (WhatsApp's own limit for a text message).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Most bytes of text (messages and captions) one report holds. Characters are not
/// bytes: 30 items of 4,096 Devanagari characters are 360 KB, and a draft, its report
/// and a message's outbox must each stay well under DynamoDB's 400 KB item limit, or
/// every write of that conversation would fail for good.
pub const MAX_DRAFT_TEXT_BYTES: usize = 160 * 1024;

/// WhatsApp's limits on interactive messages (reference §8.2–8.3).
pub mod limits {
    pub const MAX_BUTTONS: usize = 3;
    pub const BUTTON_TITLE: usize = 20;
    pub const BUTTON_BODY: usize = 1024;
    pub const LIST_ROWS: usize = 10;
    pub const ROW_TITLE: usize = 24;
    pub const ROW_DESCRIPTION: usize = 72;
    pub const ROW_ID: usize = 200;
    pub const LIST_BUTTON: usize = 20;
    pub const SECTION_TITLE: usize = 24;
    pub const LIST_BODY: usize = 4096;
    pub const TEXT_BODY: usize = 4096;
}

/// One citizen's conversation with the bot, as stored between messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Conversation {
    pub lang: Option<Lang>,
    pub stage: Stage,
    pub draft: Option<Draft>,
    /// Numbers the current prompt; button ids carry it so taps on old menus are caught.
    pub menu_seq: u32,
    /// Station preselected by a QR poster (`Hi JNP-12`): district code and number.
    pub poster: Option<(String, u16)>,
    /// Unix seconds of the last message from the citizen (drives draft expiry and
    /// WhatsApp's 24-hour reply window).
    pub last_inbound_at: Option<i64>,
    /// How much more this citizen may send now, and how many reports today.
    #[serde(default)]
    pub allowance: Allowance,
    /// The retention sweep discarded an idle draft: the next message is told so.
    /// (Omitted when false, so conversations written without it read back unchanged.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft_expired: bool,
    /// Officers' questions about this informant's reports that their next messages
    /// answer (newest last). (Omitted when empty, like `draft_expired`.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<OpenQuestion>,
    /// An answer the guard held back (see [`Stage::ConfirmAnswer`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_answer: Option<HeldAnswer>,
}

/// An officer's question waiting for the informant's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenQuestion {
    pub report_id: ReportId,
    pub reference: ReferenceCode,
    /// The question's entry in the report's thread.
    pub entry_id: String,
    pub asked_at: i64,
    /// When the informant last answered it: messages soon after still attach.
    #[serde(default)]
    pub answered_at: Option<i64>,
}

/// An unanswered question stays open this long.
pub const QUESTION_OPEN_SECS: i64 = 7 * 86_400;
/// After an answer, the informant's further messages attach to it for this long.
pub const ANSWER_FOLLOW_SECS: i64 = 30 * 60;

impl OpenQuestion {
    /// Whether the informant's message at `now` answers it.
    pub fn is_open(&self, now: i64) -> bool {
        match self.answered_at {
            Some(at) => now - at <= ANSWER_FOLLOW_SECS,
            None => now - self.asked_at <= QUESTION_OPEN_SECS,
        }
    }
}

/// Messages answered in a burst before the pace is limited: a citizen sending a
/// gallery of photos (at most [`MAX_ITEMS`]) and a few answers is never slowed.
pub const BURST_MESSAGES: u32 = 40;
/// The sustained pace: one message per this many seconds refills the allowance (about
/// WhatsApp's own pace for replies to one user).
pub const REFILL_SECS: i64 = 3;
/// Reports one citizen may submit in a day; more is a flood, not a tip line's use.
pub const REPORTS_PER_DAY: u32 = 10;

/// A per-citizen token bucket and daily report count, kept with the conversation so
/// they cost no extra storage round trip. Over the limit, one polite notice, then
/// silence until the bucket refills: a flood from one number cannot flood the queues,
/// the Graph API's pacing or the officers' inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// Messages that may be answered now, in thousandths (refilled over time).
    pub milli_tokens: u32,
    /// When the bucket was last refilled (Unix seconds).
    pub refilled_at: i64,
    /// Whether the slow-down notice went out since the bucket ran dry.
    pub warned: bool,
    /// The day (days since the epoch in the range's time zone) `reports_on_day` counts.
    pub report_day: i64,
    pub reports_on_day: u32,
}

impl Default for Allowance {
    fn default() -> Self {
        Allowance {
            milli_tokens: BURST_MESSAGES * 1000,
            // Long ago: the first message finds the bucket full and a new day.
            refilled_at: 0,
            warned: false,
            report_day: 0,
            reports_on_day: 0,
        }
    }
}

/// What the allowance says of one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Answer,
    /// Over the limit: tell the citizen, once.
    Warn,
    /// Over the limit and told: nothing.
    Ignore,
}

impl Allowance {
    /// Refills the bucket for the time since it was last refilled, then spends one
    /// message from it.
    pub fn admit(&mut self, now: i64) -> Admission {
        let full = BURST_MESSAGES * 1000;
        if now < self.refilled_at {
            // A clock that went back: start full rather than punish.
            self.milli_tokens = full;
        } else {
            let earned = now.saturating_sub(self.refilled_at).saturating_mul(1000) / REFILL_SECS;
            self.milli_tokens = u32::try_from(i64::from(self.milli_tokens).saturating_add(earned))
                .unwrap_or(u32::MAX)
                .min(full);
        }
        self.refilled_at = now;
        if self.milli_tokens >= 1000 {
            self.milli_tokens -= 1000;
            self.warned = false;
            Admission::Answer
        } else if self.warned {
            Admission::Ignore
        } else {
            self.warned = true;
            Admission::Warn
        }
    }

    /// Whether one more report may be submitted on `day`; counts it if so.
    pub fn take_report(&mut self, day: i64) -> bool {
        if self.report_day != day {
            self.report_day = day;
            self.reports_on_day = 0;
        }
        if self.reports_on_day >= REPORTS_PER_DAY {
            return false;
        }
        self.reports_on_day += 1;
        true
    }
}

/// Where the conversation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Never spoken, or nothing pending.
    #[default]
    Idle,
    ChooseLanguage,
    Menu,
    ChooseDistrict {
        page: u16,
    },
    ChooseStation {
        page: u16,
    },
    /// A typed station name matched several stations; these are offered.
    PickStation {
        candidates: Vec<u16>,
    },
    ChooseCategory {
        page: u16,
    },
    Details,
    AskLocation,
    AskTime,
    Summary,
    EditMenu,
    AskStatusCode,
    /// The informant's own message (item `item` of the draft) seemed to identify them:
    /// remove it, or keep it?
    ConfirmDisclosure {
        item: u16,
    },
    /// An answer to an officer's question seemed to identify its writer: send it as it
    /// is, or drop it? (The answer waits in [`Conversation::held_answer`].)
    ConfirmAnswer,
}

impl Stage {
    /// Whether the stage belongs to a report in progress (and so needs a draft).
    pub fn needs_draft(&self) -> bool {
        matches!(
            self,
            Stage::ChooseDistrict { .. }
                | Stage::ChooseStation { .. }
                | Stage::PickStation { .. }
                | Stage::ChooseCategory { .. }
                | Stage::Details
                | Stage::AskLocation
                | Stage::AskTime
                | Stage::Summary
                | Stage::EditMenu
                | Stage::ConfirmDisclosure { .. }
        )
    }

    /// Stages that share a kind share a menu: moving between pages is not a new menu.
    pub(crate) fn same_kind(&self, other: &Stage) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// A report being composed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub report_id: ReportId,
    /// The random part of the reference code; the district code is prefixed at submit.
    pub reference_suffix_entropy: [u8; 4],
    pub district: Option<String>,
    pub station: Option<StationChoice>,
    pub category: Option<String>,
    pub items: Vec<DetailItem>,
    pub details_done: bool,
    pub place: Option<IncidentPlace>,
    pub place_answered: bool,
    pub when: Option<IncidentTime>,
    pub via_poster: bool,
    pub started_at: i64,
    /// The kinds of identifying detail the self-disclosure guard warned about (the
    /// officers see that it fired, never what it matched).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guard_fired: Vec<crate::triage::disclosure::Disclosure>,
    /// How many of `items` the guard has looked at (the rest it looks at next).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub guard_reviewed: u16,
    /// Whether the guard has looked at the typed place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub place_reviewed: bool,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

/// The guard's item number for the typed place (not one of the draft's items).
pub const PLACE_ITEM: u16 = u16::MAX;

/// An answer to an officer's question, held until the informant says whether to send
/// it as it is: the guard saw an identifying detail in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAnswer {
    pub text: String,
    /// A photo, voice note, video or document sent with it: (media key, kind, WhatsApp
    /// media id, MIME type). Not fetched until the answer is sent.
    pub media: Option<(String, MediaKind, String, Option<String>)>,
}

impl Draft {
    pub fn reference(&self) -> ReferenceCode {
        ReferenceCode::new(self.district.as_deref().unwrap_or("XX"), &self.reference_suffix_entropy)
    }

    /// A new random reference suffix, for the rare clash with an existing code.
    pub fn reroll_reference(&mut self, entropy: [u8; 4]) {
        self.reference_suffix_entropy = entropy;
    }

    /// Bytes of text the draft holds (messages, captions and a typed place).
    pub fn text_bytes(&self) -> usize {
        let place = match &self.place {
            Some(IncidentPlace::Typed { text }) => json_len(text),
            Some(IncidentPlace::Pin { name, address, .. }) => {
                name.as_deref().map_or(0, json_len) + address.as_deref().map_or(0, json_len)
            }
            None => 0,
        };
        self.items.iter().map(DetailItem::text_bytes).sum::<usize>() + place
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.district.is_some()
            && self.station.is_some()
            && self.category.is_some()
            && self.details_done
            && !self.items.is_empty()
            && self.place_answered
            && self.when.is_some()
    }
}

/// Everything the engine needs besides the state and the message. Randomness is an
/// input so that a step is reproducible.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// Unix seconds.
    pub now: i64,
    /// Fresh random bytes; used for new report ids and reference codes.
    pub entropy: [u8; 20],
    pub range: &'a RangeConfig,
    pub catalog: &'a Catalog,
}

/// One message from the citizen, reduced to what the conversation needs. Made from
/// WhatsApp's webhook by the HTTP layer; carries no identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// WhatsApp's message id (wamid): also the key of any media it carries.
    pub message_id: String,
    pub content: InboundContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InboundContent {
    Text(String),
    /// A tapped reply button, list row or template quick reply: its id and title.
    Choice {
        id: String,
        title: String,
    },
    Media {
        kind: MediaKind,
        wa_media_id: String,
        mime_type: Option<String>,
        caption: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Sticker,
    /// A shared contact card: never kept (it holds third parties' numbers).
    Contacts,
    Reaction {
        removed: bool,
    },
    /// A type WhatsApp could not deliver or we cannot use; `too_large` when WhatsApp
    /// said the media was over its size limit.
    Unsupported {
        too_large: bool,
    },
}

/// A message for the citizen. Rendered in their language; shaped to WhatsApp's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    Text {
        body: String,
    },
    Buttons {
        body: String,
        buttons: Vec<Choice>,
    },
    List {
        body: String,
        button: String,
        section: String,
        rows: Vec<Row>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

impl Reply {
    /// The body text, whatever the shape.
    pub fn body(&self) -> &str {
        match self {
            Reply::Text { body } | Reply::Buttons { body, .. } | Reply::List { body, .. } => body,
        }
    }

    /// Checks WhatsApp's documented limits; `Err` names the first one broken.
    pub fn check_limits(&self) -> Result<(), String> {
        use limits::*;
        let len = |s: &str| s.chars().count();
        let nonempty = |s: &str, what: &str| {
            if s.trim().is_empty() {
                Err(format!("{what} is empty"))
            } else {
                Ok(())
            }
        };
        match self {
            Reply::Text { body } => {
                nonempty(body, "text body")?;
                if len(body) > TEXT_BODY {
                    return Err("text body too long".into());
                }
            }
            Reply::Buttons { body, buttons } => {
                nonempty(body, "button body")?;
                if len(body) > BUTTON_BODY {
                    return Err(format!("button body has {} characters", len(body)));
                }
                if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
                    return Err(format!("{} buttons", buttons.len()));
                }
                for b in buttons {
                    nonempty(&b.title, "button title")?;
                    if len(&b.title) > BUTTON_TITLE {
                        return Err(format!("button title {:?} too long", b.title));
                    }
                    if b.id.is_empty() || b.id.len() > 256 {
                        return Err("button id length".into());
                    }
                }
                unique(buttons.iter().map(|b| b.id.as_str()), "button ids")?;
                unique(buttons.iter().map(|b| b.title.as_str()), "button titles")?;
            }
            Reply::List {
                body,
                button,
                section,
                rows,
            } => {
                nonempty(body, "list body")?;
                nonempty(button, "list button")?;
                nonempty(section, "section title")?;
                if len(body) > LIST_BODY || len(button) > LIST_BUTTON || len(section) > SECTION_TITLE {
                    return Err("list body, button or section too long".into());
                }
                if rows.is_empty() || rows.len() > LIST_ROWS {
                    return Err(format!("{} list rows", rows.len()));
                }
                for r in rows {
                    nonempty(&r.title, "row title")?;
                    if len(&r.title) > ROW_TITLE {
                        return Err(format!("row title {:?} too long", r.title));
                    }
                    if r.id.is_empty() || len(&r.id) > ROW_ID {
                        return Err("row id length".into());
                    }
                    if r.description.as_deref().is_some_and(|d| len(d) > ROW_DESCRIPTION) {
                        return Err("row description too long".into());
                    }
                }
                unique(rows.iter().map(|r| r.id.as_str()), "row ids")?;
            }
        }
        Ok(())
    }
}

fn unique<'a>(items: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for i in items {
        if !seen.insert(i) {
            return Err(format!("{what} repeat {i:?}"));
        }
    }
    Ok(())
}

/// Work the caller must do after persisting the step.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store the report (idempotently, by id) and route it to the police.
    SubmitReport(Box<Report>),
    /// Download a piece of media into the evidence vault, off the webhook's path.
    FetchMedia {
        report_id: ReportId,
        media_key: String,
        wa_media_id: String,
        kind: MediaKind,
        mime_type: Option<String>,
    },
    /// The draft was cancelled or expired: delete any media already fetched for it.
    DiscardDraft { report_id: ReportId },
    /// Look the code up (for this informant only) and answer with [`super::status_reply`].
    LookupStatus { code: ReferenceCode, lang: Lang },
    /// The informant answered an officer's question: attach it to the report's thread
    /// (media also goes to the vault through [`Effect::FetchMedia`]).
    AttachAnswer {
        report_id: ReportId,
        question: String,
        text: String,
        media_keys: Vec<String>,
    },
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
}

impl Conversation {
    /// Checks the state's invariants against the range data; `Err` says which broke.
    /// The engine keeps these; the property tests prove it.
    pub fn check(&self, range: &RangeConfig) -> Result<(), String> {
        if self.stage.needs_draft() && self.draft.is_none() {
            return Err(format!("{:?} without a draft", self.stage));
        }
        if (self.stage == Stage::ConfirmAnswer) != self.held_answer.is_some() {
            return Err("a held answer belongs with its question, and only there".into());
        }
        let needs_lang = !matches!(self.stage, Stage::Idle | Stage::ChooseLanguage);
        if needs_lang && self.lang.is_none() {
            return Err(format!("{:?} without a language", self.stage));
        }
        if let Some(draft) = &self.draft {
            if draft.items.len() > MAX_ITEMS {
                return Err("too many items".into());
            }
            let district = match &draft.district {
                Some(code) => Some(range.district(code).ok_or_else(|| format!("unknown district {code}"))?),
                None => None,
            };
            if let Some(StationChoice::Known(n)) = draft.station {
                let d = district.ok_or("station without district")?;
                d.station(n).ok_or_else(|| format!("station {n} not in {}", d.code))?;
            }
            if let Some(c) = &draft.category {
                range.category(c).ok_or_else(|| format!("unknown category {c}"))?;
            }
            match &self.stage {
                Stage::ChooseStation { .. } | Stage::PickStation { .. } if district.is_none() => {
                    return Err("choosing a station without a district".into());
                }
                Stage::Summary | Stage::EditMenu if !draft.is_complete() => {
                    return Err("summary of an incomplete draft".into());
                }
                _ => {}
            }
            if let Stage::PickStation { candidates } = &self.stage {
                let d = district.ok_or("candidates without district")?;
                if candidates.is_empty() || candidates.iter().any(|n| d.station(*n).is_none()) {
                    return Err("bad station candidates".into());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod allowance_tests {
    use super::*;

    #[test]
    fn a_burst_is_answered_then_one_notice_then_silence_until_it_refills() {
        let mut a = Allowance::default();
        let t = 1_800_000_000;
        let outcomes: Vec<Admission> = (0..1500).map(|_| a.admit(t)).collect();
        let answered = outcomes.iter().filter(|o| **o == Admission::Answer).count();
        let warned = outcomes.iter().filter(|o| **o == Admission::Warn).count();
        assert_eq!((answered, warned), (BURST_MESSAGES as usize, 1));
        assert_eq!(
            outcomes[BURST_MESSAGES as usize],
            Admission::Warn,
            "the notice comes first"
        );
        assert_eq!(a.admit(t + REFILL_SECS - 1), Admission::Ignore, "not refilled yet");
        assert_eq!(a.admit(t + 2 * REFILL_SECS), Admission::Answer, "refilled by the pace");
        assert_eq!(a.admit(t + 2 * REFILL_SECS), Admission::Warn, "dry again: told again");
        // A long pause fills the bucket, no fuller than the burst.
        a.admit(t + 1_000_000);
        assert_eq!(a.milli_tokens, (BURST_MESSAGES - 1) * 1000);
        // A clock that goes back does not lock anyone out.
        assert_eq!(a.admit(t - 1), Admission::Answer);
        // Near the integer limits nothing overflows.
        let mut b = Allowance {
            refilled_at: i64::MIN,
            ..Allowance::default()
        };
        assert_eq!(b.admit(i64::MAX), Admission::Answer);
    }

    #[test]
    fn reports_are_capped_per_day() {
        let mut a = Allowance::default();
        let day = 20_500;
        for _ in 0..REPORTS_PER_DAY {
            assert!(a.take_report(day));
        }
        assert!(!a.take_report(day), "one over the day's cap");
        assert!(a.take_report(day + 1), "a new day");
    }
}
