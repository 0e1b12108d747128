//! Conversations, dedupe records and reports in DynamoDB.

use crate::tables::{
    INFORMANT_INDEX, PURGE_INDEX, RECENT_INDEX, REFERENCE_PREFIX, REPORT_PREFIX, SWEEP_INDEX, TableNames, attr,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use satark_core::conversation::Conversation;
use satark_core::ids::{Pseudonym, ReferenceCode, ReportId};
use satark_core::jobs::Envelope;
use satark_core::ports::{
    ConversationRecord, ConversationStore, DedupeStore, MessageCommit, ReportStore, SealedAddress, StoreError,
};
use satark_core::records::{decode, encode};
use satark_core::report::{Report, ReportStatus, Verdict};
use satark_core::retention::{RetentionPolicy, RetentionStore};
use std::collections::HashMap;

/// Items per page when listing recent reports (a Query page is at most 1 MB anyway).
const LIST_PAGE: usize = 100;

type Item = HashMap<String, AttributeValue>;

/// Conversations, dedupe records and reports in three DynamoDB tables (see
/// [`crate::table_definitions`]). Cloning shares the client.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) tables: TableNames,
    retention: RetentionPolicy,
}

impl DynamoStore {
    /// A store with the default [`RetentionPolicy`].
    pub fn new(client: Client, tables: TableNames) -> Self {
        DynamoStore {
            client,
            tables,
            retention: RetentionPolicy::default(),
        }
    }

    /// Uses `retention` for the TTL attributes written from now on.
    pub fn with_retention(mut self, retention: RetentionPolicy) -> Self {
        self.retention = retention;
        self
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }
}

/// An SDK failure as a retryable backend error, with the operation for context. The
/// SDK's messages name codes and request ids, never item values.
pub(crate) fn backend<E, R>(operation: &str, e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(format!("DynamoDB {operation}: {}", DisplayErrorContext(&e)))
}

pub(crate) fn corrupt(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {reason}"))
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt("item", format!("attribute {name} is missing or not a string"))),
    }
}

fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| corrupt("item", format!("attribute {name} is not a valid number"))),
        _ => Err(corrupt("item", format!("attribute {name} is missing or not a number"))),
    }
}

fn is_conditional_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error()
        .is_some_and(|s| s.code() == Some("ConditionalCheckFailedException"))
}

/// The outcome of a conditional write: `true` written, `false` its condition failed.
fn conditional<T, E, R>(result: Result<T, SdkError<E, R>>, operation: &str) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_conditional_failure(&e) => Ok(false),
        Err(e) => Err(backend(operation, e)),
    }
}

pub(crate) fn report_key(id: &ReportId) -> AttributeValue {
    s(format!("{REPORT_PREFIX}{}", id.as_str()))
}

fn reference_key(code: &ReferenceCode) -> AttributeValue {
    s(format!("{REFERENCE_PREFIX}{}", code.as_str()))
}

/// The report: its submission (`body`, never rewritten) with the triage status beside
/// it, where one was set.
fn parse_report(item: &Item) -> Result<Report, StoreError> {
    let mut report: Report = decode(get_s(item, attr::BODY)?).map_err(|e| corrupt("report body", e))?;
    if let Some(AttributeValue::S(status)) = item.get(attr::TRIAGE_STATUS) {
        report.status = ReportStatus::parse(status).ok_or_else(|| corrupt("report", format!("status {status}")))?;
    }
    Ok(report)
}

/// The sweep index shard of a conversation: one hex digit of its pseudonym (a keyed
/// hash, so shards fill evenly).
fn sweep_shard(who: &Pseudonym) -> String {
    who.as_str()
        .chars()
        .rev()
        .find(char::is_ascii_hexdigit)
        .unwrap_or('0')
        .to_ascii_lowercase()
        .to_string()
}

