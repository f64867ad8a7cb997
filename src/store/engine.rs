//! The generic behaviours behind all 81 operations: list, get, list-related (a list scoped by
//! parents), put, post-batch and delete. They know entities only through the catalogue.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use axum::http::StatusCode;

use crate::error::{ApiError, CodeMinor};
use crate::model::catalogue::{Entity, Field, Kind, Ty};
use crate::model::datetime::now_ms;
use crate::model::entities;
use crate::model::input::{FieldError, Record, RefUse, parse_record};
use crate::model::render::Renderer;
use crate::query::{DEFAULT_LIMIT, ListParams};

use super::bookmarks::Bookmarks;
use super::plan::{self, ListPlan, PageKey, Parent, View};
use super::{Dialect, Store, Tx, write};

/// Rows a page query may skip before a deep page is looked for from the end of the list
/// instead (below it, counting first would cost more than it saves).
pub const DEEP_PAGE_MIN_SKIP: u64 = 10_000;

/// Engine settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Largest page served; larger `limit`s are clamped (and the `Link` header says so).
    pub max_limit: u64,
    /// See [`DEEP_PAGE_MIN_SKIP`].
    pub deep_page_min_skip: u64,
}

/// The engine shared by all handlers.
#[derive(Clone)]
pub struct Engine {
    pub store: Store,
    pub renderer: Arc<Renderer>,
    pub config: EngineConfig,
    /// Where recently served pages ended (keyset continuation of offset paging).
    pub bookmarks: Arc<Bookmarks>,
}

impl Engine {
    pub fn new(store: Store, renderer: Arc<Renderer>, config: EngineConfig) -> Engine {
        Engine {
            store,
            renderer,
            config,
            bookmarks: Arc::new(Bookmarks::default()),
        }
    }
}

/// Records, when a page has been streamed, where it ended.
struct PageEnd {
    bookmarks: Arc<Bookmarks>,
    listing: String,
    position: u64,
    last: Option<PageKey>,
}

impl Drop for PageEnd {
    fn drop(&mut self) {
        if let Some(key) = self.last.take() {
            self.bookmarks
                .record(std::mem::take(&mut self.listing), self.position, key);
        }
    }
}

/// A page of a collection, ready to stream.
pub struct Page {
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    /// The first chunk of the body (already produced, so the query is known to work).
    pub first: Vec<u8>,
    /// The rest of the body.
    pub rest: Option<mpsc::Receiver<anyhow::Result<super::Chunk>>>,
}

impl Engine {
    /// Checks that every parent named in the path exists (404 otherwise).
    pub async fn check_parents(&self, parents: &[Parent], ids: &[&str]) -> Result<(), ApiError> {
        for (i, parent) in parents.iter().enumerate() {
            let owner = parent.belongs_to.map(|(_, idx)| ids[idx]);
            let sql = plan::parent_sql(parent, ids[i], owner);
            if !self.store.exists(&sql).await? {
                let what = parent.view.label();
                let mut msg = format!("Unknown {what} '{}'", ids[i]);
                if let (Some((_, idx)), Some(owner)) = (parent.belongs_to, owner) {
                    let owner_what = parents[idx].view.label();
                    msg.push_str(&format!(" in {owner_what} '{owner}'"));
                }
                return Err(ApiError::unknown_object(msg));
            }
        }
        Ok(())
    }

