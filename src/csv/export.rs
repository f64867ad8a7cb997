//! Export: the store as a CSV package, bulk (every active record) or delta (every record
//! changed after a date-time, tombstones included).
//!
//! Everything is read in one snapshot (a repeatable-read transaction on PostgreSQL, a read
//! transaction on SQLite) and streamed row by row into the zip entries: memory stays flat
//! whatever the size of the store.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Seek, Write};

use serde::Serialize;
use serde_json::Value;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::model::catalogue::Ty;
use crate::model::datetime::format_datetime;
use crate::model::entities;
use crate::model::render::RowAccess;
use crate::store::{Db, Sql, Store, Tx, WriteTurn};

use super::db;
use super::layout::{self, Source};
use super::merge::{self, KEY_SEP, REGISTRY};
use super::package::{MANIFEST, Mode};
use super::schema::{self, CTy, FILES, FileSpec, GRADING_PERIOD_COLUMN, Shape, Target, To};
use super::values;

/// One file written.
#[derive(Clone, Debug, Serialize)]
pub struct ExportedFile {
    pub file: String,
    pub rows: u64,
}

/// What an export wrote.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    pub mode: Mode,
    pub files: Vec<ExportedFile>,
}

/// Rows are written to the zip in pieces of about this size.
const FLUSH: usize = 64 * 1024;

/// Appends one CSV cell: quoted when it must be, `""` for an empty string, nothing for no value.
fn push_cell(out: &mut String, v: Option<&str>) {
    match v {
        None => {}
        Some("") => out.push_str("\"\""),
        Some(s) if s.contains([',', '"', '\r', '\n']) => {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        }
        Some(s) => out.push_str(s),
    }
}

fn push_row(out: &mut String, cells: &[Option<String>]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, c.as_deref());
    }
    out.push_str("\r\n");
}

/// A list stored as a JSON array of strings, as a list cell.
fn list_cell(json: &str) -> Option<String> {
    let items: Vec<String> = serde_json::from_str(json).ok()?;
    Some(items.join(","))
}

/// A stored `[{a:…, b:…}]` list as `{a:b},…`.
fn pairs_cell(json: &str, a: &str, b: &str) -> Option<String> {
    let items: Vec<Value> = serde_json::from_str(json).ok()?;
    let parts: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{{{}:{}}}",
                i.get(a).and_then(Value::as_str).unwrap_or(""),
                i.get(b).and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    Some(parts.join(","))
}

/// Opens a consistent, read-only view of the store.
async fn snapshot(store: &Store) -> anyhow::Result<Tx> {
    Ok(match &store.db {
        Db::Postgres(pg) => {
            let mut tx = Tx::Postgres(pg.begin().await?);
            tx.execute(&Sql::new(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            ))
            .await?;
            tx.execute(&Sql::new("SET LOCAL statement_timeout = 0"))
                .await?;
            tx
        }
        // A deferred transaction: its first read fixes the snapshot (WAL mode), without
        // taking the write lock.
        Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?, WriteTurn::reader()),
    })
}

/// Which records of a file's kind an export takes.
fn filter(sql: &mut Sql, since: Option<i64>) {
    match since {
        None => {
            sql.push("t.status = 'active'");
        }
        Some(ms) => {
            sql.push("t.date_last_modified > ").bind(ms);
        }
    }
}

/// The stored column holding a link file's list, and the owner's table.
fn link_source(spec: &FileSpec) -> (&'static str, &'static str) {
    let link = spec.link().expect("a link file");
    (entities::entity(link.owner).table, merge::link_column(link))
}

