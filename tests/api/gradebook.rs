//! The gradebook service with the Assessment Results Profile: the 35 operations on both
//! backends — reads and their query engine, PUT, POST batches, DELETE with its cascades,
//! validation, concurrency and the scope each operation requires.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use oneroster::auth::scope::Scope;
use oneroster::model::datetime::{format_datetime, now_ms, parse_datetime};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::*;

// ---- helpers -------------------------------------------------------------------------------

fn gb(path: &str) -> String {
    format!("{GRADEBOOK}{path}")
}

/// `filter=<expr>`, percent-encoded.
fn filter(expr: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(expr.as_bytes()).collect();
    format!("filter={enc}")
}

/// A GUIDRef as a client may send it: only the sourcedId.
fn r(id: &str) -> Value {
    json!({ "sourcedId": id })
}

/// A GUIDRef as the server returns it.
fn full_ref(base: &str, collection: &str, ty: &str, id: &str) -> Value {
    json!({"href": format!("{PUBLIC_URL}{base}/{collection}/{id}"), "sourcedId": id, "type": ty})
}
fn class_ref(id: &str) -> Value {
    full_ref(ROSTERING, "classes", "class", id)
}
fn org_ref(id: &str) -> Value {
    full_ref(ROSTERING, "orgs", "org", id)
}
fn user_ref(id: &str) -> Value {
    full_ref(ROSTERING, "users", "user", id)
}
fn course_ref(id: &str) -> Value {
    full_ref(ROSTERING, "courses", "course", id)
}
fn session_ref(id: &str) -> Value {
    full_ref(ROSTERING, "academicSessions", "academicSession", id)
}
fn category_ref(id: &str) -> Value {
    full_ref(GRADEBOOK, "categories", "category", id)
}
fn line_item_ref(id: &str) -> Value {
    full_ref(GRADEBOOK, "lineItems", "lineItem", id)
}
fn score_scale_ref(id: &str) -> Value {
    full_ref(GRADEBOOK, "scoreScales", "scoreScale", id)
}
fn ali_ref(id: &str) -> Value {
    full_ref(GRADEBOOK, "assessmentLineItems", "assessmentLineItem", id)
}

/// Minimal valid objects (without sourcedId).
fn category(title: &str) -> Value {
    json!({"title": title, "weight": 0.25})
}
fn line_item(class: &str, school: &str, title: &str) -> Value {
    json!({"title": title, "assignDate": "2024-10-01T08:00:00.000Z",
        "dueDate": "2024-10-08T23:59:00.000Z", "class": r(class), "school": r(school),
        "category": r("cat-homework")})
}
fn result(line_item: &str, student: &str, score: f64) -> Value {
    json!({"lineItem": r(line_item), "student": r(student), "scoreStatus": "fully graded",
        "score": score, "scoreDate": "2024-10-09"})
}
fn score_scale(class: &str) -> Value {
    json!({"title": "Pass/fail", "type": "passfail", "class": r(class),
        "scoreScaleValue": [{"itemValueLHS": "50", "itemValueRHS": "pass"},
            {"itemValueLHS": "0", "itemValueRHS": "fail"}]})
}
fn assessment_line_item(title: &str) -> Value {
    json!({ "title": title })
}
/// `{"assessmentLineItem": ...}` with a parent.
fn ali_under(title: &str, parent: &str) -> Value {
    json!({"assessmentLineItem": with(assessment_line_item(title), "parentAssessmentLineItem", r(parent))})
}
fn assessment_result(ali: &str, student: &str) -> Value {
    json!({"assessmentLineItem": r(ali), "student": r(student), "scoreStatus": "fully graded",
        "scoreDate": "2025-05-20", "score": 412.5})
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

/// What a GET returns for an object that was written as `sent`: `status` filled in when
/// absent, the server's `dateLastModified`, and the named references in full.
fn served(sent: &Value, dlm: &str, refs: &[(&str, Value)]) -> Value {
    let mut v = sent.clone();
    let o = v.as_object_mut().unwrap();
    o.entry("status").or_insert(json!("active"));
    o.insert("dateLastModified".into(), json!(dlm));
    for (k, full) in refs {
        assert!(o.contains_key(*k), "{k} was not sent");
        o.insert(k.to_string(), full.clone());
    }
    v
}

/// Checks that a `dateLastModified` is a server time in `[before, after]` written as
/// `YYYY-MM-DDTHH:MM:SS.sssZ`; returns it.
#[track_caller]
fn server_time(v: &Value, before: i64, after: i64) -> String {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("no dateLastModified: {v}"));
    assert!(
        s.len() == 24 && s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == ".",
        "{s}"
    );
    let ms = parse_datetime(s).unwrap();
    assert!(
        before <= ms && ms <= after,
        "{s} is not the time of the write"
    );
    s.to_string()
}

/// GETs `path` (200, JSON, one top-level key) and returns the value under `key`.
async fn fetch(app: &TestApp, token: &str, path: &str, key: &str) -> Value {
    let res = app.get(path, token).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let v = res.json();
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    v.get(key)
        .unwrap_or_else(|| panic!("no '{key}' in {v}"))
        .clone()
}

