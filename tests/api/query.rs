//! The collection query engine: paging, sorting, filtering, field selection, headers.

use std::collections::BTreeSet;

use crate::common::*;

fn users(q: &str) -> String {
    format!("{ROSTERING}/users?{q}")
}

both!(
    async fn paging_is_stable_and_complete(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let all = app.get(&users("limit=1000"), &token).await;
        all.assert_status(200);
        let everyone = all.ids("users");
        assert_eq!(all.total() as usize, everyone.len());
        assert!(everyone.len() > 30, "demo has {} users", everyone.len());
        // Default order is by sourcedId.
        let mut sorted = everyone.clone();
        sorted.sort();
        assert_eq!(everyone, sorted);
        // Pages of 7 add up to the whole, without duplicates or gaps.
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = app.get(&users(&format!("limit=7&offset={offset}")), &token).await;
            assert_eq!(page.total() as usize, everyone.len());
            let ids = page.ids("users");
            if ids.is_empty() {
                break;
            }
            seen.extend(ids);
            offset += 7;
        }
        assert_eq!(seen, everyone);
        // Past the end: 200 and an empty array.
        let res = app.get(&users("offset=100000"), &token).await;
        res.assert_status(200);
        assert_eq!(res.json(), serde_json::json!({"users": []}));
        assert_eq!(res.total() as usize, everyone.len());
    }
);

both!(
    async fn default_limit_is_100_and_large_limits_are_honoured_up_to_the_maximum(app) {
        let app = TestApp::start_with(app.backend, |s| s.max_page_size = 5).await.unwrap();
        app.load_demo().await;
        let token = app.token_all().await;
        let res = app.get(&users("limit=50"), &token).await;
        assert_eq!(res.ids("users").len(), 5);
        let link = res.header("link").unwrap().to_string();
        assert!(link.contains("limit=5&offset=5>; rel=\"next\""), "{link}");
    }
);

both!(
    async fn link_header_keeps_other_parameters(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let q = "filter=familyName~%27a%27&limit=2&offset=2&fields=sourcedId";
        let res = app.get(&users(q), &token).await;
        let total = res.total();
        assert!(total > 4);
        let link = res.header("link").unwrap();
        let base = format!("<{PUBLIC_URL}{ROSTERING}/users?filter=familyName~%27a%27&fields=sourcedId&limit=2");
        assert!(link.contains(&format!("{base}&offset=0>; rel=\"first\"")), "{link}");
        assert!(link.contains(&format!("{base}&offset=0>; rel=\"prev\"")), "{link}");
        assert!(link.contains(&format!("{base}&offset=4>; rel=\"next\"")), "{link}");
        let last = (total - 1) / 2 * 2;
        assert!(link.contains(&format!("{base}&offset={last}>; rel=\"last\"")), "{link}");
    }
);

both!(
    async fn invalid_paging_values_are_400(app) {
        let token = app.token_all().await;
        for q in [
            "limit=0", "limit=-5", "limit=ten", "limit=1e3", "limit=", "offset=-1", "offset=1.5",
            "limit=99999999999999999999", "limit=5&limit=6", "orderBy=sideways",
        ] {
            app.get(&users(q), &token).await.assert_error(400, "invaliddata");
        }
    }
);

