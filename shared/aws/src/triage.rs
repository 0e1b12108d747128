//! The classifier's records in DynamoDB.
//!
//! The assessment lives on the report's own item (`triage`, `triage_version`, and the
//! `priority`, `sensitivity` and `spurious_score` the dashboard filters on), beside the
//! submission, which is never rewritten. The triage table (`pk`, `sk`) holds what only
//! the classifier reads:
//!
//! | pk | sk | what |
//! |---|---|---|
//! | `FP#<district>` | `<submitted_at>#<report id>` | a fingerprint, for near-duplicates in a window |
//! | `FPI#<pseudonym>` | `<submitted_at>#<report id>` | the same, by informant (floods) |
//! | `ALERT` | `<alerted_at>#<report id>` | a P1 alert no officer acknowledged yet |
//! | `MODEL#<name>` | `model` | the learned filter's parameters (binary) and version |
//!
//! A [`TriageCommit`] is one `TransactWriteItems` across the reports, triage and
//! aggregates tables.

use crate::aggregates::{COUNT, cell_key};
use crate::store::{backend, build_error, corrupt, n, report_key, s};
use crate::tables::attr;
use crate::{AwsError, tables};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableInputBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use satark_core::ids::{Pseudonym, ReportId};
use satark_core::jobs::{Envelope, Outbox};
use satark_core::ports::{
    Fingerprint, ModelStore, PendingAlert, StoreError, StoredAssessment, StoredModel, TriageCommit, TriageStore,
};
use satark_core::records::{decode, encode};
use satark_core::report::{ReportStatus, Verdict};
use satark_core::triage::Assessment;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// Attributes of the report item and the triage table.
pub mod triage_attr {
    /// The assessment, JSON (report item).
    pub const TRIAGE: &str = "triage";
    pub const TRIAGE_VERSION: &str = "triage_version";
    /// The jobs of the last triage write, JSON (report item).
    pub const TRIAGE_OUTBOX: &str = "triage_outbox";
    pub const PRIORITY: &str = "priority";
    pub const SENSITIVITY: &str = "sensitivity";
    pub const SPURIOUS_SCORE: &str = "spurious_score";
    /// Sort key of the triage table.
    pub const SK: &str = "sk";
    /// A fingerprint, JSON (triage table).
    pub const FINGERPRINT: &str = "fingerprint";
    /// A model's parameters (binary) and version (triage table).
    pub const MODEL: &str = "model";
    pub const VERSION: &str = "version";
}
use triage_attr as ta;

const ALERT_PARTITION: &str = "ALERT";
/// Sort keys carry times zero-padded, so they sort as numbers.
fn time_key(at: i64, id: &ReportId) -> String {
    format!("{:012}#{}", at.max(0), id.as_str())
}

/// The classifier's DynamoDB records: the triage table, plus the report items and the
/// counters its commits write. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct DynamoTriage {
    client: Client,
    reports: String,
    triage: String,
    aggregates: String,
}

/// The triage table: `pk` (S) hash, `sk` (S) range, on demand.
pub fn triage_table(name: &str) -> Result<CreateTableInputBuilder, AwsError> {
    crate::aggregates::aggregates_table(name)
}

impl DynamoTriage {
    pub fn new(client: Client, reports: String, triage: String, aggregates: String) -> Self {
        DynamoTriage {
            client,
            reports,
            triage,
            aggregates,
        }
    }

    /// Creates the triage table if it does not exist (tests and first deployments).
    pub async fn create_table(&self) -> Result<(), AwsError> {
        let input = triage_table(&self.triage)?.build().map_err(|e| AwsError::CreateTable {
            table: self.triage.clone(),
            reason: e.to_string(),
        })?;
        tables::create(&self.client, input, Some(attr::EXPIRES_AT)).await
    }

