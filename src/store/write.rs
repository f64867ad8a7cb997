//! Writes: upserts of validated records (with their side tables), tombstones, and the
//! existence checks of the references a record makes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::model::catalogue::{Entity, Kind, Ty};
use crate::model::entities::{self, INDEX_TABLES, IndexTable};
use crate::model::input::{Cell, Record, RefUse};

use super::engine::{AgreementRule, AgreementUse, copies_of};
use super::sql::{Arg, Sql};
use super::{Store, Tx};

/// Most values bound in one multi-row statement chunk (SQLite allows 32766).
const MAX_BINDS: usize = 30_000;

fn cell_arg(cell: &Cell, ty: &Ty) -> Arg {
    match cell {
        Cell::Text(s) => Arg::Text(Some(s.clone())),
        Cell::Int(v) => Arg::Int(Some(*v)),
        Cell::Float(v) => Arg::Float(Some(*v)),
        Cell::Null => match ty {
            Ty::DateTime => Arg::Int(None),
            Ty::Float => Arg::Float(None),
            _ => Arg::Text(None),
        },
    }
}

/// `INSERT INTO <table> (<stored columns>) `.
fn insert_head(entity: &Entity) -> Sql {
    let mut sql = Sql::new("INSERT INTO ");
    sql.push(entity.table).push(" (");
    sql.join(entity.stored_fields(), ", ", |s, f| {
        s.push(f.column);
    });
    sql.push(") ");
    sql
}

/// The values of a record's stored fields, bound, separated by commas.
fn push_cells(sql: &mut Sql, record: &Record) {
    sql.join(
        record.cells.iter().zip(record.entity.stored_fields()),
        ", ",
        |s, (c, f)| {
            s.bind(cell_arg(c, &f.ty));
        },
    );
}

/// ` ON CONFLICT (sourced_id) DO UPDATE SET …` (or, unless `replace`, `DO NOTHING`).
fn push_on_conflict(sql: &mut Sql, entity: &Entity, replace: bool) {
    if !replace {
        sql.push(" ON CONFLICT (sourced_id) DO NOTHING");
        return;
    }
    sql.push(" ON CONFLICT (sourced_id) DO UPDATE SET ");
    sql.join(
        entity.stored_fields().filter(|f| f.name != "sourcedId"),
        ", ",
        |s, f| {
            s.push(f.column).push(" = excluded.").push(f.column);
        },
    );
}

/// `INSERT … ON CONFLICT (sourced_id) DO UPDATE` (or, unless `replace`, `DO NOTHING`) for a
/// batch of records of one kind.
fn insert_sql(records: &[&Record], replace: bool) -> Sql {
    let entity = records[0].entity;
    let mut sql = insert_head(entity);
    sql.push("VALUES ");
    sql.join(records.iter(), ", ", |s, r| {
        s.push("(");
        push_cells(s, r);
        s.push(")");
    });
    push_on_conflict(&mut sql, entity, replace);
    sql
}

