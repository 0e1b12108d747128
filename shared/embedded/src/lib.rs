//! Embedded adapters: Satark's ports on one machine, for `satark serve`, tests and
//! small on-premises installs.
//!
//! - [`Store`]: one SQLite database (bundled, WAL) for conversations, dedupe records,
//!   reports, evidence metadata and queues.
//! - [`LocalKeys`] and [`ContactOpener`]: key files standing in for KMS: an HMAC key
//!   for pseudonyms, an AES-256-GCM key for evidence, and a key pair whose public half
//!   seals reply addresses and whose secret half only the notifier loads.
//! - [`FileVault`]: evidence as AES-256-GCM encrypted files.
//! - [`SqliteQueue`]: durable in-process queues with retries, per-group order and a
//!   dead-letter state, the same rules as the SQS queues on AWS.
//! - The report threads (`ThreadStore`) and recipients' sending pace (`PaceStore`)
//!   live in the same database (`thread.rs`).

mod files;
mod keys;
mod queue;
mod retention;
mod store;
mod thread;
mod triage;
mod vault;

pub use files::create_private_dir;
pub use keys::{ContactOpener, KeyFileError, LocalKeys, OsEntropy};
pub use queue::{QueueStats, SqliteQueue, WorkerConfig};
pub use store::Store;
pub use vault::FileVault;

/// Errors opening the embedded store.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("data directory {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

pub(crate) fn backend(e: impl std::fmt::Display) -> satark_core::ports::StoreError {
    satark_core::ports::StoreError::Backend(e.to_string())
}
