//! Rendering prompts: every menu the bot shows, in the citizen's language and within
//! WhatsApp's limits.

use super::model::{Choice, Conversation, Draft, PLACE_ITEM, Reply, Row, Stage, StepContext, limits};
use crate::Lang;
use crate::i18n::{Arg, Catalog};
use crate::ids::ReferenceCode;
use crate::report::{DetailItem, IncidentPlace, IncidentTime, ReportStatus, StationChoice};
use crate::text::clip;
use crate::triage::disclosure::self_disclosures;
use std::ops::Range;

/// Renders in one language, numbering button ids with the current menu sequence.
pub(crate) struct Ui<'a> {
    pub ctx: &'a StepContext<'a>,
    pub lang: Lang,
    pub seq: u32,
}

/// A list of many items, shown a page at a time.
struct PagedList<'k> {
    body: String,
    button_key: &'k str,
    section_key: &'k str,
    /// Action, title and description of every item.
    items: Vec<(String, String, Option<String>)>,
    page: u16,
    /// Prefix of the "more" and "back" actions.
    nav_prefix: &'k str,
    /// Rows shown on every page after the items (such as "Don't know").
    extras: Vec<Row>,
}

/// Button and row ids: `<menu seq>:<action>`, so a tap on an old menu is recognised.
pub(crate) fn choice_id(seq: u32, action: &str) -> String {
    format!("{seq}:{action}")
}

/// Splits a tapped id into its menu sequence and action.
pub(crate) fn parse_choice_id(id: &str) -> Option<(u32, &str)> {
    let (seq, action) = id.split_once(':')?;
    Some((seq.parse().ok()?, action))
}

/// The pages of a list of `total` items when `extras` fixed rows (like "Don't know")
/// sit on every page: each page holds at most 10 rows, navigation rows included.
#[allow(clippy::single_range_in_vec_init)] // one page holding every item, not a Vec of numbers
pub(crate) fn paginate(total: usize, extras: usize) -> Vec<Range<usize>> {
    let capacity = limits::LIST_ROWS - extras;
    if total <= capacity {
        return vec![0..total];
    }
    let mut pages = vec![];
    let mut start = 0;
    loop {
        let back_row = usize::from(!pages.is_empty());
        if total - start <= capacity - back_row {
            pages.push(start..total);
            return pages;
        }
        let room = capacity - back_row - 1;
        pages.push(start..start + room);
        start += room;
    }
}

