//! Conversation tests: flows as citizens walk them, and properties over any input.

use super::*;
use crate::Lang;
use crate::i18n::Catalog;
use crate::range::RangeConfig;
use crate::report::{DetailItem, IncidentTime, MediaKind, StationChoice};
use crate::text::fold_key;
use proptest::prelude::*;
use std::sync::LazyLock;

static RANGE: LazyLock<RangeConfig> = LazyLock::new(|| RangeConfig::default_range().expect("range"));
static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::load().expect("catalogs"));

/// Drives one conversation as a citizen would, checking every step's invariants.
struct Chat {
    conv: Conversation,
    now: i64,
    counter: u64,
    replies: Vec<Reply>,
    effects: Vec<Effect>,
}

impl Chat {
    fn new() -> Self {
        Chat {
            conv: Conversation::default(),
            now: 1_767_081_600,
            counter: 0,
            replies: vec![],
            effects: vec![],
        }
    }

    fn send(&mut self, content: InboundContent) -> &Reply {
        self.counter += 1;
        self.now += 30;
        let mut entropy = [0u8; 20];
        entropy[..8].copy_from_slice(&self.counter.to_le_bytes());
        entropy[16..20].copy_from_slice(&(self.counter as u32).to_be_bytes());
        let ctx = StepContext {
            now: self.now,
            entropy,
            range: &RANGE,
            catalog: &CATALOG,
        };
        let inbound = Inbound {
            message_id: format!("wamid.{}", self.counter),
            content,
        };
        let out = step(&self.conv, &inbound, &ctx);
        out.conversation.check(&RANGE).expect("valid state");
        for r in &out.replies {
            r.check_limits().expect("reply within WhatsApp limits");
        }
        self.conv = out.conversation;
        self.replies = out.replies;
        self.effects = out.effects;
        static NO_REPLY: Reply = Reply::Text { body: String::new() };
        self.replies.last().unwrap_or(&NO_REPLY)
    }

    fn text(&mut self, t: &str) -> &Reply {
        self.send(InboundContent::Text(t.into()))
    }

    /// Taps the option of the last reply whose id ends with `action`.
    fn tap(&mut self, action: &str) -> &Reply {
        let (id, title) = self
            .find(action)
            .unwrap_or_else(|| panic!("no option {action} in {:?}", self.replies));
        self.send(InboundContent::Choice { id, title })
    }

    fn find(&self, action: &str) -> Option<(String, String)> {
        self.replies.iter().rev().find_map(|r| match r {
            Reply::Buttons { buttons, .. } => buttons
                .iter()
                .find(|b| b.id.ends_with(action))
                .map(|b| (b.id.clone(), b.title.clone())),
            Reply::List { rows, .. } => rows
                .iter()
                .find(|r| r.id.ends_with(action))
                .map(|r| (r.id.clone(), r.title.clone())),
            Reply::Text { .. } => None,
        })
    }

    fn photo(&mut self, id: &str) -> &Reply {
        self.send(InboundContent::Media {
            kind: MediaKind::Photo,
            wa_media_id: id.into(),
            mime_type: Some("image/jpeg".into()),
            caption: None,
        })
    }

    fn submitted(&self) -> Option<&crate::report::Report> {
        self.effects.iter().find_map(|e| match e {
            Effect::SubmitReport(r) => Some(r.as_ref()),
            _ => None,
        })
    }
}

