//! The classifier's CPU work on one report's text: scoring (rules and the learned
//! model), SimHash, the self-disclosure guard, the model's stored form, and learning
//! one officer verdict.
//!
//! Run: `cargo bench -p satark-core --bench triage`. Figures: BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use satark_core::conversation::MAX_DRAFT_TEXT_BYTES;
use satark_core::triage::disclosure::self_disclosures;
use satark_core::triage::model::TextModel;
use satark_core::triage::rules::{ContentInput, content_rules};
use satark_core::triage::score_text;
use satark_core::triage::simhash::simhash;
use std::hint::black_box;

/// A short tip in Hindi, as typed on a phone.
const HINDI: &str = "गांव के बाहर रोज रात को कच्ची शराब बनती है, पुलिस चौकी को सब पता है";

/// Sentences of genuine English tips, repeated into longer texts.
const ENGLISH: &str = "There is a satta den behind the old bus stand in Zamaniya every evening from \
    about seven. Ten to fifteen men gather there and money changes hands openly; a boy on a \
    motorcycle keeps watch at the turning and whistles when a jeep comes. The same people sell \
    country liquor from the tea stall next to the school on Sundays. My number is 9876543210. ";

/// `seed` repeated to exactly `chars` characters.
fn repeated(seed: &str, chars: usize) -> String {
    seed.chars().cycle().take(chars).collect()
}

/// `seed` repeated to at most `bytes` bytes, cut at a character boundary.
fn repeated_bytes(seed: &str, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes);
    for c in seed.chars().cycle() {
        if out.len() + c.len_utf8() > bytes {
            break;
        }
        out.push(c);
    }
    out
}

fn texts() -> [(&'static str, String); 3] {
    [
        ("short_hindi", HINDI.to_string()),
        ("english_2000_chars", repeated(ENGLISH, 2_000)),
        ("paste_160_kib", repeated_bytes(ENGLISH, MAX_DRAFT_TEXT_BYTES)),
    ]
}

fn bench_triage(c: &mut Criterion) {
    let model = TextModel::shipped();
    let texts = texts();

    let mut group = c.benchmark_group("triage_score_text");
    for (name, text) in &texts {
        group.bench_function(*name, |b| {
            b.iter(|| score_text(&model, black_box(text), black_box(0), &[]))
        });
    }
    group.finish();

    // score_text's two parts: the content rules, and the learned model alone.
    let mut group = c.benchmark_group("triage_content_rules");
    for (name, text) in &texts {
        group.bench_function(*name, |b| {
            b.iter(|| {
                content_rules(&ContentInput {
                    text: black_box(text),
                    media_count: 0,
                })
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("triage_model_probability");
    for (name, text) in &texts {
        group.bench_function(*name, |b| b.iter(|| model.spurious_probability(black_box(text))));
    }
    group.finish();

    let mut group = c.benchmark_group("triage_simhash");
    for (name, text) in &texts {
        group.bench_function(*name, |b| b.iter(|| simhash(black_box(text))));
    }
    group.finish();

    let mut group = c.benchmark_group("triage_self_disclosures");
    for (name, text) in &texts {
        group.bench_function(*name, |b| b.iter(|| self_disclosures(black_box(text))));
    }
    group.finish();

    let mut group = c.benchmark_group("triage_model");
    let bytes = model.to_bytes();
    group.bench_function("to_bytes", |b| b.iter(|| black_box(&model).to_bytes()));
    group.bench_function("from_bytes", |b| {
        b.iter(|| TextModel::from_bytes(black_box(&bytes)).expect("model"))
    });
    // One verdict on a tip of about 2,000 characters (its cost does not depend on the
    // weights, so the same model learns again each iteration).
    let mut learning = model.clone();
    let tip = &texts[1].1;
    group.bench_function("learn_one_verdict_2000_chars", |b| {
        b.iter(|| learning.learn(black_box(tip), black_box(false)))
    });
    group.finish();
}

criterion_group!(benches, bench_triage);
criterion_main!(benches);
