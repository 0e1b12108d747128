//! SQS batches with partial failures: a failed message is retried (and, after the
//! queue's maxReceiveCount, dead-lettered) without redelivering the whole batch.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use satark_core::jobs::JobError;
use std::collections::HashSet;
use std::future::Future;
use tracing::Instrument;

/// Where a job that can never succeed goes at once ([`JobError::Fatal`]), instead of
/// being retried until SQS's redrive policy moves it (on the outbound FIFO queue, a
/// retried message blocks its informant's later messages all that time).
#[derive(Debug, Clone, Default)]
pub struct DeadLetters {
    target: Option<(satark_aws::aws_sdk_sqs::Client, String)>,
}

impl DeadLetters {
    /// `SATARK_DEAD_LETTER_QUEUE_URL`; `None`: fatal jobs are retried like any
    /// failure and reach the dead-letter queue by the redrive policy.
    pub fn new(client: satark_aws::aws_sdk_sqs::Client, url: Option<String>) -> Self {
        DeadLetters {
            target: url.map(|u| (client, u)),
        }
    }

    /// Moves a message to the dead-letter queue; `false` if it could not be moved.
    async fn put(&self, record: &SqsMessage, body: &str, reason: &str) -> bool {
        let Some((client, url)) = &self.target else {
            return false;
        };
        let reason = satark_aws::aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(reason.chars().take(256).collect::<String>())
            .build()
            .ok();
        let mut send = client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .set_message_attributes(reason.map(|r| std::collections::HashMap::from([("reason".to_string(), r)])));
        if let Some(group) = record.attributes.get("MessageGroupId") {
            send = send
                .message_group_id(group)
                .message_deduplication_id(record.message_id.clone().unwrap_or_default());
        }
        match send.send().await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %satark_aws::aws_sdk_sqs::error::DisplayErrorContext(&e), "could not dead-letter a job");
                false
            }
        }
    }
}

