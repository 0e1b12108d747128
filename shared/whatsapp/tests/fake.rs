//! The fake Graph API: auth and path checks, limit enforcement, media,
//! fault injection and a client round trip.
#![cfg(feature = "fake")]

use std::time::Duration;

use satark_whatsapp::client::{GraphClient, SendError};
use satark_whatsapp::fake::{FakeGraph, FakeServer, FakeTemplate, Fault};
use satark_whatsapp::send::{ListRow, ListSection, OutgoingMessage, Recipient, ReplyButton, message_body};
use serde_json::{Value, json};

const TOKEN: &str = "fake-token";
const PNID: &str = "109876543210987";
const VER: &str = "v25.0";
const USER: &str = "919876543210";

async fn start() -> (FakeGraph, FakeServer, GraphClient) {
    let fake = FakeGraph::new(TOKEN, PNID, VER);
    let server = fake.start().await.unwrap_or_else(|e| panic!("start: {e}"));
    let client = GraphClient::new(fake.client_config(&server.base_url)).unwrap_or_else(|e| panic!("client: {e}"));
    (fake, server, client)
}

/// POSTs raw JSON to the messages endpoint; returns status and JSON body.
async fn post_raw(server: &FakeServer, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let http = reqwest::Client::new();
    let mut req = http.post(format!("{}{path}", server.base_url)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("post: {e}"));
    let status = resp.status().as_u16();
    let json = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, json)
}

fn messages_path() -> String {
    format!("/{VER}/{PNID}/messages")
}

fn text(body: &str) -> OutgoingMessage {
    OutgoingMessage::Text { body: body.into() }
}

#[tokio::test]
async fn auth_and_path_are_checked() {
    let (fake, server, _) = start().await;
    let body = message_body(&Recipient::WaId(USER.into()), &text("hi"), None);
    let (status, json) = post_raw(&server, &messages_path(), None, &body).await;
    assert_eq!(status, 401);
    assert_eq!(json["error"]["code"], 190);
    assert_eq!(json["error"]["type"], "OAuthException");
    let (status, json) = post_raw(&server, &messages_path(), Some("wrong"), &body).await;
    assert_eq!((status, json["error"]["code"].clone()), (401, json!(190)));
    let (status, json) = post_raw(&server, &format!("/{VER}/999/messages"), Some(TOKEN), &body).await;
    assert_eq!((status, json["error"]["code"].clone()), (400, json!(100)));
    let (status, _) = post_raw(&server, &format!("/v17.0/{PNID}/messages"), Some(TOKEN), &body).await;
    assert_eq!(status, 400);
    assert!(fake.sent().is_empty());
    let (status, json) = post_raw(&server, &messages_path(), Some(TOKEN), &body).await;
    assert_eq!(status, 200);
    assert!(
        json["messages"][0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("wamid."))
    );
    assert_eq!(json["contacts"][0]["input"], "+919876543210");
    assert_eq!(json["contacts"][0]["wa_id"], USER);
    assert_eq!(fake.sent().len(), 1);
}

fn interactive_buttons(buttons: Value, body: &str, extra: Value) -> Value {
    let mut interactive = json!({ "type": "button", "body": { "text": body }, "action": { "buttons": buttons } });
    if let (Some(obj), Some(more)) = (interactive.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+919876543210",
            "type": "interactive", "interactive": interactive })
}

fn reply(id: &str, title: &str) -> Value {
    json!({ "type": "reply", "reply": { "id": id, "title": title } })
}

fn list(button: &str, sections: Value, extra: Value) -> Value {
    let mut interactive = json!({ "type": "list", "body": { "text": "Pick one" },
        "action": { "button": button, "sections": sections } });
    if let (Some(obj), Some(more)) = (interactive.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    json!({ "messaging_product": "whatsapp", "to": "919876543210", "type": "interactive", "interactive": interactive })
}

fn rows(n: usize, prefix: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({ "id": format!("{prefix}{i}"), "title": format!("Row {i}") }))
            .collect(),
    )
}

