//! The binding's value syntaxes (lists, `{a:b}` items, numbers, metadata cells), read and
//! written the same way by import and export.

use serde_json::Value;

/// Appends `s` as a JSON string literal (the same bytes `serde_json` writes).
pub fn push_json_str(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    if let Ok(lit) = serde_json::to_string(s) {
        out.push_str(&lit);
    }
}

/// `s` as a JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// Splits a list cell (`a,b,c`) into its items, trimmed. Empty items are refused.
pub fn split_list(cell: &str) -> Result<Vec<&str>, String> {
    let items: Vec<&str> = cell.split(',').map(str::trim).collect();
    if items.iter().any(|i| i.is_empty()) {
        return Err("a list item is empty (two commas in a row, or a trailing comma)".into());
    }
    Ok(items)
}

/// How the two halves of a `{a:b}` item are separated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// At the first colon (`{type:identifier}`: identifiers may hold colons).
    FirstColon,
    /// At the only colon (`{LHS:RHS}`).
    OnlyColon,
}

/// Splits a `{a:b},{c:d}` cell into its pairs.
pub fn split_pairs<'a>(
    cell: &'a str,
    pair: Pair,
    example: &str,
) -> Result<Vec<(&'a str, &'a str)>, String> {
    let bad = || format!("each item must look like {example}");
    let mut out = Vec::new();
    let mut rest = cell.trim();
    loop {
        let body = rest.strip_prefix('{').ok_or_else(bad)?;
        let end = body.find('}').ok_or_else(bad)?;
        let inner = &body[..end];
        if inner.contains('{') {
            return Err(bad());
        }
        let (a, b) = match pair {
            Pair::FirstColon => inner.split_once(':').ok_or_else(bad)?,
            Pair::OnlyColon => {
                let (a, b) = inner.split_once(':').ok_or_else(bad)?;
                if b.contains(':') {
                    return Err(bad());
                }
                (a, b)
            }
        };
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() || b.is_empty() {
            return Err(bad());
        }
        out.push((a, b));
        rest = body[end + 1..].trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        rest = rest.strip_prefix(',').ok_or_else(bad)?.trim_start();
    }
}

/// Whether `s` is a decimal number (optional sign, digits with an optional fraction, an
/// optional exponent) — no `inf`, `NaN` or hexadecimal.
pub fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// Parses a float cell.
pub fn parse_float(s: &str) -> Option<f64> {
    if !is_decimal(s) {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(positive_zero)
}

/// `-0` as `0`: SQLite stores a negative zero as zero and PostgreSQL keeps its sign, so both
/// store the one zero (REST and CSV alike).
pub fn positive_zero(f: f64) -> f64 {
    if f == 0.0 { 0.0 } else { f }
}

/// Parses a number kept in JSON form (a learning objective result's `score`), as the REST API
/// keeps one: as written, digit for digit, when it is a JSON number (`0.1000000000000000055`,
/// `3.50`; a leading `+` dropped, an exponent as `1e+5`); otherwise (`007`, `.5`, `5.`) the shortest form of
/// the same double. A value beyond a double's range is refused, as in REST.
pub fn parse_number(s: &str) -> Option<serde_json::Number> {
    parse_float(s)?;
    let plain = s.strip_prefix('+').unwrap_or(s);
    serde_json::from_str::<serde_json::Number>(plain)
        .ok()
        .or_else(|| parse_float(s).and_then(serde_json::Number::from_f64))
}

/// Writes a float the shortest way that reads back to the same value.
pub fn format_float(v: f64) -> String {
    format!("{v}")
}

/// Reads a `metadata.<key>` cell: JSON text (a number, `true`, `false`, `null`, an object, an
/// array or a "quoted string") is that JSON value; any other text is a string.
pub fn metadata_value(cell: &str) -> Value {
    match serde_json::from_str::<Value>(cell) {
        Ok(v) => v,
        Err(_) => Value::String(cell.to_string()),
    }
}

/// Writes a metadata value as a cell, so that [`metadata_value`] reads it back: a string as
/// itself unless it would read as JSON (then as a JSON string literal); other values as JSON.
pub fn metadata_cell(v: &Value) -> String {
    match v {
        Value::String(s) if serde_json::from_str::<Value>(s).is_err() => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_and_pairs() {
        assert_eq!(split_list("09, 10,11").unwrap(), vec!["09", "10", "11"]);
        assert!(split_list("a,,b").is_err());
        assert!(split_list("a,").is_err());
        assert_eq!(
            split_pairs("{Pass:50},{A:7-10}, {60-69:B}", Pair::OnlyColon, "{A:90}").unwrap(),
            vec![("Pass", "50"), ("A", "7-10"), ("60-69", "B")]
        );
        for bad in [
            "A:94",
            "{A94}",
            "{A:B:C}",
            "{:A}",
            "{A:}",
            "{A:1}{B:2}",
            "{A:1},",
        ] {
            assert!(split_pairs(bad, Pair::OnlyColon, "x").is_err(), "{bad}");
        }
        assert_eq!(
            split_pairs("{LDAP:cn=x,o=y},{URN:urn:a:b}", Pair::FirstColon, "x").unwrap(),
            vec![("LDAP", "cn=x,o=y"), ("URN", "urn:a:b")]
        );
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-1.5", "+2", ".5", "5.", "1e3", "1.5E-2"] {
            assert!(parse_float(ok).is_some(), "{ok}");
        }
        for bad in ["", "inf", "NaN", "1e", "0x10", "1,5", " 1", "-"] {
            assert!(parse_float(bad).is_none(), "{bad}");
        }
        for zero in ["-0", "-0.0", "-0e5", "0"] {
            assert_eq!(
                parse_float(zero).unwrap().to_bits(),
                0f64.to_bits(),
                "{zero}"
            );
        }
        assert_eq!(parse_number("3").unwrap().to_string(), "3");
        assert_eq!(parse_number("+3.50").unwrap().to_string(), "3.50");
        assert_eq!(parse_number("5.").unwrap().to_string(), "5.0");
        assert_eq!(parse_number("007").unwrap().to_string(), "7.0");
        // serde_json writes the exponent its own way, for REST the same.
        assert_eq!(parse_number("1E5").unwrap().to_string(), "1e+5");
        assert_eq!(
            parse_number("0.1000000000000000055511151231257827")
                .unwrap()
                .to_string(),
            "0.1000000000000000055511151231257827"
        );
        assert!(parse_number("1e400").is_none());
        assert_eq!(
            parse_number("123456789012345678901234567890")
                .unwrap()
                .to_string(),
            "123456789012345678901234567890"
        );
        assert_eq!(format_float(62.0), "62");
        assert_eq!(format_float(0.3), "0.3");
    }

    #[test]
    fn metadata_cells_round_trip() {
        for v in [
            json!("CA"),
            json!(""),
            json!("42"),
            json!("true"),
            json!("\"quoted\""),
            json!(42),
            json!(0.1),
            json!(true),
            json!(null),
            json!({"a": [1, "x"]}),
            json!([]),
        ] {
            assert_eq!(metadata_value(&metadata_cell(&v)), v, "{v}");
        }
        assert_eq!(metadata_value("Sacramento"), json!("Sacramento"));
        assert_eq!(metadata_value("12345"), json!(12345));
    }
}
