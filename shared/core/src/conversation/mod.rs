//! The WhatsApp conversation, as a pure state machine.
//!
//! [`step`] takes the stored [`Conversation`], one [`Inbound`] message and a
//! [`StepContext`] (the time, fresh randomness, range data and catalogs) and returns
//! the next conversation, the replies to send and the [`Effect`]s to perform. It does
//! no I/O: the caller persists the state with a version check and performs the
//! effects, so the same engine runs on Lambda and locally, and tests drive it directly.
//!
//! Every reply keeps to WhatsApp's limits (3 buttons, 10 list rows, 20/24-character
//! titles) by construction; [`Reply::check_limits`] states them and the property tests
//! hold every reply to them.

mod engine;
mod model;
mod render;

pub use engine::step;
pub use model::*;
pub use render::status_reply;

#[cfg(test)]
mod tests;