#[test]
fn hindi_report_by_taps_with_media() {
    let mut chat = Chat::new();
    let first = chat.text("नमस्ते").clone();
    assert!(
        matches!(first, Reply::Buttons { ref buttons, .. } if buttons.len() == 3),
        "language buttons"
    );
    chat.tap("lang:hi");
    assert_eq!(chat.conv.lang, Some(Lang::Hi));
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.tap("s:more");
    chat.tap("s:11");
    chat.tap("c:illicit_liquor");
    assert_eq!(chat.conv.stage, Stage::Details);
    chat.text("गांव के बाहर रोज रात को कच्ची शराब बनती है");
    chat.send(InboundContent::Media {
        kind: MediaKind::Voice,
        wa_media_id: "m-voice".into(),
        mime_type: Some("audio/ogg; codecs=opus".into()),
        caption: None,
    });
    assert!(
        chat.effects
            .iter()
            .any(|e| matches!(e, Effect::FetchMedia { wa_media_id, .. } if wa_media_id == "m-voice"))
    );
    chat.photo("m-photo");
    chat.send(InboundContent::Media {
        kind: MediaKind::Video,
        wa_media_id: "m-video".into(),
        mime_type: Some("video/mp4".into()),
        caption: Some("रात 11 बजे".into()),
    });
    let ack = chat.replies[0].body().to_string();
    assert!(ack.contains('4'), "acknowledges the fourth item: {ack}");
    chat.tap("done");
    chat.tap("loc:skip");
    chat.tap("t:yesterday");
    assert_eq!(chat.conv.stage, Stage::Summary);
    chat.tap("sum:submit");
    let report = chat.submitted().expect("submitted").clone();
    assert_eq!(report.district, "JNP");
    assert_eq!(report.station, StationChoice::Known(11));
    assert_eq!(report.category, "illicit_liquor");
    assert_eq!(report.items.len(), 4);
    assert_eq!(report.media_keys().count(), 3);
    assert_eq!(report.when, Some(IncidentTime::Yesterday));
    assert_eq!(report.language, Lang::Hi);
    assert!(report.reference.as_str().starts_with("JNP-"));
    let confirmation = chat.replies[0].body();
    assert!(confirmation.contains(report.reference.as_str()));
    assert!(!confirmation.contains("कच्ची शराब"), "never echoes the report text");
    assert!(chat.conv.draft.is_none());
}

#[test]
fn english_report_typed_without_taps() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.text("English");
    assert_eq!(chat.conv.lang, Some(Lang::En));
    chat.text("new report");
    chat.text("ghazipur");
    chat.text("zamaniya");
    assert_eq!(
        chat.conv.draft.as_ref().and_then(|d| d.station),
        Some(StationChoice::Known(4))
    );
    chat.text("gambling");
    chat.text("There is a satta den behind the bus stand every evening");
    chat.text("done");
    chat.text("near the old bus stand");
    chat.text("today");
    chat.text("submit");
    let report = chat.submitted().expect("submitted");
    assert_eq!(
        (report.district.as_str(), report.category.as_str()),
        ("GZP", "gambling")
    );
    assert!(matches!(report.place, Some(crate::report::IncidentPlace::Typed { .. })));
}

/// Thirty messages of WhatsApp's longest text, in Devanagari (three bytes a
/// character): the draft stops taking text at its byte budget, and the stored
/// conversation stays far under DynamoDB's 400 KB item limit.
#[test]
fn a_draft_stays_under_the_item_size_limit_whatever_is_typed() {
    // Devanagari (three bytes a character), and control characters (six bytes each
    // once JSON-escaped, as records are stored).
    for long in ["अ".repeat(MAX_TEXT_CHARS + 100), "\u{1}".repeat(MAX_TEXT_CHARS + 100)] {
        let mut chat = Chat::new();
        for t in ["Hello", "English", "new report", "ghazipur", "zamaniya", "gambling"] {
            chat.text(t);
        }
        for _ in 0..MAX_ITEMS {
            chat.text(&long);
        }
        let draft = chat.conv.draft.as_ref().expect("draft");
        assert!(draft.text_bytes() <= MAX_DRAFT_TEXT_BYTES);
        assert!(
            draft.items.len() < MAX_ITEMS,
            "the byte budget, not the count, stopped it"
        );
        assert!(
            chat.replies.iter().any(|r| r.body().contains(&MAX_ITEMS.to_string())),
            "told it is full"
        );
        let stored = crate::records::encode(&chat.conv).expect("encodes");
        assert!(
            stored.len() < 200 * 1024,
            "stored conversation is {} bytes",
            stored.len()
        );
    }
}

/// The retention sweep may discard an idle draft before the informant returns: the
/// informant is told all the same, once.
#[test]
fn a_draft_the_sweep_discarded_is_announced_once() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.text("English");
    chat.conv.draft_expired = true;
    chat.text("hello again");
    assert!(
        chat.replies.iter().any(|r| r.body().contains("discarded")),
        "{:?}",
        chat.replies
    );
    assert!(!chat.conv.draft_expired);
    chat.text("menu");
    assert!(
        !chat.replies.iter().any(|r| r.body().contains("discarded")),
        "only once"
    );
}

