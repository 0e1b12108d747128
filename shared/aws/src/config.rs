//! Building the SDK clients once per cold start, and the resource names from the
//! environment.

use crate::{
    DynamoAggregates, DynamoAudit, DynamoStore, DynamoThreads, DynamoTriage, KmsOpener, KmsPseudonymizer, KmsSealer,
    S3Vault, SqsJobQueue, TableNames,
};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use satark_core::jobs::QueueName;
use std::time::Duration;

/// Why the AWS adapters could not be set up or asked to do something outside a port.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// A resource name the adapter needs was not configured.
    #[error("{name} is not set: it names the AWS resource this adapter uses")]
    MissingSetting { name: &'static str },
    /// The pseudonym key could not be derived at start (KMS `GenerateMac`).
    #[error("deriving the pseudonym key with KMS key {key_id}: {reason}")]
    KeyDerivation { key_id: String, reason: String },
    /// An argument the adapter refuses (e.g. a media key with a `/`).
    #[error("invalid {what}: {reason}")]
    InvalidInput { what: &'static str, reason: String },
    /// A presigned URL could not be made.
    #[error("presigning a GET of {object}: {reason}")]
    Presign { object: String, reason: String },
    /// A table could not be created (tests and first-time setup).
    #[error("creating table {table}: {reason}")]
    CreateTable { table: String, reason: String },
}

/// The environment variables naming the AWS resources, one per setting. Each Lambda is
/// given only the ones its adapters need; an adapter whose setting is missing fails to
/// build with [`AwsError::MissingSetting`] naming the variable.
pub mod env {
    /// DynamoDB table of conversations (key `pk` = pseudonym).
    pub const CONVERSATIONS_TABLE: &str = "SATARK_CONVERSATIONS_TABLE";
    /// DynamoDB table of dedupe records (key `pk` = message key; TTL on `expires_at`).
    pub const DEDUPE_TABLE: &str = "SATARK_DEDUPE_TABLE";
    /// DynamoDB table of reports and reference-code guards (key `pk`; GSI `recent`).
    pub const REPORTS_TABLE: &str = "SATARK_REPORTS_TABLE";
    /// S3 bucket of evidence.
    pub const EVIDENCE_BUCKET: &str = "SATARK_EVIDENCE_BUCKET";
    /// KMS key (id, ARN or alias) for the evidence bucket's SSE-KMS.
    pub const EVIDENCE_KEY_ID: &str = "SATARK_EVIDENCE_KEY_ID";
    /// URL of the outbound FIFO queue.
    pub const OUTBOUND_QUEUE_URL: &str = "SATARK_OUTBOUND_QUEUE_URL";
    /// URL of the media (standard) queue.
    pub const MEDIA_QUEUE_URL: &str = "SATARK_MEDIA_QUEUE_URL";
    /// The SQS standard queue of submitted reports (classifier).
    pub const REPORTS_QUEUE_URL: &str = "SATARK_REPORTS_QUEUE_URL";
    /// The DynamoDB table of analytics counters.
    pub const AGGREGATES_TABLE: &str = "SATARK_AGGREGATES_TABLE";
    /// The DynamoDB table of the officers' audit log.
    pub const AUDIT_TABLE: &str = "SATARK_AUDIT_TABLE";
    /// The DynamoDB table of the classifier's fingerprints, pending alerts and model.
    pub const TRIAGE_TABLE: &str = "SATARK_TRIAGE_TABLE";
    /// The DynamoDB table of report threads (officers' messages, informants' answers,
    /// delivery states) and sent messages' links.
    pub const THREADS_TABLE: &str = "SATARK_THREADS_TABLE";
    /// KMS HMAC_256 key (GENERATE_VERIFY_MAC) the pseudonym key is derived from.
    pub const PSEUDONYM_KEY_ID: &str = "SATARK_PSEUDONYM_KEY_ID";
    /// KMS symmetric key that seals reply addresses (the contact key).
    pub const CONTACT_KEY_ID: &str = "SATARK_CONTACT_KEY_ID";
    /// `true`/`1`: address S3 by path (`endpoint/bucket/key`), as emulators need. Also
    /// on whenever an endpoint override (`AWS_ENDPOINT_URL`) is in force.
    pub const S3_FORCE_PATH_STYLE: &str = "SATARK_S3_FORCE_PATH_STYLE";
}

/// Names of the AWS resources. `None` where the setting is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceNames {
    pub conversations_table: Option<String>,
    pub dedupe_table: Option<String>,
    pub reports_table: Option<String>,
    pub evidence_bucket: Option<String>,
    pub evidence_key_id: Option<String>,
    pub outbound_queue_url: Option<String>,
    pub media_queue_url: Option<String>,
    pub reports_queue_url: Option<String>,
    pub aggregates_table: Option<String>,
    pub audit_table: Option<String>,
    pub triage_table: Option<String>,
    pub threads_table: Option<String>,
    pub pseudonym_key_id: Option<String>,
    pub contact_key_id: Option<String>,
    pub s3_force_path_style: bool,
}

