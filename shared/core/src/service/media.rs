//! Media ingest: fetch a piece of evidence from WhatsApp into the vault.

use crate::conversation::Reply;
use crate::i18n::Catalog;
use crate::jobs::{JobError, JobQueue};
use crate::ports::{
    ConversationStore, EvidenceSandbox, EvidenceVault, FetchFailure, MediaJob, MediaRecord, MediaSource, OutboundJob,
    QueueError, ReportStore, StoreError,
};
use crate::report::MediaKind;
use std::sync::Arc;

/// WhatsApp's own size limits per kind (reference §7): nothing larger can arrive
/// legitimately, so anything larger is refused before it is read.
pub fn max_media_bytes(kind: MediaKind) -> u64 {
    const MB: u64 = 1024 * 1024;
    match kind {
        MediaKind::Photo => 5 * MB,
        MediaKind::Voice | MediaKind::Audio | MediaKind::Video => 16 * MB,
        MediaKind::Document => 100 * MB,
    }
}

pub struct MediaIngest {
    pub source: Arc<dyn MediaSource>,
    pub vault: Arc<dyn EvidenceVault>,
    pub reports: Arc<dyn ReportStore>,
    pub conversations: Arc<dyn ConversationStore>,
    /// Where notices to the informant go (the outbound queue).
    pub jobs: Arc<dyn JobQueue>,
    pub catalog: Arc<Catalog>,
    /// Sniffs, strips metadata and hashes, isolated so that no file can stall or
    /// crash the worker; nothing reaches the vault without it.
    pub processor: Arc<dyn EvidenceSandbox>,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaIngestError {
    #[error("fetch: {0}")]
    Fetch(#[from] FetchFailure),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl MediaIngestError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            MediaIngestError::Fetch(FetchFailure::Retryable(_))
                | MediaIngestError::Store(StoreError::Backend(_))
                | MediaIngestError::Queue(_)
        )
    }
}

impl From<MediaIngestError> for JobError {
    fn from(e: MediaIngestError) -> Self {
        if e.is_retryable() {
            JobError::Retry(e.to_string())
        } else {
            JobError::Fatal(e.to_string())
        }
    }
}

/// What became of a media job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Stored,
    /// The draft it belonged to was cancelled or expired meanwhile.
    Dropped,
    /// Over the size limit, or not a file we accept; the informant was told.
    Refused,
}

impl MediaIngest {
    pub async fn ingest(&self, job: &MediaJob, now: i64) -> Result<IngestOutcome, MediaIngestError> {
        if !self.still_wanted(job).await? {
            return Ok(IngestOutcome::Dropped);
        }
        // A job delivered twice (queues deliver at least once; a redelivered webhook
        // dispatches its outbox again) is fetched again and stored over itself: the
        // same bytes under the same key. (Checking the vault first would need the
        // media worker to read evidence, which its role must not.)
        let limit = max_media_bytes(job.kind);
        let (bytes, _reported_mime) = match self.source.fetch(&job.wa_media_id, limit).await {
            Ok(fetched) => fetched,
            Err(FetchFailure::TooLarge { .. }) => {
                self.tell(job, "media-too-large").await?;
                return Ok(IngestOutcome::Refused);
            }
            Err(e) => return Err(e.into()),
        };
        let evidence = match self.processor.process(job.kind, bytes).await {
            Ok(e) => e,
            Err(_) => {
                // Neither the file nor its bytes are kept: it is not evidence we can use.
                self.tell(job, "media-unsupported").await?;
                return Ok(IngestOutcome::Refused);
            }
        };
        let record = MediaRecord {
            report_id: job.report_id.clone(),
            media_key: job.media_key.clone(),
            kind: job.kind,
            // What the content is, not what the sender claimed.
            mime_type: evidence.mime_type,
            size: evidence.bytes.len() as u64,
            sha256: evidence.sha256,
            perceptual_hash: evidence.perceptual_hash,
            metadata_removed: evidence.metadata_removed,
            metadata_stripped: evidence.metadata_stripped,
            stored_at: now,
        };
        self.vault.put(&record, &evidence.bytes).await?;
        // The informant may have cancelled (or the draft expired) while the file was
        // fetched and cleaned: the discard then found nothing, so the file goes now.
        if !self.still_wanted(job).await? {
            self.vault.discard(&job.report_id).await?;
            return Ok(IngestOutcome::Dropped);
        }
        Ok(IngestOutcome::Stored)
    }

    /// Media belongs to a submitted report or to the informant's current draft.
    async fn still_wanted(&self, job: &MediaJob) -> Result<bool, MediaIngestError> {
        if self.reports.get(&job.report_id).await?.is_some() {
            return Ok(true);
        }
        let record = self.conversations.load(&job.conversation).await?;
        Ok(record
            .and_then(|r| r.conversation.draft)
            .is_some_and(|d| d.report_id == job.report_id))
    }

    async fn tell(&self, job: &MediaJob, key: &str) -> Result<(), MediaIngestError> {
        let reply = Reply::Text {
            body: self.catalog.plain(job.lang, key),
        };
        let notice = OutboundJob {
            conversation: job.conversation.clone(),
            reply_address: job.reply_address.clone(),
            reply,
            job_id: format!("{}.media-notice", job.media_key),
            last_inbound_at: None,
            template: None,
            thread: None,
        };
        Ok(crate::jobs::send(self.jobs.as_ref(), &notice).await?)
    }
}
