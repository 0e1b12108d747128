//! Local enforcement of the documented send limits (§8). The fake Graph API
//! applies the very same function to the JSON it receives.

use std::collections::HashSet;

use super::{OutgoingMessage, max, present};

/// A documented limit that an outbound message breaks. `field` is the JSON
/// path inside the message (e.g. `action.buttons[1].reply.title`).
///
/// Lengths are counted in characters. Message bodies are never quoted; only
/// ids and labels (which the bot authors) appear in `Duplicate`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A required text is empty or blank.
    #[error("{field} must not be empty")]
    Empty {
        /// JSON path of the field.
        field: String,
    },
    /// A text is longer than allowed.
    #[error("{field} is {len} characters long; the limit is {max}")]
    TooLong {
        /// JSON path of the field.
        field: String,
        /// Its length in characters.
        len: usize,
        /// The documented maximum.
        max: usize,
    },
    /// A list has too few or too many items.
    #[error("{field} has {count} items; allowed {min} to {max}")]
    Count {
        /// JSON path of the list.
        field: String,
        /// How many there are.
        count: usize,
        /// Documented minimum.
        min: usize,
        /// Documented maximum.
        max: usize,
    },
    /// An id or title that must be unique appears twice.
    #[error("{field} {value:?} is used more than once")]
    Duplicate {
        /// JSON path of the second occurrence.
        field: String,
        /// The repeated value.
        value: String,
    },
    /// A template parameter contains characters Meta rejects (newlines, tabs,
    /// more than four consecutive spaces).
    #[error("{field} contains a newline, a tab or more than 4 consecutive spaces")]
    BadTemplateParam {
        /// JSON path of the parameter.
        field: String,
    },
}

/// Checks `msg` against every documented limit (§8.1–8.3, 8.6).
///
/// Optional header/footer/description texts that are blank count as absent
/// (and [`super::message_body`] omits them).
pub fn validate(msg: &OutgoingMessage) -> Result<(), LimitError> {
    match msg {
        OutgoingMessage::Text { body } => required("text.body", body, max::TEXT_BODY),
        OutgoingMessage::Buttons {
            header,
            body,
            footer,
            buttons,
        } => {
            optional("header.text", header, max::HEADER)?;
            required("body.text", body, max::BUTTONS_BODY)?;
            optional("footer.text", footer, max::FOOTER)?;
            count("action.buttons", buttons.len(), 1, max::BUTTONS)?;
            let mut ids = HashSet::new();
            let mut titles = HashSet::new();
            for (i, b) in buttons.iter().enumerate() {
                let id_field = format!("action.buttons[{i}].reply.id");
                required(&id_field, &b.id, max::BUTTON_ID)?;
                unique(&mut ids, &id_field, &b.id)?;
                let title_field = format!("action.buttons[{i}].reply.title");
                required(&title_field, &b.title, max::BUTTON_TITLE)?;
                unique(&mut titles, &title_field, &b.title)?;
            }
            Ok(())
        }
        OutgoingMessage::List {
            header,
            body,
            footer,
            button,
            sections,
        } => {
            optional("header.text", header, max::HEADER)?;
            required("body.text", body, max::LIST_BODY)?;
            optional("footer.text", footer, max::FOOTER)?;
            required("action.button", button, max::LIST_BUTTON)?;
            count("action.sections", sections.len(), 1, max::SECTIONS)?;
            let total: usize = sections.iter().map(|s| s.rows.len()).sum();
            count("action.sections[].rows", total, 1, max::ROWS)?;
            let mut ids = HashSet::new();
            for (si, s) in sections.iter().enumerate() {
                let title_field = format!("action.sections[{si}].title");
                if sections.len() > 1 {
                    required(&title_field, &s.title, max::SECTION_TITLE)?;
                } else {
                    length(&title_field, &s.title, max::SECTION_TITLE)?;
                }
                count(&format!("action.sections[{si}].rows"), s.rows.len(), 1, max::ROWS)?;
                for (ri, r) in s.rows.iter().enumerate() {
                    let base = format!("action.sections[{si}].rows[{ri}]");
                    let id_field = format!("{base}.id");
                    required(&id_field, &r.id, max::ROW_ID)?;
                    unique(&mut ids, &id_field, &r.id)?;
                    required(&format!("{base}.title"), &r.title, max::ROW_TITLE)?;
                    optional(&format!("{base}.description"), &r.description, max::ROW_DESCRIPTION)?;
                }
            }
            Ok(())
        }
        OutgoingMessage::Template {
            name,
            language,
            body_params,
            quick_reply_payloads,
        } => {
            required("template.name", name, max::TEMPLATE_NAME)?;
            if language.trim().is_empty() {
                return Err(LimitError::Empty {
                    field: "template.language.code".into(),
                });
            }
            for (i, p) in body_params.iter().enumerate() {
                let field = format!("template.components[body].parameters[{i}].text");
                if p.trim().is_empty() {
                    return Err(LimitError::Empty { field });
                }
                if p.contains(['\n', '\r', '\t']) || p.contains("     ") {
                    return Err(LimitError::BadTemplateParam { field });
                }
            }
            count(
                "template.components[button]",
                quick_reply_payloads.len(),
                0,
                max::TEMPLATE_BUTTONS,
            )?;
            for (i, p) in quick_reply_payloads.iter().enumerate() {
                if p.trim().is_empty() {
                    return Err(LimitError::Empty {
                        field: format!("template.components[button index {i}].payload"),
                    });
                }
            }
            Ok(())
        }
    }
}

