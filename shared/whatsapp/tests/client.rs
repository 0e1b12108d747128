//! `GraphClient` against a tiny local axum server: headers, JSON bodies,
//! error parsing, media size cap and URL expiry.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use satark_whatsapp::client::{GraphClient, GraphConfig, SendError};
use satark_whatsapp::send::{OutgoingMessage, Recipient, ReplyButton, message_body};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PNID: &str = "109876543210987";
const TOKEN: &str = "test-token";
const UA: &str = "satark-test/1.0";
const RATE_LIMITED: &str = "+911111111111";

const PAIR_LIMIT_BODY: &str = r#"{ "error": { "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
  "type": "OAuthException", "code": 131056,
  "error_data": { "messaging_product": "whatsapp",
                  "details": "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time." },
  "fbtrace_id": "AbCdEfGhIjKlMnOpQr" } }"#;

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    user_agent: Option<String>,
    content_type: Option<String>,
    body: Value,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn seen(path: String, query: Option<String>, headers: &HeaderMap, body: &[u8]) -> Seen {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Seen {
        path,
        query,
        authorization: h("authorization"),
        user_agent: h("user-agent"),
        content_type: h("content-type"),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    }
}

fn push(log: &Log, s: Seen) {
    if let Ok(mut l) = log.lock() {
        l.push(s);
    }
}

fn entries(log: &Log) -> Vec<Seen> {
    log.lock().map(|l| l.clone()).unwrap_or_default()
}

async fn messages(
    State(log): State<Log>,
    Path((ver, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = seen(format!("/{ver}/{pnid}/messages"), None, &headers, &body);
    let to = s.body.get("to").and_then(Value::as_str).map(str::to_owned);
    let is_read = s.body.get("status").is_some();
    let empty = s.body.get("type").and_then(Value::as_str) == Some("template");
    push(&log, s);
    if is_read {
        return axum::Json(json!({ "success": true })).into_response();
    }
    if to.as_deref() == Some(RATE_LIMITED) {
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/json")],
            PAIR_LIMIT_BODY,
        )
            .into_response();
    }
    if empty {
        return axum::Json(json!({ "messaging_product": "whatsapp", "messages": [] })).into_response();
    }
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [ { "input": to, "wa_id": "919876543210" } ],
        "messages": [ { "id": "wamid.TEST1" } ]
    }))
    .into_response()
}

async fn media_info(
    State(log): State<Log>,
    Path((ver, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    push(&log, seen(format!("/{ver}/{id}"), query, &headers, b""));
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("http://{host}/media/ok?mid={id}"),
        "mime_type": "image/jpeg",
        "sha256": "a69f6e1e2c33c4f0a1d6c8b5c9e4c3b1e0f2d3a4b5c6d7e8f9a0b1c2d3e4f5a6",
        "file_size": "204817",
        "id": id
    }))
    .into_response()
}

async fn media(State(log): State<Log>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    push(&log, seen(format!("/media/{name}"), None, &headers, b""));
    match name.as_str() {
        "ok" => (
            [("content-type", "image/jpeg")],
            vec![0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        )
            .into_response(),
        "big" => ([("content-type", "video/mp4")], vec![7u8; 4096]).into_response(),
        _ => (StatusCode::NOT_FOUND, "gone").into_response(),
    }
}

struct Server {
    base: String,
    log: Log,
    _task: tokio::task::JoinHandle<()>,
}

async fn server() -> Server {
    let log: Log = Arc::default();
    let app = Router::new()
        .route("/media/{name}", get(media))
        .route("/{ver}/{id}/messages", post(messages))
        .route("/{ver}/{id}", get(media_info))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}"),
        log,
        _task: task,
    }
}

fn config(base: &str) -> GraphConfig {
    GraphConfig {
        base_url: base.to_owned(),
        api_version: "v25.0".into(),
        access_token: TOKEN.into(),
        phone_number_id: PNID.into(),
        user_agent: UA.into(),
        timeout: Duration::from_secs(5),
    }
}