/// The sixteen shards of the sweep index.
const SWEEP_SHARDS: &str = "0123456789abcdef";

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn load(&self, who: &Pseudonym) -> Result<Option<ConversationRecord>, StoreError> {
        // Strongly consistent: a stale read would only come back as a conflict on save.
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.conversations)
            .key(attr::PK, s(who.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem conversation", e))?;
        let Some(item) = out.item else { return Ok(None) };
        let conversation: Conversation =
            decode(get_s(&item, attr::STATE)?).map_err(|e| corrupt("conversation state", e))?;
        let reply_address = match item.get(attr::REPLY_ADDRESS) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(AttributeValue::B(b)) => Some(SealedAddress(b.as_ref().to_vec())),
            Some(_) => return Err(corrupt("conversation", "reply_address is not binary")),
        };
        Ok(Some(ConversationRecord {
            conversation,
            reply_address,
            version: get_n(&item, attr::VERSION)?,
        }))
    }

    async fn save(
        &self,
        who: &Pseudonym,
        conversation: &Conversation,
        reply_address: Option<&SealedAddress>,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError> {
        let (write, version) = self.conversation_write(who, conversation, reply_address, expected_version)?;
        let result = self.client.transact_write_items().transact_items(write).send().await;
        match result {
            Ok(_) => Ok(version),
            // A missing item fails the version condition too: a conflict, as the port says.
            Err(e) if is_cancelled(&e) => Err(StoreError::Conflict),
            Err(e) => Err(backend("TransactWriteItems conversation", e)),
        }
    }

    /// One `TransactWriteItems`: the dedupe claim with the message's outbox, the
    /// conversation (put if new, else update at the expected version) and each report
    /// with its reference guard. With the `GetItem` that loaded the conversation, a
    /// message costs two round trips.
    async fn commit(&self, commit: &MessageCommit<'_>) -> Result<u64, StoreError> {
        let outbox = encode(&satark_core::jobs::Outbox {
            jobs: commit.jobs.to_vec(),
        })
        .map_err(|e| corrupt("outbox", e))?;
        let claim = Put::builder()
            .table_name(&self.tables.dedupe)
            .item(attr::PK, s(commit.message_key))
            .item(attr::CLAIMED_AT, n(commit.now))
            .item(attr::EXPIRES_AT, n(commit.now.saturating_add(self.retention.dedupe)))
            .item(attr::OUTBOX, s(outbox))
            // TTL deletes late: an expired record still there counts as absent.
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#expires", attr::EXPIRES_AT)
            .expression_attribute_values(":now", n(commit.now))
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().put(claim).build()];
        let (write, version) = self.conversation_write(
            commit.who,
            commit.conversation,
            commit.reply_address,
            commit.expected_version,
        )?;
        items.push(write);
        for report in commit.reports {
            items.push(self.guarded_put(Self::report_item(report, commit.who)?)?);
            items.push(self.guarded_put(reference_guard(report))?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let e = match result {
            Ok(_) => return Ok(version),
            Err(e) => e,
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = e.as_service_error() {
            let reasons = cancelled.cancellation_reasons();
            let failed = |i: usize| reasons.get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
            if failed(0) {
                return Err(StoreError::AlreadyProcessed);
            }
            if failed(1) {
                return Err(StoreError::Conflict);
            }
            // Items 2, 3 are the first report and its guard, and so on.
            if (2..reasons.len()).any(|i| i % 2 == 1 && failed(i)) {
                return Err(StoreError::ReferenceTaken);
            }
            if (2..reasons.len()).any(failed) {
                return Err(StoreError::Conflict);
            }
        }
        Err(backend("TransactWriteItems message", e))
    }

    async fn outbox(&self, message_key: &str) -> Result<Vec<Envelope>, StoreError> {
        let item = self.dedupe_attribute(message_key, attr::OUTBOX).await?;
        match item.as_ref().and_then(|item| item.get(attr::OUTBOX)) {
            Some(AttributeValue::S(json)) => decode::<satark_core::jobs::Outbox>(json)
                .map(|outbox| outbox.jobs)
                .map_err(|e| corrupt("outbox", e)),
            // A claim without an outbox (written before outboxes, or by the classifier).
            _ => Ok(vec![]),
        }
    }
}

#[async_trait]
impl DedupeStore for DynamoStore {
    async fn claim(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        // Kept for the policy's dedupe period (eight days: Meta redelivers for seven).
        // TTL deletion lags expiry (by up to days), so an expired record that is still
        // there counts as absent: the condition, not the sweeper, decides.
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.dedupe)
            .item(attr::PK, s(key))
            .item(attr::CLAIMED_AT, n(now))
            .item(attr::EXPIRES_AT, n(now.saturating_add(self.retention.dedupe)))
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#expires", attr::EXPIRES_AT)
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        conditional(result, "PutItem dedupe")
    }

    async fn seen(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        match self.dedupe_attribute(key, attr::EXPIRES_AT).await? {
            None => Ok(false),
            Some(item) => Ok(get_n::<i64>(&item, attr::EXPIRES_AT)? >= now),
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.tables.dedupe)
            .key(attr::PK, s(key))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("DeleteItem dedupe", e))
    }
}

