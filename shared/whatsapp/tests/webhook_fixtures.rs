//! One test per webhook payload example (reference §5–6), each read from
//! `tests/fixtures/` so other crates can replay the same files.

use std::path::PathBuf;

use satark_whatsapp::webhook::{
    Contact, GraphError, InboundMessage, MediaRef, MessageContent, MessageContext, ParseError, Sender, Status,
    StatusKind, WebhookPayload, parse_payload,
};

const USER: &str = "919876543210";
const USER2: &str = "919812345678";
const PNID: &str = "109876543210987";
const OUT_WAMID: &str = "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQkIxMjM0NTY3ODkwQUJDREVGAA==";

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn parse(name: &str) -> WebhookPayload {
    parse_payload(&bytes(&format!("{name}.json"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The single message of a one-message fixture, with its change's contacts.
fn single(name: &str) -> (InboundMessage, Vec<Contact>) {
    let p = parse(name);
    assert_eq!(p.object.as_deref(), Some("whatsapp_business_account"));
    let all: Vec<_> = p.messages().collect();
    assert_eq!(all.len(), 1, "{name}: expected exactly one message");
    let (value, msg) = all[0];
    assert_eq!(
        value.metadata.as_ref().and_then(|m| m.phone_number_id.as_deref()),
        Some(PNID)
    );
    assert!(msg.id.starts_with("wamid."), "{name}: {}", msg.id);
    (msg.clone(), value.contacts.clone())
}

fn content(name: &str) -> MessageContent {
    single(name).0.content
}

fn single_status(name: &str) -> Status {
    let p = parse(name);
    assert_eq!(p.messages().count(), 0);
    let all: Vec<_> = p.statuses().map(|(_, s)| s.clone()).collect();
    assert_eq!(all.len(), 1, "{name}");
    all[0].clone()
}

#[test]
fn text() {
    let (m, contacts) = single("text");
    assert_eq!(m.from.as_deref(), Some(USER));
    assert_eq!(m.timestamp, Some(1_767_081_600));
    assert_eq!(m.context, None);
    assert!(m.errors.is_empty());
    assert_eq!(
        m.content,
        MessageContent::Text {
            body: "I want to report a chain snatching near the bus stand.".into()
        }
    );
    assert_eq!(
        contacts,
        vec![Contact {
            wa_id: Some(USER.into()),
            user_id: None
        }]
    );
    assert_eq!(m.sender(&contacts), Some(Sender::WaId(USER.into())));
}

#[test]
fn text_hindi_escaped() {
    let raw = bytes("text_hindi.json");
    assert!(raw.is_ascii(), "Meta sends escaped unicode");
    assert!(String::from_utf8_lossy(&raw).contains("\\u0928\\u092e"));
    let (m, _) = single("text_hindi");
    assert_eq!(
        m.content,
        MessageContent::Text {
            body: "नमस्ते, मुझे मदद चाहिए".into()
        }
    );
    // The raw UTF-8 variant parses to the same text.
    assert_eq!(content("text_utf8_raw"), m.content);
}

#[test]
fn profile_name_is_dropped() {
    for name in ["text", "text_hindi", "batched", "bsuid_only", "multi_entry"] {
        let p = parse(name);
        let debug = format!("{p:?}");
        let json = serde_json::to_string(&p).unwrap_or_default();
        for leaked in ["Asha", "Ravi", "profile"] {
            assert!(!debug.contains(leaked), "{name} leaks {leaked}");
            assert!(!json.contains(leaked), "{name} leaks {leaked}");
        }
    }
}

#[test]
fn text_forwarded() {
    let (m, _) = single("text_forwarded");
    assert_eq!(
        m.context,
        Some(MessageContext {
            forwarded: true,
            ..Default::default()
        })
    );
    assert!(matches!(m.content, MessageContent::Text { .. }));
    let (m, _) = single("text_frequently_forwarded");
    assert_eq!(
        m.context,
        Some(MessageContext {
            frequently_forwarded: true,
            ..Default::default()
        })
    );
}

#[test]
fn text_reply_quote_and_referral() {
    let (m, _) = single("text_reply_quote");
    let ctx = m.context.unwrap_or_default();
    assert_eq!(ctx.from.as_deref(), Some("15551234567"));
    assert!(ctx.id.is_some_and(|id| id.starts_with("wamid.")));
    assert!(!ctx.forwarded);
    let (m, _) = single("text_referral_ad");
    assert_eq!(m.content, MessageContent::Text { body: "Hello".into() });
}

#[test]
fn interactive_button_reply() {
    let (m, _) = single("interactive_button_reply");
    assert_eq!(
        m.content,
        MessageContent::ButtonReply {
            id: "lang_hi".into(),
            title: "हिन्दी".into()
        }
    );
    assert_eq!(m.context.and_then(|c| c.id).as_deref(), Some(OUT_WAMID));
}

#[test]
fn interactive_list_reply() {
    assert_eq!(
        content("interactive_list_reply"),
        MessageContent::ListReply {
            id: "cat_theft".into(),
            title: "Theft".into(),
            description: Some("Phone, vehicle, chain snatching".into())
        }
    );
    assert_eq!(
        content("interactive_list_reply_no_description"),
        MessageContent::ListReply {
            id: "cat_other".into(),
            title: "Something else".into(),
            description: None
        }
    );
}

#[test]
fn interactive_nfm_reply_is_unknown() {
    assert_eq!(
        content("interactive_nfm_reply"),
        MessageContent::Unknown {
            kind: "interactive.nfm_reply".into()
        }
    );
}

#[test]
fn template_button() {
    assert_eq!(
        content("button_template"),
        MessageContent::TemplateButton {
            payload: Some("CONFIRM_APPT_8812".into()),
            text: Some("Confirm".into())
        }
    );
}

#[test]
fn image_with_and_without_url_caption() {
    assert_eq!(
        content("image"),
        MessageContent::Image(MediaRef {
            id: "1038475629104857".into(),
            mime_type: Some("image/jpeg".into()),
            sha256: Some("p1Qk0uN7Jc2Xr3kq5cWlq9oBvYq6m2B7O3JtT5c3mJg=".into()),
            caption: Some("Number plate of the bike".into()),
            url: Some("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1038475629104857&ext=1767082140&hash=ATv...".into()),
        })
    );
    let MessageContent::Image(m) = content("image_no_url_no_caption") else {
        panic!("not an image");
    };
    assert_eq!(m.id, "1038475629104858");
    assert_eq!(m.caption, None);
    assert_eq!(m.url, None);
}

#[test]
fn audio_voice_and_file() {
    let MessageContent::Audio { media, voice } = content("audio_voice") else {
        panic!("not audio");
    };
    assert!(voice);
    assert_eq!(media.id, "2211334455667788");
    assert_eq!(media.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    assert!(media.url.is_some());
    let MessageContent::Audio { media, voice } = content("audio_file") else {
        panic!("not audio");
    };
    assert!(!voice);
    assert_eq!(media.url, None);
}

#[test]
fn video_without_filename() {
    let c = content("video");
    let MessageContent::Video(m) = &c else {
        panic!("not video");
    };
    assert_eq!(m.id, "998877665544332");
    assert_eq!(m.caption.as_deref(), Some("Noise from the engine"));
    assert_eq!(c.media().map(|m| m.mime_type.as_deref()), Some(Some("video/mp4")));
}

#[test]
fn document() {
    let MessageContent::Document { media, filename } = content("document") else {
        panic!("not a document");
    };
    assert_eq!(filename.as_deref(), Some("fir_2026-12.pdf"));
    assert_eq!(media.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(media.caption.as_deref(), Some("FIR copy"));
}

#[test]
fn sticker() {
    let MessageContent::Sticker { media, animated } = content("sticker") else {
        panic!("not a sticker");
    };
    assert!(!animated);
    assert_eq!(media.id, "443322110099887");
}

#[test]
fn location_with_and_without_name() {
    assert_eq!(
        content("location"),
        MessageContent::Location {
            latitude: 28.6139391,
            longitude: 77.2090212,
            name: Some("India Gate".into()),
            address: Some("Kartavya Path, New Delhi 110001".into())
        }
    );
    assert_eq!(
        content("location_plain"),
        MessageContent::Location {
            latitude: 19.076,
            longitude: 72.8777,
            name: None,
            address: None
        }
    );
}

#[test]
fn contacts_card_reduced_to_count() {
    let p = parse("contacts_card");
    let (value, m) = p.messages().next().unzip();
    assert_eq!(
        m.map(|m| m.content.clone()),
        Some(MessageContent::Contacts { count: 2 })
    );
    // The sender contact is still there; the cards' numbers are not.
    assert_eq!(value.map(|v| v.contacts.len()), Some(1));
    let debug = format!("{p:?}");
    assert!(!debug.contains(USER2) && !debug.contains("98123") && !debug.contains("Ravi"));
}

#[test]
fn reaction_and_removal() {
    assert_eq!(
        content("reaction"),
        MessageContent::Reaction {
            message_id: Some(OUT_WAMID.into()),
            emoji: Some("👍".into())
        }
    );
    assert_eq!(
        content("reaction_removed"),
        MessageContent::Reaction {
            message_id: Some(OUT_WAMID.into()),
            emoji: None
        }
    );
}

#[test]
fn unsupported_with_errors() {
    let (m, _) = single("unsupported");
    assert_eq!(
        m.content,
        MessageContent::Unsupported {
            kind: Some("poll_creation".into())
        }
    );
    assert_eq!(
        m.errors,
        vec![GraphError {
            code: Some(131_051),
            title: Some("Message type unknown".into()),
            message: Some("Message type unknown".into()),
            details: Some("Message type is currently not supported.".into()),
        }]
    );
}

#[test]
fn unknown_type_legacy() {
    let (m, _) = single("unknown_type_legacy");
    assert_eq!(m.content, MessageContent::Unsupported { kind: None });
    assert_eq!(m.errors.len(), 1);
    assert_eq!(m.errors[0].code, Some(131_051));
}

#[test]
fn system_without_contacts() {
    let (m, contacts) = single("system_user_changed_number");
    assert!(contacts.is_empty());
    assert_eq!(
        m.content,
        MessageContent::System {
            kind: Some("user_changed_number".into())
        }
    );
    assert_eq!(m.sender(&contacts), Some(Sender::WaId(USER.into())));
    assert!(!format!("{m:?}").contains(USER2), "system body must be dropped");
}

#[test]
fn request_welcome_is_unknown() {
    assert_eq!(
        content("request_welcome"),
        MessageContent::Unknown {
            kind: "request_welcome".into()
        }
    );
}

#[test]
fn statuses() {
    let cases = [
        ("status_sent", StatusKind::Sent, 1_767_082_400),
        ("status_delivered", StatusKind::Delivered, 1_767_082_403),
        ("status_read", StatusKind::Read, 1_767_082_460),
        ("status_played", StatusKind::Played, 1_767_082_470),
        ("status_unknown", StatusKind::Other("deleted".into()), 1_767_082_480),
    ];
    for (name, kind, ts) in cases {
        let s = single_status(name);
        assert_eq!(
            s,
            Status {
                id: OUT_WAMID.into(),
                status: kind,
                timestamp: Some(ts),
                recipient_id: Some(USER.into()),
                recipient_user_id: None,
                errors: vec![],
            },
            "{name}"
        );
    }
}

#[test]
fn status_failed() {
    let s = single_status("status_failed");
    assert_eq!(s.status, StatusKind::Failed);
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].code, Some(131_047));
    assert_eq!(s.errors[0].title.as_deref(), Some("Re-engagement message"));
    assert!(
        s.errors[0]
            .details
            .as_deref()
            .is_some_and(|d| d.starts_with("More than 24 hours"))
    );
}

#[test]
fn status_bsuid() {
    let s = single_status("status_read_bsuid");
    assert_eq!(s.status, StatusKind::Read);
    assert_eq!(s.recipient_id, None);
    assert_eq!(s.recipient_user_id.as_deref(), Some("IN.1410018717833190"));
}

#[test]
fn value_level_errors() {
    let p = parse("value_errors");
    assert_eq!(p.messages().count(), 0);
    assert_eq!(p.statuses().count(), 0);
    let errs: Vec<_> = p.value_errors().collect();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Some(130_429));
    assert_eq!(errs[0].title.as_deref(), Some("Rate limit hit"));
    assert!(errs[0].details.is_some());
}

#[test]
fn batched_post() {
    let p = parse("batched");
    let msgs: Vec<_> = p.messages().collect();
    assert_eq!(msgs.len(), 2);
    let senders: Vec<_> = msgs
        .iter()
        .map(|(v, m)| (m.id.clone(), m.sender(&v.contacts)))
        .collect();
    assert_eq!(
        senders,
        vec![
            ("wamid.A1".to_string(), Some(Sender::WaId(USER.into()))),
            ("wamid.B1".to_string(), Some(Sender::WaId(USER2.into())))
        ]
    );
    // Contacts are matched by wa_id, not index.
    let (v, m) = msgs[1];
    let mut reversed = v.contacts.clone();
    reversed.reverse();
    assert_eq!(m.contact(&reversed).and_then(|c| c.wa_id.as_deref()), Some(USER2));
    assert_eq!(m.content, MessageContent::Text { body: "menu".into() });
    let statuses: Vec<_> = p.statuses().map(|(_, s)| s).collect();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].id, "wamid.OUT9");
    assert_eq!(statuses[0].status, StatusKind::Read);
}

#[test]
fn multi_entry_iterates_everything() {
    let p = parse("multi_entry");
    assert_eq!(p.entry.len(), 2);
    assert_eq!(p.changes().count(), 3);
    let ids: Vec<_> = p.messages().map(|(_, m)| m.id.as_str()).collect();
    assert_eq!(ids, ["wamid.ME1", "wamid.ME2"]);
    let (v, m) = p.messages().nth(1).unzip();
    assert_eq!(
        m.and_then(|m| m.sender(&v.map(|v| v.contacts.clone()).unwrap_or_default())),
        Some(Sender::WaId(USER2.into()))
    );
    assert_eq!(p.statuses().count(), 1);
}

#[test]
fn bsuid_only_user() {
    let (m, contacts) = single("bsuid_only");
    assert_eq!(m.from, None);
    assert_eq!(m.from_user_id.as_deref(), Some("IN.1410018717833190"));
    assert_eq!(
        contacts,
        vec![Contact {
            wa_id: None,
            user_id: Some("IN.1410018717833190".into())
        }]
    );
    assert_eq!(m.sender(&contacts), Some(Sender::UserId("IN.1410018717833190".into())));
    assert!(matches!(m.content, MessageContent::Text { .. }));
}

#[test]
fn garbage_timestamp_degrades_to_unknown() {
    let p = parse("garbage_timestamp");
    let msgs: Vec<_> = p.messages().map(|(_, m)| m.clone()).collect();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].id, "wamid.GARBAGE1");
    assert_eq!(msgs[0].from.as_deref(), Some(USER));
    assert_eq!(msgs[0].timestamp, None);
    assert_eq!(msgs[0].content, MessageContent::Unknown { kind: "text".into() });
    assert_eq!(
        msgs[1].content,
        MessageContent::Text {
            body: "still fine".into()
        }
    );
}

