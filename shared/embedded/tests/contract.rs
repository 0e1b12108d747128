//! The embedded adapters against the shared port contracts.

use satark_embedded::{FileVault, LocalKeys, Store};

fn store() -> Store {
    Store::in_memory().expect("in-memory store")
}

#[tokio::test]
async fn conversations() {
    satark_contract::conversation_store(&store()).await;
}

#[tokio::test]
async fn dedupe() {
    satark_contract::dedupe_store(&store()).await;
}

#[tokio::test]
async fn message_commits() {
    let store = store();
    satark_contract::message_commit(&store, &store).await;
}

#[tokio::test]
async fn audit() {
    satark_contract::audit_log(&store()).await;
}

#[tokio::test]
async fn aggregates() {
    satark_contract::aggregate_store(&store()).await;
}

#[tokio::test]
async fn reports() {
    satark_contract::report_store(&store()).await;
}

#[tokio::test]
async fn evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = FileVault::new(dir.path().join("evidence"), LocalKeys::random().0, store());
    satark_contract::evidence_vault(&vault).await;
    // At rest, the file is ciphertext.
    let mut files = vec![];
    for entry in walk(dir.path()) {
        files.push(std::fs::read(entry).expect("read"));
    }
    assert!(
        files
            .iter()
            .all(|f| !f.windows(64).any(|w| w.iter().enumerate().all(|(i, b)| *b == i as u8)))
    );
}

#[tokio::test]
async fn keys() {
    let (keys, opener) = LocalKeys::random();
    satark_contract::identity_keys(&keys, &keys, &opener).await;
}

#[tokio::test]
async fn file_backed_store_persists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("satark.sqlite3");
    satark_contract::report_store(&Store::open(&path).expect("open")).await;
    let reopened = Store::open(&path).expect("reopen");
    assert_eq!(reopened.count_reports().expect("count"), 1);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn triage() {
    let store = store();
    satark_contract::triage_store(&store, &store, &store).await;
}

#[tokio::test]
async fn models() {
    satark_contract::model_store(&store()).await;
}

#[tokio::test]
async fn threads() {
    satark_contract::thread_store(&store()).await;
}

#[tokio::test]
async fn paces() {
    satark_contract::pace_store(&store()).await;
}
