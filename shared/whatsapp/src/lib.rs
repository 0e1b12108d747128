//! A thin, lenient client for the WhatsApp Business Cloud API.
//!
//! Satark receives anonymous crime reports over WhatsApp, so this crate is
//! deliberately small and privacy-minded:
//!
//! * [`webhook`] parses inbound webhook POSTs leniently (an odd message never
//!   fails the whole payload) and drops the sender's profile name at parse time.
//! * [`signature`] verifies `X-Hub-Signature-256` over the raw body and the GET
//!   verification handshake.
//! * [`send`] models the outbound messages the bot uses, renders the exact Graph
//!   JSON and enforces every documented limit locally.
//! * [`client`] is the HTTP client for sending, read receipts and media.
//! * `fake` (feature `fake`) is an in-process fake of the Graph API for the local
//!   simulator and end-to-end tests.
//!
//! Nothing in this crate logs phone numbers, names or message text.
//!
//! A webhook POST, end to end:
//!
//! ```no_run
//! use satark_whatsapp::{GraphClient, OutgoingMessage, Recipient};
//!
//! async fn on_post(
//!     client: &GraphClient,
//!     app_secret: &[u8],
//!     signature: Option<&str>,
//!     body: &[u8],
//! ) -> Result<(), Box<dyn std::error::Error>> {
//!     if !satark_whatsapp::verify_signature(app_secret, signature, body) {
//!         return Ok(()); // respond 401 and drop
//!     }
//!     let payload = satark_whatsapp::parse_payload(body)?;
//!     for (value, msg) in payload.messages() {
//!         let Some(sender) = msg.sender(&value.contacts) else { continue };
//!         let to: Recipient = sender.into();
//!         let reply = OutgoingMessage::Text { body: "Report received.".into() };
//!         client.send(&to, &reply, Some(&msg.id)).await?;
//!     }
//!     Ok(())
//! }
//! ```

#![warn(missing_docs)]

pub mod client;
#[cfg(feature = "fake")]
pub mod fake;
pub mod send;
pub mod signature;
pub mod webhook;

pub use client::{ClientError, ErrorClass, GraphClient, GraphConfig, MediaInfo, SendError, SentMessage};
pub use send::{LimitError, ListRow, ListSection, OutgoingMessage, Recipient, ReplyButton, message_body, validate};
pub use signature::{sign, verify_handshake, verify_signature};
pub use webhook::{
    Change, ChangeValue, Contact, Entry, GraphError, InboundMessage, MediaRef, MessageContent, MessageContext,
    Metadata, ParseError, Sender, Status, StatusKind, WebhookPayload, parse_payload,
};
