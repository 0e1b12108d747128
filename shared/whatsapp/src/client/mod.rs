//! `GraphClient`: sending messages, read receipts and media download over the
//! Graph API (reference §7–9).

mod error;

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, HeaderValue};
use serde_json::Value;

use crate::send::{OutgoingMessage, Recipient, mark_read_body, message_body, validate};

pub use error::{ClientError, ErrorClass, SendError};

/// Meta's Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The Graph API version used by Meta's current examples.
pub const DEFAULT_API_VERSION: &str = "v25.0";

/// Largest JSON response we are willing to buffer from an API call.
const MAX_API_RESPONSE: u64 = 1024 * 1024;

/// How to reach the Graph API and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct GraphConfig {
    /// e.g. `https://graph.facebook.com` (or a fake's address in tests).
    pub base_url: String,
    /// e.g. `v25.0`; configurable because versions expire after ~2 years.
    pub api_version: String,
    /// System-user or business access token.
    pub access_token: String,
    /// The business phone number id to send from.
    pub phone_number_id: String,
    /// Sent on every request; media downloads without one are known to fail.
    pub user_agent: String,
    /// Connect and read (idle) timeout, and total timeout of an API call;
    /// media downloads may take up to 10× this in total.
    pub timeout: Duration,
}

impl fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConfig")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("access_token", &"<redacted>")
            .field("phone_number_id", &self.phone_number_id)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The Graph API's answer to a successful send: accepted, not yet delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The wamid; status webhooks refer to it.
    pub wamid: String,
}

/// `GET /{version}/{media-id}`: where to download a media file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Download URL; expires after 5 minutes and needs the bearer token.
    pub url: String,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Hash as reported (hex here, base64 in webhooks).
    pub sha256: Option<String>,
    /// Size in bytes (sent as a number or a string).
    pub file_size: Option<u64>,
}

/// A Graph API client holding one pooled HTTP client.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    cfg: GraphConfig,
    base: String,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

fn is_path_segment(s: &str) -> bool {
    !s.is_empty() && !s.contains(['/', '?', '#', ' ', '%'])
}

