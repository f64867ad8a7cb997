//! The CSV binding: import (bulk, delta, validation, safety, all or nothing), export, round
//! trips, and the HTTP endpoint.

use std::io::Write;
use std::sync::Arc;

use oneroster::csv::{self, ImportError, ImportOptions, Input, Summary};
use serde_json::{Value, json};

use crate::common::*;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/csv/district");

/// A package under construction: file name → content.
#[derive(Clone)]
struct Pkg {
    files: Vec<(String, String)>,
}

/// A manifest giving each listed file its mode (the others absent).
fn manifest(modes: &[(&str, &str)]) -> String {
    let mut s = String::from("propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n");
    for (file, mode) in modes {
        s.push_str(&format!("file.{file},{mode}\n"));
    }
    s
}

impl Pkg {
    /// The fixture district: all 21 files, bulk.
    fn fixture() -> Pkg {
        let mut files: Vec<(String, String)> = std::fs::read_dir(FIXTURE)
            .expect("fixture")
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        Pkg { files }
    }

    /// The fixture's files `names`, each in `mode`, with a matching manifest.
    fn subset(names: &[&str], mode: &str) -> Pkg {
        let all = Pkg::fixture();
        let mut files = vec![(
            "manifest.csv".to_string(),
            manifest(&names.iter().map(|n| (*n, mode)).collect::<Vec<_>>()),
        )];
        for n in names {
            files.push((format!("{n}.csv"), all.get(&format!("{n}.csv")).to_string()));
        }
        Pkg { files }
    }

    /// A package of `files` (name without .csv, content) in `mode`.
    fn of(mode: &str, files: &[(&str, &str)]) -> Pkg {
        let mut out = vec![(
            "manifest.csv".to_string(),
            manifest(&files.iter().map(|(n, _)| (*n, mode)).collect::<Vec<_>>()),
        )];
        for (n, c) in files {
            out.push((format!("{n}.csv"), c.to_string()));
        }
        Pkg { files: out }
    }

    fn get(&self, name: &str) -> &str {
        &self
            .files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    }

    fn set(mut self, name: &str, content: &str) -> Pkg {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), content.to_string()));
        self
    }

    fn without(mut self, name: &str) -> Pkg {
        self.files.retain(|(n, _)| n != name);
        self
    }

    fn zip(&self) -> Vec<u8> {
        zip_of(
            &self
                .files
                .iter()
                .map(|(n, c)| (n.as_str(), c.as_bytes()))
                .collect::<Vec<_>>(),
        )
    }
}

/// A zip holding `entries`, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

async fn import_with(
    app: &TestApp,
    pkg: &Pkg,
    opts: &ImportOptions,
) -> Result<Summary, ImportError> {
    csv::import(
        app.store(),
        Input::Zip(pkg.zip().into()),
        opts,
        Arc::default(),
    )
    .await
}

async fn import(app: &TestApp, pkg: &Pkg) -> Result<Summary, ImportError> {
    import_with(app, pkg, &ImportOptions::default()).await
}

#[track_caller]
fn ok(r: Result<Summary, ImportError>) -> Summary {
    match r {
        Ok(s) => s,
        Err(e) => panic!("import failed: {e}"),
    }
}

/// The errors of a refused import, as `file line column: message` strings.
#[track_caller]
fn refused(r: Result<Summary, ImportError>) -> Vec<String> {
    match r {
        Ok(s) => panic!("import succeeded: {s:?}"),
        Err(ImportError::Refused(errors)) => errors.list.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("import failed internally: {e}"),
    }
}

fn file<'a>(s: &'a Summary, name: &str) -> &'a csv::FileSummary {
    s.files
        .iter()
        .find(|f| f.file == name)
        .unwrap_or_else(|| panic!("no {name} in {s:?}"))
}

async fn one(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path, token).await;
    res.assert_status(200);
    res.json()
}