#[tokio::test]
async fn every_documented_limit_is_enforced() {
    let (fake, server, _) = start().await;
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Value)> = vec![
        (
            "text too long",
            json!({ "messaging_product": "whatsapp", "to": "+919876543210", "type": "text", "text": { "body": long(4097) } }),
        ),
        (
            "text empty",
            json!({ "messaging_product": "whatsapp", "to": "+919876543210", "type": "text", "text": { "body": "" } }),
        ),
        ("no buttons", interactive_buttons(json!([]), "b", json!({}))),
        (
            "4 buttons",
            interactive_buttons(
                json!([reply("a", "A"), reply("b", "B"), reply("c", "C"), reply("d", "D")]),
                "b",
                json!({}),
            ),
        ),
        (
            "button title 21",
            interactive_buttons(json!([reply("a", &"न".repeat(21))]), "b", json!({})),
        ),
        (
            "empty button title",
            interactive_buttons(json!([reply("a", "")]), "b", json!({})),
        ),
        (
            "button id 257",
            interactive_buttons(json!([reply(&long(257), "A")]), "b", json!({})),
        ),
        (
            "duplicate button id",
            interactive_buttons(json!([reply("a", "A"), reply("a", "B")]), "b", json!({})),
        ),
        (
            "duplicate button title",
            interactive_buttons(json!([reply("a", "A"), reply("b", "A")]), "b", json!({})),
        ),
        (
            "buttons body 1025",
            interactive_buttons(json!([reply("a", "A")]), &long(1025), json!({})),
        ),
        (
            "header 61",
            interactive_buttons(
                json!([reply("a", "A")]),
                "b",
                json!({ "header": { "type": "text", "text": long(61) } }),
            ),
        ),
        (
            "footer 61",
            interactive_buttons(json!([reply("a", "A")]), "b", json!({ "footer": { "text": long(61) } })),
        ),
        (
            "list button 21",
            list(&long(21), json!([{ "title": "S", "rows": rows(1, "r") }]), json!({})),
        ),
        ("list no sections", list("Open", json!([]), json!({}))),
        (
            "list 11 sections",
            list(
                "Open",
                Value::Array(
                    (0..11)
                        .map(|i| json!({ "title": format!("S{i}"), "rows": rows(1, &format!("s{i}r")) }))
                        .collect(),
                ),
                json!({}),
            ),
        ),
        (
            "list 11 rows",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(6, "a") }, { "title": "B", "rows": rows(5, "b") }]),
                json!({}),
            ),
        ),
        (
            "list row id 201",
            list(
                "Open",
                json!([{ "title": "S", "rows": [ { "id": long(201), "title": "t" } ] }]),
                json!({}),
            ),
        ),
        (
            "list row title 25",
            list(
                "Open",
                json!([{ "title": "S", "rows": [ { "id": "a", "title": long(25) } ] }]),
                json!({}),
            ),
        ),
        (
            "list description 73",
            list(
                "Open",
                json!([{ "title": "S", "rows": [ { "id": "a", "title": "t", "description": long(73) } ] }]),
                json!({}),
            ),
        ),
        (
            "list section title 25",
            list("Open", json!([{ "title": long(25), "rows": rows(1, "r") }]), json!({})),
        ),
        (
            "list duplicate row ids",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(1, "r") }, { "title": "B", "rows": rows(1, "r") }]),
                json!({}),
            ),
        ),
        (
            "list untitled second section",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(1, "a") }, { "rows": rows(1, "b") }]),
                json!({}),
            ),
        ),
        (
            "list body 4097",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(1, "a") }]),
                json!({ "body": { "text": long(4097) } }),
            ),
        ),
        (
            "list header 61",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(1, "a") }]),
                json!({ "header": { "type": "text", "text": long(61) } }),
            ),
        ),
        (
            "list footer 61",
            list(
                "Open",
                json!([{ "title": "A", "rows": rows(1, "a") }]),
                json!({ "footer": { "text": long(61) } }),
            ),
        ),
    ];
    for (name, body) in cases {
        let (status, json) = post_raw(&server, &messages_path(), Some(TOKEN), &body).await;
        assert_eq!(status, 400, "{name}: {json}");
        assert_eq!(json["error"]["code"], 131_009, "{name}: {json}");
        assert_eq!(
            json["error"]["message"], "(#131009) Parameter value is not valid",
            "{name}"
        );
        assert_eq!(json["error"]["type"], "OAuthException");
        assert_eq!(json["error"]["error_data"]["messaging_product"], "whatsapp");
        assert!(
            json["error"]["error_data"]["details"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        assert!(json["error"]["fbtrace_id"].is_string());
    }
    // Boundary values are accepted.
    let ok = [
        interactive_buttons(
            json!([reply("a", &"न".repeat(20)), reply("b", "B"), reply("c", "C")]),
            &long(1024),
            json!({ "header": { "type": "text", "text": long(60) }, "footer": { "text": long(60) } }),
        ),
        list(
            &long(20),
            json!([{ "title": long(24), "rows": [ { "id": long(200), "title": long(24), "description": long(72) } ] },
                   { "title": "B", "rows": rows(9, "b") }]),
            json!({}),
        ),
    ];
    for body in ok {
        let (status, json) = post_raw(&server, &messages_path(), Some(TOKEN), &body).await;
        assert_eq!(status, 200, "{json}");
    }
    assert_eq!(fake.sent().len(), 2);
    // Structural errors use the Graph codes for missing/invalid parameters.
    let (status, json) = post_raw(
        &server,
        &messages_path(),
        Some(TOKEN),
        &json!({ "messaging_product": "whatsapp", "type": "text", "text": { "body": "x" } }),
    )
    .await;
    assert_eq!((status, json["error"]["code"].clone()), (400, json!(131_008)));
}

#[tokio::test]
async fn client_roundtrip_records_everything() {
    let (fake, _server, client) = start().await;
    fake.set_templates([FakeTemplate {
        name: "report_update".into(),
        language: "hi".into(),
        params: 1,
    }]);
    let to = Recipient::WaId(USER.into());
    let messages = vec![
        text("Your report has been received. Reference: SAT-42"),
        OutgoingMessage::Buttons {
            header: Some("भाषा".into()),
            body: "Choose a language".into(),
            footer: None,
            buttons: vec![
                ReplyButton {
                    id: "lang_hi".into(),
                    title: "हिन्दी".into(),
                },
                ReplyButton {
                    id: "lang_en".into(),
                    title: "English".into(),
                },
            ],
        },
        OutgoingMessage::List {
            header: None,
            body: "What happened?".into(),
            footer: Some("Anonymous".into()),
            button: "Categories".into(),
            sections: vec![ListSection {
                title: "Crime".into(),
                rows: vec![
                    ListRow {
                        id: "theft".into(),
                        title: "Theft".into(),
                        description: Some("Phone, vehicle".into()),
                    },
                    ListRow {
                        id: "fraud".into(),
                        title: "Fraud".into(),
                        description: None,
                    },
                ],
            }],
        },
        OutgoingMessage::Template {
            name: "report_update".into(),
            language: "hi".into(),
            body_params: vec!["SAT-42".into()],
            quick_reply_payloads: vec!["STOP".into()],
        },
    ];
    let mut wamids = Vec::new();
    for m in &messages {
        let sent = client
            .send(&to, m, Some("wamid.IN1"))
            .await
            .unwrap_or_else(|e| panic!("send: {e}"));
        wamids.push(sent.wamid);
    }
    assert!(fake.wait_for_sent(4, Duration::from_secs(1)).await);
    let sent = fake.sent();
    assert_eq!(sent.iter().map(|r| r.wamid.clone()).collect::<Vec<_>>(), wamids);
    assert_eq!(sent.iter().filter_map(|r| r.message()).collect::<Vec<_>>(), messages);
    assert_eq!(sent[0].to.as_deref(), Some("+919876543210"));
    assert_eq!(sent[0].body["context"]["message_id"], "wamid.IN1");
    assert_eq!(fake.sent_to("+919876543210").len(), 4);
    assert_eq!(fake.sent_to(USER).len(), 4);
    assert!(fake.sent_to("919812345678").is_empty());

    client
        .send(&Recipient::UserId("IN.77".into()), &text("hi"), None)
        .await
        .unwrap_or_else(|e| panic!("send: {e}"));
    let last = fake.sent_to("IN.77");
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].recipient.as_deref(), Some("IN.77"));
    assert_eq!(last[0].to, None);

    client
        .mark_read("wamid.IN1")
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    client
        .mark_read_typing("wamid.IN2")
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(fake.read_receipts(), ["wamid.IN1", "wamid.IN2"]);
    assert_eq!(fake.sent().len(), 5, "read receipts are not messages");

    fake.clear();
    assert!(fake.sent().is_empty() && fake.read_receipts().is_empty());
    assert!(!fake.wait_for_sent(1, Duration::from_millis(50)).await);
}