/// The rows a record contributes to a side table.
fn side_rows(ix: &IndexTable, record: &Record) -> Vec<Vec<Option<String>>> {
    let Some(json) = record.text(ix.field) else {
        return Vec::new();
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let mut rows: Vec<Vec<Option<String>>> = items
        .iter()
        .map(|item| {
            ix.columns
                .iter()
                .map(|(_, key)| {
                    if key.is_empty() {
                        text(Some(item))
                    } else {
                        text(item.get(*key))
                    }
                })
                .collect()
        })
        .collect();
    // A list may name the same element twice; side tables may have a primary key.
    rows.sort();
    rows.dedup();
    rows
}

/// Rewrites the side tables of `records` (all of one kind).
async fn write_side_tables(tx: &mut Tx, records: &[&Record]) -> Result<(), sqlx::Error> {
    let kind = records[0].entity.kind;
    for ix in INDEX_TABLES.iter().filter(|ix| ix.entity == kind) {
        for chunk in records.chunks(MAX_BINDS / 2) {
            let mut del = Sql::new("DELETE FROM ");
            del.push(ix.table)
                .push(" WHERE ")
                .push(ix.owner)
                .push(" IN (");
            del.join(chunk.iter(), ", ", |s, r| {
                s.bind(r.sourced_id.as_str());
            });
            del.push(")");
            tx.execute(&del).await?;
        }
        let rows: Vec<(&str, Vec<Option<String>>)> = records
            .iter()
            .flat_map(|r| {
                side_rows(ix, r)
                    .into_iter()
                    .map(move |row| (r.sourced_id.as_str(), row))
            })
            .collect();
        let per_row = ix.columns.len() + 1;
        for chunk in rows.chunks((MAX_BINDS / per_row).max(1)) {
            let mut ins = Sql::new("INSERT INTO ");
            ins.push(ix.table).push(" (").push(ix.owner);
            for (col, _) in ix.columns {
                ins.push(", ").push(col);
            }
            ins.push(") VALUES ");
            ins.join(chunk.iter(), ", ", |s, (owner, row)| {
                s.push("(").bind(*owner);
                for v in row {
                    s.push(", ").bind(Arg::Text(v.clone()));
                }
                s.push(")");
            });
            tx.execute(&ins).await?;
        }
    }
    Ok(())
}

/// Creates or replaces `records` (all of one kind) and their side tables.
pub async fn upsert(tx: &mut Tx, records: &[&Record]) -> Result<(), sqlx::Error> {
    if records.is_empty() {
        return Ok(());
    }
    let per_row = records[0].cells.len();
    for chunk in records.chunks((MAX_BINDS / per_row).max(1)) {
        tx.execute(&insert_sql(chunk, true)).await?;
    }
    write_side_tables(tx, records).await
}

/// Creates `records` (all of one kind) and their side tables, provided none of their
/// sourcedIds exists. Returns `false` when one does (another transaction may have created it
/// since the caller looked); the caller must then roll back, as part of the batch may have
/// been written.
pub async fn insert_new(tx: &mut Tx, records: &[&Record]) -> Result<bool, sqlx::Error> {
    if records.is_empty() {
        return Ok(true);
    }
    let per_row = records[0].cells.len();
    let mut inserted = 0;
    for chunk in records.chunks((MAX_BINDS / per_row).max(1)) {
        inserted += tx.execute(&insert_sql(chunk, false)).await?;
    }
    if inserted < records.len() as u64 {
        return Ok(false);
    }
    write_side_tables(tx, records).await?;
    Ok(true)
}

/// Which of `ids` exist as objects of `kind` (active or not).
pub async fn existing_ids(
    tx: &mut Tx,
    kind: Kind,
    ids: &[String],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT sourced_id FROM ");
        sql.push(entities::entity(kind).table)
            .push(" WHERE sourced_id IN (");
        sql.join(chunk.iter(), ", ", |s, id| {
            s.bind(id.as_str());
        });
        sql.push(")");
        found.extend(tx.fetch_texts(&sql).await?);
    }
    Ok(found)
}

/// Marks an active object as deleted (`tobedeleted`, new `dateLastModified`). Returns
/// whether it existed and was active.
pub async fn tombstone(tx: &mut Tx, kind: Kind, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut sql = Sql::new("UPDATE ");
    sql.push(entities::entity(kind).table)
        .push(" SET status = 'tobedeleted', date_last_modified = ")
        .bind(now)
        .push(" WHERE sourced_id = ")
        .bind(id)
        .push(" AND status = 'active'");
    Ok(tx.execute(&sql).await? > 0)
}

/// Tombstones the active objects of `kind` whose `column` is `id`. Returns how many.
pub async fn tombstone_where(
    tx: &mut Tx,
    kind: Kind,
    column: &str,
    id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::new("UPDATE ");
    sql.push(entities::entity(kind).table)
        .push(" SET status = 'tobedeleted', date_last_modified = ")
        .bind(now)
        .push(" WHERE ")
        .push(column)
        .push(" = ")
        .bind(id)
        .push(" AND status = 'active'");
    tx.execute(&sql).await
}

/// `UPDATE` of the dependents of `record` whose copy of its field differs (none when the
/// record does not give the field): the copy follows, and their `dateLastModified` with it.
fn follow_sql(rule: &AgreementRule, record: &Record, now: i64) -> Option<Sql> {
    let value = record.text(rule.source.name)?;
    let column = rule.field.column;
    let mut sql = Sql::new("UPDATE ");
    sql.push(rule.table())
        .push(" SET ")
        .push(column)
        .push(" = ")
        .bind(value)
        .push(", date_last_modified = ")
        .bind(now)
        .push(" WHERE ")
        .push(rule.via.column)
        .push(" = ")
        .bind(record.sourced_id.as_str())
        .push(" AND status = 'active' AND ")
        .push(column)
        .push(" IS NOT NULL AND ")
        .push(column)
        .push(" <> ")
        .bind(value);
    Some(sql)
}

/// Carries a written record's fields over to the copies its dependents keep of them
/// ([`copies_of`]): a line item moved to another class takes its results along.
pub async fn carry_copies(tx: &mut Tx, record: &Record, now: i64) -> Result<(), sqlx::Error> {
    for rule in copies_of(record.entity.kind) {
        if let Some(sql) = follow_sql(&rule, record, now) {
            tx.execute(&sql).await?;
        }
    }
    Ok(())
}

