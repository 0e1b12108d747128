//! What the webhook does with every POST before the conversation sees it: check the
//! `X-Hub-Signature-256` HMAC over the raw body, then parse the body leniently.
//! Bodies are the test fixtures' bytes, unchanged (Meta's escaped-unicode JSON).
//!
//! Run: `cargo bench -p satark-whatsapp --bench webhook`. Figures: BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use satark_whatsapp::{parse_payload, sign, verify_signature};
use std::hint::black_box;

const APP_SECRET: &[u8] = b"bench-app-secret-0123456789abcdef";

const FIXTURES: [(&str, &[u8]); 3] = [
    ("text", include_bytes!("../tests/fixtures/text.json")),
    ("text_hindi", include_bytes!("../tests/fixtures/text_hindi.json")),
    (
        "status_delivered",
        include_bytes!("../tests/fixtures/status_delivered.json"),
    ),
];

fn bench_webhook(c: &mut Criterion) {
    let mut group = c.benchmark_group("webhook");
    for (name, body) in FIXTURES {
        let header = sign(APP_SECRET, body);
        assert!(verify_signature(APP_SECRET, Some(&header), body), "{name}: signed");
        let parsed = parse_payload(body).expect("parses");
        assert_eq!(
            parsed.messages().count() + parsed.statuses().count(),
            1,
            "{name}: one message or status"
        );
        group.bench_function(format!("verify_signature/{name}"), |b| {
            b.iter(|| verify_signature(APP_SECRET, Some(black_box(&header)), black_box(body)))
        });
        group.bench_function(format!("parse_payload/{name}"), |b| {
            b.iter(|| parse_payload(black_box(body)).expect("parses"))
        });
        group.bench_function(format!("verify_and_parse/{name}"), |b| {
            b.iter(|| {
                assert!(verify_signature(APP_SECRET, Some(black_box(&header)), black_box(body)));
                parse_payload(black_box(body)).expect("parses")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_webhook);
criterion_main!(benches);
