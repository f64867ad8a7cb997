//! The resources service: all resources, one resource, and the resources a class, a course or
//! a user references, with the query engine, on both backends.

use serde_json::{Value, json};

use crate::common::*;

fn rs(path: &str) -> String {
    format!("{RESOURCES}{path}")
}

fn filter(expr: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(expr.as_bytes()).collect();
    format!("filter={enc}")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The sourcedIds of a `resources` collection, checking `X-Total-Count`.
async fn ids(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let res = app.get(path, token).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let ids = res.ids("resources");
    assert_eq!(res.total() as usize, ids.len(), "{path}");
    ids
}

/// Marks a stored object deleted, as an import of a delta file would.
async fn tombstone(app: &TestApp, table: &str, id: &str) {
    let mut sql = oneroster::store::Sql::new("UPDATE ");
    sql.push(table)
        .push(" SET status = 'tobedeleted' WHERE sourced_id = ")
        .bind(id);
    assert_eq!(app.store().execute(&sql).await.unwrap(), 1);
}

both!(
    async fn all_resources_and_one_resource(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        assert_eq!(
            ids(&app, &token, &rs("/resources")).await,
            strings(&["res-bio-lab", "res-math-text", "res-reading-app"])
        );
        let res = app.get(&rs("/resources/res-math-text"), &token).await;
        res.assert_status(200);
        let v = res.json();
        let dlm = v["resource"]["dateLastModified"].as_str().unwrap().to_string();
        assert_eq!(dlm.len(), 24, "{dlm}");
        assert_eq!(
            v,
            json!({"resource": {"sourcedId": "res-math-text", "status": "active",
                "dateLastModified": dlm, "title": "Everyday Math, Grade 3",
                "roles": ["student", "teacher"], "importance": "primary",
                "vendorResourceId": "EM-G3-2024", "vendorId": "vendor-emath",
                "applicationId": "emath-portal"}})
        );
        // Optional properties that were never set are absent, not null.
        let v = app.get(&rs("/resources/res-reading-app"), &token).await.json();
        assert_eq!(
            v,
            json!({"resource": {"sourcedId": "res-reading-app", "status": "active",
                "dateLastModified": dlm, "title": "Reading Coach",
                "roles": ["student", "ext:tutor"], "vendorResourceId": "RC-APP-7"}})
        );
        // The list renders the same objects.
        let list = app.get(&rs("/resources"), &token).await.json();
        assert_eq!(list["resources"][1], app.get(&rs("/resources/res-math-text"), &token).await.json()["resource"]);
        let res = app.get(&rs("/resources/nope"), &token).await;
        res.assert_error(404, "unknownobject");
        assert!(res.description().contains("'nope'"), "{}", res.description());
        // A class id is not a resource id.
        app.get(&rs("/resources/cls-elm-math3-a"), &token).await.assert_error(404, "unknownobject");
    }
);

both!(
    async fn the_query_engine_on_resources(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let q = |s: &str| format!("{}?{s}", rs("/resources"));
        assert_eq!(ids(&app, &token, &q(&filter("roles='teacher'"))).await, strings(&["res-math-text"]));
        assert_eq!(ids(&app, &token, &q(&filter("roles='ext:tutor'"))).await, strings(&["res-reading-app"]));
        assert_eq!(ids(&app, &token, &q(&filter("importance='secondary'"))).await, strings(&["res-bio-lab"]));
        // != matches absent values too.
        assert_eq!(
            ids(&app, &token, &q(&filter("importance!='primary'"))).await,
            strings(&["res-bio-lab", "res-reading-app"])
        );
        assert_eq!(
            ids(&app, &token, &q(&filter("title~'lab' OR vendorId='vendor-emath'"))).await,
            strings(&["res-bio-lab", "res-math-text"])
        );
        assert_eq!(
            ids(&app, &token, &q("sort=title")).await,
            strings(&["res-math-text", "res-reading-app", "res-bio-lab"])
        );
        assert_eq!(
            ids(&app, &token, &q("sort=title&orderBy=desc")).await,
            strings(&["res-bio-lab", "res-reading-app", "res-math-text"])
        );
        let res = app.get(&q("sort=title&limit=1&offset=1"), &token).await;
        assert_eq!(res.total(), 3);
        assert_eq!(res.ids("resources"), strings(&["res-reading-app"]));
        let link = res.header("link").unwrap();
        let base = format!("<{PUBLIC_URL}{RESOURCES}/resources?sort=title&limit=1");
        for rel in [
            format!("{base}&offset=0>; rel=\"first\""),
            format!("{base}&offset=0>; rel=\"prev\""),
            format!("{base}&offset=2>; rel=\"next\""),
            format!("{base}&offset=2>; rel=\"last\""),
        ] {
            assert!(link.contains(&rel), "{rel} not in {link}");
        }
        let res = app.get(&q("fields=sourcedId,vendorResourceId,title"), &token).await;
        for r in res.json()["resources"].as_array().unwrap() {
            assert!(r["vendorResourceId"].is_string() && r["title"].is_string(), "{r}");
            assert!(r.get("roles").is_none() && r.get("vendorId").is_none(), "{r}");
        }
        let res = app.get(&rs("/resources/res-bio-lab?fields=sourcedId,status,dateLastModified,vendorResourceId,importance"), &token).await;
        let v = &res.json()["resource"];
        assert_eq!(v["importance"], "secondary");
        assert!(v.get("title").is_none() && v.get("roles").is_none(), "{v}");
        app.get(&q(&filter("colour='red'")), &token).await.assert_error(400, "invalid_filter_field");
        app.get(&q("fields=colour"), &token).await.assert_error(400, "invalid_selection_field");
        // The Resources file has codes the other two lack: invalid_sort_field, unsupported.
        app.get(&q("sort=colour"), &token).await.assert_error(400, "invalid_sort_field");
        app.get(&q("sort=roles"), &token).await.assert_error(400, "invalid_sort_field");
        let res = app.call("DELETE", &rs("/resources"), Some(&token), None).await;
        res.assert_error(405, "unsupported");
        assert_eq!(res.json()["imsx_codeMajor"], "unsupported");
        app.get(&q("limit=0"), &token).await.assert_error(400, "invaliddata");
    }
);

both!(
    async fn resources_of_classes_courses_and_users(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let cases: [(&str, &[&str]); 11] = [
            ("/classes/cls-elm-math3-a/resources", &["res-math-text"]),
            ("/classes/cls-pine-bio-2/resources", &["res-bio-lab"]),
            ("/classes/cls-pine-bio-5/resources", &["res-bio-lab"]),
            ("/classes/cls-oak-eng7-3/resources", &["res-reading-app"]),
            ("/classes/cls-oak-sci7-1/resources", &[]),
            ("/courses/crs-elm-math3/resources", &["res-math-text"]),
            ("/courses/crs-oak-sci7/resources", &[]),
            ("/users/stu-001/resources", &["res-math-text"]),
            ("/users/stu-006/resources", &["res-math-text"]),
            ("/users/stu-007/resources", &[]),
            ("/users/tch-1/resources", &[]),
        ];
        for (path, expected) in cases {
            assert_eq!(ids(&app, &token, &rs(path)).await, strings(expected), "{path}");
        }
        // The listed objects are the resources themselves, with the query engine.
        let v = app.get(&rs("/classes/cls-elm-math3-a/resources"), &token).await.json();
        assert_eq!(v["resources"][0], app.get(&rs("/resources/res-math-text"), &token).await.json()["resource"]);
        let scoped = |p: &str, q: &str| format!("{}?{q}", rs(p));
        assert!(ids(&app, &token, &scoped("/users/stu-001/resources", &filter("roles='aide'"))).await.is_empty());
        assert_eq!(
            ids(&app, &token, &scoped("/courses/crs-elm-math3/resources", &filter("roles='teacher'"))).await,
            strings(&["res-math-text"])
        );
        // An OR cannot reach resources the class does not reference.
        assert_eq!(
            ids(&app, &token, &scoped("/classes/cls-pine-bio-2/resources", &filter("sourcedId='res-math-text' OR sourcedId='res-bio-lab'"))).await,
            strings(&["res-bio-lab"])
        );
        let res = app.get(&scoped("/classes/cls-pine-bio-2/resources", "fields=sourcedId,vendorResourceId"), &token).await;
        assert_eq!(res.json()["resources"][0]["vendorResourceId"], "VBL-HS");
        assert!(res.json()["resources"][0].get("title").is_none());
        app.get(&scoped("/classes/cls-pine-bio-2/resources", &filter("nope='x'")), &token)
            .await
            .assert_error(400, "invalid_filter_field");
        // Unknown parents, and ids of other kinds, are 404.
        for path in [
            "/classes/nope/resources",
            "/courses/nope/resources",
            "/users/nope/resources",
            "/classes/crs-elm-math3/resources",
            "/courses/cls-elm-math3-a/resources",
            "/users/res-math-text/resources",
        ] {
            let res = app.get(&rs(path), &token).await;
            res.assert_error(404, "unknownobject");
            assert!(res.description().contains('\''), "{}", res.description());
        }
    }
);

both!(
    async fn deleted_resources_and_parents(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        tombstone(&app, "resources", "res-math-text").await;
        app.get(&rs("/resources/res-math-text"), &token).await.assert_error(404, "unknownobject");
        assert_eq!(ids(&app, &token, &rs("/resources")).await, strings(&["res-bio-lab", "res-reading-app"]));
        // A parent referencing only deleted resources lists none by default...
        for path in ["/classes/cls-elm-math3-a/resources", "/courses/crs-elm-math3/resources", "/users/stu-001/resources"] {
            assert!(ids(&app, &token, &rs(path)).await.is_empty(), "{path}");
            // ...and the tombstone to a delta query.
            let res = app.get(&format!("{}?{}", rs(path), filter("status='tobedeleted'")), &token).await;
            res.assert_status(200);
            let v: Value = res.json();
            assert_eq!(v["resources"].as_array().unwrap().len(), 1, "{v}");
            assert_eq!(v["resources"][0]["sourcedId"], "res-math-text");
            assert_eq!(v["resources"][0]["status"], "tobedeleted");
        }
        let res = app.get(&format!("{}?{}", rs("/resources"), filter("dateLastModified>'2000-01-01'")), &token).await;
        assert_eq!(res.total(), 3);
        // A deleted parent is unknown.
        tombstone(&app, "classes", "cls-pine-bio-2").await;
        app.get(&rs("/classes/cls-pine-bio-2/resources"), &token).await.assert_error(404, "unknownobject");
        assert_eq!(ids(&app, &token, &rs("/classes/cls-pine-bio-5/resources")).await, strings(&["res-bio-lab"]));
    }
);
