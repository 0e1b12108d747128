//! Stored records outlive the code that wrote them.
//!
//! Every record Satark stores (conversations, reports and their triage state, media
//! records, audit entries, queued jobs) is JSON with a `"schema"` number beside its
//! fields, written by [`encode`] and read by [`decode`]. A record without one predates
//! versioning (schema 0) and loads as it is; fields added later carry serde defaults,
//! and a change of shape bumps [`Versioned::SCHEMA`] and teaches
//! [`Versioned::upgrade`] to lift the older layouts. Golden samples of every record,
//! as each schema wrote them, are committed under `shared/core/tests/golden/` and must
//! keep loading.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The field that holds a record's schema number.
pub const SCHEMA_FIELD: &str = "schema";

/// A record type with a schema number.
pub trait Versioned {
    /// The schema this code writes.
    const SCHEMA: u32;

    /// Lifts a record written under `schema` (older than [`Self::SCHEMA`]) to the
    /// current layout. The default accepts older layouts unchanged: right while every
    /// change is an added field with a default.
    fn upgrade(schema: u32, value: Value) -> Result<Value, RecordError> {
        let _ = schema;
        Ok(value)
    }
}

/// Why a stored record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    Syntax(String),
    #[error("written by a newer version of Satark (schema {found}, this one reads up to {supported})")]
    Newer { found: u64, supported: u32 },
    #[error("schema {schema}: {reason}")]
    Shape { schema: u64, reason: String },
}

impl From<RecordError> for crate::ports::StoreError {
    fn from(e: RecordError) -> Self {
        crate::ports::StoreError::Corrupt(e.to_string())
    }
}

/// The record as stored: its fields and its schema number.
pub fn encode<T: Serialize + Versioned>(record: &T) -> Result<String, RecordError> {
    let mut value = serde_json::to_value(record).map_err(|e| RecordError::Shape {
        schema: u64::from(T::SCHEMA),
        reason: e.to_string(),
    })?;
    if let Value::Object(map) = &mut value {
        map.insert(SCHEMA_FIELD.into(), Value::from(T::SCHEMA));
    }
    Ok(value.to_string())
}

/// Reads a stored record of any schema up to the current one.
pub fn decode<T: DeserializeOwned + Versioned>(text: &str) -> Result<T, RecordError> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| RecordError::Syntax(e.to_string()))?;
    let schema = match &mut value {
        Value::Object(map) => match map.remove(SCHEMA_FIELD) {
            None => 0,
            Some(v) => v.as_u64().ok_or_else(|| RecordError::Shape {
                schema: 0,
                reason: "schema is not a number".into(),
            })?,
        },
        _ => 0,
    };
    if schema > u64::from(T::SCHEMA) {
        return Err(RecordError::Newer {
            found: schema,
            supported: T::SCHEMA,
        });
    }
    let value = if schema < u64::from(T::SCHEMA) {
        // Lossless: the schema fits in u32, being at most `T::SCHEMA`.
        T::upgrade(schema as u32, value)?
    } else {
        value
    };
    serde_json::from_value(value).map_err(|e| RecordError::Shape {
        schema,
        reason: e.to_string(),
    })
}

// The stored record types and the schema each is written in. Schema 1 is the first
// versioned layout; schema 0 (no number) is the same layout written before versioning.
// Each bump adds golden samples in `tests/golden/schema-N/`.
macro_rules! versioned {
    ($($t:ty => $v:expr),* $(,)?) => {
        $(impl Versioned for $t { const SCHEMA: u32 = $v; })*
    };
}

versioned! {
    // 2: the citizen's allowance (flood limit), defaulted for older conversations.
    // 3: officers' open questions, the self-disclosure guard's stage and findings.
    crate::conversation::Conversation => 3,
    // 2: the kinds of detail the self-disclosure guard warned about.
    crate::report::Report => 2,
    crate::ports::MediaRecord => 1,
    crate::ports::AuditEntry => 1,
    // 2: the 24-hour window's start, the template fallback, the thread entry.
    crate::ports::OutboundJob => 2,
    crate::ports::OfficeAlertJob => 1,
    crate::ports::ThreadEntry => 1,
    crate::triage::Assessment => 1,
    crate::ports::Fingerprint => 1,
    crate::ports::MediaJob => 1,
    crate::ports::ReportJob => 1,
    crate::jobs::Outbox => 1,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        a: u32,
        #[serde(default)]
        b: Option<String>,
    }

    impl Versioned for Sample {
        const SCHEMA: u32 = 2;
        fn upgrade(schema: u32, mut value: Value) -> Result<Value, RecordError> {
            // Schema 1 called `a` `old_a`.
            if schema == 1
                && let Value::Object(map) = &mut value
                && let Some(old) = map.remove("old_a")
            {
                map.insert("a".into(), old);
            }
            Ok(value)
        }
    }

    #[test]
    fn records_carry_their_schema_and_older_ones_are_lifted() {
        let text = encode(&Sample { a: 1, b: None }).expect("encodes");
        assert!(text.contains("\"schema\":2"));
        assert_eq!(decode::<Sample>(&text).expect("decodes"), Sample { a: 1, b: None });
        // Unversioned (schema 0): loads as it is, the new field defaulted.
        assert_eq!(decode::<Sample>(r#"{"a":7}"#).expect("v0"), Sample { a: 7, b: None });
        assert_eq!(
            decode::<Sample>(r#"{"old_a":9,"schema":1}"#).expect("v1"),
            Sample { a: 9, b: None }
        );
        assert!(matches!(
            decode::<Sample>(r#"{"a":1,"schema":3}"#),
            Err(RecordError::Newer { found: 3, .. })
        ));
        assert!(matches!(decode::<Sample>("{"), Err(RecordError::Syntax(_))));
        assert!(matches!(
            decode::<Sample>(r#"{"a":1,"schema":"x"}"#),
            Err(RecordError::Shape { .. })
        ));
    }
}