#[tokio::test]
async fn wait_for_sent_wakes_on_new_message() {
    let (fake, _server, client) = start().await;
    let waiter = {
        let fake = fake.clone();
        tokio::spawn(async move { fake.wait_for_sent(2, Duration::from_secs(5)).await })
    };
    for i in 0..2 {
        client
            .send(&Recipient::WaId(USER.into()), &text(&format!("m{i}")), None)
            .await
            .unwrap_or_else(|e| panic!("send: {e}"));
    }
    assert_eq!(waiter.await.ok(), Some(true));
}

#[tokio::test]
async fn fault_injection() {
    let (fake, _server, client) = start().await;
    let to = Recipient::WaId(USER.into());
    fake.fail_next_sends(2, 400, 131_056);
    for _ in 0..2 {
        let err = client.send(&to, &text("x"), None).await;
        match err {
            Err(e) => {
                assert_eq!(e.code(), Some(131_056));
                assert!(e.is_retryable());
                assert!(matches!(
                    e,
                    SendError::Graph {
                        status: 400,
                        details: Some(_),
                        ..
                    }
                ));
            }
            Ok(s) => panic!("expected failure, got {s:?}"),
        }
    }
    // Read receipts are unaffected by injected faults.
    fake.fail_next_sends(1, 500, 131_000);
    assert_eq!(client.mark_read("wamid.X").await, Ok(()));
    let err = client.send(&to, &text("x"), None).await;
    assert!(
        matches!(
            &err,
            Err(SendError::Graph {
                status: 500,
                code: Some(131_000),
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.as_ref().is_err_and(SendError::is_retryable));
    fake.fail_next_sends(1, 400, 131_047);
    assert!(
        client
            .send(&to, &text("x"), None)
            .await
            .is_err_and(|e| e.is_window_closed() && !e.is_retryable())
    );
    assert!(client.send(&to, &text("x"), None).await.is_ok());
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn media_served_only_with_token_and_user_agent() {
    let (fake, server, client) = start().await;
    let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3];
    let id = fake.add_media(png.clone(), "image/png");
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    let info = client
        .media_info(&id)
        .await
        .unwrap_or_else(|e| panic!("media_info: {e}"));
    assert!(
        info.url
            .starts_with(&format!("{}/fake-lookaside/{id}?token=", server.base_url)),
        "{}",
        info.url
    );
    assert_eq!(info.mime_type.as_deref(), Some("image/png"));
    assert_eq!(info.file_size, Some(png.len() as u64));
    assert_eq!(info.sha256.as_ref().map(String::len), Some(64));
    let bytes = client
        .download_media(&info.url, 1024)
        .await
        .unwrap_or_else(|e| panic!("download: {e}"));
    assert_eq!(bytes.as_ref(), png.as_slice());
    assert_eq!(client.download_media(&info.url, 4).await, Err(SendError::TooLarge));

    // Raw requests: reqwest sends no User-Agent unless asked to.
    let http = reqwest::Client::new();
    let status = |r: Result<reqwest::Response, reqwest::Error>| r.map(|r| r.status().as_u16()).unwrap_or(0);
    assert_eq!(status(http.get(&info.url).bearer_auth(TOKEN).send().await), 403);
    assert_eq!(status(http.get(&info.url).header("user-agent", "x").send().await), 403);
    let resp = http
        .get(&info.url)
        .bearer_auth(TOKEN)
        .header("user-agent", "x")
        .send()
        .await;
    assert_eq!(
        resp.as_ref()
            .ok()
            .and_then(|r| r.headers().get("content-type"))
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    let unknown = format!("{}/fake-lookaside/42?token=nope", server.base_url);
    assert_eq!(
        status(
            http.get(&unknown)
                .bearer_auth(TOKEN)
                .header("user-agent", "x")
                .send()
                .await
        ),
        404
    );

    // Expired URLs 404 until the id is queried again.
    fake.expire_media_urls();
    assert_eq!(client.download_media(&info.url, 1024).await, Err(SendError::Expired));
    let fresh = client
        .media_info(&id)
        .await
        .unwrap_or_else(|e| panic!("media_info: {e}"));
    assert_ne!(fresh.url, info.url);
    assert!(client.download_media(&fresh.url, 1024).await.is_ok());

    // Unknown media ids and foreign phone numbers are rejected like Graph does.
    let err = client.media_info("123").await;
    assert!(
        matches!(
            err,
            Err(SendError::Graph {
                status: 400,
                code: Some(100),
                ..
            })
        ),
        "{err:?}"
    );
    let (status_code, json) = {
        let resp = http
            .get(format!("{}/{VER}/{id}?phone_number_id=999", server.base_url))
            .bearer_auth(TOKEN)
            .send()
            .await;
        let code = resp.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
        let json = match resp {
            Ok(r) => r.json::<Value>().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        (code, json)
    };
    assert_eq!((status_code, json["error"]["code"].clone()), (400, json!(100)));
    let unauth = http.get(format!("{}/{VER}/{id}", server.base_url)).send().await;
    assert_eq!(status(unauth), 401);
}

#[tokio::test]
async fn router_without_public_base_uses_host_header() {
    let fake = FakeGraph::new(TOKEN, PNID, VER);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    let router = fake.router();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let client =
        GraphClient::new(fake.client_config(&format!("http://{addr}"))).unwrap_or_else(|e| panic!("client: {e}"));
    let id = fake.add_media(b"OggS".to_vec(), "audio/ogg");
    let info = client
        .media_info(&id)
        .await
        .unwrap_or_else(|e| panic!("media_info: {e}"));
    assert!(info.url.starts_with(&format!("http://{addr}/fake-lookaside/")));
    assert_eq!(
        client.download_media(&info.url, 100).await.map(|b| b.to_vec()),
        Ok(b"OggS".to_vec())
    );
    task.abort();
}

fn template(name: &str, language: &str, params: &[&str]) -> OutgoingMessage {
    OutgoingMessage::Template {
        name: name.into(),
        language: language.into(),
        body_params: params.iter().map(|p| p.to_string()).collect(),
        quick_reply_payloads: vec![],
    }
}

#[tokio::test]
async fn templates_must_be_registered_in_their_language_with_their_parameters() {
    let (fake, server, client) = start().await;
    let to = Recipient::WaId(USER.into());
    let refused = |r: Result<_, SendError>| match r {
        Err(SendError::Graph { status, code, .. }) => (status, code),
        other => panic!("expected a Graph error, got {other:?}"),
    };
    // Nothing is approved until registered.
    assert_eq!(
        refused(
            client
                .send(&to, &template("satark_status", "hi", &["JNP-1", "x"]), None)
                .await
        ),
        (404, Some(132_001))
    );
    fake.set_templates([FakeTemplate {
        name: "satark_status".into(),
        language: "hi".into(),
        params: 2,
    }]);
    assert_eq!(
        refused(
            client
                .send(&to, &template("satark_status", "en", &["JNP-1", "x"]), None)
                .await
        ),
        (404, Some(132_001)),
        "a language not registered"
    );
    assert_eq!(
        refused(
            client
                .send(&to, &template("satark_status", "hi", &["JNP-1"]), None)
                .await
        ),
        (400, Some(132_000))
    );
    assert!(
        client
            .send(&to, &template("satark_status", "hi", &["JNP-1", "x"]), None)
            .await
            .is_ok()
    );
    // The error body has Meta's shape.
    let body = message_body(&to, &template("satark_nope", "hi", &["a"]), None);
    let (status, json) = post_raw(&server, &messages_path(), Some(TOKEN), &body).await;
    assert_eq!(status, 404);
    assert_eq!(json["error"]["code"], 132_001);
    assert_eq!(json["error"]["type"], "OAuthException");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("(#132001)"))
    );
    assert!(
        json["error"]["error_data"]["details"]
            .as_str()
            .is_some_and(|d| d.contains("satark_nope"))
    );
    assert!(json["error"]["fbtrace_id"].is_string());
    assert_eq!(fake.sent().len(), 1);
    let codes: Vec<Option<i64>> = fake.attempts().iter().map(|a| a.code).collect();
    assert_eq!(
        codes,
        [Some(132_001), Some(132_001), Some(132_000), None, Some(132_001)]
    );
}

#[tokio::test]
async fn free_form_messages_stop_24_hours_after_the_users_last_message() {
    let (fake, _server, client) = start().await;
    let now = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(1_800_000_000_000));
    let clock = now.clone();
    fake.set_clock(move || clock.load(std::sync::atomic::Ordering::SeqCst));
    fake.set_templates([FakeTemplate {
        name: "satark_status".into(),
        language: "en".into(),
        params: 2,
    }]);
    let to = Recipient::WaId(USER.into());
    fake.note_inbound(&format!("+{USER}"));
    now.fetch_add(24 * 3600 * 1000 - 1, std::sync::atomic::Ordering::SeqCst);
    let sent = client.send(&to, &text("just in time"), None).await;
    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(
        fake.sent()[0].at_millis,
        1_800_000_000_000 + 24 * 3600 * 1000 - 1,
        "stamped by the clock"
    );
    now.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let late = client.send(&to, &text("a day late"), None).await;
    assert!(late.as_ref().is_err_and(SendError::is_window_closed), "{late:?}");
    // Templates are exempt; users the fake never heard from get the benefit of the doubt.
    assert!(
        client
            .send(&to, &template("satark_status", "en", &["a", "b"]), None)
            .await
            .is_ok()
    );
    let stranger = Recipient::WaId("919800000000".into());
    assert!(client.send(&stranger, &text("hello"), None).await.is_ok());
    fake.set_strict_window(true);
    assert!(
        client
            .send(&stranger, &text("hello"), None)
            .await
            .is_err_and(|e| e.is_window_closed())
    );
    // A new message from the user opens the window again.
    fake.note_inbound(USER);
    assert!(client.send(&to, &text("welcome back"), None).await.is_ok());
}

#[tokio::test]
async fn queued_faults_answer_sends_in_order() {
    let (fake, _server, client) = start().await;
    let to = Recipient::WaId(USER.into());
    fake.push_faults([
        Fault::Graph {
            status: 400,
            code: 130_429,
        },
        Fault::Http(503),
        Fault::Graph {
            status: 400,
            code: 131_048,
        },
        Fault::Graph {
            status: 400,
            code: 131_026,
        },
    ]);
    assert_eq!(fake.pending_faults(), 4);
    let mut classes = vec![];
    for _ in 0..5 {
        classes.push(
            client
                .send(&to, &text("x"), None)
                .await
                .err()
                .map(|e| (e.code(), e.class())),
        );
    }
    use satark_whatsapp::ErrorClass::*;
    assert_eq!(
        classes,
        [
            Some((Some(130_429), Retry)),
            Some((None, Retry)),
            Some((Some(131_048), Account)),
            Some((Some(131_026), Permanent)),
            None
        ]
    );
    let statuses: Vec<u16> = fake.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, [400, 503, 400, 400, 200]);
    assert_eq!(fake.sent().len(), 1);
}