fn client(base: &str) -> GraphClient {
    GraphClient::new(config(base)).unwrap_or_else(|e| panic!("client: {e}"))
}

fn buttons() -> OutgoingMessage {
    OutgoingMessage::Buttons {
        header: None,
        body: "क्या आप रिपोर्ट भेजना चाहते हैं?".into(),
        footer: Some("Satark".into()),
        buttons: vec![
            ReplyButton {
                id: "yes".into(),
                title: "हाँ".into(),
            },
            ReplyButton {
                id: "no".into(),
                title: "नहीं".into(),
            },
        ],
    }
}

#[tokio::test]
async fn send_sets_headers_and_documented_body() {
    let srv = server().await;
    let c = client(&srv.base);
    let to = Recipient::WaId("919876543210".into());
    let sent = c.send(&to, &buttons(), Some("wamid.IN1")).await;
    assert_eq!(sent.map(|s| s.wamid), Ok("wamid.TEST1".to_string()));
    let log = entries(&srv.log);
    assert_eq!(log.len(), 1);
    let s = &log[0];
    assert_eq!(s.path, format!("/v25.0/{PNID}/messages"));
    assert_eq!(s.authorization.as_deref(), Some("Bearer test-token"));
    assert_eq!(s.user_agent.as_deref(), Some(UA));
    assert!(
        s.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json"))
    );
    assert_eq!(s.body, message_body(&to, &buttons(), Some("wamid.IN1")));
    assert_eq!(s.body["to"], "+919876543210");
    assert_eq!(s.body["context"]["message_id"], "wamid.IN1");
}