#[test]
fn urdu_report_from_a_poster() {
    let mut chat = Chat::new();
    chat.text("Hi CDL-7");
    assert_eq!(chat.conv.poster, Some(("CDL".into(), 7)));
    chat.tap("lang:ur");
    let menu = chat.replies.last().expect("menu").body().to_string();
    assert!(
        menu.contains("چکیا") || menu.contains("Chakia"),
        "menu names the poster's station: {menu}"
    );
    chat.tap("menu:new");
    assert!(
        matches!(chat.conv.stage, Stage::ChooseCategory { .. }),
        "district and station preselected"
    );
    chat.tap("c:more");
    chat.tap("c:robbery");
    chat.text("بازار میں موبائل چھینا گیا");
    chat.tap("done");
    chat.send(InboundContent::Location {
        latitude: 25.26,
        longitude: 83.27,
        name: None,
        address: None,
    });
    chat.tap("t:today");
    chat.tap("sum:submit");
    let report = chat.submitted().expect("submitted");
    assert_eq!(
        (report.district.as_str(), report.station),
        ("CDL", StationChoice::Known(7))
    );
    assert!(report.via_poster);
    assert_eq!(report.language, Lang::Ur);
}

#[test]
fn stale_menu_taps_are_caught() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    let (old_new_report, title) = chat.find("menu:new").expect("menu");
    chat.tap("menu:new");
    chat.tap("d:JNP");
    let before = chat.conv.clone();
    let reply = chat
        .send(InboundContent::Choice {
            id: old_new_report,
            title,
        })
        .clone();
    assert!(reply.body().contains("out of date"), "{reply:?}");
    assert_eq!(chat.conv.draft, before.draft, "a stale tap changes nothing");
    let forged = chat
        .send(InboundContent::Choice {
            id: "999:d:GZP".into(),
            title: "x".into(),
        })
        .clone();
    assert!(forged.body().contains("out of date"));
}

#[test]
fn commands_work_anywhere() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    chat.tap("menu:new");
    chat.tap("d:GZP");
    chat.text("help");
    assert!(chat.replies[0].body().contains("status"));
    assert!(
        matches!(chat.conv.stage, Stage::ChooseStation { .. }),
        "help keeps the place"
    );
    chat.text("language");
    chat.tap("lang:hi");
    assert!(
        matches!(chat.conv.stage, Stage::ChooseStation { .. }),
        "language change resumes the report"
    );
    chat.text("menu");
    assert_eq!(chat.conv.stage, Stage::Menu);
    chat.tap("menu:new");
    assert!(
        matches!(chat.conv.stage, Stage::ChooseStation { .. }),
        "new report resumes the draft"
    );
    chat.text("cancel");
    assert!(chat.conv.draft.is_none());
    assert!(chat.effects.iter().any(|e| matches!(e, Effect::DiscardDraft { .. })));
    chat.text("status jnp-7k3qx");
    assert!(
        chat.effects
            .iter()
            .any(|e| matches!(e, Effect::LookupStatus { code, .. } if code.as_str() == "JNP-7K3QX"))
    );
    chat.text("status banana");
    assert_eq!(chat.conv.stage, Stage::AskStatusCode);
}

#[test]
fn code_like_text_in_a_report_is_evidence() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    chat.text("JNP-7K3QX");
    assert!(
        chat.effects.iter().any(|e| matches!(e, Effect::LookupStatus { .. })),
        "at the menu it is a status request"
    );
    chat.text("menu");
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.tap("s:dk");
    chat.tap("c:more");
    chat.tap("c:other");
    chat.text("JNP-12345");
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::LookupStatus { .. })));
    assert_eq!(
        chat.conv.draft.as_ref().map(|d| d.items.len()),
        Some(1),
        "kept as a detail"
    );
}

#[test]
fn drafts_expire_after_a_day() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.now += DRAFT_TTL_SECS + 60;
    chat.text("hi");
    assert!(chat.conv.draft.is_none());
    assert!(chat.effects.iter().any(|e| matches!(e, Effect::DiscardDraft { .. })));
    assert!(chat.replies[0].body().contains("24 hours"));
    assert_eq!(chat.conv.stage, Stage::Menu);
}

#[test]
fn typed_station_names_match_fuzzily_or_offer_choices() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.text("badlapr");
    assert_eq!(
        chat.conv.draft.as_ref().and_then(|d| d.station),
        Some(StationChoice::Known(8))
    );
    chat.text("edit"); // not a category: explained, still asking for the category
    assert!(matches!(chat.conv.stage, Stage::ChooseCategory { .. }));
}

