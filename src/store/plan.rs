//! Turns a parsed request into SQL, once, for either backend.
//!
//! Every list is `SELECT … FROM <table> t WHERE <mandatory predicates> AND (<filter>)
//! ORDER BY <sort>, t.sourced_id LIMIT ? OFFSET ?`. The mandatory predicates — the view
//! (schools are orgs of type school), the relationship to the path's parents, and the
//! tombstone rule — are joined with `AND` outside the parenthesised filter, so no `OR` in a
//! filter can escape them.

use crate::error::ApiError;
use crate::model::catalogue::{Entity, Field, ObjectDef, Ty};
use crate::model::datetime::{format_datetime, is_date, parse_datetime, parse_datetime_exact};
use crate::model::entities;
use crate::query::{Clause, Direction, ListParams, Logic, Op};

use super::sql::{Arg, Dialect, Sql};

/// A named subset of an entity kind: `schools` are the orgs whose type is `school`.
#[derive(Debug)]
pub struct View {
    pub name: &'static str,
    pub entity: &'static Entity,
    /// A static predicate over the row alias `t`.
    pub predicate: Option<&'static str>,
}

impl View {
    /// What one object of the view is called in messages (`school`, `class`, `term`).
    pub fn label(&self) -> &'static str {
        match self.name {
            "schools" => "school",
            "students" => "student",
            "teachers" => "teacher",
            "terms" => "term",
            "gradingPeriods" => "gradingPeriod",
            _ => self.entity.singular,
        }
    }
}

/// How listed objects relate to a parent named in the path.
#[derive(Debug)]
pub enum Link {
    /// `<before> ? <after>`, a static predicate over `t` with the parent's id bound once.
    Where {
        before: &'static str,
        after: &'static str,
    },
    /// The listed objects are the references held in the parent's JSON list `column`
    /// (for example the resources of a class).
    InParentList {
        table: &'static str,
        column: &'static str,
    },
}

/// A path parameter naming a parent object.
#[derive(Debug)]
pub struct Parent {
    /// The path parameter, e.g. `classSourcedId`.
    pub param: &'static str,
    /// What the parent must be (an active object of this view), else 404.
    pub view: &'static View,
    /// The parent must also belong to an earlier parent: `(column, index of that parent)`.
    pub belongs_to: Option<(&'static str, usize)>,
    /// How the listed objects relate to this parent; `None` when it is only checked.
    pub link: Option<Link>,
}

/// Fields whose presence in a filter makes tombstones visible: a consumer asking for changes
/// must learn of deletions.
pub const DELTA_FIELDS: [&str; 2] = ["dateLastModified", "status"];

/// 1.1-style filter fields still sent by consumers, mapped onto their 1.2 paths.
fn alias(entity: &Entity, field: &str) -> Option<&'static str> {
    if entity.kind != crate::model::Kind::User {
        return None;
    }
    match field {
        "role" => Some("roles.role"),
        "orgs" | "orgs.sourcedId" => Some("roles.org.sourcedId"),
        _ => None,
    }
}

/// The fields to return: all visible ones, or the requested ones (checked) together with
/// the properties the official schema requires, so that every object stays schema-valid.
pub fn selection(
    entity: &'static Entity,
    requested: Option<&[String]>,
    expose_secrets: bool,
) -> Result<Vec<&'static Field>, ApiError> {
    let visible = |f: &Field| !f.secret || expose_secrets;
    match requested {
        None => Ok(entity.fields.iter().filter(|f| visible(f)).collect()),
        Some(names) => {
            for n in names {
                if entity.field(n).is_none() {
                    return Err(ApiError::invalid_selection(format!(
                        "Unknown field '{n}' in 'fields': {} has no such property",
                        entity.schema
                    )));
                }
            }
            // Keep catalogue order, whatever the order asked for.
            Ok(entity
                .fields
                .iter()
                .filter(|f| visible(f) && (f.required || names.iter().any(|n| n == f.name)))
                .collect())
        }
    }
}

