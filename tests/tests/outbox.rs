//! Nothing lost, nothing doubled after the commit (DESIGN.md, invariant 3).
//!
//! A message's dedupe claim, conversation, report and jobs are one commit; the jobs are
//! dispatched after it. These tests break the system exactly there — a queue that fails
//! after the commit, a dispatch cut off half-way (the process killed), the whole local
//! server killed before its workers ran — and check that every reply reaches the
//! informant once and in order, every photo is stored once and every report is counted
//! once.

use satark_aws::testing::fixture;
use satark_core::clock::SteadyClock;
use satark_core::jobs::{Envelope, JobQueue};
use satark_core::ports::{AggregateStore, EvidenceVault, QueueError, ReportStore};
use satark_e2e::aws::{api_gateway_event, invoke, media_fixture, pump};
use satark_e2e::{FIXTURE_TIME, Harness, text_of};
use satark_lambda::{ClassifierApp, LambdaSettings, MediaApp, NotifierApp, SqsHandler, webhook_router_with};
use satark_whatsapp::fake::FakeGraph;
use satark_whatsapp::fake::webhooks::{envelope, to_meta_bytes};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const APP_SECRET: &str = "outbox-app-secret";
const TOKEN: &str = "outbox-access-token";
const PHONE_NUMBER_ID: &str = "109876543210987";

/// The real SQS adapter behind a switch: after `pass` more sends, the next `fail`
/// sends fail (`stall: false`) or never return (`stall: true`, a process that died
/// mid-dispatch: whatever it had not sent, it never sends).
struct FaultyQueue {
    inner: Arc<dyn JobQueue>,
    pass: AtomicUsize,
    fail: AtomicUsize,
    stall: std::sync::atomic::AtomicBool,
    /// Signalled when a send stalls: the moment to "kill" the process.
    stalled: tokio::sync::Notify,
}

impl FaultyQueue {
    fn new(inner: Arc<dyn JobQueue>) -> Self {
        FaultyQueue {
            inner,
            pass: AtomicUsize::new(usize::MAX),
            fail: AtomicUsize::new(0),
            stall: false.into(),
            stalled: tokio::sync::Notify::new(),
        }
    }

