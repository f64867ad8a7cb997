//! Reading and validating the files of a package, row by row, into staging rows.
//!
//! Runs on a blocking thread: it streams each file (never holding more than one row and a
//! batch of staging rows), checks every value, and sends batches to the writer that loads them
//! into the staging tables (`COPY` text on PostgreSQL, bound values on SQLite). Checks that
//! need the whole package or the store (references, duplicates) run later, in SQL.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::model::datetime::{is_date, is_year, parse_datetime};
use crate::model::input::{ID_RULE, valid_id};
use crate::store::Arg;

use super::Progress;
use super::error::{CsvError, Errors};
use super::layout::{self, Source, SqlTy, StagedField};
use super::package::{Manifest, Mode, Package, read_manifest};
use super::reader::{CsvReader, RawRecord};
use super::schema::{CTy, FILES, FileSpec, Req, Shape, Target, To};
use super::values::{self, Pair};

/// How staging rows are shipped to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PostgreSQL `COPY … FROM STDIN` text format.
    Copy,
    /// Bound values for multi-row `INSERT`s (SQLite).
    Binds,
}

/// A batch of staging rows.
pub enum Chunk {
    Copy(Vec<u8>),
    Binds { values: Vec<Arg>, rows: usize },
}

/// What the parser tells the loader.
pub enum Msg {
    /// The files to load and how (index into [`FILES`]); sent once, first.
    Plan(Vec<(usize, Mode)>),
    /// Staging rows of a file.
    Rows(usize, Chunk),
    /// A file has been read completely.
    FileDone(usize),
}

/// A sourcedId seen twice (by hash): confirmed, or not, against the staging table.
#[derive(Debug)]
pub struct Candidate {
    pub file: usize,
    pub line: u64,
    pub id: String,
}

/// The result of reading a package.
#[derive(Default)]
pub struct Outcome {
    pub manifest: Option<Manifest>,
    /// Rows read per file (index into [`FILES`]).
    pub rows: Vec<(usize, u64)>,
    pub duplicates: Vec<Candidate>,
}

const COPY_FLUSH: usize = 1 << 20;
const MAX_BINDS: usize = 30_000;

/// A value of a staging column.
enum V<'a> {
    Null,
    Str(&'a str),
    Own(String),
    Int(i64),
    Float(f64),
}

struct Sink {
    format: Format,
    buf: Vec<u8>,
    values: Vec<Arg>,
    rows: usize,
    rows_per_chunk: usize,
    /// Text bytes in `values` (a batch of binds is also cut at [`COPY_FLUSH`] bytes, so that
    /// long rows do not make it large).
    text_bytes: usize,
    first: bool,
}

