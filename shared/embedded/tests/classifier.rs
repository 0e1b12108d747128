//! The classifier on the embedded store: near-duplicates and corroboration, priority
//! and alerts, and counters kept exactly once through redeliveries and crashes.

use async_trait::async_trait;
use satark_core::Lang;
use satark_core::clock::FixedClock;
use satark_core::ids::{Pseudonym, ReferenceCode, ReportId};
use satark_core::jobs::{Envelope, JobQueue};
use satark_core::ports::{
    AggregateStore, EvidenceVault, Fingerprint, Measure, MediaRecord, OfficeAlertJob, QueueError, ReportJob,
    ReportStore, StoreError, StoredAssessment, TriageCommit, TriageStore,
};
use satark_core::range::RangeConfig;
use satark_core::report::{DetailItem, IncidentTime, MediaKind, Report, ReportStatus, StationChoice};
use satark_core::service::{Classified, Classifier, LearnedFilter};
use satark_core::triage::LinkKind;
use satark_core::triage::priority::Priority;
use satark_embedded::{FileVault, LocalKeys, SqliteQueue, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const T0: i64 = 1_796_000_000;

struct Fixture {
    store: Store,
    vault: FileVault,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::in_memory().expect("store");
    let keys = LocalKeys::load_or_create(dir.path()).expect("keys");
    let vault = FileVault::new(dir.path().join("evidence"), keys, store.clone());
    Fixture {
        store,
        vault,
        _dir: dir,
    }
}

fn classifier(fx: &Fixture, triage: Arc<dyn TriageStore>, queue: Arc<dyn JobQueue>) -> Classifier {
    Classifier {
        reports: Arc::new(fx.store.clone()),
        triage,
        vault: Arc::new(fx.vault.clone()),
        queue,
        filter: Arc::new(LearnedFilter::new(Arc::new(fx.store.clone()))),
        range: Arc::new(RangeConfig::default_range().expect("range")),
    }
}

fn report(n: u8, district: &str, text: &str, at: i64) -> Report {
    let id = ReportId::from_entropy(&[n; 16]);
    Report {
        reference: ReferenceCode::new(district, &[n, n, 7, 1]),
        id,
        district: district.into(),
        station: StationChoice::Known(3),
        category: "illicit_liquor".into(),
        items: vec![DetailItem::Text { body: text.into(), at }],
        place: None,
        when: Some(IncidentTime::Earlier),
        language: Lang::Hi,
        status: ReportStatus::Received,
        submitted_at: at,
        via_poster: false,
        guard_fired: vec![],
    }
}

async fn submit(fx: &Fixture, report: &Report, informant: &str) -> ReportJob {
    fx.store
        .insert(report, &Pseudonym::new(informant.into()))
        .await
        .expect("insert");
    ReportJob {
        report_id: report.id.clone(),
    }
}

async fn assessment(fx: &Fixture, id: &ReportId) -> satark_core::triage::Assessment {
    TriageStore::assessment(&fx.store, id)
        .await
        .expect("read")
        .expect("classified")
        .assessment
}

const LIQUOR: &str = "गांव रामपुर में स्कूल के पीछे वाले घर में रोज़ शाम को कच्ची शराब बनाई और बेची जाती है, बहुत लोग आते हैं";
const LIQUOR_AGAIN: &str = "गांव रामपुर में स्कूल के पीछे वाले घर में रोज शाम को कच्ची शराब बनाई और बेची जाती है बहुत लोग आते हैं!!";

#[tokio::test]
async fn near_duplicates_are_linked_and_only_independent_informants_corroborate() {
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let first = report(1, "JNP", LIQUOR, T0);
    let job = submit(&fx, &first, "p1:alice").await;
    c.classify(&job, T0 + 10).await.expect("classify");

    // The same informant again: a repeat, linked but not corroboration.
    let repeat = report(2, "JNP", LIQUOR_AGAIN, T0 + 600);
    let job = submit(&fx, &repeat, "p1:alice").await;
    c.classify(&job, T0 + 610).await.expect("classify");
    let a = assessment(&fx, &repeat.id).await;
    assert_eq!(a.links.len(), 1, "{:?}", a.links);
    assert_eq!((a.links[0].kind, a.links[0].independent), (LinkKind::Text, false));
    assert_eq!(a.corroborations, 0);
    assert_eq!(assessment(&fx, &first.id).await.corroborations, 0);

    // Two other informants: the first report is corroborated twice, and raised.
    let before = assessment(&fx, &first.id).await.priority;
    for (n, who) in [(3, "p1:bob"), (4, "p1:carol")] {
        let other = report(n, "JNP", LIQUOR_AGAIN, T0 + 1200 + i64::from(n));
        let job = submit(&fx, &other, who).await;
        c.classify(&job, T0 + 1300).await.expect("classify");
    }
    let first_now = assessment(&fx, &first.id).await;
    assert_eq!(first_now.corroborations, 2, "{:?}", first_now.links);
    assert_eq!(first_now.links.len(), 3, "linked, never merged");
    assert!(
        first_now.priority > before,
        "corroboration raised {before:?} to {:?}",
        first_now.priority
    );
    assert_eq!(first_now.base_priority, before);

    // Another district, same words: not linked.
    let elsewhere = report(5, "GZP", LIQUOR, T0 + 2000);
    let job = submit(&fx, &elsewhere, "p1:dave").await;
    c.classify(&job, T0 + 2010).await.expect("classify");
    assert!(assessment(&fx, &elsewhere.id).await.links.is_empty());

    // The priority counters moved with the raise: each report counted once, at its
    // current priority.
    let counts = fx
        .store
        .counts("JNP", "2000-01-01", "2999-12-31")
        .await
        .expect("counts");
    let priorities: i64 = counts
        .iter()
        .filter(|(k, _)| matches!(k.measure, Measure::Priority(_)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(priorities, 4);
    let raised: i64 = counts
        .iter()
        .filter(|(k, _)| k.measure == Measure::Priority(first_now.priority))
        .map(|(_, n)| n)
        .sum();
    assert!(raised >= 1);
}

#[tokio::test]
async fn the_same_picture_links_reports_whatever_their_words() {
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let with_photo = |n: u8, text: &str, at: i64| {
        let mut r = report(n, "CDL", text, at);
        r.items.push(DetailItem::Media {
            kind: MediaKind::Photo,
            media_key: format!("m{n}"),
            wa_media_id: format!("wa{n}"),
            mime_type: Some("image/jpeg".into()),
            caption: None,
            at,
        });
        r
    };
    let a = with_photo(
        11,
        "illegal sand mining at the river ghat near the bridge every night",
        T0,
    );
    let b = with_photo(12, "trucks overloaded with balu leave the ghat at 2 am", T0 + 300);
    for (r, who, key) in [(&a, "p1:x", "m11"), (&b, "p1:y", "m12")] {
        fx.store.insert(r, &Pseudonym::new(who.into())).await.expect("insert");
        let record = MediaRecord {
            report_id: r.id.clone(),
            media_key: key.into(),
            kind: MediaKind::Photo,
            mime_type: "image/jpeg".into(),
            size: 3,
            sha256: "00".repeat(32),
            // One bit apart: the same picture, re-encoded.
            perceptual_hash: Some(
                if r.id == a.id {
                    "f0f0f0f0f0f0f0f0"
                } else {
                    "f0f0f0f0f0f0f0f1"
                }
                .into(),
            ),
            metadata_removed: vec![],
            metadata_stripped: true,
            stored_at: r.submitted_at,
        };
        fx.vault.put(&record, b"jpg").await.expect("put");
    }
    for r in [&a, &b] {
        c.classify(
            &ReportJob {
                report_id: r.id.clone(),
            },
            r.submitted_at + 5,
        )
        .await
        .expect("classify");
    }
    let linked = assessment(&fx, &b.id).await;
    assert_eq!(linked.links.len(), 1, "{:?}", linked.links);
    assert_eq!(
        (linked.links[0].kind, linked.links[0].independent),
        (LinkKind::Image, true)
    );
    assert_eq!(assessment(&fx, &a.id).await.corroborations, 1);
}

#[tokio::test]
async fn classification_waits_for_pictures_then_goes_on_without_them() {
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let mut r = report(21, "JNP", LIQUOR, T0);
    r.items.push(DetailItem::Media {
        kind: MediaKind::Photo,
        media_key: "late".into(),
        wa_media_id: "wa-late".into(),
        mime_type: None,
        caption: None,
        at: T0,
    });
    let job = submit(&fx, &r, "p1:x").await;
    assert!(
        c.classify(&job, T0 + 5).await.is_err(),
        "the picture is not stored yet: retry"
    );
    assert!(TriageStore::assessment(&fx.store, &r.id).await.expect("read").is_none());
    let done = c.classify(&job, T0 + 3600).await.expect("classified without it");
    assert!(matches!(done, Classified::New(_)));
}

#[tokio::test]
async fn a_report_of_weapons_is_p1_and_alerts_both_offices_once() {
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let r = report(31, "GZP", "अभी मंडी के पास दो लोग कट्टा लेकर घूम रहे हैं, धमकी दे रहे हैं", T0);
    let job = submit(&fx, &r, "p1:x").await;
    let outbound: SqliteQueue<OfficeAlertJob> = SqliteQueue::new(fx.store.clone(), Arc::new(FixedClock::at(T0)));
    c.classify(&job, T0 + 5).await.expect("classify");
    let a = assessment(&fx, &r.id).await;
    assert_eq!(a.priority, Priority::P1, "{:?}", a.priority_reasons);
    assert_eq!(a.alerted_at, Some(T0 + 5));
    assert_eq!(
        outbound.stats().expect("stats").ready,
        2,
        "the SP office and the range office"
    );
    // A redelivered job alerts nobody again.
    assert_eq!(c.classify(&job, T0 + 50).await.expect("again"), Classified::Already);
    assert_eq!(outbound.stats().expect("stats").ready, 2);
    let pending = fx.store.unacknowledged_alerts(T0 + 5, 10).await.expect("alerts");
    let ids: Vec<&ReportId> = pending.iter().map(|a| &a.report_id).collect();
    assert_eq!(ids, [&r.id]);
}

/// A triage store whose first `fail` commits fail as a crash before the write would.
struct CrashingCommits {
    inner: Store,
    fail: AtomicUsize,
}

#[async_trait]
impl TriageStore for CrashingCommits {
    async fn assessment(&self, id: &ReportId) -> Result<Option<StoredAssessment>, StoreError> {
        self.inner.assessment(id).await
    }
    async fn fingerprints(&self, d: &str, since: i64, limit: usize) -> Result<Vec<Fingerprint>, StoreError> {
        self.inner.fingerprints(d, since, limit).await
    }
    async fn informant_fingerprints(
        &self,
        who: &Pseudonym,
        since: i64,
        limit: usize,
    ) -> Result<Vec<Fingerprint>, StoreError> {
        self.inner.informant_fingerprints(who, since, limit).await
    }
    async fn commit(&self, commit: &TriageCommit<'_>) -> Result<u64, StoreError> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(StoreError::Backend("the process died".into()));
        }
        self.inner.commit(commit).await
    }
    async fn outbox(&self, id: &ReportId) -> Result<Vec<Envelope>, StoreError> {
        self.inner.outbox(id).await
    }
    async fn unacknowledged_alerts(
        &self,
        before: i64,
        limit: usize,
    ) -> Result<Vec<satark_core::ports::PendingAlert>, StoreError> {
        self.inner.unacknowledged_alerts(before, limit).await
    }
    async fn dismiss_alert(&self, alert: &satark_core::ports::PendingAlert) -> Result<(), StoreError> {
        self.inner.dismiss_alert(alert).await
    }
}

/// A queue whose first `fail` sends fail (a crash after the commit, before dispatch).
struct FlakyQueue {
    inner: Store,
    fail: AtomicUsize,
}

#[async_trait]
impl JobQueue for FlakyQueue {
    async fn send(&self, job: &Envelope) -> Result<(), QueueError> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(QueueError("the process died".into()));
        }
        self.inner.send(job).await
    }
}

