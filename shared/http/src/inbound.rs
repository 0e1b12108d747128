//! From WhatsApp's webhook types to the conversation's input.

use satark_core::conversation::{Inbound, InboundContent};
use satark_core::ids::Identity;
use satark_core::report::MediaKind;
use satark_whatsapp::{InboundMessage, MessageContent, Sender};

/// WhatsApp's error code for media over its size limit (reference §7).
const MEDIA_TOO_LARGE: i64 = 131052;

/// The sender as an identity (only ever held in memory).
pub fn identity(sender: Sender) -> Identity {
    match sender {
        Sender::WaId(id) => Identity::WaId(id),
        Sender::UserId(id) => Identity::UserId(id),
    }
}

/// The conversation's view of a message; `None` for messages that are not the user's
/// own words (system notices such as a changed number), which need no answer.
pub fn to_inbound(message: &InboundMessage) -> Option<Inbound> {
    let media = |kind: MediaKind, m: &satark_whatsapp::MediaRef| InboundContent::Media {
        kind,
        wa_media_id: m.id.clone(),
        mime_type: m.mime_type.clone(),
        caption: m.caption.clone(),
    };
    let too_large = message.errors.iter().any(|e| e.code == Some(MEDIA_TOO_LARGE));
    let content = match &message.content {
        MessageContent::Text { body } => InboundContent::Text(body.clone()),
        MessageContent::ButtonReply { id, title } | MessageContent::ListReply { id, title, .. } => {
            InboundContent::Choice {
                id: id.clone(),
                title: title.clone(),
            }
        }
        MessageContent::TemplateButton { payload, text } => {
            let id = payload.clone().or_else(|| text.clone()).unwrap_or_default();
            let title = text.clone().or_else(|| payload.clone()).unwrap_or_default();
            InboundContent::Choice { id, title }
        }
        MessageContent::Image(m) if !m.id.is_empty() => media(MediaKind::Photo, m),
        MessageContent::Audio { media: m, voice } if !m.id.is_empty() => {
            media(if *voice { MediaKind::Voice } else { MediaKind::Audio }, m)
        }
        MessageContent::Video(m) if !m.id.is_empty() => media(MediaKind::Video, m),
        MessageContent::Document { media: m, .. } if !m.id.is_empty() => media(MediaKind::Document, m),
        MessageContent::Sticker { .. } => InboundContent::Sticker,
        MessageContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => InboundContent::Location {
            latitude: *latitude,
            longitude: *longitude,
            name: name.clone(),
            address: address.clone(),
        },
        MessageContent::Contacts { .. } => InboundContent::Contacts,
        MessageContent::Reaction { emoji, .. } => InboundContent::Reaction {
            removed: emoji.is_none(),
        },
        MessageContent::System { .. } => return None,
        // Media without an id, unsupported and unknown types.
        _ => InboundContent::Unsupported { too_large },
    };
    Some(Inbound {
        message_id: message.id.clone(),
        content,
    })
}