impl ResourceNames {
    /// Reads the [`env`](mod@env) variables of the process.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests). Empty
    /// values count as absent.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        ResourceNames {
            conversations_table: get(env::CONVERSATIONS_TABLE),
            dedupe_table: get(env::DEDUPE_TABLE),
            reports_table: get(env::REPORTS_TABLE),
            evidence_bucket: get(env::EVIDENCE_BUCKET),
            evidence_key_id: get(env::EVIDENCE_KEY_ID),
            outbound_queue_url: get(env::OUTBOUND_QUEUE_URL),
            media_queue_url: get(env::MEDIA_QUEUE_URL),
            reports_queue_url: get(env::REPORTS_QUEUE_URL),
            aggregates_table: get(env::AGGREGATES_TABLE),
            audit_table: get(env::AUDIT_TABLE),
            triage_table: get(env::TRIAGE_TABLE),
            threads_table: get(env::THREADS_TABLE),
            pseudonym_key_id: get(env::PSEUDONYM_KEY_ID),
            contact_key_id: get(env::CONTACT_KEY_ID),
            s3_force_path_style: get(env::S3_FORCE_PATH_STYLE)
                .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
        }
    }
}

fn require(value: &Option<String>, name: &'static str) -> Result<String, AwsError> {
    value.clone().ok_or(AwsError::MissingSetting { name })
}

/// Retries: the SDK's standard mode (retries throttling, 5xx and transient network
/// errors, with a client-side retry budget), three attempts, and backoffs short enough
/// that the webhook still answers Meta within its deadline rather than sleeping for
/// the SDK's default of up to 20 s.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(1))
}

/// Timeouts for DynamoDB, SQS and KMS: single-digit-millisecond services in the same
/// region, so an attempt that takes seconds is stuck and is better retried; the whole
/// operation stays well inside a Lambda's timeout.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(10))
        .build()
}

/// Timeouts for S3: evidence objects run to WhatsApp's 100 MB document limit, so an
/// attempt may legitimately take tens of seconds.
pub fn s3_timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(150))
        .build()
}

/// The SDK clients and resource names of one process, built once per cold start and
/// shared by every adapter (SDK clients are cheap to clone: they share one connection
/// pool and credentials cache).
#[derive(Debug, Clone)]
pub struct AwsConfig {
    sdk: SdkConfig,
    dynamodb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    kms: aws_sdk_kms::Client,
    names: ResourceNames,
}

