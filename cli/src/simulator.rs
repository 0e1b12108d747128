//! The WhatsApp simulator: a page that plays the citizen's phone.
//!
//! The page posts what the citizen "sends" to `/simulator/api/send`; this module turns
//! it into the webhook payload Meta would deliver (profile name and all, escaped
//! Unicode, `X-Hub-Signature-256`), and posts it to the real webhook over HTTP. The
//! bot's answers go to the built-in fake Graph API, which the page polls.
//!
//! Never beyond this machine: whoever reaches the simulator can sign any webhook with
//! the app secret and read every reply to any number. [`mount`] leaves it (and the fake
//! Graph API) out on a listener that reaches beyond loopback, and guards each of its
//! routes with [`loopback_only`].

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::middleware::from_fn;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use satark_http::layers::loopback_only;
use satark_whatsapp::fake::FakeGraph;
use satark_whatsapp::fake::webhooks::{DISPLAY_PHONE_NUMBER, envelope, inbound_wamid, signed};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

const PAGE: &str = include_str!("simulator.html");
/// A 16 MB video as base64, with room for the JSON around it.
const MAX_SEND_BODY: usize = 32 * 1024 * 1024;

#[derive(Clone)]
pub struct SimulatorState {
    pub fake: FakeGraph,
    pub webhook_url: String,
    pub app_secret: Arc<[u8]>,
    pub phone_number_id: String,
    pub range_name: String,
    pub http: reqwest::Client,
    /// The server's clock: the phone's messages carry its time, as Meta's would.
    pub clock: Arc<dyn satark_core::clock::Clock>,
}

pub fn router(state: SimulatorState) -> Router {
    Router::new()
        .route("/simulator", get(|| async { Html(PAGE) }))
        .route("/simulator/api/info", get(info))
        .route(
            "/simulator/api/send",
            post(send).layer(DefaultBodyLimit::max(MAX_SEND_BODY)),
        )
        .route("/simulator/api/messages", get(messages))
        .with_state(state)
}

/// Adds the front page to `app` and, when the listener serves this machine only
/// (`loopback`), the simulator and the fake Graph API (at `/fake-graph`) from
/// `simulator`.
///
/// Beyond loopback neither is mounted at all; where mounted, every route of theirs
/// also answers 404 to a peer that is not a loopback address (defence in depth: a
/// port forward or a proxy in front of a loopback listener).
pub fn mount(app: Router, loopback: bool, simulator: Option<SimulatorState>) -> Router {
    match simulator.filter(|_| loopback) {
        Some(state) => app
            .merge(landing_router(true))
            .nest("/fake-graph", state.fake.router().route_layer(from_fn(loopback_only)))
            .merge(router(state).route_layer(from_fn(loopback_only))),
        None => app.merge(landing_router(false)),
    }
}

/// The front page of `satark serve`.
pub fn landing_router(simulator: bool) -> Router {
    let body = if simulator {
        "<p><a href=\"/simulator\">WhatsApp simulator</a>: play a citizen and file a report.</p>"
    } else {
        "<p>The simulator is off: this server talks to a real Graph API (SATARK_GRAPH_BASE_URL).</p>"
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Satark</title>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>Satark</h1><p>Anonymous crime reporting over WhatsApp.</p>{body}\
         <p>Webhook: <code>/webhook</code></p></body>"
    );
    Router::new().route("/", get(move || async move { Html(page.clone()) }))
}

async fn info(State(state): State<SimulatorState>) -> Json<Value> {
    Json(json!({ "bot_name": "Satark", "range": state.range_name, "webhook_signing": true }))
}

/// What the page sends; see `simulator.html`.
#[derive(Debug, Deserialize)]
pub struct SendRequest {
    pub from: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub reply_id: Option<String>,
    #[serde(default)]
    pub reply_title: Option<String>,
    #[serde(default)]
    pub context_wamid: Option<String>,
    #[serde(default)]
    pub media_base64: Option<String>,
    #[serde(default)]
    pub mime: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub voice: Option<bool>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub emoji: Option<String>,
}

fn bad(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": msg }))).into_response()
}

