//! The audit log in DynamoDB: `pk` = `AUDIT#<YYYY-MM>` (UTC month), `sk` =
//! `<unix seconds, 12 digits>#<random>`, the entry as JSON in `body`. A month's
//! entries are one partition read newest first; officers' acts are few enough that a
//! monthly partition never runs hot.

use crate::tables::attr;
use crate::{AwsError, tables};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use rand::RngCore;
use satark_core::ports::{AuditEntry, AuditLog, StoreError};
use satark_core::service::local_day;

/// How many months back `recent` looks.
const MONTHS_SEARCHED: usize = 12;

#[derive(Debug, Clone)]
pub struct DynamoAudit {
    client: Client,
    table: String,
}

fn month(unix_seconds: i64) -> String {
    local_day(unix_seconds, 0)[..7].to_string()
}

fn previous_month(m: &str) -> Option<String> {
    let (y, mo) = m.split_once('-')?;
    let (y, mo): (i32, u32) = (y.parse().ok()?, mo.parse().ok()?);
    Some(if mo == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", mo - 1)
    })
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

#[async_trait]
impl AuditLog for DynamoAudit {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let body = serde_json::to_string(entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut nonce = [0u8; 8];
        rand::rng().fill_bytes(&mut nonce);
        self.client
            .put_item()
            .table_name(&self.table)
            .item(attr::PK, AttributeValue::S(format!("AUDIT#{}", month(entry.at))))
            .item(
                crate::aggregates::SK,
                AttributeValue::S(format!("{:012}#{}", entry.at.max(0), hex::encode(nonce))),
            )
            .item(attr::BODY, AttributeValue::S(body))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("append", e))
    }

    async fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let mut out = vec![];
        let mut current = Some(month(now));
        for _ in 0..MONTHS_SEARCHED {
            let Some(m) = current.take() else { break };
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", attr::PK)
                    .expression_attribute_values(":pk", AttributeValue::S(format!("AUDIT#{m}")))
                    .scan_index_forward(false)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| backend("query", e))?;
                for item in page.items.unwrap_or_default() {
                    let body = item
                        .get(attr::BODY)
                        .and_then(|v| v.as_s().ok())
                        .ok_or_else(|| StoreError::Corrupt("no body".into()))?;
                    out.push(serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))?);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
            current = previous_month(&m);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_back_across_years() {
        assert_eq!(month(1_795_945_200), "2026-11");
        assert_eq!(previous_month("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(previous_month("2026-11").as_deref(), Some("2026-10"));
    }
}
