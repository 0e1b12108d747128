//! The self-disclosure guard's kinds.

use serde::{Deserialize, Serialize};

/// What kind of identifying detail an informant's own message seemed to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    PhoneNumber,
    Aadhaar,
    Pan,
    Email,
    Name,
}

impl Disclosure {
    pub fn as_str(self) -> &'static str {
        match self {
            Disclosure::PhoneNumber => "phone_number",
            Disclosure::Aadhaar => "aadhaar",
            Disclosure::Pan => "pan",
            Disclosure::Email => "email",
            Disclosure::Name => "name",
        }
    }
}

/// The kinds of identifying detail in `text`.
pub fn self_disclosures(_text: &str) -> Vec<Disclosure> {
    Vec::new()
}
