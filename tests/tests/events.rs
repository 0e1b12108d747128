//! The sample events in `events/` are real: each one goes through the code its
//! function runs and does what it says.

use satark_core::ports::{MediaJob, OutboundJob, ReportJob};
use satark_e2e::Harness;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

fn event(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("event file")).expect("event JSON")
}

/// An API Gateway v2 event as the request Lambda hands to the router.
fn request(name: &str) -> axum::http::Request<axum::body::Body> {
    let parsed: lambda_http::request::LambdaRequest =
        serde_json::from_value(event(name)).expect("API Gateway v2 event");
    let (parts, body) = lambda_http::Request::from(parsed).into_parts();
    axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()))
}

/// Sends an event's request to the local server (the same webhook router).
async fn send(h: &Harness, request: axum::http::Request<axum::body::Body>) -> (u16, String) {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    let url = format!(
        "http://{}{}",
        h.server.addr,
        parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut req = h.http.request(parts.method, url).body(bytes.to_vec());
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length") {
            req = req.header(name, value);
        }
    }
    let resp = req.send().await.expect("server reachable");
    (resp.status().as_u16(), resp.text().await.expect("text"))
}

#[tokio::test]
async fn webhook_events_verify_and_deliver() {
    // The events are signed for these development secrets.
    let h = Harness::start_with(|config| {
        config.app_secret = "satark-events-app-secret".into();
        config.verify_token = "satark-events-verify-token".into();
    })
    .await;
    let (status, body) = send(&h, request("webhook-verify.json")).await;
    assert_eq!(status, 200);
    let challenge = event("webhook-verify.json")["queryStringParameters"]["hub.challenge"]
        .as_str()
        .map(str::to_string);
    assert_eq!(Some(body), challenge);
    assert_eq!(send(&h, request("webhook-post.json")).await.0, 200);
    let post = event("webhook-post.json");
    let body: Value = serde_json::from_str(post["body"].as_str().expect("body")).expect("WhatsApp JSON");
    let from = body
        .pointer("/entry/0/changes/0/value/messages/0/from")
        .and_then(Value::as_str)
        .expect("from");
    let mut citizen = h.citizen(from, "");
    let reply = citizen.expect(1).await;
    assert!(
        satark_e2e::text_of(&reply[0]).contains("Satark"),
        "the bot greeted the sender"
    );
}

#[test]
fn queue_events_carry_the_jobs_their_functions_read() {
    for (name, check) in [
        (
            "media-sqs.json",
            (|b: &str| serde_json::from_str::<MediaJob>(b).is_ok()) as fn(&str) -> bool,
        ),
        ("notifier-sqs.json", |b: &str| {
            serde_json::from_str::<OutboundJob>(b).is_ok()
        }),
        ("classifier-sqs.json", |b: &str| {
            serde_json::from_str::<ReportJob>(b).is_ok()
        }),
    ] {
        let parsed: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(event(name)).expect("SQS event");
        assert!(!parsed.records.is_empty(), "{name}");
        for record in parsed.records {
            assert!(
                check(record.body.as_deref().unwrap_or_default()),
                "{name}: body is not the function's job"
            );
        }
    }
}

#[tokio::test]
async fn the_dashboard_event_signs_in_a_district_officer() {
    let store = satark_embedded::Store::in_memory().expect("store");
    let app = satark_lambda::dashboard_app(satark_http::dashboard::DashboardState {
        reports: Arc::new(store.clone()),
        audit: Arc::new(store),
        range: Arc::new(satark_core::range::RangeConfig::default_range().expect("range")),
        clock: Arc::new(satark_core::clock::FixedClock::at(1_795_945_200)),
    });
    let response = app.oneshot(request("dashboard-get-me.json")).await.expect("infallible");
    assert_eq!(response.status().as_u16(), 200);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    let me: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(me["role"], "district");
    assert_eq!(me["district"], "JNP");
}
