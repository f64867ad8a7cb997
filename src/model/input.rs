//! Validates a OneRoster JSON object against the catalogue and turns it into column values.
//!
//! Strict where data would be lost or misread (unknown properties, wrong types, bad enum
//! values, malformed dates), lenient where nothing is lost: a missing `status` becomes
//! `active`, `dateLastModified` is always set by the server, a GUIDRef may carry only its
//! `sourcedId`, JSON `true`/`false` are accepted for the string booleans, and `null` stands
//! for an absent optional property.

use serde_json::{Map, Value};

use super::catalogue::{Entity, Field, Kind, ObjectDef, Ty};
use super::datetime::{is_date, is_year, parse_datetime};
use super::entities::{self, STATUS};

/// Longest sourcedId accepted.
pub const MAX_ID_LEN: usize = 255;

/// A value for one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
}

/// A reference found in the object, to be checked for existence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUse {
    /// Where it was found, e.g. `lineItem.category` or `roles[0].org`.
    pub path: String,
    pub kind: Kind,
    /// The role a referenced user must hold ([`Field::role`]).
    pub role: Option<&'static str>,
    pub id: String,
}

impl RefUse {
    /// What the reference must name: an active object of `kind`, holding `role` if any.
    pub fn target(&self) -> (Kind, Option<&'static str>) {
        (self.kind, self.role)
    }
}

/// A validated object, ready to store.
#[derive(Clone, Debug)]
pub struct Record {
    pub entity: &'static Entity,
    pub sourced_id: String,
    /// One cell per [`Entity::stored_fields`], in that order.
    pub cells: Vec<Cell>,
    pub refs: Vec<RefUse>,
}

impl Record {
    /// The cell of a stored field.
    pub fn cell(&self, name: &str) -> Option<&Cell> {
        self.entity
            .stored_fields()
            .position(|f| f.name == name)
            .map(|i| &self.cells[i])
    }

    /// The text of a stored field, if set.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.cell(name) {
            Some(Cell::Text(s)) => Some(s),
            _ => None,
        }
    }

    pub fn status(&self) -> &str {
        self.text("status").unwrap_or("active")
    }
}

/// One problem with one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

struct Checker {
    errors: Vec<FieldError>,
    refs: Vec<RefUse>,
    /// `metadata` keys this kind may not use ([`RESERVED_LINE_ITEM_METADATA`]).
    reserved_metadata: &'static [&'static str],
}

/// The `metadata` key in which the CSV binding carries a line item's `gradingPeriod` (its
/// column `metadata.gradingPeriodSourcedId`), so REST may not use it.
pub const RESERVED_LINE_ITEM_METADATA: &str = "gradingPeriodSourcedId";

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// What [`valid_id`] accepts, for error messages.
pub const ID_RULE: &str =
    "a sourcedId has 1 to 255 characters, no control characters, and is not '.' or '..'";

/// Whether `id` is an acceptable sourcedId. `.` and `..` are refused because no URL can
/// name them: clients and proxies resolve them as path segments.
pub fn valid_id(id: &str) -> bool {
    !id.trim().is_empty()
        && id.len() <= MAX_ID_LEN
        && !id.chars().any(char::is_control)
        && id != "."
        && id != ".."
}

