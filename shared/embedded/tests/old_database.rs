//! A database made before versioned records opens, gains what it lacks, and every
//! record in it loads through the ports (the golden samples of `satark-core`, stored
//! the way that version stored them).

use satark_core::clock::FixedClock;
use satark_core::conversation::Conversation;
use satark_core::ids::Pseudonym;
use satark_core::jobs::{Envelope, JobQueue};
use satark_core::ports::{AuditLog, ConversationStore, EvidenceVault, OutboundJob, ReportStore};
use satark_core::report::Report;
use satark_embedded::{FileVault, LocalKeys, SqliteQueue, Store};
use std::path::Path;
use std::sync::Arc;

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/golden/schema-0")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn a_database_from_before_versioning_opens_and_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("satark.sqlite3");
    let report: Report = serde_json::from_str(&golden("report.json")).expect("sample");
    {
        // The old version's tables and rows, written as it wrote them.
        let db = rusqlite::Connection::open(&path).expect("sqlite");
        db.execute_batch(include_str!("schema-before-versioning.sql"))
            .expect("old schema");
        db.execute(
            "INSERT INTO conversations (pseudonym, version, state, reply_address, updated_at)
             VALUES ('p1:old', 3, ?1, NULL, 1795900100)",
            [golden("conversation-summary.json")],
        )
        .expect("conversation");
        db.execute(
            "INSERT INTO reports (id, reference, informant, district, station, category, status, submitted_at, body)
             VALUES (?1, ?2, 'p1:old', 'JNP', 12, 'illicit_liquor', 'received', 1795900120, ?3)",
            [report.id.as_str(), report.reference.as_str(), &golden("report.json")],
        )
        .expect("report");
        db.execute(
            "INSERT INTO media (report_id, media_key, record) VALUES (?1, 'm1:3f9a', ?2)",
            [report.id.as_str(), &golden("media-record.json")],
        )
        .expect("media");
        db.execute(
            "INSERT INTO audit (at, entry) VALUES (1795950000, ?1)",
            [golden("audit-entry.json")],
        )
        .expect("audit");
        db.execute(
            "INSERT INTO jobs (queue, group_key, dedupe_key, body, state) VALUES ('outbound', 'p1:5e2b8c1d9a0f', 'm1:abc.0', ?1, 'dead')",
            [golden("outbound-job.json")],
        )
        .expect("job");
    }

    let store = Store::open(&path).expect("the old database opens");
    let conversation = store
        .load(&Pseudonym::new("p1:old".into()))
        .await
        .expect("loads")
        .expect("present");
    assert_eq!(conversation.version, 3);
    let expected: Conversation = serde_json::from_str(&golden("conversation-summary.json")).expect("sample");
    assert_eq!(conversation.conversation, expected);
    assert_eq!(store.get(&report.id).await.expect("loads"), Some(report.clone()));
    assert_eq!(store.recent(10).await.expect("audit loads").len(), 1);
    let keys = LocalKeys::load_or_create(dir.path()).expect("keys");
    let vault = FileVault::new(dir.path().join("evidence"), keys, store.clone());
    assert_eq!(vault.list(&report.id).await.expect("media records load").len(), 1);
    let clock = Arc::new(FixedClock::at(1_795_950_000));
    let outbound: SqliteQueue<OutboundJob> = SqliteQueue::new(store.clone(), clock);
    assert_eq!(outbound.dead_letters().expect("old jobs load").len(), 1);

    // The added column is there: new jobs are queued and handled as usual.
    let job: OutboundJob = serde_json::from_str(&golden("outbound-job-buttons.json")).expect("sample");
    store
        .send(&Envelope::of(&job).expect("encodes"))
        .await
        .expect("queued in the old database");
    assert_eq!(outbound.stats().expect("stats").ready, 1);
}