impl GraphClient {
    /// Checks the configuration and builds the HTTP client (User-Agent,
    /// connect and read timeouts).
    pub fn new(cfg: GraphConfig) -> Result<Self, ClientError> {
        let base = cfg.base_url.trim().trim_end_matches('/').to_owned();
        let base_ok = reqwest::Url::parse(&base)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false);
        if !base_ok {
            return Err(ClientError::InvalidConfig("base_url must be an http(s) URL"));
        }
        if !is_path_segment(&cfg.api_version) {
            return Err(ClientError::InvalidConfig("api_version must be like v25.0"));
        }
        if !is_path_segment(&cfg.phone_number_id) {
            return Err(ClientError::InvalidConfig("phone_number_id must be a non-empty id"));
        }
        if cfg.access_token.trim().is_empty() || HeaderValue::from_str(&format!("Bearer {}", cfg.access_token)).is_err()
        {
            return Err(ClientError::InvalidConfig(
                "access_token must be a non-empty header-safe string",
            ));
        }
        if cfg.user_agent.trim().is_empty() || HeaderValue::from_str(&cfg.user_agent).is_err() {
            return Err(ClientError::InvalidConfig(
                "user_agent must be a non-empty header-safe string",
            ));
        }
        if cfg.timeout.is_zero() {
            return Err(ClientError::InvalidConfig("timeout must be positive"));
        }
        let http = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.timeout)
            .read_timeout(cfg.timeout)
            .build()
            .map_err(|e| ClientError::Build(e.without_url().to_string()))?;
        Ok(GraphClient { http, cfg, base })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &GraphConfig {
        &self.cfg
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/{}/{}/messages",
            self.base, self.cfg.api_version, self.cfg.phone_number_id
        )
    }

    /// Validates `msg` locally, then sends it. `reply_to` quotes an inbound
    /// wamid. Success means *accepted*; delivery comes via status webhooks
    /// (a closed 24-hour window often shows up there as 131047).
    pub async fn send(
        &self,
        to: &Recipient,
        msg: &OutgoingMessage,
        reply_to: Option<&str>,
    ) -> Result<SentMessage, SendError> {
        validate(msg)?;
        let body = message_body(to, msg, reply_to);
        let resp = self.post_json(&body).await.inspect_err(|e| {
            tracing::warn!(kind = msg.graph_type(), code = ?e.code(), "send failed");
        })?;
        let wamid = resp
            .get("messages")
            .and_then(|m| m.get(0))
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| SendError::Decode("send response without messages[0].id".into()))?;
        tracing::debug!(kind = msg.graph_type(), "message accepted by Graph API");
        Ok(SentMessage {
            wamid: wamid.to_owned(),
        })
    }

    /// Marks an inbound message (and everything before it) as read.
    pub async fn mark_read(&self, wamid: &str) -> Result<(), SendError> {
        self.read_receipt(wamid, false).await
    }

    /// Marks an inbound message read and shows the typing indicator until we
    /// reply (or 25 s pass). Only use it when a reply is coming.
    pub async fn mark_read_typing(&self, wamid: &str) -> Result<(), SendError> {
        self.read_receipt(wamid, true).await
    }

    async fn read_receipt(&self, wamid: &str, typing: bool) -> Result<(), SendError> {
        if wamid.trim().is_empty() {
            return Err(SendError::InvalidArgument("empty message id"));
        }
        let resp = self.post_json(&mark_read_body(wamid, typing)).await?;
        if resp.get("success").and_then(Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(SendError::Decode("read receipt not acknowledged".into()))
        }
    }

    /// Looks up where to download a media id (from an inbound webhook).
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, SendError> {
        if !is_path_segment(media_id) {
            return Err(SendError::InvalidArgument("media id must be a plain id"));
        }
        let url = format!("{}/{}/{}", self.base, self.cfg.api_version, media_id);
        let resp = self
            .http
            .get(url)
            .query(&[("phone_number_id", self.cfg.phone_number_id.as_str())])
            .bearer_auth(&self.cfg.access_token)
            .timeout(self.cfg.timeout)
            .send()
            .await
            .map_err(SendError::transport)?;
        let v = Self::json_response(resp).await?;
        let url = v
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| SendError::Decode("media info without url".into()))?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let file_size = v.get("file_size").and_then(|s| match s {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        Ok(MediaInfo {
            url: url.to_owned(),
            mime_type: text("mime_type"),
            sha256: text("sha256"),
            file_size,
        })
    }

    /// Downloads media bytes from a URL given by [`Self::media_info`] or a
    /// webhook, with the bearer token and User-Agent.
    ///
    /// Stops with [`SendError::TooLarge`] past `max_bytes` (checking
    /// Content-Length first); a 404 is [`SendError::Expired`] (query the media
    /// id again). The token is only sent over https, or over http to the
    /// configured `base_url`'s own origin (local fakes).
    pub async fn download_media(&self, url: &str, max_bytes: u64) -> Result<Bytes, SendError> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| SendError::InvalidArgument("media URL is not a valid URL"))?;
        let same_origin = reqwest::Url::parse(&self.base)
            .map(|b| b.origin() == parsed.origin())
            .unwrap_or(false);
        if parsed.scheme() != "https" && !same_origin {
            return Err(SendError::InvalidArgument(
                "media URL must be https (or on the configured base URL)",
            ));
        }
        let mut resp = self
            .http
            .get(parsed)
            .bearer_auth(&self.cfg.access_token)
            .timeout(self.cfg.timeout.saturating_mul(10))
            .send()
            .await
            .map_err(SendError::transport)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Err(SendError::Expired);
        }
        if !status.is_success() {
            let body = read_capped(&mut resp, MAX_API_RESPONSE).await.unwrap_or_default();
            return Err(SendError::from_graph_body(status.as_u16(), &body));
        }
        let declared = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max_bytes) {
            tracing::warn!(max_bytes, "media download refused: declared size over cap");
            return Err(SendError::TooLarge);
        }
        let bytes = read_capped(&mut resp, max_bytes).await?;
        tracing::debug!(size = bytes.len(), "media downloaded");
        Ok(bytes)
    }

    async fn post_json(&self, body: &Value) -> Result<Value, SendError> {
        let resp = self
            .http
            .post(self.messages_url())
            .bearer_auth(&self.cfg.access_token)
            .timeout(self.cfg.timeout)
            .json(body)
            .send()
            .await
            .map_err(SendError::transport)?;
        Self::json_response(resp).await
    }

    async fn json_response(mut resp: reqwest::Response) -> Result<Value, SendError> {
        let status = resp.status();
        let body = match read_capped(&mut resp, MAX_API_RESPONSE).await {
            Ok(b) => b,
            Err(SendError::TooLarge) => {
                return Err(SendError::Decode("response too large".into()));
            }
            Err(e) => return Err(e),
        };
        if !status.is_success() {
            return Err(SendError::from_graph_body(status.as_u16(), &body));
        }
        serde_json::from_slice(&body).map_err(|_| SendError::Decode("response is not JSON".into()))
    }
}

/// Reads a response body, failing with [`SendError::TooLarge`] as soon as it
/// exceeds `max` bytes.
async fn read_capped(resp: &mut reqwest::Response, max: u64) -> Result<Bytes, SendError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(SendError::transport)? {
        let total = (buf.len() as u64).saturating_add(chunk.len() as u64);
        if total > max {
            return Err(SendError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> GraphConfig {
        GraphConfig {
            base_url: "https://graph.facebook.com/".into(),
            api_version: "v25.0".into(),
            access_token: "tok".into(),
            phone_number_id: "109876543210987".into(),
            user_agent: "satark-test/1".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn config_checks() {
        let c = GraphClient::new(cfg());
        assert!(c.is_ok());
        if let Ok(c) = c {
            assert_eq!(
                c.messages_url(),
                "https://graph.facebook.com/v25.0/109876543210987/messages"
            );
            assert!(!format!("{c:?}").contains("tok\""));
        }
        let bad = |f: fn(&mut GraphConfig)| {
            let mut c = cfg();
            f(&mut c);
            GraphClient::new(c).err()
        };
        assert!(bad(|c| c.base_url = "ftp://x".into()).is_some());
        assert!(bad(|c| c.base_url = "graph.facebook.com".into()).is_some());
        assert!(bad(|c| c.api_version = String::new()).is_some());
        assert!(bad(|c| c.phone_number_id = "1/2".into()).is_some());
        assert!(bad(|c| c.access_token = " ".into()).is_some());
        assert!(bad(|c| c.access_token = "a\nb".into()).is_some());
        assert!(bad(|c| c.user_agent = String::new()).is_some());
        assert!(bad(|c| c.timeout = Duration::ZERO).is_some());
    }

    #[test]
    fn debug_redacts_token() {
        let mut c = cfg();
        c.access_token = "EAAG-secret".into();
        assert!(!format!("{c:?}").contains("EAAG-secret"));
    }
}
