//! Satark's domain, free of I/O.
//!
//! Everything a citizen or an officer experiences is decided here: the range's data
//! ([`range`]), the WhatsApp conversation as a pure state machine ([`conversation`]),
//! the report model ([`report`]), message catalogs ([`i18n`]) and the ports
//! ([`ports`]) that storage, queue and key adapters implement. Adapters live in other
//! crates (`satark-embedded`, `satark-aws`); this crate knows nothing of AWS, HTTP,
//! SQLite or WhatsApp's wire format.

pub mod access;
pub mod clock;
pub mod conversation;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod lang;
pub mod ports;
pub mod pseudonym;
pub mod range;
pub mod records;
pub mod report;
pub mod retention;
pub mod service;
pub mod templates;
pub mod text;
pub mod triage;

pub use lang::Lang;