#[tokio::test]
async fn send_parses_graph_error_without_leaking_recipient() {
    let srv = server().await;
    let c = client(&srv.base);
    let err = c
        .send(
            &Recipient::WaId(RATE_LIMITED.into()),
            &OutgoingMessage::Text {
                body: "private report text".into(),
            },
            None,
        )
        .await
        .err();
    let Some(err) = err else {
        panic!("expected an error");
    };
    assert_eq!(err.code(), Some(131_056));
    assert!(err.is_retryable());
    assert_eq!(err.retry_after_hint(), Some(Duration::from_secs(6)));
    match &err {
        SendError::Graph {
            status,
            details,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert!(details.as_deref().is_some_and(|d| d.contains("same phone number")));
            assert!(message.as_deref().is_some_and(|m| m.starts_with("(#131056)")));
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(!text.contains("1111111111") && !text.contains("private report"));
}

#[tokio::test]
async fn invalid_message_is_not_sent() {
    let srv = server().await;
    let c = client(&srv.base);
    let mut msg = buttons();
    if let OutgoingMessage::Buttons { buttons, .. } = &mut msg {
        buttons[0].title = "a title that is far too long".into();
    }
    let err = c.send(&Recipient::WaId("919876543210".into()), &msg, None).await;
    assert!(matches!(err, Err(SendError::Invalid(_))), "{err:?}");
    assert!(entries(&srv.log).is_empty());
}

#[tokio::test]
async fn bsuid_recipient_and_decode_error() {
    let srv = server().await;
    let c = client(&srv.base);
    let tmpl = OutgoingMessage::Template {
        name: "report_update".into(),
        language: "hi".into(),
        body_params: vec![],
        quick_reply_payloads: vec![],
    };
    let err = c
        .send(&Recipient::UserId("IN.1410018717833190".into()), &tmpl, None)
        .await;
    assert!(matches!(err, Err(SendError::Decode(_))), "{err:?}");
    let log = entries(&srv.log);
    assert_eq!(log[0].body["recipient"], "IN.1410018717833190");
    assert!(log[0].body.get("to").is_none());
}

#[tokio::test]
async fn mark_read_posts_documented_body() {
    let srv = server().await;
    let c = client(&srv.base);
    assert_eq!(c.mark_read("wamid.IN1").await, Ok(()));
    assert_eq!(c.mark_read_typing("wamid.IN2").await, Ok(()));
    let log = entries(&srv.log);
    assert_eq!(
        log[0].body,
        json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1" })
    );
    assert_eq!(log[1].body["typing_indicator"], json!({ "type": "text" }));
    assert!(matches!(c.mark_read("").await, Err(SendError::InvalidArgument(_))));
}

#[tokio::test]
async fn media_info_then_download() {
    let srv = server().await;
    let c = client(&srv.base);
    let info = c
        .media_info("1038475629104857")
        .await
        .unwrap_or_else(|e| panic!("media_info: {e}"));
    assert_eq!(info.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(info.file_size, Some(204_817));
    assert!(info.sha256.is_some());
    let bytes = c
        .download_media(&info.url, 1024)
        .await
        .unwrap_or_else(|e| panic!("download: {e}"));
    assert_eq!(bytes.as_ref(), &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
    let log = entries(&srv.log);
    assert_eq!(log[0].path, "/v25.0/1038475629104857");
    assert_eq!(
        log[0].query.as_deref(),
        Some(format!("phone_number_id={PNID}").as_str())
    );
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer test-token"));
    assert_eq!(log[1].path, "/media/ok");
    assert_eq!(log[1].authorization.as_deref(), Some("Bearer test-token"));
    assert_eq!(log[1].user_agent.as_deref(), Some(UA));
    assert!(matches!(
        c.media_info("../etc").await,
        Err(SendError::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn download_size_cap_and_expiry() {
    let srv = server().await;
    let c = client(&srv.base);
    let big = format!("{}/media/big", srv.base);
    assert_eq!(c.download_media(&big, 4095).await, Err(SendError::TooLarge));
    assert_eq!(c.download_media(&big, 4096).await.map(|b| b.len()), Ok(4096));
    let gone = format!("{}/media/gone", srv.base);
    let err = c.download_media(&gone, 4096).await;
    assert_eq!(err, Err(SendError::Expired));
}

#[tokio::test]
async fn token_never_sent_to_foreign_plain_http() {
    let srv = server().await;
    let c = client(&srv.base);
    let err = c.download_media("http://example.invalid/media/ok", 10).await;
    assert!(matches!(err, Err(SendError::InvalidArgument(_))), "{err:?}");
    assert!(matches!(
        c.download_media("not a url", 10).await,
        Err(SendError::InvalidArgument(_))
    ));
    assert!(entries(&srv.log).is_empty());
}

/// A server that streams a chunked body with no Content-Length, so the cap
/// must be enforced while reading.
#[tokio::test]
async fn streaming_body_is_capped() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    let task = tokio::spawn(async move {
        for _ in 0..2 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                .await;
            for _ in 0..8 {
                let chunk = [9u8; 512];
                let _ = sock.write_all(b"200\r\n").await;
                let _ = sock.write_all(&chunk).await;
                let _ = sock.write_all(b"\r\n").await;
            }
            let _ = sock.write_all(b"0\r\n\r\n").await;
            let _ = sock.shutdown().await;
        }
    });
    let base = format!("http://{addr}");
    let c = client(&base);
    let url = format!("{base}/stream");
    assert_eq!(c.download_media(&url, 1000).await, Err(SendError::TooLarge));
    assert_eq!(c.download_media(&url, 4096).await.map(|b| b.len()), Ok(4096));
    task.abort();
}

#[tokio::test]
async fn transport_errors_are_retryable() {
    // Bind then drop to get a port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        l.local_addr().map(|a| a.port()).unwrap_or(9)
    };
    let c = client(&format!("http://127.0.0.1:{port}"));
    let err = c
        .send(
            &Recipient::WaId("919876543210".into()),
            &OutgoingMessage::Text { body: "x".into() },
            None,
        )
        .await;
    match err {
        Err(e @ SendError::Transport(_)) => {
            assert!(e.is_retryable());
            assert!(!e.to_string().contains("919876543210"));
        }
        other => panic!("expected transport error, got {other:?}"),
    }
}
