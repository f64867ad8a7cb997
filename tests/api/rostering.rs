//! The 41 rostering operations over the demo district: what each returns, how relationships
//! follow the records they derive from, errors, scopes, tombstones, the filters consumers
//! send, stable paging, users with several roles, passwords and demographics.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use oneroster::api::{Action, OPERATIONS, Operation};
use oneroster::auth::scope::Scope;
use oneroster::model::datetime::format_datetime;
use oneroster::model::entities as e;
use oneroster::model::input::parse_record;
use oneroster::model::{Entity, Kind, Service};
use oneroster::store::write;
use serde_json::{Value, json};

use crate::common::*;

/// When the demo district was loaded (`2025-01-01T12:00:00.000Z`): bodies can be compared
/// exactly.
const DEMO_TIME: i64 = 1_735_732_800_000;
const DEMO_DLM: &str = "2025-01-01T12:00:00.000Z";
/// When the tests change it afterwards (`2025-06-15T15:06:40.000Z`).
const LATER: i64 = 1_750_000_000_000;
/// A delta cut-off between the two.
const SINCE_LOAD: &str = "2025-06-01";

/// The envelope key of each rostering operation (official response schemas).
const ENVELOPES: [(&str, &str); 41] = [
    ("getAllAcademicSessions", "academicSessions"),
    ("getAcademicSession", "academicSession"),
    ("getAllClasses", "classes"),
    ("getStudentsForClass", "users"),
    ("getTeachersForClass", "users"),
    ("getClass", "class"),
    ("getAllCourses", "courses"),
    ("getClassesForCourse", "classes"),
    ("getCourse", "course"),
    ("getAllDemographics", "demographics"),
    ("getDemographics", "demographics"),
    ("getAllEnrollments", "enrollments"),
    ("getEnrollment", "enrollment"),
    ("getAllGradingPeriods", "academicSessions"),
    ("getGradingPeriod", "academicSession"),
    ("getAllOrgs", "orgs"),
    ("getOrg", "org"),
    ("getAllSchools", "orgs"),
    ("getClassesForSchool", "classes"),
    ("getEnrollmentsForClassInSchool", "enrollments"),
    ("getStudentsForClassInSchool", "users"),
    ("getTeachersForClassInSchool", "users"),
    ("getCoursesForSchool", "courses"),
    ("getEnrollmentsForSchool", "enrollments"),
    ("getStudentsForSchool", "users"),
    ("getTeachersForSchool", "users"),
    ("getTermsForSchool", "academicSessions"),
    ("getSchool", "org"),
    ("getAllStudents", "users"),
    ("getStudent", "user"),
    ("getClassesForStudent", "classes"),
    ("getAllTeachers", "users"),
    ("getTeacher", "user"),
    ("getClassesForTeacher", "classes"),
    ("getAllTerms", "academicSessions"),
    ("getTerm", "academicSession"),
    ("getClassesForTerm", "classes"),
    ("getGradingPeriodsForTerm", "academicSessions"),
    ("getAllUsers", "users"),
    ("getUser", "user"),
    ("getClassesForUser", "classes"),
];

// ---- the demo district, as a consumer would list it -------------------------------------------

const SCHOOLS: [&str; 3] = ["sch-elm", "sch-oak", "sch-pine"];
const TERMS: [&str; 2] = ["term-fall-2024", "term-spring-2025"];
const CLASSES: [&str; 7] = [
    "cls-elm-math3-a",
    "cls-elm-read3-a",
    "cls-oak-eng7-3",
    "cls-oak-sci7-1",
    "cls-pine-alg1-4",
    "cls-pine-bio-2",
    "cls-pine-bio-5",
];
const TEACHERS: [&str; 4] = ["tch-1", "tch-2", "tch-3", "tch-4"];

fn students() -> Vec<String> {
    stu(1..=18)
}

/// `stu-001` and so on.
fn stu(numbers: std::ops::RangeInclusive<u32>) -> Vec<String> {
    numbers.map(|n| format!("stu-{n:03}")).collect()
}

fn guardians() -> Vec<String> {
    (1..=18).map(|n| format!("grd-{n:03}")).collect()
}

/// The demo's enrollments, from the rules it is built by: teachers in their classes, the
/// students of each school in its classes (high-school students in one of the two biology
/// sections), plus one deleted enrollment.
fn demo_enrollments() -> Vec<String> {
    let mut ids: Vec<String> = [
        ("tch-1", "cls-elm-math3-a"),
        ("tch-1", "cls-elm-read3-a"),
        ("tch-2", "cls-oak-sci7-1"),
        ("tch-3", "cls-oak-eng7-3"),
        ("tch-3", "cls-pine-bio-2"),
        ("tch-4", "cls-pine-bio-5"),
        ("tch-4", "cls-pine-alg1-4"),
    ]
    .iter()
    .map(|(u, c)| format!("enr-{u}-{c}"))
    .collect();
    for n in 1..=18 {
        let classes: &[&str] = match n {
            1..=6 => &["cls-elm-math3-a", "cls-elm-read3-a"],
            7..=12 => &["cls-oak-sci7-1", "cls-oak-eng7-3"],
            _ if n % 2 == 1 => &["cls-pine-bio-2", "cls-pine-alg1-4"],
            _ => &["cls-pine-bio-5", "cls-pine-alg1-4"],
        };
        ids.extend(classes.iter().map(|c| format!("enr-stu-{n:03}-{c}")));
    }
    ids
}

// ---- helpers --------------------------------------------------------------------------------

fn set<S: ToString>(ids: impl IntoIterator<Item = S>) -> BTreeSet<String> {
    ids.into_iter().map(|s| s.to_string()).collect()
}

/// `path?filter=<filter>`, encoded.
fn filtered(path: &str, filter: &str) -> String {
    format!("{path}?filter={}", enc(filter))
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A GUIDRef as the server writes it.
fn guid(ty: &str, id: &str) -> Value {
    let (base, collection) = match ty {
        "org" => (ROSTERING, "orgs"),
        "academicSession" => (ROSTERING, "academicSessions"),
        "course" => (ROSTERING, "courses"),
        "class" => (ROSTERING, "classes"),
        "user" => (ROSTERING, "users"),
        "resource" => (RESOURCES, "resources"),
        other => panic!("no GUIDRef type {other}"),
    };
    json!({"href": format!("{PUBLIC_URL}{base}/{collection}/{id}"), "sourcedId": id, "type": ty})
}

fn envelope(op: &str) -> &'static str {
    ENVELOPES
        .iter()
        .find(|(id, _)| *id == op)
        .map(|(_, key)| *key)
        .unwrap_or_else(|| panic!("{op} is not a rostering operation"))
}

fn rostering_ops() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS
        .iter()
        .filter(|op| op.service == Service::Rostering)
}

fn is_relationship(op: &Operation) -> bool {
    !op.parents().is_empty()
}

fn is_collection(op: &Operation) -> bool {
    matches!(op.action, Action::List { .. }) && !is_relationship(op)
}