async fn has_rows(tx: &mut Tx, spec: &FileSpec, since: Option<i64>) -> anyhow::Result<bool> {
    let mut sql = Sql::new("SELECT count(*) FROM (SELECT 1 FROM ");
    match &spec.target {
        Target::Entity(e) => {
            sql.push(e.table).push(" t WHERE ");
            filter(&mut sql, since);
        }
        Target::Link(_) => {
            let (table, column) = link_source(spec);
            sql.push(&format!(
                "{table} t WHERE t.{column} IS NOT NULL AND t.{column} <> '[]' AND "
            ));
            filter(&mut sql, since);
            if let Some(ms) = since {
                sql.push(&format!(
                    " UNION ALL SELECT 1 FROM {REGISTRY} r WHERE r.status = 'tobedeleted' AND r.file = "
                ))
                .bind(spec.name)
                .push(" AND r.date_last_modified > ")
                .bind(ms);
            }
        }
    }
    sql.push(" LIMIT 1) q");
    Ok(db::fetch_i64(tx, &sql).await? > 0)
}

/// Writes the store as a package to `out`: bulk, or delta of what changed after `since`
/// (epoch milliseconds).
pub async fn export<W: Write + Seek>(
    store: &Store,
    out: W,
    since: Option<i64>,
) -> anyhow::Result<(W, ExportSummary)> {
    let mut tx = snapshot(store).await?;
    let mode = if since.is_some() {
        Mode::Delta
    } else {
        Mode::Bulk
    };
    let mut present = Vec::new();
    for spec in &FILES {
        if has_rows(&mut tx, spec, since).await? {
            present.push(spec.name);
        }
    }
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut manifest =
        String::from("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n");
    for name in schema::MANIFEST_ORDER {
        let m = if present.contains(&name) {
            mode.as_str()
        } else {
            "absent"
        };
        manifest.push_str(&format!("file.{name},{m}\r\n"));
    }
    manifest.push_str(&format!(
        "source.systemName,oneroster-server {}\r\n",
        env!("CARGO_PKG_VERSION")
    ));
    zip.start_file(MANIFEST, options)?;
    zip.write_all(manifest.as_bytes())?;
    let mut files = Vec::new();
    for spec in FILES.iter().filter(|s| present.contains(&s.name)) {
        zip.start_file(spec.file_name(), options)?;
        let rows = match &spec.target {
            Target::Entity(_) => write_entity(&mut tx, &mut zip, spec, since).await?,
            Target::Link(_) => write_link(&mut tx, &mut zip, spec, since).await?,
        };
        files.push(ExportedFile {
            file: spec.file_name(),
            rows,
        });
    }
    let out = zip.finish()?;
    Ok((out, ExportSummary { mode, files }))
}

/// The cell of a stored value of type `ty` written as column type `cty`.
fn cell(row: &dyn RowAccess, i: usize, ty: &Ty, cty: CTy) -> anyhow::Result<Option<String>> {
    Ok(match ty {
        Ty::DateTime => row.int(i)?.map(|ms| {
            // The binding's lineItems dates are dates; a time of day is kept as a date-time.
            if matches!(cty, CTy::DateOrDateTime) && ms.rem_euclid(86_400_000) == 0 {
                format_datetime(ms)[..10].to_string()
            } else {
                format_datetime(ms)
            }
        }),
        Ty::Float => row.float(i)?.map(values::format_float),
        Ty::RefList(_) | Ty::StrList | Ty::VocabList(_) => row.text(i)?.and_then(list_cell),
        Ty::Objects(_) => match cty {
            CTy::UserIds => row
                .text(i)?
                .and_then(|j| pairs_cell(j, "type", "identifier")),
            CTy::ScoreScaleValues => row
                .text(i)?
                .and_then(|j| pairs_cell(j, "itemValueLHS", "itemValueRHS")),
            _ => None,
        },
        _ => row.text(i)?.map(str::to_string),
    })
}

