//! WhatsApp message templates: the registered messages Satark may send outside the
//! 24-hour customer-service window (officers' feedback, questions, status news) and to
//! police offices (alerts).
//!
//! The catalog is `infra/whatsapp-templates.toml`, compiled in (like the range file) so
//! that what the notifier sends, what the fake Graph API accepts and what deployers
//! register with Meta are one text. A template message is checked against it before it
//! is sent ([`check`]): a name, language or parameter count Meta would refuse (132001,
//! 132000) is a bug to catch here, not a failed delivery to discover later.

use crate::Lang;
use crate::ports::TemplateMessage;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// The catalog shipped in the repository.
pub const TEMPLATES_TOML: &str = include_str!("../../../infra/whatsapp-templates.toml");

/// Officers' feedback: reference code, officer's note.
pub const FEEDBACK: &str = "satark_feedback";
/// An officer's follow-up question: reference code, question.
pub const QUESTION: &str = "satark_question";
/// News of a status change: reference code, status in words.
pub const STATUS: &str = "satark_status";
/// A P1 alert to an office: reference code, district, category, priority.
pub const ALERT: &str = "satark_alert";

/// Meta's limit on a template's name.
pub const MAX_NAME_CHARS: usize = 512;
/// Meta's limit on a template's body text.
pub const MAX_BODY_CHARS: usize = 1024;
/// Satark's cap on a template's parameters: Meta refuses templates whose variables
/// outweigh their text, and none of ours needs more.
pub const MAX_PARAMS: usize = 10;
/// Satark's cap on one parameter's text (Meta's body limit: a parameter longer than a
/// whole body is never what an officer meant).
pub const MAX_PARAM_CHARS: usize = 1024;

/// Meta's template categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TemplateCategory {
    Utility,
    Marketing,
    Authentication,
}

/// One template, as registered with Meta: a body per language and its parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    pub name: String,
    pub category: TemplateCategory,
    /// What each parameter is, in order ({{1}}, {{2}}, ...).
    pub params: Vec<String>,
    /// Body text by language code.
    pub body: BTreeMap<String, String>,
}

impl TemplateDef {
    /// The body in `lang` (every language is present in a validated catalog).
    pub fn body(&self, lang: Lang) -> Option<&str> {
        self.body.get(lang.code()).map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    #[serde(rename = "template")]
    templates: Vec<TemplateDef>,
}

/// Why a catalog, or a template message, was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template catalog is not valid TOML: {0}")]
    Syntax(String),
    #[error("template catalog: {0}")]
    Invalid(String),
    /// Meta would answer 132001.
    #[error("no template {name:?} in language {lang}")]
    Unknown { name: String, lang: &'static str },
    /// Meta would answer 132000.
    #[error("template {name:?} takes {expected} parameters, got {got}")]
    ParamCount { name: String, expected: usize, got: usize },
    /// Meta would answer 132018 (or refuse the parameter as empty).
    #[error("template {name:?}: parameter {index} is empty, too long, or holds newlines, tabs or runs of spaces")]
    BadParam { name: String, index: usize },
}

/// The templates of a catalog file, validated.
#[derive(Debug, Clone)]
pub struct TemplateCatalog {
    templates: Vec<TemplateDef>,
}

impl TemplateCatalog {
    /// Parses and validates a catalog file.
    pub fn from_toml(text: &str) -> Result<Self, TemplateError> {
        let file: TemplateFile = toml::from_str(text).map_err(|e| TemplateError::Syntax(e.to_string()))?;
        let catalog = TemplateCatalog {
            templates: file.templates,
        };
        catalog.validate()?;
        Ok(catalog)
    }

    /// The catalog shipped with Satark (`infra/whatsapp-templates.toml`), parsed once.
    pub fn shipped() -> Result<&'static TemplateCatalog, TemplateError> {
        static SHIPPED: OnceLock<Result<TemplateCatalog, TemplateError>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| TemplateCatalog::from_toml(TEMPLATES_TOML))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn templates(&self) -> &[TemplateDef] {
        &self.templates
    }

