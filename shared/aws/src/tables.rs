//! The DynamoDB tables: names, key schemas, indexes and TTL, as data the tests create
//! and the SAM template mirrors.

use crate::AwsError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use std::time::Duration;

/// Attribute names, shared by the store and the table definitions.
pub mod attr {
    /// Partition key of every table (string).
    pub const PK: &str = "pk";
    /// Optimistic-concurrency version of a conversation (number).
    pub const VERSION: &str = "version";
    /// Conversation state, JSON (string).
    pub const STATE: &str = "state";
    /// Sealed reply address (binary).
    pub const REPLY_ADDRESS: &str = "reply_address";
    /// Unix seconds of the last write of a conversation (number).
    pub const UPDATED_AT: &str = "updated_at";
    /// Unix seconds a dedupe record was claimed (number).
    pub const CLAIMED_AT: &str = "claimed_at";
    /// Unix seconds after which DynamoDB's TTL may delete the item (number).
    pub const EXPIRES_AT: &str = "expires_at";
    /// A conversation's shard of the [`SWEEP_INDEX`](super::SWEEP_INDEX) (one hex digit
    /// of the pseudonym), so the index spreads its writes over sixteen partitions.
    pub const SWEEP_SHARD: &str = "sweep_shard";
    /// Whether a conversation holds a draft (projected into the sweep index).
    pub const HAS_DRAFT: &str = "has_draft";
    /// A report's triage state beside its submission (`status` is a reserved word).
    pub const TRIAGE_STATUS: &str = "triage_status";
    pub const CLOSED_AT: &str = "closed_at";
    pub const VERDICT: &str = "verdict";
    pub const VERDICT_AT: &str = "verdict_at";
    /// Set on reports marked spurious only: the sparse [`PURGE_INDEX`](super::PURGE_INDEX).
    pub const PURGE_PK: &str = "purge_pk";
    pub const PURGE_PARTITION: &str = "PURGE";
    /// A dedupe claim's outbox: the jobs its message caused, as JSON, so a redelivery
    /// can dispatch again what a failed or interrupted dispatch may have missed.
    pub const OUTBOX: &str = "outbox";
    /// Item type in the reports table: [`KIND_REPORT`] or [`KIND_REFERENCE`] (string).
    pub const KIND: &str = "kind";
    pub const KIND_REPORT: &str = "report";
    pub const KIND_REFERENCE: &str = "reference";
    /// The report id (string), on both item types of the reports table.
    pub const REPORT_ID: &str = "report_id";
    /// The reference code, on the report item (string).
    pub const REFERENCE: &str = "reference";
    /// The report, JSON (string). Never holds the informant's pseudonym.
    pub const BODY: &str = "body";
    /// The informant's pseudonym (string): read only by `status_for`, never projected
    /// into an index, never part of [`BODY`].
    pub const INFORMANT: &str = "informant";
    /// Unix seconds the report was submitted (number): sort key of [`super::RECENT_INDEX`].
    pub const SUBMITTED_AT: &str = "submitted_at";
    /// Partition key of [`super::RECENT_INDEX`] (string, always [`RECENT_PARTITION`]).
    pub const RECENT_PK: &str = "recent_pk";
    pub const RECENT_PARTITION: &str = "REPORTS";
}

/// Global secondary index of the reports table: every report item under one partition
/// (`recent_pk` = `REPORTS`), sorted by `submitted_at`; projects only `body` (and the
/// keys), so listing never reads pseudonyms. One partition takes ~1,000 writes/s, far
/// above a police range's report rate; shard `recent_pk` by month if that ever changes.
pub const RECENT_INDEX: &str = "recent";

/// Conversations by the time of the informant's last message, in sixteen shards
/// (`sweep_shard`), projecting `has_draft`: what the retention sweep looks for.
pub const SWEEP_INDEX: &str = "sweep";
/// Reports by informant (`informant`, `submitted_at`), projecting only the triage
/// status and closing time: whether a reply address is still needed. Only the
/// sweeper's role may query it.
pub const INFORMANT_INDEX: &str = "informant";
/// Reports marked spurious (`purge_pk`, `verdict_at`), keys only: what the sweep purges.
pub const PURGE_INDEX: &str = "purge";