/// Streams an entity file.
async fn write_entity<W: Write + Seek>(
    tx: &mut Tx,
    zip: &mut ZipWriter<W>,
    spec: &FileSpec,
    since: Option<i64>,
) -> anyhow::Result<u64> {
    let entity = spec.entity().expect("an entity file");
    let table = entity.table;
    // First pass: the metadata keys in use, in order of first appearance.
    let mut keys: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut sql = Sql::new(&format!(
        "SELECT t.metadata FROM {table} t WHERE t.metadata IS NOT NULL AND "
    ));
    filter(&mut sql, since);
    sql.push(" ORDER BY t.sourced_id");
    db::for_each(tx, &sql, |r| {
        if let Some(Value::Object(m)) = r.text(0)?.and_then(|j| serde_json::from_str(j).ok()) {
            for k in m.keys() {
                if !seen.contains(k) {
                    seen.insert(k.clone());
                    keys.push(k.clone());
                }
            }
        }
        Ok(())
    })
    .await?;
    let fields = layout::entity_fields(spec, entity);
    let grading_period = fields
        .iter()
        .find(|f| f.source == Source::GradingPeriod)
        .map(|f| f.column());
    if grading_period.is_some() {
        anyhow::ensure!(
            !keys
                .iter()
                .any(|k| format!("metadata.{k}") == GRADING_PERIOD_COLUMN),
            "a line item has a metadata key 'gradingPeriodSourcedId', which the CSV export reserves for gradingPeriod"
        );
    }
    let mut header: Vec<String> = spec.header().iter().map(|s| s.to_string()).collect();
    if grading_period.is_some() {
        header.push(GRADING_PERIOD_COLUMN.to_string());
    }
    header.extend(keys.iter().map(|k| format!("metadata.{k}")));
    // Second pass: the rows.
    let mut select: Vec<String> = vec![
        "t.sourced_id".into(),
        "t.status".into(),
        "t.date_last_modified".into(),
    ];
    let mut types: Vec<(Ty, CTy)> = Vec::new();
    for col in &spec.columns[3..] {
        match col.to {
            To::Field(name) => {
                let field = entity.field(name).expect("catalogued field");
                select.push(format!("t.{}", field.column));
                types.push((field.ty, col.ty));
            }
            // scoreScales.orgSourcedId: REST score scales have no org; the class's school is.
            _ => {
                select.push(
                    "(SELECT c.school_id FROM classes c WHERE c.sourced_id = t.class_id)".into(),
                );
                types.push((Ty::Str, col.ty));
            }
        }
    }
    select.push("t.metadata".into());
    if let Some(gp) = grading_period {
        select.push(format!("t.{gp}"));
    }
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM {table} t WHERE ",
        select.join(", ")
    ));
    filter(&mut sql, since);
    sql.push(" ORDER BY t.sourced_id");
    let mut buf = String::with_capacity(FLUSH + 4096);
    push_row(&mut buf, &header.into_iter().map(Some).collect::<Vec<_>>());
    let mut rows = 0u64;
    let n = types.len();
    db::for_each(tx, &sql, |r| {
        let mut cells: Vec<Option<String>> = Vec::with_capacity(3 + n + 1 + keys.len());
        cells.push(r.text(0)?.map(str::to_string));
        if since.is_some() {
            cells.push(r.text(1)?.map(str::to_string));
            cells.push(r.int(2)?.map(format_datetime));
        } else {
            cells.push(None);
            cells.push(None);
        }
        for (k, (ty, cty)) in types.iter().enumerate() {
            cells.push(cell(r, 3 + k, ty, *cty)?);
        }
        if grading_period.is_some() {
            cells.push(r.text(4 + n)?.map(str::to_string));
        }
        let metadata: Option<serde_json::Map<String, Value>> =
            r.text(3 + n)?.and_then(|j| serde_json::from_str(j).ok());
        for k in &keys {
            cells.push(
                metadata
                    .as_ref()
                    .and_then(|m| m.get(k))
                    .map(values::metadata_cell),
            );
        }
        push_row(&mut buf, &cells);
        rows += 1;
        if buf.len() >= FLUSH {
            zip.write_all(buf.as_bytes())?;
            buf.clear();
        }
        Ok(())
    })
    .await?;
    zip.write_all(buf.as_bytes())?;
    Ok(rows)
}