#[test]
fn free_text_before_anything_is_kept() {
    let mut chat = Chat::new();
    chat.text("mere gaon me roz raat ko jua khela jata hai");
    assert_eq!(chat.conv.stage, Stage::ChooseLanguage);
    chat.tap("lang:hi");
    let draft = chat.conv.draft.as_ref().expect("draft kept");
    assert!(matches!(&draft.items[0], DetailItem::Text { .. }));
    assert!(matches!(chat.conv.stage, Stage::ChooseDistrict { .. }));
}

#[test]
fn odd_messages_get_helpful_answers() {
    let mut chat = Chat::new();
    chat.text("hi");
    chat.tap("lang:en");
    chat.send(InboundContent::Sticker);
    assert!(chat.replies[0].body().contains("Stickers"));
    chat.send(InboundContent::Unsupported { too_large: true });
    assert!(chat.replies[0].body().contains("too large"));
    chat.send(InboundContent::Contacts);
    assert!(chat.replies[0].body().contains("contact cards"));
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.tap("s:dk");
    chat.tap("c:more");
    chat.tap("c:other");
    chat.tap("done");
    assert!(
        chat.replies[0].body().contains("at least one"),
        "empty reports are refused"
    );
}

// ---- properties -------------------------------------------------------------------

fn any_inbound() -> impl Strategy<Value = InboundContent> {
    let words = prop::sample::select(vec![
        "hi",
        "Hi JNP-12",
        "Hi GZP-999",
        "hindi",
        "english",
        "urdu",
        "1",
        "2",
        "3",
        "menu",
        "cancel",
        "help",
        "language",
        "status",
        "status JNP-7K3QX",
        "JNP-00000",
        "done",
        "skip",
        "today",
        "submit",
        "edit",
        "more",
        "back",
        "don't know",
        "kotwali",
        "jaunpur",
        "ghazipur",
        "illicit liquor",
        "हो गया",
        "रद्द",
        "मेनू",
        "नमस्ते",
        "اردو",
        "ہو گیا",
        "",
        "   ",
        "\u{200D}",
        "a very long report about something that happened near the market",
    ]);
    prop_oneof![
        words.prop_map(|w| InboundContent::Text(w.to_string())),
        ".{0,64}".prop_map(InboundContent::Text),
        (
            0u32..12,
            prop::sample::select(vec![
                "lang:hi",
                "lang:en",
                "lang:ur",
                "lang:xx",
                "menu:new",
                "menu:status",
                "menu:privacy",
                "d:JNP",
                "d:CDL",
                "d:ZZZ",
                "d:more",
                "d:back",
                "s:1",
                "s:12",
                "s:999",
                "s:dk",
                "s:more",
                "s:back",
                "c:other",
                "c:robbery",
                "c:nope",
                "c:more",
                "c:back",
                "done",
                "loc:skip",
                "t:today",
                "t:unknown",
                "sum:submit",
                "sum:edit",
                "sum:cancel",
                "e:place",
                "e:category",
                "e:details",
                "e:location",
                "e:time",
                "e:back",
                "",
            ])
        )
            .prop_map(|(seq, a)| InboundContent::Choice {
                id: format!("{seq}:{a}"),
                title: a.to_string()
            }),
        ".{0,20}".prop_map(|id| InboundContent::Choice { id, title: "x".into() }),
        prop::sample::select(vec![
            MediaKind::Photo,
            MediaKind::Voice,
            MediaKind::Video,
            MediaKind::Document
        ])
        .prop_map(|kind| InboundContent::Media {
            kind,
            wa_media_id: "m".into(),
            mime_type: None,
            caption: None
        }),
        (-90.0f64..90.0, -180.0f64..180.0).prop_map(|(latitude, longitude)| InboundContent::Location {
            latitude,
            longitude,
            name: None,
            address: None
        }),
        Just(InboundContent::Sticker),
        Just(InboundContent::Contacts),
        any::<bool>().prop_map(|removed| InboundContent::Reaction { removed }),
        any::<bool>().prop_map(|too_large| InboundContent::Unsupported { too_large }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// Any sequence of messages, at any pace, keeps a valid state, never panics, and
    /// every reply fits WhatsApp's limits.
    #[test]
    fn any_sequence_keeps_a_valid_state(
        inputs in prop::collection::vec((any_inbound(), 0i64..200_000), 1..60),
    ) {
        let mut conv = Conversation::default();
        let mut now = 1_767_081_600i64;
        for (i, (content, gap)) in inputs.into_iter().enumerate() {
            now += gap;
            let mut entropy = [7u8; 20];
            entropy[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let ctx = StepContext { now, entropy, range: &RANGE, catalog: &CATALOG };
            // Taps use the current sequence half the time, so deep stages are reached.
            let content = match content {
                InboundContent::Choice { id, title } if i % 2 == 0 => {
                    let action = id.split_once(':').map(|(_, a)| a.to_string()).unwrap_or(id);
                    InboundContent::Choice { id: format!("{}:{action}", conv.menu_seq), title }
                }
                other => other,
            };
            let out = step(&conv, &Inbound { message_id: format!("wamid.{i}"), content }, &ctx);
            prop_assert!(out.conversation.check(&RANGE).is_ok(), "{:?}", out.conversation.check(&RANGE));
            for reply in &out.replies {
                prop_assert!(reply.check_limits().is_ok(), "{:?}: {:?}", reply.check_limits(), reply);
            }
            for effect in &out.effects {
                if let Effect::SubmitReport(r) = effect {
                    prop_assert!(RANGE.district(&r.district).is_some());
                    prop_assert!(!r.items.is_empty());
                }
            }
            // The state survives storage.
            let stored = serde_json::to_string(&out.conversation).expect("serialise");
            let loaded: Conversation = serde_json::from_str(&stored).expect("deserialise");
            prop_assert_eq!(&loaded, &out.conversation);
            conv = out.conversation;
        }
    }
}

/// The options of the prompt the conversation shows now, in `lang`.
fn shown_options(conv: &Conversation, lang: Lang) -> Vec<(String, String)> {
    let ctx = StepContext {
        now: 1_767_081_600,
        entropy: [0; 20],
        range: &RANGE,
        catalog: &CATALOG,
    };
    let ui = super::render::Ui {
        ctx: &ctx,
        lang,
        seq: conv.menu_seq,
    };
    match ui.prompt(conv, None) {
        Reply::Buttons { buttons, .. } => buttons.into_iter().map(|b| (b.id, b.title)).collect(),
        Reply::List { rows, .. } => rows.into_iter().map(|r| (r.id, r.title)).collect(),
        Reply::Text { .. } => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Wherever a conversation stands, typing an option's position (in any script's
    /// digits) or its title in any of the three languages selects that option, exactly
    /// as tapping it does. (Not while details or a reference code are being typed:
    /// there a number is the citizen's own words.)
    #[test]
    fn typing_an_options_number_or_title_is_tapping_it(
        taps in prop::collection::vec(0usize..12, 0..25),
        digits in 0usize..3,
    ) {
        let mut conv = Conversation::default();
        let ctx_at = |i: usize| {
            let mut entropy = [5u8; 20];
            entropy[..8].copy_from_slice(&(i as u64).to_le_bytes());
            StepContext { now: 1_767_081_600 + 30 * i as i64, entropy, range: &RANGE, catalog: &CATALOG }
        };
        let send = |conv: &Conversation, i: usize, content: InboundContent| {
            step(conv, &Inbound { message_id: format!("wamid.{i}"), content }, &ctx_at(i))
        };
        conv = send(&conv, 0, InboundContent::Text("Hi".into())).conversation;
        // Walk somewhere by tapping options chosen at random.
        for (n, pick) in taps.iter().enumerate() {
            let lang = conv.lang.unwrap_or(Lang::Hi);
            let options = shown_options(&conv, lang);
            if options.is_empty() {
                break;
            }
            let (id, title) = options[pick % options.len()].clone();
            conv = send(&conv, n + 1, InboundContent::Choice { id, title }).conversation;
        }
        let Some(lang) = conv.lang else { return Ok(()) };
        if matches!(conv.stage, Stage::Details | Stage::AskStatusCode) {
            return Ok(());
        }
        let i = taps.len() + 1;
        let options = shown_options(&conv, lang);
        for (position, (id, title)) in options.iter().enumerate() {
            let tapped = send(&conv, i, InboundContent::Choice { id: id.clone(), title: title.clone() });
            let number = (position + 1).to_string();
            let number: String = match digits {
                1 => number.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0x966).unwrap_or(c)).collect(),
                2 => number.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0x6f0).unwrap_or(c)).collect(),
                _ => number,
            };
            let typed = send(&conv, i, InboundContent::Text(number.clone()));
            prop_assert_eq!(&typed.conversation, &tapped.conversation, "typed {} at {:?}", number, conv.stage);
            prop_assert_eq!(&typed.replies, &tapped.replies);
            for other in Lang::ALL {
                let titles = shown_options(&conv, other);
                let Some((_, other_title)) = titles.get(position) else { continue };
                // Titles shared by two options of one menu cannot name either alone.
                if titles.iter().filter(|(_, t)| fold_key(t) == fold_key(other_title)).count() > 1 {
                    continue;
                }
                let typed = send(&conv, i, InboundContent::Text(other_title.clone()));
                prop_assert_eq!(&typed.conversation, &tapped.conversation, "typed {:?} at {:?}", other_title, conv.stage);
            }
        }
    }
}