    /// Lets `pass` sends through, then breaks the next `fail`.
    fn break_after(&self, pass: usize, fail: usize, stall: bool) {
        self.pass.store(pass, Ordering::SeqCst);
        self.fail.store(fail, Ordering::SeqCst);
        self.stall.store(stall, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl JobQueue for FaultyQueue {
    async fn send(&self, job: &Envelope) -> Result<(), QueueError> {
        let passing = self
            .pass
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(1))
            .is_ok();
        if !passing
            && self
                .fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
                .is_ok()
        {
            if self.stall.load(Ordering::SeqCst) {
                self.stalled.notify_one();
                std::future::pending::<()>().await;
            }
            return Err(QueueError("injected: the queue is unavailable".into()));
        }
        self.inner.send(job).await
    }
}

/// What the informant reads, with reference codes masked (they are random per report).
fn masked(texts: Vec<String>) -> Vec<String> {
    texts
        .into_iter()
        .map(|t| match satark_e2e::reference_in(&t) {
            Some(code) => t.replace(&code, "<CODE>"),
            None => t,
        })
        .collect()
}

/// The report the tests file: typed answers, a photo, a submit.
fn script(photo_id: &str) -> Vec<(&'static str, Value)> {
    let text = |body: &str| ("text", json!({ "body": body }));
    let mut steps: Vec<(&str, Value)> = [
        "नमस्ते",
        "english",
        "new report",
        "jaunpur",
        "kerakat",
        "illicit liquor",
        "Liquor is distilled in the orchard every night",
    ]
    .into_iter()
    .map(text)
    .collect();
    steps.push((
        "image",
        json!({ "id": photo_id, "mime_type": "image/jpeg", "sha256": "eA==" }),
    ));
    steps.extend(["done", "skip", "today", "submit"].into_iter().map(text));
    steps
}

fn signed_event(phone: &str, n: usize, kind: &str, content: &Value) -> Value {
    let mut message = json!({ "from": phone, "id": format!("wamid.OUTBOX{phone}{n:06}"), "timestamp": FIXTURE_TIME.to_string(), "type": kind });
    message[kind] = content.clone();
    let payload = envelope(
        PHONE_NUMBER_ID,
        json!({ "contacts": [{ "profile": { "name": "Asha" }, "wa_id": phone }], "messages": [message] }),
    );
    let body = to_meta_bytes(&payload);
    let signature = satark_whatsapp::sign(APP_SECRET.as_bytes(), &body);
    let headers = json!({ "content-type": "application/json", "x-hub-signature-256": signature });
    api_gateway_event("POST", "", headers, Some(String::from_utf8(body).expect("ASCII")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_aws_a_queue_failing_or_dying_after_the_commit_loses_and_doubles_nothing() {
    let fx = fixture().await;
    let names = fx.config.names().clone();
    let graph = FakeGraph::new(TOKEN, PHONE_NUMBER_ID, "v25.0");
    let graph_server = graph.start().await.expect("fake graph");
    let secrets = satark_lambda::secrets::WhatsAppSecrets::for_tests(APP_SECRET, "verify", TOKEN);
    let settings = LambdaSettings {
        whatsapp_secret_arn: None,
        phone_number_id: PHONE_NUMBER_ID.into(),
        graph_api_version: "v25.0".into(),
        graph_base_url: graph_server.base_url.clone(),
    };
    let clock = Arc::new(SteadyClock::starting_at(FIXTURE_TIME + 60));
    let healthy = webhook_router_with(&fx.config, &secrets, Arc::new(fx.config.job_queue()), clock.clone())
        .await
        .expect("webhook");
    let faulty_queue = Arc::new(FaultyQueue::new(Arc::new(fx.config.job_queue())));
    let faulty = webhook_router_with(&fx.config, &secrets, faulty_queue.clone(), clock)
        .await
        .expect("webhook");
    let notifier = NotifierApp::new(&fx.config, &settings, &secrets)
        .await
        .expect("notifier");
    let media = MediaApp::new(&fx.config, &settings, &secrets).expect("media");
    let classifier = ClassifierApp::new(&fx.config).expect("classifier");
    let url = |q: Option<String>| q.expect("queue url");
    let (outbound_url, media_url, reports_url) = (
        url(names.outbound_queue_url.clone()),
        url(names.media_queue_url.clone()),
        url(names.reports_queue_url.clone()),
    );
    let drain = async || {
        pump(&fx, &media_url, |e| media.handle(e)).await;
        pump(&fx, &outbound_url, |e| notifier.handle(e)).await;
    };

    // The control: one informant, nothing breaks.
    let control = "919822200001".to_string();
    let photo = graph.add_media(media_fixture("gps.jpg"), "image/jpeg");
    for (n, (kind, content)) in script(&photo).iter().enumerate() {
        let (status, _) = invoke(&healthy, signed_event(&control, n, kind, content)).await;
        assert_eq!(status, 200);
        drain().await;
    }
    let expected = masked(graph.sent_to(&control).iter().map(text_of).collect());
    assert!(expected.len() >= 12, "{expected:?}");

    // The informant under faults: each message's dispatch breaks after a few jobs, by
    // an error (Meta sees a 500 and redelivers) or by dying (no answer; Meta redelivers).
    let informant = format!("{control}1");
    let photo = graph.add_media(media_fixture("gps.jpg"), "image/jpeg");
    let steps = script(&photo).len();
    for (n, (kind, content)) in script(&photo).iter().enumerate() {
        let event = signed_event(&informant, n, kind, content);
        // The photo and the submit cause two jobs or more: break those half-way.
        let pass = usize::from(matches!(*kind, "image") || n + 1 == steps);
        let stall = n % 3 == 2;
        faulty_queue.break_after(pass, 2, stall);
        // A stalled dispatch is dropped the moment it stalls: the process died there,
        // after the commit, with part of its outbox sent.
        tokio::select! {
            (status, _) = invoke(&faulty, event.clone()) => {
                assert!(!stall, "message {n}: the dispatch was to stall");
                assert_eq!(status, 500, "message {n}: the failed dispatch asks for redelivery");
            }
            () = faulty_queue.stalled.notified() => assert!(stall, "message {n} stalled unasked"),
        }
        // Meta's redeliveries: the first may still meet the broken queue.
        let mut answered = false;
        for _ in 0..3 {
            faulty_queue.break_after(usize::MAX, 0, false);
            if tokio::time::timeout(Duration::from_secs(10), invoke(&faulty, event.clone()))
                .await
                .is_ok_and(|(status, _)| status == 200)
            {
                answered = true;
                break;
            }
        }
        assert!(answered, "message {n}: a redelivery is answered 200");
        drain().await;
    }
    let got = masked(graph.sent_to(&informant).iter().map(text_of).collect());
    assert_eq!(got, expected, "every reply once, in order, as without faults");

    // Each photo stored once, each report counted once.
    let reports = fx.store().list_recent(100).await.expect("reports");
    assert_eq!(reports.len(), 2, "one report per informant");
    for report in &reports {
        assert_eq!(fx.vault().list(&report.id).await.expect("media").len(), 1);
    }
    let classified = pump(&fx, &reports_url, |e| classifier.handle(e)).await;
    assert!(classified.len() >= 2, "both reports were queued for the classifier");
    let counts = fx
        .config
        .aggregates()
        .expect("aggregates")
        .counts("JNP", "2000-01-01", "2999-12-31")
        .await
        .expect("counts");
    // Each report is counted once per measure: by status, priority and sensitivity.
    let total: i64 = counts
        .iter()
        .filter(|(k, _)| matches!(k.measure, satark_core::ports::Measure::Status(_)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, 2, "each report counted once: {counts:?}");
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 6, "{counts:?}");
    let stored_media = reports.iter().map(|r| r.media_keys().count()).sum::<usize>();
    assert_eq!(stored_media, 2);
}

/// The local server killed after every commit, before any reply could go out (the
/// Graph API refuses every send meanwhile), then started again on the same data: every
/// reply arrives once, in order; the photo is stored once; the report counted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locally_a_server_killed_after_each_commit_loses_and_doubles_nothing() {
    let mut h = Harness::start_with(|c| c.queue_retry_ms = 1_500).await;
    let http = reqwest::Client::new();
    let post = async |h: &Harness, phone: &str, n: usize, kind: &str, content: &Value| {
        let mut message = json!({ "from": phone, "id": format!("wamid.KILL{phone}{n:06}"),
                                  "timestamp": FIXTURE_TIME.to_string(), "type": kind });
        message[kind] = content.clone();
        let payload = envelope(
            &h.config.phone_number_id,
            json!({ "contacts": [{ "profile": { "name": "Asha" }, "wa_id": phone }], "messages": [message] }),
        );
        let body = to_meta_bytes(&payload);
        let signature = satark_whatsapp::sign(h.config.app_secret.as_bytes(), &body);
        http.post(h.webhook_url())
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .expect("webhook")
            .status()
            .as_u16()
    };

    // The control, on a healthy system.
    let control = "919811100001";
    let photo = h.graph.add_media(media_fixture("gps.jpg"), "image/jpeg");
    for (n, (kind, content)) in script(&photo).iter().enumerate() {
        let before = h.graph.sent_to(control).len();
        assert_eq!(post(&h, control, n, kind, content).await, 200);
        assert!(h.eventually(|| h.graph.sent_to(control).len() > before).await);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let expected = masked(h.graph.sent_to(control).iter().map(text_of).collect());

    let informant = "919811100002";
    let photo = h.graph.add_media(media_fixture("gps.jpg"), "image/jpeg");
    for (n, (kind, content)) in script(&photo).iter().enumerate() {
        h.graph.fail_next_sends(usize::MAX, 503, 131000);
        assert_eq!(post(&h, informant, n, kind, content).await, 200);
        h.restart().await;
    }
    assert!(
        h.graph.sent_to(informant).is_empty(),
        "nothing could be sent before the kills"
    );
    h.graph.fail_next_sends(0, 200, 0);
    let ok = h
        .eventually(|| h.graph.sent_to(informant).len() >= expected.len())
        .await;
    assert!(ok, "every reply arrives after the restart");
    // Anything doubled would arrive within a retry or two more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = masked(h.graph.sent_to(informant).iter().map(text_of).collect());
    assert_eq!(got, expected, "every reply once, in order");

    let reports = h.reports().await;
    assert_eq!(reports.len(), 2);
    for report in &reports {
        assert_eq!(h.server.vault.list(&report.id).await.expect("media").len(), 1);
    }
    // The classifier runs beside the replies; give it the same time.
    let mut district_counts = vec![];
    for _ in 0..100 {
        district_counts = h
            .server
            .store
            .counts("JNP", "2000-01-01", "2999-12-31")
            .await
            .expect("counts");
        if district_counts.iter().map(|(_, n)| n).sum::<i64>() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let district_counts = h
        .server
        .store
        .counts("JNP", "2000-01-01", "2999-12-31")
        .await
        .expect("counts");
    // Each report is counted once per measure: by status, priority and sensitivity.
    let total: i64 = district_counts
        .iter()
        .filter(|(k, _)| matches!(k.measure, satark_core::ports::Measure::Status(_)))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, 2, "each report counted once: {district_counts:?}");
    assert_eq!(
        district_counts.iter().map(|(_, n)| n).sum::<i64>(),
        6,
        "{district_counts:?}"
    );
}