/// Appends the select list for `fields`.
fn select_list(sql: &mut Sql, dialect: Dialect, fields: &[&'static Field]) {
    sql.join(fields.iter(), ", ", |sql, f| match f.ty {
        Ty::Children(kind, parent_column) => {
            sql.push(&dialect.children_array(entities::entity(kind).table, parent_column));
        }
        _ => {
            sql.push("t.").push(f.column);
        }
    });
    if fields.is_empty() {
        sql.push("t.sourced_id");
    }
}

fn bad_value(field: &str, expected: &str) -> ApiError {
    ApiError::invalid_filter(format!(
        "Invalid filter value for field '{field}': expected {expected}"
    ))
}

fn sql_op(op: Op) -> &'static str {
    match op {
        Op::Eq => " = ",
        Op::Ne => " <> ",
        Op::Gt => " > ",
        Op::Ge => " >= ",
        Op::Lt => " < ",
        Op::Le => " <= ",
        Op::Contains => unreachable!("contains is written by the dialect"),
    }
}

/// A scalar comparison; `!=` also matches rows where the value is absent.
fn compare(sql: &mut Sql, dialect: Dialect, expr: &str, op: Op, value: Arg) {
    match (op, value) {
        (Op::Contains, Arg::Text(Some(v))) => dialect.contains_ci(sql, expr, v),
        (Op::Ne, v) => {
            sql.push("(")
                .push(expr)
                .push(" IS NULL OR ")
                .push(expr)
                .push(" <> ")
                .bind(v)
                .push(")");
        }
        (op, v) => {
            sql.push(expr).push(sql_op(op)).bind(v);
        }
    }
}

/// Closes a correlated `EXISTS` subquery. SQLite (3.51) turns a bare `EXISTS` into a join and
/// then counts `OFFSET` once per matching inner row: a row that matches twice (two equal
/// elements, two matching children) shifts every later page. With `LIMIT 1` it stays a
/// subquery; PostgreSQL drops the `LIMIT` and plans the same semi-join.
pub const EXISTS_END: &str = " LIMIT 1)";

/// A comparison against the elements of a set (`from` yields rows exposing `expr`): any
/// element matches; for `!=`, no element equals the value.
fn compare_any(sql: &mut Sql, dialect: Dialect, from: &str, expr: &str, op: Op, value: Arg) {
    let (negate, op) = if op == Op::Ne {
        (true, Op::Eq)
    } else {
        (false, op)
    };
    sql.push(if negate {
        "NOT EXISTS (SELECT 1 FROM "
    } else {
        "EXISTS (SELECT 1 FROM "
    })
    .push(from)
    .push(" WHERE ");
    compare(sql, dialect, expr, op, value);
    sql.push(if negate { ")" } else { EXISTS_END });
}

/// Types the clause value for a field type.
fn typed_value(field_path: &str, ty: &Ty, op: Op, value: &str) -> Result<(Arg, bool), ApiError> {
    // Returns (value, numeric) — numeric values cannot use `~`.
    match ty {
        Ty::DateTime => parse_datetime(value)
            .map(|ms| (Arg::from(ms), true))
            .ok_or_else(|| bad_value(field_path, "an ISO 8601 date or date-time")),
        Ty::Float => value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| (Arg::from(f), true))
            .ok_or_else(|| bad_value(field_path, "a number")),
        Ty::Date if op != Op::Contains => {
            if is_date(value) {
                Ok((Arg::from(value), false))
            } else if let Some(ms) = parse_datetime(value) {
                Ok((Arg::from(format_datetime(ms)[..10].to_string()), false))
            } else {
                Err(bad_value(field_path, "a date (YYYY-MM-DD)"))
            }
        }
        _ => Ok((Arg::from(value), false)),
    }
}

fn unknown_field(entity: &Entity, field: &str) -> ApiError {
    ApiError::invalid_filter(format!(
        "Unknown filter field '{field}': {} has no such property",
        entity.schema
    ))
}

fn unsupported_field(field: &str, why: &str) -> ApiError {
    ApiError::invalid_filter(format!("Cannot filter on field '{field}': {why}"))
}

