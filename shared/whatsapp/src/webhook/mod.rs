//! Lenient inbound webhook types (reference §5–6).
//!
//! Meta retries any non-200 delivery for 7 days, so one odd message must never
//! make the whole payload unparseable: [`parse_payload`] only fails when the
//! body is not a JSON object, every field is optional or defaulted, unknown
//! message types land in catch-all variants, and a message with garbage fields
//! degrades to [`MessageContent::Unknown`].
//!
//! Anonymity: the sender's profile name (`contacts[].profile`) is never read,
//! shared contact cards are reduced to a count, and system-message bodies
//! (which quote phone numbers) are dropped.

mod lenient;
mod message;

use serde::Serialize;
use serde_json::Value;

use lenient::{Object, array, loose_i64, loose_str};

pub use message::{InboundMessage, MediaRef, MessageContent, MessageContext, Sender};

/// Why a webhook body could not be parsed at all.
///
/// Deliberately carries no excerpt of the body, which may hold personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The body is not syntactically valid JSON.
    #[error("webhook body is not valid JSON (line {line}, column {column})")]
    InvalidJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
    },
    /// The body is valid JSON but not an object (e.g. an array or a string).
    #[error("webhook body is JSON but not an object")]
    NotObject,
}

/// One webhook POST: possibly several entries, changes, messages and statuses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WebhookPayload {
    /// Normally `whatsapp_business_account`.
    pub object: Option<String>,
    /// One entry per WhatsApp Business Account.
    pub entry: Vec<Entry>,
}

/// `entry[]`: the changes for one WhatsApp Business Account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Entry {
    /// The WABA id (not the phone number id).
    pub id: Option<String>,
    /// The changes carried by this entry.
    pub changes: Vec<Change>,
}

/// `entry[].changes[]`: one notification for a subscribed field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Change {
    /// `messages` for messages/statuses/errors; other fields are left mostly empty.
    pub field: Option<String>,
    /// The notification body; a missing or non-object value reads as default.
    pub value: ChangeValue,
}

/// `changes[].value` for the `messages` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeValue {
    /// Which business number received this (use its `phone_number_id` to reply).
    pub metadata: Option<Metadata>,
    /// Sender identities, profile names dropped.
    pub contacts: Vec<Contact>,
    /// Inbound user messages.
    pub messages: Vec<InboundMessage>,
    /// Status updates for messages we sent.
    pub statuses: Vec<Status>,
    /// Value-level (system/app) errors.
    pub errors: Vec<GraphError>,
}

/// `value.metadata`: the business number the notification is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// Business number, digits only.
    pub display_phone_number: Option<String>,
    /// The id to send replies from.
    pub phone_number_id: Option<String>,
}

/// `value.contacts[]` reduced to identifiers.
///
/// `profile.name` is intentionally not modelled: Satark reports are anonymous.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// The user's WhatsApp id (phone digits); may be absent for username users.
    pub wa_id: Option<String>,
    /// Business-scoped user id (BSUID, e.g. `IN.1410018717833190`).
    pub user_id: Option<String>,
}

/// `value.statuses[]`: what happened to a message we sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    /// The wamid of our outbound message ("" if absent).
    pub id: String,
    /// sent / delivered / read / failed / played / other.
    pub status: StatusKind,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    /// Recipient's WhatsApp id.
    pub recipient_id: Option<String>,
    /// Recipient's BSUID.
    pub recipient_user_id: Option<String>,
    /// Why a `failed` status failed.
    pub errors: Vec<GraphError>,
}

/// The delivery state reported by a status webhook.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum StatusKind {
    /// Accepted by WhatsApp servers.
    Sent,
    /// Delivered to the device.
    Delivered,
    /// Read by the user.
    Read,
    /// Failed (terminal); see `errors`.
    Failed,
    /// A voice message was first played.
    Played,
    /// Any value this crate does not know yet (kept verbatim).
    Other(String),
}

impl Default for StatusKind {
    fn default() -> Self {
        StatusKind::Other(String::new())
    }
}

impl StatusKind {
    /// Maps Meta's status string; unknown strings become [`StatusKind::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "sent" => StatusKind::Sent,
            "delivered" => StatusKind::Delivered,
            "read" => StatusKind::Read,
            "failed" => StatusKind::Failed,
            "played" => StatusKind::Played,
            other => StatusKind::Other(other.to_owned()),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            StatusKind::Sent => "sent",
            StatusKind::Delivered => "delivered",
            StatusKind::Read => "read",
            StatusKind::Failed => "failed",
            StatusKind::Played => "played",
            StatusKind::Other(s) => s,
        }
    }

    /// Progress rank for monotonic updates (sent < delivered < read < played);
    /// webhooks arrive out of order, so never let a lower rank overwrite a
    /// higher one. `None` for failed and unknown states.
    pub fn progress(&self) -> Option<u8> {
        match self {
            StatusKind::Sent => Some(1),
            StatusKind::Delivered => Some(2),
            StatusKind::Read => Some(3),
            StatusKind::Played => Some(4),
            StatusKind::Failed | StatusKind::Other(_) => None,
        }
    }
}

/// An error object as found in webhooks (`value.errors`, `messages[].errors`,
/// `statuses[].errors`). Branch on `code`, not on the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphError {
    /// Numeric error code, e.g. 131047 (24-hour window closed).
    pub code: Option<i64>,
    /// Short title.
    pub title: Option<String>,
    /// Message text.
    pub message: Option<String>,
    /// `error_data.details`.
    pub details: Option<String>,
}