    /// One page of a view, scoped by `parents` (whose ids are `ids`).
    pub async fn list(
        &self,
        view: &'static View,
        parents: &'static [Parent],
        ids: &[&str],
        params: &ListParams,
    ) -> Result<Page, ApiError> {
        let entity = view.entity;
        let fields = plan::selection(
            entity,
            params.fields.as_deref(),
            self.renderer.expose_secrets,
        )?;
        let links = parents
            .iter()
            .zip(ids)
            .filter_map(|(p, id)| p.link.as_ref().map(|l| (l, *id)))
            .collect();
        let plan = ListPlan {
            view,
            links,
            params,
        };
        let dialect = self.store.dialect;
        let limit = params
            .limit
            .unwrap_or(DEFAULT_LIMIT)
            .min(self.config.max_limit);
        // Continue from where an earlier page of the same listing ended, when one did.
        let listing = plan.signature();
        let mut after = if params.offset > 0 {
            self.bookmarks.nearest(&listing, params.offset)
        } else {
            None
        };
        // Build the statements first: a bad filter or sort is a 400, whatever the data.
        let count_sql = plan.count_sql(dialect)?;
        let (sort, _) = plan.sort()?;
        // A deep page with no remembered position near it: when it lies nearer the end of
        // the list than the start (or the remembered position), its starting point is found
        // by walking back from the end, so the last page costs about what the first does.
        let mut known_total = None;
        let forward = params.offset - after.as_ref().map_or(0, |(at, _)| *at);
        if forward > self.config.deep_page_min_skip {
            let total = self.store.fetch_i64(&count_sql).await?.max(0) as u64;
            known_total = Some(total);
            if params.offset < total && total - params.offset < forward {
                let key_sql = plan.key_from_end_sql(
                    dialect,
                    total - params.offset,
                    plan::parents_exist(parents, ids),
                )?;
                let keys = self
                    .store
                    .fetch_map(&key_sql, |row| PageKey::read(row, 0, sort))
                    .await?;
                if let Some(key) = keys.into_iter().next() {
                    after = Some((params.offset, key));
                }
            }
        }
        let page_sql = plan.page_sql_checked(
            dialect,
            &fields,
            limit,
            after.as_ref().map(|(p, k)| (*p, k)),
            plan::parents_exist(parents, ids),
        )?;
        let mut prefix = Vec::with_capacity(64);
        prefix.extend_from_slice(b"{\"");
        prefix.extend_from_slice(entity.plural.as_bytes());
        prefix.extend_from_slice(b"\":[");

        // The page comes first: often it answers everything (its rows prove the parents
        // exist; a partial page at a plain offset gives the total).
        let renderer = self.renderer.clone();
        let rows = Arc::new(AtomicU64::new(0));
        let mut end = PageEnd {
            bookmarks: self.bookmarks.clone(),
            listing,
            position: params.offset,
            last: None,
        };
        let n = fields.len();
        let counter = rows.clone();
        let mut taken = 0;
        let each = move |buf: &mut Vec<u8>, row: &dyn crate::model::render::RowAccess| {
            // SQLite may be asked for a few rows more than the page (see page_sql_checked).
            if taken == limit {
                return Ok(());
            }
            taken += 1;
            if end.last.is_some() {
                buf.push(b',');
            }
            renderer.write_row(buf, &fields, row)?;
            end.last = Some(PageKey::read(row, n, sort)?);
            end.position += 1;
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        };
        let (first, rx) = self.store.stream(page_sql, prefix, b"]}", each).await;
        let first = match first {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Err(ApiError::from(e)),
            None => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "list stream ended early"
                )));
            }
        };
        let seen = rows.load(Ordering::Relaxed);
        if seen == 0 {
            // Nothing: an unknown parent (404), or an empty or exhausted list.
            self.check_parents(parents, ids).await?;
        }
        let exact_from_page = first.last
            && seen < limit
            && (seen > 0 || params.offset == 0)
            && (after.is_none() || params.offset == 0);
        let total = if exact_from_page {
            params.offset + seen
        } else if let Some(total) = known_total {
            total
        } else {
            // The rest of the page may still hold its connection.
            self.store.fetch_total(&count_sql).await?.max(0) as u64
        };
        Ok(Page {
            total,
            limit,
            offset: params.offset,
            first: first.bytes,
            rest: (!first.last).then_some(rx),
        })
    }

    /// One object of a view as `{"<singular>": {...}}`, or 404.
    pub async fn get(
        &self,
        view: &'static View,
        id: &str,
        params: &ListParams,
    ) -> Result<Vec<u8>, ApiError> {
        let entity = view.entity;
        let fields = plan::selection(
            entity,
            params.fields.as_deref(),
            self.renderer.expose_secrets,
        )?;
        let sql = plan::get_sql(self.store.dialect, view, &fields, id);
        let renderer = &self.renderer;
        let mut bodies = self
            .store
            .fetch_map(&sql, |row| {
                let mut out = Vec::with_capacity(1024);
                out.extend_from_slice(b"{\"");
                out.extend_from_slice(entity.singular.as_bytes());
                out.extend_from_slice(b"\":");
                renderer.write_row(&mut out, &fields, row)?;
                out.push(b'}');
                Ok(out)
            })
            .await?;
        bodies
            .pop()
            .ok_or_else(|| ApiError::unknown_object(format!("Unknown {} '{id}'", view.label())))
    }
}

