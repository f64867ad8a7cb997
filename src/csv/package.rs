//! Opening a package (a zip or a folder) safely, and reading its manifest.
//!
//! A package comes from outside (a SIS pushing a nightly zip), so it is treated as hostile
//! until proven otherwise: the zip's directory is sized before it is parsed, every entry must
//! be one of the 22 known file names at the root, nothing is trusted from the headers, and the
//! inflated size and the compression ratio are counted while inflating.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use axum::body::Bytes;
use zip::{CompressionMethod, ZipArchive};

use super::error::{CsvError, Errors};
use super::reader::{CsvReader, RawRecord};
use super::schema;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.csv";

/// How a file of the package is to be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The complete set of that kind: records missing from it become tombstones.
    Bulk,
    /// Changes only: `active` rows are upserted, `tobedeleted` rows tombstoned.
    Delta,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Bulk => "bulk",
            Mode::Delta => "delta",
        }
    }
}

/// Limits on what a package may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Total size of the inflated files.
    pub max_uncompressed_bytes: u64,
    /// Largest inflated/compressed ratio of one entry, checked once the entry has inflated
    /// to more than `ratio_floor` bytes.
    pub max_ratio: u64,
    /// See `max_ratio` ([`RATIO_FLOOR`] but in tests).
    pub ratio_floor: u64,
    /// Entries in the zip (the binding has 22 files).
    pub max_entries: usize,
}

/// Inflated bytes of one entry below which its compression ratio is not checked. A file of
/// ordinary records deflates 5-20 times, but one holding a long repetitive value (a 15 MB
/// title of one letter, which REST accepts) deflates a thousand times: with a low floor the
/// server's own export of such a record was refused as a zip bomb. A bomb is still stopped
/// after this much (streamed, in bounded memory), and the total is capped by
/// `max_uncompressed_bytes`.
pub const RATIO_FLOOR: u64 = 256 << 20;

/// Largest zip central directory read (22 entries need a few kilobytes).
const MAX_DIRECTORY_BYTES: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_uncompressed_bytes: 4 << 30,
            max_ratio: 200,
            ratio_floor: RATIO_FLOOR,
            max_entries: 64,
        }
    }
}

/// Where a package comes from.
pub enum Input {
    /// A zip held in memory (an HTTP body).
    Zip(Bytes),
    /// A zip file.
    ZipFile(PathBuf),
    /// A folder of CSV files.
    Folder(PathBuf),
}

impl Input {
    /// A path: a folder, or else a zip file.
    pub fn from_path(path: &Path) -> Input {
        if path.is_dir() {
            Input::Folder(path.to_path_buf())
        } else {
            Input::ZipFile(path.to_path_buf())
        }
    }
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

enum Source {
    Zip(Box<ZipArchive<Box<dyn ReadSeek + Send>>>),
    Folder(PathBuf),
}

/// An opened package whose entries have been checked.
pub struct Package {
    source: Source,
    /// The data files present (names without `.csv`).
    pub present: Vec<&'static str>,
    limits: Limits,
    inflated: Rc<Cell<u64>>,
}

/// Finds the end-of-central-directory record and checks the directory's size before the zip
/// library reads (and allocates for) every entry it announces.
fn check_directory(r: &mut (impl Read + Seek), limits: &Limits) -> Result<(), CsvError> {
    let not_zip = || CsvError::package("the package is not a zip archive");
    let len = r.seek(SeekFrom::End(0)).map_err(|_| not_zip())?;
    let tail_len = len.min(22 + 65_535);
    r.seek(SeekFrom::Start(len - tail_len))
        .map_err(|_| not_zip())?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail).map_err(|_| not_zip())?;
    let at = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(not_zip)?;
    let u16_at = |i: usize| u16::from_le_bytes([tail[at + i], tail[at + i + 1]]) as u64;
    let u32_at = |i: usize| {
        u32::from_le_bytes([
            tail[at + i],
            tail[at + i + 1],
            tail[at + i + 2],
            tail[at + i + 3],
        ]) as u64
    };
    let mut entries = u16_at(10);
    let mut directory = u32_at(12);
    if entries == 0xFFFF || directory == 0xFFFF_FFFF {
        // A zip64 archive: the real counts are in the zip64 end record, which a locator just
        // before the classic record points to.
        let locator = at
            .checked_sub(20)
            .filter(|&l| tail[l..l + 4] == [0x50, 0x4b, 0x06, 0x07]);
        let Some(l) = locator else {
            return Err(not_zip());
        };
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&tail[l + 8..l + 16]);
        r.seek(SeekFrom::Start(u64::from_le_bytes(offset)))
            .map_err(|_| not_zip())?;
        let mut record = [0u8; 56];
        r.read_exact(&mut record).map_err(|_| not_zip())?;
        if record[..4] != [0x50, 0x4b, 0x06, 0x06] {
            return Err(not_zip());
        }
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&record[i..i + 8]);
            u64::from_le_bytes(b)
        };
        entries = u64_at(32);
        directory = u64_at(40);
    }
    if entries > limits.max_entries as u64 {
        return Err(CsvError::package(format!(
            "the zip has {entries} entries; a package has at most {} (manifest.csv and the 21 data files)",
            limits.max_entries
        )));
    }
    if directory > MAX_DIRECTORY_BYTES {
        return Err(CsvError::package(format!(
            "the zip directory is {directory} bytes long; a package needs only a few kilobytes"
        )));
    }
    r.seek(SeekFrom::Start(0)).map_err(|_| not_zip())?;
    Ok(())
}

