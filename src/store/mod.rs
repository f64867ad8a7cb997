//! The storage seam: one engine over PostgreSQL (production) or SQLite (embedded default).
//!
//! Statements are built once, backend-neutrally, as [`Sql`]; this module only binds and runs
//! them. The few spelling differences between the backends live in [`sql::Dialect`] and in
//! the two migration folders.

pub mod bookmarks;
pub mod conns;
pub mod engine;
mod fold;
pub mod plan;
pub mod retention;
pub mod sql;
pub mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Database, Encode, Postgres, QueryBuilder, Row, Sqlite, SqlitePool, Type};
use tokio::sync::mpsc;

use crate::model::render::RowAccess;
pub use sql::{Arg, Dialect, Part, Sql};

/// The open connection pool of one backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// sqlx's pool behind [`conns::PgConns`], which lends its connections.
    Postgres(Arc<conns::PgConns>),
    Sqlite(SqlitePool),
}

/// Connection settings.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub url: String,
    pub pool_size: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`; a runaway query is cancelled, not left running.
    pub statement_timeout: Duration,
}

/// The store shared by all requests.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    pub dialect: Dialect,
    /// SQLite has one writer at a time. Writers of this process queue here, in arrival
    /// order, rather than in SQLite's busy handler, which polls with growing sleeps and lets
    /// a waiting writer starve until its timeout under a steady stream of writes.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// How long a writer waits for its turn before the request is answered 503.
    write_wait: Duration,
    /// SQLite: a few connections of their own for [`Store::fetch_total`] (PostgreSQL keeps
    /// its reserve in [`conns::PgConns`]).
    spare: Option<SqlitePool>,
}

/// Migrations compiled into the binary, one folder per backend. Append only.
/// `(version, description, SQL)` of each migration file of a backend folder.
macro_rules! embed {
    ($dir:literal: $(($v:literal, $desc:literal, $file:literal)),* $(,)?) => {
        &[$(($v, $desc, include_str!(concat!("../../migrations/", $dir, "/", $file)))),*]
    };
}

static POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = embed!("postgres":
    (1, "init", "0001_init.sql"),
    (2, "entity counts", "0002_entity_counts.sql"),
    (3, "tombstone indexes", "0003_tombstone_indexes.sql"),
    (4, "user roles by user", "0004_user_roles_by_user.sql"),
    (5, "enrollment status in indexes", "0005_enrollment_status_in_indexes.sql"),
    (6, "csv link rows", "0006_csv_link_rows.sql"),
);
static SQLITE_MIGRATIONS: &[(i64, &str, &str)] = embed!("sqlite":
    (1, "init", "0001_init.sql"),
    (2, "entity counts", "0002_entity_counts.sql"),
    (3, "tombstone indexes", "0003_tombstone_indexes.sql"),
    (4, "user roles by user", "0004_user_roles_by_user.sql"),
    (5, "enrollment status in indexes", "0005_enrollment_status_in_indexes.sql"),
    (6, "csv link rows", "0006_csv_link_rows.sql"),
);

#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>>
    {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        (*description).into(),
                        MigrationType::Simple,
                        sqlx::SqlSafeStr::into_sql_str(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Builds a runnable query from a neutral statement (values bound, never spliced).
pub(crate) fn builder<'a, DB: Database>(sql: &Sql) -> QueryBuilder<DB>
where
    Option<String>: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
    Option<f64>: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::<DB>::new("");
    for part in &sql.parts {
        match part {
            Part::Text(t) => {
                qb.push(t);
            }
            Part::Bind(Arg::Text(v)) => {
                qb.push_bind(v.clone());
            }
            Part::Bind(Arg::Int(v)) => {
                qb.push_bind(*v);
            }
            Part::Bind(Arg::Float(v)) => {
                qb.push_bind(*v);
            }
        }
    }
    qb
}

macro_rules! row_access {
    ($row:ty) => {
        // Columns are read by the types the catalogue gives them, so the per-value check of
        // the declared column type is skipped; decoding still fails cleanly on a mismatch.
        impl RowAccess for $row {
            fn text(&self, i: usize) -> anyhow::Result<Option<&str>> {
                Ok(self.try_get_unchecked::<Option<&str>, _>(i)?)
            }
            fn int(&self, i: usize) -> anyhow::Result<Option<i64>> {
                Ok(self.try_get_unchecked::<Option<i64>, _>(i)?)
            }
            fn float(&self, i: usize) -> anyhow::Result<Option<f64>> {
                Ok(self.try_get_unchecked::<Option<f64>, _>(i)?)
            }
        }
    };
}
row_access!(PgRow);
row_access!(SqliteRow);

/// Runs `$body` with `$pool` bound to an executor of the backend (a lent connection on
/// PostgreSQL, the pool on SQLite) and `$DB` to its database type. When `$body` succeeds the
/// connection is reused as it is: sqlx reads what a statement left unread (the rest of a
/// `fetch_one`) before the next one, so a body that may leave a large result unread must fail
/// instead (as [`Store::stream`] does when its reader goes away).
macro_rules! on_pool {
    ($db:expr, $pool:ident, $DB:ident => $body:expr) => {
        match $db {
            Db::Postgres(pg) => {
                type $DB = Postgres;
                let mut lease = pg.lease().await?;
                let $pool = lease.conn();
                let out = $body;
                if out.is_ok() {
                    lease.done();
                }
                out
            }
            Db::Sqlite($pool) => {
                type $DB = Sqlite;
                $body
            }
        }
    };
}

/// A streamed result whose reader stopped before its end.
#[derive(Debug)]
struct Unfinished;

impl std::fmt::Display for Unfinished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client stopped reading")
    }
}

impl std::error::Error for Unfinished {}

/// Size of the chunks a streamed response is sent in.
pub const CHUNK: usize = 64 * 1024;

/// A piece of a streamed response.
#[derive(Debug)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// Whether the query has finished (this is the end of the body).
    pub last: bool,
}

impl Store {
    /// Opens the database named by `url`: `postgres://…` or `sqlite:…`.
    pub async fn connect(opts: &StoreOptions) -> anyhow::Result<Store> {
        let url = opts.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let timeout_ms = opts.statement_timeout.as_millis().to_string();
            let conn = PgConnectOptions::from_str(url)
                .context("invalid PostgreSQL URL")?
                .application_name("oneroster")
                .options([("statement_timeout", timeout_ms.as_str())]);
            // No health check before each use: it would cost a round trip per statement (a
            // connection is already checked when it goes back to the pool, and one that broke
            // meanwhile fails its statement with a 503, not a wrong answer).
            let pool = PgPoolOptions::new()
                .max_connections(opts.pool_size + conns::RESERVE)
                .acquire_timeout(opts.acquire_timeout)
                .test_before_acquire(false)
                .connect_with(conn)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Store {
                db: Db::Postgres(Arc::new(conns::PgConns::new(
                    pool,
                    opts.pool_size,
                    opts.acquire_timeout,
                ))),
                dialect: Dialect::Postgres,
                writer: Arc::default(),
                write_wait: opts.acquire_timeout,
                spare: None,
            })
        } else if url.starts_with("sqlite:") {
            let conn = SqliteConnectOptions::from_str(url)
                .context("invalid SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(opts.acquire_timeout.max(Duration::from_secs(5)))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.pool_size)
                .acquire_timeout(opts.acquire_timeout)
                .test_before_acquire(false)
                .after_connect(|conn, _| Box::pin(fold::register(conn)))
                .connect_with(conn.clone())
                .await
                .context("cannot open the SQLite database")?;
            // Opened when first needed. (An in-memory database is one per connection: it
            // gets no spare connections, which would see another database.)
            let spare = (!conn.get_filename().as_os_str().is_empty()
                && conn.get_filename() != std::path::Path::new(":memory:"))
            .then(|| {
                SqlitePoolOptions::new()
                    .max_connections(conns::RESERVE)
                    .acquire_timeout(opts.acquire_timeout)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(fold::register(conn)))
                    .connect_lazy_with(conn)
            });
            Ok(Store {
                db: Db::Sqlite(pool),
                dialect: Dialect::Sqlite,
                writer: Arc::default(),
                write_wait: opts.acquire_timeout,
                spare,
            })
        } else {
            anyhow::bail!(
                "unsupported database URL: expected postgres://… or sqlite:…, got a URL starting with '{}'",
                url.split(':').next().unwrap_or("")
            )
        }
    }

    /// Applies the embedded migrations of the backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.db {
            Db::Postgres(pg) => Migrator::new(Embedded(POSTGRES_MIGRATIONS))
                .await?
                .run(&pg.pool)
                .await
                .context("applying PostgreSQL migrations")?,
            Db::Sqlite(pool) => Migrator::new(Embedded(SQLITE_MIGRATIONS))
                .await?
                .run(pool)
                .await
                .context("applying SQLite migrations")?,
        }
        Ok(())
    }

    /// Refreshes the planner's statistics where the database does not do it itself
    /// (SQLite's `PRAGMA optimize` analyzes the tables whose statistics are missing or stale).
    pub async fn optimize(&self) -> Result<(), sqlx::Error> {
        if let Db::Sqlite(pool) = &self.db {
            sqlx::query("PRAGMA optimize=0x10002").execute(pool).await?;
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.db {
            Db::Postgres(pg) => pg.close().await,
            Db::Sqlite(pool) => {
                if let Some(spare) = &self.spare {
                    spare.close().await;
                }
                pool.close().await
            }
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        self.execute(&Sql::new("SELECT 1")).await?;
        Ok(())
    }

    /// Runs a statement, returning the number of affected rows.
    pub async fn execute(&self, sql: &Sql) -> Result<u64, sqlx::Error> {
        on_pool!(&self.db, pool, DB => {
            let mut qb = builder::<DB>(sql);
            Ok(qb.build().execute(pool).await?.rows_affected())
        })
    }

    /// Runs a query returning one integer (a count).
    pub async fn fetch_i64(&self, sql: &Sql) -> Result<i64, sqlx::Error> {
        on_pool!(&self.db, pool, DB => {
            let mut qb = builder::<DB>(sql);
            let row = qb.build().fetch_one(pool).await?;
            row.try_get::<i64, _>(0)
        })
    }

    /// Runs a count (one integer) for a task that may be holding another connection of this
    /// store, such as the total of a page whose rows are still streaming: it may take one of
    /// the few connections kept for this, so that tasks holding every ordinary connection
    /// never wait for one another.
    pub async fn fetch_total(&self, sql: &Sql) -> Result<i64, sqlx::Error> {
        match &self.db {
            Db::Postgres(pg) => {
                let mut lease = pg.lease_short().await?;
                let mut qb = builder::<Postgres>(sql);
                let row = qb.build().fetch_one(lease.conn()).await?;
                let total = row.try_get::<i64, _>(0)?;
                lease.done();
                Ok(total)
            }
            Db::Sqlite(pool) => {
                let mut conn = match (pool.try_acquire(), &self.spare) {
                    (Some(conn), _) => conn,
                    (None, Some(spare)) => spare.acquire().await?,
                    (None, None) => pool.acquire().await?,
                };
                let mut qb = builder::<Sqlite>(sql);
                let row = qb.build().fetch_one(&mut *conn).await?;
                row.try_get::<i64, _>(0)
            }
        }
    }

    /// Rows of (integer, text), such as a tag and an id.
    pub async fn fetch_tagged(&self, sql: &Sql) -> Result<Vec<(i64, String)>, sqlx::Error> {
        on_pool!(&self.db, pool, DB => {
            let mut qb = builder::<DB>(sql);
            let rows = qb.build().fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })
    }

    /// Whether a query returns any row.
    pub async fn exists(&self, sql: &Sql) -> Result<bool, sqlx::Error> {
        on_pool!(&self.db, pool, DB => {
            let mut qb = builder::<DB>(sql);
            Ok(qb.build().fetch_optional(pool).await?.is_some())
        })
    }

    /// Runs a query and maps each row.
    pub async fn fetch_map<T>(
        &self,
        sql: &Sql,
        mut f: impl FnMut(&dyn RowAccess) -> anyhow::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        on_pool!(&self.db, pool, DB => {
            let mut qb = builder::<DB>(sql);
            let mut rows = qb.build().fetch(pool);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await? {
                out.push(f(&row)?);
            }
            Ok(out)
        })
    }

    /// Streams the rows of a query as chunks of bytes written by `each`, between `prefix`
    /// and `suffix`. At most a few chunks are in flight: memory stays flat whatever the size
    /// of the result. Returns the first message — once the query has produced its first
    /// chunk or finished, so a failing query can still be answered with a proper error — and
    /// the receiver of the rest. The query runs in the caller's task until its first chunk
    /// is ready; only a result larger than one chunk continues in a task of its own.
    pub async fn stream<F>(
        &self,
        sql: Sql,
        prefix: Vec<u8>,
        suffix: &'static [u8],
        mut each: F,
    ) -> (
        Option<anyhow::Result<Chunk>>,
        mpsc::Receiver<anyhow::Result<Chunk>>,
    )
    where
        F: FnMut(&mut Vec<u8>, &dyn RowAccess) -> anyhow::Result<()> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel(4);
        let db = self.db.clone();
        let mut producer = Box::pin(async move {
            let mut buf = prefix;
            buf.reserve(CHUNK);
            let run = async {
                // Ok(false): the client went away before the end (the connection is then not
                // reused as it is: the rest of the result is still on its way).
                on_pool!(&db, pool, DB => async {
                    let mut qb = builder::<DB>(&sql);
                    let mut rows = qb.build().fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        each(&mut buf, &row)?;
                        if buf.len() >= CHUNK {
                            let bytes = std::mem::replace(&mut buf, Vec::with_capacity(CHUNK + 4096));
                            if tx.send(Ok(Chunk { bytes, last: false })).await.is_err() {
                                return Ok::<bool, anyhow::Error>(false);
                            }
                        }
                    }
                    Ok(true)
                }.await.and_then(|finished| if finished { Ok(true) } else { Err(Unfinished.into()) }))
            };
            match run.await.or_else(|e| {
                if e.is::<Unfinished>() {
                    Ok(false)
                } else {
                    Err(e)
                }
            }) {
                Ok(true) => {
                    buf.extend_from_slice(suffix);
                    let _ = tx
                        .send(Ok(Chunk {
                            bytes: buf,
                            last: true,
                        }))
                        .await;
                }
                Ok(false) => {}
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        let first = tokio::select! {
            biased;
            // Finished here: its messages are queued (the channel holds more than a page of
            // one chunk plus an error).
            _ = &mut producer => rx.recv().await,
            first = rx.recv() => {
                tokio::spawn(producer);
                first
            }
        };
        (first, rx)
    }

    /// Starts a write transaction. On SQLite the writer first waits for its turn (see
    /// [`Store::writer`]), then takes the write lock at once (`BEGIN IMMEDIATE`), so that
    /// concurrent writers queue instead of failing; a writer that waits longer than the pool
    /// timeout gets [`sqlx::Error::PoolTimedOut`] (503).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match &self.db {
            Db::Postgres(pg) => Tx::Postgres(pg.begin().await?),
            Db::Sqlite(pool) => {
                let turn = tokio::time::timeout(self.write_wait, self.writer.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                Tx::Sqlite(tx, WriteTurn(Some(turn)))
            }
        })
    }
}