#[test]
fn a_typed_number_picks_from_the_district_and_station_lists() {
    // Found as a new user would: "1" at the district question and "3" at the station
    // list were answered "I couldn't find that police station".
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.text("English");
    chat.text("new report");
    chat.text("1");
    let district = chat.conv.draft.as_ref().and_then(|d| d.district.clone());
    assert_eq!(district.as_deref(), Some(RANGE.districts[0].code.as_str()));
    chat.text("3");
    assert!(
        chat.conv.draft.as_ref().is_some_and(|d| d.station.is_some()),
        "{:?}",
        chat.replies
    );
}

/// Walks a new English report to its details.
fn at_details(chat: &mut Chat) {
    chat.text("Hello");
    chat.tap("lang:en");
    chat.tap("menu:new");
    chat.tap("d:JNP");
    chat.tap("s:1");
    chat.tap("c:illicit_liquor");
    assert_eq!(chat.conv.stage, Stage::Details);
}

#[test]
fn the_guard_warns_of_a_phone_number_and_removes_the_message_on_request() {
    let mut chat = Chat::new();
    at_details(&mut chat);
    chat.text("Liquor is sold behind the school every evening");
    let warned = chat.text("You can reach me on 98765 43210").clone();
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: 1 }),
        "{:?}",
        chat.conv.stage
    );
    let Reply::Buttons { body, buttons } = &warned else {
        panic!("the warning offers a choice: {warned:?}")
    };
    assert!(body.contains("phone number"), "names what it saw: {body}");
    assert!(!body.contains("98765"), "never repeats it");
    assert_eq!(buttons.len(), 2);
    chat.tap("guard:drop");
    let draft = chat.conv.draft.as_ref().expect("draft");
    assert_eq!(draft.items.len(), 1, "the message is gone");
    assert_eq!(chat.conv.stage, Stage::Details, "back to the details");
    chat.tap("done");
    chat.tap("loc:skip");
    chat.tap("t:today");
    chat.tap("sum:submit");
    let report = chat.submitted().expect("submitted");
    assert_eq!(report.guard_fired, [crate::triage::disclosure::Disclosure::PhoneNumber]);
    assert!(
        report.items.iter().all(|i| match i {
            DetailItem::Text { body, .. } => !body.contains("98765"),
            DetailItem::Media { .. } => true,
        }),
        "the number never reaches the report"
    );
}