both!(
    async fn sorting_uses_sourced_id_as_tiebreaker(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let res = app
            .get(&users("sort=familyName&orderBy=desc&limit=1000&fields=sourcedId,familyName"), &token)
            .await;
        let v = res.json();
        let rows: Vec<(String, String)> = v["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["familyName"].as_str().unwrap().to_string(),
                    u["sourcedId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut expected = rows.clone();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(rows, expected);
        app.get(&users("sort=nope"), &token).await.assert_error(400, "invaliddata");
        app.get(&users("sort=roles"), &token).await.assert_error(400, "invaliddata");
    }
);

both!(
    async fn filters(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let ids = |q: &str| {
            let app = &app;
            let token = &token;
            let q = q.to_string();
            async move {
                let res = app.get(&users(&format!("limit=1000&filter={q}")), token).await;
                res.assert_status(200);
                res.ids("users").into_iter().collect::<BTreeSet<_>>()
            }
        };
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(ids("givenName%3D%27Grace%27").await, set(&["tch-1"]));
        // `''` escapes a quote; ~ is case-insensitive containment.
        assert_eq!(
            ids("familyName%3D%27O%27%27Brien%27").await,
            set(&["grd-015", "stu-015"])
        );
        assert_eq!(ids("familyName~%27o%27%27b%27").await, set(&["grd-015", "stu-015"]));
        // 1.1 form, 1.2 form, and the role's org.
        let teachers = set(&["tch-1", "tch-2", "tch-3", "tch-4"]);
        assert_eq!(ids("role%3D%27teacher%27").await, teachers);
        assert_eq!(ids("roles.role%3D%27teacher%27").await, teachers);
        assert_eq!(
            ids("roles.role%3D%27teacher%27%20AND%20roles.org.sourcedId%3D%27sch-oak%27").await,
            set(&["tch-2", "tch-3"])
        );
        // OR of three clauses.
        assert_eq!(
            ids("sourcedId%3D%27tch-1%27%20OR%20sourcedId%3D%27tch-2%27%20OR%20email%3D%27henry.adeyemi@maplevalley.example.org%27").await,
            set(&["tch-1", "tch-2", "adm-1"])
        );
        // Dotted reference paths and array fields: any element matches.
        assert_eq!(ids("primaryOrg.sourcedId%3D%27sch-elm%27%20AND%20roles.role%3D%27teacher%27").await, set(&["tch-1"]));
        assert_eq!(ids("agents.sourcedId%3D%27stu-001%27").await, set(&["grd-001"]));
        assert_eq!(ids("grades%3D%2710%27").await.len(), 3);
        assert_eq!(ids("userIds.identifier%3D%27cn%3Dgrace.hopper%27").await, set(&["tch-1"]));
        assert_eq!(ids("enabledUser%3D%27true%27").await.len(), 41);
        assert!(ids("username%3D%27ava1%27").await.contains("stu-001"));
        assert!(ids("identifier%3D%27EMP-1001%27").await.contains("tch-1"));
        // != also matches absent values.
        let not_teacher = ids("roles.role!%3D%27teacher%27").await;
        assert!(!not_teacher.contains("tch-1") && not_teacher.contains("stu-001"));
        // An OR in a filter cannot escape the scoping of a relationship.
        let res = app
            .get(
                &format!("{ROSTERING}/classes/cls-elm-math3-a/students?filter=sourcedId%3D%27tch-1%27%20OR%20sourcedId%3D%27stu-013%27"),
                &token,
            )
            .await;
        assert!(res.ids("users").is_empty(), "{}", res.text());
    }
);

both!(
    async fn date_filters_compare_instants(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let res = app.get(&format!("{ROSTERING}/orgs?limit=1000"), &token).await;
        let total = res.total();
        for q in [
            "dateLastModified%3E%272000-01-01%27",
            "dateLastModified%3E%3D%272000-01-01T00:00:00Z%27",
            "dateLastModified%3E%272000-01-01T01:00:00%2B02:00%27",
        ] {
            let r = app.get(&format!("{ROSTERING}/orgs?filter={q}"), &token).await;
            r.assert_status(200);
            assert_eq!(r.total(), total, "{q}");
        }
        let r = app
            .get(&format!("{ROSTERING}/orgs?filter=dateLastModified%3E%273000-01-01%27"), &token)
            .await;
        assert_eq!(r.total(), 0);
        let r = app
            .get(&format!("{ROSTERING}/academicSessions?filter=startDate%3E%3D%272025-01-01%27"), &token)
            .await;
        assert_eq!(r.total(), 3, "{}", r.text());
        app.get(&format!("{ROSTERING}/orgs?filter=dateLastModified%3E%27last%20week%27"), &token)
            .await
            .assert_error(400, "invalid_filter_field");
        // Digits beyond the stored millisecond still count: an org's instant T lies before
        // T + 0.1 ms and after T - 0.1 ms, and equals neither.
        let stamp = res.json()["orgs"][0]["dateLastModified"].as_str().unwrap().to_string();
        let same = res.json()["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["dateLastModified"] == stamp.as_str())
            .count() as u64;
        use oneroster::model::datetime::{format_datetime, parse_datetime};
        let ms = parse_datetime(&stamp).unwrap();
        let after = format_datetime(ms).replace('Z', "1Z");
        let before = format_datetime(ms - 1).replace('Z', "9Z");
        let count = |op: &str, v: &str| {
            let q: String = form_urlencoded::byte_serialize(format!("dateLastModified{op}'{v}'").as_bytes()).collect();
            let (app, token) = (&app, &token);
            async move {
                let r = app.get(&format!("{ROSTERING}/orgs?limit=1000&filter={q}"), token).await;
                r.assert_status(200);
                r.ids("orgs").into_iter().filter(|id| !id.is_empty()).count() as u64
            }
        };
        let not_after = total - count(">", &stamp).await;
        assert!(same > 0 && not_after >= same);
        for (op, v, expected) in [
            ("<", after.as_str(), not_after),
            ("<=", after.as_str(), not_after),
            (">=", after.as_str(), total - not_after),
            (">", after.as_str(), total - not_after),
            ("=", after.as_str(), 0),
            ("!=", after.as_str(), total),
            (">", before.as_str(), total - not_after + same),
            (">=", before.as_str(), total - not_after + same),
            ("<", before.as_str(), not_after - same),
            ("<=", before.as_str(), not_after - same),
        ] {
            assert_eq!(count(op, v).await, expected, "dateLastModified{op}'{v}'");
        }
    }
);

both!(
    async fn bad_filters_are_400_invalid_filter_field(app) {
        let token = app.token_all().await;
        for q in [
            "nope%3D%27x%27",
            "givenName",
            "givenName%3D",
            "givenName%3D%27x",
            "givenName%3D%27a%27%20AND%20familyName%3D%27b%27%20OR%20email%3D%27c%27",
            "password%3D%27x%27",
            "roles.nope%3D%27x%27",
            "userProfiles.credentials.password%3D%27x%27",
            "dateLastModified~%272024%27",
        ] {
            let res = app.get(&users(&format!("filter={q}")), &token).await;
            res.assert_error(400, "invalid_filter_field");
        }
        let res = app.get(&users("filter=nope%3D%27x%27"), &token).await;
        assert!(res.description().contains("'nope'"), "{}", res.description());
        let long = format!("givenName%3D%27{}%27", "x".repeat(5000));
        app.get(&users(&format!("filter={long}")), &token)
            .await
            .assert_error(400, "invalid_filter_field");
    }
);

both!(
    async fn field_selection(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // The selected properties, plus those the official schema requires.
        let required = [
            "sourcedId", "status", "dateLastModified", "enabledUser", "givenName", "familyName", "roles",
        ];
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        let res = app.get(&users("fields=givenName,sourcedId&limit=1"), &token).await;
        assert_eq!(keys(&res.json()["users"][0]), required);
        let res = app
            .get(&users("fields=email&fields=sourcedId&limit=1&filter=sourcedId%3D%27tch-1%27"), &token)
            .await;
        let mut with_email: Vec<&str> = required.to_vec();
        with_email.push("email");
        assert_eq!(keys(&res.json()["users"][0]), with_email);
        let res = app.get(&format!("{ROSTERING}/users/tch-1?fields=email"), &token).await;
        let user = &res.json()["user"];
        assert_eq!(keys(user), with_email);
        assert_eq!(user["email"], "grace.hopper@maplevalley.example.org");
        assert!(user.get("userIds").is_none());
        app.get(&users("fields=nope"), &token)
            .await
            .assert_error(400, "invalid_selection_field");
        app.get(&format!("{ROSTERING}/users/tch-1?fields=nope"), &token)
            .await
            .assert_error(400, "invalid_selection_field");
        app.get(&users("fields="), &token)
            .await
            .assert_error(400, "invalid_selection_field");
    }
);

both!(
    async fn optional_values_are_omitted_and_booleans_are_strings(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let body = app.get(&users("limit=1000"), &token).await.text();
        assert!(!body.contains("null"), "a null in {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for u in v["users"].as_array().unwrap() {
            assert!(u["enabledUser"] == "true" || u["enabledUser"] == "false");
            assert!(u.get("password").is_none());
        }
        let e = app
            .get(&format!("{ROSTERING}/enrollments/enr-tch-1-cls-elm-math3-a"), &token)
            .await
            .json();
        assert_eq!(e["enrollment"]["primary"], "true");
        assert_eq!(
            e["enrollment"]["class"],
            serde_json::json!({
                "href": format!("{PUBLIC_URL}{ROSTERING}/classes/cls-elm-math3-a"),
                "sourcedId": "cls-elm-math3-a",
                "type": "class"
            })
        );
    }
);

both!(
    async fn page_positions_of_one_relationship_are_not_taken_for_another(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let page = |path: String| {
            let (app, token) = (&app, &token);
            async move {
                let res = app.get(&format!("{ROSTERING}{path}"), token).await;
                res.assert_status(200);
                let key = if path.contains("/classes?") { "classes" } else { "users" };
                (res.ids(key), res.total())
            }
        };
        // Every page asked for cold, then again after a sibling list (same parent id, another
        // relationship) left its page positions behind: the same rows.
        let cases = [
            ("/classes/cls-pine-alg1-4/students", "/classes/cls-pine-alg1-4/teachers"),
            ("/classes/cls-pine-alg1-4/teachers", "/classes/cls-pine-alg1-4/students"),
            ("/schools/sch-elm/teachers", "/schools/sch-elm/students"),
            ("/schools/sch-elm/students", "/schools/sch-elm/teachers"),
            ("/students/stu-001/classes", "/users/stu-001/classes"),
            ("/users/stu-001/classes", "/students/stu-001/classes"),
        ];
        for (list, sibling) in cases {
            let mut expected = Vec::new();
            for offset in 0..4 {
                expected.push(page(format!("{list}?fields=sourcedId&limit=2&offset={offset}")).await);
            }
            for (offset, expected) in expected.iter().enumerate() {
                for limit in 1..3 {
                    page(format!("{sibling}?fields=sourcedId&limit={limit}&offset={offset}")).await;
                }
                let again = page(format!("{list}?fields=sourcedId&limit=2&offset={offset}")).await;
                assert_eq!(&again, expected, "{list} offset {offset} after {sibling}");
            }
        }
    }
);

both!(
    async fn sequential_paging_continues_by_key_when_rows_are_inserted_meanwhile(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let first = app.get(&users("limit=5"), &token).await.ids("users");
        // A new user sorting before the end of the first page arrives between two pages.
        let mut tx = app.store().begin().await.unwrap();
        let record = oneroster::model::input::parse_record(
            &oneroster::model::entities::USER,
            &serde_json::json!({"sourcedId": "aaa-newcomer", "enabledUser": "true",
                "givenName": "New", "familyName": "Comer",
                "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "sch-elm"}}]}),
            None,
            0,
        )
        .unwrap();
        oneroster::store::write::upsert(&mut tx, &[&record]).await.unwrap();
        tx.commit().await.unwrap();
        let second = app.get(&users("limit=5&offset=5"), &token).await.ids("users");
        // The second page continues after the last row seen: nothing repeats.
        assert!(first.iter().all(|id| !second.contains(id)), "{first:?} {second:?}");
        assert!(second.iter().all(|id| id > first.last().unwrap()));
    }
);

both!(
    async fn totals_of_whole_collections_stay_exact_through_writes(app) {
        use oneroster::auth::scope::Scope;
        app.load_demo().await;
        let token = app.token_all().await;
        let exact = |path: &'static str| {
            let app = &app;
            let token = &token;
            async move {
                let plain = app.get(&format!("{GRADEBOOK}/{path}?limit=1"), token).await.total();
                // A filter forces a real count(*).
                let counted = app
                    .get(&format!("{GRADEBOOK}/{path}?limit=1&filter=status%3D%27active%27"), token)
                    .await
                    .total();
                assert_eq!(plain, counted, "{path}");
                plain
            }
        };
        let before = exact("results").await;
        let writer = app
            .token(&[Scope::GradebookCreateput, Scope::GradebookDelete])
            .await;
        app.put(
            &format!("{GRADEBOOK}/results/new-result"),
            &writer,
            serde_json::json!({"result": {"lineItem": {"sourcedId": "li-bio2-hw1"},
                "student": {"sourcedId": "stu-014"}, "scoreStatus": "submitted",
                "scoreDate": "2024-09-20"}}),
        )
        .await
        .assert_status(201);
        assert_eq!(exact("results").await, before + 1);
        // Replacing does not change the count; deleting a line item removes its results.
        app.put(
            &format!("{GRADEBOOK}/results/new-result"),
            &writer,
            serde_json::json!({"result": {"lineItem": {"sourcedId": "li-bio2-hw1"},
                "student": {"sourcedId": "stu-014"}, "scoreStatus": "fully graded",
                "scoreDate": "2024-09-21", "score": 7.5}}),
        )
        .await
        .assert_status(201);
        assert_eq!(exact("results").await, before + 1);
        let in_item = app
            .get(&format!("{GRADEBOOK}/results?limit=1&filter=lineItem.sourcedId%3D%27li-bio2-hw1%27"), &token)
            .await
            .total();
        app.delete(&format!("{GRADEBOOK}/lineItems/li-bio2-hw1"), &writer)
            .await
            .assert_status(204);
        assert_eq!(exact("results").await, before + 1 - in_item);
        assert_eq!(exact("lineItems").await, 3);
    }
);

/// Deep pages whose start is found from the end of the list (the threshold lowered so the
/// demo district is deep enough) are the same pages that plain offsets give.
async fn deep_pages_found_from_the_end_match_offset_paging(backend: Backend) {
    // A new server per page size: no page boundary remembered from another size helps.
    for size in [1, 2, 3] {
        let Some(app) = TestApp::start_with(backend, |s| s.deep_page_min_skip = 2).await else {
            return;
        };
        app.load_demo().await;
        let token = app.token_all().await;
        for listing in [
            "",
            "sort=familyName&",
            "sort=familyName&orderBy=desc&",
            "orderBy=desc&",
            "filter=role%3D%27student%27&",
            "sort=middleName&",
            "sort=middleName&orderBy=desc&",
            "sort=email&orderBy=desc&",
        ] {
            let all = app
                .get(&users(&format!("{listing}limit=1000")), &token)
                .await
                .assert_status(200)
                .ids("users");
            assert!(all.len() > 12, "{listing}: {}", all.len());
            // From the last page down, so that no page boundary is remembered below the
            // requested offset: every deep page is found from the end or by plain skipping.
            let mut offset = all.len() - 1;
            loop {
                let resp = app
                    .get(
                        &users(&format!("{listing}limit={size}&offset={offset}")),
                        &token,
                    )
                    .await;
                resp.assert_status(200);
                let what = format!("{listing} limit {size} offset {offset}");
                assert_eq!(resp.total(), all.len() as u64, "{what}");
                let end = (offset + size).min(all.len());
                assert_eq!(resp.ids("users"), all[offset..end].to_vec(), "{what}");
                if offset < size {
                    break;
                }
                offset -= size;
            }
        }
    }
}

mod deep_pages_from_the_end {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        deep_pages_found_from_the_end_match_offset_paging(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        deep_pages_found_from_the_end_match_offset_paging(Backend::Postgres).await
    }
}
