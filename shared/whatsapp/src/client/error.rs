//! Client errors. None of them carries a recipient, a message body or a
//! media URL, so they are safe to log.

use std::time::Duration;

use serde_json::Value;

use crate::send::LimitError;

/// The configuration could not be turned into a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// A configuration value is unusable; the text names which.
    #[error("invalid Graph client configuration: {0}")]
    InvalidConfig(&'static str),
    /// reqwest refused to build the HTTP client.
    #[error("could not build HTTP client: {0}")]
    Build(String),
}

/// Why a Graph API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The Graph API answered with an error (reference §9). Branch on `code`.
    #[error("Graph API error: HTTP {status}, code {}", code_str(.code))]
    Graph {
        /// HTTP status.
        status: u16,
        /// `error.code`, e.g. 131047 or 131056.
        code: Option<i64>,
        /// `error.error_data.details`.
        details: Option<String>,
        /// `error.message`.
        message: Option<String>,
    },
    /// Network, TLS or timeout problem (URL stripped).
    #[error("transport error: {0}")]
    Transport(String),
    /// The message breaks a documented limit; it was not sent.
    #[error("message not sent: {0}")]
    Invalid(LimitError),
    /// The media is larger than the caller's cap.
    #[error("media exceeds the size limit")]
    TooLarge,
    /// The media URL has expired (HTTP 404); query the media id again.
    #[error("media URL expired or media not found")]
    Expired,
    /// The response could not be understood.
    #[error("unexpected Graph API response: {0}")]
    Decode(String),
    /// An argument is unusable (e.g. an empty media id or a plain-http URL on
    /// another host, to which the access token must not be sent).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
}

fn code_str(code: &Option<i64>) -> String {
    code.map_or_else(|| "none".to_owned(), |c| c.to_string())
}

/// Graph error codes worth retrying with backoff (§9): throughput and pair rate
/// limits, unknown errors and unavailability, maintenance, API-call limits.
const RETRYABLE_CODES: &[i64] = &[130_429, 131_056, 131_000, 131_016, 1, 2, 133_004, 131_057, 4, 80_007];

/// Graph error codes that stop the business account as a whole (§9): spam rate limit,
/// policy block, locked account, country restriction, invalid or expired token,
/// missing permissions, unregistered number. Retrying any message cannot help.
fn is_account_code(code: i64) -> bool {
    matches!(
        code,
        131_048 | 368 | 131_031 | 130_497 | 0 | 190 | 3 | 10 | 133_010 | 200..=299
    )
}

/// Graph error codes §9 lists as final for the message: undeliverable, invalid
/// parameters, test-number and marketing limits, blocked users, template problems.
fn is_permanent_code(code: i64) -> bool {
    matches!(
        code,
        131_026
            | 131_008
            | 131_009
            | 100
            | 131_021
            | 131_030
            | 131_049
            | 131_050
            | 131_051
            | 131_052
            | 131_053
            | 130_403
            | 131_062
            | 132_000..=132_999
    )
}

/// What a failed send means for the sender (reference §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try the same message again after a backoff.
    Retry,
    /// The 24-hour window is closed (131047): send a template instead.
    WindowClosed,
    /// This message will never be accepted (undeliverable, invalid, template problems).
    Permanent,
    /// The business account cannot send at all: stop, and alert someone.
    Account,
}

impl SendError {
    /// The Graph error code, if the API returned one.
    pub fn code(&self) -> Option<i64> {
        match self {
            SendError::Graph { code, .. } => *code,
            _ => None,
        }
    }

    /// The error's class, by its Graph code first and its HTTP status only for codes
    /// §9 does not list: a 5xx or 429 is retried, any other unknown error is not.
    pub fn class(&self) -> ErrorClass {
        match self {
            SendError::Transport(_) => ErrorClass::Retry,
            SendError::Graph { status, code, .. } => match *code {
                Some(131_047) => ErrorClass::WindowClosed,
                Some(c) if RETRYABLE_CODES.contains(&c) => ErrorClass::Retry,
                Some(c) if is_account_code(c) => ErrorClass::Account,
                Some(c) if is_permanent_code(c) => ErrorClass::Permanent,
                _ if *status >= 500 || *status == 429 => ErrorClass::Retry,
                _ => ErrorClass::Permanent,
            },
            _ => ErrorClass::Permanent,
        }
    }