impl Ui<'_> {
    pub fn catalog(&self) -> &Catalog {
        self.ctx.catalog
    }

    pub fn t(&self, key: &str) -> String {
        self.catalog().plain(self.lang, key)
    }

    pub fn ta(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.catalog().text(self.lang, key, args)
    }

    fn id(&self, action: &str) -> String {
        choice_id(self.seq, action)
    }

    fn button(&self, action: &str, key: &str) -> Choice {
        Choice {
            id: self.id(action),
            title: clip(&self.t(key), limits::BUTTON_TITLE),
        }
    }

    fn row(&self, action: &str, title: &str, description: Option<String>) -> Row {
        Row {
            id: self.id(action),
            title: clip(title, limits::ROW_TITLE),
            description: description.map(|d| clip(&d, limits::ROW_DESCRIPTION)),
        }
    }

    /// The prompt of the current stage, after an optional lead-in (an acknowledgement
    /// or an explanation), as one message: WhatsApp paces messages per user, so one
    /// consolidated reply beats several bubbles.
    pub fn prompt(&self, conv: &Conversation, lead: Option<&str>) -> Reply {
        let join = |body: String| match lead {
            Some(l) if !l.is_empty() => format!("{l}\n\n{body}"),
            _ => body,
        };
        let draft = conv.draft.as_ref();
        match (&conv.stage, draft) {
            (Stage::Idle | Stage::Menu, _) => self.menu(conv, join),
            (Stage::ChooseLanguage, _) => language_prompt(self.ctx, self.seq, lead),
            (Stage::ChooseDistrict { page }, _) => self.district_list(*page, join),
            (Stage::ChooseStation { page }, Some(d)) => self.station_list(d, *page, join),
            (Stage::PickStation { candidates }, Some(d)) => self.station_candidates(d, candidates, join),
            (Stage::ChooseCategory { page }, _) => self.category_list(*page, join),
            (Stage::Details, _) => self.details_buttons(join(self.t("details-prompt"))),
            (Stage::AskLocation, _) => Reply::Buttons {
                body: clip(&join(self.t("location-prompt")), limits::BUTTON_BODY),
                buttons: vec![self.button("loc:skip", "location-skip-btn")],
            },
            (Stage::AskTime, _) => self.time_list(join),
            (Stage::Summary, Some(d)) => Reply::Buttons {
                body: clip(&join(self.summary(d)), limits::BUTTON_BODY),
                buttons: vec![
                    self.button("sum:submit", "submit-btn"),
                    self.button("sum:edit", "edit-btn"),
                    self.button("sum:cancel", "cancel-btn"),
                ],
            },
            (Stage::EditMenu, _) => self.edit_list(join),
            (Stage::AskStatusCode, _) => Reply::Text {
                body: join(self.status_prompt(conv)),
            },
            (Stage::ConfirmDisclosure { item }, Some(d)) => Reply::Buttons {
                body: clip(&join(self.disclosure_warning(d, *item)), limits::BUTTON_BODY),
                buttons: vec![
                    self.button("guard:drop", "guard-remove-btn"),
                    self.button("guard:keep", "guard-keep-btn"),
                ],
            },
            (Stage::ConfirmAnswer, _) => {
                let words = conv.held_answer.as_ref().map_or("", |h| h.text.as_str());
                Reply::Buttons {
                    body: clip(
                        &join(self.kinds_message("guard-answer-warning", words)),
                        limits::BUTTON_BODY,
                    ),
                    buttons: vec![
                        self.button("guard:keep", "guard-send-btn"),
                        self.button("guard:drop", "guard-dont-send-btn"),
                    ],
                }
            }
            // A report stage without a draft cannot be stored (`Conversation::check`);
            // should one appear, the menu is the safe way out.
            (_, None) => self.menu(conv, join),
        }
    }

    /// The self-disclosure guard's warning, naming the kinds of detail it saw in the
    /// draft's item `item` (its text or caption) or, for [`PLACE_ITEM`], the typed place.
    fn disclosure_warning(&self, draft: &Draft, item: u16) -> String {
        let words = if item == PLACE_ITEM {
            match &draft.place {
                Some(IncidentPlace::Typed { text }) => text.as_str(),
                _ => "",
            }
        } else {
            match draft.items.get(usize::from(item)) {
                Some(DetailItem::Text { body, .. }) => body.as_str(),
                Some(DetailItem::Media { caption, .. }) => caption.as_deref().unwrap_or(""),
                None => "",
            }
        };
        self.kinds_message("guard-warning", words)
    }

    /// A guard message naming the kinds of identifying detail in `words`.
    fn kinds_message(&self, key: &str, words: &str) -> String {
        let kinds: Vec<String> = self_disclosures(words)
            .into_iter()
            .map(|k| self.t(&format!("guard-kind-{}", k.as_str())))
            .collect();
        self.ctx
            .catalog
            .text(self.lang, key, &[("kinds", Arg::Str(&kinds.join(", ")))])
    }

    fn menu(&self, conv: &Conversation, join: impl Fn(String) -> String) -> Reply {
        let mut body = self.t("menu-prompt");
        if let Some((d, s)) = conv
            .poster
            .as_ref()
            .and_then(|(d, n)| self.ctx.range.poster_station(&format!("{d}-{n}")))
        {
            let note = self.ta(
                "menu-prefill",
                &[
                    ("station", Arg::Str(s.name(self.lang))),
                    ("district", Arg::Str(d.name.get(self.lang))),
                ],
            );
            body = format!("{body}\n\n{note}");
        }
        Reply::Buttons {
            body: clip(&join(body), limits::BUTTON_BODY),
            buttons: vec![
                self.button("menu:new", "menu-new-btn"),
                self.button("menu:status", "menu-status-btn"),
                self.button("menu:privacy", "menu-privacy-btn"),
            ],
        }
    }

    pub fn details_buttons(&self, body: String) -> Reply {
        Reply::Buttons {
            body: clip(&body, limits::BUTTON_BODY),
            buttons: vec![
                self.button("done", "details-done-btn"),
                self.button("sum:cancel", "cancel-btn"),
            ],
        }
    }

    /// A paged list: "‹ Back" first, the page's rows, "More ›", then the fixed extras.
    fn paged_list(&self, spec: PagedList<'_>) -> Reply {
        let PagedList {
            body,
            button_key,
            section_key,
            items,
            page,
            nav_prefix,
            extras,
        } = spec;
        let pages = paginate(items.len(), extras.len());
        let page = usize::from(page).min(pages.len() - 1);
        let range = pages[page].clone();
        let mut rows = vec![];
        if page > 0 {
            rows.push(self.row(
                &format!("{nav_prefix}:back"),
                &self.t("list-back-row"),
                Some(self.t("list-back-desc")),
            ));
        }
        for (action, title, desc) in &items[range] {
            rows.push(self.row(action, title, desc.clone()));
        }
        if page + 1 < pages.len() {
            rows.push(self.row(
                &format!("{nav_prefix}:more"),
                &self.t("list-more-row"),
                Some(self.t("list-more-desc")),
            ));
        }
        rows.extend(extras);
        let section = if pages.len() > 1 {
            self.ta(
                "list-page",
                &[
                    ("page", Arg::Num(page as i64 + 1)),
                    ("pages", Arg::Num(pages.len() as i64)),
                ],
            )
        } else {
            self.t(section_key)
        };
        Reply::List {
            body: clip(&body, limits::LIST_BODY),
            button: clip(&self.t(button_key), limits::LIST_BUTTON),
            section: clip(&section, limits::SECTION_TITLE),
            rows,
        }
    }

    fn district_list(&self, page: u16, join: impl Fn(String) -> String) -> Reply {
        let items = self
            .ctx
            .range
            .districts
            .iter()
            .map(|d| (format!("d:{}", d.code), d.name.get(self.lang).to_string(), None))
            .collect();
        self.paged_list(PagedList {
            body: join(self.t("district-prompt")),
            button_key: "district-list",
            section_key: "district-section",
            items,
            page,
            nav_prefix: "d",
            extras: vec![],
        })
    }

    fn dont_know_row(&self) -> Row {
        self.row(
            "s:dk",
            &self.t("station-dont-know-row"),
            Some(self.t("station-dont-know-desc")),
        )
    }

    fn district_name(&self, draft: &Draft) -> String {
        draft
            .district
            .as_deref()
            .and_then(|c| self.ctx.range.district(c))
            .map(|d| d.name.get(self.lang).to_string())
            .unwrap_or_default()
    }

    fn station_list(&self, draft: &Draft, page: u16, join: impl Fn(String) -> String) -> Reply {
        let Some(district) = draft.district.as_deref().and_then(|c| self.ctx.range.district(c)) else {
            return self.district_list(0, join);
        };
        let items = district
            .active_stations()
            .map(|s| (format!("s:{}", s.n), s.name(self.lang).to_string(), None))
            .collect();
        let body = join(self.ta("station-prompt", &[("district", Arg::Str(&self.district_name(draft)))]));
        self.paged_list(PagedList {
            body,
            button_key: "station-list",
            section_key: "station-section",
            items,
            page,
            nav_prefix: "s",
            extras: vec![self.dont_know_row()],
        })
    }

    fn station_candidates(&self, draft: &Draft, candidates: &[u16], join: impl Fn(String) -> String) -> Reply {
        let Some(district) = draft.district.as_deref().and_then(|c| self.ctx.range.district(c)) else {
            return self.district_list(0, join);
        };
        let mut rows: Vec<Row> = candidates
            .iter()
            .filter_map(|n| district.station(*n))
            .take(limits::LIST_ROWS - 1)
            .map(|s| self.row(&format!("s:{}", s.n), s.name(self.lang), None))
            .collect();
        rows.push(self.dont_know_row());
        Reply::List {
            body: clip(&join(self.t("station-ambiguous")), limits::LIST_BODY),
            button: clip(&self.t("station-list"), limits::LIST_BUTTON),
            section: clip(&self.t("station-section"), limits::SECTION_TITLE),
            rows,
        }
    }

    fn category_list(&self, page: u16, join: impl Fn(String) -> String) -> Reply {
        let items = self
            .ctx
            .range
            .categories
            .iter()
            .map(|c| {
                let desc = c.description.as_ref().map(|d| d.get(self.lang).to_string());
                (format!("c:{}", c.id), c.name.get(self.lang).to_string(), desc)
            })
            .collect();
        self.paged_list(PagedList {
            body: join(self.t("category-prompt")),
            button_key: "category-list",
            section_key: "category-section",
            items,
            page,
            nav_prefix: "c",
            extras: vec![],
        })
    }

    fn time_list(&self, join: impl Fn(String) -> String) -> Reply {
        let rows = TIME_CHOICES
            .iter()
            .map(|(action, key, _)| self.row(action, &self.t(key), None))
            .collect();
        Reply::List {
            body: clip(&join(self.t("time-prompt")), limits::LIST_BODY),
            button: clip(&self.t("time-list"), limits::LIST_BUTTON),
            section: clip(&self.t("time-section"), limits::SECTION_TITLE),
            rows,
        }
    }

    fn edit_list(&self, join: impl Fn(String) -> String) -> Reply {
        let rows = EDIT_CHOICES
            .iter()
            .map(|(action, key)| self.row(action, &self.t(key), None))
            .collect();
        Reply::List {
            body: clip(&join(self.t("edit-prompt")), limits::LIST_BODY),
            button: clip(&self.t("edit-list"), limits::LIST_BUTTON),
            section: clip(&self.t("edit-section"), limits::SECTION_TITLE),
            rows,
        }
    }

    /// The summary shows choices and counts, never the report's text: a phone seen by
    /// someone else should not replay what was reported.
    fn summary(&self, draft: &Draft) -> String {
        let station = match (
            draft.station,
            draft.district.as_deref().and_then(|c| self.ctx.range.district(c)),
        ) {
            (Some(StationChoice::Known(n)), Some(d)) => {
                d.station(n).map(|s| s.name(self.lang).to_string()).unwrap_or_default()
            }
            _ => self.t("station-unknown"),
        };
        let category = draft
            .category
            .as_deref()
            .and_then(|c| self.ctx.range.category(c))
            .map(|c| c.name.get(self.lang).to_string())
            .unwrap_or_default();
        let items = self.ta("summary-items", &[("count", Arg::Num(draft.items.len() as i64))]);
        let place = if draft.place.is_some() {
            self.t("summary-given")
        } else {
            self.t("summary-not-given")
        };
        let when = draft
            .when
            .and_then(|w| TIME_CHOICES.iter().find(|(_, _, t)| *t == w))
            .map(|(_, key, _)| self.t(key))
            .unwrap_or_else(|| self.t("summary-not-given"));
        self.ta(
            "summary-prompt",
            &[
                ("district", Arg::Str(&self.district_name(draft))),
                ("station", Arg::Str(&station)),
                ("category", Arg::Str(&category)),
                ("items", Arg::Str(&items)),
                ("place", Arg::Str(&place)),
                ("when", Arg::Str(&when)),
            ],
        )
    }

    fn status_prompt(&self, conv: &Conversation) -> String {
        self.ta("status-prompt", &[("example", Arg::Str(&example_code(self.ctx, conv)))])
    }
}

