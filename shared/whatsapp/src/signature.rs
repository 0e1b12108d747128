//! Webhook authenticity: the `X-Hub-Signature-256` HMAC and the GET
//! verification handshake (reference §2–3).
//!
//! The HMAC must be computed over the exact bytes received: Meta signs an
//! escaped-unicode body, so parsing and re-serialising would break every
//! non-ASCII (e.g. Hindi) message.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The prefix Meta puts before the hex digest in `X-Hub-Signature-256`.
const PREFIX: &str = "sha256=";

/// Checks an `X-Hub-Signature-256` header against the raw request body.
///
/// Accepts surrounding whitespace and hex digits in any case; the comparison is
/// constant time (`verify_slice`). Returns `false` for a missing or malformed
/// header, and also for an empty `app_secret`, because an empty key would let
/// anyone forge signatures on a misconfigured server.
pub fn verify_signature(app_secret: &[u8], header: Option<&str>, body: &[u8]) -> bool {
    if app_secret.is_empty() {
        return false;
    }
    let Some(header) = header else {
        return false;
    };
    let header = header.trim();
    let Some(hex_sig) = strip_prefix_ignore_case(header, PREFIX) else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(app_secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// Computes the full `X-Hub-Signature-256` header value (`sha256=<lowercase hex>`)
/// for `body`, so simulators and tests can sign payloads exactly as Meta does.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an
    // impossible signature rather than panicking.
    match HmacSha256::new_from_slice(app_secret) {
        Ok(mut mac) => {
            mac.update(body);
            format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => PREFIX.to_owned(),
    }
}

/// Answers Meta's GET verification handshake (`hub.mode`, `hub.verify_token`,
/// `hub.challenge`).
///
/// Returns the challenge to echo verbatim (HTTP 200, text/plain) when the mode
/// is `subscribe` and the token matches `expected_token` (constant-time
/// compare); `None` means respond 403. An empty `expected_token` never matches.
pub fn verify_handshake(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    expected_token: &str,
) -> Option<String> {
    if mode != Some("subscribe") || expected_token.is_empty() {
        return None;
    }
    let token = token?;
    let challenge = challenge?;
    if bool::from(token.as_bytes().ct_eq(expected_token.as_bytes())) {
        Some(challenge.to_owned())
    } else {
        None
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_style_vector_secret_test() {
        assert_eq!(
            sign(b"secret", b"test"),
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
        );
    }

    #[test]
    fn envelope_vector() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let expected = "sha256=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f";
        assert_eq!(sign(b"app_secret_123", body), expected);
        assert!(verify_signature(b"app_secret_123", Some(expected), body));
        assert!(!verify_signature(b"app_secret_12", Some(expected), body));
        assert!(!verify_signature(
            b"app_secret_123",
            Some(expected),
            br#"{"object":"whatsapp_business_account","entry":[ ]}"#
        ));
    }

    #[test]
    fn escaped_unicode_pair_differs() {
        let escaped = br#"{"text":"caf\u00e9"}"#;
        let utf8 = r#"{"text":"café"}"#.as_bytes();
        let sig_escaped = sign(b"s", escaped);
        let sig_utf8 = sign(b"s", utf8);
        assert!(sig_escaped.starts_with("sha256=2f7719a8"), "{sig_escaped}");
        assert!(sig_escaped.ends_with("c7e4"), "{sig_escaped}");
        assert!(sig_utf8.starts_with("sha256=616a814e"), "{sig_utf8}");
        assert!(sig_utf8.ends_with("9d49"), "{sig_utf8}");
        assert!(verify_signature(b"s", Some(&sig_escaped), escaped));
        assert!(!verify_signature(b"s", Some(&sig_escaped), utf8));
        assert!(!verify_signature(b"s", Some(&sig_utf8), escaped));
    }

    #[test]
    fn header_forms() {
        let body = b"test";
        let hex_sig = "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914";
        assert!(verify_signature(b"secret", Some(&format!("sha256={hex_sig}")), body));
        assert!(verify_signature(
            b"secret",
            Some(&format!("  sha256={}\n", hex_sig.to_uppercase())),
            body
        ));
        assert!(verify_signature(b"secret", Some(&format!("SHA256={hex_sig}")), body));
        assert!(!verify_signature(b"secret", Some(hex_sig), body));
        assert!(!verify_signature(b"secret", None, body));
        assert!(!verify_signature(b"secret", Some("sha256="), body));
        assert!(!verify_signature(b"secret", Some("sha256=zz"), body));
        assert!(!verify_signature(
            b"secret",
            Some(&format!("sha256={}", &hex_sig[..62])),
            body
        ));
        assert!(!verify_signature(b"secret", Some("sha1=abc"), body));
        assert!(!verify_signature(b"secret", Some("ü"), body));
        // An empty secret never verifies, even with a "correct" signature.
        let empty_sig = sign(b"", body);
        assert!(!verify_signature(b"", Some(&empty_sig), body));
    }

    #[test]
    fn handshake() {
        assert_eq!(
            verify_handshake(Some("subscribe"), Some("tok"), Some("1158201444"), "tok"),
            Some("1158201444".to_owned())
        );
        assert_eq!(
            verify_handshake(Some("subscribe"), Some("tok2"), Some("1"), "tok"),
            None
        );
        assert_eq!(verify_handshake(Some("subscribe"), Some("to"), Some("1"), "tok"), None);
        assert_eq!(
            verify_handshake(Some("unsubscribe"), Some("tok"), Some("1"), "tok"),
            None
        );
        assert_eq!(verify_handshake(None, Some("tok"), Some("1"), "tok"), None);
        assert_eq!(verify_handshake(Some("subscribe"), None, Some("1"), "tok"), None);
        assert_eq!(verify_handshake(Some("subscribe"), Some("tok"), None, "tok"), None);
        assert_eq!(verify_handshake(Some("subscribe"), Some(""), Some("1"), ""), None);
    }
}
