//! `value.messages[]`: one inbound user message (reference §6.1–6.13).

use serde::Serialize;
use serde_json::Value;

use super::lenient::{
    Malformed, Object, Strict, array, loose_i64, loose_str, required_obj, strict_bool, strict_f64, strict_i64,
    strict_obj, strict_str,
};
use super::{Contact, GraphError, parse_errors};
use crate::send::Recipient;

/// One inbound message. Content that cannot be understood is kept as
/// [`MessageContent::Unknown`] so the bot can still acknowledge it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InboundMessage {
    /// The wamid; "" if absent. Dedup key (Meta delivers at least once).
    pub id: String,
    /// Sender's WhatsApp id (phone digits, no `+`); absent for username users.
    pub from: Option<String>,
    /// Sender's business-scoped user id (BSUID).
    pub from_user_id: Option<String>,
    /// Unix seconds (sent as a string by Meta; numbers accepted too).
    pub timestamp: Option<i64>,
    /// Reply/forward/button-tap context.
    pub context: Option<MessageContext>,
    /// What the user sent.
    pub content: MessageContent,
    /// Errors attached to the message (e.g. on `unsupported`).
    pub errors: Vec<GraphError>,
}

/// `messages[].context`. Note `id` here is `message_id` on the send side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MessageContext {
    /// The business number the quoted message came from.
    pub from: Option<String>,
    /// Wamid of the quoted message / the message that carried the buttons.
    pub id: Option<String>,
    /// Forwarded (≤ 5 times).
    pub forwarded: bool,
    /// Forwarded many times.
    pub frequently_forwarded: bool,
}

/// A media attachment as referenced by a webhook; download it with
/// `GraphClient::media_info` + `download_media`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MediaRef {
    /// Media id ("" if absent).
    pub id: String,
    /// MIME type as reported.
    pub mime_type: Option<String>,
    /// Opaque hash (base64 or hex depending on the source).
    pub sha256: Option<String>,
    /// Caption typed by the user.
    pub caption: Option<String>,
    /// Direct download URL (being rolled out; may be absent).
    pub url: Option<String>,
}

/// The content of an inbound message, by `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MessageContent {
    /// `text`.
    Text {
        /// The text typed by the user.
        body: String,
    },
    /// `interactive.button_reply`: tap on one of our reply buttons.
    ButtonReply {
        /// The button id we set.
        id: String,
        /// The button label.
        title: String,
    },
    /// `interactive.list_reply`: pick from one of our lists.
    ListReply {
        /// The row id we set.
        id: String,
        /// The row title.
        title: String,
        /// The row description, if it had one.
        description: Option<String>,
    },
    /// `button`: quick-reply button of a template. Match on `payload`, fall back to `text`.
    TemplateButton {
        /// Developer-defined payload (or the label).
        payload: Option<String>,
        /// The button label.
        text: Option<String>,
    },
    /// `image`.
    Image(MediaRef),
    /// `audio`; `voice` is true for recorded voice notes.
    Audio {
        /// The attachment.
        media: MediaRef,
        /// Recorded voice message (OGG/Opus) rather than an audio file.
        voice: bool,
    },
    /// `video` (videos have no filename).
    Video(MediaRef),
    /// `document`.
    Document {
        /// The attachment.
        media: MediaRef,
        /// Original file name.
        filename: Option<String>,
    },
    /// `sticker`.
    Sticker {
        /// The attachment.
        media: MediaRef,
        /// Animated sticker.
        animated: bool,
    },
    /// `location`.
    Location {
        /// Degrees.
        latitude: f64,
        /// Degrees.
        longitude: f64,
        /// Place name, if the user picked a place.
        name: Option<String>,
        /// Place address, if the user picked a place.
        address: Option<String>,
    },
    /// `contacts`: shared contact cards, reduced to a count because they hold
    /// third parties' phone numbers.
    Contacts {
        /// Number of cards.
        count: usize,
    },
    /// `reaction`; `emoji: None` means the reaction was removed.
    Reaction {
        /// The wamid reacted to.
        message_id: Option<String>,
        /// The emoji, or `None` for a removal.
        emoji: Option<String>,
    },
    /// `unsupported` (and the older `unknown`): WhatsApp could not deliver the
    /// content (poll, group invite…); `kind` is `unsupported.type`.
    Unsupported {
        /// What the user tried to send, if Meta says.
        kind: Option<String>,
    },
    /// `system` (e.g. `user_changed_number`); the body is dropped because it
    /// quotes phone numbers.
    System {
        /// `system.type`.
        kind: Option<String>,
    },
    /// Anything else, or a message whose fields could not be read. `kind` is
    /// the `type` (`interactive.<sub>` for unknown interactive replies).
    Unknown {
        /// The message type as received ("" if absent).
        kind: String,
    },
}

