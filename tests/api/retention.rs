//! Tombstone retention: purged after the retention period, active records untouched.

use oneroster::model::datetime::now_ms;
use oneroster::store::Sql;
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

both!(
    async fn expired_tombstones_of_csv_link_rows_are_purged_too(app) {
        let day = 86_400_000;
        let old = now_ms() - 10 * day;
        let recent = now_ms() - day;
        for (id, status, dlm) in [
            ("role-gone-long-ago", "tobedeleted", old),
            ("role-gone-yesterday", "tobedeleted", recent),
            ("role-kept", "active", old),
        ] {
            let mut sql = Sql::new(
                "INSERT INTO csv_link_rows (file, sourced_id, owner_id, link_key, status, \
                 date_last_modified) VALUES ('roles', ",
            );
            sql.bind(id)
                .push(", 'u1', 'o1', ")
                .bind(status)
                .push(", ")
                .bind(dlm)
                .push(")");
            app.store().execute(&sql).await.unwrap();
        }
        assert_eq!(purge(app.store(), now_ms() - 5 * day).await.unwrap(), 1);
        let left = app
            .store()
            .fetch_map(
                &Sql::new("SELECT sourced_id FROM csv_link_rows ORDER BY sourced_id"),
                |row| Ok(row.text(0)?.unwrap_or_default().to_string()),
            )
            .await
            .unwrap();
        assert_eq!(left, ["role-gone-yesterday", "role-kept"]);
    }
);