pub(crate) fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(format!("building a transaction: {e}"))
}

/// Whether a transaction was cancelled by a failed condition.
fn is_cancelled<R>(e: &SdkError<TransactWriteItemsError, R>) -> bool {
    matches!(
        e.as_service_error(),
        Some(TransactWriteItemsError::TransactionCanceledException(_))
    )
}

/// The item that reserves a report's reference code.
fn reference_guard(report: &Report) -> Item {
    HashMap::from([
        (attr::PK.to_string(), reference_key(&report.reference)),
        (attr::KIND.to_string(), s(attr::KIND_REFERENCE)),
        (attr::REPORT_ID.to_string(), s(report.id.as_str())),
    ])
}

impl DynamoStore {
    /// The conversation's write with its optimistic-concurrency condition: a put if it
    /// must not exist yet, else an update at the expected version (without an address,
    /// the stored one is kept). Returns the write and the version it produces.
    fn conversation_write(
        &self,
        who: &Pseudonym,
        conversation: &Conversation,
        reply_address: Option<&SealedAddress>,
        expected_version: Option<u64>,
    ) -> Result<(TransactWriteItem, u64), StoreError> {
        let state = encode(conversation).map_err(|e| corrupt("conversation state", e))?;
        let updated_at = conversation.last_inbound_at.unwrap_or(0);
        let address = reply_address.map(|a| AttributeValue::B(Blob::new(a.0.clone())));
        let has_draft = AttributeValue::Bool(conversation.draft.is_some());
        match expected_version {
            None => {
                let put = Put::builder()
                    .table_name(&self.tables.conversations)
                    .item(attr::PK, s(who.as_str()))
                    .item(attr::STATE, s(state))
                    .item(attr::VERSION, n(1))
                    .item(attr::UPDATED_AT, n(updated_at))
                    .item(attr::SWEEP_SHARD, s(sweep_shard(who)))
                    .item(attr::HAS_DRAFT, has_draft)
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", attr::PK);
                let put = match address {
                    Some(a) => put.item(attr::REPLY_ADDRESS, a),
                    None => put,
                };
                Ok((
                    TransactWriteItem::builder()
                        .put(put.build().map_err(build_error)?)
                        .build(),
                    1,
                ))
            }
            Some(expected) => {
                let next = expected
                    .checked_add(1)
                    .ok_or_else(|| corrupt("conversation", "version overflow"))?;
                let mut set =
                    "SET #state = :state, #version = :next, #updated = :updated, #shard = :shard, #draft = :draft"
                        .to_string();
                let mut update = Update::builder()
                    .table_name(&self.tables.conversations)
                    .key(attr::PK, s(who.as_str()))
                    .condition_expression("#version = :expected")
                    .expression_attribute_names("#state", attr::STATE)
                    .expression_attribute_names("#version", attr::VERSION)
                    .expression_attribute_names("#updated", attr::UPDATED_AT)
                    .expression_attribute_values(":state", s(state))
                    .expression_attribute_values(":next", n(next))
                    .expression_attribute_values(":updated", n(updated_at))
                    .expression_attribute_names("#shard", attr::SWEEP_SHARD)
                    .expression_attribute_names("#draft", attr::HAS_DRAFT)
                    .expression_attribute_values(":shard", s(sweep_shard(who)))
                    .expression_attribute_values(":draft", has_draft)
                    .expression_attribute_values(":expected", n(expected));
                if let Some(a) = address {
                    set.push_str(", #address = :address");
                    update = update
                        .expression_attribute_names("#address", attr::REPLY_ADDRESS)
                        .expression_attribute_values(":address", a);
                }
                let update = update.update_expression(set).build().map_err(build_error)?;
                Ok((TransactWriteItem::builder().update(update).build(), next))
            }
        }
    }