/// Writes one clause as SQL over the row alias `t`.
fn clause_sql(
    sql: &mut Sql,
    dialect: Dialect,
    entity: &'static Entity,
    clause: &Clause,
) -> Result<(), ApiError> {
    let written = clause.field.as_str();
    let path = alias(entity, written).unwrap_or(written);
    let mut segs = path.split('.');
    let head = segs.next().unwrap_or("");
    let rest: Vec<&str> = segs.collect();
    let field = entity
        .field(head)
        .ok_or_else(|| unknown_field(entity, written))?;
    if field.secret {
        return Err(unsupported_field(written, "it holds a secret"));
    }
    let op = clause.op;
    let value = clause.value.as_str();
    let only_id = |rest: &[&str]| rest.is_empty() || rest == ["sourcedId"];
    match field.ty {
        Ty::Id
        | Ty::Status
        | Ty::Str
        | Ty::Uri
        | Ty::Date
        | Ty::Year
        | Ty::Bool
        | Ty::Vocab(_)
        | Ty::DateTime
        | Ty::Float => {
            if !rest.is_empty() {
                return Err(unknown_field(entity, written));
            }
            let (arg, numeric) = typed_value(written, &field.ty, op, value)?;
            if numeric && op == Op::Contains {
                return Err(unsupported_field(written, "'~' applies to text only"));
            }
            let column = format!("t.{}", field.column);
            // Date-times are stored to the millisecond. A value with digits beyond (`.7961Z`)
            // lies strictly between two stored instants: `<` it is `<=` its millisecond,
            // `>=` it is `>`, and no stored instant equals it.
            if matches!(field.ty, Ty::DateTime)
                && let Some((_, true)) = parse_datetime_exact(value)
            {
                match op {
                    Op::Lt => compare(sql, dialect, &column, Op::Le, arg),
                    Op::Ge => compare(sql, dialect, &column, Op::Gt, arg),
                    Op::Eq => {
                        sql.push("1 = 0");
                    }
                    Op::Ne => {
                        sql.push("1 = 1");
                    }
                    _ => compare(sql, dialect, &column, op, arg),
                }
                return Ok(());
            }
            compare(sql, dialect, &column, op, arg);
        }
        Ty::Ref(_) => {
            if !only_id(&rest) {
                return Err(unsupported_field(
                    written,
                    "references can only be filtered by sourcedId",
                ));
            }
            compare(
                sql,
                dialect,
                &format!("t.{}", field.column),
                op,
                Arg::from(value),
            );
        }
        Ty::RefList(_) | Ty::StrList | Ty::VocabList(_) => {
            let is_ref = matches!(field.ty, Ty::RefList(_));
            if !(rest.is_empty() || (is_ref && rest == ["sourcedId"])) {
                return Err(unknown_field(entity, written));
            }
            if let Some(ix) = entities::index_table(entity.kind, field.name) {
                let (column, _) = ix.columns[0];
                let from = format!("{} x", ix.table);
                let expr = format!("x.{column}");
                write_indexed_any(sql, dialect, &from, ix.owner, &expr, op, value);
            } else {
                let (from, expr) = dialect.json_text_elements(&format!("t.{}", field.column));
                compare_any(sql, dialect, &from, expr, op, Arg::from(value));
            }
        }
        Ty::Children(kind, parent_column) => {
            if !only_id(&rest) {
                return Err(unsupported_field(
                    written,
                    "children can only be filtered by sourcedId",
                ));
            }
            let from = format!(
                "{} c WHERE c.{parent_column} = t.sourced_id AND c.status = 'active' AND",
                entities::entity(kind).table
            );
            // Written by hand: the correlation predicate precedes the comparison.
            let (negate, cmp_op) = if op == Op::Ne {
                (true, Op::Eq)
            } else {
                (false, op)
            };
            sql.push(if negate {
                "NOT EXISTS (SELECT 1 FROM "
            } else {
                "EXISTS (SELECT 1 FROM "
            })
            .push(&from)
            .push(" ");
            compare(sql, dialect, "c.sourced_id", cmp_op, Arg::from(value));
            sql.push(if negate { ")" } else { EXISTS_END });
        }
        Ty::Objects(def) => {
            nested_clause(sql, dialect, entity, field, def, written, &rest, op, value)?;
        }
        Ty::Metadata => {
            if rest.is_empty() {
                return Err(unsupported_field(
                    written,
                    "name a metadata property, e.g. metadata.key",
                ));
            }
            let mut expr = Sql::default();
            dialect.json_path_text(&mut expr, "t.metadata", &rest);
            write_expr_compare(sql, dialect, expr, op, value);
        }
    }
    Ok(())
}

