//! The option rules of one verification as JSON (a test step's `verifications[k]`), checked by
//! the one function [`check_spec`] both when a test case is saved (`testing::case`) and when a
//! host is about to run the step (`host::runs::executor`), so a document the server accepts is
//! never refused later for the same reason.

use serde_json::{Map, Value};

use super::TextPattern;

/// Longest a verification may wait for its condition.
pub const MAX_VERIFICATION_TIMEOUT_MS: u64 = 600_000;
/// Most frames in a row a verification may ask for.
pub const MAX_CONSECUTIVE: u64 = 100;

/// One field of a verification that breaks a rule: `field` is its key (e.g. `expect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub field: &'static str,
    pub message: String,
}

fn fail(field: &'static str, message: impl Into<String>) -> Result<(), SpecError> {
    Err(SpecError {
        field,
        message: message.into(),
    })
}

/// Checks the values of a verification's options. Missing fields are left to the caller (a
/// saved step may name a reference that fills them in when the run starts).
pub fn check_spec(v: &Map<String, Value>) -> Result<(), SpecError> {
    if let Some(timeout) = v.get("timeout_ms")
        && timeout
            .as_u64()
            .is_none_or(|ms| ms > MAX_VERIFICATION_TIMEOUT_MS)
    {
        return fail(
            "timeout_ms",
            format!("must be 0 to {MAX_VERIFICATION_TIMEOUT_MS} milliseconds"),
        );
    }
    if let Some(n) = v.get("consecutive")
        && n.as_u64().is_none_or(|n| n == 0 || n > MAX_CONSECUTIVE)
    {
        return fail("consecutive", format!("must be 1 to {MAX_CONSECUTIVE}"));
    }
    let mode = v.get("mode");
    if let Some(mode) = mode
        && !matches!(
            mode.as_str(),
            Some("present" | "absent" | "appear_then_disappear")
        )
    {
        return fail("mode", "must be present, absent or appear_then_disappear");
    }
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
    for field in ["threshold", "confirm_threshold"] {
        if kind == "image"
            && let Some(t) = v.get(field)
            && t.as_f64().is_none_or(|t| !(0.0..=1.0).contains(&t))
        {
            return fail(field, "must be between 0 and 1");
        }
    }
    match kind {
        "text" => match v.get("expect") {
            Some(Value::String(expect)) => {
                if expect.trim().is_empty() {
                    return fail("expect", "give the text to look for");
                }
                if TextPattern::parse(expect).is_err() {
                    return fail(
                        "expect",
                        format!(
                            "\"{expect}\" has an empty alternative: each `|`-separated part needs a letter or digit (only those are compared)"
                        ),
                    );
                }
            }
            Some(_) => return fail("expect", "must be text"),
            None => {}
        },
        "freeze" => {
            if let Some(d) = v.get("duration_ms")
                && d.as_u64().is_none_or(|d| d == 0)
            {
                return fail("duration_ms", "must be above 0");
            }
        }
        "element" if mode.and_then(Value::as_str) == Some("appear_then_disappear") => {
            return fail("mode", "an element verification is `present` or `absent`");
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<(), SpecError> {
        check_spec(v.as_object().expect("object"))
    }

    #[test]
    fn empty_or_unreadable_expected_text_is_refused() {
        for expect in ["", "   ", "--", "Settings|"] {
            let e = check(json!({"kind": "text", "expect": expect})).unwrap_err();
            assert_eq!(e.field, "expect", "{expect:?}");
        }
        assert!(check(json!({"kind": "text", "expect": "Wi-Fi|WLAN"})).is_ok());
    }

    #[test]
    fn numbers_out_of_range_name_their_field() {
        let field = |v: Value| check(v).unwrap_err().field;
        assert_eq!(
            field(json!({"kind": "black", "timeout_ms": 600_001})),
            "timeout_ms"
        );
        assert_eq!(
            field(json!({"kind": "black", "consecutive": 0})),
            "consecutive"
        );
        assert_eq!(
            field(json!({"kind": "image", "threshold": 1.5})),
            "threshold"
        );
        assert_eq!(
            field(json!({"kind": "freeze", "duration_ms": 0})),
            "duration_ms"
        );
        assert_eq!(
            field(json!({"kind": "motion", "mode": "sometimes"})),
            "mode"
        );
        assert!(check(json!({"kind": "image", "reference": "x", "threshold": 0.9})).is_ok());
    }
}