    fn report_item(report: &Report, informant: &Pseudonym) -> Result<Item, StoreError> {
        let body = encode(report).map_err(|e| corrupt("report", e))?;
        Ok(HashMap::from([
            (attr::PK.to_string(), report_key(&report.id)),
            (attr::KIND.to_string(), s(attr::KIND_REPORT)),
            (attr::REPORT_ID.to_string(), s(report.id.as_str())),
            (attr::REFERENCE.to_string(), s(report.reference.as_str())),
            (attr::BODY.to_string(), s(body)),
            (attr::INFORMANT.to_string(), s(informant.as_str())),
            (attr::SUBMITTED_AT.to_string(), n(report.submitted_at)),
            (attr::RECENT_PK.to_string(), s(attr::RECENT_PARTITION)),
            (attr::TRIAGE_STATUS.to_string(), s(report.status.as_str())),
        ]))
    }

    fn guarded_put(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.tables.reports)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .build()
            .map_err(|e| StoreError::Backend(format!("building a transaction: {e}")))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    async fn get_report_item(&self, key: AttributeValue, projection: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.reports)
            .key(attr::PK, key)
            .consistent_read(true)
            .projection_expression(projection)
            .send()
            .await
            .map_err(|e| backend("GetItem report", e))?;
        Ok(out.item)
    }
}

#[async_trait]
impl ReportStore for DynamoStore {
    /// One transaction puts the report and a `REF#<code>` guard item, each only if
    /// absent: a taken code cancels it (`ReferenceTaken`), and a report stored before
    /// (a retried insert) cancels it too but is the idempotent success.
    async fn insert(&self, report: &Report, informant: &Pseudonym) -> Result<(), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .transact_items(self.guarded_put(Self::report_item(report, informant)?)?)
            .transact_items(self.guarded_put(reference_guard(report))?)
            .send()
            .await;
        let e = match result {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = e.as_service_error() {
            let failed = |i: usize| {
                cancelled
                    .cancellation_reasons()
                    .get(i)
                    .and_then(|r| r.code())
                    .is_some_and(|code| code == "ConditionalCheckFailed")
            };
            if failed(0) {
                return Ok(());
            }
            if failed(1) {
                return Err(StoreError::ReferenceTaken);
            }
        }
        Err(backend("TransactWriteItems report", e))
    }

    async fn get(&self, id: &ReportId) -> Result<Option<Report>, StoreError> {
        self.get_report_item(report_key(id), &format!("{}, {}", attr::BODY, attr::TRIAGE_STATUS))
            .await?
            .map(|item| parse_report(&item))
            .transpose()
    }

    async fn status_for(
        &self,
        informant: &Pseudonym,
        code: &ReferenceCode,
    ) -> Result<Option<ReportStatus>, StoreError> {
        let Some(guard) = self.get_report_item(reference_key(code), attr::REPORT_ID).await? else {
            return Ok(None);
        };
        let id = get_s(&guard, attr::REPORT_ID)?;
        let id = ReportId::parse(id).ok_or_else(|| corrupt("reference guard", "invalid report id"))?;
        let projection = format!("{}, {}, {}", attr::INFORMANT, attr::BODY, attr::TRIAGE_STATUS);
        let Some(item) = self.get_report_item(report_key(&id), &projection).await? else {
            return Ok(None);
        };
        // Someone else's code answers exactly like an unknown one.
        if get_s(&item, attr::INFORMANT)? != informant.as_str() {
            return Ok(None);
        }
        Ok(Some(parse_report(&item)?.status))
    }