    /// Whether retrying later may succeed: transport errors, HTTP 5xx/429 and
    /// the throttling/unavailable codes of §9.
    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Retry
    }

    /// The 24-hour customer-service window is closed (131047): send a
    /// template instead, never retry the free-form message.
    pub fn is_window_closed(&self) -> bool {
        self.code() == Some(131_047)
    }

    /// A minimum wait before retrying, for the rate-limit style errors whose
    /// pace is documented: pair limit (131056, 1 msg / 6 s), throughput
    /// (130429), maintenance (131057, ≤ 1 min), API-call limits (4, 80007).
    /// Callers should still back off exponentially (4^X s) on repeats.
    pub fn retry_after_hint(&self) -> Option<Duration> {
        match self.code()? {
            131_056 => Some(Duration::from_secs(6)),
            130_429 => Some(Duration::from_secs(1)),
            131_057 | 4 | 80_007 => Some(Duration::from_secs(60)),
            _ => None,
        }
    }

    /// Builds a [`SendError::Graph`] from an HTTP status and the documented
    /// error body; tolerates non-JSON bodies (proxies, HTML error pages).
    pub fn from_graph_body(status: u16, body: &[u8]) -> Self {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let err = parsed.get("error");
        let field = |k: &str| err.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_owned);
        let code = err.and_then(|e| e.get("code")).and_then(|c| match c {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let details = err
            .and_then(|e| e.get("error_data"))
            .and_then(|d| d.get("details"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        SendError::Graph {
            status,
            code,
            details,
            message: field("message"),
        }
    }

    /// Wraps a reqwest error without its URL (which may name a media id or
    /// a signed lookaside link).
    pub(crate) fn transport(e: reqwest::Error) -> Self {
        let e = e.without_url();
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        SendError::Transport(msg)
    }
}

impl From<LimitError> for SendError {
    fn from(e: LimitError) -> Self {
        SendError::Invalid(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIR_LIMIT: &str = r#"{ "error": { "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
  "type": "OAuthException", "code": 131056,
  "error_data": { "messaging_product": "whatsapp",
                  "details": "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time." },
  "fbtrace_id": "AbCdEfGhIjKlMnOpQr" } }"#;

    #[test]
    fn parses_documented_error_body() {
        let e = SendError::from_graph_body(400, PAIR_LIMIT.as_bytes());
        assert_eq!(e.code(), Some(131_056));
        assert!(e.is_retryable());
        assert!(!e.is_window_closed());
        assert_eq!(e.retry_after_hint(), Some(Duration::from_secs(6)));
        match &e {
            SendError::Graph {
                status,
                details,
                message,
                ..
            } => {
                assert_eq!(*status, 400);
                assert!(details.as_deref().is_some_and(|d| d.contains("too many")));
                assert!(message.as_deref().is_some_and(|m| m.contains("pair rate")));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(e.to_string(), "Graph API error: HTTP 400, code 131056");
    }

    #[test]
    fn classification() {
        let g = |status, code| SendError::Graph {
            status,
            code,
            details: None,
            message: None,
        };
        assert!(g(400, Some(131_047)).is_window_closed());
        assert!(!g(400, Some(131_047)).is_retryable());
        assert!(!g(400, Some(131_026)).is_retryable());
        assert!(!g(400, Some(131_009)).is_retryable());
        assert!(g(500, None).is_retryable());
        assert!(g(400, Some(1)).is_retryable());
        assert!(g(400, Some(80_007)).is_retryable());
        assert!(SendError::Transport("x".into()).is_retryable());
        assert!(!SendError::TooLarge.is_retryable());
        assert!(!SendError::Expired.is_retryable());
        assert_eq!(g(400, None).to_string(), "Graph API error: HTTP 400, code none");
        let html = SendError::from_graph_body(502, b"<html>bad gateway</html>");
        assert_eq!(html.code(), None);
        assert!(html.is_retryable());
        let string_code = SendError::from_graph_body(400, br#"{"error":{"code":"131047"}}"#);
        assert!(string_code.is_window_closed());
    }

    #[test]
    fn every_class_of_section_9() {
        let class = |status, code| {
            SendError::Graph {
                status,
                code,
                details: None,
                message: None,
            }
            .class()
        };
        for code in [130_429, 131_056, 131_000, 131_016, 1, 2, 133_004, 131_057] {
            assert_eq!(class(400, Some(code)), ErrorClass::Retry, "{code}");
        }
        assert_eq!(class(500, None), ErrorClass::Retry);
        assert_eq!(class(503, Some(999_999)), ErrorClass::Retry);
        assert_eq!(class(400, Some(131_047)), ErrorClass::WindowClosed);
        for code in [
            131_026, 131_008, 131_009, 100, 132_000, 132_001, 132_012, 132_015, 132_018, 130_403,
        ] {
            assert_eq!(class(400, Some(code)), ErrorClass::Permanent, "{code}");
        }
        // A 500 carrying a permanent code is still permanent: the code decides.
        assert_eq!(class(500, Some(131_026)), ErrorClass::Permanent);
        for code in [131_048, 368, 131_031, 130_497, 190, 10, 200] {
            assert_eq!(class(400, Some(code)), ErrorClass::Account, "{code}");
        }
        assert_eq!(SendError::Transport("reset".into()).class(), ErrorClass::Retry);
        assert_eq!(SendError::Decode("x".into()).class(), ErrorClass::Permanent);
    }
}
