//! Report threads in DynamoDB (the threads table, `pk` + `sk`, the aggregates table's
//! key shape), and recipients' sending pace (items of the dedupe table).
//!
//! Items of the threads table:
//! - an entry: `pk` = `THREAD#<report id>`, `sk` = `E#<entry id>`; `body` (S, the entry's
//!   JSON as appended), `at` (N), and its delivery state in attributes of its own:
//!   `delivery_rank` (N, [`DeliveryState::precedence`]), `delivery` (S), `delivery_at`
//!   (N), `as_template` (BOOL). A thread is one partition, read in one `Query`.
//! - a sent message's link: `pk` = `MSG#<message key>` (an HMAC of the WhatsApp id,
//!   never the id, which encodes the recipient's number), `sk` = `MSG`; `report_id`,
//!   `entry_id`.
//!
//! A status is one `GetItem` (the link) and one conditional `UpdateItem`: the state is
//! raised only `IF delivery_rank < :rank`, so concurrent and out-of-order statuses
//! cannot lower it, whatever order they land in.
//!
//! Paces: `pk` = `pace:<key>` in the dedupe table, `tat` (N, Unix milliseconds) and
//! `expires_at` a day after it (TTL), written without a condition (one consumer per
//! recipient at a time, by the FIFO queue).

use crate::aggregates::{SK, aggregates_table};
use crate::store::{n, s};
use crate::tables::attr;
use crate::{AwsError, DynamoStore, tables};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use satark_core::ids::ReportId;
use satark_core::ports::{DeliveryState, PaceStore, StoreError, ThreadEntry, ThreadRef, ThreadStore};
use satark_core::records::{decode, encode};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// The entry's JSON, as appended (string).
pub const BODY: &str = "body";
/// The entry's time (number), for ordering.
pub const AT: &str = "at";
/// [`DeliveryState::precedence`] of the stored state (number).
pub const DELIVERY_RANK: &str = "delivery_rank";
pub const DELIVERY: &str = "delivery";
pub const DELIVERY_AT: &str = "delivery_at";
pub const AS_TEMPLATE: &str = "as_template";
pub const REPORT_ID: &str = "report_id";
pub const ENTRY_ID: &str = "entry_id";
/// A pace's theoretical arrival time (number, Unix milliseconds).
pub const TAT: &str = "tat";

const LINK_SK: &str = "MSG";
/// How long past its time a pace is kept (it constrains nothing after it passed).
const PACE_TTL_SECS: i64 = 24 * 3600;

/// The threads table.
#[derive(Debug, Clone)]
pub struct DynamoThreads {
    client: Client,
    table: String,
}

fn backend<E, R>(operation: &str, e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(format!("DynamoDB {operation} threads: {}", DisplayErrorContext(&e)))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("thread item: {what}"))
}

fn thread_pk(report: &ReportId) -> AttributeValue {
    s(format!("THREAD#{}", report.as_str()))
}

fn entry_sk(entry_id: &str) -> AttributeValue {
    s(format!("E#{entry_id}"))
}

fn link_pk(message_key: &str) -> AttributeValue {
    s(format!("MSG#{message_key}"))
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

impl DynamoThreads {
    pub fn new(client: Client, table: String) -> Self {
        DynamoThreads { client, table }
    }

    /// Creates the table (the aggregates table's key shape) if absent.
    pub async fn create_table(&self) -> Result<(), AwsError> {
        let input = aggregates_table(&self.table)?
            .build()
            .map_err(|e| AwsError::CreateTable {
                table: self.table.clone(),
                reason: e.to_string(),
            })?;
        tables::create(&self.client, input, None).await
    }

    fn entry_from(item: &Item) -> Result<ThreadEntry, StoreError> {
        let mut entry: ThreadEntry = decode(text(item, BODY).ok_or_else(|| corrupt("no body"))?)?;
        if let Some(name) = text(item, DELIVERY) {
            entry.delivery = Some(DeliveryState::parse(name).ok_or_else(|| corrupt("delivery state"))?);
            entry.delivery_at = number(item, DELIVERY_AT);
        }
        entry.as_template = matches!(item.get(AS_TEMPLATE), Some(AttributeValue::Bool(true)));
        Ok(entry)
    }

    async fn entry_exists(&self, thread: &ThreadRef) -> Result<bool, StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, thread_pk(&thread.report_id))
            .key(SK, entry_sk(&thread.entry_id))
            .consistent_read(true)
            .projection_expression("#pk")
            .expression_attribute_names("#pk", attr::PK)
            .send()
            .await
            .map(|out| out.item.is_some())
            .map_err(|e| backend("GetItem", e))
    }
}