/// The sourcedIds of a collection, in order.
async fn ids(app: &TestApp, token: &str, path: &str, key: &str) -> Vec<String> {
    let res = app.get(path, token).await;
    res.assert_status(200);
    let ids = res.ids(key);
    assert_eq!(res.total() as usize, ids.len(), "{path}: X-Total-Count");
    ids
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn put_ok(app: &TestApp, token: &str, path: &str, body: Value) {
    let res = app.put(path, token, body).await;
    res.assert_status(201);
    assert!(res.body.is_empty(), "PUT answered a body: {}", res.text());
}

async fn delete_ok(app: &TestApp, token: &str, path: &str) {
    let res = app.delete(path, token).await;
    res.assert_status(204);
    assert!(
        res.body.is_empty(),
        "DELETE answered a body: {}",
        res.text()
    );
}

/// Asserts a 422 `invaliddata` whose description contains every one of `parts`.
#[track_caller]
fn assert_invalid(res: &Resp, parts: &[&str]) {
    res.assert_error(422, "invaliddata");
    let d = res.description();
    for p in parts {
        assert!(d.contains(p), "'{p}' not in the description: {d}");
    }
}

/// A request with a raw (possibly malformed) body.
async fn raw(app: &TestApp, method: &str, path: &str, token: &str, body: &str) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The demo results of a line item of a class, by student.
fn demo_results(li: &str, students: &[&str]) -> Vec<String> {
    students.iter().map(|s| format!("res-{li}-{s}")).collect()
}

const BIO2_STUDENTS: [&str; 3] = ["stu-013", "stu-015", "stu-017"];
const ALG1_STUDENTS: [&str; 6] = [
    "stu-013", "stu-014", "stu-015", "stu-016", "stu-017", "stu-018",
];
const MATH3_STUDENTS: [&str; 6] = [
    "stu-001", "stu-002", "stu-003", "stu-004", "stu-005", "stu-006",
];

// ---- reads ---------------------------------------------------------------------------------

both!(
    async fn collections_hold_the_demo_gradebook(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        assert_eq!(
            ids(&app, &token, &gb("/categories"), "categories").await,
            strings(&["cat-homework", "cat-tests"])
        );
        assert_eq!(
            ids(&app, &token, &gb("/lineItems"), "lineItems").await,
            strings(&["li-alg1-hw1", "li-bio2-hw1", "li-bio2-test1", "li-math3-quiz1"])
        );
        let mut results = demo_results("li-alg1-hw1", &ALG1_STUDENTS);
        results.extend(demo_results("li-bio2-hw1", &BIO2_STUDENTS));
        results.extend(demo_results("li-bio2-test1", &BIO2_STUDENTS));
        results.extend(demo_results("li-math3-quiz1", &MATH3_STUDENTS));
        assert_eq!(ids(&app, &token, &gb("/results"), "results").await, results);
        assert_eq!(
            ids(&app, &token, &gb("/scoreScales"), "scoreScales").await,
            strings(&["ss-letter-bio"])
        );
        assert_eq!(
            ids(&app, &token, &gb("/assessmentLineItems"), "assessmentLineItems").await,
            strings(&["ali-state-math", "ali-state-math-alg"])
        );
        let ars: Vec<String> = ALG1_STUDENTS.iter().map(|s| format!("ar-state-math-{s}")).collect();
        assert_eq!(ids(&app, &token, &gb("/assessmentResults"), "assessmentResults").await, ars);
        // Paging headers on a gradebook collection.
        let res = app.get(&gb("/results?limit=5&offset=5"), &token).await;
        assert_eq!(res.total(), 18);
        assert_eq!(res.ids("results"), results[5..10].to_vec());
        let link = res.header("link").unwrap();
        let base = format!("<{PUBLIC_URL}{GRADEBOOK}/results?limit=5");
        for rel in [
            format!("{base}&offset=0>; rel=\"first\""),
            format!("{base}&offset=0>; rel=\"prev\""),
            format!("{base}&offset=10>; rel=\"next\""),
            format!("{base}&offset=15>; rel=\"last\""),
        ] {
            assert!(link.contains(&rel), "{rel} not in {link}");
        }
    }
);

both!(
    async fn single_objects_are_returned_exactly(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let cat = fetch(&app, &token, &gb("/categories/cat-homework"), "category").await;
        let dlm = cat["dateLastModified"].as_str().unwrap().to_string();
        server_time(&cat["dateLastModified"], 0, now_ms());
        assert_eq!(
            cat,
            json!({"sourcedId": "cat-homework", "status": "active", "dateLastModified": dlm,
                "title": "Homework", "weight": 0.3})
        );
        let li = fetch(&app, &token, &gb("/lineItems/li-bio2-hw1"), "lineItem").await;
        assert_eq!(
            li,
            json!({"sourcedId": "li-bio2-hw1", "status": "active", "dateLastModified": dlm,
                "title": "Cell structure worksheet",
                "assignDate": "2024-09-03T08:00:00.000Z", "dueDate": "2024-09-10T23:59:00.000Z",
                "class": class_ref("cls-pine-bio-2"), "school": org_ref("sch-pine"),
                "category": category_ref("cat-homework"),
                "gradingPeriod": session_ref("gp-fall-q1"),
                "academicSession": session_ref("term-fall-2024"),
                "scoreScale": score_scale_ref("ss-letter-bio"),
                "resultValueMin": 0.0, "resultValueMax": 100.0,
                "learningObjectiveSet": [{"source": "case",
                    "learningObjectiveIds": ["9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01"]}]})
        );
        let res = fetch(&app, &token, &gb("/results/res-li-bio2-test1-stu-013"), "result").await;
        assert_eq!(
            res,
            json!({"sourcedId": "res-li-bio2-test1-stu-013", "status": "active",
                "dateLastModified": dlm, "lineItem": line_item_ref("li-bio2-test1"),
                "student": user_ref("stu-013"), "class": class_ref("cls-pine-bio-2"),
                "scoreScale": score_scale_ref("ss-letter-bio"), "scoreStatus": "submitted",
                "score": 82.0, "textScore": "B", "scoreDate": "2024-09-12", "comment": "",
                "late": "true"})
        );
        let ss = fetch(&app, &token, &gb("/scoreScales/ss-letter-bio"), "scoreScale").await;
        assert_eq!(
            ss,
            json!({"sourcedId": "ss-letter-bio", "status": "active", "dateLastModified": dlm,
                "title": "Letter grades", "type": "letter", "course": course_ref("crs-pine-bio"),
                "class": class_ref("cls-pine-bio-2"),
                "scoreScaleValue": [{"itemValueLHS": "90-100", "itemValueRHS": "A"},
                    {"itemValueLHS": "80-89", "itemValueRHS": "B"},
                    {"itemValueLHS": "70-79", "itemValueRHS": "C"},
                    {"itemValueLHS": "0-69", "itemValueRHS": "F"}]})
        );
        let ali = fetch(&app, &token, &gb("/assessmentLineItems/ali-state-math-alg"), "assessmentLineItem").await;
        assert_eq!(
            ali,
            json!({"sourcedId": "ali-state-math-alg", "status": "active", "dateLastModified": dlm,
                "title": "Algebra strand", "class": class_ref("cls-pine-alg1-4"),
                "parentAssessmentLineItem": ali_ref("ali-state-math"),
                "learningObjectiveSet": [{"source": "unknown", "learningObjectiveIds": ["ALG.1", "ALG.2"]}]})
        );
        let ar = fetch(&app, &token, &gb("/assessmentResults/ar-state-math-stu-013"), "assessmentResult").await;
        assert_eq!(
            ar,
            json!({"sourcedId": "ar-state-math-stu-013", "status": "active", "dateLastModified": dlm,
                "assessmentLineItem": ali_ref("ali-state-math"), "student": user_ref("stu-013"),
                "score": 494.0, "scoreDate": "2025-05-20", "scorePercentile": 76.0,
                "scoreStatus": "fully graded"})
        );
        // The same object in a collection is rendered the same way.
        let listed = fetch(&app, &token, &format!("{}?{}", gb("/lineItems"), filter("sourcedId='li-bio2-hw1'")), "lineItems").await;
        assert_eq!(listed, json!([li]));
        // `fields` on a single object: what is asked for, nothing optional besides.
        let res = app.get(&gb("/lineItems/li-bio2-hw1?fields=sourcedId,title,resultValueMax"), &token).await;
        let v = res.json()["lineItem"].clone();
        assert_eq!(v["sourcedId"], "li-bio2-hw1");
        assert_eq!(v["title"], "Cell structure worksheet");
        assert_eq!(v["resultValueMax"], 100.0);
        for absent in ["resultValueMin", "gradingPeriod", "learningObjectiveSet", "scoreScale"] {
            assert!(v.get(absent).is_none(), "{absent} in {v}");
        }
        app.get(&gb("/lineItems/li-bio2-hw1?fields=colour"), &token)
            .await
            .assert_error(400, "invalid_selection_field");
    }
);

both!(
    async fn unknown_ids_are_404_unknownobject(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        for path in [
            "/categories/nope", "/lineItems/nope", "/results/nope", "/scoreScales/nope",
            "/assessmentLineItems/nope", "/assessmentResults/nope",
            // An id of another kind is unknown here.
            "/lineItems/cat-homework", "/results/li-bio2-hw1",
        ] {
            let res = app.get(&gb(path), &token).await;
            res.assert_error(404, "unknownobject");
            assert!(res.description().contains('\''), "{}", res.description());
        }
    }
);

both!(
    async fn a_negative_zero_is_stored_as_zero_on_both_backends(app) {
        let token = app.token_all().await;
        let body: Value = serde_json::from_str(r#"{"category": {"title": "Z", "weight": -0.0}}"#).unwrap();
        app.put(&gb("/categories/cat-zero"), &token, body).await.assert_status(201);
        let res = app.get(&gb("/categories/cat-zero"), &token).await;
        res.assert_status(200);
        let text = res.text();
        assert!(text.contains(r#""weight":0.0"#) && !text.contains("-0"), "{text}");
    }
);

both!(
    async fn metadata_filters_compare_values_as_written_on_both_backends(app) {
        let token = app.token_all().await;
        let body: Value = serde_json::from_str(
            r#"{"category": {"title": "M", "metadata": {"w": true, "v": 1.50, "big": 12345678901234567890, "z": -0, "n": null, "s": "1.5"}}}"#,
        )
        .unwrap();
        app.put(&gb("/categories/cat-meta"), &token, body).await.assert_status(201);
        let found = |expr: &str| {
            let q = gb(&format!("/categories?{}", filter(expr)));
            let (app, token) = (&app, &token);
            async move { ids(app, token, &q, "categories").await.len() }
        };
        for (expr, expected) in [
            ("metadata.w='true'", 1),
            ("metadata.w='1'", 0),
            ("metadata.w~'1'", 0),
            ("metadata.v='1.50'", 1),
            ("metadata.v='1.5'", 0),
            ("metadata.big='12345678901234567890'", 1),
            ("metadata.z='-0'", 1),
            ("metadata.z='0'", 0),
            ("metadata.s='1.5'", 1),
            ("metadata.n='null'", 0),
            ("metadata.n!='x'", 1),
        ] {
            assert_eq!(found(expr).await, expected, "{expr}");
        }
    }
);

both!(
    async fn contains_folds_every_letter_on_both_sides(app) {
        let token = app.token_all().await;
        for (id, title) in [("cat-a", "ÉTUDES Ölander"), ("cat-b", "études"), ("cat-c", "Etudes"), ("cat-d", "ΣΑΣ")] {
            let body = json!({"category": {"sourcedId": id, "status": "active", "title": title}});
            app.put(&gb(&format!("/categories/{id}")), &token, body).await.assert_status(201);
        }
        let found = |needle: &str| {
            let q = gb(&format!("/categories?{}", filter(&format!("title~'{needle}'"))));
            let (app, token) = (&app, &token);
            async move { ids(app, token, &q, "categories").await }
        };
        // The stored text's own case finds it (PostgreSQL once folded the column as ASCII
        // only and the needle fully: `~'ÉTUDES'` missed `ÉTUDES`), and so does any other.
        for needle in ["ÉTUDES", "études", "Études", "éTuDeS"] {
            assert_eq!(found(needle).await, strings(&["cat-a", "cat-b"]), "{needle}");
        }
        for needle in ["Ölander", "ölander", "ÖLANDER"] {
            assert_eq!(found(needle).await, strings(&["cat-a"]), "{needle}");
        }
        assert_eq!(found("etudes").await, strings(&["cat-c"]));
        assert_eq!(found("σας").await, Vec::<String>::new());
        assert_eq!(found("σασ").await, strings(&["cat-d"]));
        assert_eq!(found("Σ").await, strings(&["cat-d"]));
    }
);

both!(
    async fn class_scoped_reads(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let class = |c: &str, rest: &str| gb(&format!("/classes/{c}/{rest}"));
        // Line items of a class, with the query engine.
        assert_eq!(
            ids(&app, &token, &class("cls-pine-bio-2", "lineItems"), "lineItems").await,
            strings(&["li-bio2-hw1", "li-bio2-test1"])
        );
        let q = format!("{}?{}", class("cls-pine-bio-2", "lineItems"), filter("title~'UNIT'"));
        assert_eq!(ids(&app, &token, &q, "lineItems").await, strings(&["li-bio2-test1"]));
        let q = format!("{}?sort=title&orderBy=desc", class("cls-pine-bio-2", "lineItems"));
        assert_eq!(
            ids(&app, &token, &q, "lineItems").await,
            strings(&["li-bio2-test1", "li-bio2-hw1"])
        );
        let res = app.get(&format!("{}?limit=1&offset=1", class("cls-pine-bio-2", "lineItems")), &token).await;
        assert_eq!(res.total(), 2);
        assert_eq!(res.ids("lineItems"), strings(&["li-bio2-test1"]));
        let link = res.header("link").unwrap();
        assert!(link.contains(&format!("<{PUBLIC_URL}{GRADEBOOK}/classes/cls-pine-bio-2/lineItems?limit=1&offset=0>; rel=\"prev\"")), "{link}");
        assert!(!link.contains("rel=\"next\""), "{link}");
        let res = app.get(&format!("{}?fields=sourcedId,title", class("cls-pine-bio-2", "lineItems")), &token).await;
        for li in res.json()["lineItems"].as_array().unwrap() {
            assert!(li["title"].is_string() && li.get("description").is_none() && li.get("learningObjectiveSet").is_none(), "{li}");
        }
        app.get(&format!("{}?{}", class("cls-pine-bio-2", "lineItems"), filter("colour='red'")), &token)
            .await
            .assert_error(400, "invalid_filter_field");
        // A class without line items has none; an unknown class is a 404.
        assert!(ids(&app, &token, &class("cls-oak-sci7-1", "lineItems"), "lineItems").await.is_empty());
        app.get(&class("nope", "lineItems"), &token).await.assert_error(404, "unknownobject");

        // Categories used by a class's line items.
        assert_eq!(
            ids(&app, &token, &class("cls-pine-bio-2", "categories"), "categories").await,
            strings(&["cat-homework", "cat-tests"])
        );
        assert_eq!(
            ids(&app, &token, &class("cls-elm-math3-a", "categories"), "categories").await,
            strings(&["cat-tests"])
        );
        let q = format!("{}?{}", class("cls-pine-bio-2", "categories"), filter("weight>'0.5'"));
        assert_eq!(ids(&app, &token, &q, "categories").await, strings(&["cat-tests"]));
        assert!(ids(&app, &token, &class("cls-oak-sci7-1", "categories"), "categories").await.is_empty());
        app.get(&class("nope", "categories"), &token).await.assert_error(404, "unknownobject");

        // Results of a class.
        let mut bio2 = demo_results("li-bio2-hw1", &BIO2_STUDENTS);
        bio2.extend(demo_results("li-bio2-test1", &BIO2_STUDENTS));
        assert_eq!(ids(&app, &token, &class("cls-pine-bio-2", "results"), "results").await, bio2);
        let q = format!("{}?{}", class("cls-pine-alg1-4", "results"), filter("scoreStatus='submitted'"));
        assert_eq!(
            ids(&app, &token, &q, "results").await,
            demo_results("li-alg1-hw1", &["stu-013", "stu-017"])
        );
        let q = format!("{}?{}", class("cls-pine-alg1-4", "results"), filter("late='true' AND student.sourcedId='stu-017'"));
        assert_eq!(ids(&app, &token, &q, "results").await, demo_results("li-alg1-hw1", &["stu-017"]));
        // An OR cannot widen the class's scope.
        let q = format!("{}?{}", class("cls-pine-alg1-4", "results"), filter("lineItem.sourcedId='li-bio2-hw1' OR lineItem.sourcedId='li-math3-quiz1'"));
        assert!(ids(&app, &token, &q, "results").await.is_empty());
        let res = app.get(&format!("{}?sort=score&orderBy=desc&fields=sourcedId,score", class("cls-pine-alg1-4", "results")), &token).await;
        let scores: Vec<f64> = res.json()["results"].as_array().unwrap().iter().map(|r| r["score"].as_f64().unwrap()).collect();
        assert_eq!(scores.len(), 6);
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        let res = app.get(&format!("{}?limit=2&offset=2", class("cls-pine-alg1-4", "results")), &token).await;
        assert_eq!(res.total(), 6);
        assert_eq!(res.ids("results"), demo_results("li-alg1-hw1", &["stu-015", "stu-016"]));
        assert!(res.header("link").unwrap().contains("limit=2&offset=4>; rel=\"last\""));
        app.get(&class("nope", "results"), &token).await.assert_error(404, "unknownobject");

        // Results of a line item of a class: the line item must belong to the class.
        let path = class("cls-pine-bio-2", "lineItems/li-bio2-test1/results");
        assert_eq!(ids(&app, &token, &path, "results").await, demo_results("li-bio2-test1", &BIO2_STUDENTS));
        let q = format!("{path}?{}", filter("score>='80'"));
        let high = ids(&app, &token, &q, "results").await;
        let all = fetch(&app, &token, &path, "results").await;
        let expected: Vec<String> = all.as_array().unwrap().iter()
            .filter(|r| r["score"].as_f64().unwrap() >= 80.0)
            .map(|r| r["sourcedId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(high, expected);
        let res = app.get(&class("cls-pine-alg1-4", "lineItems/li-bio2-test1/results"), &token).await;
        res.assert_error(404, "unknownobject");
        assert!(res.description().contains("li-bio2-test1") && res.description().contains("cls-pine-alg1-4"), "{}", res.description());
        app.get(&class("cls-pine-bio-2", "lineItems/nope/results"), &token).await.assert_error(404, "unknownobject");
        app.get(&class("nope", "lineItems/li-bio2-test1/results"), &token).await.assert_error(404, "unknownobject");

        // Results of a student in a class.
        let path = class("cls-pine-bio-2", "students/stu-013/results");
        assert_eq!(
            ids(&app, &token, &path, "results").await,
            strings(&["res-li-bio2-hw1-stu-013", "res-li-bio2-test1-stu-013"])
        );
        let q = format!("{path}?{}", filter("lineItem.sourcedId='li-bio2-test1'"));
        assert_eq!(ids(&app, &token, &q, "results").await, strings(&["res-li-bio2-test1-stu-013"]));
        // A student of another section has no results here.
        assert!(ids(&app, &token, &class("cls-pine-bio-2", "students/stu-014/results"), "results").await.is_empty());
        // Not a student (a teacher), unknown student, unknown class: 404.
        app.get(&class("cls-pine-bio-2", "students/tch-3/results"), &token).await.assert_error(404, "unknownobject");
        app.get(&class("cls-pine-bio-2", "students/nope/results"), &token).await.assert_error(404, "unknownobject");
        app.get(&class("nope", "students/stu-013/results"), &token).await.assert_error(404, "unknownobject");

        // Score scales of a class and of a school.
        assert_eq!(
            ids(&app, &token, &class("cls-pine-bio-2", "scoreScales"), "scoreScales").await,
            strings(&["ss-letter-bio"])
        );
        let q = format!("{}?{}", class("cls-pine-bio-2", "scoreScales"), filter("type='numeric'"));
        assert!(ids(&app, &token, &q, "scoreScales").await.is_empty());
        assert!(ids(&app, &token, &class("cls-pine-bio-5", "scoreScales"), "scoreScales").await.is_empty());
        app.get(&class("nope", "scoreScales"), &token).await.assert_error(404, "unknownobject");
        let school = |s: &str| gb(&format!("/schools/{s}/scoreScales"));
        assert_eq!(ids(&app, &token, &school("sch-pine"), "scoreScales").await, strings(&["ss-letter-bio"]));
        let res = app.get(&format!("{}?fields=sourcedId,title,type,class,scoreScaleValue", school("sch-pine")), &token).await;
        let v = &res.json()["scoreScales"][0];
        assert_eq!(v["title"], "Letter grades");
        assert!(v.get("course").is_none(), "{v}");
        assert!(ids(&app, &token, &school("sch-elm"), "scoreScales").await.is_empty());
        // The district is an org but not a school.
        app.get(&school("org-district"), &token).await.assert_error(404, "unknownobject");
        app.get(&school("nope"), &token).await.assert_error(404, "unknownobject");
    }
);

both!(
    async fn gradebook_filters_reach_every_kind_of_field(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let q = |path: &str, expr: &str| format!("{}?{}", gb(path), filter(expr));
        assert_eq!(
            ids(&app, &token, &q("/lineItems", "class.sourcedId='cls-pine-bio-2'"), "lineItems").await,
            strings(&["li-bio2-hw1", "li-bio2-test1"])
        );
        assert_eq!(
            ids(&app, &token, &q("/lineItems", "learningObjectiveSet.source='case'"), "lineItems").await,
            strings(&["li-bio2-hw1", "li-bio2-test1"])
        );
        assert_eq!(
            ids(&app, &token, &q("/lineItems", "gradingPeriod.sourcedId='gp-fall-q2'"), "lineItems").await,
            strings(&["li-math3-quiz1"])
        );
        assert_eq!(ids(&app, &token, &q("/lineItems", "dueDate>'2024-09-10T23:00:00Z'"), "lineItems").await.len(), 4);
        assert!(ids(&app, &token, &q("/lineItems", "dueDate>'2024-09-11'"), "lineItems").await.is_empty());
        assert_eq!(
            ids(&app, &token, &q("/assessmentLineItems", "parentAssessmentLineItem.sourcedId='ali-state-math'"), "assessmentLineItems").await,
            strings(&["ali-state-math-alg"])
        );
        assert_eq!(
            ids(&app, &token, &q("/assessmentResults", "scorePercentile>'80'"), "assessmentResults").await,
            strings(&["ar-state-math-stu-015", "ar-state-math-stu-016", "ar-state-math-stu-017", "ar-state-math-stu-018"])
        );
        assert_eq!(
            ids(&app, &token, &q("/results", "textScore='A' OR textScore='B'"), "results").await,
            {
                let all = fetch(&app, &token, &q("/results", "lineItem.sourcedId='li-bio2-test1'"), "results").await;
                all.as_array().unwrap().iter()
                    .filter(|r| r["textScore"] == "A" || r["textScore"] == "B")
                    .map(|r| r["sourcedId"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            }
        );
        assert_eq!(ids(&app, &token, &q("/results", "scoreDate='2024-09-12'"), "results").await.len(), 18);
        app.get(&q("/results", "score~'8'"), &token).await.assert_error(400, "invalid_filter_field");
        app.get(&q("/results", "nope='x'"), &token).await.assert_error(400, "invalid_filter_field");
        app.get(&gb("/results?sort=learningObjectiveSet"), &token).await.assert_error(400, "invaliddata");
        app.get(&gb("/results?fields=nope"), &token).await.assert_error(400, "invalid_selection_field");
    }
);

// ---- PUT -----------------------------------------------------------------------------------

/// (path, envelope key, object sent, references as the server writes them).
type PutCase = (
    &'static str,
    &'static str,
    Value,
    Vec<(&'static str, Value)>,
);

/// Metadata with nesting, arrays, every JSON type and a deliberate key order, and numbers
/// beyond 64 bits and beyond a double's precision (kept digit for digit).
fn metadata() -> Value {
    let mut m = json!({"zeta": 1, "alpha": {"nested": [1, 2.5, -3, "x", true, null, {"k": []}], "b": false},
        "big": 9007199254740993u64, "ratio": 0.1, "exp": 1.5e-7, "text": "Grüße, \"quoted\"\n",
        "empty": {}});
    m["huge"] = serde_json::from_str(HUGE).unwrap();
    m["precise"] = serde_json::from_str(PRECISE).unwrap();
    m
}

const HUGE: &str = "123456789012345678901234567890";
const PRECISE: &str = "0.1000000000000000055511151231257827";

both!(
    async fn put_creates_and_get_returns_exactly_what_was_sent(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let m = metadata();
        let lo_results = json!([{"source": "case", "learningObjectiveResults": [
            {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01", "score": 3.5, "textScore": "proficient"},
            {"learningObjectiveId": "BIO.2", "score": 2},
            {"learningObjectiveId": "BIO.3", "textScore": "emerging"}]},
            {"source": "unknown", "learningObjectiveResults": [{"learningObjectiveId": "X"}]}]);
        let cases: Vec<PutCase> = vec![
            ("/categories/cat-new", "category",
             json!({"sourcedId": "cat-new", "status": "active",
                "dateLastModified": "2001-01-01T00:00:00.000Z", "metadata": m,
                "title": "Labs", "weight": 0.15}),
             vec![]),
            ("/lineItems/li-new", "lineItem",
             json!({"sourcedId": "li-new", "status": "active", "metadata": m,
                "title": "Lab report", "description": "Osmosis lab write-up",
                "assignDate": "2024-10-01T08:00:00.000Z", "dueDate": "2024-10-08T23:59:00.000Z",
                "class": {"sourcedId": "cls-pine-bio-2", "type": "class", "href": "classes/cls-pine-bio-2"},
                "school": r("sch-pine"), "category": r("cat-new"),
                "gradingPeriod": r("gp-fall-q2"), "academicSession": r("term-fall-2024"),
                "scoreScale": r("ss-letter-bio"), "resultValueMin": 0.0, "resultValueMax": 50.5,
                "learningObjectiveSet": [{"source": "case", "learningObjectiveIds": ["9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01"]},
                    {"source": "unknown", "learningObjectiveIds": ["BIO.2", "BIO.3"]}]}),
             vec![("class", class_ref("cls-pine-bio-2")), ("school", org_ref("sch-pine")),
                  ("category", category_ref("cat-new")), ("gradingPeriod", session_ref("gp-fall-q2")),
                  ("academicSession", session_ref("term-fall-2024")),
                  ("scoreScale", score_scale_ref("ss-letter-bio"))]),
            ("/results/res-new", "result",
             json!({"sourcedId": "res-new", "status": "active", "metadata": m,
                "lineItem": r("li-new"), "student": r("stu-015"), "class": r("cls-pine-bio-2"),
                "scoreScale": r("ss-letter-bio"), "scoreStatus": "partially graded",
                "score": 77.25, "textScore": "C+", "scoreDate": "2024-10-09",
                "comment": "Redo question 4", "learningObjectiveSet": lo_results,
                "inProgress": "false", "incomplete": "true", "late": "false", "missing": "false"}),
             vec![("lineItem", line_item_ref("li-new")), ("student", user_ref("stu-015")),
                  ("class", class_ref("cls-pine-bio-2")), ("scoreScale", score_scale_ref("ss-letter-bio"))]),
            ("/scoreScales/ss-new", "scoreScale",
             json!({"sourcedId": "ss-new", "status": "active", "metadata": m,
                "title": "Pass/fail", "type": "passfail", "course": r("crs-pine-alg1"),
                "class": r("cls-pine-alg1-4"),
                "scoreScaleValue": [{"itemValueLHS": "50", "itemValueRHS": "pass"},
                    {"itemValueLHS": "0-49", "itemValueRHS": "fail"}]}),
             vec![("course", course_ref("crs-pine-alg1")), ("class", class_ref("cls-pine-alg1-4"))]),
            ("/assessmentLineItems/ali-new", "assessmentLineItem",
             json!({"sourcedId": "ali-new", "status": "active", "metadata": m,
                "title": "Geometry strand", "description": "Shapes and angles",
                "class": r("cls-pine-alg1-4"), "parentAssessmentLineItem": r("ali-state-math"),
                "scoreScale": r("ss-new"), "resultValueMin": 200.0, "resultValueMax": 600.0,
                "learningObjectiveSet": [{"source": "unknown", "learningObjectiveIds": ["GEO.1"]}]}),
             vec![("class", class_ref("cls-pine-alg1-4")),
                  ("parentAssessmentLineItem", ali_ref("ali-state-math")),
                  ("scoreScale", score_scale_ref("ss-new"))]),
            ("/assessmentResults/ar-new", "assessmentResult",
             json!({"sourcedId": "ar-new", "status": "active", "metadata": m,
                "assessmentLineItem": r("ali-new"), "student": r("stu-014"), "score": 455.0,
                "textScore": "Proficient", "scoreDate": "2025-05-21", "scoreScale": r("ss-new"),
                "scorePercentile": 71.5, "scoreStatus": "fully graded", "comment": "",
                "learningObjectiveSet": lo_results,
                "inProgress": "false", "incomplete": "false", "late": "true", "missing": "false"}),
             vec![("assessmentLineItem", ali_ref("ali-new")), ("student", user_ref("stu-014")),
                  ("scoreScale", score_scale_ref("ss-new"))]),
        ];
        for (path, key, sent, refs) in cases {
            let before = now_ms();
            put_ok(&app, &token, &gb(path), json!({ key: sent })).await;
            let after = now_ms();
            let res = app.get(&gb(path), &token).await;
            res.assert_status(200);
            let got = res.json()[key].clone();
            let dlm = server_time(&got["dateLastModified"], before, after);
            assert_eq!(got, served(&sent, &dlm, &refs), "{path}");
            // Metadata comes back byte for byte: key order, numbers, escapes.
            assert!(res.text().contains(&format!("\"metadata\":{m}")), "{path}: {}", res.text());
            assert!(res.text().contains(&format!("\"huge\":{HUGE},\"precise\":{PRECISE}")), "{path}");
            // And the collection shows the same object.
            let collection = path.rsplit_once('/').unwrap().0;
            let plural = match key { "category" => "categories".to_string(), k => format!("{k}s") };
            let id = sent["sourcedId"].as_str().unwrap();
            let listed = fetch(&app, &token, &format!("{}?{}", gb(collection), filter(&format!("sourcedId='{id}'"))), &plural).await;
            assert_eq!(listed, json!([got]), "{path}");
        }
        // The new objects show in the class-scoped reads.
        assert!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems"), "lineItems").await.contains(&"li-new".to_string()));
        assert!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/categories"), "categories").await.contains(&"cat-new".to_string()));
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems/li-new/results"), "results").await, strings(&["res-new"]));
        assert_eq!(
            ids(&app, &token, &gb("/classes/cls-pine-bio-2/students/stu-015/results"), "results").await,
            strings(&["res-li-bio2-hw1-stu-015", "res-li-bio2-test1-stu-015", "res-new"])
        );
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-alg1-4/scoreScales"), "scoreScales").await, strings(&["ss-new"]));
        assert_eq!(ids(&app, &token, &gb("/schools/sch-pine/scoreScales"), "scoreScales").await, strings(&["ss-letter-bio", "ss-new"]));
    }
);

both!(
    async fn put_replaces_the_whole_object(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/lineItems/li-replace");
        let first = with(
            with(line_item("cls-pine-bio-2", "sch-pine", "Draft"), "description", json!("first version")),
            "metadata",
            json!({"v": 1}),
        );
        put_ok(&app, &token, &path, json!({ "lineItem": first })).await;
        put_ok(&app, &token, &gb("/results/res-replace"), json!({"result": result("li-replace", "stu-013", 40.0)})).await;
        // The replacement drops what it does not carry; nothing is merged.
        let second = with(line_item("cls-pine-bio-2", "sch-pine", "Final"), "resultValueMax", json!(20.0));
        let before = now_ms();
        put_ok(&app, &token, &path, json!({ "lineItem": second })).await;
        let got = fetch(&app, &token, &path, "lineItem").await;
        let dlm = server_time(&got["dateLastModified"], before, now_ms());
        let expected = served(
            &with(second.clone(), "sourcedId", json!("li-replace")),
            &dlm,
            &[("class", class_ref("cls-pine-bio-2")), ("school", org_ref("sch-pine")), ("category", category_ref("cat-homework"))],
        );
        assert_eq!(got, expected);
        assert_eq!(ids(&app, &token, &format!("{}?{}", gb("/lineItems"), filter("title='Draft' OR title='Final'")), "lineItems").await, strings(&["li-replace"]));
        // Replacing a line item keeps its results.
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems/li-replace/results"), "results").await, strings(&["res-replace"]));
    }
);

both!(
    async fn put_takes_unusual_ids_from_the_path(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // Percent-encoded in the path, plain in the body and in hrefs percent-encoded again.
        let id = "Café 7/B";
        let path = gb("/categories/Caf%C3%A9%207%2FB");
        put_ok(&app, &token, &path, json!({"category": {"sourcedId": id, "title": "Odd"}})).await;
        let got = fetch(&app, &token, &path, "category").await;
        assert_eq!(got["sourcedId"], id);
        put_ok(&app, &token, &gb("/lineItems/li-odd"), json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "Odd"), "category", r(id))})).await;
        let li = fetch(&app, &token, &gb("/lineItems/li-odd"), "lineItem").await;
        assert_eq!(
            li["category"],
            json!({"href": format!("{PUBLIC_URL}{GRADEBOOK}/categories/Caf%C3%A9%207%2FB"), "sourcedId": id, "type": "category"})
        );
        // A body without sourcedId takes the path's.
        put_ok(&app, &token, &gb("/categories/no-id-in-body"), json!({"category": {"title": "T"}})).await;
        assert_eq!(fetch(&app, &token, &gb("/categories/no-id-in-body"), "category").await["sourcedId"], "no-id-in-body");
        // The path's id must be a valid sourcedId, with or without one in the body.
        let long = "x".repeat(256);
        for (path_id, body_id) in [("%20%20", None), ("a%0Ab", None), (long.as_str(), None), (long.as_str(), Some(long.as_str()))] {
            let mut body = json!({"title": "T"});
            if let Some(b) = body_id {
                body["sourcedId"] = json!(b);
            }
            let res = app.put(&gb(&format!("/categories/{path_id}")), &token, json!({ "category": body })).await;
            assert_invalid(&res, &["category.sourcedId", "is not a valid sourcedId"]);
        }
        let longest = "y".repeat(255);
        put_ok(&app, &token, &gb(&format!("/categories/{longest}")), json!({"category": {"title": "T"}})).await;
        assert_eq!(ids(&app, &token, &gb("/categories"), "categories").await.len(), 5);
    }
);

both!(
    async fn ids_no_url_can_name_and_the_nul_character_are_refused_alike(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // `.` and `..` are path segments to every client: refused as ids, in the path, in a
        // body and in a reference.
        for id in [".", ".."] {
            let res = raw(&app, "PUT", &gb(&format!("/categories/{id}")), &token, r#"{"category": {"title": "T"}}"#).await;
            assert_invalid(&res, &["category.sourcedId", "is not '.' or '..'"]);
        }
        let res = app.post(&gb("/classes/cls-pine-bio-2/lineItems"), &token,
            json!({"lineItems": [with(with(line_item("cls-pine-bio-2", "sch-pine", "Dot"), "category", r("..")), "sourcedId", json!("li-dot"))]})).await;
        assert_invalid(&res, &["category.sourcedId", "is not a valid sourcedId"]);
        // A batch item's own id: named as invalid, not as missing.
        let res = app.post(&gb("/classes/cls-pine-bio-2/lineItems"), &token,
            json!({"lineItems": [with(line_item("cls-pine-bio-2", "sch-pine", "Dot"), "sourcedId", json!(".."))]})).await;
        assert_invalid(&res, &["lineItems[0].sourcedId '..' is not a valid sourcedId"]);
        // NUL (U+0000) cannot be stored by PostgreSQL: a 422 naming the field on both
        // backends, and nothing written (the batch is all or nothing).
        let res = app.put(&gb("/categories/cat-nul"), &token, json!({"category": {"title": "a\u{0}b"}})).await;
        assert_invalid(&res, &["category.title", "NUL"]);
        let items = json!({"results": [result("li-alg1-hw1", "stu-013", 1.0),
            with(result("li-alg1-hw1", "stu-013", 2.0), "comment", json!("x\u{0}"))]});
        let before = ids(&app, &token, &gb("/classes/cls-pine-alg1-4/results"), "results").await;
        let res = app.post(&gb("/lineItems/li-alg1-hw1/results"), &token, items).await;
        assert_invalid(&res, &["results[1].comment", "NUL"]);
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-alg1-4/results"), "results").await, before);
        let res = app.put(&gb("/lineItems/li-nul"), &token,
            json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "T"), "metadata", json!({"k\u{0}": 1}))})).await;
        assert_invalid(&res, &["lineItem.metadata.k\\0", "NUL"]);
        assert_eq!(app.get(&gb("/categories/cat-nul"), &token).await.status, 404);
        // In the path, NUL names nothing; in a filter value it is a bad filter.
        for (method, path) in [("GET", "/categories/a%00b"), ("DELETE", "/categories/a%00b"),
            ("GET", "/classes/a%00b/lineItems"), ("POST", "/classes/a%00b/lineItems")] {
            let res = raw(&app, method, &gb(path), &token, r#"{"lineItems": []}"#).await;
            res.assert_error(404, "unknownobject");
        }
        let res = app.get(&format!("{}?filter=title%3D%27a%00b%27", gb("/categories")), &token).await;
        res.assert_error(400, "invalid_filter_field");
        assert!(res.description().contains("NUL"), "{}", res.description());
    }
);

both!(
    async fn values_the_csv_binding_could_not_carry_back_are_refused(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // Score scale values travel as `{LHS:RHS}` cells.
        for (lhs, rhs) in [("", "F"), ("  ", "F"), ("A:B", "4"), ("A", "4}"), ("{A", "4"), ("A", "")] {
            let body = with(score_scale("cls-pine-bio-2"), "scoreScaleValue", json!([
                {"itemValueLHS": "90-100", "itemValueRHS": "A"}, {"itemValueLHS": lhs, "itemValueRHS": rhs}]));
            let res = app.put(&gb("/scoreScales/ss-pair"), &token, json!({ "scoreScale": body })).await;
            assert_invalid(&res, &["scoreScale.scoreScaleValue[1].itemValue", "could not carry it"]);
        }
        app.get(&gb("/scoreScales/ss-pair"), &token).await.assert_error(404, "unknownobject");
        // Metadata keys become columns `metadata.<key>`; a line item's gradingPeriod travels in
        // `metadata.gradingPeriodSourcedId`.
        let li = line_item("cls-pine-bio-2", "sch-pine", "M");
        let res = app.put(&gb("/lineItems/li-meta"), &token, json!({"lineItem": with(li.clone(), "metadata", json!({"": 1}))})).await;
        assert_invalid(&res, &["lineItem.metadata may not have an empty key"]);
        let res = app.put(&gb("/lineItems/li-meta"), &token, json!({"lineItem": with(li.clone(), "metadata", json!({"gradingPeriodSourcedId": "gp-x"}))})).await;
        assert_invalid(&res, &["lineItem.metadata may not have the key 'gradingPeriodSourcedId'"]);
        // Other kinds may use that key; ordinary values and keys are fine.
        put_ok(&app, &token, &gb("/categories/cat-meta"), json!({"category": {"title": "T", "metadata": {"gradingPeriodSourcedId": "x"}}})).await;
        put_ok(&app, &token, &gb("/lineItems/li-meta"), json!({"lineItem": with(li, "metadata", json!({"a.b": "c, d"}))})).await;
        put_ok(&app, &token, &gb("/scoreScales/ss-pair"), json!({"scoreScale": with(score_scale("cls-pine-bio-2"), "scoreScaleValue",
            json!([{"itemValueLHS": "90-100", "itemValueRHS": "A (excellent), top"}]))})).await;
    }
);

both!(
    async fn a_body_declared_as_anything_but_json_is_415(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let body = r#"{"category": {"title": "T"}}"#;
        for ct in ["application/xml", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let req = Request::builder().method("PUT").uri(gb("/categories/cat-ct"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", ct)
                .body(Body::from(body)).unwrap();
            app.send(req).await.assert_error(415, "invaliddata");
        }
        assert_eq!(app.get(&gb("/categories/cat-ct"), &token).await.status, 404);
        // JSON with parameters, a +json type, or no declared type at all: accepted.
        for (i, ct) in [Some("application/json; charset=utf-8"), Some("Application/JSON"), Some("application/vnd.api+json"), None].into_iter().enumerate() {
            let mut req = Request::builder().method("PUT").uri(gb(&format!("/categories/cat-ct{i}")))
                .header("authorization", format!("Bearer {token}"));
            if let Some(ct) = ct {
                req = req.header("content-type", ct);
            }
            let res = app.send(req.body(Body::from(body)).unwrap()).await;
            assert_eq!(res.status, 201, "{ct:?}: {}", res.text());
        }
    }
);

both!(
    async fn a_bare_learning_objective_source_is_stored_in_the_official_form(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let set = json!([{"source": "state", "learningObjectiveIds": ["S.1"]},
            {"source": "/district", "learningObjectiveIds": ["D.1"]},
            {"source": "case", "learningObjectiveIds": ["C.1"]}]);
        put_ok(&app, &token, &gb("/lineItems/li-lo"),
            json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "LO"), "learningObjectiveSet", set)})).await;
        let li = fetch(&app, &token, &gb("/lineItems/li-lo"), "lineItem").await;
        let sources: Vec<&str> = li["learningObjectiveSet"].as_array().unwrap().iter().map(|s| s["source"].as_str().unwrap()).collect();
        assert_eq!(sources, ["/state", "/district", "case"]);
        for bad in ["State", "ext:state", "/case", "unknown/x", ""] {
            let res = app.put(&gb("/lineItems/li-lo"), &token,
                json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "LO"), "learningObjectiveSet",
                    json!([{"source": bad, "learningObjectiveIds": ["S.1"]}]))})).await;
            assert_invalid(&res, &["lineItem.learningObjectiveSet[0].source"]);
        }
    }
);

