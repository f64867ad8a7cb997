//! Checks that need the whole package and the store, run in SQL over the staging tables:
//! duplicate sourcedIds, references that must resolve, duplicate list elements, and the
//! mass-delete guard.

use std::collections::HashMap;

use crate::model::Ty;
use crate::model::catalogue::Kind;
use crate::model::entities;
use crate::store::engine::agreement_rules;
use crate::store::{Sql, Tx};

use super::db;
use super::error::{CsvError, Errors};
use super::layout::{self, Source};
use super::merge::Census;
use super::package::Mode;
use super::parse::Candidate;
use super::schema::{self, CTy, FILES, Shape, Target, To};
use super::stage::Plan;

/// SQL: the object `expr` of `kind` is active once the package is applied.
pub fn active_after(plan: &Plan, kind: Kind, expr: &str) -> String {
    let table = entities::entity(kind).table;
    let in_store = format!(
        "EXISTS (SELECT 1 FROM {table} y WHERE y.sourced_id = {expr} AND y.status = 'active')"
    );
    let Some(spec) = schema::entity_file(kind) else {
        return in_store;
    };
    let stage = layout::stage_table(spec);
    let in_package =
        format!("EXISTS (SELECT 1 FROM {stage} x WHERE x.sourced_id = {expr} AND x.st = 'active')");
    match plan.entity_mode(kind) {
        Some(Mode::Bulk) => in_package,
        Some(Mode::Delta) => format!(
            "({in_package} OR ({in_store} AND NOT EXISTS (SELECT 1 FROM {stage} z WHERE z.sourced_id = {expr} AND z.st = 'tobedeleted')))"
        ),
        None => in_store,
    }
}

/// SQL: the object `expr` of `kind` does not exist (active or tombstone) once the package is
/// applied (neither stored, whatever its status, nor in the package), as a conjunction of
/// `NOT EXISTS`, which the planners run as anti-joins.
pub fn missing_after(plan: &Plan, kind: Kind, expr: &str) -> String {
    let table = entities::entity(kind).table;
    let not_stored = format!("NOT EXISTS (SELECT 1 FROM {table} y WHERE y.sourced_id = {expr})");
    match (schema::entity_file(kind), plan.entity_mode(kind)) {
        (Some(spec), Some(_)) => format!(
            "({not_stored} AND NOT EXISTS (SELECT 1 FROM {} x WHERE x.sourced_id = {expr}))",
            layout::stage_table(spec)
        ),
        _ => not_stored,
    }
}

/// Builds an error message from the offending value.
type Message = Box<dyn Fn(&str) -> String + Send + Sync>;

fn what(kind: Kind) -> &'static str {
    entities::entity(kind).singular
}

/// Runs `sql` (selecting a line and a value) and reports each row with `message`.
async fn report(
    tx: &mut Tx,
    sql: &Sql,
    errors: &mut Errors,
    file: &str,
    column: &str,
    message: impl Fn(&str) -> String,
) -> anyhow::Result<()> {
    let rows = db::fetch(tx, sql, |r| {
        Ok((
            r.int(0)?.unwrap_or(0) as u64,
            r.text(1)?.unwrap_or_default().to_string(),
        ))
    })
    .await?;
    for (line, value) in rows {
        errors.push(CsvError::at(file, line, Some(column), message(&value)));
    }
    Ok(())
}

/// Confirms the sourcedIds the parser saw twice.
pub async fn duplicates(
    tx: &mut Tx,
    candidates: &[Candidate],
    errors: &mut Errors,
) -> anyhow::Result<()> {
    for c in candidates {
        if errors.full() {
            break;
        }
        let spec = &FILES[c.file];
        let mut sql = Sql::new("SELECT min(line) FROM ");
        sql.push(&layout::stage_table(spec))
            .push(" WHERE sourced_id = ")
            .bind(c.id.as_str())
            .push(" AND line < ")
            .bind(c.line as i64);
        let first = db::fetch_i64(tx, &sql).await?;
        if first > 0 {
            errors.push(CsvError::at(
                &spec.file_name(),
                c.line,
                Some("sourcedId"),
                format!("'{}' is already used at line {first}", c.id),
            ));
        }
    }
    Ok(())
}

