//! The reverse of [`super::message_body`]: reads a received send body the way
//! the Graph API would, then applies [`super::validate`]. Used by the fake
//! Graph API (same rules as the client) and handy in tests to inspect what
//! was sent in typed form.

use serde_json::{Map, Value};

use super::{LimitError, ListRow, ListSection, OutgoingMessage, Recipient, ReplyButton, validate};

type Object = Map<String, Value>;

/// A received `POST /{version}/{phone-number-id}/messages` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedBody {
    /// A message this crate models (text, buttons, list, template), validated.
    Message {
        /// Who it is for.
        recipient: Recipient,
        /// What it says.
        message: OutgoingMessage,
        /// `context.message_id`, if quoting.
        reply_to: Option<String>,
    },
    /// A structurally valid message of a kind this crate does not model
    /// (image, reaction, location, cta_url…); not limit-checked.
    Other {
        /// Who it is for.
        recipient: Recipient,
        /// The Graph `type` (`interactive.<sub>` for other interactive kinds).
        kind: String,
        /// `context.message_id`, if quoting.
        reply_to: Option<String>,
    },
    /// A mark-as-read request (§8.5).
    Read {
        /// The inbound wamid being marked read.
        message_id: String,
        /// Whether the typing indicator was requested.
        typing_indicator: bool,
    },
}

/// Why a received send body would be rejected by the Graph API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// A required parameter is absent (Graph code 131008).
    #[error("required parameter is missing: {0}")]
    Missing(String),
    /// A parameter has the wrong type or an unsupported value (Graph code 100).
    #[error("invalid parameter: {0}")]
    Invalid(String),
    /// A documented limit is broken (Graph code 131009).
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl BodyError {
    /// The Graph error code Meta uses for this kind of problem.
    pub fn graph_code(&self) -> i64 {
        match self {
            BodyError::Missing(_) => 131_008,
            BodyError::Invalid(_) => 100,
            BodyError::Limit(_) => 131_009,
        }
    }

    /// The Graph error `message` for this kind of problem.
    pub fn graph_message(&self) -> &'static str {
        match self {
            BodyError::Missing(_) => "(#131008) Required parameter is missing",
            BodyError::Invalid(_) => "(#100) Invalid parameter",
            BodyError::Limit(_) => "(#131009) Parameter value is not valid",
        }
    }
}

