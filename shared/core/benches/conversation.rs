//! The conversation engine's cost per inbound message: `step` on states reached by
//! stepping, as the webhook calls it (one step per message, replies rendered inside).
//!
//! Run: `cargo bench -p satark-core --bench conversation`. Figures: BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use satark_core::conversation::{Conversation, Effect, Inbound, InboundContent, Reply, Stage, StepContext, step};
use satark_core::i18n::Catalog;
use satark_core::range::RangeConfig;
use std::hint::black_box;

const NOW: i64 = 1_767_081_600;

/// The context of the `n`th message: the time moves on, the entropy differs.
fn ctx<'a>(range: &'a RangeConfig, catalog: &'a Catalog, n: u64) -> StepContext<'a> {
    let mut entropy = [0u8; 20];
    entropy[..8].copy_from_slice(&n.to_le_bytes());
    entropy[16..20].copy_from_slice(&(n as u32).to_be_bytes());
    StepContext {
        now: NOW + 30 * n as i64,
        entropy,
        range,
        catalog,
    }
}

fn text(n: u64, body: &str) -> Inbound {
    Inbound {
        message_id: format!("wamid.{n}"),
        content: InboundContent::Text(body.into()),
    }
}

/// A citizen's chat so far: the state, the last replies, and the message count.
struct Chat<'a> {
    range: &'a RangeConfig,
    catalog: &'a Catalog,
    conv: Conversation,
    replies: Vec<Reply>,
    n: u64,
}

impl<'a> Chat<'a> {
    fn new(range: &'a RangeConfig, catalog: &'a Catalog) -> Self {
        Chat {
            range,
            catalog,
            conv: Conversation::default(),
            replies: vec![],
            n: 0,
        }
    }

    fn send(&mut self, inbound: Inbound) {
        let out = step(&self.conv, &inbound, &self.context());
        self.conv = out.conversation;
        self.replies = out.replies;
        self.n += 1;
    }

    /// The next message's inbound text and context.
    fn next_text(&self, body: &str) -> Inbound {
        text(self.n + 1, body)
    }

    fn context(&self) -> StepContext<'a> {
        ctx(self.range, self.catalog, self.n + 1)
    }

    fn type_text(&mut self, body: &str) {
        self.send(self.next_text(body));
    }

    /// The tap on the last replies' option whose id ends with `action`.
    fn tap(&self, action: &str) -> Inbound {
        let (id, title) = self
            .replies
            .iter()
            .rev()
            .find_map(|r| match r {
                Reply::Buttons { buttons, .. } => buttons
                    .iter()
                    .find(|b| b.id.ends_with(action))
                    .map(|b| (b.id.clone(), b.title.clone())),
                Reply::List { rows, .. } => rows
                    .iter()
                    .find(|r| r.id.ends_with(action))
                    .map(|r| (r.id.clone(), r.title.clone())),
                Reply::Text { .. } => None,
            })
            .unwrap_or_else(|| panic!("no option {action} in {:?}", self.replies));
        Inbound {
            message_id: format!("wamid.{}", self.n + 1),
            content: InboundContent::Choice { id, title },
        }
    }
}

const DETAILS: &str = "There is a satta den behind the bus stand every evening from about 7 pm. \
    Ten to fifteen people gather there and money changes hands openly.";

fn bench_step(c: &mut Criterion) {
    let range = RangeConfig::default_range().expect("range");
    let catalog = Catalog::load().expect("catalogs");
    let mut group = c.benchmark_group("conversation_step");

    // (a) A first "Hi": the language buttons.
    let empty = Conversation::default();
    let hi = text(1, "Hi");
    let first = ctx(&range, &catalog, 1);
    group.bench_function("first_hi", |b| {
        b.iter(|| step(black_box(&empty), black_box(&hi), &first))
    });

    // The renderer through the step: "new report" at the menu renders the district list.
    let mut chat = Chat::new(&range, &catalog);
    chat.type_text("Hello");
    chat.type_text("English");
    assert_eq!(chat.conv.stage, Stage::Menu, "at the menu");
    let (conv, inbound, context) = (chat.conv.clone(), chat.next_text("new report"), chat.context());
    group.bench_function("menu_new_report_renders_district_list", |b| {
        b.iter(|| step(black_box(&conv), black_box(&inbound), &context))
    });

    // (b) A typed station name at the station question (fuzzy-matched to Zamaniya).
    chat.type_text("new report");
    chat.type_text("ghazipur");
    assert!(
        matches!(chat.conv.stage, Stage::ChooseStation { .. }),
        "at the station question"
    );
    let (conv, inbound, context) = (chat.conv.clone(), chat.next_text("zamaniya"), chat.context());
    group.bench_function("typed_station_name", |b| {
        b.iter(|| step(black_box(&conv), black_box(&inbound), &context))
    });

    // (c) A details text message (the self-disclosure guard reads it).
    chat.type_text("zamaniya");
    chat.type_text("gambling");
    assert_eq!(chat.conv.stage, Stage::Details, "at the details");
    let (conv, inbound, context) = (chat.conv.clone(), chat.next_text(DETAILS), chat.context());
    group.bench_function("details_text", |b| {
        b.iter(|| step(black_box(&conv), black_box(&inbound), &context))
    });

    // (d) The summary's submit button: the report is made and the reference rendered.
    chat.type_text(DETAILS);
    chat.type_text("done");
    chat.type_text("near the old bus stand");
    chat.type_text("today");
    assert_eq!(chat.conv.stage, Stage::Summary, "at the summary");
    let (conv, inbound, context) = (chat.conv.clone(), chat.tap("sum:submit"), chat.context());
    let submitted = step(&conv, &inbound, &context);
    assert!(
        submitted.effects.iter().any(|e| matches!(e, Effect::SubmitReport(_))),
        "the submit submits"
    );
    group.bench_function("summary_submit", |b| {
        b.iter(|| step(black_box(&conv), black_box(&inbound), &context))
    });
    group.finish();

    // The state's stored form, read and written once per message by the webhook.
    let mut group = c.benchmark_group("conversation_state_json");
    let json = serde_json::to_string(&conv).expect("encode");
    group.bench_function("encode_summary_state", |b| {
        b.iter(|| serde_json::to_string(black_box(&conv)).expect("encode"))
    });
    group.bench_function("decode_summary_state", |b| {
        b.iter(|| serde_json::from_str::<Conversation>(black_box(&json)).expect("decode"))
    });
    group.finish();
}

criterion_group!(benches, bench_step);
criterion_main!(benches);