    pub fn get(&self, name: &str) -> Option<&TemplateDef> {
        self.templates.iter().find(|t| t.name == name)
    }

    fn validate(&self) -> Result<(), TemplateError> {
        let bad = |msg: String| Err(TemplateError::Invalid(msg));
        if self.templates.is_empty() {
            return bad("no templates".into());
        }
        let mut names = HashSet::new();
        for t in &self.templates {
            let name_ok = !t.name.is_empty()
                && t.name.chars().count() <= MAX_NAME_CHARS
                && t.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !name_ok {
                return bad(format!(
                    "template name {:?} must be 1-{MAX_NAME_CHARS} lowercase letters, digits or _",
                    t.name
                ));
            }
            if !names.insert(t.name.as_str()) {
                return bad(format!("template {} appears twice", t.name));
            }
            if t.params.len() > MAX_PARAMS {
                return bad(format!("template {}: more than {MAX_PARAMS} parameters", t.name));
            }
            if t.params.iter().any(|p| p.trim().is_empty()) {
                return bad(format!("template {}: a parameter has no description", t.name));
            }
            for code in t.body.keys() {
                if Lang::from_code(code).is_none() {
                    return bad(format!("template {}: unknown language {code:?}", t.name));
                }
            }
            for lang in Lang::ALL {
                let Some(body) = t.body(lang) else {
                    return bad(format!("template {} has no {} body", t.name, lang.code()));
                };
                check_body(body, t.params.len())
                    .map_err(|why| TemplateError::Invalid(format!("template {} ({}): {why}", t.name, lang.code())))?;
            }
        }
        Ok(())
    }

    /// Whether Meta would accept `message` as registered here: the template exists in
    /// its language, with as many parameters as declared, each usable as a parameter.
    pub fn check(&self, message: &TemplateMessage) -> Result<(), TemplateError> {
        let template = self
            .get(&message.name)
            .filter(|t| t.body(message.lang).is_some())
            .ok_or_else(|| TemplateError::Unknown {
                name: message.name.clone(),
                lang: message.lang.code(),
            })?;
        if template.params.len() != message.params.len() {
            return Err(TemplateError::ParamCount {
                name: message.name.clone(),
                expected: template.params.len(),
                got: message.params.len(),
            });
        }
        for (i, p) in message.params.iter().enumerate() {
            if !param_ok(p) {
                return Err(TemplateError::BadParam {
                    name: message.name.clone(),
                    index: i + 1,
                });
            }
        }
        Ok(())
    }

    /// The text the recipient reads: the body with its parameters put in. What officers
    /// see in a report's thread.
    pub fn render(&self, message: &TemplateMessage) -> Result<String, TemplateError> {
        self.check(message)?;
        let body = self
            .get(&message.name)
            .and_then(|t| t.body(message.lang))
            .unwrap_or_default();
        Ok(substitute(body, &message.params))
    }

    /// A template message with its parameters made acceptable to Meta (whitespace runs,
    /// newlines and tabs folded to one space, trimmed, cut to [`MAX_PARAM_CHARS`]),
    /// then checked.
    pub fn message(&self, name: &str, lang: Lang, params: &[&str]) -> Result<TemplateMessage, TemplateError> {
        let message = TemplateMessage {
            name: name.to_string(),
            lang,
            params: params.iter().map(|p| normalize_param(p)).collect(),
        };
        self.check(&message)?;
        Ok(message)
    }
}

/// Checks the shipped catalog's view of `message` (see [`TemplateCatalog::check`]).
pub fn check(message: &TemplateMessage) -> Result<(), TemplateError> {
    TemplateCatalog::shipped()?.check(message)
}

/// The text of `message` as the recipient reads it. A message the shipped catalog
/// does not know (an older template, say) reads as its name and parameters, so a
/// thread always shows what was attempted.
pub fn render(message: &TemplateMessage) -> String {
    TemplateCatalog::shipped()
        .and_then(|c| c.render(message))
        .unwrap_or_else(|_| format!("[{}] {}", message.name, message.params.join(" · ")))
}

