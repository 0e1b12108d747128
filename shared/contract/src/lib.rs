//! Contract suites for Satark's ports.
//!
//! Each function exercises one port through its trait only and panics (with a
//! message) where the adapter breaks the contract. Adapter crates call them from their
//! tests: the embedded adapters on SQLite, the AWS adapters on DynamoDB Local and
//! moto. Every call uses fresh random-looking keys, so suites can share a backend.

use satark_core::Lang;
use satark_core::conversation::{Conversation, Draft, Stage};
use satark_core::ids::{Identity, Pseudonym, ReferenceCode, ReportId};
use satark_core::jobs::{Envelope, QueueName};
use satark_core::ports::{
    ActionDelay, AggregateKey, AggregateStore, AuditEntry, AuditLog, ConversationStore, DedupeStore, EvidenceVault,
    Fingerprint, Measure, MediaRecord, MessageCommit, ModelStore, Pseudonymizer, ReplyAddressOpener,
    ReplyAddressSealer, ReportStore, SealedAddress, StoreError, StoredAssessment, TriageCommit, TriageStore,
};
use satark_core::range::Sensitivity;
use satark_core::report::{DetailItem, MediaKind, Report, ReportStatus, StationChoice, Verdict};
use satark_core::retention::{RetentionPolicy, RetentionStore, sweep};
use satark_core::triage::priority::Priority;
use satark_core::triage::{Assessment, Link, LinkKind};

mod thread;
pub use thread::{pace_store, thread_store};

/// A unique suffix per call, so suites can run against a shared backend.
fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // Random, not the clock: suites must not depend on the date.
    let run: u64 = rand::random();
    format!("{tag}{run:x}{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn report_id(seed: &str) -> ReportId {
    let mut bytes = [0u8; 16];
    for (i, b) in seed.bytes().enumerate() {
        bytes[i % 16] = bytes[i % 16].wrapping_mul(31).wrapping_add(b);
    }
    ReportId::from_entropy(&bytes)
}

/// A report as the conversation would submit it.
pub fn sample_report(seed: &str) -> Report {
    let id = report_id(seed);
    Report {
        reference: ReferenceCode::new("JNP", &id.as_str().as_bytes()[..4]),
        id,
        district: "JNP".into(),
        station: StationChoice::Known(3),
        category: "illicit_liquor".into(),
        items: vec![DetailItem::Text {
            body: "कच्ची शराब".into(),
            at: 1_767_081_600,
        }],
        place: None,
        when: None,
        language: Lang::Hi,
        status: ReportStatus::Received,
        submitted_at: 1_767_081_600,
        via_poster: false,
        guard_fired: vec![],
    }
}

/// Conversations: absent until saved; optimistic concurrency on versions.
pub async fn conversation_store(store: &dyn ConversationStore) {
    let who = Pseudonym::new(unique("p1:conv"));
    assert!(
        store.load(&who).await.expect("load").is_none(),
        "a new pseudonym has no conversation"
    );
    let mut conv = Conversation {
        stage: Stage::Menu,
        lang: Some(Lang::Ur),
        ..Conversation::default()
    };
    let address = SealedAddress(vec![1, 2, 3, 250]);
    let v1 = store.save(&who, &conv, Some(&address), None).await.expect("first save");
    assert!(
        matches!(
            store.save(&who, &conv, Some(&address), None).await,
            Err(StoreError::Conflict)
        ),
        "creating twice is a conflict"
    );
    let loaded = store.load(&who).await.expect("load").expect("present");
    assert_eq!(loaded.conversation, conv);
    assert_eq!(loaded.reply_address.as_ref(), Some(&address));
    assert_eq!(loaded.version, v1);

    conv.stage = Stage::AskStatusCode;
    let v2 = store.save(&who, &conv, None, Some(v1)).await.expect("update");
    assert_ne!(v1, v2);
    assert!(
        matches!(store.save(&who, &conv, None, Some(v1)).await, Err(StoreError::Conflict)),
        "a stale version is a conflict"
    );
    let loaded = store.load(&who).await.expect("load").expect("present");
    assert_eq!(loaded.conversation.stage, Stage::AskStatusCode);
    assert_eq!(
        loaded.reply_address.as_ref(),
        Some(&address),
        "saving without an address keeps the stored one"
    );
}

