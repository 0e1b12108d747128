//! The WhatsApp webhook: `GET /webhook` (Meta's verification handshake) and
//! `POST /webhook` (signed deliveries).
//!
//! The POST verifies `X-Hub-Signature-256` over the raw bytes before anything else;
//! a bad or missing signature gets 401 and nothing happens. A well-signed payload is
//! always answered 200, even when we cannot use it, or Meta redelivers it for a
//! week, with one exception: when storage fails, 500 asks Meta to redeliver, and the
//! messages already processed are recognised by their dedupe records.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use satark_core::clock::Clock;
use satark_core::ports::DeliveryState;
use satark_core::service::{DeliveryStatuses, Intake, StatusOutcome};
use satark_whatsapp::{StatusKind, parse_payload, verify_handshake, verify_signature};
use std::collections::HashMap;
use std::sync::Arc;

use crate::inbound::{identity, to_inbound};

/// Meta sends up to 3 MB; leave headroom.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// What the webhook needs.
#[derive(Clone)]
pub struct WebhookState {
    pub intake: Arc<Intake>,
    pub app_secret: Arc<[u8]>,
    pub verify_token: Arc<str>,
    /// Where "now" comes from (a fixed clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Applies status webhooks to report threads (delivery shown to officers); `None`:
    /// statuses are counted and dropped.
    pub statuses: Option<Arc<DeliveryStatuses>>,
}

/// The delivery state a status reports; `None` for states we do not track.
fn delivery_state(kind: &StatusKind) -> Option<DeliveryState> {
    match kind {
        StatusKind::Sent => Some(DeliveryState::Sent),
        StatusKind::Delivered => Some(DeliveryState::Delivered),
        // A voice message played was read.
        StatusKind::Read | StatusKind::Played => Some(DeliveryState::Read),
        StatusKind::Failed => Some(DeliveryState::Failed),
        StatusKind::Other(_) => None,
    }
}

/// The webhook routes.
pub fn webhook_router(state: WebhookState) -> Router {
    Router::new()
        .route("/webhook", get(handshake).post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

async fn handshake(State(state): State<WebhookState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let challenge = verify_handshake(
        query.get("hub.mode").map(String::as_str),
        query.get("hub.verify_token").map(String::as_str),
        query.get("hub.challenge").map(String::as_str),
        &state.verify_token,
    );
    match challenge {
        Some(challenge) => (StatusCode::OK, [("content-type", "text/plain")], challenge).into_response(),
        None => {
            tracing::warn!("webhook verification refused");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// Counts of what one delivery held, for the log line (never content or identities).
#[derive(Default, Debug)]
struct Tally {
    messages: usize,
    duplicates: usize,
    statuses: usize,
    /// Statuses applied to a thread entry.
    applied: usize,
    errors: usize,
    skipped: usize,
    /// Older than the dedupe window: a replay (or a redelivery we can no longer tell
    /// from one), answered and dropped.
    stale: usize,
    failed: usize,
}

async fn receive(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    use tracing::Instrument;
    // One span per delivery, with its size only: nothing in it identifies anyone.
    let span = tracing::info_span!("webhook_delivery", bytes = body.len());
    deliver(state, headers, body).instrument(span).await
}

async fn deliver(state: WebhookState, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    if !verify_signature(&state.app_secret, signature, &body) {
        tracing::warn!(
            bytes = body.len(),
            signed = signature.is_some(),
            "webhook signature rejected"
        );
        return StatusCode::UNAUTHORIZED;
    }
    let payload = match parse_payload(&body) {
        Ok(p) => p,
        Err(_) => {
            tracing::warn!(
                bytes = body.len(),
                "webhook payload is not JSON; acknowledged and dropped"
            );
            return StatusCode::OK;
        }
    };
    let now = state.clock.now();
    let dedupe_window = satark_core::retention::RetentionPolicy::default().dedupe;
    let mut tally = Tally::default();
    for entry in &payload.entry {
        for change in &entry.changes {
            if change.field.as_deref().is_some_and(|f| f != "messages") {
                tally.skipped += 1;
                continue;
            }
            let value = &change.value;
            for message in &value.messages {
                let (Some(sender), Some(inbound)) = (message.sender(&value.contacts), to_inbound(message)) else {
                    tally.skipped += 1;
                    continue;
                };
                if inbound.message_id.is_empty() {
                    // Without an id we cannot deduplicate; answering could double a reply.
                    tally.skipped += 1;
                    continue;
                }
                if message
                    .timestamp
                    .is_some_and(|sent| sent < now.saturating_sub(dedupe_window))
                {
                    // Its dedupe record may be gone: processing it could act twice on one
                    // message, or on a payload replayed by whoever captured it.
                    tally.stale += 1;
                    continue;
                }
                match state.intake.handle(&identity(sender), inbound, now).await {
                    Ok(satark_core::service::MessageOutcome::Duplicate) => tally.duplicates += 1,
                    Ok(_) => tally.messages += 1,
                    Err(e) => {
                        tracing::error!(error = %e, "message not processed; WhatsApp will redeliver");
                        tally.failed += 1;
                    }
                }
            }
            tally.statuses += value.statuses.len();
            if let Some(ledger) = &state.statuses {
                for status in &value.statuses {
                    let Some(delivery) = delivery_state(&status.status) else {
                        continue;
                    };
                    // One lookup and one conditional write; the recipient's fields are
                    // never read.
                    match ledger
                        .apply(&status.id, delivery, status.timestamp.unwrap_or(now))
                        .await
                    {
                        Ok(StatusOutcome::Applied) => tally.applied += 1,
                        Ok(StatusOutcome::Unknown) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "status not recorded; WhatsApp will redeliver");
                            tally.failed += 1;
                        }
                    }
                }
            }
            for error in value
                .errors
                .iter()
                .chain(value.statuses.iter().flat_map(|s| s.errors.iter()))
            {
                tally.errors += 1;
                tracing::warn!(code = error.code, "WhatsApp reported an error");
            }
        }
    }
    tracing::info!(
        messages = tally.messages,
        duplicates = tally.duplicates,
        statuses = tally.statuses,
        applied = tally.applied,
        errors = tally.errors,
        skipped = tally.skipped,
        stale = tally.stale,
        failed = tally.failed,
        "webhook delivery"
    );
    if tally.failed > 0 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}