both!(
    async fn a_full_bulk_package_lands_in_every_rest_entity(app) {
        let summary = ok(import(&app, &Pkg::fixture()).await);
        assert_eq!(file(&summary, "users.csv").inserted, 4);
        assert_eq!(file(&summary, "roles.csv").inserted, 4, "{summary:?}");
        let token = app.token_all().await;
        let user = one(&app, &token, &format!("{ROSTERING}/users/stu-1")).await;
        let u = &user["user"];
        assert_eq!(u["preferredFirstName"], "Sam");
        assert_eq!(u["preferredLastName"], "Smithy");
        assert_eq!(u["userIds"], json!([{"type": "SIS", "identifier": "S1"}]));
        assert_eq!(u["roles"][0]["role"], "student");
        assert_eq!(u["roles"][0]["org"]["sourcedId"], "sch-1");
        assert_eq!(u["roles"][0]["userProfile"], "prof-1");
        assert_eq!(u["roles"][0]["endDate"], "2025-07-01");
        assert_eq!(u["userProfiles"][0]["profileId"], "prof-1");
        assert_eq!(u["userProfiles"][0]["credentials"][0]["username"], "sam.s");
        assert!(u["userProfiles"][0]["credentials"][0].get("password").is_none());
        assert_eq!(u["resources"][0]["sourcedId"], "res-1");
        assert_eq!(u["agents"][0]["sourcedId"], "grd-1");
        assert_eq!(u["grades"], json!(["09"]));
        let teacher = one(&app, &token, &format!("{ROSTERING}/users/tch-1")).await;
        assert_eq!(
            teacher["user"]["userIds"],
            json!([{"type": "LDAP", "identifier": "cn=ada,o=lsd"}, {"type": "SIS", "identifier": "T1"}])
        );
        assert_eq!(teacher["user"]["roles"].as_array().unwrap().len(), 2);
        // Side tables: roles and terms are filterable and drive relationships.
        let teachers = app.get(&format!("{ROSTERING}/schools/sch-1/teachers"), &token).await;
        assert_eq!(teachers.ids("users"), vec!["tch-1"]);
        let coach = app
            .get(&format!("{ROSTERING}/users?filter=roles.role%3D'ext:coach'"), &token)
            .await;
        assert_eq!(coach.ids("users"), vec!["tch-1"]);
        let by_ldap = app
            .get(&format!("{ROSTERING}/users?filter=userIds.identifier%3D'S1'"), &token)
            .await;
        assert_eq!(by_ldap.ids("users"), vec!["stu-1"]);
        let spring = app.get(&format!("{ROSTERING}/terms/t-spring/classes"), &token).await;
        assert_eq!(spring.ids("classes"), vec!["cls-alg-1"]);
        let org = one(&app, &token, &format!("{ROSTERING}/orgs/org-d")).await;
        assert_eq!(org["org"]["metadata"], json!({"state": "WA"}));
        let middle = one(&app, &token, &format!("{ROSTERING}/orgs/sch-2")).await;
        assert_eq!(middle["org"]["identifier"], "");
        assert!(middle["org"].get("metadata").is_none());
        let course = one(&app, &token, &format!("{ROSTERING}/courses/crs-bio")).await;
        assert_eq!(course["course"]["subjectCodes"], json!(["SCI", "BIO"]));
        assert_eq!(course["course"]["courseCode"], "");
        let class = one(&app, &token, &format!("{ROSTERING}/classes/cls-bio-2")).await;
        assert_eq!(class["class"]["periods"], json!(["2", "3"]));
        assert_eq!(class["class"]["resources"][0]["sourcedId"], "res-2");
        let demo = one(&app, &token, &format!("{ROSTERING}/demographics/stu-1")).await;
        assert_eq!(demo["demographics"]["publicSchoolResidenceStatus"], "01652");
        assert_eq!(demo["demographics"]["white"], "true");
        let li = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-1")).await;
        let li = &li["lineItem"];
        assert_eq!(li["assignDate"], "2024-09-01T00:00:00.000Z");
        assert_eq!(li["gradingPeriod"]["sourcedId"], "gp-1");
        assert_eq!(li["academicSession"]["sourcedId"], "t-fall");
        assert_eq!(li["scoreScale"]["sourcedId"], "ss-1");
        assert_eq!(li["resultValueMax"], json!(100.0));
        assert_eq!(
            li["learningObjectiveSet"],
            json!([
                {"source": "case", "learningObjectiveIds": [
                    "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01", "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e02"]},
                {"source": "unknown", "learningObjectiveIds": ["ALG.1"]}
            ])
        );
        let li2 = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-2")).await;
        assert_eq!(li2["lineItem"]["dueDate"], "2024-09-09T23:59:00.000Z");
        let r = one(&app, &token, &format!("{GRADEBOOK}/results/res-li1-stu1")).await;
        let r = &r["result"];
        assert_eq!(r["comment"], "Well done, Sam");
        assert_eq!(r["score"], json!(92.5));
        assert_eq!(r["scoreScale"]["sourcedId"], "ss-1");
        assert_eq!(
            r["learningObjectiveSet"],
            json!([{"source": "case", "learningObjectiveResults": [
                {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01", "score": 3, "textScore": "Proficient"},
                {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e02", "score": 2.5}]}])
        );
        let r2 = one(&app, &token, &format!("{GRADEBOOK}/results/res-li1-stu2")).await;
        assert_eq!(r2["result"]["comment"], "");
        assert!(r2["result"].get("textScore").is_none());
        let ss = one(&app, &token, &format!("{GRADEBOOK}/scoreScales/ss-1")).await;
        assert_eq!(
            ss["scoreScale"]["scoreScaleValue"][0],
            json!({"itemValueLHS": "90-100", "itemValueRHS": "A"})
        );
        let cat = one(&app, &token, &format!("{GRADEBOOK}/categories/cat-test")).await;
        assert_eq!(cat["category"]["weight"], json!(60.0));
        let res = one(&app, &token, &format!("{RESOURCES}/resources/res-1")).await;
        assert_eq!(res["resource"]["roles"], json!(["student", "teacher"]));
        let alg = one(&app, &token, &format!("{ROSTERING}/courses/crs-alg")).await;
        assert_eq!(alg["course"]["resources"][0]["sourcedId"], "res-1");
        assert_eq!(alg["course"]["schoolYear"]["sourcedId"], "sy-2025");
        let year = one(&app, &token, &format!("{ROSTERING}/academicSessions/sy-2025")).await;
        assert_eq!(
            year["academicSession"]["children"].as_array().unwrap().len(),
            2
        );
        let students = app
            .get(&format!("{ROSTERING}/classes/cls-alg-1/students"), &token)
            .await;
        assert_eq!(students.ids("users"), vec!["stu-1", "stu-2"]);
        let e = one(&app, &token, &format!("{ROSTERING}/enrollments/e-2")).await;
        assert_eq!(e["enrollment"]["primary"], "false");
        assert_eq!(e["enrollment"]["endDate"], "2025-07-01");
    }
);

/// Exports the store: bulk, or delta after `since` (epoch ms).
async fn export(app: &TestApp, since: Option<i64>) -> (Vec<u8>, csv::export::ExportSummary) {
    let (out, summary) = csv::export::export(app.store(), std::io::Cursor::new(Vec::new()), since)
        .await
        .expect("export");
    (out.into_inner(), summary)
}

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        files.push((f.name().unwrap().to_string(), s));
    }
    files
}

async fn import_bytes(app: &TestApp, bytes: Vec<u8>) -> Result<Summary, ImportError> {
    csv::import(
        app.store(),
        Input::Zip(bytes.into()),
        &ImportOptions::default(),
        Arc::default(),
    )
    .await
}

/// Every collection the CSV binding carries, with tombstones (a `dateLastModified` filter
/// includes them), `dateLastModified` removed from every object.
async fn everything(app: &TestApp, token: &str) -> Vec<(String, Value)> {
    let mut all = snapshot(app, token).await;
    for (coll, v) in &mut all {
        for item in v[coll.as_str()].as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("dateLastModified");
        }
    }
    all
}

/// Every collection the CSV binding carries, tombstones included, exactly as served.
async fn snapshot(app: &TestApp, token: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (base, coll) in [
        (ROSTERING, "orgs"),
        (ROSTERING, "academicSessions"),
        (ROSTERING, "courses"),
        (ROSTERING, "classes"),
        (ROSTERING, "users"),
        (ROSTERING, "enrollments"),
        (ROSTERING, "demographics"),
        (GRADEBOOK, "categories"),
        (GRADEBOOK, "scoreScales"),
        (GRADEBOOK, "lineItems"),
        (GRADEBOOK, "results"),
        (RESOURCES, "resources"),
    ] {
        let res = app
            .get(
                &format!("{base}/{coll}?limit=10000&filter=dateLastModified%3E'1970-01-01'"),
                token,
            )
            .await;
        res.assert_status(200);
        out.push((coll.to_string(), res.json()));
    }
    out
}

#[track_caller]
fn assert_same(a: &[(String, Value)], b: &[(String, Value)]) {
    for ((name, x), (_, y)) in a.iter().zip(b) {
        let (xs, ys) = (x[name].as_array().unwrap(), y[name].as_array().unwrap());
        assert_eq!(xs.len(), ys.len(), "{name}: counts differ");
        for (p, q) in xs.iter().zip(ys) {
            assert_eq!(p, q, "{name} differ");
        }
    }
}

async fn with_passwords(backend: Backend) -> TestApp {
    TestApp::start_with(backend, |s| s.expose_passwords = true)
        .await
        .expect("app")
}

both!(
    async fn the_demo_district_survives_export_and_import_exactly(app) {
        let source = with_passwords(app.backend).await;
        source.load_demo().await;
        let token = source.token_all().await;
        // Numbers written through REST travel digit for digit (learning objective scores are
        // kept as sent).
        let precise: Value = serde_json::from_str(
            r#"{"result": {"lineItem": {"sourcedId": "li-bio2-hw1"}, "student": {"sourcedId": "stu-013"},
                "scoreStatus": "fully graded", "scoreDate": "2024-09-15", "learningObjectiveSet": [{"source": "case",
                "learningObjectiveResults": [{"learningObjectiveId": "LO.1", "score": 0.1000000000000000055511151231257827},
                {"learningObjectiveId": "LO.2", "score": 3.50}]}]}}"#,
        )
        .unwrap();
        source.put(&format!("{GRADEBOOK}/results/res-precise"), &token, precise).await.assert_status(201);
        // A long repetitive value deflates a thousand times: the export still imports (it
        // was once refused as a zip bomb).
        let long = json!({"category": {"title": "x".repeat(3 << 20)}});
        source.put(&format!("{GRADEBOOK}/categories/cat-long"), &token, long).await.assert_status(201);
        let before = everything(&source, &token).await;
        // A delta of everything carries tombstones too.
        let (bytes, summary) = export(&source, Some(0)).await;
        assert_eq!(summary.files.len(), 21, "{summary:?}");
        let target = with_passwords(app.backend).await;
        let imported = ok(import_bytes(&target, bytes).await);
        assert!(imported.rows > 100);
        let token2 = target.token_all().await;
        let after = everything(&target, &token2).await;
        assert_same(&before, &after);
        // The bulk export (active records only) re-imports to the same active records.
        let (bulk, _) = export(&source, None).await;
        let third = with_passwords(app.backend).await;
        ok(import_bytes(&third, bulk).await);
        let token3 = third.token_all().await;
        for coll in ["users", "classes", "enrollments", "lineItems", "results"] {
            let base = if ["lineItems", "results"].contains(&coll) { GRADEBOOK } else { ROSTERING };
            let path = format!("{base}/{coll}?limit=10000");
            let mut x = source.get(&path, &token).await.json();
            let mut y = third.get(&path, &token3).await.json();
            for v in [&mut x, &mut y] {
                for item in v[coll].as_array_mut().unwrap() {
                    item.as_object_mut().unwrap().remove("dateLastModified");
                }
            }
            assert_eq!(x, y, "{coll}");
        }
    }
);

both!(
    async fn an_imported_package_exports_back_to_the_same_rows(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let (bytes, summary) = export(&app, None).await;
        assert_eq!(summary.files.len(), 21);
        let files = unzip(&bytes);
        let get = |n: &str| files.iter().find(|(f, _)| f == n).map(|(_, c)| c.clone()).unwrap();
        let manifest = get("manifest.csv");
        assert!(manifest.starts_with("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n"));
        assert_eq!(manifest.matches("file.").count(), 21);
        // Link rows keep the sourcedIds they were imported with.
        let roles = get("roles.csv");
        assert!(roles.contains("r-stu-1,,,stu-1,primary,student,2024-08-01,2025-07-01,sch-1,prof-1\r\n"), "{roles}");
        let users = get("users.csv");
        assert!(users.contains("\"{LDAP:cn=ada,o=lsd},{SIS:T1}\""), "{users}");
        let li = get("lineItems.csv");
        assert!(li.ends_with(",sch-1,gp-1\r\nli-2,,,Homework 1,,2024-09-02T08:30:00.000Z,2024-09-09T23:59:00.000Z,cls-alg-1,cat-hw,t-fall,,,sch-1,\r\n"), "{li}");
        let results = get("results.csv");
        assert!(results.contains(",2024-09-10,\"\",,cls-alg-1,,,true,\r\n"), "{results}");
        let target = TestApp::start(app.backend).await.unwrap();
        ok(import_bytes(&target, bytes).await);
        let (t1, t2) = (app.token_all().await, target.token_all().await);
        assert_same(&everything(&app, &t1).await, &everything(&target, &t2).await);
    }
);

/// The ids of `coll` changed after `since` (a `dateLastModified` filter, as delta consumers
/// use), tombstones included.
async fn changed_since(
    app: &TestApp,
    token: &str,
    base: &str,
    coll: &str,
    since: &str,
) -> Vec<String> {
    let res = app
        .get(
            &format!("{base}/{coll}?limit=10000&filter=dateLastModified%3E'{since}'"),
            token,
        )
        .await;
    res.assert_status(200);
    res.ids(coll)
}

/// Lets the clock move on, so that the next write gets a later `dateLastModified`.
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
}

