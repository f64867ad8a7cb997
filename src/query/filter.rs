//! The OneRoster `filter` grammar.
//!
//! ```text
//! filter  = clause *( SP logical SP clause )     ; one logical operator throughout
//! clause  = field [SP] predicate [SP] value
//! field   = name *( "." name )                   ; dotted paths: org.sourcedId, roles.role
//! predicate = "=" / "!=" / ">" / ">=" / "<" / "<=" / "~"
//! value   = "'" *( char / "''" ) "'"             ; '' escapes a quote ("..." also accepted)
//! logical = "AND" / "OR"                         ; any case
//! ```
//!
//! The parser only checks syntax; field names are resolved against the entity catalogue by
//! the store, which also types the values.

use std::fmt;

/// Longest filter accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Most clauses accepted in one filter.
pub const MAX_CLAUSES: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Contains => "~",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// The field path as written, e.g. `roles.org.sourcedId`.
    pub field: String,
    pub op: Op,
    /// The unescaped value.
    pub value: String,
}

impl Clause {
    pub fn path(&self) -> impl Iterator<Item = &str> {
        self.field.split('.')
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub logic: Logic,
    pub clauses: Vec<Clause>,
}

impl Filter {
    /// Whether any clause is about one of `fields` (its first path segment).
    pub fn mentions(&self, fields: &[&str]) -> bool {
        self.clauses
            .iter()
            .any(|c| fields.contains(&c.path().next().unwrap_or("")))
    }
}

/// A syntax error, with the byte position where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub position: usize,
    pub message: String,
    /// The field the error concerns, when known.
    pub field: Option<String>,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            position: self.pos,
            message: message.into(),
            field: None,
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_ws(&mut self) -> bool {
        let before = self.pos;
        while let Some(c) = self.rest().chars().next() {
            if c == ' ' || c == '\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.pos > before
    }

    fn field(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        loop {
            let seg_start = self.pos;
            for (i, c) in self.rest().char_indices() {
                let ok = if i == 0 {
                    c.is_ascii_alphabetic() || c == '_'
                } else {
                    c.is_ascii_alphanumeric() || c == '_'
                };
                if !ok {
                    break;
                }
                self.pos = seg_start + i + 1;
            }
            if self.pos == seg_start {
                return Err(self.err("expected a field name"));
            }
            if self.rest().starts_with('.') {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(self.src[start..self.pos].to_string())
    }

    fn op(&mut self) -> Result<Op, FilterError> {
        let rest = self.rest();
        let (op, len) = if rest.starts_with("!=") {
            (Op::Ne, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with('=') {
            (Op::Eq, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('~') {
            (Op::Contains, 1)
        } else {
            return Err(self.err("expected a predicate: = != > >= < <= ~"));
        };
        self.pos += len;
        Ok(op)
    }

    fn value(&mut self) -> Result<String, FilterError> {
        let quote = match self.rest().chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.err("expected a value in single quotes")),
        };
        let open = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                self.pos = open;
                return Err(self.err("unterminated quoted value"));
            };
            self.pos += c.len_utf8();
            if c == quote {
                if self.rest().starts_with(quote) {
                    value.push(quote);
                    self.pos += 1;
                } else {
                    return Ok(value);
                }
            } else if c == '\0' {
                self.pos -= 1;
                return Err(self.err("a value cannot hold the NUL character"));
            } else {
                value.push(c);
            }
        }
    }

    fn logic(&mut self) -> Option<Logic> {
        let rest = self.rest();
        let word = rest.get(..3).unwrap_or("");
        let (logic, len) = if word.eq_ignore_ascii_case("and") {
            (Logic::And, 3)
        } else if rest.get(..2).unwrap_or("").eq_ignore_ascii_case("or") {
            (Logic::Or, 2)
        } else {
            return None;
        };
        // The keyword must stand alone.
        match rest[len..].chars().next() {
            Some(' ' | '\t') => {
                self.pos += len;
                Some(logic)
            }
            _ => None,
        }
    }
}

/// Parses a filter expression.
pub fn parse(src: &str) -> Result<Filter, FilterError> {
    if src.len() > MAX_FILTER_LEN {
        return Err(FilterError {
            position: MAX_FILTER_LEN,
            message: format!("filter is longer than {MAX_FILTER_LEN} characters"),
            field: None,
        });
    }
    let mut p = Parser { src, pos: 0 };
    p.skip_ws();
    if p.rest().is_empty() {
        return Err(p.err("filter is empty"));
    }
    let mut clauses = Vec::new();
    let mut logic: Option<Logic> = None;
    loop {
        let field = p.field()?;
        p.skip_ws();
        let op = p.op().map_err(|mut e| {
            e.field = Some(field.clone());
            e
        })?;
        p.skip_ws();
        let value = p.value().map_err(|mut e| {
            e.field = Some(field.clone());
            e
        })?;
        clauses.push(Clause { field, op, value });
        if clauses.len() > MAX_CLAUSES {
            return Err(p.err(format!("a filter may have at most {MAX_CLAUSES} clauses")));
        }
        let had_ws = p.skip_ws();
        if p.rest().is_empty() {
            break;
        }
        if !had_ws {
            return Err(p.err("expected AND or OR after the value"));
        }
        let at = p.pos;
        let Some(next) = p.logic() else {
            return Err(p.err("expected AND or OR"));
        };
        match logic {
            Some(l) if l != next => {
                p.pos = at;
                return Err(p.err("AND and OR cannot be mixed in one filter"));
            }
            _ => logic = Some(next),
        }
        p.skip_ws();
    }
    Ok(Filter {
        logic: logic.unwrap_or(Logic::And),
        clauses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(field: &str, op: Op, value: &str) -> Clause {
        Clause {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn single_clause() {
        let f = parse("familyName='jones'").unwrap();
        assert_eq!(f.clauses, vec![one("familyName", Op::Eq, "jones")]);
    }

    #[test]
    fn every_predicate() {
        for (src, op) in [
            ("a='1'", Op::Eq),
            ("a!='1'", Op::Ne),
            ("a>'1'", Op::Gt),
            ("a>='1'", Op::Ge),
            ("a<'1'", Op::Lt),
            ("a<='1'", Op::Le),
            ("a~'1'", Op::Contains),
        ] {
            assert_eq!(parse(src).unwrap().clauses[0].op, op, "{src}");
        }
    }

    #[test]
    fn logical_operators_and_dotted_fields() {
        let f = parse("roles.org.sourcedId='s1' AND status='active' AND email~'x'").unwrap();
        assert_eq!(f.logic, Logic::And);
        assert_eq!(f.clauses.len(), 3);
        assert_eq!(f.clauses[0].field, "roles.org.sourcedId");
        let f = parse("a='1' or b='2'").unwrap();
        assert_eq!(f.logic, Logic::Or);
    }

    #[test]
    fn spaces_around_predicates_are_tolerated() {
        let f = parse("  givenName = 'Ann'  ").unwrap();
        assert_eq!(f.clauses, vec![one("givenName", Op::Eq, "Ann")]);
    }

    #[test]
    fn quotes_escape_by_doubling() {
        let f = parse("familyName='O''Brien'").unwrap();
        assert_eq!(f.clauses[0].value, "O'Brien");
        let f = parse("a=''").unwrap();
        assert_eq!(f.clauses[0].value, "");
        let f = parse("a='AND b=''x'''").unwrap();
        assert_eq!(f.clauses.len(), 1);
        assert_eq!(f.clauses[0].value, "AND b='x'");
    }

    #[test]
    fn mixing_logic_is_refused() {
        let e = parse("a='1' AND b='2' OR c='3'").unwrap_err();
        assert!(e.message.contains("mixed"), "{e}");
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "",
            "   ",
            "a",
            "a=",
            "a=1",
            "a='1",
            "='1'",
            "a='1' AND",
            "a='1'AND b='2'",
            "a='1' XOR b='2'",
            "a.='1'",
            "1a='x'",
            "a=='1'",
            "a='1' b='2'",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn a_nul_in_a_value_is_refused_where_it_stands() {
        let e = parse("title='a\0b'").unwrap_err();
        assert_eq!(e.position, 8);
        assert!(e.message.contains("NUL"), "{}", e.message);
    }

    #[test]
    fn limits() {
        let long = format!("a='{}'", "x".repeat(MAX_FILTER_LEN));
        assert!(parse(&long).is_err());
        let many = vec!["a='1'"; MAX_CLAUSES + 1].join(" AND ");
        assert!(parse(&many).is_err());
        let ok = vec!["a='1'"; MAX_CLAUSES].join(" AND ");
        assert_eq!(parse(&ok).unwrap().clauses.len(), MAX_CLAUSES);
    }

    #[test]
    fn mentions_looks_at_the_first_segment() {
        let f = parse("dateLastModified>'2024-01-01' AND org.status='x'").unwrap();
        assert!(f.mentions(&["dateLastModified"]));
        assert!(!f.mentions(&["status"]));
    }

    fn quote(v: &str) -> String {
        format!("'{}'", v.replace('\'', "''"))
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn round_trips_generated_filters(
            clauses in proptest::collection::vec(
                ("[a-z][a-zA-Z0-9]{0,8}(\\.[a-z][a-zA-Z]{0,6}){0,2}",
                 prop_oneof![Just(Op::Eq), Just(Op::Ne), Just(Op::Gt), Just(Op::Ge),
                             Just(Op::Lt), Just(Op::Le), Just(Op::Contains)],
                 "[^\\x00]{0,20}"),
                1..6),
            or in any::<bool>(),
        ) {
            let joiner = if or { " OR " } else { " AND " };
            let src = clauses
                .iter()
                .map(|(f, op, v)| format!("{f}{}{}", op.as_str(), quote(v)))
                .collect::<Vec<_>>()
                .join(joiner);
            let parsed = parse(&src).unwrap();
            prop_assert_eq!(parsed.clauses.len(), clauses.len());
            for (c, (f, op, v)) in parsed.clauses.iter().zip(&clauses) {
                prop_assert_eq!(&c.field, f);
                prop_assert_eq!(c.op, *op);
                prop_assert_eq!(&c.value, v);
            }
            if clauses.len() > 1 {
                prop_assert_eq!(parsed.logic, if or { Logic::Or } else { Logic::And });
            }
        }
    }
}