#[test]
fn garbage_text_degrades_to_unknown() {
    let (m, _) = single("garbage_text");
    assert_eq!(m.id, "wamid.GARBAGE2");
    assert_eq!(m.timestamp, Some(1_767_082_601));
    assert_eq!(m.content, MessageContent::Unknown { kind: "text".into() });
}

#[test]
fn other_field_parses_empty() {
    let p = parse("field_account_update");
    let changes: Vec<_> = p.changes().collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].field.as_deref(), Some("account_update"));
    assert_eq!(p.messages().count(), 0);
    assert_eq!(p.statuses().count(), 0);
}

#[test]
fn empty_entry_matches_signature_vector() {
    let body = bytes("empty_entry.json");
    assert_eq!(
        satark_whatsapp::sign(b"app_secret_123", &body),
        "sha256=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f"
    );
    let p = parse_payload(&body);
    assert_eq!(p.map(|p| p.entry.len()), Ok(0), "empty entry list is a valid payload");
}

#[test]
fn non_json_and_non_object_fail() {
    assert!(matches!(
        parse_payload(&bytes("not_json.txt")),
        Err(ParseError::InvalidJson { .. })
    ));
    assert_eq!(parse_payload(&bytes("not_object.json")), Err(ParseError::NotObject));
}

/// Every fixture is listed in the README, and every JSON fixture parses (or
/// is one of the two documented failures).
#[test]
fn fixture_set_is_complete_and_documented() {
    let dir = fixture_path("");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "README.md")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert!(names.len() >= 40, "only {} fixtures", names.len());
    let mut wamids = std::collections::HashSet::new();
    for name in &names {
        assert!(readme.contains(&format!("`{name}`")), "{name} missing from README");
        let result = parse_payload(&bytes(name));
        if name == "not_json.txt" || name == "not_object.json" {
            assert!(result.is_err(), "{name}");
            continue;
        }
        let p = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        for (_, m) in p.messages() {
            assert!(wamids.insert(m.id.clone()), "duplicate wamid {}", m.id);
        }
    }
}
