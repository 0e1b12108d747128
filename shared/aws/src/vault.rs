//! Evidence in S3, encrypted with SSE-KMS.

use crate::AwsError;
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ServerSideEncryption};
use satark_core::ids::ReportId;
use satark_core::ports::{EvidenceVault, MediaRecord, StoreError};
use std::time::Duration;

/// The longest a presigned evidence URL may live: officers open evidence from the
/// console at once, and a leaked link should die quickly.
pub const MAX_PRESIGN_TTL: Duration = Duration::from_secs(15 * 60);

/// Suffix of the metadata object beside each evidence object.
const RECORD_SUFFIX: &str = ".json";
/// Objects deleted per `DeleteObjects` call (the API's maximum).
const DELETE_BATCH: usize = 1000;

/// Evidence in one bucket: the bytes at `evidence/<report id>/<media key>` and the
/// [`MediaRecord`] as JSON at `evidence/<report id>/<media key>.json`, both under SSE-KMS
/// with the evidence key and an S3 bucket key (fewer KMS calls). Media keys may not
/// contain `.` or `/`, so the two names never collide.
#[derive(Debug, Clone)]
pub struct S3Vault {
    client: Client,
    bucket: String,
    kms_key_id: String,
}

fn backend<E, R>(operation: &str, e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(format!("S3 {operation}: {}", DisplayErrorContext(&e)))
}

/// Report ids are Crockford base32 when made by [`ReportId::parse`]/`from_entropy`, but
/// a deserialised one is not checked: refuse anything that could leave its prefix.
fn check_report_id(report_id: &ReportId) -> Result<(), AwsError> {
    let id = report_id.as_str();
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(AwsError::InvalidInput {
            what: "report id",
            reason: "not alphanumeric".into(),
        })
    }
}

/// Media keys are `m1:<hex>` message keys; allow that alphabet and a little more.
fn check_media_key(media_key: &str) -> Result<(), AwsError> {
    let ok = !media_key.is_empty()
        && media_key.len() <= 200
        && media_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(AwsError::InvalidInput {
            what: "media key",
            reason: "only letters, digits, ':', '_' and '-' are allowed".into(),
        })
    }
}

fn prefix(report_id: &ReportId) -> Result<String, AwsError> {
    check_report_id(report_id)?;
    Ok(format!("evidence/{}/", report_id.as_str()))
}

/// The object key of a piece of evidence.
pub fn object_key(report_id: &ReportId, media_key: &str) -> Result<String, AwsError> {
    check_media_key(media_key)?;
    Ok(format!("{}{media_key}", prefix(report_id)?))
}

fn invalid(e: AwsError) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl S3Vault {
    pub fn new(client: Client, bucket: String, kms_key_id: String) -> Self {
        S3Vault {
            client,
            bucket,
            kms_key_id,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A URL that GETs one piece of evidence for `ttl` (at most [`MAX_PRESIGN_TTL`]),
    /// signed with the caller's credentials: the dashboard's role needs `s3:GetObject`
    /// and `kms:Decrypt` on the evidence key for it to work. Audit the view before
    /// handing the URL out.
    pub async fn presign_get(&self, report_id: &ReportId, media_key: &str, ttl: Duration) -> Result<String, AwsError> {
        let key = object_key(report_id, media_key)?;
        let fail = |reason: String| AwsError::Presign {
            object: key.clone(),
            reason,
        };
        if ttl.is_zero() || ttl > MAX_PRESIGN_TTL {
            return Err(fail(format!(
                "a lifetime of {} s is outside 1..={} s",
                ttl.as_secs(),
                MAX_PRESIGN_TTL.as_secs()
            )));
        }
        let config = PresigningConfig::expires_in(ttl).map_err(|e| fail(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(config)
            .await
            .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
        Ok(request.uri().to_string())
    }

    async fn put_object(&self, key: String, body: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(content_type)
            // Evidence must not linger in browser or proxy caches after a presigned view.
            .cache_control("private, no-store")
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.kms_key_id)
            .bucket_key_enabled(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("PutObject", e))
    }

    /// The bytes of an object; `None` if it does not exist.
    async fn get_object(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend("GetObject", e)),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Backend(format!("S3 GetObject body: {e}")))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Every object key under `prefix`.
    async fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| backend("ListObjectsV2", e))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        }
        Ok(keys)
    }
}

#[async_trait]
impl EvidenceVault for S3Vault {
    /// The bytes first, then the record: a record listed always has its bytes.
    /// Putting again overwrites both with the same content.
    async fn put(&self, record: &MediaRecord, bytes: &[u8]) -> Result<(), StoreError> {
        let key = object_key(&record.report_id, &record.media_key).map_err(invalid)?;
        let json = satark_core::records::encode(record)?.into_bytes();
        self.put_object(key.clone(), bytes.to_vec(), &record.mime_type).await?;
        self.put_object(format!("{key}{RECORD_SUFFIX}"), json, "application/json")
            .await
    }

    /// Ordered by `stored_at`, then media key.
    async fn list(&self, report_id: &ReportId) -> Result<Vec<MediaRecord>, StoreError> {
        let prefix = prefix(report_id).map_err(invalid)?;
        let mut records = Vec::new();
        for key in self.keys_under(&prefix).await? {
            if !key.ends_with(RECORD_SUFFIX) {
                continue;
            }
            // Deleted between listing and reading (a concurrent discard): skip it.
            let Some(json) = self.get_object(&key).await? else {
                continue;
            };
            let text = std::str::from_utf8(&json).map_err(|e| StoreError::Corrupt(format!("media record: {e}")))?;
            let record: MediaRecord = satark_core::records::decode(text)?;
            records.push(record);
        }
        records.sort_by(|a, b| (a.stored_at, &a.media_key).cmp(&(b.stored_at, &b.media_key)));
        Ok(records)
    }

    async fn read(&self, report_id: &ReportId, media_key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = object_key(report_id, media_key).map_err(invalid)?;
        self.get_object(&key).await
    }

    async fn discard(&self, report_id: &ReportId) -> Result<(), StoreError> {
        let prefix = prefix(report_id).map_err(invalid)?;
        let keys = self.keys_under(&prefix).await?;
        for batch in keys.chunks(DELETE_BATCH) {
            let objects = batch
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Backend(format!("S3 DeleteObjects request: {e}")))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| StoreError::Backend(format!("S3 DeleteObjects request: {e}")))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| backend("DeleteObjects", e))?;
            if let Some(error) = out.errors().first() {
                return Err(StoreError::Backend(format!(
                    "S3 DeleteObjects: {} of {} objects not deleted ({})",
                    out.errors().len(),
                    batch.len(),
                    error.code().unwrap_or("unknown error")
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_under_their_prefix() {
        let id = ReportId::from_entropy(&[7; 16]);
        assert_eq!(
            object_key(&id, "m1:abc").expect("key"),
            format!("evidence/{}/m1:abc", id.as_str())
        );
        for bad in ["", "../x", "a/b", "m1:abc.json", "a b"] {
            assert!(object_key(&id, bad).is_err(), "{bad:?}");
        }
        let forged: ReportId = serde_json::from_str("\"../../x\"").expect("json");
        assert!(object_key(&forged, "m1:abc").is_err());
    }
}