/// Dedupe: a key is claimed once; a released key can be claimed again.
pub async fn dedupe_store(store: &dyn DedupeStore) {
    let key = unique("m1:");
    assert!(store.claim(&key, 1_000).await.expect("claim"));
    assert!(
        !store.claim(&key, 1_001).await.expect("claim again"),
        "second claim is a duplicate"
    );
    assert!(store.seen(&key, 1_001).await.expect("seen"));
    store.release(&key).await.expect("release");
    assert!(!store.seen(&key, 1_002).await.expect("seen after release"));
    assert!(store.claim(&key, 1_002).await.expect("claim after release"));

    // Expiry is the same on every adapter: a claim holds for the whole dedupe period
    // (Meta redelivers for seven days) and counts as absent after it, deleted or not.
    let period = satark_core::retention::RetentionPolicy::default().dedupe;
    let t = satark_core::clock::unix_seconds(2026, 12, 1, 0, 0, 0);
    let key = unique("m1:expiry");
    assert!(store.claim(&key, t).await.expect("claim"));
    assert!(!store.claim(&key, t + 7 * 86_400).await.expect("seven days later"));
    assert!(store.seen(&key, t + period).await.expect("seen at the last second"));
    assert!(!store.claim(&key, t + period).await.expect("at the last second"));
    assert!(!store.seen(&key, t + period + 1).await.expect("expired"));
    assert!(
        store.claim(&key, t + period + 1).await.expect("claim after expiry"),
        "an expired claim counts as absent"
    );
    assert!(
        !store.claim(&key, t + period + 2).await.expect("claimed anew"),
        "the new claim holds"
    );
}

/// Reports: idempotent insert, reference codes unique, status only for the informant.
pub async fn report_store(store: &dyn ReportStore) {
    let informant = Pseudonym::new(unique("p1:rep"));
    let other = Pseudonym::new(unique("p1:other"));
    let report = sample_report(&unique("r"));
    store.insert(&report, &informant).await.expect("insert");
    store
        .insert(&report, &informant)
        .await
        .expect("inserting the same report again is a no-op");
    assert_eq!(store.get(&report.id).await.expect("get").as_ref(), Some(&report));

    let mut clash = sample_report(&unique("r"));
    clash.reference = report.reference.clone();
    assert!(
        matches!(store.insert(&clash, &other).await, Err(StoreError::ReferenceTaken)),
        "a reference code belongs to one report"
    );
    assert!(store.get(&clash.id).await.expect("get").is_none());

    assert_eq!(
        store.status_for(&informant, &report.reference).await.expect("status"),
        Some(ReportStatus::Received)
    );
    assert_eq!(
        store.status_for(&other, &report.reference).await.expect("status"),
        None,
        "not someone else's"
    );
    let recent = store.list_recent(1000).await.expect("list");
    assert!(recent.iter().any(|r| r.id == report.id));
}

/// Evidence: bytes round-trip, records list, discard removes both.
pub async fn evidence_vault(vault: &dyn EvidenceVault) {
    let report_id = report_id(&unique("v"));
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let record = MediaRecord {
        report_id: report_id.clone(),
        media_key: unique("m1:"),
        kind: MediaKind::Photo,
        mime_type: "image/jpeg".into(),
        size: bytes.len() as u64,
        sha256: "00".repeat(32),
        perceptual_hash: Some("f0e1d2c3b4a59687".into()),
        metadata_removed: vec!["exif".into()],
        metadata_stripped: true,
        stored_at: 1_767_081_600,
    };
    vault.put(&record, &bytes).await.expect("put");
    vault.put(&record, &bytes).await.expect("put is idempotent");
    assert_eq!(vault.list(&report_id).await.expect("list"), vec![record.clone()]);
    assert_eq!(
        vault
            .read(&report_id, &record.media_key)
            .await
            .expect("read")
            .as_deref(),
        Some(bytes.as_slice())
    );
    assert!(vault.read(&report_id, "m1:nope").await.expect("read").is_none());
    vault.discard(&report_id).await.expect("discard");
    assert!(vault.list(&report_id).await.expect("list").is_empty());
    assert!(vault.read(&report_id, &record.media_key).await.expect("read").is_none());
}

/// Keys: stable, versioned pseudonyms; reply addresses that only the opener reads and
/// that do not contain the identity.
pub async fn identity_keys(
    pseudonyms: &dyn Pseudonymizer,
    sealer: &dyn ReplyAddressSealer,
    opener: &dyn ReplyAddressOpener,
) {
    let number = Identity::WaId("919876543210".into());
    let bsuid = Identity::UserId("IN.1410018717833190".into());
    let p = pseudonyms.pseudonym(&number);
    assert_eq!(p, pseudonyms.pseudonym(&number), "pseudonyms are stable");
    assert_ne!(p, pseudonyms.pseudonym(&bsuid));
    assert!(p.as_str().contains(':'), "pseudonyms carry a key version");
    assert!(!p.as_str().contains("9876543210"));
    let key = pseudonyms.message_key("wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0VCMEFBMDAwMDAwMDAwMDAwMDEA");
    assert!(!key.contains("HBgM"), "message keys do not embed the wamid");

    for identity in [number, bsuid] {
        let sealed = sealer.seal(&identity).await.expect("seal");
        let plain = identity.canonical_bytes();
        assert!(
            !sealed.0.windows(plain.len()).any(|w| w == plain.as_slice()),
            "ciphertext hides the identity"
        );
        assert_eq!(opener.open(&sealed).await.expect("open"), identity);
    }
    assert!(
        opener.open(&SealedAddress(vec![0; 40])).await.is_err(),
        "garbage does not open"
    );
}