#[test]
fn the_guard_keeps_the_message_when_asked_and_in_every_language() {
    for (lang, text, keep) in [
        ("lang:hi", "मेरा नाम रमेश कुमार है, मैं गवाह हूँ", "2"),
        ("lang:ur", "میرا نام اسلم ہے اور میں نے سب دیکھا", "2"),
        ("lang:en", "My email is someone@example.com", "Keep it"),
    ] {
        let mut chat = Chat::new();
        chat.text("Hello");
        chat.tap(lang);
        chat.tap("menu:new");
        chat.tap("d:JNP");
        chat.tap("s:1");
        chat.tap("c:illicit_liquor");
        chat.text(text);
        assert!(
            matches!(chat.conv.stage, Stage::ConfirmDisclosure { .. }),
            "{lang}: the guard fires for {text:?}"
        );
        // Typing the option's number (or its title) is tapping it.
        chat.text(keep);
        assert_eq!(chat.conv.stage, Stage::Details, "{lang}");
        let draft = chat.conv.draft.as_ref().expect("draft");
        assert_eq!(draft.items.len(), 1, "{lang}: kept");
        assert_eq!(draft.guard_fired.len(), 1, "{lang}: the guard's firing is remembered");
    }
}

#[test]
fn more_words_at_the_guard_question_are_details_not_a_wrong_answer() {
    let mut chat = Chat::new();
    at_details(&mut chat);
    chat.text("call me on 9876543210");
    chat.text("the shop is near the temple");
    let draft = chat.conv.draft.as_ref().expect("draft");
    assert_eq!(draft.items.len(), 2, "both kept");
    // The question about the flagged message stands until it is answered.
    assert_eq!(chat.conv.stage, Stage::ConfirmDisclosure { item: 0 });
    chat.text("keep it");
    assert_eq!(chat.conv.stage, Stage::Details);
}

