//! Evidence processing isolated from the worker that asked for it.
//!
//! A citizen's file is hostile input. The parsers are written to terminate on any
//! bytes, but a worker must not rely on that alone: processing runs on Tokio's
//! blocking pool (never on the threads that serve the webhook and the queues), within
//! a time budget, and a panic is caught and turned into a refusal. Memory is bounded
//! by the input: the size is capped before download (WhatsApp's own limits), and a
//! stripper only ever copies the input.

use async_trait::async_trait;
use satark_core::ports::{EvidenceProcessor, EvidenceRejection, EvidenceSandbox, ProcessedEvidence};
use satark_core::report::MediaKind;
use std::sync::Arc;
use std::time::Duration;

/// How long one file may take. A 100 MB document is hashed in well under a second;
/// the strippers are linear in the input.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(20);

/// Runs `processor` on the blocking pool within `budget`.
pub struct BlockingSandbox {
    processor: Arc<dyn EvidenceProcessor>,
    budget: Duration,
}

impl BlockingSandbox {
    pub fn new(processor: Arc<dyn EvidenceProcessor>, budget: Duration) -> Self {
        BlockingSandbox { processor, budget }
    }
}

#[async_trait]
impl EvidenceSandbox for BlockingSandbox {
    async fn process(&self, kind: MediaKind, bytes: Vec<u8>) -> Result<ProcessedEvidence, EvidenceRejection> {
        let processor = self.processor.clone();
        let task = tokio::task::spawn_blocking(move || processor.process(kind, &bytes));
        match tokio::time::timeout(self.budget, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) if join.is_panic() => {
                tracing::error!(kind = ?kind, "evidence processor panicked; file refused");
                Err(EvidenceRejection::Unprocessable("the processor crashed".into()))
            }
            Ok(Err(_)) => Err(EvidenceRejection::Unprocessable("processing was cancelled".into())),
            Err(_) => {
                // The blocking thread cannot be stopped; it is left to finish on its own
                // while the job is settled, so the queue moves on.
                tracing::error!(kind = ?kind, budget_ms = self.budget.as_millis() as u64, "evidence processing over budget; file refused");
                Err(EvidenceRejection::Unprocessable("processing took too long".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hostile;

    impl EvidenceProcessor for Hostile {
        fn process(&self, kind: MediaKind, bytes: &[u8]) -> Result<ProcessedEvidence, EvidenceRejection> {
            match (kind, bytes.first()) {
                (_, Some(b'p')) => panic!("a parser bug"),
                (_, Some(b's')) => {
                    std::thread::sleep(Duration::from_millis(3_000));
                    Err(EvidenceRejection::Malformed("slow".into()))
                }
                _ => Err(EvidenceRejection::Unsupported("plain".into())),
            }
        }
    }

    #[tokio::test]
    async fn a_panic_or_an_overrun_is_a_refusal_and_the_worker_goes_on() {
        // Long enough for a panic to unwind in a debug build, short beside the sleeper.
        let sandbox = BlockingSandbox::new(Arc::new(Hostile), Duration::from_millis(1_500));
        assert_eq!(
            sandbox.process(MediaKind::Video, b"p".to_vec()).await,
            Err(EvidenceRejection::Unprocessable("the processor crashed".into()))
        );
        assert_eq!(
            sandbox.process(MediaKind::Video, b"s".to_vec()).await,
            Err(EvidenceRejection::Unprocessable("processing took too long".into()))
        );
        // Still serving.
        assert_eq!(
            sandbox.process(MediaKind::Photo, b"x".to_vec()).await,
            Err(EvidenceRejection::Unsupported("plain".into()))
        );
    }
}