/// Aggregates: counters add up, per cell, and are listed by district and day range.
pub async fn aggregate_store(store: &dyn AggregateStore) {
    let district = unique("D")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    let key = |day: &str, station: Option<u16>, measure: Measure| AggregateKey {
        day: day.into(),
        district: district.clone(),
        station,
        category: "illicit_liquor".into(),
        measure,
    };
    let a = key("2026-11-28", Some(3), Measure::Status(ReportStatus::Received));
    let b = key("2026-11-29", None, Measure::Status(ReportStatus::Received));
    let c = key("2026-11-29", Some(3), Measure::Status(ReportStatus::Closed));
    // Other measures of one cell are counters of their own.
    let d = key("2026-11-29", Some(3), Measure::Priority(Priority::P1));
    let e = key("2026-11-29", Some(3), Measure::FirstAction(ActionDelay::UnderFourHours));
    store.add(&d, 1).await.expect("add");
    store.add(&e, 4).await.expect("add");
    for _ in 0..3 {
        store.add(&a, 1).await.expect("add");
    }
    store.add(&b, 2).await.expect("add");
    store.add(&c, 1).await.expect("add");
    store.add(&c, -1).await.expect("subtract");
    let mut all = store
        .counts(&district, "2026-11-01", "2026-11-30")
        .await
        .expect("counts");
    all.sort();
    let mut expected = vec![
        (a.clone(), 3),
        (b.clone(), 2),
        (c.clone(), 0),
        (d.clone(), 1),
        (e.clone(), 4),
    ];
    expected.sort();
    assert_eq!(all, expected);
    let one_day = store
        .counts(&district, "2026-11-29", "2026-11-29")
        .await
        .expect("counts");
    assert_eq!(one_day.len(), 4, "only the 29th");
    assert!(
        store
            .counts("NONE", "2026-11-01", "2026-11-30")
            .await
            .expect("counts")
            .is_empty()
    );
}

/// Audit log: entries come back newest first, whole, however old they are (entries
/// from years apart, the oldest years before any clock this suite might run under).
pub async fn audit_log(log: &dyn AuditLog) {
    use satark_core::clock::unix_seconds;
    let actor = unique("officer-");
    let times = [
        unix_seconds(2019, 1, 31, 23, 59, 59),
        unix_seconds(2024, 2, 29, 12, 0, 0),
        unix_seconds(2025, 12, 30, 10, 0, 0),
        unix_seconds(2025, 12, 30, 10, 0, 1),
        unix_seconds(2026, 1, 1, 0, 0, 0),
    ];
    let entries: Vec<AuditEntry> = times
        .iter()
        .enumerate()
        .map(|(i, &at)| AuditEntry {
            at,
            actor: actor.clone(),
            action: if i == 1 {
                "evidence.view".into()
            } else {
                "report.view".into()
            },
            report_id: Some(report_id(&format!("{actor}{i}"))),
            detail: (i == 1).then(|| "m1:abc".to_string()),
        })
        .collect();
    // Appended out of order: "newest first" is by time, not by arrival.
    for i in [2, 0, 4, 1, 3] {
        log.append(&entries[i]).await.expect("append");
    }
    let recent: Vec<AuditEntry> = log
        .recent(1000)
        .await
        .expect("recent")
        .into_iter()
        .filter(|e| e.actor == actor)
        .collect();
    let mut expected = entries.clone();
    expected.reverse();
    assert_eq!(recent, expected, "newest first, unchanged");
    assert!(log.recent(1).await.expect("recent").len() <= 1);
}

