//! The officers' half, end to end on the local stack: a P1 report alerts the offices;
//! officers' feedback and questions reach the informant inside and outside WhatsApp's
//! 24-hour window (free-form, then registered templates, as the fake Graph API
//! insists); the informant's answers (text and a photo) land on the report; action
//! taken reaches the informant; and no identity is written anywhere.

use satark_core::access::Officer;
use satark_core::clock::{Clock, FixedClock};
use satark_core::ports::{
    DeliveryState, EvidenceVault, ReportStore, ThreadDirection, ThreadKind, ThreadStore, TriageStore,
};
use satark_core::report::ReportStatus;
use satark_core::service::Asked;
use satark_core::triage::priority::Priority;
use satark_e2e::{FIXTURE_TIME, Harness, reference_in, text_of};
use satark_whatsapp::fake::SentRecord;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const PHONE: &str = "919812345670";
const NAME: &str = "Sunita Devi";
const RANGE_OFFICE: &str = "910000000001";
const GHAZIPUR_SP: &str = "910000000003";
const DAY: i64 = 86_400;

fn template_of(record: &SentRecord) -> Option<(String, String, Vec<String>)> {
    let t = record.body.get("template")?;
    let params = t
        .pointer("/components/0/parameters")
        .and_then(|p| p.as_array())
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("text").and_then(|t| t.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some((
        t.get("name")?.as_str()?.to_string(),
        t.pointer("/language/code")?.as_str()?.to_string(),
        params,
    ))
}

async fn until<F: Fn() -> Fut, Fut: std::future::Future<Output = bool>>(what: &str, check: F) {
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

fn photo() -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/media/tests/fixtures/gps.jpg"))
        .expect("media fixture")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locally_from_a_p1_report_to_action_taken_through_the_window() {
    let clock = Arc::new(FixedClock::at(FIXTURE_TIME + 60));
    let server_clock = clock.clone();
    let h = Harness::start_with(move |c| c.clock = server_clock).await;
    // Meta refuses free-form messages 24 hours after the user's last message.
    h.graph.set_strict_window(true);
    let mut citizen = h.citizen(PHONE, NAME);
    for text in [
        "hi",
        "english",
        "new report",
        "ghazipur",
        "saidpur",
        "illegal arms",
        "Two men with a katta are threatening shopkeepers near the mandi right now",
        "done",
        "skip",
        "today",
    ] {
        citizen.say(text).await;
        clock.advance(5);
    }
    let confirmation = citizen.say("submit").await;
    let code = reference_in(&text_of(&confirmation[0])).expect("a reference code");
    let report = h
        .server
        .store
        .list_recent(10)
        .await
        .expect("reports")
        .into_iter()
        .find(|r| r.reference.as_str() == code)
        .expect("stored");
    let store = h.server.store.clone();

    // Classified P1: both offices alerted with the registered template.
    until("the classification", || async {
        store.assessment(&report.id).await.expect("read").is_some()
    })
    .await;
    let assessment = store
        .assessment(&report.id)
        .await
        .expect("read")
        .expect("classified")
        .assessment;
    assert_eq!(assessment.priority, Priority::P1, "{:?}", assessment.priority_reasons);
    until("the office alerts", || async {
        !h.graph.sent_to(GHAZIPUR_SP).is_empty() && !h.graph.sent_to(RANGE_OFFICE).is_empty()
    })
    .await;
    for office in [GHAZIPUR_SP, RANGE_OFFICE] {
        let sent = h.graph.sent_to(office);
        assert_eq!(sent.len(), 1, "one alert to {office}");
        let (name, _, params) = template_of(&sent[0]).expect("a template");
        assert_eq!(name, "satark_alert");
        assert_eq!(params[0], code, "the alert names the report");
        assert_eq!(params[3], "P1");
    }

    let casework = h.casework();
    let sp = Officer::from_claims("sp-ghazipur", "[district]", Some("GZP"), None).expect("officer");
    let other = Officer::from_claims("sp-jaunpur", "[district]", Some("JNP"), None).expect("officer");
    assert!(
        casework
            .send_feedback(&other, &report.id, "hello", false, clock.now())
            .await
            .is_err(),
        "another district cannot reach the informant"
    );

    // Inside the 24-hour window: free-form messages.
    casework
        .send_feedback(
            &sp,
            &report.id,
            "A team has been sent to the mandi.",
            false,
            clock.now(),
        )
        .await
        .expect("feedback");
    let got = citizen.expect(1).await;
    assert!(template_of(&got[0]).is_none(), "free-form inside the window");
    assert!(text_of(&got[0]).contains(&code) && text_of(&got[0]).contains("A team has been sent"));

    // A question asking who the informant is comes back to the officer unsent.
    let probe = casework
        .ask_question(
            &sp,
            &report.id,
            "What is your name and phone number?",
            false,
            clock.now(),
        )
        .await
        .expect("checked");
    assert!(
        matches!(probe, Asked::NeedsConfirmation(ref p) if !p.is_empty()),
        "{probe:?}"
    );
    let asked = casework
        .ask_question(
            &sp,
            &report.id,
            "Which shop were they standing near?",
            false,
            clock.now(),
        )
        .await
        .expect("asked");
    assert!(matches!(asked, Asked::Sent(_)));
    let got = citizen.expect(1).await;
    assert!(text_of(&got[0]).contains("Which shop"), "{:?}", text_of(&got[0]));
    clock.advance(60);
    let thanks = citizen.say("Near the cloth shop by the Hanuman temple").await;
    assert!(text_of(&thanks[0]).contains(&code), "{}", text_of(&thanks[0]));
    clock.advance(5);
    citizen.media("image", photo(), "image/jpeg", json!({})).await;

    // A day and more later: the window has closed; templates carry the words.
    clock.advance(DAY + 3600);
    casework
        .send_feedback(&sp, &report.id, "Two arrests were made.", false, clock.now())
        .await
        .expect("feedback");
    let got = citizen.expect(1).await;
    let (name, lang, params) = template_of(&got[0]).expect("a template outside the window");
    assert_eq!((name.as_str(), lang.as_str()), ("satark_feedback", "en"));
    assert_eq!(params, [code.clone(), "Two arrests were made.".to_string()]);
    casework
        .ask_question(&sp, &report.id, "Was a car with them?", false, clock.now())
        .await
        .expect("asked");
    let got = citizen.expect(1).await;
    assert_eq!(template_of(&got[0]).map(|t| t.0), Some("satark_question".into()));
    clock.advance(120);
    citizen.say("Yes, a white Bolero").await;

    // Another day on, action taken: the informant hears it, with the code.
    clock.advance(DAY + 3600);
    let changed = casework
        .set_status(&sp, &report.id, ReportStatus::ActionTaken, clock.now())
        .await
        .expect("status");
    assert!(changed.news.is_some(), "news went out");
    let got = citizen.expect(1).await;
    let (name, _, params) = template_of(&got[0]).expect("a template");
    assert_eq!(name, "satark_status");
    assert_eq!(params[0], code);
    let status = citizen.say(&format!("status {code}")).await;
    assert!(
        text_of(&status[0]).contains("action has been taken"),
        "{}",
        text_of(&status[0])
    );

    // The thread, as officers will see it: messages, answers and delivery.
    until("the deliveries recorded", || async {
        let thread = store.list(&report.id).await.expect("thread");
        thread
            .iter()
            .filter(|e| e.direction == ThreadDirection::ToInformant)
            .all(|e| e.delivery.is_some_and(|d| d >= DeliveryState::Sent))
    })
    .await;
    let thread = store.list(&report.id).await.expect("thread");
    let kinds: Vec<(ThreadDirection, ThreadKind)> = thread.iter().map(|e| (e.direction, e.kind)).collect();
    use ThreadDirection::{FromInformant, ToInformant};
    assert_eq!(
        kinds,
        [
            (ToInformant, ThreadKind::Feedback),
            (ToInformant, ThreadKind::Question),
            (FromInformant, ThreadKind::Answer),
            (FromInformant, ThreadKind::Answer),
            (ToInformant, ThreadKind::Feedback),
            (ToInformant, ThreadKind::Question),
            (FromInformant, ThreadKind::Answer),
            (ToInformant, ThreadKind::StatusNews),
        ],
        "{thread:#?}"
    );
    assert!(thread[2].text.contains("cloth shop"));
    assert_eq!(thread[3].media_keys.len(), 1, "the photo answer");
    assert_eq!(
        thread.iter().filter(|e| e.as_template).count(),
        3,
        "the three messages after the window closed went as templates"
    );
    until("the photo in the report's evidence", || async {
        h.server.vault.list(&report.id).await.expect("media").len() == 1
    })
    .await;
    let stored = store
        .assessment(&report.id)
        .await
        .expect("read")
        .expect("stored")
        .assessment;
    assert!(stored.acknowledged_at.is_some() && stored.first_action_at.is_some());

    // No identity anywhere the system wrote, nor in what officers see.
    let national = &PHONE[2..];
    let needles: [&[u8]; 4] = [PHONE.as_bytes(), national.as_bytes(), NAME.as_bytes(), b"Sunita"];
    let mut visible = serde_json::to_vec(&thread).expect("json");
    visible.extend(serde_json::to_vec(&stored).expect("json"));
    let mut leaks = vec![];
    let mut files = vec![h.data.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).expect("dir").map(|e| e.expect("entry").path()));
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                leaks.push(format!("{} in {}", String::from_utf8_lossy(needle), path.display()));
            }
        }
    }
    for needle in needles {
        if visible.windows(needle.len()).any(|w| w == needle) {
            leaks.push(format!("{} in what officers see", String::from_utf8_lossy(needle)));
        }
    }
    assert!(leaks.is_empty(), "{leaks:?}");
}