/// A random (version 4) UUID, used for allocated sourcedIds.
pub fn new_uuid() -> String {
    let mut b = [0u8; 16];
    // Without entropy there is nothing sensible to do; the OS always provides it.
    getrandom::fill(&mut b).expect("operating system randomness");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn describe_errors(prefix: &str, errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .take(20)
        .map(|e| {
            let path = match (prefix.is_empty(), e.path.is_empty()) {
                (true, _) => e.path.clone(),
                (false, true) => prefix.to_string(),
                (false, false) => format!("{prefix}.{}", e.path),
            };
            format!("{path} {}", e.message)
        })
        .collect();
    let more = errors.len().saturating_sub(20);
    let mut s = parts.join("; ");
    if more > 0 {
        s.push_str(&format!("; and {more} more"));
    }
    s
}

/// The complaint about a record written as deleted. Deletion goes through DELETE, which
/// also deletes what depends on the object and refuses while it is in use; a PUT or POST of
/// `tobedeleted` (or its 1.0 spelling `inactive`) would bypass both.
fn tombstone_written(prefix: &str, record: &Record) -> Option<String> {
    let status = record.status();
    (status != "active").then(|| {
        format!(
            "{prefix}.status '{status}' cannot be written: delete objects with DELETE \
             {}/{{sourcedId}}",
            record.entity.collection
        )
    })
}

/// Takes the one object out of a `{"<key>": {...}}` envelope.
fn unwrap_envelope<'v>(
    body: &'v serde_json::Value,
    key: &str,
    what: &str,
) -> Result<&'v serde_json::Value, ApiError> {
    match body.as_object() {
        Some(obj) if obj.len() == 1 && obj.contains_key(key) => Ok(&obj[key]),
        _ => Err(ApiError::unprocessable(format!(
            "The request body must be {{\"{key}\": {what}}}"
        ))),
    }
}

/// Checks that every reference of `records` names an active object. Runs in the write's
/// transaction and keeps the referenced rows from being deleted until it ends, so that a
/// concurrent DELETE cannot leave the new objects referring to a tombstone.
async fn check_refs(tx: &mut Tx, records: &[(String, &Record)]) -> Result<(), ApiError> {
    let uses = records.iter().flat_map(|(_, r)| r.refs.iter());
    let missing = write::missing_refs(tx, uses).await?;
    refs_error(records, &missing)
}

/// The 422 naming the `missing` references of `records`, if any.
fn refs_error(records: &[(String, &Record)], missing: &[&RefUse]) -> Result<(), ApiError> {
    if missing.is_empty() {
        return Ok(());
    }
    let mut msgs = Vec::new();
    for m in missing.iter().take(20) {
        let (prefix, _) = records
            .iter()
            .find(|(_, r)| r.refs.iter().any(|u| std::ptr::eq(u, *m)))
            .expect("missing reference comes from a record");
        let path = if prefix.is_empty() {
            m.path.clone()
        } else {
            format!("{prefix}.{}", m.path)
        };
        msgs.push(match m.role {
            Some(role) => format!(
                "{path} refers to an unknown {role} '{}' (an active {} holding the role '{role}')",
                m.id,
                entities::entity(m.kind).singular,
            ),
            None => format!(
                "{path} refers to an unknown {} '{}'",
                entities::entity(m.kind).singular,
                m.id
            ),
        });
    }
    Err(ApiError::unprocessable(msgs.join("; ")))
}