/// A SQLite writer's turn, held until its transaction ends (none for a read-only one).
pub struct WriteTurn(#[allow(dead_code)] Option<tokio::sync::OwnedMutexGuard<()>>);

impl WriteTurn {
    /// For a read-only transaction, which needs no turn.
    pub fn reader() -> WriteTurn {
        WriteTurn(None)
    }
}

/// A write transaction on either backend.
pub enum Tx {
    Postgres(conns::PgTx),
    Sqlite(sqlx::Transaction<'static, Sqlite>, WriteTurn),
}

macro_rules! on_tx {
    ($tx:expr, $conn:ident, $DB:ident => $body:expr) => {
        match $tx {
            Tx::Postgres($conn) => {
                type $DB = Postgres;
                $body
            }
            Tx::Sqlite($conn, _) => {
                type $DB = Sqlite;
                $body
            }
        }
    };
}

impl Tx {
    pub async fn execute(&mut self, sql: &Sql) -> Result<u64, sqlx::Error> {
        on_tx!(self, conn, DB => {
            let mut qb = builder::<DB>(sql);
            Ok(qb.build().execute(&mut **conn).await?.rows_affected())
        })
    }

    /// The first column of every row, as text.
    pub async fn fetch_texts(&mut self, sql: &Sql) -> Result<Vec<String>, sqlx::Error> {
        on_tx!(self, conn, DB => {
            let mut qb = builder::<DB>(sql);
            let rows = qb.build().fetch_all(&mut **conn).await?;
            rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
        })
    }

    /// Rows of (integer, text), such as a tag and an id.
    pub async fn fetch_tagged(&mut self, sql: &Sql) -> Result<Vec<(i64, String)>, sqlx::Error> {
        on_tx!(self, conn, DB => {
            let mut qb = builder::<DB>(sql);
            let rows = qb.build().fetch_all(&mut **conn).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect()
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Postgres(tx) => tx.commit().await,
            Tx::Sqlite(tx, _turn) => tx.commit().await,
        }
    }
}