#[async_trait]
impl ThreadStore for DynamoThreads {
    async fn append(&self, entry: &ThreadEntry) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PK, thread_pk(&entry.report_id))
            .item(SK, entry_sk(&entry.entry_id))
            .item(BODY, s(encode(entry)?))
            .item(AT, n(entry.at))
            .item(AS_TEMPLATE, AttributeValue::Bool(entry.as_template))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK);
        if let Some(state) = entry.delivery {
            put = put
                .item(DELIVERY_RANK, n(state.precedence()))
                .item(DELIVERY, s(state.as_str()));
            if let Some(at) = entry.delivery_at {
                put = put.item(DELIVERY_AT, n(at));
            }
        }
        match put.send().await {
            Ok(_) => Ok(()),
            // Appended before: idempotent.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("PutItem", e)),
        }
    }

    async fn list(&self, report_id: &ReportId) -> Result<Vec<ThreadEntry>, StoreError> {
        let mut entries = vec![];
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :entry)")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", thread_pk(report_id))
                .expression_attribute_values(":entry", s("E#"))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("Query", e))?;
            for item in page.items.unwrap_or_default() {
                entries.push(Self::entry_from(&item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        // Oldest first, ties by entry id (as the embedded store orders them).
        entries.sort_by(|a, b| (a.at, &a.entry_id).cmp(&(b.at, &b.entry_id)));
        Ok(entries)
    }

    async fn set_delivery(
        &self,
        thread: &ThreadRef,
        state: DeliveryState,
        at: i64,
        as_template: bool,
    ) -> Result<bool, StoreError> {
        let mut update = "SET #rank = :rank, #delivery = :delivery, #at = :at".to_string();
        if as_template {
            // Set with the state it came with; never cleared by a later status.
            update.push_str(", #template = :yes");
        }
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, thread_pk(&thread.report_id))
            .key(SK, entry_sk(&thread.entry_id))
            .update_expression(update)
            .condition_expression("attribute_exists(#pk) AND (attribute_not_exists(#rank) OR #rank < :rank)")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#rank", DELIVERY_RANK)
            .expression_attribute_names("#delivery", DELIVERY)
            .expression_attribute_names("#at", DELIVERY_AT)
            .expression_attribute_values(":rank", n(state.precedence()))
            .expression_attribute_values(":delivery", s(state.as_str()))
            .expression_attribute_values(":at", n(at))
            // A refused raise tells whether the entry exists, without another read.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if as_template {
            request = request
                .expression_attribute_names("#template", AS_TEMPLATE)
                .expression_attribute_values(":yes", AttributeValue::Bool(true));
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(refused) => match refused.item {
                    Some(_) => Ok(true),
                    // No item came back: none exists (or the service did not say).
                    None => self.entry_exists(thread).await,
                },
                other => Err(StoreError::Backend(format!(
                    "DynamoDB UpdateItem threads: {}",
                    DisplayErrorContext(&other)
                ))),
            },
            Err(e) => Err(backend("UpdateItem", e)),
        }
    }

    async fn link_message(&self, message_key: &str, thread: &ThreadRef) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(attr::PK, link_pk(message_key))
            .item(SK, s(LINK_SK))
            .item(REPORT_ID, s(thread.report_id.as_str()))
            .item(ENTRY_ID, s(thread.entry_id.clone()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("PutItem", e))
    }

    async fn by_message(&self, message_key: &str) -> Result<Option<ThreadRef>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, link_pk(message_key))
            .key(SK, s(LINK_SK))
            // Statuses follow the send by seconds: read the link just written.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem", e))?
            .item;
        let Some(item) = item else { return Ok(None) };
        let report = text(&item, REPORT_ID)
            .and_then(ReportId::parse)
            .ok_or_else(|| corrupt("link without a report id"))?;
        let entry_id = text(&item, ENTRY_ID).ok_or_else(|| corrupt("link without an entry id"))?;
        Ok(Some(ThreadRef {
            report_id: report,
            entry_id: entry_id.to_string(),
        }))
    }
}

fn pace_pk(key: &str) -> AttributeValue {
    s(format!("pace:{key}"))
}

#[async_trait]
impl PaceStore for DynamoStore {
    async fn pace(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.tables.dedupe)
            .key(attr::PK, pace_pk(key))
            .consistent_read(true)
            .projection_expression("#tat")
            .expression_attribute_names("#tat", TAT)
            .send()
            .await
            .map_err(|e| backend("GetItem pace", e))?
            .item;
        Ok(item.as_ref().and_then(|i| number(i, TAT)))
    }

    async fn set_pace(&self, key: &str, tat_millis: i64) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.tables.dedupe)
            .item(attr::PK, pace_pk(key))
            .item(TAT, n(tat_millis))
            .item(
                attr::EXPIRES_AT,
                n(tat_millis.div_euclid(1000).saturating_add(PACE_TTL_SECS)),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("PutItem pace", e))
    }
}