// ---- leniency and values stored as sent ---------------------------------------------------

both!(
    async fn writes_are_lenient_where_nothing_is_lost(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // No status, no dateLastModified: the server fills them in. A client's
        // dateLastModified is replaced by the server's.
        let before = now_ms();
        put_ok(&app, &token, &gb("/categories/cat-lenient"), json!({"category": {"title": "Quizzes"}})).await;
        put_ok(&app, &token, &gb("/categories/cat-dated"),
            json!({"category": {"title": "Dated", "dateLastModified": "2030-01-01T00:00:00Z"}})).await;
        let after = now_ms();
        for id in ["cat-lenient", "cat-dated"] {
            let got = fetch(&app, &token, &gb(&format!("/categories/{id}")), "category").await;
            assert_eq!(got["status"], "active");
            server_time(&got["dateLastModified"], before, after);
        }
        // JSON booleans for the string booleans; an empty comment kept; a GUIDRef with only
        // its sourcedId, or with a correct type and any href; null for an absent property;
        // date-times with an offset are stored as the same instant in UTC.
        let body = json!({"lineItem": r("li-bio2-hw1"), "student": {"sourcedId": "stu-013", "type": "user", "href": "/users/stu-013"},
            "scoreStatus": "fully graded", "score": 91, "scoreDate": "2024-09-15", "comment": "",
            "late": true, "missing": false, "inProgress": "false", "textScore": null});
        put_ok(&app, &token, &gb("/results/res-lenient"), json!({ "result": body })).await;
        let got = fetch(&app, &token, &gb("/results/res-lenient"), "result").await;
        let dlm = got["dateLastModified"].as_str().unwrap().to_string();
        assert_eq!(
            got,
            json!({"sourcedId": "res-lenient", "status": "active", "dateLastModified": dlm,
                "lineItem": line_item_ref("li-bio2-hw1"), "student": user_ref("stu-013"),
                "scoreStatus": "fully graded", "score": 91.0, "scoreDate": "2024-09-15",
                "comment": "", "inProgress": "false", "late": "true", "missing": "false"})
        );
        let li = with(line_item("cls-pine-bio-2", "sch-pine", "Offsets"), "assignDate", json!("2024-10-01T10:30:00+02:00"));
        let li = with(li, "dueDate", json!("2024-10-08T23:59:00Z"));
        put_ok(&app, &token, &gb("/lineItems/li-offset"), json!({ "lineItem": li })).await;
        let got = fetch(&app, &token, &gb("/lineItems/li-offset"), "lineItem").await;
        assert_eq!(got["assignDate"], "2024-10-01T08:30:00.000Z");
        assert_eq!(got["dueDate"], "2024-10-08T23:59:00.000Z");
    }
);

