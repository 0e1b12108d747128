//! Small helpers for reading `serde_json::Value`s leniently.
//!
//! Two flavours: *loose* readers never fail (wrong type → `None`), used for the
//! envelope, statuses and errors; *strict* readers report a present-but-garbage
//! field as [`Malformed`], used inside a message so that a broken message
//! degrades to `MessageContent::Unknown` instead of being half-read.

use serde_json::{Map, Value};

pub(crate) type Object = Map<String, Value>;

/// A field was present but had a type that makes no sense for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

pub(crate) type Strict<T> = Result<T, Malformed>;

/// Elements of an array field; anything else (absent, null, object…) is empty.
pub(crate) fn array<'a>(obj: &'a Object, key: &str) -> &'a [Value] {
    match obj.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A string (or number rendered as a string); `None` for anything else or "".
pub(crate) fn loose_str(obj: &Object, key: &str) -> Option<String> {
    strict_str(obj, key).ok().flatten()
}

/// An integer given as a JSON number or as a decimal string (Meta sends
/// timestamps and codes in both forms depending on the field and version).
pub(crate) fn loose_i64(obj: &Object, key: &str) -> Option<i64> {
    strict_i64(obj, key).ok().flatten()
}

/// Like [`loose_str`] but a non-scalar value is [`Malformed`]. Empty strings
/// read as `None` so callers never have to special-case them.
pub(crate) fn strict_str(obj: &Object, key: &str) -> Strict<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Malformed),
    }
}

/// An integer from a number or a numeric string; anything else is [`Malformed`].
pub(crate) fn strict_i64(obj: &Object, key: &str) -> Strict<Option<i64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(Malformed),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse::<i64>().map(Some).map_err(|_| Malformed)
            }
        }
        Some(_) => Err(Malformed),
    }
}

/// A float from a number or a numeric string; must be finite.
pub(crate) fn strict_f64(obj: &Object, key: &str) -> Strict<Option<f64>> {
    let parsed = match obj.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match parsed {
        Some(f) if f.is_finite() => Ok(Some(f)),
        _ => Err(Malformed),
    }
}

/// A boolean flag; absent/null is `false`, `"true"`/`"false"` strings are
/// accepted, anything else is [`Malformed`].
pub(crate) fn strict_bool(obj: &Object, key: &str) -> Strict<bool> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" => Ok(false),
        Some(_) => Err(Malformed),
    }
}

/// An optional nested object; a non-object value is [`Malformed`].
pub(crate) fn strict_obj<'a>(obj: &'a Object, key: &str) -> Strict<Option<&'a Object>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Malformed),
    }
}

/// A required nested object.
pub(crate) fn required_obj<'a>(obj: &'a Object, key: &str) -> Strict<&'a Object> {
    strict_obj(obj, key)?.ok_or(Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => Object::new(),
        }
    }

    #[test]
    fn readers() {
        let o = obj(json!({
            "s": "x", "e": "", "n": 12, "ts": " 1767081600 ", "bad": {}, "f": "1.5",
            "t": true, "ts2": "12a", "nan": "NaN", "arr": [1, 2], "neg": -3.5
        }));
        assert_eq!(strict_str(&o, "s"), Ok(Some("x".into())));
        assert_eq!(strict_str(&o, "e"), Ok(None));
        assert_eq!(strict_str(&o, "n"), Ok(Some("12".into())));
        assert_eq!(strict_str(&o, "bad"), Err(Malformed));
        assert_eq!(loose_str(&o, "bad"), None);
        assert_eq!(strict_i64(&o, "ts"), Ok(Some(1_767_081_600)));
        assert_eq!(strict_i64(&o, "ts2"), Err(Malformed));
        assert_eq!(loose_i64(&o, "n"), Some(12));
        assert_eq!(strict_i64(&o, "neg"), Err(Malformed));
        assert_eq!(strict_f64(&o, "f"), Ok(Some(1.5)));
        assert_eq!(strict_f64(&o, "nan"), Err(Malformed));
        assert_eq!(strict_f64(&o, "missing"), Ok(None));
        assert_eq!(strict_bool(&o, "t"), Ok(true));
        assert_eq!(strict_bool(&o, "missing"), Ok(false));
        assert_eq!(strict_bool(&o, "n"), Err(Malformed));
        assert_eq!(array(&o, "arr").len(), 2);
        assert!(array(&o, "s").is_empty());
        assert!(strict_obj(&o, "bad").is_ok());
        assert!(strict_obj(&o, "s").is_err());
        assert!(required_obj(&o, "missing").is_err());
    }
}
