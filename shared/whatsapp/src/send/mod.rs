//! Outbound message model and its exact Graph API JSON (reference §8).
//!
//! Only the message kinds the bot needs are modelled: text, reply buttons,
//! lists and templates. [`validate`] enforces every documented limit locally
//! so a bad menu is caught before it costs a round trip (or a user's report).

mod limits;
mod parse;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use limits::{LimitError, validate};
pub use parse::{BodyError, ParsedBody, parse_send_body};

/// Documented limits (§8), in Unicode scalar values (characters), not bytes.
pub mod max {
    /// `text.body`.
    pub const TEXT_BODY: usize = 4096;
    /// Reply buttons per message.
    pub const BUTTONS: usize = 3;
    /// `reply.id`.
    pub const BUTTON_ID: usize = 256;
    /// `reply.title`.
    pub const BUTTON_TITLE: usize = 20;
    /// `body.text` of a reply-button message.
    pub const BUTTONS_BODY: usize = 1024;
    /// `body.text` of a list message.
    pub const LIST_BODY: usize = 4096;
    /// Text `header.text`.
    pub const HEADER: usize = 60;
    /// `footer.text`.
    pub const FOOTER: usize = 60;
    /// List `action.button` label.
    pub const LIST_BUTTON: usize = 20;
    /// Sections per list.
    pub const SECTIONS: usize = 10;
    /// Rows per list, across all sections.
    pub const ROWS: usize = 10;
    /// Section `title`.
    pub const SECTION_TITLE: usize = 24;
    /// Row `id`.
    pub const ROW_ID: usize = 200;
    /// Row `title`.
    pub const ROW_TITLE: usize = 24;
    /// Row `description`.
    pub const ROW_DESCRIPTION: usize = 72;
    /// Template `name`.
    pub const TEMPLATE_NAME: usize = 512;
    /// Quick-reply buttons on a template.
    pub const TEMPLATE_BUTTONS: usize = 10;
}

/// Who to send to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Recipient {
    /// Phone-based WhatsApp id; sent as `"to": "+<digits>"` so Meta never
    /// prepends the business number's country code.
    WaId(String),
    /// Business-scoped user id; sent as `"recipient": "<id>"`.
    UserId(String),
}

impl Recipient {
    /// The value for the `to` field (`+digits`), for [`Recipient::WaId`].
    pub fn to_field(&self) -> Option<String> {
        match self {
            Recipient::WaId(w) => Some(format!("+{}", w.trim().trim_start_matches('+'))),
            Recipient::UserId(_) => None,
        }
    }
}

/// A message the bot can send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutgoingMessage {
    /// Plain text (no link preview).
    Text {
        /// ≤ 4096 characters.
        body: String,
    },
    /// Interactive reply buttons (1–3).
    Buttons {
        /// Optional text header (≤ 60).
        header: Option<String>,
        /// ≤ 1024 characters.
        body: String,
        /// Optional footer (≤ 60).
        footer: Option<String>,
        /// 1–3 buttons with unique ids and titles.
        buttons: Vec<ReplyButton>,
    },
    /// Interactive list (1–10 sections, 1–10 rows in total).
    List {
        /// Optional text header (≤ 60).
        header: Option<String>,
        /// ≤ 4096 characters.
        body: String,
        /// Optional footer (≤ 60).
        footer: Option<String>,
        /// The label of the button that opens the list (≤ 20).
        button: String,
        /// The sections.
        sections: Vec<ListSection>,
    },
    /// An approved template (required outside the 24-hour window).
    Template {
        /// Template name.
        name: String,
        /// Language code exactly as approved, e.g. `hi`, `en_US`.
        language: String,
        /// Body `{{n}}` parameters, in order.
        body_params: Vec<String>,
        /// Payloads for quick-reply buttons 0, 1, …
        quick_reply_payloads: Vec<String>,
    },
}

impl OutgoingMessage {
    /// The Graph `type` of this message (`text`, `interactive`, `template`).
    pub fn graph_type(&self) -> &'static str {
        match self {
            OutgoingMessage::Text { .. } => "text",
            OutgoingMessage::Buttons { .. } | OutgoingMessage::List { .. } => "interactive",
            OutgoingMessage::Template { .. } => "template",
        }
    }
}

/// A reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    /// Returned in the `button_reply` webhook (≤ 256, unique).
    pub id: String,
    /// Label (≤ 20, unique, non-empty).
    pub title: String,
}

/// A list section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    /// ≤ 24; required when there is more than one section (omitted if empty).
    pub title: String,
    /// At least one row.
    pub rows: Vec<ListRow>,
}

/// A list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    /// Returned in the `list_reply` webhook (≤ 200, unique across the list).
    pub id: String,
    /// ≤ 24.
    pub title: String,
    /// ≤ 72.
    pub description: Option<String>,
}

