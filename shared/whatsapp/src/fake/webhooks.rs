//! Builders for inbound webhook POSTs as Meta sends them, for the simulator
//! and end-to-end tests (the fixtures in `tests/fixtures/` cover the rarer
//! shapes). Contacts carry only `wa_id`: like the parser, the simulator never
//! invents profile names.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The business number shown in generated metadata.
pub const DISPLAY_PHONE_NUMBER: &str = "15551234567";

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A fresh, unique inbound wamid.
pub fn inbound_wamid() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("wamid.FAKEIN{:012X}{n:08}", now() as u64)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A full `messages` POST envelope around one change value.
pub fn envelope(phone_number_id: &str, value: Value) -> Value {
    let mut value = value;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("messaging_product".into(), json!("whatsapp"));
        obj.insert(
            "metadata".into(),
            json!({ "display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id }),
        );
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [ { "id": "201234567890123", "changes": [ { "field": "messages", "value": value } ] } ],
    })
}

/// An envelope carrying one inbound `message` from `from` (wa_id digits).
pub fn inbound(phone_number_id: &str, from: &str, message: Value) -> Value {
    envelope(
        phone_number_id,
        json!({ "contacts": [ { "wa_id": from } ], "messages": [ message ] }),
    )
}

/// An envelope carrying one status update for an outbound wamid.
pub fn status_update(phone_number_id: &str, wamid: &str, status: &str, recipient: &str) -> Value {
    envelope(
        phone_number_id,
        json!({ "statuses": [ {
            "id": wamid, "status": status, "timestamp": now().to_string(), "recipient_id": recipient
        } ] }),
    )
}

/// One `statuses[]` element as Meta sends it: `status` (sent, delivered, read, failed)
/// of our message `wamid` to `recipient` (wa_id digits), at `timestamp` (Unix
/// seconds). A `failed` status carries `error_code` in `errors[]`.
pub fn status_at(wamid: &str, status: &str, recipient: &str, timestamp: i64, error_code: Option<i64>) -> Value {
    let mut s = json!({
        "id": wamid, "status": status, "timestamp": timestamp.to_string(), "recipient_id": recipient
    });
    if let (Some(code), Some(obj)) = (error_code, s.as_object_mut()) {
        obj.insert(
            "errors".into(),
            json!([{ "code": code, "title": "Failed", "message": "Failed",
                     "error_data": { "details": "Failure reported by the fake Graph API." } }]),
        );
    }
    s
}

/// An envelope carrying status updates (elements from [`status_at`]).
pub fn statuses(phone_number_id: &str, statuses: Vec<Value>) -> Value {
    envelope(phone_number_id, json!({ "statuses": statuses }))
}

fn base(from: &str, wamid: &str, kind: &str) -> Value {
    json!({ "from": from, "id": wamid, "timestamp": now().to_string(), "type": kind })
}

fn with(mut msg: Value, key: &str, value: Value) -> Value {
    if let Some(obj) = msg.as_object_mut() {
        obj.insert(key.into(), value);
    }
    msg
}

/// A `text` message.
pub fn text_message(from: &str, wamid: &str, body: &str) -> Value {
    with(base(from, wamid, "text"), "text", json!({ "body": body }))
}

/// A tap on a reply button of our message `context_id`.
pub fn button_reply_message(from: &str, wamid: &str, context_id: &str, id: &str, title: &str) -> Value {
    let msg = with(
        base(from, wamid, "interactive"),
        "interactive",
        json!({ "type": "button_reply", "button_reply": { "id": id, "title": title } }),
    );
    with(
        msg,
        "context",
        json!({ "from": DISPLAY_PHONE_NUMBER, "id": context_id }),
    )
}

/// A pick from a list of our message `context_id`.
pub fn list_reply_message(
    from: &str,
    wamid: &str,
    context_id: &str,
    id: &str,
    title: &str,
    description: Option<&str>,
) -> Value {
    let mut reply = json!({ "id": id, "title": title });
    if let (Some(d), Some(obj)) = (description, reply.as_object_mut()) {
        obj.insert("description".into(), json!(d));
    }
    let msg = with(
        base(from, wamid, "interactive"),
        "interactive",
        json!({ "type": "list_reply", "list_reply": reply }),
    );
    with(
        msg,
        "context",
        json!({ "from": DISPLAY_PHONE_NUMBER, "id": context_id }),
    )
}

