//! Reply addresses: the notifier can reach an informant whose number exists only as
//! ciphertext, and nothing else in the system holds a key that opens it.

use satark_core::clock::FixedClock;
use satark_core::conversation::Reply;
use satark_core::ids::{Identity, Pseudonym};
use satark_core::ports::{OutboundJob, ReplyAddressOpener, ReplyAddressSealer};
use satark_core::service::{Notifier, NotifierPorts, OutboundWork};
use satark_embedded::{ContactOpener, LocalKeys};
use satark_http::graph::GraphMessenger;
use satark_whatsapp::fake::FakeGraph;
use std::marker::PhantomData;
use std::sync::Arc;

/// Whether a type can open reply addresses, decided at compile time (autoref
/// specialisation): `true` only for implementors of `ReplyAddressOpener`.
struct Probe<T>(PhantomData<T>);
trait OpensAddresses {
    fn opens(&self) -> bool {
        true
    }
}
impl<T: ReplyAddressOpener> OpensAddresses for Probe<T> {}
trait CannotOpen {
    fn opens(&self) -> bool {
        false
    }
}
impl<T> CannotOpen for &Probe<T> {}

#[test]
// The explicit borrows select between the two `opens` methods; they are the point.
#[allow(clippy::needless_borrow)]
fn only_the_notifiers_key_opens_reply_addresses() {
    // What the webhook (and any dashboard) is built from: pseudonym, evidence and the
    // contact key's public half. It cannot decrypt, by construction.
    assert!(!(&Probe::<LocalKeys>(PhantomData)).opens());
    assert!(!(&Probe::<satark_embedded::Store>(PhantomData)).opens());
    assert!(!(&Probe::<satark_core::service::Intake>(PhantomData)).opens());
    // The notifier's key does (the probe itself works).
    assert!((&Probe::<ContactOpener>(PhantomData)).opens());
}

#[tokio::test]
async fn the_notifier_replies_to_an_informant_known_only_as_ciphertext() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = LocalKeys::load_or_create(dir.path()).expect("keys");
    let sealed = keys.seal(&Identity::WaId("919876543210".into())).await.expect("seal");
    // From here on the number exists only inside `sealed`.
    let job = OutboundJob {
        conversation: Pseudonym::new("p1:someone".into()),
        reply_address: sealed.clone(),
        reply: Reply::Text {
            body: "Action has been taken on your report.".into(),
        },
        job_id: "feedback-1".into(),
        last_inbound_at: None,
        template: None,
        thread: None,
    };
    let job_json = serde_json::to_string(&job).expect("json");
    assert!(!job_json.contains("9876543210"), "the queued job carries no number");

    let graph = FakeGraph::new("token", "109876543210987", "v25.0");
    let server = graph.start().await.expect("fake graph");
    let sent_records = satark_embedded::Store::in_memory().expect("store");
    let now = satark_core::clock::unix_seconds(2026, 12, 1, 9, 0, 0);
    let clock = Arc::new(FixedClock::at(now));
    let notifier_with = |opener: Arc<dyn ReplyAddressOpener>, store: satark_embedded::Store| {
        Notifier::new(NotifierPorts {
            opener,
            messenger: Arc::new(GraphMessenger::new(
                satark_whatsapp::GraphClient::new(graph.client_config(&server.base_url)).expect("client"),
            )),
            sent: Arc::new(store.clone()),
            threads: Arc::new(store.clone()),
            pace: Arc::new(store),
            pseudonyms: Arc::new(keys.clone()),
            range: Arc::new(satark_core::range::RangeConfig::default_range().expect("range")),
            clock: clock.clone(),
        })
    };
    let notifier = notifier_with(
        Arc::new(ContactOpener::load(dir.path()).expect("contact secret")),
        sent_records.clone(),
    );
    let work = OutboundWork::from(job);
    notifier.deliver(&work).await.expect("delivered");
    let sent = graph.sent_to("919876543210");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_deref(), Some("+919876543210"));
    // The same job again (a redelivered outbox), an hour later: recognised, not sent twice.
    clock.advance(3600);
    assert_eq!(
        notifier.deliver(&work).await.expect("duplicate"),
        satark_core::service::Delivered::AlreadySent
    );
    assert_eq!(graph.sent_to("919876543210").len(), 1);

    // A notifier with any other secret cannot, and says so without retrying forever.
    let (_, stranger) = LocalKeys::random();
    let wrong = notifier_with(Arc::new(stranger), satark_embedded::Store::in_memory().expect("store"));
    let err = wrong.deliver(&work).await.expect_err("cannot open");
    assert!(!err.is_retryable());
    assert_eq!(graph.sent().len(), 1);
}