impl AwsConfig {
    /// The SDK configuration loader with Satark's retry and timeout settings, resolving
    /// region, credentials and endpoints the default way (Lambda's environment,
    /// `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, ...). Tests add an endpoint,
    /// dummy credentials and a region before loading.
    pub fn loader() -> ConfigLoader {
        aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry_config())
            .timeout_config(timeout_config())
    }

    /// Production: loads the SDK configuration and reads [`env`](mod@env). Call once per cold start.
    pub async fn from_env() -> Self {
        let sdk = Self::loader().load().await;
        Self::new(&sdk, ResourceNames::from_env())
    }

    /// Builds every client from one SDK configuration.
    pub fn new(sdk: &SdkConfig, names: ResourceNames) -> Self {
        let path_style = names.s3_force_path_style || sdk.endpoint_url().is_some();
        let s3_config = aws_sdk_s3::config::Builder::from(sdk)
            .timeout_config(s3_timeout_config())
            .force_path_style(path_style)
            .build();
        AwsConfig {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sqs: aws_sdk_sqs::Client::new(sdk),
            kms: aws_sdk_kms::Client::new(sdk),
            sdk: sdk.clone(),
            names,
        }
    }

    /// Points DynamoDB at its own endpoint (DynamoDB Local, while the other services
    /// run on another emulator).
    pub fn with_dynamodb_endpoint(mut self, endpoint_url: &str) -> Self {
        let config = aws_sdk_dynamodb::config::Builder::from(&self.sdk)
            .endpoint_url(endpoint_url)
            .build();
        self.dynamodb = aws_sdk_dynamodb::Client::from_conf(config);
        self
    }

    /// The SDK configuration, for clients of other services (Secrets Manager).
    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }

    /// Rebuilds the DynamoDB client with `adjust` applied to its configuration (tests
    /// add interceptors that count requests).
    pub fn with_dynamodb_config(
        mut self,
        adjust: impl FnOnce(aws_sdk_dynamodb::config::Builder) -> aws_sdk_dynamodb::config::Builder,
    ) -> Self {
        let builder = self.dynamodb.config().clone().to_builder();
        self.dynamodb = aws_sdk_dynamodb::Client::from_conf(adjust(builder).build());
        self
    }

    pub fn names(&self) -> &ResourceNames {
        &self.names
    }

    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        &self.dynamodb
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.s3
    }

    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        &self.sqs
    }

    pub fn kms(&self) -> &aws_sdk_kms::Client {
        &self.kms
    }

    /// The names of the three tables.
    pub fn table_names(&self) -> Result<TableNames, AwsError> {
        Ok(TableNames {
            conversations: require(&self.names.conversations_table, env::CONVERSATIONS_TABLE)?,
            dedupe: require(&self.names.dedupe_table, env::DEDUPE_TABLE)?,
            reports: require(&self.names.reports_table, env::REPORTS_TABLE)?,
        })
    }

    /// Conversations, dedupe records and reports.
    pub fn store(&self) -> Result<DynamoStore, AwsError> {
        Ok(DynamoStore::new(self.dynamodb.clone(), self.table_names()?))
    }

    /// A store that reaches the reports table only (the dashboard's): the other two
    /// table names are left empty, which DynamoDB refuses outright should any code
    /// path try them.
    pub fn reports_only_store(&self) -> Result<DynamoStore, AwsError> {
        let names = TableNames {
            conversations: String::new(),
            dedupe: String::new(),
            reports: require(&self.names.reports_table, env::REPORTS_TABLE)?,
        };
        Ok(DynamoStore::new(self.dynamodb.clone(), names))
    }

    /// Evidence in S3 under SSE-KMS.
    pub fn vault(&self) -> Result<S3Vault, AwsError> {
        Ok(S3Vault::new(
            self.s3.clone(),
            require(&self.names.evidence_bucket, env::EVIDENCE_BUCKET)?,
            require(&self.names.evidence_key_id, env::EVIDENCE_KEY_ID)?,
        ))
    }

    /// The job queues this function's environment names (each URL optional: a
    /// function is given only the queues it sends to, and sending elsewhere fails).
    pub fn job_queue(&self) -> SqsJobQueue {
        SqsJobQueue::new(
            self.sqs.clone(),
            [
                (QueueName::Outbound, self.names.outbound_queue_url.clone()),
                (QueueName::Media, self.names.media_queue_url.clone()),
                (QueueName::Reports, self.names.reports_queue_url.clone()),
            ],
        )
    }

    /// The analytics counters.
    pub fn aggregates(&self) -> Result<DynamoAggregates, AwsError> {
        Ok(DynamoAggregates::new(
            self.dynamodb.clone(),
            require(&self.names.aggregates_table, env::AGGREGATES_TABLE)?,
        ))
    }

    /// The classifier's records (and the report items and counters its commits write).
    pub fn triage(&self) -> Result<DynamoTriage, AwsError> {
        Ok(DynamoTriage::new(
            self.dynamodb.clone(),
            require(&self.names.reports_table, env::REPORTS_TABLE)?,
            require(&self.names.triage_table, env::TRIAGE_TABLE)?,
            require(&self.names.aggregates_table, env::AGGREGATES_TABLE)?,
        ))
    }

    /// The officers' audit log.
    pub fn audit_log(&self) -> Result<DynamoAudit, AwsError> {
        Ok(DynamoAudit::new(
            self.dynamodb.clone(),
            require(&self.names.audit_table, env::AUDIT_TABLE)?,
        ))
    }

    /// Report threads and sent messages' links.
    pub fn threads(&self) -> Result<DynamoThreads, AwsError> {
        Ok(DynamoThreads::new(
            self.dynamodb.clone(),
            require(&self.names.threads_table, env::THREADS_TABLE)?,
        ))
    }

    /// Derives the pseudonym key from KMS (one `GenerateMac` call): once per cold start.
    pub async fn pseudonymizer(&self) -> Result<KmsPseudonymizer, AwsError> {
        KmsPseudonymizer::derive(
            &self.kms,
            &require(&self.names.pseudonym_key_id, env::PSEUDONYM_KEY_ID)?,
        )
        .await
    }

    /// Seals reply addresses (webhook, dashboard, classifier).
    pub fn sealer(&self) -> Result<KmsSealer, AwsError> {
        Ok(KmsSealer::new(
            self.kms.clone(),
            require(&self.names.contact_key_id, env::CONTACT_KEY_ID)?,
        ))
    }

    /// Opens reply addresses: the notifier only (its role alone may `kms:Decrypt` with
    /// the contact key).
    pub fn opener(&self) -> Result<KmsOpener, AwsError> {
        Ok(KmsOpener::new(
            self.kms.clone(),
            require(&self.names.contact_key_id, env::CONTACT_KEY_ID)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn names_come_from_the_environment_and_blanks_are_absent() {
        let vars: HashMap<&str, &str> = [
            (env::CONVERSATIONS_TABLE, "conv"),
            (env::DEDUPE_TABLE, " "),
            (env::S3_FORCE_PATH_STYLE, "TRUE"),
        ]
        .into_iter()
        .collect();
        let names = ResourceNames::from_lookup(|k| vars.get(k).map(|v| v.to_string()));
        assert_eq!(names.conversations_table.as_deref(), Some("conv"));
        assert_eq!(names.dedupe_table, None);
        assert!(names.s3_force_path_style);
        let err = require(&names.dedupe_table, env::DEDUPE_TABLE).unwrap_err();
        assert!(err.to_string().contains("SATARK_DEDUPE_TABLE"), "{err}");
    }

    #[test]
    fn retries_and_timeouts_are_set_on_purpose() {
        let retry = retry_config();
        assert_eq!(retry.max_attempts(), 3);
        assert!(retry.max_backoff() <= Duration::from_secs(1));
        let t = timeout_config();
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(3)));
        assert!(s3_timeout_config().operation_attempt_timeout() > t.operation_attempt_timeout());
    }
}
