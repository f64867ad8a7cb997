//! Tombstone retention: deleted records (`status: tobedeleted`) stay visible to delta
//! queries for a configurable number of days, then are purged.

use std::time::Duration;

use crate::model::datetime::now_ms;
use crate::model::entities;

use super::{Sql, Store};

/// Purges the tombstones last modified before `cutoff_ms`. Returns how many were removed.
pub async fn purge(store: &Store, cutoff_ms: i64) -> anyhow::Result<u64> {
    let mut total = 0;
    for entity in entities::ALL {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(entity.table)
            .push(" WHERE status = 'tobedeleted' AND date_last_modified < ")
            .bind(cutoff_ms);
        total += store.execute(&sql).await?;
    }
    Ok(total)
}

/// Purges expired tombstones at start and then hourly; `days == 0` keeps them forever.
pub fn spawn_purger(store: Store, days: u64) {
    if days == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let cutoff = now_ms() - (days as i64) * 86_400_000;
            match purge(&store, cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired tombstones purged"),
                Err(e) => tracing::warn!(error = format!("{e:#}"), "tombstone purge failed"),
            }
        }
    });
}