/// Key prefixes of the reports table's two item types.
pub(crate) const REPORT_PREFIX: &str = "REPORT#";
pub(crate) const REFERENCE_PREFIX: &str = "REF#";

/// The three table names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub conversations: String,
    pub dedupe: String,
    pub reports: String,
}

/// One table as it should exist: the `CreateTable` request and the TTL attribute (set
/// with a separate `UpdateTimeToLive` call).
#[derive(Debug, Clone)]
pub struct TableDefinition {
    pub input: CreateTableInput,
    pub ttl_attribute: Option<&'static str>,
}

fn build_err(table: &str) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> AwsError + '_ {
    move |e| AwsError::CreateTable {
        table: table.to_string(),
        reason: e.to_string(),
    }
}

fn string_key(table: &str, name: &str) -> Result<AttributeDefinition, AwsError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(build_err(table))
}

fn hash_key(table: &str, name: &str) -> Result<KeySchemaElement, AwsError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(KeyType::Hash)
        .build()
        .map_err(build_err(table))
}

/// A table keyed by the string `pk` alone, billed per request.
fn simple_table(
    table: &str,
) -> Result<aws_sdk_dynamodb::operation::create_table::builders::CreateTableInputBuilder, AwsError> {
    Ok(CreateTableInput::builder()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_key(table, attr::PK)?)
        .key_schema(hash_key(table, attr::PK)?))
}

fn number_key(table: &str, name: &str) -> Result<AttributeDefinition, AwsError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::N)
        .build()
        .map_err(build_err(table))
}

/// A global secondary index on (`hash` S, `range` N) projecting `include` (keys only
/// when empty).
fn index(table: &str, name: &str, hash: &str, range: &str, include: &[&str]) -> Result<GlobalSecondaryIndex, AwsError> {
    let projection = if include.is_empty() {
        Projection::builder().projection_type(ProjectionType::KeysOnly).build()
    } else {
        include
            .iter()
            .fold(
                Projection::builder().projection_type(ProjectionType::Include),
                |p, a| p.non_key_attributes(*a),
            )
            .build()
    };
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(hash_key(table, hash)?)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(range)
                .key_type(KeyType::Range)
                .build()
                .map_err(build_err(table))?,
        )
        .projection(projection)
        .build()
        .map_err(build_err(table))
}

