//! PostgreSQL connections handed out without sqlx's test on release.
//!
//! sqlx's pool tests every connection that comes back to it with a round trip to the server
//! (a `Sync` and its `ReadyForQuery`). For a read served by one statement that doubles the
//! round trips, and with them the wake-ups of both processes, which on a small machine cost
//! more than the statement itself. Here a connection whose statement ran to completion goes
//! back to a short list of idle connections of our own, as it is: it is known to be ready for
//! the next statement; so does the connection of a transaction that committed or rolled back.
//! Any other (an error, a stream left unfinished) goes back to sqlx, which tests it as before.
//!
//! Every use of a connection, through this list or a transaction, first takes one of
//! `pool_size` permits, so that connections idle in the list never leave a waiter of sqlx's
//! pool without a connection. A few more permits ([`RESERVE`]) are kept for short statements
//! run by a task that already holds a connection (the total of a page whose rows are still
//! streaming): when every permit is held by such tasks, they would otherwise all wait for one
//! another until the acquire timeout.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections beyond `pool_size` kept for [`PgConns::lease_short`].
pub const RESERVE: u32 = 2;

pub struct PgConns {
    pub pool: PgPool,
    permits: Arc<Semaphore>,
    /// Permits only [`PgConns::lease_short`] takes.
    reserve: Arc<Semaphore>,
    idle: Mutex<Vec<PoolConnection<Postgres>>>,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for PgConns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConns")
            .field("permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl PgConns {
    /// `pool` must allow `size` + [`RESERVE`] connections.
    pub fn new(pool: PgPool, size: u32, acquire_timeout: Duration) -> PgConns {
        PgConns {
            pool,
            permits: Arc::new(Semaphore::new(size.max(1) as usize)),
            reserve: Arc::new(Semaphore::new(RESERVE as usize)),
            idle: Mutex::new(Vec::new()),
            acquire_timeout,
        }
    }

    /// A permit and a connection: an idle one of ours, or one of sqlx's pool. With `short`,
    /// the permit may also be one of the reserve (whichever is free first, an ordinary one
    /// when both are).
    async fn take(
        &self,
        short: bool,
    ) -> Result<(OwnedSemaphorePermit, PoolConnection<Postgres>), sqlx::Error> {
        let ordinary = self.permits.clone().acquire_owned();
        let permit = if short {
            let reserve = self.reserve.clone().acquire_owned();
            tokio::time::timeout(self.acquire_timeout, async {
                tokio::select! {
                    biased;
                    p = ordinary => p,
                    p = reserve => p,
                }
            })
            .await
        } else {
            tokio::time::timeout(self.acquire_timeout, ordinary).await
        };
        let permit = permit
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.pool.acquire().await?,
        };
        Ok((permit, conn))
    }

    /// A connection for statements outside a transaction; see [`Lease::done`].
    pub async fn lease(self: &Arc<Self>) -> Result<Lease, sqlx::Error> {
        self.lease_with(false).await
    }

    /// A connection for one short statement by a task that may already hold a connection:
    /// it may take a permit of the reserve, which no other use takes, so it never waits for
    /// connections that wait for it.
    pub async fn lease_short(self: &Arc<Self>) -> Result<Lease, sqlx::Error> {
        self.lease_with(true).await
    }

    async fn lease_with(self: &Arc<Self>, short: bool) -> Result<Lease, sqlx::Error> {
        let (permit, conn) = self.take(short).await?;
        Ok(Lease {
            conn: Some(conn),
            home: self.clone(),
            clean: false,
            _permit: permit,
        })
    }

    /// A transaction (`BEGIN` … `COMMIT` on a lent connection, which is reused as it is
    /// after a commit).
    pub async fn begin(self: &Arc<Self>) -> Result<PgTx, sqlx::Error> {
        let mut lease = self.lease().await?;
        sqlx::raw_sql("BEGIN").execute(lease.conn()).await?;
        Ok(PgTx {
            lease: Some(lease),
            open: true,
        })
    }

    /// Hands the idle connections back to sqlx's pool and closes it.
    pub async fn close(&self) {
        self.permits.close();
        self.reserve.close();
        let idle: Vec<_> = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        drop(idle);
        self.pool.close().await;
    }
}

/// A connection lent for statements outside a transaction.
pub struct Lease {
    conn: Option<PoolConnection<Postgres>>,
    home: Arc<PgConns>,
    /// Set by [`Lease::done`]: the statements ran to completion.
    clean: bool,
    // Released after `drop` has put the connection back.
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }

    /// Marks the connection ready for the next statement: every result was read to its end.
    pub fn done(&mut self) {
        self.clean = true;
    }

    /// Closes the connection instead of returning it anywhere (its state is unknown in a way
    /// sqlx's test would not catch, such as a transaction left open).
    fn close_on_drop(&mut self) {
        self.clean = false;
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.clean
            && !self.home.pool.is_closed()
            && let Ok(mut idle) = self.home.idle.lock()
        {
            idle.push(conn);
            return;
        }
        // Unknown state: sqlx's pool tests it (and drops it if broken).
        drop(conn);
    }
}

/// A PostgreSQL transaction on a lent connection. Dropped without a commit, it is rolled
/// back before the connection is reused.
pub struct PgTx {
    lease: Option<Lease>,
    open: bool,
}

impl PgTx {
    fn lease(&self) -> &Lease {
        self.lease
            .as_ref()
            .expect("a transaction holds its connection until dropped")
    }

    fn lease_mut(&mut self) -> &mut Lease {
        self.lease
            .as_mut()
            .expect("a transaction holds its connection until dropped")
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // Until COMMIT has answered, dropping this (an error, or the future cancelled) still
        // rolls back: harmless after a COMMIT that did end the transaction.
        let lease = self.lease_mut();
        sqlx::raw_sql("COMMIT").execute(lease.conn()).await?;
        lease.done();
        self.open = false;
        Ok(())
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(mut lease) = self.lease.take() else {
            return;
        };
        if !self.open {
            return;
        }
        // Roll back in a task of its own (drop cannot wait); the connection is reused once
        // that succeeded, and closed otherwise: sqlx's test on release would not notice a
        // transaction left open.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if sqlx::raw_sql("ROLLBACK")
                        .execute(lease.conn())
                        .await
                        .is_ok()
                    {
                        lease.done();
                    } else {
                        lease.close_on_drop();
                    }
                });
            }
            Err(_) => lease.close_on_drop(),
        }
    }
}

impl Deref for PgTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.lease()
            .conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.lease_mut().conn()
    }
}
