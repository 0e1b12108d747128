//! Contract suites for Satark's ports.
//!
//! Each function exercises one port through its trait only and panics (with a
//! message) where the adapter breaks the contract. Adapter crates call them from their
//! tests: the embedded adapters on SQLite, the AWS adapters on DynamoDB Local and
//! moto. Every call uses fresh random-looking keys, so suites can share a backend.

use satark_core::Lang;
use satark_core::conversation::{Conversation, Stage};
use satark_core::ids::{Identity, Pseudonym, ReferenceCode, ReportId};
use satark_core::jobs::{Envelope, QueueName};
use satark_core::ports::{
    AggregateKey, AggregateStore, AuditEntry, AuditLog, ConversationStore, DedupeStore, EvidenceVault, MediaRecord,
    MessageCommit, Pseudonymizer, ReplyAddressOpener, ReplyAddressSealer, ReportStore, SealedAddress, StoreError,
};
use satark_core::report::{DetailItem, MediaKind, Report, ReportStatus, StationChoice};

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
    let key = |day: &str, station: Option<u16>, status: ReportStatus| AggregateKey {
        day: day.into(),
        district: district.clone(),
        station,
        category: "illicit_liquor".into(),
        status,
    };
    let a = key("2026-11-28", Some(3), ReportStatus::Received);
    let b = key("2026-11-29", None, ReportStatus::Received);
    let c = key("2026-11-29", Some(3), ReportStatus::Closed);
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
    let mut expected = vec![(a.clone(), 3), (b.clone(), 2), (c.clone(), 0)];
    expected.sort();
    assert_eq!(all, expected);
    let one_day = store
        .counts(&district, "2026-11-29", "2026-11-29")
        .await
        .expect("counts");
    assert_eq!(one_day.len(), 2, "only the 29th");
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
