//! SQS batches with partial failures: a failed message is retried (and, after the
//! queue's maxReceiveCount, dead-lettered) without redelivering the whole batch.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use std::collections::HashSet;
use std::future::Future;

/// Runs `handle` on every message body and reports the ones that failed. On a FIFO
/// queue, once a message of a group fails, the group's later messages in the batch
/// are reported failed unprocessed, so one informant's messages never overtake
/// each other.
pub async fn process_batch<F, Fut, E>(event: SqsEvent, handle: F) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut response = SqsBatchResponse::default();
    let mut failed_groups: HashSet<String> = HashSet::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId").cloned();
        let blocked = group.as_ref().is_some_and(|g| failed_groups.contains(g));
        let outcome = if blocked {
            Err("an earlier message of its group failed".to_string())
        } else {
            match record.body {
                Some(body) => handle(body).await.map_err(|e| e.to_string()),
                None => Err("message without a body".to_string()),
            }
        };
        if let Err(reason) = outcome {
            tracing::warn!(reason = %reason, "queue message failed; SQS will redeliver it");
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
        ];
        let seen = std::sync::Mutex::new(vec![]);
        let response = process_batch(event, |body| {
            seen.lock().map(|mut s| s.push(body.clone())).ok();
            async move { if body == "fail" { Err("no") } else { Ok(()) } }
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["2", "3", "5"]);
        assert_eq!(
            seen.lock().map(|s| s.len()).unwrap_or(0),
            4,
            "message 3 was not processed out of order"
        );
    }
}