/// The rostering operation serving a path (relative to the service base, without query).
fn operation(path: &str) -> &'static Operation {
    let segs: Vec<&str> = path.split('/').collect();
    rostering_ops()
        .find(|op| {
            let tpl: Vec<&str> = op.path.split('/').collect();
            tpl.len() == segs.len()
                && tpl
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .unwrap_or_else(|| panic!("no rostering operation serves {path}"))
}

/// `op`'s path with each `{param}` replaced.
fn path_of(op: &Operation, id: impl Fn(&str) -> String) -> String {
    op.path
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => id(param),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// A demo id that each path parameter can take (a class of the school, and so on).
fn real_id(op: &Operation, param: &str) -> String {
    let id = match param {
        "sourcedId" => match op.id {
            "getAcademicSession" => "as-2025",
            "getClass" => "cls-pine-bio-2",
            "getCourse" => "crs-pine-bio",
            "getDemographics" => "stu-013",
            "getEnrollment" => "enr-stu-013-cls-pine-bio-2",
            "getGradingPeriod" => "gp-fall-q1",
            "getOrg" => "org-district",
            "getSchool" => "sch-pine",
            "getStudent" => "stu-013",
            "getTeacher" => "tch-3",
            "getTerm" => "term-fall-2024",
            "getUser" => "grd-001",
            other => panic!("no id for {other}"),
        },
        "classSourcedId" => "cls-pine-bio-2",
        "schoolSourcedId" => "sch-pine",
        "courseSourcedId" => "crs-pine-bio",
        "studentSourcedId" => "stu-013",
        "teacherSourcedId" => "tch-3",
        "termSourcedId" => "term-fall-2024",
        "userSourcedId" => "tch-3",
        other => panic!("no id for {{{other}}}"),
    };
    id.to_string()
}

/// Loads the demo district as it was at [`DEMO_TIME`].
async fn load_demo(app: &TestApp) {
    let records = oneroster::demo::records(DEMO_TIME);
    let mut tx = app.store().begin().await.expect("transaction");
    for entity in e::ALL {
        let batch: Vec<_> = records
            .iter()
            .filter(|r| r.entity.kind == entity.kind)
            .collect();
        write::upsert(&mut tx, &batch).await.expect("demo");
    }
    tx.commit().await.expect("commit");
}

/// Validates and writes objects straight into the store, modified at [`LATER`].
async fn insert(app: &TestApp, entity: &'static Entity, objects: &[Value]) {
    insert_at(app, entity, objects, LATER).await
}

/// Validates and writes objects straight into the store, modified at `time`.
async fn insert_at(app: &TestApp, entity: &'static Entity, objects: &[Value], time: i64) {
    let records: Vec<_> = objects
        .iter()
        .map(|v| {
            parse_record(entity, v, None, time)
                .unwrap_or_else(|errs| panic!("invalid {}: {errs:?}", entity.singular))
        })
        .collect();
    let refs: Vec<_> = records.iter().collect();
    let mut tx = app.store().begin().await.expect("transaction");
    write::upsert(&mut tx, &refs).await.expect("upsert");
    tx.commit().await.expect("commit");
}

/// Makes tombstones (at [`LATER`]).
async fn tombstone(app: &TestApp, objects: &[(Kind, &str)]) {
    let mut tx = app.store().begin().await.expect("transaction");
    for (kind, id) in objects {
        assert!(
            write::tombstone(&mut tx, *kind, id, LATER)
                .await
                .expect("tombstone"),
            "{id} is not an active {kind:?}"
        );
    }
    tx.commit().await.expect("commit");
}

/// A student of a school, as the demo writes them.
fn student(id: &str, given: &str, family: &str, school: &str) -> Value {
    json!({"sourcedId": id, "enabledUser": "true", "givenName": given, "familyName": family,
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": school}}],
        "primaryOrg": {"sourcedId": school}})
}

fn enrollment(id: &str, user: &str, class: &str, school: &str, role: &str) -> Value {
    json!({"sourcedId": id, "user": {"sourcedId": user}, "class": {"sourcedId": class},
        "school": {"sourcedId": school}, "role": role})
}

/// A consumer of the rostering service; remembers which operations it called.
struct Api<'a> {
    app: &'a TestApp,
    token: String,
    called: Mutex<BTreeSet<&'static str>>,
}

impl<'a> Api<'a> {
    async fn new(app: &'a TestApp) -> Api<'a> {
        let token = app
            .token(&[Scope::RosterReadonly, Scope::RosterDemographicsReadonly])
            .await;
        Api {
            app,
            token,
            called: Mutex::new(BTreeSet::new()),
        }
    }

    /// GET `<rostering base><path_and_query>`.
    async fn get(&self, path_and_query: &str) -> Resp {
        let path = path_and_query.split('?').next().unwrap_or("");
        self.called.lock().unwrap().insert(operation(path).id);
        self.app
            .get(&format!("{ROSTERING}{path_and_query}"), &self.token)
            .await
    }

    /// Every object of a collection (one page of up to 10 000), checking the envelope and
    /// `X-Total-Count`.
    async fn objects(&self, path_and_query: &str) -> Vec<Value> {
        let sep = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let res = self.get(&format!("{path_and_query}{sep}limit=10000")).await;
        let key = envelope(operation(path_and_query.split('?').next().unwrap_or("")).id);
        collection(&res, key, path_and_query)
    }

    /// The sourcedIds of [`Api::objects`], in order.
    async fn ids(&self, path_and_query: &str) -> Vec<String> {
        self.objects(path_and_query)
            .await
            .iter()
            .map(id_of)
            .collect()
    }

    async fn id_set(&self, path_and_query: &str) -> BTreeSet<String> {
        let ids = self.ids(path_and_query).await;
        let set = set(&ids);
        assert_eq!(
            set.len(),
            ids.len(),
            "duplicates in {path_and_query}: {ids:?}"
        );
        set
    }

    /// One object, checking the envelope.
    async fn one(&self, path: &str) -> Value {
        let res = self.get(path).await;
        res.assert_status(200);
        assert_eq!(res.header("content-type"), Some("application/json"));
        let v = res.json();
        let key = envelope(operation(path.split('?').next().unwrap_or("")).id);
        let obj = v.as_object().expect("object");
        assert_eq!(
            obj.keys().collect::<Vec<_>>(),
            vec![key],
            "envelope of {path}"
        );
        v[key].clone()
    }

    /// Asserts that every one of `ops` was called.
    #[track_caller]
    fn assert_called(&self, ops: impl Iterator<Item = &'static Operation>) {
        let called = self.called.lock().unwrap();
        let missed: Vec<&str> = ops
            .map(|op| op.id)
            .filter(|id| !called.contains(id))
            .collect();
        assert!(missed.is_empty(), "not exercised: {missed:?}");
    }
}

/// The objects of a full collection response under `key`.
#[track_caller]
fn collection(res: &Resp, key: &str, what: &str) -> Vec<Value> {
    assert_eq!(res.status, 200, "{what}: {}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "{what}"
    );
    let v = res.json();
    let obj = v.as_object().expect("object");
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        vec![key],
        "envelope of {what}"
    );
    let items = v[key].as_array().expect("array").clone();
    assert_eq!(res.total() as usize, items.len(), "X-Total-Count of {what}");
    items
}

fn id_of(v: &Value) -> String {
    v["sourcedId"].as_str().expect("sourcedId").to_string()
}

fn ref_id(v: &Value, field: &str) -> String {
    v[field]["sourcedId"]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

fn holds_role(user: &Value, role: &str, org: Option<&str>) -> bool {
    user["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .any(|r| r["role"] == role && org.is_none_or(|o| r["org"]["sourcedId"] == o))
}

// ---- content ------------------------------------------------------------------------------

#[test]
fn the_envelope_table_names_every_rostering_operation() {
    let ours = set(rostering_ops().map(|op| op.id));
    assert_eq!(ours.len(), 41);
    assert_eq!(ours, set(ENVELOPES.iter().map(|(id, _)| id)));
    // And the declarations agree with the official response envelopes.
    for op in rostering_ops() {
        let key = match &op.action {
            Action::List { view, .. } => view.entity.plural,
            Action::Get { view } => view.entity.singular,
            _ => panic!("{} is not a read", op.id),
        };
        assert_eq!(key, envelope(op.id), "{}", op.id);
    }
}

both!(
    async fn collections_list_exactly_the_demo_district(app) {
        load_demo(&app).await;
        let api = Api::new(&app).await;
        let sessions = [
            "as-2025", "gp-fall-q1", "gp-fall-q2", "gp-spring-q3", "gp-spring-q4",
            "term-fall-2024", "term-spring-2025",
        ];
        let mut users = students();
        users.extend(guardians());
        users.extend(["tch-1", "tch-2", "tch-3", "tch-4", "adm-1"].map(String::from));
        let mut enrollments = demo_enrollments();
        assert_eq!(enrollments.len(), 43);
        enrollments.sort();
        let expected: [(&str, BTreeSet<String>); 12] = [
            ("/academicSessions", set(sessions)),
            ("/classes", set(CLASSES)),
            ("/courses", set([
                "crs-elm-math3", "crs-elm-read3", "crs-oak-eng7", "crs-oak-sci7", "crs-pine-alg1",
                "crs-pine-bio",
            ])),
            ("/demographics", set(students())),
            ("/enrollments", set(&enrollments)),
            ("/gradingPeriods", set(["gp-fall-q1", "gp-fall-q2", "gp-spring-q3", "gp-spring-q4"])),
            ("/orgs", set(["org-district", "org-pine-science", "sch-elm", "sch-oak", "sch-pine"])),
            ("/schools", set(SCHOOLS)),
            ("/students", set(students())),
            ("/teachers", set(TEACHERS)),
            ("/terms", set(TERMS)),
            ("/users", set(&users)),
        ];
        for (path, want) in expected {
            let ids = api.ids(path).await;
            // Default order: sourcedId, ascending.
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(ids, sorted, "{path} is not in sourcedId order");
            assert_eq!(set(&ids), want, "{path}");
            assert_eq!(ids.len(), want.len(), "{path} has duplicates");
        }
        api.assert_called(rostering_ops().filter(|op| is_collection(op)));
    }
);

both!(
    async fn single_objects_are_returned_whole_and_only_from_their_own_collection(app) {
        load_demo(&app).await;
        let api = Api::new(&app).await;
        let dlm = DEMO_DLM;
        let pine = json!({"sourcedId": "sch-pine", "status": "active", "dateLastModified": dlm,
            "name": "Pine Valley High School", "type": "school", "identifier": "NCES-061234000303",
            "parent": guid("org", "org-district"), "children": [guid("org", "org-pine-science")]});
        assert_eq!(api.one("/orgs/sch-pine").await, pine);
        assert_eq!(api.one("/schools/sch-pine").await, pine);
        let district = api.one("/orgs/org-district").await;
        assert_eq!(
            district["children"],
            json!([guid("org", "sch-elm"), guid("org", "sch-oak"), guid("org", "sch-pine")])
        );
        assert_eq!(district["metadata"], json!({"state": "CA"}));

        let fall = json!({"sourcedId": "term-fall-2024", "status": "active", "dateLastModified": dlm,
            "title": "Fall 2024", "startDate": "2024-08-19", "endDate": "2025-01-11", "type": "term",
            "parent": guid("academicSession", "as-2025"),
            "children": [guid("academicSession", "gp-fall-q1"), guid("academicSession", "gp-fall-q2")],
            "schoolYear": "2025"});
        assert_eq!(api.one("/terms/term-fall-2024").await, fall);
        assert_eq!(api.one("/academicSessions/term-fall-2024").await, fall);
        let q1 = api.one("/gradingPeriods/gp-fall-q1").await;
        assert_eq!(q1, api.one("/academicSessions/gp-fall-q1").await);
        assert_eq!(q1["type"], "gradingPeriod");
        assert_eq!(q1["parent"], guid("academicSession", "term-fall-2024"));
        assert!(q1.get("children").is_none(), "{q1}");
        assert_eq!(api.one("/academicSessions/as-2025").await["type"], "schoolYear");

        assert_eq!(
            api.one("/courses/crs-elm-math3").await,
            json!({"sourcedId": "crs-elm-math3", "status": "active", "dateLastModified": dlm,
                "title": "Math 3", "schoolYear": guid("academicSession", "as-2025"),
                "courseCode": "MATH-3", "grades": ["03"], "subjects": ["Mathematics"],
                "org": guid("org", "sch-elm"), "resources": [guid("resource", "res-math-text")]})
        );
        assert_eq!(
            api.one("/classes/cls-pine-bio-2").await,
            json!({"sourcedId": "cls-pine-bio-2", "status": "active", "dateLastModified": dlm,
                "title": "Biology - Period 2", "classCode": "CLS-PINE-BIO-2", "classType": "scheduled",
                "location": "Room 12", "grades": ["09"], "course": guid("course", "crs-pine-bio"),
                "school": guid("org", "sch-pine"), "terms": [guid("academicSession", "term-fall-2024")],
                "periods": ["2"], "resources": [guid("resource", "res-bio-lab")]})
        );
        assert_eq!(
            api.one("/enrollments/enr-tch-3-cls-pine-bio-2").await,
            json!({"sourcedId": "enr-tch-3-cls-pine-bio-2", "status": "active", "dateLastModified": dlm,
                "user": guid("user", "tch-3"), "class": guid("class", "cls-pine-bio-2"),
                "school": guid("org", "sch-pine"), "role": "teacher", "primary": "true",
                "beginDate": "2024-08-19"})
        );

        // A teacher of two schools; the credential's password is not returned.
        let mei = json!({"sourcedId": "tch-3", "status": "active", "dateLastModified": dlm,
            "username": "mei.chen", "userIds": [{"type": "LDAP", "identifier": "cn=mei.chen"}],
            "enabledUser": "true", "givenName": "Mei", "familyName": "Chen",
            "roles": [
                {"roleType": "primary", "role": "teacher", "org": guid("org", "sch-pine")},
                {"roleType": "primary", "role": "teacher", "org": guid("org", "sch-oak")}],
            "userProfiles": [{"profileId": "urn:mvusd:sso:mei.chen", "profileType": "SSO",
                "vendorId": "mvusd-idp", "credentials": [{"type": "password", "username": "mei.chen"}]}],
            "primaryOrg": guid("org", "sch-pine"), "identifier": "EMP-1003",
            "email": "mei.chen@maplevalley.example.org"});
        assert_eq!(api.one("/teachers/tch-3").await, mei);
        assert_eq!(api.one("/users/tch-3").await, mei);
        // A high-school student who is also an aide at the elementary school.
        let kwame = json!({"sourcedId": "stu-016", "status": "active", "dateLastModified": dlm,
            "userMasterIdentifier": "MV-500016", "username": "kwame16",
            "userIds": [{"type": "StateID", "identifier": "CA71000016"}],
            "enabledUser": "true", "givenName": "Kwame", "familyName": "Mensah",
            "preferredFirstName": "Kway", "pronouns": "they/them",
            "roles": [
                {"roleType": "primary", "role": "student", "org": guid("org", "sch-pine"),
                    "beginDate": "2024-08-19"},
                {"roleType": "primary", "role": "aide", "org": guid("org", "sch-elm")}],
            "primaryOrg": guid("org", "sch-pine"), "identifier": "STU-20016",
            "email": "kwame16@students.maplevalley.example.org",
            "agents": [guid("user", "grd-016")], "grades": ["10"]});
        assert_eq!(api.one("/students/stu-016").await, kwame);
        assert_eq!(api.one("/users/stu-016").await, kwame);
        assert_eq!(api.one("/users/grd-016").await["agents"], json!([guid("user", "stu-016")]));
        assert_eq!(api.one("/demographics/stu-016").await["sourcedId"], "stu-016");

        // Every object of every collection is what its single GET returns.
        for (list, single) in [
            ("/academicSessions", "/academicSessions"), ("/classes", "/classes"),
            ("/courses", "/courses"), ("/demographics", "/demographics"),
            ("/enrollments", "/enrollments"), ("/gradingPeriods", "/gradingPeriods"),
            ("/orgs", "/orgs"), ("/schools", "/schools"), ("/students", "/students"),
            ("/teachers", "/teachers"), ("/terms", "/terms"), ("/users", "/users"),
        ] {
            for object in api.objects(list).await {
                let id = id_of(&object);
                assert_eq!(api.one(&format!("{single}/{id}")).await, object, "{single}/{id}");
            }
        }

        // An object is found only in its own collection and its own kind's views.
        for (path, minor_path) in [
            ("/schools/org-district", "school 'org-district'"),
            ("/schools/org-pine-science", "school 'org-pine-science'"),
            ("/terms/as-2025", "term 'as-2025'"),
            ("/terms/gp-fall-q1", "term 'gp-fall-q1'"),
            ("/gradingPeriods/term-fall-2024", "gradingPeriod 'term-fall-2024'"),
            ("/students/tch-1", "student 'tch-1'"),
            ("/students/grd-001", "student 'grd-001'"),
            ("/teachers/stu-001", "teacher 'stu-001'"),
            ("/teachers/adm-1", "teacher 'adm-1'"),
            ("/classes/sch-pine", "class 'sch-pine'"),
            ("/users/cls-pine-bio-2", "user 'cls-pine-bio-2'"),
            ("/enrollments/enr-withdrawn", "enrollment 'enr-withdrawn'"),
            ("/demographics/tch-1", "'tch-1'"),
        ] {
            let res = api.get(path).await;
            res.assert_error(404, "unknownobject");
            assert!(res.description().contains(minor_path), "{path}: {}", res.description());
        }
        api.assert_called(rostering_ops().filter(|op| matches!(op.action, Action::Get { .. })));
    }
);

both!(
    async fn relationships_follow_the_records_they_derive_from(app) {
        load_demo(&app).await;
        let api = Api::new(&app).await;
        // What a consumer could work out from the collections alone.
        let classes = api.objects("/classes").await;
        let courses = api.objects("/courses").await;
        let enrollments = api.objects("/enrollments").await;
        let users = api.objects("/users").await;
        let sessions = api.objects("/academicSessions").await;
        let enrolled = |class: &str, role: Option<&str>| {
            set(enrollments
                .iter()
                .filter(|e| ref_id(e, "class") == class && role.is_none_or(|r| e["role"] == r))
                .map(|e| ref_id(e, "user")))
        };
        let classes_of = |user: &str, role: Option<&str>| {
            set(enrollments
                .iter()
                .filter(|e| ref_id(e, "user") == user && role.is_none_or(|r| e["role"] == r))
                .map(|e| ref_id(e, "class")))
        };
        let holders = |role: &str, org: &str| {
            set(users.iter().filter(|u| holds_role(u, role, Some(org))).map(id_of))
        };

        for class in &classes {
            let c = id_of(class);
            let school = ref_id(class, "school");
            let students = enrolled(&c, Some("student"));
            let teachers = enrolled(&c, Some("teacher"));
            assert!(!students.is_empty() && !teachers.is_empty(), "{c}");
            assert_eq!(api.id_set(&format!("/classes/{c}/students")).await, students, "{c}");
            assert_eq!(api.id_set(&format!("/classes/{c}/teachers")).await, teachers, "{c}");
            let in_school = format!("/schools/{school}/classes/{c}");
            assert_eq!(api.id_set(&format!("{in_school}/students")).await, students);
            assert_eq!(api.id_set(&format!("{in_school}/teachers")).await, teachers);
            assert_eq!(
                api.id_set(&format!("{in_school}/enrollments")).await,
                set(enrollments.iter().filter(|e| ref_id(e, "class") == c).map(id_of))
            );
        }
        let terms_view = set(sessions.iter().filter(|s| s["type"] == "term").map(id_of));
        for school in SCHOOLS {
            let of_school = |objects: &[Value], field: &str| {
                set(objects.iter().filter(|o| ref_id(o, field) == school).map(id_of))
            };
            let of = |rel: &str| format!("/schools/{school}/{rel}");
            assert_eq!(api.id_set(&of("classes")).await, of_school(&classes, "school"));
            assert_eq!(api.id_set(&of("courses")).await, of_school(&courses, "org"));
            assert_eq!(api.id_set(&of("enrollments")).await, of_school(&enrollments, "school"));
            assert_eq!(api.id_set(&of("students")).await, holders("student", school));
            assert_eq!(api.id_set(&of("teachers")).await, holders("teacher", school));
            let terms: BTreeSet<String> = classes
                .iter()
                .filter(|c| ref_id(c, "school") == school)
                .flat_map(|c| c["terms"].as_array().unwrap().iter().map(id_of))
                .filter(|t| terms_view.contains(t))
                .collect();
            assert_eq!(api.id_set(&format!("/schools/{school}/terms")).await, terms, "{school}");
        }
        for course in &courses {
            let co = id_of(course);
            assert_eq!(
                api.id_set(&format!("/courses/{co}/classes")).await,
                set(classes.iter().filter(|c| ref_id(c, "course") == co).map(id_of))
            );
        }
        for user in &users {
            let u = id_of(user);
            assert_eq!(api.id_set(&format!("/users/{u}/classes")).await, classes_of(&u, None), "{u}");
            if holds_role(user, "student", None) {
                let classes = api.id_set(&format!("/students/{u}/classes")).await;
                assert_eq!(classes, classes_of(&u, Some("student")));
            }
            if holds_role(user, "teacher", None) {
                let classes = api.id_set(&format!("/teachers/{u}/classes")).await;
                assert_eq!(classes, classes_of(&u, Some("teacher")));
            }
        }
        for term in TERMS {
            assert_eq!(
                api.id_set(&format!("/terms/{term}/classes")).await,
                set(classes
                    .iter()
                    .filter(|c| c["terms"].as_array().unwrap().iter().any(|t| t["sourcedId"] == term))
                    .map(id_of))
            );
            assert_eq!(
                api.id_set(&format!("/terms/{term}/gradingPeriods")).await,
                set(sessions
                    .iter()
                    .filter(|s| s["type"] == "gradingPeriod" && s["parent"]["sourcedId"] == term)
                    .map(id_of))
            );
        }

        // The same, spelled out, so that the derivations above cannot be vacuous.
        let exact = [
            ("/classes/cls-pine-bio-2/students", set(["stu-013", "stu-015", "stu-017"])),
            ("/classes/cls-pine-bio-2/teachers", set(["tch-3"])),
            ("/classes/cls-oak-eng7-3/students", set(stu(7..=12))),
            ("/schools/sch-pine/classes/cls-pine-alg1-4/teachers", set(["tch-4"])),
            ("/schools/sch-elm/classes/cls-elm-math3-a/enrollments", set(
                ["enr-tch-1-cls-elm-math3-a"].into_iter().map(String::from)
                    .chain((1..=6).map(|n| format!("enr-stu-{n:03}-cls-elm-math3-a"))))),
            ("/schools/sch-elm/students", set(stu(1..=6))),
            ("/schools/sch-pine/students", set(stu(13..=18))),
            ("/schools/sch-elm/teachers", set(["tch-1"])),
            ("/schools/sch-oak/teachers", set(["tch-2", "tch-3"])),
            ("/schools/sch-pine/teachers", set(["tch-3", "tch-4"])),
            ("/schools/sch-pine/classes", set(["cls-pine-alg1-4", "cls-pine-bio-2", "cls-pine-bio-5"])),
            ("/schools/sch-oak/courses", set(["crs-oak-eng7", "crs-oak-sci7"])),
            ("/schools/sch-oak/terms", set(TERMS)),
            ("/courses/crs-pine-bio/classes", set(["cls-pine-bio-2", "cls-pine-bio-5"])),
            ("/students/stu-014/classes", set(["cls-pine-alg1-4", "cls-pine-bio-5"])),
            ("/teachers/tch-3/classes", set(["cls-oak-eng7-3", "cls-pine-bio-2"])),
            ("/users/tch-4/classes", set(["cls-pine-alg1-4", "cls-pine-bio-5"])),
            ("/terms/term-fall-2024/classes", set([
                "cls-elm-math3-a", "cls-elm-read3-a", "cls-oak-sci7-1", "cls-pine-alg1-4",
                "cls-pine-bio-2",
            ])),
            ("/terms/term-spring-2025/gradingPeriods", set(["gp-spring-q3", "gp-spring-q4"])),
        ];
        for (path, want) in exact {
            assert_eq!(api.id_set(path).await, want, "{path}");
        }
        assert_eq!(api.id_set("/schools/sch-pine/enrollments").await.len(), 15);

        // Related objects are whole, as their single GET returns them, in sourcedId order.
        for path in ["/classes/cls-pine-bio-2/students", "/schools/sch-oak/teachers",
                     "/teachers/tch-3/classes",
                     "/schools/sch-pine/terms", "/terms/term-fall-2024/gradingPeriods",
                     "/schools/sch-oak/classes/cls-oak-sci7-1/enrollments"] {
            let objects = api.objects(path).await;
            let single = match operation(path).action {
                Action::List { view, .. } => view.entity.collection,
                _ => unreachable!(),
            };
            let ids: Vec<String> = objects.iter().map(id_of).collect();
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(ids, sorted, "{path}");
            for object in objects {
                assert_eq!(api.one(&format!("{single}/{}", id_of(&object))).await, object, "{path}");
            }
        }
        api.assert_called(rostering_ops().filter(|op| is_relationship(op)));
    }
);

// ---- errors and empty relationships --------------------------------------------------------

both!(
    async fn unknown_and_wrong_parents_are_404_unknownobject(app) {
        load_demo(&app).await;
        let api = Api::new(&app).await;
        // Every parameter of every operation, one at a time: a real id works, "nope" is 404.
        for op in rostering_ops() {
            let good = path_of(op, |p| real_id(op, p));
            api.get(&good).await.assert_status(200);
            for param in op.path.split('{').skip(1).map(|s| s.split('}').next().unwrap()) {
                let bad = path_of(op, |p| if p == param { "nope".into() } else { real_id(op, p) });
                let res = api.get(&bad).await;
                res.assert_error(404, "unknownobject");
                assert!(res.description().contains("'nope'"), "{bad}: {}", res.description());
            }
        }
        // A parent of the wrong kind is unknown as what the path says it is.
        let mut wrong = vec![
            "/terms/as-2025/classes".to_string(),
            "/terms/as-2025/gradingPeriods".to_string(),
            "/terms/gp-fall-q1/classes".to_string(),
            "/terms/gp-fall-q1/gradingPeriods".to_string(),
            "/students/tch-1/classes".to_string(),
            "/students/grd-001/classes".to_string(),
            "/teachers/stu-001/classes".to_string(),
            "/teachers/adm-1/classes".to_string(),
            "/classes/sch-pine/students".to_string(),
            "/classes/crs-pine-bio/teachers".to_string(),
            "/courses/cls-pine-bio-2/classes".to_string(),
            "/users/sch-pine/classes".to_string(),
        ];
        for not_a_school in ["org-district", "org-pine-science"] {
            for rel in ["classes", "courses", "enrollments", "students", "teachers", "terms"] {
                wrong.push(format!("/schools/{not_a_school}/{rel}"));
            }
            for rel in ["enrollments", "students", "teachers"] {
                wrong.push(format!("/schools/{not_a_school}/classes/cls-pine-bio-2/{rel}"));
            }
        }
        for path in &wrong {
            api.get(path).await.assert_error(404, "unknownobject");
        }
        // A class of another school, through the three class-in-school operations.
        for rel in ["enrollments", "students", "teachers"] {
            let res = api.get(&format!("/schools/sch-elm/classes/cls-pine-bio-2/{rel}")).await;
            res.assert_error(404, "unknownobject");
            assert_eq!(res.description(), "Unknown class 'cls-pine-bio-2' in school 'sch-elm'");
            api.get(&format!("/schools/sch-pine/classes/cls-pine-bio-2/{rel}")).await.assert_status(200);
        }
        api.assert_called(rostering_ops());
    }
);

both!(
    async fn parents_without_children_give_empty_lists(app) {
        load_demo(&app).await;
        insert(&app, &e::ORG, &[json!({"sourcedId": "sch-empty", "name": "New School", "type": "school",
            "identifier": "NCES-NEW", "parent": {"sourcedId": "org-district"}})]).await;
        insert(&app, &e::ACADEMIC_SESSION, &[json!({"sourcedId": "term-empty", "title": "Summer 2025",
            "type": "term", "startDate": "2025-06-16", "endDate": "2025-08-01", "schoolYear": "2025",
            "parent": {"sourcedId": "as-2025"}})]).await;
        insert(&app, &e::COURSE, &[json!({"sourcedId": "crs-empty", "title": "Chemistry",
            "courseCode": "CHEM-1", "org": {"sourcedId": "sch-pine"}})]).await;
        insert(&app, &e::CLASS, &[json!({"sourcedId": "cls-empty", "title": "Biology - Period 7",
            "course": {"sourcedId": "crs-pine-bio"}, "school": {"sourcedId": "sch-pine"},
            "terms": [{"sourcedId": "term-fall-2024"}]})]).await;
        insert(&app, &e::USER, &[
            student("stu-empty", "Nora", "Quist", "sch-pine"),
            json!({"sourcedId": "tch-empty", "enabledUser": "true", "givenName": "Ada",
                "familyName": "Byron", "roles": [{"roleType": "primary", "role": "teacher",
                "org": {"sourcedId": "sch-pine"}}]}),
        ]).await;
        let api = Api::new(&app).await;
        let empty = |op: &Operation, param: &str| -> String {
            match param {
                // The class-in-school operations need the class in its own school.
                "schoolSourcedId" if op.path.contains("{classSourcedId}") => "sch-pine",
                "schoolSourcedId" => "sch-empty",
                "classSourcedId" => "cls-empty",
                "courseSourcedId" => "crs-empty",
                "termSourcedId" => "term-empty",
                "studentSourcedId" => "stu-empty",
                "teacherSourcedId" => "tch-empty",
                "userSourcedId" => "adm-1",
                other => panic!("{other}"),
            }
            .to_string()
        };
        let relationships: Vec<_> = rostering_ops().filter(|op| is_relationship(op)).collect();
        assert_eq!(relationships.len(), 17);
        for op in relationships {
            let path = path_of(op, |p| empty(op, p));
            let res = api.get(&path).await;
            res.assert_status(200);
            assert_eq!(res.json(), json!({ envelope(op.id): [] }), "{path}");
            assert_eq!(res.total(), 0, "{path}");
            let first = format!("<{PUBLIC_URL}{ROSTERING}{path}?limit=100&offset=0>");
            assert_eq!(
                res.header("link"),
                Some(format!("{first}; rel=\"first\", {first}; rel=\"last\"").as_str()),
                "{path}"
            );
        }
        // A guardian and an administrator are users enrolled in nothing.
        for user in ["grd-001", "adm-1"] {
            assert!(api.ids(&format!("/users/{user}/classes")).await.is_empty());
        }
    }
);

// ---- scopes -----------------------------------------------------------------------------------

both!(
    async fn each_scope_grants_exactly_its_operations(app) {
        load_demo(&app).await;
        let core = [
            "getAllAcademicSessions", "getAcademicSession", "getAllClasses", "getClass",
            "getAllCourses", "getCourse", "getAllEnrollments", "getEnrollment",
            "getAllGradingPeriods", "getGradingPeriod", "getAllOrgs", "getOrg", "getAllSchools",
            "getSchool", "getAllStudents", "getStudent", "getAllTeachers", "getTeacher",
            "getAllTerms", "getTerm", "getAllUsers", "getUser",
        ];
        let demographics = ["getAllDemographics", "getDemographics"];
        let others: Vec<Scope> = Scope::ALL
            .into_iter()
            .filter(|s| !s.short().starts_with("roster"))
            .collect();
        assert_eq!(others.len(), 10);
        let ops: Vec<_> = rostering_ops().collect();
        assert_eq!(ops.len(), 41);
        let all = set(ops.iter().map(|op| op.id));
        let cases = [
            ("roster-core.readonly", vec![Scope::RosterCoreReadonly], set(core), 22),
            ("roster.readonly", vec![Scope::RosterReadonly], &all - &set(demographics), 39),
            ("roster-demographics.readonly", vec![Scope::RosterDemographicsReadonly],
                set(demographics), 2),
            ("gradebook, assessment and resource scopes", others, BTreeSet::new(), 0),
        ];
        for (name, scopes, grants, count) in cases {
            assert_eq!(grants.len(), count, "{name}");
            let token = app.token(&scopes).await;
            for op in &ops {
                let path = format!("{ROSTERING}{}", path_of(op, |p| real_id(op, p)));
                let res = app.get(&path, &token).await;
                if grants.contains(op.id) {
                    assert_eq!(res.status, 200, "{name} must grant {}: {}", op.id, res.text());
                    assert!(res.json().get(envelope(op.id)).is_some(), "{}", op.id);
                } else {
                    assert_eq!(res.status, 403, "{name} must not grant {}", op.id);
                    res.assert_error(403, "forbidden");
                }
            }
        }
    }
);

// ---- tombstones ---------------------------------------------------------------------------

both!(
    async fn tombstones_are_gone_except_for_delta_queries(app) {
        load_demo(&app).await;
        // A summer class, the only one in its term, part of the district until deleted.
        insert_at(&app, &e::ACADEMIC_SESSION, &[json!({"sourcedId": "term-summer-2025",
            "title": "Summer 2025", "type": "term", "startDate": "2025-06-16",
            "endDate": "2025-08-01", "schoolYear": "2025",
            "parent": {"sourcedId": "as-2025"}})], DEMO_TIME).await;
        insert_at(&app, &e::CLASS, &[json!({"sourcedId": "cls-elm-summer", "title": "Summer Math",
            "course": {"sourcedId": "crs-elm-math3"}, "school": {"sourcedId": "sch-elm"},
            "terms": [{"sourcedId": "term-summer-2025"}]})], DEMO_TIME).await;
        let deleted = [
            (Kind::User, "stu-001"),
            (Kind::User, "tch-4"),
            (Kind::Class, "cls-pine-bio-5"),
            (Kind::Class, "cls-elm-summer"),
            (Kind::Course, "crs-elm-read3"),
            (Kind::Org, "sch-oak"),
            (Kind::AcademicSession, "term-spring-2025"),
            (Kind::Enrollment, "enr-stu-013-cls-pine-bio-2"),
        ];
        tombstone(&app, &deleted).await;
        let api = Api::new(&app).await;

        // Single GETs: gone.
        for path in [
            "/users/stu-001", "/students/stu-001", "/users/tch-4", "/teachers/tch-4",
            "/classes/cls-pine-bio-5", "/courses/crs-elm-read3", "/orgs/sch-oak", "/schools/sch-oak",
            "/academicSessions/term-spring-2025", "/terms/term-spring-2025",
            "/enrollments/enr-stu-013-cls-pine-bio-2", "/enrollments/enr-withdrawn",
        ] {
            api.get(path).await.assert_error(404, "unknownobject");
        }

        // Default lists and relationships: gone, and nothing else is.
        let mut enrollments = demo_enrollments();
        enrollments.retain(|e| e != "enr-stu-013-cls-pine-bio-2");
        let listed = [
            ("/users", "stu-001"), ("/students", "stu-001"), ("/teachers", "tch-4"),
            ("/classes", "cls-pine-bio-5"), ("/classes", "cls-elm-summer"),
            ("/courses", "crs-elm-read3"), ("/orgs", "sch-oak"),
            ("/schools", "sch-oak"), ("/academicSessions", "term-spring-2025"),
            ("/terms", "term-spring-2025"),
        ];
        for (path, id) in listed {
            assert!(!api.id_set(path).await.contains(id), "{id} in {path}");
        }
        assert_eq!(api.id_set("/enrollments").await, set(&enrollments));
        assert_eq!(api.id_set("/schools").await, set(["sch-elm", "sch-pine"]));
        assert_eq!(api.id_set("/terms").await, set(["term-fall-2024", "term-summer-2025"]));
        let relationships = [
            ("/classes/cls-elm-math3-a/students", set(stu(2..=6))),
            ("/schools/sch-elm/students", set(stu(2..=6))),
            ("/schools/sch-elm/classes/cls-elm-read3-a/students", set(stu(2..=6))),
            ("/classes/cls-pine-alg1-4/teachers", set::<&str>([])),
            ("/schools/sch-pine/teachers", set(["tch-3"])),
            ("/schools/sch-pine/classes", set(["cls-pine-alg1-4", "cls-pine-bio-2"])),
            ("/courses/crs-pine-bio/classes", set(["cls-pine-bio-2"])),
            ("/students/stu-014/classes", set(["cls-pine-alg1-4"])),
            ("/users/stu-014/classes", set(["cls-pine-alg1-4"])),
            ("/schools/sch-elm/courses", set(["crs-elm-math3"])),
            // Terms of a school are those of its active classes: not the summer term.
            ("/schools/sch-elm/terms", set(["term-fall-2024"])),
            ("/terms/term-fall-2024/classes", set([
                "cls-elm-math3-a", "cls-elm-read3-a", "cls-oak-sci7-1", "cls-pine-alg1-4",
                "cls-pine-bio-2",
            ])),
            ("/classes/cls-pine-bio-2/students", set(["stu-015", "stu-017"])),
            ("/students/stu-013/classes", set(["cls-pine-alg1-4"])),
            ("/users/stu-013/classes", set(["cls-pine-alg1-4"])),
            ("/schools/sch-pine/classes/cls-pine-bio-2/enrollments", set([
                "enr-stu-015-cls-pine-bio-2", "enr-stu-017-cls-pine-bio-2", "enr-tch-3-cls-pine-bio-2",
            ])),
        ];
        for (path, want) in relationships {
            assert_eq!(api.id_set(path).await, want, "{path}");
        }
        let pine = api.id_set("/schools/sch-pine/enrollments").await;
        assert!(!pine.contains("enr-stu-013-cls-pine-bio-2"));
        // Children lists leave them out too.
        assert_eq!(
            api.one("/orgs/org-district").await["children"],
            json!([guid("org", "sch-elm"), guid("org", "sch-pine")])
        );
        assert_eq!(
            api.one("/academicSessions/as-2025").await["children"],
            json!([
                guid("academicSession", "term-fall-2024"),
                guid("academicSession", "term-summer-2025")
            ])
        );

        // A filter on status or dateLastModified is a delta query: tombstones are there,
        // marked, with the time they were deleted.
        let when = format_datetime(LATER);
        let tombstones = [
            ("/users", set(["stu-001", "tch-4"])),
            ("/students", set(["stu-001"])),
            ("/teachers", set(["tch-4"])),
            ("/classes", set(["cls-elm-summer", "cls-pine-bio-5"])),
            ("/courses/crs-elm-math3/classes", set(["cls-elm-summer"])),
            ("/terms/term-summer-2025/classes", set(["cls-elm-summer"])),
            ("/courses", set(["crs-elm-read3"])),
            ("/orgs", set(["sch-oak"])),
            ("/schools", set(["sch-oak"])),
            ("/academicSessions", set(["term-spring-2025"])),
            ("/terms", set(["term-spring-2025"])),
            ("/enrollments", set(["enr-stu-013-cls-pine-bio-2", "enr-withdrawn"])),
            ("/classes/cls-elm-math3-a/students", set(["stu-001"])),
            ("/schools/sch-elm/students", set(["stu-001"])),
            ("/schools/sch-elm/classes/cls-elm-math3-a/students", set(["stu-001"])),
            ("/classes/cls-pine-alg1-4/teachers", set(["tch-4"])),
            ("/schools/sch-pine/teachers", set(["tch-4"])),
            ("/schools/sch-pine/classes", set(["cls-pine-bio-5"])),
            ("/courses/crs-pine-bio/classes", set(["cls-pine-bio-5"])),
            ("/schools/sch-elm/courses", set(["crs-elm-read3"])),
            ("/students/stu-014/classes", set(["cls-pine-bio-5"])),
            ("/schools/sch-elm/terms", set(["term-spring-2025"])),
            ("/schools/sch-pine/enrollments", set(["enr-stu-013-cls-pine-bio-2"])),
            ("/schools/sch-pine/classes/cls-pine-bio-2/enrollments",
                set(["enr-stu-013-cls-pine-bio-2"])),
            ("/schools/sch-oak/classes/cls-oak-eng7-3/enrollments", set::<&str>([])),
            // Students and classes relate through active enrollments only: a deleted
            // enrollment is announced by the enrollments, not by making a student deleted.
            ("/classes/cls-pine-bio-2/students", set::<&str>([])),
        ];
        for (path, want) in tombstones {
            // The school of cls-oak-eng7-3 is deleted; its class-in-school lists are 404.
            if path.starts_with("/schools/sch-oak/") {
                let res = api.get(&filtered(path, "status='tobedeleted'")).await;
                res.assert_error(404, "unknownobject");
                continue;
            }
            let by_status = api.objects(&filtered(path, "status='tobedeleted'")).await;
            assert_eq!(set(by_status.iter().map(id_of)), want, "{path} status");
            for object in &by_status {
                assert_eq!(object["status"], "tobedeleted", "{path}: {object}");
            }
            let changed = api.id_set(&filtered(path, &format!("dateLastModified>'{SINCE_LOAD}'"))).await;
            let mut want_changed = want.clone();
            want_changed.remove("enr-withdrawn");
            assert_eq!(changed, want_changed, "{path} since the load");
            let everything = api.objects(&filtered(path, "dateLastModified>'2000-01-01'")).await;
            let active = api.id_set(path).await;
            let all = set(everything.iter().map(id_of));
            assert_eq!(all, active.union(&want).cloned().collect(), "{path} full delta");
            for object in everything.iter().filter(|o| want.contains(&id_of(o))) {
                assert_eq!(object["status"], "tobedeleted");
                if id_of(object) != "enr-withdrawn" {
                    assert_eq!(object["dateLastModified"], when.as_str());
                }
            }
        }

        // A deleted parent is unknown to every relationship that names it, as a delta
        // query too.
        let dead = |op: &Operation, param: &str| -> String {
            match param {
                "schoolSourcedId" if op.path.contains("{classSourcedId}") => "sch-pine",
                "schoolSourcedId" => "sch-oak",
                "classSourcedId" => "cls-pine-bio-5",
                "courseSourcedId" => "crs-elm-read3",
                "termSourcedId" => "term-spring-2025",
                "studentSourcedId" | "userSourcedId" => "stu-001",
                "teacherSourcedId" => "tch-4",
                other => panic!("{other}"),
            }
            .to_string()
        };
        for op in rostering_ops().filter(|op| is_relationship(op)) {
            let path = path_of(op, |p| dead(op, p));
            api.get(&path).await.assert_error(404, "unknownobject");
            let res = api.get(&filtered(&path, "status='tobedeleted'")).await;
            res.assert_error(404, "unknownobject");
        }
        // Including a deleted school of a live class.
        for rel in ["enrollments", "students", "teachers"] {
            let res = api.get(&format!("/schools/sch-oak/classes/cls-oak-sci7-1/{rel}")).await;
            res.assert_error(404, "unknownobject");
        }
    }
);

// ---- filters ------------------------------------------------------------------------------

/// Whether a user object matches one filter clause `field op 'value'`, as a consumer reads
/// the specification: an array matches when any element does.
fn matches(user: &Value, clause: &str) -> bool {
    let (field, op, value) = ["!=", ">", "="]
        .iter()
        .find_map(|op| {
            clause
                .split_once(op)
                .map(|(f, v)| (f, *op, v.trim_matches('\'')))
        })
        .expect("clause");
    let any = |items: &Value, path: &[&str]| {
        items
            .as_array()
            .into_iter()
            .flatten()
            .any(|item| path.iter().fold(item, |v, k| &v[*k]).as_str() == Some(value))
    };
    let hit = match field {
        "role" | "roles.role" => any(&user["roles"], &["role"]),
        "roles.org.sourcedId" => any(&user["roles"], &["org", "sourcedId"]),
        "userIds.identifier" => any(&user["userIds"], &["identifier"]),
        "dateLastModified" => {
            // Both are UTC ISO 8601 of the same shape, so they compare as text.
            let dlm = user["dateLastModified"].as_str().expect("dateLastModified");
            assert_eq!(op, ">");
            return dlm > value;
        }
        f => user[f].as_str() == Some(value),
    };
    if op == "!=" { !hit } else { hit }
}

both!(
    async fn consumer_filters_narrow_users_and_relationships(app) {
        load_demo(&app).await;
        // A disabled student in a biology class, and a deleted one.
        insert(&app, &e::USER, &[{
            let mut u = student("stu-off", "Otto", "Okafor", "sch-pine");
            u["enabledUser"] = json!("false");
            u
        }]).await;
        let enrolled = enrollment("enr-off", "stu-off", "cls-pine-bio-2", "sch-pine", "student");
        insert(&app, &e::ENROLLMENT, &[enrolled]).await;
        tombstone(&app, &[(Kind::User, "stu-015")]).await;
        let api = Api::new(&app).await;
        let everyone: BTreeMap<String, Value> = api
            .objects(&filtered("/users", "dateLastModified>'2000-01-01'"))
            .await
            .into_iter()
            .map(|u| (id_of(&u), u))
            .collect();
        assert_eq!(everyone.len(), 42);

        let filters = [
            "role='student'",
            "role='aide'",
            "roles.role='teacher'",
            "roles.role='counselor'",
            "roles.org.sourcedId='sch-oak'",
            "roles.org.sourcedId='sch-elm'",
            "roles.role!='student'",
            "email='mei.chen@maplevalley.example.org'",
            "email='kwame16@students.maplevalley.example.org'",
            "username='mateo6'",
            "identifier='STU-20013'",
            "identifier='EMP-1003'",
            "userIds.identifier='CA71000017'",
            "givenName='Mei'",
            "familyName='Okafor'",
            "enabledUser='false'",
            "enabledUser='true'",
            "status='active'",
            "status='tobedeleted'",
            "dateLastModified>'2025-06-01'",
            "roles.role='student' AND roles.org.sourcedId='sch-elm'",
            "givenName='Mei' OR familyName='Okafor'",
            "familyName='Chen' OR email='kwame16@students.maplevalley.example.org' OR username='sofia3'",
        ];
        let endpoints = [
            "/users",
            "/students",
            "/teachers",
            "/classes/cls-pine-bio-2/students",
            "/classes/cls-pine-bio-2/teachers",
            "/schools/sch-pine/classes/cls-pine-bio-2/students",
            "/schools/sch-pine/students",
            "/schools/sch-elm/students",
            "/schools/sch-oak/teachers",
        ];
        let mut nonempty = 0;
        for endpoint in endpoints {
            let active = api.id_set(endpoint).await;
            let with_tombstones = api
                .id_set(&filtered(endpoint, "dateLastModified>'2000-01-01'"))
                .await;
            assert!(active.is_subset(&with_tombstones), "{endpoint}");
            for filter in filters {
                let delta = filter.starts_with("status") || filter.starts_with("dateLastModified");
                let base = if delta { &with_tombstones } else { &active };
                let (clauses, any): (Vec<&str>, bool) = if filter.contains(" OR ") {
                    (filter.split(" OR ").collect(), true)
                } else {
                    (filter.split(" AND ").collect(), false)
                };
                let want: BTreeSet<String> = base
                    .iter()
                    .filter(|id| {
                        let u = &everyone[*id];
                        if any {
                            clauses.iter().any(|c| matches(u, c))
                        } else {
                            clauses.iter().all(|c| matches(u, c))
                        }
                    })
                    .cloned()
                    .collect();
                let got = api.id_set(&filtered(endpoint, filter)).await;
                assert_eq!(got, want, "{endpoint}?filter={filter}");
                nonempty += usize::from(!got.is_empty());
            }
        }
        assert!(nonempty > 60, "only {nonempty} filtered lists had anything in them");

        // Spelled out.
        let exact = [
            ("/users", "role='aide'", set(["stu-016"])),
            ("/users", "dateLastModified>'2025-06-01'", set(["stu-015", "stu-off"])),
            ("/users", "status='tobedeleted'", set(["stu-015"])),
            ("/users", "identifier='STU-20013'", set(["stu-013"])),
            ("/students", "username='mateo6'", set(["stu-006"])),
            ("/teachers", "roles.org.sourcedId='sch-oak'", set(["tch-2", "tch-3"])),
            ("/teachers", "email='mei.chen@maplevalley.example.org'", set(["tch-3"])),
            // Each clause looks at any role: a student of one school who is an aide at another
            // matches "a student role and a role at the other school".
            ("/students", "roles.role='student' AND roles.org.sourcedId='sch-elm'",
                set(["stu-001", "stu-002", "stu-003", "stu-004", "stu-005", "stu-006", "stu-016"])),
            ("/classes/cls-pine-bio-2/students", "enabledUser='false'", set(["stu-off"])),
            ("/classes/cls-pine-bio-2/students", "status='tobedeleted'", set(["stu-015"])),
            ("/classes/cls-pine-bio-2/students", "familyName='Okafor'", set(["stu-off"])),
            // Mei Chen teaches the class: an OR cannot bring her into its students.
            ("/classes/cls-pine-bio-2/students", "givenName='Mei' OR familyName='Okafor'",
                set(["stu-off"])),
            ("/classes/cls-pine-bio-2/teachers", "givenName='Mei' OR familyName='Okafor'",
                set(["tch-3"])),
            ("/schools/sch-oak/teachers", "roles.role='counselor'", set(["tch-2"])),
            ("/schools/sch-elm/students", "role='aide'", set::<&str>([])),
            ("/schools/sch-pine/students", "role='aide'", set(["stu-016"])),
        ];
        for (endpoint, filter, want) in exact {
            let got = api.id_set(&filtered(endpoint, filter)).await;
            assert_eq!(got, want, "{endpoint}?filter={filter}");
        }
    }
);

// ---- paging -----------------------------------------------------------------------------

/// The `Link` header as `rel -> URL`.
#[track_caller]
fn links(res: &Resp) -> BTreeMap<String, String> {
    res.header("link")
        .expect("Link header")
        .split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; rel=").expect("link");
            (
                rel.trim_matches('"').to_string(),
                url.trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            )
        })
        .collect()
}

/// Pages through `path` with `query` (`sort`, `orderBy`) `limit` at a time and checks the
/// pages against one large request. Returns the objects, in order.
async fn page_through(api: &Api<'_>, path: &str, query: &str, limit: usize) -> Vec<Value> {
    let key = envelope(operation(path).id);
    let sep = if query.is_empty() { "" } else { "&" };
    let whole = api.objects(&format!("{path}?{query}")).await;
    let total = whole.len();
    assert!(
        total > limit,
        "{path} has only {total}: paging needs several pages"
    );
    let url = |offset: usize| {
        format!("{PUBLIC_URL}{ROSTERING}{path}?{query}{sep}limit={limit}&offset={offset}")
    };
    let mut seen: Vec<Value> = Vec::new();
    let mut offset = 0;
    while offset < total {
        let res = api
            .get(&format!("{path}?{query}{sep}limit={limit}&offset={offset}"))
            .await;
        let page = collection_page(&res, key, total);
        assert_eq!(
            page.len(),
            limit.min(total - offset),
            "{path}?{query} at {offset}"
        );
        let l = links(&res);
        assert_eq!(l["first"], url(0));
        assert_eq!(l["last"], url((total - 1) / limit * limit));
        assert_eq!(
            l.get("next"),
            (offset + limit < total)
                .then(|| url(offset + limit))
                .as_ref()
        );
        assert_eq!(
            l.get("prev"),
            (offset > 0)
                .then(|| url(offset.saturating_sub(limit)))
                .as_ref()
        );
        seen.extend(page);
        offset += limit;
    }
    // Past the end: nothing, but the same total.
    let res = api
        .get(&format!("{path}?{query}{sep}limit={limit}&offset={total}"))
        .await;
    assert!(collection_page(&res, key, total).is_empty());
    let ids: Vec<String> = seen.iter().map(id_of).collect();
    assert_eq!(
        set(&ids).len(),
        ids.len(),
        "duplicates paging {path}?{query}"
    );
    assert_eq!(seen, whole, "pages of {path}?{query} differ from the whole");
    whole
}

#[track_caller]
fn collection_page(res: &Resp, key: &str, total: usize) -> Vec<Value> {
    res.assert_status(200);
    assert_eq!(res.total() as usize, total);
    res.json()[key].as_array().expect("array").clone()
}

/// Checks that `objects` are ordered by `field` then sourcedId, both ascending or both
/// descending (absent values first when ascending).
#[track_caller]
fn assert_ordered(objects: &[Value], field: &str, descending: bool) {
    let key = |o: &Value| {
        (
            o.get(field).and_then(Value::as_str).map(String::from),
            id_of(o),
        )
    };
    let mut want: Vec<_> = objects.iter().map(key).collect();
    want.sort();
    if descending {
        want.reverse();
    }
    assert_eq!(
        objects.iter().map(key).collect::<Vec<_>>(),
        want,
        "order by {field}"
    );
}

both!(
    async fn paging_is_stable_on_relationships_students_and_teachers(app) {
        load_demo(&app).await;
        // Thirty more students in an algebra class, sharing three family names, so that
        // sorting by name needs the sourcedId tiebreaker.
        let mut extra: Vec<Value> = (1..=30)
            .map(|n| {
                let family = ["Ng", "Ortiz", "Park"][n % 3];
                student(&format!("stu-x{n:02}"), &format!("Given{}", n % 7), family, "sch-pine")
            })
            .collect();
        // A list naming the same grade twice, as some SIS exports do.
        extra[0]["grades"] = json!(["09", "09"]);
        insert(&app, &e::USER, &extra).await;
        let enrollments: Vec<Value> = (1..=30)
            .map(|n| {
                let user = format!("stu-x{n:02}");
                enrollment(&format!("enr-x{n:02}"), &user, "cls-pine-alg1-4", "sch-pine", "student")
            })
            .collect();
        insert(&app, &e::ENROLLMENT, &enrollments).await;
        let api = Api::new(&app).await;
        let users = [
            "/students",
            "/teachers",
            "/classes/cls-pine-alg1-4/students",
            "/schools/sch-pine/students",
            "/schools/sch-pine/classes/cls-pine-alg1-4/students",
        ];
        for path in users {
            let limit = if path == "/teachers" { 3 } else { 7 };
            page_through(&api, path, "", limit).await;
            let by_family = page_through(&api, path, "sort=familyName&orderBy=desc", limit).await;
            assert_ordered(&by_family, "familyName", true);
            let by_given = page_through(&api, path, "sort=givenName&orderBy=asc", limit).await;
            assert_ordered(&by_given, "givenName", false);
        }
        for path in [
            "/schools/sch-pine/enrollments",
            "/schools/sch-pine/classes/cls-pine-alg1-4/enrollments",
        ] {
            page_through(&api, path, "", 7).await;
            let by_role = page_through(&api, path, "sort=role&orderBy=desc", 7).await;
            assert_ordered(&by_role, "role", true);
        }
        for path in [
            "/terms/term-fall-2024/classes",
            "/users/stu-013/classes",
            "/schools/sch-elm/terms",
        ] {
            page_through(&api, path, "sort=title", 1).await;
        }
        let by_title =
            page_through(&api, "/schools/sch-pine/classes", "sort=title&orderBy=desc", 2).await;
        assert_ordered(&by_title, "title", true);
        page_through(&api, "/teachers/tch-3/classes", "", 1).await;
        // Filters that one object matches several times over: its children, its array
        // elements (tch-3 also holds two teacher roles, which /teachers pages above).
        page_through(&api, "/orgs", &format!("filter={}", enc("children.sourcedId>'a'")), 1).await;
        page_through(&api, "/students", &format!("filter={}", enc("grades='09'")), 1).await;
    }
);

// ---- users with several roles -------------------------------------------------------------------

both!(
    async fn users_with_several_roles_appear_where_each_role_says(app) {
        load_demo(&app).await;
        // Two teacher roles at the same school, and the same student enrolled twice in a class.
        insert(&app, &e::USER, &[json!({"sourcedId": "tch-dup", "enabledUser": "true",
            "givenName": "Dana", "familyName": "Twice", "roles": [
                {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "sch-oak"}},
                {"roleType": "secondary", "role": "teacher", "org": {"sourcedId": "sch-oak"},
                    "beginDate": "2025-01-13"}]})]).await;
        insert(&app, &e::ENROLLMENT, &[
            enrollment("enr-dup-1", "tch-dup", "cls-oak-sci7-1", "sch-oak", "teacher"),
            enrollment("enr-dup-2", "tch-dup", "cls-oak-sci7-1", "sch-oak", "teacher"),
            enrollment("enr-stu-013-again", "stu-013", "cls-pine-bio-2", "sch-pine", "student"),
        ]).await;
        let api = Api::new(&app).await;

        // Mei Chen teaches at Pine and at Oak, not at Elm.
        assert!(api.id_set("/schools/sch-pine/teachers").await.contains("tch-3"));
        assert!(api.id_set("/schools/sch-oak/teachers").await.contains("tch-3"));
        assert!(!api.id_set("/schools/sch-elm/teachers").await.contains("tch-3"));
        let mei = set(["cls-oak-eng7-3", "cls-pine-bio-2"]);
        assert_eq!(api.id_set("/teachers/tch-3/classes").await, mei);
        assert_eq!(api.id_set("/users/tch-3/classes").await, mei);
        api.get("/students/tch-3/classes").await.assert_error(404, "unknownobject");
        // Jamal Wright is a teacher and a counselor at Oak: a teacher there, once.
        assert!(api.id_set("/schools/sch-oak/teachers").await.contains("tch-2"));
        // Kwame Mensah is a student at Pine and an aide at Elm.
        assert!(api.id_set("/students").await.contains("stu-016"));
        assert!(!api.id_set("/teachers").await.contains("stu-016"));
        assert!(api.id_set("/schools/sch-pine/students").await.contains("stu-016"));
        assert!(!api.id_set("/schools/sch-elm/students").await.contains("stu-016"));
        assert_eq!(api.id_set(&filtered("/users", "role='aide'")).await, set(["stu-016"]));
        let kwame = set(["cls-pine-alg1-4", "cls-pine-bio-5"]);
        assert_eq!(api.id_set("/students/stu-016/classes").await, kwame);
        api.get("/teachers/stu-016/classes").await.assert_error(404, "unknownobject");
        let roles = api.one("/users/stu-016").await["roles"].clone();
        assert_eq!(roles.as_array().unwrap().len(), 2);
        // Henry Adeyemi is a district administrator and a principal: a user, neither a
        // teacher nor a student anywhere.
        api.get("/teachers/adm-1").await.assert_error(404, "unknownobject");
        api.get("/students/adm-1").await.assert_error(404, "unknownobject");
        api.one("/users/adm-1").await;
        for school in SCHOOLS {
            assert!(!api.id_set(&format!("/schools/{school}/teachers")).await.contains("adm-1"));
        }
        // Two roles or two enrollments never list anyone twice (id_set checks it), and the
        // counts agree.
        assert_eq!(api.id_set("/schools/sch-oak/teachers").await, set(["tch-2", "tch-3", "tch-dup"]));
        assert_eq!(api.id_set("/teachers").await, set(["tch-1", "tch-2", "tch-3", "tch-4", "tch-dup"]));
        assert_eq!(api.id_set("/classes/cls-oak-sci7-1/teachers").await, set(["tch-2", "tch-dup"]));
        assert_eq!(api.id_set("/teachers/tch-dup/classes").await, set(["cls-oak-sci7-1"]));
        let biology = set(["stu-013", "stu-015", "stu-017"]);
        assert_eq!(api.id_set("/classes/cls-pine-bio-2/students").await, biology);
        let classes = set(["cls-pine-alg1-4", "cls-pine-bio-2"]);
        assert_eq!(api.id_set("/students/stu-013/classes").await, classes);
        let oak = api.id_set(&filtered("/teachers", "roles.org.sourcedId='sch-oak'")).await;
        assert_eq!(oak, set(["tch-2", "tch-3", "tch-dup"]));
    }
);

