//! What the tests on the AWS emulators share: API Gateway events through a router as
//! `lambda_http` delivers them, and SQS queues pumped into a function as the event
//! source mapping would.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use satark_aws::aws_sdk_sqs::types::MessageSystemAttributeName;
use satark_aws::testing::Fixture;
use serde_json::{Value, json};
use tower::ServiceExt;

/// An API Gateway HTTP API (payload 2.0) event, as Lambda receives it; `claims` are
/// what the JWT authorizer verified, if the route has one.
pub fn gateway_event(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<String>,
    claims: Option<Value>,
) -> Value {
    let mut event = json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path, "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": query.split('&').filter(|p| !p.is_empty())
            .filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), Value::from(v))).collect::<serde_json::Map<_, _>>(),
        "requestContext": { "accountId": "123456789012", "apiId": "satark", "domainName": "satark.execute-api.ap-south-1.amazonaws.com",
            "domainPrefix": "satark", "http": { "method": method, "path": path, "protocol": "HTTP/1.1",
            "sourceIp": "173.252.88.1", "userAgent": "facebookexternalua" }, "requestId": "req", "routeKey": format!("{method} {path}"),
            "stage": "$default", "time": "29/Nov/2026:10:00:00 +0000", "timeEpoch": 1795945200000u64 },
        "body": body, "isBase64Encoded": false
    });
    if let Some(claims) = claims {
        event["requestContext"]["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    event
}

pub fn api_gateway_event(method: &str, query: &str, headers: Value, body: Option<String>) -> Value {
    gateway_event(method, "/webhook", query, headers, body, None)
}

/// Runs an API Gateway event through the router the way `lambda_http::run` does.
pub async fn invoke(router: &axum::Router, event: Value) -> (u16, String) {
    let request: lambda_http::request::LambdaRequest = serde_json::from_value(event).expect("API Gateway v2 event");
    let (parts, body) = lambda_http::Request::from(request).into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Feeds what is on a queue to a function, as the SQS event source mapping would:
/// batches of up to ten, successes deleted, failures left for redelivery. Returns the
/// bodies it saw.
pub async fn pump<F, Fut>(fx: &Fixture, queue_url: &str, handle: F) -> Vec<String>
where
    F: Fn(SqsEvent) -> Fut,
    Fut: std::future::Future<Output = aws_lambda_events::event::sqs::SqsBatchResponse>,
{
    let mut seen = vec![];
    loop {
        let received = fx
            .config
            .sqs()
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("ReceiveMessage");
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return seen;
        }
        let mut event = SqsEvent::default();
        for m in &messages {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id.clone();
            record.receipt_handle = m.receipt_handle.clone();
            record.body = m.body.clone();
            for (k, v) in m.attributes.clone().unwrap_or_default() {
                record.attributes.insert(k.as_str().to_string(), v);
            }
            seen.extend(m.body.clone());
            event.records.push(record);
        }
        let response = handle(event).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert!(failed.is_empty(), "no message should fail here: {failed:?}");
        for m in messages {
            fx.config
                .sqs()
                .delete_message()
                .queue_url(queue_url)
                .set_receipt_handle(m.receipt_handle)
                .send()
                .await
                .expect("DeleteMessage");
        }
    }
}

pub fn media_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/media/tests/fixtures")
        .join(name);
    std::fs::read(path).expect("media fixture")
}