/// One [`AGREEMENTS`] rule as a record meets it: `field` of the record at `prefix` is `value`,
/// and must equal `column` of the `target` object `target_id` (the record's `via`).
pub struct AgreementUse<'a> {
    pub prefix: &'a str,
    pub field: &'static str,
    pub via: &'static str,
    pub value: &'a str,
    pub target: Kind,
    pub column: &'static str,
    pub target_id: &'a str,
}

/// The agreements that `records` must meet (those giving both fields of a rule).
fn agreement_uses<'a>(records: &'a [(String, &'a Record)]) -> Vec<AgreementUse<'a>> {
    let mut uses = Vec::new();
    for rule in agreement_rules() {
        for (prefix, r) in records.iter().filter(|(_, r)| r.entity.kind == rule.kind) {
            if let (Some(value), Some(target_id)) = (r.text(rule.field.name), r.text(rule.via.name))
            {
                uses.push(AgreementUse {
                    prefix,
                    field: rule.field.name,
                    via: rule.via.name,
                    value,
                    target: rule.target,
                    column: rule.column,
                    target_id,
                });
            }
        }
    }
    uses
}

/// The 422 naming the agreements of `uses` that the stored values (`actual`, by target kind,
/// column and id) break, if any.
fn agreements_error(
    uses: &[AgreementUse],
    actual: &BTreeMap<(Kind, &str, &str), Option<String>>,
) -> Result<(), ApiError> {
    let mut msgs = Vec::new();
    for u in uses {
        if let Some(Some(a)) = actual.get(&(u.target, u.column, u.target_id))
            && a != u.value
        {
            msgs.push(format!(
                "{}.{} is '{}' but {} '{}' has {} '{a}'",
                u.prefix, u.field, u.value, u.via, u.target_id, u.field
            ));
        }
    }
    if msgs.is_empty() {
        Ok(())
    } else {
        msgs.truncate(20);
        Err(ApiError::unprocessable(msgs.join("; ")))
    }
}

/// Checks the [`AGREEMENTS`] of records whose references all exist.
async fn check_agreements(tx: &mut Tx, records: &[(String, &Record)]) -> Result<(), ApiError> {
    let uses = agreement_uses(records);
    let mut actual = BTreeMap::new();
    for u in &uses {
        let key = (u.target, u.column, u.target_id);
        if let std::collections::btree_map::Entry::Vacant(slot) = actual.entry(key) {
            slot.insert(write::column_value(tx, u.target, u.column, u.target_id).await?);
        }
    }
    agreements_error(&uses, &actual)
}

/// Refuses a reference to a parent of the same kind (`parentAssessmentLineItem`) that would
/// make the hierarchy loop: the object itself or one of its descendants.
async fn check_no_loop(tx: &mut Tx, prefix: &str, record: &Record) -> Result<(), ApiError> {
    let entity = record.entity;
    for field in entity.stored_fields() {
        if !matches!(field.ty, Ty::Ref(kind) if kind == entity.kind) {
            continue;
        }
        let Some(parent) = record.text(field.name) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let mut cursor = Some(parent.to_string());
        while let Some(current) = cursor {
            if current == record.sourced_id {
                return Err(ApiError::unprocessable(format!(
                    "{prefix}.{} '{parent}' would make the hierarchy loop: it is this {} \
                     or one of its descendants",
                    field.name, entity.singular
                )));
            }
            if !seen.insert(current.clone()) {
                // A loop written before this rule existed; not ours to report.
                break;
            }
            cursor = write::column_value(tx, entity.kind, field.column, &current).await?;
        }
    }
    Ok(())
}

/// The checks that need the database: references exist and agree. All reads go through the
/// write's transaction (a second connection could wait on the first: SQLite has one writer).
async fn check_records(tx: &mut Tx, records: &[(String, &Record)]) -> Result<(), ApiError> {
    check_refs(tx, records).await?;
    check_agreements(tx, records).await
}

impl Engine {
    /// Creates or replaces the object `id` of `entity` from `{"<singular>": {...}}`.
    pub async fn put(
        &self,
        entity: &'static Entity,
        id: &str,
        body: serde_json::Value,
    ) -> Result<(), ApiError> {
        let inner = unwrap_envelope(&body, entity.singular, "{...}")?;
        let now = now_ms();
        let record = parse_record(entity, inner, Some(id), now).map_err(|errs| {
            ApiError::unprocessable(format!(
                "Invalid {}: {}",
                entity.singular,
                describe_errors(entity.singular, &errs)
            ))
        })?;
        if let Some(e) = tombstone_written(entity.singular, &record) {
            return Err(ApiError::unprocessable(format!(
                "Invalid {}: {e}",
                entity.singular
            )));
        }
        let records = [(entity.singular.to_string(), &record)];
        if self.store.dialect == Dialect::Postgres && write::single_statement(entity) {
            let uses = agreement_uses(&records);
            let checked = write::checked_upsert(&self.store, &record, &uses).await?;
            if checked.written {
                return Ok(());
            }
            let missing: Vec<&RefUse> = record
                .refs
                .iter()
                .filter(|u| !checked.found.contains(&(u.target(), u.id.clone())))
                .collect();
            refs_error(&records, &missing)?;
            let actual = uses
                .iter()
                .zip(checked.actual)
                .map(|(u, v)| ((u.target, u.column, u.target_id), v))
                .collect();
            agreements_error(&uses, &actual)?;
            // Not written, yet nothing to refuse (the data changed in between): the checks
            // below, one by one, give the answer.
        }
        let mut tx = self.store.begin().await?;
        check_records(&mut tx, &records).await?;
        // Only a replacement can close a loop: a new object has no descendants yet, and so
        // neither have the objects of a POST batch.
        check_no_loop(&mut tx, entity.singular, &record).await?;
        write::upsert(&mut tx, &[&record]).await?;
        write::carry_copies(&mut tx, &record, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a batch under the path's parents, all or nothing. Returns the body
    /// `{"sourcedIdPairs": [...]}`. A supplied sourcedId is kept when it is free; otherwise
    /// a new UUID is allocated, so a POST never replaces an existing object.
    pub async fn post_batch(
        &self,
        entity: &'static Entity,
        parents: &'static [Parent],
        forced: &'static [&'static str],
        ids: &[&str],
        body: serde_json::Value,
    ) -> Result<Vec<u8>, ApiError> {
        self.check_parents(parents, ids).await?;
        let items = unwrap_envelope(&body, entity.plural, "[...]")?
            .as_array()
            .ok_or_else(|| {
                ApiError::unprocessable(format!("'{}' must be an array", entity.plural))
            })?;
        let now = now_ms();
        let mut supplied = Vec::with_capacity(items.len());
        let mut records = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let prefix = format!("{}[{i}]", entity.plural);
            let mut item = item.clone();
            let Some(obj) = item.as_object_mut() else {
                errors.push(format!("{prefix} must be a {} object", entity.schema));
                continue;
            };
            match obj.get("sourcedId") {
                Some(serde_json::Value::String(s)) if crate::model::input::valid_id(s) => {
                    supplied.push(s.clone())
                }
                Some(serde_json::Value::String(s)) => {
                    let shown: String = s.chars().take(64).collect();
                    let more = if shown.len() < s.len() { "…" } else { "" };
                    errors.push(format!(
                        "{prefix}.sourcedId '{}{more}' is not a valid sourcedId: {}",
                        shown.escape_debug(),
                        crate::model::input::ID_RULE
                    ));
                    continue;
                }
                _ => {
                    errors.push(format!("{prefix}.sourcedId is required (a string)"));
                    continue;
                }
            }
            // Each item must belong to the path's parents: absent references are filled in,
            // different ones refused, malformed ones left for validation to report.
            for (field, id) in forced.iter().zip(ids) {
                match obj.get(*field) {
                    None | Some(serde_json::Value::Null) => {
                        obj.insert(field.to_string(), serde_json::json!({ "sourcedId": id }));
                    }
                    Some(given) => {
                        if let Some(g) = given.get("sourcedId").and_then(|s| s.as_str())
                            && g != *id
                        {
                            errors.push(format!(
                                "{prefix}.{field} is '{g}' but the path names '{id}'"
                            ));
                        }
                    }
                }
            }
            match parse_record(entity, &item, None, now) {
                Ok(r) => match tombstone_written(&prefix, &r) {
                    Some(e) => errors.push(e),
                    None => records.push((prefix, r)),
                },
                Err(errs) => errors.push(describe_errors(&prefix, &errs)),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::unprocessable(format!(
                "Invalid {}: {}",
                entity.plural,
                errors.join("; ")
            )));
        }
        let checked: Vec<(String, &Record)> = records.iter().map(|(p, r)| (p.clone(), r)).collect();

        // Allocate, keep supplied ids that are free and unique within the batch, and insert
        // without replacing anything. Between our look at the taken ids and our insert,
        // another transaction may create one of the ids we kept (PostgreSQL runs writers side
        // by side): the insert then reports it, and we start over with fresh eyes.
        let mut attempts = 0;
        let pairs = loop {
            attempts += 1;
            let mut tx = self.store.begin().await?;
            check_records(&mut tx, &checked).await?;
            let mut taken = write::existing_ids(&mut tx, entity.kind, &supplied).await?;
            let mut pairs = Vec::with_capacity(records.len());
            let mut batch = Vec::with_capacity(records.len());
            for (sup, (_, record)) in supplied.iter().zip(&records) {
                let allocated = if taken.insert(sup.clone()) {
                    sup.clone()
                } else {
                    let id = new_uuid();
                    taken.insert(id.clone());
                    id
                };
                let mut record = record.clone();
                record.sourced_id = allocated.clone();
                record.cells[0] = crate::model::input::Cell::Text(allocated.clone());
                pairs.push(serde_json::json!({
                    "suppliedSourcedId": sup,
                    "allocatedSourcedId": allocated
                }));
                batch.push(record);
            }
            let refs: Vec<&Record> = batch.iter().collect();
            if write::insert_new(&mut tx, &refs).await? {
                tx.commit().await?;
                break pairs;
            }
            // Dropping the transaction rolls it back.
            drop(tx);
            if attempts == 5 {
                return Err(ApiError::busy(
                    "Concurrent requests keep taking the supplied sourcedIds; retry the request",
                ));
            }
        };
        Ok(serde_json::to_vec(&serde_json::json!({ "sourcedIdPairs": pairs })).unwrap_or_default())
    }

    /// Tombstones one object (and what depends on it; see [`CASCADES`]). 404 when it does not
    /// exist or is already deleted; 409 `deletefailure` while other active objects refer to
    /// it (other than those deleted with it), since they would be left pointing at nothing.
    pub async fn delete(&self, entity: &'static Entity, id: &str) -> Result<(), ApiError> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        if !write::tombstone(&mut tx, entity.kind, id, now).await? {
            return Err(ApiError::unknown_object(format!(
                "Unknown {} '{id}'",
                entity.singular
            )));
        }
        // Checked after the tombstone, so that an object referring to itself does not count.
        let mut users = Vec::new();
        for other in entities::ALL {
            for field in other.stored_fields() {
                let Ty::Ref(target) = field.ty else { continue };
                let cascades = CASCADES.iter().any(|(p, c, col)| {
                    *p == entity.kind && *c == other.kind && *col == field.column
                });
                if target != entity.kind || cascades {
                    continue;
                }
                let ids = write::referring_ids(&mut tx, other.kind, field.column, id, 6).await?;
                let more = ids.len() > 5;
                for rid in ids.iter().take(5) {
                    users.push(format!("{} '{rid}'", other.singular));
                }
                if more {
                    users.push(format!("more {}", other.plural));
                }
            }
        }
        if !users.is_empty() {
            // Dropping the transaction rolls the tombstone back.
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                CodeMinor::DeleteFailure,
                format!(
                    "{} '{id}' is still used by {}; delete those or change their references first",
                    entity.singular,
                    users.join(", ")
                ),
            ));
        }
        for (parent, child, column) in CASCADES {
            if *parent == entity.kind {
                write::tombstone_where(&mut tx, *child, column, id, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// References that must agree with another reference of the same object:
/// `(kind, field, via, column)` — when an object of `kind` gives both `field` and `via`, its
/// `field` must be the `column` of the object `via` names. This is what makes a POST under a
/// school or a class mean what it says: the path's parent is forced onto `field`, and the
/// agreement then requires the line item's class to be of that school, or the result's line
/// item to be of that class.
pub const AGREEMENTS: &[(Kind, &str, &str, &str)] = &[
    // A line item's school is the school of its class.
    (Kind::LineItem, "school", "class", "school_id"),
    // A result's class is the class of its line item.
    (Kind::Result, "class", "lineItem", "class_id"),
    // A score scale's course is the course of its class.
    (Kind::ScoreScale, "course", "class", "course_id"),
];

/// One [`AGREEMENTS`] rule with its fields resolved: an object of `kind` giving both `field`
/// and `via` (a reference to a `target` object) must have as `field` the target's `column`,
/// whose field is `source`. The dependent's `field` is thus a copy of the target's `source`:
/// when the target changes it, the copies follow (see [`copies_of`]).
#[derive(Clone, Copy, Debug)]
pub struct AgreementRule {
    pub kind: Kind,
    pub field: &'static Field,
    pub via: &'static Field,
    pub target: Kind,
    pub column: &'static str,
    pub source: &'static Field,
}

impl AgreementRule {
    /// The table of the dependents (objects of `kind`).
    pub fn table(&self) -> &'static str {
        entities::entity(self.kind).table
    }
}

/// Every [`AGREEMENTS`] rule, resolved.
pub fn agreement_rules() -> impl Iterator<Item = AgreementRule> {
    AGREEMENTS.iter().filter_map(|(kind, field, via, column)| {
        let entity = entities::entity(*kind);
        let (field, via) = (entity.field(field)?, entity.field(via)?);
        let Ty::Ref(target) = via.ty else {
            return None;
        };
        let source = entities::entity(target)
            .stored_fields()
            .find(|s| s.column == *column)?;
        Some(AgreementRule {
            kind: *kind,
            field,
            via,
            target,
            column,
            source,
        })
    })
}

/// The rules whose dependents copy a field of `kind`: a line item's class is copied by its
/// results, a class's school by its line items and its course by its score scales.
pub fn copies_of(kind: Kind) -> impl Iterator<Item = AgreementRule> {
    agreement_rules().filter(move |rule| rule.target == kind)
}

/// Deletes that carry over: `(deleted kind, dependent kind, dependent's reference column)`.
/// A line item's results are meaningless without it, and so are an assessment line item's.
pub const CASCADES: &[(Kind, Kind, &str)] = &[
    (Kind::LineItem, Kind::Result, "line_item_id"),
    (
        Kind::AssessmentLineItem,
        Kind::AssessmentResult,
        "assessment_line_item_id",
    ),
];