/// A checked template message of the shipped catalog, its parameters normalised (see
/// [`TemplateCatalog::message`]).
pub fn message(name: &str, lang: Lang, params: &[&str]) -> Result<TemplateMessage, TemplateError> {
    TemplateCatalog::shipped()?.message(name, lang, params)
}

/// Folds what Meta refuses in a parameter (newlines, tabs, more than four spaces in a
/// row) into single spaces, trims, and cuts to [`MAX_PARAM_CHARS`].
pub fn normalize_param(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_PARAM_CHARS)
        .collect::<String>()
        .trim_end()
        .to_string()
}

fn param_ok(p: &str) -> bool {
    !p.trim().is_empty()
        && p.chars().count() <= MAX_PARAM_CHARS
        && !p.contains(['\n', '\r', '\t'])
        && !p.contains("     ")
}

/// The placeholders of a body, in order of appearance; `Err` for a malformed one.
fn placeholders(body: &str) -> Result<Vec<usize>, String> {
    let mut found = vec![];
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("a `{{` is never closed")?;
        let n: usize = after[..end]
            .parse()
            .map_err(|_| format!("`{{{{{}}}}}` is not a numbered placeholder", &after[..end]))?;
        found.push(n);
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("a `}}` has no `{{`".into());
    }
    Ok(found)
}

fn check_body(body: &str, params: usize) -> Result<(), String> {
    if body.trim().is_empty() {
        return Err("empty body".into());
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(format!("body longer than {MAX_BODY_CHARS} characters"));
    }
    let found = placeholders(body)?;
    let mut sorted = found.clone();
    sorted.sort_unstable();
    if sorted != (1..=params).collect::<Vec<_>>() {
        return Err(format!(
            "placeholders {found:?} are not {{{{1}}}}..{{{{{params}}}}}, each once"
        ));
    }
    // Meta refuses templates that start or end with a variable.
    let trimmed = body.trim();
    if trimmed.starts_with("{{") || trimmed.ends_with("}}") {
        return Err("body starts or ends with a placeholder".into());
    }
    Ok(())
}