/// `Some(text)` for a non-blank optional text; blank counts as absent.
pub(crate) fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut, so callers
/// can fit translated labels into button/row limits.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Renders the JSON body for `POST /{version}/{phone-number-id}/messages`
/// exactly as documented (§8.1–8.4, 8.6). Call [`validate`] first.
pub fn message_body(to: &Recipient, msg: &OutgoingMessage, reply_to: Option<&str>) -> Value {
    let mut body = Map::new();
    body.insert("messaging_product".into(), json!("whatsapp"));
    body.insert("recipient_type".into(), json!("individual"));
    match to {
        Recipient::WaId(_) => {
            body.insert("to".into(), json!(to.to_field()));
        }
        Recipient::UserId(u) => {
            body.insert("recipient".into(), json!(u));
        }
    }
    if let Some(id) = reply_to {
        body.insert("context".into(), json!({ "message_id": id }));
    }
    body.insert("type".into(), json!(msg.graph_type()));
    let (key, payload) = match msg {
        OutgoingMessage::Text { body } => ("text", json!({ "preview_url": false, "body": body })),
        OutgoingMessage::Buttons {
            header,
            body,
            footer,
            buttons,
        } => {
            let buttons: Vec<Value> = buttons
                .iter()
                .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } }))
                .collect();
            let interactive = interactive("button", header, body, footer, json!({ "buttons": buttons }));
            ("interactive", interactive)
        }
        OutgoingMessage::List {
            header,
            body,
            footer,
            button,
            sections,
        } => {
            let sections: Vec<Value> = sections.iter().map(section_json).collect();
            let interactive = interactive(
                "list",
                header,
                body,
                footer,
                json!({ "button": button, "sections": sections }),
            );
            ("interactive", interactive)
        }
        OutgoingMessage::Template {
            name,
            language,
            body_params,
            quick_reply_payloads,
        } => (
            "template",
            template_json(name, language, body_params, quick_reply_payloads),
        ),
    };
    body.insert(key.into(), payload);
    Value::Object(body)
}

/// The body for marking an inbound message read (§8.5), optionally showing
/// the typing indicator until we reply (≤ 25 s).
pub fn mark_read_body(wamid: &str, typing_indicator: bool) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
    });
    if typing_indicator && let Some(obj) = body.as_object_mut() {
        obj.insert("typing_indicator".into(), json!({ "type": "text" }));
    }
    body
}

fn interactive(kind: &str, header: &Option<String>, body: &str, footer: &Option<String>, action: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("type".into(), json!(kind));
    if let Some(h) = present(header) {
        obj.insert("header".into(), json!({ "type": "text", "text": h }));
    }
    obj.insert("body".into(), json!({ "text": body }));
    if let Some(f) = present(footer) {
        obj.insert("footer".into(), json!({ "text": f }));
    }
    obj.insert("action".into(), action);
    Value::Object(obj)
}

fn section_json(section: &ListSection) -> Value {
    let rows: Vec<Value> = section
        .rows
        .iter()
        .map(|r| {
            let mut row = Map::new();
            row.insert("id".into(), json!(r.id));
            row.insert("title".into(), json!(r.title));
            if let Some(d) = present(&r.description) {
                row.insert("description".into(), json!(d));
            }
            Value::Object(row)
        })
        .collect();
    let mut obj = Map::new();
    if !section.title.trim().is_empty() {
        obj.insert("title".into(), json!(section.title));
    }
    obj.insert("rows".into(), Value::Array(rows));
    Value::Object(obj)
}