/// The sourcedId of a link row with no recorded identity: derived from its owner and key, so
/// that exports of the same store agree, and distinct from the owner's recorded ids.
fn generated_id(owner: &str, tag: &str, key: &str, taken: &HashSet<String>) -> String {
    let readable = format!("{owner}.{tag}.{}", key.replace(KEY_SEP, "."));
    let base = if readable.len() <= 200 && !readable.chars().any(char::is_control) {
        readable
    } else {
        let mut h = DefaultHasher::new();
        (owner, tag, key).hash(&mut h);
        format!("{tag}.{:016x}", h.finish())
    };
    let mut id = base.clone();
    let mut n = 1;
    while taken.contains(&id) {
        n += 1;
        id = format!("{base}.{n}");
    }
    id
}

/// The cells of a link row, by column name.
fn link_cells(shape: Shape, key: &str, elem: &str) -> HashMap<&'static str, String> {
    let mut m: HashMap<&'static str, String> = HashMap::new();
    let v: Value = serde_json::from_str(elem).unwrap_or(Value::Null);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (first, second) = key.split_once(KEY_SEP).unwrap_or((key, ""));
    match shape {
        Shape::Role => {
            for (col, k) in [
                ("roleType", "roleType"),
                ("role", "role"),
                ("orgSourcedId", "org"),
                ("userProfileSourcedId", "userProfile"),
                ("beginDate", "beginDate"),
                ("endDate", "endDate"),
            ] {
                if let Some(s) = text(&v, k) {
                    m.insert(col, s);
                }
            }
        }
        Shape::Profile => {
            for k in ["profileType", "vendorId", "applicationId", "description"] {
                if let Some(s) = text(&v, k) {
                    m.insert(k, s);
                }
            }
            // The binding has one credential per profile row.
            if let Some(cred) = v.get("credentials").and_then(|c| c.get(0)) {
                for (col, k) in [
                    ("credentialType", "type"),
                    ("username", "username"),
                    ("password", "password"),
                ] {
                    if let Some(s) = text(cred, k) {
                        m.insert(col, s);
                    }
                }
            }
        }
        Shape::Resource => {
            m.insert("resourceSourcedId", key.to_string());
        }
        Shape::ScoreScale => {
            m.insert("scoreScaleSourcedId", key.to_string());
        }
        Shape::LoId | Shape::LoResult => {
            m.insert("source", first.to_string());
            m.insert("learningObjectiveId", second.to_string());
            if let Some(score) = v.get("score").filter(|s| s.is_number()) {
                m.insert("score", score.to_string());
            }
            if let Some(t) = text(&v, "textScore") {
                m.insert("textScore", t);
            }
        }
    }
    m
}

/// The cells of a tombstoned link row: what its key says.
fn tombstone_cells(shape: Shape, key: &str) -> HashMap<&'static str, String> {
    let mut m = HashMap::new();
    let (first, second) = key.split_once(KEY_SEP).unwrap_or((key, ""));
    match shape {
        Shape::Role => {
            m.insert("orgSourcedId", first.to_string());
            m.insert("role", second.to_string());
        }
        Shape::Profile => {}
        Shape::Resource => {
            m.insert("resourceSourcedId", key.to_string());
        }
        Shape::ScoreScale => {
            m.insert("scoreScaleSourcedId", key.to_string());
        }
        Shape::LoId | Shape::LoResult => {
            m.insert("source", first.to_string());
            m.insert("learningObjectiveId", second.to_string());
        }
    }
    m
}