impl Checker {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn expect_str<'v>(&mut self, path: &str, v: &'v Value) -> Option<&'v str> {
        match v {
            Value::String(s) => Some(s),
            _ => {
                self.err(path, "must be a string");
                None
            }
        }
    }

    fn reference(
        &mut self,
        path: &str,
        kind: Kind,
        role: Option<&'static str>,
        v: &Value,
    ) -> Option<String> {
        let Some(obj) = v.as_object() else {
            self.err(path, "must be a GUIDRef object {\"sourcedId\": ...}");
            return None;
        };
        let target = entities::entity(kind);
        for key in obj.keys() {
            if !matches!(key.as_str(), "href" | "sourcedId" | "type") {
                self.err(&join(path, key), "is not a property of a GUIDRef");
            }
        }
        if let Some(t) = obj.get("type")
            && t.as_str() != Some(target.ref_type)
        {
            self.err(
                &join(path, "type"),
                format!("must be '{}'", target.ref_type),
            );
        }
        if let Some(h) = obj.get("href")
            && !h.is_string()
        {
            self.err(&join(path, "href"), "must be a string");
        }
        match obj.get("sourcedId") {
            Some(Value::String(id)) if valid_id(id) => {
                self.refs.push(RefUse {
                    path: path.to_string(),
                    kind,
                    role,
                    id: id.clone(),
                });
                Some(id.clone())
            }
            Some(Value::String(_)) => {
                self.err(
                    &join(path, "sourcedId"),
                    format!("is not a valid sourcedId ({ID_RULE})"),
                );
                None
            }
            Some(_) => {
                self.err(&join(path, "sourcedId"), "must be a string");
                None
            }
            None => {
                self.err(&join(path, "sourcedId"), "is required");
                None
            }
        }
    }

    fn array<'v>(&mut self, path: &str, field: &Field, v: &'v Value) -> Option<&'v Vec<Value>> {
        let Some(items) = v.as_array() else {
            self.err(path, "must be an array");
            return None;
        };
        if items.len() < field.min_items as usize {
            self.err(
                path,
                format!("must have at least {} item(s)", field.min_items),
            );
        }
        Some(items)
    }

    /// Validates a value nested in an object list, returning its canonical stored form.
    fn nested(&mut self, path: &str, field: &Field, v: &Value) -> Option<Value> {
        match field.ty {
            Ty::Ref(kind) => self.reference(path, kind, field.role, v).map(Value::String),
            Ty::Objects(def) => {
                let items = self.array(path, field, v)?;
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(o) = self.object(&format!("{path}[{i}]"), def, item) {
                        out.push(Value::Object(o));
                    }
                }
                Some(Value::Array(out))
            }
            Ty::StrList => {
                let items = self.array(path, field, v)?;
                for (i, item) in items.iter().enumerate() {
                    self.expect_str(&format!("{path}[{i}]"), item);
                }
                Some(v.clone())
            }
            Ty::Float => match v {
                Value::Number(_) if v.as_f64().is_some_and(f64::is_finite) => Some(v.clone()),
                _ => {
                    self.err(path, "must be a number");
                    None
                }
            },
            _ => self.scalar(path, field, v).map(|c| match c {
                Cell::Text(s) => Value::String(s),
                _ => Value::Null,
            }),
        }
    }

    fn object(&mut self, path: &str, def: &ObjectDef, v: &Value) -> Option<Map<String, Value>> {
        let Some(obj) = v.as_object() else {
            self.err(path, format!("must be a {} object", def.schema));
            return None;
        };
        let mut out = Map::new();
        for field in def.fields {
            let p = join(path, field.name);
            match obj.get(field.name) {
                None | Some(Value::Null) => {
                    if field.required {
                        self.err(&p, "is required");
                    }
                }
                Some(v) => {
                    if let Some(stored) = self.nested(&p, field, v) {
                        out.insert(field.name.to_string(), stored);
                    }
                }
            }
        }
        for (k, v) in obj {
            if def.field(k).is_none() {
                if def.open {
                    out.insert(k.clone(), v.clone());
                } else {
                    self.err(
                        &join(path, k),
                        format!("is not a property of {}", def.schema),
                    );
                }
            }
        }
        Some(out)
    }

    /// Validates a scalar-typed value.
    fn scalar(&mut self, path: &str, field: &Field, v: &Value) -> Option<Cell> {
        match field.ty {
            Ty::Bool => match v {
                Value::Bool(b) => Some(Cell::Text(b.to_string())),
                Value::String(s) if s == "true" || s == "false" => Some(Cell::Text(s.clone())),
                _ => {
                    self.err(path, "must be \"true\" or \"false\"");
                    None
                }
            },
            Ty::Float => match v.as_f64() {
                Some(f) if v.is_number() && f.is_finite() => {
                    Some(Cell::Float(crate::csv::values::positive_zero(f)))
                }
                _ => {
                    self.err(path, "must be a number");
                    None
                }
            },
            Ty::DateTime => {
                let s = self.expect_str(path, v)?;
                match parse_datetime(s) {
                    Some(ms) => Some(Cell::Int(ms)),
                    None => {
                        self.err(
                            path,
                            "must be an ISO 8601 date-time such as 2024-09-01T08:00:00.000Z",
                        );
                        None
                    }
                }
            }
            Ty::Date => {
                let s = self.expect_str(path, v)?;
                if is_date(s) {
                    Some(Cell::Text(s.to_string()))
                } else {
                    self.err(path, "must be a date in the form YYYY-MM-DD");
                    None
                }
            }
            Ty::Year => {
                let s = self.expect_str(path, v)?;
                if is_year(s) {
                    Some(Cell::Text(s.to_string()))
                } else {
                    self.err(path, "must be a year in the form YYYY");
                    None
                }
            }
            Ty::Vocab(vocab) => {
                let s = self.expect_str(path, v)?;
                if vocab.accepts(s) {
                    Some(Cell::Text(vocab.canonical(s).into_owned()))
                } else {
                    self.err(path, format!("must be one of: {}", vocab.describe()));
                    None
                }
            }
            Ty::Status => {
                let s = self.expect_str(path, v)?;
                // OneRoster 1.1 removed `inactive`; it is to be read as `tobedeleted`.
                let s = if s == "inactive" { "tobedeleted" } else { s };
                if STATUS.accepts(s) {
                    Some(Cell::Text(s.to_string()))
                } else {
                    self.err(path, "must be 'active' or 'tobedeleted'");
                    None
                }
            }
            Ty::Id => {
                let s = self.expect_str(path, v)?;
                if valid_id(s) {
                    Some(Cell::Text(s.to_string()))
                } else {
                    self.err(path, format!("is not a valid sourcedId ({ID_RULE})"));
                    None
                }
            }
            Ty::Str if field.pair_part => {
                let s = self.expect_str(path, v)?;
                if s.trim().is_empty() || s.contains(['{', '}', ':']) {
                    self.err(
                        path,
                        "may not be blank nor hold '{', '}' or ':' (the CSV binding's {LHS:RHS} \
                         could not carry it)",
                    );
                    return None;
                }
                Some(Cell::Text(s.to_string()))
            }
            Ty::Str | Ty::Uri => self.expect_str(path, v).map(|s| Cell::Text(s.to_string())),
            _ => {
                self.err(path, "unsupported value");
                None
            }
        }
    }

    fn field(&mut self, field: &Field, v: &Value) -> Option<Cell> {
        let path = field.name;
        match field.ty {
            Ty::Ref(kind) => self.reference(path, kind, field.role, v).map(Cell::Text),
            Ty::RefList(kind) => {
                let items = self.array(path, field, v)?;
                let mut ids = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(id) =
                        self.reference(&format!("{path}[{i}]"), kind, field.role, item)
                    {
                        ids.push(Value::String(id));
                    }
                }
                Some(Cell::Text(Value::Array(ids).to_string()))
            }
            Ty::StrList | Ty::VocabList(_) => {
                let items = self.array(path, field, v)?;
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    if let Some(s) = self.expect_str(&p, item)
                        && let Ty::VocabList(vocab) = field.ty
                        && !vocab.accepts(s)
                    {
                        self.err(&p, format!("must be one of: {}", vocab.describe()));
                    }
                }
                Some(Cell::Text(v.to_string()))
            }
            Ty::Objects(_) => self
                .nested(path, field, v)
                .map(|stored| Cell::Text(stored.to_string())),
            Ty::Metadata => {
                if let Some(map) = v.as_object() {
                    if map.contains_key("") {
                        // The CSV binding carries each key as a column `metadata.<key>`.
                        self.err(path, "may not have an empty key");
                    }
                    if self.reserved_metadata.iter().any(|k| map.contains_key(*k)) {
                        self.err(
                            path,
                            format!(
                                "may not have the key '{}': the CSV binding carries this object's \
                                 field in it",
                                self.reserved_metadata.join("', '")
                            ),
                        );
                    }
                    Some(Cell::Text(v.to_string()))
                } else {
                    self.err(path, "must be a JSON object");
                    None
                }
            }
            Ty::Children(..) => {
                self.err(path, "is derived by the server and cannot be written");
                None
            }
            _ => self.scalar(path, field, v),
        }
    }
}