/// An example reference code in the citizen's district, to show what a code looks like.
pub(crate) fn example_code(ctx: &StepContext<'_>, conv: &Conversation) -> String {
    let district = conv
        .draft
        .as_ref()
        .and_then(|d| d.district.clone())
        .or_else(|| conv.poster.as_ref().map(|(d, _)| d.clone()))
        .or_else(|| ctx.range.districts.first().map(|d| d.code.clone()))
        .unwrap_or_else(|| "XX".into());
    format!("{district}-7K3QX")
}

/// The time choices: action, catalog key, value.
pub(crate) const TIME_CHOICES: [(&str, &str, IncidentTime); 4] = [
    ("t:today", "time-today-row", IncidentTime::Today),
    ("t:yesterday", "time-yesterday-row", IncidentTime::Yesterday),
    ("t:earlier", "time-earlier-row", IncidentTime::Earlier),
    ("t:unknown", "time-unknown-row", IncidentTime::Unknown),
];

/// The edit choices: action and catalog key.
pub(crate) const EDIT_CHOICES: [(&str, &str); 6] = [
    ("e:place", "edit-place-row"),
    ("e:category", "edit-category-row"),
    ("e:details", "edit-details-row"),
    ("e:location", "edit-location-row"),
    ("e:time", "edit-time-row"),
    ("e:back", "edit-back-row"),
];