/// Parses and validates a send body as the Graph API would.
pub fn parse_send_body(body: &Value) -> Result<ParsedBody, BodyError> {
    let obj = body
        .as_object()
        .ok_or_else(|| BodyError::Invalid("body must be a JSON object".into()))?;
    match obj.get("messaging_product") {
        Some(Value::String(s)) if s == "whatsapp" => {}
        None => return Err(BodyError::Missing("messaging_product".into())),
        Some(_) => {
            return Err(BodyError::Invalid("messaging_product must be \"whatsapp\"".into()));
        }
    }
    if let Some(status) = obj.get("status") {
        if status.as_str() != Some("read") {
            return Err(BodyError::Invalid("status must be \"read\"".into()));
        }
        let message_id = req_str(obj, "message_id", "message_id")?;
        let typing_indicator = match obj.get("typing_indicator") {
            None | Some(Value::Null) => false,
            Some(Value::Object(t)) if t.get("type").and_then(Value::as_str) == Some("text") => true,
            Some(_) => {
                return Err(BodyError::Invalid("typing_indicator.type must be \"text\"".into()));
            }
        };
        return Ok(ParsedBody::Read {
            message_id,
            typing_indicator,
        });
    }
    let recipient = parse_recipient(obj)?;
    if let Some(rt) = obj.get("recipient_type")
        && rt.as_str() != Some("individual")
    {
        return Err(BodyError::Invalid("recipient_type must be \"individual\"".into()));
    }
    let reply_to = match obj.get("context") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => Some(req_str(c, "message_id", "context.message_id")?),
        Some(_) => return Err(BodyError::Invalid("context must be an object".into())),
    };
    let kind = match obj.get("type") {
        None | Some(Value::Null) => "text",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(BodyError::Invalid("type must be a string".into())),
    };
    let message = match kind {
        "text" => {
            let t = req_obj(obj, "text", "text")?;
            if let Some(p) = t.get("preview_url")
                && !p.is_boolean()
            {
                return Err(BodyError::Invalid("text.preview_url must be a boolean".into()));
            }
            OutgoingMessage::Text {
                body: req_str(t, "body", "text.body")?,
            }
        }
        "interactive" => {
            let i = req_obj(obj, "interactive", "interactive")?;
            match parse_interactive(i)? {
                Some(m) => m,
                None => {
                    let sub = i.get("type").and_then(Value::as_str).unwrap_or_default();
                    return Ok(ParsedBody::Other {
                        recipient,
                        kind: format!("interactive.{sub}"),
                        reply_to,
                    });
                }
            }
        }
        "template" => parse_template(req_obj(obj, "template", "template")?)?,
        "image" | "audio" | "video" | "document" | "sticker" | "location" | "reaction" => {
            req_obj(obj, kind, kind)?;
            return Ok(ParsedBody::Other {
                recipient,
                kind: kind.to_owned(),
                reply_to,
            });
        }
        "contacts" => {
            if !obj.get("contacts").is_some_and(Value::is_array) {
                return Err(BodyError::Missing("contacts".into()));
            }
            return Ok(ParsedBody::Other {
                recipient,
                kind: kind.to_owned(),
                reply_to,
            });
        }
        other => {
            return Err(BodyError::Invalid(format!(
                "message type {:?} is not supported",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    validate(&message)?;
    Ok(ParsedBody::Message {
        recipient,
        message,
        reply_to,
    })
}

fn parse_recipient(obj: &Object) -> Result<Recipient, BodyError> {
    if let Some(to) = obj.get("to") {
        let to = to
            .as_str()
            .ok_or_else(|| BodyError::Invalid("to must be a string".into()))?;
        // Meta accepts "+", spaces, "-" and parentheses around the digits.
        let digits: String = to
            .chars()
            .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(BodyError::Invalid("to is not a valid phone number".into()));
        }
        return Ok(Recipient::WaId(digits));
    }
    match obj.get("recipient") {
        Some(Value::String(r)) if !r.trim().is_empty() => Ok(Recipient::UserId(r.clone())),
        Some(_) => Err(BodyError::Invalid("recipient must be a non-empty string".into())),
        None => Err(BodyError::Missing("to".into())),
    }
}

fn parse_interactive(i: &Object) -> Result<Option<OutgoingMessage>, BodyError> {
    let sub = req_str(i, "type", "interactive.type")?;
    if sub != "button" && sub != "list" {
        return Ok(None);
    }
    let header = match i.get("header") {
        None | Some(Value::Null) => None,
        Some(Value::Object(h)) => match h.get("type").and_then(Value::as_str) {
            Some("text") => Some(req_str(h, "text", "header.text")?),
            Some("image" | "video" | "document") if sub == "button" => None,
            _ => {
                return Err(BodyError::Invalid(format!(
                    "header.type is not supported for interactive {sub}"
                )));
            }
        },
        Some(_) => return Err(BodyError::Invalid("header must be an object".into())),
    };
    let body = req_str(req_obj(i, "body", "body")?, "text", "body.text")?;
    let footer = match i.get("footer") {
        None | Some(Value::Null) => None,
        Some(Value::Object(f)) => Some(req_str(f, "text", "footer.text")?),
        Some(_) => return Err(BodyError::Invalid("footer must be an object".into())),
    };
    let action = req_obj(i, "action", "action")?;
    if sub == "button" {
        let buttons = req_array(action, "buttons", "action.buttons")?
            .iter()
            .enumerate()
            .map(|(n, b)| {
                let b = b
                    .as_object()
                    .ok_or_else(|| BodyError::Invalid(format!("action.buttons[{n}] must be an object")))?;
                if b.get("type").and_then(Value::as_str) != Some("reply") {
                    return Err(BodyError::Invalid(format!(
                        "action.buttons[{n}].type must be \"reply\""
                    )));
                }
                let r = req_obj(b, "reply", &format!("action.buttons[{n}].reply"))?;
                Ok(ReplyButton {
                    id: req_str(r, "id", &format!("action.buttons[{n}].reply.id"))?,
                    title: req_str(r, "title", &format!("action.buttons[{n}].reply.title"))?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(OutgoingMessage::Buttons {
            header,
            body,
            footer,
            buttons,
        }));
    }
    let button = req_str(action, "button", "action.button")?;
    let sections = req_array(action, "sections", "action.sections")?
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let s = s
                .as_object()
                .ok_or_else(|| BodyError::Invalid(format!("action.sections[{n}] must be an object")))?;
            let title = opt_str(s, "title", &format!("action.sections[{n}].title"))?;
            let rows = req_array(s, "rows", &format!("action.sections[{n}].rows"))?
                .iter()
                .enumerate()
                .map(|(m, r)| {
                    let path = format!("action.sections[{n}].rows[{m}]");
                    let r = r
                        .as_object()
                        .ok_or_else(|| BodyError::Invalid(format!("{path} must be an object")))?;
                    Ok(ListRow {
                        id: req_str(r, "id", &format!("{path}.id"))?,
                        title: req_str(r, "title", &format!("{path}.title"))?,
                        description: opt_str(r, "description", &format!("{path}.description"))?,
                    })
                })
                .collect::<Result<Vec<_>, BodyError>>()?;
            Ok(ListSection {
                title: title.unwrap_or_default(),
                rows,
            })
        })
        .collect::<Result<Vec<_>, BodyError>>()?;
    Ok(Some(OutgoingMessage::List {
        header,
        body,
        footer,
        button,
        sections,
    }))
}

fn parse_template(t: &Object) -> Result<OutgoingMessage, BodyError> {
    let name = req_str(t, "name", "template.name")?;
    let language = req_str(
        req_obj(t, "language", "template.language")?,
        "code",
        "template.language.code",
    )?;
    let mut body_params = Vec::new();
    let mut payloads: Vec<(usize, String)> = Vec::new();
    let components = match t.get("components") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(c)) => c.as_slice(),
        Some(_) => {
            return Err(BodyError::Invalid("template.components must be an array".into()));
        }
    };
    for (n, c) in components.iter().enumerate() {
        let path = format!("template.components[{n}]");
        let c = c
            .as_object()
            .ok_or_else(|| BodyError::Invalid(format!("{path} must be an object")))?;
        let ctype = req_str(c, "type", &format!("{path}.type"))?;
        let params = match c.get("parameters") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(p)) => p.as_slice(),
            Some(_) => {
                return Err(BodyError::Invalid(format!("{path}.parameters must be an array")));
            }
        };
        match ctype.as_str() {
            "body" => {
                for (m, p) in params.iter().enumerate() {
                    let ppath = format!("{path}.parameters[{m}]");
                    let p = p
                        .as_object()
                        .ok_or_else(|| BodyError::Invalid(format!("{ppath} must be an object")))?;
                    if p.get("type").and_then(Value::as_str) == Some("text") {
                        body_params.push(req_str(p, "text", &format!("{ppath}.text"))?);
                    }
                }
            }
            "button" if c.get("sub_type").and_then(Value::as_str) == Some("quick_reply") => {
                let index = req_str(c, "index", &format!("{path}.index"))?
                    .parse::<usize>()
                    .map_err(|_| BodyError::Invalid(format!("{path}.index must be a number")))?;
                for (m, p) in params.iter().enumerate() {
                    let ppath = format!("{path}.parameters[{m}]");
                    let p = p
                        .as_object()
                        .ok_or_else(|| BodyError::Invalid(format!("{ppath} must be an object")))?;
                    if p.get("type").and_then(Value::as_str) == Some("payload") {
                        payloads.push((index, req_str(p, "payload", &format!("{ppath}.payload"))?));
                    }
                }
            }
            // Headers, URL buttons etc. are accepted but not modelled.
            _ => {}
        }
    }
    payloads.sort_by_key(|(i, _)| *i);
    Ok(OutgoingMessage::Template {
        name,
        language,
        body_params,
        quick_reply_payloads: payloads.into_iter().map(|(_, p)| p).collect(),
    })
}