impl WebhookPayload {
    /// Every change of every entry, in order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.entry.iter().flat_map(|e| e.changes.iter())
    }

    /// Every inbound message with the change value it came in (for its
    /// metadata and contacts).
    pub fn messages(&self) -> impl Iterator<Item = (&ChangeValue, &InboundMessage)> {
        self.changes()
            .flat_map(|c| c.value.messages.iter().map(move |m| (&c.value, m)))
    }

    /// Every status update with the change value it came in.
    pub fn statuses(&self) -> impl Iterator<Item = (&ChangeValue, &Status)> {
        self.changes()
            .flat_map(|c| c.value.statuses.iter().map(move |s| (&c.value, s)))
    }

    /// Every value-level error.
    pub fn value_errors(&self) -> impl Iterator<Item = &GraphError> {
        self.changes().flat_map(|c| c.value.errors.iter())
    }
}

/// Parses a webhook POST body leniently.
///
/// Fails only if `body` is not a JSON object; see the module docs for what is
/// tolerated. Verify the signature over the same raw bytes before calling this.
pub fn parse_payload(body: &[u8]) -> Result<WebhookPayload, ParseError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ParseError::InvalidJson {
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Object(root) = value else {
        return Err(ParseError::NotObject);
    };
    let payload = WebhookPayload {
        object: loose_str(&root, "object"),
        entry: array(&root, "entry")
            .iter()
            .filter_map(Value::as_object)
            .map(parse_entry)
            .collect(),
    };
    let messages = payload.messages().count();
    let unknown = payload
        .messages()
        .filter(|(_, m)| matches!(m.content, MessageContent::Unknown { .. }))
        .count();
    tracing::debug!(
        entries = payload.entry.len(),
        messages,
        unknown,
        statuses = payload.statuses().count(),
        errors = payload.value_errors().count(),
        "parsed webhook payload"
    );
    Ok(payload)
}

fn parse_entry(obj: &Object) -> Entry {
    Entry {
        id: loose_str(obj, "id"),
        changes: array(obj, "changes")
            .iter()
            .filter_map(Value::as_object)
            .map(|c| Change {
                field: loose_str(c, "field"),
                value: c
                    .get("value")
                    .and_then(Value::as_object)
                    .map(parse_value)
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

fn parse_value(obj: &Object) -> ChangeValue {
    ChangeValue {
        metadata: obj.get("metadata").and_then(Value::as_object).map(|m| Metadata {
            display_phone_number: loose_str(m, "display_phone_number"),
            phone_number_id: loose_str(m, "phone_number_id"),
        }),
        contacts: array(obj, "contacts")
            .iter()
            .filter_map(Value::as_object)
            .map(|c| Contact {
                wa_id: loose_str(c, "wa_id"),
                user_id: loose_str(c, "user_id"),
            })
            .collect(),
        messages: array(obj, "messages").iter().map(message::parse_message).collect(),
        statuses: array(obj, "statuses")
            .iter()
            .filter_map(Value::as_object)
            .map(parse_status)
            .collect(),
        errors: parse_errors(array(obj, "errors")),
    }
}

fn parse_status(obj: &Object) -> Status {
    Status {
        id: loose_str(obj, "id").unwrap_or_default(),
        status: loose_str(obj, "status")
            .map(|s| StatusKind::parse(&s))
            .unwrap_or_default(),
        timestamp: loose_i64(obj, "timestamp"),
        recipient_id: loose_str(obj, "recipient_id"),
        recipient_user_id: loose_str(obj, "recipient_user_id"),
        errors: parse_errors(array(obj, "errors")),
    }
}

/// Reads an `errors[]` array; non-object elements are skipped.
pub(crate) fn parse_errors(items: &[Value]) -> Vec<GraphError> {
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|e| GraphError {
            code: loose_i64(e, "code"),
            title: loose_str(e, "title"),
            message: loose_str(e, "message"),
            details: e
                .get("error_data")
                .and_then(Value::as_object)
                .and_then(|d| loose_str(d, "details")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_only_non_objects() {
        assert!(matches!(
            parse_payload(b"not json"),
            Err(ParseError::InvalidJson { .. })
        ));
        assert_eq!(parse_payload(b"[1,2]"), Err(ParseError::NotObject));
        assert_eq!(parse_payload(b"\"x\""), Err(ParseError::NotObject));
        assert_eq!(parse_payload(b""), Err(ParseError::InvalidJson { line: 1, column: 0 }));
        assert_eq!(parse_payload(b"{}"), Ok(WebhookPayload::default()));
    }

    #[test]
    fn odd_shapes_default() {
        let p = parse_payload(
            br#"{"object":5,"entry":[7,{"id":1,"changes":[{"field":"messages","value":[]},"x",{"value":{"messages":{},"statuses":[1,{"status":{}}],"errors":"no"}}]}]}"#,
        )
        .expect("object");
        assert_eq!(p.object.as_deref(), Some("5"));
        assert_eq!(p.entry.len(), 1);
        assert_eq!(p.entry[0].id.as_deref(), Some("1"));
        assert_eq!(p.entry[0].changes.len(), 2);
        assert_eq!(p.entry[0].changes[0].value, ChangeValue::default());
        let v = &p.entry[0].changes[1].value;
        assert!(v.messages.is_empty());
        assert_eq!(v.statuses.len(), 1);
        assert_eq!(v.statuses[0].status, StatusKind::Other(String::new()));
        assert!(v.errors.is_empty());
    }

    #[test]
    fn status_progress() {
        assert!(StatusKind::Read.progress() > StatusKind::Delivered.progress());
        assert_eq!(StatusKind::parse("deleted"), StatusKind::Other("deleted".into()));
        assert_eq!(StatusKind::parse("played").as_str(), "played");
        assert_eq!(StatusKind::Failed.progress(), None);
    }
}