/// Checks that every reference of every active row resolves to an object that is active once
/// the package is applied (in the package or already stored).
pub async fn references(tx: &mut Tx, plan: &Plan, errors: &mut Errors) -> anyhow::Result<()> {
    let d = db::dialect(tx);
    for (spec, _) in plan.specs() {
        let file = spec.file_name();
        let stage = layout::stage_table(spec);
        match &spec.target {
            Target::Entity(entity) => {
                // A demographics record is its user's: it has the user's sourcedId.
                if entity.kind == Kind::Demographics && !errors.full() {
                    let mut sql = Sql::new(&format!(
                        "SELECT s.line, s.sourced_id FROM {stage} s WHERE s.st = 'active' AND NOT {} \
                         ORDER BY s.line LIMIT ",
                        active_after(plan, Kind::User, "s.sourced_id")
                    ));
                    sql.bind(errors.room() as i64);
                    report(tx, &sql, errors, &file, "sourcedId", |id| {
                        format!(
                            "demographics '{id}' belong to no user: the user with this sourcedId is \
                             not in the package nor active in the store"
                        )
                    })
                    .await?;
                }
                for f in layout::entity_fields(spec, entity) {
                    let column_name = match f.source {
                        Source::Csv(i) => spec.columns[i].name,
                        Source::GradingPeriod => schema::GRADING_PERIOD_COLUMN,
                        _ => continue,
                    };
                    let (kind, list) = match f.field.ty {
                        Ty::Ref(k) => (k, false),
                        Ty::RefList(k) => (k, true),
                        _ => continue,
                    };
                    if errors.full() {
                        return Ok(());
                    }
                    let col = format!("s.{}", f.column());
                    let mut sql = Sql::new("SELECT s.line, ");
                    if list {
                        let (from, elem) = d.json_text_elements(&col);
                        sql.push(&format!(
                            "{elem} FROM {stage} s, {from} WHERE s.st = 'active' AND {col} IS NOT NULL AND NOT {}",
                            active_after(plan, kind, elem)
                        ));
                    } else {
                        sql.push(&format!(
                            "{col} FROM {stage} s WHERE s.st = 'active' AND {col} IS NOT NULL AND NOT {}",
                            active_after(plan, kind, &col)
                        ));
                    }
                    sql.push(" ORDER BY s.line LIMIT ")
                        .bind(errors.room() as i64);
                    report(tx, &sql, errors, &file, column_name, |id| {
                        format!(
                            "{} '{id}' is not in the package nor active in the store",
                            what(kind)
                        )
                    })
                    .await?;
                }
            }
            Target::Link(link) => {
                let owner_col = spec
                    .columns
                    .iter()
                    .find(|c| c.to == To::Owner)
                    .map(|c| c.name)
                    .unwrap_or("");
                if errors.full() {
                    return Ok(());
                }
                let mut sql = Sql::new(&format!(
                    "SELECT s.line, s.owner_id FROM {stage} s WHERE s.st = 'active' AND s.owner_id IS NOT NULL AND {} ORDER BY s.line LIMIT ",
                    missing_after(plan, link.owner, "s.owner_id")
                ));
                sql.bind(errors.room() as i64);
                report(tx, &sql, errors, &file, owner_col, |id| {
                    format!(
                        "{} '{id}' is not in the package nor in the store",
                        what(link.owner)
                    )
                })
                .await?;
                // The other references matter only while the owner is active: a tombstoned
                // user's roles may name deleted orgs.
                let owner_active = active_after(plan, link.owner, "s.owner_id");
                for ck in layout::link_checks(spec) {
                    if errors.full() {
                        return Ok(());
                    }
                    let col = format!("s.{}", ck.name);
                    let (target, message): (String, Message) = match ck.ty {
                        CTy::Ref(kind) => (
                            active_after(plan, kind, &col),
                            Box::new(move |id: &str| {
                                format!(
                                    "{} '{id}' is not in the package nor active in the store",
                                    what(kind)
                                )
                            }),
                        ),
                        CTy::Profile => (
                            profile_target(plan, d, &col),
                            Box::new(|id: &str| {
                                format!(
                                    "user profile '{id}' is not a profile of this user (in userProfiles.csv or in the store)"
                                )
                            }),
                        ),
                        _ => continue,
                    };
                    let mut sql = Sql::new(&format!(
                        "SELECT s.line, {col} FROM {stage} s WHERE s.st = 'active' AND {col} IS NOT NULL AND {owner_active} AND NOT {target} ORDER BY s.line LIMIT "
                    ));
                    sql.bind(errors.room() as i64);
                    report(tx, &sql, errors, &file, spec.columns[ck.csv].name, message).await?;
                }
            }
        }
    }
    Ok(())
}

