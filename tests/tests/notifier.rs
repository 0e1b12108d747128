//! The notifier against the fake Graph API, through `satark serve`'s real outbound
//! worker: order per conversation under concurrency, the recipient's pace, the 24-hour
//! window's switch to templates, each class of Graph error, an outage lived through, and
//! status webhooks applied whatever their order. Time is the harness's clock: a fixed
//! one where the test moves it, the steady one where backoffs must really pass.

use satark_core::Lang;
use satark_core::clock::FixedClock;
use satark_core::conversation::Reply;
use satark_core::ids::{Identity, Pseudonym, ReportId};
use satark_core::jobs::send;
use satark_core::ports::{
    DeliveryState, OutboundJob, Pseudonymizer, ReplyAddressSealer, SealedAddress, TemplateMessage, ThreadDirection,
    ThreadEntry, ThreadKind, ThreadRef, ThreadStore,
};
use satark_core::templates;
use satark_e2e::{FIXTURE_TIME, Harness, LogBuffer, text_of};
use satark_embedded::LocalKeys;
use satark_whatsapp::fake::webhooks::{status_at, statuses};
use satark_whatsapp::fake::{Fault, SentRecord};
use std::sync::Arc;
use std::time::Duration;

/// An informant as the notifier knows them: a pseudonym and a sealed reply address.
struct Informant {
    phone: String,
    who: Pseudonym,
    address: SealedAddress,
}

async fn informant(h: &Harness, phone: &str) -> Informant {
    let keys = LocalKeys::load_or_create(h.data.path()).expect("the server's keys");
    let identity = Identity::WaId(phone.into());
    Informant {
        phone: phone.into(),
        who: keys.pseudonym(&identity),
        address: keys.seal(&identity).await.expect("seal"),
    }
}

fn job(to: &Informant, id: &str, text: &str) -> OutboundJob {
    OutboundJob {
        conversation: to.who.clone(),
        reply_address: to.address.clone(),
        reply: Reply::Text { body: text.into() },
        job_id: format!("{}:{id}", to.who.as_str()),
        last_inbound_at: None,
        template: None,
        thread: None,
    }
}

fn feedback(note: &str) -> TemplateMessage {
    templates::message(templates::FEEDBACK, Lang::Hi, &["JNP-7K3QX", note]).expect("a valid template")
}

/// An officer's message in a report's thread, queued, and the job that sends it.
async fn thread_job(h: &Harness, to: &Informant, id: &str, text: &str, now: i64) -> (OutboundJob, ThreadRef) {
    let report_id = ReportId::from_entropy(&[id.len() as u8; 16]);
    let entry = ThreadEntry {
        report_id: report_id.clone(),
        entry_id: id.into(),
        direction: ThreadDirection::ToInformant,
        kind: ThreadKind::Feedback,
        text: text.into(),
        media_keys: vec![],
        at: now,
        actor: Some("officer-1".into()),
        delivery: Some(DeliveryState::Queued),
        delivery_at: Some(now),
        as_template: false,
        probes_confirmed: vec![],
    };
    h.server.store.append(&entry).await.expect("append");
    let thread = ThreadRef {
        report_id,
        entry_id: id.into(),
    };
    let mut j = job(to, id, text);
    j.template = Some(feedback(text));
    j.thread = Some(thread.clone());
    (j, thread)
}

async fn entry(h: &Harness, thread: &ThreadRef) -> ThreadEntry {
    h.server
        .store
        .list(&thread.report_id)
        .await
        .expect("list")
        .into_iter()
        .find(|e| e.entry_id == thread.entry_id)
        .expect("the entry")
}

async fn enqueue(h: &Harness, job: &OutboundJob) {
    send(&h.server.store, job).await.expect("enqueue");
}

fn texts(records: &[SentRecord]) -> Vec<String> {
    records.iter().map(text_of).collect()
}

