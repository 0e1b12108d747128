//! Local key files in place of KMS.
//!
//! `keys.json` (mode 0600) holds the pseudonym HMAC key, the evidence key and the
//! *public* half of the contact key; `contact-secret.key` (mode 0600) holds the
//! contact key's secret half. Reply addresses are sealed boxes (X25519 +
//! XSalsa20-Poly1305): whoever holds only `keys.json` (the webhook, and any future
//! dashboard) can seal an address but never open one. Only the notifier loads the
//! secret, as on AWS only the notifier's role may call `Decrypt` on the contact key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use rand::RngCore;
use satark_core::ids::{Identity, Pseudonym};
use satark_core::ports::{Entropy, KeyError, Pseudonymizer, ReplyAddressOpener, ReplyAddressSealer, SealedAddress};
use satark_core::pseudonym::PseudonymKey;
use serde::{Deserialize, Serialize};
use std::path::Path;

const NONCE_LEN: usize = 12;

#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    pseudonym_key: String,
    /// The contact key's public half (X25519), hex.
    contact_public_key: String,
    evidence_key: String,
}

const KEY_FILE: &str = "keys.json";
const CONTACT_SECRET_FILE: &str = "contact-secret.key";
/// Bound into every sealed reply address: it names the purpose, never a person.
const REPLY_ADDRESS_LABEL: &[u8] = b"satark/reply-address/v1\0";

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("key file {path} is malformed: {reason}")]
    Malformed { path: String, reason: String },
}

/// The keys every component may hold: pseudonyms, evidence, sealing reply addresses.
#[derive(Clone)]
pub struct LocalKeys {
    pseudonym_key: [u8; 32],
    contact_public: crypto_box::PublicKey,
    evidence_key: [u8; 32],
}

/// The only key that opens reply addresses; given to the notifier alone.
#[derive(Clone)]
pub struct ContactOpener {
    secret: crypto_box::SecretKey,
}

impl std::fmt::Debug for ContactOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContactOpener(<secret>)")
    }
}

impl std::fmt::Debug for LocalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalKeys(<secret>)")
    }
}

