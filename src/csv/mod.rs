//! The OneRoster 1.2 CSV binding: import and export of CSV packages (bulk and delta).
//!
//! Import ([`import`]) reads a package (a zip or a folder) on a blocking thread, validating
//! every row as it streams, and loads the rows into temporary staging tables inside one
//! transaction (`COPY` on PostgreSQL, multi-row `INSERT`s on SQLite). Checks that need the
//! whole package or the store run in SQL over the staging tables; then set-based statements
//! merge the staged rows into the store, writing only records whose content changed. Any
//! error rolls the whole transaction back: the store is exactly as before.
//!
//! Export ([`export::export`]) streams the store into a package, bulk or delta.
//!
//! `docs/csv.md` describes the behaviour and the decisions taken where the binding is silent.

pub mod check;
pub mod cli;
pub mod db;
pub mod error;
pub mod export;
pub mod http;
pub mod layout;
pub mod merge;
pub mod package;
pub mod parse;
pub mod reader;
pub mod schema;
pub mod stage;
pub mod values;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::model::datetime::{format_datetime, now_ms};
use crate::store::{Db, Sql, Store, Tx};

pub use error::{CsvError, Errors, ImportError};
pub use merge::FileSummary;
pub use package::{Input, Limits, Mode};

/// How an import behaves.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Let bulk files delete more than `mass_delete_threshold` of a kind.
    pub allow_mass_delete: bool,
    /// Largest share (0–1) of a kind's active records a bulk file may delete.
    pub mass_delete_threshold: f64,
    /// Most errors reported.
    pub max_errors: usize,
    /// Fewest new rows for a table (and at least half its size) for which its secondary
    /// indexes are dropped and rebuilt after the load ([`db::BULK_LOAD_ROWS`]; tests lower it).
    pub bulk_load_rows: i64,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            limits: Limits::default(),
            allow_mass_delete: false,
            mass_delete_threshold: 0.5,
            max_errors: 100,
            bulk_load_rows: db::BULK_LOAD_ROWS,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: Vec<FileSummary>,
    /// Data rows read.
    pub rows: u64,
    pub elapsed_ms: u64,
    /// The `dateLastModified` given to every record this import created or changed.
    pub date_last_modified: String,
}

/// Live progress of an import, for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
    phase: Mutex<String>,
}

impl Progress {
    pub fn set_phase(&self, phase: impl Into<String>) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase.into();
        }
    }

    pub fn phase(&self) -> String {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// Imports run one at a time in a process: SQLite has a single writer (a second import would
/// fail after the busy timeout instead of waiting), and on PostgreSQL an advisory lock also
/// serialises imports across processes.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Imports a package into the store, all or nothing.
pub async fn import(
    store: &Store,
    input: Input,
    opts: &ImportOptions,
    progress: Arc<Progress>,
) -> Result<Summary, ImportError> {
    progress.set_phase("waiting for another import to finish");
    let _turn = ONE_AT_A_TIME.lock().await;
    progress.set_phase("reading");
    let started = Instant::now();
    let format = match store.db {
        Db::Postgres(_) => parse::Format::Copy,
        Db::Sqlite(_) => parse::Format::Binds,
    };
    let (sender, mut rx) = mpsc::channel(8);
    let (limits, cap) = (opts.limits, opts.max_errors);
    let reading = progress.clone();
    let parser = tokio::task::spawn_blocking(move || {
        let mut errors = Errors::new(cap);
        let outcome = match package::Package::open(input, limits, &mut errors) {
            Some(mut package) => parse::run(&mut package, format, &mut errors, &sender, &reading),
            None => parse::Outcome::default(),
        };
        (errors, outcome)
    });
    // A package refused before its files are read never opens a transaction.
    let Some(parse::Msg::Plan(files)) = rx.recv().await else {
        let (errors, _) = parser.await.map_err(anyhow::Error::from)?;
        return Err(if errors.is_empty() {
            ImportError::Internal(anyhow::anyhow!("the package reader stopped unexpectedly"))
        } else {
            ImportError::Refused(errors)
        });
    };
    let plan = stage::Plan { files };
    let mut tx = store.begin().await?;
    let loaded = async {
        start(&mut tx).await?;
        stage::create_all(&mut tx, &plan).await?;
        stage::load(&mut tx, &mut rx).await
    }
    .await;
    // Let the reader finish (and report) even when loading failed.
    drop(rx);
    let (mut errors, outcome) = parser.await.map_err(anyhow::Error::from)?;
    loaded?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "CSV package read and staged"
    );
    if !errors.is_empty() {
        return Err(ImportError::Refused(errors));
    }
    progress.set_phase("checking references");
    check::duplicates(&mut tx, &outcome.duplicates, &mut errors).await?;
    check::references(&mut tx, &plan, &mut errors).await?;
    check::agreements(&mut tx, &plan, &mut errors).await?;
    check::link_duplicates(&mut tx, &plan, &mut errors).await?;
    let mut censuses = std::collections::HashMap::new();
    for (spec, _) in plan.specs() {
        if spec.entity().is_some() {
            censuses.insert(spec.name, merge::census(&mut tx, spec).await?);
        }
    }
    if !opts.allow_mass_delete {
        check::mass_delete(
            &mut tx,
            &plan,
            &censuses,
            opts.mass_delete_threshold,
            &mut errors,
        )
        .await?;
    }
    if !errors.is_empty() {
        return Err(ImportError::Refused(errors));
    }
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "CSV package checked"
    );
    progress.set_phase("writing");
    let now = now_ms();
    let files = merge::apply(
        &mut tx,
        &plan,
        &outcome.rows,
        &censuses,
        now,
        opts.bulk_load_rows,
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Err(ImportError::Refused(errors));
    }
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "CSV package merged"
    );
    stage::drop_all(&mut tx, &plan).await?;
    if let Tx::Postgres(_) = tx {
        progress.set_phase("analyzing");
        for table in merge::tables_to_analyze(&plan, &files) {
            tx.execute(&Sql::new(&format!("ANALYZE {table}"))).await?;
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "CSV package analyzed"
        );
    }
    progress.set_phase("committing");
    tx.commit().await?;
    Ok(Summary {
        rows: files.iter().map(|f| f.rows).sum(),
        files,
        elapsed_ms: started.elapsed().as_millis() as u64,
        date_last_modified: format_datetime(now),
    })
}

/// Sets up the import transaction.
async fn start(tx: &mut Tx) -> anyhow::Result<()> {
    if let Tx::Postgres(_) = tx {
        // One import at a time, across every instance sharing the database.
        tx.execute(&Sql::new("SELECT pg_advisory_xact_lock(7362716001)"))
            .await?;
        // An import is bounded by its package, not by the per-request statement timeout.
        tx.execute(&Sql::new("SET LOCAL statement_timeout = 0"))
            .await?;
        // Large imports rebuild indexes (see `db::drop_indexes_for_load`): give the sorts room.
        tx.execute(&Sql::new("SET LOCAL maintenance_work_mem = '256MB'"))
            .await?;
        // The checks and merges are joins, aggregates and sorts over whole files: with the
        // default 4 MB each of them spills to disk in batches. One import runs at a time.
        tx.execute(&Sql::new("SET LOCAL work_mem = '128MB'"))
            .await?;
    }
    Ok(())
}
