//! AWS adapters of Satark's ports: DynamoDB, S3 (SSE-KMS), SQS and KMS.
//!
//! They pass the same contract suite (`satark-contract`) as the embedded adapters, run
//! on DynamoDB Local and moto (`scripts/aws-emulators`; `tests/contract.rs`).
//!
//! # Setting up
//!
//! Once per cold start, [`AwsConfig::from_env`] loads the SDK configuration
//! (`aws_config::defaults(BehaviorVersion::latest())`, i.e. `load_defaults` plus the
//! [`retry_config`] and [`timeout_config`] chosen here), builds the four SDK clients
//! and reads the resource names below. Each Lambda then takes the adapters it needs
//! ([`AwsConfig::store`], [`AwsConfig::vault`], [`AwsConfig::sealer`], ...); one whose
//! variable is missing fails with [`AwsError::MissingSetting`] naming it.
//!
//! | variable | what | used by |
//! |---|---|---|
//! | `SATARK_CONVERSATIONS_TABLE` | DynamoDB table of conversations | [`DynamoStore`] |
//! | `SATARK_DEDUPE_TABLE` | DynamoDB table of dedupe records | [`DynamoStore`] |
//! | `SATARK_REPORTS_TABLE` | DynamoDB table of reports | [`DynamoStore`] |
//! | `SATARK_EVIDENCE_BUCKET` | S3 bucket of evidence | [`S3Vault`] |
//! | `SATARK_EVIDENCE_KEY_ID` | KMS key of the bucket's SSE-KMS | [`S3Vault`] |
//! | `SATARK_OUTBOUND_QUEUE_URL` | SQS FIFO queue of outbound messages | [`SqsJobQueue`] |
//! | `SATARK_MEDIA_QUEUE_URL` | SQS standard queue of media jobs | [`SqsJobQueue`] |
//! | `SATARK_REPORTS_QUEUE_URL` | SQS standard queue of submitted reports | [`SqsJobQueue`] |
//! | `SATARK_THREADS_TABLE` | DynamoDB table of report threads | [`DynamoThreads`] |
//! | `SATARK_PSEUDONYM_KEY_ID` | KMS HMAC_256 key (GENERATE_VERIFY_MAC) | [`KmsPseudonymizer`] |
//! | `SATARK_CONTACT_KEY_ID` | KMS symmetric key of reply addresses | [`KmsSealer`], [`KmsOpener`] |
//! | `SATARK_S3_FORCE_PATH_STYLE` | `true`: path-style S3 URLs (emulators) | [`AwsConfig`] |
//!
//! Region, credentials and endpoints come the SDK's usual way (`AWS_REGION`, the Lambda
//! role, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`). Path-style S3 is also used
//! whenever an endpoint override is in force.
//!
//! # DynamoDB (three tables, on-demand; see [`table_definitions`])
//!
//! | table | key | attributes | index | TTL |
//! |---|---|---|---|---|
//! | conversations | `pk` (S) = pseudonym | `state` (S, JSON), `version` (N), `reply_address` (B), `updated_at` (N) | none | none |
//! | dedupe | `pk` (S) = message key `m1:<hex>` | `claimed_at` (N), `expires_at` (N) | none | `expires_at` |
//! | reports | `pk` (S) = `REPORT#<id>` or `REF#<code>` | see below | `recent` | none |
//!
//! Report items: `kind` = `report`, `report_id`, `reference`, `body` (S, the report's
//! JSON), `informant` (S, the pseudonym: a separate attribute, never inside `body`, never
//! projected into an index, so nothing that lists reports can return it),
//! `submitted_at` (N), `recent_pk` = `REPORTS`. Guard items: `kind` = `reference`,
//! `report_id`: one per reference code, written in the same transaction as the report
//! with `attribute_not_exists(pk)`, which makes codes unique.
//!
//! GSI `recent`: partition `recent_pk` (S, constant), sort `submitted_at` (N),
//! projection INCLUDE `body`, `triage_status`; `list_recent` queries it newest first.
//! Guard items have no `recent_pk` and so stay out of it. The retention sweep has its
//! own indexes (`sweep` on conversations; `informant` and `purge` on reports, see
//! [`table_definitions`]), which only the sweeper's role may query.
//!
//! Concurrency: a conversation is created with `attribute_not_exists(pk)` (version 1)
//! and updated only if `version` still equals the expected one; failures are
//! [`StoreError::Conflict`](satark_core::ports::StoreError::Conflict). A dedupe claim
//! succeeds if the key is absent or its `expires_at` has passed (TTL deletes late).
//!
//! The analytics counters, the audit log and the report threads have tables of their
//! own, keyed `pk` + `sk` (see `aggregates.rs`, `audit.rs`, `thread.rs`); recipients'
//! sending paces are `pace:` items of the dedupe table (TTL on `expires_at`).
//!
//! # S3
//!
//! Evidence at `evidence/<report id>/<media key>`, its `MediaRecord` JSON beside it at
//! `…/<media key>.json`; SSE-KMS with the evidence key and an S3 bucket key. Officers
//! get bytes only through [`S3Vault::presign_get`] (at most [`MAX_PRESIGN_TTL`]).
//!
//! # SQS
//!
//! Outbound: FIFO, `MessageGroupId` = pseudonym, `MessageDeduplicationId` = SHA-256
//! (hex) of the job id. Media: a standard queue. Bodies are the jobs' JSON.
//!
//! # KMS
//!
//! [`KmsPseudonymizer`]: a key derived once per cold start with `GenerateMac` over
//! [`PSEUDONYM_KEY_LABEL`], then HMAC-SHA256 locally, exactly like the embedded
//! `LocalKeys` (`p1:<hex>` pseudonyms, `m1:<hex>` message keys). [`KmsSealer`] /
//! [`KmsOpener`]: `Encrypt` / `Decrypt` under the contact key with the encryption context
//! [`REPLY_ADDRESS_CONTEXT`], which holds no personal data.
//!
//! Nothing here logs: errors carry operations, codes and resource names, never
//! identities, pseudonyms, numbers or report text.

mod aggregates;
mod audit;
mod config;
mod keys;
mod queue;
mod store;
mod tables;
#[cfg(feature = "testing")]
pub mod testing;
mod thread;
mod vault;

pub use aggregates::{DynamoAggregates, aggregates_table};
pub use audit::DynamoAudit;
pub use config::{AwsConfig, AwsError, ResourceNames, env, retry_config, s3_timeout_config, timeout_config};
pub use keys::{KmsOpener, KmsPseudonymizer, KmsSealer, PSEUDONYM_KEY_LABEL, PSEUDONYM_VERSION, REPLY_ADDRESS_CONTEXT};
pub use queue::{SqsJobQueue, deduplication_id, message_group_id};
pub use store::DynamoStore;
pub use tables::{RECENT_INDEX, TableDefinition, TableNames, attr, create_tables, table_definitions};
pub use thread::DynamoThreads;
pub use vault::{MAX_PRESIGN_TTL, S3Vault, object_key};

/// The SDK crates, re-exported so callers (tests, functions) use the same versions.
pub use {aws_config, aws_sdk_dynamodb, aws_sdk_kms, aws_sdk_s3, aws_sdk_sqs};