fn length(field: &str, value: &str, max: usize) -> Result<(), LimitError> {
    let len = value.chars().count();
    if len > max {
        return Err(LimitError::TooLong {
            field: field.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

fn required(field: &str, value: &str, max: usize) -> Result<(), LimitError> {
    if value.trim().is_empty() {
        return Err(LimitError::Empty {
            field: field.to_owned(),
        });
    }
    length(field, value, max)
}

fn optional(field: &str, value: &Option<String>, max: usize) -> Result<(), LimitError> {
    match present(value) {
        Some(v) => length(field, v, max),
        None => Ok(()),
    }
}

fn count(field: &str, n: usize, min: usize, max: usize) -> Result<(), LimitError> {
    if n < min || n > max {
        return Err(LimitError::Count {
            field: field.to_owned(),
            count: n,
            min,
            max,
        });
    }
    Ok(())
}

fn unique<'a>(seen: &mut HashSet<&'a str>, field: &str, value: &'a str) -> Result<(), LimitError> {
    if !seen.insert(value) {
        return Err(LimitError::Duplicate {
            field: field.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{ListRow, ListSection, ReplyButton};
    use super::*;

    fn btn(id: &str, title: &str) -> ReplyButton {
        ReplyButton {
            id: id.into(),
            title: title.into(),
        }
    }

    fn buttons(bs: Vec<ReplyButton>) -> OutgoingMessage {
        OutgoingMessage::Buttons {
            header: None,
            body: "Body".into(),
            footer: None,
            buttons: bs,
        }
    }

    fn row(id: &str) -> ListRow {
        ListRow {
            id: id.into(),
            title: "Row".into(),
            description: None,
        }
    }

    fn list(sections: Vec<ListSection>) -> OutgoingMessage {
        OutgoingMessage::List {
            header: None,
            body: "Body".into(),
            footer: None,
            button: "Open".into(),
            sections,
        }
    }

    fn field_of(e: LimitError) -> String {
        match e {
            LimitError::Empty { field }
            | LimitError::TooLong { field, .. }
            | LimitError::Count { field, .. }
            | LimitError::Duplicate { field, .. }
            | LimitError::BadTemplateParam { field } => field,
        }
    }

    #[test]
    fn text_limits() {
        let ok = OutgoingMessage::Text {
            body: "न".repeat(4096)
        };
        assert_eq!(validate(&ok), Ok(()));
        let long = OutgoingMessage::Text { body: "a".repeat(4097) };
        assert_eq!(
            validate(&long),
            Err(LimitError::TooLong {
                field: "text.body".into(),
                len: 4097,
                max: 4096
            })
        );
        assert!(matches!(
            validate(&OutgoingMessage::Text { body: " ".into() }),
            Err(LimitError::Empty { .. })
        ));
    }

    #[test]
    fn button_limits() {
        assert_eq!(validate(&buttons(vec![btn("a", "A")])), Ok(()));
        assert!(matches!(
            validate(&buttons(vec![])),
            Err(LimitError::Count { count: 0, .. })
        ));
        let four = (0..4).map(|i| btn(&i.to_string(), &i.to_string())).collect();
        assert!(matches!(
            validate(&buttons(four)),
            Err(LimitError::Count { count: 4, max: 3, .. })
        ));
        // 20 Devanagari characters are fine even though they are 60 bytes.
        assert_eq!(validate(&buttons(vec![btn("a", &"न".repeat(20))])), Ok(()));
        assert_eq!(
            validate(&buttons(vec![btn("a", &"न".repeat(21))])),
            Err(LimitError::TooLong {
                field: "action.buttons[0].reply.title".into(),
                len: 21,
                max: 20
            })
        );
        assert_eq!(
            validate(&buttons(vec![btn("a", "A"), btn("a", "B")])),
            Err(LimitError::Duplicate {
                field: "action.buttons[1].reply.id".into(),
                value: "a".into()
            })
        );
        assert!(matches!(
            validate(&buttons(vec![btn("a", "A"), btn("b", "A")])),
            Err(LimitError::Duplicate { .. })
        ));
        assert!(matches!(
            validate(&buttons(vec![btn("", "A")])),
            Err(LimitError::Empty { .. })
        ));
        assert!(matches!(
            validate(&buttons(vec![btn("a", "")])),
            Err(LimitError::Empty { .. })
        ));
        assert!(matches!(
            validate(&buttons(vec![btn(&"i".repeat(257), "A")])),
            Err(LimitError::TooLong { max: 256, .. })
        ));
        assert_eq!(validate(&buttons(vec![btn(&"i".repeat(256), "A")])), Ok(()));
        let mut m = buttons(vec![btn("a", "A")]);
        if let OutgoingMessage::Buttons {
            body, header, footer, ..
        } = &mut m
        {
            *body = "b".repeat(1025);
            *header = Some("h".repeat(61));
            *footer = Some("f".repeat(61));
        }
        assert!(matches!(validate(&m), Err(LimitError::TooLong { max: 60, .. })));
        if let OutgoingMessage::Buttons { header, .. } = &mut m {
            *header = Some(String::new());
        }
        assert!(matches!(validate(&m), Err(LimitError::TooLong { max: 1024, .. })));
        if let OutgoingMessage::Buttons { body, .. } = &mut m {
            *body = "b".repeat(1024);
        }
        assert_eq!(validate(&m).map_err(field_of), Err("footer.text".to_string()));
    }

    #[test]
    fn list_limits() {
        let one = |rows: Vec<ListRow>| ListSection {
            title: "S".into(),
            rows,
        };
        assert_eq!(validate(&list(vec![one(vec![row("a")])])), Ok(()));
        assert!(matches!(
            validate(&list(vec![])),
            Err(LimitError::Count { count: 0, .. })
        ));
        let eleven_sections = (0..11).map(|i| one(vec![row(&i.to_string())])).collect();
        assert!(matches!(
            validate(&list(eleven_sections)),
            Err(LimitError::Count { count: 11, max: 10, .. })
        ));
        let eleven_rows = vec![
            one((0..6).map(|i| row(&i.to_string())).collect()),
            one((6..11).map(|i| row(&i.to_string())).collect()),
        ];
        assert_eq!(
            validate(&list(eleven_rows)).map_err(field_of),
            Err("action.sections[].rows".to_string())
        );
        assert!(matches!(
            validate(&list(vec![one(vec![row("a")]), one(vec![row("a")])])),
            Err(LimitError::Duplicate { .. })
        ));
        assert_eq!(
            validate(&list(vec![one(vec![row("a")]), one(vec![])])).map_err(field_of),
            Err("action.sections[1].rows".to_string())
        );
        // A single section may be untitled; several must all be titled.
        let untitled = ListSection {
            title: String::new(),
            rows: vec![row("a")],
        };
        assert_eq!(validate(&list(vec![untitled.clone()])), Ok(()));
        assert!(matches!(
            validate(&list(vec![untitled, one(vec![row("b")])])),
            Err(LimitError::Empty { .. })
        ));
        let long_title = ListSection {
            title: "t".repeat(25),
            rows: vec![row("a")],
        };
        assert!(matches!(
            validate(&list(vec![long_title])),
            Err(LimitError::TooLong { max: 24, .. })
        ));
        let mut r = row(&"i".repeat(201));
        assert!(matches!(
            validate(&list(vec![one(vec![r.clone()])])),
            Err(LimitError::TooLong { max: 200, .. })
        ));
        r.id = "ok".into();
        r.title = "t".repeat(25);
        assert!(matches!(
            validate(&list(vec![one(vec![r.clone()])])),
            Err(LimitError::TooLong { max: 24, .. })
        ));
        r.title = "t".into();
        r.description = Some("d".repeat(73));
        assert!(matches!(
            validate(&list(vec![one(vec![r.clone()])])),
            Err(LimitError::TooLong { max: 72, .. })
        ));
        r.description = Some("द".repeat(72));
        assert_eq!(validate(&list(vec![one(vec![r])])), Ok(()));
        let mut m = list(vec![one(vec![row("a")])]);
        if let OutgoingMessage::List { button, .. } = &mut m {
            *button = "b".repeat(21);
        }
        assert!(matches!(validate(&m), Err(LimitError::TooLong { max: 20, .. })));
        if let OutgoingMessage::List { button, body, .. } = &mut m {
            *button = "ok".into();
            *body = "b".repeat(4097);
        }
        assert!(matches!(validate(&m), Err(LimitError::TooLong { max: 4096, .. })));
    }

    #[test]
    fn template_limits() {
        let t = |params: Vec<&str>, payloads: Vec<&str>| OutgoingMessage::Template {
            name: "report_update".into(),
            language: "hi".into(),
            body_params: params.into_iter().map(str::to_owned).collect(),
            quick_reply_payloads: payloads.into_iter().map(str::to_owned).collect(),
        };
        assert_eq!(validate(&t(vec!["a b"], vec!["P"])), Ok(()));
        assert!(matches!(
            validate(&t(vec!["a\nb"], vec![])),
            Err(LimitError::BadTemplateParam { .. })
        ));
        assert!(matches!(
            validate(&t(vec!["a     b"], vec![])),
            Err(LimitError::BadTemplateParam { .. })
        ));
        assert!(matches!(validate(&t(vec![""], vec![])), Err(LimitError::Empty { .. })));
        assert!(matches!(validate(&t(vec![], vec![""])), Err(LimitError::Empty { .. })));
        assert!(matches!(
            validate(&t(vec![], vec!["p"; 11])),
            Err(LimitError::Count { .. })
        ));
        let nameless = OutgoingMessage::Template {
            name: String::new(),
            language: "hi".into(),
            body_params: vec![],
            quick_reply_payloads: vec![],
        };
        assert!(matches!(validate(&nameless), Err(LimitError::Empty { .. })));
    }

    #[test]
    fn error_text_names_limit_not_body() {
        let e = validate(&OutgoingMessage::Text {
            body: "secret report ".repeat(400),
        })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("text.body") && e.contains("4096"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}