impl Default for MessageContent {
    fn default() -> Self {
        MessageContent::Unknown { kind: String::new() }
    }
}

impl MessageContent {
    /// A short, non-personal label for logs and metrics.
    pub fn kind(&self) -> &str {
        match self {
            MessageContent::Text { .. } => "text",
            MessageContent::ButtonReply { .. } => "button_reply",
            MessageContent::ListReply { .. } => "list_reply",
            MessageContent::TemplateButton { .. } => "button",
            MessageContent::Image(_) => "image",
            MessageContent::Audio { .. } => "audio",
            MessageContent::Video(_) => "video",
            MessageContent::Document { .. } => "document",
            MessageContent::Sticker { .. } => "sticker",
            MessageContent::Location { .. } => "location",
            MessageContent::Contacts { .. } => "contacts",
            MessageContent::Reaction { .. } => "reaction",
            MessageContent::Unsupported { .. } => "unsupported",
            MessageContent::System { .. } => "system",
            MessageContent::Unknown { kind } => kind,
        }
    }

    /// The attachment, for media messages (evidence to download).
    pub fn media(&self) -> Option<&MediaRef> {
        match self {
            MessageContent::Image(m) | MessageContent::Video(m) => Some(m),
            MessageContent::Audio { media, .. }
            | MessageContent::Document { media, .. }
            | MessageContent::Sticker { media, .. } => Some(media),
            _ => None,
        }
    }
}

/// Who sent a message: the phone-based WhatsApp id when known, else the BSUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Sender {
    /// Phone digits (no `+`).
    WaId(String),
    /// Business-scoped user id.
    UserId(String),
}

impl Sender {
    /// The raw identifier.
    pub fn as_str(&self) -> &str {
        match self {
            Sender::WaId(s) | Sender::UserId(s) => s,
        }
    }
}

impl From<Sender> for Recipient {
    fn from(s: Sender) -> Self {
        match s {
            Sender::WaId(w) => Recipient::WaId(w),
            Sender::UserId(u) => Recipient::UserId(u),
        }
    }
}

impl InboundMessage {
    /// The `value.contacts[]` entry for this message, matched by
    /// `from == wa_id` (or `from_user_id == user_id`), never by index.
    pub fn contact<'a>(&self, contacts: &'a [Contact]) -> Option<&'a Contact> {
        if let Some(from) = &self.from
            && let Some(c) = contacts.iter().find(|c| c.wa_id.as_ref() == Some(from))
        {
            return Some(c);
        }
        let uid = self.from_user_id.as_ref()?;
        contacts.iter().find(|c| c.user_id.as_ref() == Some(uid))
    }

    /// Who to reply to / key the conversation on.
    ///
    /// Prefers `from`; else, when `from_user_id` is set, the `wa_id` of the
    /// contact with that `user_id` (so a user keeps one key) or the BSUID
    /// itself; else, if the change has exactly one contact, that contact.
    pub fn sender(&self, contacts: &[Contact]) -> Option<Sender> {
        if let Some(from) = &self.from {
            return Some(Sender::WaId(from.clone()));
        }
        if let Some(uid) = &self.from_user_id {
            let wa = contacts
                .iter()
                .find(|c| c.user_id.as_ref() == Some(uid))
                .and_then(|c| c.wa_id.clone());
            return Some(match wa {
                Some(w) => Sender::WaId(w),
                None => Sender::UserId(uid.clone()),
            });
        }
        match contacts {
            [only] => only
                .wa_id
                .clone()
                .map(Sender::WaId)
                .or_else(|| only.user_id.clone().map(Sender::UserId)),
            _ => None,
        }
    }
}