// ---- passwords ------------------------------------------------------------------------------

/// A student with a password and a credential password, enrolled in a class.
async fn add_student_with_passwords(app: &TestApp) {
    let mut u = student("stu-pw", "Pat", "Word", "sch-pine");
    u["password"] = json!("s3cret-top");
    u["userProfiles"] = json!([{"profileId": "urn:x:pat", "profileType": "SSO", "vendorId": "idp",
        "credentials": [{"type": "password", "username": "pat", "password": "s3cret-cred"}]}]);
    insert(app, &e::USER, &[u]).await;
    insert(
        app,
        &e::ENROLLMENT,
        &[enrollment(
            "enr-pw",
            "stu-pw",
            "cls-pine-bio-2",
            "sch-pine",
            "student",
        )],
    )
    .await;
}

const WITH_PASSWORDS: [&str; 8] = [
    "/users/stu-pw",
    "/students/stu-pw",
    "/users",
    "/students",
    "/classes/cls-pine-bio-2/students",
    "/schools/sch-pine/students",
    "/schools/sch-pine/classes/cls-pine-bio-2/students",
    "/users/stu-pw?fields=sourcedId,password,userProfiles",
];

both!(
    async fn passwords_are_never_returned_by_default(app) {
        load_demo(&app).await;
        add_student_with_passwords(&app).await;
        let api = Api::new(&app).await;
        for path in WITH_PASSWORDS {
            let res = api.get(path).await;
            res.assert_status(200);
            let body = res.text();
            for secret in ["s3cret", "demo-password-not-returned", "\"password\":"] {
                assert!(!body.contains(secret), "{path} returns {secret}: {body}");
            }
        }
        let pat = api.one("/users/stu-pw").await;
        let credentials = json!([{"type": "password", "username": "pat"}]);
        assert_eq!(pat["userProfiles"][0]["credentials"], credentials);
        // Selecting the password gives the required properties only.
        let selected = api.one("/users/stu-pw?fields=password").await;
        assert!(selected.get("password").is_none(), "{selected}");
        assert_eq!(selected["sourcedId"], "stu-pw");
        for filter in ["password='s3cret-top'", "userProfiles.credentials.password='s3cret-cred'"] {
            let res = api.get(&filtered("/users", filter)).await;
            res.assert_error(400, "invalid_filter_field");
        }
        api.get("/users?sort=password").await.assert_error(400, "invaliddata");
    }
);

