//! Evidence as encrypted files.

use crate::keys::{LocalKeys, open_bytes, seal_bytes};
use crate::{Store, backend};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use satark_core::ids::ReportId;
use satark_core::ports::{EvidenceVault, MediaRecord, StoreError};
use std::path::PathBuf;

/// Evidence files under `<data>/evidence/<report id>/`, each AES-256-GCM encrypted
/// with the evidence key and bound to its report and media key; metadata in SQLite.
#[derive(Clone, Debug)]
pub struct FileVault {
    dir: PathBuf,
    keys: LocalKeys,
    store: Store,
}

impl FileVault {
    pub fn new(dir: PathBuf, keys: LocalKeys, store: Store) -> Self {
        FileVault { dir, keys, store }
    }

    fn report_dir(&self, report_id: &ReportId) -> PathBuf {
        // Report ids are validated Crockford strings: safe as a directory name.
        self.dir.join(report_id.as_str())
    }

    fn file_name(media_key: &str) -> String {
        // Media keys are hex digests with a version prefix; keep only safe characters.
        media_key
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            + ".bin"
    }

    fn aad(record_report: &ReportId, media_key: &str) -> Vec<u8> {
        format!("satark/evidence/v1/{}/{}", record_report.as_str(), media_key).into_bytes()
    }
}

#[async_trait]
impl EvidenceVault for FileVault {
    async fn put(&self, record: &MediaRecord, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = self.report_dir(&record.report_id);
        let sealed = seal_bytes(
            &self.keys.evidence_cipher(),
            &Self::aad(&record.report_id, &record.media_key),
            bytes,
        )
        .map_err(backend)?;
        let path = dir.join(Self::file_name(&record.media_key));
        let tmp = path.with_extension("tmp");
        // The owner's alone, like the rest of the data directory (see `files`).
        let mut dirs = tokio::fs::DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        dirs.mode(0o700);
        dirs.create(&dir).await.map_err(backend)?;
        let mut file = tokio::fs::OpenOptions::new();
        file.write(true).create(true).truncate(true);
        #[cfg(unix)]
        file.mode(0o600);
        let mut file = file.open(&tmp).await.map_err(backend)?;
        // Flushed before the rename: tokio finishes a write in the background otherwise.
        tokio::io::AsyncWriteExt::write_all(&mut file, &sealed)
            .await
            .map_err(backend)?;
        tokio::io::AsyncWriteExt::flush(&mut file).await.map_err(backend)?;
        drop(file);
        tokio::fs::rename(&tmp, &path).await.map_err(backend)?;
        let json = satark_core::records::encode(record)?;
        self.store.with(|c| {
            c.execute(
                "INSERT INTO media (report_id, media_key, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT(report_id, media_key) DO UPDATE SET record = excluded.record",
                params![record.report_id.as_str(), record.media_key, json],
            )
        })?;
        Ok(())
    }

    async fn list(&self, report_id: &ReportId) -> Result<Vec<MediaRecord>, StoreError> {
        let rows = self.store.with(|c| {
            let mut stmt = c.prepare("SELECT record FROM media WHERE report_id = ?1 ORDER BY rowid")?;
            let rows = stmt.query_map([report_id.as_str()], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<String>>>()
        })?;
        rows.iter()
            .map(|r| satark_core::records::decode(r).map_err(StoreError::from))
            .collect()
    }

    async fn read(&self, report_id: &ReportId, media_key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let known = self.store.with(|c| {
            c.query_row(
                "SELECT 1 FROM media WHERE report_id = ?1 AND media_key = ?2",
                [report_id.as_str(), media_key],
                |_| Ok(()),
            )
            .optional()
        })?;
        if known.is_none() {
            return Ok(None);
        }
        let path = self.report_dir(report_id).join(Self::file_name(media_key));
        let sealed = tokio::fs::read(&path).await.map_err(backend)?;
        open_bytes(&self.keys.evidence_cipher(), &Self::aad(report_id, media_key), &sealed)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    async fn discard(&self, report_id: &ReportId) -> Result<(), StoreError> {
        self.store
            .with(|c| c.execute("DELETE FROM media WHERE report_id = ?1", [report_id.as_str()]))?;
        match tokio::fs::remove_dir_all(self.report_dir(report_id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}
