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
        tokio::fs::create_dir_all(&dir).await.map_err(backend)?;
        tokio::fs::write(&tmp, &sealed).await.map_err(backend)?;
        tokio::fs::rename(&tmp, &path).await.map_err(backend)?;
        let json = serde_json::to_string(record).map_err(backend)?;
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
            .map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(e.to_string())))
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