both!(
    async fn reimporting_the_same_bulk_changes_nothing(app) {
        let first = ok(import(&app, &Pkg::fixture()).await);
        tick().await;
        let again = ok(import(&app, &Pkg::fixture()).await);
        for f in &again.files {
            assert_eq!(
                (f.inserted, f.updated, f.tombstoned),
                (0, 0, 0),
                "{f:?}"
            );
            assert!(f.unchanged > 0, "{f:?}");
        }
        let token = app.token_all().await;
        for (base, coll) in [
            (ROSTERING, "users"),
            (ROSTERING, "orgs"),
            (ROSTERING, "classes"),
            (ROSTERING, "enrollments"),
            (GRADEBOOK, "lineItems"),
            (GRADEBOOK, "results"),
            (RESOURCES, "resources"),
        ] {
            assert!(
                changed_since(&app, &token, base, coll, &first.date_last_modified).await.is_empty(),
                "{coll} changed"
            );
        }
        // The same holds after a round trip through an export.
        let (bytes, _) = export(&app, None).await;
        tick().await;
        let third = ok(import_bytes(&app, bytes).await);
        for f in &third.files {
            assert_eq!((f.inserted, f.updated, f.tombstoned), (0, 0, 0), "{f:?}");
        }
        assert!(changed_since(&app, &token, ROSTERING, "users", &first.date_last_modified).await.is_empty());
        // Or with every file's rows in the reverse order: a list's elements in another order
        // are the same list (roles, resources, learning objectives keep their stored order).
        let li_before = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-1")).await;
        let mut reversed = Pkg::fixture();
        for (name, content) in reversed.files.iter_mut().filter(|(n, _)| n != "manifest.csv") {
            let mut lines: Vec<&str> = content.lines().collect();
            lines[1..].reverse();
            if name == "roles.csv" || name == "lineItemLearningObjectiveIds.csv" {
                assert!(lines.len() > 3, "{name} has elements to reorder");
            }
            *content = lines.join("\n") + "\n";
        }
        tick().await;
        let fourth = ok(import(&app, &reversed).await);
        for f in &fourth.files {
            assert_eq!((f.inserted, f.updated, f.tombstoned), (0, 0, 0), "{f:?}");
        }
        for (base, coll) in [(ROSTERING, "users"), (ROSTERING, "classes"), (GRADEBOOK, "lineItems"), (GRADEBOOK, "results")] {
            assert!(
                changed_since(&app, &token, base, coll, &first.date_last_modified).await.is_empty(),
                "{coll} changed"
            );
        }
        assert_eq!(one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-1")).await, li_before);
    }
);

both!(
    async fn bulk_replaces_the_set_and_tombstones_what_is_missing(app) {
        let first = ok(import(&app, &Pkg::fixture()).await);
        tick().await;
        let pkg = Pkg::of(
            "bulk",
            &[
                (
                    "orgs",
                    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
                     org-d,,,Lakeside District,district,LSD-1,\n\
                     sch-1,,,Lakeside High School,school,NCES-1,org-d\n",
                ),
                (
                    "roles",
                    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n\
                     r-tch-1,,,tch-1,primary,teacher,2024-08-01,,sch-1,prof-2\n\
                     r-stu-1,,,stu-1,primary,student,2024-08-01,2025-07-01,sch-1,prof-1\n\
                     r-stu-2,,,stu-2,primary,student,,,sch-1,\n\
                     r-grd-1,,,grd-1,primary,guardian,,,sch-1,\n",
                ),
            ],
        );
        let s = ok(import(&app, &pkg).await);
        let orgs = file(&s, "orgs.csv");
        // org-d kept (its metadata column is gone from the file, so it changed), sch-1 renamed,
        // sch-2 tombstoned.
        assert_eq!((orgs.inserted, orgs.updated, orgs.unchanged, orgs.tombstoned), (0, 2, 0, 1));
        let roles = file(&s, "roles.csv");
        assert_eq!((roles.updated, roles.unchanged), (1, 3), "{roles:?}");
        let token = app.token_all().await;
        app.get(&format!("{ROSTERING}/orgs/sch-2"), &token).await.assert_status(404);
        let deleted = app
            .get(&format!("{ROSTERING}/orgs?filter=status%3D'tobedeleted'"), &token)
            .await;
        assert_eq!(deleted.ids("orgs"), vec!["sch-2"]);
        let mut changed = changed_since(&app, &token, ROSTERING, "orgs", &first.date_last_modified).await;
        changed.sort();
        assert_eq!(changed, vec!["org-d", "sch-1", "sch-2"]);
        // Only the teacher who lost a role changed among users.
        assert_eq!(
            changed_since(&app, &token, ROSTERING, "users", &first.date_last_modified).await,
            vec!["tch-1"]
        );
        let tch = one(&app, &token, &format!("{ROSTERING}/users/tch-1")).await;
        assert_eq!(tch["user"]["roles"].as_array().unwrap().len(), 1);
        let coach = app
            .get(&format!("{ROSTERING}/users?filter=roles.role%3D'ext:coach'"), &token)
            .await;
        assert!(coach.ids("users").is_empty());
        // Files the manifest leaves absent are untouched.
        assert!(changed_since(&app, &token, ROSTERING, "classes", &first.date_last_modified).await.is_empty());
        // An org that comes back is revived.
        tick().await;
        let s = ok(import(&app, &Pkg::subset(&["orgs"], "bulk")).await);
        assert_eq!(file(&s, "orgs.csv").updated, 3);
        app.get(&format!("{ROSTERING}/orgs/sch-2"), &token).await.assert_status(200);
    }
);

both!(
    async fn delta_upserts_active_rows_and_tombstones_the_others(app) {
        let first = ok(import(&app, &Pkg::fixture()).await);
        tick().await;
        let pkg = Pkg::of(
            "delta",
            &[
                (
                    "users",
                    "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n\
                     stu-2,active,2025-01-05T10:00:00.000Z,true,eve.e,,Evelyn,Evans,,S-2,,,555-0100,,10,,,,,,sch-1,\n\
                     stu-3,active,2025-01-05T10:00:00.000Z,true,new.kid,,Nia,Kid,,S-3,,,,,09,,,,,,sch-1,\n\
                     stu-1,active,2025-01-05T10:00:00.000Z,true,sam.s,{SIS:S1},Samuel,Smith,J,S-1,sam@lsd.example,,,,09,secret1,M-2,Sam,,Smithy,sch-1,\n\
                     grd-1,tobedeleted,2025-01-05T10:00:00.000Z,,,,,,,,,,,,,,,,,,,\n\
                     ghost,tobedeleted,2025-01-05T10:00:00.000Z,,,,,,,,,,,,,,,,,,,\n",
                ),
                (
                    "roles",
                    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n\
                     r-stu-3,active,2025-01-05T10:00:00.000Z,stu-3,primary,student,,,sch-1,\n\
                     r-stu-2,active,2025-01-05T10:00:00.000Z,stu-2,primary,student,,,sch-2,\n\
                     r-tch-1b,tobedeleted,2025-01-05T10:00:00.000Z,,,,,,,\n\
                     r-unknown,tobedeleted,2025-01-05T10:00:00.000Z,,,,,,,\n",
                ),
                (
                    "enrollments",
                    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
                     e-5,active,2025-01-05T10:00:00.000Z,cls-bio-2,sch-1,stu-3,student,,,\n\
                     e-4,tobedeleted,2025-01-05T10:00:00.000Z,cls-bio-2,sch-1,stu-1,student,,,\n",
                ),
            ],
        );
        let s = ok(import(&app, &pkg).await);
        let users = file(&s, "users.csv");
        assert_eq!(
            (users.inserted, users.updated, users.unchanged, users.tombstoned),
            (1, 2, 1, 1),
            "{users:?}"
        );
        let token = app.token_all().await;
        let mut changed = changed_since(&app, &token, ROSTERING, "users", &first.date_last_modified).await;
        changed.sort();
        // stu-2 (name, and its role row moved to another org), stu-3 (new), grd-1 (deleted,
        // so stu-1 no longer names it as an agent), tch-1 (lost its coach role through a
        // tombstone naming only the row's sourcedId).
        assert_eq!(changed, vec!["grd-1", "stu-1", "stu-2", "stu-3", "tch-1"]);
        let stu2 = one(&app, &token, &format!("{ROSTERING}/users/stu-2")).await;
        assert_eq!(stu2["user"]["givenName"], "Evelyn");
        assert_eq!(stu2["user"]["roles"].as_array().unwrap().len(), 1);
        assert_eq!(stu2["user"]["roles"][0]["org"]["sourcedId"], "sch-2");
        let tch = one(&app, &token, &format!("{ROSTERING}/users/tch-1")).await;
        assert_eq!(tch["user"]["roles"].as_array().unwrap().len(), 1);
        app.get(&format!("{ROSTERING}/users/grd-1"), &token).await.assert_status(404);
        app.get(&format!("{ROSTERING}/users/ghost"), &token).await.assert_status(404);
        let bio = app.get(&format!("{ROSTERING}/classes/cls-bio-2/students"), &token).await;
        assert_eq!(bio.ids("users"), vec!["stu-3"]);
        let sch2 = app.get(&format!("{ROSTERING}/schools/sch-2/students"), &token).await;
        assert_eq!(sch2.ids("users"), vec!["stu-2"]);
        // Replaying the same delta changes nothing more.
        tick().await;
        let again = ok(import(&app, &pkg).await);
        for f in &again.files {
            assert_eq!((f.inserted, f.updated, f.tombstoned), (0, 0, 0), "{f:?}");
        }
        // A delta export tells consumers about the link rows that went away.
        let since = oneroster::model::datetime::parse_datetime(&first.date_last_modified).unwrap();
        let (bytes, _) = export(&app, Some(since)).await;
        let files = unzip(&bytes);
        let roles = &files.iter().find(|(n, _)| n == "roles.csv").unwrap().1;
        assert!(roles.contains("r-tch-1b,tobedeleted,"), "{roles}");
        assert!(roles.contains("r-stu-2,active,"), "{roles}");
    }
);

both!(
    async fn a_bulk_that_would_delete_most_records_is_refused_unless_allowed(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        // Enrollments: nothing refers to them, so only the guard stands in the way.
        let pkg = Pkg::of(
            "bulk",
            &[(
                "enrollments",
                "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
                 e-1,,,cls-alg-1,sch-1,tch-1,teacher,true,2024-08-01,\n",
            )],
        );
        let errors = refused(import(&app, &pkg).await);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("enrollments.csv: this bulk file would delete 3 of the 4 active enrollments (75%), more than the 50% allowed"),
            "{errors:?}"
        );
        app.get(&format!("{ROSTERING}/enrollments/e-4"), &token).await.assert_status(200);
        // A higher threshold, or an explicit permission, lets it through.
        let lenient = ImportOptions { mass_delete_threshold: 0.8, ..ImportOptions::default() };
        let s = ok(import_with(&app, &pkg, &lenient).await);
        assert_eq!(file(&s, "enrollments.csv").tombstoned, 3);
        ok(import(&app, &Pkg::subset(&["enrollments"], "bulk")).await);
        let allowed = ImportOptions { allow_mass_delete: true, ..ImportOptions::default() };
        ok(import_with(&app, &pkg, &allowed).await);
        app.get(&format!("{ROSTERING}/enrollments/e-4"), &token).await.assert_status(404);
        // Link files are guarded too: emptying everyone's resources is a mass delete.
        let pkg = Pkg::of(
            "bulk",
            &[("classResources", "sourcedId,status,dateLastModified,title,classSourcedId,resourceSourcedId\n")],
        );
        let errors = refused(import(&app, &pkg).await);
        assert!(errors[0].contains("would empty the list of 2 of the 2 classes that have resources"), "{errors:?}");
    }
);

