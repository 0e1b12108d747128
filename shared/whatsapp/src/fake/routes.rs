//! HTTP handlers of the fake Graph API.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{FakeGraph, Fault, SendAttempt};
use crate::send::{OutgoingMessage, ParsedBody, parse_send_body};

pub(super) fn router(fake: FakeGraph) -> Router {
    Router::new()
        .route("/fake-lookaside/{media_id}", get(lookaside))
        .route("/{ver}/{id}/messages", post(messages))
        .route("/{ver}/{id}", get(media_info))
        .with_state(fake)
}

/// The documented Graph error body (§9).
fn graph_error(fake: &FakeGraph, status: u16, code: i64, message: &str, details: Option<String>) -> Response {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": fake.fbtrace_id(),
    });
    if let (Some(d), Some(obj)) = (details, error.as_object_mut()) {
        obj.insert(
            "error_data".into(),
            json!({ "messaging_product": "whatsapp", "details": d }),
        );
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(json!({ "error": error }))).into_response()
}

/// Message and details Meta uses for the codes tests typically inject.
fn injected_error_text(code: i64) -> (String, String) {
    let (title, details) = match code {
        131_056 => (
            "(Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
        ),
        130_429 => (
            "Rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number in a short period of time.",
        ),
        131_000 => (
            "Something went wrong",
            "Message failed to send due to an unknown error.",
        ),
        131_016 => ("Service unavailable", "A service is temporarily unavailable."),
        131_047 => (
            "Re-engagement message",
            "More than 24 hours have passed since the recipient last replied to the sender number.",
        ),
        131_026 => ("Message undeliverable", "Unable to deliver message."),
        131_057 => (
            "Account in maintenance mode",
            "Business Account is in maintenance mode.",
        ),
        131_048 => (
            "Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
        ),
        368 => (
            "Temporarily blocked for policies violations",
            "The WhatsApp Business Account has been restricted or disabled for violating a platform policy.",
        ),
        131_031 => (
            "Account has been locked",
            "The WhatsApp Business Account is restricted or disabled for violating a platform policy.",
        ),
        130_497 => (
            "Business account is restricted from messaging users in this country",
            "The WhatsApp Business Account is restricted from messaging users in this country.",
        ),
        131_008 => ("Required parameter is missing", "A required parameter is missing."),
        131_009 => ("Parameter value is not valid", "A parameter value is not valid."),
        133_004 => (
            "Server temporarily unavailable",
            "The server is temporarily unavailable.",
        ),
        190 => (
            "Invalid OAuth access token",
            "The access token is invalid or has expired.",
        ),
        _ => ("Injected failure", "Failure injected by the fake Graph API."),
    };
    (format!("(#{code}) {title}"), details.to_owned())
}

fn bearer_ok(fake: &FakeGraph, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", fake.inner.access_token);
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected)
}

/// Token and version checks shared by the API endpoints; `Some` is the
/// rejection to send.
fn check_path(fake: &FakeGraph, headers: &HeaderMap, ver: &str) -> Option<Response> {
    if !bearer_ok(fake, headers) {
        return Some(graph_error(
            fake,
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
            None,
        ));
    }
    if ver != fake.inner.api_version {
        return Some(graph_error(
            fake,
            400,
            100,
            "(#100) Unknown or unsupported Graph API version",
            Some(format!("this fake serves {}", fake.inner.api_version)),
        ));
    }
    None
}

fn unknown_object(fake: &FakeGraph, method: &str, id: &str) -> Response {
    let id: String = id.chars().take(64).collect();
    graph_error(
        fake,
        400,
        100,
        &format!(
            "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
        ),
        None,
    )
}