fn substitute(body: &str, params: &[String]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after
            .find("}}")
            .and_then(|end| Some((end, after[..end].parse::<usize>().ok()?)))
        {
            Some((end, n)) => {
                out.push_str(n.checked_sub(1).and_then(|i| params.get(i)).map_or("", String::as_str));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(name: &str, lang: Lang, params: &[&str]) -> TemplateMessage {
        TemplateMessage {
            name: name.into(),
            lang,
            params: params.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn the_shipped_catalog_is_valid_and_complete() {
        let catalog = TemplateCatalog::shipped().expect("infra/whatsapp-templates.toml must be valid");
        let names: Vec<&str> = catalog.templates().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, [FEEDBACK, QUESTION, STATUS, ALERT]);
        let arity = |n: &str| catalog.get(n).map(|t| t.params.len());
        assert_eq!(
            [arity(FEEDBACK), arity(QUESTION), arity(STATUS), arity(ALERT)],
            [Some(2), Some(2), Some(2), Some(4)]
        );
        for t in catalog.templates() {
            assert_eq!(t.category, TemplateCategory::Utility, "{}", t.name);
            for lang in Lang::ALL {
                assert!(t.body(lang).is_some(), "{} has a {} body", t.name, lang.code());
            }
        }
    }

    #[test]
    fn messages_are_checked_as_meta_would() {
        assert_eq!(check(&msg(FEEDBACK, Lang::Hi, &["JNP-7K3QX", "कार्रवाई हुई"])), Ok(()));
        assert!(matches!(
            check(&msg("satark_nope", Lang::En, &["a"])),
            Err(TemplateError::Unknown { .. })
        ));
        assert!(matches!(
            check(&msg(ALERT, Lang::En, &["JNP-7K3QX", "Jaunpur", "arms"])),
            Err(TemplateError::ParamCount {
                expected: 4,
                got: 3,
                ..
            })
        ));
        for bad in ["", "  ", "two\nlines", "a\tb", "wide     gap"] {
            assert!(
                matches!(
                    check(&msg(STATUS, Lang::Ur, &["JNP-7K3QX", bad])),
                    Err(TemplateError::BadParam { index: 2, .. })
                ),
                "{bad:?}"
            );
        }
        let long = "x".repeat(MAX_PARAM_CHARS + 1);
        assert!(check(&msg(STATUS, Lang::En, &["JNP-7K3QX", &long])).is_err());
    }

    #[test]
    fn rendering_puts_the_parameters_in_their_places() {
        let text = render(&msg(QUESTION, Lang::En, &["GZP-ABCDE", "Which street?"]));
        assert_eq!(
            text,
            "Satark: the police have a question about your report GZP-ABCDE: Which street?. Answer in this chat; do not write your name or number."
        );
        // Unknown templates still show what was attempted.
        assert_eq!(render(&msg("old_one", Lang::En, &["a", "b"])), "[old_one] a · b");
    }

    #[test]
    fn parameters_are_normalised_before_checking() {
        let m = message(FEEDBACK, Lang::En, &["JNP-7K3QX", "  line one\n\n\tline     two  "]).expect("valid");
        assert_eq!(m.params[1], "line one line two");
        assert!(matches!(
            message(FEEDBACK, Lang::En, &["JNP-7K3QX", " \n "]),
            Err(TemplateError::BadParam { index: 2, .. })
        ));
    }

    #[test]
    fn invalid_catalogs_are_refused() {
        let file = |name: &str, params: &str, hi: &str| {
            format!(
                "[[template]]\nname = \"{name}\"\ncategory = \"UTILITY\"\nparams = [{params}]\n[template.body]\nhi = \"{hi}\"\nen = \"Hello {{{{1}}}} there.\"\nur = \"Salaam {{{{1}}}} ji.\"\n"
            )
        };
        assert!(TemplateCatalog::from_toml(&file("ok_name", "\"code\"", "Namaste {{1}} ji.")).is_ok());
        let refused = [
            file("Bad-Name", "\"code\"", "Namaste {{1}} ji."),
            file("ok_name", "\"code\", \"extra\"", "Namaste {{1}} ji."),
            file("ok_name", "\"code\"", "Namaste {{2}} ji."),
            file("ok_name", "\"code\"", "Namaste {{1}} {{1}} ji."),
            file("ok_name", "\"code\"", "{{1}} ji."),
            file("ok_name", "\"code\"", "Namaste {{1}}"),
            file("ok_name", "\"code\"", "Namaste {{one}} ji."),
            file("ok_name", "\"code\"", "Namaste {{1} ji."),
            file(
                "ok_name",
                "\"code\"",
                &format!("Namaste {{{{1}}}} {}.", "x".repeat(MAX_BODY_CHARS)),
            ),
        ];
        for text in refused {
            assert!(
                matches!(TemplateCatalog::from_toml(&text), Err(TemplateError::Invalid(_))),
                "{text}"
            );
        }
        let missing_lang =
            "[[template]]\nname = \"a\"\ncategory = \"UTILITY\"\nparams = []\n[template.body]\nen = \"Hi.\"\n";
        assert!(TemplateCatalog::from_toml(missing_lang).is_err());
        let unknown_lang = "[[template]]\nname = \"a\"\ncategory = \"UTILITY\"\nparams = []\n[template.body]\nen = \"Hi.\"\nhi = \"Hi.\"\nur = \"Hi.\"\nfr = \"Salut.\"\n";
        assert!(TemplateCatalog::from_toml(unknown_lang).is_err());
        assert!(matches!(
            TemplateCatalog::from_toml("not [ toml"),
            Err(TemplateError::Syntax(_))
        ));
    }
}