/// The tables, indexes and TTL settings:
///
/// - conversations: key `pk` (S) = pseudonym; GSI [`SWEEP_INDEX`] with partition
///   `sweep_shard` (S), sort `updated_at` (N), projection INCLUDE `has_draft`.
/// - dedupe: key `pk` (S) = message key; TTL on `expires_at`. No index.
/// - reports: key `pk` (S) = `REPORT#<id>` or `REF#<code>`; GSI [`RECENT_INDEX`] with
///   partition `recent_pk` (S), sort `submitted_at` (N), projection INCLUDE `body`,
///   `triage_status`; GSI [`INFORMANT_INDEX`] with partition `informant` (S), sort
///   `submitted_at` (N), projection INCLUDE `triage_status`, `closed_at`; GSI
///   [`PURGE_INDEX`] with partition `purge_pk` (S), sort `verdict_at` (N), keys only.
pub fn table_definitions(names: &TableNames) -> Result<Vec<TableDefinition>, AwsError> {
    let reports = &names.reports;
    let conversations = &names.conversations;
    Ok(vec![
        TableDefinition {
            input: simple_table(conversations)?
                .attribute_definitions(string_key(conversations, attr::SWEEP_SHARD)?)
                .attribute_definitions(number_key(conversations, attr::UPDATED_AT)?)
                .global_secondary_indexes(index(
                    conversations,
                    SWEEP_INDEX,
                    attr::SWEEP_SHARD,
                    attr::UPDATED_AT,
                    &[attr::HAS_DRAFT],
                )?)
                .build()
                .map_err(build_err(conversations))?,
            ttl_attribute: None,
        },
        TableDefinition {
            input: simple_table(&names.dedupe)?.build().map_err(build_err(&names.dedupe))?,
            ttl_attribute: Some(attr::EXPIRES_AT),
        },
        TableDefinition {
            input: simple_table(reports)?
                .attribute_definitions(string_key(reports, attr::RECENT_PK)?)
                .attribute_definitions(number_key(reports, attr::SUBMITTED_AT)?)
                .attribute_definitions(string_key(reports, attr::INFORMANT)?)
                .attribute_definitions(string_key(reports, attr::PURGE_PK)?)
                .attribute_definitions(number_key(reports, attr::VERDICT_AT)?)
                .global_secondary_indexes(index(
                    reports,
                    RECENT_INDEX,
                    attr::RECENT_PK,
                    attr::SUBMITTED_AT,
                    &[attr::BODY, attr::TRIAGE_STATUS],
                )?)
                .global_secondary_indexes(index(
                    reports,
                    INFORMANT_INDEX,
                    attr::INFORMANT,
                    attr::SUBMITTED_AT,
                    &[attr::TRIAGE_STATUS, attr::CLOSED_AT],
                )?)
                .global_secondary_indexes(index(reports, PURGE_INDEX, attr::PURGE_PK, attr::VERDICT_AT, &[])?)
                .build()
                .map_err(build_err(reports))?,
            ttl_attribute: None,
        },
    ])
}

/// Creates the tables of [`table_definitions`] that do not exist yet, waits until they
/// are active and turns TTL on (tests, and a first deployment outside SAM).
pub async fn create_tables(client: &Client, names: &TableNames) -> Result<(), AwsError> {
    for definition in table_definitions(names)? {
        create(client, definition.input, definition.ttl_attribute).await?;
    }
    Ok(())
}

/// Creates one table (an existing one is left alone), waits until it is active and
/// turns on TTL on `ttl_attribute`.
pub(crate) async fn create(
    client: &Client,
    input: CreateTableInput,
    ttl_attribute: Option<&str>,
) -> Result<(), AwsError> {
    let table = input.table_name().unwrap_or_default().to_string();
    let fail = |reason: String| AwsError::CreateTable {
        table: table.clone(),
        reason,
    };
    let created = client
        .create_table()
        .set_table_name(input.table_name)
        .set_attribute_definitions(input.attribute_definitions)
        .set_key_schema(input.key_schema)
        .set_billing_mode(input.billing_mode)
        .set_global_secondary_indexes(input.global_secondary_indexes)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceInUseException") => return Ok(()),
        Err(e) => return Err(fail(DisplayErrorContext(&e).to_string())),
    }
    client
        .wait_until_table_exists()
        .table_name(&table)
        .wait(Duration::from_secs(120))
        .await
        .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
    if let Some(ttl) = ttl_attribute {
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(ttl)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(&table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_name_every_key_and_index() {
        let names = TableNames {
            conversations: "c-table".into(),
            dedupe: "d-table".into(),
            reports: "r-table".into(),
        };
        let defs = table_definitions(&names).expect("definitions");
        assert_eq!(defs.len(), 3);
        let dedupe = &defs[1];
        assert_eq!(dedupe.ttl_attribute, Some(attr::EXPIRES_AT));
        let reports = &defs[2].input;
        let gsi = &reports.global_secondary_indexes()[0];
        assert_eq!(gsi.index_name(), RECENT_INDEX);
        let projection = gsi.projection().expect("projection");
        assert_eq!(projection.projection_type(), Some(&ProjectionType::Include));
        assert_eq!(
            projection.non_key_attributes(),
            [attr::BODY.to_string(), attr::TRIAGE_STATUS.to_string()]
        );
        assert!(
            !projection.non_key_attributes().iter().any(|a| a == attr::INFORMANT),
            "pseudonyms stay out of the dashboard's index"
        );
    }
}