async fn messages(
    State(fake): State<FakeGraph>,
    Path((ver, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(resp) = check_path(&fake, &headers, &ver) {
        return resp;
    }
    if pnid != fake.inner.phone_number_id {
        return unknown_object(&fake, "post", &pnid);
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(
            &fake,
            400,
            100,
            "(#100) Invalid parameter",
            Some("The request body is not valid JSON.".into()),
        );
    };
    let parsed = match parse_send_body(&value) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(code = e.graph_code(), "fake Graph API rejected a send");
            return graph_error(&fake, 400, e.graph_code(), e.graph_message(), Some(e.to_string()));
        }
    };
    if let ParsedBody::Read { message_id, .. } = parsed {
        fake.record_read(message_id);
        return axum::Json(json!({ "success": true })).into_response();
    }
    let to = value.get("to").and_then(Value::as_str).map(str::to_owned);
    let recipient = value.get("recipient").and_then(Value::as_str).map(str::to_owned);
    let user = to.clone().or_else(|| recipient.clone()).unwrap_or_default();
    let kind = value.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    let now = fake.now_millis();
    let refuse = |status: u16, code: Option<i64>, response: Response| {
        fake.record_attempt(SendAttempt {
            to: to.clone().or_else(|| recipient.clone()),
            kind: kind.clone(),
            at_millis: now,
            status,
            code,
        });
        response
    };
    match fake.take_fault() {
        Some(Fault::Graph { status, code }) => {
            let (message, details) = injected_error_text(code);
            return refuse(
                status,
                Some(code),
                graph_error(&fake, status, code, &message, Some(details)),
            );
        }
        Some(Fault::Http(status)) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let page = format!("<html><body><h1>{}</h1></body></html>", code.as_u16());
            return refuse(
                status,
                None,
                (code, [(CONTENT_TYPE, "text/html")], page).into_response(),
            );
        }
        None => {}
    }
    if let ParsedBody::Message {
        message:
            OutgoingMessage::Template {
                name,
                language,
                body_params,
                ..
            },
        ..
    } = &parsed
    {
        match fake.template_params(name, language) {
            None => {
                let details = format!("template name ({name}) does not exist in {language}");
                let resp = graph_error(
                    &fake,
                    404,
                    132_001,
                    "(#132001) Template name does not exist in the translation",
                    Some(details),
                );
                return refuse(404, Some(132_001), resp);
            }
            Some(expected) if expected != body_params.len() => {
                let details = format!(
                    "body: number of localizable_params ({}) does not match the expected number of params ({expected})",
                    body_params.len()
                );
                let resp = graph_error(
                    &fake,
                    400,
                    132_000,
                    "(#132000) Number of parameters does not match the expected number of params",
                    Some(details),
                );
                return refuse(400, Some(132_000), resp);
            }
            Some(_) => {}
        }
    } else if fake.window_closed(&user, now) {
        let (message, details) = injected_error_text(131_047);
        let resp = graph_error(&fake, 400, 131_047, &message, Some(details));
        return refuse(400, Some(131_047), resp);
    }
    let contact = match (&to, &recipient) {
        (Some(t), _) => {
            json!({ "input": t, "wa_id": t.chars().filter(char::is_ascii_digit).collect::<String>() })
        }
        (None, Some(r)) => json!({ "input": r, "user_id": r }),
        (None, None) => json!({}),
    };
    fake.record_attempt(SendAttempt {
        to: to.clone().or_else(|| recipient.clone()),
        kind: kind.clone(),
        at_millis: now,
        status: 200,
        code: None,
    });
    let wamid = fake.record_sent(to, recipient, value, now);
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [ { "id": wamid } ],
    }))
    .into_response()
}

async fn media_info(
    State(fake): State<FakeGraph>,
    Path((ver, media_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = check_path(&fake, &headers, &ver) {
        return resp;
    }
    if query
        .get("phone_number_id")
        .is_some_and(|p| *p != fake.inner.phone_number_id)
    {
        return unknown_object(&fake, "get", &media_id);
    }
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let Some((url, media)) = fake.media_url(&media_id, host) else {
        return unknown_object(&fake, "get", &media_id);
    };
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime,
        "sha256": hex::encode(Sha256::digest(&media.bytes)),
        "file_size": media.bytes.len(),
        "id": media_id,
    }))
    .into_response()
}

async fn lookaside(
    State(fake): State<FakeGraph>,
    Path(media_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let has_ua = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !bearer_ok(&fake, &headers) || !has_ua {
        return (StatusCode::FORBIDDEN, "Forbidden").into_response();
    }
    let Some(media) = fake.lookaside(&media_id, query.get("token").map(String::as_str)) else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let mime =
        HeaderValue::from_str(&media.mime).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (StatusCode::OK, [(CONTENT_TYPE, mime)], media.bytes).into_response()
}
