//! Message catalogs: every word the bot says, in Hindi, English and Urdu.
//!
//! Catalogs are Fluent files in `locales/`, compiled into the binary so that a Lambda
//! package needs no files beside it. They also hold the words a citizen may type
//! instead of tapping (`kw-*` keys), so a new language brings its own vocabulary.

use crate::Lang;
use crate::text::fold_key;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::HashMap;

const SOURCES: [(Lang, &str); 3] = [
    (Lang::Hi, include_str!("../locales/hi.ftl")),
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Ur, include_str!("../locales/ur.ftl")),
];

/// A catalog could not be loaded: a broken `.ftl` file, caught by tests before release.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog {lang}: Fluent syntax errors: {errors}")]
    Syntax { lang: &'static str, errors: String },
    #[error("catalog {lang}: {errors}")]
    Bundle { lang: &'static str, errors: String },
}

/// All catalogs, parsed once at start-up and shared.
pub struct Catalog {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
    /// Folded keywords per `kw-*` key, from every language.
    keywords: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("languages", &self.bundles.len())
            .finish()
    }
}

/// Arguments to a message: name and value pairs.
pub type Args<'a> = &'a [(&'a str, Arg<'a>)];

/// One argument value.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl Catalog {
    /// Parses the compiled-in catalogs.
    pub fn load() -> Result<Self, CatalogError> {
        let mut bundles = HashMap::new();
        let mut keywords: HashMap<String, Vec<String>> = HashMap::new();
        for (lang, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_string()).map_err(|(_, errs)| CatalogError::Syntax {
                lang: lang.code(),
                errors: format!("{errs:?}"),
            })?;
            let langid = lang.code().parse().map_err(|e| CatalogError::Bundle {
                lang: lang.code(),
                errors: format!("{e}"),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Isolation marks would end up inside reference codes citizens copy.
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).map_err(|errs| CatalogError::Bundle {
                lang: lang.code(),
                errors: format!("{errs:?}"),
            })?;
            for entry in FluentResource::try_new(source.to_string())
                .map_err(|(_, errs)| CatalogError::Syntax {
                    lang: lang.code(),
                    errors: format!("{errs:?}"),
                })?
                .entries()
            {
                if let fluent_syntax::ast::Entry::Message(m) = entry {
                    let id = m.id.name;
                    if id.starts_with("kw-") {
                        let words = render_plain(&bundle, id);
                        keywords
                            .entry(id.to_string())
                            .or_default()
                            .extend(words.split(',').map(fold_key).filter(|w| !w.is_empty()));
                    }
                }
            }
            bundles.insert(lang, bundle);
        }
        for words in keywords.values_mut() {
            words.sort();
            words.dedup();
        }
        Ok(Catalog { bundles, keywords })
    }

    /// Renders message `key` in `lang`. A missing message renders as its key, so a
    /// gap in a translation shows up in tests rather than as an empty reply.
    pub fn text(&self, lang: Lang, key: &str, args: Args<'_>) -> String {
        let Some(bundle) = self.bundles.get(&lang) else {
            return key.to_string();
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => fluent_args.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = vec![];
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// Renders a message that takes no arguments.
    pub fn plain(&self, lang: Lang, key: &str) -> String {
        self.text(lang, key, &[])
    }

    /// Whether `input`, folded, is one of the words of keyword list `key` (in any language).
    pub fn is_keyword(&self, key: &str, input: &str) -> bool {
        let folded = fold_key(input);
        self.keywords.get(key).is_some_and(|words| words.contains(&folded))
    }

    /// The words of keyword list `key`, folded, from all languages.
    pub fn keywords(&self, key: &str) -> &[String] {
        self.keywords.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every message id of `lang`, for completeness checks.
    pub fn has_message(&self, lang: Lang, key: &str) -> bool {
        self.bundles.get(&lang).is_some_and(|b| b.has_message(key))
    }
}

fn render_plain(bundle: &FluentBundle<FluentResource>, key: &str) -> String {
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return String::new();
    };
    let mut errors = vec![];
    bundle.format_pattern(pattern, None, &mut errors).into_owned()
}

/// Message ids of the English catalog, the reference every other catalog must match.
pub fn reference_keys() -> Vec<String> {
    message_ids(SOURCES[1].1)
}

/// Message ids of one language's source.
pub fn keys_of(lang: Lang) -> Vec<String> {
    SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, src)| message_ids(src))
        .unwrap_or_default()
}

fn message_ids(source: &str) -> Vec<String> {
    let Ok(resource) = FluentResource::try_new(source.to_string()) else {
        return vec![];
    };
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: [(&str, usize); 5] = [
        ("-btn", 20),
        ("-row", 24),
        ("-desc", 72),
        ("-list", 20),
        ("-section", 24),
    ];

    #[test]
    fn every_catalog_has_every_key_and_no_extra() {
        let reference = reference_keys();
        assert!(reference.len() > 80, "English catalog looks truncated");
        for lang in Lang::ALL {
            let mut keys = keys_of(lang);
            keys.sort();
            let mut expected = reference.clone();
            expected.sort();
            assert_eq!(keys, expected, "catalog {} differs from English", lang.code());
        }
    }

    #[test]
    fn every_message_renders_without_errors_and_within_limits() {
        let catalog = Catalog::load().expect("catalogs load");
        let args: Vec<(&str, Arg)> = [
            "range", "code", "district", "station", "category", "items", "place", "when", "what", "example", "status",
            "kinds", "note", "question",
        ]
        .iter()
        .map(|n| (*n, Arg::Str("X")))
        .chain([
            ("count", Arg::Num(2)),
            ("max", Arg::Num(30)),
            ("page", Arg::Num(1)),
            ("pages", Arg::Num(2)),
        ])
        .collect();
        for lang in Lang::ALL {
            let bundle = &catalog.bundles[&lang];
            for key in reference_keys() {
                let message = bundle.get_message(&key).expect("present");
                let pattern = message.value().expect("every message has a value");
                let mut fluent_args = FluentArgs::new();
                for (n, v) in &args {
                    match v {
                        Arg::Str(s) => fluent_args.set(*n, FluentValue::from(*s)),
                        Arg::Num(x) => fluent_args.set(*n, FluentValue::from(*x)),
                    }
                }
                let mut errors = vec![];
                let out = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                assert!(errors.is_empty(), "{}:{key}: {errors:?}", lang.code());
                assert!(!out.trim().is_empty(), "{}:{key} is empty", lang.code());
                for (suffix, max) in LIMITS {
                    if key.ends_with(suffix) {
                        assert!(
                            out.chars().count() <= max,
                            "{}:{key} = {out:?} is over {max} characters",
                            lang.code()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keywords_from_all_languages_are_accepted() {
        let catalog = Catalog::load().expect("catalogs load");
        assert!(catalog.is_keyword("kw-done", "Done"));
        assert!(catalog.is_keyword("kw-done", "हो गया"));
        assert!(catalog.is_keyword("kw-dont-know", "Don't know"));
        assert!(!catalog.is_keyword("kw-done", "maybe"));
        assert_eq!(catalog.plain(Lang::Hi, "language-name"), "हिन्दी");
        assert_eq!(catalog.plain(Lang::Ur, "language-name"), "اردو");
        assert_eq!(catalog.plain(Lang::En, "no-such-key"), "no-such-key");
    }
}
