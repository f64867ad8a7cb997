//! Applying the staged package to the store, set-based.
//!
//! For every kind, in dependency order:
//!
//! 1. each link file filling one of its lists (a user's `roles`, a class's `resources`, …) is
//!    turned into the new value of that list for every owner it touches (`csv_value_*`);
//! 2. the entity file, if any, is merged with one `UPDATE … FROM` the staging table of the
//!    records where a column differs (unchanged records keep their `dateLastModified`) and
//!    one `INSERT … SELECT` of the new ones;
//! 3. records missing from a bulk file and rows marked `tobedeleted` become tombstones;
//! 4. owners touched only by a link file get their new list (again only when it differs);
//! 5. the side tables of every changed user and class are rebuilt from their JSON.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::catalogue::{Entity, Kind, Ty};
use crate::model::entities::{self, INDEX_TABLES, IndexTable};
use crate::store::engine::{CASCADES, copies_of};
use crate::store::{Arg, Dialect, Sql, Tx};

use super::db;
use super::error::{CsvError, Errors};
use super::layout::{self, Source};
use super::package::Mode;
use super::schema::{self, FileSpec, Link, Shape};
use super::stage::Plan;
use super::values;

/// The registry of link-row identities (see migration `0006_csv_link_rows`).
pub const REGISTRY: &str = "csv_link_rows";

/// What one file did.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSummary {
    pub file: String,
    pub mode: String,
    /// Data rows in the file.
    pub rows: u64,
    /// Entity files: records created. Link files: owners whose list was empty and now is not.
    pub inserted: u64,
    /// Records (link files: owners' lists) whose content changed.
    pub updated: u64,
    /// Records (owners' lists) already exactly as in the file: their `dateLastModified` is kept.
    pub unchanged: u64,
    /// Records that became tombstones (link files: owners whose list became empty).
    pub tombstoned: u64,
}

/// Separator of the parts of a link key (never part of an identifier or vocabulary value).
pub const KEY_SEP: char = '\u{1f}';

/// The stored column of a link file's list.
pub fn link_column(link: &Link) -> &'static str {
    entities::entity(link.owner)
        .field(link.field)
        .map(|f| f.column)
        .unwrap_or("")
}

/// One element of a stored list, as staged: (key, element, group).
pub type Element = (String, String, Option<String>);

