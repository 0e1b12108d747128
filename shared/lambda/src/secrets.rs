//! The WhatsApp secrets, from Secrets Manager (never from plain parameters).

use serde::Deserialize;

/// The secret's JSON: `{"app_secret": "...", "verify_token": "...", "access_token": "..."}`.
#[derive(Clone, Deserialize)]
pub struct WhatsAppSecrets {
    pub app_secret: String,
    pub verify_token: String,
    pub access_token: String,
}

impl std::fmt::Debug for WhatsAppSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WhatsAppSecrets(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("reading secret {arn}: {message}")]
    Read { arn: String, message: String },
    #[error("secret {arn} is not the expected JSON ({{app_secret, verify_token, access_token}})")]
    Shape { arn: String },
}

impl WhatsAppSecrets {
    /// Secrets given directly (tests, local tools).
    pub fn for_tests(app_secret: &str, verify_token: &str, access_token: &str) -> Self {
        WhatsAppSecrets {
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
            access_token: access_token.into(),
        }
    }

    /// Reads the secret once per cold start.
    pub async fn load(client: &aws_sdk_secretsmanager::Client, arn: &str) -> Result<Self, SecretError> {
        let out = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| SecretError::Read {
                arn: arn.into(),
                message: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            })?;
        let text = out
            .secret_string()
            .ok_or_else(|| SecretError::Shape { arn: arn.into() })?;
        serde_json::from_str(text).map_err(|_| SecretError::Shape { arn: arn.into() })
    }
}
