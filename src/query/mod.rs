//! The collection query parameters (`limit`, `offset`, `sort`, `orderBy`, `filter`,
//! `fields`), parsed once from the raw query string, before any entity is known.

pub mod filter;

use crate::error::ApiError;
pub use filter::{Clause, Filter, Logic, Op};

/// Default page size fixed by the official OpenAPI (`limit` default 100).
pub const DEFAULT_LIMIT: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// The parsed query string of a list request.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub limit: Option<u64>,
    pub offset: u64,
    pub sort: Option<String>,
    pub order: Option<Direction>,
    pub filter: Option<Filter>,
    /// The raw filter text, kept to rebuild `Link` URLs.
    pub filter_raw: Option<String>,
    pub fields: Option<Vec<String>>,
}

/// Which parameters an operation accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSet {
    /// `limit, offset, sort, orderBy, filter, fields`.
    Collection,
    /// `fields` only.
    Single,
    /// Nothing (writes).
    None,
}

fn parse_count(name: &str, value: &str) -> Result<u64, ApiError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_data(format!(
            "'{name}' must be a whole number written with digits only"
        )));
    }
    // The official parameters are `int32`.
    value
        .parse::<u64>()
        .ok()
        .filter(|v| *v <= i32::MAX as u64)
        .ok_or_else(|| ApiError::invalid_data(format!("'{name}' must be at most {}", i32::MAX)))
}

/// Whether every percent-escaped byte sequence of a query string forms UTF-8 (the
/// form decoder would otherwise replace a bad one with U+FFFD and go on).
fn decodes_to_utf8(raw: &str) -> bool {
    if !raw.contains('%') {
        return true;
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? << 4 | hex(*bytes.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(b) => {
                decoded.push(b);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), ApiError> {
    if slot.is_some() {
        return Err(ApiError::invalid_data(format!(
            "'{name}' may be given only once"
        )));
    }
    *slot = Some(value);
    Ok(())
}

impl ListParams {
    /// Parses a raw (still percent-encoded) query string. Parameters that the operation does
    /// not take are ignored, as are parameters OneRoster does not define (cache busters).
    pub fn parse(raw: Option<&str>, set: ParamSet) -> Result<ListParams, ApiError> {
        let mut p = ListParams::default();
        if set == ParamSet::None {
            return Ok(p);
        }
        let raw = raw.unwrap_or("");
        if !decodes_to_utf8(raw) {
            return Err(ApiError::invalid_data(
                "The query string does not decode to UTF-8 (a percent-escape names a byte \
                 sequence that is not UTF-8)",
            ));
        }
        let mut limit = None;
        let mut offset = None;
        let mut order = None;
        let mut fields: Option<Vec<String>> = None;
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let collection = set == ParamSet::Collection;
            match &*key {
                "limit" if collection => {
                    let v = parse_count("limit", &value)?;
                    if v == 0 {
                        return Err(ApiError::invalid_data("'limit' must be at least 1"));
                    }
                    set_once(&mut limit, "limit", v)?;
                }
                "offset" if collection => {
                    set_once(&mut offset, "offset", parse_count("offset", &value)?)?
                }
                "sort" if collection => {
                    let v = value.trim();
                    if v.is_empty() {
                        return Err(ApiError::invalid_sort("'sort' must name a field"));
                    }
                    set_once(&mut p.sort, "sort", v.to_string())?;
                }
                "orderBy" if collection => {
                    let dir = match value.trim().to_ascii_lowercase().as_str() {
                        "asc" => Direction::Asc,
                        "desc" => Direction::Desc,
                        _ => {
                            return Err(ApiError::invalid_data(
                                "'orderBy' must be 'asc' or 'desc'",
                            ));
                        }
                    };
                    set_once(&mut order, "orderBy", dir)?;
                }
                "filter" if collection => {
                    if p.filter_raw.is_some() {
                        return Err(ApiError::invalid_filter(
                            "'filter' may be given only once; join clauses with AND or OR",
                        ));
                    }
                    let parsed = filter::parse(&value).map_err(|e| {
                        ApiError::invalid_filter(match &e.field {
                            Some(f) => format!("Invalid filter on field '{f}': {e}"),
                            None => format!("Invalid filter: {e}"),
                        })
                    })?;
                    p.filter = Some(parsed);
                    p.filter_raw = Some(value.into_owned());
                }
                "fields" => {
                    let list = fields.get_or_insert_with(Vec::new);
                    for name in value.split(',') {
                        let name = name.trim();
                        if name.is_empty() {
                            return Err(ApiError::invalid_selection(
                                "'fields' contains an empty field name",
                            ));
                        }
                        if !list.iter().any(|f| f == name) {
                            list.push(name.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        p.limit = limit;
        p.offset = offset.unwrap_or(0);
        p.order = order;
        p.fields = fields;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn query_strings_must_decode_to_utf8() {
        assert!(super::decodes_to_utf8(
            "filter=givenName%3D%27%C3%A9%27&limit=5"
        ));
        assert!(super::decodes_to_utf8("a=100%&b=%zz&c=%"));
        assert!(!super::decodes_to_utf8("filter=givenName%3D%27%FF%27"));
        assert!(!super::decodes_to_utf8("x=%C3"));
    }

    use super::*;

    fn parse(q: &str) -> Result<ListParams, ApiError> {
        ListParams::parse(Some(q), ParamSet::Collection)
    }

    #[test]
    fn defaults() {
        let p = parse("").unwrap();
        assert_eq!(p.limit, None);
        assert_eq!(p.offset, 0);
        assert!(p.filter.is_none() && p.fields.is_none() && p.sort.is_none());
    }

    #[test]
    fn limits_and_offsets() {
        let p = parse("limit=10&offset=20").unwrap();
        assert_eq!((p.limit, p.offset), (Some(10), 20));
        for bad in [
            "limit=0",
            "limit=-1",
            "limit=abc",
            "limit=1e3",
            "limit=",
            "limit=1.5",
            "limit=+5",
            "limit=99999999999999999999999",
            "limit=2147483648",
            "offset=2147483648",
            "limit=1&limit=2",
            "offset=-1",
            "offset=x",
            "offset=1&offset=1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_both_forms() {
        let p = parse("fields=sourcedId,givenName&fields=familyName&fields=givenName").unwrap();
        assert_eq!(
            p.fields.unwrap(),
            vec!["sourcedId", "givenName", "familyName"]
        );
        assert!(parse("fields=").is_err());
        assert!(parse("fields=a,,b").is_err());
    }

    #[test]
    fn order_and_filter() {
        let p = parse("sort=familyName&orderBy=DESC&filter=givenName%3D%27A%27").unwrap();
        assert_eq!(p.order, Some(Direction::Desc));
        assert_eq!(p.filter.unwrap().clauses[0].value, "A");
        assert!(parse("orderBy=up").is_err());
        assert!(parse("filter=a%3D%271%27&filter=b%3D%272%27").is_err());
        assert!(parse("sort=").is_err());
    }

    #[test]
    fn single_object_ignores_collection_params() {
        let p = ListParams::parse(Some("limit=0&fields=a"), ParamSet::Single).unwrap();
        assert_eq!(p.fields.unwrap(), vec!["a"]);
    }
}
