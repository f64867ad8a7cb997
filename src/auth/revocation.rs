//! Access tokens of revoked clients stop working: each request's client is checked against
//! the `oauth_clients` table, at most once per [`RECHECK`] per client and process.
//!
//! A token is a signed statement the server can verify alone, but a client revoked with
//! `oneroster clients revoke` (another process, possibly another instance sharing the
//! database) must lose access before its tokens expire, not an hour later. Reading the
//! client's row on every request would add a query to each read; reading it once every few
//! seconds per client bounds the delay a revocation takes to reach every instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::{Sql, Store};

/// How long a client's "not revoked" answer is trusted before the table is read again.
pub const RECHECK: Duration = Duration::from_secs(5);

/// Clients seen recently and whether they were active then.
pub struct ClientStatus {
    seen: Mutex<HashMap<Box<str>, (bool, Instant)>>,
    recheck: Duration,
}

impl ClientStatus {
    /// Trusting an answer for `recheck` ([`RECHECK`] but in a test).
    pub fn new(recheck: Duration) -> ClientStatus {
        ClientStatus {
            seen: Mutex::default(),
            recheck,
        }
    }

    /// Whether `client_id` is registered and not revoked (read from the store when the last
    /// answer is older than the recheck interval).
    pub async fn is_active(&self, store: &Store, client_id: &str) -> Result<bool, sqlx::Error> {
        let now = Instant::now();
        if let Ok(seen) = self.seen.lock()
            && let Some(&(active, at)) = seen.get(client_id)
            && now.duration_since(at) < self.recheck
        {
            return Ok(active);
        }
        let mut sql = Sql::new(
            "SELECT COUNT(*) FROM oauth_clients WHERE revoked_at IS NULL AND client_id = ",
        );
        sql.bind(client_id);
        let active = store.fetch_i64(&sql).await? > 0;
        if let Ok(mut seen) = self.seen.lock() {
            // Only registered clients' tokens reach here (they are signed by this server), so
            // the map stays as small as the client registry.
            seen.insert(client_id.into(), (active, now));
        }
        Ok(active)
    }
}