#[test]
fn a_tip_about_someone_else_does_not_trip_the_guard() {
    let mut chat = Chat::new();
    at_details(&mut chat);
    chat.text("उसका नाम राजू है, वह रोज़ शाम को स्कूल के पीछे शराब बेचता है");
    assert_eq!(chat.conv.stage, Stage::Details);
}

fn open_question(chat: &mut Chat) -> crate::ids::ReportId {
    let report_id = crate::ids::ReportId::from_entropy(&[9; 16]);
    chat.conv.questions.push(OpenQuestion {
        report_id: report_id.clone(),
        reference: crate::ids::ReferenceCode::new("JNP", &[1, 2, 3, 4]),
        entry_id: "question:1".into(),
        asked_at: chat.now,
        answered_at: None,
    });
    report_id
}

#[test]
fn the_next_messages_after_a_question_answer_it() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    chat.text("menu");
    // Idle again after a submitted report, say: here the menu is left by a status check.
    chat.conv.stage = Stage::Idle;
    let report_id = open_question(&mut chat);
    let reply = chat.text("The car was white, a Bolero").clone();
    let Reply::Text { body } = &reply else {
        panic!("{reply:?}")
    };
    assert!(body.contains("JNP-"), "the thanks names the report: {body}");
    assert!(chat.conv.draft.is_none(), "not a new report");
    assert!(
        chat.effects.iter().any(|e| matches!(e,
            Effect::AttachAnswer { report_id: r, text, media_keys, question }
                if *r == report_id && text.contains("Bolero") && media_keys.is_empty() && question == "question:1")),
        "{:?}",
        chat.effects
    );
    // A photo soon after attaches too, and is fetched into that report's evidence.
    chat.photo("media-1");
    assert!(
        chat.effects
            .iter()
            .any(|e| matches!(e, Effect::FetchMedia { report_id: r, .. } if *r == report_id))
    );
    assert!(
        chat.effects
            .iter()
            .any(|e| matches!(e, Effect::AttachAnswer { media_keys, .. } if media_keys.len() == 1))
    );
    // Long after the answer, messages are the citizen's own again.
    chat.now += ANSWER_FOLLOW_SECS + 60;
    chat.text("menu");
    assert!(chat.conv.questions.is_empty(), "the answered question closed");
}

#[test]
fn an_unanswered_question_closes_after_a_week_and_commands_still_work() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    chat.conv.stage = Stage::Idle;
    open_question(&mut chat);
    chat.text("help");
    assert!(
        !chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })),
        "a command is not an answer"
    );
    chat.now += QUESTION_OPEN_SECS + 60;
    chat.conv.stage = Stage::Idle;
    chat.text("there is gambling near the bus stand every night");
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
    assert!(chat.conv.questions.is_empty());
}

#[test]
fn while_writing_a_report_words_belong_to_the_draft() {
    let mut chat = Chat::new();
    at_details(&mut chat);
    open_question(&mut chat);
    chat.text("a new tip about the same lane");
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
    assert_eq!(chat.conv.draft.as_ref().map(|d| d.items.len()), Some(1));
}

