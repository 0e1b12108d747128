//! Emulator fixtures for tests (feature `testing`): endpoints from the environment,
//! unique names, and a fresh set of tables, bucket, queues and keys per test.

use crate::attr;
use crate::aws_config::{Region, SdkConfig};
use crate::aws_sdk_dynamodb::types::AttributeValue;
use crate::aws_sdk_kms::config::Credentials;
use crate::aws_sdk_kms::types::{KeySpec, KeyUsageType};
use crate::aws_sdk_sqs::types::QueueAttributeName;
use crate::{
    AwsConfig, DynamoStore, DynamoTriage, KmsOpener, KmsPseudonymizer, KmsSealer, ResourceNames, S3Vault, SqsJobQueue,
};

pub const DYNAMODB_ENDPOINT: &str = "SATARK_TEST_DYNAMODB_ENDPOINT";
pub const AWS_ENDPOINT: &str = "SATARK_TEST_AWS_ENDPOINT";

/// The emulators' endpoints. Missing ones fail the test: a suite that passes without
/// its backend proves nothing.
pub fn endpoints() -> (String, String) {
    let get = |name: &str| {
        std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
            panic!(
                "{name} is not set: the AWS adapter tests need the local emulators. Run \
                 `scripts/aws-emulators install` once, then `eval \"$(scripts/aws-emulators start)\"` \
                 (or run scripts/test-all, which does both)"
            )
        })
    };
    (get(DYNAMODB_ENDPOINT), get(AWS_ENDPOINT))
}

/// A name no other test (or earlier run on the same emulators) uses: lowercase, so it
/// is also a valid bucket name.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "satark-{tag}-{}-{:x}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// SDK configuration as production builds it (retries, timeouts), aimed at an emulator
/// with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    AwsConfig::loader()
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "satark-tests"))
        .region(Region::new("us-east-1"))
        .load()
        .await
}

/// One test's AWS resources, all freshly created.
pub struct Fixture {
    pub config: AwsConfig,
    pub hmac_key_id: String,
    pub contact_key_id: String,
    pub evidence_key_id: String,
}

pub async fn create_key(config: &AwsConfig, spec: KeySpec, usage: KeyUsageType) -> String {
    config
        .kms()
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .description("satark test key")
        .send()
        .await
        .expect("KMS CreateKey")
        .key_metadata
        .expect("key metadata")
        .key_id
}

pub async fn create_queue(config: &AwsConfig, name: String, fifo: bool) -> String {
    let mut request = config.sqs().create_queue().queue_name(name);
    if fifo {
        request = request.attributes(QueueAttributeName::FifoQueue, "true");
    }
    request
        .send()
        .await
        .expect("SQS CreateQueue")
        .queue_url
        .expect("queue url")
}

pub async fn fixture() -> Fixture {
    let (dynamodb, aws) = endpoints();
    let sdk = sdk_config(&aws).await;
    // A config without names, to create the resources the real one will name.
    let bare = AwsConfig::new(&sdk, ResourceNames::default());
    let hmac_key_id = create_key(&bare, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let contact_key_id = create_key(&bare, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let evidence_key_id = create_key(&bare, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await;
    let bucket = unique("evidence");
    bare.s3()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("S3 CreateBucket");
    let outbound = create_queue(&bare, format!("{}.fifo", unique("outbound")), true).await;
    let media = create_queue(&bare, unique("media"), false).await;
    let reports = create_queue(&bare, unique("reports"), false).await;
    let names = ResourceNames {
        conversations_table: Some(unique("conversations")),
        dedupe_table: Some(unique("dedupe")),
        reports_table: Some(unique("reports")),
        evidence_bucket: Some(bucket),
        evidence_key_id: Some(evidence_key_id.clone()),
        outbound_queue_url: Some(outbound),
        media_queue_url: Some(media),
        reports_queue_url: Some(reports),
        aggregates_table: Some(unique("aggregates")),
        audit_table: Some(unique("audit")),
        triage_table: Some(unique("triage")),
        threads_table: Some(unique("threads")),
        pseudonym_key_id: Some(hmac_key_id.clone()),
        contact_key_id: Some(contact_key_id.clone()),
        s3_force_path_style: true,
    };
    let config = AwsConfig::new(&sdk, names).with_dynamodb_endpoint(&dynamodb);
    let tables = config.table_names().expect("table names");
    crate::create_tables(config.dynamodb(), &tables)
        .await
        .expect("create tables");
    // Creating again is a no-op (first deployments and reruns).
    crate::create_tables(config.dynamodb(), &tables)
        .await
        .expect("create tables again");
    config
        .aggregates()
        .expect("aggregates")
        .create_table()
        .await
        .expect("create the aggregates table");
    config
        .audit_log()
        .expect("audit log")
        .create_table()
        .await
        .expect("create the audit table");
    config
        .triage()
        .expect("triage")
        .create_table()
        .await
        .expect("create the triage table");
    config
        .threads()
        .expect("threads")
        .create_table()
        .await
        .expect("create the threads table");
    Fixture {
        config,
        hmac_key_id,
        contact_key_id,
        evidence_key_id,
    }
}

impl Fixture {
    pub fn store(&self) -> DynamoStore {
        self.config.store().expect("store")
    }

    pub fn triage(&self) -> DynamoTriage {
        self.config.triage().expect("triage")
    }

    pub fn vault(&self) -> S3Vault {
        self.config.vault().expect("vault")
    }

    /// Every queue of the fixture.
    pub fn jobs(&self) -> SqsJobQueue {
        self.config.job_queue()
    }

    pub async fn pseudonymizer(&self) -> KmsPseudonymizer {
        self.config.pseudonymizer().await.expect("derive the pseudonym key")
    }

    pub fn sealer(&self) -> KmsSealer {
        self.config.sealer().expect("sealer")
    }

    pub fn opener(&self) -> KmsOpener {
        self.config.opener().expect("opener")
    }

    pub async fn raw_item(&self, table: &str, pk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.config
            .dynamodb()
            .get_item()
            .table_name(table)
            .key(attr::PK, AttributeValue::S(pk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem")
            .item
    }
}
