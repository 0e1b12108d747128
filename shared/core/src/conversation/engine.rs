//! The engine: one inbound message in, the next state, replies and effects out.

use super::model::*;
use super::render::{EDIT_CHOICES, TIME_CHOICES, Ui, example_code, language_prompt, parse_choice_id};
use crate::Lang;
use crate::i18n::Arg;
use crate::ids::{ReferenceCode, ReportId};
use crate::report::{DetailItem, IncidentPlace, MediaKind, Report, ReportStatus, StationChoice};
use crate::text::{Match, best_match, clip, fold_key};
use crate::triage::disclosure::self_disclosures;

/// Advances `conversation` by one inbound message. Pure: the same inputs give the same
/// outcome, and no input makes it panic.
pub fn step(conversation: &Conversation, inbound: &Inbound, ctx: &StepContext<'_>) -> Outcome {
    let mut engine = Engine {
        ctx,
        conv: conversation.clone(),
        replies: vec![],
        effects: vec![],
        lead: vec![],
    };
    engine.run(inbound);
    Outcome {
        conversation: engine.conv,
        replies: engine.replies,
        effects: engine.effects,
    }
}

/// Names of the languages as people type them, in any script.
const LANGUAGE_WORDS: [(Lang, &[&str]); 3] = [
    (Lang::Hi, &["hindi", "हिंदी", "हिन्दी", "hindee", "ہندی", "1"]),
    (
        Lang::En,
        &["english", "angrezi", "angreji", "अंग्रेजी", "अंग्रेज़ी", "انگریزی", "eng", "2"],
    ),
    (Lang::Ur, &["urdu", "उर्दू", "اردو", "3"]),
];

/// A typed message of at least this many words, sent where no answer was expected, is
/// taken as the start of a report rather than as a wrong answer: a frightened citizen
/// who just types what happened should not lose it.
const REPORT_LIKE_WORDS: usize = 4;

struct Engine<'a> {
    ctx: &'a StepContext<'a>,
    conv: Conversation,
    replies: Vec<Reply>,
    effects: Vec<Effect>,
    /// Lead-in lines for the next prompt (acknowledgements, explanations).
    lead: Vec<String>,
}

