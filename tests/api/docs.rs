//! OpenAPI documents: generated from the code, committed, served for discovery.

use serde_json::Value;

use crate::common::*;

fn official(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn committed_documents_match_the_code() {
    for (name, doc) in oneroster::openapi::all_documents("http://127.0.0.1:8080") {
        let path = format!("{}/openapi/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == oneroster::openapi::to_json(&doc),
            "openapi/{name}.json is out of date: run `cargo run -- openapi --out openapi`"
        );
    }
}

#[test]
fn committed_operations_table_matches_the_code() {
    let path = format!("{}/openapi/operations.md", env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == oneroster::openapi::operations_markdown(),
        "openapi/operations.md is out of date: run `cargo run -- openapi --out openapi`"
    );
    for op in oneroster::api::OPERATIONS {
        assert!(committed.contains(&format!("`{}`", op.id)), "{}", op.id);
    }
}

/// Our entity schemas have the official property names, types and required lists.
#[test]
fn schemas_agree_with_the_official_files() {
    for (service, file) in [
        (
            "rostering",
            "onerosterv1p2rostersservice_openapi3_v1p0.json",
        ),
        (
            "gradebook",
            "onerosterv1p2gradebookservice_openapi3_v1p0.json",
        ),
        (
            "resources",
            "onerosterv1p2resourcesservice_openapi3_v1p0.json",
        ),
    ] {
        let theirs = official(file);
        let ours = serde_json::to_value(
            oneroster::openapi::all_documents("http://h")
                .into_iter()
                .find(|(n, _)| *n == service)
                .unwrap()
                .1,
        )
        .unwrap();
        let ours = &ours["components"]["schemas"];
        for (name, schema) in theirs["components"]["schemas"].as_object().unwrap() {
            let Some(mine) = ours.get(name) else {
                // Envelopes of operations this server does not answer in this document.
                panic!("{service}: schema {name} is missing");
            };
            let props = |s: &Value| -> Vec<String> {
                s["properties"]
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let mut a = props(schema);
            let mut b = props(mine);
            a.sort();
            b.sort();
            assert_eq!(b, a, "{service}: properties of {name}");
            let req = |s: &Value| -> Vec<String> {
                let mut v: Vec<String> = s["required"]
                    .as_array()
                    .map(|r| r.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                v.sort();
                v
            };
            assert_eq!(req(mine), req(schema), "{service}: required of {name}");
            for (prop, p) in schema["properties"].as_object().into_iter().flatten() {
                let m = &mine["properties"][prop];
                let kind = |v: &Value| {
                    if v.get("$ref").is_some() {
                        format!(
                            "ref:{}",
                            v["$ref"].as_str().unwrap().rsplit('/').next().unwrap()
                        )
                    } else if v.get("anyOf").is_some() {
                        "anyOf".to_string()
                    } else {
                        let t = v["type"].as_str().unwrap_or("").to_string();
                        if t == "array" {
                            let items = &v["items"];
                            let inner = if items.get("$ref").is_some() {
                                items["$ref"]
                                    .as_str()
                                    .unwrap()
                                    .rsplit('/')
                                    .next()
                                    .unwrap()
                                    .to_string()
                            } else if items.get("anyOf").is_some() {
                                "anyOf".into()
                            } else {
                                items["type"].as_str().unwrap_or("").to_string()
                            };
                            format!("array:{inner}")
                        } else {
                            t
                        }
                    }
                };
                assert_eq!(kind(m), kind(p), "{service}: {name}.{prop}");
                let sorted_enum = |v: &Value| {
                    v.get("enum").and_then(Value::as_array).map(|a| {
                        let mut a: Vec<String> = a
                            .iter()
                            .map(|x| x.as_str().unwrap_or("").to_string())
                            .collect();
                        a.sort();
                        a
                    })
                };
                assert_eq!(
                    sorted_enum(m),
                    sorted_enum(p),
                    "{service}: enum of {name}.{prop}"
                );
                assert_eq!(
                    m.get("minItems").and_then(Value::as_u64).unwrap_or(0),
                    p.get("minItems").and_then(Value::as_u64).unwrap_or(0),
                    "{service}: minItems of {name}.{prop}"
                );
            }
        }
    }
}

both!(
    async fn discovery_documents_are_served_under_both_names(app) {
        for (base, names) in [
            (ROSTERING, ["onerosterv1p2rostersservice_openapi3_v1p0.json", "imsorv1p2_rostering_openapi3_v1p0.json"]),
            (GRADEBOOK, ["onerosterv1p2gradebookservice_openapi3_v1p0.json", "imsorv1p2_gradebook_openapi3_v1p0.json"]),
            (RESOURCES, ["onerosterv1p2resourcesservice_openapi3_v1p0.json", "imsorv1p2_resources_openapi3_v1p0.json"]),
        ] {
            for name in names {
                let res = app.call("GET", &format!("{base}/discovery/{name}"), None, None).await;
                res.assert_status(200);
                let doc = res.json();
                assert_eq!(doc["servers"][0]["url"], format!("{PUBLIC_URL}{base}"));
                assert_eq!(
                    doc["components"]["securitySchemes"]["OAuth2CC"]["flows"]["clientCredentials"]["tokenUrl"],
                    format!("{PUBLIC_URL}/oauth/token")
                );
            }
        }
        let res = app.call("GET", "/docs/", None, None).await;
        res.assert_status(200);
        assert!(res.text().contains("swagger"), "{}", res.text());
        let res = app.call("GET", "/.well-known/oauth-authorization-server", None, None).await;
        assert_eq!(res.json()["token_endpoint"], format!("{PUBLIC_URL}/oauth/token"));
    }
);
