//! Stored data outlives the code: every record as an earlier schema wrote it (the
//! golden samples under `tests/golden/schema-N/`, committed when that schema was
//! current) still loads, and the current code writes exactly the newest samples.
//!
//! Changing a record's shape therefore fails here first: bump its
//! [`Versioned::SCHEMA`], teach `upgrade` the old layout if it needs more than serde
//! defaults, and add the new samples with `SATARK_BLESS_GOLDEN=1 cargo test -p
//! satark-core --test golden` (which writes the newest schema's directory only).

use satark_core::conversation::Conversation;
use satark_core::jobs::Outbox;
use satark_core::ports::{
    AuditEntry, Fingerprint, MediaJob, MediaRecord, OfficeAlertJob, OutboundJob, ReportJob, ThreadEntry,
};
use satark_core::records::{Versioned, decode, encode};
use satark_core::report::Report;
use satark_core::triage::Assessment;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Loads `name` from every schema directory that has it, checks they all mean the same
/// record, and that today's encoding is the newest sample. Returns how many loaded.
fn check<T>(name: &str) -> usize
where
    T: Serialize + DeserializeOwned + Versioned + PartialEq + Debug,
{
    let newest = golden_dir().join(format!("schema-{}", T::SCHEMA)).join(name);
    let mut loaded: Vec<(u32, T)> = vec![];
    for schema in 0..=T::SCHEMA {
        let path = golden_dir().join(format!("schema-{schema}")).join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let record: T = decode(&text).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()));
        loaded.push((schema, record));
    }
    assert!(!loaded.is_empty(), "no golden sample of {name}");
    let (_, oldest) = &loaded[0];
    let current = encode(oldest).expect("encodes");
    if std::env::var_os("SATARK_BLESS_GOLDEN").is_some() && !newest.exists() {
        let pretty: serde_json::Value = serde_json::from_str(&current).expect("JSON");
        std::fs::create_dir_all(newest.parent().expect("dir")).expect("mkdir");
        std::fs::write(&newest, serde_json::to_string_pretty(&pretty).expect("JSON") + "\n").expect("write");
    }
    for (schema, record) in &loaded {
        assert_eq!(record, oldest, "{name}: schema {schema} and the oldest sample differ");
    }
    let written: serde_json::Value = serde_json::from_str(&current).expect("JSON");
    let sample: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&newest)
            .unwrap_or_else(|_| panic!("no sample {} of the current schema", newest.display())),
    )
    .expect("JSON");
    assert_eq!(
        written, sample,
        "{name}: the current code writes a different shape than its schema's sample: bump the schema"
    );
    loaded.len()
}

#[test]
fn every_stored_record_of_every_schema_still_loads() {
    let mut loaded = 0;
    for name in [
        "conversation-idle.json",
        "conversation-summary.json",
        "conversation-pick-station.json",
        "conversation-guard-question.json",
    ] {
        loaded += check::<Conversation>(name);
    }
    loaded += check::<Report>("report.json");
    loaded += check::<Report>("report-station-unknown.json");
    loaded += check::<Report>("report-guarded.json");
    loaded += check::<MediaRecord>("media-record.json");
    loaded += check::<AuditEntry>("audit-entry.json");
    loaded += check::<OutboundJob>("outbound-job.json");
    loaded += check::<OutboundJob>("outbound-job-buttons.json");
    loaded += check::<OutboundJob>("outbound-job-feedback.json");
    loaded += check::<OfficeAlertJob>("office-alert-job.json");
    loaded += check::<ThreadEntry>("thread-entry.json");
    loaded += check::<Fingerprint>("fingerprint.json");
    loaded += check::<Assessment>("assessment.json");
    loaded += check::<MediaJob>("media-job.json");
    loaded += check::<ReportJob>("report-job.json");
    loaded += check::<Outbox>("outbox.json");
    // Eleven records in schema 0 (before versioning) and schema 1; the three
    // conversations in schema 2 (the citizen's allowance) and 3 (questions and the
    // guard), with a fourth written in schema 3; the reports and outbound jobs in
    // schema 2 too (the guard; the window and templates), with a guarded report and a
    // feedback job new there; the outbox, alert job, thread entry, fingerprint and
    // assessment (new in schema 1).
    assert_eq!(loaded, 26 + 3 + 1 + 4 + 2 + 4);
}

#[test]
fn every_golden_file_is_checked() {
    // A sample added without a check above would prove nothing.
    let checked = [
        "conversation-idle.json",
        "conversation-summary.json",
        "conversation-pick-station.json",
        "report.json",
        "report-station-unknown.json",
        "media-record.json",
        "audit-entry.json",
        "outbound-job.json",
        "outbound-job-buttons.json",
        "media-job.json",
        "report-job.json",
        "outbox.json",
        "conversation-guard-question.json",
        "report-guarded.json",
        "outbound-job-feedback.json",
        "office-alert-job.json",
        "thread-entry.json",
        "fingerprint.json",
        "assessment.json",
    ];
    for dir in std::fs::read_dir(golden_dir()).expect("golden dir") {
        for file in std::fs::read_dir(dir.expect("entry").path()).expect("schema dir") {
            let path = file.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(checked.contains(&name), "{} is a sample no test loads", path.display());
        }
    }
}
