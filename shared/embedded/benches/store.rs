//! The embedded store's analytics read and the classifier's atomic write.
//!
//! `AggregateStore::counts` reads counters, one per (day, station, category, measure)
//! cell, so its time follows the cells of the range asked for, not the reports
//! counted: the same 30 days of one district read with the counters of 100, 1,000 and
//! 10,000 reports (all falling in the same cells) should take the same time. A second
//! group shows what it does follow: the number of cells.
//!
//! `TriageStore::commit` of a first classification: the assessment, its fingerprint
//! and three counters, in one transaction, as the classifier writes it.
//!
//! Run: `cargo bench -p satark-embedded --bench store`. Figures: BENCHMARKS.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use satark_contract::{sample_assessment, sample_report};
use satark_core::ids::{Pseudonym, ReportId};
use satark_core::ports::{AggregateKey, AggregateStore, Fingerprint, Measure, TriageCommit, TriageStore};
use satark_core::range::Sensitivity;
use satark_core::report::ReportStatus;
use satark_core::triage::priority::Priority;
use satark_embedded::Store;
use std::hint::black_box;
use tokio::runtime::Runtime;

const DISTRICT: &str = "JNP";
const OTHER_DISTRICT: &str = "GZP";
const DAYS: usize = 30;
const CATEGORIES: [&str; 3] = ["illicit_liquor", "gambling", "theft"];

fn day(d: usize) -> String {
    format!("2026-01-{:02}", d + 1)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The counters one classified report moves: its status, priority and sensitivity.
fn report_cells(district: &str, day: &str, station: u16, category: &str) -> [AggregateKey; 3] {
    let key = |measure| AggregateKey {
        day: day.to_string(),
        district: district.to_string(),
        station: Some(station),
        category: category.to_string(),
        measure,
    };
    [
        key(Measure::Status(ReportStatus::Received)),
        key(Measure::Priority(Priority::P2)),
        key(Measure::Sensitivity(Sensitivity::Standard)),
    ]
}

/// A store with the counters of `reports` reports in each of two districts, spread
/// round-robin over `DAYS` days and `combos` (station, category) pairs: report `i`
/// falls on day `i % DAYS` in pair `(i / DAYS) % combos`.
async fn store_with(reports: usize, combos: usize) -> Store {
    let store = Store::in_memory().expect("store");
    for district in [DISTRICT, OTHER_DISTRICT] {
        for i in 0..reports {
            let pair = (i / DAYS) % combos;
            let station = (pair / CATEGORIES.len()) as u16 + 1;
            let category = CATEGORIES[pair % CATEGORIES.len()];
            for key in report_cells(district, &day(i % DAYS), station, category) {
                store.add(&key, 1).await.expect("add");
            }
        }
    }
    store
}

async fn read_month(store: &Store) -> Vec<(AggregateKey, i64)> {
    store
        .counts(black_box(DISTRICT), &day(0), &day(DAYS - 1))
        .await
        .expect("counts")
}

fn bench_counts(c: &mut Criterion) {
    let rt = runtime();

    // The same 90 (day, pair) cells, three measures each: 270 counters a district,
    // whether they count 100 reports or 10,000.
    let mut group = c.benchmark_group("aggregate_counts_30_days_by_reports");
    for reports in [100, 1_000, 10_000] {
        let store = rt.block_on(store_with(reports, 3));
        let counted = rt.block_on(read_month(&store));
        assert_eq!(counted.len(), DAYS * 3 * 3, "270 counters");
        assert_eq!(
            counted.iter().map(|(_, n)| n).sum::<i64>(),
            3 * reports as i64,
            "every report counted three times"
        );
        group.bench_function(format!("{reports}_reports"), |b| {
            b.iter(|| rt.block_on(read_month(&store)))
        });
    }
    group.finish();

    // What the time does follow: cells (one report in each).
    let mut group = c.benchmark_group("aggregate_counts_30_days_by_cells");
    for combos in [3, 30, 300] {
        let store = rt.block_on(store_with(DAYS * combos, combos));
        let counted = rt.block_on(read_month(&store));
        let counters = DAYS * combos * 3;
        assert_eq!(counted.len(), counters);
        group.bench_function(format!("{counters}_counters"), |b| {
            b.iter(|| rt.block_on(read_month(&store)))
        });
    }
    group.finish();
}

fn bench_commit(c: &mut Criterion) {
    let rt = runtime();
    let store = Store::in_memory().expect("store");
    let informant = Pseudonym::new("p1:bench-informant".into());
    let template = sample_report("bench");
    let mut n: u64 = 0;
    let mut group = c.benchmark_group("triage_commit");
    group.bench_function("first_classification", |b| {
        b.iter_batched(
            || {
                // A new report each time: a first classification is written once.
                n += 1;
                let mut entropy = [0u8; 16];
                entropy[..8].copy_from_slice(&n.to_le_bytes());
                let mut report = template.clone();
                report.id = ReportId::from_entropy(&entropy);
                report.submitted_at += n as i64;
                let assessment = sample_assessment(&report, Priority::P2);
                let fingerprint = Fingerprint {
                    report_id: report.id.clone(),
                    district: report.district.clone(),
                    station: Some(3),
                    submitted_at: report.submitted_at,
                    text: Some(0x5a5a_1234_dead_beef ^ n),
                    images: vec![],
                    informant: informant.clone(),
                };
                let counts = report_cells(&report.district, "2026-01-15", 3, &report.category).map(|k| (k, 1));
                (assessment, fingerprint, counts, report.submitted_at + 5)
            },
            |(assessment, fingerprint, counts, now)| {
                let commit = TriageCommit {
                    assessment: &assessment,
                    expected_version: None,
                    fingerprint: Some(&fingerprint),
                    linked: &[],
                    counts: &counts,
                    status: None,
                    verdict: None,
                    now,
                    jobs: &[],
                };
                assert_eq!(rt.block_on(store.commit(&commit)).expect("commit"), 1);
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_counts, bench_commit);
criterion_main!(benches);