#[tokio::test]
async fn counters_count_each_report_once_through_crashes_and_redeliveries() {
    let fx = fixture();
    let triage = Arc::new(CrashingCommits {
        inner: fx.store.clone(),
        fail: AtomicUsize::new(1),
    });
    let queue = Arc::new(FlakyQueue {
        inner: fx.store.clone(),
        fail: AtomicUsize::new(0),
    });
    let c = classifier(&fx, triage, queue.clone());
    let r = report(41, "CDL", "अभी पुल के पास तमंचा लेकर लोग घूम रहे हैं", T0);
    let job = submit(&fx, &r, "p1:x").await;
    // A crash before the commit: nothing was written, the retry does it all.
    assert!(c.classify(&job, T0 + 5).await.is_err());
    assert!(
        fx.store
            .counts("CDL", "2000-01-01", "2999-12-31")
            .await
            .expect("counts")
            .is_empty()
    );
    // A crash after the commit, before the jobs went out.
    queue.fail.store(1, Ordering::SeqCst);
    assert!(c.classify(&job, T0 + 6).await.is_err());
    // Redelivered, twice more: the commit is found, the jobs dispatched, nothing counted again.
    for at in [T0 + 60, T0 + 120] {
        assert_eq!(c.classify(&job, at).await.expect("redelivery"), Classified::Already);
    }
    let counts = fx
        .store
        .counts("CDL", "2000-01-01", "2999-12-31")
        .await
        .expect("counts");
    let of = |m: Measure| {
        counts
            .iter()
            .filter(|(k, _)| k.measure == m)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    assert_eq!(of(Measure::Status(ReportStatus::Received)), 1, "{counts:?}");
    let priorities: i64 = counts
        .iter()
        .filter(|(k, _)| matches!(k.measure, Measure::Priority(_)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(priorities, 1);
    let sensitivities: i64 = counts
        .iter()
        .filter(|(k, _)| matches!(k.measure, Measure::Sensitivity(_)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(sensitivities, 1);
    let outbound: SqliteQueue<OfficeAlertJob> = SqliteQueue::new(fx.store.clone(), Arc::new(FixedClock::at(T0)));
    assert_eq!(outbound.stats().expect("stats").ready, 2, "each office alerted once");
}

#[tokio::test]
async fn an_unacknowledged_p1_escalates_once_to_the_range_office() {
    use satark_core::service::Escalation;
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let escalation = Escalation {
        reports: Arc::new(fx.store.clone()),
        triage: Arc::new(fx.store.clone()),
        queue: Arc::new(fx.store.clone()),
        range: Arc::new(RangeConfig::default_range().expect("range")),
        after: 30 * 60,
    };
    let alerts: SqliteQueue<OfficeAlertJob> = SqliteQueue::new(fx.store.clone(), Arc::new(FixedClock::at(T0)));
    let urgent = report(51, "JNP", "अभी बाजार में दो लोग कट्टा लेकर धमका रहे हैं", T0);
    let seen = report(
        52,
        "JNP",
        "right now a man with a pistol is threatening people at the bus stand",
        T0,
    );
    for (r, who) in [(&urgent, "p1:u"), (&seen, "p1:s")] {
        let job = submit(&fx, r, who).await;
        c.classify(&job, T0 + 5).await.expect("classify");
        assert_eq!(assessment(&fx, &r.id).await.priority, Priority::P1);
    }
    assert_eq!(alerts.stats().expect("stats").ready, 4, "two offices for each");
    // An officer acknowledges one of them in time.
    let mut acknowledged = TriageStore::assessment(&fx.store, &seen.id)
        .await
        .expect("read")
        .expect("stored");
    acknowledged.assessment.acknowledged_at = Some(T0 + 600);
    fx.store
        .commit(&TriageCommit {
            assessment: &acknowledged.assessment,
            expected_version: Some(acknowledged.version),
            fingerprint: None,
            linked: &[],
            counts: &[],
            status: None,
            verdict: None,
            now: T0 + 600,
            jobs: &[],
        })
        .await
        .expect("acknowledge");
    assert_eq!(escalation.run(T0 + 29 * 60).await.expect("run"), 0, "not yet due");
    assert_eq!(
        escalation.run(T0 + 31 * 60).await.expect("run"),
        1,
        "only the unacknowledged one"
    );
    assert_eq!(escalation.run(T0 + 60 * 60).await.expect("run"), 0, "escalated once");
    assert_eq!(
        alerts.stats().expect("stats").ready,
        5,
        "one more alert, to the range office"
    );
    assert_eq!(assessment(&fx, &urgent.id).await.escalated_at, Some(T0 + 31 * 60));
    assert_eq!(assessment(&fx, &seen.id).await.escalated_at, None);
}

#[tokio::test]
async fn fingerprints_are_forgotten_after_the_window_and_purged_reports_leave_no_alert() {
    use satark_core::retention::RetentionStore;
    use satark_core::service::{Escalation, FINGERPRINT_RETENTION_SECS};
    let fx = fixture();
    let c = classifier(&fx, Arc::new(fx.store.clone()), Arc::new(fx.store.clone()));
    let r = report(61, "GZP", "अभी मंडी के पास दो लोग कट्टा लेकर घूम रहे हैं, धमकी दे रहे हैं", T0);
    let job = submit(&fx, &r, "p1:x").await;
    c.classify(&job, T0 + 5).await.expect("classify");
    let who = Pseudonym::new("p1:x".into());
    assert_eq!(
        fx.store.informant_fingerprints(&who, 0, 10).await.expect("read").len(),
        1
    );
    assert_eq!(
        fx.store.forget_fingerprints(T0).await.expect("forget"),
        0,
        "still inside the window"
    );
    let later = T0 + FINGERPRINT_RETENTION_SECS + 1;
    assert_eq!(
        fx.store
            .forget_fingerprints(later - FINGERPRINT_RETENTION_SECS)
            .await
            .expect("forget"),
        1
    );
    assert!(
        fx.store
            .informant_fingerprints(&who, 0, 10)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(fx.store.fingerprints("GZP", 0, 10).await.expect("read").is_empty());
    assert!(
        TriageStore::assessment(&fx.store, &r.id).await.expect("read").is_some(),
        "the assessment stays with the report"
    );

    // Purged (a spurious verdict's retention ran out): its alert goes with it.
    let escalation = Escalation {
        reports: Arc::new(fx.store.clone()),
        triage: Arc::new(fx.store.clone()),
        queue: Arc::new(fx.store.clone()),
        range: Arc::new(RangeConfig::default_range().expect("range")),
        after: 60,
    };
    fx.store.purge_report(&r.id).await.expect("purge");
    assert!(TriageStore::assessment(&fx.store, &r.id).await.expect("read").is_none());
    assert!(
        fx.store
            .unacknowledged_alerts(later, 10)
            .await
            .expect("alerts")
            .is_empty()
    );
    assert_eq!(escalation.run(later).await.expect("run"), 0);
}
