//! HTTP wire types: exactly what goes over the wire, converted to domain
//! types at the edge. Unknown fields are ignored (v4 sends extras).

pub mod admin;
pub mod agent_v4;
pub mod commands;
pub mod dashboard;
pub mod emergency;
pub mod notifications;
pub mod operator;
pub mod paging;
pub mod replicas;
pub mod reports;
pub mod switch_report;
pub mod tenants;

use crate::error::ApiError;
use serde::de::DeserializeOwned;

/// Parses a JSON body, telling malformed JSON (400 `malformed_json`) apart
/// from well-formed JSON with bad fields (400 `invalid_field`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(ApiError::MalformedJson("empty body".into())),
        // Other JSON values parse (serde maps arrays onto structs), but every
        // request body of ours is an object: say so plainly.
        Some(b'[') | Some(b'"') | Some(b'0'..=b'9') | Some(b'-') | Some(b't') | Some(b'f') | Some(b'n')
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() =>
        {
            return Err(ApiError::InvalidField("request body must be a JSON object".into()));
        }
        _ => {}
    }
    let parsed = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::InvalidField(e.to_string()),
        _ => ApiError::MalformedJson(e.to_string()),
    })?;
    if has_nul_escape(body) {
        // Postgres text cannot hold U+0000: refuse it here, typed, instead
        // of a database error deep inside a service (found by the API fuzzer).
        return Err(ApiError::InvalidField("text must not contain the NUL character (\\u0000)".into()));
    }
    Ok(parsed)
}

/// Whether a JSON document has a `\u0000` escape (an escaped backslash
/// followed by `u0000` is text, not one).
fn has_nul_escape(body: &[u8]) -> bool {
    let needle = b"u0000";
    (1..body.len()).any(|i| {
        body[i..].starts_with(needle) && {
            let slashes = body[..i].iter().rev().take_while(|b| **b == b'\\').count();
            slashes % 2 == 1
        }
    })
}

/// Like [`parse_json`], for bodies that may be left out: an empty (or
/// whitespace) body is the default value.
pub fn parse_optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse_json(body) }
}

/// Parses an optional timestamp field (any format agents send), 400
/// `invalid_field` naming the field when it is not one.
pub fn timestamp(raw: Option<&str>, field: &str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    raw.map(|r| {
        spot_domain::time::parse_agent_timestamp(r)
            .map(|t| spot_contracts::Timestamp::from(std::time::SystemTime::from(t)))
            .map_err(|_| ApiError::InvalidField(format!("{field} is not a timestamp: {r:?}")))
    })
    .transpose()
}

/// A text of a service's answer, `None` when empty.
pub fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A service's timestamp as RFC 3339 with microseconds, `None` when unset.
pub fn rfc3339_micros(t: &Option<spot_contracts::Timestamp>) -> Option<String> {
    spot_platform::time::from_wire_opt(t).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// Trims an optional text; empty becomes `None`.
pub fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct T {
        #[allow(dead_code)]
        a: u8,
    }

    #[derive(Debug, Default, serde::Deserialize)]
    struct O {
        a: Option<u8>,
    }

    #[test]
    fn refuses_the_nul_character_but_not_text_that_names_it() {
        assert!(matches!(parse_json::<O>(br#"{"a": 1, "b": "x\u0000"}"#), Err(ApiError::InvalidField(_))));
        assert!(parse_json::<O>(br#"{"a": 1, "b": "x\\u0000"}"#).is_ok());
        assert!(matches!(parse_json::<O>(br#"{"b": "\\\u0000"}"#), Err(ApiError::InvalidField(_))));
        assert!(parse_json::<O>(br#"{"b": "u0000"}"#).is_ok());
    }

    #[test]
    fn classifies_errors() {
        assert!(matches!(parse_json::<T>(b""), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse_json::<T>(b"{"), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse_json::<T>(b"{\"a\": \"x\"}"), Err(ApiError::InvalidField(_))));
        assert!(matches!(parse_json::<T>(b"[1]"), Err(ApiError::InvalidField(_))));
        assert!(parse_json::<T>(b"{\"a\": 1, \"extra\": null}").is_ok());
        assert!(parse_optional_json::<O>(b" \n").is_ok_and(|v| v.a.is_none()));
        assert!(parse_optional_json::<O>(b"{\"a\": 2}").is_ok_and(|v| v.a == Some(2)));
        assert!(matches!(parse_optional_json::<O>(b"{"), Err(ApiError::MalformedJson(_))));
    }
}