    async fn query_fingerprints(&self, pk: String, since: i64, limit: usize) -> Result<Vec<Fingerprint>, StoreError> {
        let mut out = vec![];
        let mut start = None;
        while out.len() < limit {
            let page = self
                .client
                .query()
                .table_name(&self.triage)
                .key_condition_expression("#pk = :pk AND #sk >= :from")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#sk", ta::SK)
                .expression_attribute_values(":pk", s(pk.clone()))
                .expression_attribute_values(":from", s(format!("{:012}", since.max(0))))
                .scan_index_forward(false)
                .limit(i32::try_from(limit - out.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("Query fingerprints", e))?;
            for item in page.items.unwrap_or_default() {
                match item.get(ta::FINGERPRINT) {
                    Some(AttributeValue::S(json)) => out.push(decode(json).map_err(|e| corrupt("fingerprint", e))?),
                    _ => return Err(corrupt("fingerprint", "missing")),
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The update of a report item to `assessment`, at `expected` (`None`: first).
    fn assessment_update(
        &self,
        assessment: &Assessment,
        expected: Option<u64>,
        outbox: Option<&str>,
        status: Option<ReportStatus>,
        verdict: Option<Verdict>,
        now: i64,
    ) -> Result<(TransactWriteItem, u64), StoreError> {
        let next = expected.map_or(1, |v| v + 1);
        let mut set = vec![
            "#triage = :triage",
            "#version = :next",
            "#priority = :priority",
            "#sensitivity = :sensitivity",
            "#score = :score",
        ];
        let mut remove = vec![];
        let mut update = Update::builder()
            .table_name(&self.reports)
            .key(attr::PK, report_key(&assessment.report_id))
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#triage", ta::TRIAGE)
            .expression_attribute_names("#version", ta::TRIAGE_VERSION)
            .expression_attribute_names("#priority", ta::PRIORITY)
            .expression_attribute_names("#sensitivity", ta::SENSITIVITY)
            .expression_attribute_names("#score", ta::SPURIOUS_SCORE)
            .expression_attribute_values(":triage", s(encode(assessment).map_err(|e| corrupt("assessment", e))?))
            .expression_attribute_values(":next", n(next))
            .expression_attribute_values(":priority", s(assessment.priority.as_str()))
            .expression_attribute_values(":sensitivity", s(assessment.sensitivity.as_str()))
            .expression_attribute_values(":score", n(assessment.spurious_score));
        update = match expected {
            None => update.condition_expression("attribute_exists(#pk) AND attribute_not_exists(#triage)"),
            Some(v) => update
                .condition_expression("attribute_exists(#pk) AND #version = :expected")
                .expression_attribute_values(":expected", n(v)),
        };
        if let Some(outbox) = outbox {
            set.push("#outbox = :outbox");
            update = update
                .expression_attribute_names("#outbox", ta::TRIAGE_OUTBOX)
                .expression_attribute_values(":outbox", s(outbox));
        }
        if let Some(status) = status {
            set.push("#status = :status");
            update = update
                .expression_attribute_names("#status", attr::TRIAGE_STATUS)
                .expression_attribute_names("#closed", attr::CLOSED_AT)
                .expression_attribute_values(":status", s(status.as_str()));
            if status == ReportStatus::Closed {
                set.push("#closed = :now");
            } else {
                remove.push("#closed");
            }
        }
        if let Some(verdict) = verdict {
            set.push("#verdict = :verdict");
            set.push("#verdict_at = :now");
            update = update
                .expression_attribute_names("#verdict", attr::VERDICT)
                .expression_attribute_names("#verdict_at", attr::VERDICT_AT)
                .expression_attribute_names("#purge", attr::PURGE_PK)
                .expression_attribute_values(":verdict", s(verdict.as_str()));
            // A spurious verdict puts the report in the sparse purge index.
            if verdict == Verdict::Spurious {
                set.push("#purge = :purge");
                update = update.expression_attribute_values(":purge", s(attr::PURGE_PARTITION));
            } else {
                remove.push("#purge");
            }
        }
        // (DynamoDB refuses a value the expressions do not use.)
        if status == Some(ReportStatus::Closed) || verdict.is_some() {
            update = update.expression_attribute_values(":now", n(now));
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let update = update.update_expression(expression).build().map_err(build_error)?;
        Ok((TransactWriteItem::builder().update(update).build(), next))
    }

    /// The alert item of a P1: put while it waits for an officer, deleted once
    /// acknowledged or escalated.
    fn alert_write(&self, a: &Assessment) -> Result<Option<TransactWriteItem>, StoreError> {
        let Some(alerted_at) = a.alerted_at else {
            return Ok(None);
        };
        let key = HashMap::from([
            (attr::PK.to_string(), s(ALERT_PARTITION)),
            (ta::SK.to_string(), s(time_key(alerted_at, &a.report_id))),
        ]);
        let pending = a.acknowledged_at.is_none() && a.escalated_at.is_none();
        Ok(Some(if pending {
            let put = Put::builder()
                .table_name(&self.triage)
                .set_item(Some(key))
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().put(put).build()
        } else {
            let delete = Delete::builder()
                .table_name(&self.triage)
                .set_key(Some(key))
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().delete(delete).build()
        }))
    }

    fn fingerprint_put(&self, pk: String, f: &Fingerprint) -> Result<TransactWriteItem, StoreError> {
        let json = encode(f).map_err(|e| corrupt("fingerprint", e))?;
        let put = Put::builder()
            .table_name(&self.triage)
            .item(attr::PK, s(pk))
            .item(ta::SK, s(time_key(f.submitted_at, &f.report_id)))
            .item(ta::FINGERPRINT, s(json))
            // DynamoDB's TTL forgets it (and the pseudonym in it) after the window.
            .item(
                attr::EXPIRES_AT,
                n(f.submitted_at
                    .saturating_add(satark_core::service::FINGERPRINT_RETENTION_SECS)),
            )
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl TriageStore for DynamoTriage {
    async fn assessment(&self, id: &ReportId) -> Result<Option<StoredAssessment>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.reports)
            .key(attr::PK, report_key(id))
            .consistent_read(true)
            .projection_expression("#t, #v")
            .expression_attribute_names("#t", ta::TRIAGE)
            .expression_attribute_names("#v", ta::TRIAGE_VERSION)
            .send()
            .await
            .map_err(|e| backend("GetItem assessment", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let (Some(AttributeValue::S(json)), Some(AttributeValue::N(version))) =
            (item.get(ta::TRIAGE), item.get(ta::TRIAGE_VERSION))
        else {
            return Ok(None);
        };
        Ok(Some(StoredAssessment {
            assessment: decode(json).map_err(|e| corrupt("assessment", e))?,
            version: version.parse().map_err(|e| corrupt("assessment version", e))?,
        }))
    }

    async fn fingerprints(&self, district: &str, since: i64, limit: usize) -> Result<Vec<Fingerprint>, StoreError> {
        self.query_fingerprints(format!("FP#{district}"), since, limit).await
    }

    async fn informant_fingerprints(
        &self,
        informant: &Pseudonym,
        since: i64,
        limit: usize,
    ) -> Result<Vec<Fingerprint>, StoreError> {
        self.query_fingerprints(format!("FPI#{}", informant.as_str()), since, limit)
            .await
    }

    async fn commit(&self, commit: &TriageCommit<'_>) -> Result<u64, StoreError> {
        let outbox = encode(&Outbox {
            jobs: commit.jobs.to_vec(),
        })
        .map_err(|e| corrupt("outbox", e))?;
        let (first, version) = self.assessment_update(
            commit.assessment,
            commit.expected_version,
            Some(&outbox),
            commit.status,
            commit.verdict,
            commit.now,
        )?;
        let mut items = vec![first];
        if commit.expected_version.is_none() {
            let f = commit
                .fingerprint
                .ok_or_else(|| StoreError::Corrupt("a first classification needs a fingerprint".into()))?;
            items.push(self.fingerprint_put(format!("FP#{}", f.district), f)?);
            items.push(self.fingerprint_put(format!("FPI#{}", f.informant.as_str()), f)?);
        }
        items.extend(self.alert_write(commit.assessment)?);
        for linked in commit.linked {
            let (write, _) =
                self.assessment_update(&linked.assessment, Some(linked.version), None, None, None, commit.now)?;
            items.push(write);
            items.extend(self.alert_write(&linked.assessment)?);
        }
        for (key, delta) in commit.counts {
            let update = Update::builder()
                .table_name(&self.aggregates)
                .set_key(Some(cell_key(key)))
                .update_expression("ADD #count :delta")
                .expression_attribute_names("#count", COUNT)
                .expression_attribute_values(":delta", n(delta))
                .build()
                .map_err(build_error)?;
            items.push(TransactWriteItem::builder().update(update).build());
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
                return Err(match commit.expected_version {
                    None => StoreError::AlreadyProcessed,
                    Some(_) => StoreError::Conflict,
                });
            }
            if (1..reasons.len()).any(failed) {
                return Err(StoreError::Conflict);
            }
        }
        Err(backend("TransactWriteItems triage", e))
    }

    async fn outbox(&self, id: &ReportId) -> Result<Vec<Envelope>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.reports)
            .key(attr::PK, report_key(id))
            .consistent_read(true)
            .projection_expression("#o")
            .expression_attribute_names("#o", ta::TRIAGE_OUTBOX)
            .send()
            .await
            .map_err(|e| backend("GetItem triage outbox", e))?;
        match out.item.as_ref().and_then(|i| i.get(ta::TRIAGE_OUTBOX)) {
            Some(AttributeValue::S(json)) => decode::<Outbox>(json)
                .map(|o| o.jobs)
                .map_err(|e| corrupt("triage outbox", e)),
            _ => Ok(vec![]),
        }
    }

    async fn unacknowledged_alerts(&self, alerted_before: i64, limit: usize) -> Result<Vec<PendingAlert>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.triage)
            .key_condition_expression("#pk = :pk AND #sk < :to")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#sk", ta::SK)
            .expression_attribute_values(":pk", s(ALERT_PARTITION))
            // Every key of a time at or before `alerted_before` sorts below the next second.
            .expression_attribute_values(":to", s(format!("{:012}", alerted_before.saturating_add(1).max(0))))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| backend("Query alerts", e))?;
        page.items
            .unwrap_or_default()
            .iter()
            .map(|item| {
                let sk = match item.get(ta::SK) {
                    Some(AttributeValue::S(sk)) => sk,
                    _ => return Err(corrupt("alert", "no sort key")),
                };
                let (at, id) = sk.split_once('#').ok_or_else(|| corrupt("alert", "bad sort key"))?;
                Ok(PendingAlert {
                    report_id: ReportId::parse(id).ok_or_else(|| corrupt("alert", "bad report id"))?,
                    alerted_at: at.parse().map_err(|_| corrupt("alert", "bad time"))?,
                })
            })
            .collect()
    }

    async fn dismiss_alert(&self, alert: &PendingAlert) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.triage)
            .key(attr::PK, s(ALERT_PARTITION))
            .key(ta::SK, s(time_key(alert.alerted_at, &alert.report_id)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("DeleteItem alert", e))
    }
}

fn model_key(name: &str) -> Item {
    HashMap::from([
        (attr::PK.to_string(), s(format!("MODEL#{name}"))),
        (ta::SK.to_string(), s(ta::MODEL)),
    ])
}

#[async_trait]
impl ModelStore for DynamoTriage {
    async fn load(&self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.triage)
            .set_key(Some(model_key(name)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem model", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        match (item.get(ta::MODEL), item.get(ta::VERSION)) {
            (Some(AttributeValue::B(bytes)), Some(AttributeValue::N(version))) => Ok(Some(StoredModel {
                bytes: bytes.clone().into_inner(),
                version: version.parse().map_err(|e| corrupt("model version", e))?,
            })),
            _ => Err(corrupt("model", "missing attributes")),
        }
    }

    async fn save(&self, name: &str, bytes: &[u8], expected_version: Option<u64>) -> Result<u64, StoreError> {
        let next = expected_version.map_or(1, |v| v + 1);
        let put = self
            .client
            .put_item()
            .table_name(&self.triage)
            .set_item(Some(model_key(name)))
            .item(ta::MODEL, AttributeValue::B(Blob::new(bytes.to_vec())))
            .item(ta::VERSION, n(next));
        let put = match expected_version {
            None => put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", attr::PK),
            Some(v) => put
                .condition_expression("#version = :expected")
                .expression_attribute_names("#version", ta::VERSION)
                .expression_attribute_values(":expected", n(v)),
        };
        match put.send().await {
            Ok(_) => Ok(next),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(backend("PutItem model", e)),
        }
    }
}
