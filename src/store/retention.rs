//! Housekeeping: tombstone retention — deleted records (`status: tobedeleted`) stay visible
//! to delta queries for a configurable number of days, then are purged — and, on SQLite,
//! keeping the planner's statistics current (PostgreSQL's autovacuum does that itself).

use std::time::Duration;

use crate::model::datetime::now_ms;
use crate::model::entities;

use super::{Sql, Store};

/// Purges the tombstones (of records, and of CSV link rows) last modified before
/// `cutoff_ms`. Returns how many were removed.
pub async fn purge(store: &Store, cutoff_ms: i64) -> anyhow::Result<u64> {
    let mut total = 0;
    for entity in entities::ALL {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(entity.table)
            .push(" WHERE status = 'tobedeleted' AND date_last_modified < ")
            .bind(cutoff_ms);
        total += store.execute(&sql).await?;
    }
    // The identities of CSV link rows whose element went away: kept as long as tombstones,
    // for delta exports to report, and not forever.
    let mut sql = Sql::new("DELETE FROM ");
    sql.push(crate::csv::merge::REGISTRY)
        .push(" WHERE status = 'tobedeleted' AND date_last_modified < ")
        .bind(cutoff_ms);
    total += store.execute(&sql).await?;
    Ok(total)
}

/// Runs the housekeeping at start and then hourly: purges expired tombstones (unless
/// `days == 0`, which keeps them forever) and refreshes SQLite's statistics, without which
/// it cannot tell a selective index from a useless one.
pub fn spawn_housekeeping(store: Store, days: u64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if days > 0 {
                let cutoff = now_ms() - (days as i64) * 86_400_000;
                match purge(&store, cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired tombstones purged"),
                    Err(e) => tracing::warn!(error = format!("{e:#}"), "tombstone purge failed"),
                }
            }
            if let Err(e) = store.optimize().await {
                tracing::warn!(error = format!("{e:#}"), "statistics refresh failed");
            }
        }
    });
}