    async fn list_recent(&self, limit: usize) -> Result<Vec<Report>, StoreError> {
        let mut reports = Vec::new();
        let mut start: Option<Item> = None;
        while reports.len() < limit {
            let page = (limit - reports.len()).min(LIST_PAGE);
            let out = self
                .client
                .query()
                .table_name(&self.tables.reports)
                .index_name(RECENT_INDEX)
                .key_condition_expression("#p = :p")
                .expression_attribute_names("#p", attr::RECENT_PK)
                .expression_attribute_values(":p", s(attr::RECENT_PARTITION))
                .scan_index_forward(false)
                .limit(i32::try_from(page).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| backend("Query recent reports", e))?;
            for item in out.items() {
                reports.push(parse_report(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        reports.truncate(limit);
        Ok(reports)
    }

    async fn informant_of(&self, id: &ReportId) -> Result<Option<Pseudonym>, StoreError> {
        let item = self.get_report_item(report_key(id), attr::INFORMANT).await?;
        item.map(|item| get_s(&item, attr::INFORMANT).map(|who| Pseudonym::new(who.to_string())))
            .transpose()
    }

    async fn assessed_sensitivity(&self, id: &ReportId) -> Result<Option<satark_core::range::Sensitivity>, StoreError> {
        // Written beside the assessment on the report item (see triage.rs).
        let item = self
            .get_report_item(report_key(id), crate::triage::triage_attr::SENSITIVITY)
            .await?;
        match item
            .as_ref()
            .and_then(|i| i.get(crate::triage::triage_attr::SENSITIVITY))
        {
            Some(AttributeValue::S(s)) => satark_core::range::Sensitivity::parse(s)
                .map(Some)
                .ok_or_else(|| corrupt("report", format!("sensitivity {s}"))),
            _ => Ok(None),
        }
    }

    async fn set_status(&self, id: &ReportId, status: ReportStatus, now: i64) -> Result<bool, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.tables.reports)
            .key(attr::PK, report_key(id))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#status", attr::TRIAGE_STATUS)
            .expression_attribute_names("#closed", attr::CLOSED_AT)
            .expression_attribute_values(":status", s(status.as_str()));
        update = if status == ReportStatus::Closed {
            update
                .update_expression("SET #status = :status, #closed = :now")
                .expression_attribute_values(":now", n(now))
        } else {
            update.update_expression("SET #status = :status REMOVE #closed")
        };
        conditional(update.send().await, "UpdateItem report status")
    }

    async fn set_verdict(&self, id: &ReportId, verdict: Verdict, now: i64) -> Result<bool, StoreError> {
        // A spurious verdict puts the report in the sparse purge index; any other takes
        // it out again.
        let expression = if verdict == Verdict::Spurious {
            "SET #verdict = :verdict, #at = :now, #purge = :purge"
        } else {
            "SET #verdict = :verdict, #at = :now REMOVE #purge"
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.tables.reports)
            .key(attr::PK, report_key(id))
            .condition_expression("attribute_exists(#pk)")
            .update_expression(expression)
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#verdict", attr::VERDICT)
            .expression_attribute_names("#at", attr::VERDICT_AT)
            .expression_attribute_names("#purge", attr::PURGE_PK)
            .expression_attribute_values(":verdict", s(verdict.as_str()))
            .expression_attribute_values(":now", n(now));
        if verdict == Verdict::Spurious {
            update = update.expression_attribute_values(":purge", s(attr::PURGE_PARTITION));
        }
        conditional(update.send().await, "UpdateItem report verdict")
    }
}

impl DynamoStore {
    /// One attribute of a dedupe record (strongly consistent); `None`: no record.
    async fn dedupe_attribute(&self, key: &str, attribute: &str) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.tables.dedupe)
            .key(attr::PK, s(key))
            .consistent_read(true)
            .projection_expression("#a")
            .expression_attribute_names("#a", attribute)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|e| backend("GetItem dedupe", e))
    }

    /// Every item of an index query, page by page.
    async fn query_all(
        &self,
        table: &str,
        index: &str,
        key_condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
        filter: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = vec![];
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(table)
                .index_name(index)
                .key_condition_expression(key_condition)
                .set_filter_expression(filter.map(str::to_string))
                .set_exclusive_start_key(start.take());
            for (k, v) in names {
                query = query.expression_attribute_names(*k, *v);
            }
            for (k, v) in &values {
                query = query.expression_attribute_values(*k, v.clone());
            }
            let out = query.send().await.map_err(|e| backend("Query index", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }
}

#[async_trait]
impl RetentionStore for DynamoStore {
    async fn idle_conversations(
        &self,
        idle_before: i64,
        drafts_only: bool,
    ) -> Result<Vec<(Pseudonym, ConversationRecord)>, StoreError> {
        let mut found = vec![];
        for shard in SWEEP_SHARDS.chars() {
            let items = self
                .query_all(
                    &self.tables.conversations,
                    SWEEP_INDEX,
                    "#shard = :shard AND #updated < :before",
                    &[
                        ("#shard", attr::SWEEP_SHARD),
                        ("#updated", attr::UPDATED_AT),
                        ("#draft", attr::HAS_DRAFT),
                    ][..if drafts_only { 3 } else { 2 }],
                    vec![(":shard", s(shard.to_string())), (":before", n(idle_before))]
                        .into_iter()
                        .chain(drafts_only.then(|| (":yes", AttributeValue::Bool(true))))
                        .collect(),
                    drafts_only.then_some("#draft = :yes"),
                )
                .await?;
            for item in items {
                // The index is eventually consistent: read the conversation itself.
                let who = Pseudonym::new(get_s(&item, attr::PK)?.to_string());
                if let Some(record) = satark_core::retention::readable(self.load(&who).await)? {
                    found.push((who, record));
                }
            }
        }
        Ok(found)
    }

    async fn needs_reply_address(&self, who: &Pseudonym, closed_since: i64) -> Result<bool, StoreError> {
        let items = self
            .query_all(
                &self.tables.reports,
                INFORMANT_INDEX,
                "#informant = :who",
                &[("#informant", attr::INFORMANT)],
                vec![(":who", s(who.as_str()))],
                None,
            )
            .await?;
        Ok(items.iter().any(|item| {
            let closed = matches!(item.get(attr::TRIAGE_STATUS), Some(AttributeValue::S(s)) if s == ReportStatus::Closed.as_str());
            let closed_at = get_n::<i64>(item, attr::CLOSED_AT).unwrap_or(i64::MIN);
            !closed || closed_at >= closed_since
        }))
    }

    async fn delete_conversation(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.conversations)
            .key(attr::PK, s(who.as_str()))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_values(":version", n(version))
            .send()
            .await;
        conditional(result, "DeleteItem conversation")
    }

    async fn forget_reply_address(&self, who: &Pseudonym, version: u64) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.conversations)
            .key(attr::PK, s(who.as_str()))
            .condition_expression("#version = :version")
            .update_expression("REMOVE #address")
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_names("#address", attr::REPLY_ADDRESS)
            .expression_attribute_values(":version", n(version))
            .send()
            .await;
        conditional(result, "UpdateItem reply address")
    }

    async fn spurious_reports(&self, verdict_before: i64) -> Result<Vec<ReportId>, StoreError> {
        let items = self
            .query_all(
                &self.tables.reports,
                PURGE_INDEX,
                "#purge = :purge AND #at < :before",
                &[("#purge", attr::PURGE_PK), ("#at", attr::VERDICT_AT)],
                vec![(":purge", s(attr::PURGE_PARTITION)), (":before", n(verdict_before))],
                None,
            )
            .await?;
        items
            .iter()
            .map(|item| {
                let key = get_s(item, attr::PK)?;
                key.strip_prefix(REPORT_PREFIX)
                    .and_then(ReportId::parse)
                    .ok_or_else(|| corrupt("purge index", "not a report key"))
            })
            .collect()
    }

    /// The report and its reference guard, in one transaction.
    async fn purge_report(&self, id: &ReportId) -> Result<(), StoreError> {
        let Some(report) = self.get(id).await? else {
            return Ok(());
        };
        let delete = |key: AttributeValue| {
            aws_sdk_dynamodb::types::Delete::builder()
                .table_name(&self.tables.reports)
                .key(attr::PK, key)
                .build()
                .map(|d| TransactWriteItem::builder().delete(d).build())
                .map_err(build_error)
        };
        self.client
            .transact_write_items()
            .transact_items(delete(report_key(id))?)
            .transact_items(delete(reference_key(&report.reference))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("TransactWriteItems purge", e))
    }

    /// DynamoDB's TTL deletes expired dedupe records (and the claim condition treats an
    /// expired one as absent meanwhile); queue jobs live in SQS. Nothing to prune.
    async fn prune(&self, _dedupe_before: i64, _dead_before: i64) -> Result<(u64, u64), StoreError> {
        Ok((0, 0))
    }

    /// Fingerprint items carry `expires_at`: the triage table's TTL forgets them.
    async fn forget_fingerprints(&self, _before: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}