/// Parses one element of `messages[]`, never failing.
pub(crate) fn parse_message(value: &Value) -> InboundMessage {
    let Some(obj) = value.as_object() else {
        tracing::warn!("non-object inbound message kept as Unknown");
        return InboundMessage::default();
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let id = strict_str(obj, "id");
    let from = strict_str(obj, "from");
    let from_user_id = strict_str(obj, "from_user_id");
    let timestamp = strict_i64(obj, "timestamp");
    let context = parse_context(obj);
    let content = parse_content(obj, &kind);
    let head_ok = id.is_ok() && from.is_ok() && from_user_id.is_ok();
    let content = match (head_ok, timestamp, &context, content) {
        (true, Ok(_), Ok(_), Ok(content)) => content,
        _ => {
            tracing::warn!(kind = %truncate(&kind, 40), "malformed inbound message kept as Unknown");
            MessageContent::Unknown { kind }
        }
    };
    InboundMessage {
        id: loose_str(obj, "id").unwrap_or_default(),
        from: loose_str(obj, "from"),
        from_user_id: loose_str(obj, "from_user_id"),
        timestamp: loose_i64(obj, "timestamp"),
        context: context.ok().flatten(),
        content,
        errors: parse_errors(array(obj, "errors")),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn parse_context(obj: &Object) -> Strict<Option<MessageContext>> {
    let Some(c) = strict_obj(obj, "context")? else {
        return Ok(None);
    };
    Ok(Some(MessageContext {
        from: strict_str(c, "from")?,
        id: strict_str(c, "id")?,
        forwarded: strict_bool(c, "forwarded")?,
        frequently_forwarded: strict_bool(c, "frequently_forwarded")?,
    }))
}

fn parse_media(m: &Object) -> Strict<MediaRef> {
    Ok(MediaRef {
        id: strict_str(m, "id")?.unwrap_or_default(),
        mime_type: strict_str(m, "mime_type")?,
        sha256: strict_str(m, "sha256")?,
        caption: strict_str(m, "caption")?,
        url: strict_str(m, "url")?,
    })
}

fn parse_content(obj: &Object, kind: &str) -> Strict<MessageContent> {
    let content = match kind {
        "text" => {
            let t = required_obj(obj, "text")?;
            MessageContent::Text {
                body: strict_str(t, "body")?.unwrap_or_default(),
            }
        }
        "interactive" => parse_interactive(required_obj(obj, "interactive")?)?,
        "button" => {
            let b = required_obj(obj, "button")?;
            MessageContent::TemplateButton {
                payload: strict_str(b, "payload")?,
                text: strict_str(b, "text")?,
            }
        }
        "image" => MessageContent::Image(parse_media(required_obj(obj, "image")?)?),
        "audio" => {
            let a = required_obj(obj, "audio")?;
            MessageContent::Audio {
                media: parse_media(a)?,
                voice: strict_bool(a, "voice")?,
            }
        }
        "video" => MessageContent::Video(parse_media(required_obj(obj, "video")?)?),
        "document" => {
            let d = required_obj(obj, "document")?;
            MessageContent::Document {
                media: parse_media(d)?,
                filename: strict_str(d, "filename")?,
            }
        }
        "sticker" => {
            let s = required_obj(obj, "sticker")?;
            MessageContent::Sticker {
                media: parse_media(s)?,
                animated: strict_bool(s, "animated")?,
            }
        }
        "location" => {
            let l = required_obj(obj, "location")?;
            let latitude = strict_f64(l, "latitude")?.ok_or(Malformed)?;
            let longitude = strict_f64(l, "longitude")?.ok_or(Malformed)?;
            if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
                return Err(Malformed);
            }
            MessageContent::Location {
                latitude,
                longitude,
                name: strict_str(l, "name")?,
                address: strict_str(l, "address")?,
            }
        }
        "contacts" => match obj.get("contacts") {
            None | Some(Value::Null) => MessageContent::Contacts { count: 0 },
            Some(Value::Array(cards)) => MessageContent::Contacts { count: cards.len() },
            Some(_) => return Err(Malformed),
        },
        "reaction" => {
            let r = required_obj(obj, "reaction")?;
            MessageContent::Reaction {
                message_id: strict_str(r, "message_id")?,
                emoji: strict_str(r, "emoji")?,
            }
        }
        "unsupported" | "unknown" => {
            let sub = match strict_obj(obj, kind)? {
                Some(u) => strict_str(u, "type")?,
                None => None,
            };
            MessageContent::Unsupported { kind: sub }
        }
        "system" => {
            let sub = match strict_obj(obj, "system")? {
                Some(s) => strict_str(s, "type")?,
                None => None,
            };
            MessageContent::System { kind: sub }
        }
        other => MessageContent::Unknown { kind: other.to_owned() },
    };
    Ok(content)
}

fn parse_interactive(i: &Object) -> Strict<MessageContent> {
    let sub = strict_str(i, "type")?.unwrap_or_default();
    Ok(match sub.as_str() {
        "button_reply" => {
            let r = required_obj(i, "button_reply")?;
            MessageContent::ButtonReply {
                id: strict_str(r, "id")?.unwrap_or_default(),
                title: strict_str(r, "title")?.unwrap_or_default(),
            }
        }
        "list_reply" => {
            let r = required_obj(i, "list_reply")?;
            MessageContent::ListReply {
                id: strict_str(r, "id")?.unwrap_or_default(),
                title: strict_str(r, "title")?.unwrap_or_default(),
                description: strict_str(r, "description")?,
            }
        }
        "" => MessageContent::Unknown {
            kind: "interactive".to_owned(),
        },
        other => MessageContent::Unknown {
            kind: format!("interactive.{other}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contacts(list: &[(Option<&str>, Option<&str>)]) -> Vec<Contact> {
        list.iter()
            .map(|(w, u)| Contact {
                wa_id: w.map(str::to_owned),
                user_id: u.map(str::to_owned),
            })
            .collect()
    }

    #[test]
    fn sender_preference() {
        let cs = contacts(&[(Some("911"), Some("IN.1")), (Some("912"), Some("IN.2"))]);
        let mut m = InboundMessage {
            from: Some("912".into()),
            from_user_id: Some("IN.1".into()),
            ..Default::default()
        };
        assert_eq!(m.sender(&cs), Some(Sender::WaId("912".into())));
        assert_eq!(m.contact(&cs).and_then(|c| c.user_id.as_deref()), Some("IN.2"));
        m.from = None;
        assert_eq!(m.sender(&cs), Some(Sender::WaId("911".into())));
        let bsuid_only = contacts(&[(None, Some("IN.1"))]);
        assert_eq!(m.sender(&bsuid_only), Some(Sender::UserId("IN.1".into())));
        m.from_user_id = None;
        assert_eq!(m.sender(&cs), None);
        assert_eq!(m.sender(&bsuid_only), Some(Sender::UserId("IN.1".into())));
        assert_eq!(
            m.sender(&contacts(&[(Some("913"), None)])),
            Some(Sender::WaId("913".into()))
        );
        assert_eq!(m.sender(&[]), None);
        let r: Recipient = Sender::UserId("IN.9".into()).into();
        assert_eq!(r, Recipient::UserId("IN.9".into()));
    }

    #[test]
    fn garbage_degrades() {
        for bad in [
            json!({"id":"w","type":"text","text":5}),
            json!({"id":"w","type":"text","text":{"body":[]}}),
            json!({"id":"w","type":"text","timestamp":{},"text":{"body":"x"}}),
            json!({"id":"w","type":"text","context":"x","text":{"body":"x"}}),
            json!({"id":"w","type":"text","from":{},"text":{"body":"x"}}),
            json!({"id":"w","type":"location","location":{"latitude":"x","longitude":1}}),
            json!({"id":"w","type":"location","location":{"latitude":91,"longitude":1}}),
            json!({"id":"w","type":"audio","audio":{"id":"1","voice":"yes"}}),
            json!({"id":"w","type":"contacts","contacts":{}}),
            json!({"id":"w","type":"image"}),
        ] {
            let m = parse_message(&bad);
            assert_eq!(m.id, "w", "{bad}");
            assert!(
                matches!(&m.content, MessageContent::Unknown { kind } if !kind.is_empty()),
                "{bad} -> {:?}",
                m.content
            );
        }
        assert_eq!(parse_message(&json!(3)), InboundMessage::default());
        let m = parse_message(&json!({"type": 7}));
        assert_eq!(m.content.kind(), "");
    }

    #[test]
    fn kinds_and_media() {
        let m = parse_message(&json!({"type":"sticker","sticker":{"id":"5","animated":true}}));
        assert_eq!(m.content.kind(), "sticker");
        assert_eq!(m.content.media().map(|m| m.id.as_str()), Some("5"));
        let m = parse_message(&json!({"type":"interactive","interactive":{}}));
        assert_eq!(m.content.kind(), "interactive");
        assert_eq!(truncate("नमस्ते", 2), "नम");
    }
}