/// Streams a link file: one row per element of the owners' lists (and, in a delta, one per
/// link row deleted since).
async fn write_link<W: Write + Seek>(
    tx: &mut Tx,
    zip: &mut ZipWriter<W>,
    spec: &FileSpec,
    since: Option<i64>,
) -> anyhow::Result<u64> {
    let d = db::dialect(tx);
    let link = spec.link().expect("a link file");
    let (table, column) = link_source(spec);
    let owner_col = spec
        .columns
        .iter()
        .find(|c| c.to == To::Owner)
        .map(|c| c.name)
        .unwrap_or("");
    let sep = db::unit_sep(d);
    let mut sql = Sql::new(&format!(
        "SELECT t.sourced_id, t.date_last_modified, t.{column}, (SELECT {} FROM {REGISTRY} r WHERE r.file = ",
        db::concat_records(
            d,
            &format!("r.link_key || {sep} || r.sourced_id || {sep} || r.status")
        )
    ));
    sql.bind(spec.name).push(&format!(
        " AND r.owner_id = t.sourced_id) FROM {table} t WHERE t.{column} IS NOT NULL AND "
    ));
    filter(&mut sql, since);
    sql.push(" ORDER BY t.sourced_id");
    let mut buf = String::with_capacity(FLUSH + 4096);
    push_row(
        &mut buf,
        &spec
            .header()
            .iter()
            .map(|s| Some(s.to_string()))
            .collect::<Vec<_>>(),
    );
    let mut rows = 0u64;
    let write = |buf: &mut String,
                 id: &str,
                 status: Option<(&str, i64)>,
                 owner: &str,
                 cells: &HashMap<&str, String>| {
        let mut row: Vec<Option<String>> = Vec::with_capacity(spec.columns.len());
        for col in spec.columns {
            row.push(match col.name {
                "sourcedId" => Some(id.to_string()),
                "status" => status.map(|(s, _)| s.to_string()),
                "dateLastModified" => status.map(|(_, ms)| format_datetime(ms)),
                name if name == owner_col => Some(owner.to_string()),
                name => cells.get(name).cloned(),
            });
        }
        push_row(buf, &row);
    };
    db::for_each(tx, &sql, |r| {
        let owner = r.text(0)?.unwrap_or_default().to_string();
        let dlm = r.int(1)?.unwrap_or(0);
        let Some(stored) = r.text(2)? else {
            return Ok(());
        };
        // The recorded identities of this owner's link rows: active ones by key, all taken.
        let mut active: HashMap<String, VecDeque<String>> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        for rec in r
            .text(3)?
            .unwrap_or_default()
            .split('\u{1e}')
            .filter(|s| !s.is_empty())
        {
            let mut parts = rec.split('\u{1f}');
            let (Some(status), Some(id)) = (parts.next_back(), parts.next_back()) else {
                continue;
            };
            let key: Vec<&str> = parts.collect();
            let key = key.join("\u{1f}");
            taken.insert(id.to_string());
            if status == "active" {
                active.entry(key).or_default().push_back(id.to_string());
            }
        }
        let status = since.map(|_| ("active", dlm));
        for (key, elem, _) in merge::explode(link.shape, stored) {
            let id = if link.shape == Shape::Profile {
                key.clone()
            } else if let Some(id) = active.get_mut(&key).and_then(VecDeque::pop_front) {
                id
            } else {
                let id = generated_id(&owner, link.tag, &key, &taken);
                taken.insert(id.clone());
                id
            };
            write(
                &mut buf,
                &id,
                status,
                &owner,
                &link_cells(link.shape, &key, &elem),
            );
            rows += 1;
        }
        if buf.len() >= FLUSH {
            zip.write_all(buf.as_bytes())?;
            buf.clear();
        }
        Ok(())
    })
    .await?;
    if let Some(ms) = since {
        let mut sql = Sql::new(&format!(
            "SELECT sourced_id, owner_id, link_key, date_last_modified FROM {REGISTRY} \
             WHERE status = 'tobedeleted' AND file = "
        ));
        sql.bind(spec.name)
            .push(" AND date_last_modified > ")
            .bind(ms)
            .push(" ORDER BY sourced_id");
        db::for_each(tx, &sql, |r| {
            let id = r.text(0)?.unwrap_or_default().to_string();
            let owner = r.text(1)?.unwrap_or_default().to_string();
            let key = r.text(2)?.unwrap_or_default().to_string();
            let dlm = r.int(3)?.unwrap_or(0);
            write(
                &mut buf,
                &id,
                Some(("tobedeleted", dlm)),
                &owner,
                &tombstone_cells(link.shape, &key),
            );
            rows += 1;
            if buf.len() >= FLUSH {
                zip.write_all(buf.as_bytes())?;
                buf.clear();
            }
            Ok(())
        })
        .await?;
    }
    zip.write_all(buf.as_bytes())?;
    Ok(rows)
}