/// A comparison against the rows a side table holds for the owner row. A match is written
/// `t.sourced_id IN (SELECT x.<owner> FROM <side> x WHERE …)`, which both planners drive from
/// the side table's index (SQLite runs a correlated `EXISTS` once per row of the owner
/// table: a full scan). `!=` (no element equals the value) stays a correlated `NOT EXISTS`,
/// which PostgreSQL plans as an anti-join and `NOT IN` would not be.
fn write_indexed_any(
    sql: &mut Sql,
    dialect: Dialect,
    from: &str,
    owner: &str,
    expr: &str,
    op: Op,
    value: &str,
) {
    if op == Op::Ne {
        sql.push("NOT EXISTS (SELECT 1 FROM ")
            .push(from)
            .push(" WHERE x.")
            .push(owner)
            .push(" = t.sourced_id AND ");
        compare(sql, dialect, expr, Op::Eq, Arg::from(value));
    } else {
        sql.push("t.sourced_id IN (SELECT x.")
            .push(owner)
            .push(" FROM ")
            .push(from)
            .push(" WHERE ");
        compare(sql, dialect, expr, op, Arg::from(value));
    }
    sql.push(")");
}

/// A comparison whose left side is itself a fragment with bound values.
fn write_expr_compare(sql: &mut Sql, dialect: Dialect, expr: Sql, op: Op, value: &str) {
    match op {
        Op::Contains => dialect.contains_ci_expr(sql, expr, value),
        Op::Ne => {
            sql.push("(")
                .append(expr.clone())
                .push(" IS NULL OR ")
                .append(expr)
                .push(" <> ")
                .bind(value)
                .push(")");
        }
        _ => {
            sql.append(expr).push(sql_op(op)).bind(value);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn nested_clause(
    sql: &mut Sql,
    dialect: Dialect,
    entity: &'static Entity,
    field: &'static Field,
    def: &'static ObjectDef,
    written: &str,
    rest: &[&str],
    op: Op,
    value: &str,
) -> Result<(), ApiError> {
    let Some((&key, tail)) = rest.split_first() else {
        return Err(unsupported_field(
            written,
            "name a property of the objects, e.g. roles.role",
        ));
    };
    let sub = def
        .field(key)
        .ok_or_else(|| unknown_field(entity, written))?;
    if sub.secret {
        return Err(unsupported_field(written, "it holds a secret"));
    }
    match sub.ty {
        Ty::Ref(_) if tail.is_empty() || tail == ["sourcedId"] => {}
        Ty::Str | Ty::Uri | Ty::Date | Ty::Vocab(_) if tail.is_empty() => {}
        Ty::Objects(_) | Ty::StrList | Ty::Float => {
            return Err(unsupported_field(
                written,
                "filtering this deep is not supported",
            ));
        }
        _ => return Err(unknown_field(entity, written)),
    }
    let value_arg = if matches!(sub.ty, Ty::Date) && op != Op::Contains {
        typed_value(written, &sub.ty, op, value)?.0
    } else {
        Arg::from(value)
    };
    let Arg::Text(Some(value)) = value_arg else {
        return Err(bad_value(written, "text"));
    };
    if let Some(ix) = entities::index_table(entity.kind, field.name)
        && let Some((column, _)) = ix.columns.iter().find(|(_, k)| *k == key)
    {
        let from = format!("{} x", ix.table);
        let expr = format!("x.{column}");
        write_indexed_any(sql, dialect, &from, ix.owner, &expr, op, &value);
        return Ok(());
    }
    let (from, elem) = dialect.json_object_elements(&format!("t.{}", field.column));
    let expr = dialect.json_member_text(elem, key);
    compare_any(sql, dialect, &from, &expr, op, Arg::from(value));
    Ok(())
}

/// The request-independent parts of a list.
pub struct ListPlan<'a> {
    pub view: &'static View,
    /// Each relationship with the id of its parent.
    pub links: Vec<(&'static Link, &'a str)>,
    pub params: &'a ListParams,
}

/// `EXISTS (…)` for every parent named in the path: folded into a page query, a page with
/// rows proves its parents exist without a query of its own.
pub fn parents_exist(parents: &[Parent], ids: &[&str]) -> Option<Sql> {
    if parents.is_empty() {
        return None;
    }
    let mut sql = Sql::default();
    for (i, parent) in parents.iter().enumerate() {
        if i > 0 {
            sql.push(" AND ");
        }
        let owner = parent.belongs_to.map(|(_, idx)| ids[idx]);
        sql.push("EXISTS (")
            .append(parent_sql(parent, ids[i], owner))
            .push(")");
    }
    Some(sql)
}

impl ListPlan<'_> {
    fn include_tombstones(&self) -> bool {
        self.params
            .filter
            .as_ref()
            .is_some_and(|f| f.mentions(&DELTA_FIELDS))
    }

    /// `FROM <table> t WHERE …` shared by the count and the page.
    pub fn from_where(&self, dialect: Dialect) -> Result<Sql, ApiError> {
        self.filtered_from(dialect, Vec::new())
    }

    /// `FROM <table> t WHERE …`, with more conditions.
    fn filtered_from(&self, dialect: Dialect, extra: Vec<Sql>) -> Result<Sql, ApiError> {
        let entity = self.view.entity;
        let mut sql = Sql::new(" FROM ");
        sql.push(entity.table).push(" t");
        let mut conds: Vec<Sql> = Vec::new();
        if !self.include_tombstones() {
            conds.push(Sql::new("t.status = 'active'"));
        }
        if let Some(p) = self.view.predicate {
            conds.push(Sql::new(p));
        }
        for (link, id) in &self.links {
            let mut c = Sql::default();
            match link {
                Link::Where { before, after } => {
                    c.push(before).bind(*id).push(after);
                }
                Link::InParentList { table, column } => {
                    let (from, elem) = dialect.json_text_elements(&format!("p.{column}"));
                    c.push("t.sourced_id IN (SELECT ")
                        .push(elem)
                        .push(" FROM ")
                        .push(table)
                        .push(" p, ")
                        .push(&from)
                        .push(" WHERE p.sourced_id = ")
                        .bind(*id)
                        .push(")");
                }
            }
            conds.push(c);
        }
        if let Some(filter) = &self.params.filter {
            let mut c = Sql::new("(");
            let joiner = match filter.logic {
                Logic::And => " AND ",
                Logic::Or => " OR ",
            };
            for (i, clause) in filter.clauses.iter().enumerate() {
                if i > 0 {
                    c.push(joiner);
                }
                c.push("(");
                clause_sql(&mut c, dialect, entity, clause)?;
                c.push(")");
            }
            c.push(")");
            conds.push(c);
        }
        conds.extend(extra);
        for (i, c) in conds.into_iter().enumerate() {
            sql.push(if i == 0 { " WHERE " } else { " AND " });
            sql.append(c);
        }
        Ok(sql)
    }

    /// Whether the list is a whole table's active records: no view predicate, no parent,
    /// no filter. Its count is kept up to date by the database (`entity_counts`).
    pub fn is_plain(&self) -> bool {
        self.view.predicate.is_none() && self.links.is_empty() && self.params.filter.is_none()
    }

    /// The total for `X-Total-Count`.
    pub fn count_sql(&self, dialect: Dialect) -> Result<Sql, ApiError> {
        if self.is_plain() {
            let mut sql = Sql::new(
                "SELECT CAST(COALESCE(sum(active), 0) AS BIGINT) FROM entity_counts WHERE entity = ",
            );
            sql.bind(self.view.entity.table);
            return Ok(sql);
        }
        let mut sql = Sql::new("SELECT count(*)");
        sql.append(self.from_where(dialect)?);
        Ok(sql)
    }

    /// The validated sort: an optional single-valued field (before the sourcedId tiebreaker)
    /// and the direction.
    pub fn sort(&self) -> Result<(Option<&'static Field>, Direction), ApiError> {
        let entity = self.view.entity;
        let dir = self.params.order.unwrap_or(Direction::Asc);
        let Some(sort) = &self.params.sort else {
            return Ok((None, dir));
        };
        let name = sort.strip_suffix(".sourcedId").unwrap_or(sort);
        let field = entity.field(name).filter(|f| !f.secret).ok_or_else(|| {
            ApiError::invalid_sort(format!(
                "Unknown sort field '{sort}': {} has no such property",
                entity.schema
            ))
        })?;
        if field.name == "sourcedId" {
            return Ok((None, dir));
        }
        let sortable = match field.ty {
            Ty::Ref(_) => true,
            ty => !ty.is_json() && !matches!(ty, Ty::Children(..)),
        };
        if !sortable || (name != sort.as_str() && !matches!(field.ty, Ty::Ref(_))) {
            return Err(ApiError::invalid_sort(format!(
                "Cannot sort on field '{sort}': only single-valued properties sort"
            )));
        }
        Ok((Some(field), dir))
    }

    /// The `ORDER BY` clause: the requested field, then sourcedId as the tiebreaker. NULLs
    /// sort first (as the smallest values) on both backends.
    pub fn order_by(&self) -> Result<String, ApiError> {
        let (field, dir) = self.sort()?;
        Ok(order_clause(field, dir))
    }

    /// The sort key of the row `from_end` rows before the end of the list (0: the last row),
    /// found by walking the list backwards: the position a deep page continues from when it
    /// lies nearer the end than the start.
    pub fn key_from_end_sql(
        &self,
        dialect: Dialect,
        from_end: u64,
        check: Option<Sql>,
    ) -> Result<Sql, ApiError> {
        let (sort, dir) = self.sort()?;
        let mut sql = Sql::new("SELECT ");
        if let Some(f) = sort {
            sql.push("t.").push(f.column).push(", ");
        }
        sql.push("t.sourced_id");
        sql.append(self.filtered_from(dialect, check.into_iter().collect())?);
        let reverse = match dir {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        };
        sql.push(&order_clause(sort, reverse));
        // The first row is the one; a few more keep SQLite on the index (see page_sql_checked).
        sql.push(&format!(" LIMIT {SQLITE_MIN_LIMIT} OFFSET "))
            .bind(from_end as i64);
        Ok(sql)
    }
}

/// The smallest `LIMIT` a page query asks SQLite for.
pub const SQLITE_MIN_LIMIT: u64 = 3;

/// `ORDER BY <field> <dir>, t.sourced_id <dir>`; NULLs are the smallest values.
fn order_clause(field: Option<&'static Field>, dir: Direction) -> String {
    let (word, nulls) = match dir {
        Direction::Asc => ("ASC", "NULLS FIRST"),
        Direction::Desc => ("DESC", "NULLS LAST"),
    };
    let mut order = String::from(" ORDER BY ");
    if let Some(field) = field {
        order.push_str(&format!("t.{} {word} {nulls}, ", field.column));
    }
    order.push_str(&format!("t.sourced_id {word}"));
    order
}

impl ListPlan<'_> {
    /// A key identifying this list's order and contents (everything but paging and field
    /// selection), under which page boundaries are remembered.
    pub fn signature(&self) -> String {
        let mut sig = String::from(self.view.name);
        // The relationship itself, not only its parent's id: the students and the teachers of
        // one class (or the classes of a school and of a course with the same id) are other
        // lists, whose page boundaries must not be taken for each other's.
        for (link, id) in &self.links {
            sig.push('\u{1}');
            match link {
                Link::Where { before, after } => {
                    sig.push_str(before);
                    sig.push('?');
                    sig.push_str(after);
                }
                Link::InParentList { table, column } => {
                    sig.push_str(table);
                    sig.push('.');
                    sig.push_str(column);
                }
            }
            sig.push('\u{3}');
            sig.push_str(id);
        }
        sig.push('\u{2}');
        sig.push_str(self.params.filter_raw.as_deref().unwrap_or(""));
        sig.push('\u{2}');
        sig.push_str(self.params.sort.as_deref().unwrap_or(""));
        sig.push_str(match self.params.order {
            Some(Direction::Desc) => "\u{2}desc",
            _ => "\u{2}asc",
        });
        sig
    }

    /// The page query for the selected fields, starting at `offset`.
    pub fn page_sql(
        &self,
        dialect: Dialect,
        fields: &[&'static Field],
        limit: u64,
    ) -> Result<Sql, ApiError> {
        self.page_sql_after(dialect, fields, limit, None)
    }

    /// The page query, continuing after `after` — the key of the row just before position
    /// `at` — then skipping `offset - at` rows; without it, skipping `offset` rows. The
    /// columns after the selected fields hold the row's sort key (see [`PageKey::read`]).
    pub fn page_sql_after(
        &self,
        dialect: Dialect,
        fields: &[&'static Field],
        limit: u64,
        after: Option<(u64, &PageKey)>,
    ) -> Result<Sql, ApiError> {
        self.page_sql_checked(dialect, fields, limit, after, None)
    }

    /// [`Self::page_sql_after`] with one more condition (the parents' existence).
    pub fn page_sql_checked(
        &self,
        dialect: Dialect,
        fields: &[&'static Field],
        limit: u64,
        after: Option<(u64, &PageKey)>,
        check: Option<Sql>,
    ) -> Result<Sql, ApiError> {
        let (sort, dir) = self.sort()?;
        let mut sql = Sql::new("SELECT ");
        select_list(&mut sql, dialect, fields);
        if let Some(f) = sort {
            sql.push(", t.").push(f.column);
        }
        sql.push(", t.sourced_id");
        let mut skip = self.params.offset;
        let mut extra: Vec<Sql> = check.into_iter().collect();
        if let Some((at, key)) = after {
            skip = self.params.offset.saturating_sub(at);
            let mut k = Sql::default();
            keyset_predicate(&mut k, sort, dir, key);
            extra.push(k);
        }
        sql.append(self.filtered_from(dialect, extra)?);
        sql.push(&self.order_by()?);
        match dialect {
            Dialect::Postgres => sql.push(" LIMIT ").bind(limit as i64),
            // SQLite (3.51) plans a limit of 1 or 2 as a scan of the whole table and a sort,
            // whatever the offset and the available index; a limit it cannot read stays on
            // the index. The caller stops after `limit` rows.
            Dialect::Sqlite => sql
                .push(" LIMIT max(")
                .bind(limit as i64)
                .push(&format!(", {SQLITE_MIN_LIMIT})")),
        };
        sql.push(" OFFSET ").bind(skip as i64);
        Ok(sql)
    }
}

/// The sort key of a row: the sort field's value (when sorting by a field) and the sourcedId.
#[derive(Clone, Debug, PartialEq)]
pub struct PageKey {
    pub value: Option<Arg>,
    pub id: String,
}

impl PageKey {
    /// Reads the key from the columns after the `n` selected fields of a page row.
    pub fn read(
        row: &dyn crate::model::render::RowAccess,
        n: usize,
        sort: Option<&'static Field>,
    ) -> anyhow::Result<PageKey> {
        let (value, id_at) = match sort {
            None => (None, n),
            Some(f) => {
                let v = match f.ty {
                    Ty::DateTime => Arg::Int(row.int(n)?),
                    Ty::Float => Arg::Float(row.float(n)?),
                    _ => Arg::Text(row.text(n)?.map(str::to_string)),
                };
                (Some(v), n + 1)
            }
        };
        Ok(PageKey {
            value,
            id: row.text(id_at)?.unwrap_or_default().to_string(),
        })
    }
}

fn is_null(a: &Arg) -> bool {
    matches!(a, Arg::Text(None) | Arg::Int(None) | Arg::Float(None))
}

/// The rows strictly after `key` in the order `sort, sourced_id` (NULLs smallest).
fn keyset_predicate(sql: &mut Sql, sort: Option<&'static Field>, dir: Direction, key: &PageKey) {
    let asc = dir == Direction::Asc;
    let (cmp, id_cmp) = if asc {
        (" > ", "t.sourced_id > ")
    } else {
        (" < ", "t.sourced_id < ")
    };
    match (sort, &key.value) {
        (Some(f), Some(v)) if !is_null(v) => {
            let c = format!("t.{}", f.column);
            sql.push("((")
                .push(&c)
                .push(", t.sourced_id)")
                .push(cmp)
                .push("(");
            sql.bind(v.clone())
                .push(", ")
                .bind(key.id.as_str())
                .push(")");
            if !asc {
                sql.push(" OR ").push(&c).push(" IS NULL");
            }
            sql.push(")");
        }
        (Some(f), _) => {
            let c = format!("t.{}", f.column);
            sql.push("((").push(&c).push(" IS NULL AND ").push(id_cmp);
            sql.bind(key.id.as_str()).push(")");
            if asc {
                sql.push(" OR ").push(&c).push(" IS NOT NULL");
            }
            sql.push(")");
        }
        (None, _) => {
            sql.push(id_cmp).bind(key.id.as_str());
        }
    }
}

/// One active object of a view, by id.
pub fn get_sql(dialect: Dialect, view: &View, fields: &[&'static Field], id: &str) -> Sql {
    let mut sql = Sql::new("SELECT ");
    select_list(&mut sql, dialect, fields);
    sql.push(" FROM ")
        .push(view.entity.table)
        .push(" t WHERE t.sourced_id = ")
        .bind(id)
        .push(" AND t.status = 'active'");
    if let Some(p) = view.predicate {
        sql.push(" AND ").push(p);
    }
    sql
}

/// Whether an active parent exists (and belongs to its own parent, when required).
pub fn parent_sql(parent: &Parent, id: &str, owner_id: Option<&str>) -> Sql {
    let mut sql = Sql::new("SELECT 1 FROM ");
    sql.push(parent.view.entity.table)
        .push(" t WHERE t.sourced_id = ")
        .bind(id)
        .push(" AND t.status = 'active'");
    if let Some(p) = parent.view.predicate {
        sql.push(" AND ").push(p);
    }
    if let (Some((column, _)), Some(owner)) = (parent.belongs_to, owner_id) {
        sql.push(" AND t.").push(column).push(" = ").bind(owner);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ParamSet;

    static USERS: View = View {
        name: "users",
        entity: &entities::USER,
        predicate: None,
    };

    fn plan_sql(q: &str) -> Result<String, ApiError> {
        let params = ListParams::parse(Some(q), ParamSet::Collection)?;
        let plan = ListPlan {
            view: &USERS,
            links: vec![],
            params: &params,
        };
        Ok(plan
            .page_sql(
                Dialect::Sqlite,
                &[entities::USER.field("sourcedId").unwrap()],
                10,
            )?
            .debug_text())
    }

    #[test]
    fn filters_are_parenthesised_after_mandatory_predicates() {
        let sql = plan_sql("filter=givenName%3D'a' OR familyName%3D'b'").unwrap();
        assert_eq!(
            sql,
            "SELECT t.sourced_id, t.sourced_id FROM users t WHERE t.status = 'active' AND \
             ((t.given_name = ?) OR (t.family_name = ?)) ORDER BY t.sourced_id ASC LIMIT max(?, 3) OFFSET ?"
        );
    }

    #[test]
    fn delta_filters_show_tombstones() {
        let sql = plan_sql("filter=dateLastModified>'2024-01-01'").unwrap();
        assert!(!sql.contains("status = 'active'"), "{sql}");
    }

    #[test]
    fn roles_use_the_side_table_and_aliases_work() {
        let sql = plan_sql("filter=role%3D'student'").unwrap();
        assert!(
            sql.contains("t.sourced_id IN (SELECT x.user_id FROM user_roles x WHERE x.role = ?)"),
            "{sql}"
        );
        let sql = plan_sql("filter=role!%3D'student'").unwrap();
        assert!(
            sql.contains(
                "NOT EXISTS (SELECT 1 FROM user_roles x WHERE x.user_id = t.sourced_id AND x.role = ?)"
            ),
            "{sql}"
        );
        let sql = plan_sql("filter=roles.org.sourcedId%3D'o1'").unwrap();
        assert!(sql.contains("x.org_id = ?"), "{sql}");
    }

    #[test]
    fn unknown_and_secret_fields_are_refused() {
        for q in [
            "filter=nope%3D'1'",
            "filter=password%3D'x'",
            "filter=roles.nope%3D'x'",
            "filter=givenName.x%3D'x'",
            "filter=dateLastModified>'yesterday'",
            "sort=nope",
            "sort=roles",
        ] {
            assert!(plan_sql(q).is_err(), "{q}");
        }
    }

    #[test]
    fn sort_adds_the_tiebreaker() {
        let sql = plan_sql("sort=familyName&orderBy=desc").unwrap();
        assert!(
            sql.ends_with(
                "ORDER BY t.family_name DESC NULLS LAST, t.sourced_id DESC LIMIT max(?, 3) OFFSET ?"
            ),
            "{sql}"
        );
    }
}
