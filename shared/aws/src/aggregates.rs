//! Analytics counters in DynamoDB: one item per day × district × station × category ×
//! measure, incremented with `ADD` (atomic, no read first).
//!
//! Key: `pk` = `AGG#<district>`, `sk` = `<day>#<station or ->#<category>#<measure>`
//! (a bare status, as counters were keyed before other measures, reads as that
//! status), so
//! a district's days are one `Query` with `sk BETWEEN`, and analytics cost
//! O(days × stations), whatever the number of reports.

use crate::tables::attr;
use crate::{AwsError, tables};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableInputBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use satark_core::ports::{AggregateKey, AggregateStore, Measure, StoreError};

/// Sort-key attribute of the aggregates table.
pub const SK: &str = "sk";
/// The counter (number).
pub const COUNT: &str = "count";

#[derive(Debug, Clone)]
pub struct DynamoAggregates {
    client: Client,
    table: String,
}

pub(crate) fn partition(district: &str) -> String {
    format!("AGG#{district}")
}

pub(crate) fn sort_key(key: &AggregateKey) -> String {
    let station = key.station.map_or_else(|| "-".to_string(), |n| n.to_string());
    format!("{}#{station}#{}#{}", key.day, key.category, key.measure.token())
}

/// The key of a counter's item.
pub(crate) fn cell_key(key: &AggregateKey) -> std::collections::HashMap<String, AttributeValue> {
    std::collections::HashMap::from([
        (attr::PK.to_string(), AttributeValue::S(partition(&key.district))),
        (SK.to_string(), AttributeValue::S(sort_key(key))),
    ])
}

fn parse_sort_key(district: &str, sk: &str) -> Option<AggregateKey> {
    let mut parts = sk.splitn(4, '#');
    let day = parts.next()?.to_string();
    let station = match parts.next()? {
        "-" => None,
        n => Some(n.parse().ok()?),
    };
    let category = parts.next()?.to_string();
    let measure = Measure::parse(parts.next()?)?;
    Some(AggregateKey {
        day,
        district: district.to_string(),
        station,
        category,
        measure,
    })
}

/// The aggregates table: `pk` (S) hash, `sk` (S) range, on demand.
pub fn aggregates_table(name: &str) -> Result<CreateTableInputBuilder, AwsError> {
    let fail = |e: aws_sdk_dynamodb::error::BuildError| AwsError::CreateTable {
        table: name.into(),
        reason: e.to_string(),
    };
    let key = |attribute: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attribute)
            .key_type(kind)
            .build()
    };
    let string = |attribute: &str| {
        AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    Ok(aws_sdk_dynamodb::operation::create_table::CreateTableInput::builder()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string(attr::PK).map_err(fail)?)
        .attribute_definitions(string(SK).map_err(fail)?)
        .key_schema(key(attr::PK, KeyType::Hash).map_err(fail)?)
        .key_schema(key(SK, KeyType::Range).map_err(fail)?))
}

impl DynamoAggregates {
    pub fn new(client: Client, table: String) -> Self {
        DynamoAggregates { client, table }
    }

    /// Creates the table if it does not exist (tests and first deployments).
    pub async fn create_table(&self) -> Result<(), AwsError> {
        tables::create(
            &self.client,
            aggregates_table(&self.table)?
                .build()
                .map_err(|e| AwsError::CreateTable {
                    table: self.table.clone(),
                    reason: e.to_string(),
                })?,
            None,
        )
        .await
    }
}

fn backend(op: &str, e: impl std::error::Error) -> StoreError {
    StoreError::Backend(format!("aggregates {op}: {}", DisplayErrorContext(e)))
}

#[async_trait]
impl AggregateStore for DynamoAggregates {
    async fn add(&self, key: &AggregateKey, delta: i64) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(cell_key(key)))
            .update_expression("ADD #count :delta")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("add", e))
    }

    async fn counts(
        &self,
        district: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<(AggregateKey, i64)>, StoreError> {
        // Counters keyed by a bare status (written before measures) sum into their cell.
        let mut out: std::collections::BTreeMap<AggregateKey, i64> = std::collections::BTreeMap::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", AttributeValue::S(partition(district)))
                .expression_attribute_values(":from", AttributeValue::S(format!("{from_day}#")))
                // '~' sorts after every character used in the rest of the key.
                .expression_attribute_values(":to", AttributeValue::S(format!("{to_day}#~")))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("query", e))?;
            for item in page.items.unwrap_or_default() {
                let sk = item
                    .get(SK)
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| StoreError::Corrupt("no sk".into()))?;
                let key = parse_sort_key(district, sk).ok_or_else(|| StoreError::Corrupt(format!("bad sk {sk}")))?;
                let count = item
                    .get(COUNT)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| StoreError::Corrupt("bad count".into()))?;
                *out.entry(key).or_insert(0) += count;
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(out.into_iter().collect());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use satark_core::report::ReportStatus;

    #[test]
    fn sort_keys_round_trip() {
        for station in [Some(12), None] {
            let key = AggregateKey {
                day: "2026-11-29".into(),
                district: "JNP".into(),
                station,
                category: "illicit_liquor".into(),
                measure: Measure::Status(ReportStatus::UnderReview),
            };
            assert_eq!(parse_sort_key("JNP", &sort_key(&key)), Some(key));
        }
    }
}