/// A shared location (no name/address, like "send my current location").
pub fn location_message(from: &str, wamid: &str, latitude: f64, longitude: f64) -> Value {
    with(
        base(from, wamid, "location"),
        "location",
        json!({ "latitude": latitude, "longitude": longitude }),
    )
}

/// A media message (`kind` = image, audio, video, document or sticker)
/// referring to a media id stored with `FakeGraph::add_media`.
pub fn media_message(
    from: &str,
    wamid: &str,
    kind: &str,
    media_id: &str,
    mime_type: &str,
    caption: Option<&str>,
) -> Value {
    let mut media = json!({ "id": media_id, "mime_type": mime_type, "sha256": "ZmFrZS1zaGEyNTY=" });
    if let Some(obj) = media.as_object_mut() {
        if let Some(c) = caption {
            obj.insert("caption".into(), json!(c));
        }
        if kind == "audio" {
            obj.insert("voice".into(), json!(mime_type.starts_with("audio/ogg")));
        }
        if kind == "sticker" {
            obj.insert("animated".into(), json!(false));
        }
    }
    with(base(from, wamid, kind), kind, media)
}

/// Serialises like Meta: every non-ASCII character escaped as `\uXXXX`
/// (lowercase hex, surrogate pairs), which is what the signature covers.
pub fn to_meta_bytes(payload: &Value) -> Vec<u8> {
    let raw = payload.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out.into_bytes()
}

/// The Meta-style body bytes and their `X-Hub-Signature-256` header value.
pub fn signed(app_secret: &[u8], payload: &Value) -> (Vec<u8>, String) {
    let body = to_meta_bytes(payload);
    let sig = crate::signature::sign(app_secret, &body);
    (body, sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{MessageContent, parse_payload};

    #[test]
    fn builders_parse_back() {
        let w = inbound_wamid();
        let p = inbound(
            "109876543210987",
            "919876543210",
            text_message("919876543210", &w, "नमस्ते 👋"),
        );
        let (body, sig) = signed(b"s", &p);
        assert!(body.is_ascii());
        assert!(String::from_utf8_lossy(&body).contains("\\u0928"));
        assert!(crate::signature::verify_signature(b"s", Some(&sig), &body));
        let parsed = parse_payload(&body).unwrap_or_default();
        let (value, msg) = parsed.messages().next().unzip();
        assert_eq!(
            msg.map(|m| m.content.clone()),
            Some(MessageContent::Text {
                body: "नमस्ते 👋".into()
            })
        );
        assert_eq!(msg.map(|m| m.id.clone()), Some(w));
        assert_eq!(
            value.and_then(|v| v.metadata.clone()).and_then(|m| m.phone_number_id),
            Some("109876543210987".into())
        );
        let kinds: Vec<String> = [
            button_reply_message("1", "w1", "wamid.C", "b", "B"),
            list_reply_message("1", "w2", "wamid.C", "r", "R", Some("d")),
            location_message("1", "w3", 28.6, 77.2),
            media_message("1", "w4", "audio", "55", "audio/ogg; codecs=opus", None),
            media_message("1", "w5", "sticker", "56", "image/webp", None),
        ]
        .into_iter()
        .filter_map(|m| {
            parse_payload(&to_meta_bytes(&inbound("p", "1", m)))
                .ok()
                .and_then(|p| p.messages().next().map(|(_, m)| m.content.kind().to_owned()))
        })
        .collect();
        assert_eq!(kinds, ["button_reply", "list_reply", "location", "audio", "sticker"]);
        let st = parse_payload(&to_meta_bytes(&status_update("p", "wamid.X", "read", "1"))).unwrap_or_default();
        assert_eq!(st.statuses().count(), 1);
    }
}