/// Checks the agreements the REST writes enforce ([`agreement_rules`]) on every active row that
/// gives both references: a result's class is the class of its line item, a line item's
/// school the school of its class, a score scale's course the course of its class, as they
/// stand once the package is applied (the package's row of the object, else the store's).
pub async fn agreements(tx: &mut Tx, plan: &Plan, errors: &mut Errors) -> anyhow::Result<()> {
    for rule in agreement_rules() {
        let Some(spec) = schema::entity_file(rule.kind).filter(|s| plan.mode(s).is_some()) else {
            continue;
        };
        let (f, v, target, column) = (rule.field, rule.via, rule.target, rule.column);
        let Ty::Ref(field_kind) = f.ty else {
            continue;
        };
        let field = f.name;
        let Some(csv_column) = spec
            .columns
            .iter()
            .find(|c| c.to == To::Field(f.name))
            .map(|c| c.name)
        else {
            continue;
        };
        if errors.full() {
            return Ok(());
        }
        let stage = layout::stage_table(spec);
        let table = entities::entity(target).table;
        let (fc, vc) = (f.column, v.column);
        let (join, actual) = match schema::entity_file(target).filter(|t| plan.mode(t).is_some()) {
            Some(t) => (
                format!(
                    " LEFT JOIN {} x ON x.sourced_id = s.{vc} AND x.st = 'active'",
                    layout::stage_table(t)
                ),
                format!("CASE WHEN x.sourced_id IS NOT NULL THEN x.{column} ELSE y.{column} END"),
            ),
            None => (String::new(), format!("y.{column}")),
        };
        let mut sql = Sql::new(&format!(
            "SELECT s.line, s.{fc}, s.{vc}, {actual} FROM {stage} s{join} \
             LEFT JOIN {table} y ON y.sourced_id = s.{vc} WHERE s.st = 'active' \
             AND s.{fc} IS NOT NULL AND ({actual}) IS NOT NULL AND ({actual}) <> s.{fc} \
             ORDER BY s.line LIMIT "
        ));
        sql.bind(errors.room() as i64);
        let rows = db::fetch(tx, &sql, |r| {
            Ok((
                r.int(0)?.unwrap_or(0) as u64,
                [r.text(1)?, r.text(2)?, r.text(3)?].map(|t| t.unwrap_or_default().to_string()),
            ))
        })
        .await?;
        for (line, [value, via_id, actual]) in rows {
            errors.push(CsvError::at(
                &spec.file_name(),
                line,
                Some(csv_column),
                format!(
                    "{} '{value}' is not the {field} of {} '{via_id}', which is '{actual}'",
                    what(field_kind),
                    what(target)
                ),
            ));
        }
    }
    Ok(())
}

/// SQL: the profile `col` belongs to the row's owner once the package is applied.
fn profile_target(plan: &Plan, d: crate::store::Dialect, col: &str) -> String {
    let profiles = schema::file("userProfiles").map(|spec| (spec, plan.mode(spec)));
    let (from, elem) = d.json_object_elements("u.user_profiles");
    let profile_id = d.json_member_text(elem, "profileId");
    let in_store = format!(
        "EXISTS (SELECT 1 FROM users u, {from} WHERE u.sourced_id = s.owner_id AND {profile_id} = {col})"
    );
    match profiles {
        Some((spec, Some(mode))) => {
            let stage = layout::stage_table(spec);
            let in_package = format!(
                "EXISTS (SELECT 1 FROM {stage} p WHERE p.sourced_id = {col} AND p.owner_id = s.owner_id AND p.st = 'active')"
            );
            match mode {
                Mode::Bulk => in_package,
                Mode::Delta => format!(
                    "({in_package} OR ({in_store} AND NOT EXISTS (SELECT 1 FROM {stage} q WHERE q.sourced_id = {col} AND q.st = 'tobedeleted')))"
                ),
            }
        }
        _ => in_store,
    }
}