impl Sink {
    fn new(format: Format, columns: usize) -> Sink {
        Sink {
            format,
            buf: Vec::new(),
            values: Vec::new(),
            rows: 0,
            rows_per_chunk: (MAX_BINDS / columns.max(1)).max(1),
            text_bytes: 0,
            first: true,
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b'\t');
        }
        self.first = false;
    }

    fn null(&mut self, ty: SqlTy) {
        match self.format {
            Format::Copy => {
                self.sep();
                self.buf.extend_from_slice(b"\\N");
            }
            Format::Binds => self.values.push(match ty {
                SqlTy::BigInt | SqlTy::Int => Arg::Int(None),
                SqlTy::Double => Arg::Float(None),
                SqlTy::Text => Arg::Text(None),
            }),
        }
    }

    fn text(&mut self, s: &str) {
        match self.format {
            Format::Copy => {
                self.sep();
                for b in s.bytes() {
                    match b {
                        b'\\' => self.buf.extend_from_slice(b"\\\\"),
                        b'\t' => self.buf.extend_from_slice(b"\\t"),
                        b'\n' => self.buf.extend_from_slice(b"\\n"),
                        b'\r' => self.buf.extend_from_slice(b"\\r"),
                        _ => self.buf.push(b),
                    }
                }
            }
            Format::Binds => {
                self.text_bytes += s.len();
                self.values.push(Arg::Text(Some(s.to_string())))
            }
        }
    }

    fn int(&mut self, v: i64) {
        match self.format {
            Format::Copy => {
                self.sep();
                self.buf.extend_from_slice(v.to_string().as_bytes());
            }
            Format::Binds => self.values.push(Arg::Int(Some(v))),
        }
    }

    fn float(&mut self, v: f64) {
        match self.format {
            Format::Copy => {
                self.sep();
                // `{:?}` keeps every digit (shortest round-trip form).
                self.buf.extend_from_slice(format!("{v:?}").as_bytes());
            }
            Format::Binds => self.values.push(Arg::Float(Some(v))),
        }
    }

    fn value(&mut self, v: &V, ty: SqlTy) {
        match v {
            V::Null => self.null(ty),
            V::Str(s) => self.text(s),
            V::Own(s) => self.text(s),
            V::Int(i) => self.int(*i),
            V::Float(f) => self.float(*f),
        }
    }

    /// Drops whatever is buffered.
    fn clear(&mut self) {
        self.buf.clear();
        self.values.clear();
        self.rows = 0;
        self.text_bytes = 0;
        self.first = true;
    }

    fn end_row(&mut self) {
        if self.format == Format::Copy {
            self.buf.push(b'\n');
        }
        self.first = true;
        self.rows += 1;
    }

    /// A batch, when enough rows have accumulated (or `force`).
    fn take(&mut self, force: bool) -> Option<Chunk> {
        match self.format {
            Format::Copy if self.buf.len() >= COPY_FLUSH || (force && !self.buf.is_empty()) => {
                self.rows = 0;
                Some(Chunk::Copy(std::mem::take(&mut self.buf)))
            }
            Format::Binds
                if self.rows >= self.rows_per_chunk
                    || (self.text_bytes >= COPY_FLUSH && self.rows > 0)
                    || (force && self.rows > 0) =>
            {
                let rows = std::mem::take(&mut self.rows);
                self.text_bytes = 0;
                Some(Chunk::Binds {
                    values: std::mem::take(&mut self.values),
                    rows,
                })
            }
            _ => None,
        }
    }
}

fn hash_id(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Reads the whole package, sending staging rows to `tx`. Problems go to `errors`; once there
/// is one, nothing more is sent (the import is refused anyway) but reading goes on to report
/// every problem up to the cap.
pub fn run(
    package: &mut Package,
    format: Format,
    errors: &mut Errors,
    tx: &mpsc::Sender<Msg>,
    progress: &Arc<Progress>,
) -> Outcome {
    let mut outcome = Outcome::default();
    let Some(manifest) = read_manifest(package, errors) else {
        return outcome;
    };
    let plan: Vec<(usize, Mode)> = FILES
        .iter()
        .enumerate()
        .filter_map(|(i, f)| manifest.mode(f.name).map(|m| (i, m)))
        .collect();
    if tx.blocking_send(Msg::Plan(plan.clone())).is_err() {
        return outcome;
    }
    outcome.manifest = Some(manifest);
    for (index, mode) in plan {
        let spec = &FILES[index];
        let name = spec.file_name();
        progress.set_phase(format!("reading {name}"));
        let reader = match package.open_file(&name) {
            Ok(r) => r,
            Err(e) => {
                errors.push(CsvError::file(&name, format!("cannot read: {e:#}")));
                continue;
            }
        };
        let mut file = FileParser::new(spec, index, mode, format);
        let rows = file.parse(reader, errors, tx, progress, &mut outcome.duplicates);
        outcome.rows.push((index, rows));
        if errors.is_empty() && tx.blocking_send(Msg::FileDone(index)).is_err() {
            return outcome;
        }
    }
    outcome
}

/// The header of a file as found: its extension columns.
struct Header {
    len: usize,
    metadata: Vec<(usize, String)>,
    grading_period: Option<usize>,
}

struct FileParser {
    spec: &'static FileSpec,
    index: usize,
    mode: Mode,
    name: String,
    fields: Vec<StagedField>,
    checks: Vec<layout::CheckCol>,
    sink: Sink,
    seen: HashSet<u64>,
}

/// The row being read: its record and the values of its columns.
struct Row<'a> {
    rec: &'a RawRecord,
    vals: Vec<V<'a>>,
    tombstone: bool,
    full: bool,
}