/// Why an entry name is not acceptable, if it is not.
fn name_problem(name: &str) -> Option<String> {
    if name.contains('\0') {
        return Some("an entry name contains a NUL character".into());
    }
    if name.starts_with('/') || name.starts_with('\\') || name.get(1..2) == Some(":") {
        return Some(format!("'{name}' is an absolute path"));
    }
    if name.split(['/', '\\']).any(|seg| seg == "..") {
        return Some(format!("'{name}' points outside the package (..)"));
    }
    if name.contains('/') || name.contains('\\') {
        return Some(format!(
            "'{name}' is in a folder; all files must be at the root of the zip"
        ));
    }
    None
}

/// Checks a file name of the package: `manifest.csv` or a known data file.
fn known(name: &str) -> Result<Option<&'static str>, CsvError> {
    if name == MANIFEST {
        return Ok(None);
    }
    name.strip_suffix(".csv")
        .and_then(schema::file)
        .map(|f| Some(f.name))
        .ok_or_else(|| {
            CsvError::package(format!(
                "unknown file '{name}': a OneRoster 1.2 package holds only manifest.csv and the 21 files of the binding"
            ))
        })
}

impl Package {
    /// Opens and checks a package. Every problem found is reported.
    pub fn open(input: Input, limits: Limits, errors: &mut Errors) -> Option<Package> {
        let mut present = Vec::new();
        let source = match input {
            Input::Zip(bytes) => Self::open_zip(Box::new(Cursor::new(bytes)), &limits, errors)?,
            Input::ZipFile(path) => {
                let file = match File::open(&path) {
                    Ok(f) => f,
                    Err(e) => {
                        errors.push(CsvError::package(format!(
                            "cannot open {}: {e}",
                            path.display()
                        )));
                        return None;
                    }
                };
                Self::open_zip(Box::new(BufReader::new(file)), &limits, errors)?
            }
            Input::Folder(path) => Source::Folder(path),
        };
        let names: Vec<String> = match &source {
            Source::Zip(archive) => {
                let mut names = Vec::new();
                for i in 0..archive.len() {
                    let Ok(entry) = archive.by_index_data(i) else {
                        errors.push(CsvError::package("the zip directory is damaged"));
                        return None;
                    };
                    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
                    if entry.is_dir() {
                        errors.push(CsvError::package(format!(
                            "'{name}' is a folder; all files must be at the root of the zip"
                        )));
                        continue;
                    }
                    if entry.encrypted() {
                        errors.push(CsvError::package(format!("'{name}' is encrypted")));
                    }
                    if !matches!(
                        entry.compression(),
                        CompressionMethod::Stored | CompressionMethod::Deflated
                    ) {
                        errors.push(CsvError::package(format!(
                            "'{name}' uses the compression method {}; only stored and deflate are accepted",
                            entry.compression()
                        )));
                    }
                    names.push(name);
                }
                if archive.metadata().has_duplicate_names() {
                    errors.push(CsvError::package(
                        "the zip holds several entries with the same name",
                    ));
                }
                names
            }
            Source::Folder(path) => {
                let dir = match std::fs::read_dir(path) {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(CsvError::package(format!(
                            "cannot read the folder {}: {e}",
                            path.display()
                        )));
                        return None;
                    }
                };
                let mut names = Vec::new();
                for entry in dir.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    match entry.file_type() {
                        Ok(t) if t.is_file() => names.push(name),
                        _ => errors.push(CsvError::package(format!(
                            "'{name}' is not a plain file; a package folder holds only the CSV files"
                        ))),
                    }
                }
                names.sort();
                names
            }
        };
        let mut seen_manifest = false;
        for name in &names {
            if let Some(problem) = name_problem(name) {
                errors.push(CsvError::package(problem));
                continue;
            }
            match known(name) {
                Ok(Some(file)) => {
                    if !present.contains(&file) {
                        present.push(file);
                    }
                }
                Ok(None) => seen_manifest = true,
                Err(e) => errors.push(e),
            }
        }
        if !seen_manifest && errors.is_empty() {
            errors.push(CsvError::package("the package has no manifest.csv"));
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Package {
            source,
            present,
            limits,
            inflated: Rc::new(Cell::new(0)),
        })
    }

    fn open_zip(
        mut reader: Box<dyn ReadSeek + Send>,
        limits: &Limits,
        errors: &mut Errors,
    ) -> Option<Source> {
        if let Err(e) = check_directory(&mut reader, limits) {
            errors.push(e);
            return None;
        }
        match ZipArchive::new(reader) {
            Ok(a) => Some(Source::Zip(Box::new(a))),
            Err(e) => {
                errors.push(CsvError::package(format!(
                    "the package is not a readable zip archive: {e}"
                )));
                None
            }
        }
    }

    /// Opens one file of the package for reading, with the inflation limits applied.
    pub fn open_file(&mut self, name: &str) -> anyhow::Result<Box<dyn BufRead + '_>> {
        match &mut self.source {
            Source::Zip(archive) => {
                let entry = archive.by_name(name)?;
                let compressed = entry.compressed_size();
                Ok(Box::new(BufReader::with_capacity(
                    256 * 1024,
                    Limited {
                        inner: entry,
                        produced: 0,
                        compressed,
                        total: self.inflated.clone(),
                        limits: self.limits,
                    },
                )))
            }
            Source::Folder(path) => Ok(Box::new(BufReader::with_capacity(
                256 * 1024,
                File::open(path.join(name))?,
            ))),
        }
    }
}

