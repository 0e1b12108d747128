//! The report model: what an informant submits and officers triage.

use crate::Lang;
use crate::ids::{ReferenceCode, ReportId};
use serde::{Deserialize, Serialize};

/// What kind of evidence a media item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Photo,
    /// A recorded voice message.
    Voice,
    /// An audio file (not recorded in the chat).
    Audio,
    Video,
    Document,
}

/// One piece of what the informant sent, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum DetailItem {
    Text {
        body: String,
        at: i64,
    },
    Media {
        kind: MediaKind,
        /// Our key for the stored file: the WhatsApp message id that carried it.
        media_key: String,
        /// WhatsApp's media id, valid for download for 7 days.
        wa_media_id: String,
        mime_type: Option<String>,
        caption: Option<String>,
        at: i64,
    },
}

/// Bytes `text` takes as a JSON string, as every record is stored: control characters
/// are escaped to six bytes each, quotes and backslashes to two.
pub fn json_len(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum()
}

impl DetailItem {
    /// Bytes of the informant's own words in the item (a text, or a caption), as
    /// stored (JSON-escaped).
    pub fn text_bytes(&self) -> usize {
        match self {
            DetailItem::Text { body, .. } => json_len(body),
            DetailItem::Media { caption, .. } => caption.as_deref().map_or(0, json_len),
        }
    }
}

/// Where the incident happened, if the informant said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum IncidentPlace {
    /// A WhatsApp location pin.
    Pin {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    /// A place or landmark typed as text.
    Typed { text: String },
}

/// When the incident happened, as coarsely as the informant chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentTime {
    Today,
    Yesterday,
    Earlier,
    Unknown,
}

/// The station the informant chose, or that they did not know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "n", rename_all = "snake_case")]
pub enum StationChoice {
    Known(u16),
    DontKnow,
}

/// Where a report stands, as officers set it and informants see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Received,
    UnderReview,
    ActionTaken,
    Closed,
}

impl ReportStatus {
    /// The catalog key of the citizen-facing wording.
    pub fn message_key(self) -> &'static str {
        match self {
            ReportStatus::Received => "status-received",
            ReportStatus::UnderReview => "status-under-review",
            ReportStatus::ActionTaken => "status-action-taken",
            ReportStatus::Closed => "status-closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ReportStatus::Received,
            ReportStatus::UnderReview,
            ReportStatus::ActionTaken,
            ReportStatus::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Received => "received",
            ReportStatus::UnderReview => "under_review",
            ReportStatus::ActionTaken => "action_taken",
            ReportStatus::Closed => "closed",
        }
    }
}

/// An officer's judgement of a report; it teaches the spam filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Genuine,
    Spurious,
    Duplicate,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Genuine, Verdict::Spurious, Verdict::Duplicate];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Spurious => "spurious",
            Verdict::Duplicate => "duplicate",
        }
    }
}

/// A submitted report. It holds no trace of who sent it: the informant's pseudonym
/// travels beside it to the store, never inside what officers read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    pub reference: ReferenceCode,
    pub district: String,
    pub station: StationChoice,
    pub category: String,
    pub items: Vec<DetailItem>,
    pub place: Option<IncidentPlace>,
    pub when: Option<IncidentTime>,
    pub language: Lang,
    pub status: ReportStatus,
    /// Unix seconds.
    pub submitted_at: i64,
    /// Set when the station came from a QR poster rather than a choice in the chat.
    pub via_poster: bool,
    /// The kinds of identifying detail the self-disclosure guard warned the informant
    /// about while they wrote (whatever they then removed or kept): officers see that
    /// it fired, never what it matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guard_fired: Vec<crate::triage::disclosure::Disclosure>,
}

impl Report {
    /// The media items, for the vault to attach.
    pub fn media_keys(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(|i| match i {
            DetailItem::Media { media_key, .. } => Some(media_key.as_str()),
            DetailItem::Text { .. } => None,
        })
    }
}