fn template_json(name: &str, language: &str, params: &[String], payloads: &[String]) -> Value {
    let mut components = Vec::new();
    if !params.is_empty() {
        let parameters: Vec<Value> = params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
        components.push(json!({ "type": "body", "parameters": parameters }));
    }
    for (i, p) in payloads.iter().enumerate() {
        components.push(json!({
            "type": "button",
            "sub_type": "quick_reply",
            "index": i.to_string(),
            "parameters": [ { "type": "payload", "payload": p } ],
        }));
    }
    let mut template = Map::new();
    template.insert("name".into(), json!(name));
    template.insert("language".into(), json!({ "code": language }));
    if !components.is_empty() {
        template.insert("components".into(), Value::Array(components));
    }
    Value::Object(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wa() -> Recipient {
        Recipient::WaId("919876543210".into())
    }

    #[test]
    fn text_matches_8_1() {
        let got = message_body(
            &wa(),
            &OutgoingMessage::Text {
                body: "Our clinic is open 9:00–18:00, Mon–Sat.".into(),
            },
            None,
        );
        let want = json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+919876543210",
          "type": "text", "text": { "preview_url": false, "body": "Our clinic is open 9:00–18:00, Mon–Sat." } });
        assert_eq!(got, want);
    }

    #[test]
    fn plus_not_doubled_and_bsuid_uses_recipient() {
        let got = message_body(
            &Recipient::WaId("+919876543210".into()),
            &OutgoingMessage::Text { body: "x".into() },
            None,
        );
        assert_eq!(got["to"], "+919876543210");
        let got = message_body(
            &Recipient::UserId("IN.1410018717833190".into()),
            &OutgoingMessage::Text { body: "x".into() },
            Some("wamid.Q"),
        );
        assert_eq!(got["recipient"], "IN.1410018717833190");
        assert!(got.get("to").is_none());
        assert_eq!(got["recipient_type"], "individual");
        assert_eq!(got["context"], json!({ "message_id": "wamid.Q" }));
    }

    #[test]
    fn buttons_match_8_2() {
        let msg = OutgoingMessage::Buttons {
            header: Some("Choose a language".into()),
            body: "Which language do you prefer?".into(),
            footer: Some("You can change this later".into()),
            buttons: vec![
                ReplyButton {
                    id: "lang_hi".into(),
                    title: "हिन्दी".into(),
                },
                ReplyButton {
                    id: "lang_en".into(),
                    title: "English".into(),
                },
            ],
        };
        let want = json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+919876543210",
          "type": "interactive",
          "interactive": { "type": "button",
            "header": { "type": "text", "text": "Choose a language" },
            "body": { "text": "Which language do you prefer?" },
            "footer": { "text": "You can change this later" },
            "action": { "buttons": [
              { "type": "reply", "reply": { "id": "lang_hi", "title": "हिन्दी" } },
              { "type": "reply", "reply": { "id": "lang_en", "title": "English" } } ] } } });
        assert_eq!(message_body(&wa(), &msg, None), want);
        assert_eq!(validate(&msg), Ok(()));
    }

    #[test]
    fn list_matches_8_3() {
        let msg = OutgoingMessage::List {
            header: Some("Services".into()),
            body: "Pick what you need help with.".into(),
            footer: Some("Reply 'menu' any time".into()),
            button: "See options".into(),
            sections: vec![
                ListSection {
                    title: "Appointments".into(),
                    rows: vec![
                        ListRow {
                            id: "appt_book".into(),
                            title: "Book appointment".into(),
                            description: Some("Next free slot".into()),
                        },
                        ListRow {
                            id: "appt_cancel".into(),
                            title: "Cancel appointment".into(),
                            description: None,
                        },
                    ],
                },
                ListSection {
                    title: "Other".into(),
                    rows: vec![ListRow {
                        id: "talk_human".into(),
                        title: "Talk to a person".into(),
                        description: None,
                    }],
                },
            ],
        };
        let want = json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+919876543210",
          "type": "interactive",
          "interactive": { "type": "list",
            "header": { "type": "text", "text": "Services" },
            "body": { "text": "Pick what you need help with." },
            "footer": { "text": "Reply 'menu' any time" },
            "action": { "button": "See options",
              "sections": [
                { "title": "Appointments", "rows": [
                  { "id": "appt_book", "title": "Book appointment", "description": "Next free slot" },
                  { "id": "appt_cancel", "title": "Cancel appointment" } ] },
                { "title": "Other", "rows": [ { "id": "talk_human", "title": "Talk to a person" } ] } ] } } });
        assert_eq!(message_body(&wa(), &msg, None), want);
        assert_eq!(validate(&msg), Ok(()));
    }

    #[test]
    fn template_matches_8_6() {
        let msg = OutgoingMessage::Template {
            name: "appointment_reminder".into(),
            language: "hi".into(),
            body_params: vec!["आशा".into(), "कल 10:30 बजे".into()],
            quick_reply_payloads: vec!["CONFIRM_APPT_8812".into()],
        };
        let want = json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+919876543210",
          "type": "template",
          "template": { "name": "appointment_reminder",
            "language": { "code": "hi" },
            "components": [
              { "type": "body", "parameters": [ { "type": "text", "text": "आशा" }, { "type": "text", "text": "कल 10:30 बजे" } ] },
              { "type": "button", "sub_type": "quick_reply", "index": "0",
                "parameters": [ { "type": "payload", "payload": "CONFIRM_APPT_8812" } ] } ] } });
        assert_eq!(message_body(&wa(), &msg, None), want);
        let bare = OutgoingMessage::Template {
            name: "hello".into(),
            language: "en_US".into(),
            body_params: vec![],
            quick_reply_payloads: vec![],
        };
        assert_eq!(
            message_body(&wa(), &bare, None)["template"],
            json!({ "name": "hello", "language": { "code": "en_US" } })
        );
    }

    #[test]
    fn mark_read_8_5() {
        assert_eq!(
            mark_read_body("wamid.X", true),
            json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X",
                    "typing_indicator": { "type": "text" } })
        );
        assert!(mark_read_body("wamid.X", false).get("typing_indicator").is_none());
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_chars("हिन्दी", 20), "हिन्दी");
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abcdef", 4).chars().count(), 4);
        assert_eq!(truncate_chars("abc", 0), "");
    }

    #[test]
    fn serde_roundtrip_for_outboxes() {
        let msg = OutgoingMessage::Buttons {
            header: None,
            body: "b".into(),
            footer: None,
            buttons: vec![ReplyButton {
                id: "a".into(),
                title: "A".into(),
            }],
        };
        let s = serde_json::to_string(&msg).unwrap_or_default();
        let back: Option<OutgoingMessage> = serde_json::from_str(&s).ok();
        assert_eq!(back, Some(msg));
    }
}