both!(
    async fn what_a_package_deletes_may_not_stay_in_use(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let t = "2025-01-05T10:00:00.000Z";
        // A category still used by a line item the package leaves alone: refused, as REST's
        // DELETE is (409), naming the row and the user.
        let pkg = Pkg::of("delta", &[("categories", &format!("sourcedId,status,dateLastModified,title,weight\ncat-test,tobedeleted,{t},,\n"))]);
        let errors = refused(import(&app, &pkg).await);
        assert_eq!(errors, ["categories.csv line 2 column sourcedId: category 'cat-test' would be deleted while lineItem 'li-1' still refers to it (category); delete or change that lineItem in the same package, or keep the category"]);
        app.get(&format!("{GRADEBOOK}/categories/cat-test"), &token).await.assert_status(200);
        // References held in lists count too: an org in a user's roles, a term of a class.
        let org = format!("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nsch-2,tobedeleted,{t},,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("orgs", &org)])).await);
        assert_eq!(errors, ["orgs.csv line 2 column sourcedId: org 'sch-2' would be deleted while user 'tch-1' still refers to it (roles); delete or change that user in the same package, or keep the org"]);
        let term = format!("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\nt-spring,tobedeleted,{t},,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("academicSessions", &term)])).await);
        assert_errors(&errors, &["academicSessions.csv line 2 column sourcedId: academicSession 't-spring' would be deleted while class 'cls-alg-1' still refers to it (terms)"]);
        app.get(&format!("{ROSTERING}/terms/t-spring"), &token).await.assert_status(200);
        // And the lists no side table indexes: a user's agents, the resources of courses,
        // classes and users.
        let res = format!("sourcedId,status,dateLastModified,vendorResourceId,title,roles,importance,vendorId,applicationId\nres-1,tobedeleted,{t},,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("resources", &res)])).await);
        assert_eq!(errors, [
            "resources.csv line 2 column sourcedId: resource 'res-1' would be deleted while course 'crs-alg' still refers to it (resources); delete or change that course in the same package, or keep the resource",
            "resources.csv line 2 column sourcedId: resource 'res-1' would be deleted while class 'cls-alg-1' still refers to it (resources); delete or change that class in the same package, or keep the resource",
            "resources.csv line 2 column sourcedId: resource 'res-1' would be deleted while user 'stu-1' still refers to it (resources); delete or change that user in the same package, or keep the resource",
        ]);
        app.get(&format!("{RESOURCES}/resources/res-1"), &token).await.assert_status(200);
        let users_head = "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns";
        let guardian = format!("{users_head}\ngrd-1,tobedeleted,{t},,,,,,,,,,,,,,,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("users", &guardian)])).await);
        assert_eq!(errors, ["users.csv line 2 column sourcedId: user 'grd-1' would be deleted while user 'stu-1' still refers to it (agents); delete or change that user in the same package, or keep the user"]);
        app.get(&format!("{ROSTERING}/users/grd-1"), &token).await.assert_status(200);
        // A profile still named by a role: refused; with the role changed too, accepted.
        let profiles_head = "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password";
        let prof = format!("{profiles_head}\nprof-1,tobedeleted,{t},,,,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("userProfiles", &prof)])).await);
        assert_eq!(errors, ["userProfiles.csv line 2 column sourcedId: user profile 'prof-1' would be deleted while the role of user 'stu-1' in org 'sch-1' still names it; delete or change that role (roles.csv) in the same package, or keep the profile"]);
        let role = format!("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\nr-stu-1,active,{t},stu-1,primary,student,2024-08-01,2025-07-01,sch-1,\n");
        ok(import(&app, &Pkg::of("delta", &[("userProfiles", &prof), ("roles", &role)])).await);
        let stu1 = one(&app, &token, &format!("{ROSTERING}/users/stu-1")).await;
        assert!(stu1["user"]["roles"][0].get("userProfile").is_none() && stu1["user"].get("userProfiles").is_none(), "{stu1}");
        // A student with an enrollment and a result.
        let gone = format!("{users_head}\nstu-2,tobedeleted,{t},,,,,,,,,,,,,,,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("users", &gone)])).await);
        assert_errors(&errors, &[
            "users.csv line 2 column sourcedId: user 'stu-2' would be deleted while enrollment 'e-3' still refers to it (user)",
            "users.csv line 2 column sourcedId: user 'stu-2' would be deleted while result 'res-li1-stu2' still refers to it (student)",
        ]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        app.get(&format!("{ROSTERING}/users/stu-2"), &token).await.assert_status(200);
        // Deleted with what uses it: accepted, and the student's demographics go with them.
        let enr = format!("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne-3,tobedeleted,{t},,,,,,,\n");
        let res = format!("sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing\nres-li1-stu2,tobedeleted,{t},,,,,,,,,,,,\n");
        ok(import(&app, &Pkg::of("delta", &[("users", &gone), ("enrollments", &enr), ("results", &res)])).await);
        app.get(&format!("{ROSTERING}/users/stu-2"), &token).await.assert_status(404);
        app.get(&format!("{ROSTERING}/demographics/stu-2"), &token).await.assert_status(404);
        app.get(&format!("{ROSTERING}/demographics/stu-1"), &token).await.assert_status(200);
        // A deleted line item takes its results along, as REST's DELETE does.
        let li = format!("sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId\nli-1,tobedeleted,{t},,,,,,,,,,\n");
        ok(import(&app, &Pkg::of("delta", &[("lineItems", &li)])).await);
        app.get(&format!("{GRADEBOOK}/results/res-li1-stu1"), &token).await.assert_status(404);
        // Demographics belong to a user with the same sourcedId.
        let demo = format!("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\nghost,active,{t},2010-03-04,male,,,,,,,,,,,\n");
        let errors = refused(import(&app, &Pkg::of("delta", &[("demographics", &demo)])).await);
        assert_errors(&errors, &["demographics.csv line 2 column sourcedId: demographics 'ghost' belong to no user"]);
        // What is left exports into a package that imports into an empty store.
        let (bytes, _) = export(&app, None).await;
        let target = TestApp::start(app.backend).await.unwrap();
        ok(import_bytes(&target, bytes).await);
    }
);

/// Asserts that every expected error is reported (each as a substring of one error).
#[track_caller]
fn assert_errors(errors: &[String], expected: &[&str]) {
    for e in expected {
        assert!(
            errors.iter().any(|x| x.contains(e)),
            "missing error: {e}\nreported:\n{}",
            errors.join("\n")
        );
    }
}

fn replace_line(content: &str, line: usize, with: &str) -> String {
    let mut lines: Vec<&str> = content.lines().collect();
    lines[line - 1] = with;
    lines.join("\n") + "\n"
}

both!(
    async fn every_format_error_names_its_file_line_and_column_and_nothing_is_written(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let before = snapshot(&app, &token).await;
        let f = Pkg::fixture();
        let pkg = f
            .clone()
            .set("orgs.csv", &replace_line(
                &replace_line(f.get("orgs.csv"), 3, "sch-1,,,,school,NCES-1,org-d,"),
                4,
                "sch-2,,,Lakeside Middle,academy,,org-d,",
            ))
            .set("academicSessions.csv", &replace_line(
                f.get("academicSessions.csv"), 3, "t-fall,,,Fall,term,2024-13-01,2025-01-01,sy-2025,25",
            ))
            .set("courses.csv", &replace_line(
                f.get("courses.csv"), 3, "crs-bio,,,sy-2025,Biology,,09,sch-1,\"Science,Biology\",SCI",
            ))
            .set("classes.csv", &f.get("classes.csv").replacen("title", "Title", 1))
            .set("users.csv", &replace_line(
                f.get("users.csv"), 4, "stu-2,,,yes,eve.e,{SIS},Eve,Evans,,S-2,,,555-0100,,\"10,,11\",,,,,,sch-1,",
            ))
            .set("roles.csv", &replace_line(
                f.get("roles.csv"), 2, "r-tch-1,,,tch-1,tertiary,teacher,2024-08-01,,sch-1,prof-2",
            ))
            .set("enrollments.csv", &replace_line(
                f.get("enrollments.csv"), 5, "e-4,,,cls-bio-2,sch-1,stu-1",
            ))
            .set("categories.csv", &replace_line(f.get("categories.csv"), 2, "cat-hw,,,Homework,heavy"))
            .set("scoreScales.csv", &replace_line(
                f.get("scoreScales.csv"), 2, "ss-1,,,Letters,letter,sch-1,crs-alg,cls-alg-1,\"{90-100:A:B}\"",
            ))
            .set("lineItems.csv", &f.get("lineItems.csv").replace("li-2,,,", "li-2,active,yesterday,"))
            .set("results.csv", &replace_line(
                f.get("results.csv"), 3, "res-li1-stu2,,,li-1,stu-2,submitted,7\"1,2024-09-10,,,cls-alg-1,,,true,",
            ));
        let errors = refused(import(&app, &pkg).await);
        assert_errors(&errors, &[
            "orgs.csv line 3 column name: is required",
            "orgs.csv line 4 column type: 'academy' must be one of: department, district, local, national, school, state or ext:<name>",
            "academicSessions.csv line 3 column startDate: '2024-13-01' is not a date (YYYY-MM-DD)",
            "academicSessions.csv line 3 column schoolYear: '25' is not a year (YYYY)",
            "courses.csv line 3 column subjectCodes: has 1 items but subjects has 2",
            "classes.csv line 1 column title: header column 4 must be 'title', found 'Title'",
            "users.csv line 4 column enabledUser: 'yes' must be true or false",
            "users.csv line 4 column userIds: each item must look like {type:identifier}",
            "users.csv line 4 column grades: a list item is empty",
            "roles.csv line 2 column roleType: 'tertiary' must be one of: primary, secondary",
            "enrollments.csv line 5: expected 10 fields (as in the header), found 6",
            "categories.csv line 2 column weight: 'heavy' is not a number",
            "scoreScales.csv line 2 column scoreScaleValue: each item must look like {LHS:RHS}",
            "lineItems.csv line 3 column dateLastModified: 'yesterday' is not a date-time",
            "results.csv line 3 column score: a quote (\") inside an unquoted field",
        ]);
        assert_eq!(errors.len(), 15, "{}", errors.join("\n"));
        assert_same(&before, &snapshot(&app, &token).await);
    }
);

both!(
    async fn references_must_resolve_in_the_package_or_the_store(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let before = snapshot(&app, &token).await;
        let t = "2025-01-05T10:00:00.000Z";
        let pkg = Pkg::of(
            "delta",
            &[
                (
                    "classes",
                    &format!("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n\
                     cls-new,active,{t},New,,crs-alg,,scheduled,,sch-1,\"t-fall,t-nope\",,,\n"),
                ),
                (
                    "users",
                    &format!("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n\
                     stu-2,tobedeleted,{t},,,,,,,,,,,,,,,,,,,\n"),
                ),
                (
                    "roles",
                    &format!("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n\
                     r-x,active,{t},nobody,primary,student,,,sch-1,\n\
                     r-y,active,{t},stu-1,secondary,aide,,,sch-2,prof-2\n"),
                ),
                (
                    "enrollments",
                    &format!("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
                     e-9,active,{t},cls-nope,sch-1,stu-1,student,,,\n\
                     e-10,active,{t},cls-alg-1,sch-1,stu-1,student,,,\n\
                     e-9,active,{t},cls-alg-1,sch-1,stu-1,student,,,\n\
                     e-11,active,{t},cls-alg-1,sch-1,stu-2,student,,,\n"),
                ),
                (
                    "lineItems",
                    &format!("sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId,metadata.gradingPeriodSourcedId\n\
                     li-3,active,{t},Quiz 3,,2024-10-01,2024-10-08,cls-alg-1,cat-test,t-fall,,,sch-1,gp-x\n"),
                ),
                (
                    "resultScoreScales",
                    &format!("sourcedId,status,dateLastModified,title,resultSourcedId,scoreScaleSourcedId\n\
                     rss-2,active,{t},,res-li1-stu1,ss-1\n"),
                ),
            ],
        );
        let errors = refused(import(&app, &pkg).await);
        assert_errors(&errors, &[
            "classes.csv line 2 column termSourcedIds: academicSession 't-nope' is not in the package nor active in the store",
            "roles.csv line 2 column userSourcedId: user 'nobody' is not in the package nor in the store",
            "roles.csv line 3 column userProfileSourcedId: user profile 'prof-2' is not a profile of this user",
            "enrollments.csv line 2 column classSourcedId: class 'cls-nope' is not in the package nor active in the store",
            "enrollments.csv line 4 column sourcedId: 'e-9' is already used at line 2",
            "enrollments.csv line 5 column userSourcedId: user 'stu-2' is not in the package nor active in the store",
            "lineItems.csv line 2 column metadata.gradingPeriodSourcedId: academicSession 'gp-x' is not in the package nor active in the store",
        ]);
        assert_eq!(errors.len(), 7, "{}", errors.join("\n"));
        assert_same(&before, &snapshot(&app, &token).await);
    }
);

both!(
    async fn each_of_the_21_files_imports_on_its_own(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let before = snapshot(&app, &token).await;
        for spec in &csv::schema::FILES {
            let s = ok(import(&app, &Pkg::subset(&[spec.name], "bulk")).await);
            assert_eq!(s.files.len(), 1);
            let f = &s.files[0];
            assert!(f.rows > 0, "{f:?}");
            assert_eq!((f.inserted, f.updated, f.tombstoned), (0, 0, 0), "{f:?}");
        }
        assert_same(&before, &snapshot(&app, &token).await);
    }
);

both!(
    async fn the_manifest_must_describe_the_package(app) {
        let token = app.token_all().await;
        let empty = snapshot(&app, &token).await;
        let f = Pkg::fixture();
        let cases: Vec<(Pkg, &str)> = vec![
            (
                f.clone().set("manifest.csv", &f.get("manifest.csv").replace("oneroster.version,1.2", "oneroster.version,1.1")),
                "manifest.csv line 3 column value: oneroster.version must be 1.2",
            ),
            (
                f.clone().set("manifest.csv", &f.get("manifest.csv").replace("manifest.version,1.0", "manifest.version,2.0")),
                "manifest.csv line 2 column value: manifest.version must be 1.0",
            ),
            (
                f.clone().set("manifest.csv", &(f.get("manifest.csv").to_string() + "color,blue\n")),
                "manifest.csv line 27 column propertyName: unknown property 'color'",
            ),
            (
                f.clone().set("manifest.csv", &f.get("manifest.csv").replace("file.orgs,bulk", "file.orgs,full")),
                "manifest.csv line 15 column value: file.orgs must be bulk, delta or absent, not 'full'",
            ),
            (
                f.clone().without("orgs.csv"),
                "orgs.csv: the manifest says file.orgs=bulk but the package has no orgs.csv",
            ),
            (
                f.clone().set("manifest.csv", &f.get("manifest.csv").replace("file.orgs,bulk", "file.orgs,absent")),
                "orgs.csv: the file is in the package but the manifest says file.orgs is absent",
            ),
            (
                f.clone().set("notes.txt", "hello"),
                "package: unknown file 'notes.txt'",
            ),
            (f.clone().without("manifest.csv"), "package: the package has no manifest.csv"),
            (
                f.clone().set("manifest.csv", "name,value\nmanifest.version,1.0\n"),
                "manifest.csv line 1: the header must be 'propertyName,value'",
            ),
        ];
        for (pkg, expected) in cases {
            let errors = refused(import(&app, &pkg).await);
            assert_errors(&errors, &[expected]);
        }
        assert_same(&empty, &snapshot(&app, &token).await);
        // A trailing `*` on the files new in 1.2 is tolerated; a missing file row is absent.
        let pkg = Pkg::subset(&["orgs", "academicSessions"], "bulk").set(
            "manifest.csv",
            "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\nfile.academicSessions*,bulk\nfile.roles*,absent\nsource.systemName,Test\n",
        );
        let s = ok(import(&app, &pkg).await);
        assert_eq!(s.files.len(), 2);
        assert_eq!(app.store().fetch_i64(&oneroster::store::Sql::new("SELECT count(*) FROM users")).await.unwrap(), 0);
    }
);

both!(
    async fn lenient_where_nothing_is_lost_strict_where_it_would_be(app) {
        // A BOM, CRLF line ends, a quoted line break, filled lifecycle columns in bulk, an
        // `ext:` value and a `tobedeleted` bulk row.
        let orgs = "\u{feff}sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
                    org-d,active,2024-01-01T00:00:00.000Z,\"Lakeside\r\nDistrict\",district,LSD-1,\r\n\
                    org-x,,,Extension org,ext:region,,\r\n\
                    org-y,tobedeleted,2024-01-01T00:00:00Z,Old org,school,,\r\n";
        let s = ok(import(&app, &Pkg::of("bulk", &[("orgs", orgs)])).await);
        assert_eq!(file(&s, "orgs.csv").inserted, 2);
        assert_eq!(file(&s, "orgs.csv").tombstoned, 1);
        let token = app.token_all().await;
        let d = one(&app, &token, &format!("{ROSTERING}/orgs/org-d")).await;
        assert_eq!(d["org"]["name"], "Lakeside\r\nDistrict");
        assert_eq!(d["org"]["identifier"], "LSD-1");
        app.get(&format!("{ROSTERING}/orgs/org-y"), &token).await.assert_status(404);
        // Delta rows need both lifecycle columns.
        let delta = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
                     org-d,,2024-01-01T00:00:00.000Z,D,district,,\n\
                     org-x,active,,X,district,,\n\
                     org-z,deleted,2024-01-01T00:00:00.000Z,Z,district,,\n";
        let errors = refused(import(&app, &Pkg::of("delta", &[("orgs", delta)])).await);
        assert_eq!(
            errors,
            vec![
                "orgs.csv line 2 column status: is required in a delta file (active or tobedeleted)",
                "orgs.csv line 3 column dateLastModified: is required in a delta file",
                "orgs.csv line 4 column status: 'deleted' must be active or tobedeleted",
            ]
        );
        // Extension columns are metadata.<key>, after the binding's columns.
        let bad = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,color\n";
        assert_errors(
            &refused(import(&app, &Pkg::of("bulk", &[("orgs", bad)])).await),
            &["orgs.csv line 1 column color: unknown column 'color'"],
        );
        let short = "sourcedId,status,dateLastModified,name,type,identifier\n";
        assert_errors(
            &refused(import(&app, &Pkg::of("bulk", &[("orgs", short)])).await),
            &["orgs.csv line 1 column parentSourcedId: the header lacks column 7 'parentSourcedId'"],
        );
        assert_errors(
            &refused(import(&app, &Pkg::of("bulk", &[("orgs", "")])).await),
            &["orgs.csv line 1: the file is empty"],
        );
        let latin1 = b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\norg-d,,,Caf\xe9,district,,\n";
        let zip = zip_of(&[
            ("manifest.csv", manifest(&[("orgs", "bulk")]).as_bytes()),
            ("orgs.csv", latin1),
        ]);
        let errors = refused(import_bytes(&app, zip).await);
        assert_errors(&errors, &["orgs.csv line 2 column name: the text is not valid UTF-8"]);
    }
);

/// Rewrites a zip's end of central directory in the zip64 form (the classic record's counts
/// set to 0xFFFF, the real ones in a zip64 record), optionally declaring `entries`.
fn as_zip64(zip: Vec<u8>, entries: Option<u64>) -> Vec<u8> {
    let at = zip.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as u64;
    let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) as u64;
    let (count, size, offset) = (u16_at(at + 10), u32_at(at + 12), u32_at(at + 16));
    let count = entries.unwrap_or(count);
    let mut out = zip[..at].to_vec();
    let record_at = out.len() as u64;
    out.extend_from_slice(b"PK\x06\x06");
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&[45, 0, 45, 0]);
    out.extend_from_slice(&[0; 8]);
    for v in [count, count, size, offset] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"PK\x06\x07");
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&record_at.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&[0xFF; 4]);
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(&(offset as u32).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// The fixture zipped, with `extra` entries.
fn fixture_zip_with(extra: &[(&str, &[u8])]) -> Vec<u8> {
    let f = Pkg::fixture();
    let mut entries: Vec<(&str, &[u8])> = f
        .files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_bytes()))
        .collect();
    entries.extend_from_slice(extra);
    zip_of(&entries)
}

both!(
    async fn hostile_packages_are_refused_and_nothing_is_written(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let before = snapshot(&app, &token).await;
        // A zip bomb: 64 MiB of line breaks deflate to a few tens of kilobytes (the ratio is
        // checked past 256 MiB by default; past 1 MiB here, to keep the test small).
        let bomb = format!(
            "sourcedId,status,dateLastModified,title,weight\n{}",
            "\n".repeat(64 << 20)
        );
        let pkg = Pkg::fixture().set("categories.csv", &bomb);
        let early = ImportOptions {
            limits: csv::Limits { ratio_floor: 1 << 20, ..csv::Limits::default() },
            ..ImportOptions::default()
        };
        let errors = refused(import_with(&app, &pkg, &early).await);
        assert_errors(&errors, &["categories.csv line ", "inflates more than 200 times its compressed size"]);
        // The total inflated size is capped too.
        let small = ImportOptions {
            limits: csv::Limits { max_uncompressed_bytes: 2_000, ..csv::Limits::default() },
            ..ImportOptions::default()
        };
        let errors = refused(import_with(&app, &Pkg::fixture(), &small).await);
        assert_errors(&errors, &["the package inflates to more than 2000 bytes"]);
        for (name, expected) in [
            ("../orgs.csv", "'../orgs.csv' points outside the package"),
            ("/etc/orgs.csv", "'/etc/orgs.csv' is an absolute path"),
            ("district/orgs.csv", "'district/orgs.csv' is in a folder"),
            ("C:\\orgs.csv", "'C:\\orgs.csv' is an absolute path"),
        ] {
            let errors = refused(import_bytes(&app, fixture_zip_with(&[(name, b"x")])).await);
            assert_errors(&errors, &[expected]);
        }
        // Duplicate entries: write orgX.csv, then rename it in the zip's bytes.
        let mut dup = fixture_zip_with(&[("orgX.csv", b"sourcedId\n")]);
        let (from, to) = (b"orgX.csv", b"orgs.csv");
        let mut i = 0;
        while i + from.len() <= dup.len() {
            if &dup[i..i + from.len()] == from {
                dup[i..i + from.len()].copy_from_slice(to);
            }
            i += 1;
        }
        let errors = refused(import_bytes(&app, dup).await);
        assert_errors(&errors, &["several entries with the same name"]);
        let many: Vec<(String, Vec<u8>)> = (0..70).map(|i| (format!("f{i}.csv"), vec![b'x'])).collect();
        let many_refs: Vec<(&str, &[u8])> = many.iter().map(|(n, c)| (n.as_str(), c.as_slice())).collect();
        let errors = refused(import_bytes(&app, zip_of(&many_refs)).await);
        assert_errors(&errors, &["the zip has 70 entries; a package has at most 64"]);
        // A zip64 end record is read too: a legitimate one passes, an inflated count does not.
        ok(import_bytes(&app, as_zip64(Pkg::fixture().zip(), None)).await);
        let errors = refused(import_bytes(&app, as_zip64(Pkg::fixture().zip(), Some(100_000))).await);
        assert_errors(&errors, &["the zip has 100000 entries"]);
        let errors = refused(import_bytes(&app, b"PK\x03\x04 not really a zip".to_vec()).await);
        assert_errors(&errors, &["the package is not a zip archive"]);
        assert_same(&before, &snapshot(&app, &token).await);
    }
);

both!(
    async fn a_package_failing_after_its_writes_began_leaves_the_store_as_it_was(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let token = app.token_all().await;
        let before = snapshot(&app, &token).await;
        // Every file is valid and applied in turn inside the transaction; only once users are
        // written does the new user turn out to have no role. The transaction is rolled back:
        // a crash (or kill -9) at any point has the same effect, since nothing is committed
        // before the end.
        let t = "2025-01-05T10:00:00.000Z";
        let pkg = Pkg::fixture()
            .set("orgs.csv", &Pkg::fixture().get("orgs.csv").replace("Lakeside High", "Renamed High"))
            .set("manifest.csv", &Pkg::fixture().get("manifest.csv").replace("file.users,bulk", "file.users,delta").replace("file.roles,bulk", "file.roles,absent"))
            .without("roles.csv")
            .set(
                "users.csv",
                &format!("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n\
                 stu-9,active,{t},true,no.role,,No,Role,,,,,,,,,,,,,,\n"),
            );
        let errors = refused(import(&app, &pkg).await);
        assert_eq!(
            errors,
            vec!["users.csv line 2 column sourcedId: user 'stu-9' would have no role: every active user needs at least one row in roles.csv"]
        );
        assert_same(&before, &snapshot(&app, &token).await);
        let org = one(&app, &token, &format!("{ROSTERING}/orgs/sch-1")).await;
        assert_eq!(org["org"]["name"], "Lakeside High");
    }
);

both!(
    async fn a_folder_is_a_package_too(app) {
        let s = ok(csv::import(
            app.store(),
            Input::Folder(FIXTURE.into()),
            &ImportOptions::default(),
            Arc::default(),
        )
        .await);
        assert_eq!(s.files.len(), 21);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.csv"), manifest(&[])).unwrap();
        std::fs::create_dir(dir.path().join("nested")).unwrap();
        let errors = refused(csv::import(
            app.store(),
            Input::Folder(dir.path().into()),
            &ImportOptions::default(),
            Arc::default(),
        )
        .await);
        assert_errors(&errors, &["'nested' is not a plain file"]);
    }
);

async fn push(app: &TestApp, query: &str, token: Option<&str>, body: Vec<u8>) -> Resp {
    let mut b = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/admin/csv{query}"))
        .header("content-type", "application/zip");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    app.send(b.body(axum::body::Body::from(body)).unwrap())
        .await
}

both!(
    async fn a_sis_pushes_packages_over_http_with_an_admin_token(app) {
        use oneroster::auth::scope::Scope;
        let pkg = Pkg::fixture().zip();
        push(&app, "", None, pkg.clone()).await.assert_error(401, "unauthorisedrequest");
        let oneroster_token = app.token_all().await;
        push(&app, "", Some(&oneroster_token), pkg.clone())
            .await
            .assert_error(403, "forbidden");
        let admin = app.token(&[Scope::Admin]).await;
        let res = push(&app, "", Some(&admin), pkg.clone()).await;
        res.assert_status(200);
        let body = res.json();
        assert_eq!(body["rows"], 48, "{body}");
        assert_eq!(body["files"].as_array().unwrap().len(), 21);
        assert_eq!(
            body["files"][0],
            json!({"file": "orgs.csv", "mode": "bulk", "rows": 3, "inserted": 3, "updated": 0, "unchanged": 0, "tombstoned": 0})
        );
        assert!(body["dateLastModified"].as_str().unwrap().ends_with('Z'));
        // The admin scope is not a OneRoster scope: the same token reads nothing.
        app.get(&format!("{ROSTERING}/orgs"), &admin).await.assert_error(403, "forbidden");
        // A refused package: 422 listing every error; nothing written.
        let bad = Pkg::of("delta", &[("orgs", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nsch-9,active,2025-01-01T00:00:00Z,,moon,,\n")]);
        let res = push(&app, "", Some(&admin), bad.zip()).await;
        res.assert_error(422, "invaliddata");
        assert_eq!(
            res.description(),
            "The package was refused and nothing was written: 2 errors:\n\
             orgs.csv line 2 column name: is required\n\
             orgs.csv line 2 column type: 'moon' must be one of: department, district, local, national, school, state or ext:<name>"
        );
        // The mass-delete guard, and the parameter that lifts it.
        let few = Pkg::of("bulk", &[("enrollments", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
            e-1,,,cls-alg-1,sch-1,tch-1,teacher,true,2024-08-01,\n")]);
        let res = push(&app, "?allowMassDelete=false", Some(&admin), few.zip()).await;
        res.assert_error(422, "invaliddata");
        assert!(res.description().contains("would delete 3 of the 4 active enrollments"), "{}", res.description());
        push(&app, "?allowMassDelete=maybe", Some(&admin), few.zip()).await.assert_error(400, "invaliddata");
        push(&app, "?dryRun=true", Some(&admin), few.zip()).await.assert_error(400, "invaliddata");
        let res = push(&app, "?allowMassDelete=true", Some(&admin), few.zip()).await;
        res.assert_status(200);
        assert_eq!(res.json()["files"][0]["tombstoned"], 3);
        // Not a zip at all.
        push(&app, "", Some(&admin), b"sourcedId,status".to_vec()).await.assert_error(422, "invaliddata");
        push(&app, "", Some(&admin), Vec::new()).await.assert_error(422, "invaliddata");
        // The package's own size limit, larger than the API's.
        let small = TestApp::start_with(app.backend, |s| s.max_import_bytes = 1024).await.unwrap();
        let admin = small.token(&[Scope::Admin]).await;
        let res = push(&small, "", Some(&admin), pkg).await;
        res.assert_error(413, "invaliddata");
    }
);

both!(
    async fn a_newcomer_exports_edits_one_user_and_imports_it_back_as_a_delta(app) {
        app.load_demo().await;
        let token = app.token_all().await;
        let (bytes, _) = export(&app, None).await;
        let files = unzip(&bytes);
        let users = &files.iter().find(|(n, _)| n == "users.csv").unwrap().1;
        // The edit: one row of users.csv, renamed, marked as a delta row.
        let header = users.lines().next().unwrap();
        let row = users.lines().find(|l| l.starts_with("stu-001,")).unwrap();
        let edited = row
            .replacen("stu-001,,,", "stu-001,active,2025-06-01T00:00:00.000Z,", 1)
            .replacen(",Ava,", ",Avery,", 1);
        tick().await;
        let before = oneroster::model::datetime::format_datetime(oneroster::model::datetime::now_ms());
        tick().await;
        let pkg = Pkg::of("delta", &[("users", &format!("{header}\n{edited}\n"))]);
        let s = ok(import(&app, &pkg).await);
        assert_eq!(file(&s, "users.csv").updated, 1);
        for (base, coll) in [
            (ROSTERING, "orgs"),
            (ROSTERING, "classes"),
            (ROSTERING, "enrollments"),
            (GRADEBOOK, "results"),
        ] {
            assert!(changed_since(&app, &token, base, coll, &before).await.is_empty());
        }
        let res = app
            .get(
                &format!("{ROSTERING}/users?filter=dateLastModified%3E'{before}'&fields=sourcedId,givenName,roles"),
                &token,
            )
            .await;
        let users = res.json();
        assert_eq!(users["users"].as_array().unwrap().len(), 1, "{users}");
        assert_eq!(users["users"][0]["givenName"], "Avery");
        assert_eq!(users["users"][0]["roles"][0]["role"], "student");
        // And re-importing the full export changes only that user back.
        tick().await;
        let s = ok(import_bytes(&app, bytes).await);
        assert_eq!(file(&s, "users.csv").updated, 1);
        assert_eq!(file(&s, "users.csv").unchanged, 40);
    }
);

both!(
    async fn delta_link_rows_edit_grouped_and_single_valued_lists(app) {
        ok(import(&app, &Pkg::fixture()).await);
        let t = "2025-01-05T10:00:00.000Z";
        let pkg = Pkg::of(
            "delta",
            &[
                (
                    "scoreScales",
                    &format!("sourcedId,status,dateLastModified,title,type,orgSourcedId,courseSourcedId,classSourcedId,scoreScaleValue\n\
                     ss-2,active,{t},Pass/fail,pf,,,cls-alg-1,\"{{50-100:Pass}},{{0-49:Fail}}\"\n"),
                ),
                (
                    "lineItemScoreScales",
                    &format!("sourcedId,status,dateLastModified,title,lineItemSourcedId,scoreScaleSourcedId\n\
                     liss-2,active,{t},,li-1,ss-2\n\
                     liss-3,active,{t},,li-2,ss-1\n"),
                ),
                (
                    "lineItemLearningObjectiveIds",
                    &format!("sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId\n\
                     lilo-4,active,{t},li-1,case,9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e03\n\
                     lilo-1,tobedeleted,{t},,,\n\
                     lilo-3,tobedeleted,{t},li-1,unknown,ALG.1\n\
                     lilo-5,active,{t},li-1,state,ST.1\n"),
                ),
                (
                    "resultLearningObjectiveIds",
                    &format!("sourcedId,status,dateLastModified,resultSourcedId,source,learningObjectiveId,score,textScore\n\
                     rlo-2,active,{t},res-li1-stu1,case,9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e02,4,Advanced\n"),
                ),
                (
                    "resultScoreScales",
                    &format!("sourcedId,status,dateLastModified,title,resultSourcedId,scoreScaleSourcedId\n\
                     rss-1,tobedeleted,{t},,,\n"),
                ),
            ],
        );
        ok(import(&app, &pkg).await);
        let token = app.token_all().await;
        let li = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-1")).await;
        assert_eq!(li["lineItem"]["scoreScale"]["sourcedId"], "ss-2");
        assert_eq!(
            li["lineItem"]["learningObjectiveSet"],
            json!([{"source": "case", "learningObjectiveIds": [
                "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e02", "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e03"]},
                // A bare source token is stored in the official form `/token`.
                {"source": "/state", "learningObjectiveIds": ["ST.1"]}])
        );
        let li2 = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-2")).await;
        assert_eq!(li2["lineItem"]["scoreScale"]["sourcedId"], "ss-1");
        let r = one(&app, &token, &format!("{GRADEBOOK}/results/res-li1-stu1")).await;
        assert!(r["result"].get("scoreScale").is_none(), "{r}");
        assert_eq!(
            r["result"]["learningObjectiveSet"],
            json!([{"source": "case", "learningObjectiveResults": [
                {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01", "score": 3, "textScore": "Proficient"},
                {"learningObjectiveId": "9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e02", "score": 4, "textScore": "Advanced"}]}])
        );
        // The edited lists survive an export and an import into another store.
        let (bytes, _) = export(&app, None).await;
        let target = TestApp::start(app.backend).await.unwrap();
        ok(import_bytes(&target, bytes).await);
        let t2 = target.token_all().await;
        assert_same(&everything(&app, &token).await, &everything(&target, &t2).await);
    }
);

/// The schema the importer enforces is the binding's, as compiled in the fixture.
#[test]
fn the_21_files_match_the_compiled_binding() {
    use oneroster::csv::schema::{FILES, Req};
    let compiled: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/csv/or12_csv_columns.compiled.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let files = compiled["files"].as_object().unwrap();
    assert_eq!(files.len(), 21);
    for spec in &FILES {
        let cols = files[&spec.file_name()].as_array().unwrap();
        let names: Vec<&str> = cols.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(spec.header(), names, "{}", spec.name);
        for (col, compiled) in spec.columns.iter().zip(cols) {
            let expected = match compiled["req"].as_str().unwrap() {
                "R" => vec![Req::Id, Req::Required, Req::Lenient],
                "O" => vec![Req::Optional, Req::BlankIsEmpty],
                _ => vec![Req::Lifecycle],
            };
            assert!(
                expected.contains(&col.req),
                "{}.{}: {:?}",
                spec.name,
                col.name,
                col.req
            );
        }
    }
}

both!(
    async fn errors_are_capped_and_say_so(app) {
        let mut orgs = String::from("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n");
        for i in 0..150 {
            orgs.push_str(&format!("o{i},,,Org {i},planet,,\n"));
        }
        match import(&app, &Pkg::of("bulk", &[("orgs", &orgs)])).await {
            Err(ImportError::Refused(errors)) => {
                assert_eq!(errors.list.len(), 100);
                let text = ImportError::Refused(errors).describe();
                assert!(text.starts_with("The package was refused and nothing was written: 100 errors (only the first 100 are listed; there may be more):\norgs.csv line 2 column type:"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }
);

// The REST agreements make some references copies: a result's class is its line item's, a
// line item's school its class's, a score scale's course its class's. A delta that moves a
// class to another school and course, and a line item to another class, carries the copies
// of the stored dependents along (and their dateLastModified, so delta consumers see them).
both!(
    async fn delta_moves_carry_the_dependents_copies_along(app) {
        let first = ok(import(&app, &Pkg::fixture()).await);
        tick().await;
        let pkg = Pkg::of(
            "delta",
            &[
                (
                    "classes",
                    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n\
                     cls-alg-1,active,2025-01-05T10:00:00.000Z,Algebra I - P1,09,crs-bio,ALG1-1,scheduled,Room 101,sch-2,\"t-fall,t-spring\",Mathematics,MATH,1\n",
                ),
                (
                    "lineItems",
                    "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId,metadata.gradingPeriodSourcedId\n\
                     li-1,active,2025-01-05T10:00:00.000Z,Quiz 1,First quiz,2024-09-01,2024-09-08,cls-bio-2,cat-test,t-fall,0,100,sch-1,gp-1\n",
                ),
            ],
        );
        ok(import(&app, &pkg).await);
        let token = app.token_all().await;
        // li-1 moved to cls-bio-2: its results follow.
        for id in ["res-li1-stu1", "res-li1-stu2"] {
            let r = one(&app, &token, &format!("{GRADEBOOK}/results/{id}")).await;
            assert_eq!(r["result"]["class"]["sourcedId"], "cls-bio-2", "{r}");
        }
        // li-2 stayed in cls-alg-1, which moved to sch-2: its school follows; li-1 has the
        // school its row gives.
        let li2 = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-2")).await;
        assert_eq!(li2["lineItem"]["school"]["sourcedId"], "sch-2", "{li2}");
        let li1 = one(&app, &token, &format!("{GRADEBOOK}/lineItems/li-1")).await;
        assert_eq!(li1["lineItem"]["school"]["sourcedId"], "sch-1", "{li1}");
        // ss-1 belongs to cls-alg-1, now of course crs-bio.
        let ss = one(&app, &token, &format!("{GRADEBOOK}/scoreScales/ss-1")).await;
        assert_eq!(ss["scoreScale"]["course"]["sourcedId"], "crs-bio", "{ss}");
        // Delta consumers see every carried change.
        let since = &first.date_last_modified;
        let mut results = changed_since(&app, &token, GRADEBOOK, "results", since).await;
        results.sort();
        assert_eq!(results, vec!["res-li1-stu1", "res-li1-stu2"]);
        let mut items = changed_since(&app, &token, GRADEBOOK, "lineItems", since).await;
        items.sort();
        assert_eq!(items, vec!["li-1", "li-2"]);
        assert_eq!(changed_since(&app, &token, GRADEBOOK, "scoreScales", since).await, vec!["ss-1"]);
    }
);

// The agreements of the REST writes hold for CSV rows too: a result's class is its line
// item's class, a line item's school its class's school, whether the object they name is in
// the package or only in the store. A package breaking one is refused, naming the line.
both!(
    async fn rows_disagreeing_with_the_objects_they_name_are_refused(app) {
        let f = Pkg::fixture();
        let results = f.get("results.csv").replacen("2024-09-10,\"Well done, Sam\",A,cls-alg-1", "2024-09-10,\"Well done, Sam\",A,cls-bio-2", 1);
        let items = f.get("lineItems.csv").replace("2024-09-09T23:59:00.000Z,cls-alg-1,cat-hw,t-fall,,,sch-1", "2024-09-09T23:59:00.000Z,cls-alg-1,cat-hw,t-fall,,,sch-2");
        let bad = Pkg::fixture().set("results.csv", &results).set("lineItems.csv", &items);
        let errors = refused(import(&app, &bad).await);
        assert_errors(&errors, &[
            "lineItems.csv line 3 column schoolSourcedId: org 'sch-2' is not the school of class 'cls-alg-1', which is 'sch-1'",
            "results.csv line 2 column classSourcedId: class 'cls-bio-2' is not the class of lineItem 'li-1', which is 'cls-alg-1'",
        ]);
        assert_eq!(errors.len(), 2, "{}", errors.join("\n"));
        ok(import(&app, &Pkg::fixture()).await);
        // Against the store: a delta result naming a stored line item of another class.
        let pkg = Pkg::of(
            "delta",
            &[(
                "results",
                "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing\n\
                 res-new,active,2025-01-05T10:00:00.000Z,li-1,stu-1,fully graded,80,2024-09-10,,,cls-bio-2,,,,\n",
            )],
        );
        let errors = refused(import(&app, &pkg).await);
        assert_eq!(errors, vec![
            "results.csv line 2 column classSourcedId: class 'cls-bio-2' is not the class of lineItem 'li-1', which is 'cls-alg-1'".to_string(),
        ]);
    }
);
