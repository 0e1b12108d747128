//! Pseudonyms and reply addresses with KMS.
//!
//! Three types, so each Lambda is handed only what it may use: every function that
//! meets an identity gets a [`KmsPseudonymizer`]; whoever creates reply addresses gets
//! a [`KmsSealer`] (`kms:Encrypt` on the contact key); only the notifier gets a
//! [`KmsOpener`] (`kms:Decrypt`, which the contact key's policy grants its role alone).

use crate::AwsError;
use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::MacAlgorithmSpec;
use satark_core::ids::{Identity, Pseudonym};
use satark_core::ports::{KeyError, Pseudonymizer, ReplyAddressOpener, ReplyAddressSealer, SealedAddress};
use satark_core::pseudonym::PseudonymKey;

/// The message KMS MACs to derive the pseudonym key. Changing it (or the KMS key)
/// changes every pseudonym: do that only with a new [`PSEUDONYM_VERSION`].
pub const PSEUDONYM_KEY_LABEL: &str = "satark/pseudonym-key/v1";
pub use satark_core::pseudonym::PSEUDONYM_VERSION;
/// Encryption context of every reply address. CloudTrail logs it in clear, so it names
/// the purpose and a format version, never a person.
pub const REPLY_ADDRESS_CONTEXT: [(&str, &str); 2] = [("purpose", "satark-reply-address"), ("v", "1")];

/// Pseudonyms and message keys: HMAC-SHA256 in memory under a key derived once per cold
/// start with KMS `GenerateMac` (HMAC_256 key) over [`PSEUDONYM_KEY_LABEL`]. The KMS
/// key never leaves KMS; the derived key lives only in this process, so hashing a
/// message costs microseconds, not a KMS call.
#[derive(Clone)]
pub struct KmsPseudonymizer {
    key: PseudonymKey,
}

impl std::fmt::Debug for KmsPseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KmsPseudonymizer(<secret>)")
    }
}

impl KmsPseudonymizer {
    /// Derives the key with one `GenerateMac` call on `key_id`.
    pub async fn derive(client: &Client, key_id: &str) -> Result<Self, AwsError> {
        let fail = |reason: String| AwsError::KeyDerivation {
            key_id: key_id.to_string(),
            reason,
        };
        let out = client
            .generate_mac()
            .key_id(key_id)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new(PSEUDONYM_KEY_LABEL.as_bytes()))
            .send()
            .await
            .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
        let mac = out.mac.ok_or_else(|| fail("GenerateMac returned no MAC".into()))?;
        let key: [u8; 32] = mac
            .into_inner()
            .try_into()
            .map_err(|m: Vec<u8>| fail(format!("GenerateMac returned {} bytes, not 32", m.len())))?;
        Ok(KmsPseudonymizer {
            key: PseudonymKey::new(key),
        })
    }
}

impl Pseudonymizer for KmsPseudonymizer {
    fn pseudonym(&self, identity: &Identity) -> Pseudonym {
        self.key.pseudonym(identity)
    }

    fn message_key(&self, wamid: &str) -> String {
        self.key.message_key(wamid)
    }
}

/// Seals identities into reply addresses: KMS `Encrypt` under the contact key with
/// [`REPLY_ADDRESS_CONTEXT`]. The address is KMS's ciphertext blob as is.
#[derive(Debug, Clone)]
pub struct KmsSealer {
    client: Client,
    key_id: String,
}

impl KmsSealer {
    pub fn new(client: Client, key_id: String) -> Self {
        KmsSealer { client, key_id }
    }
}

#[async_trait]
impl ReplyAddressSealer for KmsSealer {
    async fn seal(&self, identity: &Identity) -> Result<SealedAddress, KeyError> {
        let mut request = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(identity.canonical_bytes()));
        for (k, v) in REPLY_ADDRESS_CONTEXT {
            request = request.encryption_context(k, v);
        }
        let out = request
            .send()
            .await
            .map_err(|e| KeyError::Backend(format!("KMS Encrypt: {}", DisplayErrorContext(&e))))?;
        out.ciphertext_blob
            .map(|b| SealedAddress(b.into_inner()))
            .ok_or_else(|| KeyError::Backend("KMS Encrypt returned no ciphertext".into()))
    }
}

/// Opens reply addresses: KMS `Decrypt` with the same context, pinned to the contact
/// key so a ciphertext made under any other key is refused.
#[derive(Debug, Clone)]
pub struct KmsOpener {
    client: Client,
    key_id: String,
}

impl KmsOpener {
    pub fn new(client: Client, key_id: String) -> Self {
        KmsOpener { client, key_id }
    }
}

/// KMS errors that mean "this ciphertext is not ours / not intact", as opposed to the
/// service failing.
const UNREADABLE_CODES: [&str; 3] = [
    "InvalidCiphertextException",
    "IncorrectKeyException",
    "InvalidKeyUsageException",
];

#[async_trait]
impl ReplyAddressOpener for KmsOpener {
    async fn open(&self, address: &SealedAddress) -> Result<Identity, KeyError> {
        let mut request = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(address.0.clone()));
        for (k, v) in REPLY_ADDRESS_CONTEXT {
            request = request.encryption_context(k, v);
        }
        let out = match request.send().await {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .and_then(|s| s.code())
                    .is_some_and(|c| UNREADABLE_CODES.contains(&c)) =>
            {
                return Err(KeyError::Unreadable);
            }
            Err(e) => return Err(KeyError::Backend(format!("KMS Decrypt: {}", DisplayErrorContext(&e)))),
        };
        let plain = out.plaintext.ok_or(KeyError::Unreadable)?;
        Identity::from_canonical_bytes(plain.as_ref()).ok_or(KeyError::Unreadable)
    }
}
