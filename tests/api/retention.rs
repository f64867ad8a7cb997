//! Tombstone retention: purged after the retention period, active records untouched.

use oneroster::model::datetime::now_ms;
use oneroster::store::retention::purge;

use crate::common::*;

async fn deleted_enrollments(app: &TestApp, token: &str) -> Vec<String> {
    let path = format!("{ROSTERING}/enrollments?filter=status%3D%27tobedeleted%27");
    app.get(&path, token).await.ids("enrollments")
}

both!(
    async fn expired_tombstones_are_purged_and_nothing_else(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let active_before = app.get(&format!("{ROSTERING}/enrollments?limit=1"), &token).await.total();
        assert_eq!(deleted_enrollments(&app, &token).await, vec!["enr-withdrawn"]);
        // Within the retention period: kept.
        assert_eq!(purge(app.store(), now_ms() - 86_400_000).await.unwrap(), 0);
        assert_eq!(deleted_enrollments(&app, &token).await, vec!["enr-withdrawn"]);
        // Past it: gone, and only it.
        assert_eq!(purge(app.store(), now_ms() + 1_000).await.unwrap(), 1);
        assert!(deleted_enrollments(&app, &token).await.is_empty());
        let res = app.get(&format!("{ROSTERING}/enrollments?limit=1"), &token).await;
        assert_eq!(res.total(), active_before);
        let counted = app
            .get(&format!("{ROSTERING}/enrollments?limit=1&filter=status%3D%27active%27"), &token)
            .await
            .total();
        assert_eq!(counted, active_before);
        app.store().optimize().await.unwrap();
    }
);
