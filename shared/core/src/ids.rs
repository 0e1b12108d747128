//! Identifiers: report ids, reference codes and informant pseudonyms.
//!
//! Randomness comes from the caller (the engine is pure), as bytes in
//! [`crate::conversation::StepContext`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford's base32 alphabet: no I, L, O or U, so codes survive being read aloud
/// or typed on a phone.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn crockford(bytes: &[u8], len: usize) -> String {
    // Take 5 bits at a time from the bytes, most significant first.
    let mut out = String::with_capacity(len);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut iter = bytes.iter();
    while out.len() < len {
        if bits < 5 {
            acc = (acc << 8) | u32::from(*iter.next().unwrap_or(&0));
            bits += 8;
        }
        bits -= 5;
        out.push(CROCKFORD[((acc >> bits) & 31) as usize] as char);
    }
    out
}

/// A report's unguessable id (128 random bits, 26 Crockford characters). Officers'
/// URLs carry it; it reveals nothing about the informant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(String);

impl ReportId {
    pub fn from_entropy(bytes: &[u8; 16]) -> Self {
        ReportId(crockford(bytes, 26))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accepts a stored or URL id; refuses anything that is not 26 Crockford characters.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == 26 && s.bytes().all(|b| CROCKFORD.contains(&b));
        ok.then(|| ReportId(s.to_string()))
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The short code an informant uses to ask about a report, e.g. `JNP-7K3QX`: the
/// district code and five Crockford characters (about 33 million per district).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReferenceCode(String);

impl ReferenceCode {
    pub const SUFFIX_LEN: usize = 5;

    pub fn new(prefix: &str, entropy: &[u8]) -> Self {
        ReferenceCode(format!("{}-{}", prefix, crockford(entropy, Self::SUFFIX_LEN)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a code as a citizen might type it: any case, spaces or no dash, and the
    /// letters Crockford folds (O→0, I/L→1). Returns `None` if it cannot be a code.
    pub fn parse(input: &str) -> Option<Self> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2066}'..='\u{2069}'))
            .collect::<String>()
            .to_ascii_uppercase();
        let (prefix, suffix) = match cleaned.split_once('-') {
            Some((p, s)) => (p.to_string(), s.to_string()),
            None => {
                let split = cleaned.len().checked_sub(Self::SUFFIX_LEN)?;
                if !cleaned.is_char_boundary(split) {
                    return None;
                }
                (cleaned[..split].to_string(), cleaned[split..].to_string())
            }
        };
        let prefix_ok = (2..=5).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_uppercase());
        let suffix: String = suffix
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        let suffix_ok = suffix.len() == Self::SUFFIX_LEN && suffix.bytes().all(|b| CROCKFORD.contains(&b));
        (prefix_ok && suffix_ok).then(|| ReferenceCode(format!("{prefix}-{suffix}")))
    }
}

impl fmt::Display for ReferenceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An informant as the system knows them: a keyed hash of their WhatsApp identity,
/// with a key-version prefix (e.g. `p1:…`). Never shown to officers.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pseudonym(String);

impl Pseudonym {
    pub fn new(value: String) -> Self {
        Pseudonym(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shows only the key version, so a pseudonym in a debug log cannot link records.
impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.0.split(':').next().unwrap_or("?");
        write!(f, "Pseudonym({version}:…)")
    }
}

/// An informant's WhatsApp identity in clear: only ever in memory, between parsing a
/// webhook and hashing or sealing it, and in the notifier just before sending.
#[derive(Clone, PartialEq, Eq)]
pub enum Identity {
    /// The phone-number id (`wa_id` / `from`), digits only.
    WaId(String),
    /// The business-scoped user id, when WhatsApp gives no number.
    UserId(String),
}

impl Identity {
    /// Bytes fed to the pseudonym HMAC: tagged, so a number and a user id never collide.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        match self {
            Identity::WaId(v) => [b"wa:".as_slice(), v.as_bytes()].concat(),
            Identity::UserId(v) => [b"bs:".as_slice(), v.as_bytes()].concat(),
        }
    }

    pub fn from_canonical_bytes(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        if let Some(v) = text.strip_prefix("wa:") {
            Some(Identity::WaId(v.to_string()))
        } else {
            text.strip_prefix("bs:").map(|v| Identity::UserId(v.to_string()))
        }
    }
}

/// Never prints the identity itself.
impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::WaId(_) => f.write_str("Identity::WaId(<redacted>)"),
            Identity::UserId(_) => f.write_str("Identity::UserId(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_ids_are_26_crockford_chars() {
        let id = ReportId::from_entropy(&[0xAB; 16]);
        assert_eq!(id.as_str().len(), 26);
        assert_eq!(ReportId::parse(id.as_str()), Some(id));
        assert!(ReportId::parse("short").is_none());
        assert!(ReportId::parse("IIIIIIIIIIIIIIIIIIIIIIIIII").is_none());
    }

    #[test]
    fn reference_codes_parse_as_typed() {
        let code = ReferenceCode::new("JNP", &[1, 2, 3, 4]);
        assert_eq!(code.as_str().len(), 9);
        assert_eq!(ReferenceCode::parse(&code.as_str().to_lowercase()), Some(code.clone()));
        assert_eq!(
            ReferenceCode::parse(&code.as_str().replace('-', " ")),
            Some(code.clone())
        );
        assert_eq!(
            ReferenceCode::parse("jnp-7k3qo").map(|c| c.to_string()),
            Some("JNP-7K3Q0".into())
        );
        assert_eq!(
            ReferenceCode::parse("JNP7K3QX").map(|c| c.to_string()),
            Some("JNP-7K3QX".into())
        );
        assert!(ReferenceCode::parse("hello").is_none());
        assert!(ReferenceCode::parse("JNP-7K3").is_none());
        assert!(ReferenceCode::parse("जौनपुर-12345").is_none());
        assert!(ReferenceCode::parse("").is_none());
    }

    #[test]
    fn identity_round_trips_and_never_prints() {
        let id = Identity::WaId("919876543210".into());
        assert_eq!(Identity::from_canonical_bytes(&id.canonical_bytes()), Some(id.clone()));
        assert!(!format!("{id:?}").contains("9198"));
        let p = Pseudonym::new("p1:abcdef".into());
        assert!(!format!("{p:?}").contains("abcdef"));
    }
}
