//! The audit log in DynamoDB: `pk` = `AUDIT#<YYYY-MM>` (UTC month), `sk` =
//! `<unix seconds, 12 digits>#<random>`, the entry as JSON in `body`. A month's
//! entries are one partition read newest first; officers' acts are few enough that a
//! monthly partition never runs hot.
//!
//! Every month that holds entries is also listed under `pk` = `AUDIT#MONTHS` (`sk` =
//! the month), written in the same transaction as the entry, so `recent` walks the
//! months that exist, newest first, however old they are: no window of months, and no
//! reading of the clock.

use crate::tables::attr;
use crate::{AwsError, tables};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use rand::RngCore;
use satark_core::ports::{AuditEntry, AuditLog, StoreError};
use satark_core::service::local_day;

/// The partition listing every month that holds entries.
const MONTHS_PK: &str = "AUDIT#MONTHS";

#[derive(Debug, Clone)]
pub struct DynamoAudit {
    client: Client,
    table: String,
}

fn month(unix_seconds: i64) -> String {
    local_day(unix_seconds, 0)[..7].to_string()
}

fn backend(op: &str, e: impl std::error::Error) -> StoreError {
    StoreError::Backend(format!("audit {op}: {}", DisplayErrorContext(e)))
}

impl DynamoAudit {
    pub fn new(client: Client, table: String) -> Self {
        DynamoAudit { client, table }
    }

    /// Creates the table (same key shape as the aggregates table) if absent.
    pub async fn create_table(&self) -> Result<(), AwsError> {
        let input = crate::aggregates::aggregates_table(&self.table)?
            .build()
            .map_err(|e| AwsError::CreateTable {
                table: self.table.clone(),
                reason: e.to_string(),
            })?;
        tables::create(&self.client, input, None).await
    }
}

impl DynamoAudit {
    /// One partition's items, newest first, page by page, until `visit` says stop.
    async fn query_newest_first(
        &self,
        pk: String,
        mut visit: impl FnMut(&std::collections::HashMap<String, AttributeValue>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("query", e))?;
            for item in page.items.unwrap_or_default() {
                if !visit(&item)? {
                    return Ok(());
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(());
            }
        }
    }
}

#[async_trait]
impl AuditLog for DynamoAudit {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let body = satark_core::records::encode(entry)?;
        let mut nonce = [0u8; 8];
        rand::rng().fill_bytes(&mut nonce);
        let m = month(entry.at);
        let put = |item: std::collections::HashMap<String, AttributeValue>, guarded: bool| {
            let mut put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.table)
                .set_item(Some(item));
            if guarded {
                put = put
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", attr::PK);
            }
            put.build()
                .map(|p| aws_sdk_dynamodb::types::TransactWriteItem::builder().put(p).build())
                .map_err(|e| StoreError::Backend(format!("audit append: {e}")))
        };
        let entry_item = std::collections::HashMap::from([
            (attr::PK.to_string(), AttributeValue::S(format!("AUDIT#{m}"))),
            (
                crate::aggregates::SK.to_string(),
                AttributeValue::S(format!("{:012}#{}", entry.at.max(0), hex::encode(nonce))),
            ),
            (attr::BODY.to_string(), AttributeValue::S(body)),
        ]);
        // The month's listing: rewritten unchanged by every entry of the month.
        let month_item = std::collections::HashMap::from([
            (attr::PK.to_string(), AttributeValue::S(MONTHS_PK.into())),
            (crate::aggregates::SK.to_string(), AttributeValue::S(m)),
        ]);
        self.client
            .transact_write_items()
            .transact_items(put(entry_item, true)?)
            .transact_items(put(month_item, false)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("append", e))
    }

    async fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut months = vec![];
        self.query_newest_first(MONTHS_PK.into(), |item| {
            if let Some(m) = item.get(crate::aggregates::SK).and_then(|v| v.as_s().ok()) {
                months.push(m.clone());
            }
            Ok(true)
        })
        .await?;
        let mut out: Vec<AuditEntry> = vec![];
        for m in months {
            if out.len() >= limit {
                break;
            }
            self.query_newest_first(format!("AUDIT#{m}"), |item| {
                let body = item
                    .get(attr::BODY)
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| StoreError::Corrupt("no body".into()))?;
                out.push(satark_core::records::decode(body)?);
                Ok(out.len() < limit)
            })
            .await?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(month(1_795_945_200), "2026-11");
        assert_eq!(month(0), "1970-01");
        assert_eq!(
            month(satark_core::clock::unix_seconds(2030, 12, 31, 23, 59, 59)),
            "2030-12"
        );
    }
}