/// The active objects of `kind` whose reference `column` names `id`: at most `limit`
/// sourcedIds, in order.
pub async fn referring_ids(
    tx: &mut Tx,
    kind: Kind,
    column: &str,
    id: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let entity = entities::entity(kind);
    let mut sql = Sql::new("SELECT sourced_id FROM ");
    sql.push(entity.table)
        .push(" WHERE ")
        .push(column)
        .push(" = ")
        .bind(id)
        .push(" AND status = 'active' ORDER BY sourced_id LIMIT ")
        .bind(limit);
    tx.fetch_texts(&sql).await
}

/// The `column` of the object `id` of `kind`, if the object exists and the column is set.
pub async fn column_value(
    tx: &mut Tx,
    kind: Kind,
    column: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(column)
        .push(" FROM ")
        .push(entities::entity(kind).table)
        .push(" WHERE sourced_id = ")
        .bind(id)
        .push(" AND ")
        .push(column)
        .push(" IS NOT NULL");
    Ok(tx.fetch_texts(&sql).await?.pop())
}

/// What a reference must name: an active object of a kind, holding a role if any.
pub type RefTarget = (Kind, Option<&'static str>);

/// The distinct ids of `uses` by target, in order.
fn ids_by_kind<'a>(uses: impl IntoIterator<Item = &'a RefUse>) -> Vec<(RefTarget, Vec<&'a str>)> {
    let mut by_kind: BTreeMap<RefTarget, BTreeSet<&str>> = BTreeMap::new();
    for u in uses {
        by_kind.entry(u.target()).or_default().insert(u.id.as_str());
    }
    by_kind
        .into_iter()
        .map(|(k, ids)| (k, ids.into_iter().collect()))
        .collect()
}

/// `r<i> AS (SELECT sourced_id FROM <table> t WHERE status = 'active' AND sourced_id IN (…)
/// [AND <holds the role>] [FOR SHARE])`: the active objects among `ids` (users holding the
/// role, for a reference that requires one).
fn push_lookup(sql: &mut Sql, i: usize, (kind, role): RefTarget, ids: &[&str], lock: bool) {
    sql.push(&format!("r{i} AS (SELECT sourced_id FROM "))
        .push(entities::entity(kind).table)
        .push(" t WHERE status = 'active' AND sourced_id IN (");
    sql.join(ids.iter(), ", ", |s, id| {
        s.bind(*id);
    });
    sql.push(")");
    if let Some(role) = role {
        // Read from the user's own row, which the lookup reads (and locks) anyway: its `roles`
        // are compact JSON objects whose `role` member holds the value as a JSON string, so the
        // text `"role":"<role>"` occurs exactly when a role is that one (a quote inside another
        // string would be escaped; vocabulary values hold no `%` nor `_`). The side table
        // `user_roles` would cost another index probe and heap page per write.
        sql.push(" AND t.roles LIKE ")
            .bind(format!("%\"role\":{}%", serde_json::Value::from(role)));
    }
    if lock {
        sql.push(" FOR SHARE");
    }
    sql.push(")");
}

/// The references among `uses` whose target is not an active object. On PostgreSQL the
/// targets found are locked `FOR SHARE` until the transaction ends: a concurrent DELETE of one
/// waits, and then sees (and cascades to, or refuses because of) what this transaction wrote.
/// On SQLite the write transaction already holds the database's only write lock. One
/// statement looks up every kind (a `WITH` query per kind), unless there are more ids than
/// one statement may bind.
pub async fn missing_refs<'a>(
    tx: &mut Tx,
    uses: impl IntoIterator<Item = &'a RefUse>,
) -> Result<Vec<&'a RefUse>, sqlx::Error> {
    let uses: Vec<&RefUse> = uses.into_iter().collect();
    let by_kind = ids_by_kind(uses.iter().copied());
    let lock = matches!(tx, Tx::Postgres(_));
    // (kind, ids) pieces, grouped into statements of at most MAX_BINDS ids.
    let mut statements: Vec<Vec<(RefTarget, &[&str])>> = vec![Vec::new()];
    let mut binds = 0;
    for (kind, ids) in &by_kind {
        for chunk in ids.chunks(MAX_BINDS) {
            if binds + chunk.len() > MAX_BINDS {
                statements.push(Vec::new());
                binds = 0;
            }
            binds += chunk.len();
            statements
                .last_mut()
                .expect("one statement")
                .push((*kind, chunk));
        }
    }
    let mut found: BTreeSet<(RefTarget, String)> = BTreeSet::new();
    for pieces in statements.iter().filter(|p| !p.is_empty()) {
        let mut sql = Sql::new("WITH ");
        sql.join(pieces.iter().enumerate(), ", ", |s, (i, (kind, ids))| {
            push_lookup(s, i, *kind, ids, lock);
        });
        sql.push(" ");
        sql.join(pieces.iter().enumerate(), " UNION ALL ", |s, (i, _)| {
            s.push(&format!("SELECT CAST({i} AS BIGINT), sourced_id FROM r{i}"));
        });
        for (i, id) in tx.fetch_tagged(&sql).await? {
            if let Some((kind, _)) = usize::try_from(i).ok().and_then(|i| pieces.get(i)) {
                found.insert((*kind, id));
            }
        }
    }
    Ok(uses
        .into_iter()
        .filter(|u| !found.contains(&(u.target(), u.id.clone())))
        .collect())
}