/// What the citizen answered at a prompt: a tapped action or typed text.
#[derive(Clone, Copy)]
enum Answer<'t> {
    Action(&'t str),
    Typed(&'t str),
}

impl<'a> Engine<'a> {
    fn lang(&self) -> Lang {
        self.conv.lang.unwrap_or(Lang::Hi)
    }

    fn ui(&self) -> Ui<'a> {
        Ui {
            ctx: self.ctx,
            lang: self.lang(),
            seq: self.conv.menu_seq,
        }
    }

    fn t(&self, key: &str) -> String {
        self.ctx.catalog.plain(self.lang(), key)
    }

    fn ta(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.ctx.catalog.text(self.lang(), key, args)
    }

    fn kw(&self, key: &str, text: &str) -> bool {
        self.ctx.catalog.is_keyword(key, text)
    }

    /// Moves to `stage`; a new kind of menu gets a new sequence number, so taps on the
    /// previous menus are recognised as stale.
    fn go(&mut self, stage: Stage) {
        if !stage.same_kind(&self.conv.stage) {
            self.conv.menu_seq = self.conv.menu_seq.wrapping_add(1);
        }
        self.conv.stage = stage;
    }

    fn say(&mut self, text: String) {
        self.lead.push(text);
    }

    /// Sends the current stage's prompt, with any pending lead-in.
    fn prompt(&mut self) {
        let lead = std::mem::take(&mut self.lead).join("\n\n");
        let reply = if self.conv.lang.is_none() {
            if self.conv.stage != Stage::ChooseLanguage {
                self.go(Stage::ChooseLanguage);
            }
            language_prompt(self.ctx, self.conv.menu_seq, None)
        } else {
            self.ui().prompt(&self.conv, Some(&lead))
        };
        self.replies.push(reply);
    }

    fn run(&mut self, inbound: &Inbound) {
        let now = self.ctx.now;
        match self.conv.allowance.admit(now) {
            Admission::Answer => {}
            Admission::Warn => {
                self.replies.push(Reply::Text {
                    body: self.t("slow-down"),
                });
                return;
            }
            Admission::Ignore => return,
        }
        self.expire_idle_draft();
        self.conv.last_inbound_at = Some(self.conv.last_inbound_at.map_or(now, |t| t.max(now)));
        self.conv.questions.retain(|q| q.is_open(now));
        if let InboundContent::Media {
            kind,
            wa_media_id,
            mime_type,
            caption,
        } = &inbound.content
            && self.answering()
        {
            let caption = caption.as_deref().map(|c| clip(c, MAX_TEXT_CHARS));
            return self.attach_answer(
                caption.unwrap_or_default(),
                Some((
                    inbound.message_id.clone(),
                    *kind,
                    wa_media_id.clone(),
                    mime_type.clone(),
                )),
            );
        }
        match &inbound.content {
            InboundContent::Text(text) => self.on_text(text),
            InboundContent::Choice { id, title } => self.on_choice(id, title),
            InboundContent::Media {
                kind,
                wa_media_id,
                mime_type,
                caption,
            } => {
                let item = DetailItem::Media {
                    kind: *kind,
                    media_key: inbound.message_id.clone(),
                    wa_media_id: wa_media_id.clone(),
                    mime_type: mime_type.clone(),
                    caption: caption.as_deref().map(|c| clip(c, MAX_TEXT_CHARS)),
                    at: now,
                };
                self.on_evidence(item);
            }
            InboundContent::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                let pin = IncidentPlace::Pin {
                    latitude: *latitude,
                    longitude: *longitude,
                    name: name.as_deref().map(|n| clip(n, MAX_PLACE_CHARS)),
                    address: address.as_deref().map(|a| clip(a, MAX_PLACE_CHARS)),
                };
                self.on_location(pin);
            }
            InboundContent::Sticker => self.explain("details-sticker"),
            InboundContent::Contacts => self.explain("details-contacts"),
            InboundContent::Reaction { removed } => {
                // A reaction outside a report (say, a 👍 to the confirmation) needs no answer.
                if !removed && self.conv.stage != Stage::Idle {
                    self.explain("reaction-note");
                }
            }
            InboundContent::Unsupported { too_large: true } => self.explain("media-too-large"),
            InboundContent::Unsupported { too_large: false } => self.explain("unsupported"),
        }
    }

    /// Discards a draft idle for longer than [`DRAFT_TTL_SECS`], and tells the citizen.
    fn expire_idle_draft(&mut self) {
        if std::mem::take(&mut self.conv.draft_expired) && self.conv.lang.is_some() {
            // The sweep got there first; the informant hears it all the same.
            self.say(self.t("draft-expired"));
        }
        let Some(last) = self.conv.last_inbound_at else { return };
        if self.ctx.now - last <= DRAFT_TTL_SECS {
            return;
        }
        if let Some(draft) = self.conv.draft.take() {
            self.effects.push(Effect::DiscardDraft {
                report_id: draft.report_id,
            });
            if self.conv.lang.is_some() {
                self.say(self.t("draft-expired"));
            }
        }
        if self.conv.stage != Stage::Idle {
            self.go(Stage::Idle);
        }
    }

    /// Something we cannot use: say why, then repeat the current question.
    fn explain(&mut self, key: &str) {
        if self.conv.lang.is_some() {
            self.say(self.t(key));
        }
        self.prompt();
    }

    // ---- typed text -------------------------------------------------------------

    fn on_text(&mut self, raw: &str) {
        let text = raw.trim();
        if text.is_empty() {
            return self.explain("not-understood");
        }
        let poster = self.find_poster(text);
        if let Some(p) = &poster {
            self.conv.poster = Some(p.clone());
        }
        if self.conv.lang.is_none() {
            return self.before_language(text, poster.is_some());
        }
        if let Some(code) = self.status_command(text) {
            return self.status_lookup(code);
        }
        if self.kw("kw-cancel", text) {
            return self.cancel();
        }
        if self.kw("kw-menu", text) {
            self.go(Stage::Menu);
            return self.prompt();
        }
        if self.kw("kw-help", text) {
            self.replies.push(Reply::Text { body: self.t("help") });
            return self.prompt();
        }
        if self.kw("kw-language", text) {
            self.go(Stage::ChooseLanguage);
            return self.prompt();
        }
        if poster.is_some() || self.kw("kw-greeting", text) {
            return self.greet();
        }
        if let Some((id, title)) = self.typed_option(text) {
            // The citizen typed an option's number or its title: the same as a tap.
            return self.on_choice(&id, &title);
        }
        if self.answering() && !self.kw("kw-new", text) {
            return self.attach_answer(clip(text, MAX_TEXT_CHARS), None);
        }
        self.answer(Answer::Typed(text));
    }

    /// Whether the informant's message answers an officer's question: one is open, and
    /// no report is being written (a draft's words belong to the draft).
    fn answering(&self) -> bool {
        self.conv.lang.is_some()
            && matches!(self.conv.stage, Stage::Idle | Stage::Menu)
            && !self.conv.questions.is_empty()
    }

    /// Attaches the message to the newest open question's report, and thanks the
    /// informant; an answer that seems to identify them is held until they say.
    fn attach_answer(&mut self, text: String, media: Option<(String, MediaKind, String, Option<String>)>) {
        let found = self_disclosures(&text);
        if !found.is_empty() {
            self.conv.held_answer = Some(HeldAnswer { text, media });
            self.go(Stage::ConfirmAnswer);
            return self.prompt();
        }
        self.send_answer(text, media);
    }

    fn send_answer(&mut self, text: String, media: Option<(String, MediaKind, String, Option<String>)>) {
        let now = self.ctx.now;
        let Some(question) = self.conv.questions.last_mut() else {
            return self.prompt();
        };
        question.answered_at = Some(now);
        let (report_id, reference, entry) = (
            question.report_id.clone(),
            question.reference.clone(),
            question.entry_id.clone(),
        );
        let mut media_keys = vec![];
        if let Some((media_key, kind, wa_media_id, mime_type)) = media {
            media_keys.push(media_key.clone());
            self.effects.push(Effect::FetchMedia {
                report_id: report_id.clone(),
                media_key,
                wa_media_id,
                kind,
                mime_type,
            });
        }
        self.effects.push(Effect::AttachAnswer {
            report_id,
            question: entry,
            text,
            media_keys,
        });
        self.replies.push(Reply::Text {
            body: self.ta("answer-received", &[("code", Arg::Str(reference.as_str()))]),
        });
    }

    /// The option of the current prompt that `text` names: its position ("3", "३",
    /// "۳", "3.") or its title in any of the languages. Not while details or a
    /// reference code are being typed, where a number is the citizen's own words.
    fn typed_option(&self, text: &str) -> Option<(String, String)> {
        if matches!(self.conv.stage, Stage::Details | Stage::AskStatusCode) || self.conv.lang.is_none() {
            return None;
        }
        let options = |lang: Lang| -> Vec<(String, String)> {
            let ui = Ui {
                ctx: self.ctx,
                lang,
                seq: self.conv.menu_seq,
            };
            match ui.prompt(&self.conv, None) {
                Reply::Buttons { buttons, .. } => buttons.into_iter().map(|b| (b.id, b.title)).collect(),
                Reply::List { rows, .. } => rows.into_iter().map(|r| (r.id, r.title)).collect(),
                Reply::Text { .. } => vec![],
            }
        };
        let shown = options(self.lang());
        if let Some(n) = typed_number(text) {
            return n.checked_sub(1).and_then(|i| shown.get(i)).cloned();
        }
        let typed = fold_key(text);
        if typed.is_empty() {
            return None;
        }
        Lang::ALL.iter().find_map(|&lang| {
            let titles = if lang == self.lang() {
                shown.clone()
            } else {
                options(lang)
            };
            // Positions are the same in every language; the id is the one shown.
            titles
                .iter()
                .position(|(_, title)| fold_key(title) == typed)
                .and_then(|i| shown.get(i))
                .cloned()
        })
    }

    /// Before a language is chosen, every message leads to the language question; a
    /// report-like text is kept for the report.
    fn before_language(&mut self, text: &str, is_poster: bool) {
        if let Some(lang) = language_named(text).filter(|_| self.conv.stage == Stage::ChooseLanguage) {
            return self.choose_language(lang);
        }
        let is_command = self.kw("kw-greeting", text) || is_poster;
        if !is_command && text.split_whitespace().count() >= REPORT_LIKE_WORDS {
            self.keep_text(text);
        }
        self.go(Stage::ChooseLanguage);
        self.prompt();
    }

    /// A QR poster's prefilled text, such as `Hi JNP-12`: a district code and station
    /// number anywhere in a short greeting.
    fn find_poster(&self, text: &str) -> Option<(String, u16)> {
        if text.chars().count() > 40 {
            return None;
        }
        text.split(|c: char| c.is_whitespace() || c == ',' || c == '!')
            .find_map(|word| self.ctx.range.poster_station(word))
            .map(|(d, s)| (d.code.clone(), s.n))
    }

    /// `status <code>` (any language's word), or a bare reference code.
    fn status_command(&self, text: &str) -> Option<Result<ReferenceCode, ()>> {
        let folded = fold_key(text);
        for word in self.ctx.catalog.keywords("kw-status") {
            if let Some(rest) = folded.strip_prefix(word.as_str()).and_then(|r| r.strip_prefix(' ')) {
                return Some(ReferenceCode::parse(rest).ok_or(()));
            }
        }
        // A bare code is a status request only outside a report: while reporting, text
        // that looks like a code (a vehicle number, say) is evidence.
        if self.conv.stage.needs_draft() {
            return None;
        }
        let bare = ReferenceCode::parse(text).filter(|c| {
            c.as_str()
                .split('-')
                .next()
                .is_some_and(|d| self.ctx.range.district(d).is_some())
        });
        bare.map(Ok)
    }

    fn status_lookup(&mut self, code: Result<ReferenceCode, ()>) {
        match code {
            Ok(code) => {
                self.effects.push(Effect::LookupStatus {
                    code,
                    lang: self.lang(),
                });
                // The answer comes from the caller; afterwards nothing is pending except
                // a draft, which the next message resumes.
                if !self.conv.stage.needs_draft() {
                    self.go(Stage::Idle);
                }
            }
            Err(()) => {
                let example = example_code(self.ctx, &self.conv);
                self.say(self.ta("status-invalid", &[("example", Arg::Str(&example))]));
                self.go(Stage::AskStatusCode);
                self.prompt();
            }
        }
    }

    fn greet(&mut self) {
        if self.conv.draft.is_some() {
            self.say(self.t("resume-draft"));
            return self.resume();
        }
        self.go(Stage::Menu);
        self.prompt();
    }

    fn cancel(&mut self) {
        match self.conv.draft.take() {
            Some(draft) => {
                self.effects.push(Effect::DiscardDraft {
                    report_id: draft.report_id,
                });
                self.say(self.t("cancelled"));
            }
            None => self.say(self.t("nothing-to-cancel")),
        }
        self.go(Stage::Menu);
        self.prompt();
    }

    // ---- taps ---------------------------------------------------------------------

    fn on_choice(&mut self, id: &str, title: &str) {
        let Some((seq, action)) = parse_choice_id(id) else {
            // Not one of our ids (a template's quick reply, a forged id): the title is
            // what the citizen saw and tapped, so treat it as typed.
            return self.on_text(title);
        };
        if let Some(lang) = action.strip_prefix("lang:").and_then(Lang::from_code) {
            // Choosing a language is safe from any menu, however old.
            return self.choose_language(lang);
        }
        if seq != self.conv.menu_seq || self.conv.lang.is_none() {
            if self.conv.lang.is_some() {
                self.say(self.t("stale-menu"));
            }
            return self.prompt();
        }
        if action == "sum:cancel" {
            return self.cancel();
        }
        self.answer(Answer::Action(action));
    }

    fn choose_language(&mut self, lang: Lang) {
        self.conv.lang = Some(lang);
        self.say(self.t("language-set"));
        if self.conv.draft.is_some() {
            return self.resume();
        }
        self.go(Stage::Menu);
        self.prompt();
    }

    // ---- answers at the current prompt --------------------------------------------

    fn answer(&mut self, answer: Answer<'_>) {
        let handled = match self.conv.stage.clone() {
            Stage::Idle => self.at_menu(answer, true),
            Stage::ChooseLanguage => match answer {
                Answer::Typed(t) => language_named(t).map(|l| self.choose_language(l)).is_some(),
                Answer::Action(_) => false,
            },
            Stage::Menu => self.at_menu(answer, false),
            Stage::ChooseDistrict { page } => self.at_district(answer, page),
            Stage::ChooseStation { page } => self.at_station(answer, Some(page)),
            Stage::PickStation { .. } => self.at_station(answer, None),
            Stage::ChooseCategory { page } => self.at_category(answer, page),
            Stage::Details => self.at_details(answer),
            Stage::AskLocation => self.at_location(answer),
            Stage::AskTime => self.at_time(answer),
            Stage::Summary => self.at_summary(answer),
            Stage::EditMenu => self.at_edit(answer),
            Stage::AskStatusCode => match answer {
                Answer::Typed(t) => {
                    self.status_lookup(ReferenceCode::parse(t).ok_or(()));
                    true
                }
                Answer::Action(_) => false,
            },
            Stage::ConfirmDisclosure { item } => self.at_disclosure(answer, item),
            Stage::ConfirmAnswer => self.at_held_answer(answer),
        };
        if !handled {
            self.say(self.t("not-understood"));
            self.prompt();
        }
    }

    fn at_menu(&mut self, answer: Answer<'_>, idle: bool) -> bool {
        let pick = match answer {
            Answer::Action("menu:new") => 1,
            Answer::Action("menu:status") => 2,
            Answer::Action("menu:privacy") => 3,
            Answer::Action(_) => 0,
            Answer::Typed(t) if t == "1" || self.kw("kw-new", t) => 1,
            Answer::Typed(t) if t == "2" || self.kw("kw-status", t) => 2,
            Answer::Typed(t) if t == "3" || self.kw("kw-privacy", t) => 3,
            Answer::Typed(t) if t.split_whitespace().count() >= REPORT_LIKE_WORDS => {
                self.keep_text(t);
                self.say(self.t("free-text-kept"));
                self.resume();
                return true;
            }
            Answer::Typed(_) => 0,
        };
        match pick {
            1 => self.new_report(),
            2 => {
                self.go(Stage::AskStatusCode);
                self.prompt();
            }
            3 => {
                self.replies.push(Reply::Text {
                    body: self.t("privacy-info"),
                });
                self.go(Stage::Menu);
                self.prompt();
            }
            // At rest, anything unrecognised simply brings up the menu.
            _ if idle => {
                self.go(Stage::Menu);
                self.prompt();
            }
            _ => return false,
        }
        true
    }

    /// Starts a report, or resumes the one in progress.
    fn new_report(&mut self) {
        if self.conv.draft.is_some() {
            self.say(self.t("resume-draft"));
        } else {
            self.conv.draft = Some(self.fresh_draft());
        }
        self.resume();
    }

    fn fresh_draft(&self) -> Draft {
        let e = &self.ctx.entropy;
        let mut id_bytes = [0u8; 16];
        id_bytes.copy_from_slice(&e[..16]);
        let mut suffix = [0u8; 4];
        suffix.copy_from_slice(&e[16..20]);
        let (district, station) = match &self.conv.poster {
            Some((d, n)) if self.ctx.range.poster_station(&format!("{d}-{n}")).is_some() => {
                (Some(d.clone()), Some(StationChoice::Known(*n)))
            }
            _ => (None, None),
        };
        Draft {
            report_id: ReportId::from_entropy(&id_bytes),
            reference_suffix_entropy: suffix,
            via_poster: district.is_some(),
            district,
            station,
            category: None,
            items: vec![],
            details_done: false,
            place: None,
            place_answered: false,
            when: None,
            started_at: self.ctx.now,
            guard_fired: vec![],
            guard_reviewed: 0,
            place_reviewed: false,
        }
    }

    /// The draft, started now if there is none (evidence may arrive before "new report").
    fn draft_mut(&mut self) -> &mut Draft {
        let fresh = self.fresh_draft();
        self.conv.draft.get_or_insert(fresh)
    }

    /// Goes to the first unanswered question of the draft (all answered: the summary).
    fn resume(&mut self) {
        if let Some(item) = self.flagged() {
            self.go(Stage::ConfirmDisclosure { item });
            return self.prompt();
        }
        let next = match &self.conv.draft {
            None => Stage::Menu,
            Some(d) if d.district.is_none() => Stage::ChooseDistrict { page: 0 },
            Some(d) if d.station.is_none() => Stage::ChooseStation { page: 0 },
            Some(d) if d.category.is_none() => Stage::ChooseCategory { page: 0 },
            Some(d) if !d.details_done || d.items.is_empty() => Stage::Details,
            Some(d) if !d.place_answered => Stage::AskLocation,
            Some(d) if d.when.is_none() => Stage::AskTime,
            Some(_) => Stage::Summary,
        };
        self.go(next);
        self.prompt();
    }

    fn keep_text(&mut self, text: &str) {
        let now = self.ctx.now;
        let draft = self.draft_mut();
        if draft.items.len() < MAX_ITEMS {
            draft.items.push(DetailItem::Text {
                body: clip(text, MAX_TEXT_CHARS),
                at: now,
            });
        }
    }

    fn at_district(&mut self, answer: Answer<'_>, page: u16) -> bool {
        let range = self.ctx.range;
        let chosen = match answer {
            Answer::Action("d:more") => {
                return self.turn_page(Stage::ChooseDistrict {
                    page: page.saturating_add(1),
                });
            }
            Answer::Action("d:back") => {
                return self.turn_page(Stage::ChooseDistrict {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Action(a) => a.strip_prefix("d:").and_then(|c| range.district(c)),
            Answer::Typed(t) if self.kw("kw-more", t) => {
                return self.turn_page(Stage::ChooseDistrict {
                    page: page.saturating_add(1),
                });
            }
            Answer::Typed(t) if self.kw("kw-back", t) => {
                return self.turn_page(Stage::ChooseDistrict {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Typed(t) => match best_match(t, range.districts.iter().map(|d| d.match_names())) {
                Match::One(i) => range.districts.get(i),
                _ => {
                    self.say(self.t("district-not-found"));
                    self.prompt();
                    return true;
                }
            },
        };
        let Some(district) = chosen else { return false };
        let draft = self.draft_mut();
        draft.district = Some(district.code.clone());
        draft.station = None;
        draft.via_poster = false;
        self.resume();
        true
    }

    fn turn_page(&mut self, stage: Stage) -> bool {
        let clamped = match stage {
            Stage::ChooseDistrict { page } => Stage::ChooseDistrict {
                page: page.min(self.pages_of(&stage) - 1),
            },
            Stage::ChooseStation { page } => Stage::ChooseStation {
                page: page.min(self.pages_of(&stage) - 1),
            },
            Stage::ChooseCategory { page } => Stage::ChooseCategory {
                page: page.min(self.pages_of(&stage) - 1),
            },
            other => other,
        };
        self.go(clamped);
        self.prompt();
        true
    }

    /// How many pages the list of `stage` has (at least one).
    fn pages_of(&self, stage: &Stage) -> u16 {
        let (total, extras) = match stage {
            Stage::ChooseDistrict { .. } => (self.ctx.range.districts.len(), 0),
            Stage::ChooseStation { .. } => (self.current_district().map_or(0, |d| d.active_stations().count()), 1),
            Stage::ChooseCategory { .. } => (self.ctx.range.categories.len(), 0),
            _ => (0, 0),
        };
        u16::try_from(super::render::paginate(total, extras).len())
            .unwrap_or(1)
            .max(1)
    }

    fn current_district(&self) -> Option<&'a crate::range::District> {
        let code = self.conv.draft.as_ref()?.district.as_deref()?;
        self.ctx.range.district(code)
    }

    fn at_station(&mut self, answer: Answer<'_>, page: Option<u16>) -> bool {
        let Some(district) = self.current_district() else {
            // Cannot happen in a valid state; recover by asking for the district.
            self.go(Stage::ChooseDistrict { page: 0 });
            self.prompt();
            return true;
        };
        let page = page.unwrap_or(0);
        let choice = match answer {
            Answer::Action("s:more") => {
                return self.turn_page(Stage::ChooseStation {
                    page: page.saturating_add(1),
                });
            }
            Answer::Action("s:back") => {
                return self.turn_page(Stage::ChooseStation {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Action("s:dk") => StationChoice::DontKnow,
            Answer::Action(a) => match a.strip_prefix("s:").and_then(|n| n.parse::<u16>().ok()) {
                Some(n) if district.station(n).is_some_and(|s| s.active) => StationChoice::Known(n),
                _ => return false,
            },
            Answer::Typed(t) if self.kw("kw-dont-know", t) => StationChoice::DontKnow,
            Answer::Typed(t) if self.kw("kw-more", t) => {
                return self.turn_page(Stage::ChooseStation {
                    page: page.saturating_add(1),
                });
            }
            Answer::Typed(t) if self.kw("kw-back", t) => {
                return self.turn_page(Stage::ChooseStation {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Typed(t) => {
                let stations: Vec<_> = district.active_stations().collect();
                match best_match(t, stations.iter().map(|s| s.match_names())) {
                    Match::One(i) => StationChoice::Known(stations[i].n),
                    Match::Many(found) => {
                        let candidates = found.iter().map(|i| stations[*i].n).take(9).collect();
                        self.go(Stage::PickStation { candidates });
                        self.prompt();
                        return true;
                    }
                    Match::None => {
                        let name = district.name.get(self.lang()).to_string();
                        self.say(self.ta("station-not-found", &[("district", Arg::Str(&name))]));
                        self.go(Stage::ChooseStation { page });
                        self.prompt();
                        return true;
                    }
                }
            }
        };
        self.draft_mut().station = Some(choice);
        self.resume();
        true
    }

    fn at_category(&mut self, answer: Answer<'_>, page: u16) -> bool {
        let range = self.ctx.range;
        let chosen = match answer {
            Answer::Action("c:more") => {
                return self.turn_page(Stage::ChooseCategory {
                    page: page.saturating_add(1),
                });
            }
            Answer::Action("c:back") => {
                return self.turn_page(Stage::ChooseCategory {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Action(a) => a.strip_prefix("c:").and_then(|c| range.category(c)),
            Answer::Typed(t) if self.kw("kw-more", t) => {
                return self.turn_page(Stage::ChooseCategory {
                    page: page.saturating_add(1),
                });
            }
            Answer::Typed(t) if self.kw("kw-back", t) => {
                return self.turn_page(Stage::ChooseCategory {
                    page: page.saturating_sub(1),
                });
            }
            Answer::Typed(t) => match best_match(t, range.categories.iter().map(|c| c.match_names())) {
                Match::One(i) => range.categories.get(i),
                _ => {
                    self.say(self.t("category-not-found"));
                    self.prompt();
                    return true;
                }
            },
        };
        let Some(category) = chosen else { return false };
        self.draft_mut().category = Some(category.id.clone());
        self.resume();
        true
    }

    fn at_details(&mut self, answer: Answer<'_>) -> bool {
        let finished = match answer {
            Answer::Action("done") => true,
            Answer::Action(_) => return false,
            Answer::Typed(t) => self.kw("kw-done", t),
        };
        if finished {
            if self.conv.draft.as_ref().is_some_and(|d| d.items.is_empty()) {
                self.say(self.t("details-empty"));
                self.prompt();
            } else {
                self.draft_mut().details_done = true;
                self.resume();
            }
            return true;
        }
        if let Answer::Typed(text) = answer {
            let item = DetailItem::Text {
                body: clip(text, MAX_TEXT_CHARS),
                at: self.ctx.now,
            };
            self.on_evidence(item);
        }
        true
    }

    /// The next of the informant's own words (a draft item, a caption, the typed place)
    /// the guard has not looked at that seems to identify them, if any; the rest is
    /// marked looked at. Only once a language is chosen: the warning must be understood.
    fn flagged(&mut self) -> Option<u16> {
        self.conv.lang?;
        let draft = self.conv.draft.as_mut()?;
        while usize::from(draft.guard_reviewed) < draft.items.len() {
            let words = match &draft.items[usize::from(draft.guard_reviewed)] {
                DetailItem::Text { body, .. } => Some(body.as_str()),
                DetailItem::Media { caption, .. } => caption.as_deref(),
            };
            let found = words.map_or_else(Vec::new, self_disclosures);
            if !found.is_empty() {
                note_fired(&mut draft.guard_fired, found);
                return Some(draft.guard_reviewed);
            }
            draft.guard_reviewed = draft.guard_reviewed.saturating_add(1);
        }
        if !draft.place_reviewed {
            let found = match &draft.place {
                Some(IncidentPlace::Typed { text }) => self_disclosures(text),
                _ => vec![],
            };
            if !found.is_empty() {
                note_fired(&mut draft.guard_fired, found);
                return Some(PLACE_ITEM);
            }
            draft.place_reviewed = true;
        }
        None
    }

    /// The answer to the self-disclosure guard's question about draft item `item` (or
    /// the typed place).
    fn at_disclosure(&mut self, answer: Answer<'_>, item: u16) -> bool {
        let drop = match answer {
            Answer::Action("guard:drop") => true,
            Answer::Action("guard:keep") => false,
            Answer::Action(_) => return false,
            Answer::Typed(t) if self.kw("kw-remove", t) => true,
            Answer::Typed(t) if self.kw("kw-keep", t) => false,
            Answer::Typed(text) if item != PLACE_ITEM => {
                // More words rather than an answer: kept as details too; the guard
                // asks about the flagged message again, then about these in turn.
                self.go(Stage::Details);
                self.on_evidence(DetailItem::Text {
                    body: clip(text, MAX_TEXT_CHARS),
                    at: self.ctx.now,
                });
                return true;
            }
            Answer::Typed(_) => return false,
        };
        let draft = self.draft_mut();
        let said = if item == PLACE_ITEM {
            if drop {
                draft.place = None;
                draft.place_answered = false;
            }
            draft.place_reviewed = !drop;
            if drop { "guard-removed" } else { "guard-kept" }
        } else {
            let index = usize::from(item);
            draft.guard_reviewed = item.saturating_add(1);
            match draft.items.get_mut(index) {
                Some(DetailItem::Media { caption, .. }) if drop => {
                    // The picture is evidence; the words under it were the risk.
                    *caption = None;
                    "guard-caption-removed"
                }
                Some(DetailItem::Text { .. }) if drop => {
                    draft.items.remove(index);
                    draft.guard_reviewed = item;
                    "guard-removed"
                }
                Some(_) => "guard-kept",
                // Nothing there (a stale question): nothing to remove.
                None => "guard-kept",
            }
        };
        self.say(self.t(said));
        self.resume();
        true
    }

    /// The answer to the guard's question about a held answer to an officer.
    fn at_held_answer(&mut self, answer: Answer<'_>) -> bool {
        let send = match answer {
            Answer::Action("guard:drop") => false,
            Answer::Action("guard:keep") => true,
            Answer::Action(_) => return false,
            Answer::Typed(t) if self.kw("kw-remove", t) => false,
            Answer::Typed(t) if self.kw("kw-keep", t) => true,
            Answer::Typed(text) => {
                // Other words: a new answer, which replaces the held one.
                self.conv.held_answer = None;
                self.go(Stage::Idle);
                self.attach_answer(clip(text, MAX_TEXT_CHARS), None);
                return true;
            }
        };
        let held = self.conv.held_answer.take();
        self.go(Stage::Idle);
        match held {
            Some(held) if send => self.send_answer(held.text, held.media),
            _ => self.replies.push(Reply::Text {
                body: self.t("guard-answer-dropped"),
            }),
        }
        true
    }

    /// Text or media offered as evidence: kept in the draft wherever the conversation is.
    fn on_evidence(&mut self, item: DetailItem) {
        let had_draft = self.conv.draft.is_some();
        let full =
            self.conv.draft.as_ref().is_some_and(|d| {
                d.items.len() >= MAX_ITEMS || d.text_bytes() + item.text_bytes() > MAX_DRAFT_TEXT_BYTES
            });
        if full {
            self.say(self.ta("details-full", &[("max", Arg::Num(MAX_ITEMS as i64))]));
            return self.prompt();
        }
        let what = match &item {
            DetailItem::Text { .. } => "what-text",
            DetailItem::Media { kind, .. } => match kind {
                MediaKind::Photo => "what-photo",
                MediaKind::Voice => "what-voice",
                MediaKind::Audio => "what-audio",
                MediaKind::Video => "what-video",
                MediaKind::Document => "what-document",
            },
        };
        if let DetailItem::Media {
            kind,
            media_key,
            wa_media_id,
            mime_type,
            ..
        } = &item
        {
            let report_id = self.draft_mut().report_id.clone();
            self.effects.push(Effect::FetchMedia {
                report_id,
                media_key: media_key.clone(),
                wa_media_id: wa_media_id.clone(),
                kind: *kind,
                mime_type: mime_type.clone(),
            });
        }
        let draft = self.draft_mut();
        draft.items.push(item);
        let count = draft.items.len() as i64;
        if self.conv.lang.is_none() {
            // Kept; the report continues once a language is chosen.
            return self.prompt();
        }
        let mut ack = self.ta(
            "details-received",
            &[("what", Arg::Str(&self.t(what))), ("count", Arg::Num(count))],
        );
        if what == "what-document" {
            // Document properties (author names) cannot be removed; say so at once.
            ack = format!("{ack}\n\n{}", self.t("document-warning"));
        }
        if let Some(flagged) = self.flagged() {
            // The self-disclosure guard: warn now, and offer to take the words out
            // before anything is submitted.
            if !had_draft {
                self.say(self.t("free-text-kept"));
            }
            self.say(ack);
            self.go(Stage::ConfirmDisclosure { item: flagged });
            return self.prompt();
        }
        if self.conv.stage == Stage::Details {
            let reply = self.ui().details_buttons(ack);
            self.replies.push(reply);
        } else if self.conv.stage.needs_draft() {
            // Evidence sent while answering another question is kept; ask that question again.
            self.say(ack);
            self.prompt();
        } else {
            if !had_draft {
                self.say(self.t("free-text-kept"));
            }
            self.resume();
        }
    }

    fn on_location(&mut self, pin: IncidentPlace) {
        if self.conv.lang.is_none() {
            let draft = self.draft_mut();
            draft.place = Some(pin);
            draft.place_answered = true;
            return self.prompt();
        }
        let had_draft = self.conv.draft.is_some();
        let draft = self.draft_mut();
        draft.place = Some(pin);
        draft.place_answered = true;
        let ack = self.t("location-received");
        match self.conv.stage {
            Stage::Details => {
                let count = self.conv.draft.as_ref().map_or(0, |d| d.items.len() as i64);
                let body = format!(
                    "{ack}\n\n{}",
                    self.ta(
                        "details-received",
                        &[("what", Arg::Str(&self.t("what-location"))), ("count", Arg::Num(count))]
                    )
                );
                let reply = self.ui().details_buttons(body);
                self.replies.push(reply);
            }
            Stage::AskLocation => {
                self.say(ack);
                self.resume();
            }
            ref s if s.needs_draft() => {
                self.say(ack);
                self.prompt();
            }
            _ => {
                if !had_draft {
                    self.say(self.t("free-text-kept"));
                }
                self.resume();
            }
        }
    }

    fn at_location(&mut self, answer: Answer<'_>) -> bool {
        let place = match answer {
            Answer::Action("loc:skip") => None,
            Answer::Action(_) => return false,
            Answer::Typed(t) if self.kw("kw-skip", t) => None,
            Answer::Typed(t) => Some(IncidentPlace::Typed {
                text: clip(t, MAX_PLACE_CHARS),
            }),
        };
        if place.is_some() {
            self.say(self.t("location-received"));
        }
        let draft = self.draft_mut();
        draft.place = place;
        draft.place_answered = true;
        draft.place_reviewed = false;
        self.resume();
        true
    }

    fn at_time(&mut self, answer: Answer<'_>) -> bool {
        let keys = ["kw-today", "kw-yesterday", "kw-earlier", "kw-time-unknown"];
        let chosen = TIME_CHOICES
            .iter()
            .zip(keys)
            .enumerate()
            .find_map(|(i, ((action, _, value), kw))| {
                let hit = match answer {
                    Answer::Action(a) => a == *action,
                    Answer::Typed(t) => self.kw(kw, t) || t == (i + 1).to_string(),
                };
                hit.then_some(*value)
            });
        let Some(when) = chosen else { return false };
        self.draft_mut().when = Some(when);
        self.resume();
        true
    }

    fn at_summary(&mut self, answer: Answer<'_>) -> bool {
        match answer {
            Answer::Action("sum:submit") => self.submit(),
            Answer::Action("sum:edit") => {
                self.go(Stage::EditMenu);
                self.prompt();
            }
            Answer::Typed(t) if self.kw("kw-submit", t) => self.submit(),
            Answer::Typed(t) if self.kw("kw-edit", t) => {
                self.go(Stage::EditMenu);
                self.prompt();
            }
            _ => return false,
        }
        true
    }

    fn at_edit(&mut self, answer: Answer<'_>) -> bool {
        let action = match answer {
            Answer::Action(a) => EDIT_CHOICES.iter().find(|(act, _)| *act == a).map(|(act, _)| *act),
            Answer::Typed(t) => {
                let lang = self.lang();
                let catalog = self.ctx.catalog;
                let names: Vec<Vec<String>> = EDIT_CHOICES
                    .iter()
                    .map(|(_, key)| {
                        Lang::ALL
                            .iter()
                            .map(|l| catalog.plain(*l, key))
                            .chain([lang.code().into()])
                            .collect()
                    })
                    .collect();
                match best_match(t, names.iter().map(|n| n.iter().map(String::as_str))) {
                    Match::One(i) => Some(EDIT_CHOICES[i].0),
                    _ => None,
                }
            }
        };
        let Some(action) = action else { return false };
        let draft = self.draft_mut();
        match action {
            "e:place" => {
                draft.district = None;
                draft.station = None;
                draft.via_poster = false;
            }
            "e:category" => draft.category = None,
            "e:details" => draft.details_done = false,
            "e:location" => {
                draft.place = None;
                draft.place_answered = false;
            }
            "e:time" => draft.when = None,
            _ => {}
        }
        self.resume();
        true
    }

    fn submit(&mut self) {
        let Some(draft) = self.conv.draft.clone().filter(Draft::is_complete) else {
            return self.resume();
        };
        let (Some(district), Some(station), Some(category)) =
            (draft.district.clone(), draft.station, draft.category.clone())
        else {
            return self.resume();
        };
        let day = self
            .ctx
            .now
            .saturating_add(i64::from(self.ctx.range.range.utc_offset_minutes) * 60)
            .div_euclid(86_400);
        if !self.conv.allowance.take_report(day) {
            // The draft is kept: it can be sent tomorrow.
            self.replies.push(Reply::Text {
                body: self.ta("too-many-reports", &[("max", Arg::Num(i64::from(REPORTS_PER_DAY)))]),
            });
            return;
        }
        let reference = draft.reference();
        let report = Report {
            id: draft.report_id.clone(),
            reference: reference.clone(),
            district,
            station,
            category,
            items: draft.items,
            place: draft.place,
            when: draft.when,
            language: self.lang(),
            status: ReportStatus::Received,
            submitted_at: self.ctx.now,
            via_poster: draft.via_poster,
            guard_fired: draft.guard_fired,
        };
        self.effects.push(Effect::SubmitReport(Box::new(report)));
        self.replies.push(Reply::Text {
            body: self.ta("submitted", &[("code", Arg::Str(reference.as_str()))]),
        });
        self.conv.draft = None;
        self.conv.poster = None;
        self.go(Stage::Idle);
    }
}

/// A number typed alone, in Latin, Devanagari, Arabic-Indic or Extended Arabic-Indic
/// (Urdu) digits, perhaps followed by "." or ")".
fn typed_number(text: &str) -> Option<usize> {
    let digits = text.trim().trim_end_matches(['.', ')', '।']);
    if digits.is_empty() || digits.chars().count() > 3 {
        return None;
    }
    digits.chars().try_fold(0usize, |n, c| {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            '\u{966}'..='\u{96f}' => c as u32 - 0x966,
            '\u{660}'..='\u{669}' => c as u32 - 0x660,
            '\u{6f0}'..='\u{6f9}' => c as u32 - 0x6f0,
            _ => return None,
        };
        Some(n * 10 + d as usize)
    })
}

fn language_named(text: &str) -> Option<Lang> {
    let folded = fold_key(text);
    LANGUAGE_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| fold_key(w) == folded))
        .map(|(lang, _)| *lang)
}

/// Adds the kinds the guard found to those it fired for, each once.
fn note_fired(
    fired: &mut Vec<crate::triage::disclosure::Disclosure>,
    found: Vec<crate::triage::disclosure::Disclosure>,
) {
    for kind in found {
        if !fired.contains(&kind) {
            fired.push(kind);
        }
    }
}
