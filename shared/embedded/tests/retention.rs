//! The retention sweep: drafts, conversations, reply addresses, spurious reports.

use satark_core::conversation::{Conversation, Draft, Stage};
use satark_core::ids::{Pseudonym, ReportId};
use satark_core::ports::{ConversationStore, DedupeStore, EvidenceVault, MediaRecord, ReportStore, SealedAddress};
use satark_core::report::{MediaKind, ReportStatus, Verdict};
use satark_core::retention::RetentionPolicy;
use satark_embedded::{FileVault, LocalKeys, Store, sweep};

const DAY: i64 = 86_400;
const T0: i64 = 1_767_081_600;

async fn put_media(vault: &FileVault, report_id: &ReportId) {
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
        stored_at: T0,
    };
    vault.put(&record, b"abc").await.expect("put media");
}

fn conversation(last: i64, draft: Option<ReportId>) -> Conversation {
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
        }),
        last_inbound_at: Some(last),
        ..Conversation::default()
    }
}

#[tokio::test]
async fn the_sweep_applies_every_lifetime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
    let vault = FileVault::new(dir.path().join("evidence"), LocalKeys::random().0, store.clone());
    let policy = RetentionPolicy::default();
    let address = SealedAddress(vec![9; 48]);

    // A draft abandoned mid-report, with a photo already fetched.
    let abandoned = Pseudonym::new("p1:abandoned".into());
    let draft_id = ReportId::from_entropy(&[1; 16]);
    store
        .save(
            &abandoned,
            &conversation(T0, Some(draft_id.clone())),
            Some(&address),
            None,
        )
        .await
        .expect("save");
    put_media(&vault, &draft_id).await;

    // An informant whose report was closed, and one whose report is still open.
    let closed = Pseudonym::new("p1:closed".into());
    let open = Pseudonym::new("p1:open".into());
    for who in [&closed, &open] {
        store
            .save(who, &conversation(T0, None), Some(&address), None)
            .await
            .expect("save");
    }
    let closed_report = satark_contract::sample_report("closed");
    let open_report = satark_contract::sample_report("open");
    store.insert(&closed_report, &closed).await.expect("insert");
    store.insert(&open_report, &open).await.expect("insert");
    store
        .set_report_status(&closed_report.id, ReportStatus::Closed, T0 + DAY)
        .expect("close");

    // A report an officer marked spurious, with evidence.
    let spam_informant = Pseudonym::new("p1:spam".into());
    let spam = satark_contract::sample_report("spam");
    store.insert(&spam, &spam_informant).await.expect("insert");
    put_media(&vault, &spam.id).await;
    store.set_verdict(&spam.id, Verdict::Spurious, T0).expect("verdict");

    store.claim("m1:seen", T0).await.expect("claim");

    // A day and an hour later: only the draft has expired.
    let first = sweep(&store, &vault, &policy, T0 + DAY + 3600).await.expect("sweep");
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
    let nine = sweep(&store, &vault, &policy, T0 + 9 * DAY).await.expect("sweep");
    assert_eq!(nine.dedupe_records_pruned, 1);
    assert!(store.claim("m1:seen", T0 + 9 * DAY).await.expect("claim"));

    // Thirty-one days: the idle conversation without reports goes; the spurious report
    // and its evidence go; the informants with reports keep their reply addresses.
    let month = sweep(&store, &vault, &policy, T0 + 31 * DAY).await.expect("sweep");
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
    let later = sweep(&store, &vault, &policy, T0 + 92 * DAY).await.expect("sweep");
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
        .save(&other, &conversation(T0 + 100 * DAY, None), Some(&address), None)
        .await
        .expect("save");
    let swept = sweep(&store, &vault, &strict, T0 + 102 * DAY).await.expect("sweep");
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