/// The `messages[]` element Meta would deliver for the request.
fn message_for(state: &SimulatorState, req: &SendRequest) -> Result<Value, &'static str> {
    let now = state.clock.now();
    let mut message =
        json!({ "from": req.from, "id": inbound_wamid(), "timestamp": now.to_string(), "type": req.kind });
    let context = || json!({ "from": DISPLAY_PHONE_NUMBER, "id": req.context_wamid.clone().unwrap_or_default() });
    let content = match req.kind.as_str() {
        "text" => json!({ "body": req.text.clone().ok_or("text needs text")? }),
        "button_reply" | "list_reply" => {
            message["context"] = context();
            message["type"] = json!("interactive");
            let reply = json!({ "id": req.reply_id.clone().ok_or("reply needs reply_id")?,
                                "title": req.reply_title.clone().unwrap_or_default() });
            message["interactive"] = json!({ "type": req.kind, (req.kind.as_str()): reply });
            return Ok(message);
        }
        "image" | "audio" | "video" | "document" | "sticker" => {
            let encoded = req.media_base64.as_deref().ok_or("media needs media_base64")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| "media_base64 is not base64")?;
            let mime = req.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
            let id = state.fake.add_media(bytes, &mime);
            let mut media = json!({ "id": id, "mime_type": mime, "sha256": "c2ltdWxhdG9y" });
            if let Some(c) = &req.caption {
                media["caption"] = json!(c);
            }
            if req.kind == "audio" {
                media["voice"] = json!(req.voice.unwrap_or(false));
            }
            if req.kind == "document" {
                media["filename"] = json!(req.filename.clone().unwrap_or_else(|| "document".into()));
            }
            if req.kind == "sticker" {
                media["animated"] = json!(false);
            }
            media
        }
        "location" => {
            let mut loc = json!({ "latitude": req.latitude.ok_or("location needs latitude")?,
                                  "longitude": req.longitude.ok_or("location needs longitude")? });
            if let Some(name) = &req.text {
                loc["name"] = json!(name);
            }
            loc
        }
        "reaction" => json!({ "message_id": req.context_wamid.clone().unwrap_or_default(), "emoji": req.emoji }),
        "unsupported" => {
            message["errors"] = json!([{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                                         "error_data": { "details": "Message type is currently not supported." } }]);
            json!({ "type": "poll_creation" })
        }
        _ => return Err("unknown type"),
    };
    message[req.kind.as_str()] = content;
    Ok(message)
}

async fn send(State(state): State<SimulatorState>, Json(req): Json<SendRequest>) -> Response {
    if req.from.is_empty() || !req.from.bytes().all(|b| b.is_ascii_digit()) {
        return bad("from must be phone digits");
    }
    let message = match message_for(&state, &req) {
        Ok(m) => m,
        Err(e) => return bad(e),
    };
    // The phone wrote: its 24-hour window opens, as Meta would track it.
    state.fake.note_inbound(&req.from);
    // Meta includes the sender's profile name; the webhook must drop it.
    let contact = json!({ "profile": { "name": req.name.clone().unwrap_or_default() }, "wa_id": req.from });
    let payload = envelope(
        &state.phone_number_id,
        json!({ "contacts": [contact], "messages": [message] }),
    );
    let (body, signature) = signed(&state.app_secret, &payload);
    let result = state
        .http
        .post(&state.webhook_url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await;
    match result {
        Ok(resp) => Json(json!({ "status": resp.status().as_u16() })).into_response(),
        Err(_) => (StatusCode::BAD_GATEWAY, Json(json!({ "error": "webhook unreachable" }))).into_response(),
    }
}

#[derive(Deserialize)]
struct MessagesQuery {
    to: String,
    #[serde(default)]
    after: usize,
}

async fn messages(State(state): State<SimulatorState>, Query(q): Query<MessagesQuery>) -> Json<Value> {
    let sent = state.fake.sent_to(&q.to);
    let items: Vec<Value> = sent
        .iter()
        .enumerate()
        .skip(q.after)
        .map(|(i, r)| {
            let at =
                r.at.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
            json!({ "index": i, "wamid": r.wamid, "at": at, "body": r.body })
        })
        .collect();
    Json(json!({ "messages": items, "next": sent.len() }))
}