/// Splits a stored list value into its elements, keyed as the link rows are.
pub fn explode(shape: Shape, stored: &str) -> Vec<Element> {
    let parse = || serde_json::from_str::<Value>(stored).ok();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    match shape {
        Shape::ScoreScale => out.push((stored.to_string(), stored.to_string(), None)),
        Shape::Resource => {
            if let Some(Value::Array(items)) = parse() {
                for id in items.iter().filter_map(Value::as_str) {
                    out.push((id.to_string(), values::json_str(id), None));
                }
            }
        }
        Shape::Role | Shape::Profile => {
            if let Some(Value::Array(items)) = parse() {
                for item in &items {
                    let key = if shape == Shape::Role {
                        format!("{}{KEY_SEP}{}", text(item, "org"), text(item, "role"))
                    } else {
                        text(item, "profileId")
                    };
                    out.push((key, item.to_string(), None));
                }
            }
        }
        Shape::LoId | Shape::LoResult => {
            let (list, id_of): (&str, fn(&Value) -> Option<String>) = if shape == Shape::LoId {
                ("learningObjectiveIds", |v| v.as_str().map(str::to_string))
            } else {
                ("learningObjectiveResults", |v| {
                    v.get("learningObjectiveId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
            };
            if let Some(Value::Array(sets)) = parse() {
                for set in &sets {
                    let source = text(set, "source");
                    let group = values::json_str(&source);
                    for item in set
                        .get(list)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = id_of(item).unwrap_or_default();
                        out.push((
                            format!("{source}{KEY_SEP}{id}"),
                            item.to_string(),
                            Some(group.clone()),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The SQL aggregate building a list value from the kept elements of a staging table (those
/// matching `kept`), in owner order: the merge reads the values back by owner, and a table
/// written in that order is read sequentially.
fn aggregate(d: Dialect, stage: &str, shape: Shape, kept: &str) -> String {
    let list =
        |expr: &str, order: &str| format!("'[' || {} || ']'", db::string_agg(d, expr, order));
    match shape {
        Shape::ScoreScale => {
            format!(
                "SELECT owner_id, max(elem) FROM {stage} WHERE {kept} GROUP BY owner_id \
                 ORDER BY owner_id"
            )
        }
        Shape::Role | Shape::Profile | Shape::Resource => format!(
            "SELECT owner_id, {} FROM {stage} WHERE {kept} GROUP BY owner_id ORDER BY owner_id",
            list("elem", "line")
        ),
        Shape::LoId | Shape::LoResult => {
            let inner = if shape == Shape::LoId {
                "learningObjectiveIds"
            } else {
                "learningObjectiveResults"
            };
            format!(
                "SELECT owner_id, {} FROM (SELECT owner_id, min(line) AS first, \
                 '{{\"source\":' || grp || ',\"{inner}\":' || {} || '}}' AS g \
                 FROM {stage} WHERE {kept} GROUP BY owner_id, grp) q GROUP BY owner_id \
                 ORDER BY owner_id",
                list("g", "first"),
                list("elem", "line")
            )
        }
    }
}

/// Applies a staged, checked package. Returns the summary of each file.
pub async fn apply(
    tx: &mut Tx,
    plan: &Plan,
    rows: &[(usize, u64)],
    censuses: &HashMap<&'static str, Census>,
    now: i64,
    bulk_rows: i64,
    errors: &mut Errors,
) -> anyhow::Result<Vec<FileSummary>> {
    let mut summaries: Vec<FileSummary> = plan
        .specs()
        .map(|(spec, mode)| FileSummary {
            file: spec.file_name(),
            mode: mode.as_str().to_string(),
            rows: rows
                .iter()
                .find(|(i, _)| schema::FILES[*i].name == spec.name)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            ..FileSummary::default()
        })
        .collect();
    // Every link file adds its new rows to the registry: when they are many, its secondary
    // indexes are dropped once for all of them (the merges use its primary key only) and
    // rebuilt after the last. Rows already registered for these files are mostly the same
    // rows again (a nightly bulk package): they are not counted as new.
    let link_files: Vec<&'static str> = plan
        .specs()
        .filter(|(s, _)| s.link().is_some())
        .map(|(s, _)| s.name)
        .collect();
    let link_rows: u64 = rows
        .iter()
        .filter(|(i, _)| schema::FILES[*i].link().is_some())
        .map(|(_, n)| *n)
        .sum();
    let registered = if link_files.is_empty() {
        0
    } else {
        let mut sql = Sql::new(&format!("SELECT count(*) FROM {REGISTRY} WHERE file IN ("));
        sql.join(link_files.iter(), ", ", |s, f| {
            s.bind(*f);
        });
        sql.push(")");
        db::fetch_i64(tx, &sql).await?.max(0) as u64
    };
    let new_link_rows = link_rows.saturating_sub(registered);
    let registry = db::drop_indexes_for_load(tx, REGISTRY, new_link_rows as i64, bulk_rows).await?;
    let mut touched: Vec<Kind> = Vec::new();
    for entity in entities::ALL {
        let kind = entity.kind;
        let links: Vec<(&'static FileSpec, Mode)> = plan
            .specs()
            .filter(|(s, _)| s.link().is_some_and(|l| l.owner == kind))
            .collect();
        let own = plan
            .specs()
            .find(|(s, _)| s.entity().is_some_and(|e| e.kind == kind));
        if links.is_empty() && own.is_none() {
            continue;
        }
        touched.push(kind);
        let started = std::time::Instant::now();
        for (spec, mode) in &links {
            let summary = prepare_link(tx, spec, *mode, now).await?;
            merge_summary(&mut summaries, spec, summary);
        }
        if let Some((spec, mode)) = own {
            let census = censuses.get(spec.name).copied().unwrap_or_default();
            let summary = merge_entity(tx, plan, spec, mode, census, now, bulk_rows).await?;
            merge_summary(&mut summaries, spec, summary);
            // Objects stored before the import may have dependents keeping copies of what
            // the file changed (a line item moved to another class: its results' class).
            if census.any_before {
                carry_copies(tx, kind, now).await?;
            }
        }
        for (spec, _) in &links {
            update_owners(tx, plan, censuses, spec, now).await?;
        }
        tracing::debug!(
            kind = entity.plural,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "CSV merge"
        );
    }
    db::rebuild_indexes(tx, registry).await?;
    if touched.contains(&Kind::User) {
        users_without_roles(tx, plan, now, errors).await?;
        roles_without_their_profile(tx, plan, now, errors).await?;
    }
    for kind in touched {
        let started = std::time::Instant::now();
        rebuild_side_tables(tx, kind, now, bulk_rows).await?;
        tracing::debug!(
            kind = entities::entity(kind).plural,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "CSV side tables"
        );
    }
    // After the side tables, which answer for the references held in lists.
    let started = std::time::Instant::now();
    deleted_but_used(tx, plan, now, errors).await?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "CSV deletions checked"
    );
    Ok(summaries)
}

fn merge_summary(summaries: &mut [FileSummary], spec: &FileSpec, s: FileSummary) {
    if let Some(t) = summaries.iter_mut().find(|t| t.file == spec.file_name()) {
        t.inserted = s.inserted;
        t.updated = s.updated;
        t.unchanged = s.unchanged;
        t.tombstoned = s.tombstoned;
    }
}

/// Computes the new list of every owner a link file touches, and updates the registry of
/// link-row identities.
async fn prepare_link(
    tx: &mut Tx,
    spec: &FileSpec,
    mode: Mode,
    now: i64,
) -> anyhow::Result<FileSummary> {
    let d = db::dialect(tx);
    let link = spec.link().expect("a link file");
    let owner = entities::entity(link.owner);
    let table = owner.table;
    let column = link_column(link);
    let stage = layout::stage_table(spec);
    let value_table = layout::value_table(spec);
    let text = db::text_type(d);
    tx.execute(&db::create_temp(
        d,
        &value_table,
        &format!("owner_id {text} PRIMARY KEY, val {text}"),
    ))
    .await?;
    match mode {
        Mode::Delta => {
            // A tombstone naming only its sourcedId: find what it stood for.
            let mut sql = Sql::new(&format!(
                "UPDATE {stage} SET owner_id = r.owner_id, link_key = r.link_key FROM {REGISTRY} r \
                 WHERE r.file = "
            ));
            sql.bind(spec.name).push(&format!(
                " AND r.sourced_id = {stage}.sourced_id AND r.status = 'active' AND {stage}.owner_id IS NULL"
            ));
            tx.execute(&sql).await?;
            // A row whose sourcedId stood for another element (of another owner, or with
            // another key) removes that element.
            let mut sql = Sql::new(&format!(
                "INSERT INTO {stage} (line, st, full_row, sourced_id, owner_id, link_key, repl) \
                 SELECT l.line, 'remove', 0, l.sourced_id, r.owner_id, r.link_key, 0 \
                 FROM {stage} l JOIN {REGISTRY} r ON r.file = "
            ));
            sql.bind(spec.name).push(
                " AND r.sourced_id = l.sourced_id WHERE l.st = 'active' AND r.status = 'active' \
                 AND (r.owner_id <> l.owner_id OR r.link_key <> l.link_key)",
            );
            tx.execute(&sql).await?;
            stage_existing(tx, spec, link, table, column).await?;
            tx.execute(&Sql::new(&format!(
                "UPDATE {stage} SET keep = 1 WHERE owner_id IS NOT NULL AND (st = 'active' OR \
                 (st = 'existing' AND NOT EXISTS (SELECT 1 FROM {stage} d WHERE d.owner_id = {stage}.owner_id \
                 AND d.st <> 'existing' AND (d.link_key = {stage}.link_key OR (d.repl = 1 AND d.st = 'active')))))"
            )))
            .await?;
        }
        // In bulk, what is kept is every active row with an owner: no need to mark it.
        Mode::Bulk => {}
    }
    let kept = match mode {
        Mode::Delta => "keep = 1",
        Mode::Bulk => "st = 'active' AND owner_id IS NOT NULL",
    };
    tx.execute(&Sql::new(&format!(
        "INSERT INTO {value_table} (owner_id, val) {}",
        aggregate(d, &stage, link.shape, kept)
    )))
    .await?;
    let emptied = match mode {
        // Every owner the file touches, even when nothing is left of its list.
        Mode::Delta => format!(
            "SELECT DISTINCT l.owner_id, CAST(NULL AS TEXT) FROM {stage} l WHERE l.owner_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM {value_table} v WHERE v.owner_id = l.owner_id)"
        ),
        // Every active owner that has a list and is not in the file loses it.
        Mode::Bulk => format!(
            "SELECT t.sourced_id, CAST(NULL AS TEXT) FROM {table} t WHERE t.status = 'active' \
             AND t.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {value_table} v WHERE v.owner_id = t.sourced_id)"
        ),
    };
    tx.execute(&Sql::new(&format!(
        "INSERT INTO {value_table} (owner_id, val) {emptied}"
    )))
    .await?;
    keep_stored_order(tx, link.shape, &value_table, table, column).await?;
    update_registry(tx, spec, mode, now).await?;
    // What the file does to the owners' lists, measured before anything is written.
    let same = format!("NOT ({})", db::differs(d, &format!("t.{column}"), "v.val"));
    let counts = db::fetch(
        tx,
        &Sql::new(&format!(
            "SELECT \
             sum(CASE WHEN t.{column} IS NULL AND v.val IS NOT NULL THEN 1 ELSE 0 END), \
             sum(CASE WHEN t.{column} IS NOT NULL AND v.val IS NOT NULL AND t.{column} <> v.val THEN 1 ELSE 0 END), \
             sum(CASE WHEN {same} THEN 1 ELSE 0 END), \
             sum(CASE WHEN t.{column} IS NOT NULL AND v.val IS NULL THEN 1 ELSE 0 END) \
             FROM {value_table} v LEFT JOIN {table} t ON t.sourced_id = v.owner_id"
        )),
        |r| {
            Ok([r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?].map(|v| v.unwrap_or(0).max(0) as u64))
        },
    )
    .await?;
    let [inserted, updated, unchanged, tombstoned] = counts.first().copied().unwrap_or_default();
    Ok(FileSummary {
        inserted,
        updated,
        unchanged,
        tombstoned,
        ..FileSummary::default()
    })
}

/// Lets every owner whose new list holds exactly its stored elements in another order keep the
/// stored value: the order of a file's link rows carries no meaning (a SIS may write them in
/// another order each night), and a record whose content did not change must keep its
/// `dateLastModified`. Only lists that differ as text are read, one row at a time.
async fn keep_stored_order(
    tx: &mut Tx,
    shape: Shape,
    value_table: &str,
    table: &str,
    column: &str,
) -> anyhow::Result<()> {
    let sql = Sql::new(&format!(
        "SELECT v.owner_id, v.val, t.{column} FROM {value_table} v JOIN {table} t \
         ON t.sourced_id = v.owner_id WHERE v.val IS NOT NULL AND t.{column} IS NOT NULL \
         AND t.{column} <> v.val"
    ));
    let mut reordered = Vec::new();
    db::for_each(tx, &sql, |r| {
        let elements = |i: usize| -> anyhow::Result<Vec<Element>> {
            let mut e = explode(shape, r.text(i)?.unwrap_or_default());
            e.sort();
            Ok(e)
        };
        if elements(1)? == elements(2)? {
            reordered.push(r.text(0)?.unwrap_or_default().to_string());
        }
        Ok(())
    })
    .await?;
    for chunk in reordered.chunks(1000) {
        let mut sql = Sql::new(&format!(
            "UPDATE {value_table} SET val = (SELECT t.{column} FROM {table} t \
             WHERE t.sourced_id = {value_table}.owner_id) WHERE owner_id IN ("
        ));
        sql.join(chunk.iter(), ", ", |s, id| {
            s.bind(id.as_str());
        });
        sql.push(")");
        tx.execute(&sql).await?;
    }
    Ok(())
}

/// Stages the current elements of the lists a delta link file touches, so that one SQL
/// aggregation computes the new lists.
async fn stage_existing(
    tx: &mut Tx,
    spec: &FileSpec,
    link: &Link,
    table: &str,
    column: &str,
) -> anyhow::Result<()> {
    let stage = layout::stage_table(spec);
    let owners = tx
        .fetch_texts(&Sql::new(&format!(
            "SELECT DISTINCT owner_id FROM {stage} WHERE owner_id IS NOT NULL ORDER BY owner_id"
        )))
        .await?;
    // A negative line sorts existing elements before the file's rows, in their stored order.
    let mut line: i64 = -(1 << 50);
    for chunk in owners.chunks(1000) {
        let mut sql = Sql::new(&format!(
            "SELECT sourced_id, {column} FROM {table} WHERE {column} IS NOT NULL AND sourced_id IN ("
        ));
        sql.join(chunk.iter(), ", ", |s, id| {
            s.bind(id.as_str());
        });
        sql.push(")");
        let lists = db::fetch(tx, &sql, |r| {
            Ok((
                r.text(0)?.unwrap_or_default().to_string(),
                r.text(1)?.unwrap_or_default().to_string(),
            ))
        })
        .await?;
        let mut rows: Vec<[Arg; 5]> = Vec::new();
        for (owner_id, stored) in lists {
            for (key, elem, grp) in explode(link.shape, &stored) {
                line += 1;
                rows.push([
                    Arg::Int(Some(line)),
                    Arg::Text(Some(owner_id.clone())),
                    Arg::Text(Some(key)),
                    Arg::Text(Some(elem)),
                    Arg::Text(grp),
                ]);
            }
        }
        for batch in rows.chunks(5000) {
            let mut sql = Sql::new(&format!(
                "INSERT INTO {stage} (line, st, full_row, owner_id, link_key, repl, elem, grp) VALUES "
            ));
            sql.join(batch.iter(), ", ", |s, row| {
                s.push("(").bind(row[0].clone()).push(", 'existing', 0, ");
                s.bind(row[1].clone()).push(", ").bind(row[2].clone());
                s.push(", 0, ").bind(row[3].clone()).push(", ");
                s.bind(row[4].clone()).push(")");
            });
            tx.execute(&sql).await?;
        }
    }
    Ok(())
}

/// Keeps the registry of link-row identities in step: rows of the file are active, rows
/// whose element is gone are tombstones (so a delta export can tell consumers).
async fn update_registry(tx: &mut Tx, spec: &FileSpec, mode: Mode, now: i64) -> anyhow::Result<()> {
    let d = db::dialect(tx);
    let stage = layout::stage_table(spec);
    let mut sql = Sql::new(&format!(
        "UPDATE {REGISTRY} SET status = 'tobedeleted', date_last_modified = "
    ));
    sql.bind(now)
        .push(" WHERE file = ")
        .bind(spec.name)
        .push(" AND status = 'active' AND ");
    match mode {
        Mode::Bulk => sql.push(&format!(
            "NOT EXISTS (SELECT 1 FROM {stage} l WHERE l.sourced_id = {REGISTRY}.sourced_id AND l.st = 'active')"
        )),
        Mode::Delta => sql.push(&format!(
            "owner_id IN (SELECT owner_id FROM {stage} WHERE owner_id IS NOT NULL) AND NOT EXISTS \
             (SELECT 1 FROM {stage} k WHERE k.keep = 1 AND k.owner_id = {REGISTRY}.owner_id \
             AND k.link_key = {REGISTRY}.link_key AND (k.st = 'existing' OR k.sourced_id = {REGISTRY}.sourced_id))"
        )),
    };
    tx.execute(&sql).await?;
    // Rows already registered under their sourcedId take the file's owner and key (only
    // where they differ); the others are inserted, in key order. (Only imports write the
    // registry, one at a time.)
    let cols = ["owner_id", "link_key", "status"];
    let conds: Vec<String> = cols
        .iter()
        .map(|c| db::differs(d, &format!("{REGISTRY}.{c}"), &format!("l.{c}")))
        .collect();
    let mut sql = Sql::new(&format!(
        "UPDATE {REGISTRY} SET owner_id = l.owner_id, link_key = l.link_key, status = 'active', \
         date_last_modified = "
    ));
    sql.bind(now)
        .push(&format!(
            " FROM (SELECT sourced_id, owner_id, link_key, 'active' AS status FROM {stage} \
             WHERE st = 'active' AND owner_id IS NOT NULL) l WHERE {REGISTRY}.file = "
        ))
        .bind(spec.name)
        .push(&format!(
            " AND {REGISTRY}.sourced_id = l.sourced_id AND ({})",
            conds.join(" OR ")
        ));
    tx.execute(&sql).await?;
    let mut sql = Sql::new(&format!(
        "INSERT INTO {REGISTRY} (file, sourced_id, owner_id, link_key, status, date_last_modified) SELECT "
    ));
    sql.bind(spec.name)
        .push(", l.sourced_id, l.owner_id, l.link_key, 'active', ")
        .bind(now)
        .push(&format!(
            " FROM {stage} l WHERE l.st = 'active' AND l.owner_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM {REGISTRY} r WHERE r.file = "
        ))
        .bind(spec.name)
        .push(" AND r.sourced_id = l.sourced_id) ORDER BY l.sourced_id");
    tx.execute(&sql).await?;
    Ok(())
}

/// The value of every stored column of an entity file, as SQL over the staging table `s` and
/// the link values `v<i>` (joined by the returned `LEFT JOIN`s). `current` names the row being
/// updated, or is `None` for new rows; a column set by no file of the package is left out of
/// updates (`None` expression) and NULL in new rows.
fn column_exprs(
    plan: &Plan,
    spec: &FileSpec,
    current: Option<&str>,
) -> (Vec<(&'static str, Option<String>)>, String) {
    let entity = spec.entity().expect("an entity file");
    let mut joins = String::new();
    let mut exprs = Vec::new();
    for (i, f) in layout::entity_fields(spec, entity).into_iter().enumerate() {
        let col = f.column();
        let expr = match f.source {
            Source::Link => {
                let link = schema::link_files(entity.kind)
                    .find(|l| l.link().is_some_and(|l| l.field == f.field.name))
                    .and_then(|l| plan.mode(l).map(|m| (l, m)));
                match (link, current) {
                    (Some((l, mode)), _) => {
                        joins.push_str(&format!(
                            " LEFT JOIN {} v{i} ON v{i}.owner_id = s.sourced_id",
                            layout::value_table(l)
                        ));
                        Some(match (mode, current) {
                            (Mode::Delta, Some(cur)) => format!(
                                "CASE WHEN v{i}.owner_id IS NOT NULL THEN v{i}.val ELSE {cur}.{col} END"
                            ),
                            _ => format!("v{i}.val"),
                        })
                    }
                    (None, Some(_)) => None,
                    (None, None) => Some("NULL".to_string()),
                }
            }
            _ => Some(format!("s.{col}")),
        };
        exprs.push((col, expr));
    }
    (exprs, joins)
}

/// What an entity file holds against the store, counted once (for the mass-delete guard and
/// the merge) before anything is written.
#[derive(Clone, Copy, Debug, Default)]
pub struct Census {
    /// Active rows.
    pub active: u64,
    /// Rows marked tobedeleted.
    pub dead: u64,
    /// Active rows whose record is new to the store.
    pub new_active: u64,
    /// Complete tobedeleted rows whose record is new to the store.
    pub new_dead: u64,
    /// Active rows whose record is already active.
    pub kept: u64,
    /// Active records of the kind before the import.
    pub active_before: u64,
    /// Whether the table held any row (active or tombstone) before the import.
    pub any_before: bool,
}

/// Counts an entity file against its table.
pub async fn census(tx: &mut Tx, spec: &FileSpec) -> anyhow::Result<Census> {
    let table = spec.entity().expect("an entity file").table;
    let stage = layout::stage_table(spec);
    let counts = db::fetch(
        tx,
        &Sql::new(&format!(
            "SELECT \
             sum(CASE WHEN s.st = 'active' THEN 1 ELSE 0 END), \
             sum(CASE WHEN s.st = 'tobedeleted' THEN 1 ELSE 0 END), \
             sum(CASE WHEN s.st = 'active' AND t.sourced_id IS NULL THEN 1 ELSE 0 END), \
             sum(CASE WHEN s.st = 'tobedeleted' AND s.full_row = 1 AND t.sourced_id IS NULL THEN 1 ELSE 0 END), \
             sum(CASE WHEN s.st = 'active' AND t.status = 'active' THEN 1 ELSE 0 END), \
             (SELECT count(*) FROM {table} WHERE status = 'active'), \
             (SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) x) \
             FROM {stage} s LEFT JOIN {table} t ON t.sourced_id = s.sourced_id"
        )),
        |r| {
            Ok([
                r.int(0)?,
                r.int(1)?,
                r.int(2)?,
                r.int(3)?,
                r.int(4)?,
                r.int(5)?,
                r.int(6)?,
            ]
            .map(|v| v.unwrap_or(0).max(0) as u64))
        },
    )
    .await?;
    let [
        active,
        dead,
        new_active,
        new_dead,
        kept,
        active_before,
        any_before,
    ] = counts.first().copied().unwrap_or_default();
    Ok(Census {
        active,
        dead,
        new_active,
        new_dead,
        kept,
        active_before,
        any_before: any_before > 0,
    })
}

/// Merges an entity file into its table.
async fn merge_entity(
    tx: &mut Tx,
    plan: &Plan,
    spec: &FileSpec,
    mode: Mode,
    census: Census,
    now: i64,
    bulk_rows: i64,
) -> anyhow::Result<FileSummary> {
    let d = db::dialect(tx);
    let entity = spec.entity().expect("an entity file");
    let table = entity.table;
    let stage = layout::stage_table(spec);
    let rebuild = db::drop_indexes_for_load(
        tx,
        table,
        (census.new_active + census.new_dead) as i64,
        bulk_rows,
    )
    .await?;
    // Existing records whose content (or status) differs: one UPDATE joining the staging
    // table, so unchanged records keep their dateLastModified.
    let mut updated = 0;
    if census.active > census.new_active {
        let (exprs, joins) = column_exprs(plan, spec, Some(table));
        let set: Vec<(&str, &String)> = exprs
            .iter()
            .filter(|(c, _)| *c != "sourced_id")
            .filter_map(|(c, e)| e.as_ref().map(|e| (*c, e)))
            .collect();
        let mut sql = Sql::new(&format!(
            "UPDATE {table} SET status = 'active', date_last_modified = "
        ));
        sql.bind(now);
        for (c, e) in &set {
            sql.push(&format!(", {c} = {e}"));
        }
        let mut conds = vec![format!("{table}.status <> 'active'")];
        for (c, e) in &set {
            conds.push(db::differs(d, &format!("{table}.{c}"), e));
        }
        sql.push(&format!(
            " FROM {stage} s{joins} WHERE {table}.sourced_id = s.sourced_id AND s.st = 'active' AND ({})",
            conds.join(" OR ")
        ));
        updated = tx.execute(&sql).await?;
    }
    let (exprs, joins) = column_exprs(plan, spec, None);
    let columns: Vec<&str> = exprs.iter().map(|(c, _)| *c).collect();
    let values: Vec<&str> = exprs
        .iter()
        .map(|(_, e)| e.as_deref().unwrap_or("NULL"))
        .collect();
    let insert = |status: &str, filter: &str| {
        // New records only, in key order (cheaper for the primary key). A record created by
        // a concurrent REST write since the census makes this fail, and the whole import
        // with it, rather than silently overwrite it: retry the import.
        let mut sql = Sql::new(&format!(
            "INSERT INTO {table} (status, date_last_modified, {}) SELECT '{status}', ",
            columns.join(", ")
        ));
        sql.bind(now).push(&format!(
            ", {} FROM {stage} s{joins} WHERE {filter} AND NOT EXISTS \
             (SELECT 1 FROM {table} t WHERE t.sourced_id = s.sourced_id) ORDER BY s.sourced_id",
            values.join(", ")
        ));
        sql
    };
    let inserted = if census.new_active > 0 {
        // The table is locked exclusively already when its indexes were dropped: its count
        // trigger, which would copy every new row into a transition table only to count
        // them, is dropped for this statement (a disabled trigger still has PostgreSQL
        // capture the transition table) and the count added directly.
        let uncounted = if d == Dialect::Postgres && !rebuild.is_empty() {
            let mut sql = Sql::new(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(",
            );
            sql.bind(table)
                .push(") AND tgname = ")
                .bind(format!("{table}_count_ins"));
            let definition = tx.fetch_texts(&sql).await?.pop();
            if definition.is_some() {
                tx.execute(&Sql::new(&format!(
                    "DROP TRIGGER {table}_count_ins ON {table}"
                )))
                .await?;
            }
            definition
        } else {
            None
        };
        let inserted = tx.execute(&insert("active", "s.st = 'active'")).await?;
        if let Some(definition) = uncounted {
            // The definition comes from the database's own catalogue.
            tx.execute(&Sql::new(&definition)).await?;
            let mut sql = Sql::new("INSERT INTO entity_counts (entity, shard, active) VALUES (");
            sql.bind(table)
                .push(", pg_backend_pid() % 16, ")
                .bind(inserted as i64)
                .push(
                    ") ON CONFLICT (entity, shard) DO UPDATE \
                     SET active = entity_counts.active + EXCLUDED.active",
                );
            tx.execute(&sql).await?;
        }
        inserted
    } else {
        0
    };
    let mut tombstoned = 0;
    if census.dead > 0 {
        // Tombstones: rows marked tobedeleted…
        let mut sql = Sql::new(&format!(
            "UPDATE {table} SET status = 'tobedeleted', date_last_modified = "
        ));
        sql.bind(now).push(&format!(
            " WHERE status = 'active' AND sourced_id IN (SELECT sourced_id FROM {stage} WHERE st = 'tobedeleted')"
        ));
        tombstoned += tx.execute(&sql).await?;
    }
    if census.new_dead > 0 {
        // …unknown so far but complete (a full delta export carries them): kept as tombstones…
        tombstoned += tx
            .execute(&insert(
                "tobedeleted",
                "s.st = 'tobedeleted' AND s.full_row = 1",
            ))
            .await?;
    }
    let dead_unchanged = census.dead.saturating_sub(tombstoned);
    // …and, in bulk, every active record the file does not list (when there is one).
    if mode == Mode::Bulk && census.active_before > census.kept {
        let mut sql = Sql::new(&format!(
            "UPDATE {table} SET status = 'tobedeleted', date_last_modified = "
        ));
        sql.bind(now).push(&format!(
            " WHERE status = 'active' AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.sourced_id = {table}.sourced_id AND s.st = 'active')"
        ));
        tombstoned += tx.execute(&sql).await?;
    }
    db::rebuild_indexes(tx, rebuild).await?;
    Ok(FileSummary {
        inserted,
        updated,
        unchanged: census.active.saturating_sub(inserted + updated) + dead_unchanged,
        tombstoned,
        ..FileSummary::default()
    })
}

/// Rows an import must change in a table before the table's planner statistics are
/// refreshed at the end of the import.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

/// The tables whose contents the import changed substantially: their planner statistics are
/// stale (a bulk load into an empty store has none at all, and autovacuum may be minutes away
/// or switched off).
pub fn tables_to_analyze(plan: &Plan, files: &[FileSummary]) -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = Vec::new();
    for (spec, _) in plan.specs() {
        let Some(summary) = files.iter().find(|f| f.file == spec.file_name()) else {
            continue;
        };
        if summary.inserted + summary.updated + summary.tombstoned < ANALYZE_AFTER_ROWS {
            continue;
        }
        let kind = match (spec.entity(), spec.link()) {
            (Some(entity), _) => entity.kind,
            (None, Some(link)) => {
                tables.push(REGISTRY);
                link.owner
            }
            (None, None) => continue,
        };
        tables.push(entities::entity(kind).table);
        tables.extend(
            INDEX_TABLES
                .iter()
                .filter(|ix| ix.entity == kind)
                .map(|ix| ix.table),
        );
    }
    tables.sort_unstable();
    tables.dedup();
    tables
}

/// Carries the fields of the `kind` objects this import wrote over to the copies their
/// dependents keep of them ([`copies_of`]), as the REST writes do.
async fn carry_copies(tx: &mut Tx, kind: Kind, now: i64) -> anyhow::Result<()> {
    let source = entities::entity(kind).table;
    for rule in copies_of(kind) {
        let (table, column, via, source_column) = (
            rule.table(),
            rule.field.column,
            rule.via.column,
            rule.column,
        );
        let mut sql = Sql::new(&format!(
            "UPDATE {table} SET {column} = t.{source_column}, date_last_modified = "
        ));
        sql.bind(now).push(&format!(
            " FROM {source} t WHERE {table}.{via} = t.sourced_id AND t.date_last_modified = "
        ));
        sql.bind(now).push(&format!(
            " AND {table}.status = 'active' AND {table}.{column} IS NOT NULL \
             AND t.{source_column} IS NOT NULL AND {table}.{column} <> t.{source_column}"
        ));
        tx.execute(&sql).await?;
    }
    Ok(())
}

/// Gives owners that the package touches only through a link file their new list.
async fn update_owners(
    tx: &mut Tx,
    plan: &Plan,
    censuses: &HashMap<&'static str, Census>,
    spec: &FileSpec,
    now: i64,
) -> anyhow::Result<()> {
    let d = db::dialect(tx);
    let link = spec.link().expect("a link file");
    let table = entities::entity(link.owner).table;
    let column = link_column(link);
    let values = layout::value_table(spec);
    let own = schema::entity_file(link.owner).filter(|s| plan.mode(s).is_some());
    if let Some(own) = own {
        // Every owner in the table came from the entity file when the table was empty
        // before the import: they were written with their lists already.
        if censuses.get(own.name).is_some_and(|c| !c.any_before) {
            return Ok(());
        }
    }
    // The owners the entity file of the package (if any) did not write, found from the value
    // table first: usually few or none, so the owner table is only probed for those.
    let source = match own {
        Some(own) => format!(
            "(SELECT w.owner_id, w.val FROM {values} w WHERE NOT EXISTS \
             (SELECT 1 FROM {} s WHERE s.sourced_id = w.owner_id AND s.st = 'active'))",
            layout::stage_table(own)
        ),
        None => values,
    };
    let mut sql = Sql::new(&format!(
        "UPDATE {table} SET {column} = v.val, date_last_modified = "
    ));
    sql.bind(now).push(&format!(
        " FROM {source} v WHERE {table}.sourced_id = v.owner_id AND {}",
        db::differs(d, &format!("{table}.{column}"), "v.val")
    ));
    tx.execute(&sql).await?;
    Ok(())
}

/// Every active user needs a role (`roles` has at least one item in the REST model).
async fn users_without_roles(
    tx: &mut Tx,
    plan: &Plan,
    now: i64,
    errors: &mut Errors,
) -> anyhow::Result<()> {
    let users = schema::file("users").filter(|s| plan.mode(s).is_some());
    let line = match users {
        Some(s) => format!(
            "(SELECT min(x.line) FROM {} x WHERE x.sourced_id = u.sourced_id)",
            layout::stage_table(s)
        ),
        None => "CAST(NULL AS BIGINT)".into(),
    };
    let mut sql = Sql::new(&format!(
        "SELECT u.sourced_id, {line} FROM users u WHERE u.date_last_modified = "
    ));
    sql.bind(now)
        .push(" AND u.status = 'active' AND (u.roles IS NULL OR u.roles = '[]') ORDER BY u.sourced_id LIMIT ")
        .bind(errors.room() as i64);
    let rows = db::fetch(tx, &sql, |r| {
        Ok((r.text(0)?.unwrap_or_default().to_string(), r.int(1)?))
    })
    .await?;
    for (id, line) in rows {
        let message = format!(
            "user '{id}' would have no role: every active user needs at least one row in roles.csv"
        );
        errors.push(match line {
            Some(l) => CsvError::at("users.csv", l as u64, Some("sourcedId"), message),
            None => CsvError::file("roles.csv", message),
        });
    }
    Ok(())
}

/// What deleting a record deletes with it in an import: REST's [`CASCADES`] (a line item's
/// results), and a user's demographics (the same sourcedId), personal data that must not
/// outlive their user.
fn import_cascades() -> impl Iterator<Item = &'static (Kind, Kind, &'static str)> {
    CASCADES
        .iter()
        .chain(&[(Kind::User, Kind::Demographics, "sourced_id")])
}

/// The references held in lists that a side table indexes ([`INDEX_TABLES`]): (the kind
/// referred to, the side table, its column naming that object). A reference list's elements
/// (`terms`) are themselves references; an object list's (`roles`) hold one in a member.
fn list_refs() -> impl Iterator<Item = (Kind, &'static IndexTable, &'static str)> {
    INDEX_TABLES.iter().flat_map(|ix| {
        let field = entities::entity(ix.entity).field(ix.field);
        ix.columns.iter().filter_map(move |(column, key)| {
            let ty = match (field?.ty, *key) {
                (Ty::RefList(kind), "") => return Some((kind, ix, *column)),
                (Ty::Objects(def), key) if !key.is_empty() => def.field(key)?.ty,
                _ => return None,
            };
            match ty {
                Ty::Ref(kind) => Some((kind, ix, *column)),
                _ => None,
            }
        })
    })
}

/// Records this import deleted (tombstones stamped `now`: rows marked `tobedeleted`, records
/// a bulk file no longer lists) may not stay in use by active records the package left alone
/// (whose file is absent or delta): those would point at a tombstone, REST's `DELETE` refuses
/// the same (409), and an export of the store could not be imported again. First the
/// cascades ([`import_cascades`]), then one query per reference column to a kind that lost
/// records, each starting from those tombstones (the `dateLastModified` index).
async fn deleted_but_used(
    tx: &mut Tx,
    plan: &Plan,
    now: i64,
    errors: &mut Errors,
) -> anyhow::Result<()> {
    let fresh = |table: &str| {
        let mut sql = Sql::new(&format!(
            "SELECT sourced_id FROM {table} WHERE status = 'tobedeleted' AND date_last_modified = "
        ));
        sql.bind(now);
        sql
    };
    for (parent, child, column) in import_cascades() {
        let (parent, child) = (entities::entity(*parent), entities::entity(*child));
        let mut sql = Sql::new(&format!(
            "UPDATE {} SET status = 'tobedeleted', date_last_modified = ",
            child.table
        ));
        sql.bind(now)
            .push(&format!(" WHERE status = 'active' AND {column} IN ("));
        sql.parts.extend(fresh(parent.table).parts);
        sql.push(")");
        tx.execute(&sql).await?;
    }
    for target in entities::ALL {
        let mut any = fresh(target.table);
        any.push(" LIMIT 1");
        if tx.fetch_texts(&any).await?.is_empty() {
            continue;
        }
        let file = schema::entity_file(target.kind);
        let line = match file.filter(|s| plan.mode(s).is_some()) {
            Some(s) => format!(
                "(SELECT min(x.line) FROM {} x WHERE x.sourced_id = t.sourced_id AND x.st = 'tobedeleted')",
                layout::stage_table(s)
            ),
            None => "CAST(NULL AS BIGINT)".into(),
        };
        let dialect = db::dialect(tx);
        let mut uses: Vec<(&Entity, &str, String, String)> = Vec::new();
        for other in entities::ALL {
            for field in other.stored_fields() {
                match field.ty {
                    Ty::Ref(k) if k == target.kind => uses.push((
                        other,
                        field.name,
                        format!(
                            "{} t JOIN {} o ON o.{} = t.sourced_id",
                            target.table, other.table, field.column
                        ),
                        String::new(),
                    )),
                    // Lists no side table indexes (a user's `agents`, the `resources` of
                    // courses, classes and users): their elements are read from the owners'
                    // JSON, one pass over the owners holding such a list.
                    Ty::RefList(k)
                        if k == target.kind
                            && entities::index_table(other.kind, field.name).is_none() =>
                    {
                        let (from, elem) =
                            dialect.json_text_elements(&format!("o.{}", field.column));
                        uses.push((
                            other,
                            field.name,
                            format!("{} o, {from}, {} t", other.table, target.table),
                            format!(
                                "o.{} IS NOT NULL AND t.sourced_id = {elem} AND ",
                                field.column
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        for (_, ix, column) in list_refs().filter(|r| r.0 == target.kind) {
            let other = entities::entity(ix.entity);
            uses.push((
                other,
                ix.field,
                format!(
                    "{} t JOIN {} x ON x.{column} = t.sourced_id JOIN {} o ON o.sourced_id = x.{}",
                    target.table, ix.table, other.table, ix.owner
                ),
                String::new(),
            ));
        }
        for (other, field, from, and) in uses {
            if errors.full() {
                break;
            }
            let mut sql = Sql::new(&format!(
                "SELECT DISTINCT t.sourced_id, o.sourced_id, {line} FROM {from} WHERE {and}\
                 t.status = 'tobedeleted' AND t.date_last_modified = "
            ));
            sql.bind(now)
                .push(" AND o.status = 'active' ORDER BY t.sourced_id, o.sourced_id LIMIT ")
                .bind(errors.room() as i64);
            let rows = in_use(tx, &sql).await?;
            report_in_use(errors, target, other, field, file, rows);
        }
    }
    Ok(())
}

/// Runs a query of deleted records and their users: (deleted id, user id, line of the row).
async fn in_use(tx: &mut Tx, sql: &Sql) -> anyhow::Result<Vec<(String, String, Option<i64>)>> {
    db::fetch(tx, sql, |r| {
        Ok((
            r.text(0)?.unwrap_or_default().to_string(),
            r.text(1)?.unwrap_or_default().to_string(),
            r.int(2)?,
        ))
    })
    .await
}

/// Reports records `target` deleted while `other` records still refer to them by `field`.
fn report_in_use(
    errors: &mut Errors,
    target: &Entity,
    other: &Entity,
    field: &str,
    file: Option<&FileSpec>,
    rows: Vec<(String, String, Option<i64>)>,
) {
    let file_name = file.map(|s| s.file_name()).unwrap_or_default();
    for (id, user, line) in rows {
        let message = format!(
            "{} '{id}' would be deleted while {} '{user}' still refers to it ({field}); \
             delete or change that {} in the same package, or keep the {}",
            target.singular, other.singular, other.singular, target.singular
        );
        errors.push(match line {
            Some(l) => CsvError::at(&file_name, l as u64, Some("sourcedId"), message),
            None => CsvError::file(
                &file_name,
                format!("{message} (this bulk file no longer lists it)"),
            ),
        });
    }
}

/// A role's `userProfile` must stay one of its user's profiles: a package that deletes a
/// profile (a `tobedeleted` row, or a bulk userProfiles.csv no longer listing it) while a role
/// the package leaves alone still names it is refused. Only users this import changed, and
/// only those whose roles name a profile, are read (one at a time).
async fn roles_without_their_profile(
    tx: &mut Tx,
    plan: &Plan,
    now: i64,
    errors: &mut Errors,
) -> anyhow::Result<()> {
    let mut sql =
        Sql::new("SELECT sourced_id, roles, user_profiles FROM users WHERE date_last_modified = ");
    sql.bind(now)
        .push(" AND status = 'active' AND roles LIKE '%\"userProfile\"%' ORDER BY sourced_id");
    let mut found: Vec<(String, String, String)> = Vec::new();
    let room = errors.room();
    db::for_each(tx, &sql, |r| {
        if found.len() >= room {
            return Ok(());
        }
        let user = r.text(0)?.unwrap_or_default();
        let roles: Value = serde_json::from_str(r.text(1)?.unwrap_or("[]")).unwrap_or_default();
        let profiles: Value = serde_json::from_str(r.text(2)?.unwrap_or("[]")).unwrap_or_default();
        let has = |id: &str| {
            profiles
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["profileId"].as_str() == Some(id)))
        };
        for role in roles.as_array().into_iter().flatten() {
            if let Some(profile) = role["userProfile"].as_str()
                && !has(profile)
            {
                let org = role["org"].as_str().unwrap_or_default();
                found.push((user.to_string(), org.to_string(), profile.to_string()));
            }
        }
        Ok(())
    })
    .await?;
    let stage = schema::file("userProfiles")
        .filter(|s| plan.mode(s).is_some())
        .map(layout::stage_table);
    for (user, org, profile) in found {
        let message = format!(
            "user profile '{profile}' would be deleted while the role of user '{user}' in org \
             '{org}' still names it; delete or change that role (roles.csv) in the same package, \
             or keep the profile"
        );
        let line = match &stage {
            Some(stage) => {
                let mut sql = Sql::new(&format!(
                    "SELECT min(line) FROM {stage} WHERE sourced_id = "
                ));
                sql.bind(profile.as_str());
                db::fetch_i64(tx, &sql).await?
            }
            None => 0,
        };
        errors.push(if line > 0 {
            CsvError::at("userProfiles.csv", line as u64, Some("sourcedId"), message)
        } else {
            CsvError::file("userProfiles.csv", message)
        });
    }
    Ok(())
}

/// Rebuilds the side tables of the records of `kind` changed by this import.
async fn rebuild_side_tables(
    tx: &mut Tx,
    kind: Kind,
    now: i64,
    bulk_rows: i64,
) -> anyhow::Result<()> {
    let d = db::dialect(tx);
    let entity = entities::entity(kind);
    for ix in INDEX_TABLES.iter().filter(|ix| ix.entity == kind) {
        let Some(field) = entity.field(ix.field) else {
            continue;
        };
        let table = entity.table;
        let mut changed = Sql::new(&format!(
            "SELECT count(*) FROM {table} WHERE date_last_modified = "
        ));
        changed.bind(now);
        let changed = db::fetch_i64(tx, &changed).await?;
        let rebuild = db::drop_indexes_for_load(tx, ix.table, changed, bulk_rows).await?;
        let mut del = Sql::new(&format!(
            "DELETE FROM {} WHERE {} IN (SELECT sourced_id FROM {table} WHERE date_last_modified = ",
            ix.table, ix.owner
        ));
        del.bind(now).push(")");
        tx.execute(&del).await?;
        let list = format!("t.{}", field.column);
        let keys: Vec<&str> = ix.columns.iter().map(|(_, key)| *key).collect();
        let (from, values) = if keys.iter().all(|k| !k.is_empty()) {
            d.json_object_members(&list, &keys)
        } else {
            let (from, elem) = d.json_text_elements(&list);
            (from, vec![elem.to_string(); keys.len()])
        };
        let cols: Vec<&str> = ix.columns.iter().map(|(c, _)| *c).collect();
        let mut ins = Sql::new(&format!(
            "INSERT INTO {} ({}, {}) SELECT DISTINCT t.sourced_id, {} FROM {table} t, {from} \
             WHERE {list} IS NOT NULL AND t.date_last_modified = ",
            ix.table,
            ix.owner,
            cols.join(", "),
            values.join(", ")
        ));
        ins.bind(now);
        tx.execute(&ins).await?;
        db::rebuild_indexes(tx, rebuild).await?;
    }
    Ok(())
}

/// Link rows' element keys are built the same way on import and from stored lists.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_with_many_changed_rows_are_analyzed() {
        let index = |name: &str| schema::FILES.iter().position(|f| f.name == name).unwrap();
        let plan = Plan {
            files: ["orgs", "users", "roles", "enrollments"]
                .iter()
                .map(|n| (index(n), Mode::Bulk))
                .collect(),
        };
        let summary = |name: &str, inserted: u64, updated: u64| FileSummary {
            file: schema::file(name).unwrap().file_name(),
            inserted,
            updated,
            ..FileSummary::default()
        };
        let files = [
            summary("orgs", 50, 0),
            summary("users", 0, 12_000),
            summary("roles", 11_000, 0),
            summary("enrollments", 9_000, 0),
        ];
        assert_eq!(
            tables_to_analyze(&plan, &files),
            ["csv_link_rows", "user_identifiers", "user_roles", "users"]
        );
    }

    #[test]
    fn explodes_stored_lists_like_link_rows() {
        let roles =
            r#"[{"roleType":"primary","role":"student","org":"o1","beginDate":"2024-08-19"}]"#;
        assert_eq!(
            explode(Shape::Role, roles),
            vec![(
                format!("o1{KEY_SEP}student"),
                r#"{"roleType":"primary","role":"student","org":"o1","beginDate":"2024-08-19"}"#
                    .to_string(),
                None
            )]
        );
        assert_eq!(
            explode(Shape::Resource, r#"["r1","r2"]"#)
                .into_iter()
                .map(|e| e.1)
                .collect::<Vec<_>>(),
            vec!["\"r1\"", "\"r2\""]
        );
        let lo = r#"[{"source":"case","learningObjectiveIds":["a","b"]}]"#;
        assert_eq!(
            explode(Shape::LoId, lo),
            vec![
                (
                    format!("case{KEY_SEP}a"),
                    "\"a\"".into(),
                    Some("\"case\"".into())
                ),
                (
                    format!("case{KEY_SEP}b"),
                    "\"b\"".into(),
                    Some("\"case\"".into())
                ),
            ]
        );
        let lr = r#"[{"source":"unknown","learningObjectiveResults":[{"learningObjectiveId":"x","score":3}]}]"#;
        assert_eq!(
            explode(Shape::LoResult, lr)[0].1,
            r#"{"learningObjectiveId":"x","score":3}"#
        );
        assert_eq!(explode(Shape::ScoreScale, "ss1")[0].0, "ss1");
    }
}
