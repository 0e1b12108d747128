//! The Graph API client behind the core's sending and media ports.

use async_trait::async_trait;
use satark_core::conversation::Reply;
use satark_core::ids::Identity;
use satark_core::ports::{FetchFailure, MediaSource, Messenger, SendFailure, TemplateMessage};
use satark_whatsapp::{
    ErrorClass, GraphClient, ListRow, ListSection, OutgoingMessage, Recipient, ReplyButton, SendError,
};

/// Sends replies through the Graph API.
#[derive(Clone)]
pub struct GraphMessenger {
    client: GraphClient,
}

impl GraphMessenger {
    pub fn new(client: GraphClient) -> Self {
        GraphMessenger { client }
    }
}

/// The WhatsApp message for a reply.
pub fn outgoing(reply: &Reply) -> OutgoingMessage {
    match reply {
        Reply::Text { body } => OutgoingMessage::Text { body: body.clone() },
        Reply::Buttons { body, buttons } => OutgoingMessage::Buttons {
            header: None,
            body: body.clone(),
            footer: None,
            buttons: buttons
                .iter()
                .map(|b| ReplyButton {
                    id: b.id.clone(),
                    title: b.title.clone(),
                })
                .collect(),
        },
        Reply::List {
            body,
            button,
            section,
            rows,
        } => OutgoingMessage::List {
            header: None,
            body: body.clone(),
            footer: None,
            button: button.clone(),
            sections: vec![ListSection {
                title: section.clone(),
                rows: rows
                    .iter()
                    .map(|r| ListRow {
                        id: r.id.clone(),
                        title: r.title.clone(),
                        description: r.description.clone(),
                    })
                    .collect(),
            }],
        },
    }
}

fn recipient(identity: &Identity) -> Recipient {
    match identity {
        Identity::WaId(id) => Recipient::WaId(id.clone()),
        Identity::UserId(id) => Recipient::UserId(id.clone()),
    }
}

#[async_trait]
impl Messenger for GraphMessenger {
    async fn send(&self, to: &Identity, reply: &Reply) -> Result<String, SendFailure> {
        self.deliver(to, &outgoing(reply)).await
    }

    async fn send_template(&self, to: &Identity, template: &TemplateMessage) -> Result<String, SendFailure> {
        let message = OutgoingMessage::Template {
            name: template.name.clone(),
            language: template.lang.code().to_string(),
            body_params: template.params.clone(),
            quick_reply_payloads: Vec::new(),
        };
        self.deliver(to, &message).await
    }
}

impl GraphMessenger {
    async fn deliver(&self, to: &Identity, message: &OutgoingMessage) -> Result<String, SendFailure> {
        match self.client.send(&recipient(to), message, None).await {
            Ok(sent) => Ok(sent.wamid),
            Err(e) => Err(send_failure(&e)),
        }
    }
}

/// The notifier's view of a Graph error: its class (reference §9), its code, and the
/// error's text, which names no recipient, body or URL.
pub fn send_failure(e: &SendError) -> SendFailure {
    let (code, reason) = (e.code(), e.to_string());
    match e.class() {
        ErrorClass::WindowClosed => SendFailure::WindowClosed,
        ErrorClass::Retry => SendFailure::Retryable { code, reason },
        ErrorClass::Permanent => SendFailure::Permanent { code, reason },
        ErrorClass::Account => SendFailure::AccountBlocked {
            code: code.unwrap_or_default(),
            reason,
        },
    }
}

/// Downloads inbound media through the Graph API.
#[derive(Clone)]
pub struct GraphMediaSource {
    client: GraphClient,
}

impl GraphMediaSource {
    pub fn new(client: GraphClient) -> Self {
        GraphMediaSource { client }
    }
}

fn fetch_failure(e: SendError, limit: u64) -> FetchFailure {
    match e {
        SendError::TooLarge => FetchFailure::TooLarge { limit },
        // The download URL lives five minutes; the retry asks for a fresh one.
        SendError::Expired => FetchFailure::Retryable("media URL expired".into()),
        e if e.is_retryable() => FetchFailure::Retryable(e.to_string()),
        e => FetchFailure::Permanent(e.to_string()),
    }
}

#[async_trait]
impl MediaSource for GraphMediaSource {
    async fn fetch(&self, wa_media_id: &str, max_bytes: u64) -> Result<(Vec<u8>, Option<String>), FetchFailure> {
        let info = self
            .client
            .media_info(wa_media_id)
            .await
            .map_err(|e| fetch_failure(e, max_bytes))?;
        if info.file_size.is_some_and(|size| size > max_bytes) {
            return Err(FetchFailure::TooLarge { limit: max_bytes });
        }
        let bytes = self
            .client
            .download_media(&info.url, max_bytes)
            .await
            .map_err(|e| fetch_failure(e, max_bytes))?;
        Ok((bytes.to_vec(), info.mime_type))
    }
}