/// A message's commit: claim, conversation and reports, all or nothing.
pub async fn message_commit(store: &dyn ConversationStore, reports: &dyn ReportStore) {
    let who = Pseudonym::new(unique("p1:commit"));
    let conv = Conversation {
        stage: Stage::Menu,
        lang: Some(Lang::Hi),
        ..Conversation::default()
    };
    let address = SealedAddress(vec![5; 40]);
    let keys: Vec<String> = (0..5).map(|i| unique(&format!("m1:c{i}-"))).collect();
    let jobs = [Envelope {
        queue: QueueName::Outbound,
        group: who.as_str().to_string(),
        dedupe_key: format!("{}.0", keys[0]),
        body: "{\"schema\":1}".into(),
    }];
    let base = MessageCommit {
        who: &who,
        conversation: &conv,
        reply_address: Some(&address),
        expected_version: None,
        message_key: &keys[0],
        now: 1_767_081_600,
        reports: &[],
        jobs: &jobs,
    };
    let v1 = store.commit(&base).await.expect("first message");
    let loaded = store.load(&who).await.expect("load").expect("stored");
    assert_eq!((loaded.version, loaded.reply_address.as_ref()), (v1, Some(&address)));
    // The outbox is kept for redeliveries, or was queued by the commit itself.
    let outbox = store.outbox(&keys[0]).await.expect("outbox");
    assert!(outbox.is_empty() || outbox == jobs, "all of the outbox or none");

    // The same message again: refused, nothing written, whatever the version.
    let again = MessageCommit {
        expected_version: Some(v1),
        jobs: &[],
        ..base
    };
    assert!(matches!(store.commit(&again).await, Err(StoreError::AlreadyProcessed)));
    assert_eq!(store.load(&who).await.expect("load").expect("stored").version, v1);
    assert_eq!(
        store.outbox(&keys[0]).await.expect("outbox"),
        outbox,
        "a redelivery keeps the outbox"
    );
    assert!(store.outbox(&unique("m1:never")).await.expect("outbox").is_empty());

    // A stale version: a conflict, and the message is not claimed.
    let stale = MessageCommit {
        message_key: &keys[1],
        expected_version: None,
        ..base
    };
    assert!(matches!(store.commit(&stale).await, Err(StoreError::Conflict)));
    let v2 = store
        .commit(&MessageCommit {
            expected_version: Some(v1),
            ..stale
        })
        .await
        .expect("retried message");

    // A message that submits a report stores it with the conversation.
    let report = sample_report(&unique("commit"));
    let submitted = [report.clone()];
    let v3 = store
        .commit(&MessageCommit {
            message_key: &keys[2],
            expected_version: Some(v2),
            reports: &submitted,
            ..base
        })
        .await
        .expect("submitting message");
    assert_eq!(reports.get(&report.id).await.expect("get").as_ref(), Some(&report));
    assert_eq!(
        reports.status_for(&who, &report.reference).await.expect("status"),
        Some(ReportStatus::Received)
    );

    // A reference code in use: nothing of the message is stored.
    let mut clash = sample_report(&unique("clash"));
    clash.reference = report.reference.clone();
    let clashing = [clash.clone()];
    let attempt = MessageCommit {
        message_key: &keys[3],
        expected_version: Some(v3),
        reports: &clashing,
        ..base
    };
    assert!(matches!(store.commit(&attempt).await, Err(StoreError::ReferenceTaken)));
    assert!(reports.get(&clash.id).await.expect("get").is_none());
    assert_eq!(store.load(&who).await.expect("load").expect("stored").version, v3);
    store
        .commit(&MessageCommit {
            reports: &[],
            ..attempt
        })
        .await
        .expect("the key was not claimed");
}

// ---- retention ----

const DAY_SECS: i64 = 86_400;
const RETENTION_START: i64 = 1_767_081_600;

async fn put_retention_media(vault: &dyn EvidenceVault, report_id: &ReportId) {
    let record = MediaRecord {
        report_id: report_id.clone(),
        media_key: "m1:abc".into(),
        kind: MediaKind::Photo,
        mime_type: "image/jpeg".into(),
        size: 3,
        sha256: "00".repeat(32),
        perceptual_hash: None,
        metadata_removed: vec![],
        metadata_stripped: true,
        stored_at: RETENTION_START,
    };
    vault.put(&record, b"abc").await.expect("put media");
}

fn idle_conversation(last: i64, draft: Option<ReportId>) -> Conversation {
    Conversation {
        lang: Some(satark_core::Lang::Hi),
        stage: if draft.is_some() { Stage::Details } else { Stage::Idle },
        draft: draft.map(|report_id| Draft {
            report_id,
            reference_suffix_entropy: [1, 2, 3, 4],
            district: Some("JNP".into()),
            station: None,
            category: None,
            items: vec![],
            details_done: false,
            place: None,
            place_answered: false,
            when: None,
            via_poster: false,
            started_at: last,
            guard_fired: vec![],
            guard_reviewed: 0,
            place_reviewed: false,
        }),
        last_inbound_at: Some(last),
        ..Conversation::default()
    }
}

