//! One sender cannot flood the system: past its allowance (a burst, then a steady
//! pace) it gets one polite notice, then silence, while everyone else is answered.

use satark_core::conversation::{BURST_MESSAGES, REFILL_SECS};
use satark_e2e::{Harness, text_of};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_number_gets_its_allowance_of_replies_and_no_more() {
    let h = Harness::start().await;
    let flooder = h.citizen("919800000001", "Flood");
    let started = Instant::now();
    let flood = 600;
    for chunk in (0..flood).collect::<Vec<_>>().chunks(50) {
        let posts = chunk.iter().map(|n| {
            let payload = flooder.payload(flooder.message("text", json!({ "body": format!("spam {n}") })));
            let h = &h;
            async move { h.deliver(&payload).await }
        });
        let statuses = futures::future::join_all(posts).await;
        assert!(statuses.iter().all(|s| *s == 200), "every delivery is acknowledged");
    }
    let elapsed = started.elapsed().as_secs() as i64;

    // Everyone else is still answered at once.
    let mut other = h.citizen("919800000002", "Asha");
    let reply = other.say("Hi").await;
    assert_eq!(reply.len(), 1);

    // The allowance: the burst, one refill per REFILL_SECS of the flood, one notice.
    let allowance = BURST_MESSAGES as usize + (elapsed / REFILL_SECS) as usize + 1;
    // Let what is queued go out (one conversation's replies go one after another, in
    // order), then count.
    // (Up to the pair rate's pace: past WhatsApp's burst, one reply per 6 s.)
    let mut drained = false;
    for _ in 0..200 {
        if h.server.outbound.stats().is_ok_and(|s| s.ready == 0) {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        drained,
        "the flooder's replies went out: {:?}, {} sent",
        h.server.outbound.stats(),
        h.graph.sent_to(&flooder.phone).len()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = h.graph.sent_to(&flooder.phone);
    assert!(
        sent.len() >= BURST_MESSAGES as usize && sent.len() <= allowance,
        "{} replies for {flood} messages; allowance {allowance}",
        sent.len()
    );
    let notices = sent
        .iter()
        .filter(|r| text_of(r).contains("wait a minute") || text_of(r).contains("रुककर"))
        .count();
    assert_eq!(notices, 1, "one slow-down notice");
    assert!(
        h.server.outbound.stats().expect("stats").ready == 0,
        "nothing else is waiting to go out"
    );
}