/// Whether a create-or-replace of one `entity` object can be [`checked_upsert`]: it has no
/// side tables, no reference to its own kind (whose loops need a walk), and no copies kept by
/// other objects ([`copies_of`]: those must be updated in a statement of their own, after the
/// write has taken its row lock, so that it sees every dependent committed meanwhile).
pub fn single_statement(entity: &Entity) -> bool {
    !INDEX_TABLES.iter().any(|ix| ix.entity == entity.kind)
        && !entity
            .stored_fields()
            .any(|f| matches!(f.ty, Ty::Ref(kind) if kind == entity.kind))
        && copies_of(entity.kind).next().is_none()
}

/// What [`checked_upsert`] found.
pub struct Checked {
    /// The record was written: every reference was found and every agreement met.
    pub written: bool,
    /// The active targets of the record's references, as (target, sourcedId).
    pub found: BTreeSet<(RefTarget, String)>,
    /// The stored value of each agreement's column, by position (none when unset or unknown).
    pub actual: Vec<Option<String>>,
}

/// Creates or replaces one record (see [`single_statement`]) in one PostgreSQL statement, on
/// its own (no transaction around it): the statement locks the targets of its references
/// `FOR SHARE`, reads the agreements' columns, and writes only when every reference names an
/// active object and every agreement holds. It returns what it found, so that a refusal can
/// say why. One round trip instead of one per check, plus `BEGIN` and `COMMIT`.
pub async fn checked_upsert(
    store: &Store,
    record: &Record,
    agreements: &[AgreementUse<'_>],
) -> Result<Checked, sqlx::Error> {
    let kinds = ids_by_kind(&record.refs);
    let mut sql = Sql::new("WITH ");
    for (i, (kind, ids)) in kinds.iter().enumerate() {
        push_lookup(&mut sql, i, *kind, ids, true);
        sql.push(", ");
    }
    for (j, a) in agreements.iter().enumerate() {
        sql.push(&format!("a{j} AS (SELECT "))
            .push(a.column)
            .push(" AS v FROM ")
            .push(entities::entity(a.target).table)
            .push(" WHERE sourced_id = ")
            .bind(a.target_id)
            .push(" AND ")
            .push(a.column)
            // Locked like the references: a concurrent write of the target is waited for,
            // and its committed value compared (a line item moved to another class).
            .push(" IS NOT NULL FOR SHARE), ");
    }
    sql.push("w AS (");
    let head = insert_head(record.entity);
    sql.parts.extend(head.parts);
    sql.push("SELECT ");
    push_cells(&mut sql, record);
    sql.push(" WHERE true");
    for (i, (_, ids)) in kinds.iter().enumerate() {
        sql.push(&format!(" AND (SELECT count(*) FROM r{i}) = {}", ids.len()));
    }
    for (j, a) in agreements.iter().enumerate() {
        sql.push(&format!(" AND NOT EXISTS (SELECT 1 FROM a{j} WHERE v <> "))
            .bind(a.value)
            .push(")");
    }
    push_on_conflict(&mut sql, record.entity, true);
    sql.push(" RETURNING 1) SELECT CAST(-1 AS BIGINT), '' FROM w");
    for i in 0..kinds.len() {
        sql.push(&format!(
            " UNION ALL SELECT CAST({i} AS BIGINT), sourced_id FROM r{i}"
        ));
    }
    for j in 0..agreements.len() {
        sql.push(&format!(
            " UNION ALL SELECT CAST({} AS BIGINT), v FROM a{j}",
            AGREEMENT_TAGS + j
        ));
    }
    let mut checked = Checked {
        written: false,
        found: BTreeSet::new(),
        actual: vec![None; agreements.len()],
    };
    for (tag, value) in store.fetch_tagged(&sql).await? {
        match usize::try_from(tag) {
            Err(_) => checked.written = true,
            Ok(j) if j >= AGREEMENT_TAGS => {
                if let Some(slot) = checked.actual.get_mut(j - AGREEMENT_TAGS) {
                    *slot = Some(value);
                }
            }
            Ok(i) => {
                if let Some((kind, _)) = kinds.get(i) {
                    checked.found.insert((*kind, value));
                }
            }
        }
    }
    Ok(checked)
}

/// Tags of agreement rows in [`checked_upsert`]'s result (reference kinds come first).
const AGREEMENT_TAGS: usize = 1_000;