/// Counts what an entry inflates to, failing as soon as a limit is crossed: the sizes written
/// in the zip's headers are not trusted.
struct Limited<R> {
    inner: R,
    produced: u64,
    compressed: u64,
    total: Rc<Cell<u64>>,
    limits: Limits,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let total = self.total.get() + n as u64;
        self.total.set(total);
        if total > self.limits.max_uncompressed_bytes {
            return Err(std::io::Error::other(format!(
                "the package inflates to more than {} bytes (the limit); refused as a possible zip bomb",
                self.limits.max_uncompressed_bytes
            )));
        }
        if self.produced > self.limits.ratio_floor
            && self.produced > self.compressed.max(1).saturating_mul(self.limits.max_ratio)
        {
            return Err(std::io::Error::other(format!(
                "the file inflates more than {} times its compressed size (the limit); refused as a possible zip bomb",
                self.limits.max_ratio
            )));
        }
        Ok(n)
    }
}

/// The manifest's settings.
#[derive(Debug, Default)]
pub struct Manifest {
    /// The mode of each data file that is not absent.
    pub modes: BTreeMap<&'static str, Mode>,
    /// `source.*` properties.
    pub source: Vec<(String, String)>,
}

impl Manifest {
    pub fn mode(&self, file: &str) -> Option<Mode> {
        self.modes.get(file).copied()
    }
}