mod on_aws {
    //! The same loop through the Lambda functions' code on DynamoDB Local and moto:
    //! the webhook router, the classifier and notifier fed from SQS, officers' actions
    //! on the AWS adapters.

    use super::*;
    use satark_aws::testing::{fixture, unique};
    use satark_e2e::aws::{api_gateway_event, invoke, pump};
    use satark_lambda::{ClassifierApp, LambdaSettings, NotifierApp, SqsHandler, webhook_router_with};
    use satark_whatsapp::fake::FakeGraph;
    use satark_whatsapp::fake::webhooks::{envelope, to_meta_bytes};
    use serde_json::Value;

    const APP_SECRET: &str = "loop-app-secret";
    const TOKEN: &str = "loop-access-token";
    const PHONE_NUMBER_ID: &str = "109876543210987";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_aws_from_a_p1_report_to_action_taken_through_the_window() {
        let fx = fixture().await;
        let names = fx.config.names().clone();
        let secrets_client = aws_sdk_secretsmanager::Client::new(fx.config.sdk());
        let secret = json!({ "app_secret": APP_SECRET, "verify_token": "v", "access_token": TOKEN }).to_string();
        let arn = secrets_client
            .create_secret()
            .name(unique("whatsapp"))
            .secret_string(secret)
            .send()
            .await
            .expect("CreateSecret")
            .arn
            .expect("arn");
        let clock = Arc::new(FixedClock::at(FIXTURE_TIME + 60));
        let graph = FakeGraph::new(TOKEN, PHONE_NUMBER_ID, "v25.0");
        graph.set_templates(satark::registered_templates().expect("templates"));
        let fake_clock = clock.clone();
        graph.set_clock(move || fake_clock.now_millis());
        graph.set_strict_window(true);
        let graph_server = graph.start().await.expect("fake graph");
        let settings = LambdaSettings {
            whatsapp_secret_arn: Some(arn),
            phone_number_id: PHONE_NUMBER_ID.into(),
            graph_api_version: "v25.0".into(),
            graph_base_url: graph_server.base_url.clone(),
        };
        let secrets = settings.secrets(&secrets_client).await.expect("secrets");
        let webhook = webhook_router_with(&fx.config, &secrets, Arc::new(fx.config.job_queue()), clock.clone())
            .await
            .expect("webhook");
        let notifier = NotifierApp::with_clock(&fx.config, &settings, &secrets, clock.clone())
            .await
            .expect("notifier");
        let classifier = ClassifierApp::new(&fx.config).expect("classifier");
        let outbound = names.outbound_queue_url.clone().expect("outbound queue");
        let reports_queue = names.reports_queue_url.clone().expect("reports queue");
        let media_queue = names.media_queue_url.clone().expect("media queue");

        let mut counter = 0;
        let mut say = async |text: &str| -> Vec<SentRecord> {
            counter += 1;
            clock.advance(5);
            let message = json!({ "from": PHONE, "id": format!("wamid.LOOP{counter:08}"), "timestamp": FIXTURE_TIME.to_string(),
                                  "type": "text", "text": { "body": text } });
            let payload = envelope(
                PHONE_NUMBER_ID,
                json!({ "contacts": [{ "profile": { "name": NAME }, "wa_id": PHONE }], "messages": [message] }),
            );
            graph.note_inbound(PHONE);
            let body = to_meta_bytes(&payload);
            let signature = satark_whatsapp::sign(APP_SECRET.as_bytes(), &body);
            let headers = json!({ "content-type": "application/json", "x-hub-signature-256": signature });
            let body = String::from_utf8(body).expect("ASCII");
            let before = graph.sent_to(PHONE).len();
            let (status, _) = invoke(&webhook, api_gateway_event("POST", "", headers, Some(body))).await;
            assert_eq!(status, 200);
            pump(&fx, &outbound, |e| notifier.handle(e)).await;
            graph.sent_to(PHONE)[before..].to_vec()
        };
        for text in [
            "hi",
            "english",
            "new report",
            "ghazipur",
            "saidpur",
            "illegal arms",
            "Two men with a katta are threatening shopkeepers near the mandi right now",
            "done",
            "skip",
            "today",
        ] {
            assert_eq!(say(text).await.len(), 1, "one reply to {text:?}");
        }
        let confirmation = say("submit").await;
        let code = reference_in(&text_of(&confirmation[0])).expect("a reference code");

        // The classifier: P1, and the alerts go out through the notifier.
        pump(&fx, &reports_queue, |e| classifier.handle(e)).await;
        pump(&fx, &outbound, |e| notifier.handle(e)).await;
        for office in [GHAZIPUR_SP, RANGE_OFFICE] {
            let sent = graph.sent_to(office);
            assert_eq!(sent.len(), 1, "one alert to {office}");
            let (name, _, params) = template_of(&sent[0]).expect("a template");
            assert_eq!((name.as_str(), params[0].as_str()), ("satark_alert", code.as_str()));
        }
        let store = fx.store();
        let report = store
            .list_recent(10)
            .await
            .expect("reports")
            .into_iter()
            .find(|r| r.reference.as_str() == code)
            .expect("stored");
        let triage = fx.triage();
        let threads = fx.config.threads().expect("threads");
        let casework = satark_core::service::Casework {
            reports: Arc::new(store.clone()),
            triage: Arc::new(triage.clone()),
            conversations: Arc::new(store.clone()),
            threads: Arc::new(threads.clone()),
            queue: Arc::new(fx.config.job_queue()),
            filter: Arc::new(satark_core::service::LearnedFilter::new(Arc::new(triage.clone()))),
            entropy: Arc::new(satark_embedded::OsEntropy),
            range: Arc::new(satark_core::range::RangeConfig::default_range().expect("range")),
            catalog: Arc::new(satark_core::i18n::Catalog::load().expect("catalogs")),
        };
        let sp = Officer::from_claims("sp-ghazipur", "[district]", Some("GZP"), None).expect("officer");
        let send = async || {
            pump(&fx, &outbound, |e| notifier.handle(e)).await;
        };

        // Inside the window, free-form; the answer attaches.
        casework
            .send_feedback(
                &sp,
                &report.id,
                "A team has been sent to the mandi.",
                false,
                clock.now(),
            )
            .await
            .expect("feedback");
        casework
            .ask_question(
                &sp,
                &report.id,
                "Which shop were they standing near?",
                false,
                clock.now(),
            )
            .await
            .expect("asked");
        send().await;
        let to_citizen = graph.sent_to(PHONE);
        let last_two = &to_citizen[to_citizen.len() - 2..];
        assert!(
            last_two.iter().all(|r| template_of(r).is_none()),
            "free-form inside the window"
        );
        assert!(text_of(&last_two[1]).contains("Which shop"));
        let thanks = say("Near the cloth shop by the Hanuman temple").await;
        assert!(text_of(&thanks[0]).contains(&code));

        // Outside the window: templates.
        clock.advance(DAY + 3600);
        casework
            .send_feedback(&sp, &report.id, "Two arrests were made.", false, clock.now())
            .await
            .expect("feedback");
        casework
            .ask_question(&sp, &report.id, "Was a car with them?", false, clock.now())
            .await
            .expect("asked");
        send().await;
        let to_citizen = graph.sent_to(PHONE);
        let names_sent: Vec<Option<String>> = to_citizen[to_citizen.len() - 2..]
            .iter()
            .map(|r| template_of(r).map(|t| t.0))
            .collect();
        assert_eq!(
            names_sent,
            [Some("satark_feedback".to_string()), Some("satark_question".to_string())]
        );
        say("Yes, a white Bolero").await;

        clock.advance(DAY + 3600);
        casework
            .set_status(&sp, &report.id, ReportStatus::ActionTaken, clock.now())
            .await
            .expect("status");
        send().await;
        let news = graph.sent_to(PHONE).last().cloned().expect("news");
        let (name, _, params) = template_of(&news).expect("a template");
        assert_eq!((name.as_str(), params[0].as_str()), ("satark_status", code.as_str()));
        let status = say(&format!("status {code}")).await;
        assert!(text_of(&status[0]).contains("action has been taken"));

        let thread = threads.list(&report.id).await.expect("thread");
        let answers: Vec<&str> = thread
            .iter()
            .filter(|e| e.kind == ThreadKind::Answer)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(
            answers,
            ["Near the cloth shop by the Hanuman temple", "Yes, a white Bolero"]
        );
        assert!(
            thread
                .iter()
                .filter(|e| e.direction == ThreadDirection::ToInformant)
                .all(|e| e.delivery == Some(DeliveryState::Sent)),
            "{thread:#?}"
        );
        assert_eq!(thread.iter().filter(|e| e.as_template).count(), 3);
        pump(&fx, &media_queue, |_| async { Default::default() }).await;

        // No identity in any item of the tables these functions wrote.
        let mut leaks = vec![];
        let tables = [
            names.conversations_table.clone(),
            names.dedupe_table.clone(),
            names.reports_table.clone(),
            names.aggregates_table.clone(),
            names.triage_table.clone(),
            names.threads_table.clone(),
        ];
        let mut scanned = 0;
        for table in tables.into_iter().flatten() {
            let items = fx
                .config
                .dynamodb()
                .scan()
                .table_name(&table)
                .send()
                .await
                .expect("Scan")
                .items
                .unwrap_or_default();
            scanned += items.len();
            let text = format!("{items:?}");
            for needle in [PHONE, &PHONE[2..], NAME, "Sunita"] {
                if text.contains(needle) {
                    leaks.push(format!("{needle} in {table}"));
                }
            }
        }
        assert!(scanned > 20, "the tables were scanned ({scanned} items)");
        let visible = serde_json::to_string(&thread).expect("json");
        assert!(!visible.contains(PHONE) && !visible.contains(NAME));
        assert!(leaks.is_empty(), "{leaks:?}");
        let _: Option<Value> = None;
    }
}