/// The language prompt, in every language at once: we do not know which one the
/// citizen reads yet.
pub(crate) fn language_prompt(ctx: &StepContext<'_>, seq: u32, lead: Option<&str>) -> Reply {
    let mut parts: Vec<String> = lead.filter(|l| !l.is_empty()).map(str::to_string).into_iter().collect();
    for lang in Lang::ALL {
        let range = ctx.range.range.name.get(lang);
        parts.push(ctx.catalog.text(lang, "language-prompt", &[("range", Arg::Str(range))]));
    }
    Reply::Buttons {
        body: clip(&parts.join("\n\n"), limits::BUTTON_BODY),
        buttons: Lang::ALL
            .iter()
            .map(|l| Choice {
                id: choice_id(seq, &format!("lang:{}", l.code())),
                title: clip(&ctx.catalog.plain(*l, "language-name"), limits::BUTTON_TITLE),
            })
            .collect(),
    }
}

/// The answer to a status request, once the caller has looked the code up among the
/// informant's own reports (`None`: no such report for them).
pub fn status_reply(catalog: &Catalog, lang: Lang, code: &ReferenceCode, status: Option<ReportStatus>) -> Reply {
    let body = match status {
        Some(s) => catalog.text(
            lang,
            "status-result",
            &[
                ("code", Arg::Str(code.as_str())),
                ("status", Arg::Str(&catalog.plain(lang, s.message_key()))),
            ],
        ),
        None => catalog.text(lang, "status-not-found", &[("code", Arg::Str(code.as_str()))]),
    };
    Reply::Text { body }
}

#[cfg(test)]
mod tests {
    use super::paginate;

    #[test]
    fn pages_hold_at_most_ten_rows_with_navigation() {
        for extras in 0..=1 {
            for total in 1..80 {
                let pages = paginate(total, extras);
                let covered: usize = pages.iter().map(|p| p.len()).sum();
                assert_eq!(covered, total);
                for (i, p) in pages.iter().enumerate() {
                    let nav = usize::from(i > 0) + usize::from(i + 1 < pages.len());
                    assert!(p.len() + nav + extras <= 10, "total {total} page {i}");
                    assert!(!p.is_empty());
                }
            }
        }
        assert_eq!(paginate(18, 0), vec![0..9, 9..18]);
        assert_eq!(paginate(3, 0), vec![0..3]);
    }
}