/// Reads and checks manifest.csv, and that it agrees with the files present.
pub fn read_manifest(package: &mut Package, errors: &mut Errors) -> Option<Manifest> {
    let present = package.present.clone();
    let reader = match package.open_file(MANIFEST) {
        Ok(r) => r,
        Err(e) => {
            errors.push(CsvError::file(MANIFEST, format!("cannot read: {e:#}")));
            return None;
        }
    };
    let mut csv = CsvReader::new(reader);
    let mut rec = RawRecord::default();
    let mut manifest = Manifest::default();
    let mut seen: Vec<String> = Vec::new();
    let mut manifest_version = false;
    let mut oneroster_version = false;
    let start = errors.total;
    let mut header = true;
    loop {
        match csv.read(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                errors.push(CsvError::at(MANIFEST, e.line, None, e.message));
                return None;
            }
        }
        if rec.is_blank_line() {
            continue;
        }
        let line = rec.line;
        if header {
            header = false;
            let names: Vec<&str> = (0..rec.len()).map(|i| rec.get(i)).collect();
            if names != ["propertyName", "value"] {
                errors.push(CsvError::at(
                    MANIFEST,
                    line,
                    None,
                    format!(
                        "the header must be 'propertyName,value', not '{}'",
                        names.join(",")
                    ),
                ));
                return None;
            }
            continue;
        }
        if rec.len() != 2 {
            errors.push(CsvError::at(
                MANIFEST,
                line,
                None,
                format!("expected 2 fields, found {}", rec.len()),
            ));
            continue;
        }
        let property = rec.get(0).trim();
        let value = rec.get(1).trim();
        // The binding's manifest table marks the files new in 1.2 with a `*`; some producers
        // copy it into the property name.
        let key = property.strip_suffix('*').unwrap_or(property);
        if seen.iter().any(|s| s == key) {
            errors.push(CsvError::at(
                MANIFEST,
                line,
                Some("propertyName"),
                format!("'{key}' is given twice"),
            ));
            continue;
        }
        seen.push(key.to_string());
        if key == "manifest.version" {
            manifest_version = true;
            if value != "1.0" {
                errors.push(CsvError::at(
                    MANIFEST,
                    line,
                    Some("value"),
                    format!("manifest.version must be 1.0, not '{value}'"),
                ));
            }
        } else if key == "oneroster.version" {
            oneroster_version = true;
            if value != "1.2" {
                errors.push(CsvError::at(
                    MANIFEST,
                    line,
                    Some("value"),
                    format!("oneroster.version must be 1.2 (this server reads OneRoster 1.2 packages), not '{value}'"),
                ));
            }
        } else if let Some(name) = key.strip_prefix("file.") {
            let Some(spec) = schema::file(name) else {
                errors.push(CsvError::at(
                    MANIFEST,
                    line,
                    Some("propertyName"),
                    format!("unknown file '{name}' in '{key}'"),
                ));
                continue;
            };
            match value {
                "bulk" => {
                    manifest.modes.insert(spec.name, Mode::Bulk);
                }
                "delta" => {
                    manifest.modes.insert(spec.name, Mode::Delta);
                }
                "absent" => {}
                other => errors.push(CsvError::at(
                    MANIFEST,
                    line,
                    Some("value"),
                    format!("{key} must be bulk, delta or absent, not '{other}'"),
                )),
            }
        } else if key.starts_with("source.") {
            manifest.source.push((key.to_string(), value.to_string()));
        } else {
            errors.push(CsvError::at(
                MANIFEST,
                line,
                Some("propertyName"),
                format!("unknown property '{key}'"),
            ));
        }
    }
    if header {
        errors.push(CsvError::file(MANIFEST, "the manifest is empty"));
        return None;
    }
    if !manifest_version {
        errors.push(CsvError::file(MANIFEST, "manifest.version is missing"));
    }
    if !oneroster_version {
        errors.push(CsvError::file(MANIFEST, "oneroster.version is missing"));
    }
    for spec in &schema::FILES {
        let listed = manifest.modes.get(spec.name);
        let there = present.contains(&spec.name);
        match (listed, there) {
            (Some(mode), false) => errors.push(CsvError::file(
                &spec.file_name(),
                format!(
                    "the manifest says file.{}={} but the package has no {}",
                    spec.name,
                    mode.as_str(),
                    spec.file_name()
                ),
            )),
            (None, true) => errors.push(CsvError::file(
                &spec.file_name(),
                format!(
                    "the file is in the package but the manifest says file.{} is absent (or does not list it)",
                    spec.name
                ),
            )),
            _ => {}
        }
    }
    (errors.total == start).then_some(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert!(name_problem("orgs.csv").is_none());
        for bad in [
            "../orgs.csv",
            "/orgs.csv",
            "a/orgs.csv",
            "C:orgs.csv",
            "a\\b.csv",
        ] {
            assert!(name_problem(bad).is_some(), "{bad}");
        }
        assert!(known("orgs.csv").unwrap().is_some());
        assert!(known("manifest.csv").unwrap().is_none());
        assert!(known("Orgs.csv").is_err());
        assert!(known("notes.txt").is_err());
    }
}