impl LocalKeys {
    /// Loads the keys from `dir`, creating both key files with fresh random keys on
    /// first start. Key files an older version left readable to others are made the
    /// owner's alone (0600) first.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyFileError> {
        let path = dir.join(KEY_FILE);
        let shown = path.display().to_string();
        let io = |source| KeyFileError::Io {
            path: shown.clone(),
            source,
        };
        for file in [&path, &dir.join(CONTACT_SECRET_FILE)] {
            crate::files::tighten_file(file).map_err(|source| KeyFileError::Io {
                path: file.display().to_string(),
                source,
            })?;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bad = |reason: String| KeyFileError::Malformed {
                    path: shown.clone(),
                    reason,
                };
                let file: KeyFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
                let key = |hex_key: &str| -> Result<[u8; 32], KeyFileError> {
                    let bytes = hex::decode(hex_key).map_err(|e| bad(e.to_string()))?;
                    bytes.try_into().map_err(|_| bad("a key is not 32 bytes".into()))
                };
                Ok(LocalKeys {
                    pseudonym_key: key(&file.pseudonym_key)?,
                    contact_public: crypto_box::PublicKey::from(key(&file.contact_public_key)?),
                    evidence_key: key(&file.evidence_key)?,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (keys, opener) = LocalKeys::random();
                let file = KeyFile {
                    version: 2,
                    pseudonym_key: hex::encode(keys.pseudonym_key),
                    contact_public_key: hex::encode(keys.contact_public.as_bytes()),
                    evidence_key: hex::encode(keys.evidence_key),
                };
                let text = serde_json::to_string_pretty(&file).map_err(|e| KeyFileError::Malformed {
                    path: shown.clone(),
                    reason: e.to_string(),
                })?;
                let secret_path = dir.join(CONTACT_SECRET_FILE);
                write_private(&secret_path, hex::encode(opener.secret.to_bytes()).as_bytes()).map_err(|source| {
                    KeyFileError::Io {
                        path: secret_path.display().to_string(),
                        source,
                    }
                })?;
                write_private(&path, text.as_bytes()).map_err(io)?;
                Ok(keys)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Fresh keys that live only in memory (tests), with the matching opener.
    pub fn random() -> (Self, ContactOpener) {
        let mut rng = rand::rng();
        let mut k = || {
            let mut key = [0u8; 32];
            rng.fill_bytes(&mut key);
            key
        };
        let secret = crypto_box::SecretKey::from(k());
        let keys = LocalKeys {
            pseudonym_key: k(),
            contact_public: secret.public_key(),
            evidence_key: k(),
        };
        (keys, ContactOpener { secret })
    }

    pub(crate) fn evidence_cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.evidence_key.into())
    }
}

/// Encrypts with a random nonce, output `nonce || ciphertext`.
pub(crate) fn seal_bytes(cipher: &Aes256Gcm, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| KeyError::Backend("encryption failed".into()))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

pub(crate) fn open_bytes(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
    if sealed.len() < NONCE_LEN {
        return Err(KeyError::Unreadable);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
        .map_err(|_| KeyError::Unreadable)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl Pseudonymizer for LocalKeys {
    fn pseudonym(&self, identity: &Identity) -> Pseudonym {
        PseudonymKey::new(self.pseudonym_key).pseudonym(identity)
    }

    fn message_key(&self, wamid: &str) -> String {
        PseudonymKey::new(self.pseudonym_key).message_key(wamid)
    }
}

#[async_trait]
impl ReplyAddressSealer for LocalKeys {
    async fn seal(&self, identity: &Identity) -> Result<SealedAddress, KeyError> {
        let plain = [REPLY_ADDRESS_LABEL, &identity.canonical_bytes()].concat();
        self.contact_public
            .seal(&mut crypto_box::aead::OsRng, &plain)
            .map(SealedAddress)
            .map_err(|_| KeyError::Backend("sealing failed".into()))
    }
}

impl ContactOpener {
    /// Loads the contact secret from `dir` (created by [`LocalKeys::load_or_create`]).
    pub fn load(dir: &Path) -> Result<Self, KeyFileError> {
        let path = dir.join(CONTACT_SECRET_FILE);
        let shown = path.display().to_string();
        crate::files::tighten_file(&path).map_err(|source| KeyFileError::Io {
            path: shown.clone(),
            source,
        })?;
        let text = std::fs::read_to_string(&path).map_err(|source| KeyFileError::Io {
            path: shown.clone(),
            source,
        })?;
        let bytes = hex::decode(text.trim()).map_err(|e| KeyFileError::Malformed {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyFileError::Malformed {
            path: shown,
            reason: "the key is not 32 bytes".into(),
        })?;
        Ok(ContactOpener {
            secret: crypto_box::SecretKey::from(key),
        })
    }
}

#[async_trait]
impl ReplyAddressOpener for ContactOpener {
    async fn open(&self, address: &SealedAddress) -> Result<Identity, KeyError> {
        let plain = self.secret.unseal(&address.0).map_err(|_| KeyError::Unreadable)?;
        let identity = plain.strip_prefix(REPLY_ADDRESS_LABEL).ok_or(KeyError::Unreadable)?;
        Identity::from_canonical_bytes(identity).ok_or(KeyError::Unreadable)
    }
}

/// Randomness from the operating system.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn key_file_round_trips_and_addresses_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = LocalKeys::load_or_create(dir.path()).expect("create");
        let again = LocalKeys::load_or_create(dir.path()).expect("load");
        let opener = ContactOpener::load(dir.path()).expect("contact secret");
        let who = Identity::WaId("919876543210".into());
        assert_eq!(keys.pseudonym(&who), again.pseudonym(&who));
        assert!(keys.pseudonym(&who).as_str().starts_with("p1:"));
        assert_ne!(
            keys.pseudonym(&who),
            keys.pseudonym(&Identity::UserId("919876543210".into()))
        );
        let sealed = keys.seal(&who).await.expect("seal");
        assert_eq!(opener.open(&sealed).await.expect("open"), who);
        assert_ne!(
            keys.seal(&who).await.expect("seal").0,
            sealed.0,
            "each sealing is randomised"
        );
        let mut tampered = sealed.clone();
        if let Some(b) = tampered.0.last_mut() {
            *b ^= 1;
        }
        assert!(matches!(opener.open(&tampered).await, Err(KeyError::Unreadable)));
        assert!(matches!(
            LocalKeys::random().1.open(&sealed).await,
            Err(KeyError::Unreadable)
        ));
        // keys.json, which the webhook holds, has no secret that opens an address.
        let key_file = std::fs::read_to_string(dir.path().join("keys.json")).expect("read");
        let secret = std::fs::read_to_string(dir.path().join("contact-secret.key")).expect("read");
        assert!(!key_file.contains(secret.trim()));
        #[cfg(unix)]
        for name in ["keys.json", "contact-secret.key"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(name))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }

    #[test]
    fn message_keys_hide_the_wamid() {
        let (keys, _) = LocalKeys::random();
        let wamid = "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0VCMEFBMDAwMDAwMDAwMDAwMDEA";
        let key = keys.message_key(wamid);
        assert!(!key.contains("HBgM"));
        assert_eq!(key, keys.message_key(wamid));
    }
}