fn req_obj<'a>(obj: &'a Object, key: &str, path: &str) -> Result<&'a Object, BodyError> {
    match obj.get(key) {
        None | Some(Value::Null) => Err(BodyError::Missing(path.to_owned())),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(BodyError::Invalid(format!("{path} must be an object"))),
    }
}

fn req_array<'a>(obj: &'a Object, key: &str, path: &str) -> Result<&'a [Value], BodyError> {
    match obj.get(key) {
        None | Some(Value::Null) => Err(BodyError::Missing(path.to_owned())),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(BodyError::Invalid(format!("{path} must be an array"))),
    }
}

fn req_str(obj: &Object, key: &str, path: &str) -> Result<String, BodyError> {
    opt_str(obj, key, path)?.ok_or_else(|| BodyError::Missing(path.to_owned()))
}

fn opt_str(obj: &Object, key: &str, path: &str) -> Result<Option<String>, BodyError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(BodyError::Invalid(format!("{path} must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::message_body;
    use super::*;
    use serde_json::json;

    fn roundtrip(msg: OutgoingMessage, to: Recipient, reply_to: Option<&str>) {
        let body = message_body(&to, &msg, reply_to);
        assert_eq!(
            parse_send_body(&body),
            Ok(ParsedBody::Message {
                recipient: match to {
                    Recipient::WaId(w) => Recipient::WaId(w.trim_start_matches('+').to_owned()),
                    other => other,
                },
                message: msg,
                reply_to: reply_to.map(str::to_owned),
            })
        );
    }

    #[test]
    fn roundtrips() {
        let wa = Recipient::WaId("+919876543210".into());
        roundtrip(OutgoingMessage::Text { body: "hi".into() }, wa.clone(), Some("wamid.X"));
        roundtrip(
            OutgoingMessage::Buttons {
                header: Some("H".into()),
                body: "B".into(),
                footer: Some("F".into()),
                buttons: vec![ReplyButton {
                    id: "a".into(),
                    title: "A".into(),
                }],
            },
            Recipient::UserId("IN.77".into()),
            None,
        );
        roundtrip(
            OutgoingMessage::List {
                header: None,
                body: "B".into(),
                footer: None,
                button: "Open".into(),
                sections: vec![ListSection {
                    title: String::new(),
                    rows: vec![ListRow {
                        id: "r".into(),
                        title: "R".into(),
                        description: Some("d".into()),
                    }],
                }],
            },
            wa.clone(),
            None,
        );
        roundtrip(
            OutgoingMessage::Template {
                name: "t".into(),
                language: "hi".into(),
                body_params: vec!["x".into()],
                quick_reply_payloads: vec!["P0".into(), "P1".into()],
            },
            wa,
            None,
        );
    }

    #[test]
    fn read_and_other() {
        assert_eq!(
            parse_send_body(&json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.1"})),
            Ok(ParsedBody::Read {
                message_id: "wamid.1".into(),
                typing_indicator: false
            })
        );
        assert!(matches!(
            parse_send_body(&json!({"messaging_product":"whatsapp","to":"+1 (555) 123-4567","type":"image","image":{"id":"1"}})),
            Ok(ParsedBody::Other { kind, recipient: Recipient::WaId(d), .. }) if kind == "image" && d == "15551234567"
        ));
        assert!(matches!(
            parse_send_body(&json!({"messaging_product":"whatsapp","to":"1","type":"interactive","interactive":{"type":"cta_url"}})),
            Ok(ParsedBody::Other { kind, .. }) if kind == "interactive.cta_url"
        ));
    }

    #[test]
    fn rejections() {
        let code = |v: Value| parse_send_body(&v).err().map(|e| e.graph_code());
        assert_eq!(code(json!({"to":"1","text":{"body":"x"}})), Some(131_008));
        assert_eq!(
            code(json!({"messaging_product":"sms","to":"1","text":{"body":"x"}})),
            Some(100)
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","text":{"body":"x"}})),
            Some(131_008)
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"abc","text":{"body":"x"}})),
            Some(100)
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"1","type":"poll"})),
            Some(100)
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":""}})),
            Some(131_009)
        );
        let four_buttons: Vec<Value> = (0..4)
            .map(|i| json!({"type":"reply","reply":{"id":format!("b{i}"),"title":format!("B{i}")}}))
            .collect();
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"1","type":"interactive",
                "interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":four_buttons}}})),
            Some(131_009)
        );
        assert_eq!(
            code(json!({"messaging_product":"whatsapp","to":"1","type":"interactive",
                "interactive":{"type":"list","header":{"type":"image","image":{"id":"1"}},"body":{"text":"x"},
                "action":{"button":"b","sections":[{"rows":[{"id":"a","title":"A"}]}]}}})),
            Some(100)
        );
    }
}