#[test]
fn the_guard_also_reads_a_first_message_a_free_tip_and_a_typed_place() {
    // Typed before any language was chosen: warned once the language is known.
    let mut chat = Chat::new();
    chat.text("Liquor is sold behind the school every night, call me on 9876543210");
    chat.tap("lang:en");
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: 0 }),
        "{:?}",
        chat.conv.stage
    );
    chat.tap("guard:drop");
    assert!(chat.conv.draft.as_ref().is_some_and(|d| d.items.is_empty()));

    // A free tip typed at the menu.
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    chat.text("I am Ramesh Yadav and I saw them selling smack near the bus stand");
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { .. }),
        "{:?}",
        chat.conv.stage
    );
    chat.tap("guard:keep");
    assert_eq!(chat.conv.draft.as_ref().map(|d| d.items.len()), Some(1));

    // A typed place: removed, the place is asked again.
    let mut chat = Chat::new();
    at_details(&mut chat);
    chat.text("Liquor is sold behind the school");
    chat.tap("done");
    chat.text("my house, near the school, mob 9876543210");
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: PLACE_ITEM }),
        "{:?}",
        chat.conv.stage
    );
    chat.tap("guard:drop");
    assert_eq!(chat.conv.stage, Stage::AskLocation);
    assert!(chat.conv.draft.as_ref().is_some_and(|d| d.place.is_none()));
}

#[test]
fn two_flagged_messages_are_each_asked_about_and_a_caption_goes_alone() {
    let mut chat = Chat::new();
    at_details(&mut chat);
    chat.text("my number is 9876543210");
    // Another message before answering: it is kept as a detail and asked about in turn.
    chat.text("my email is me@example.com");
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: 0 }),
        "{:?}",
        chat.conv.stage
    );
    chat.tap("guard:drop");
    assert!(
        matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: 0 }),
        "the second, now first"
    );
    chat.tap("guard:drop");
    assert_eq!(chat.conv.stage, Stage::Details);
    assert!(
        chat.conv.draft.as_ref().is_some_and(|d| d.items.is_empty()),
        "both removed"
    );

    chat.send(InboundContent::Media {
        kind: MediaKind::Photo,
        wa_media_id: "m1".into(),
        mime_type: Some("image/jpeg".into()),
        caption: Some("this is me, Ramesh, call 9876543210".into()),
    });
    assert!(matches!(chat.conv.stage, Stage::ConfirmDisclosure { item: 0 }));
    chat.tap("guard:drop");
    let items = &chat.conv.draft.as_ref().expect("draft").items;
    assert!(
        matches!(items.as_slice(), [DetailItem::Media { caption: None, .. }]),
        "the photo stays, its caption goes: {items:?}"
    );
}

#[test]
fn an_answer_that_identifies_its_writer_is_held_until_they_say() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    chat.conv.stage = Stage::Idle;
    let report_id = open_question(&mut chat);
    chat.text("My name is Ramesh, call me on 9876543210");
    assert_eq!(chat.conv.stage, Stage::ConfirmAnswer);
    assert!(
        !chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })),
        "nothing reaches the police yet"
    );
    // "2" is the second button: don't send.
    chat.text("2");
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
    assert!(chat.conv.held_answer.is_none());
    // Sent as it is when they say so; a photo with it is fetched only then.
    chat.conv.stage = Stage::Idle;
    chat.send(InboundContent::Media {
        kind: MediaKind::Photo,
        wa_media_id: "m2".into(),
        mime_type: None,
        caption: Some("my number 9876543210".into()),
    });
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::FetchMedia { .. })));
    chat.tap("guard:keep");
    assert!(
        chat.effects
            .iter()
            .any(|e| matches!(e, Effect::FetchMedia { report_id: r, .. } if *r == report_id))
    );
    assert!(chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
}

#[test]
fn with_a_question_open_a_new_report_or_a_menu_option_is_still_what_it_says() {
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    chat.conv.stage = Stage::Idle;
    open_question(&mut chat);
    chat.text("new report");
    assert!(chat.conv.draft.is_some(), "a new report was started");
    assert!(!chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
    // After "hi" (the menu), a sentence still answers the question.
    let mut chat = Chat::new();
    chat.text("Hello");
    chat.tap("lang:en");
    open_question(&mut chat);
    chat.text("hi");
    chat.text("The car was a white Bolero with a broken light");
    assert!(chat.effects.iter().any(|e| matches!(e, Effect::AttachAnswer { .. })));
    assert!(chat.conv.draft.is_none());
}
