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
            .send_feedback(&other, &report.id, "hello", clock.now())
            .await
            .is_err(),
        "another district cannot reach the informant"
    );

    // Inside the 24-hour window: free-form messages.
    casework
        .send_feedback(&sp, &report.id, "A team has been sent to the mandi.", clock.now())
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
        .send_feedback(&sp, &report.id, "Two arrests were made.", clock.now())
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
