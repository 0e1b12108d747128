//! The languages the bot speaks.

use serde::{Deserialize, Serialize};

/// A language the bot can converse in. Adding one means adding a catalog in
/// `locales/` and a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Hi,
    En,
    Ur,
}

impl Lang {
    /// In the order the language buttons are offered.
    pub const ALL: [Lang; 3] = [Lang::Hi, Lang::En, Lang::Ur];

    /// BCP 47 code, also the WhatsApp template language code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Hi => "hi",
            Lang::En => "en",
            Lang::Ur => "ur",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}