/// A server on a clock that moves only when the test moves it.
async fn fixed(at: i64) -> (Harness, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at(at));
    let c = clock.clone();
    let h = Harness::start_with(move |config| config.clock = c).await;
    (h, clock)
}

/// A while for the worker to act if it were going to (it polls twice a second).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_conversation_receives_its_messages_in_order_under_concurrency() {
    let h = Harness::start().await;
    let mut people = vec![];
    for i in 0..20 {
        people.push(informant(&h, &format!("9198000001{i:02}")).await);
    }
    // Interleaved, as many informants' messages are queued; a few Graph hiccups on the
    // way, so some heads are retried while other conversations go on.
    h.graph.push_faults([
        Fault::Http(503),
        Fault::Graph {
            status: 400,
            code: 130_429,
        },
        Fault::Graph {
            status: 500,
            code: 131_000,
        },
        Fault::Http(502),
        Fault::Graph {
            status: 400,
            code: 131_056,
        },
        Fault::Graph {
            status: 503,
            code: 131_016,
        },
    ]);
    for n in 0..10 {
        for (i, p) in people.iter().enumerate() {
            enqueue(&h, &job(p, &format!("{n}"), &format!("m{i}/{n}"))).await;
        }
    }
    assert!(
        h.graph.wait_for_sent(200, Duration::from_secs(30)).await,
        "every message sent"
    );
    settle().await;
    for (i, p) in people.iter().enumerate() {
        let expected: Vec<String> = (0..10).map(|n| format!("m{i}/{n}")).collect();
        assert_eq!(
            texts(&h.graph.sent_to(&p.phone)),
            expected,
            "informant {i}: in order, once each"
        );
    }
    assert_eq!(h.graph.sent().len(), 200, "nothing doubled");
    assert_eq!(h.graph.pending_faults(), 0, "the faults were met");
    // Conversations went out side by side, not one after another.
    let order: Vec<String> = h.graph.sent().iter().filter_map(|r| r.to.clone()).collect();
    let last_of_first = order.iter().rposition(|t| t.ends_with("919800000100"));
    let first_of_second = order.iter().position(|t| t.ends_with("919800000101"));
    assert!(first_of_second < last_of_first, "interleaved");
    assert_eq!(h.server.outbound.stats().expect("stats").dead, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_informants_messages_are_paced_and_others_are_not_held_up() {
    let t0 = FIXTURE_TIME + 3600;
    let (h, clock) = fixed(t0).await;
    let (a, b) = (informant(&h, "919800000201").await, informant(&h, "919800000202").await);
    // A burst larger than WhatsApp's pair limit lets through, then B's few messages.
    for n in 0..48 {
        enqueue(&h, &job(&a, &format!("{n}"), &format!("a{n}"))).await;
    }
    for n in 0..3 {
        enqueue(&h, &job(&b, &format!("{n}"), &format!("b{n}"))).await;
    }
    let at = |phone: &str| -> Vec<i64> { h.graph.sent_to(phone).iter().map(|r| r.at_millis).collect() };
    assert!(
        h.eventually(|| at(&a.phone).len() == 45 && at(&b.phone).len() == 3)
            .await
    );
    assert!(at(&a.phone).iter().all(|t| *t == t0 * 1000), "the burst goes at once");
    assert!(at(&b.phone).iter().all(|t| *t == t0 * 1000), "B waits for nobody");
    settle().await;
    assert_eq!(at(&a.phone).len(), 45, "then A waits: the clock has not moved");

    // One message per 6 s from here, to the millisecond of the clock.
    clock.advance(5);
    settle().await;
    assert_eq!(at(&a.phone).len(), 45, "not after 5 s");
    clock.advance(1);
    for k in 1..=3 {
        assert!(
            h.eventually(|| at(&a.phone).len() == 45 + k).await,
            "message {} after {} s",
            45 + k,
            6 * k
        );
        assert_eq!(at(&a.phone).last().copied(), Some((t0 + 6 * k as i64) * 1000));
        settle().await;
        assert_eq!(at(&a.phone).len(), 45 + k, "one per interval");
        clock.advance(6);
    }
    let sent_a: Vec<String> = texts(&h.graph.sent_to(&a.phone));
    assert_eq!(sent_a, (0..48).map(|n| format!("a{n}")).collect::<Vec<_>>(), "in order");
    assert!(
        h.graph.attempts().iter().all(|a| a.code.is_none()),
        "WhatsApp never had to refuse one"
    );
    assert_eq!(h.server.outbound.stats().expect("stats").dead, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_24_hour_window_the_template_goes_and_an_in_chat_reply_is_dropped() {
    let now = FIXTURE_TIME + 3 * 86_400;
    let (h, _clock) = fixed(now).await;
    let hour = 3600;
    let inside = informant(&h, "919800000301").await;
    let closed = informant(&h, "919800000302").await;
    let margin = informant(&h, "919800000303").await;
    let chat = informant(&h, "919800000304").await;
    let disagrees = informant(&h, "919800000305").await;
    // What WhatsApp knows of their last messages (ms).
    h.graph.set_last_inbound(&inside.phone, (now - hour) * 1000);
    h.graph.set_last_inbound(&closed.phone, (now - 25 * hour) * 1000);
    h.graph.set_last_inbound(&margin.phone, (now - 24 * hour + 300) * 1000);
    h.graph.set_last_inbound(&chat.phone, (now - 25 * hour) * 1000);
    // WhatsApp saw no message for 30 hours; the job believes one came an hour ago.
    h.graph.set_last_inbound(&disagrees.phone, (now - 30 * hour) * 1000);

    let mut jobs = vec![];
    for (who, last) in [
        (&inside, now - hour),
        (&closed, now - 25 * hour),
        (&margin, now - 24 * hour + 300),
        (&disagrees, now - hour),
    ] {
        let (mut j, thread) = thread_job(&h, who, &format!("fb-{}", who.phone), "कार्रवाई की गई", now).await;
        j.last_inbound_at = Some(last);
        enqueue(&h, &j).await;
        jobs.push(thread);
    }
    let mut in_chat = job(&chat, "late", "Thanks, noted.");
    in_chat.last_inbound_at = Some(now - 25 * hour);
    enqueue(&h, &in_chat).await;

    assert!(h.graph.wait_for_sent(4, Duration::from_secs(10)).await);
    settle().await;
    let kind = |phone: &str| -> Vec<String> {
        h.graph
            .sent_to(phone)
            .iter()
            .map(|r| r.body["type"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(kind(&inside.phone), ["text"], "inside the window: free-form");
    assert_eq!(text_of(&h.graph.sent_to(&inside.phone)[0]), "कार्रवाई की गई");
    for who in [&closed, &margin, &disagrees] {
        assert_eq!(kind(&who.phone), ["template"], "{}: the template", who.phone);
        let t = &h.graph.sent_to(&who.phone)[0].body["template"];
        assert_eq!(t["name"], templates::FEEDBACK);
        assert_eq!(t["language"]["code"], "hi");
        assert_eq!(t["components"][0]["parameters"][1]["text"], "कार्रवाई की गई");
    }
    let attempts = |phone: &str| -> Vec<Option<i64>> {
        h.graph
            .attempts()
            .iter()
            .filter(|a| a.to.as_deref().is_some_and(|t| t.ends_with(phone)))
            .map(|a| a.code)
            .collect()
    };
    assert_eq!(
        attempts(&closed.phone),
        [None],
        "no free-form attempt when the window is known closed"
    );
    assert_eq!(
        attempts(&margin.phone),
        [None],
        "nor within the margin before it closes"
    );
    assert_eq!(
        attempts(&disagrees.phone),
        [Some(131_047), None],
        "WhatsApp said the window closed: the template followed"
    );
    assert!(
        h.graph.sent_to(&chat.phone).is_empty(),
        "an in-chat reply is never sent a day late"
    );
    assert!(attempts(&chat.phone).is_empty());

    for (thread, as_template) in jobs.iter().zip([false, true, true, true]) {
        let e = entry(&h, thread).await;
        assert_eq!(
            (e.delivery, e.as_template),
            (Some(DeliveryState::Sent), as_template),
            "{}",
            e.entry_id
        );
    }
    let stats = h.server.outbound.stats().expect("stats");
    assert_eq!(
        (stats.ready, stats.dead),
        (0, 0),
        "the dropped reply is done with, not dead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_errors_are_retried_with_growing_backoff_until_sent_once() {
    let h = Harness::start().await;
    let p = informant(&h, "919800000401").await;
    h.graph.push_faults([
        Fault::Graph {
            status: 400,
            code: 130_429,
        },
        Fault::Graph {
            status: 400,
            code: 131_056,
        },
        Fault::Http(503),
    ]);
    enqueue(&h, &job(&p, "1", "after three refusals")).await;
    assert!(h.graph.wait_for_sent(1, Duration::from_secs(10)).await);
    settle().await;
    let attempts = h.graph.attempts();
    let codes: Vec<(u16, Option<i64>)> = attempts.iter().map(|a| (a.status, a.code)).collect();
    assert_eq!(
        codes,
        [(400, Some(130_429)), (400, Some(131_056)), (503, None), (200, None)]
    );
    // The harness's first backoff is 50 ms, then 4 times longer each time (4^n).
    let gaps: Vec<i64> = attempts.windows(2).map(|w| w[1].at_millis - w[0].at_millis).collect();
    for (gap, least) in gaps.iter().zip([50, 200, 800]) {
        assert!(*gap >= least, "backoff {gap} ms, at least {least} ms: {gaps:?}");
    }
    assert!(gaps[2] > gaps[1] && gaps[1] > gaps[0], "growing: {gaps:?}");
    assert_eq!(h.graph.sent_to(&p.phone).len(), 1, "sent once");
    assert_eq!(h.server.outbound.stats().expect("stats").dead, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_errors_are_recorded_failed_and_never_retried() {
    let h = Harness::start().await;
    let now = FIXTURE_TIME + 60;
    let p = informant(&h, "919800000501").await;
    let q = informant(&h, "919800000502").await;
    // Undeliverable (131026): refused for good, recorded where officers look.
    h.graph.push_faults([Fault::Graph {
        status: 400,
        code: 131_026,
    }]);
    let (undeliverable, thread) = thread_job(&h, &p, "fb-1", "नोट", now).await;
    enqueue(&h, &undeliverable).await;
    // The conversation is not blocked by it: its next message goes.
    enqueue(&h, &job(&p, "after", "still reachable?")).await;
    // A template Meta would refuse (a parameter missing) never reaches it.
    let (mut broken, broken_thread) = thread_job(&h, &q, "fb-2", "x", now).await;
    broken.last_inbound_at = Some(now - 2 * 86_400);
    broken.template = Some(TemplateMessage {
        name: templates::FEEDBACK.into(),
        lang: Lang::En,
        params: vec!["JNP-7K3QX".into()],
    });
    enqueue(&h, &broken).await;

    assert!(
        h.eventually(|| h.server.outbound.stats().is_ok_and(|s| s.ready == 0))
            .await
    );
    settle().await;
    let to_p: Vec<Option<i64>> = h
        .graph
        .attempts()
        .iter()
        .filter(|a| a.to.as_deref().is_some_and(|t| t.ends_with(&p.phone)))
        .map(|a| a.code)
        .collect();
    assert_eq!(to_p, [Some(131_026), None], "tried once, then the next message");
    assert_eq!(texts(&h.graph.sent_to(&p.phone)), ["still reachable?"]);
    assert!(
        h.graph.sent_to(&q.phone).is_empty(),
        "the broken template was never sent"
    );
    assert!(
        !h.graph
            .attempts()
            .iter()
            .any(|a| a.to.as_deref().is_some_and(|t| t.ends_with(&q.phone)))
    );
    assert_eq!(entry(&h, &thread).await.delivery, Some(DeliveryState::Failed));
    assert_eq!(entry(&h, &broken_thread).await.delivery, Some(DeliveryState::Failed));
    let dead: Vec<String> = h
        .server
        .outbound
        .dead_letters()
        .expect("dead letters")
        .iter()
        .map(satark_core::jobs::Job::dedupe_key)
        .collect();
    assert_eq!(
        dead,
        [undeliverable.job_id.clone(), broken.job_id.clone()],
        "kept for the operators"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_level_refusal_stops_all_sending_logs_an_error_and_loses_nothing() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .try_init();
    let t0 = FIXTURE_TIME + 3600;
    let (h, clock) = fixed(t0).await;
    let a = informant(&h, "919800000601").await;
    let b = informant(&h, "919800000602").await;
    h.graph.push_faults([Fault::Graph {
        status: 400,
        code: 131_048,
    }]);
    enqueue(&h, &job(&a, "1", "first")).await;
    assert!(h.eventually(|| !h.graph.attempts().is_empty()).await);
    enqueue(&h, &job(&b, "1", "someone else's")).await;
    settle().await;
    settle().await;
    assert_eq!(
        h.graph.attempts().len(),
        1,
        "nothing more is tried while the account is refused"
    );
    assert!(h.graph.sent().is_empty());
    let text = String::from_utf8_lossy(&logs.0.lock().expect("logs").clone()).to_string();
    let paused = text
        .lines()
        .find(|l| l.contains("WhatsApp refused the business account"))
        .expect("an error was logged");
    assert!(
        paused.contains("\"level\":\"ERROR\"") && paused.contains("131048"),
        "{paused}"
    );

    // Someone fixes the account; ten minutes on, sending resumes, and nothing was lost.
    clock.advance(600);
    assert!(
        h.graph.wait_for_sent(2, Duration::from_secs(10)).await,
        "both sent after the pause"
    );
    settle().await;
    assert_eq!(texts(&h.graph.sent_to(&a.phone)), ["first"]);
    assert_eq!(texts(&h.graph.sent_to(&b.phone)), ["someone else's"]);
    let stats = h.server.outbound.stats().expect("stats");
    assert_eq!((stats.ready, stats.dead), (0, 0));
    for needle in [a.phone.as_str(), b.phone.as_str(), "wamid."] {
        assert!(!text.contains(needle), "the logs hold {needle}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_is_lost_while_the_graph_api_is_down_for_a_while() {
    let h = Harness::start().await;
    let mut people = vec![];
    for i in 0..4 {
        people.push(informant(&h, &format!("9198000007{i:02}")).await);
    }
    // The outage: the next ten calls fail, in the ways an outage does.
    let outage = [
        Fault::Http(503),
        Fault::Graph {
            status: 500,
            code: 131_000,
        },
        Fault::Http(502),
        Fault::Graph {
            status: 503,
            code: 131_016,
        },
        Fault::Graph {
            status: 400,
            code: 130_429,
        },
        Fault::Graph { status: 500, code: 2 },
        Fault::Http(504),
        Fault::Graph {
            status: 400,
            code: 133_004,
        },
        Fault::Graph {
            status: 400,
            code: 131_057,
        },
        Fault::Http(503),
    ];
    h.graph.push_faults(outage);
    for n in 0..5 {
        for (i, p) in people.iter().enumerate() {
            enqueue(&h, &job(p, &format!("{n}"), &format!("o{i}/{n}"))).await;
        }
    }
    assert!(
        h.graph.wait_for_sent(20, Duration::from_secs(20)).await,
        "all delivered after the outage"
    );
    settle().await;
    for (i, p) in people.iter().enumerate() {
        let expected: Vec<String> = (0..5).map(|n| format!("o{i}/{n}")).collect();
        assert_eq!(
            texts(&h.graph.sent_to(&p.phone)),
            expected,
            "informant {i}: each once, in order"
        );
    }
    assert_eq!(h.graph.sent().len(), 20);
    assert_eq!(h.graph.attempts().len(), 30, "ten refused calls, twenty accepted");
    assert_eq!(h.server.outbound.stats().expect("stats").dead, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_webhooks_raise_delivery_whatever_their_order() {
    let h = Harness::start().await;
    let now = FIXTURE_TIME + 60;
    let p = informant(&h, "919800000801").await;
    let mut threads = vec![];
    for id in ["e1", "e2", "e3", "e4"] {
        let (j, thread) = thread_job(&h, &p, id, &format!("note {id}"), now).await;
        enqueue(&h, &j).await;
        threads.push(thread);
    }
    assert!(h.graph.wait_for_sent(4, Duration::from_secs(10)).await);
    settle().await;
    let wamids: Vec<String> = h.graph.sent_to(&p.phone).iter().map(|r| r.wamid.clone()).collect();
    for t in &threads {
        assert_eq!(
            entry(&h, t).await.delivery,
            Some(DeliveryState::Sent),
            "sent, by the notifier"
        );
    }
    let hr = &h;
    let post = |list: Vec<serde_json::Value>| {
        let payload = statuses(&hr.config.phone_number_id, list);
        async move { hr.deliver(&payload).await }
    };
    let st = |i: usize, status: &str, at: i64| {
        status_at(
            &wamids[i],
            status,
            &p.phone,
            at,
            (status == "failed").then_some(131_026),
        )
    };
    // e1: read, then delivered, then sent — each its own delivery.
    for (status, at) in [("read", now + 30), ("delivered", now + 20), ("sent", now + 10)] {
        assert_eq!(post(vec![st(0, status, at)]).await, 200);
    }
    // e2: read, then failed.
    for (status, at) in [("read", now + 30), ("failed", now + 40)] {
        assert_eq!(post(vec![st(1, status, at)]).await, 200);
    }
    // e3: failed, then a late sent.
    for (status, at) in [("failed", now + 40), ("sent", now + 10)] {
        assert_eq!(post(vec![st(2, status, at)]).await, 200);
    }
    // e4: one batched delivery, delivered before sent; and a status of no thread's message.
    let stray = status_at("wamid.NOT-OURS", "read", &p.phone, now + 50, None);
    assert_eq!(
        post(vec![st(3, "delivered", now + 20), st(3, "sent", now + 10), stray]).await,
        200
    );
    // The same deliveries again (Meta redelivers): nothing moves.
    assert_eq!(
        post(vec![st(0, "delivered", now + 20), st(2, "sent", now + 10)]).await,
        200
    );

    let got: Vec<(Option<DeliveryState>, Option<i64>)> = {
        let mut out = vec![];
        for t in &threads {
            let e = entry(&h, t).await;
            out.push((e.delivery, e.delivery_at));
        }
        out
    };
    assert_eq!(
        got,
        [
            (Some(DeliveryState::Read), Some(now + 30)),
            (Some(DeliveryState::Read), Some(now + 30)),
            (Some(DeliveryState::Failed), Some(now + 40)),
            (Some(DeliveryState::Delivered), Some(now + 20)),
        ]
    );
    // Neither the message ids (they encode the number) nor the number were stored.
    for path in std::fs::read_dir(h.data.path()).expect("data dir").flatten() {
        if path.path().is_file() {
            let bytes = std::fs::read(path.path()).expect("read");
            for needle in wamids.iter().map(String::as_str).chain([p.phone.as_str()]) {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{} holds {needle}",
                    path.path().display()
                );
            }
        }
    }
}
