//! Pseudonyms: one implementation for every adapter, so an informant has the same
//! pseudonym whichever store holds it (and a migration between stores keeps them).

use crate::ids::{Identity, Pseudonym};
use crate::ports::Pseudonymizer;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Pseudonyms carry the key version (`p1:<hex>`), so the key can be replaced and old
/// and new pseudonyms told apart.
pub const PSEUDONYM_VERSION: &str = "p1";
const PSEUDONYM_LABEL: &[u8] = b"satark/pseudonym/v1\0";
const MESSAGE_LABEL: &[u8] = b"satark/message/v1\0";

/// The in-memory pseudonym key: HMAC-SHA256 over labelled input. Where the 32 bytes
/// come from (a local key file, KMS `GenerateMac`) is the adapter's business.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl PseudonymKey {
    pub fn new(key: [u8; 32]) -> Self {
        PseudonymKey(key)
    }

    fn hmac(&self, label: &[u8], data: &[u8]) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(label);
        mac.update(data);
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(<secret>)")
    }
}

impl Pseudonymizer for PseudonymKey {
    fn pseudonym(&self, identity: &Identity) -> Pseudonym {
        let digest = self.hmac(PSEUDONYM_LABEL, &identity.canonical_bytes());
        Pseudonym::new(format!("{PSEUDONYM_VERSION}:{digest}"))
    }

    fn message_key(&self, wamid: &str) -> String {
        format!("m1:{}", self.hmac(MESSAGE_LABEL, wamid.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_versioned_and_tagged() {
        let key = PseudonymKey::new([7; 32]);
        let number = Identity::WaId("919876543210".into());
        let p = key.pseudonym(&number);
        assert!(p.as_str().starts_with("p1:") && p.as_str().len() == 3 + 64);
        assert_eq!(p, key.pseudonym(&number));
        assert_ne!(
            p,
            PseudonymKey::new([8; 32]).pseudonym(&number),
            "a different key, a different pseudonym"
        );
        assert_ne!(p, key.pseudonym(&Identity::UserId("919876543210".into())));
        // Known answer, so a change of labels or encoding cannot slip through.
        let expected = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[7; 32]).unwrap_or_else(|_| unreachable!());
            mac.update(b"satark/pseudonym/v1\0wa:919876543210");
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(p.as_str(), format!("p1:{expected}"));
        assert!(key.message_key("wamid.X").starts_with("m1:"));
    }
}