impl Row<'_> {
    fn str(&self, i: usize) -> Option<&str> {
        match &self.vals[i] {
            V::Str(s) => Some(s),
            V::Own(s) => Some(s),
            _ => None,
        }
    }
}

impl FileParser {
    fn new(spec: &'static FileSpec, index: usize, mode: Mode, format: Format) -> FileParser {
        let fields = match &spec.target {
            Target::Entity(e) => layout::entity_fields(spec, e),
            Target::Link(_) => Vec::new(),
        };
        let columns = layout::stage_columns(spec).len();
        FileParser {
            spec,
            index,
            mode,
            name: spec.file_name(),
            fields,
            checks: layout::link_checks(spec),
            sink: Sink::new(format, columns),
            seen: HashSet::new(),
        }
    }

    fn err(&self, errors: &mut Errors, line: u64, col: Option<&str>, msg: impl Into<String>) {
        errors.push(CsvError::at(&self.name, line, col, msg));
    }

    fn header(&self, rec: &RawRecord, errors: &mut Errors) -> Option<Header> {
        let expected = self.spec.header();
        let found: Vec<&str> = (0..rec.len()).map(|i| rec.get(i)).collect();
        for (i, want) in expected.iter().enumerate() {
            match found.get(i) {
                Some(got) if got == want => {}
                Some(got) => {
                    self.err(
                        errors,
                        rec.line,
                        Some(want),
                        format!(
                            "header column {} must be '{want}', found '{got}' (names, order and case are fixed: {})",
                            i + 1,
                            expected.join(",")
                        ),
                    );
                    return None;
                }
                None => {
                    self.err(
                        errors,
                        rec.line,
                        Some(want),
                        format!(
                            "the header lacks column {} '{want}' (every column of the binding is required, in order: {})",
                            i + 1,
                            expected.join(",")
                        ),
                    );
                    return None;
                }
            }
        }
        let mut header = Header {
            len: found.len(),
            metadata: Vec::new(),
            grading_period: None,
        };
        let mut ok = true;
        for (i, name) in found.iter().enumerate().skip(expected.len()) {
            if layout::is_grading_period(self.spec, name) {
                header.grading_period = Some(i);
            } else if let Some(key) = layout::extension_key(name) {
                if header.metadata.iter().any(|(_, k)| k == key) {
                    self.err(
                        errors,
                        rec.line,
                        Some(name),
                        "the extension column is given twice",
                    );
                    ok = false;
                }
                header.metadata.push((i, key.to_string()));
            } else {
                self.err(
                    errors,
                    rec.line,
                    Some(name),
                    format!(
                        "unknown column '{name}': extension columns are named metadata.<key> and come after the columns of the binding"
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(header)
    }

    fn parse(
        &mut self,
        reader: Box<dyn std::io::BufRead + '_>,
        errors: &mut Errors,
        tx: &mpsc::Sender<Msg>,
        progress: &Arc<Progress>,
        duplicates: &mut Vec<Candidate>,
    ) -> u64 {
        let mut csv = CsvReader::new(reader);
        let mut rec = RawRecord::default();
        let mut header: Option<Header> = None;
        let mut rows = 0u64;
        let mut last_bytes = 0u64;
        loop {
            match csv.read(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let col = e
                        .field
                        .and_then(|i| self.spec.columns.get(i - 1))
                        .map(|c| c.name);
                    self.err(errors, e.line, col, e.message);
                    break;
                }
            }
            if rec.is_blank_line() {
                continue;
            }
            let Some(h) = &header else {
                match self.header(&rec, errors) {
                    Some(h) => {
                        header = Some(h);
                        continue;
                    }
                    None => return rows,
                }
            };
            rows += 1;
            if rec.len() != h.len {
                self.err(
                    errors,
                    rec.line,
                    None,
                    format!(
                        "expected {} fields (as in the header), found {}",
                        h.len,
                        rec.len()
                    ),
                );
            } else {
                self.row(&rec, h, errors, duplicates);
            }
            if rows.is_multiple_of(4096) {
                progress.rows.fetch_add(4096, Ordering::Relaxed);
                progress
                    .bytes
                    .fetch_add(csv.bytes_read - last_bytes, Ordering::Relaxed);
                last_bytes = csv.bytes_read;
            }
            if errors.is_empty() {
                if let Some(chunk) = self.sink.take(false)
                    && tx.blocking_send(Msg::Rows(self.index, chunk)).is_err()
                {
                    return rows;
                }
            } else if errors.full() {
                // Enough to show; the package is refused anyway.
                break;
            }
        }
        progress.rows.fetch_add(rows % 4096, Ordering::Relaxed);
        progress
            .bytes
            .fetch_add(csv.bytes_read - last_bytes, Ordering::Relaxed);
        if header.is_none() && errors.is_empty() {
            self.err(
                errors,
                1,
                None,
                "the file is empty: the header line is missing",
            );
        }
        if errors.is_empty()
            && let Some(chunk) = self.sink.take(true)
        {
            let _ = tx.blocking_send(Msg::Rows(self.index, chunk));
        }
        rows
    }

    /// Checks one value and converts it to its staged form.
    fn convert<'a>(&self, ty: CTy, raw: &'a str) -> Result<V<'a>, String> {
        Ok(match ty {
            CTy::Id | CTy::Ref(_) | CTy::Profile => {
                if !valid_id(raw) {
                    return Err(format!("'{raw}' is not a valid sourcedId ({ID_RULE})"));
                }
                V::Str(raw)
            }
            CTy::Status => V::Str(raw),
            CTy::Str => V::Str(raw),
            CTy::Date => {
                if !is_date(raw) {
                    return Err(format!("'{raw}' is not a date (YYYY-MM-DD)"));
                }
                V::Str(raw)
            }
            CTy::DateTime | CTy::DateOrDateTime => match parse_datetime(raw) {
                Some(ms) if raw.len() >= 10 => V::Int(ms),
                _ => {
                    return Err(format!(
                        "'{raw}' is not a {} (YYYY-MM-DD{})",
                        if matches!(ty, CTy::DateTime) {
                            "date-time"
                        } else {
                            "date"
                        },
                        if matches!(ty, CTy::DateTime) {
                            "THH:MM:SS.sssZ"
                        } else {
                            ", or a date-time YYYY-MM-DDTHH:MM:SS.sssZ"
                        }
                    ));
                }
            },
            CTy::Year => {
                if !is_year(raw) {
                    return Err(format!("'{raw}' is not a year (YYYY)"));
                }
                V::Str(raw)
            }
            CTy::Float => match values::parse_float(raw) {
                Some(f) => V::Float(f),
                None => return Err(format!("'{raw}' is not a number")),
            },
            CTy::Number => match values::parse_number(raw) {
                Some(n) => V::Own(n.to_string()),
                None => return Err(format!("'{raw}' is not a number")),
            },
            CTy::Bool => {
                if raw != "true" && raw != "false" {
                    return Err(format!("'{raw}' must be true or false"));
                }
                V::Str(raw)
            }
            CTy::Vocab(vocab) => {
                if !vocab.accepts(raw) {
                    return Err(format!("'{raw}' must be one of: {}", vocab.describe()));
                }
                match vocab.canonical(raw) {
                    std::borrow::Cow::Borrowed(s) => V::Str(s),
                    std::borrow::Cow::Owned(s) => V::Own(s),
                }
            }
            CTy::RefList(_) | CTy::StrList | CTy::VocabList(_) => {
                let items = values::split_list(raw)?;
                let mut json = String::with_capacity(raw.len() + 2 * items.len() + 2);
                json.push('[');
                for (i, item) in items.iter().enumerate() {
                    match ty {
                        CTy::RefList(_) if !valid_id(item) => {
                            return Err(format!("'{item}' is not a valid sourcedId ({ID_RULE})"));
                        }
                        CTy::VocabList(vocab) if !vocab.accepts(item) => {
                            return Err(format!("'{item}' must be one of: {}", vocab.describe()));
                        }
                        _ => {}
                    }
                    if i > 0 {
                        json.push(',');
                    }
                    values::push_json_str(&mut json, item);
                }
                json.push(']');
                V::Own(json)
            }
            CTy::UserIds | CTy::ScoreScaleValues => {
                let (pair, example, a, b) = if matches!(ty, CTy::UserIds) {
                    (Pair::FirstColon, "{type:identifier}", "type", "identifier")
                } else {
                    (Pair::OnlyColon, "{LHS:RHS}", "itemValueLHS", "itemValueRHS")
                };
                let pairs = values::split_pairs(raw, pair, example)?;
                let items: Vec<Value> = pairs
                    .into_iter()
                    .map(|(x, y)| {
                        let mut m = Map::new();
                        m.insert(a.into(), Value::String(x.into()));
                        m.insert(b.into(), Value::String(y.into()));
                        Value::Object(m)
                    })
                    .collect();
                V::Own(Value::Array(items).to_string())
            }
        })
    }

    /// Reads the common part of a row: id, lifecycle, and every defined column.
    fn common<'a>(&self, rec: &'a RawRecord, errors: &mut Errors) -> Option<Row<'a>> {
        let line = rec.line;
        let before = errors.total;
        let id = rec.get(0);
        if !valid_id(id) {
            self.err(
                errors,
                line,
                Some("sourcedId"),
                if id.is_empty() {
                    "is required".to_string()
                } else {
                    format!("'{id}' is not a valid sourcedId ({ID_RULE})")
                },
            );
        }
        let status = rec.get(1);
        let tombstone = match status {
            "" => {
                if self.mode == Mode::Delta {
                    self.err(
                        errors,
                        line,
                        Some("status"),
                        "is required in a delta file (active or tobedeleted)",
                    );
                }
                false
            }
            "active" => false,
            // OneRoster 1.1 removed `inactive`; it is read as `tobedeleted`.
            "tobedeleted" | "inactive" => true,
            other => {
                self.err(
                    errors,
                    line,
                    Some("status"),
                    format!("'{other}' must be active or tobedeleted"),
                );
                false
            }
        };
        let dlm = rec.get(2);
        if dlm.is_empty() {
            if self.mode == Mode::Delta {
                self.err(
                    errors,
                    line,
                    Some("dateLastModified"),
                    "is required in a delta file",
                );
            }
        } else if parse_datetime(dlm).is_none() || dlm.len() < 10 {
            self.err(
                errors,
                line,
                Some("dateLastModified"),
                format!("'{dlm}' is not a date-time (YYYY-MM-DDTHH:MM:SS.sssZ)"),
            );
        }
        let mut row = Row {
            rec,
            vals: Vec::with_capacity(self.spec.columns.len()),
            tombstone,
            full: true,
        };
        row.vals.push(V::Str(id));
        row.vals.push(V::Null);
        row.vals.push(V::Null);
        for (i, col) in self.spec.columns.iter().enumerate().skip(3) {
            let raw = rec.get(i);
            if raw.is_empty() {
                // `""` is an explicit empty string; nothing between the commas is no value.
                if rec.quoted(i) && matches!(col.ty, CTy::Str) {
                    row.vals.push(V::Str(""));
                    continue;
                }
                match col.req {
                    Req::Required => {
                        row.full = false;
                        if !tombstone {
                            self.err(errors, line, Some(col.name), "is required");
                        }
                    }
                    Req::BlankIsEmpty => {
                        row.vals.push(V::Str(""));
                        continue;
                    }
                    _ => {}
                }
                row.vals.push(V::Null);
                continue;
            }
            match self.convert(col.ty, raw) {
                Ok(v) => row.vals.push(v),
                Err(msg) => {
                    self.err(errors, line, Some(col.name), msg);
                    row.vals.push(V::Null);
                }
            }
        }
        // The binding pairs subjects and subjectCodes item by item.
        if let (Some((si, _)), Some((ci, _))) = (
            self.spec.column("subjects"),
            self.spec.column("subjectCodes"),
        ) {
            let (s, c) = (rec.get(si), rec.get(ci));
            if !s.is_empty() && !c.is_empty() && s.split(',').count() != c.split(',').count() {
                self.err(
                    errors,
                    line,
                    Some("subjectCodes"),
                    format!(
                        "has {} items but subjects has {}; the two lists are paired item by item",
                        c.split(',').count(),
                        s.split(',').count()
                    ),
                );
            }
        }
        (errors.total == before).then_some(row)
    }

    fn row(
        &mut self,
        rec: &RawRecord,
        header: &Header,
        errors: &mut Errors,
        duplicates: &mut Vec<Candidate>,
    ) {
        let Some(row) = self.common(rec, errors) else {
            return;
        };
        let id = rec.get(0);
        // Candidates are confirmed in SQL later; past a few hundred the point is made.
        if !self.seen.insert(hash_id(id)) && duplicates.len() < errors.cap * 4 {
            duplicates.push(Candidate {
                file: self.index,
                line: rec.line,
                id: id.to_string(),
            });
        }
        let ok = match &self.spec.target {
            Target::Entity(_) => self.entity_row(&row, header, errors),
            Target::Link(link) => self.link_row(&row, link.shape, errors),
        };
        if ok && errors.is_empty() {
            self.sink.end_row();
        } else {
            // The package is refused: keep validating, but stop buffering staging rows.
            self.sink.clear();
        }
    }

    fn head(&mut self, row: &Row) {
        self.sink.int(row.rec.line as i64);
        self.sink.text(if row.tombstone {
            "tobedeleted"
        } else {
            "active"
        });
        self.sink.int(row.full as i64);
    }

    fn entity_row(&mut self, row: &Row, header: &Header, errors: &mut Errors) -> bool {
        let line = row.rec.line;
        let metadata = if header.metadata.is_empty() {
            None
        } else {
            let mut m = Map::new();
            for (i, key) in &header.metadata {
                let raw = row.rec.get(*i);
                if raw.is_empty() && !row.rec.quoted(*i) {
                    continue;
                }
                m.insert(key.clone(), values::metadata_value(raw));
            }
            (!m.is_empty()).then(|| Value::Object(m).to_string())
        };
        let grading_period = match header.grading_period {
            Some(i) if !row.rec.get(i).is_empty() => {
                let raw = row.rec.get(i);
                if !valid_id(raw) {
                    self.err(
                        errors,
                        line,
                        Some(super::schema::GRADING_PERIOD_COLUMN),
                        format!("'{raw}' is not a valid sourcedId ({ID_RULE})"),
                    );
                    return false;
                }
                Some(raw)
            }
            _ => None,
        };
        if !errors.is_empty() {
            return false;
        }
        self.head(row);
        for k in 0..self.fields.len() {
            let (source, ty) = (self.fields[k].source, self.fields[k].sql_ty());
            match source {
                Source::Csv(i) => self.sink.value(&row.vals[i], ty),
                Source::Metadata => match &metadata {
                    Some(m) => self.sink.text(m),
                    None => self.sink.null(ty),
                },
                Source::GradingPeriod => match grading_period {
                    Some(g) => self.sink.text(g),
                    None => self.sink.null(ty),
                },
                Source::Link => self.sink.null(ty),
            }
        }
        true
    }

    fn link_row(&mut self, row: &Row, shape: Shape, errors: &mut Errors) -> bool {
        let spec = self.spec;
        let at = |name: &str| spec.column(name).map(|(i, _)| i);
        let get = |name: &str| at(name).and_then(|i| row.str(i));
        let owner_col = spec
            .columns
            .iter()
            .position(|c| c.to == To::Owner)
            .and_then(|i| row.str(i));
        let id = row.rec.get(0);
        let sep = '\u{1f}';
        // (key, element, group, replaces the whole list)
        let built: Option<(String, String, Option<String>, bool)> = match shape {
            Shape::Role => match (get("orgSourcedId"), get("role"), get("roleType")) {
                (Some(org), Some(role), Some(role_type)) => {
                    let mut m = Map::new();
                    m.insert("roleType".into(), role_type.into());
                    m.insert("role".into(), role.into());
                    m.insert("org".into(), org.into());
                    for (col, key) in [
                        ("userProfileSourcedId", "userProfile"),
                        ("beginDate", "beginDate"),
                        ("endDate", "endDate"),
                    ] {
                        if let Some(v) = get(col) {
                            m.insert(key.into(), v.into());
                        }
                    }
                    Some((
                        format!("{org}{sep}{role}"),
                        Value::Object(m).to_string(),
                        None,
                        false,
                    ))
                }
                _ => None,
            },
            Shape::Profile => match (get("profileType"), get("vendorId")) {
                (Some(profile_type), Some(vendor)) => {
                    let cred_type = get("credentialType");
                    let username = get("username");
                    if cred_type.is_some() != username.is_some() {
                        self.err(
                            errors,
                            row.rec.line,
                            Some(if cred_type.is_some() {
                                "username"
                            } else {
                                "credentialType"
                            }),
                            "credentialType and username go together: give both (one credential) or neither",
                        );
                        return false;
                    }
                    let mut m = Map::new();
                    m.insert("profileId".into(), id.into());
                    m.insert("profileType".into(), profile_type.into());
                    m.insert("vendorId".into(), vendor.into());
                    for key in ["applicationId", "description"] {
                        if let Some(v) = get(key) {
                            m.insert(key.into(), v.into());
                        }
                    }
                    if let (Some(t), Some(u)) = (cred_type, username) {
                        let mut cred = Map::new();
                        cred.insert("type".into(), t.into());
                        cred.insert("username".into(), u.into());
                        if let Some(p) = get("password") {
                            cred.insert("password".into(), p.into());
                        }
                        m.insert(
                            "credentials".into(),
                            Value::Array(vec![Value::Object(cred)]),
                        );
                    }
                    Some((id.to_string(), Value::Object(m).to_string(), None, false))
                }
                _ => None,
            },
            Shape::Resource => {
                get("resourceSourcedId").map(|r| (r.to_string(), values::json_str(r), None, false))
            }
            Shape::ScoreScale => get("scoreScaleSourcedId")
                .map(|s| (s.to_string(), s.to_string(), None, !row.tombstone)),
            Shape::LoId => match (get("source"), get("learningObjectiveId")) {
                (Some(source), Some(lo)) => Some((
                    format!("{source}{sep}{lo}"),
                    values::json_str(lo),
                    Some(values::json_str(source)),
                    false,
                )),
                _ => None,
            },
            Shape::LoResult => match (get("source"), get("learningObjectiveId")) {
                (Some(source), Some(lo)) => {
                    let mut m = Map::new();
                    m.insert("learningObjectiveId".into(), lo.into());
                    if let Some(score) = get("score")
                        && let Some(n) = values::parse_number(score)
                    {
                        m.insert("score".into(), Value::Number(n));
                    }
                    if let Some(t) = get("textScore") {
                        m.insert("textScore".into(), t.into());
                    }
                    Some((
                        format!("{source}{sep}{lo}"),
                        Value::Object(m).to_string(),
                        Some(values::json_str(source)),
                        false,
                    ))
                }
                _ => None,
            },
        };
        if !errors.is_empty() {
            return false;
        }
        // A tombstone naming only its sourcedId is resolved later from the stored identities
        // of earlier link rows.
        let (owner, built) = match (owner_col, built) {
            (Some(o), Some(b)) => (Some(o), Some(b)),
            _ => (None, None),
        };
        self.head(row);
        self.sink.text(id);
        match owner {
            Some(o) => self.sink.text(o),
            None => self.sink.null(SqlTy::Text),
        }
        match &built {
            Some((key, elem, grp, repl)) => {
                self.sink.text(key);
                self.sink.int(*repl as i64);
                self.sink.text(elem);
                match grp {
                    Some(g) => self.sink.text(g),
                    None => self.sink.null(SqlTy::Text),
                }
            }
            None => {
                self.sink.null(SqlTy::Text);
                self.sink.int(0);
                self.sink.null(SqlTy::Text);
                self.sink.null(SqlTy::Text);
            }
        }
        for k in 0..self.checks.len() {
            match row.str(self.checks[k].csv) {
                Some(v) => self.sink.text(v),
                None => self.sink.null(SqlTy::Text),
            }
        }
        true
    }
}