/// The retention sweep (decided in core) over the adapters: drafts, idle conversations,
/// reply addresses, spurious reports and their evidence, dedupe records; each at its
/// lifetime and not before. Needs a store and vault of its own (it sweeps everything).
pub async fn retention<S>(store: &S, vault: &dyn EvidenceVault)
where
    S: ConversationStore + ReportStore + DedupeStore + RetentionStore,
{
    const DAY: i64 = DAY_SECS;
    const T0: i64 = RETENTION_START;
    let policy = RetentionPolicy::default();
    let address = SealedAddress(vec![9; 48]);

    // A draft abandoned mid-report, with a photo already fetched.
    let abandoned = Pseudonym::new("p1:abandoned".into());
    let draft_id = ReportId::from_entropy(&[1; 16]);
    store
        .save(
            &abandoned,
            &idle_conversation(T0, Some(draft_id.clone())),
            Some(&address),
            None,
        )
        .await
        .expect("save");
    put_retention_media(vault, &draft_id).await;

    // An informant whose report was closed, and one whose report is still open.
    let closed = Pseudonym::new("p1:closed".into());
    let open = Pseudonym::new("p1:open".into());
    for who in [&closed, &open] {
        store
            .save(who, &idle_conversation(T0, None), Some(&address), None)
            .await
            .expect("save");
    }
    let closed_report = sample_report("closed");
    let open_report = sample_report("open");
    store.insert(&closed_report, &closed).await.expect("insert");
    store.insert(&open_report, &open).await.expect("insert");
    store
        .set_status(&closed_report.id, ReportStatus::Closed, T0 + DAY)
        .await
        .expect("close");

    // A report an officer marked spurious, with evidence.
    let spam_informant = Pseudonym::new("p1:spam".into());
    let spam = sample_report("spam");
    store.insert(&spam, &spam_informant).await.expect("insert");
    put_retention_media(vault, &spam.id).await;
    assert!(
        store
            .set_verdict(&spam.id, Verdict::Spurious, T0)
            .await
            .expect("verdict")
    );

    store.claim("m1:seen", T0).await.expect("claim");

    // A day and an hour later: only the draft has expired.
    let first = sweep(store, store, vault, &policy, T0 + DAY + 3600)
        .await
        .expect("sweep");
    assert_eq!(first.drafts_expired, 1);
    let reloaded = store.load(&abandoned).await.expect("load").expect("kept");
    assert!(reloaded.conversation.draft.is_none());
    assert_eq!(reloaded.conversation.stage, Stage::Idle);
    assert!(
        vault.list(&draft_id).await.expect("list").is_empty(),
        "the draft's photo is gone"
    );
    assert_eq!((first.conversations_deleted, first.spurious_reports_purged), (0, 0));

    // Nine days: dedupe records pruned (Meta stops redelivering after seven).
    // (Where DynamoDB's TTL prunes them, the sweep counts none; expired, they are
    // absent all the same.)
    sweep(store, store, vault, &policy, T0 + 9 * DAY).await.expect("sweep");
    assert!(store.claim("m1:seen", T0 + 9 * DAY).await.expect("claim"));

    // Thirty-one days: the idle conversation without reports goes; the spurious report
    // and its evidence go; the informants with reports keep their reply addresses.
    let month = sweep(store, store, vault, &policy, T0 + 31 * DAY).await.expect("sweep");
    assert_eq!(month.conversations_deleted, 1);
    assert!(store.load(&abandoned).await.expect("load").is_none());
    assert_eq!(month.spurious_reports_purged, 1);
    assert!(store.get(&spam.id).await.expect("get").is_none());
    assert!(vault.list(&spam.id).await.expect("list").is_empty());
    for who in [&closed, &open] {
        let record = store.load(who).await.expect("load").expect("kept");
        assert!(record.reply_address.is_some(), "still reachable for feedback");
    }
    assert!(
        store.get(&closed_report.id).await.expect("get").is_some(),
        "genuine reports are never purged"
    );

    // Ninety-two days after closing: that informant is forgotten; the open one is not.
    let later = sweep(store, store, vault, &policy, T0 + 92 * DAY).await.expect("sweep");
    assert_eq!(later.conversations_deleted, 1);
    assert!(store.load(&closed).await.expect("load").is_none());
    assert!(
        store
            .load(&open)
            .await
            .expect("load")
            .expect("kept")
            .reply_address
            .is_some()
    );

    // Shorter configured periods take effect.
    let strict = RetentionPolicy {
        conversation: 400 * DAY,
        ..RetentionPolicy::with_days(1, 1)
    };
    let other = Pseudonym::new("p1:other".into());
    store
        .save(&other, &idle_conversation(T0 + 100 * DAY, None), Some(&address), None)
        .await
        .expect("save");
    let swept = sweep(store, store, vault, &strict, T0 + 102 * DAY)
        .await
        .expect("sweep");
    assert_eq!(swept.reply_addresses_forgotten, 1);
    assert!(
        store
            .load(&other)
            .await
            .expect("load")
            .expect("kept")
            .reply_address
            .is_none()
    );
}

// ---- job queues ----

fn queued_reply(conversation: &Pseudonym, n: usize) -> satark_core::ports::OutboundJob {
    satark_core::ports::OutboundJob {
        conversation: conversation.clone(),
        reply_address: SealedAddress(vec![9, 8, 7]),
        reply: satark_core::conversation::Reply::Text {
            body: format!("reply {n}"),
        },
        job_id: format!("{}.reply-{n}", conversation.as_str()),
        last_inbound_at: None,
        template: None,
        thread: None,
    }
}