both!(
    async fn the_operator_can_expose_passwords(app) {
        let app = TestApp::start_with(app.backend, |s| s.expose_passwords = true).await.expect("app");
        load_demo(&app).await;
        add_student_with_passwords(&app).await;
        let api = Api::new(&app).await;
        let pat = api.one("/users/stu-pw").await;
        assert_eq!(pat["password"], "s3cret-top");
        assert_eq!(pat["userProfiles"][0]["credentials"][0]["password"], "s3cret-cred");
        let selected = api.one("/users/stu-pw?fields=password").await;
        assert_eq!(selected["password"], "s3cret-top");
        assert!(selected.get("userProfiles").is_none(), "{selected}");
        for path in WITH_PASSWORDS {
            assert!(api.get(path).await.text().contains("s3cret-"), "{path}");
        }
        assert_eq!(
            api.one("/teachers/tch-3").await["userProfiles"][0]["credentials"][0]["password"],
            "demo-password-not-returned"
        );
    }
);

// ---- demographics -----------------------------------------------------------------------------

both!(
    async fn demographics_belong_to_their_user(app) {
        load_demo(&app).await;
        let api = Api::new(&app).await;
        let records = api.objects("/demographics").await;
        assert_eq!(set(records.iter().map(id_of)), set(students()));
        for record in &records {
            let id = id_of(record);
            // Same sourcedId as the user, and the same record as the single GET.
            assert_eq!(api.one(&format!("/users/{id}")).await["sourcedId"], id.as_str());
            assert_eq!(&api.one(&format!("/demographics/{id}")).await, record);
        }
        assert_eq!(
            api.one("/demographics/stu-001").await,
            json!({"sourcedId": "stu-001", "status": "active", "dateLastModified": DEMO_DLM,
                "birthDate": "2009-01-10", "sex": "female", "asian": "false", "white": "true",
                "hispanicOrLatinoEthnicity": "false", "countryOfBirthCode": "US",
                "stateOfBirthAbbreviation": "CA", "cityOfBirth": "Sacramento"})
        );
        assert_eq!(
            api.one("/demographics/stu-011").await,
            json!({"sourcedId": "stu-011", "status": "active", "dateLastModified": DEMO_DLM,
                "birthDate": "2012-02-10", "sex": "other", "asian": "true", "white": "false",
                "hispanicOrLatinoEthnicity": "true", "countryOfBirthCode": "US",
                "stateOfBirthAbbreviation": "CA", "cityOfBirth": "Sacramento"})
        );
        // Users without demographics, and no user at all.
        for id in ["tch-1", "grd-001", "adm-1", "nope"] {
            api.get(&format!("/demographics/{id}")).await.assert_error(404, "unknownobject");
        }
        // Filters work on its fields.
        assert_eq!(
            api.id_set(&filtered("/demographics", "sex='female' AND asian='true'")).await,
            set(records
                .iter()
                .filter(|r| r["sex"] == "female" && r["asian"] == "true")
                .map(id_of))
        );
    }
);