both!(
    async fn scores_are_stored_as_sent(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // Above resultValueMax (100), below resultValueMin, extension status, exempt with a text
        // score only.
        let cases = [
            ("res-over", json!({"lineItem": r("li-bio2-test1"), "student": r("stu-013"),
                "scoreStatus": "fully graded", "score": 104.5, "scoreDate": "2024-09-20"})),
            ("res-under", json!({"lineItem": r("li-bio2-test1"), "student": r("stu-015"),
                "scoreStatus": "ext:curved", "score": -2.0, "scoreDate": "2024-09-20"})),
            ("res-exempt", json!({"lineItem": r("li-bio2-test1"), "student": r("stu-017"),
                "scoreStatus": "exempt", "textScore": "EX", "scoreDate": "2024-09-20",
                "comment": "Medical leave"})),
            ("res-lo", json!({"lineItem": r("li-bio2-hw1"), "student": r("stu-013"),
                "scoreStatus": "not submitted", "scoreDate": "2024-09-20", "missing": "true",
                "learningObjectiveSet": [
                    {"source": "case", "learningObjectiveResults": [
                        {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01", "score": 0, "textScore": "not yet"}]},
                    {"source": "unknown", "learningObjectiveResults": [
                        {"learningObjectiveId": "BIO.7", "score": 1.25},
                        {"learningObjectiveId": "BIO.8", "textScore": "secure"}]}]})),
        ];
        for (id, body) in &cases {
            put_ok(&app, &token, &gb(&format!("/results/{id}")), json!({ "result": body })).await;
            let got = fetch(&app, &token, &gb(&format!("/results/{id}")), "result").await;
            let dlm = got["dateLastModified"].as_str().unwrap().to_string();
            let sent = with(body.clone(), "sourcedId", json!(id));
            let li = body["lineItem"]["sourcedId"].as_str().unwrap();
            let stu = body["student"]["sourcedId"].as_str().unwrap();
            assert_eq!(got, served(&sent, &dlm, &[("lineItem", line_item_ref(li)), ("student", user_ref(stu))]), "{id}");
        }
        // The assessment side: percentile and scores beyond the line item's range.
        let ar = json!({"assessmentLineItem": r("ali-state-math"), "student": r("stu-001"),
            "score": 640.0, "scorePercentile": 99.9, "scoreStatus": "fully graded", "scoreDate": "2025-05-22",
            "learningObjectiveSet": [{"source": "unknown", "learningObjectiveResults": [
                {"learningObjectiveId": "ALG.1", "score": 4, "textScore": "advanced"}]}]});
        put_ok(&app, &token, &gb("/assessmentResults/ar-over"), json!({"assessmentResult": ar})).await;
        let got = fetch(&app, &token, &gb("/assessmentResults/ar-over"), "assessmentResult").await;
        let dlm = got["dateLastModified"].as_str().unwrap().to_string();
        assert_eq!(
            got,
            served(&with(ar, "sourcedId", json!("ar-over")), &dlm,
                &[("assessmentLineItem", ali_ref("ali-state-math")), ("student", user_ref("stu-001"))])
        );
    }
);

// ---- validation ----------------------------------------------------------------------------

both!(
    async fn invalid_line_items_are_422_naming_the_field(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let base = line_item("cls-pine-bio-2", "sch-pine", "Valid");
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (without(base.clone(), "title"), vec!["lineItem.title is required"]),
            (with(base.clone(), "title", Value::Null), vec!["lineItem.title is required"]),
            (without(base.clone(), "class"), vec!["lineItem.class is required"]),
            (with(base.clone(), "title", json!(5)), vec!["lineItem.title must be a string"]),
            (with(base.clone(), "resultValueMax", json!("100")), vec!["lineItem.resultValueMax must be a number"]),
            (with(base.clone(), "assignDate", json!("next week")), vec!["lineItem.assignDate must be an ISO 8601 date-time"]),
            // An offset taking the instant past 9999 (it could not be written back as it is).
            (with(base.clone(), "assignDate", json!("9999-12-31T23:59:59-14:00")), vec!["lineItem.assignDate must be an ISO 8601 date-time"]),
            (with(base.clone(), "dueDate", json!(20241008)), vec!["lineItem.dueDate must be a string"]),
            (with(base.clone(), "dateLastModified", json!("yesterday")), vec!["lineItem.dateLastModified must be an ISO 8601 date-time"]),
            (with(base.clone(), "status", json!("archived")), vec!["lineItem.status must be 'active' or 'tobedeleted'"]),
            (with(base.clone(), "colour", json!("red")), vec!["lineItem.colour is not a property of LineItemDType"]),
            (with(base.clone(), "sourcedId", json!("li-other")), vec!["lineItem.sourcedId 'li-other' differs from the sourcedId 'li-v' in the URL"]),
            (with(base.clone(), "class", json!("cls-pine-bio-2")), vec!["lineItem.class must be a GUIDRef object"]),
            (with(base.clone(), "class", json!({"sourcedId": "cls-pine-bio-2", "type": "org"})), vec!["lineItem.class.type must be 'class'"]),
            (with(base.clone(), "class", json!({"href": "x"})), vec!["lineItem.class.sourcedId is required"]),
            (with(base.clone(), "class", json!({"sourcedId": "cls-pine-bio-2", "title": "x"})), vec!["lineItem.class.title is not a property of a GUIDRef"]),
            (with(base.clone(), "class", r("cls-nope")), vec!["lineItem.class refers to an unknown class 'cls-nope'"]),
            (with(base.clone(), "school", r("sch-nope")), vec!["lineItem.school refers to an unknown org 'sch-nope'"]),
            (with(base.clone(), "category", r("cat-nope")), vec!["lineItem.category refers to an unknown category 'cat-nope'"]),
            (with(base.clone(), "scoreScale", r("ss-nope")), vec!["lineItem.scoreScale refers to an unknown scoreScale 'ss-nope'"]),
            (with(base.clone(), "academicSession", r("as-nope")), vec!["lineItem.academicSession refers to an unknown academicSession 'as-nope'"]),
            (with(base.clone(), "gradingPeriod", r("gp-nope")), vec!["lineItem.gradingPeriod refers to an unknown academicSession 'gp-nope'"]),
            (with(base.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveIds": []}])),
                vec!["lineItem.learningObjectiveSet[0].learningObjectiveIds must have at least 1 item(s)"]),
            (with(base.clone(), "learningObjectiveSet", json!([{"source": "Not Valid!", "learningObjectiveIds": ["a"]}])),
                vec!["lineItem.learningObjectiveSet[0].source must be one of"]),
            (with(base.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveIds": ["a"], "weight": 1}])),
                vec!["lineItem.learningObjectiveSet[0].weight is not a property of LearningObjectiveSetDType"]),
            (with(base.clone(), "learningObjectiveSet", json!({"source": "case"})), vec!["lineItem.learningObjectiveSet must be an array"]),
            (with(base.clone(), "metadata", json!(["x"])), vec!["lineItem.metadata must be a JSON object"]),
            // Every problem is reported at once.
            (with(with(without(base.clone(), "title"), "colour", json!(1)), "category", r("cat-nope")),
                vec!["lineItem.title is required", "lineItem.colour is not a property"]),
        ];
        for (body, parts) in cases {
            let res = app.put(&gb("/lineItems/li-v"), &token, json!({ "lineItem": body })).await;
            assert_invalid(&res, &parts);
        }
        // Nothing was written.
        app.get(&gb("/lineItems/li-v"), &token).await.assert_error(404, "unknownobject");
        assert_eq!(ids(&app, &token, &gb("/lineItems"), "lineItems").await.len(), 4);
    }
);

both!(
    async fn invalid_objects_of_every_kind_are_422_naming_the_field(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let res = result("li-bio2-test1", "stu-013", 80.0);
        let ss = score_scale("cls-pine-bio-2");
        let ali = assessment_line_item("Strand");
        let ar = assessment_result("ali-state-math", "stu-013");
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            ("/categories/c-v", "category", json!({}), "category.title is required"),
            ("/categories/c-v", "category", json!({"title": "T", "weight": "heavy"}), "category.weight must be a number"),
            ("/categories/c-v", "category", json!({"title": ["T"]}), "category.title must be a string"),
            ("/results/r-v", "result", with(res.clone(), "scoreStatus", json!("graded")), "result.scoreStatus must be one of: exempt, fully graded, not submitted, partially graded, submitted or ext:<name>"),
            ("/results/r-v", "result", with(res.clone(), "scoreStatus", json!("ext:")), "result.scoreStatus must be one of"),
            ("/results/r-v", "result", without(res.clone(), "scoreStatus"), "result.scoreStatus is required"),
            // PUT of a result is one checked statement on PostgreSQL: the role is checked there too.
            ("/results/r-v", "result", with(res.clone(), "student", r("grd-001")), "result.student refers to an unknown student 'grd-001'"),
            ("/results/r-v", "result", without(res.clone(), "scoreDate"), "result.scoreDate is required"),
            ("/results/r-v", "result", with(res.clone(), "late", json!("yes")), "result.late must be \"true\" or \"false\""),
            ("/results/r-v", "result", with(res.clone(), "missing", json!(1)), "result.missing must be \"true\" or \"false\""),
            ("/results/r-v", "result", with(res.clone(), "scoreDate", json!("2024-13-01")), "result.scoreDate must be a date in the form YYYY-MM-DD"),
            ("/results/r-v", "result", with(res.clone(), "scoreDate", json!("2024-09-12T00:00:00Z")), "result.scoreDate must be a date"),
            ("/results/r-v", "result", with(res.clone(), "score", json!("A")), "result.score must be a number"),
            // A number too large for a double (kept as written, it would be stored as infinity).
            ("/results/r-v", "result", with(res.clone(), "score", serde_json::from_str("1E400").unwrap()), "result.score must be a number"),
            ("/results/r-v", "result", with(res.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveResults": [{"learningObjectiveId": "a", "score": serde_json::from_str::<Value>("-1e999").unwrap()}]}])),
                "result.learningObjectiveSet[0].learningObjectiveResults[0].score must be a number"),
            ("/results/r-v", "result", with(res.clone(), "lineItem", r("li-nope")), "result.lineItem refers to an unknown lineItem 'li-nope'"),
            ("/results/r-v", "result", with(res.clone(), "student", r("stu-nope")), "result.student refers to an unknown student 'stu-nope'"),
            ("/results/r-v", "result", with(res.clone(), "class", r("cls-nope")), "result.class refers to an unknown class 'cls-nope'"),
            ("/results/r-v", "result", with(res.clone(), "scoreScale", r("ss-nope")), "result.scoreScale refers to an unknown scoreScale 'ss-nope'"),
            ("/results/r-v", "result", with(res.clone(), "student", json!({"sourcedId": "stu-013", "type": "student"})), "result.student.type must be 'user'"),
            ("/results/r-v", "result", with(res.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveResults": [{"score": 1}]}])),
                "result.learningObjectiveSet[0].learningObjectiveResults[0].learningObjectiveId is required"),
            ("/results/r-v", "result", with(res.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveResults": [{"learningObjectiveId": "a", "score": "high"}]}])),
                "result.learningObjectiveSet[0].learningObjectiveResults[0].score must be a number"),
            ("/results/r-v", "result", with(res.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveResults": []}])),
                "result.learningObjectiveSet[0].learningObjectiveResults must have at least 1 item(s)"),
            ("/results/r-v", "result", with(res.clone(), "learningObjectiveSet", json!([{"source": "case", "learningObjectiveIds": ["a"]}])),
                "result.learningObjectiveSet[0].learningObjectiveIds is not a property of LearningObjectiveScoreSetDType"),
            ("/scoreScales/s-v", "scoreScale", without(ss.clone(), "scoreScaleValue"), "scoreScale.scoreScaleValue is required"),
            ("/scoreScales/s-v", "scoreScale", with(ss.clone(), "scoreScaleValue", json!([])), "scoreScale.scoreScaleValue must have at least 1 item(s)"),
            ("/scoreScales/s-v", "scoreScale", with(ss.clone(), "scoreScaleValue", json!([{"itemValueLHS": "1"}])), "scoreScale.scoreScaleValue[0].itemValueRHS is required"),
            ("/scoreScales/s-v", "scoreScale", with(ss.clone(), "scoreScaleValue", json!([{"itemValueLHS": 1, "itemValueRHS": "A"}])), "scoreScale.scoreScaleValue[0].itemValueLHS must be a string"),
            ("/scoreScales/s-v", "scoreScale", without(ss.clone(), "class"), "scoreScale.class is required"),
            ("/scoreScales/s-v", "scoreScale", with(ss.clone(), "class", r("cls-nope")), "scoreScale.class refers to an unknown class 'cls-nope'"),
            ("/scoreScales/s-v", "scoreScale", with(ss.clone(), "course", r("crs-nope")), "scoreScale.course refers to an unknown course 'crs-nope'"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", json!({"description": "no title"}), "assessmentLineItem.title is required"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", with(ali.clone(), "parentAssessmentLineItem", r("ali-nope")),
                "assessmentLineItem.parentAssessmentLineItem refers to an unknown assessmentLineItem 'ali-nope'"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", with(ali.clone(), "parentAssessmentLineItem", r("a-v")),
                "assessmentLineItem.parentAssessmentLineItem refers to an unknown assessmentLineItem 'a-v'"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", with(ali.clone(), "parentAssessmentLineItem", r("li-bio2-hw1")),
                "assessmentLineItem.parentAssessmentLineItem refers to an unknown assessmentLineItem 'li-bio2-hw1'"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", with(ali.clone(), "class", r("cls-nope")), "assessmentLineItem.class refers to an unknown class 'cls-nope'"),
            ("/assessmentLineItems/a-v", "assessmentLineItem", with(ali.clone(), "scoreScale", r("ss-nope")), "assessmentLineItem.scoreScale refers to an unknown scoreScale 'ss-nope'"),
            ("/assessmentResults/ar-v", "assessmentResult", with(ar.clone(), "assessmentLineItem", r("li-bio2-hw1")),
                "assessmentResult.assessmentLineItem refers to an unknown assessmentLineItem 'li-bio2-hw1'"),
            ("/assessmentResults/ar-v", "assessmentResult", with(ar.clone(), "student", r("stu-nope")), "assessmentResult.student refers to an unknown student 'stu-nope'"),
            // A user who holds no student role is not a student (a teacher, a guardian).
            ("/assessmentResults/ar-v", "assessmentResult", with(ar.clone(), "student", r("tch-1")),
                "assessmentResult.student refers to an unknown student 'tch-1' (an active user holding the role 'student')"),
            ("/assessmentResults/ar-v", "assessmentResult", with(ar.clone(), "scorePercentile", json!("high")), "assessmentResult.scorePercentile must be a number"),
            ("/assessmentResults/ar-v", "assessmentResult", with(ar.clone(), "lineItem", r("li-bio2-hw1")), "assessmentResult.lineItem is not a property of AssessmentResultDType"),
            ("/assessmentResults/ar-v", "assessmentResult", without(ar.clone(), "assessmentLineItem"), "assessmentResult.assessmentLineItem is required"),
        ];
        for (path, key, body, part) in cases {
            let res = app.put(&gb(path), &token, json!({ key: body })).await;
            assert_invalid(&res, &[part]);
            app.get(&gb(path), &token).await.assert_error(404, "unknownobject");
        }
    }
);

both!(
    async fn bodies_that_are_not_one_enveloped_object(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let li = with(line_item("cls-pine-bio-2", "sch-pine", "Env"), "sourcedId", json!("li-env"));
        let path = gb("/lineItems/li-env");
        // Malformed JSON and no body at all: 400.
        for body in ["{\"lineItem\": {", "", "lineItem=1", "{\"lineItem\": {}} x"] {
            raw(&app, "PUT", &path, &token, body).await.assert_error(400, "invaliddata");
        }
        raw(&app, "POST", &gb("/classes/cls-pine-bio-2/lineItems"), &token, "[{]")
            .await
            .assert_error(400, "invaliddata");
        // Nested past serde_json's guard: said so, not called invalid JSON.
        let deep = format!("{{\"lineItem\": {}{}}}", "[".repeat(200), "]".repeat(200));
        let res = raw(&app, "PUT", &path, &token, &deep).await;
        res.assert_error(400, "invaliddata");
        assert!(res.description().contains("more than 127 levels deep"), "{}", res.description());
        // Well-formed but not the envelope: 422.
        for body in [
            li.clone(),
            json!({"lineItem": li, "extra": 1}),
            json!({"result": li}),
            json!({"lineItems": [li]}),
            json!([li]),
            json!(null),
            json!("lineItem"),
        ] {
            let res = app.put(&path, &token, body).await;
            assert_invalid(&res, &["{\"lineItem\": {...}}"]);
        }
        let res = app.put(&path, &token, json!({"lineItem": [li]})).await;
        assert_invalid(&res, &["lineItem must be a LineItemDType object"]);
        // POST envelopes.
        let post = gb("/classes/cls-pine-bio-2/lineItems");
        for body in [json!({"lineItem": li}), json!([li]), json!({"lineItems": [li], "x": 1})] {
            let res = app.post(&post, &token, body).await;
            assert_invalid(&res, &["{\"lineItems\": [...]}"]);
        }
        assert_invalid(&app.post(&post, &token, json!({"lineItems": li})).await, &["'lineItems' must be an array"]);
        assert_invalid(&app.post(&post, &token, json!({"lineItems": [li, 7]})).await, &["lineItems[1] must be a LineItemDType object"]);
        app.get(&path, &token).await.assert_error(404, "unknownobject");
    }
);

both!(
    async fn a_reference_to_a_deleted_object_is_refused(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        put_ok(&app, &token, &gb("/categories/cat-gone"), json!({"category": category("Gone")})).await;
        delete_ok(&app, &token, &gb("/categories/cat-gone")).await;
        let res = app.put(&gb("/lineItems/li-x"), &token,
            json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "X"), "category", r("cat-gone"))})).await;
        assert_invalid(&res, &["lineItem.category refers to an unknown category 'cat-gone'"]);
        delete_ok(&app, &token, &gb("/lineItems/li-bio2-hw1")).await;
        let res = app.put(&gb("/results/r-x"), &token, json!({"result": result("li-bio2-hw1", "stu-013", 1.0)})).await;
        assert_invalid(&res, &["result.lineItem refers to an unknown lineItem 'li-bio2-hw1'"]);
    }
);

// ---- POST ----------------------------------------------------------------------------------

both!(
    async fn post_line_items_for_a_class(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/classes/cls-pine-bio-2/lineItems");
        let before_hw1 = fetch(&app, &token, &gb("/lineItems/li-bio2-hw1"), "lineItem").await;
        let items = vec![
            // Free id, class given.
            with(line_item("cls-pine-bio-2", "sch-pine", "Quiz A"), "sourcedId", json!("li-post-a")),
            // Taken id (a demo line item of the class): a new id is allocated.
            with(line_item("cls-pine-bio-2", "sch-pine", "Quiz B"), "sourcedId", json!("li-bio2-hw1")),
            // Class omitted: the path's class is filled in.
            with(without(line_item("x", "sch-pine", "Quiz C"), "class"), "sourcedId", json!("li-post-c")),
            // The same supplied id twice in one batch: the second gets a new id.
            with(line_item("cls-pine-bio-2", "sch-pine", "Quiz D"), "sourcedId", json!("li-post-a")),
            // An id taken by an object of another kind is free for line items.
            with(line_item("cls-pine-bio-2", "sch-pine", "Quiz E"), "sourcedId", json!("cat-homework")),
        ];
        let before = now_ms();
        let res = app.post(&path, &token, json!({ "lineItems": items })).await;
        res.assert_status(201);
        assert_eq!(res.header("content-type"), Some("application/json"));
        let after = now_ms();
        let v = res.json();
        assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
        let pairs = v["sourcedIdPairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 5);
        let supplied: Vec<&str> = pairs.iter().map(|p| p["suppliedSourcedId"].as_str().unwrap()).collect();
        assert_eq!(supplied, ["li-post-a", "li-bio2-hw1", "li-post-c", "li-post-a", "cat-homework"]);
        for p in pairs {
            assert_eq!(p.as_object().unwrap().len(), 2, "{p}");
        }
        let allocated: Vec<String> = pairs.iter().map(|p| p["allocatedSourcedId"].as_str().unwrap().to_string()).collect();
        assert_eq!(allocated[0], "li-post-a");
        assert!(is_uuid_v4(&allocated[1]), "{}", allocated[1]);
        assert_eq!(allocated[2], "li-post-c");
        assert!(is_uuid_v4(&allocated[3]), "{}", allocated[3]);
        assert_ne!(allocated[1], allocated[3]);
        assert_eq!(allocated[4], "cat-homework");
        // Each object is stored as sent under its allocated id, the class filled in.
        for (item, id) in items.iter().zip(&allocated) {
            let got = fetch(&app, &token, &gb(&format!("/lineItems/{id}")), "lineItem").await;
            let dlm = server_time(&got["dateLastModified"], before, after);
            let mut sent = with(item.clone(), "sourcedId", json!(id));
            sent["class"] = r("cls-pine-bio-2");
            assert_eq!(
                got,
                served(&sent, &dlm, &[("class", class_ref("cls-pine-bio-2")), ("school", org_ref("sch-pine")), ("category", category_ref("cat-homework"))])
            );
        }
        // The existing line item was not touched.
        assert_eq!(fetch(&app, &token, &gb("/lineItems/li-bio2-hw1"), "lineItem").await, before_hw1);
        let listed: BTreeSet<String> = ids(&app, &token, &path, "lineItems").await.into_iter().collect();
        let mut expected = set(&["li-bio2-hw1", "li-bio2-test1"]);
        expected.extend(allocated.iter().cloned());
        assert_eq!(listed, expected);
        // An empty batch creates nothing.
        let res = app.post(&path, &token, json!({"lineItems": []})).await;
        res.assert_status(201);
        assert_eq!(res.json(), json!({"sourcedIdPairs": []}));
    }
);

both!(
    async fn a_post_batch_is_all_or_nothing(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/classes/cls-pine-bio-2/lineItems");
        let good = |id: &str| with(line_item("cls-pine-bio-2", "sch-pine", "Good"), "sourcedId", json!(id));
        let cases: Vec<(Vec<Value>, Vec<&str>)> = vec![
            (vec![good("n-0"), good("n-1"), without(good("n-2"), "title")], vec!["lineItems[2].title is required"]),
            (vec![good("n-0"), with(good("n-1"), "category", r("cat-nope"))], vec!["lineItems[1].category refers to an unknown category 'cat-nope'"]),
            (vec![good("n-0"), with(good("n-1"), "class", r("cls-pine-alg1-4"))], vec!["lineItems[1].class is 'cls-pine-alg1-4' but the path names 'cls-pine-bio-2'"]),
            (vec![without(good("n-0"), "sourcedId"), good("n-1")], vec!["lineItems[0].sourcedId is required"]),
            (vec![good("n-0"), with(good("n-1"), "sourcedId", json!(""))], vec!["lineItems[1].sourcedId"]),
            (vec![with(good("n-0"), "dueDate", json!("soon")), good("n-1"), with(good("n-2"), "colour", json!(1))],
                vec!["lineItems[0].dueDate must be an ISO 8601 date-time", "lineItems[2].colour is not a property of LineItemDType"]),
            // A malformed class reference is reported, not replaced by the path's class.
            (vec![good("n-0"), with(good("n-1"), "class", json!("cls-pine-bio-2"))], vec!["lineItems[1].class must be a GUIDRef object"]),
            (vec![good("n-0"), with(good("n-1"), "class", json!({"sourcedId": 7}))], vec!["lineItems[1].class.sourcedId must be a string"]),
        ];
        for (items, parts) in cases {
            let res = app.post(&path, &token, json!({ "lineItems": items })).await;
            assert_invalid(&res, &parts);
            // Nothing at all was written.
            for id in ["n-0", "n-1", "n-2"] {
                app.get(&gb(&format!("/lineItems/{id}")), &token).await.assert_error(404, "unknownobject");
            }
            assert_eq!(ids(&app, &token, &gb("/lineItems"), "lineItems").await.len(), 4);
        }
        // A supplied id of a deleted line item is taken too: the tombstone stays a tombstone.
        put_ok(&app, &token, &gb("/lineItems/li-tomb"), json!({"lineItem": line_item("cls-pine-bio-2", "sch-pine", "Tomb")})).await;
        delete_ok(&app, &token, &gb("/lineItems/li-tomb")).await;
        let res = app.post(&path, &token, json!({"lineItems": [good("li-tomb")]})).await;
        res.assert_status(201);
        let allocated = res.json()["sourcedIdPairs"][0]["allocatedSourcedId"].as_str().unwrap().to_string();
        assert!(is_uuid_v4(&allocated), "{allocated}");
        app.get(&gb("/lineItems/li-tomb"), &token).await.assert_error(404, "unknownobject");
        // An unknown class in the path is a 404, whatever the body.
        app.post(&gb("/classes/nope/lineItems"), &token, json!({"lineItems": [good("n-0")]}))
            .await
            .assert_error(404, "unknownobject");
        app.post(&gb("/classes/nope/lineItems"), &token, json!({}))
            .await
            .assert_error(404, "unknownobject");
    }
);

both!(
    async fn post_line_items_for_a_school(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/schools/sch-pine/lineItems");
        let items = vec![
            with(without(line_item("cls-pine-alg1-4", "x", "District benchmark"), "school"), "sourcedId", json!("li-sch-1")),
            with(line_item("cls-pine-bio-5", "sch-pine", "Field trip"), "sourcedId", json!("li-sch-2")),
        ];
        let res = app.post(&path, &token, json!({ "lineItems": items })).await;
        res.assert_status(201);
        assert_eq!(
            res.json(),
            json!({"sourcedIdPairs": [
                {"suppliedSourcedId": "li-sch-1", "allocatedSourcedId": "li-sch-1"},
                {"suppliedSourcedId": "li-sch-2", "allocatedSourcedId": "li-sch-2"}]})
        );
        let got = fetch(&app, &token, &gb("/lineItems/li-sch-1"), "lineItem").await;
        assert_eq!(got["school"], org_ref("sch-pine"));
        assert_eq!(got["class"], class_ref("cls-pine-alg1-4"));
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-5/lineItems"), "lineItems").await, strings(&["li-sch-2"]));
        // Another school named in an item; a class of another school.
        let res = app.post(&path, &token, json!({"lineItems": [
            with(line_item("cls-pine-alg1-4", "sch-elm", "Wrong school"), "sourcedId", json!("li-sch-3"))]})).await;
        assert_invalid(&res, &["lineItems[0].school is 'sch-elm' but the path names 'sch-pine'"]);
        let res = app.post(&path, &token, json!({"lineItems": [
            with(without(line_item("cls-elm-math3-a", "x", "Wrong class"), "school"), "sourcedId", json!("li-sch-3"))]})).await;
        assert_invalid(&res, &["lineItems[0].school is 'sch-pine' but class 'cls-elm-math3-a' has school 'sch-elm'"]);
        app.get(&gb("/lineItems/li-sch-3"), &token).await.assert_error(404, "unknownobject");
        // Unknown school, and an org that is not a school.
        for school in ["nope", "org-district", "cls-pine-bio-2"] {
            app.post(&gb(&format!("/schools/{school}/lineItems")), &token, json!({ "lineItems": items }))
                .await
                .assert_error(404, "unknownobject");
        }
    }
);

both!(
    async fn a_line_item_belongs_to_the_school_of_its_class(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let res = app.put(&gb("/lineItems/li-wrong-school"), &token,
            json!({"lineItem": line_item("cls-pine-bio-2", "sch-elm", "Wrong")})).await;
        assert_invalid(&res, &["lineItem.school is 'sch-elm' but class 'cls-pine-bio-2' has school 'sch-pine'"]);
        let res = app.put(&gb("/lineItems/li-wrong-school"), &token,
            json!({"lineItem": line_item("cls-pine-bio-2", "org-district", "Wrong")})).await;
        assert_invalid(&res, &["lineItem.school is 'org-district' but class 'cls-pine-bio-2' has school 'sch-pine'"]);
        app.get(&gb("/lineItems/li-wrong-school"), &token).await.assert_error(404, "unknownobject");
        // A score scale's course is its class's course.
        let res = app.put(&gb("/scoreScales/ss-wrong"), &token,
            json!({"scoreScale": with(score_scale("cls-pine-bio-2"), "course", r("crs-pine-alg1"))})).await;
        assert_invalid(&res, &["scoreScale.course is 'crs-pine-alg1' but class 'cls-pine-bio-2' has course 'crs-pine-bio'"]);
    }
);

both!(
    async fn post_results_for_a_line_item(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/lineItems/li-bio2-test1/results");
        let items = vec![
            with(without(result("x", "stu-013", 88.0), "lineItem"), "sourcedId", json!("res-li-bio2-test1-stu-013")),
            with(result("li-bio2-test1", "stu-015", 91.5), "sourcedId", json!("res-post-2")),
            with(with(without(result("x", "stu-017", 0.0), "lineItem"), "scoreStatus", json!("exempt")), "sourcedId", json!("res-post-3")),
        ];
        let before = now_ms();
        let res = app.post(&path, &token, json!({ "results": items })).await;
        res.assert_status(201);
        let after = now_ms();
        let pairs = res.json()["sourcedIdPairs"].as_array().unwrap().clone();
        assert_eq!(pairs.len(), 3);
        let allocated: Vec<String> = pairs.iter().map(|p| p["allocatedSourcedId"].as_str().unwrap().to_string()).collect();
        assert!(is_uuid_v4(&allocated[0]));
        assert_eq!(&allocated[1..], ["res-post-2", "res-post-3"]);
        for (item, id) in items.iter().zip(&allocated) {
            let got = fetch(&app, &token, &gb(&format!("/results/{id}")), "result").await;
            let dlm = server_time(&got["dateLastModified"], before, after);
            let mut sent = with(item.clone(), "sourcedId", json!(id));
            sent["lineItem"] = r("li-bio2-test1");
            let stu = item["student"]["sourcedId"].as_str().unwrap();
            assert_eq!(got, served(&sent, &dlm, &[("lineItem", line_item_ref("li-bio2-test1")), ("student", user_ref(stu))]));
        }
        // The demo result with the supplied id is unchanged.
        assert_eq!(fetch(&app, &token, &gb("/results/res-li-bio2-test1-stu-013"), "result").await["score"], 82.0);
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems/li-bio2-test1/results"), "results").await.len(), 6);
        // Another line item named in an item; an unknown student; unknown or deleted line item.
        let res = app.post(&path, &token, json!({"results": [with(result("li-bio2-hw1", "stu-013", 1.0), "sourcedId", json!("r-1"))]})).await;
        assert_invalid(&res, &["results[0].lineItem is 'li-bio2-hw1' but the path names 'li-bio2-test1'"]);
        let res = app.post(&path, &token, json!({"results": [
            with(result("li-bio2-test1", "stu-013", 1.0), "sourcedId", json!("r-1")),
            with(result("li-bio2-test1", "stu-nope", 1.0), "sourcedId", json!("r-2"))]})).await;
        assert_invalid(&res, &["results[1].student refers to an unknown student 'stu-nope'"]);
        let res = app.post(&path, &token, json!({"results": [
            with(result("li-bio2-test1", "stu-013", 1.0), "sourcedId", json!("r-1")),
            with(result("li-bio2-test1", "tch-1", 1.0), "sourcedId", json!("r-2"))]})).await;
        assert_invalid(&res, &["results[1].student refers to an unknown student 'tch-1'"]);
        app.get(&gb("/results/r-1"), &token).await.assert_error(404, "unknownobject");
        app.post(&gb("/lineItems/nope/results"), &token, json!({ "results": [] }))
            .await
            .assert_error(404, "unknownobject");
        delete_ok(&app, &token, &gb("/lineItems/li-bio2-hw1")).await;
        app.post(&gb("/lineItems/li-bio2-hw1/results"), &token, json!({"results": [with(result("li-bio2-hw1", "stu-013", 1.0), "sourcedId", json!("r-1"))]}))
            .await
            .assert_error(404, "unknownobject");
    }
);

both!(
    async fn post_results_for_a_class_in_an_academic_session(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/classes/cls-pine-bio-2/academicSessions/term-fall-2024/results");
        let items = vec![
            with(result("li-bio2-hw1", "stu-013", 70.0), "sourcedId", json!("res-cs-1")),
            with(with(result("li-bio2-test1", "stu-015", 75.0), "class", r("cls-pine-bio-2")), "sourcedId", json!("res-cs-2")),
        ];
        let res = app.post(&path, &token, json!({ "results": items })).await;
        res.assert_status(201);
        assert_eq!(
            res.json(),
            json!({"sourcedIdPairs": [
                {"suppliedSourcedId": "res-cs-1", "allocatedSourcedId": "res-cs-1"},
                {"suppliedSourcedId": "res-cs-2", "allocatedSourcedId": "res-cs-2"}]})
        );
        // The class is filled in.
        let got = fetch(&app, &token, &gb("/results/res-cs-1"), "result").await;
        assert_eq!(got["class"], class_ref("cls-pine-bio-2"));
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/students/stu-013/results"), "results").await.len(), 3);
        // Any academic session of the hierarchy may be named: a grading period, the school year.
        for session in ["gp-fall-q1", "as-2025"] {
            let res = app.post(&gb(&format!("/classes/cls-pine-bio-2/academicSessions/{session}/results")), &token,
                json!({"results": [with(result("li-bio2-hw1", "stu-017", 60.0), "sourcedId", json!(format!("res-{session}")))]})).await;
            res.assert_status(201);
        }
        // Another class named, or the line item of another class.
        let res = app.post(&path, &token, json!({"results": [
            with(with(result("li-bio2-hw1", "stu-013", 1.0), "class", r("cls-pine-alg1-4")), "sourcedId", json!("r-x"))]})).await;
        assert_invalid(&res, &["results[0].class is 'cls-pine-alg1-4' but the path names 'cls-pine-bio-2'"]);
        let res = app.post(&path, &token, json!({"results": [
            with(result("li-bio2-hw1", "stu-013", 1.0), "sourcedId", json!("r-ok")),
            with(result("li-alg1-hw1", "stu-013", 1.0), "sourcedId", json!("r-x"))]})).await;
        assert_invalid(&res, &["results[1].class is 'cls-pine-bio-2' but lineItem 'li-alg1-hw1' has class 'cls-pine-alg1-4'"]);
        app.get(&gb("/results/r-ok"), &token).await.assert_error(404, "unknownobject");
        // Unknown class or session.
        let body = json!({"results": [with(result("li-bio2-hw1", "stu-013", 1.0), "sourcedId", json!("r-y"))]});
        for p in [
            "/classes/nope/academicSessions/term-fall-2024/results",
            "/classes/cls-pine-bio-2/academicSessions/nope/results",
        ] {
            app.post(&gb(p), &token, body.clone()).await.assert_error(404, "unknownobject");
        }
        // The same rule for a PUT: a result's class is its line item's class.
        let res = app.put(&gb("/results/r-z"), &token,
            json!({"result": with(result("li-alg1-hw1", "stu-013", 1.0), "class", r("cls-pine-bio-2"))})).await;
        assert_invalid(&res, &["result.class is 'cls-pine-bio-2' but lineItem 'li-alg1-hw1' has class 'cls-pine-alg1-4'"]);
    }
);

// ---- DELETE --------------------------------------------------------------------------------

both!(
    async fn delete_tombstones_every_kind(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        put_ok(&app, &token, &gb("/categories/cat-del"), json!({"category": category("Del")})).await;
        put_ok(&app, &token, &gb("/scoreScales/ss-del"), json!({"scoreScale": score_scale("cls-pine-bio-5")})).await;
        put_ok(&app, &token, &gb("/lineItems/li-del"), json!({"lineItem": line_item("cls-pine-bio-5", "sch-pine", "Del")})).await;
        put_ok(&app, &token, &gb("/results/res-del"), json!({"result": result("li-bio2-hw1", "stu-013", 5.0)})).await;
        put_ok(&app, &token, &gb("/assessmentLineItems/ali-del"), json!({"assessmentLineItem": assessment_line_item("Del")})).await;
        put_ok(&app, &token, &gb("/assessmentResults/ar-del"), json!({"assessmentResult": assessment_result("ali-state-math", "stu-013")})).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let since = format_datetime(now_ms());
        for (collection, plural, id) in [
            ("/categories", "categories", "cat-del"),
            ("/scoreScales", "scoreScales", "ss-del"),
            ("/lineItems", "lineItems", "li-del"),
            ("/results", "results", "res-del"),
            ("/assessmentLineItems", "assessmentLineItems", "ali-del"),
            ("/assessmentResults", "assessmentResults", "ar-del"),
        ] {
            let path = gb(&format!("{collection}/{id}"));
            let live = fetch_single(&app, &token, &path).await;
            let before = now_ms();
            delete_ok(&app, &token, &path).await;
            let after = now_ms();
            let res = app.get(&path, &token).await;
            res.assert_error(404, "unknownobject");
            assert!(res.description().contains(id), "{}", res.description());
            assert!(!ids(&app, &token, &gb(collection), plural).await.contains(&id.to_string()), "{id} still listed");
            // Delta queries see the tombstone: the same object, status tobedeleted, a new
            // dateLastModified.
            for q in [filter("status='tobedeleted'"), filter(&format!("dateLastModified>='{since}'"))] {
                let listed = fetch(&app, &token, &format!("{}?{q}", gb(collection)), plural).await;
                let tomb = listed.as_array().unwrap().iter().find(|o| o["sourcedId"] == id)
                    .unwrap_or_else(|| panic!("{id} not in the delta {listed}")).clone();
                let dlm = server_time(&tomb["dateLastModified"], before, after);
                let mut expected = live.clone();
                expected["status"] = json!("tobedeleted");
                expected["dateLastModified"] = json!(dlm);
                assert_eq!(tomb, expected);
            }
            // Deleting again, or deleting what never existed: 404.
            app.delete(&path, &token).await.assert_error(404, "unknownobject");
            app.delete(&gb(&format!("{collection}/never-{id}")), &token).await.assert_error(404, "unknownobject");
        }
        // Gone from the class-scoped lists too, except to delta queries.
        assert!(ids(&app, &token, &gb("/classes/cls-pine-bio-5/scoreScales"), "scoreScales").await.is_empty());
        assert!(ids(&app, &token, &gb("/schools/sch-pine/scoreScales"), "scoreScales").await == strings(&["ss-letter-bio"]));
        assert!(ids(&app, &token, &gb("/classes/cls-pine-bio-5/lineItems"), "lineItems").await.is_empty());
        let q = format!("{}?{}", gb("/classes/cls-pine-bio-5/scoreScales"), filter("status='tobedeleted'"));
        assert_eq!(ids(&app, &token, &q, "scoreScales").await, strings(&["ss-del"]));
        let q = format!("{}?{}", gb("/classes/cls-pine-bio-5/lineItems"), filter(&format!("dateLastModified>='{since}'")));
        assert_eq!(ids(&app, &token, &q, "lineItems").await, strings(&["li-del"]));
        // A deleted object's id can be written again: the PUT brings it back.
        put_ok(&app, &token, &gb("/categories/cat-del"), json!({"category": category("Back")})).await;
        let back = fetch(&app, &token, &gb("/categories/cat-del"), "category").await;
        assert_eq!((back["status"].as_str(), back["title"].as_str()), (Some("active"), Some("Back")));
    }
);

/// `fetch` of a single object whatever its envelope key.
async fn fetch_single(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path, token).await;
    res.assert_status(200);
    let v = res.json();
    v.as_object().unwrap().values().next().unwrap().clone()
}

both!(
    async fn deleting_a_line_item_deletes_its_results(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let untouched = fetch(&app, &token, &gb("/results/res-li-bio2-hw1-stu-013"), "result").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let since = format_datetime(now_ms());
        delete_ok(&app, &token, &gb("/lineItems/li-bio2-test1")).await;
        let gone = demo_results("li-bio2-test1", &BIO2_STUDENTS);
        for id in &gone {
            app.get(&gb(&format!("/results/{id}")), &token).await.assert_error(404, "unknownobject");
        }
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems"), "lineItems").await, strings(&["li-bio2-hw1"]));
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/results"), "results").await, demo_results("li-bio2-hw1", &BIO2_STUDENTS));
        assert_eq!(
            ids(&app, &token, &gb("/classes/cls-pine-bio-2/students/stu-013/results"), "results").await,
            strings(&["res-li-bio2-hw1-stu-013"])
        );
        app.get(&gb("/classes/cls-pine-bio-2/lineItems/li-bio2-test1/results"), &token).await.assert_error(404, "unknownobject");
        // The category now used by no active line item of the class leaves its list.
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/categories"), "categories").await, strings(&["cat-homework"]));
        // Delta queries, global and class-scoped, carry the cascaded tombstones only.
        let q = filter(&format!("dateLastModified>='{since}'"));
        let delta = fetch(&app, &token, &format!("{}?{q}", gb("/results")), "results").await;
        let delta_ids: Vec<&str> = delta.as_array().unwrap().iter().map(|o| o["sourcedId"].as_str().unwrap()).collect();
        assert_eq!(delta_ids, gone.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(delta.as_array().unwrap().iter().all(|o| o["status"] == "tobedeleted"));
        let scoped = fetch(&app, &token, &format!("{}?{}", gb("/classes/cls-pine-bio-2/results"), filter("status='tobedeleted'")), "results").await;
        assert_eq!(scoped.as_array().unwrap().len(), 3);
        let li = fetch(&app, &token, &format!("{}?{}", gb("/classes/cls-pine-bio-2/lineItems"), filter("status='tobedeleted'")), "lineItems").await;
        assert_eq!(li.as_array().unwrap().iter().map(|o| o["sourcedId"].clone()).collect::<Vec<_>>(), vec![json!("li-bio2-test1")]);
        // Other results are untouched.
        assert_eq!(fetch(&app, &token, &gb("/results/res-li-bio2-hw1-stu-013"), "result").await, untouched);
        // A result deleted before its line item keeps its own deletion time.
        delete_ok(&app, &token, &gb("/results/res-li-alg1-hw1-stu-013")).await;
        let first = fetch(&app, &token, &format!("{}?{}", gb("/results"), filter("sourcedId='res-li-alg1-hw1-stu-013' AND status='tobedeleted'")), "results").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        delete_ok(&app, &token, &gb("/lineItems/li-alg1-hw1")).await;
        let again = fetch(&app, &token, &format!("{}?{}", gb("/results"), filter("sourcedId='res-li-alg1-hw1-stu-013' AND status='tobedeleted'")), "results").await;
        assert_eq!(first, again);
    }
);

both!(
    async fn deleting_an_assessment_line_item_deletes_its_results(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // The strand first: a parent still referenced by a child cannot go.
        let res = app.delete(&gb("/assessmentLineItems/ali-state-math"), &token).await;
        res.assert_error(409, "deletefailure");
        assert!(res.description().contains("ali-state-math-alg"), "{}", res.description());
        assert_eq!(ids(&app, &token, &gb("/assessmentResults"), "assessmentResults").await.len(), 6);
        delete_ok(&app, &token, &gb("/assessmentLineItems/ali-state-math-alg")).await;
        delete_ok(&app, &token, &gb("/assessmentLineItems/ali-state-math")).await;
        assert!(ids(&app, &token, &gb("/assessmentResults"), "assessmentResults").await.is_empty());
        assert!(ids(&app, &token, &gb("/assessmentLineItems"), "assessmentLineItems").await.is_empty());
        let tombs = fetch(&app, &token, &format!("{}?{}", gb("/assessmentResults"), filter("status='tobedeleted'")), "assessmentResults").await;
        assert_eq!(tombs.as_array().unwrap().len(), 6);
        app.get(&gb("/assessmentResults/ar-state-math-stu-013"), &token).await.assert_error(404, "unknownobject");
    }
);

both!(
    async fn objects_still_in_use_cannot_be_deleted(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // A category used by line items.
        let res = app.delete(&gb("/categories/cat-homework"), &token).await;
        res.assert_error(409, "deletefailure");
        assert_eq!(
            res.description(),
            "category 'cat-homework' is still used by lineItem 'li-alg1-hw1', lineItem 'li-bio2-hw1'; \
             delete those or change their references first"
        );
        fetch(&app, &token, &gb("/categories/cat-homework"), "category").await;
        // A score scale used by line items and results.
        let res = app.delete(&gb("/scoreScales/ss-letter-bio"), &token).await;
        res.assert_error(409, "deletefailure");
        assert!(res.description().contains("li-bio2-hw1"), "{}", res.description());
        // Once the users are gone, the delete goes through.
        delete_ok(&app, &token, &gb("/lineItems/li-alg1-hw1")).await;
        delete_ok(&app, &token, &gb("/lineItems/li-bio2-hw1")).await;
        delete_ok(&app, &token, &gb("/categories/cat-homework")).await;
        delete_ok(&app, &token, &gb("/lineItems/li-bio2-test1")).await;
        delete_ok(&app, &token, &gb("/scoreScales/ss-letter-bio")).await;
        // A line item's own results do not hold it back (they go with it), nor do deleted users.
        delete_ok(&app, &token, &gb("/lineItems/li-math3-quiz1")).await;
        delete_ok(&app, &token, &gb("/categories/cat-tests")).await;
    }
);

both!(
    async fn an_assessment_hierarchy_cannot_loop(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let path = gb("/assessmentLineItems/ali-state-math");
        // Its own parent.
        let res = app.put(&path, &token, ali_under("Loop", "ali-state-math")).await;
        assert_invalid(&res, &["assessmentLineItem.parentAssessmentLineItem", "'ali-state-math'", "loop"]);
        // Its own child as parent.
        let res = app.put(&path, &token, ali_under("Loop", "ali-state-math-alg")).await;
        assert_invalid(&res, &["assessmentLineItem.parentAssessmentLineItem", "'ali-state-math-alg'", "loop"]);
        // A grandchild.
        put_ok(&app, &token, &gb("/assessmentLineItems/ali-sub"), ali_under("Sub", "ali-state-math-alg")).await;
        let res = app.put(&path, &token, ali_under("Loop", "ali-sub")).await;
        assert_invalid(&res, &["loop"]);
        assert_eq!(fetch(&app, &token, &path, "assessmentLineItem").await["title"], "State Math Assessment 2025");
        // Moving a node elsewhere in the tree is fine.
        put_ok(&app, &token, &gb("/assessmentLineItems/ali-sub"), ali_under("Sub", "ali-state-math")).await;
        put_ok(&app, &token, &gb("/assessmentLineItems/ali-state-math-alg"), ali_under("Alg", "ali-sub")).await;
    }
);

both!(
    async fn deletion_is_written_only_by_delete(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        // A PUT or POST cannot write a tombstone (DELETE does, with its cascades).
        for status in ["tobedeleted", "inactive"] {
            let res = app.put(&gb("/lineItems/li-bio2-test1"), &token,
                json!({"lineItem": with(line_item("cls-pine-bio-2", "sch-pine", "T"), "status", json!(status))})).await;
            assert_invalid(&res, &["lineItem.status", "DELETE"]);
        }
        let res = app.post(&gb("/lineItems/li-bio2-test1/results"), &token,
            json!({"results": [with(with(result("li-bio2-test1", "stu-013", 1.0), "status", json!("tobedeleted")), "sourcedId", json!("r-t"))]})).await;
        assert_invalid(&res, &["results[0].status", "DELETE"]);
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-2/lineItems/li-bio2-test1/results"), "results").await.len(), 3);
        // An explicit "active" is of course fine.
        put_ok(&app, &token, &gb("/categories/cat-explicit"), json!({"category": with(category("E"), "status", json!("active"))})).await;
    }
);

// ---- the whole story -----------------------------------------------------------------------

both!(
    async fn line_item_and_results_round_trip(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let class = "cls-oak-sci7-1";
        // An empty class.
        assert!(ids(&app, &token, &gb(&format!("/classes/{class}/lineItems")), "lineItems").await.is_empty());
        put_ok(&app, &token, &gb("/lineItems/li-story"), json!({"lineItem": line_item(class, "sch-oak", "Volcano project")})).await;
        assert_eq!(ids(&app, &token, &gb(&format!("/classes/{class}/lineItems")), "lineItems").await, strings(&["li-story"]));
        assert_eq!(ids(&app, &token, &gb(&format!("/classes/{class}/categories")), "categories").await, strings(&["cat-homework"]));
        for (i, stu) in ["stu-007", "stu-008", "stu-009"].iter().enumerate() {
            put_ok(&app, &token, &gb(&format!("/results/res-story-{i}")),
                json!({"result": with(result("li-story", stu, 70.0 + i as f64), "class", r(class))})).await;
        }
        let path = gb(&format!("/classes/{class}/lineItems/li-story/results"));
        assert_eq!(ids(&app, &token, &path, "results").await, strings(&["res-story-0", "res-story-1", "res-story-2"]));
        let student = gb(&format!("/classes/{class}/students/stu-008/results"));
        let mine = fetch(&app, &token, &student, "results").await;
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(mine[0]["score"], 71.0);
        assert_eq!(mine[0]["lineItem"], line_item_ref("li-story"));
        assert_eq!(ids(&app, &token, &gb(&format!("/classes/{class}/results")), "results").await.len(), 3);
        // Re-grade one result.
        put_ok(&app, &token, &gb("/results/res-story-1"), json!({"result": with(result("li-story", "stu-008", 95.0), "class", r(class))})).await;
        assert_eq!(fetch(&app, &token, &student, "results").await[0]["score"], 95.0);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let since = format_datetime(now_ms());
        delete_ok(&app, &token, &gb("/lineItems/li-story")).await;
        assert!(ids(&app, &token, &gb(&format!("/classes/{class}/lineItems")), "lineItems").await.is_empty());
        assert!(ids(&app, &token, &student, "results").await.is_empty());
        assert!(ids(&app, &token, &gb(&format!("/classes/{class}/results")), "results").await.is_empty());
        app.get(&path, &token).await.assert_error(404, "unknownobject");
        // A consumer syncing since before the delete learns of all four deletions.
        let q = filter(&format!("dateLastModified>='{since}'"));
        let li = fetch(&app, &token, &format!("{}?{q}", gb("/lineItems")), "lineItems").await;
        assert_eq!(li.as_array().unwrap().len(), 1);
        assert_eq!((li[0]["sourcedId"].as_str(), li[0]["status"].as_str()), (Some("li-story"), Some("tobedeleted")));
        let res = fetch(&app, &token, &format!("{}?{q}", gb(&format!("/classes/{class}/students/stu-008/results"))), "results").await;
        assert_eq!(res.as_array().unwrap().len(), 1);
        assert_eq!(res[0]["status"], "tobedeleted");
        assert_eq!(res[0]["score"], 95.0);
        let all = fetch(&app, &token, &format!("{}?{q}", gb("/results")), "results").await;
        assert_eq!(all.as_array().unwrap().len(), 3);
    }
);

// ---- concurrency ---------------------------------------------------------------------------

/// Sends `count` requests at once, each built by `body(i)`; returns (status, body) in order.
async fn concurrently(
    app: &TestApp,
    token: &str,
    method: &str,
    path: impl Fn(usize) -> String,
    body: impl Fn(usize) -> Value,
    count: usize,
) -> Vec<(u16, Value)> {
    let mut tasks = Vec::new();
    for i in 0..count {
        let req = Request::builder()
            .method(method)
            .uri(path(i))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body(i).to_string()))
            .unwrap();
        let router = app.router.clone();
        tasks.push(tokio::spawn(async move {
            let res = router.oneshot(req).await.unwrap();
            let status = res.status().as_u16();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            let v = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).unwrap()
            };
            (status, v)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both!(
    async fn concurrent_puts_of_one_result_leave_one_whole_body(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let bodies: Vec<Value> = (0..20)
            .map(|i| {
                let stu = BIO2_STUDENTS[i % 3];
                let mut b = with(result("li-bio2-test1", stu, i as f64), "comment", json!(format!("writer {i}")));
                if i % 2 == 0 {
                    b["late"] = json!("true");
                    b["metadata"] = json!({"writer": i});
                }
                b
            })
            .collect();
        let out = concurrently(&app, &token, "PUT", |_| gb("/results/res-race"), |i| json!({"result": bodies[i]}), 20).await;
        for (status, body) in &out {
            assert_eq!(*status, 201, "{body}");
        }
        let listed = fetch(&app, &token, &format!("{}?{}", gb("/results"), filter("sourcedId='res-race'")), "results").await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let got = fetch(&app, &token, &gb("/results/res-race"), "result").await;
        assert_eq!(got, listed[0]);
        let dlm = got["dateLastModified"].as_str().unwrap().to_string();
        let winner = bodies.iter().position(|b| {
            let stu = b["student"]["sourcedId"].as_str().unwrap();
            served(&with(b.clone(), "sourcedId", json!("res-race")), &dlm,
                &[("lineItem", line_item_ref("li-bio2-test1")), ("student", user_ref(stu))]) == got
        });
        assert!(winner.is_some(), "the stored result mixes several bodies: {got}");
    }
);

both!(
    async fn concurrent_post_batches_never_share_an_id(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        const BATCHES: usize = 8;
        const ITEMS: usize = 5;
        // Every batch supplies the same ids; each item says which batch and item it is.
        let body = |b: usize| {
            let items: Vec<Value> = (0..ITEMS)
                .map(|i| {
                    let item = result("li-alg1-hw1", ALG1_STUDENTS[i], (b * 10 + i) as f64);
                    let item = with(item, "comment", json!(format!("batch {b} item {i}")));
                    with(item, "sourcedId", json!(format!("dup-{i}")))
                })
                .collect();
            json!({ "results": items })
        };
        let out = concurrently(&app, &token, "POST", |_| gb("/lineItems/li-alg1-hw1/results"), body, BATCHES).await;
        let mut all = BTreeSet::new();
        let mut kept = vec![0; ITEMS];
        for (b, (status, v)) in out.iter().enumerate() {
            assert_eq!(*status, 201, "{v}");
            let pairs = v["sourcedIdPairs"].as_array().unwrap();
            assert_eq!(pairs.len(), ITEMS);
            for (i, p) in pairs.iter().enumerate() {
                assert_eq!(p["suppliedSourcedId"], format!("dup-{i}"));
                let id = p["allocatedSourcedId"].as_str().unwrap().to_string();
                if id == format!("dup-{i}") {
                    kept[i] += 1;
                } else {
                    assert!(is_uuid_v4(&id), "{id}");
                }
                // The object under the allocated id is this batch's item.
                let got = fetch(&app, &token, &gb(&format!("/results/{id}")), "result").await;
                assert_eq!(got["comment"], format!("batch {b} item {i}"), "{id}");
                assert!(all.insert(id));
            }
        }
        assert_eq!(all.len(), BATCHES * ITEMS);
        // Each supplied id went to exactly one batch.
        assert_eq!(kept, vec![1; ITEMS]);
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-alg1-4/lineItems/li-alg1-hw1/results"), "results").await.len(), 6 + BATCHES * ITEMS);
    }
);

both!(
    async fn concurrent_writes_of_different_objects_all_land(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let out = concurrently(&app, &token, "PUT", |i| gb(&format!("/lineItems/li-par-{i:02}")),
            |i| json!({"lineItem": line_item("cls-pine-bio-5", "sch-pine", &format!("Parallel {i}"))}), 16).await;
        assert!(out.iter().all(|(s, _)| *s == 201), "{out:?}");
        let expected: Vec<String> = (0..16).map(|i| format!("li-par-{i:02}")).collect();
        assert_eq!(ids(&app, &token, &gb("/classes/cls-pine-bio-5/lineItems"), "lineItems").await, expected);
        // Deletes racing with each other: one 204, the rest 404, never a 5xx.
        let out = concurrently(&app, &token, "DELETE", |_| gb("/lineItems/li-par-00"), |_| Value::Null, 8).await;
        let mut statuses: Vec<u16> = out.iter().map(|(s, _)| *s).collect();
        statuses.sort();
        assert_eq!(statuses, [204, 404, 404, 404, 404, 404, 404, 404]);
    }
);

both!(
    async fn a_delete_racing_with_writes_that_refer_to_it_leaves_no_orphan(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        for round in 0..4 {
            let li = format!("li-race-{round}");
            let cat = format!("cat-race-{round}");
            put_ok(&app, &token, &gb(&format!("/categories/{cat}")), json!({"category": category("Race")})).await;
            put_ok(&app, &token, &gb(&format!("/lineItems/{li}")), json!({"lineItem": line_item("cls-pine-bio-5", "sch-pine", "Race")})).await;
            // One DELETE of the line item among PUTs of results for it, and one DELETE of the
            // category among PUTs of line items using it.
            let paths = |i: usize| match i {
                0 => gb(&format!("/lineItems/{li}")),
                1 => gb(&format!("/categories/{cat}")),
                i if i % 2 == 0 => gb(&format!("/results/res-race-{round}-{i}")),
                i => gb(&format!("/lineItems/li-race-{round}-{i}")),
            };
            let mut tasks = Vec::new();
            for i in 0..12 {
                let (method, body) = match i {
                    0 | 1 => ("DELETE", Value::Null),
                    i if i % 2 == 0 => ("PUT", json!({"result": result(&li, "stu-014", i as f64)})),
                    _ => ("PUT", json!({"lineItem": with(line_item("cls-pine-bio-5", "sch-pine", "R"), "category", r(&cat))})),
                };
                let req = Request::builder()
                    .method(method)
                    .uri(paths(i))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap();
                let router = app.router.clone();
                tasks.push(tokio::spawn(async move {
                    let res = router.oneshot(req).await.unwrap();
                    (res.status().as_u16(), res.into_body().collect().await.unwrap().to_bytes())
                }));
            }
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            assert_eq!(out[0].0, 204, "{:?}", out[0].1);
            for (i, (status, body)) in out.iter().enumerate().skip(2) {
                assert!(*status == 201 || *status == 422, "{i}: {status} {body:?}");
            }
            // No active result of the deleted line item.
            let q = format!("{}?{}", gb("/results"), filter(&format!("lineItem.sourcedId='{li}'")));
            assert!(ids(&app, &token, &q, "results").await.is_empty(), "round {round}: results survived their line item");
            // The category is either deleted with no line item left using it, or kept because
            // one does (409).
            let q = format!("{}?{}", gb("/lineItems"), filter(&format!("category.sourcedId='{cat}'")));
            let users = ids(&app, &token, &q, "lineItems").await;
            match out[1].0 {
                204 => assert!(users.is_empty(), "round {round}: {users:?} use a deleted category"),
                409 => assert!(!users.is_empty()),
                s => panic!("delete of the category: {s} {:?}", out[1].1),
            }
        }
    }
);

// ---- scopes --------------------------------------------------------------------------------

/// The operations each scope grants, as the standard lists them.
fn grants(scope: Scope) -> Vec<&'static str> {
    const CORE: [&str; 8] = [
        "getAllCategories",
        "getCategory",
        "getAllLineItems",
        "getLineItem",
        "getAllResults",
        "getResult",
        "getAllScoreScales",
        "getScoreScale",
    ];
    match scope {
        Scope::GradebookCoreReadonly => CORE.to_vec(),
        Scope::GradebookReadonly => {
            let mut v = CORE.to_vec();
            v.extend([
                "getCategoriesForClass",
                "getLineItemsForClass",
                "getResultsForLineItemForClass",
                "getResultsForClass",
                "getScoreScalesForClass",
                "getResultsForStudentForClass",
                "getScoreScalesForSchool",
            ]);
            v
        }
        Scope::GradebookCreateput => {
            vec!["putCategory", "putLineItem", "putResult", "putScoreScale"]
        }
        Scope::GradebookCreatepost => vec![
            "postLineItemsForClass",
            "postLineItemsForSchool",
            "postResultsForLineItem",
            "postResultsForAcademicSessionForClass",
        ],
        Scope::GradebookDelete => vec![
            "deleteCategory",
            "deleteLineItem",
            "deleteResult",
            "deleteScoreScale",
        ],
        Scope::AssessmentReadonly => vec![
            "getAllAssessmentLineItems",
            "getAssessmentLineItem",
            "getAllAssessmentResults",
            "getAssessmentResult",
        ],
        Scope::AssessmentCreateput => vec!["putAssessmentLineItem", "putAssessmentResult"],
        Scope::AssessmentDelete => vec!["deleteAssessmentLineItem", "deleteAssessmentResult"],
        Scope::ResourceCoreReadonly => vec!["getAllResources", "getResource"],
        Scope::ResourceReadonly => vec![
            "getAllResources",
            "getResource",
            "getResourcesForClass",
            "getResourcesForCourse",
            "getResourcesForUser",
        ],
        _ => vec![],
    }
}

/// A real request for an operation: path parameters filled with demo ids, a valid body for
/// writes, each write aimed at its own object.
fn request_for(op: &oneroster::api::Operation, n: usize) -> (String, Option<Value>) {
    use oneroster::api::Method;
    let single = match op.id {
        "getCategory" => "cat-homework",
        "getLineItem" => "li-bio2-hw1",
        "getResult" => "res-li-bio2-hw1-stu-013",
        "getScoreScale" => "ss-letter-bio",
        "getAssessmentLineItem" => "ali-state-math",
        "getAssessmentResult" => "ar-state-math-stu-013",
        "getResource" => "res-math-text",
        "deleteCategory" => "mx-cat",
        "deleteLineItem" => "mx-li",
        "deleteResult" => "mx-res",
        "deleteScoreScale" => "mx-ss",
        "deleteAssessmentLineItem" => "mx-ali",
        "deleteAssessmentResult" => "mx-ar",
        _ => "",
    };
    let put_id = format!("mx-put-{n}");
    let path = op
        .full_path()
        .replace("{classSourcedId}", "cls-pine-bio-2")
        .replace("{lineItemSourcedId}", "li-bio2-test1")
        .replace("{studentSourcedId}", "stu-013")
        .replace("{schoolSourcedId}", "sch-pine")
        .replace("{academicSessionSourcedId}", "term-fall-2024")
        .replace("{courseSourcedId}", "crs-elm-math3")
        .replace("{userSourcedId}", "stu-001")
        .replace(
            "{sourcedId}",
            if op.method == Method::Put {
                put_id.as_str()
            } else {
                single
            },
        );
    let post_id = json!(format!("mx-post-{n}"));
    let body = match op.id {
        "putCategory" => Some(json!({"category": category("M")})),
        "putLineItem" => Some(json!({"lineItem": line_item("cls-pine-bio-2", "sch-pine", "M")})),
        "putResult" => Some(json!({"result": result("li-bio2-test1", "stu-013", 1.0)})),
        "putScoreScale" => Some(json!({"scoreScale": score_scale("cls-pine-bio-2")})),
        "putAssessmentLineItem" => Some(json!({"assessmentLineItem": assessment_line_item("M")})),
        "putAssessmentResult" => {
            Some(json!({"assessmentResult": assessment_result("ali-state-math", "stu-013")}))
        }
        "postLineItemsForClass" | "postLineItemsForSchool" => Some(
            json!({"lineItems": [with(line_item("cls-pine-bio-2", "sch-pine", "M"), "sourcedId", post_id)]}),
        ),
        "postResultsForLineItem" | "postResultsForAcademicSessionForClass" => Some(
            json!({"results": [with(result("li-bio2-test1", "stu-013", 1.0), "sourcedId", post_id)]}),
        ),
        _ => None,
    };
    (path, body)
}

both!(
    async fn every_operation_requires_exactly_its_scopes(app) {
        use oneroster::api::{Method, OPERATIONS};
        use oneroster::model::Service;
        app.load_demo().await;
        let admin = app.token_all().await;
        // Objects for the deletes to remove.
        put_ok(&app, &admin, &gb("/categories/mx-cat"), json!({"category": category("M")})).await;
        put_ok(&app, &admin, &gb("/scoreScales/mx-ss"), json!({"scoreScale": score_scale("cls-pine-bio-2")})).await;
        put_ok(&app, &admin, &gb("/lineItems/mx-li"), json!({"lineItem": line_item("cls-pine-bio-2", "sch-pine", "M")})).await;
        put_ok(&app, &admin, &gb("/results/mx-res"), json!({"result": result("li-bio2-test1", "stu-013", 1.0)})).await;
        put_ok(&app, &admin, &gb("/assessmentLineItems/mx-ali"), json!({"assessmentLineItem": assessment_line_item("M")})).await;
        put_ok(&app, &admin, &gb("/assessmentResults/mx-ar"), json!({"assessmentResult": assessment_result("ali-state-math", "stu-013")})).await;

        let ops: Vec<&oneroster::api::Operation> = OPERATIONS
            .iter()
            .filter(|o| matches!(o.service, Service::Gradebook | Service::Resources))
            .collect();
        assert_eq!(ops.len(), 40);
        // Every operation is granted by some scope, and the lists name only real operations.
        let mut granted_somewhere = BTreeSet::new();
        for scope in Scope::ALL {
            for id in grants(scope) {
                assert!(ops.iter().any(|o| o.id == id), "{id}");
                granted_somewhere.insert(id);
            }
        }
        assert_eq!(granted_somewhere.len(), 40);

        let mut n = 0;
        for scope in Scope::ALL.into_iter().chain([Scope::Admin]) {
            let token = app.token(&[scope]).await;
            let allowed = grants(scope);
            for op in &ops {
                n += 1;
                let (path, body) = request_for(op, n);
                let res = app.call(op.method.as_str(), &path, Some(&token), body).await;
                if allowed.contains(&op.id) {
                    let want = match op.method {
                        Method::Get => 200,
                        Method::Put | Method::Post => 201,
                        Method::Delete => 204,
                    };
                    assert_eq!(res.status, want, "{} with {}: {}", op.id, scope.short(), res.text());
                } else {
                    res.assert_error(403, "forbidden");
                    assert!(res.description().contains("requires one of"), "{}", res.description());
                }
            }
        }
        // The scope is checked before the path's parents: no answer tells the unauthorised
        // what exists.
        let reader = app.token(&[Scope::GradebookReadonly]).await;
        for (method, path) in [
            ("POST", "/classes/nope/lineItems"),
            ("POST", "/lineItems/nope/results"),
            ("PUT", "/lineItems/nope"),
            ("DELETE", "/lineItems/nope"),
        ] {
            app.call(method, &gb(path), Some(&reader), Some(json!({})))
                .await
                .assert_error(403, "forbidden");
        }
        app.get(&gb("/assessmentLineItems/nope"), &reader).await.assert_error(403, "forbidden");
        // Without a token: 401 everywhere.
        for op in &ops {
            let (path, body) = request_for(op, 0);
            app.call(op.method.as_str(), &path, None, body)
                .await
                .assert_error(401, "unauthorisedrequest");
        }
    }
);

both!(
    /// Concurrent writers (many more than the pool has connections) all succeed: on SQLite
    /// they queue for the single write lock in arrival order instead of failing with
    /// "database is locked".
    async fn concurrent_result_writes_all_succeed(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let mut tasks = Vec::new();
        for i in 0..48 {
            let app = app.router.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let student = BIO2_STUDENTS[i % 3];
                let body = json!({"result": result("li-bio2-hw1", student, i as f64)});
                // Each result is written twice: a creation, then a replacement.
                let mut statuses = Vec::new();
                for _ in 0..2 {
                    let req = Request::put(gb(&format!("/results/res-conc-{i}")))
                        .header("authorization", format!("Bearer {token}"))
                        .header("content-type", "application/json")
                        .body(Body::from(body.to_string()))
                        .unwrap();
                    let res = app.clone().oneshot(req).await.unwrap();
                    statuses.push(res.status().as_u16());
                }
                statuses
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), vec![201, 201], "result {i}");
        }
        let listed = app
            .get(&format!("{}&limit=100", gb(&format!("/results?{}", filter("sourcedId~'res-conc-'")))), &token)
            .await;
        assert_eq!(listed.assert_status(200).total(), 48);
    }
);

/// A raw PostgreSQL connection to the test's database, for driving a concurrent writer.
async fn raw_pg(app: &TestApp) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&app.url)
        .await
        .expect("raw connection")
}

async fn raw_exec(conn: &mut sqlx::PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
        .expect(sql);
}

/// Waits until a session of the test's database waits for a row lock (the server's request
/// queued behind the raw transaction); panics if none does within 20 s, which means the
/// request did not wait for the row the raw transaction holds.
async fn until_a_session_waits_for_a_lock(app: &TestApp) {
    let mut watcher = raw_pg(app).await;
    for _ in 0..400 {
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no request waited for the row the concurrent transaction holds");
}

// A result written while its line item is being moved to another class (the move's row
// lock held, not yet committed) waits for the move and is compared with the class the move
// commits, not the one its statement's snapshot saw: naming the old class is refused, the new
// one accepted. PostgreSQL only: SQLite has one writer at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_written_during_its_line_items_move_is_compared_with_the_new_class() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    app.load_demo().await;
    let token = app.token_all().await;
    let res = json!({"result": with(result("li-bio2-test1", "stu-013", 70.0), "class", r("cls-pine-bio-2"))});
    // The line item is in cls-pine-bio-2: moved away meanwhile, the result naming
    // cls-pine-bio-2 is refused; moved back meanwhile, the same result is accepted (its
    // statement's snapshot saw the line item elsewhere both times).
    for (to, expect_ok) in [("cls-pine-alg1-4", false), ("cls-pine-bio-2", true)] {
        let mut mover = raw_pg(&app).await;
        raw_exec(&mut mover, "BEGIN").await;
        raw_exec(
            &mut mover,
            &format!("UPDATE line_items SET class_id = '{to}' WHERE sourced_id = 'li-bio2-test1'"),
        )
        .await;
        let path = gb("/results/res-race");
        let put = app.put(&path, &token, res.clone());
        let commit = async {
            until_a_session_waits_for_a_lock(&app).await;
            raw_exec(&mut mover, "COMMIT").await;
        };
        let (got, ()) = tokio::join!(put, commit);
        if expect_ok {
            assert_eq!(got.status, 201, "{}", got.text());
            let stored = fetch(&app, &token, &gb("/results/res-race"), "result").await;
            assert_eq!(stored["class"]["sourcedId"], "cls-pine-bio-2", "{stored}");
        } else {
            assert_invalid(
                &got,
                &[
                    "result.class is 'cls-pine-bio-2' but lineItem 'li-bio2-test1' has class 'cls-pine-alg1-4'",
                ],
            );
        }
    }
}

// A result committed while a line item's move waits for the result's lock on the line item
// is carried along by the move: the carrying statement runs after the move has its row lock,
// so it sees the result (a statement begun before the wait would not). PostgreSQL only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_committed_while_its_line_item_moves_is_carried_along() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    app.load_demo().await;
    let token = app.token_all().await;
    let mut li = fetch(&app, &token, &gb("/lineItems/li-bio2-test1"), "lineItem").await;
    assert_eq!(li["class"]["sourcedId"], "cls-pine-bio-2");
    li["class"] = r("cls-pine-alg1-4");
    // A result write in flight: it holds its line item FOR SHARE (as the server's own result
    // writes do) and has inserted the result, naming the class the line item has now.
    let mut writer = raw_pg(&app).await;
    raw_exec(&mut writer, "BEGIN").await;
    raw_exec(
        &mut writer,
        "SELECT 1 FROM line_items WHERE sourced_id = 'li-bio2-test1' FOR SHARE; \
         INSERT INTO results (sourced_id, status, date_last_modified, line_item_id, student_id, \
         class_id, score_status, score) VALUES ('res-race', 'active', 1, 'li-bio2-test1', \
         'stu-013', 'cls-pine-bio-2', 'fully graded', 70)",
    )
    .await;
    let path = gb("/lineItems/li-bio2-test1");
    let moved = app.put(&path, &token, json!({"lineItem": li}));
    let commit = async {
        until_a_session_waits_for_a_lock(&app).await;
        raw_exec(&mut writer, "COMMIT").await;
    };
    let (got, ()) = tokio::join!(moved, commit);
    assert_eq!(got.status, 201, "{}", got.text());
    let carried = fetch(&app, &token, &gb("/results/res-race"), "result").await;
    assert_eq!(
        carried["class"]["sourcedId"], "cls-pine-alg1-4",
        "{carried}"
    );
    assert!(
        parse_datetime(carried["dateLastModified"].as_str().unwrap()).unwrap() > 1,
        "{carried}"
    );
}

