//! The store's connections: one that goes back for reuse is always in a clean state, whatever
//! the previous user left (a transaction not committed, a failed statement, a result not
//! read to its end). Each test uses a store of one connection, so the next use gets the very
//! connection the previous one left.

use oneroster::store::Sql;

const PROBES: &str = "SELECT count(*) FROM entity_counts WHERE entity = 'probe'";

fn probe(shard: i64) -> Sql {
    let mut sql = Sql::new("INSERT INTO entity_counts (entity, shard, active) VALUES ('probe', ");
    sql.bind(shard).push(", 1)");
    sql
}

both!(
    async fn a_reused_connection_is_in_no_transaction_and_reads_everything_anew(app) {
        let store = app.store_with_pool(1).await;

        // A transaction dropped without a commit is rolled back before its connection serves
        // anyone else.
        {
            let mut tx = store.begin().await.unwrap();
            tx.execute(&probe(1)).await.unwrap();
        }
        assert_eq!(store.fetch_i64(&Sql::new(PROBES)).await.unwrap(), 0);

        // A committed one is visible, and the next transaction starts afresh.
        let mut tx = store.begin().await.unwrap();
        tx.execute(&probe(2)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.fetch_i64(&Sql::new(PROBES)).await.unwrap(), 1);

        // A transaction whose statement failed is rolled back too.
        {
            let mut tx = store.begin().await.unwrap();
            tx.execute(&probe(3)).await.unwrap();
            assert!(tx.execute(&Sql::new("SELECT * FROM no_such_table")).await.is_err());
        }
        assert_eq!(store.fetch_i64(&Sql::new(PROBES)).await.unwrap(), 1);
        let mut tx = store.begin().await.unwrap();
        tx.execute(&probe(4)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.fetch_i64(&Sql::new(PROBES)).await.unwrap(), 2);

        // A large result whose reader went away after the first chunk: the next statement
        // gets its own answer, not the rest of that one.
        let rows = Sql::new(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
             SELECT CAST(i AS BIGINT) FROM n",
        );
        let (first, rx) = store
            .stream(rows, b"[".to_vec(), b"]", |buf, row| {
                buf.extend_from_slice(row.int(0)?.unwrap_or(0).to_string().as_bytes());
                buf.push(b',');
                Ok(())
            })
            .await;
        let first = first.expect("a first chunk").expect("no error");
        assert!(!first.last, "200 000 rows fill more than one chunk");
        drop(rx);
        assert_eq!(store.fetch_i64(&Sql::new(PROBES)).await.unwrap(), 2);
        assert_eq!(
            store
                .fetch_i64(&Sql::new("SELECT CAST(41 + 1 AS BIGINT)"))
                .await
                .unwrap(),
            42
        );
        store.close().await;
    }
);

both!(
    async fn a_page_larger_than_a_chunk_gets_its_total_while_every_connection_streams(app) {
        // A district large enough for a page of enrollments to span several chunks.
        let dir = tempfile::tempdir().expect("temp dir");
        let zip = dir.path().join("district.zip");
        oneroster::generate::generate(
            &oneroster::generate::Options {
                students: 300,
                seed: 3,
            },
            &zip,
        )
        .expect("generate");
        oneroster::csv::import(
            app.store(),
            oneroster::csv::Input::ZipFile(zip),
            &oneroster::csv::ImportOptions::default(),
            std::sync::Arc::new(oneroster::csv::Progress::default()),
        )
        .await
        .expect("import");
        let total = app
            .store()
            .fetch_i64(&Sql::new(
                "SELECT count(*) FROM enrollments WHERE status = 'active'",
            ))
            .await
            .unwrap() as u64;
        assert!(total > 1000, "{total} enrollments");

        // One connection, which the page's stream holds until its body is read: the total
        // (needed before the body, in `X-Total-Count`) must not wait for that connection.
        let store = oneroster::store::Store::connect(&oneroster::store::StoreOptions {
            url: app.url.clone(),
            pool_size: 1,
            acquire_timeout: std::time::Duration::from_secs(3),
            statement_timeout: std::time::Duration::from_secs(60),
        })
        .await
        .expect("store of one connection");
        let engine = oneroster::store::engine::Engine::new(
            store.clone(),
            app.state.engine.renderer.clone(),
            app.state.engine.config.clone(),
        );
        let params = oneroster::query::ListParams {
            limit: Some(1000),
            ..Default::default()
        };
        let page = engine
            .list(&oneroster::api::views::ENROLLMENTS, &[], &[], &params)
            .await
            .expect("the page and its total");
        assert_eq!(page.total, total);
        let mut rest = page.rest.expect("1000 enrollments fill more than one chunk");
        let mut body = page.first;
        while let Some(chunk) = rest.recv().await {
            body.extend_from_slice(&chunk.expect("chunk").bytes);
        }
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(json["enrollments"].as_array().map(Vec::len), Some(1000));
        store.close().await;
    }
);