/// How long one batch may wait, in all, for deferred jobs ([`JobError::Defer`]) before
/// handing them back to the queue: a recipient's pace asks for seconds, and a batch
/// runs well inside the function's timeout (60 s for the notifier).
pub const DEFER_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs `handle` on every message body and reports the ones that failed. A
/// [`JobError::Retry`] (or a panic) goes back to the queue; a [`JobError::Fatal`] is
/// moved to the dead-letter queue at once when one is configured. A
/// [`JobError::Defer`] is waited for in place and run again while the batch's
/// [`DEFER_BUDGET`] lasts (so pacing costs no receive), then goes back to the queue
/// like a retry. On a FIFO queue, once a message of a group fails, the group's later
/// messages in the batch are reported failed unprocessed, so one informant's messages
/// never overtake each other.
pub async fn process_batch<F, Fut>(event: SqsEvent, dead_letters: &DeadLetters, handle: F) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), JobError>>,
{
    use futures_util::FutureExt;
    let mut response = SqsBatchResponse::default();
    let mut failed_groups: HashSet<String> = HashSet::new();
    let mut waited = std::time::Duration::ZERO;
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId").cloned();
        let blocked = group.as_ref().is_some_and(|g| failed_groups.contains(g));
        let outcome = if blocked {
            Err(JobError::Retry("an earlier message of its group failed".into()))
        } else {
            match &record.body {
                Some(body) => {
                    let span = tracing::info_span!(
                        "job",
                        receive_count = record
                            .attributes
                            .get("ApproximateReceiveCount")
                            .map(String::as_str)
                            .unwrap_or("?")
                    );
                    loop {
                        let outcome = match std::panic::AssertUnwindSafe(handle(body.clone()).instrument(span.clone()))
                            .catch_unwind()
                            .await
                        {
                            Ok(outcome) => outcome,
                            Err(_) => Err(JobError::Retry("the handler panicked".into())),
                        };
                        match outcome {
                            Err(JobError::Defer { after, .. }) if waited + after <= DEFER_BUDGET => {
                                waited += after;
                                tokio::time::sleep(after).await;
                            }
                            Err(JobError::Defer { reason, after }) => {
                                break Err(JobError::Retry(format!(
                                    "deferred by {after:?} beyond the batch's budget: {reason}"
                                )));
                            }
                            other => break other,
                        }
                    }
                }
                None => Err(JobError::Fatal("message without a body".into())),
            }
        };
        let failed = match outcome {
            Ok(()) => false,
            Err(JobError::Fatal(reason)) => {
                let moved = dead_letters
                    .put(&record, record.body.as_deref().unwrap_or_default(), &reason)
                    .await;
                tracing::error!(reason = %reason, dead_lettered = moved, "queue message cannot succeed");
                !moved
            }
            Err(JobError::Retry(reason)) => {
                tracing::warn!(reason = %reason, "queue message failed; SQS will redeliver it");
                true
            }
            // Turned into a retry above; kept for exhaustiveness.
            Err(JobError::Defer { reason, .. }) => {
                tracing::warn!(reason = %reason, "queue message deferred; SQS will redeliver it");
                true
            }
        };
        if failed {
            if let Some(g) = group {
                failed_groups.insert(g);
            }
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// A function fed by an SQS queue.
pub trait SqsHandler: Send + Sync + 'static {
    fn handle(&self, event: SqsEvent) -> impl Future<Output = SqsBatchResponse> + Send;
}

/// Serves `handler` on the Lambda runtime, reporting partial batch failures.
pub async fn serve_sqs<H: SqsHandler>(handler: H) -> Result<(), lambda_runtime::Error> {
    let handler = std::sync::Arc::new(handler);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| {
            let handler = handler.clone();
            async move { Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload).await) }
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage;

    fn message(id: &str, group: Option<&str>, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        if let Some(g) = group {
            m.attributes.insert("MessageGroupId".into(), g.into());
        }
        m
    }

    #[tokio::test]
    async fn failures_are_reported_and_block_their_fifo_group() {
        let mut event = SqsEvent::default();
        event.records = vec![
            message("1", Some("a"), "ok"),
            message("2", Some("a"), "fail"),
            message("3", Some("a"), "ok"),
            message("4", Some("b"), "ok"),
            message("5", None, "fail"),
            message("6", None, "panic"),
            message("7", None, "fatal"),
            message("8", None, "ok"),
        ];
        let seen = std::sync::Mutex::new(vec![]);
        let response = process_batch(event, &DeadLetters::default(), |body| {
            seen.lock().map(|mut s| s.push(body.clone())).ok();
            async move {
                match body.as_str() {
                    "fail" => Err(JobError::Retry("no".into())),
                    "fatal" => Err(JobError::Fatal("never".into())),
                    "panic" => panic!("a handler bug"),
                    _ => Ok(()),
                }
            }
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        // A panic fails its own message only; a fatal one without a dead-letter queue
        // configured is left to the redrive policy.
        assert_eq!(failed, ["2", "3", "5", "6", "7"]);
        assert_eq!(
            seen.lock().map(|s| s.len()).unwrap_or(0),
            7,
            "message 3 was not processed out of order"
        );
    }

    #[tokio::test]
    async fn deferred_jobs_wait_in_the_batch_until_its_budget_is_spent() {
        let mut event = SqsEvent::default();
        event.records = vec![
            message("1", Some("a"), "paced"),
            message("2", Some("a"), "ok"),
            message("3", Some("b"), "slow"),
            message("4", Some("b"), "ok"),
            message("5", Some("c"), "ok"),
        ];
        let runs = std::sync::Mutex::new(std::collections::HashMap::<String, u32>::new());
        let started = std::time::Instant::now();
        let response = process_batch(event, &DeadLetters::default(), |body| {
            let n = runs
                .lock()
                .map(|mut r| {
                    let n = r.entry(body.clone()).or_insert(0);
                    *n += 1;
                    *n
                })
                .unwrap_or(0);
            async move {
                match (body.as_str(), n) {
                    // Its turn comes soon: waited for, then sent.
                    ("paced", 1) => Err(JobError::Defer {
                        reason: "pace".into(),
                        after: std::time::Duration::from_millis(40),
                    }),
                    // Always later: beyond the budget, it goes back to the queue.
                    ("slow", _) => Err(JobError::Defer {
                        reason: "paused".into(),
                        after: std::time::Duration::from_secs(600),
                    }),
                    _ => Ok(()),
                }
            }
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["3", "4"], "b's head waits in the queue, and holds back b");
        assert_eq!(runs.lock().map(|r| r.get("paced").copied()).ok().flatten(), Some(2));
        let waited = started.elapsed();
        assert!(
            waited >= std::time::Duration::from_millis(40) && waited < DEFER_BUDGET,
            "waited the pace, not the budget: {waited:?}"
        );
    }
}
