//! A backend-neutral SQL statement: static text interleaved with bound values.
//!
//! The engine writes each statement once; only [`Dialect`] knows the handful of places where
//! PostgreSQL and SQLite spell things differently. Values are always bound, never spliced:
//! text pushed with [`Sql::push`] must come from code (the entity catalogue, static
//! fragments), never from a request.

/// A bound value. `None` is a SQL `NULL` of that type (PostgreSQL needs the type).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(Some(s.to_string()))
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(Some(s))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Float(Some(v))
    }
}

#[derive(Clone, Debug)]
pub enum Part {
    Text(String),
    Bind(Arg),
}

/// A statement under construction.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub parts: Vec<Part>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        // Statements grow by many small pushes: the opening text gets room for a typical one.
        let mut first = String::with_capacity(text.len().max(512));
        first.push_str(text);
        Sql {
            parts: vec![Part::Text(first)],
        }
    }

    /// Appends trusted SQL text (from code, never from a request).
    pub fn push(&mut self, text: &str) -> &mut Self {
        if let Some(Part::Text(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Text(text.to_string()));
        }
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.parts.push(Part::Bind(value.into()));
        self
    }

    /// Appends another statement fragment.
    pub fn append(&mut self, other: Sql) -> &mut Self {
        for p in other.parts {
            match p {
                Part::Text(t) => {
                    self.push(&t);
                }
                Part::Bind(a) => {
                    self.parts.push(Part::Bind(a));
                }
            }
        }
        self
    }

    /// Appends `items` separated by `sep`, each written by `f`.
    pub fn join<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        sep: &str,
        mut f: impl FnMut(&mut Sql, T),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            f(self, item);
        }
        self
    }

    /// The statement text with `?` for each placeholder (for tests and debugging).
    pub fn debug_text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Bind(_) => "?",
            })
            .collect()
    }
}

/// The SQL dialect of a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// `FROM`-clause source enumerating the text elements of a JSON array column, and the
    /// expression of one element.
    pub fn json_text_elements(self, column_expr: &str) -> (String, &'static str) {
        match self {
            Dialect::Postgres => (
                format!("json_array_elements_text({column_expr}::json) AS e(v)"),
                "e.v",
            ),
            Dialect::Sqlite => (format!("json_each({column_expr}) AS e"), "e.value"),
        }
    }

    /// `FROM`-clause source enumerating the objects of a JSON array column, and the
    /// expression of one element.
    pub fn json_object_elements(self, column_expr: &str) -> (String, &'static str) {
        match self {
            Dialect::Postgres => (
                format!("json_array_elements({column_expr}::json) AS e(v)"),
                "e.v",
            ),
            Dialect::Sqlite => (format!("json_each({column_expr}) AS e"), "e.value"),
        }
    }

    /// `FROM`-clause source enumerating the objects of a JSON array column, and the
    /// expressions of the text of each property in `keys` (identifier-like names) of one
    /// element. PostgreSQL parses each element once (`json_to_recordset`), where `->>` on
    /// a `json` value would parse it again for every property.
    pub fn json_object_members(self, column_expr: &str, keys: &[&str]) -> (String, Vec<String>) {
        match self {
            Dialect::Postgres => {
                let columns: Vec<String> = keys.iter().map(|k| format!("\"{k}\" text")).collect();
                (
                    format!(
                        "json_to_recordset({column_expr}::json) AS e({})",
                        columns.join(", ")
                    ),
                    keys.iter().map(|k| format!("e.\"{k}\"")).collect(),
                )
            }
            Dialect::Sqlite => {
                let (from, elem) = self.json_object_elements(column_expr);
                (
                    from,
                    keys.iter()
                        .map(|k| self.json_member_text(elem, k))
                        .collect(),
                )
            }
        }
    }

    /// Text of property `key` of the JSON object `expr` (from [`Self::json_object_elements`]).
    pub fn json_member_text(self, expr: &str, key: &str) -> String {
        match self {
            Dialect::Postgres => format!("({expr}->>'{key}')"),
            Dialect::Sqlite => format!("json_extract({expr}, '$.{key}')"),
        }
    }

    /// Appends the text at a path (already-validated identifier segments) of a JSON object
    /// column; the path is bound.
    pub fn json_path_text(self, sql: &mut Sql, column_expr: &str, path: &[&str]) {
        match self {
            Dialect::Postgres => {
                sql.push("json_extract_path_text(")
                    .push(column_expr)
                    .push("::json");
                for seg in path {
                    sql.push(", ").bind(*seg);
                }
                sql.push(")");
            }
            // As PostgreSQL's `json_extract_path_text`: a string's text, `NULL` for a JSON
            // null, and any other value's JSON text as written (`1.50`, `true`,
            // `12345678901234567890`), not the SQL value `json_extract` would make of it
            // (`1.5`, `1`, a rounded double).
            Dialect::Sqlite => {
                let mut p = String::from("$");
                for seg in path {
                    p.push('.');
                    p.push_str(seg);
                }
                sql.push("(CASE json_type(")
                    .push(column_expr)
                    .push(", ")
                    .bind(p.clone())
                    .push(") WHEN 'text' THEN json_extract(")
                    .push(column_expr)
                    .push(", ")
                    .bind(p.clone())
                    .push(") WHEN 'null' THEN NULL ELSE ")
                    .push(column_expr)
                    .push(" -> ")
                    .bind(p)
                    .push(" END)");
            }
        }
    }

    /// Case-insensitive containment of a bound needle in `expr`.
    pub fn contains_ci(self, sql: &mut Sql, expr: &str, needle: String) {
        let mut haystack = Sql::default();
        haystack.push(expr);
        self.contains_ci_expr(sql, haystack, &needle);
    }

    /// [`Dialect::contains_ci`] of an expression with bound values of its own.
    pub fn contains_ci_expr(self, sql: &mut Sql, haystack: Sql, needle: &str) {
        let (find, open, close) = self.fold_parts();
        sql.push(find).push(open).append(haystack).push(close);
        sql.push(", ")
            .push(open)
            .bind(needle)
            .push(close)
            .push(") > 0");
    }

    /// The containment function and what wraps each side to fold it. Both sides fold the
    /// same way, every letter (not only ASCII): on PostgreSQL `lower()` under the database's
    /// default collation (the store's columns are `COLLATE "C"`, under which `lower()` folds
    /// only ASCII, while a bound needle would fold every letter: `~'Émile'` then missed
    /// `Émile`); on SQLite the store's own function ([`super::fold`]), its `lower()` folding
    /// only ASCII.
    fn fold_parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Dialect::Postgres => ("strpos(", "lower((", ") COLLATE \"default\")"),
            Dialect::Sqlite => ("instr(", "or_fold((", "))"),
        }
    }

    /// A scalar subquery yielding the JSON array (text) of the active `child_table` rows whose
    /// `parent_column` is the outer row's id, ordered by sourcedId; `NULL` or `[]` when none.
    pub fn children_array(self, child_table: &str, parent_column: &str) -> String {
        match self {
            Dialect::Postgres => format!(
                "(SELECT json_agg(c.sourced_id ORDER BY c.sourced_id)::text FROM {child_table} c \
                 WHERE c.{parent_column} = t.sourced_id AND c.status = 'active')"
            ),
            Dialect::Sqlite => format!(
                "(SELECT json_group_array(sourced_id) FROM (SELECT c.sourced_id FROM {child_table} c \
                 WHERE c.{parent_column} = t.sourced_id AND c.status = 'active' ORDER BY c.sourced_id))"
            ),
        }
    }
}