/// Job queues, as a consumer sees them: an ordered queue keeps each group's jobs in
/// order and hands a job sent twice over once; every queue hands over each job whole.
/// `receive(queue, want)` takes (and acknowledges) up to `want` job bodies from a queue,
/// in the order the queue releases them, waiting a bounded time.
pub async fn job_queue<F, Fut>(queue: &dyn satark_core::jobs::JobQueue, mut receive: F)
where
    F: FnMut(QueueName, usize) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    use satark_core::jobs::{open_job, send};
    use satark_core::ports::{MediaJob, OutboundJob, ReportJob};
    let a = Pseudonym::new(unique("p1:qa"));
    let b = Pseudonym::new(unique("p1:qb"));
    let jobs: Vec<OutboundJob> = (0..6)
        .map(|n| queued_reply(if n % 3 == 2 { &b } else { &a }, n))
        .collect();
    for job in &jobs {
        send(queue, job).await.expect("send");
    }
    // Sent again (a redelivered webhook dispatching its outbox once more).
    send(queue, &jobs[1]).await.expect("send again");
    send(queue, &jobs[2]).await.expect("send again");
    let got: Vec<OutboundJob> = receive(QueueName::Outbound, jobs.len() + 2)
        .await
        .iter()
        .map(|body| open_job(body).expect("a whole job"))
        .collect();
    for group in [&a, &b] {
        let sent: Vec<&OutboundJob> = jobs.iter().filter(|j| &j.conversation == group).collect();
        let received: Vec<&OutboundJob> = got.iter().filter(|j| &j.conversation == group).collect();
        assert_eq!(received, sent, "each group in order, each job once");
    }

    let media = MediaJob {
        report_id: report_id(&unique("qm")),
        media_key: unique("m1:qm"),
        wa_media_id: "1234567890".into(),
        kind: MediaKind::Voice,
        mime_type: Some("audio/ogg; codecs=opus".into()),
        conversation: a.clone(),
        reply_address: SealedAddress(vec![1, 2, 3]),
        lang: Lang::Ur,
    };
    send(queue, &media).await.expect("send");
    let got = receive(QueueName::Media, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(open_job::<MediaJob>(&got[0]).expect("whole"), media);
    let report = ReportJob {
        report_id: report_id(&unique("qr")),
    };
    send(queue, &report).await.expect("send");
    let got = receive(QueueName::Reports, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(open_job::<ReportJob>(&got[0]).expect("whole"), report);
}

/// A fresh assessment of `report`, as the classifier would write it.
pub fn sample_assessment(report: &Report, priority: Priority) -> Assessment {
    Assessment {
        report_id: report.id.clone(),
        spurious_score: 0.125,
        spurious: false,
        reasons: vec![],
        suggested_category: None,
        priority,
        base_priority: priority,
        priority_reasons: vec![],
        sensitivity: Sensitivity::Standard,
        sensitivity_reason: None,
        links: vec![],
        corroborations: 0,
        disclosures: vec![],
        model_verdicts: 0,
        classified_at: report.submitted_at + 5,
        first_action_at: None,
        alerted_at: (priority == Priority::P1).then_some(report.submitted_at + 5),
        acknowledged_at: None,
        escalated_at: None,
        verdict: None,
        assigned_station: None,
        assigned_officer: None,
        action_news_at: None,
    }
}

fn fingerprint(report: &Report, informant: &Pseudonym, text: u64) -> Fingerprint {
    Fingerprint {
        report_id: report.id.clone(),
        district: report.district.clone(),
        station: Some(3),
        submitted_at: report.submitted_at,
        text: Some(text),
        images: vec!["00ff00ff00ff00ff".into()],
        informant: informant.clone(),
    }
}

/// Triage: a first classification is written once, with its counters, all or nothing;
/// updates are optimistic; linked assessments move in the same write; fingerprints
/// are found by district and by informant within a window; unacknowledged alerts
/// are listed until acknowledged. `aggregates` must read what `triage` commits.
pub async fn triage_store(reports: &dyn ReportStore, triage: &dyn TriageStore, aggregates: &dyn AggregateStore) {
    let district = unique("T")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    let informant = Pseudonym::new(unique("p1:triage"));
    let other = Pseudonym::new(unique("p1:other"));
    let mut earlier = sample_report(&unique("triage-a"));
    earlier.district = district.clone();
    let mut later = sample_report(&unique("triage-b"));
    later.district = district.clone();
    later.submitted_at = earlier.submitted_at + 3600;
    later.reference = ReferenceCode::new("JNP", &later.id.as_str().as_bytes()[4..8]);
    reports.insert(&earlier, &other).await.expect("insert");
    reports.insert(&later, &informant).await.expect("insert");
    assert_eq!(
        reports.informant_of(&later.id).await.expect("informant"),
        Some(informant.clone())
    );
    assert_eq!(reports.informant_of(&report_id("none")).await.expect("informant"), None);
    assert!(triage.assessment(&earlier.id).await.expect("read").is_none());

    let cell = |measure: Measure| AggregateKey {
        day: "2026-12-30".into(),
        district: district.clone(),
        station: Some(3),
        category: "illicit_liquor".into(),
        measure,
    };
    let first = sample_assessment(&earlier, Priority::P2);
    let counts = [
        (cell(Measure::Status(ReportStatus::Received)), 1),
        (cell(Measure::Priority(Priority::P2)), 1),
    ];
    let jobs = [Envelope {
        queue: QueueName::Outbound,
        group: "office:JNP".into(),
        dedupe_key: unique("alert"),
        body: "{}".into(),
    }];
    let commit = TriageCommit {
        assessment: &first,
        expected_version: None,
        fingerprint: Some(&fingerprint(&earlier, &other, 7)),
        linked: &[],
        counts: &counts,
        status: None,
        verdict: None,
        now: earlier.submitted_at + 5,
        jobs: &jobs,
    };
    assert_eq!(triage.commit(&commit).await.expect("first classification"), 1);
    // The same first classification again (a redelivery) writes nothing.
    assert!(matches!(
        triage.commit(&commit).await,
        Err(StoreError::AlreadyProcessed)
    ));
    let counted = aggregates
        .counts(&district, "2026-12-30", "2026-12-30")
        .await
        .expect("counts");
    assert_eq!(
        counted.iter().map(|(_, n)| n).sum::<i64>(),
        2,
        "counted once: {counted:?}"
    );
    let stored = triage.assessment(&earlier.id).await.expect("read").expect("stored");
    assert_eq!((stored.assessment.clone(), stored.version), (first.clone(), 1));
    let outbox = triage.outbox(&earlier.id).await.expect("outbox");
    assert!(
        outbox.is_empty() || outbox == jobs,
        "the outbox is the commit's jobs or already queued"
    );

    // The later report links the earlier one, and raises it, in one write.
    let mut raised = stored.clone();
    raised.assessment.priority = Priority::P1;
    raised.assessment.alerted_at = Some(later.submitted_at + 5);
    raised.assessment.links.push(Link {
        report_id: later.id.clone(),
        kind: LinkKind::Text,
        independent: true,
    });
    raised.assessment.corroborations = 1;
    let second = sample_assessment(&later, Priority::P3);
    let moves = [
        (cell(Measure::Priority(Priority::P2)), -1),
        (cell(Measure::Priority(Priority::P1)), 1),
        (cell(Measure::Priority(Priority::P3)), 1),
    ];
    // A stale version of the linked assessment refuses the whole write.
    let stale = StoredAssessment {
        assessment: raised.assessment.clone(),
        version: 7,
    };
    let refused = TriageCommit {
        assessment: &second,
        expected_version: None,
        fingerprint: Some(&fingerprint(&later, &informant, 7)),
        linked: std::slice::from_ref(&stale),
        counts: &moves,
        status: None,
        verdict: None,
        now: later.submitted_at + 5,
        jobs: &[],
    };
    let outcome = triage.commit(&refused).await;
    assert!(matches!(outcome, Err(StoreError::Conflict)), "{outcome:?}");
    assert!(
        triage.assessment(&later.id).await.expect("read").is_none(),
        "nothing of it stored"
    );
    let counted = aggregates
        .counts(&district, "2026-12-30", "2026-12-30")
        .await
        .expect("counts");
    assert_eq!(
        counted.iter().map(|(_, n)| n).sum::<i64>(),
        2,
        "no count moved: {counted:?}"
    );
    let accepted = TriageCommit {
        linked: std::slice::from_ref(&raised),
        ..refused
    };
    triage.commit(&accepted).await.expect("classified with its link");
    let now_earlier = triage.assessment(&earlier.id).await.expect("read").expect("stored");
    assert_eq!(now_earlier.version, 2);
    assert_eq!(now_earlier.assessment.priority, Priority::P1);
    let mut counted = aggregates
        .counts(&district, "2026-12-30", "2026-12-30")
        .await
        .expect("counts");
    counted.retain(|(_, n)| *n != 0);
    counted.sort();
    let mut expected = vec![
        (cell(Measure::Status(ReportStatus::Received)), 1),
        (cell(Measure::Priority(Priority::P1)), 1),
        (cell(Measure::Priority(Priority::P3)), 1),
    ];
    expected.sort();
    assert_eq!(counted, expected);

    // Fingerprints by district (newest first, within the window) and by informant.
    let found = triage
        .fingerprints(&district, earlier.submitted_at, 10)
        .await
        .expect("fingerprints");
    let ids: Vec<&ReportId> = found.iter().map(|f| &f.report_id).collect();
    assert_eq!(ids, [&later.id, &earlier.id]);
    assert_eq!(found[0].informant, informant);
    let window = triage
        .fingerprints(&district, later.submitted_at, 10)
        .await
        .expect("fingerprints");
    assert_eq!(window.len(), 1, "only what is inside the window");
    assert_eq!(
        triage.fingerprints(&district, 0, 1).await.expect("fingerprints").len(),
        1,
        "the limit holds"
    );
    let own = triage
        .informant_fingerprints(&informant, 0, 10)
        .await
        .expect("by informant");
    assert_eq!(own.iter().map(|f| &f.report_id).collect::<Vec<_>>(), [&later.id]);

    // The raised report's alert waits for an officer, then is gone once acknowledged.
    let ids = |alerts: Vec<satark_core::ports::PendingAlert>| -> Vec<ReportId> {
        alerts.into_iter().map(|a| a.report_id).collect()
    };
    let pending = triage
        .unacknowledged_alerts(later.submitted_at + 5, 100)
        .await
        .expect("alerts");
    let alert = pending
        .iter()
        .find(|a| a.report_id == earlier.id)
        .cloned()
        .unwrap_or_else(|| panic!("pending: {pending:?}"));
    assert_eq!(alert.alerted_at, later.submitted_at + 5);
    assert!(
        !ids(triage
            .unacknowledged_alerts(later.submitted_at + 4, 100)
            .await
            .expect("alerts"))
        .contains(&earlier.id),
        "not before it was raised"
    );
    let mut acknowledged = now_earlier.assessment.clone();
    acknowledged.acknowledged_at = Some(later.submitted_at + 60);
    acknowledged.first_action_at = Some(later.submitted_at + 60);
    let action = [
        (cell(Measure::Status(ReportStatus::Received)), -1),
        (cell(Measure::Status(ReportStatus::UnderReview)), 1),
        (cell(Measure::FirstAction(ActionDelay::UnderHour)), 1),
    ];
    let update = TriageCommit {
        assessment: &acknowledged,
        expected_version: Some(now_earlier.version),
        fingerprint: None,
        linked: &[],
        counts: &action,
        status: Some(ReportStatus::UnderReview),
        verdict: Some(Verdict::Genuine),
        now: later.submitted_at + 60,
        jobs: &[],
    };
    assert_eq!(triage.commit(&update).await.expect("officer action"), 3);
    assert!(
        matches!(triage.commit(&update).await, Err(StoreError::Conflict)),
        "stale version"
    );
    assert!(!ids(triage.unacknowledged_alerts(i64::MAX / 2, 100).await.expect("alerts")).contains(&earlier.id));
    // A dismissed alert is gone too (a purged report's must not hold back others).
    triage.dismiss_alert(&alert).await.expect("dismiss");
    triage
        .dismiss_alert(&alert)
        .await
        .expect("dismissing twice is harmless");
    let report = reports.get(&earlier.id).await.expect("get").expect("stored");
    assert_eq!(
        report.status,
        ReportStatus::UnderReview,
        "the status moved with the action"
    );
    // Each kind of action alone: a status without a verdict, closing, a verdict alone.
    let mut version = 3;
    for (status, verdict) in [
        (Some(ReportStatus::ActionTaken), None),
        (Some(ReportStatus::Closed), None),
        (None, Some(Verdict::Spurious)),
    ] {
        let action = TriageCommit {
            assessment: &acknowledged,
            expected_version: Some(version),
            fingerprint: None,
            linked: &[],
            counts: &[],
            status,
            verdict,
            now: later.submitted_at + 120,
            jobs: &[],
        };
        version = triage
            .commit(&action)
            .await
            .unwrap_or_else(|e| panic!("{status:?} {verdict:?}: {e}"));
        if let Some(status) = status {
            let report = reports.get(&earlier.id).await.expect("get").expect("stored");
            assert_eq!(report.status, status);
        }
    }
    assert_eq!(version, 6);
}

/// Models: absent until saved; optimistic concurrency on versions; bytes kept exactly.
pub async fn model_store(store: &dyn ModelStore) {
    let name = unique("model-");
    assert!(store.load(&name).await.expect("load").is_none());
    let bytes: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
    assert_eq!(store.save(&name, &bytes, None).await.expect("save"), 1);
    assert!(matches!(store.save(&name, b"x", None).await, Err(StoreError::Conflict)));
    let loaded = store.load(&name).await.expect("load").expect("saved");
    assert_eq!((loaded.bytes.len(), loaded.version), (bytes.len(), 1));
    assert!(loaded.bytes == bytes, "bytes kept exactly");
    assert_eq!(store.save(&name, b"second", Some(1)).await.expect("save"), 2);
    assert!(matches!(
        store.save(&name, b"stale", Some(1)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.load(&name).await.expect("load").expect("saved").bytes, b"second");
}
