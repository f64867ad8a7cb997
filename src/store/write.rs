//! Writes: upserts of validated records (with their side tables), tombstones, and the
//! existence checks of the references a record makes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::model::catalogue::{Kind, Ty};
use crate::model::entities::{self, INDEX_TABLES, IndexTable};
use crate::model::input::{Cell, Record, RefUse};

use super::Tx;
use super::sql::{Arg, Sql};

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

/// `INSERT … ON CONFLICT (sourced_id) DO UPDATE` (or, unless `replace`, `DO NOTHING`) for a
/// batch of records of one kind.
fn insert_sql(records: &[&Record], replace: bool) -> Sql {
    let entity = records[0].entity;
    let fields: Vec<_> = entity.stored_fields().collect();
    let mut sql = Sql::new("INSERT INTO ");
    sql.push(entity.table).push(" (");
    sql.join(fields.iter(), ", ", |s, f| {
        s.push(f.column);
    });
    sql.push(") VALUES ");
    sql.join(records.iter(), ", ", |s, r| {
        s.push("(");
        s.join(r.cells.iter().zip(&fields), ", ", |s, (c, f)| {
            s.bind(cell_arg(c, &f.ty));
        });
        s.push(")");
    });
    if !replace {
        sql.push(" ON CONFLICT (sourced_id) DO NOTHING");
        return sql;
    }
    sql.push(" ON CONFLICT (sourced_id) DO UPDATE SET ");
    sql.join(
        fields.iter().filter(|f| f.name != "sourcedId"),
        ", ",
        |s, f| {
            s.push(f.column).push(" = excluded.").push(f.column);
        },
    );
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

/// The references among `uses` whose target is not an active object. On PostgreSQL the
/// targets found are locked `FOR SHARE` until the transaction ends: a concurrent DELETE of one
/// waits, and then sees (and cascades to, or refuses because of) what this transaction wrote.
/// On SQLite the write transaction already holds the database's only write lock.
pub async fn missing_refs<'a>(
    tx: &mut Tx,
    uses: impl IntoIterator<Item = &'a RefUse>,
) -> Result<Vec<&'a RefUse>, sqlx::Error> {
    let uses: Vec<&RefUse> = uses.into_iter().collect();
    let mut by_kind: BTreeMap<Kind, BTreeSet<&str>> = BTreeMap::new();
    for u in &uses {
        by_kind.entry(u.kind).or_default().insert(u.id.as_str());
    }
    let lock = matches!(tx, Tx::Postgres(_));
    let mut found: BTreeSet<(Kind, String)> = BTreeSet::new();
    for (kind, ids) in by_kind {
        let ids: Vec<&str> = ids.into_iter().collect();
        for chunk in ids.chunks(MAX_BINDS) {
            let mut sql = Sql::new("SELECT sourced_id FROM ");
            sql.push(entities::entity(kind).table)
                .push(" WHERE status = 'active' AND sourced_id IN (");
            sql.join(chunk.iter(), ", ", |s, id| {
                s.bind(*id);
            });
            sql.push(")");
            if lock {
                sql.push(" FOR SHARE");
            }
            for id in tx.fetch_texts(&sql).await? {
                found.insert((kind, id));
            }
        }
    }
    Ok(uses
        .into_iter()
        .filter(|u| !found.contains(&(u.kind, u.id.clone())))
        .collect())
}