/// Link rows that would put the same element twice into one owner's list.
pub async fn link_duplicates(tx: &mut Tx, plan: &Plan, errors: &mut Errors) -> anyhow::Result<()> {
    for (spec, _) in plan.specs() {
        let Target::Link(link) = &spec.target else {
            continue;
        };
        if errors.full() {
            return Ok(());
        }
        let stage = layout::stage_table(spec);
        let key = if link.shape == Shape::ScoreScale {
            "owner_id"
        } else {
            "owner_id, link_key"
        };
        // Groups holding more than one row are found first (one aggregate over the file);
        // only their rows are ranked.
        let mut sql = Sql::new(&format!(
            "SELECT line, owner_id, first FROM (SELECT l.line, l.owner_id, \
             min(l.line) OVER (PARTITION BY {key}) AS first FROM {stage} l \
             WHERE l.st = 'active' AND l.owner_id IS NOT NULL AND ({key}) IN \
             (SELECT {key} FROM {stage} d WHERE d.st = 'active' AND d.owner_id IS NOT NULL \
             GROUP BY {key} HAVING count(*) > 1)) q WHERE first < line ORDER BY line LIMIT "
        ));
        sql.bind(errors.room() as i64);
        let rows = db::fetch(tx, &sql, |r| {
            Ok((
                r.int(0)?.unwrap_or(0) as u64,
                r.text(1)?.unwrap_or_default().to_string(),
                r.int(2)?.unwrap_or(0),
            ))
        })
        .await?;
        let owner = what(link.owner);
        for (line, id, first) in rows {
            let message = match link.shape {
                Shape::Role => format!(
                    "{owner} '{id}' already has this role in this org (line {first}); a user holds a role in an org once"
                ),
                Shape::ScoreScale => format!(
                    "{owner} '{id}' already has a score scale (line {first}); it has one at most"
                ),
                Shape::Resource => {
                    format!("{owner} '{id}' already lists this resource (line {first})")
                }
                Shape::LoId | Shape::LoResult => format!(
                    "{owner} '{id}' already lists this learning objective for this source (line {first})"
                ),
                Shape::Profile => format!("{owner} '{id}' already has this profile (line {first})"),
            };
            errors.push(CsvError::at(&spec.file_name(), line, None, message));
        }
    }
    Ok(())
}

/// Refuses bulk files that would delete more than `threshold` of what is stored.
pub async fn mass_delete(
    tx: &mut Tx,
    plan: &Plan,
    censuses: &HashMap<&'static str, Census>,
    threshold: f64,
    errors: &mut Errors,
) -> anyhow::Result<()> {
    for (spec, mode) in plan.specs() {
        if mode != Mode::Bulk {
            continue;
        }
        let stage = layout::stage_table(spec);
        let (existing, gone, noun) = match &spec.target {
            Target::Entity(entity) => {
                let c = censuses.get(spec.name).copied().unwrap_or_default();
                (
                    c.active_before as i64,
                    c.active_before.saturating_sub(c.kept) as i64,
                    format!("active {}", entity.plural),
                )
            }
            Target::Link(link) => {
                let owner = entities::entity(link.owner);
                let column = owner.field(link.field).map(|f| f.column).unwrap_or("");
                let table = owner.table;
                let holders = format!(
                    "t.status = 'active' AND t.{column} IS NOT NULL AND t.{column} <> '[]'"
                );
                let existing = db::fetch_i64(
                    tx,
                    &Sql::new(&format!("SELECT count(*) FROM {table} t WHERE {holders}")),
                )
                .await?;
                let gone = db::fetch_i64(
                    tx,
                    &Sql::new(&format!(
                        "SELECT count(*) FROM {table} t WHERE {holders} AND NOT EXISTS \
                         (SELECT 1 FROM {stage} s WHERE s.owner_id = t.sourced_id AND s.st = 'active')"
                    )),
                )
                .await?;
                (
                    existing,
                    gone,
                    format!("{} that have {}", owner.plural, link.field),
                )
            }
        };
        if existing > 0 && (gone as f64) > threshold * existing as f64 {
            let verb = if spec.link().is_some() {
                "empty the list of"
            } else {
                "delete"
            };
            errors.push(CsvError::file(
                &spec.file_name(),
                format!(
                    "this bulk file would {verb} {gone} of the {existing} {noun} ({:.0}%), more than the {:.0}% allowed; \
                     if that is intended, import again with --allow-mass-delete (HTTP: ?allowMassDelete=true)",
                    100.0 * gone as f64 / existing as f64,
                    100.0 * threshold
                ),
            ));
        }
    }
    Ok(())
}