/// A SQLite writer that cannot get its turn within the pool timeout is told the database is
/// busy (503, retry), not an internal error; once the turn is free, writing works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_waiting_too_long_is_told_busy_on_sqlite() {
    use oneroster::error::ApiError;
    use oneroster::store::{Store, StoreOptions};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&StoreOptions {
        url: format!("sqlite:{}", dir.path().join("busy.db").display()),
        pool_size: 4,
        acquire_timeout: std::time::Duration::from_millis(300),
        statement_timeout: std::time::Duration::from_secs(60),
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let holder = store.begin().await.unwrap();
    let started = std::time::Instant::now();
    let err = store
        .begin()
        .await
        .err()
        .expect("a second writer must wait");
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    let api = ApiError::from(err);
    assert_eq!(api.status.as_u16(), 503, "{api:?}");
    drop(holder);
    let mut tx = store.begin().await.expect("the turn is free again");
    tx.execute(&oneroster::store::Sql::new("SELECT 1"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

// A result's class is a copy of its line item's class: moving the line item to another
// class carries its results along (their dateLastModified too, for delta syncs), in both of
// the PUT's write paths; results of other line items stay as they were.
both!(
    async fn results_follow_their_line_item_to_another_class(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let res = |li: &str, stu: &str| with(result(li, stu, 70.0), "class", r("cls-pine-bio-2"));
        put_ok(&app, &token, &gb("/results/res-follow-1"), json!({"result": res("li-bio2-test1", "stu-013")})).await;
        put_ok(&app, &token, &gb("/results/res-follow-2"), json!({"result": res("li-bio2-test1", "stu-015")})).await;
        put_ok(&app, &token, &gb("/results/res-stay"), json!({"result": res("li-bio2-hw1", "stu-017")})).await;
        let stay = fetch(&app, &token, &gb("/results/res-stay"), "result").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let since = now_ms();
        let mut li = fetch(&app, &token, &gb("/lineItems/li-bio2-test1"), "lineItem").await;
        assert_eq!(li["class"]["sourcedId"], "cls-pine-bio-2");
        li["class"] = r("cls-pine-alg1-4");
        put_ok(&app, &token, &gb("/lineItems/li-bio2-test1"), json!({"lineItem": li})).await;
        for id in ["res-follow-1", "res-follow-2"] {
            let got = fetch(&app, &token, &gb(&format!("/results/{id}")), "result").await;
            assert_eq!(got["class"]["sourcedId"], "cls-pine-alg1-4", "{got}");
            let dlm = parse_datetime(got["dateLastModified"].as_str().unwrap()).unwrap();
            assert!(dlm >= since, "{got}");
        }
        assert_eq!(fetch(&app, &token, &gb("/results/res-stay"), "result").await, stay);
        let moved = ids(&app, &token, &gb("/classes/cls-pine-alg1-4/results"), "results").await;
        assert!(moved.contains(&"res-follow-1".to_string()), "{moved:?}");
        let left = ids(&app, &token, &gb("/classes/cls-pine-bio-2/results"), "results").await;
        assert!(!left.contains(&"res-follow-1".to_string()) && left.contains(&"res-stay".to_string()), "{left:?}");
        // The agreement holds again: a result of the moved line item may name its new class,
        // and no longer its old one.
        put_ok(&app, &token, &gb("/results/res-follow-1"),
            json!({"result": with(result("li-bio2-test1", "stu-013", 75.0), "class", r("cls-pine-alg1-4"))})).await;
        let refused = app.put(&gb("/results/res-follow-1"), &token, json!({"result": res("li-bio2-test1", "stu-013")})).await;
        assert_invalid(&refused, &["result.class is 'cls-pine-bio-2' but lineItem 'li-bio2-test1' has class 'cls-pine-alg1-4'"]);
    }
);