/// Validates `value` as an object of `entity`.
///
/// `path_id` is the sourcedId fixed by the URL (PUT): a body `sourcedId` must equal it, and a
/// missing one takes it. `now` becomes `dateLastModified`.
pub fn parse_record(
    entity: &'static Entity,
    value: &Value,
    path_id: Option<&str>,
    now: i64,
) -> Result<Record, Vec<FieldError>> {
    let mut c = Checker {
        errors: Vec::new(),
        refs: Vec::new(),
        reserved_metadata: if entity.kind == Kind::LineItem {
            &[RESERVED_LINE_ITEM_METADATA]
        } else {
            &[]
        },
    };
    let Some(obj) = value.as_object() else {
        return Err(vec![FieldError {
            path: String::new(),
            message: format!("must be a {} object", entity.schema),
        }]);
    };
    for key in obj.keys() {
        if entity.field(key).is_none() {
            c.err(key, format!("is not a property of {}", entity.schema));
        }
    }
    let mut cells = Vec::new();
    let mut sourced_id = String::new();
    for field in entity.stored_fields() {
        let given = obj.get(field.name).filter(|v| !v.is_null());
        let cell = match (field.name, given) {
            ("dateLastModified", given) => {
                // Checked for form, then replaced: the server owns dateLastModified.
                if let Some(v) = given {
                    c.scalar(field.name, field, v);
                }
                Cell::Int(now)
            }
            ("status", None) => Cell::Text("active".into()),
            ("sourcedId", given) => {
                let id = match (given, path_id) {
                    (_, Some(p)) if !valid_id(p) => {
                        c.err(
                            "sourcedId",
                            format!("in the URL is not a valid sourcedId ({ID_RULE})"),
                        );
                        None
                    }
                    (Some(v), Some(p)) => match c.scalar(field.name, field, v) {
                        Some(Cell::Text(s)) if s != p => {
                            c.err(
                                "sourcedId",
                                format!("'{s}' differs from the sourcedId '{p}' in the URL"),
                            );
                            None
                        }
                        other => other.and(Some(p.to_string())),
                    },
                    (Some(v), None) => match c.scalar(field.name, field, v) {
                        Some(Cell::Text(s)) => Some(s),
                        _ => None,
                    },
                    (None, Some(p)) => Some(p.to_string()),
                    (None, None) => {
                        c.err("sourcedId", "is required");
                        None
                    }
                };
                sourced_id = id.clone().unwrap_or_default();
                Cell::Text(sourced_id.clone())
            }
            (_, Some(v)) => c.field(field, v).unwrap_or(Cell::Null),
            (_, None) => {
                if field.required {
                    c.err(field.name, "is required");
                }
                Cell::Null
            }
        };
        cells.push(cell);
    }
    for field in entity.fields.iter().filter(|f| !f.is_stored()) {
        if let Some(v) = obj.get(field.name).filter(|v| !v.is_null()) {
            c.field(field, v);
        }
    }
    if c.errors.is_empty() {
        Ok(Record {
            entity,
            sourced_id,
            cells,
            refs: c.refs,
        })
    } else {
        Err(c.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line_item() -> Value {
        json!({
            "sourcedId": "li1",
            "title": "Quiz",
            "assignDate": "2024-09-01T08:00:00Z",
            "dueDate": "2024-09-08",
            "class": {"sourcedId": "c1"},
            "school": {"sourcedId": "s1", "type": "org", "href": "x"},
            "category": {"sourcedId": "cat1"},
            "resultValueMax": 100,
            "learningObjectiveSet": [{"source": "case", "learningObjectiveIds": ["a"]}],
            "metadata": {"z": 1, "a": {"b": [true]}}
        })
    }

    #[test]
    fn accepts_a_lenient_but_complete_line_item() {
        let r = parse_record(&entities::LINE_ITEM, &line_item(), Some("li1"), 42).unwrap();
        assert_eq!(r.sourced_id, "li1");
        assert_eq!(r.status(), "active");
        assert_eq!(r.cell("dateLastModified"), Some(&Cell::Int(42)));
        assert_eq!(r.text("class"), Some("c1"));
        assert_eq!(r.text("metadata"), Some(r#"{"z":1,"a":{"b":[true]}}"#));
        assert_eq!(r.cell("resultValueMax"), Some(&Cell::Float(100.0)));
        assert_eq!(
            r.refs.iter().map(|u| u.path.as_str()).collect::<Vec<_>>(),
            vec!["class", "school", "category"]
        );
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let mut v = line_item();
        v["sourcedId"] = json!("other");
        v["title"] = json!(5);
        v["school"]["type"] = json!("class");
        v["extra"] = json!(1);
        v["learningObjectiveSet"][0]["learningObjectiveIds"] = json!([]);
        v.as_object_mut().unwrap().remove("category");
        let errs = parse_record(&entities::LINE_ITEM, &v, Some("li1"), 0).unwrap_err();
        let paths: Vec<_> = errs.iter().map(|e| e.path.as_str()).collect();
        for p in [
            "extra",
            "sourcedId",
            "title",
            "school.type",
            "category",
            "learningObjectiveSet[0].learningObjectiveIds",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
    }

    #[test]
    fn result_values_are_kept_as_sent() {
        let v = json!({
            "sourcedId": "r1", "status": "active",
            "lineItem": {"sourcedId": "li1"}, "student": {"sourcedId": "u1"},
            "scoreStatus": "exempt", "scoreDate": "2024-09-09", "score": 105.5,
            "textScore": "A+", "comment": "", "late": true,
            "learningObjectiveSet": [{"source": "unknown",
                "learningObjectiveResults": [{"learningObjectiveId": "lo", "score": 3}]}]
        });
        let r = parse_record(&entities::RESULT, &v, None, 0).unwrap();
        assert_eq!(r.cell("score"), Some(&Cell::Float(105.5)));
        assert_eq!(r.text("comment"), Some(""));
        assert_eq!(r.text("late"), Some("true"));
        assert_eq!(
            r.text("learningObjectiveSet"),
            Some(
                r#"[{"source":"unknown","learningObjectiveResults":[{"learningObjectiveId":"lo","score":3}]}]"#
            )
        );
    }

    #[test]
    fn vocabularies_accept_extensions() {
        let v = json!({"sourcedId": "r", "lineItem": {"sourcedId": "l"},
            "student": {"sourcedId": "u"}, "scoreStatus": "ext:curved", "scoreDate": "2024-01-01"});
        assert!(parse_record(&entities::RESULT, &v, None, 0).is_ok());
        let mut bad = v.clone();
        bad["scoreStatus"] = json!("graded");
        assert!(parse_record(&entities::RESULT, &bad, None, 0).is_err());
        bad["scoreStatus"] = json!("ext:");
        assert!(parse_record(&entities::RESULT, &bad, None, 0).is_err());
    }
}