/// Officers' actions the review found gaps in: feedback that probes for identity,
/// news of action taken sent once, and a misconduct report filed under another
/// category hidden from the station it accuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locally_probing_feedback_repeat_news_and_misconduct_under_another_category() {
    use satark_core::ports::TriageStore;
    use tower::ServiceExt;
    let clock = Arc::new(FixedClock::at(FIXTURE_TIME + 60));
    let server_clock = clock.clone();
    let h = Harness::start_with(move |c| c.clock = server_clock).await;
    let mut citizen = h.citizen("919812345671", "Kamla Devi");
    for text in [
        "hi",
        "english",
        "new report",
        "jaunpur",
        "kerakat",
        "illicit liquor",
        "Liquor is sold every night behind the school and the SHO takes money every week to let it run",
        "done",
        "skip",
        "yesterday",
    ] {
        citizen.say(text).await;
        clock.advance(5);
    }
    let confirmation = citizen.say("submit").await;
    let code = reference_in(&text_of(&confirmation[0])).expect("a reference code");
    let store = h.server.store.clone();
    let report = store
        .list_recent(10)
        .await
        .expect("reports")
        .into_iter()
        .find(|r| r.reference.as_str() == code)
        .expect("stored");
    until("the classification", || async {
        store.assessment(&report.id).await.expect("read").is_some()
    })
    .await;
    let assessment = store
        .assessment(&report.id)
        .await
        .expect("read")
        .expect("classified")
        .assessment;
    assert_eq!(
        assessment.sensitivity,
        satark_core::range::Sensitivity::Restricted,
        "{assessment:?}"
    );

    // The station the report accuses cannot see it; the district can.
    let dashboard = satark_http::dashboard::dashboard_router(satark_http::dashboard::DashboardState {
        reports: Arc::new(store.clone()),
        range: Arc::new(satark_core::range::RangeConfig::default_range().expect("range")),
        audit: Arc::new(store.clone()),
        clock: clock.clone(),
    });
    let view = |officer: Officer, path: String| {
        let dashboard = dashboard.clone();
        async move {
            let mut request = axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .expect("request");
            request.extensions_mut().insert(officer);
            let response = dashboard.oneshot(request).await.expect("response");
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let station = Officer::from_claims("sho-kerakat", "station", Some("JNP"), Some("5")).expect("officer");
    let sp = Officer::from_claims("sp-jaunpur", "[district]", Some("JNP"), None).expect("officer");
    let detail = format!("/api/reports/{}", report.id);
    assert_eq!(
        view(station.clone(), detail.clone()).await.0,
        404,
        "hidden from the station"
    );
    let (_, listed) = view(station, "/api/reports".into()).await;
    assert!(!listed.contains(&code), "not in the station's list either");
    assert_eq!(view(sp.clone(), detail).await.0, 200);

    let casework = h.casework();
    // Feedback that asks who the informant is comes back unsent, like a question.
    let probing = casework
        .send_feedback(
            &sp,
            &report.id,
            "Thank you. Please share your phone number.",
            false,
            clock.now(),
        )
        .await
        .expect("checked");
    assert!(matches!(probing, Asked::NeedsConfirmation(_)), "{probing:?}");
    // Sent anyway, the thread records what the check saw.
    let sent = casework
        .ask_question(
            &sp,
            &report.id,
            "Can you come to the police station?",
            true,
            clock.now(),
        )
        .await
        .expect("asked");
    let Asked::Sent(entry) = sent else { panic!("{sent:?}") };
    assert!(!entry.probes_confirmed.is_empty());
    citizen.expect(1).await;
    // Action taken, undone, taken again: the informant hears it once.
    for status in [
        ReportStatus::ActionTaken,
        ReportStatus::UnderReview,
        ReportStatus::ActionTaken,
    ] {
        casework
            .set_status(&sp, &report.id, status, clock.now())
            .await
            .expect("status");
        clock.advance(60);
    }
    citizen.expect(1).await;
    let news = store
        .list(&report.id)
        .await
        .expect("thread")
        .into_iter()
        .filter(|e| e.kind == ThreadKind::StatusNews)
        .count();
    assert_eq!(news, 1);
}
